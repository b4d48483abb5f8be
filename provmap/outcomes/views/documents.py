"""documents pages (filled in below)."""

urlpatterns: list = []

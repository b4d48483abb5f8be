"""gaps pages (filled in below)."""

urlpatterns: list = []

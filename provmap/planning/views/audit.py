"""audit pages (filled in below)."""

urlpatterns: list = []

"""reviews pages (filled in below)."""

urlpatterns: list = []

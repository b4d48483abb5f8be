"""clashes pages (filled in below)."""

urlpatterns: list = []

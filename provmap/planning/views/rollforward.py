"""rollforward pages (filled in below)."""

urlpatterns: list = []

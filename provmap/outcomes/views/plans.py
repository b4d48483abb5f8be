"""plans pages (filled in below)."""

urlpatterns: list = []

"""planner pages (filled in below)."""

urlpatterns: list = []

"""Planning next term: the needs audit, gaps and training needs, timetable clashes,
roll-forward and the planner."""

from provmap.planning.views import audit, clashes, gaps, hub, planner, rollforward

urlpatterns: list = [
    *hub.urlpatterns,
    *audit.urlpatterns,
    *gaps.urlpatterns,
    *clashes.urlpatterns,
    *rollforward.urlpatterns,
    *planner.urlpatterns,
]

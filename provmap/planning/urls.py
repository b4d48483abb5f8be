"""Planning next term: the needs audit, gaps and training needs, timetable clashes,
roll-forward and the planner."""

from provmap.planning.views import audit, clashes, gaps, planner, rollforward

urlpatterns: list = [
    *audit.urlpatterns,
    *gaps.urlpatterns,
    *clashes.urlpatterns,
    *rollforward.urlpatterns,
    *planner.urlpatterns,
]

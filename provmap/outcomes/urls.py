"""Support plans, targets, reviews and the views given before them; their documents."""

from provmap.outcomes.views import documents, due, family, plans, reviews

urlpatterns: list = [
    *plans.urlpatterns,
    *reviews.urlpatterns,
    *documents.urlpatterns,
    *family.urlpatterns,
    *due.urlpatterns,
]

"""Root URLconf. There is deliberately no Django admin: it would bypass school scoping."""

from django.urls import include, path

urlpatterns = [
    path("", include("provmap.accounts.urls")),
    path("", include("provmap.provision.urls")),
    path("", include("provmap.pupils.urls")),
    path("", include("provmap.interchange.urls")),
    path("", include("provmap.insights.urls")),
    path("", include("provmap.schools.urls")),
    path("", include("provmap.outcomes.urls")),
    path("", include("provmap.planning.urls")),
]

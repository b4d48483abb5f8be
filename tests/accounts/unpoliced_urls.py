"""provmap's URLs plus one page that was given no access policy, to show it is refused."""

from django.http import HttpResponse
from django.urls import path

from provmap.urls import urlpatterns as provmap_urls


def forgotten(request, urn: str) -> HttpResponse:
    return HttpResponse(f"Everything about school {urn}")


urlpatterns = [
    *provmap_urls,
    path("school/<str:urn>/forgotten/", forgotten, name="forgotten_page"),
    path("unnamed/", forgotten, {"urn": "none"}),
]

"""The URLconf with a people page, as it will be once there is one: the set-up checklist
links to it when it is there."""

from django.http import HttpResponse
from django.urls import path

from provmap.urls import urlpatterns as provmap_urls


def _people(request: object, urn: str) -> HttpResponse:
    return HttpResponse("people")


urlpatterns = [*provmap_urls, path("school/<str:urn>/people/", _people, name="people")]

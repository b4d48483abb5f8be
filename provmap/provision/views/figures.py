"""The school's figures: the year's costs cut every way, and counts of pupils; never a
pupil (governors and trust leaders see this page)."""

from __future__ import annotations

from django.http import HttpResponse

from provmap.accounts.access import SchoolRequest
from provmap.provision import selectors
from provmap.provision.views.common import page, today


def figures_page(request: SchoolRequest, urn: str) -> HttpResponse:
    school, scope = request.access.school, request.access.scope
    return page(
        request,
        "provision/figures.html",
        school,
        scope,
        "figures",
        figures=selectors.school_figures(school, today()),
    )

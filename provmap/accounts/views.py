"""The home page: send each user straight to what their roles let them see."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse

from provmap.accounts.access import SchoolPages, pages_for
from provmap.accounts.permissions import memberships


def landing_url(pages: SchoolPages) -> str:
    """The first page worth opening for one school: the map, a parent's children, figures."""
    if pages.term_map:
        return reverse("term_map", args=[pages.school.urn])
    if pages.children:
        return reverse("my_children", args=[pages.school.urn])
    return reverse("school_figures", args=[pages.school.urn])


def home(request: HttpRequest) -> HttpResponse:
    schools = [pages for pages in pages_for(request.user) if pages.any]
    # One school and something to see there: save the click and go straight to it.
    if len(schools) == 1:
        return redirect(landing_url(schools[0]))

    held = memberships(request.user)
    rows = []
    for pages in schools:
        school = pages.school
        roles = sorted(
            {
                membership.get_role_display()
                for membership in held
                if membership.school_id == school.pk
                or (membership.trust_id is not None and membership.trust_id == school.trust_id)
            }
        )
        rows.append({"pages": pages, "roles": roles})
    return render(request, "accounts/home.html", {"rows": rows, "active": "home"})

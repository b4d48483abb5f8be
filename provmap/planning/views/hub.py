"""Planning next term, in Kent's order: audit the need, find the gaps, check the timetable,
roll the map forward, let the planner propose runs, and see the training the plan needs. One
page with each step and where it stands, for the SENCO and the SEND administrator."""

from __future__ import annotations

from django.db.models import Count
from django.http import HttpResponse
from django.urls import path

from provmap.accounts.access import SchoolRequest
from provmap.planning.models import AuditCell, Plan
from provmap.planning.terms import chosen_or_planned
from provmap.provision.models import ProvisionRun
from provmap.web.pages import render_school_page, school_terms, today


def planning_home(request: SchoolRequest, urn: str) -> HttpResponse:
    school = request.access.school
    terms = school_terms(school)
    term = chosen_or_planned(terms, request.GET.get("term", ""), today())
    levels: dict[str, int] = {}
    runs = plans = 0
    if term is not None:
        levels = dict(
            AuditCell.objects.filter(audit__term=term)
            .values_list("level")
            .annotate(count=Count("pk"))
            .values_list("level", "count")
        )
        runs = ProvisionRun.objects.filter(
            start_date__lte=term.end_date, end_date__gte=term.start_date
        ).count()
        plans = Plan.objects.filter(term=term).count()
    return render_school_page(
        request,
        "planning/home.html",
        "planning",
        term=term,
        terms=terms,
        levels=levels,
        runs=runs,
        plans=plans,
    )


urlpatterns = [
    path("school/<str:urn>/planning/", planning_home, name="planning_home"),
]

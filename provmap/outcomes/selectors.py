"""Reads about outcomes for the pages, each in one query."""

from __future__ import annotations

from django.db.models import QuerySet

from provmap.outcomes.models import ReviewDecision
from provmap.provision.models import Provision
from provmap.schools.models import AcademicYear, School


def provision_decisions(school: School, provision: Provision) -> QuerySet[ReviewDecision]:
    """Every review decision on a provision, newest first, with its year."""
    return ReviewDecision.objects.filter(school=school, provision=provision).select_related(
        "academic_year"
    )


def latest_decisions(
    school: School, academic_year: AcademicYear | None
) -> dict[int, ReviewDecision]:
    """The latest decision on each provision about a year (or about any year), by provision."""
    decisions = ReviewDecision.objects.filter(school=school)
    if academic_year is not None:
        decisions = decisions.filter(academic_year=academic_year)
    latest: dict[int, ReviewDecision] = {}
    for decision in decisions.order_by("-decided_on", "-created_at", "-pk"):
        latest.setdefault(decision.provision_id, decision)
    return latest

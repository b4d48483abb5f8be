"""The impact pages: every provision ranked, one provision's impact with its review
decisions, the gaps between groups of pupils, and who is not progressing.

Whole-school readers see the pupils behind the figures; governors, heads of year and trust
leaders without pupil access see the same figures with no pupil named or singled out (the
scatter's dots carry no names, small groups are not shown on their own, and the list of
pupils not progressing is not offered). Those who see no pupil at all (governors, trust
leaders without pupil access) get every count through the small-number rule
(`insights.disclosure`): no count of one to four pupils, nothing worked out from so few, no
dot a pupil and no label naming a small group. Recording a decision is for those who edit
the map.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from provmap.accounts.access import SchoolAccess, SchoolRequest
from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction
from provmap.formatting import counted
from provmap.insights.disclosure import Disclosure
from provmap.insights.forms import DecisionForm
from provmap.insights.pages import (
    groups_context,
    impact_of,
    names_pupils,
    not_progressing,
    not_progressing_context,
    not_progressing_pupils_context,
    overview_context,
    provision_context,
    provision_or_404,
    snapshot_of,
)
from provmap.insights.selectors import provision_impacts
from provmap.insights.verdicts import DELIVERED_ENOUGH, HIGH_ATTRITION
from provmap.insights.years import choose_year, impacts_for, posted_year
from provmap.outcomes.services import review_decision_record
from provmap.web.forms import add_service_errors
from provmap.web.pages import render_school_page, today


def _render(
    request: SchoolRequest, template: str, access: SchoolAccess, status: int = 200, **context: Any
) -> HttpResponse:
    """Render an impact page with what every impact page needs besides the navigation."""
    scope = access.scope
    shared = {
        "identities": names_pupils(scope),
        "lists_pupils": scope.sees_map,
        "disclosure": Disclosure.for_scope(scope),
    }
    return render_school_page(request, template, "impact", status=status, **(shared | context))


def overview_page(request: SchoolRequest, urn: str) -> HttpResponse:
    """Every provision of a year ranked by its effect or by what a month's progress cost."""
    access = request.access
    on = today()
    choice, asked = choose_year(request.GET.get("year", ""), access.school, on=on)
    impacts = impacts_for(access.school, choice, asked=asked, as_of=on)
    context = overview_context(access, choice, impacts, request.GET.get("sort", "effect"))
    return _render(request, "insights/overview.html", access, **context)


def method_page(request: SchoolRequest, urn: str) -> HttpResponse:
    """How impact is worked out, its assumptions and what makes it trustworthy (the text of
    docs/impact.md); no figures, no pupil."""
    return _render(
        request,
        "insights/method.html",
        request.access,
        impact_tab="method",
        high_attrition=round(HIGH_ATTRITION * 100),
        delivered_enough=round(DELIVERED_ENOUGH * 100),
    )


def provision_page(request: SchoolRequest, urn: str, provision_id: int) -> HttpResponse:
    """One provision's impact in a year: the figures in words and charts, by run and by
    group, its wider outcomes, and the review decisions made on it."""
    access = request.access
    on = today()
    provision = provision_or_404(access.school, provision_id)
    choice, asked = choose_year(request.GET.get("year", ""), access.school, on=on)
    impacts = impacts_for(access.school, choice, asked=asked, as_of=on, only={provision.pk})
    context = provision_context(access, provision, choice, impacts, as_of=on)
    named = context.get("participants") or []
    if named:
        audit_record(
            request,
            AuditAction.VIEW,
            obj=provision,
            summary=f"Impact of {provision.name}, {choice.name}: "
            f"{counted(len(named), 'pupil')} named.",
            pupils=[row.pupil for row in named],
        )
    return _render(request, "insights/provision.html", access, **context)


@require_POST
def decision_record(request: SchoolRequest, urn: str, provision_id: int) -> HttpResponse:
    """Record the review's decision on a provision, with the figures shown at the time."""
    access = request.access
    school = access.school
    on = today()
    provision = provision_or_404(school, provision_id)
    choice = posted_year(school, request.POST.get("year", ""))
    year = choice.year
    assert year is not None  # a posted year is one year
    impacts = provision_impacts(school, academic_year=year, as_of=on, only={provision.pk})
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            decision = review_decision_record(
                school=school,
                provision=provision,
                academic_year=year,
                decision=form.cleaned_data["decision"],
                decided_by=request.user,
                decided_on=form.cleaned_data["decided_on"],
                note=form.cleaned_data["note"],
                snapshot=snapshot_of(impact_of(provision, impacts)),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            audit_record(
                request,
                AuditAction.CREATE,
                obj=decision,
                summary=(
                    f"Review decision on {provision.name} for {year.name}: "
                    f"{decision.get_decision_display().lower()}."
                ),
            )
            messages.success(
                request,
                f"Recorded: {decision.get_decision_display().lower()} {provision.name} "
                f"({year.name}).",
            )
            url = reverse("impact_provision", args=[school.urn, provision.pk])
            return redirect(f"{url}?year={year.pk}#decisions")
    context = provision_context(access, provision, choice, impacts, as_of=on, form=form)
    return _render(request, "insights/provision.html", access, status=400, **context)


def groups_page(request: SchoolRequest, urn: str) -> HttpResponse:
    """The gap between each group and its peers on a measure the whole cohort sits, term by
    term, and whether it is narrowing."""
    access = request.access
    context = groups_context(access, request.GET.get("measure", ""), as_of=today())
    return _render(request, "insights/groups.html", access, **context)


def not_progressing_page(request: SchoolRequest, urn: str) -> HttpResponse:
    """The traits over-represented among pupils making weak or no progress."""
    access = request.access
    on = today()
    choice, asked = choose_year(request.GET.get("year", ""), access.school, on=on)
    impacts = impacts_for(access.school, choice, asked=asked, as_of=on)
    found = not_progressing(access, choice, impacts, as_of=on)
    context = not_progressing_context(access, choice, found)
    return _render(request, "insights/not_progressing.html", access, **context)


def not_progressing_pupils_page(request: SchoolRequest, urn: str) -> HttpResponse:
    """The pupils not progressing whom the user may see, with what they had and their
    traits; ?trait= narrows the list to one trait."""
    access = request.access
    on = today()
    choice, asked = choose_year(request.GET.get("year", ""), access.school, on=on)
    impacts = impacts_for(access.school, choice, asked=asked, as_of=on)
    found = not_progressing(access, choice, impacts, as_of=on)
    context = not_progressing_pupils_context(access, choice, found, request.GET.get("trait", ""))
    shown = context["pupils"]
    if shown:
        audit_record(
            request,
            AuditAction.VIEW,
            school=access.school,
            summary=f"Pupils not progressing, {choice.name}: {counted(len(shown), 'pupil')} named.",
            pupils=[item.pupil for item in shown],
        )
    return _render(request, "insights/not_progressing_pupils.html", access, **context)

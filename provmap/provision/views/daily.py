"""Running the map day to day: the week of those who deliver provision (their groups, the
results due), and the pupils with a need and no provision in a term."""

from __future__ import annotations

from django.http import HttpResponse

from provmap.accounts.access import SchoolRequest
from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction
from provmap.formatting import counted
from provmap.provision import selectors
from provmap.provision.forms import UnmetNeedForm
from provmap.web.pages import chosen_term, render_school_page, school_terms, today


def my_week_page(request: SchoolRequest, urn: str) -> HttpResponse:
    """A teacher's, TA's or mentor's home page: the runs they lead or deliver that meet this
    week (day and time, pupils, the lesson they are withdrawn from), the results due in them
    and the pupils whose results are still to be recorded. Only their own runs."""
    school, scope = request.access.school, request.access.scope
    week = selectors.deliverer_week(school.pk, scope, as_of=today())
    shown = week.pupils
    if shown:
        audit_record(
            request,
            AuditAction.VIEW,
            summary=f"My groups this week: {counted(len(shown), 'pupil')} named.",
            pupils=shown,
        )
    return render_school_page(
        request,
        "provision/my_week.html",
        "my_week",
        week=week,
        delivers=bool(scope.staff_ids),
        today=today(),
    )


def unmet_need_page(request: SchoolRequest, urn: str) -> HttpResponse:
    """Pupils on SEN support or with an EHC plan (or as chosen) who have no provision in the
    chosen term, with counts by year group; editors may add each to one of the term's runs."""
    school, scope = request.access.school, request.access.scope
    terms = school_terms(school)
    term = chosen_term(request, terms)
    form = UnmetNeedForm(request.GET, years=selectors.year_groups_of(school))
    form.is_valid()
    found = None
    if term is not None:
        found = selectors.pupils_without_provision(
            school, term, scope, filters=form.filters(), with_runs=scope.can_edit
        )
        if found.pupils:
            audit_record(
                request,
                AuditAction.VIEW,
                obj=term,
                summary=f"Pupils with no provision in {term}: "
                f"{counted(len(found.pupils), 'pupil')} named.",
                pupils=found.pupils,
            )
    return render_school_page(
        request,
        "provision/unmet_need.html",
        "map",
        terms=terms,
        term=term,
        form=form,
        found=found,
    )

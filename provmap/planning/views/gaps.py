"""Gaps, over-provision and duplication in the term being planned, the pupils behind each
figure, and the training needs the audit shows (with their CSV)."""

from __future__ import annotations

import csv
import io

from django.http import Http404, HttpRequest, HttpResponse
from django.urls import path

from provmap.accounts.access import SchoolRequest
from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction
from provmap.formatting import counted
from provmap.interchange.safety import neutralise
from provmap.planning import gap_pages, gap_reads, gaps, training
from provmap.planning.terms import planned_term
from provmap.provision import selectors
from provmap.schools.models import Term
from provmap.web.pages import render_school_page, school_terms, today


def _term(request: HttpRequest, terms: list[Term]) -> Term | None:
    """The term asked for in ?term= (404 when unknown), else the term being planned."""
    wanted = request.GET.get("term")
    if not wanted:
        return planned_term(terms, today())
    term = next((term for term in terms if str(term.pk) == wanted), None)
    if term is None:
        raise Http404("No such term.")
    return term


def _choice(request: HttpRequest, name: str, allowed: tuple[str, ...] | list[str]) -> str:
    value = request.GET.get(name, "")
    return value if value in allowed else ""


def _by(request: HttpRequest) -> str:
    return gaps.KIND if request.GET.get("by") == gaps.KIND else gaps.AREA


def gaps_page(request: SchoolRequest, urn: str) -> HttpResponse:
    """The audit of the term being planned against its planned runs: totals by year group
    and area (or kind) with the pupils behind each figure, over-provision, duplication and
    the need areas with no wave-2/3 provision."""
    school, scope = request.access.school, request.access.scope
    terms = school_terms(school)
    term = _term(request, terms)
    years = selectors.year_groups_of(school)
    year = _choice(request, "year", years)
    by = _by(request)
    page = None
    if term is not None:
        page = gap_pages.gaps_page(gap_reads.load(school, term, scope, year=year), by=by)
        shown = page.pupils_shown
        if shown:
            audit_record(
                request,
                AuditAction.VIEW,
                obj=term,
                summary=f"Gaps and duplication for {term}: {counted(len(shown), 'pupil')} named.",
                pupils=shown,
            )
    return render_school_page(
        request,
        "planning/gaps.html",
        "planning",
        terms=terms,
        term=term,
        years=[(code, gap_pages.year_name(code)) for code in years],
        year=year,
        by=by,
        page=page,
    )


def gaps_pupils_page(request: SchoolRequest, urn: str) -> HttpResponse:
    """The pupils behind a figure of the gaps page: their needs of a year group, kind or
    area, level, met or unmet, with the runs meeting each."""
    school, scope = request.access.school, request.access.scope
    terms = school_terms(school)
    term = _term(request, terms)
    years = selectors.year_groups_of(school)
    year = _choice(request, "year", years)
    by = _by(request)
    level = _choice(request, "level", gaps.LEVELS)
    state = _choice(request, "state", gap_pages.STATES) or "unmet"
    column = request.GET.get("column", "")
    rows: list[gap_pages.NeedRow] = []
    column_name = ""
    data = None
    if term is not None:
        data = gap_reads.load(school, term, scope, year=year)
        column_name = gap_pages.column_name(data, by, column)
        if column and not column_name:
            raise Http404("No such kind or area.")
        rows = gap_pages.need_rows(data, by=by, column=column, level=level, state=state)
        pupils = list({row.pupil.pk: row.pupil for row in rows}.values())
        if pupils:
            audit_record(
                request,
                AuditAction.VIEW,
                obj=term,
                summary=f"Needs in the audit for {term}: {counted(len(pupils), 'pupil')} named.",
                pupils=pupils,
            )
    return render_school_page(
        request,
        "planning/gaps_pupils.html",
        "planning",
        term=term,
        audit=data.audit if data else None,
        year=year,
        year_label=gap_pages.year_name(year) if year else "",
        by=by,
        level=level,
        state=state,
        column=column,
        column_name=column_name,
        rows=rows,
    )


def _training(
    request: SchoolRequest, terms: list[Term]
) -> tuple[Term | None, gap_pages.TrainingPage | None]:
    school, scope = request.access.school, request.access.scope
    term = _term(request, terms)
    if term is None:
        return None, None
    return term, gap_pages.training_page(gap_reads.load_training(school, term, scope))


def training_needs_page(request: SchoolRequest, urn: str) -> HttpResponse:
    """The need areas of the audit against staff expertise: where the school lacks it, and
    who has it for each area. Counts only: no pupil is named."""
    terms = school_terms(request.access.school)
    term, page = _training(request, terms)
    return render_school_page(
        request,
        "planning/training.html",
        "planning",
        terms=terms,
        term=term,
        page=page,
        statuses={
            training.NO_EXPERTISE: "No staff with the expertise",
            training.TOO_FEW_HOURS: "Too few hours with the expertise",
            training.UNTRAINED_DELIVERERS: "Delivered by staff without the expertise",
            training.COVERED: "Covered",
        },
    )


TRAINING_HEADINGS = [
    "Need",
    "Kind or broad area",
    "Pupils must",
    "Pupils should",
    "Pupils could",
    "Staff with expertise",
    "Their names",
    "Their contracted hours a week",
    "Staff hours a week needed (about)",
    "Delivering its runs without the expertise",
    "Finding",
]


def _training_row(item: training.Finding) -> list[str]:
    area = item.area
    cells = [
        area.name,
        "Kind of provision" if area.scope == training.KIND else "Broad area",
        str(area.must),
        str(area.should),
        str(area.could),
        str(len(item.experts)),
        "; ".join(member.name for member in item.experts),
        f"{item.expert_hours}",
        "" if item.hours_needed is None else f"{item.hours_needed}",
        "; ".join(member.name for member in item.untrained),
        item.sentence,
    ]
    return [neutralise(cell) for cell in cells]


def training_needs_export(request: SchoolRequest, urn: str) -> HttpResponse:
    """The training page's rows as CSV (only the headings when there is no term to plan)."""
    _, page = _training(request, school_terms(request.access.school))
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(TRAINING_HEADINGS)
    for item in page.findings if page is not None else []:
        writer.writerow(_training_row(item))
    response = HttpResponse(
        ("\ufeff" + stream.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    filename = f"training-needs-{request.access.school.urn}-{today():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


urlpatterns = [
    path("school/<str:urn>/planning/gaps/", gaps_page, name="planning_gaps"),
    path("school/<str:urn>/planning/gaps/pupils/", gaps_pupils_page, name="planning_gaps_pupils"),
    path("school/<str:urn>/planning/training/", training_needs_page, name="training_needs"),
    path(
        "school/<str:urn>/planning/training/export.csv",
        training_needs_export,
        name="training_needs_export",
    ),
]

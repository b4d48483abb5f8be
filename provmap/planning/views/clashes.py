"""Timetable clashes in a term (pupils in two runs at once, staff in two places, staff hours
against their contracts, lessons missed) and the lessons a week each year group has of each
subject, which missed lessons are counted against. Both for the SENCO and the SEND
administrator (Rule.SCHOOL_EDIT)."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse

from provmap.accounts.access import SchoolRequest
from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction
from provmap.formatting import counted
from provmap.planning import clash_reads, lessons
from provmap.planning.models import SubjectLessons
from provmap.planning.terms import chosen_or_planned
from provmap.pupils.models import NCYear, Pupil
from provmap.schools.models import School, Term
from provmap.web.pages import render_school_page, school_terms, today


def _planned_term(request: SchoolRequest, terms: list[Term]) -> tuple[Term | None, bool]:
    """The term asked for in ?term=, else the term being planned; the flag says whether the
    school has such a term."""
    term = chosen_or_planned(terms, request.GET.get("term", ""), today())
    return term, term is not None


def clashes_page(request: SchoolRequest, urn: str) -> HttpResponse:
    school = request.access.school
    terms = school_terms(school)
    term, has_next = _planned_term(request, terms)
    report = None
    rows: dict[str, list] = {}
    if term is not None:
        report = clash_reads.period_clashes(school, term.start_date, term.end_date)
        rows = {
            "pupils": [
                (clash, report.pupils[clash.who], *report.run_names(clash))
                for clash in report.pupil_clashes
            ],
            "staff": [
                (clash, report.staff[clash.who], *report.run_names(clash))
                for clash in report.staff_clashes
            ],
            "hours": [
                (load, report.staff[load.staff])
                for load in sorted(
                    report.loads, key=lambda load: (not load.over, -(load.share or 0))
                )
            ],
            "missed": [(item, report.pupils[item.pupil]) for item in report.flagged_missed],
        }
        named = {row[1].pk: row[1] for row in rows["pupils"]}
        named.update({row[1].pk: row[1] for row in rows["missed"]})
        if named:
            audit_record(
                request,
                AuditAction.VIEW,
                obj=term,
                summary=f"Timetable clashes in {term}: {counted(len(named), 'pupil')} named.",
                pupils=list(named.values()),
            )
    return render_school_page(
        request,
        "planning/clashes.html",
        "map",
        terms=terms,
        term=term,
        has_next=has_next,
        report=report,
        rows=rows,
    )


def _grid_years(school: School, existing: list[SubjectLessons]) -> list[str]:
    """The rows of the grid: year groups with pupils on roll, and any already set."""
    years = set(
        Pupil.objects.filter(school=school, on_roll_to__isnull=True).values_list(
            "nc_year", flat=True
        )
    ) | {row.nc_year for row in existing}
    return [code for code in NCYear.values if code in years]


def subject_lessons_page(request: SchoolRequest, urn: str) -> HttpResponse:
    """Lessons a week by year group and subject: a grid to edit, or lines to paste (each
    replaces all, all or nothing)."""
    school = request.access.school
    existing = list(SubjectLessons.objects.filter(school=school))
    years = _grid_years(school, existing)
    subjects = sorted({row.subject for row in existing}, key=str.casefold)
    values = {(row.nc_year, row.subject): str(row.lessons_per_week) for row in existing}
    columns = [(str(index), subject) for index, subject in enumerate(subjects)]
    columns.append(("new", ""))
    text = lessons.as_text(existing)
    errors: list[str] = []
    grid_errors: list[str] = []
    if request.method == "POST":
        post = request.POST
        grid = None
        if post.get("mode") == "grid":
            columns = [(key, post.get(f"subject-{key}", "")) for key, _ in columns]
            grid = {
                (year, subject): post.get(f"cell-{year}-{key}", "")
                for year in years
                for key, subject in columns
            }
            values = {(year, subject): value for (year, subject), value in grid.items()}
        else:
            text = post.get("lines", "")
        try:
            saved = lessons.subject_lessons_set(
                school=school, text=text, grid=grid, by=request.user
            )
        except ValidationError as error:
            if grid is not None:
                grid_errors = error.messages
            else:
                errors = error.messages
        else:
            messages.success(
                request, f"Lessons a week saved: {counted(len(saved), 'year group and subject')}."
            )
            return redirect(reverse("subject_lessons", args=[school.urn]))
    table = [
        (
            code,
            NCYear(code).label,
            [(key, values.get((code, subject), "")) for key, subject in columns],
        )
        for code in years
    ]
    return render_school_page(
        request,
        "planning/subject_lessons.html",
        "map",
        columns=columns,
        table=table,
        text=text,
        errors=errors,
        grid_errors=grid_errors,
    )


urlpatterns: list = [
    path("school/<str:urn>/planning/clashes/", clashes_page, name="clashes"),
    path("school/<str:urn>/planning/lessons/", subject_lessons_page, name="subject_lessons"),
]

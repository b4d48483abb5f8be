"""The school's years and terms: list, add (a year with its usual terms in one step), change
and delete."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from provmap.accounts.access import SchoolRequest
from provmap.accounts.models import AuditAction
from provmap.formatting import counted
from provmap.schools import services
from provmap.schools.forms import AcademicYearForm, NewYearForm, TermForm
from provmap.schools.models import AcademicYear, Term
from provmap.schools.views.common import delete_row, done, edit_row, find
from provmap.web.forms import add_service_errors
from provmap.web.pages import render_school_page, today


def setup_years(request: SchoolRequest, urn: str) -> HttpResponse:
    school = request.access.school
    years = list(AcademicYear.objects.filter(school=school).order_by("-start_date"))
    terms = list(Term.objects.filter(school=school).order_by("start_date"))
    for year in years:
        year.term_list = [term for term in terms if term.academic_year_id == year.pk]
    return render_school_page(request, "schools/years.html", "setup", years=years)


def _suggested_year(school_years: list[AcademicYear]) -> dict[str, object]:
    """The school year to offer first: the one after the latest, else this one."""
    on = today()
    if school_years:
        on = max(year.start_date for year in school_years) + dt.timedelta(days=365)
    name, start, end = services.standard_academic_year(on)
    return {"name": name, "start_date": start, "end_date": end, "weeks": services.STANDARD_WEEKS}


def year_new(request: SchoolRequest, urn: str) -> HttpResponse:
    school = request.access.school
    existing = list(AcademicYear.objects.filter(school=school))
    form = NewYearForm(
        request.POST or None,
        instance=AcademicYear(school=school),
        initial={**_suggested_year(existing), "terms": "3"},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            year = services.academic_year_create_with_terms(
                school=school,
                name=data["name"].strip(),
                start_date=data["start_date"],
                end_date=data["end_date"],
                weeks=data["weeks"],
                terms=int(data["terms"]),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            terms = year.terms.count()
            done(
                request,
                AuditAction.CREATE,
                obj=year,
                summary=f"School year {year.name} with {counted(terms, 'term')}.",
                message=f"{year.name} is added with {counted(terms, 'term')}.",
            )
            return redirect("year_edit", urn=school.urn, year_id=year.pk)
    return render_school_page(request, "schools/year_new.html", "setup", form=form)


def year_edit(request: SchoolRequest, urn: str, year_id: int) -> HttpResponse:
    school = request.access.school
    year = find(AcademicYear, school, year_id, "school year")
    saved, form = edit_row(
        request,
        year,
        AcademicYearForm,
        lambda fresh, **changes: services.academic_year_update(year=fresh, **changes),
        said=lambda year: (f"School year {year.name}.", f"{year.name} is saved."),
    )
    if saved:
        return redirect("year_edit", urn=school.urn, year_id=year.pk)
    year = AcademicYear.objects.get(pk=year.pk)
    return render_school_page(
        request,
        "schools/year_edit.html",
        "setup",
        form=form,
        year=year,
        terms=list(Term.objects.filter(academic_year=year).order_by("number")),
    )


@require_POST
def year_delete(request: SchoolRequest, urn: str, year_id: int) -> HttpResponse:
    school = request.access.school
    year = find(AcademicYear, school, year_id, "school year")
    return delete_row(
        request,
        lambda version: services.academic_year_delete(year=year, read_version=version),
        refused_to=reverse("year_edit", args=[school.urn, year.pk]),
        then=reverse("setup_years", args=[school.urn]),
        summary=f"School year {year.name} and its terms.",
        message=f"{year.name} is deleted.",
    )


def term_new(request: SchoolRequest, urn: str, year_id: int) -> HttpResponse:
    school = request.access.school
    year = find(AcademicYear, school, year_id, "school year")
    taken = set(Term.objects.filter(academic_year=year).values_list("number", flat=True))
    number = next((n for n in range(1, 7) if n not in taken), 6)
    form = TermForm(
        request.POST or None,
        instance=Term(school=school, academic_year=year),
        initial={"number": number},
    )
    if request.method == "POST" and form.is_valid():
        try:
            term = services.term_create(academic_year=year, **form.changes())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            done(
                request,
                AuditAction.CREATE,
                obj=term,
                summary=f"Term {term.name} of {year.name}.",
                message=f"{term.name} is added to {year.name}.",
            )
            return redirect("year_edit", urn=school.urn, year_id=year.pk)
    return render_school_page(request, "schools/term_form.html", "setup", form=form, year=year)


def term_edit(request: SchoolRequest, urn: str, term_id: int) -> HttpResponse:
    school = request.access.school
    term = find(Term, school, term_id, "term")
    year = term.academic_year
    saved, form = edit_row(
        request,
        term,
        TermForm,
        lambda fresh, **changes: services.term_update(term=fresh, **changes),
        said=lambda term: (f"Term {term.name} of {year.name}.", f"{term.name} is saved."),
    )
    if saved:
        return redirect("year_edit", urn=school.urn, year_id=year.pk)
    return render_school_page(
        request,
        "schools/term_form.html",
        "setup",
        form=form,
        year=year,
        term=Term.objects.get(pk=term.pk),
    )


@require_POST
def term_delete(request: SchoolRequest, urn: str, term_id: int) -> HttpResponse:
    school = request.access.school
    term = find(Term, school, term_id, "term")
    year = term.academic_year
    return delete_row(
        request,
        lambda version: services.term_delete(term=term, read_version=version),
        refused_to=reverse("term_edit", args=[school.urn, term.pk]),
        then=reverse("year_edit", args=[school.urn, year.pk]),
        summary=f"Term {term.name} of {year.name}.",
        message=f"{term.name} is deleted from {year.name}.",
    )

"""Funding streams with their budget for each school year, and the budget page: each
stream's budget against the map's planned spend and spend to date."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from provmap.accounts.access import SchoolRequest, require
from provmap.accounts.models import AuditAction
from provmap.provision import budgeting, selectors
from provmap.schools import services
from provmap.schools.forms import FundingBudgetForm, FundingStreamForm
from provmap.schools.models import AcademicYear, FundingBudget, FundingStream, School
from provmap.schools.services import ChangedElsewhere
from provmap.schools.views.common import delete_row, done, edit_row, find, refused
from provmap.web.forms import add_service_errors
from provmap.web.pages import id_param, render_school_page, today


def funding_streams(request: SchoolRequest, urn: str) -> HttpResponse:
    school = request.access.school
    streams = list(FundingStream.objects.filter(school=school))
    budgets = list(
        FundingBudget.objects.filter(school=school)
        .select_related("academic_year")
        .order_by("academic_year__start_date")
    )
    for stream in streams:
        stream.budget_list = [b for b in budgets if b.stream_id == stream.pk]
    return render_school_page(request, "schools/streams.html", "setup", streams=streams)


def funding_stream_new(request: SchoolRequest, urn: str) -> HttpResponse:
    school = request.access.school
    form = FundingStreamForm(request.POST or None, instance=FundingStream(school=school))
    if request.method == "POST" and form.is_valid():
        try:
            stream = services.funding_stream_create(
                school=school,
                name=form.cleaned_data["name"].strip(),
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            done(
                request,
                AuditAction.CREATE,
                obj=stream,
                summary=f"Funding stream '{stream.name}'.",
                message=f"'{stream.name}' is added: give it a budget for the year.",
            )
            return redirect("funding_stream_edit", urn=school.urn, stream_id=stream.pk)
    return render_school_page(request, "schools/stream_new.html", "setup", form=form)


def _years(school: School) -> QuerySet[AcademicYear]:
    return AcademicYear.objects.filter(school=school).order_by("-start_date")


def funding_stream_edit(request: SchoolRequest, urn: str, stream_id: int) -> HttpResponse:
    school = request.access.school
    stream = find(FundingStream, school, stream_id, "funding stream")
    saved, form = edit_row(
        request,
        stream,
        FundingStreamForm,
        lambda fresh, **changes: services.funding_stream_update(stream=fresh, **changes),
        said=lambda stream: (f"Funding stream '{stream.name}'.", f"'{stream.name}' is saved."),
    )
    if saved:
        return redirect("funding_stream_edit", urn=school.urn, stream_id=stream.pk)
    return _stream_page(request, stream, form)


def _stream_page(
    request: SchoolRequest,
    stream: FundingStream,
    form: FundingStreamForm,
    budget_form: FundingBudgetForm | None = None,
    status: int = 200,
) -> HttpResponse:
    budgets = list(
        FundingBudget.objects.filter(stream=stream)
        .select_related("academic_year")
        .order_by("-academic_year__start_date")
    )
    if budget_form is None:
        budget_form = FundingBudgetForm(years=_years(request.access.school), budgets=budgets)
    return render_school_page(
        request,
        "schools/stream_edit.html",
        "setup",
        status=status,
        form=form,
        stream=FundingStream.objects.get(pk=stream.pk),
        budgets=budgets,
        budget_form=budget_form,
    )


@require_POST
def funding_stream_delete(request: SchoolRequest, urn: str, stream_id: int) -> HttpResponse:
    school = request.access.school
    stream = find(FundingStream, school, stream_id, "funding stream")
    return delete_row(
        request,
        lambda version: services.funding_stream_delete(stream=stream, read_version=version),
        refused_to=reverse("funding_stream_edit", args=[school.urn, stream.pk]),
        then=reverse("funding_streams", args=[school.urn]),
        summary=f"Funding stream '{stream.name}' and its budgets.",
        message=f"'{stream.name}' is deleted.",
    )


@require_POST
def funding_budget_set(request: SchoolRequest, urn: str, stream_id: int) -> HttpResponse:
    """Set the stream's budget for a year: a new one, or the one there changed."""
    school = request.access.school
    stream = find(FundingStream, school, stream_id, "funding stream")
    budget_form = FundingBudgetForm(request.POST, years=_years(school))
    if budget_form.is_valid():
        year = budget_form.cleaned_data["academic_year"]
        existing = FundingBudget.objects.filter(stream=stream, academic_year=year).exists()
        try:
            budget = services.funding_budget_set(
                stream=stream,
                academic_year=year,
                amount=budget_form.cleaned_data["amount"],
                read_version=budget_form.read_version(year),
            )
        except ChangedElsewhere as changed:
            # Someone else saved first: the page shows the budgets as they are now.
            refused(request, changed)
            return redirect("funding_stream_edit", urn=school.urn, stream_id=stream.pk)
        except ValidationError as error:
            add_service_errors(budget_form, error)
        else:
            done(
                request,
                AuditAction.CHANGE if existing else AuditAction.CREATE,
                obj=budget,
                summary=f"Budget of '{stream.name}' for {year.name}.",
                message=f"The budget of '{stream.name}' for {year.name} is saved.",
                details={"amount": str(budget.amount)},
            )
            return redirect("funding_stream_edit", urn=school.urn, stream_id=stream.pk)
    return _stream_page(
        request, stream, FundingStreamForm(instance=stream), budget_form, status=400
    )


@require_POST
def funding_budget_delete(request: SchoolRequest, urn: str, budget_id: int) -> HttpResponse:
    school = request.access.school
    budget = find(FundingBudget, school, budget_id, "budget")
    stream, year = budget.stream, budget.academic_year
    back = reverse("funding_stream_edit", args=[school.urn, stream.pk])
    return delete_row(
        request,
        lambda version: services.funding_budget_delete(budget=budget, read_version=version),
        refused_to=back,
        then=back,
        summary=f"Budget of '{stream.name}' for {year.name}.",
        message=f"The budget of '{stream.name}' for {year.name} is removed.",
    )


def school_budget(request: SchoolRequest, urn: str) -> HttpResponse:
    """The chosen year's funding streams: budget, planned spend, spend to date, remaining.
    Money only for those who see costs."""
    access = request.access
    require(access.scope.finance)
    school = access.school
    years = list(_years(school))
    wanted = id_param(request, "year")
    if wanted is not None:
        year = next((item for item in years if item.pk == wanted), None)
        if year is None:
            raise Http404("No such school year.")
    else:
        term = selectors.current_term(school, today())
        year = term.academic_year if term is not None else (years[0] if years else None)
    found = selectors.year_budget(school, year, as_of=today()) if year is not None else None
    chart = None
    if found is not None and found.lines:
        chart = budgeting.budget_bars(
            found.lines,
            label=f"Funding streams in {found.academic_year.name}: "
            + "; ".join(budgeting.describe(line) for line in found.lines),
        )
    return render_school_page(
        request,
        "schools/budget.html",
        "setup",
        years=years,
        year=year,
        budget=found,
        chart=chart,
    )

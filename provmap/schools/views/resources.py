"""General resources of a school year (management time, training, materials): costed
provision that belongs to no pupil. Costs shown only to those who see costs."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from provmap.accounts.access import SchoolRequest
from provmap.accounts.models import AuditAction
from provmap.provision import resources, selectors
from provmap.provision.models import GeneralResource
from provmap.provision.selectors.costed import general_costs, role_rates
from provmap.schools.forms import GeneralResourceForm
from provmap.schools.models import AcademicYear, FundingStream, School, StaffMember
from provmap.schools.views.common import delete_row, done, edit_row, find
from provmap.web.forms import add_service_errors
from provmap.web.pages import id_param, render_school_page, today


def _form(school: School, *args: object, finance: bool, **kwargs: object) -> GeneralResourceForm:
    return GeneralResourceForm(
        *args,
        years=AcademicYear.objects.filter(school=school).order_by("-start_date"),
        streams=FundingStream.objects.filter(school=school),
        staff=StaffMember.objects.filter(school=school, active=True),
        finance=finance,
        **kwargs,
    )


def _chosen_year(request: SchoolRequest, years: list[AcademicYear]) -> AcademicYear | None:
    wanted = id_param(request, "year")
    if wanted is not None:
        year = next((item for item in years if item.pk == wanted), None)
        if year is None:
            raise Http404("No such school year.")
        return year
    term = selectors.current_term(request.access.school, today())
    return term.academic_year if term is not None else (years[0] if years else None)


def general_resources(request: SchoolRequest, urn: str) -> HttpResponse:
    school = request.access.school
    years = list(AcademicYear.objects.filter(school=school).order_by("-start_date"))
    year = _chosen_year(request, years)
    rows = general_costs(school, role_rates(school), academic_year=year) if year else []
    return render_school_page(
        request,
        "schools/resources.html",
        "setup",
        years=years,
        year=year,
        rows=rows,
        total=sum((cost for _, cost in rows), 0),
    )


def _back(school: School, resource: GeneralResource) -> str:
    return reverse("general_resources", args=[school.urn]) + f"?year={resource.academic_year_id}"


def general_resource_new(request: SchoolRequest, urn: str) -> HttpResponse:
    school = request.access.school
    year = id_param(request, "year")
    finance = request.access.scope.finance
    form = _form(
        school,
        request.POST or None,
        finance=finance,
        instance=GeneralResource(school=school),
        initial={"academic_year": year} if year else {},
    )
    if request.method == "POST" and form.is_valid():
        try:
            resource = resources.general_resource_create(
                school=school, finance=finance, **form.changes()
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            done(
                request,
                AuditAction.CREATE,
                obj=resource,
                summary=f"General resource '{resource.name}'.",
                message=f"'{resource.name}' is added to {resource.academic_year.name}.",
            )
            return redirect(_back(school, resource))
    return render_school_page(request, "schools/resource_form.html", "setup", form=form)


def general_resource_edit(request: SchoolRequest, urn: str, resource_id: int) -> HttpResponse:
    school = request.access.school
    resource = find(GeneralResource, school, resource_id, "general resource")
    finance = request.access.scope.finance
    saved, form = edit_row(
        request,
        resource,
        lambda data, instance: _form(school, data, finance=finance, instance=instance),
        lambda fresh, **changes: resources.general_resource_update(
            resource=fresh, finance=finance, **changes
        ),
        said=lambda resource: (
            f"General resource '{resource.name}'.",
            f"'{resource.name}' is saved.",
        ),
    )
    if saved:
        return redirect(_back(school, resource))
    return render_school_page(
        request,
        "schools/resource_form.html",
        "setup",
        form=form,
        resource=GeneralResource.objects.get(pk=resource.pk),
    )


@require_POST
def general_resource_delete(request: SchoolRequest, urn: str, resource_id: int) -> HttpResponse:
    school = request.access.school
    resource = find(GeneralResource, school, resource_id, "general resource")
    return delete_row(
        request,
        lambda version: resources.general_resource_delete(resource=resource, read_version=version),
        refused_to=reverse("general_resource_edit", args=[school.urn, resource.pk]),
        then=_back(school, resource),
        summary=f"General resource '{resource.name}'.",
        message=f"'{resource.name}' is deleted.",
    )

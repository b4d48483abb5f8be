"""The school's hourly rates by role: list, add, change, delete, and taking a list of rates
(a local authority's published rates) at once: paste or upload, preview, then apply."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from provmap.accounts.access import SchoolRequest
from provmap.accounts.models import AuditAction
from provmap.formatting import counted
from provmap.schools import services
from provmap.schools.forms import RatesImportForm, RoleRateForm
from provmap.schools.models import RoleRate, StaffMember
from provmap.schools.roles import StaffRole
from provmap.schools.views.common import delete_row, done, edit_row, find, refused
from provmap.web.forms import add_service_errors
from provmap.web.pages import render_school_page


def role_rates(request: SchoolRequest, urn: str) -> HttpResponse:
    school = request.access.school
    rates = {rate.role: rate for rate in RoleRate.objects.filter(school=school)}
    using = dict(
        StaffMember.objects.filter(school=school, active=True, hourly_rate__isnull=True)
        .values_list("role")
        .annotate(count=Count("pk"))
        .order_by()
    )
    rows = [
        {"role": role, "rate": rates.get(role.value), "using": using.get(role.value, 0)}
        for role in StaffRole
    ]
    return render_school_page(request, "schools/rates.html", "setup", rows=rows)


def role_rate_new(request: SchoolRequest, urn: str) -> HttpResponse:
    school = request.access.school
    initial = {"role": request.GET["role"]} if request.GET.get("role") in StaffRole.values else {}
    form = RoleRateForm(request.POST or None, instance=RoleRate(school=school), initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            rate = services.role_rate_create(school=school, **form.changes())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            done(
                request,
                AuditAction.CREATE,
                obj=rate,
                summary=f"Rate for {rate.get_role_display()}.",
                message=f"The rate for {rate.get_role_display()} is saved.",
            )
            return redirect("role_rates", urn=school.urn)
    return render_school_page(request, "schools/rate_form.html", "setup", form=form)


def role_rate_edit(request: SchoolRequest, urn: str, rate_id: int) -> HttpResponse:
    school = request.access.school
    rate = find(RoleRate, school, rate_id, "rate")
    saved, form = edit_row(
        request,
        rate,
        RoleRateForm,
        lambda fresh, **changes: services.role_rate_update(rate=fresh, **changes),
        said=lambda rate: (
            f"Rate for {rate.get_role_display()}.",
            f"The rate for {rate.get_role_display()} is saved.",
        ),
    )
    if saved:
        return redirect("role_rates", urn=school.urn)
    return render_school_page(
        request,
        "schools/rate_form.html",
        "setup",
        form=form,
        rate=RoleRate.objects.get(pk=rate.pk),
    )


@require_POST
def role_rate_delete(request: SchoolRequest, urn: str, rate_id: int) -> HttpResponse:
    school = request.access.school
    rate = find(RoleRate, school, rate_id, "rate")
    return delete_row(
        request,
        lambda version: services.role_rate_delete(rate=rate, read_version=version),
        refused_to=reverse("role_rate_edit", args=[school.urn, rate.pk]),
        then=reverse("role_rates", args=[school.urn]),
        summary=f"Rate for {rate.get_role_display()}.",
        message=f"The rate for {rate.get_role_display()} is removed: staff in this role with "
        "no rate of their own now cost nothing until a rate is set.",
    )


def role_rates_import(request: SchoolRequest, urn: str) -> HttpResponse:
    """Step one: paste or upload. Step two (`preview`): what each line would do. Step three
    (`apply`): every rate set at once, or none."""
    school = request.access.school
    form = RatesImportForm(request.POST or None, request.FILES or None)
    plan = None
    if request.method == "POST" and form.is_valid():
        text = form.cleaned_data["text"]
        if request.POST.get("step") == "apply":
            try:
                plan = services.role_rates_apply(school=school, text=text)
            except ValidationError as error:
                refused(request, error)
                plan = services.role_rates_plan(school=school, text=text)
            else:
                changed = [row for row in plan.rows if row.change != "unchanged"]
                done(
                    request,
                    AuditAction.CHANGE,
                    summary=f"Rates by role from a list: {counted(len(changed), 'rate')} set.",
                    message=f"{counted(len(changed), 'rate')} set from the list.",
                    details={
                        "rates": {
                            str(row.role): str(row.hourly_rate) for row in changed if row.role
                        }
                    },
                )
                return redirect("role_rates", urn=school.urn)
        else:
            plan = services.role_rates_plan(school=school, text=text)
        form = RatesImportForm(initial={"text": text})
    return render_school_page(request, "schools/rates_import.html", "setup", form=form, plan=plan)

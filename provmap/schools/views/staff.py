"""The school's staff: list, add, change (marking as left), delete one entered by mistake."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from provmap.accounts.access import SchoolRequest
from provmap.accounts.models import AuditAction
from provmap.schools import services
from provmap.schools.forms import StaffMemberForm
from provmap.schools.models import RoleRate, School, StaffMember
from provmap.schools.views.common import delete_row, done, edit_row, find
from provmap.web.forms import add_service_errors
from provmap.web.pages import render_school_page


def _rates(school: School) -> dict[str, object]:
    return dict(RoleRate.objects.filter(school=school).values_list("role", "hourly_rate"))


def setup_staff(request: SchoolRequest, urn: str) -> HttpResponse:
    school = request.access.school
    staff = list(StaffMember.objects.filter(school=school).order_by("-active", "name"))
    rates = _rates(school)
    rows = [{"staff": person, "role_rate": rates.get(person.role)} for person in staff]
    return render_school_page(request, "schools/staff.html", "setup", rows=rows)


def staff_member_new(request: SchoolRequest, urn: str) -> HttpResponse:
    school = request.access.school
    form = StaffMemberForm(
        request.POST or None,
        instance=StaffMember(school=school),
        role_rates=_rates(school),
        pay_rates=request.access.scope.pay_rates,
    )
    if request.method == "POST" and form.is_valid():
        try:
            staff = services.staff_member_create(school=school, **form.changes())
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            done(
                request,
                AuditAction.CREATE,
                obj=staff,
                summary=f"Member of staff ({staff.get_role_display()}).",
                message=f"{staff.name} is added to the staff.",
            )
            return redirect("setup_staff", urn=school.urn)
    return render_school_page(request, "schools/staff_form.html", "setup", form=form)


def staff_member_edit(request: SchoolRequest, urn: str, staff_id: int) -> HttpResponse:
    school = request.access.school
    staff = find(StaffMember, school, staff_id, "member of staff")
    rates = _rates(school)
    pay_rates = request.access.scope.pay_rates
    saved, form = edit_row(
        request,
        staff,
        lambda data, instance: StaffMemberForm(
            data, instance=instance, role_rates=rates, pay_rates=pay_rates
        ),
        lambda fresh, **changes: services.staff_member_update(staff=fresh, **changes),
        said=lambda staff: (
            f"Member of staff ({staff.get_role_display()}).",
            f"{staff.name} is saved.",
        ),
    )
    if saved:
        return redirect("setup_staff", urn=school.urn)
    return render_school_page(
        request,
        "schools/staff_form.html",
        "setup",
        form=form,
        staff=StaffMember.objects.get(pk=staff.pk),
    )


@require_POST
def staff_member_delete(request: SchoolRequest, urn: str, staff_id: int) -> HttpResponse:
    school = request.access.school
    staff = find(StaffMember, school, staff_id, "member of staff")
    return delete_row(
        request,
        lambda version: services.staff_member_delete(staff=staff, read_version=version),
        refused_to=reverse("staff_member_edit", args=[school.urn, staff.pk]),
        then=reverse("setup_staff", args=[school.urn]),
        summary=f"Member of staff ({staff.get_role_display()}) entered by mistake.",
        message=f"{staff.name} is deleted.",
    )

"""Writes to general resources: costed provision that belongs to no pupil (management time,
training, materials), one function per use case. A resource is costed either from a member
of staff's time (hours a week x their rate x weeks, the year's teaching weeks when none are
given) or as a fixed sum, never both."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from provmap.provision.models import GeneralResource
from provmap.schools.bounds import RUN_WEEKS, model_field_errors
from provmap.schools.models import AcademicYear, FundingStream, School, StaffMember
from provmap.schools.services import ChangedElsewhere

RESOURCE_FIELDS = (
    "academic_year",
    "name",
    "kind",
    "funding_stream",
    "staff",
    "hours_per_week",
    "weeks",
    "fixed_cost",
    "notes",
)

# Said to someone without the finance right who sends a fixed cost (the form does not offer one).
NO_FINANCE = "Only someone who sees the school's costs can set or change a fixed cost."


def general_resource_errors(resource: GeneralResource) -> dict[str, list[str]]:
    """What is wrong with a general resource: its fields' bounds, then one way of costing
    it (a fixed sum, or a member of staff with hours a week), the same school throughout,
    and no more weeks than its school year has."""
    errors = model_field_errors(resource, ["school", "academic_year"])
    school_id = resource.school_id
    for field in ("academic_year", "funding_stream", "staff"):
        related = getattr(resource, field)
        if related is not None and related.school_id != school_id:
            errors.setdefault(field, []).append("Choose one of the school's own.")
    if not resource.name.strip():
        errors.setdefault("name", []).append("A general resource needs a name.")
    by_time = resource.staff is not None or resource.hours_per_week is not None
    if resource.fixed_cost is not None and by_time:
        errors.setdefault("fixed_cost", []).append(
            "Give either a fixed cost or a member of staff's time, not both."
        )
    elif resource.fixed_cost is None:
        if resource.staff is None:
            errors.setdefault("staff", []).append(
                "Choose the member of staff whose time it is, or give a fixed cost."
            )
        if resource.hours_per_week is None:
            errors.setdefault("hours_per_week", []).append(
                "Give the hours a week of staff time, or a fixed cost."
            )
    if resource.weeks is not None and "weeks" not in errors:
        year = resource.academic_year
        message = RUN_WEEKS.error(
            resource.weeks, high=year.weeks, why=f"the teaching weeks of {year.name}"
        )
        if message:
            errors["weeks"] = [message]
    return errors


def general_resource_create(
    *,
    school: School,
    academic_year: AcademicYear,
    name: str,
    kind: str,
    funding_stream: FundingStream | None = None,
    staff: StaffMember | None = None,
    hours_per_week: Decimal | None = None,
    weeks: Decimal | None = None,
    fixed_cost: Decimal | None = None,
    notes: str = "",
    finance: bool = True,
) -> GeneralResource:
    """Add a general resource to a school year; a fixed cost only from someone who sees
    costs (`finance`)."""
    if fixed_cost is not None and not finance:
        raise ValidationError({"fixed_cost": NO_FINANCE})
    resource = GeneralResource(
        school=school,
        academic_year=academic_year,
        name=name.strip(),
        kind=kind,
        funding_stream=funding_stream,
        staff=staff,
        hours_per_week=hours_per_week,
        weeks=weeks,
        fixed_cost=fixed_cost,
        notes=notes,
    )
    errors = general_resource_errors(resource)
    if errors:
        raise ValidationError(errors)
    resource.save()
    return resource


@transaction.atomic
def general_resource_update(
    *,
    resource: GeneralResource,
    read_version: int | None = None,
    finance: bool = True,
    **changes: Any,
) -> GeneralResource:
    """Change a general resource; refused (ChangedElsewhere) when someone else saved it
    after the user read `read_version`. Its fixed cost is changed only by someone who sees
    costs (`finance`); others may still change its name, notes and staff time."""
    unknown = set(changes) - set(RESOURCE_FIELDS)
    if unknown:
        raise ValueError(f"general_resource_update cannot change {', '.join(sorted(unknown))}")
    if not finance and "fixed_cost" in changes and changes["fixed_cost"] != resource.fixed_cost:
        raise ValidationError({"fixed_cost": NO_FINANCE})
    read_name = resource.name
    for field, value in changes.items():
        setattr(resource, field, value)
    resource.name = resource.name.strip()
    errors = general_resource_errors(resource)
    if errors:
        raise ValidationError(errors)
    claim = GeneralResource.objects.filter(pk=resource.pk)
    if read_version is not None:
        claim = claim.filter(version=read_version)
    if not claim.update(version=F("version") + 1):
        raise _changed(resource, read_name)
    resource.refresh_from_db(fields=["version"])
    if changes:
        resource.save(update_fields=list(changes) + (["name"] if "name" not in changes else []))
    return resource


@transaction.atomic
def general_resource_delete(*, resource: GeneralResource, read_version: int | None = None) -> None:
    """Delete a general resource (nothing else depends on one)."""
    doomed = GeneralResource.objects.filter(pk=resource.pk)
    if read_version is not None:
        doomed = doomed.filter(version=read_version)
    deleted, _ = doomed.delete()
    if not deleted:
        raise _changed(resource, resource.name)


def _changed(resource: GeneralResource, name: str) -> ChangedElsewhere:
    if not GeneralResource.objects.filter(pk=resource.pk).exists():
        return ChangedElsewhere(f"'{name}' was deleted by someone else after you opened this page.")
    return ChangedElsewhere(
        f"Someone else changed '{name}' after you opened this page. Nothing was "
        "saved: the page now shows it as it is, so make your change again if it is still "
        "needed."
    )

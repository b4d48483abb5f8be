"""Writes to the provision map: one function per use case (catalogue, runs, placements,
results, general resources), shared by views, imports and the demo generator."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from provmap.provision.models import (
    GeneralResource,
    Placement,
    Provision,
    ProvisionArea,
    ProvisionRun,
    RunStaff,
)
from provmap.pupils.models import Pupil, Result
from provmap.pupils.needs import Area
from provmap.pupils.services import result_record
from provmap.schools.models import AcademicYear, FundingStream, School, StaffMember, Term


def _same_school(school_id: int, **objects: object) -> None:
    for field, obj in objects.items():
        if obj is not None and obj.school_id != school_id:  # type: ignore[attr-defined]
            raise ValidationError({field: "That belongs to another school."})


@transaction.atomic
def provision_create(
    *,
    school: School,
    name: str,
    wave: int,
    provision_type: str,
    areas: Sequence[str] = (),
    **details: object,
) -> Provision:
    """Add a provision to the school's catalogue, with the areas of need it addresses."""
    unknown = [area for area in areas if area not in Area.values]
    if unknown:
        raise ValidationError({"areas": f"Unknown area(s) of need: {', '.join(unknown)}."})
    if Provision.objects.filter(school=school, name=name).exists():
        raise ValidationError({"name": f"The catalogue already has a provision called '{name}'."})
    measure = details.get("measure")
    _same_school(school.pk, measure=measure)
    provision = Provision(
        school=school, name=name, wave=wave, provision_type=provision_type, **details
    )
    provision.full_clean(validate_unique=False, validate_constraints=False)
    provision.save()
    ProvisionArea.objects.bulk_create(
        ProvisionArea(school=school, provision=provision, area=area)
        for area in dict.fromkeys(areas)
    )
    return provision


@dataclass(frozen=True)
class StaffAssignment:
    """A member of staff on a run; blank time means the run's own sessions and minutes."""

    staff: StaffMember
    sessions_per_week: Decimal | None = None
    minutes_per_session: int | None = None


@transaction.atomic
def run_create(
    *,
    provision: Provision,
    academic_year: AcademicYear,
    term: Term | None = None,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    weeks: Decimal | None = None,
    sessions_per_week: Decimal | None = None,
    minutes_per_session: int | None = None,
    staff: Sequence[StaffAssignment] = (),
    label: str = "",
    status: str = ProvisionRun.Status.PLANNED,
    **details: object,
) -> ProvisionRun:
    """Start a delivery of a provision. Dates default to the term (or the year), weeks to the
    provision's usual length capped by the term's weeks, time to the provision's defaults."""
    school_id = provision.school_id
    _same_school(school_id, academic_year=academic_year, term=term)
    for field in ("funding_stream", "lead_staff", "reviewing_staff"):
        _same_school(school_id, **{field: details.get(field)})
    for assignment in staff:
        _same_school(school_id, staff=assignment.staff)
    if term is not None and term.academic_year_id != academic_year.pk:
        raise ValidationError({"term": f"{term.name} is not a term of {academic_year.name}."})
    period = term or academic_year
    start_date = start_date or period.start_date
    end_date = end_date or period.end_date
    if end_date < start_date:
        raise ValidationError({"end_date": "The run must end on or after the day it starts."})
    if weeks is None:
        weeks = min(Decimal(provision.usual_weeks), Decimal(period.weeks))
    run = ProvisionRun(
        school_id=school_id,
        provision=provision,
        academic_year=academic_year,
        term=term,
        start_date=start_date,
        end_date=end_date,
        weeks=weeks,
        sessions_per_week=sessions_per_week or provision.sessions_per_week,
        minutes_per_session=minutes_per_session or provision.minutes_per_session,
        label=label,
        status=status,
        **details,
    )
    run.full_clean(validate_unique=False, validate_constraints=False)
    run.save()
    seen: set[int] = set()
    for assignment in staff:
        if assignment.staff.pk in seen:
            raise ValidationError({"staff": f"{assignment.staff.name} is listed twice."})
        seen.add(assignment.staff.pk)
    RunStaff.objects.bulk_create(
        RunStaff(
            school_id=school_id,
            run=run,
            staff=assignment.staff,
            sessions_per_week=assignment.sessions_per_week,
            minutes_per_session=assignment.minutes_per_session,
        )
        for assignment in staff
    )
    return run


@transaction.atomic
def placement_create(
    *,
    run: ProvisionRun,
    pupil: Pupil,
    start_date: dt.date | None = None,
    end_date: dt.date | None = None,
    need_type: str = "",
    priority: str = Placement.Priority.SHOULD,
    status: str = Placement.Status.PLANNED,
    notes: str = "",
) -> Placement:
    """Place a pupil in a run (from the run's start unless told otherwise)."""
    _same_school(run.school_id, pupil=pupil)
    if Placement.objects.filter(run=run, pupil=pupil).exists():
        raise ValidationError({"pupil": f"{pupil.full_name} is already in this group."})
    start_date = start_date or max(run.start_date, pupil.on_roll_from)
    if not run.start_date <= start_date <= run.end_date:
        raise ValidationError(
            {
                "start_date": f"The start date must fall within the run "
                f"({run.start_date:%d/%m/%Y} to {run.end_date:%d/%m/%Y})."
            }
        )
    if end_date is not None and end_date < start_date:
        raise ValidationError({"end_date": "The end date must not be before the start date."})
    placement = Placement(
        school_id=run.school_id,
        run=run,
        pupil=pupil,
        start_date=start_date,
        end_date=end_date,
        need_type=need_type,
        priority=priority,
        status=status,
        notes=notes,
    )
    placement.full_clean(validate_unique=False, validate_constraints=False)
    placement.save()
    return placement


RESULT_STAGES = ("baseline", "midpoint", "exit")


@transaction.atomic
def placement_record_result(
    *, placement: Placement, stage: str, value: Decimal | int | float | str, date: dt.date
) -> Result:
    """Record a placement's baseline, mid-point or exit result on its provision's measure.

    The result is an ordinary Result of the pupil, so it also counts in cohort comparisons.
    """
    if stage not in RESULT_STAGES:
        raise ValidationError({"stage": f"'{stage}' is not one of {', '.join(RESULT_STAGES)}."})
    measure = placement.run.provision.measure
    if measure is None:
        raise ValidationError(
            {
                "measure": f"'{placement.run.provision.name}' has no measure of progress yet: "
                "set one in the catalogue first."
            }
        )
    baseline: Result | None = placement.baseline
    if stage != "baseline" and baseline is not None and date < baseline.date:
        raise ValidationError({"date": f"The {stage} result cannot come before the baseline."})
    result = result_record(
        pupil=placement.pupil,
        measure=measure,
        date=date,
        value=value,
        source=f"{stage} of {placement.run}"[:60],
    )
    old = getattr(placement, stage)
    setattr(placement, stage, result)
    placement.version += 1
    placement.save(update_fields=[stage, "version"])
    if old is not None:
        old.delete()
    return result


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
) -> GeneralResource:
    """Add a cost that belongs to no pupil: staff time, or a fixed sum."""
    _same_school(school.pk, academic_year=academic_year, funding_stream=funding_stream, staff=staff)
    if fixed_cost is None and (staff is None or hours_per_week is None):
        raise ValidationError(
            "Give either a fixed cost, or a member of staff and their hours a week."
        )
    resource = GeneralResource(
        school=school,
        academic_year=academic_year,
        name=name,
        kind=kind,
        funding_stream=funding_stream,
        staff=staff,
        hours_per_week=hours_per_week,
        weeks=weeks if weeks is not None else (academic_year.weeks if staff else None),
        fixed_cost=fixed_cost,
        notes=notes,
    )
    resource.full_clean(validate_constraints=False)
    resource.save()
    return resource

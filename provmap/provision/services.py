"""Writes to the provision map: one function per use case (catalogue, runs, placements,
results, general resources), shared by views, imports and the demo generator."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import transaction
from django.db.models import F, Model, ProtectedError
from django.utils import timezone

from provmap.formatting import counted
from provmap.provision import ratings
from provmap.provision.models import (
    PRICED_BASES,
    CostBasis,
    GeneralResource,
    Placement,
    Provision,
    ProvisionArea,
    ProvisionRun,
    ProvisionType,
    RunStaff,
)
from provmap.pupils.models import Measure, Pupil, Result
from provmap.pupils.needs import Area
from provmap.pupils.services import result_date_check, result_record, result_value_check
from provmap.schools.bounds import (
    MINUTES_PER_SESSION,
    RUN_WEEKS,
    SESSIONS_PER_WEEK,
    SUCCESS_GAIN,
    date_error,
    model_field_errors,
    show_number,
    weekly_time_error,
)
from provmap.schools.models import AcademicYear, FundingStream, School, StaffMember, Term


def _same_school(school_id: int, **objects: object) -> None:
    for field, obj in objects.items():
        # Each is a school-owned row or None, passed as the write's own keyword values.
        if obj is not None and obj.school_id != school_id:  # type: ignore[attr-defined]
            raise ValidationError({field: "That belongs to another school."})


def _add_model_errors(
    instance: Model, errors: dict[str, list[str]], *, exclude: list[str] | None = None
) -> None:
    """Add the model's own field checks (their bounds among them) to `errors`, except on
    fields already refused for a narrower reason (so each field gets one message)."""
    for field, messages in model_field_errors(instance, exclude).items():
        errors.setdefault(field, messages)


def _raise_if(errors: dict[str, list[str]]) -> None:
    if errors:
        raise ValidationError(errors)


def price_error(cost_basis: str, price: Decimal | None) -> str | None:
    """A price is given exactly when the entry is bought in at a price."""
    if cost_basis in PRICED_BASES and price is None:
        return (
            f"Give the price: the entry is costed at {CostBasis(cost_basis).label.lower()} "
            "(or choose staff time, or no cost to the school)."
        )
    if cost_basis not in PRICED_BASES and price is not None:
        return (
            "A price is only for a bought-in service: choose how it is priced (per session, "
            "pupil, group or year), or leave the price empty."
        )
    return None


def provision_errors(provision: Provision) -> dict[str, list[str]]:
    """What is wrong with a catalogue entry: its fields' bounds, then its weekly time (no
    more than a school week) and its success gain (no larger than its measure's range)."""
    errors: dict[str, list[str]] = {}
    _add_model_errors(provision, errors, exclude=["school"])
    if not errors.keys() & {"sessions_per_week", "minutes_per_session"}:
        message = weekly_time_error(provision.sessions_per_week, provision.minutes_per_session)
        if message:
            errors["minutes_per_session"] = [message]
    measure = provision.measure
    gain = provision.success_gain
    if (
        "success_gain" not in errors
        and gain is not None
        and measure is not None
        and measure.min_value is not None
        and measure.max_value is not None
    ):
        width = measure.max_value - measure.min_value
        message = SUCCESS_GAIN.error(
            gain,
            low=-width,
            high=width,
            why=f"the width of {measure.name}'s range from {show_number(measure.min_value)} "
            f"to {show_number(measure.max_value)}",
        )
        if message:
            errors["success_gain"] = [message]
    if "price" not in errors and "cost_basis" not in errors:
        message = price_error(provision.cost_basis, provision.price)
        if message:
            errors["price"] = [message]
    return errors


def _date_in(value: dt.date, first: dt.date, last: dt.date, label: str, why: str) -> list[str]:
    message = date_error(value, first, last, label=label, why=why)
    return [message] if message else []


def run_errors(
    run: ProvisionRun,
    staff: Sequence[StaffAssignment] = (),
    *,
    checked: Sequence[str] = (),
) -> dict[str, list[str]]:
    """What is wrong with a run: its dates inside its school year, its weeks within the
    year's teaching weeks, the fields' own bounds, and the group's and each person's time a
    week within a school week. `checked`: links already checked by the caller (a row of the
    same school, given as an object), not looked up again."""
    errors: dict[str, list[str]] = {}
    year = run.academic_year
    why = f"the dates of {year.name}"
    for field, label in (
        ("start_date", "The run's start date"),
        ("end_date", "The run's end date"),
    ):
        found = _date_in(getattr(run, field), year.start_date, year.end_date, label, why)
        if found:
            errors[field] = found
    if run.weeks is not None:
        # Not the calendar weeks of the run's own dates: hand-made maps often give a group's
        # term dates and the weeks it met, and a pupil's share follows the dates anyway.
        message = RUN_WEEKS.error(
            run.weeks, high=year.weeks, why=f"the teaching weeks of {year.name}"
        )
        if message:
            errors["weeks"] = [message]
    _add_model_errors(
        run, errors, exclude=["school", "provision", "academic_year", "term", *checked]
    )
    if not errors.keys() & {"sessions_per_week", "minutes_per_session"}:
        message = weekly_time_error(run.sessions_per_week, run.minutes_per_session)
        if message:
            errors["minutes_per_session"] = [message]
    staff_errors: list[str] = []
    for assignment in staff:
        who = assignment.staff.name
        sessions = assignment.sessions_per_week
        minutes = assignment.minutes_per_session
        found = [
            message
            for message in (
                SESSIONS_PER_WEEK.error(sessions) if sessions is not None else None,
                MINUTES_PER_SESSION.error(minutes) if minutes is not None else None,
            )
            if message
        ]
        if not found:
            message = weekly_time_error(
                sessions or run.sessions_per_week, minutes or run.minutes_per_session
            )
            found = [message] if message else []
        staff_errors.extend(f"{who}: {message}" for message in found)
    if staff_errors:
        errors["staff"] = staff_errors
    return errors


def placement_end_error(run: ProvisionRun, end_date: dt.date | None) -> str | None:
    """A placement ends inside its run (a pupil cannot be costed for days the group did not
    meet); its start is checked against the run by the callers, with their own words."""
    if end_date is None:
        return None
    return date_error(
        end_date,
        run.start_date,
        run.end_date,
        label="The placement's end date",
        why="the dates of the run",
    )


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
    """Add a provision to the school's catalogue, with the areas of need it addresses; any
    other of its editable fields (PROVISION_UPDATABLE_FIELDS) in `details`."""
    unknown_fields = set(details) - PROVISION_UPDATABLE_FIELDS
    if unknown_fields:
        raise ValueError(f"provision_create cannot set {', '.join(sorted(unknown_fields))}")
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
    _raise_if(provision_errors(provision))
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


# The links of a run that the services take as objects and check against the school.
RUN_LINKS = ("funding_stream", "lead_staff", "reviewing_staff")


def run_prepare(
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
    look_up_links: bool = True,
    **details: object,
) -> ProvisionRun:
    """A new run checked as run_create checks it, not saved yet (run_create saves one,
    runs_bulk_create many at once). Its links (funding stream, lead and reviewing staff)
    are objects checked against the provision's school; `look_up_links=False` when the
    caller has just read or made them, so that they are not looked up again one by one."""
    school_id = provision.school_id
    _same_school(school_id, academic_year=academic_year, term=term)
    for field in RUN_LINKS:
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
    given = [field for field in RUN_LINKS if isinstance(details.get(field), Model)]
    _raise_if(run_errors(run, staff, checked=() if look_up_links else given))
    seen: set[int] = set()
    for assignment in staff:
        if assignment.staff.pk in seen:
            raise ValidationError({"staff": f"{assignment.staff.name} is listed twice."})
        seen.add(assignment.staff.pk)
    return run


def _run_staff_rows(run: ProvisionRun, staff: Sequence[StaffAssignment]) -> list[RunStaff]:
    return [
        RunStaff(
            school_id=run.school_id,
            run=run,
            staff=assignment.staff,
            sessions_per_week=assignment.sessions_per_week,
            minutes_per_session=assignment.minutes_per_session,
        )
        for assignment in staff
    ]


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
    run = run_prepare(
        provision=provision,
        academic_year=academic_year,
        term=term,
        start_date=start_date,
        end_date=end_date,
        weeks=weeks,
        sessions_per_week=sessions_per_week,
        minutes_per_session=minutes_per_session,
        staff=staff,
        label=label,
        status=status,
        look_up_links=True,
        **details,
    )
    run.save()
    RunStaff.objects.bulk_create(_run_staff_rows(run, staff))
    return run


@dataclass(frozen=True)
class PreparedRun:
    """A run from run_prepare with the staff who deliver it, for runs_bulk_create."""

    run: ProvisionRun
    staff: Sequence[StaffAssignment] = ()


@transaction.atomic
def runs_bulk_create(*, school: School, runs: Sequence[PreparedRun]) -> list[ProvisionRun]:
    """Save many runs made by run_prepare (and so checked) with their staff, in a fixed
    number of queries per batch (roll-forward, the demo school); all or nothing. The runs
    are saved in the order given and keep their objects (now with ids)."""
    for item in runs:
        if item.run.pk is not None:
            raise ValueError("runs_bulk_create saves new runs only")
        _same_school(school.pk, run=item.run)
    saved = ProvisionRun.objects.bulk_create([item.run for item in runs], batch_size=1000)
    RunStaff.objects.bulk_create(
        [row for item in runs for row in _run_staff_rows(item.run, item.staff)],
        batch_size=2000,
    )
    return saved


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
    message = placement_end_error(run, end_date)
    if message:
        raise ValidationError({"end_date": message})
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
    errors: dict[str, list[str]] = {}
    if resource.weeks is not None:
        message = RUN_WEEKS.error(
            resource.weeks,
            high=academic_year.weeks,
            why=f"the teaching weeks of {academic_year.name}",
        )
        if message:
            errors["weeks"] = [message]
    _add_model_errors(resource, errors)
    _raise_if(errors)
    resource.save()
    return resource


@dataclass(frozen=True)
class StageResult:
    """A baseline, mid-point or exit result to record with a new placement."""

    stage: str
    date: dt.date
    value: Decimal


@dataclass(frozen=True)
class NewPlacement:
    """One placement for placements_bulk_create, with any results already known."""

    run: ProvisionRun
    pupil: Pupil
    start_date: dt.date | None = None
    end_date: dt.date | None = None
    need_type: str = ""
    priority: str = Placement.Priority.SHOULD
    status: str = Placement.Status.PLANNED
    rating: str = ""
    notes: str = ""
    results: tuple[StageResult, ...] = ()


def _check_stage_results(item: NewPlacement, who: str) -> None:
    stages = [result.stage for result in item.results]
    unknown = [stage for stage in stages if stage not in RESULT_STAGES]
    if unknown:
        raise ValidationError({"stage": f"{who}: '{unknown[0]}' is not a result stage."})
    if len(set(stages)) != len(stages):
        raise ValidationError({"stage": f"{who}: each stage can have only one result."})
    if item.results and item.run.provision.measure is None:
        raise ValidationError(
            {
                "measure": f"'{item.run.provision.name}' has no measure of progress yet: "
                "set one in the catalogue first."
            }
        )
    dates = {result.stage: result.date for result in item.results}
    baseline = dates.get("baseline")
    for stage in ("midpoint", "exit"):
        if baseline is not None and stage in dates and dates[stage] < baseline:
            raise ValidationError({"date": f"{who}: the {stage} result is before the baseline."})


@transaction.atomic
def placements_bulk_create(
    *, school: School, placements: Sequence[NewPlacement]
) -> list[Placement]:
    """Place many pupils at once (roll-forward, imports, the demo school), with their
    baseline, mid-point and exit results; the same checks as placement_create and
    placement_record_result, in a fixed number of queries per batch; all or nothing."""
    runs = {item.run.pk: item.run for item in placements}
    taken = set(Placement.objects.filter(run_id__in=sorted(runs)).values_list("run_id", "pupil_id"))
    rows: list[Placement] = []
    results: list[Result] = []
    links: list[tuple[Placement, str, Result]] = []
    for item in placements:
        run, pupil = item.run, item.pupil
        who = f"{pupil.full_name} in {run}"
        _same_school(school.pk, run=run, pupil=pupil)
        if (run.pk, pupil.pk) in taken:
            raise ValidationError({"pupil": f"{pupil.full_name} is already in {run}."})
        taken.add((run.pk, pupil.pk))
        start_date = item.start_date or max(run.start_date, pupil.on_roll_from)
        if not run.start_date <= start_date <= run.end_date:
            raise ValidationError(
                {
                    "start_date": f"{who}: the start date must fall within the run "
                    f"({run.start_date:%d/%m/%Y} to {run.end_date:%d/%m/%Y})."
                }
            )
        if item.end_date is not None and item.end_date < start_date:
            raise ValidationError({"end_date": f"{who}: the end date is before the start date."})
        message = placement_end_error(run, item.end_date)
        if message:
            raise ValidationError({"end_date": f"{who}: {message}"})
        _check_stage_results(item, who)
        placement = Placement(
            school=school,
            run=run,
            pupil=pupil,
            start_date=start_date,
            end_date=item.end_date,
            need_type=item.need_type,
            priority=item.priority,
            status=item.status,
            rating=item.rating,
            notes=item.notes,
        )
        # Run and pupil were checked above against the school; the rest field by field.
        placement.full_clean(
            exclude=["school", "run", "pupil", "baseline", "midpoint", "exit"],
            validate_unique=False,
            validate_constraints=False,
        )
        rows.append(placement)
        measure = run.provision.measure
        for stage_result in item.results:
            assert measure is not None  # _check_stage_results refused results without one
            value = Decimal(str(stage_result.value))
            result_date_check(date=stage_result.date)
            result_value_check(measure=measure, value=value)
            result = Result(
                school=school,
                pupil=pupil,
                measure=measure,
                date=stage_result.date,
                value=value,
                source=f"{stage_result.stage} of {run}"[:60],
            )
            results.append(result)
            links.append((placement, stage_result.stage, result))
    Result.objects.bulk_create(results, batch_size=1000)
    for placement, stage, result in links:
        setattr(placement, stage, result)
    Placement.objects.bulk_create(rows, batch_size=1000)
    return rows


# Changing a placement, and the measure of a provision: used by imports of spreadsheet maps
# (which update placements already in provmap rather than add them twice) and by edit pages.

PLACEMENT_UPDATABLE_FIELDS = frozenset(
    {
        "start_date",
        "end_date",
        "need_type",
        "priority",
        "status",
        "leaving_reason",
        "rating",
        "notes",
    }
)


@transaction.atomic
def placement_update(*, placement: Placement, **changes: object) -> Placement:
    """Change a placement's dates, need, priority, status, rating or notes."""
    unknown = set(changes) - PLACEMENT_UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"placement_update cannot change {', '.join(sorted(unknown))}")
    for name, value in changes.items():
        setattr(placement, name, value)
    run = placement.run
    if not run.start_date <= placement.start_date <= run.end_date:
        raise ValidationError(
            {
                "start_date": f"The start date must fall within the run "
                f"({run.start_date:%d/%m/%Y} to {run.end_date:%d/%m/%Y})."
            }
        )
    if placement.end_date is not None and placement.end_date < placement.start_date:
        raise ValidationError({"end_date": "The end date must not be before the start date."})
    message = placement_end_error(run, placement.end_date)
    if message:
        raise ValidationError({"end_date": message})
    placement.full_clean(
        exclude=["school", "run", "pupil", "baseline", "midpoint", "exit"],
        validate_unique=False,
        validate_constraints=False,
    )
    if changes:
        placement.version += 1
        placement.save(update_fields=[*changes, "version"])
    return placement


def provision_set_measure(*, provision: Provision, measure: Measure) -> Provision:
    """Choose how progress in a provision is measured."""
    _same_school(provision.school_id, measure=measure)
    provision.measure = measure
    provision.save(update_fields=["measure"])
    Provision.objects.filter(pk=provision.pk).update(version=F("version") + 1)
    provision.refresh_from_db(fields=["version"])
    return provision


# The provision map in the browser: catalogue edits, adding and removing pupils, the results
# table of a run, closing a run. Placements carry a version: an edit names the version it
# read and is refused, saying what changed, when someone else saved in between.

# The fields of a catalogue entry a school edits, in the order of its form, each with what a
# change to it is called. The one list of them: the catalogue form's fields, what
# provision_create and provision_update accept (and so what an import may set), and what a
# refused edit says changed. The areas of need it addresses are rows of their own, given
# apart as `areas`.
PROVISION_FIELD_WORDS = {
    "name": "name",
    "wave": "wave",
    "provision_type": "type",
    "description": "description",
    "areas": "areas of need",
    "default_staff": "staff in the usual ratio",
    "default_pupils": "pupils in the usual ratio",
    "sessions_per_week": "sessions a week",
    "minutes_per_session": "minutes a session",
    "usual_weeks": "usual length in weeks",
    "cost_basis": "how it is costed",
    "price": "price",
    "usual_years": "usual year groups",
    "measure": "measure of progress",
    "success_criteria": "success criteria",
    "success_gain": "gain that meets the success criteria",
    "evidence_strand": "evidence strand",
    "evidence_months": "expected months of progress",
    "evidence_notes": "evidence notes",
    "active": "offered",
}
PROVISION_UPDATABLE_FIELDS = frozenset(PROVISION_FIELD_WORDS) - {"areas"}
# Long text is only said to have changed, not quoted.
PROVISION_LONG_TEXT = frozenset({"description", "success_criteria", "evidence_notes"})


@dataclass(frozen=True)
class ProvisionSnapshot:
    """What a user saw of a catalogue entry when they opened a page: enough to tell them what
    someone else changed if their save (or delete) is refused."""

    version: int
    values: dict[str, str]


def _shown(provision: Provision, field: str) -> str:
    value = getattr(provision, field)
    if value is None or value == "":
        return "none"
    if field == "provision_type":
        return ProvisionType(value).label
    if field == "cost_basis":
        return CostBasis(value).label
    if field == "price":
        return show_number(value, money=True)
    if field == "measure":
        return value.name
    if field == "active":
        return "yes" if value else "no"
    if isinstance(value, Decimal):
        return show_number(value)
    return str(value)


# How an entry is costed is money: left out of what a user without the finance right is
# shown, so of their snapshot too (a signed copy is readable by anyone who has it).
PROVISION_COST_FIELDS = frozenset({"cost_basis", "price"})


def provision_snapshot(provision: Provision, *, finance: bool = True) -> ProvisionSnapshot:
    """What a page shows of a catalogue entry; without `finance`, nothing of its costing."""
    left_out = {"areas"} if finance else {"areas", *PROVISION_COST_FIELDS}
    values = {
        field: _shown(provision, field) for field in PROVISION_FIELD_WORDS if field not in left_out
    }
    labels = dict(Area.choices)
    areas = sorted(labels[area.area] for area in provision.areas.all())
    values["areas"] = "; ".join(areas) or "none"
    return ProvisionSnapshot(version=provision.version, values=values)


def describe_provision_changes(before: ProvisionSnapshot, after: ProvisionSnapshot) -> list[str]:
    """What differs between two snapshots, in words: "sessions a week now 4 (was 3)". Only
    the fields `before` holds are compared: what the user was not shown is not told."""
    changes = []
    for field, words in PROVISION_FIELD_WORDS.items():
        if field not in before.values:
            continue
        old, new = before.values.get(field), after.values.get(field)
        if old == new:
            continue
        if field in PROVISION_LONG_TEXT:
            changes.append(f"{words} changed")
        elif field == "active":
            changes.append("now offered" if new == "yes" else "no longer offered")
        else:
            changes.append(f"{words} now {new} (was {old})")
    return changes or ["other details changed"]


class ProvisionChanged(ValidationError):
    """Someone else changed (or deleted) a catalogue entry after the user read it; nothing of
    theirs was saved."""


def _provision_changed(
    provision: Provision, read: ProvisionSnapshot | None, *, deleting: bool
) -> ProvisionChanged:
    name = read.values.get("name", provision.name) if read is not None else provision.name
    current = Provision.objects.filter(pk=provision.pk).select_related("measure").first()
    if current is None:
        return ProvisionChanged(f"'{name}' was deleted by someone else after you opened this page.")
    what = ""
    if read is not None:
        what = f" ({'; '.join(describe_provision_changes(read, provision_snapshot(current)))})"
    outcome = (
        "It was not deleted: it is shown here as it is now, so delete it again if it should "
        "still go."
        if deleting
        else "Your changes were not saved: the page now shows the entry as it is, so make "
        "them again if they are still needed."
    )
    return ProvisionChanged(
        f"Someone else changed '{name}' after you opened this page{what}. {outcome}"
    )


@transaction.atomic
def provision_update(
    *,
    provision: Provision,
    areas: Sequence[str] | None = None,
    read_version: int | None = None,
    read: ProvisionSnapshot | None = None,
    **changes: object,
) -> Provision:
    """Change a catalogue entry; `areas`, when given, replace the areas of need it addresses.

    Given `read_version` (the version the user's page showed, and `read`, what it showed),
    the entry is claimed with `UPDATE ... WHERE version = read_version` before anything is
    written; if someone else saved in between, nothing is saved and ProvisionChanged says
    what they changed. Every change moves the version on."""
    unknown = set(changes) - PROVISION_UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"provision_update cannot change {', '.join(sorted(unknown))}")
    name = changes.get("name", provision.name)
    taken = Provision.objects.filter(school_id=provision.school_id, name=name)
    if taken.exclude(pk=provision.pk).exists():
        raise ValidationError({"name": f"The catalogue already has a provision called '{name}'."})
    _same_school(provision.school_id, measure=changes.get("measure"))
    if areas is not None:
        unknown_areas = [area for area in areas if area not in Area.values]
        if unknown_areas:
            raise ValidationError(
                {"areas": f"Unknown area(s) of need: {', '.join(unknown_areas)}."}
            )
    for field_name, value in changes.items():
        setattr(provision, field_name, value)
    _raise_if(provision_errors(provision))
    claim = Provision.objects.filter(pk=provision.pk)
    if read_version is not None:
        claim = claim.filter(version=read_version)
    if not claim.update(version=F("version") + 1):
        raise _provision_changed(provision, read, deleting=False)
    provision.refresh_from_db(fields=["version"])
    if changes:
        provision.save(update_fields=list(changes))
    if areas is not None:
        ProvisionArea.objects.filter(provision=provision).delete()
        ProvisionArea.objects.bulk_create(
            ProvisionArea(school_id=provision.school_id, provision=provision, area=area)
            for area in dict.fromkeys(areas)
        )
    return provision


def _has_runs(provision: Provision, runs: int) -> ValidationError:
    return ValidationError(
        f"'{provision.name}' has {counted(runs, 'run')} on the map, so it "
        "cannot be deleted. Untick 'Offered' to keep it out of new plans instead."
    )


@transaction.atomic
def provision_delete(
    *,
    provision: Provision,
    read_version: int | None = None,
    read: ProvisionSnapshot | None = None,
) -> None:
    """Take a provision out of the catalogue; refused once it has runs (their history and
    costs would go with it), when it should be marked as no longer offered instead, and,
    given the version the user read, when someone else changed it since (ProvisionChanged)."""
    runs = provision.runs.count()
    if runs:
        raise _has_runs(provision, runs)
    doomed = Provision.objects.filter(pk=provision.pk)
    if read_version is not None:
        doomed = doomed.filter(version=read_version)
    try:
        deleted, _ = doomed.delete()
    except ProtectedError:
        # A run was started after the count above.
        raise _has_runs(provision, provision.runs.count()) from None
    if not deleted:
        raise _provision_changed(provision, read, deleting=True)


def _check_open(run: ProvisionRun) -> None:
    if run.status == ProvisionRun.Status.CLOSED:
        raise ValidationError(f"{run} is closed: its group can no longer change.")


def placements_add(
    *, run: ProvisionRun, pupils: Sequence[Pupil], start_date: dt.date | None = None
) -> list[Placement]:
    """Add pupils to a run's group at once, each from `start_date` (blank: the start of the
    run, or the day they joined the school if later). Active when the run is running."""
    _check_open(run)
    if not pupils:
        raise ValidationError({"pupils": "Choose at least one pupil to add."})
    if start_date is not None and not run.start_date <= start_date <= run.end_date:
        raise ValidationError(
            {
                "start_date": f"Pupils can join between {run.start_date:%d/%m/%Y} and "
                f"{run.end_date:%d/%m/%Y}, the dates of the run."
            }
        )
    status = (
        Placement.Status.ACTIVE
        if run.status == ProvisionRun.Status.RUNNING
        else Placement.Status.PLANNED
    )
    return placements_bulk_create(
        school=run.school,
        placements=[
            NewPlacement(
                run=run,
                pupil=pupil,
                start_date=max(start_date, pupil.on_roll_from) if start_date else None,
                status=status,
            )
            for pupil in pupils
        ],
    )


@dataclass(frozen=True)
class PlacementSnapshot:
    """What a user saw of a placement when they opened the page: enough to tell them what
    someone else changed if their save is refused."""

    version: int
    baseline: str = ""
    midpoint: str = ""
    exit: str = ""
    rating: str = ""
    status: str = ""
    end_date: str = ""
    notes: str = ""


def _plain_value(result: Result | None) -> str:
    if result is None:
        return ""
    text = f"{result.value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def placement_snapshot(placement: Placement) -> PlacementSnapshot:
    return PlacementSnapshot(
        version=placement.version,
        baseline=_plain_value(placement.baseline),
        midpoint=_plain_value(placement.midpoint),
        exit=_plain_value(placement.exit),
        rating=placement.rating,
        status=placement.status,
        end_date=placement.end_date.isoformat() if placement.end_date else "",
        notes=placement.notes,
    )


STAGE_NAMES = {"baseline": "baseline", "midpoint": "mid-point result", "exit": "exit result"}


def describe_changes(before: PlacementSnapshot, after: PlacementSnapshot) -> list[str]:
    """What differs between two snapshots, in words: "exit result now 95 (was 88)"."""
    changes = []
    for stage, name in STAGE_NAMES.items():
        old, new = getattr(before, stage), getattr(after, stage)
        if old == new:
            continue
        if not old:
            changes.append(f"{name} {new} entered")
        elif not new:
            changes.append(f"{name} {old} cleared")
        else:
            changes.append(f"{name} now {new} (was {old})")
    if before.rating != after.rating:
        labels = dict(Placement.Rating.choices)
        old = labels.get(before.rating, "not rated").split(":")[0]
        new = labels.get(after.rating, "not rated").split(":")[0]
        changes.append(f"rating now {new} (was {old})")
    if before.status != after.status:
        labels = dict(Placement.Status.choices)
        changes.append(
            f"status now {labels.get(after.status, after.status)} "
            f"(was {labels.get(before.status, before.status)})"
        )
    if before.end_date != after.end_date:
        changes.append("end date changed")
    if before.notes != after.notes:
        changes.append("notes changed")
    return changes or ["other details changed"]


class PlacementChanged(ValidationError):
    """Someone else saved a placement after the user read it; nothing of theirs was saved."""


def _changed(placement: Placement, read: PlacementSnapshot | None) -> PlacementChanged:
    who = placement.pupil.full_name
    current = (
        Placement.objects.filter(pk=placement.pk)
        .select_related("baseline", "midpoint", "exit")
        .first()
    )
    if current is None:
        return PlacementChanged(
            f"{who} was taken out of this group by someone else after you opened the page."
        )
    what = ""
    if read is not None:
        what = f" ({'; '.join(describe_changes(read, placement_snapshot(current)))})"
    return PlacementChanged(
        f"Someone else changed {who}'s placement after you opened the page{what}. "
        f"Your changes for {who} were not saved: check the figures now shown and enter "
        "them again if they are still needed."
    )


@transaction.atomic
def placement_remove(
    *,
    placement: Placement,
    read_version: int,
    read: PlacementSnapshot | None = None,
    on: dt.date,
) -> str:
    """Take a pupil out of a group. A placement with no results yet is deleted ("removed");
    one with results is kept for the record, withdrawn from `on` ("withdrawn")."""
    run = placement.run
    _check_open(run)
    if not (placement.baseline_id or placement.midpoint_id or placement.exit_id):
        deleted, _ = Placement.objects.filter(pk=placement.pk, version=read_version).delete()
        if not deleted:
            raise _changed(placement, read)
        return "removed"
    end = min(max(on, placement.start_date), run.end_date)
    claimed = Placement.objects.filter(pk=placement.pk, version=read_version).update(
        status=Placement.Status.WITHDRAWN, end_date=end, version=F("version") + 1
    )
    if not claimed:
        raise _changed(placement, read)
    return "withdrawn"


# A rating choice meaning "whatever the results suggest" (see provision.ratings).
SUGGESTED = "suggest"


@dataclass(frozen=True)
class ResultsEntry:
    """One row of a run's results table as submitted: the version (and what) the user read,
    and the values they want; None leaves a stage without a result."""

    placement_id: int
    read_version: int
    read: PlacementSnapshot | None
    baseline: Decimal | None = None
    midpoint: Decimal | None = None
    exit: Decimal | None = None
    rating: str = SUGGESTED


@dataclass
class ResultsOutcome:
    saved: list[Pupil]
    conflicts: list[str]


def _plain_decimal(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def run_record_results(
    *,
    run: ProvisionRun,
    entries: Sequence[ResultsEntry],
    dates: dict[str, dt.date],
    today: dt.date | None = None,
) -> ResultsOutcome:
    """Save a run's results table: baseline, mid-point and exit results and RAGB ratings of
    its pupils, with `dates` for the results entered or changed now. A date used for results
    entered now may not be after `today` (the school's date, by default), and mid-point and
    exit results may not be dated before the run started (a baseline may: it is often taken
    before the group begins).

    Everything is checked first, and nothing is saved if anything is wrong. Each changed row
    is then saved on its own, only if its placement is still at the version the user read
    (a conditional UPDATE); rows someone else changed in between are refused and reported,
    the others saved. Rows the user did not change are left alone."""
    measure = run.provision.measure
    placements = {
        placement.pk: placement
        for placement in Placement.objects.filter(
            run=run, pk__in=[entry.placement_id for entry in entries]
        ).select_related("pupil", "baseline", "midpoint", "exit")
    }
    errors: list[str] = []
    for stage, date in dates.items():
        try:
            result_date_check(date=date)
        except ValidationError as exc:
            errors.extend(f"The {STAGE_NAMES[stage]}s: {message}" for message in exc.messages)
    work: list[tuple[ResultsEntry, Placement, dict[str, Decimal | None]]] = []
    conflicts: list[str] = []
    for entry in entries:
        placement = placements.get(entry.placement_id)
        if placement is None:
            conflicts.append(
                "A pupil was taken out of this group by someone else after you opened the "
                "page; their row was not saved."
            )
            continue
        who = placement.pupil.full_name
        read = entry.read or placement_snapshot(placement)
        wanted = {stage: getattr(entry, stage) for stage in RESULT_STAGES}
        changed = {
            stage: value
            for stage, value in wanted.items()
            if _plain_decimal(value) != getattr(read, stage)
        }
        if entry.rating not in (SUGGESTED, "", *Placement.Rating.values):
            errors.append(f"{who}: '{entry.rating}' is not a RAGB rating.")
            continue
        if changed and measure is None:
            errors.append(
                f"'{run.provision.name}' has no measure of progress yet: set one in the "
                "catalogue before recording results."
            )
            break
        for stage, value in changed.items():
            if value is None:
                continue
            if stage not in dates:
                errors.append(f"Give the date of the {STAGE_NAMES[stage]}s.")
                continue
            assert measure is not None  # changes without a measure were refused above
            try:
                result_value_check(measure=measure, value=value)
            except ValidationError as exc:
                errors.extend(f"{who}: {message}" for message in exc.messages)
        baseline_date = (
            dates.get("baseline")
            if "baseline" in changed
            else (placement.baseline.date if placement.baseline else None)
        )
        for stage in ("midpoint", "exit"):
            if wanted[stage] is None or baseline_date is None:
                continue
            current = getattr(placement, stage)
            stage_date = dates.get(stage) if stage in changed else (current and current.date)
            if stage_date is not None and stage_date < baseline_date:
                errors.append(f"{who}: the {STAGE_NAMES[stage]} is dated before the baseline.")
        work.append((entry, placement, changed))
    used = {stage for *_, changed in work for stage, value in changed.items() if value is not None}
    date_errors = _stage_date_errors(
        run, {stage: date for stage, date in dates.items() if stage in used}, today
    )
    if errors or date_errors:
        problems: dict[str, list[str]] = {
            f"{stage}_date": [message] for stage, message in date_errors.items()
        }
        if errors:
            problems[NON_FIELD_ERRORS] = list(dict.fromkeys(errors))
        raise ValidationError(problems)
    # Results may still arrive after a run is closed (exit tests are often marked later).
    changed_rows = [item for item in work if _row_changes(item, measure, run)]
    saved = []
    for entry, placement, changed in changed_rows:
        try:
            with transaction.atomic():
                _save_row(run, measure, entry, placement, changed, dates)
        except PlacementChanged as exc:
            conflicts.extend(exc.messages)
        else:
            saved.append(placement.pupil)
    return ResultsOutcome(saved=saved, conflicts=conflicts)


def _stage_date_errors(
    run: ProvisionRun, dates: dict[str, dt.date], today: dt.date | None
) -> dict[str, str]:
    """What is wrong with the dates given for results entered now, by stage: none after
    today, and mid-point and exit results not before the run's start."""
    today = today or timezone.localdate()
    problems = {}
    for stage, date in dates.items():
        what = f"The date of the {STAGE_NAMES[stage]}s, {_long_date(date)},"
        if date > today:
            problems[stage] = f"{what} is after today."
        elif stage != "baseline" and date < run.start_date:
            problems[stage] = f"{what} is before the run started ({_long_date(run.start_date)})."
    return problems


def _long_date(value: dt.date) -> str:
    return f"{value.day} {value:%b %Y}"


def _final_rating(
    entry: ResultsEntry,
    read: PlacementSnapshot,
    measure: Measure | None,
    run: ProvisionRun,
) -> str:
    if entry.rating != SUGGESTED:
        return entry.rating
    if measure is None:
        return read.rating
    suggestion = ratings.suggest_rating(
        entry.baseline,
        entry.exit,
        success_gain=run.provision.success_gain,
        higher_is_better=measure.higher_is_better,
    )
    return suggestion or read.rating


def _row_changes(
    item: tuple[ResultsEntry, Placement, dict[str, Decimal | None]],
    measure: Measure | None,
    run: ProvisionRun,
) -> bool:
    entry, placement, changed = item
    read = entry.read or placement_snapshot(placement)
    return bool(changed) or _final_rating(entry, read, measure, run) != read.rating


def _save_row(
    run: ProvisionRun,
    measure: Measure | None,
    entry: ResultsEntry,
    placement: Placement,
    changed: dict[str, Decimal | None],
    dates: dict[str, dt.date],
) -> None:
    claimed = Placement.objects.filter(pk=placement.pk, version=entry.read_version).update(
        version=F("version") + 1
    )
    if not claimed:
        raise _changed(placement, entry.read)
    read = entry.read or placement_snapshot(placement)
    links: dict[str, object] = {}
    for stage, value in changed.items():
        old: Result | None = getattr(placement, stage)
        if value is None:
            links[f"{stage}_id"] = None
            if old is not None:
                old.delete()
        elif old is not None:
            Result.objects.filter(pk=old.pk).update(value=value, date=dates[stage])
        else:
            assert measure is not None  # run_record_results refused changes without a measure
            result = result_record(
                pupil=placement.pupil,
                measure=measure,
                date=dates[stage],
                value=value,
                source=f"{stage} of {run}"[:60],
            )
            links[f"{stage}_id"] = result.pk
    Placement.objects.filter(pk=placement.pk).update(
        rating=_final_rating(entry, read, measure, run), **links
    )


@transaction.atomic
def run_close(*, run: ProvisionRun) -> int:
    """Close a run: its group is finished. Pupils still planned or active in it are marked
    completed (withdrawn pupils stay withdrawn). Returns how many were completed."""
    _check_open(run)
    ProvisionRun.objects.filter(pk=run.pk).update(status=ProvisionRun.Status.CLOSED)
    run.status = ProvisionRun.Status.CLOSED
    return Placement.objects.filter(
        run=run, status__in=[Placement.Status.PLANNED, Placement.Status.ACTIVE]
    ).update(status=Placement.Status.COMPLETED, version=F("version") + 1)

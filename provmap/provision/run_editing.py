"""Changing a run after it was started: its details and staff, its group (adding, taking out
and withdrawing pupils from a chosen date, a placement's details), closing it on a date,
deleting it, and undoing its last change.

Every change to a run, its staff or its group moves the run's version on. A change names the
version the user read and is refused, saying what changed, when someone else saved since.
Before each change the run's state (fields, staff lines, placements) is kept in its
`RunChange` row, so the last change can be undone while nothing has changed the run since.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F

from provmap.formatting import counted, plain
from provmap.provision import services
from provmap.provision.models import (
    Placement,
    Provision,
    ProvisionRun,
    RunChange,
    RunChangePlacement,
    RunStaff,
)
from provmap.pupils.models import Pupil, Result
from provmap.schools.models import AcademicYear, Term

# The fields of a run a school edits, in the order of its form, each with what a change to it
# is called (the one list: the edit form's fields, what run_update accepts, and what a refused
# edit says changed). Its staff lines are given apart, as `staff`.
RUN_FIELD_WORDS = {
    "provision": "provision",
    "label": "group name",
    "academic_year": "academic year",
    "term": "term",
    "start_date": "start date",
    "end_date": "end date",
    "status": "status",
    "sessions_per_week": "sessions a week",
    "minutes_per_session": "minutes a session",
    "weeks": "weeks",
    "day_time": "day and time",
    "withdrawn_from": "lesson withdrawn from",
    "funding_stream": "funding stream",
    "lead_staff": "lead",
    "reviewing_staff": "reviewed by",
    "notes": "notes",
}
RUN_UPDATABLE_FIELDS = frozenset(RUN_FIELD_WORDS)
_FOREIGN_KEYS = frozenset(
    {"provision", "academic_year", "term", "funding_stream", "lead_staff", "reviewing_staff"}
)
# Placement fields kept for an undo (with its id, pupil and result links).
_PLACEMENT_FIELDS = (
    "pupil_id",
    "start_date",
    "end_date",
    "need_type",
    "priority",
    "status",
    "leaving_reason",
    "rating",
    "notes",
    "baseline_id",
    "midpoint_id",
    "exit_id",
)


def _long_date(value: dt.date) -> str:
    return f"{value.day} {value:%b %Y}"


# --- What a user read, and what changed since -----------------------------------------------


@dataclass(frozen=True)
class RunSnapshot:
    """What a user saw of a run when they opened a page: enough to tell them what someone
    else changed if their save is refused."""

    version: int
    values: dict[str, str]


def _shown(run: ProvisionRun, field: str) -> str:
    value = getattr(run, field)
    if value is None or value == "":
        return "none"
    if field == "status":
        return ProvisionRun.Status(value).label
    if isinstance(value, Decimal):
        return plain(value)
    if isinstance(value, dt.date):
        return _long_date(value)
    return str(value)


def _staff_words(lines: Sequence[RunStaff]) -> str:
    words = []
    for line in sorted(lines, key=lambda line: line.staff.name):
        time = []
        if line.sessions_per_week is not None:
            time.append(counted(line.sessions_per_week, "session"))
        if line.minutes_per_session is not None:
            time.append(f"{line.minutes_per_session} min")
        words.append(f"{line.staff.name}" + (f" ({', '.join(time)})" if time else ""))
    return "; ".join(words) or "none"


def run_snapshot(run: ProvisionRun) -> RunSnapshot:
    values = {field: _shown(run, field) for field in RUN_FIELD_WORDS}
    values["staff"] = _staff_words(list(run.staff_lines.select_related("staff")))
    values["pupils"] = counted(run.placements.count(), "pupil")
    return RunSnapshot(version=run.version, values=values)


def describe_run_changes(before: RunSnapshot, after: RunSnapshot) -> list[str]:
    """What differs between two snapshots, in words: "weeks now 8 (was 10)"."""
    changes = []
    for field, words in [*RUN_FIELD_WORDS.items(), ("staff", "staff"), ("pupils", "pupils")]:
        old, new = before.values.get(field), after.values.get(field)
        if old == new:
            continue
        if field == "notes":
            changes.append("notes changed")
        else:
            changes.append(f"{words} now {new} (was {old})")
    return changes or ["its group or its pupils' details changed"]


class RunChanged(ValidationError):
    """Someone else changed (or deleted) a run after the user read it; nothing was saved."""


def _run_changed(run: ProvisionRun, read: RunSnapshot | None, *, doing: str) -> RunChanged:
    current = (
        ProvisionRun.objects.filter(pk=run.pk)
        .select_related("provision", "academic_year", "term", "funding_stream")
        .select_related("lead_staff", "reviewing_staff")
        .first()
    )
    if current is None:
        return RunChanged(f"{run} was deleted by someone else after you opened this page.")
    what = ""
    if read is not None:
        what = f": {'; '.join(describe_run_changes(read, run_snapshot(current)))}"
    return RunChanged(
        f"{current} was changed by someone else since you opened it{what}. Nothing was "
        f"{doing}: the page now shows the run as it is, so look again before trying once more."
    )


def _claim(run: ProvisionRun, read_version: int | None, read: RunSnapshot | None, doing: str):
    """Move the run's version on, only from the version the user read (when given)."""
    claim = ProvisionRun.objects.filter(pk=run.pk)
    if read_version is not None:
        claim = claim.filter(version=read_version)
    if not claim.update(version=F("version") + 1):
        raise _run_changed(run, read, doing=doing)
    run.version = ProvisionRun.objects.filter(pk=run.pk).values_list("version", flat=True).get()


# --- The run's state before a change, and undoing it -----------------------------------------


def _json(value: object) -> object:
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _state(run: ProvisionRun) -> dict[str, Any]:
    """The run as stored now: its fields, staff lines and placements, as JSON."""
    row = ProvisionRun.objects.filter(pk=run.pk).values().get()
    fields = {}
    for field in RUN_FIELD_WORDS:
        name = f"{field}_id" if field in _FOREIGN_KEYS else field
        fields[name] = _json(row[name])
    staff = [
        {key: _json(value) for key, value in line.items()}
        for line in RunStaff.objects.filter(run_id=run.pk).values(
            "staff_id", "sessions_per_week", "minutes_per_session"
        )
    ]
    placements = [
        {key: _json(value) for key, value in placement.items()}
        for placement in Placement.objects.filter(run_id=run.pk).values("id", *_PLACEMENT_FIELDS)
    ]
    return {"fields": fields, "staff": staff, "placements": placements}


def _remember(run: ProvisionRun, before: dict[str, Any], summary: str) -> None:
    """Keep the state before the change just made (replacing any older one), with the
    versions its placements were left at (results saved since make an undo refused). Each
    placement is kept in a row of its own pointing at its pupil (erasure removes it)."""
    placements = before.pop("placements")
    before["after"] = {
        str(pk): version
        for pk, version in Placement.objects.filter(run=run).values_list("pk", "version")
    }
    before["placement_count"] = len(placements)
    change, _ = RunChange.objects.update_or_create(
        run=run,
        defaults={
            "school_id": run.school_id,
            "summary": summary[:200],
            "before": before,
            "version_after": run.version,
        },
    )
    RunChangePlacement.objects.filter(change=change).delete()
    RunChangePlacement.objects.bulk_create(
        RunChangePlacement(
            school_id=run.school_id, change=change, pupil_id=placement["pupil_id"], data=placement
        )
        for placement in placements
    )


def _date(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _decimal(value: str | None) -> Decimal | None:
    return Decimal(value) if value is not None else None


@dataclass(frozen=True)
class Undone:
    summary: str
    pupils: list[Pupil]


@transaction.atomic
def run_undo(*, run: ProvisionRun, read_version: int) -> Undone:
    """Put the run back as it was before its last change: its fields, staff lines and group.
    Refused when there is nothing to undo, or when the run changed since that change (someone
    else's change, or another of one's own, would be lost)."""
    change = RunChange.objects.filter(run=run).first()
    if change is None:
        raise ValidationError(f"{run} has no change to undo.")
    now = {
        str(pk): version
        for pk, version in Placement.objects.filter(run=run).values_list("pk", "version")
    }
    if (
        change.version_after != read_version
        or run.version != read_version
        or now != change.before.get("after", now)
    ):
        raise ValidationError(
            f"The last change to {run} ({change.summary}) can no longer be undone: the run "
            "was changed since. Make the correction by editing it instead."
        )
    kept = [row.data for row in RunChangePlacement.objects.filter(change=change)]
    if len(kept) != change.before.get("placement_count", len(kept)):
        raise ValidationError(
            f"The last change to {run} can no longer be undone: a pupil's record was erased since."
        )
    _claim(run, read_version, None, doing="undone")
    before = change.before
    fields = before["fields"]
    current_pupils = set(Placement.objects.filter(run=run).values_list("pupil_id", flat=True))
    values: dict[str, object] = {
        name: _date(value) if name.endswith("_date") else value for name, value in fields.items()
    }
    for name in ("sessions_per_week", "weeks"):
        values[name] = _decimal(fields[name])
    result_ids = {
        placement[link] for placement in kept for link in ("baseline_id", "midpoint_id", "exit_id")
    } - {None}
    existing_results = set(Result.objects.filter(pk__in=result_ids).values_list("pk", flat=True))
    try:
        ProvisionRun.objects.filter(pk=run.pk).update(**values)
        RunStaff.objects.filter(run=run).delete()
        RunStaff.objects.bulk_create(
            RunStaff(
                school_id=run.school_id,
                run_id=run.pk,
                staff_id=line["staff_id"],
                sessions_per_week=_decimal(line["sessions_per_week"]),
                minutes_per_session=line["minutes_per_session"],
            )
            for line in before["staff"]
        )
        Placement.objects.filter(run=run).exclude(pk__in=[p["id"] for p in kept]).delete()
        present = set(Placement.objects.filter(run=run).values_list("pk", flat=True))
        for placement in kept:
            data = {
                name: _date(placement[name]) if name.endswith("_date") else placement[name]
                for name in _PLACEMENT_FIELDS
            }
            for link in ("baseline_id", "midpoint_id", "exit_id"):
                if data[link] not in existing_results:
                    data[link] = None
            if placement["id"] in present:
                Placement.objects.filter(pk=placement["id"]).update(
                    version=F("version") + 1, **data
                )
            else:
                Placement.objects.create(
                    pk=placement["id"], school_id=run.school_id, run_id=run.pk, **data
                )
    except IntegrityError:
        raise ValidationError(
            f"The last change to {run} can no longer be undone: something it used (a member "
            "of staff, a pupil, a funding stream) has been removed since."
        ) from None
    change.delete()
    run.refresh_from_db()
    pupil_ids = current_pupils | {placement["pupil_id"] for placement in kept}
    return Undone(summary=change.summary, pupils=list(Pupil.objects.filter(pk__in=pupil_ids)))


# --- Editing a run ----------------------------------------------------------------------------


def weeks_error(weeks: Decimal, start: dt.date, end: dt.date) -> str | None:
    """The weeks a run meets fit between its dates (counted in calendar weeks, a part week
    as one)."""
    available = math.ceil(((end - start).days + 1) / 7)
    if weeks <= available:
        return None
    # The year is said only when the dates are in different years.
    first, last = f"{start.day} {start:%b}", f"{end.day} {end:%b}"
    if start.year != end.year:
        first, last = f"{first} {start.year}", f"{last} {end.year}"
    return (
        f"{counted(weeks, 'week')} do not fit between {first} and {last} "
        f"({counted(available, 'week')}): give fewer weeks or wider dates."
    )


def _outside(placements: Sequence[Placement], start: dt.date, end: dt.date) -> list[str]:
    outside = []
    for placement in placements:
        last = placement.end_date or placement.start_date
        if placement.start_date < start or placement.start_date > end or last > end:
            span = f"{_long_date(placement.start_date)}"
            span += f" to {_long_date(placement.end_date)}" if placement.end_date else " on"
            outside.append(f"{placement.pupil.full_name} ({span})")
    return outside


@transaction.atomic
def run_update(
    *,
    run: ProvisionRun,
    read_version: int | None,
    read: RunSnapshot | None = None,
    staff: Sequence[services.StaffAssignment] | None = None,
    **changes: Any,
) -> ProvisionRun:
    """Change a run's details and (given `staff`) replace its staff lines.

    Refused, with nothing saved: a field out of its bounds, weeks that do not fit between the
    dates, a term of another year, closing it here (closing completes its pupils: run_close_on),
    another provision measuring progress differently once results are recorded, and dates that
    would leave a pupil's time in the group outside the run (they are listed: change their
    dates first). Refused as well when someone else changed the run since `read_version`."""
    unknown = set(changes) - RUN_UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"run_update cannot change {', '.join(sorted(unknown))}")
    school_id = run.school_id
    for field in _FOREIGN_KEYS:
        if field in changes:
            services._same_school(school_id, **{field: changes[field]})
    for assignment in staff or ():
        services._same_school(school_id, staff=assignment.staff)
    edited = copy.copy(run)
    for name, value in changes.items():
        setattr(edited, name, value)
    errors: dict[str, list[str]] = {}
    term: Term | None = edited.term
    year: AcademicYear = edited.academic_year
    if term is not None and term.academic_year_id != year.pk:
        errors["term"] = [f"{term.name} is not a term of {year.name}."]
    if edited.end_date < edited.start_date:
        errors["end_date"] = ["The run must end on or after the day it starts."]
    if (
        changes.get("status") == ProvisionRun.Status.CLOSED
        and run.status != ProvisionRun.Status.CLOSED
    ):
        errors["status"] = [
            "Close the run with 'Close the run': it completes its pupils and fills their end dates."
        ]
    errors.update(services.run_errors(edited, staff or ()))
    if "weeks" not in errors and "end_date" not in errors:
        message = weeks_error(edited.weeks, edited.start_date, edited.end_date)
        if message:
            errors["weeks"] = [message]
    seen: set[int] = set()
    for assignment in staff or ():
        if assignment.staff.pk in seen:
            errors.setdefault("staff", []).append(f"{assignment.staff.name} is listed twice.")
        seen.add(assignment.staff.pk)
    placements = list(Placement.objects.filter(run=run).select_related("pupil"))
    provision: Provision = edited.provision
    if provision.pk != run.provision_id and provision.measure_id != run.provision.measure_id:
        with_results = [p for p in placements if p.baseline_id or p.midpoint_id or p.exit_id]
        if with_results:
            errors.setdefault("provision", []).append(
                f"{counted(len(with_results), 'pupil')} already "
                f"{'has' if len(with_results) == 1 else 'have'} results on "
                f"{run.provision.measure or 'no measure'}, and {provision.name} measures "
                f"progress with {provision.measure or 'no measure'}: start a new run instead."
            )
    if not errors.keys() & {"start_date", "end_date"}:
        outside = _outside(placements, edited.start_date, edited.end_date)
        if outside:
            errors.setdefault("start_date", []).append(
                f"The new dates ({_long_date(edited.start_date)} to "
                f"{_long_date(edited.end_date)}) leave out time "
                f"{counted(len(outside), 'pupil')} spent in the group: {'; '.join(outside)}. "
                "Change their dates first, or keep the run's dates."
            )
    services._raise_if(errors)
    before = _state(run)
    _claim(run, read_version, read, doing="saved")
    version = run.version
    for name, value in changes.items():
        setattr(run, name, value)
    run.version = version
    if changes:
        run.save(update_fields=list(changes))
    if staff is not None:
        current = {line.staff_id: line for line in RunStaff.objects.filter(run=run)}
        wanted = {assignment.staff.pk: assignment for assignment in staff}
        RunStaff.objects.filter(run=run).exclude(staff_id__in=list(wanted)).delete()
        for staff_id, assignment in wanted.items():
            line = current.get(staff_id)
            if line is None:
                RunStaff.objects.create(
                    school_id=school_id,
                    run=run,
                    staff=assignment.staff,
                    sessions_per_week=assignment.sessions_per_week,
                    minutes_per_session=assignment.minutes_per_session,
                )
            elif (line.sessions_per_week, line.minutes_per_session) != (
                assignment.sessions_per_week,
                assignment.minutes_per_session,
            ):
                line.sessions_per_week = assignment.sessions_per_week
                line.minutes_per_session = assignment.minutes_per_session
                line.save(update_fields=["sessions_per_week", "minutes_per_session"])
    _remember(run, before, "edited the run")
    return run


# --- Deleting a run ---------------------------------------------------------------------------


@transaction.atomic
def run_delete(*, run: ProvisionRun, read_version: int, read: RunSnapshot | None = None) -> None:
    """Delete a run with its staff lines and its pupils' places in it. The results recorded
    in it are the pupils' own and stay on their records."""
    deleted, _ = ProvisionRun.objects.filter(pk=run.pk, version=read_version).delete()
    if not deleted:
        raise _run_changed(run, read, doing="deleted")


# --- The group ------------------------------------------------------------------------------


@transaction.atomic
def run_pupils_add(
    *, run: ProvisionRun, pupils: Sequence[Pupil], start_date: dt.date | None = None
) -> list[Placement]:
    """Add pupils to a run's group (services.placements_add), keeping the group before for an
    undo. The pupils already in it keep their dates (and so their days in the cost share)."""
    before = _state(run)
    added = services.placements_add(run=run, pupils=pupils, start_date=start_date)
    _claim(run, None, None, doing="saved")
    _remember(run, before, f"added {counted(len(added), 'pupil')}")
    return added


@transaction.atomic
def run_pupil_remove(
    *,
    placement: Placement,
    read_version: int,
    read: services.PlacementSnapshot | None = None,
    on: dt.date,
) -> str:
    """Take a pupil out of a group (services.placement_remove), keeping the group before."""
    run = placement.run
    before = _state(run)
    outcome = services.placement_remove(
        placement=placement, read_version=read_version, read=read, on=on
    )
    _claim(run, None, None, doing="saved")
    _remember(run, before, f"{outcome} a pupil")
    return outcome


PLACEMENT_EDITABLE_FIELDS = frozenset(
    {"start_date", "end_date", "leaving_reason", "priority", "need_type", "notes"}
)


def _claim_placement(
    placement: Placement, read_version: int, read: services.PlacementSnapshot | None
) -> None:
    claimed = Placement.objects.filter(pk=placement.pk, version=read_version).update(
        version=F("version") + 1
    )
    if not claimed:
        raise services._changed(placement, read)
    placement.version = read_version + 1


@transaction.atomic
def placement_edit(
    *,
    placement: Placement,
    read_version: int,
    read: services.PlacementSnapshot | None = None,
    **changes: Any,
) -> Placement:
    """Change a pupil's dates in the group, reason for leaving, priority, need addressed and
    notes (the checks of services.placement_update: dates inside the run, in order)."""
    unknown = set(changes) - PLACEMENT_EDITABLE_FIELDS
    if unknown:
        raise ValueError(f"placement_edit cannot change {', '.join(sorted(unknown))}")
    run = placement.run
    before = _state(run)
    _claim_placement(placement, read_version, read)
    services.placement_update(placement=placement, **changes)
    _claim(run, None, None, doing="saved")
    _remember(run, before, "changed a pupil's place")
    return placement


@transaction.atomic
def placement_withdraw(
    *,
    placement: Placement,
    read_version: int,
    read: services.PlacementSnapshot | None = None,
    on: dt.date,
    reason: str = Placement.Leaving.WITHDRAWN,
) -> Placement:
    """Withdraw a pupil from the group from `on` (their last day in it): kept on the map as
    withdrawn, with their results, costed for the days they were in the group."""
    run = placement.run
    services._check_open(run)
    if reason not in Placement.Leaving.values:
        raise ValidationError({"reason": "Choose a reason for leaving."})
    first = placement.start_date
    if not first <= on <= run.end_date:
        raise ValidationError(
            {
                "on": f"{placement.pupil.full_name}'s last day must be between "
                f"{_long_date(first)} (when they joined) and {_long_date(run.end_date)} "
                f"(the end of the run); you gave {_long_date(on)}."
            }
        )
    before = _state(run)
    _claim_placement(placement, read_version, read)
    Placement.objects.filter(pk=placement.pk).update(
        status=Placement.Status.WITHDRAWN, end_date=on, leaving_reason=reason
    )
    placement.refresh_from_db()
    _claim(run, None, None, doing="saved")
    _remember(run, before, f"withdrew a pupil from {_long_date(on)}")
    return placement


# --- Closing a run ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Closed:
    completed: list[Pupil]
    missing_exit: int


@transaction.atomic
def run_close_on(
    *,
    run: ProvisionRun,
    read_version: int,
    read: RunSnapshot | None = None,
    on: dt.date,
    today: dt.date,
) -> Closed:
    """Close a run on `on` (its group's last day): pupils still planned or active complete it,
    their end date the closing day (or the run's end, if earlier). Refused for a closing day
    after today or before the run started."""
    services._check_open(run)
    if on > today:
        raise ValidationError(
            {"on": f"The closing day cannot be after today ({_long_date(today)})."}
        )
    if on < run.start_date:
        raise ValidationError(
            {
                "on": f"The closing day cannot be before the run started "
                f"({_long_date(run.start_date)})."
            }
        )
    before = _state(run)
    _claim(run, read_version, read, doing="closed")
    last = min(on, run.end_date)
    open_ones = list(
        Placement.objects.filter(
            run=run, status__in=[Placement.Status.PLANNED, Placement.Status.ACTIVE]
        ).select_related("pupil")
    )
    for placement in open_ones:
        end = placement.end_date if placement.end_date and placement.end_date < last else last
        Placement.objects.filter(pk=placement.pk).update(
            status=Placement.Status.COMPLETED,
            end_date=max(end, placement.start_date),
            leaving_reason=placement.leaving_reason or Placement.Leaving.COMPLETED,
            version=F("version") + 1,
        )
    ProvisionRun.objects.filter(pk=run.pk).update(status=ProvisionRun.Status.CLOSED)
    run.status = ProvisionRun.Status.CLOSED
    _remember(run, before, f"closed the run on {_long_date(on)}")
    missing = Placement.objects.filter(
        run=run, exit__isnull=True, status=Placement.Status.COMPLETED
    ).count()
    return Closed(completed=[placement.pupil for placement in open_ones], missing_exit=missing)

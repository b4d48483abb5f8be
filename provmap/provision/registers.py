"""Session registers: recording each session of a run as it happened (held or not and why,
how long, notes of significant outcomes) with each pupil's attendance, and deleting one.

A register is kept by its date (a run meets at most once a day). Saving one is all or
nothing: when the session was held every pupil due that day is marked (attended, or absent
with a reason); when it was not held, nobody is. Changing a saved register names the version
the user read and is refused, saying who saved it since, when someone else did. Registers are
not edits of the run: the run's version does not move.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from provmap.provision.models import Placement, ProvisionRun, RunSession, SessionAttendance
from provmap.schools.bounds import MINUTES_PER_SESSION

Mark = tuple[str, str]
"""A pupil's mark and, when absent, the reason (a SessionAttendance.Absence value)."""


def long_date(value: dt.date) -> str:
    """A date as pages write it: 3 Nov 2026."""
    return f"{value.day} {value:%b %Y}"


def due_on(placements: Iterable[Placement], run: ProvisionRun, day: dt.date) -> list[Placement]:
    """The run's pupils due at its session on `day`: in the group that day (their place's
    dates cover it), not a pupil who had left or was withdrawn by then."""
    due = []
    for placement in placements:
        last = placement.end_date or run.end_date
        if placement.start_date <= day <= last:
            due.append(placement)
    return due


def _check_session(
    *,
    run: ProvisionRun,
    date: dt.date,
    held: bool,
    not_held_reason: str,
    minutes: int | None,
    today: dt.date,
) -> None:
    errors: dict[str, list[str]] = {}
    if date < run.start_date or date > run.end_date:
        errors.setdefault("date", []).append(
            f"The session's date must be within the run, from {long_date(run.start_date)} "
            f"to {long_date(run.end_date)} (got {long_date(date)})."
        )
    elif date > today:
        errors.setdefault("date", []).append(
            f"A register is taken on the day or after: {long_date(date)} is still to come."
        )
    if minutes is None:
        errors.setdefault("minutes", []).append("Say how many minutes the session lasted.")
    elif message := MINUTES_PER_SESSION.error(minutes):
        errors.setdefault("minutes", []).append(message)
    reasons = set(RunSession.NotHeld.values)
    if held and not_held_reason:
        errors.setdefault("not_held_reason", []).append(
            "A session that was held has no reason for not being held: clear it."
        )
    if not held and not_held_reason not in reasons:
        errors.setdefault("not_held_reason", []).append("Say why the session was not held.")
    if errors:
        raise ValidationError(errors)


def _check_marks(
    *, due: list[Placement], marks: Mapping[int, Mark], held: bool
) -> list[tuple[Placement, str, str]]:
    by_id = {placement.pk: placement for placement in due}
    strangers = [pk for pk in marks if pk not in by_id]
    if strangers:
        raise ValidationError(
            "Some pupils marked are not in the group on that day: look at the register again.",
            code="not_due",
        )
    if not held:
        if marks:
            raise ValidationError(
                "A session that was not held has no attendance: clear the marks, or say it "
                "was held.",
                code="marks_not_held",
            )
        return []
    unmarked = [p for p in due if p.pk not in marks]
    if unmarked:
        names = ", ".join(p.pupil.full_name for p in unmarked)
        raise ValidationError(f"Mark every pupil as attended or absent: {names}.", code="unmarked")
    absences = set(SessionAttendance.Absence.values)
    rows = []
    problems = []
    for placement in due:
        mark, reason = marks[placement.pk]
        if mark == SessionAttendance.Mark.ATTENDED:
            rows.append((placement, mark, ""))
        elif mark == SessionAttendance.Mark.ABSENT:
            if reason not in absences:
                problems.append(placement.pupil.full_name)
            rows.append((placement, mark, reason))
        else:
            problems.append(placement.pupil.full_name)
    if problems:
        raise ValidationError(
            f"Give a reason for each pupil absent: {', '.join(problems)}.", code="no_reason"
        )
    return rows


@transaction.atomic
def session_record(
    *,
    run: ProvisionRun,
    date: dt.date,
    held: bool,
    not_held_reason: str = "",
    minutes: int | None,
    note: str = "",
    marks: Mapping[int, Mark],
    by: Any,
    version: int | None = None,
    today: dt.date | None = None,
) -> RunSession:
    """Record (or change) the register of `run` on `date`. `marks` is {placement id: (mark,
    reason)} for every pupil due that day when held, empty when not; `version` the version of
    the saved register the user read (None: they saw none); `by` the user recording it. All
    or nothing."""
    _check_session(
        run=run,
        date=date,
        held=held,
        not_held_reason=not_held_reason,
        minutes=minutes,
        today=today or timezone.localdate(),
    )
    placements = Placement.objects.filter(run=run).select_related("pupil")
    due = due_on(placements, run, date)
    rows = _check_marks(due=due, marks=marks, held=held)
    assert minutes is not None
    session = RunSession.objects.select_for_update().filter(run=run, date=date).first()
    who = (by.get_full_name() or by.email or by.username) if by is not None else ""
    if session is None:
        if version is not None:
            raise ValidationError(
                "The register you changed has since been deleted: look at it again.",
                code="stale",
            )
        session = RunSession(school_id=run.school_id, run=run, date=date)
    else:
        if version != session.version:
            saver = session.recorded_by_name or "someone else"
            raise ValidationError(
                f"{saver} saved this register since you opened it: look at it again before saving.",
                code="stale",
            )
        session.version += 1
    session.held = held
    session.not_held_reason = "" if held else not_held_reason
    session.minutes = minutes
    session.note = note.strip()
    session.recorded_by = by if getattr(by, "pk", None) else None
    session.recorded_by_name = str(who)[:150]
    try:
        with transaction.atomic():
            session.save()
    except IntegrityError as error:
        raise ValidationError(
            "Someone else saved a register for that day at the same time: look at it again.",
            code="stale",
        ) from error
    SessionAttendance.objects.filter(session=session).delete()
    SessionAttendance.objects.bulk_create(
        SessionAttendance(
            school_id=run.school_id,
            session=session,
            placement=placement,
            mark=mark,
            absence_reason=reason,
        )
        for placement, mark, reason in rows
    )
    return session


@transaction.atomic
def session_delete(*, session: RunSession, version: int, by: Any) -> None:
    """Delete a register (and its marks), refused when someone saved it since it was read."""
    current = RunSession.objects.select_for_update().filter(pk=session.pk).first()
    if current is None:
        return
    if current.version != version:
        saver = current.recorded_by_name or "someone else"
        raise ValidationError(
            f"{saver} saved this register since you opened it: look at it again before "
            "deleting it.",
            code="stale",
        )
    current.delete()

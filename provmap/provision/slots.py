"""When a run meets: its timetable slots (a weekday, start and end times, the lesson its
pupils are withdrawn from). Writes: add one, remove one, or replace them all at once (all
or nothing). A school that gives no slots keeps the free-text `day_time`.

Refused with a message the school can act on: a day outside Monday to Friday, times outside
the school day (07:30 to 18:00), a start not before the end, a slot overlapping another of the
same run. More slots than the run's sessions a week (rounded up) is allowed but warned about
(`slot_warnings`): a school may split a session or list alternatives.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from provmap.provision.models import ProvisionRun, RunSlot

DAY_STARTS = dt.time(7, 30)
DAY_ENDS = dt.time(18, 0)
SUBJECT_LENGTH = 60


@dataclass(frozen=True)
class SlotValues:
    weekday: int
    start_time: dt.time
    end_time: dt.time
    subject: str = ""


def _problems(values: SlotValues) -> list[str]:
    problems = []
    if values.weekday not in RunSlot.Weekday.values:
        problems.append("Choose a day from Monday to Friday.")
    if not DAY_STARTS <= values.start_time <= DAY_ENDS or not (
        DAY_STARTS <= values.end_time <= DAY_ENDS
    ):
        problems.append(
            f"Give times in the school day, from {DAY_STARTS:%H:%M} to {DAY_ENDS:%H:%M}."
        )
    if values.start_time >= values.end_time:
        problems.append(
            f"The start ({values.start_time:%H:%M}) must be before the end "
            f"({values.end_time:%H:%M})."
        )
    if len(values.subject.strip()) > SUBJECT_LENGTH:
        problems.append(f"Give the lesson in {SUBJECT_LENGTH} characters or fewer.")
    return problems


def _text(values: SlotValues) -> str:
    day = RunSlot.Weekday(values.weekday).label if values.weekday in RunSlot.Weekday.values else "?"
    return f"{day} {values.start_time:%H:%M}-{values.end_time:%H:%M}"


def _clash(values: SlotValues, others: Sequence[SlotValues]) -> str | None:
    for other in others:
        if (
            other.weekday == values.weekday
            and values.start_time < other.end_time
            and other.start_time < values.end_time
        ):
            return f"{_text(values)} overlaps {_text(other)}, when the run already meets."
    return None


def _values(slot: RunSlot) -> SlotValues:
    return SlotValues(slot.weekday, slot.start_time, slot.end_time, slot.subject)


def _clean(values: SlotValues) -> SlotValues:
    return SlotValues(
        values.weekday, values.start_time, values.end_time, " ".join(values.subject.split())
    )


@transaction.atomic
def slot_add(
    *,
    run: ProvisionRun,
    weekday: int,
    start_time: dt.time,
    end_time: dt.time,
    subject: str = "",
    by: object = None,
) -> RunSlot:
    """Add a time the run meets. `by`: who did it (the caller records it in the audit)."""
    values = _clean(SlotValues(weekday, start_time, end_time, subject))
    problems = _problems(values)
    if not problems:
        existing = [_values(slot) for slot in RunSlot.objects.filter(run=run)]
        clash = _clash(values, existing)
        if clash:
            problems.append(clash)
    if problems:
        raise ValidationError(problems)
    return RunSlot.objects.create(
        school_id=run.school_id,
        run=run,
        weekday=values.weekday,
        start_time=values.start_time,
        end_time=values.end_time,
        subject=values.subject,
    )


@transaction.atomic
def slot_remove(*, slot: RunSlot, by: object = None) -> None:
    """Take a time off the run."""
    slot.delete()


@transaction.atomic
def slots_set(
    *, run: ProvisionRun, slots: Sequence[SlotValues], by: object = None
) -> list[RunSlot]:
    """Replace all of the run's slots with `slots`: all or nothing, every problem named by
    its row ("Slot 2: ...")."""
    cleaned = [_clean(values) for values in slots]
    problems = []
    for index, values in enumerate(cleaned):
        own = _problems(values)
        if not own:
            clash = _clash(values, cleaned[:index])
            own = [clash] if clash else []
        problems += [f"Slot {index + 1}: {problem}" for problem in own]
    if problems:
        raise ValidationError(problems)
    RunSlot.objects.filter(run=run).delete()
    return RunSlot.objects.bulk_create(
        [
            RunSlot(
                school_id=run.school_id,
                run=run,
                weekday=values.weekday,
                start_time=values.start_time,
                end_time=values.end_time,
                subject=values.subject,
            )
            for values in cleaned
        ]
    )


def slot_warnings(run: ProvisionRun, count: int) -> list[str]:
    """What to warn about (not refuse) once a run has `count` slots."""
    sessions = math.ceil(run.sessions_per_week)
    if count > sessions:
        return [
            f"{run} now meets {count} times a week but has {sessions} "
            f"session{'s' if sessions != 1 else ''} a week: check its slots or its sessions."
        ]
    return []

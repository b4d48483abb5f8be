"""The demo's session registers: every run of the current school year that has started has a
register for each of its sessions up to the demo's today (last year's runs have none, to keep
the demo quick to build), mostly held (a few not held, with reasons), about nine
pupils in ten attending, and a few notes of significant outcomes.

Written in bulk, keeping the rules of `provision.registers.session_record`: a session's date
within its run and not after today, one a day; every pupil due that day (their place's dates
cover it) marked when held, none when not; an absence always with a reason.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Sequence
from decimal import ROUND_HALF_UP, Decimal

from provmap.provision.fidelity import minutes_a_day, planned_sessions
from provmap.provision.models import Placement, ProvisionRun, RunSession, SessionAttendance
from provmap.provision.registers import due_on
from provmap.schools.models import AcademicYear, School

HELD_SHARE = 0.93
ATTENDED_SHARE = 0.9
NOTE_SHARE = 0.08
NOT_HELD_REASONS = [
    (RunSession.NotHeld.STAFF_ABSENT, 5),
    (RunSession.NotHeld.SCHOOL_EVENT, 4),
    (RunSession.NotHeld.ROOM, 1),
    (RunSession.NotHeld.OTHER, 1),
]
ABSENCE_REASONS = [
    (SessionAttendance.Absence.OFF_SCHOOL, 6),
    (SessionAttendance.Absence.OTHER_COMMITMENT, 3),
    (SessionAttendance.Absence.DECLINED, 1),
]
NOTES = (
    "Everyone joined in well today.",
    "Read a whole page aloud without help for the first time.",
    "Worked well as a pair; kept going when it got hard.",
    "Unsettled after break; shorter tasks helped.",
    "Used the new strategy without a prompt.",
)
# The weekdays a run meets on, by its sessions a week (rounded): Monday is 0.
MEETING_DAYS = {1: (1,), 2: (1, 3), 3: (0, 2, 4), 4: (0, 1, 3, 4), 5: (0, 1, 2, 3, 4)}


def _pick(rng: random.Random, weighted: Sequence[tuple[str, int]]) -> str:
    values, weights = zip(*weighted, strict=True)
    return str(rng.choices(values, weights=weights)[0])


def _meeting_dates(run: ProvisionRun, today: dt.date) -> list[dt.date]:
    """The run's meeting days up to today, no more than it plans in all."""
    per_week = int(Decimal(run.sessions_per_week).to_integral_value(rounding=ROUND_HALF_UP))
    weekdays = MEETING_DAYS[min(max(per_week, 1), 5)]
    planned = int(
        planned_sessions(run.sessions_per_week, run.weeks).to_integral_value(rounding=ROUND_HALF_UP)
    )
    last = min(run.end_date, today)
    dates: list[dt.date] = []
    day = run.start_date
    while day <= last and len(dates) < planned:
        if day.weekday() in weekdays:
            dates.append(day)
        day += dt.timedelta(days=1)
    return dates


def create_sessions(school: School, rng: random.Random, *, today: dt.date) -> int:
    """Registers for the runs of the school year `today` is in (or the last one begun), up to
    `today`; how many sessions were written."""
    year = (
        AcademicYear.objects.filter(school=school, start_date__lte=today)
        .order_by("-start_date")
        .first()
    )
    runs = list(
        ProvisionRun.objects.filter(school=school, academic_year=year, start_date__lte=today)
        .select_related("lead_staff")
        .order_by("start_date", "pk")
    )
    placements: dict[int, list[Placement]] = defaultdict(list)
    for placement in Placement.objects.filter(school=school, run__in=runs).order_by("pk"):
        placements[placement.run_id].append(placement)
    sessions: list[RunSession] = []
    marks: list[tuple[int, list[tuple[Placement, str, str]]]] = []
    for run in runs:
        who = run.lead_staff.name if run.lead_staff else ""
        for day in _meeting_dates(run, today):
            held = rng.random() < HELD_SHARE
            sessions.append(
                RunSession(
                    school_id=school.pk,
                    run_id=run.pk,
                    date=day,
                    held=held,
                    not_held_reason="" if held else _pick(rng, NOT_HELD_REASONS),
                    minutes=minutes_a_day(run.sessions_per_week, run.minutes_per_session),
                    note=rng.choice(NOTES) if held and rng.random() < NOTE_SHARE else "",
                    recorded_by_name=who,
                )
            )
            rows = []
            if held:
                for placement in due_on(placements[run.pk], run, day):
                    if rng.random() < ATTENDED_SHARE:
                        rows.append((placement, SessionAttendance.Mark.ATTENDED.value, ""))
                    else:
                        reason = _pick(rng, ABSENCE_REASONS)
                        rows.append((placement, SessionAttendance.Mark.ABSENT.value, reason))
            marks.append((len(sessions) - 1, rows))
    RunSession.objects.bulk_create(sessions, batch_size=1000)
    SessionAttendance.objects.bulk_create(
        (
            SessionAttendance(
                school_id=school.pk,
                session_id=sessions[index].pk,
                placement_id=placement.pk,
                mark=mark,
                absence_reason=reason,
            )
            for index, rows in marks
            for placement, mark, reason in rows
        ),
        batch_size=2000,
    )
    return len(sessions)

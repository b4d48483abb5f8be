"""The demo school's timetable: the lessons a week each year group has of each subject, and
when most runs of the current and next terms meet (the rest keep their free-text day and
time). Slots are placed so that no pupil or member of staff is in two places at once and no
pupil misses half of a subject, then a few are spoilt on purpose so the clash pages have
something to show: one pupil in two runs at once, one pupil missing most of their English.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from dataclasses import dataclass

from provmap.planning.models import SubjectLessons
from provmap.provision.models import Placement, ProvisionRun, RunSlot, RunStaff
from provmap.pupils.models import Pupil
from provmap.schools.models import School, Term

# Five one-hour lessons a day; a subject's lessons spread over the week (25 in all).
PERIODS = [dt.time(8, 50), dt.time(9, 50), dt.time(11, 10), dt.time(12, 10), dt.time(13, 50)]
LESSONS = {
    "English": 4,
    "Maths": 4,
    "Science": 3,
    "Humanities": 3,
    "MFL": 2,
    "PE": 2,
    "Art": 2,
    "Computing": 1,
    "Drama": 1,
    "Music": 1,
    "PSHE": 1,
    "RE": 1,
}
# Outside lessons, missing none: registration (08:20 to 08:50), lunch (13:10 to 13:50),
# after school (from 15:00).
REGISTRATION = dt.time(8, 20)
LUNCH = dt.time(13, 10)
AFTER_SCHOOL = dt.time(15, 0)
# Runs of the current and next terms given slots; the others keep `day_time`.
SHARE_WITH_SLOTS = 0.85
YEARS = ["7", "8", "9", "10", "11"]


@dataclass(frozen=True)
class Period:
    weekday: int
    start: dt.time
    length: int  # minutes
    subject: str


def _grid() -> list[Period]:
    """The week's lesson periods and the subject in each (the same for every year group)."""
    subjects = [name for name, count in LESSONS.items() for _ in range(count)]
    # Spread each subject over the days: deal the list out day by day.
    periods = []
    for index, subject in enumerate(subjects):
        weekday = index % 5 + 1
        period = index // 5
        periods.append(Period(weekday, PERIODS[period], 60, subject))
    for day in range(1, 6):
        periods += [
            Period(day, REGISTRATION, 30, ""),
            Period(day, LUNCH, 40, ""),
            Period(day, AFTER_SCHOOL, 60, ""),
        ]
    return periods


def _end(start: dt.time, minutes: int) -> dt.time:
    moment = dt.datetime.combine(dt.date(2000, 1, 1), start) + dt.timedelta(minutes=minutes)
    return moment.time()


def build_timetable(school: School, terms: list[Term], rng: random.Random) -> int:
    """Lessons a week for each year group and slots for most runs of `terms`; returns how
    many slots were made."""
    SubjectLessons.objects.bulk_create(
        [
            SubjectLessons(school=school, nc_year=year, subject=subject, lessons_per_week=count)
            for year in YEARS
            for subject, count in LESSONS.items()
        ]
    )
    grid = _grid()
    made: list[RunSlot] = []
    for term in terms:
        made += _term_slots(school, term, grid, rng)
    RunSlot.objects.bulk_create(made)
    return len(made)


def _term_slots(
    school: School, term: Term, grid: list[Period], rng: random.Random
) -> list[RunSlot]:
    runs = list(ProvisionRun.objects.filter(school=school, term=term).order_by("pk"))
    pupils: dict[int, list[int]] = defaultdict(list)
    for run_id, pupil_id in Placement.objects.filter(run__in=runs).values_list("run", "pupil"):
        pupils[run_id].append(pupil_id)
    staff: dict[int, set[int]] = defaultdict(set)
    for run_id, staff_id in RunStaff.objects.filter(run__in=runs).values_list("run", "staff"):
        staff[run_id].add(staff_id)
    for run in runs:
        if run.lead_staff_id:
            staff[run.pk].add(run.lead_staff_id)
    years = dict(
        Pupil.objects.filter(school=school, placements__run__in=runs).values_list("pk", "nc_year")
    )
    busy_pupil: set[tuple[int, int, dt.time]] = set()
    busy_staff: set[tuple[int, int, dt.time]] = set()
    missed: dict[tuple[int, str], int] = defaultdict(int)
    chosen: dict[int, list[Period]] = {}
    for run in runs:
        if rng.random() > SHARE_WITH_SLOTS:
            continue
        wanted = min(5, math.ceil(run.sessions_per_week))
        options = grid[:]
        rng.shuffle(options)
        # The lesson the run says it withdraws from first, where the school has it.
        options.sort(key=lambda period: period.subject != run.withdrawn_from)
        picked: list[Period] = []
        # In-class support and runs outside lessons take pupils from no lesson.
        withdraws = bool(run.withdrawn_from)
        for period in options:
            if len(picked) == wanted:
                break
            if any(p.weekday == period.weekday for p in picked):
                continue
            if period.length < min(run.minutes_per_session, 60) and period.subject == "":
                continue
            key = (period.weekday, period.start)
            if any((pupil, *key) in busy_pupil for pupil in pupils[run.pk]):
                continue
            if any((member, *key) in busy_staff for member in staff[run.pk]):
                continue
            if not withdraws:
                period = Period(period.weekday, period.start, period.length, "")
            if period.subject and any(
                2 * (missed[pupil, period.subject] + 1) >= LESSONS[period.subject]
                for pupil in pupils[run.pk]
                if years.get(pupil) in YEARS
            ):
                continue
            picked.append(period)
            busy_pupil.update((pupil, *key) for pupil in pupils[run.pk])
            busy_staff.update((member, *key) for member in staff[run.pk])
            for pupil in pupils[run.pk]:
                if period.subject:
                    missed[pupil, period.subject] += 1
        if picked:
            chosen[run.pk] = picked
    _spoil(runs, pupils, chosen, grid)
    return [
        RunSlot(
            school=school,
            run=run,
            weekday=period.weekday,
            start_time=period.start,
            end_time=_end(period.start, min(run.minutes_per_session, period.length)),
            subject=period.subject,
        )
        for run in runs
        for period in sorted(chosen.get(run.pk, []), key=lambda p: (p.weekday, p.start))
    ]


def _spoil(
    runs: list[ProvisionRun],
    pupils: dict[int, list[int]],
    chosen: dict[int, list[Period]],
    grid: list[Period],
) -> None:
    """One genuine clash (a small run moved onto a time another run of one of its pupils
    meets) and one pupil missing most of their English (a 1:1 run moved to English)."""
    small = sorted(
        (run for run in runs if run.pk in chosen and pupils[run.pk]),
        key=lambda run: (len(pupils[run.pk]), run.pk),
    )
    english = [period for period in grid if period.subject == "English"]
    if small and len(chosen[small[0].pk]) >= 1:
        alone = small[0]
        days = len(chosen[alone.pk])
        # Three English lessons (of four) a week, or as many as it meets.
        chosen[alone.pk] = english[: max(min(days, 4), 3)]
        small = small[1:]
    for run in small:
        pupil = pupils[run.pk][0]
        other = next(
            (
                other
                for other in runs
                if other.pk != run.pk and other.pk in chosen and pupil in pupils[other.pk]
            ),
            None,
        )
        if other is None:
            continue
        target = chosen[other.pk][0]
        keep = [period for period in chosen[run.pk][1:] if period.weekday != target.weekday]
        chosen[run.pk] = [target, *keep]
        return

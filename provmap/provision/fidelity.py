"""A run's fidelity, dose and cost to date from its registers, as plain functions of numbers
and dates (no database, no web).

* One register a day: a run meets at most once a day in its registers, so a run of more than
  five sessions a week (in-class support in many lessons) takes one register for the day's
  sessions, its minutes those of the day (`minutes_a_day`). Its planned registers are five a
  week; its planned minutes are unchanged.
* Registers (sessions) planned to a date: the run's (registers a week x its weeks) spread evenly
  over its days, first to last inclusive (as `costing.cost_to_date` spreads its cost), the
  part of them whose days have come.
* Fidelity: sessions held / sessions planned to date.
* A pupil's dose: the minutes of the sessions they attended, against the minutes planned for
  them to date (the run's planned sessions over the days they were in the group up to the
  date, x minutes a session); their attendance rate: sessions attended / sessions held that
  they were marked at.
* Cost to date: the run's cost per planned session x sessions held. Staff time is paid whether
  pupils come or not, so a session held counts whole whatever its attendance; a session not
  held costs nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from provmap.provision.costing import overlap_days, to_pennies

ATTENDED = "attended"


@dataclass(frozen=True)
class Held:
    """One recorded session: its date, whether it was held, its minutes, and the reason when
    not held."""

    date: dt.date
    held: bool
    minutes: int
    not_held_reason: str = ""


@dataclass(frozen=True)
class PupilMarks:
    """One pupil's time in the group (first and last day) and their marks: (minutes of the
    session, mark) for each held session they were marked at."""

    start: dt.date
    end: dt.date
    marks: tuple[tuple[int, str], ...]


@dataclass(frozen=True)
class Dose:
    attended: int
    marked: int
    minutes_delivered: int
    minutes_planned: Decimal

    @property
    def attendance(self) -> Decimal | None:
        """Sessions attended / sessions marked (None before any)."""
        if not self.marked:
            return None
        return Decimal(self.attended) / Decimal(self.marked)

    @property
    def share_of_plan(self) -> Decimal | None:
        """Minutes delivered / minutes planned to date (None while nothing was planned)."""
        if self.minutes_planned <= 0:
            return None
        return Decimal(self.minutes_delivered) / self.minutes_planned


@dataclass(frozen=True)
class Fidelity:
    planned_total: Decimal
    planned_to_date: Decimal
    held: int
    not_held: int
    not_held_reasons: dict[str, int]

    @property
    def rate(self) -> Decimal | None:
        """Sessions held / sessions planned to date (None while none were planned)."""
        if self.planned_to_date <= 0:
            return None
        return Decimal(self.held) / self.planned_to_date


SCHOOL_DAYS_A_WEEK = 5


def sessions_a_day(sessions_per_week: Decimal | int) -> Decimal:
    """How many of the run's sessions one day's register covers: 1, or more for a run of
    more than five sessions a week."""
    return max(Decimal(1), Decimal(sessions_per_week) / SCHOOL_DAYS_A_WEEK)


def minutes_a_day(sessions_per_week: Decimal | int, minutes_per_session: int) -> int:
    """The minutes a day's register starts with: the session's, or the day's share of a run
    of more than five sessions a week."""
    return round(sessions_a_day(sessions_per_week) * minutes_per_session)


def planned_sessions(sessions_per_week: Decimal | int, weeks: Decimal | int) -> Decimal:
    """Every register the run plans: sessions a week (at most one a day) x weeks."""
    return min(Decimal(sessions_per_week), Decimal(SCHOOL_DAYS_A_WEEK)) * Decimal(weeks)


def _run_days(start: dt.date, end: dt.date) -> int:
    return (end - start).days + 1


def planned_between(
    total: Decimal, run: tuple[dt.date, dt.date], first: dt.date, last: dt.date
) -> Decimal:
    """The run's planned sessions falling on its days from `first` to `last` (inclusive),
    spread evenly over the run's days."""
    start, end = run
    if end < start:
        return Decimal(0)
    days = overlap_days(start, end, first, last)
    part = Fraction(days, _run_days(start, end))
    return Decimal(total) * Decimal(part.numerator) / Decimal(part.denominator)


def fidelity(
    *,
    sessions_per_week: Decimal | int,
    weeks: Decimal | int,
    run: tuple[dt.date, dt.date],
    sessions: Sequence[Held],
    as_of: dt.date,
) -> Fidelity:
    """Sessions planned to `as_of`, held and not held (with each reason's count)."""
    total = planned_sessions(sessions_per_week, weeks)
    to_date = planned_between(total, run, run[0], as_of)
    recorded = [session for session in sessions if session.date <= as_of]
    reasons: dict[str, int] = {}
    for session in recorded:
        if not session.held:
            reasons[session.not_held_reason] = reasons.get(session.not_held_reason, 0) + 1
    held = sum(1 for session in recorded if session.held)
    return Fidelity(
        planned_total=total,
        planned_to_date=to_date,
        held=held,
        not_held=len(recorded) - held,
        not_held_reasons=reasons,
    )


def dose(
    pupil: PupilMarks,
    *,
    sessions_per_week: Decimal | int,
    weeks: Decimal | int,
    minutes_per_session: int,
    run: tuple[dt.date, dt.date],
    as_of: dt.date,
) -> Dose:
    """One pupil's sessions attended and minutes delivered against those planned to `as_of`."""
    total = planned_sessions(sessions_per_week, weeks)
    planned = planned_between(total, run, pupil.start, min(pupil.end, as_of))
    attended = [minutes for minutes, mark in pupil.marks if mark == ATTENDED]
    return Dose(
        attended=len(attended),
        marked=len(pupil.marks),
        minutes_delivered=sum(attended),
        minutes_planned=planned * sessions_a_day(sessions_per_week) * minutes_per_session,
    )


def cost_per_session(cost: Decimal, planned_total: Decimal) -> Decimal:
    """The run's cost over its planned sessions (unrounded; £0 when none are planned)."""
    if planned_total <= 0:
        return Decimal(0)
    return Decimal(cost) / Decimal(planned_total)


def cost_to_date(cost: Decimal, planned_total: Decimal, held: int) -> Decimal:
    """The run's cost per planned session x sessions held, to the penny (more than planned
    when more sessions were held than planned: staff were paid for them)."""
    return to_pennies(cost_per_session(cost, planned_total) * held)

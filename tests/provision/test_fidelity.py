"""Fidelity, dose and cost to date from registers: pure functions, hand-worked numbers."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from provmap.provision import fidelity

# A run of 10 days (1 to 10 Jan), 2 sessions a week for 5 weeks: 10 sessions planned, one a
# day of its span.
RUN = (dt.date(2027, 1, 1), dt.date(2027, 1, 10))


def test_planned_sessions_to_a_date_spread_over_the_runs_days():
    total = fidelity.planned_sessions(Decimal("2"), Decimal("5"))
    assert total == Decimal("10")
    # 5 of the 10 days have come by 5 Jan: half the sessions.
    assert fidelity.planned_between(total, RUN, RUN[0], dt.date(2027, 1, 5)) == Decimal("5")
    # Before the run nothing is planned; after it, everything.
    assert fidelity.planned_between(total, RUN, RUN[0], dt.date(2026, 12, 31)) == 0
    assert fidelity.planned_between(total, RUN, RUN[0], dt.date(2027, 2, 1)) == Decimal("10")


def test_fidelity_is_sessions_held_over_sessions_planned_to_date():
    sessions = [
        fidelity.Held(dt.date(2027, 1, 1), True, 30),
        fidelity.Held(dt.date(2027, 1, 2), True, 30),
        fidelity.Held(dt.date(2027, 1, 3), False, 30, "staff_absent"),
        fidelity.Held(dt.date(2027, 1, 4), True, 25),
        # After the date asked about: not counted.
        fidelity.Held(dt.date(2027, 1, 8), True, 30),
    ]
    found = fidelity.fidelity(
        sessions_per_week=2, weeks=5, run=RUN, sessions=sessions, as_of=dt.date(2027, 1, 5)
    )
    assert found.planned_total == Decimal("10")
    assert found.planned_to_date == Decimal("5")
    assert (found.held, found.not_held) == (3, 1)
    assert found.not_held_reasons == {"staff_absent": 1}
    # 3 held of 5 planned to date.
    assert found.rate == Decimal("0.6")


def test_fidelity_before_the_run_has_no_rate():
    found = fidelity.fidelity(
        sessions_per_week=2, weeks=5, run=RUN, sessions=[], as_of=dt.date(2026, 12, 1)
    )
    assert found.planned_to_date == 0
    assert found.rate is None


def test_a_pupils_dose_counts_minutes_attended_against_minutes_planned_for_their_days():
    # Joined on 3 Jan; by 5 Jan three of the run's days were theirs: 3 sessions of 30 minutes
    # planned, 90 minutes. They attended a 30-minute and a 25-minute session and missed one.
    pupil = fidelity.PupilMarks(
        start=dt.date(2027, 1, 3),
        end=dt.date(2027, 1, 10),
        marks=((30, "attended"), (25, "attended"), (30, "absent")),
    )
    found = fidelity.dose(
        pupil,
        sessions_per_week=2,
        weeks=5,
        minutes_per_session=30,
        run=RUN,
        as_of=dt.date(2027, 1, 5),
    )
    assert found.minutes_planned == Decimal("90")
    assert found.minutes_delivered == 55
    assert (found.attended, found.marked) == (2, 3)
    assert found.attendance == Decimal(2) / Decimal(3)
    assert found.share_of_plan == Decimal(55) / Decimal(90)


def test_a_pupil_who_left_is_planned_no_more_minutes_after_leaving():
    pupil = fidelity.PupilMarks(start=RUN[0], end=dt.date(2027, 1, 2), marks=())
    found = fidelity.dose(
        pupil,
        sessions_per_week=2,
        weeks=5,
        minutes_per_session=30,
        run=RUN,
        as_of=dt.date(2027, 1, 9),
    )
    assert found.minutes_planned == Decimal("60")
    assert found.attendance is None


def test_cost_to_date_is_cost_per_planned_session_times_sessions_held():
    # £300 over 10 planned sessions: £30 a session; 3 held.
    assert fidelity.cost_to_date(Decimal("300"), Decimal("10"), 3) == Decimal("90.00")
    # £1,000 over 3 sessions, 2 held: £666.666... to the penny.
    assert fidelity.cost_to_date(Decimal("1000"), Decimal("3"), 2) == Decimal("666.67")
    assert fidelity.cost_to_date(Decimal("300"), Decimal("0"), 3) == Decimal("0.00")


def test_a_run_of_more_than_five_sessions_a_week_takes_one_register_a_day():
    """In-class support in 15 lessons a week of 60 minutes: five registers a week, each of
    the day's three hours; planned minutes are the run's whole time."""
    assert fidelity.sessions_a_day(Decimal("15")) == 3
    assert fidelity.minutes_a_day(Decimal("15"), 60) == 180
    assert fidelity.minutes_a_day(Decimal("3"), 30) == 30
    assert fidelity.planned_sessions(Decimal("15"), Decimal("2")) == 10
    start = dt.date(2026, 1, 5)
    end = start + dt.timedelta(days=13)
    held = [fidelity.Held(start + dt.timedelta(days=n), True, 180) for n in range(5)]
    found = fidelity.fidelity(
        sessions_per_week=Decimal("15"),
        weeks=Decimal("2"),
        run=(start, end),
        sessions=held,
        as_of=end,
    )
    assert (found.planned_to_date, found.held, found.rate) == (10, 5, Decimal("0.5"))
    pupil = fidelity.PupilMarks(start, end, tuple((180, "attended") for _ in range(5)))
    dose = fidelity.dose(
        pupil,
        sessions_per_week=Decimal("15"),
        weeks=Decimal("2"),
        minutes_per_session=60,
        run=(start, end),
        as_of=end,
    )
    assert (dose.minutes_delivered, dose.minutes_planned) == (900, 1800)

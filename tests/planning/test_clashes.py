"""The clash rules on small hand-worked worlds (no database)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from provmap.planning.clashes import (
    Clash,
    Missed,
    Place,
    Slot,
    StaffTime,
    missed_lessons,
    pupil_clashes,
    slot_text,
    staff_clashes,
    staff_loads,
)

T = dt.time
SEP1, SEP30, OCT1, OCT31, DEC15 = (
    dt.date(2026, 9, 1),
    dt.date(2026, 9, 30),
    dt.date(2026, 10, 1),
    dt.date(2026, 10, 31),
    dt.date(2026, 12, 15),
)
LEXIA, MATHS, ELSA = 1, 2, 3
ANN, BEN = 10, 11


def test_a_pupil_in_two_runs_at_overlapping_times_clashes_once_at_the_overlap():
    slots = [
        Slot(LEXIA, 2, T(9, 0), T(9, 30), "English"),
        Slot(MATHS, 2, T(9, 15), T(10, 0), "Science"),
        Slot(ELSA, 2, T(9, 30), T(10, 0)),  # meets Lexia end to end: no clash
    ]
    places = [
        Place(ANN, LEXIA, SEP1, DEC15),
        Place(ANN, MATHS, SEP1, DEC15),
        Place(BEN, LEXIA, SEP1, DEC15),
        Place(BEN, ELSA, SEP1, DEC15),
    ]
    found = pupil_clashes(slots, places)
    # Ann: Lexia and Maths overlap 09:15-09:30. Ben: Lexia ends as ELSA starts, no clash.
    assert found == [Clash(ANN, 2, T(9, 15), T(9, 30), (LEXIA, MATHS))]
    assert found[0].when == "Tue 09:15"


def test_different_days_or_dates_that_do_not_overlap_are_no_clash():
    slots = [Slot(LEXIA, 1, T(9, 0), T(9, 30)), Slot(MATHS, 2, T(9, 0), T(9, 30))]
    places = [Place(ANN, LEXIA, SEP1, DEC15), Place(ANN, MATHS, SEP1, DEC15)]
    assert pupil_clashes(slots, places) == []
    same_day = [Slot(LEXIA, 1, T(9, 0), T(9, 30)), Slot(MATHS, 1, T(9, 0), T(9, 30))]
    one_then_other = [Place(ANN, LEXIA, SEP1, SEP30), Place(ANN, MATHS, OCT1, DEC15)]
    assert pupil_clashes(same_day, one_then_other) == []


def test_staff_in_two_places_at_once():
    slots = [Slot(LEXIA, 3, T(13, 0), T(14, 0)), Slot(MATHS, 3, T(13, 30), T(14, 30))]
    staff = [
        StaffTime(7, LEXIA, SEP1, DEC15, 60),
        StaffTime(7, MATHS, OCT1, OCT31, 60),
        StaffTime(8, LEXIA, SEP1, DEC15, 60),
    ]
    assert staff_clashes(slots, staff) == [Clash(7, 3, T(13, 30), T(14, 0), (LEXIA, MATHS))]


def test_staff_hours_are_the_busiest_week_against_the_contract():
    # Staff 7: 300 min all term, 400 min in September, 200 min in October: busiest
    # 700 min (September) of a 10-hour (600 min) contract: over, 117%.
    staff = [
        StaffTime(7, LEXIA, SEP1, DEC15, 300),
        StaffTime(7, MATHS, SEP1, SEP30, 400),
        StaffTime(7, ELSA, OCT1, OCT31, 200),
        StaffTime(8, LEXIA, SEP1, DEC15, 120),
        StaffTime(9, LEXIA, SEP1, DEC15, 120),
    ]
    loads = staff_loads(staff, {7: Decimal("10"), 8: Decimal("30"), 9: None})
    by_staff = {load.staff: load for load in loads}
    assert (by_staff[7].minutes, by_staff[7].contracted_minutes) == (700, 600)
    assert by_staff[7].over and by_staff[7].share == 117 and by_staff[7].over_by == 100
    assert not by_staff[8].over and by_staff[8].share == 7
    assert not by_staff[9].over and by_staff[9].share is None and by_staff[9].over_by == 0


def test_missed_lessons_across_runs_flagged_at_half_or_more():
    # Year 7 has 4 English and 3 maths a week. Ann misses English in Lexia twice a week and in
    # ELSA once (3 of 4: flagged); maths once (1 of 3: not flagged). Ben misses English once
    # (1 of 4: not flagged) and Drama once (no lessons given: not flagged).
    slots = [
        Slot(LEXIA, 1, T(9, 0), T(9, 30), "English"),
        Slot(LEXIA, 3, T(9, 0), T(9, 30), " english "),
        Slot(ELSA, 4, T(11, 0), T(12, 0), "English"),
        Slot(MATHS, 2, T(9, 0), T(10, 0), "Maths"),
        Slot(MATHS, 5, T(13, 0), T(14, 0)),  # outside lessons
    ]
    places = [
        Place(ANN, LEXIA, SEP1, DEC15),
        Place(ANN, ELSA, SEP1, DEC15),
        Place(ANN, MATHS, SEP1, DEC15),
        Place(BEN, ELSA, SEP1, DEC15),
    ]
    slots.append(Slot(ELSA, 5, T(10, 0), T(11, 0), "Drama"))
    lessons = {("7", "english"): 4, ("7", "maths"): 3}
    found = missed_lessons(slots, places, {ANN: "7", BEN: "7"}, lessons)
    assert found == [
        Missed(ANN, "Drama", 1, None),
        Missed(ANN, "English", 3, 4),
        Missed(ANN, "Maths", 1, 3),
        Missed(BEN, "Drama", 1, None),
        Missed(BEN, "English", 1, 4),
    ]
    assert [item.flagged for item in found] == [False, True, False, False, False]
    assert found[1].sentence == "Misses 3 of 4 English lessons a week"
    assert Missed(ANN, "English", 2, 4).flagged  # exactly half
    assert not Missed(ANN, "English", 2, 5).flagged


def test_missed_lessons_in_runs_one_after_another_are_not_added():
    slots = [
        Slot(LEXIA, 1, T(9, 0), T(9, 30), "English"),
        Slot(ELSA, 2, T(9, 0), T(9, 30), "English"),
    ]
    places = [Place(ANN, LEXIA, SEP1, SEP30), Place(ANN, ELSA, OCT1, DEC15)]
    found = missed_lessons(slots, places, {ANN: "7"}, {("7", "english"): 4})
    assert found == [Missed(ANN, "English", 1, 4)]


def test_slot_text():
    assert slot_text(1, T(9, 0), T(9, 30), "English") == "Mon 09:00-09:30 (English)"
    assert slot_text(5, T(12, 0), T(12, 30)) == "Fri 12:00-12:30"

"""A small school to measure impact in: a costed reading group with entry and exit results,
and pupils who sat the same tests without taking part."""

import datetime as dt
from decimal import Decimal

from provmap.provision.models import Placement
from provmap.provision.services import StaffAssignment, placement_record_result, run_create
from provmap.pupils.services import result_record
from tests.factories import (
    MeasureFactory,
    PlacementFactory,
    ProvisionFactory,
    PupilFactory,
    StaffMemberFactory,
)

ENTRY = dt.date(2025, 9, 10)
EXIT = dt.date(2025, 12, 10)

# The hand-worked case of tests/insights/test_effects.py, now as pupils in a school:
# participants' gains 6, 9, 5, 9, 6 (mean 7); adjusted difference 6 points = 0.4 SD.
PARTICIPANTS = [(76, 82), (78, 87), (80, 85), (82, 91), (84, 90)]
COMPARISON = [(96, 98), (98, 97), (100, 103), (102, 101), (104, 106)]


def reading_group(term, *, name="Reading boost", measure=None, results=PARTICIPANTS, runs=2):
    """`runs` runs (groups) of 10 / runs weeks each, 3 x 30 minutes with a TA at £20 an hour:
    1.5 h x £20 x 10 = £300 in all.

    One pupil per (entry, exit) pair, dealt to the runs in turn (with two runs: the 1st, 3rd
    and 5th pupil in the first, the 2nd and 4th in the second); the last one withdrew, the
    others completed.
    """
    school = term.school
    if measure is None:
        measure = MeasureFactory(school=school, name=f"{name} test")
    provision = ProvisionFactory(
        school=school, name=name, measure=measure, success_gain=Decimal("5")
    )
    groups = [
        run_create(
            provision=provision,
            academic_year=term.academic_year,
            term=term,
            weeks=Decimal(10) / runs,
            sessions_per_week=Decimal("3"),
            minutes_per_session=30,
            staff=[StaffAssignment(StaffMemberFactory(school=school, hourly_rate=Decimal("20")))],
        )
        for _ in range(runs)
    ]
    for index, (entry, leave) in enumerate(results):
        last = index == len(results) - 1
        status = Placement.Status.WITHDRAWN if last else Placement.Status.COMPLETED
        placement = PlacementFactory(run=groups[index % runs], status=status)
        placement_record_result(placement=placement, stage="baseline", value=entry, date=ENTRY)
        placement_record_result(placement=placement, stage="exit", value=leave, date=EXIT)
    return provision


def cohort_results(term, measure, pairs, *, entry_date=ENTRY, exit_date=EXIT):
    """Pupils who sat the same test and took part in nothing."""
    pupils = []
    for entry, leave in pairs:
        pupil = PupilFactory(school=term.school)
        result_record(pupil=pupil, measure=measure, date=entry_date, value=entry)
        result_record(pupil=pupil, measure=measure, date=exit_date, value=leave)
        pupils.append(pupil)
    return pupils

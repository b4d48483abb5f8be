"""The costed map read from the database: appendix 3c rows end to end, shares, totals."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from provmap.provision.selectors import cost_summary, current_term, term_map
from provmap.provision.services import StaffAssignment, general_resource_create, run_create
from provmap.pupils.models import PupilNeed
from provmap.schools.models import RoleRate
from tests.factories import (
    FundingStreamFactory,
    PlacementFactory,
    ProvisionFactory,
    PupilFactory,
    StaffMemberFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def term():
    term = TermFactory()
    RoleRate.objects.create(school=term.school, role="teacher", hourly_rate=Decimal("50"))
    RoleRate.objects.create(school=term.school, role="ta", hourly_rate=Decimal("20"))
    return term


def numeracy_set_5(term, pupils, name="Numeracy set 5"):
    """Kent appendix 3c: 'Numeracy Set 5 Class (38 weeks), 2:15, T and TA, 4 x 1 hour each'."""
    school = term.school
    teacher = StaffMemberFactory(school=school, role="teacher", hourly_rate=None)
    ta = StaffMemberFactory(school=school, role="ta", hourly_rate=None)
    run = run_create(
        provision=ProvisionFactory(school=school, name=name),
        academic_year=term.academic_year,
        weeks=Decimal("38"),
        sessions_per_week=Decimal("4"),
        minutes_per_session=60,
        staff=[StaffAssignment(teacher), StaffAssignment(ta)],
        funding_stream=FundingStreamFactory(school=school, name=f"Notional SEN ({name})"),
    )
    for pupil in pupils:
        PlacementFactory(run=run, pupil=pupil)
    return run


def test_appendix_3c_numeracy_row_costs_the_same_read_from_the_database(term):
    pupils = PupilFactory.create_batch(15, school=term.school)
    numeracy_set_5(term, pupils)

    summary = cost_summary(term.school, term.academic_year, as_of=dt.date(2026, 8, 1))

    (row,) = summary.runs
    assert [line.cost for line in row.staff] == [Decimal("7600.00"), Decimal("3040.00")]
    assert row.cost == Decimal("10640.00")
    assert row.ratio == "2:15"
    assert row.weekly_minutes == Decimal(480)
    assert sum(p.share for p in row.placements) == Decimal("10640.00")
    assert summary.by_funding_stream() == {"Notional SEN (Numeracy set 5)": Decimal("10640.00")}


def test_pupil_shares_are_split_day_by_day_and_add_up_by_year_and_area(term):
    school = term.school
    run = run_create(
        provision=ProvisionFactory(school=school),
        academic_year=term.academic_year,
        term=term,
        start_date=dt.date(2025, 9, 1),
        end_date=dt.date(2025, 10, 10),
        weeks=Decimal("6"),
        sessions_per_week=Decimal("2"),
        minutes_per_session=60,
        staff=[StaffAssignment(StaffMemberFactory(school=school, hourly_rate=Decimal("25")))],
    )  # 2 h x £25 x 6 weeks = £300
    whole = PupilFactory(school=school, nc_year="7")
    PupilNeed.objects.create(school=school, pupil=whole, need_type="SPLD", rank=1)
    late = PupilFactory(school=school, nc_year="8")
    PlacementFactory(run=run, pupil=whole, need_type="")  # 40 days, primary need SPLD
    PlacementFactory(run=run, pupil=late, start_date=dt.date(2025, 9, 21), need_type="SEMH")

    summary = cost_summary(school, term.academic_year, as_of=dt.date(2025, 9, 20))

    (row,) = summary.runs
    assert row.cost == Decimal("300.00")
    # £7.50 a day for 40 days: the first 20 days carried alone (£150), the last 20 shared
    # (£75 each), so the pupil there all along carries £225 and the latecomer £75.
    shares = {p.placement.pupil: p.share for p in row.placements}
    assert shares == {whole: Decimal("225.00"), late: Decimal("75.00")}
    assert summary.by_year_group() == {"7": Decimal("225.00"), "8": Decimal("75.00")}
    assert summary.by_area() == {"CL": Decimal("225.00"), "SEMH": Decimal("75.00")}
    # 20 of the run's 40 days have passed on 20 September.
    assert row.cost_to_date == Decimal("150.00")
    assert summary.provision_to_date == Decimal("150.00")


def test_school_total_includes_general_resources(term):
    school = term.school
    numeracy_set_5(term, PupilFactory.create_batch(2, school=school))
    senco = StaffMemberFactory(school=school, role="senco", hourly_rate=Decimal("33.53"))
    general_resource_create(
        school=school,
        academic_year=term.academic_year,
        name="Supervision of LSAs",
        kind="management",
        staff=senco,
        hours_per_week=Decimal("1"),
    )
    general_resource_create(
        school=school,
        academic_year=term.academic_year,
        name="Training budget",
        kind="training",
        fixed_cost=Decimal("500"),
    )

    summary = cost_summary(school, term.academic_year, as_of=dt.date(2026, 8, 1))

    assert summary.general_total == Decimal("1774.14")
    assert summary.school_total == Decimal("10640.00") + Decimal("1774.14")
    assert summary.by_funding_stream()["Not assigned"] == Decimal("1774.14")


def test_term_map_counts_distinct_pupils_by_sen_status(term):
    school = term.school
    support = PupilFactory(school=school, sen_status="K")
    plan = PupilFactory(school=school, sen_status="E")
    first = PlacementFactory(
        run__provision__school=school, run__academic_year=term.academic_year, pupil=support
    )
    PlacementFactory(run=first.run, pupil=plan)
    PlacementFactory(
        run__provision__school=school, run__academic_year=term.academic_year, pupil=support
    )

    current = term_map(school, term, as_of=dt.date(2025, 10, 1))

    assert len(current.runs) == 2
    assert current.pupil_count == 2
    assert current.pupils_by_sen_status == {"N": 0, "K": 1, "E": 1}


def test_term_map_costs_a_fixed_number_of_queries(term):
    school = term.school

    def count_queries():
        with CaptureQueriesContext(connection) as queries:
            current = term_map(school, term, as_of=dt.date(2025, 10, 1))
            [row.cost for row in current.runs]
            current.pupils_by_sen_status  # noqa: B018
        return len(queries)

    numeracy_set_5(term, PupilFactory.create_batch(1, school=school))
    one = count_queries()
    for number in range(4):
        numeracy_set_5(term, PupilFactory.create_batch(6, school=school), name=f"Set {number}")
    many = count_queries()

    assert one == many


def test_current_term_is_the_one_containing_today_else_the_next_else_the_last(term):
    spring = TermFactory(
        academic_year=term.academic_year,
        number=2,
        name="Spring",
        start_date=dt.date(2026, 1, 5),
        end_date=dt.date(2026, 3, 27),
        weeks=12,
    )

    assert current_term(term.school, dt.date(2025, 10, 1)) == term
    assert current_term(term.school, dt.date(2025, 12, 25)) == spring
    assert current_term(term.school, dt.date(2026, 9, 1)) == spring

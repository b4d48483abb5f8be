"""Costs totalled by the database equal the Python costing rules, on random runs."""

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provmap.provision.models import CostBasis
from provmap.provision.selectors.cost_totals import (
    SchoolTotals,
    cost_totals,
    run_costs,
    school_totals,
)
from provmap.provision.selectors.costed import cost_summary, year_costs
from provmap.schools.models import StaffRole
from tests.factories import (
    AcademicYearFactory,
    PlacementFactory,
    ProvisionFactory,
    ProvisionRunFactory,
    RoleRateFactory,
    RunStaffFactory,
    SchoolFactory,
    StaffMemberFactory,
)

pytestmark = pytest.mark.django_db

ROLES = [StaffRole.TA, StaffRole.TEACHER]
UNPRICED = (CostBasis.STAFF_TIME, CostBasis.NO_COST)


def tenths(low: str, high: str) -> st.SearchStrategy[Decimal]:
    return st.decimals(min_value=Decimal(low), max_value=Decimal(high), places=1)


money = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("2000"), places=2)
rates = st.decimals(min_value=Decimal("0"), max_value=Decimal("120"), places=2)

staff_lines = st.fixed_dictionaries(
    {
        "role": st.sampled_from(ROLES),
        "own_rate": st.none() | rates,
        "external": st.booleans(),
        "sessions": st.none() | tenths("0.1", "10"),
        "minutes": st.none() | st.integers(1, 120),
    }
)
runs = st.fixed_dictionaries(
    {
        "basis": st.sampled_from(CostBasis.values),
        "price": money,
        "sessions": tenths("0.1", "10"),
        "minutes": st.integers(1, 120),
        "weeks": tenths("0.1", "52"),
        "staff": st.lists(staff_lines, max_size=3),
        "pupils": st.lists(
            st.tuples(st.integers(0, 60), st.none() | st.integers(0, 90)), max_size=4
        ),
    }
)
schools = st.fixed_dictionaries(
    {
        "year_weeks": tenths("1", "52"),
        "role_rates": st.dictionaries(st.sampled_from(ROLES), rates),
        "runs": st.lists(runs, min_size=1, max_size=4),
    }
)


def build(spec: dict) -> tuple:
    school = SchoolFactory()
    year = AcademicYearFactory(school=school, weeks=spec["year_weeks"])
    for role, rate in spec["role_rates"].items():
        RoleRateFactory(school=school, role=role, hourly_rate=rate)
    for item in spec["runs"]:
        provision = ProvisionFactory(
            school=school,
            cost_basis=item["basis"],
            price=None
            if item["basis"] in (CostBasis.STAFF_TIME, CostBasis.NO_COST)
            else item["price"],
        )
        run = ProvisionRunFactory(
            provision=provision,
            academic_year=year,
            sessions_per_week=item["sessions"],
            minutes_per_session=item["minutes"],
            weeks=item["weeks"],
        )
        for line in item["staff"]:
            person = StaffMemberFactory(
                school=school,
                role=line["role"],
                hourly_rate=line["own_rate"],
                is_external=line["external"],
            )
            RunStaffFactory(
                run=run,
                staff=person,
                sessions_per_week=line["sessions"],
                minutes_per_session=line["minutes"],
            )
        for joined, left in item["pupils"]:
            start = run.start_date + dt.timedelta(days=joined)
            end = None if left is None else max(start, run.start_date + dt.timedelta(days=left))
            PlacementFactory(
                run=run, start_date=start, end_date=min(end, run.end_date) if end else None
            )
    return school, year


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=schools)
def test_the_databases_totals_are_the_python_costing(spec):
    school, year = build(spec)
    python = cost_summary(school, year, as_of=dt.date(2025, 10, 1))
    by_run = run_costs({"school": school, "academic_year": year})
    # A run with no staff line and no price has no row of its own: £0.
    assert {item.run.pk: by_run.get(item.run.pk, Decimal("0.00")) for item in python.runs} == {
        item.run.pk: item.cost for item in python.runs
    }
    by_school = cost_totals({"school": school, "academic_year": year}, by="school")
    assert by_school.get(school.pk, Decimal("0.00")) == python.provision_total
    assert school_totals({"school": school, "academic_year": year})[school.pk] == (
        SchoolTotals(
            python.provision_total,
            len(python.runs),
            len({p.placement.pupil_id for item in python.runs for p in item.placements}),
        )
    )
    # The figures page's year: the same totals every way, pupils' shares included.
    figures = year_costs(school, year, as_of=dt.date(2025, 10, 1))
    assert figures.school_total == python.school_total
    assert figures.provision_to_date == python.provision_to_date
    assert figures.by_funding_stream() == python.by_funding_stream()
    assert figures.by_area() == python.by_area()
    assert figures.by_year_group() == python.by_year_group()

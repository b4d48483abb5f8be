"""Bought-in and free services: the costing rules worked by hand (decision NN)."""

import datetime as dt
from decimal import Decimal

import pytest

from provmap.provision import costing
from provmap.provision.costing import StaffTime
from provmap.provision.models import PRICED_BASES, CostBasis

TA = StaffTime(Decimal(1), 60, Decimal("20"))  # one hour a week at £20


def cost(basis: str, price: str | None, *, staff=(), days=(10,), weeks="10", sessions="1"):
    """A run as long as the longest `days`, each pupil in it for their days up to its end
    (a pupil with fewer days joined later)."""
    first = dt.date(2025, 9, 1)
    last = first + dt.timedelta(days=max(days, default=1) - 1)
    return costing.cost_run_lines(
        list(staff),
        basis=basis,
        price=Decimal(price) if price is not None else None,
        sessions_per_week=Decimal(sessions),
        weeks=Decimal(weeks),
        year_weeks=Decimal(38),
        run=(first, last),
        pupils=[(last - dt.timedelta(days=d - 1), last) for d in days],
    )


def test_the_bases_are_the_models_choices():
    assert set(CostBasis.values) == costing.BASES
    assert set(PRICED_BASES) == costing.PRICED


def test_per_session_is_price_x_sessions_a_week_x_weeks():
    # Counselling at £45 a session, twice a week for 6 weeks: 45 x 2 x 6 = £540.
    result = cost(costing.PER_SESSION, "45", sessions="2", weeks="6")
    assert result.service == Decimal("540.00")
    assert result.total == Decimal("540.00")
    # Fortnightly (0.5 a week) for 12 weeks at £60: 60 x 0.5 x 12 = £360.
    assert cost(costing.PER_SESSION, "60", sessions="0.5", weeks="12").service == Decimal("360.00")


def test_per_pupil_charges_every_pupil_placed_the_whole_price():
    # £250 a place, three pupils, one of whom spent a third of the days in the group: each
    # still carries £250 (a place is bought whole): £750.
    result = cost(costing.PER_PUPIL, "250", days=(30, 30, 10))
    assert result.service == Decimal("750.00")
    assert result.shares == (Decimal("250.00"),) * 3


def test_per_pupil_adds_the_schools_own_staff_shared_by_days():
    # £250 a place for two pupils (£500) and a TA 1 hour a week for 10 weeks at £20 (£200):
    # £700; the TA's £200 is shared day by day: 20 days alone and 10 together of 30, 25:5
    # (£166.67, £33.33), the places whole.
    result = cost(costing.PER_PUPIL, "250", staff=[(TA, False)], days=(30, 10))
    assert result.lines == (Decimal("200.00"),)
    assert result.total == Decimal("700.00")
    assert result.shares == (Decimal("416.67"), Decimal("283.33"))


def test_per_pupil_with_nobody_placed_costs_nothing_yet():
    assert cost(costing.PER_PUPIL, "250", days=()).total == Decimal("0.00")


def test_per_group_is_the_price_shared_by_days():
    # A £900 group (an LA outreach block) for three pupils with equal days: £300 each.
    result = cost(costing.PER_RUN, "900", days=(20, 20, 20), weeks="6")
    assert result.total == Decimal("900.00")
    assert result.shares == (Decimal("300.00"),) * 3


def test_per_year_is_pro_rata_to_the_runs_weeks():
    # A £3,800 service level agreement for a 38-week year; a 13-week termly run carries
    # 3,800 x 13 / 38 = £1,300; three such runs and a 12-week one add up to more than the
    # year (51 weeks are not a school year), so a run never carries more than the whole.
    assert cost(costing.PER_YEAR, "3800", weeks="13").total == Decimal("1300.00")
    assert cost(costing.PER_YEAR, "3800", weeks="38").total == Decimal("3800.00")
    assert cost(costing.PER_YEAR, "3800", weeks="52").total == Decimal("3800.00")
    # £1,000 over 7 of 38 weeks: 184.2105... -> £184.21.
    assert cost(costing.PER_YEAR, "1000", weeks="7").total == Decimal("184.21")


def test_external_staff_are_in_the_price_and_school_staff_are_not():
    therapist = StaffTime(Decimal(1), 45, Decimal("60"))
    result = cost(costing.PER_SESSION, "70", staff=[(therapist, True), (TA, False)])
    # 70 x 1 x 10 = £700 for the service, the therapist's time in it, the TA's £200 on top.
    assert result.lines == (Decimal("0.00"), Decimal("200.00"))
    assert result.total == Decimal("900.00")


def test_no_cost_to_the_school():
    nhs = StaffTime(Decimal(1), 45, Decimal("60"))
    free = cost(costing.NO_COST, None, staff=[(nhs, True)], days=(10, 10))
    assert free.total == Decimal("0.00")
    assert free.shares == (Decimal("0.00"), Decimal("0.00"))
    # A TA who goes with the NHS therapist is still the school's cost.
    assert cost(costing.NO_COST, None, staff=[(nhs, True), (TA, False)]).total == Decimal("200.00")


def test_staff_time_is_unchanged_and_costs_external_staff_at_their_rate():
    # An agency tutor (external) paid by the hour: 1 hour x £20 x 10 weeks.
    # Shared day by day: one pupil in the last 5 of 15 days, the other all 15 (2.5:12.5).
    result = cost(costing.STAFF_TIME, None, staff=[(TA, True)], days=(5, 15))
    assert result.total == Decimal("200.00")
    assert result.shares == (Decimal("33.33"), Decimal("166.67"))


def test_a_price_is_needed_for_a_priced_basis():
    with pytest.raises(ValueError):
        cost(costing.PER_RUN, None)

"""The budget page's figures agree with the costing every other page uses: planned spend is
the year's cost summary by funding stream, spend to date the runs' cost to date (as the
term map shows it) plus the general resources' share of the term days passed."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from provmap.provision import selectors
from provmap.provision.models import GeneralResource
from provmap.provision.selectors.costed import NOT_ASSIGNED
from provmap.schools.models import FundingBudget, FundingStream
from tests.web.map_world import add_run, build_world, pupils

pytestmark = pytest.mark.django_db


def test_the_budget_agrees_with_the_cost_summary_and_the_term_map():
    world = build_world()
    year = world.term.academic_year
    premium = FundingStream.objects.create(school=world.school, name="Pupil premium", kind="other")
    FundingBudget.objects.create(
        school=world.school, stream=world.fund, academic_year=year, amount=Decimal(1000)
    )
    add_run(world, pupils=pupils(world, 3))
    add_run(world, pupils=pupils(world, 2), funding_stream=premium, label="B")
    add_run(world, funding_stream=None, label="C")
    GeneralResource.objects.create(
        school=world.school,
        academic_year=year,
        name="Training",
        kind="training",
        fixed_cost=Decimal(700),
        funding_stream=world.fund,
    )
    as_of = dt.date(2025, 10, 20)

    found = selectors.year_budget(world.school, year, as_of=as_of)
    summary = selectors.cost_summary(world.school, year, as_of=as_of)
    term_map = selectors.term_map(world.school, world.term, as_of=as_of)
    lines = {line.name: line for line in found.lines}

    assert {name: line.planned for name, line in lines.items()} == {
        name: summary.by_funding_stream().get(name, Decimal(0)) for name in lines
    }
    assert found.totals.planned == summary.school_total
    # Every run lies in the world's only term: the runs' spend to date is the term map's.
    runs_to_date = sum((line.to_date for line in found.lines), Decimal(0)) - (
        Decimal(700) * found.general_fraction
    ).quantize(Decimal("0.01"))
    assert runs_to_date == term_map.total_cost_to_date
    # The only term runs 1 Sep to 19 Dec 2025 (110 days); 50 of them had passed.
    assert found.general_fraction == Decimal(50) / Decimal(110)
    assert lines[world.fund.name].budget == Decimal(1000)
    assert lines["Pupil premium"].budget is None
    assert lines[NOT_ASSIGNED].planned > 0
    assert lines[world.fund.name].remaining == Decimal(1000) - lines[world.fund.name].planned

"""A school year's funding streams: each one's budget against the map's planned spend and
spend to date (each run's cost totalled by the database, `cost_totals.run_costs`, by the
same rules as the term map and the figures)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from provmap.provision import budgeting, costing
from provmap.provision.costing import totals_by
from provmap.provision.models import ProvisionRun
from provmap.provision.selectors.cost_totals import run_costs
from provmap.provision.selectors.costed import NOT_ASSIGNED, general_costs, role_rates
from provmap.schools.models import AcademicYear, FundingBudget, FundingStream, School, Term


@dataclass
class YearBudget:
    academic_year: AcademicYear
    as_of: dt.date
    lines: list[budgeting.BudgetLine]
    general_fraction: Decimal

    @property
    def totals(self) -> budgeting.BudgetTotals:
        return budgeting.budget_totals(self.lines)


def year_budget(school: School, academic_year: AcademicYear, *, as_of: dt.date) -> YearBudget:
    """Every funding stream of the school (and costs paid from none) in one year: budget,
    planned spend, spend to date. A fixed number of queries."""
    costs = run_costs({"school": school, "academic_year": academic_year})
    runs = (
        ProvisionRun.objects.filter(school=school, academic_year=academic_year)
        .order_by("provision__wave", "provision__name", "label", "start_date")
        .values_list("pk", "funding_stream__name", "start_date", "end_date")
    )
    general = general_costs(school, role_rates(school), academic_year=academic_year)
    terms = Term.objects.filter(school=school, academic_year=academic_year).values_list(
        "start_date", "end_date"
    )
    spans = list(terms) or [(academic_year.start_date, academic_year.end_date)]
    fraction = budgeting.teaching_fraction(spans, as_of)

    def heading(stream: FundingStream | None) -> str:
        return stream.name if stream is not None else NOT_ASSIGNED

    zero = Decimal("0.00")
    planned_runs = [
        (stream or NOT_ASSIGNED, costs.get(pk, zero), start, end) for pk, stream, start, end in runs
    ]
    planned = totals_by(
        [(name, cost) for name, cost, _, _ in planned_runs]
        + [(heading(resource.funding_stream), cost) for resource, cost in general]
    )
    to_date = totals_by(
        [
            (name, costing.cost_to_date(cost, start, end, as_of))
            for name, cost, start, end in planned_runs
        ]
        + [
            (heading(resource.funding_stream), budgeting.spent_to_date(cost, fraction))
            for resource, cost in general
        ]
    )
    budgets = dict(
        FundingBudget.objects.filter(school=school, academic_year=academic_year).values_list(
            "stream__name", "amount"
        )
    )
    streams = FundingStream.objects.filter(school=school).values_list("name", flat=True)
    lines = budgeting.budget_lines(streams, budgets, planned, to_date)
    return YearBudget(
        academic_year=academic_year,
        as_of=as_of,
        lines=lines,
        general_fraction=fraction,
    )

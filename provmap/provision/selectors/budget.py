"""A school year's funding streams: each one's budget against the map's planned spend and
spend to date (costed by `costed.cost_summary`, as the term map and the figures are)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from provmap.provision import budgeting
from provmap.provision.costing import totals_by
from provmap.provision.selectors.costed import NOT_ASSIGNED, CostSummary, cost_summary
from provmap.schools.models import AcademicYear, FundingBudget, FundingStream, School, Term


@dataclass
class YearBudget:
    academic_year: AcademicYear
    as_of: dt.date
    summary: CostSummary
    lines: list[budgeting.BudgetLine]
    general_fraction: Decimal

    @property
    def totals(self) -> budgeting.BudgetTotals:
        return budgeting.budget_totals(self.lines)


def year_budget(school: School, academic_year: AcademicYear, *, as_of: dt.date) -> YearBudget:
    """Every funding stream of the school (and costs paid from none) in one year: budget,
    planned spend, spend to date. A fixed number of queries."""
    summary = cost_summary(school, academic_year, as_of=as_of)
    terms = Term.objects.filter(school=school, academic_year=academic_year).values_list(
        "start_date", "end_date"
    )
    spans = list(terms) or [(academic_year.start_date, academic_year.end_date)]
    fraction = budgeting.teaching_fraction(spans, as_of)

    def heading(stream: FundingStream | None) -> str:
        return stream.name if stream is not None else NOT_ASSIGNED

    to_date = totals_by(
        [(heading(item.run.funding_stream), item.cost_to_date) for item in summary.runs]
        + [
            (heading(resource.funding_stream), budgeting.spent_to_date(cost, fraction))
            for resource, cost in summary.general
        ]
    )
    budgets = dict(
        FundingBudget.objects.filter(school=school, academic_year=academic_year).values_list(
            "stream__name", "amount"
        )
    )
    streams = FundingStream.objects.filter(school=school).values_list("name", flat=True)
    lines = budgeting.budget_lines(streams, budgets, summary.by_funding_stream(), to_date)
    return YearBudget(
        academic_year=academic_year,
        as_of=as_of,
        summary=summary,
        lines=lines,
        general_fraction=fraction,
    )

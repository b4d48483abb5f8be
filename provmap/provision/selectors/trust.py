"""A trust's schools side by side: pupils, SEN, provision and the year's cost against budget,
and the same provision across its schools (`shared_provision`), from a fixed number of
aggregate queries whatever the number of schools (decision 66).

A trust page reads every school of the trust on purpose: the queries name the trust's
schools explicitly, outside any one school's scope."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Sum

from provmap.provision import costing
from provmap.provision.models import GeneralResource
from provmap.provision.selectors.cost_totals import SchoolTotals, school_totals
from provmap.provision.selectors.shared_provision import SharedProvision, shared_provisions
from provmap.provision.selectors.terms import term_on
from provmap.pupils.models import Pupil, SENStatus
from provmap.pupils.selectors import on_roll_between
from provmap.schools.models import FundingBudget, RoleRate, School, Term, Trust
from provmap.schools.scoping import all_schools

NOTHING = SchoolTotals(Decimal("0.00"), 0, 0)


@dataclass
class SchoolLine:
    """One school of the trust: its counts of pupils and its year's costs."""

    school: School
    year_name: str
    roll: int
    sen_support: int
    ehc_plans: int
    receiving: int
    runs: int
    cost: Decimal
    budget: Decimal

    @property
    def remaining(self) -> Decimal:
        return self.budget - self.cost

    @property
    def over_budget(self) -> bool:
        return self.cost > self.budget

    @property
    def over_by(self) -> Decimal:
        return self.cost - self.budget


@dataclass
class TrustFigures:
    trust: Trust
    as_of: dt.date
    schools: list[SchoolLine]
    # Provisions run by two or more of the schools this year, each school's line of each.
    shared: list[SharedProvision]

    @property
    def cost(self) -> Decimal:
        return sum((line.cost for line in self.schools), Decimal(0))

    @property
    def budget(self) -> Decimal:
        return sum((line.budget for line in self.schools), Decimal(0))


def _years(schools: list[School], today: dt.date) -> dict[int, Term]:
    """Each school's current term (the one holding `today`, else the next, else the last)."""
    terms: dict[int, list[Term]] = defaultdict(list)
    for term in (
        Term.objects.filter(school__in=schools)
        .select_related("academic_year")
        .order_by("school_id", "start_date")
    ):
        terms[term.school_id].append(term)
    found = {school_id: term_on(items, today) for school_id, items in terms.items()}
    return {school_id: term for school_id, term in found.items() if term is not None}


def _general_costs(schools: list[School], year_ids: list[int]) -> dict[int, Decimal]:
    """Each school's general resources of its year, costed (a few rows a school; two
    queries)."""
    rates = {
        (school_id, role): rate
        for school_id, role, rate in RoleRate.objects.filter(school__in=schools).values_list(
            "school_id", "role", "hourly_rate"
        )
    }
    totals: dict[int, Decimal] = defaultdict(Decimal)
    rows = GeneralResource.objects.filter(academic_year_id__in=year_ids).values_list(
        "school_id",
        "fixed_cost",
        "hours_per_week",
        "weeks",
        "academic_year__weeks",
        "staff__hourly_rate",
        "staff__role",
    )
    for school_id, fixed, hours, weeks, year_weeks, own_rate, role in rows:
        rate = (
            costing.hourly_rate_for(own_rate, rates.get((school_id, role))) if role else Decimal(0)
        )
        totals[school_id] += costing.general_resource_cost(
            fixed_cost=fixed, hours_per_week=hours, hourly_rate=rate, weeks=weeks or year_weeks
        )
    return totals


def trust_figures(trust: Trust, today: dt.date) -> TrustFigures:
    """Every school of the trust with its figures for its current school year."""
    with all_schools():
        schools = list(School.objects.filter(trust=trust).order_by("name"))
        terms = _years(schools, today)
        year_ids = [term.academic_year_id for term in terms.values()]
        roll: dict[int, dict[str, int]] = defaultdict(dict)
        for school_id, status, count in (
            Pupil.objects.filter(school__in=schools)
            .filter(on_roll_between(today, today))
            .values("school_id", "sen_status")
            .order_by()
            .annotate(pupils=Count("pk"))
            .values_list("school_id", "sen_status", "pupils")
        ):
            roll[school_id][status] = count
        in_years = {"academic_year_id__in": year_ids}
        totals = school_totals(in_years)
        general = _general_costs(schools, year_ids)
        budgets = dict(
            FundingBudget.objects.filter(**in_years)
            .values("school_id")
            .order_by()
            .annotate(amount=Sum("amount"))
            .values_list("school_id", "amount")
        )
        shared = shared_provisions(schools, year_ids)
    lines = []
    for school in schools:
        counts = roll.get(school.pk, {})
        term = terms.get(school.pk)
        found = totals.get(school.pk, NOTHING)
        lines.append(
            SchoolLine(
                school=school,
                year_name=term.academic_year.name if term else "",
                roll=sum(counts.values()),
                sen_support=counts.get(SENStatus.SUPPORT, 0),
                ehc_plans=counts.get(SENStatus.EHC_PLAN, 0),
                receiving=found.placed,
                runs=found.runs,
                cost=found.cost + general.get(school.pk, Decimal(0)),
                budget=budgets.get(school.pk) or Decimal("0.00"),
            )
        )
    return TrustFigures(trust=trust, as_of=today, schools=lines, shared=shared)

"""Costs totalled by the database: each run's cost, or a school's, as one SQL aggregate over
runs x staff lines x rates (decision 66), never by building every run's objects.

The rules are those of provision/costing.py, written in whole pennies so that both engines
give the same answer to the penny: a staff line is sessions x minutes x weeks x rate / 60,
rounded half up to the penny, as `costing.staff_cost`; a bought-in service is costed by its
basis as `costing.service_cost`. Amounts are kept as integers (tenths of sessions and weeks,
pennies of rates and prices) and rounded half up by integer division, so PostgreSQL's numeric
and SQLite's floating point agree. Tests hold these totals to the Python rules on random data.

What pupils carry (the day-by-day shares) is not here: it needs each pupil's dates, and the
pages that cut costs by pupil still share them in Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import (
    Aggregate,
    BigIntegerField,
    Case,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce, Round

from provmap.provision.models import CostBasis, Placement, ProvisionRun, RunStaff
from provmap.schools.models import RoleRate

PENNY = Decimal("0.01")


def _whole(expression: Any, scale: int) -> Cast:
    """A decimal column as a whole number of 1/scale (sessions in tenths, money in pennies)."""
    scaled = ExpressionWrapper(expression * Value(Decimal(scale)), output_field=DecimalField())
    return Cast(Round(scaled), BigIntegerField())


def _half_up(numerator: Any, denominator: Any) -> ExpressionWrapper:
    """numerator / denominator rounded half up, in integers (both are positive)."""
    return ExpressionWrapper(
        (numerator * Value(2) + denominator) / (denominator * Value(2)),
        output_field=BigIntegerField(),
    )


def _line_pennies(prefix: str) -> Case:
    """A staff line's cost in pennies, £0 when the person's time is in a service's price
    (`prefix`: the path from RunStaff to the run, '' on RunStaff itself)."""
    run = f"{prefix}run__"
    role_rate = RoleRate.objects.filter(
        school=OuterRef(f"{prefix}school"), role=OuterRef(f"{prefix}staff__role")
    ).values("hourly_rate")[:1]
    rate = _whole(
        Coalesce(
            F(f"{prefix}staff__hourly_rate"),
            Subquery(role_rate),
            Value(Decimal(0)),
            output_field=DecimalField(),
        ),
        100,
    )
    sessions = _whole(Coalesce(F(f"{prefix}sessions_per_week"), F(f"{run}sessions_per_week")), 10)
    minutes = Cast(
        Coalesce(F(f"{prefix}minutes_per_session"), F(f"{run}minutes_per_session")),
        BigIntegerField(),
    )
    weeks = _whole(F(f"{run}weeks"), 10)
    # sessions/10 x minutes x weeks/10 x rate/100 / 60 pounds = (...) / 6000 pennies.
    pennies = _half_up(sessions * minutes * weeks * rate, Value(6000))
    return Case(
        When(
            Q(**{f"{run}provision__cost_basis": CostBasis.STAFF_TIME})
            | Q(**{f"{prefix}staff__is_external": False}),
            then=pennies,
        ),
        default=Value(0),
        output_field=BigIntegerField(),
    )


def _service_pennies() -> Case:
    """What a run's service costs in pennies, but for the per-pupil price (counted from the
    placements, see `_per_pupil_pennies`)."""
    price = _whole(
        Coalesce(F("provision__price"), Value(Decimal(0)), output_field=DecimalField()), 100
    )
    sessions = _whole(F("sessions_per_week"), 10)
    weeks = _whole(F("weeks"), 10)
    year_weeks = _whole(F("academic_year__weeks"), 10)
    return Case(
        When(
            provision__cost_basis=CostBasis.PER_SESSION,
            then=_half_up(price * sessions * weeks, Value(100)),
        ),
        When(provision__cost_basis=CostBasis.PER_RUN, then=price),
        When(
            Q(provision__cost_basis=CostBasis.PER_YEAR) & Q(weeks__gte=F("academic_year__weeks")),
            then=price,
        ),
        When(
            provision__cost_basis=CostBasis.PER_YEAR,
            then=_half_up(price * weeks, year_weeks),
        ),
        default=Value(0),
        output_field=BigIntegerField(),
    )


def _per_pupil_pennies() -> Case:
    """On a placement: its run's price per pupil, in pennies (£0 on any other basis)."""
    return Case(
        When(
            run__provision__cost_basis=CostBasis.PER_PUPIL,
            then=_whole(
                Coalesce(
                    F("run__provision__price"), Value(Decimal(0)), output_field=DecimalField()
                ),
                100,
            ),
        ),
        default=Value(0),
        output_field=BigIntegerField(),
    )


def _prefixed(filters: Mapping[str, Any], prefix: str) -> dict[str, Any]:
    return {f"{prefix}{key}": value for key, value in filters.items()}


def _pounds(pennies: int | None) -> Decimal:
    return Decimal(pennies or 0) * PENNY


def cost_totals(filters: Mapping[str, Any], *, by: str) -> dict[Hashable, Decimal]:
    """The planned cost of the runs matching `filters` (ProvisionRun lookups), totalled by
    `by` (a ProvisionRun field: 'pk' for each run, 'school' for each school), in three
    aggregate queries whatever the number of runs: staff lines, services, per-pupil prices."""
    group = "run_id" if by == "pk" else f"run__{by}"
    staff = (
        RunStaff.objects.filter(**_prefixed(filters, "run__"))
        .values(group)
        .order_by()
        .annotate(pennies=Sum(_line_pennies("")))
        .values_list(group, "pennies")
    )
    services = (
        ProvisionRun.objects.filter(**filters)
        .values(by)
        .order_by()
        .annotate(pennies=Sum(_service_pennies()))
        .values_list(by, "pennies")
    )
    per_pupil = (
        Placement.objects.filter(**_prefixed(filters, "run__"))
        .filter(run__provision__cost_basis=CostBasis.PER_PUPIL)
        .values(group)
        .order_by()
        .annotate(pennies=Sum(_per_pupil_pennies()))
        .values_list(group, "pennies")
    )
    totals: dict[Hashable, int] = {}
    for rows in (services, staff, per_pupil):
        for key, pennies in rows:
            totals[key] = totals.get(key, 0) + int(pennies or 0)
    return {key: _pounds(pennies) for key, pennies in totals.items()}


def run_costs(filters: Mapping[str, Any]) -> dict[int, Decimal]:
    """Each run's planned cost (staff time and service), by run id; runs with no staff line
    and no price cost £0."""
    return {int(str(key)): amount for key, amount in cost_totals(filters, by="pk").items()}


@dataclass(frozen=True)
class SchoolTotals:
    cost: Decimal
    runs: int
    placed: int


@dataclass(frozen=True)
class Totals:
    """The runs of one group (a school, a provision): their planned cost, how many runs and
    how many pupils are placed in them, and any further aggregates the caller asked of their
    placements (`figures`, by name)."""

    cost: Decimal
    runs: int
    placed: int
    figures: Mapping[str, Any] = field(default_factory=dict)


def totals_by(
    filters: Mapping[str, Any],
    *,
    by: str,
    placement_figures: Mapping[str, Aggregate] | None = None,
) -> dict[Hashable, Totals]:
    """For each `by` (a ProvisionRun field: 'school', 'provision') of the runs matching
    `filters`: their planned cost, how many runs and how many pupils are placed in them, in
    three aggregate queries (as `cost_totals`, with the counts taken in the same passes).
    `placement_figures` are further aggregates over the group's placements (Placement
    lookups), taken in the pass that reads them anyway."""
    group = f"run__{by}"
    asked = dict(placement_figures or {})
    pennies: dict[Hashable, int] = defaultdict(int)
    runs: dict[Hashable, int] = {}
    placed: dict[Hashable, int] = {}
    figures: dict[Hashable, dict[str, Any]] = {}
    for key, amount in (
        RunStaff.objects.filter(**_prefixed(filters, "run__"))
        .values(group)
        .order_by()
        .annotate(pennies=Sum(_line_pennies("")))
        .values_list(group, "pennies")
    ):
        pennies[key] += int(amount or 0)
    for key, amount, count in (
        ProvisionRun.objects.filter(**filters)
        .values(by)
        .order_by()
        .annotate(pennies=Sum(_service_pennies()), runs=Count("pk"))
        .values_list(by, "pennies", "runs")
    ):
        pennies[key] += int(amount or 0)
        runs[key] = count
    for key, amount, count, *more in (
        Placement.objects.filter(**_prefixed(filters, "run__"))
        .values(group)
        .order_by()
        .annotate(
            pennies=Sum(_per_pupil_pennies()),
            pupils=Count("pupil_id", distinct=True),
            **asked,
        )
        .values_list(group, "pennies", "pupils", *asked)
    ):
        pennies[key] += int(amount or 0)
        placed[key] = count
        figures[key] = dict(zip(asked, more, strict=True))
    return {
        key: Totals(
            _pounds(amount),
            runs.get(key, 0),
            placed.get(key, 0),
            figures.get(key, dict.fromkeys(asked)),
        )
        for key, amount in pennies.items()
    }


def school_totals(filters: Mapping[str, Any]) -> dict[int, SchoolTotals]:
    """For each school of the runs matching `filters`: their planned cost, how many runs and
    how many pupils are placed in them, in three aggregate queries (`totals_by`)."""
    return {
        int(str(school_id)): SchoolTotals(found.cost, found.runs, found.placed)
        for school_id, found in totals_by(filters, by="school").items()
    }

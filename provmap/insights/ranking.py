"""Ranking provisions on the impact overview: by effect, or by what a month's progress cost.
Only provisions with an effect from enough pupils to judge are ranked."""

from __future__ import annotations

from provmap.insights.effects import MIN_PUPILS
from provmap.insights.selectors import ProvisionImpact

SORTS = {"effect": "Effect", "cost": "Cost-effectiveness"}


def sorts_for(*, finance: bool) -> dict[str, str]:
    """The orders a user may rank by: by cost only for those who may see costs (`finance`)."""
    return SORTS if finance else {"effect": SORTS["effect"]}


def sort_asked(wanted: str, sorts: dict[str, str]) -> str:
    """The order asked for, when it is one the user may use; else by effect."""
    return wanted if wanted in sorts else "effect"


def rankable(impact: ProvisionImpact) -> bool:
    """An effect from enough pupils to judge (a couple of pupils' interval spans anything)."""
    return impact.effect is not None and impact.raw.n >= MIN_PUPILS


def _effect(impact: ProvisionImpact) -> float:
    """The effect of a rankable provision (it has one)."""
    assert impact.effect is not None
    return impact.effect.value


def rank(impacts: list[ProvisionImpact], sort: str) -> tuple[list, list]:
    """(ranked, unranked). By effect: the best estimate (adjusted, else before-and-after),
    largest first. By cost-effectiveness: the cost of a month's progress, cheapest first,
    then those with an effect but no gain to price, by effect. Provisions with no effect, or
    with fewer than MIN_PUPILS pupils measured, are not ranked."""
    ranked = [item for item in impacts if rankable(item)]
    unranked = [item for item in impacts if not rankable(item)]
    by_effect = sorted(ranked, key=lambda item: (-_effect(item), item.provision.name))
    if sort == "cost":
        priced = [item for item in by_effect if item.cost_per_month is not None]
        priced.sort(key=lambda item: (item.cost_per_month, -_effect(item)))
        by_effect = priced + [item for item in by_effect if item.cost_per_month is None]
    return by_effect, unranked

"""Ordering provisions on the impact overview: by what the evidence says (the verdict), then
by how much at the least it says (the lower end of the interval), never by a point estimate
alone; or, for those who may see costs, by what a month's progress cost at the most. Only
provisions with an effect against a comparison group are ranked."""

from __future__ import annotations

from provmap.insights import wording
from provmap.insights.effects import ranks
from provmap.insights.selectors import ProvisionImpact

SORTS = {"effect": "Effect", "cost": "Cost-effectiveness"}

# The verdicts in order: the evidence that it helps first, that it harms last.
CATEGORY_ORDER = {
    wording.CONTINUE: 0,
    wording.NOT_ENOUGH_EVIDENCE: 1,
    wording.CHANGE: 2,
    wording.STOP: 3,
}


def sorts_for(*, finance: bool) -> dict[str, str]:
    """The orders a user may rank by: by cost only for those who may see costs (`finance`)."""
    return SORTS if finance else {"effect": SORTS["effect"]}


def sort_asked(wanted: str, sorts: dict[str, str]) -> str:
    """The order asked for, when it is one the user may use; else by effect."""
    return wanted if wanted in sorts else "effect"


def rankable(impact: ProvisionImpact) -> bool:
    """An effect against a comparison group, from enough pupils to judge."""
    return ranks(impact.adjusted)


def _low(impact: ProvisionImpact) -> float:
    """The lower end of a rankable provision's interval (it has one)."""
    assert impact.effect is not None
    return impact.effect.low


def _category(impact: ProvisionImpact) -> int:
    return CATEGORY_ORDER.get(impact.verdict.recommendation, 1)


def rank(impacts: list[ProvisionImpact], sort: str) -> tuple[list, list]:
    """(ranked, unranked). By effect: by verdict (likely helping, unclear, change, stop),
    then by the lower end of the interval, highest first. By cost-effectiveness: those
    likely helping with a cost, by the dearest a month of progress could have cost (the
    cost at the low end of the months' range), cheapest first; then the rest by effect.
    Provisions without an effect against a comparison group are not ranked."""
    ranked = [item for item in impacts if rankable(item)]
    unranked = [item for item in impacts if not rankable(item)]
    by_effect = sorted(ranked, key=lambda item: (_category(item), -_low(item), item.provision.name))
    if sort == "cost":
        priced = [item for item in by_effect if item.cost_per_month is not None]
        priced.sort(key=lambda item: (_dearest(item), -_low(item), item.provision.name))
        by_effect = priced + [item for item in by_effect if item.cost_per_month is None]
    return by_effect, unranked


def _dearest(impact: ProvisionImpact) -> tuple[int, object]:
    """The most a month could have cost; an open-ended price (under a month at the low end)
    after every bounded one."""
    prices = impact.cost_per_month
    assert prices is not None
    cheapest, dearest = prices
    return (0, dearest) if dearest is not None else (1, cheapest)

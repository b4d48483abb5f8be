"""The overview's order: by verdict, then by the lower end of the interval, never by the
middle estimate alone; by cost, those likely helping by the most a month could have cost."""

from dataclasses import dataclass
from decimal import Decimal

from provmap.insights import wording
from provmap.insights.effects import AdjustedEffect, EffectSize, RawImpact
from provmap.insights.ranking import rank
from provmap.insights.selectors import ProvisionImpact
from provmap.insights.verdicts import verdict


@dataclass
class Named:
    name: str
    pk: int = 0


def impact(
    name: str, value: float, low: float, high: float, cost: str | None = "100"
) -> ProvisionImpact:
    size = EffectSize(value, low, high, 0.1, 15.0, "measure")
    per_pupil = Decimal(cost) if cost else None
    return ProvisionImpact(
        provision=Named(name),  # type: ignore[arg-type]
        measure=None,
        runs=[],
        raw=RawImpact(20, 5.0, None, None, {}, None, per_pupil, None),
        adjusted=AdjustedEffect(20, 40, effect=size, groups=4),
        verdict=verdict(size, n=20),
        total_cost=Decimal(0),
        placed=20,
    )


def test_by_verdict_then_by_the_lower_end_not_the_point():
    # B's middle is higher than A's, but its interval includes zero: A ranks first.
    a = impact("A", 0.3, 0.1, 0.5)
    b = impact("B", 0.6, -0.1, 1.3)
    c = impact("C", 0.4, 0.05, 0.75)
    harmful = impact("D", -0.5, -0.8, -0.2)
    nothing = AdjustedEffect(8, 0, reason=wording.REASON_NO_COMPARISON)
    unjudged = impact("E", 0.9, 0.5, 1.3)
    unjudged.adjusted = nothing

    ranked, unranked = rank([b, harmful, c, a, unjudged], "effect")

    assert [item.provision.name for item in ranked] == ["A", "C", "B", "D"]
    assert unranked == [unjudged]


def test_by_cost_at_the_dearest_a_month_could_have_cost():
    # A: 0.1 to 0.5 SD is 2 to 6 months: £100 buys a month for £16.67 to £50.
    # C: 0.27 to 0.36 SD is 4 to 5 months: £300 is £60 to £75 a month.
    # F: 0.01 to 0.5: under a month at the low end, so no upper limit: after the bounded.
    a = impact("A", 0.3, 0.1, 0.5, "100")
    c = impact("C", 0.3, 0.27, 0.36, "300")
    f = impact("F", 0.3, 0.01, 0.5, "10")
    b = impact("B", 0.6, -0.1, 1.3, "1")

    assert a.cost_per_month == (Decimal("16.67"), Decimal("50.00"))
    assert f.cost_per_month == (Decimal("1.67"), None)
    assert b.cost_per_month is None
    ranked, _ = rank([f, b, c, a], "cost")

    assert [item.provision.name for item in ranked] == ["A", "C", "F", "B"]

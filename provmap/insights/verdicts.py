"""From a provision's estimate to a plain answer and what to do next: continue, change or
stop.

Only an estimate against pupils who did not take part gives a verdict: pupils picked for low
scores do better on a second test anyway, so a gain from entry to exit alone cannot tell a
provision that works from one that does nothing. The rules, in order (`low` and `high` are
the 95% interval of the effect):

1. no estimate (no comparison pupils, too few pupils or groups): cannot tell, and why;
2. the whole interval below zero: possibly harmful, stop;
3. the whole interval above zero: likely helping, continue, unless too many pupils placed
   have no result after the group (then unclear: the missing pupils may have done worse);
4. the interval rules out anything worth having (its top below NEGLIGIBLE_EFFECT, about one
   month on the EEF's scale): no sign of impact, stop;
5. the estimate itself is zero or less: no sign of impact so far, change;
6. otherwise: unclear, the difference could be down to chance.

Where sessions are recorded, a provision delivered less than DELIVERED_ENOUGH of what was
planned is not judged "not working" (rules 2, 4 and 5): it was not really tried.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from provmap.insights import wording
from provmap.insights.effects import MIN_COMPARISON, MIN_PUPILS, EffectSize
from provmap.insights.estimator import Estimate

# The smallest effect worth having: 0.10 is where the EEF's table reaches 2 months.
NEGLIGIBLE_EFFECT = 0.10
# More pupils than this share of those placed with no result after the group: "likely
# helping" is withheld (the What Works Clearinghouse's cautious boundary is about a fifth).
HIGH_ATTRITION = 0.20
# Less delivered than this share of the sessions planned: "not working" is held back.
DELIVERED_ENOUGH = 0.80

ADJUSTED = "adjusted"


@dataclass(frozen=True)
class Verdict:
    headline: str
    recommendation: str
    # Which effect the verdict rests on: "adjusted", or None when there was none.
    basis: str | None
    caveat: str = ""
    # The headline without its cost, for those who may not see costs.
    plain_headline: str = ""
    # Months of extra progress at the ends of the interval (EEF), when there is an estimate.
    months: tuple[int, int] | None = None

    def __post_init__(self) -> None:
        if not self.plain_headline:
            object.__setattr__(self, "plain_headline", self.headline)


def months_range(effect: EffectSize | None) -> tuple[int, int] | None:
    """The EEF months at the two ends of an effect's interval."""
    return effect.months_range if effect is not None else None


def verdict(
    effect: EffectSize | None,
    *,
    n: int,
    cost_per_pupil: Decimal | None = None,
    caveat: str = "",
    attrition: float | None = None,
    delivered: float | None = None,
) -> Verdict:
    """The verdict on an effect against a comparison group (see the rules at the top)."""
    if effect is None or n < MIN_PUPILS:
        return Verdict(wording.HEADLINE_UNCLEAR_TOO_FEW, wording.NOT_ENOUGH_EVIDENCE, None, caveat)
    months = months_range(effect)
    assert months is not None
    if effect.low > 0:
        if attrition is not None and attrition > HIGH_ATTRITION:
            return Verdict(
                wording.HEADLINE_UNCLEAR_ATTRITION,
                wording.NOT_ENOUGH_EVIDENCE,
                ADJUSTED,
                _join(caveat, wording.attrition_warning(attrition)),
                months=months,
            )
        progress = wording.progress_range(*months)
        cost = ""
        if cost_per_pupil is not None:
            cost = wording.COST_PER_PUPIL.format(money=wording.money(cost_per_pupil))
        headline = wording.HEADLINE_HELPING.format(progress=progress, cost=cost)
        plain = wording.HEADLINE_HELPING.format(progress=progress, cost="")
        return Verdict(
            headline, wording.CONTINUE, ADJUSTED, caveat, plain_headline=plain, months=months
        )
    if delivered is not None and delivered < DELIVERED_ENOUGH:
        return Verdict(
            wording.HEADLINE_NOT_DELIVERED,
            wording.NOT_ENOUGH_EVIDENCE,
            ADJUSTED,
            _join(caveat, wording.delivered_warning(delivered)),
            months=months,
        )
    if effect.high < 0:
        return Verdict(wording.HEADLINE_HARMFUL, wording.STOP, ADJUSTED, caveat, months=months)
    if effect.high < NEGLIGIBLE_EFFECT:
        return Verdict(wording.HEADLINE_NO_SIGN, wording.STOP, ADJUSTED, caveat, months=months)
    if effect.value <= 0:
        return Verdict(
            wording.HEADLINE_NO_SIGN_YET, wording.CHANGE, ADJUSTED, caveat, months=months
        )
    return Verdict(
        wording.HEADLINE_UNCLEAR_CHANCE,
        wording.NOT_ENOUGH_EVIDENCE,
        ADJUSTED,
        caveat,
        months=months,
    )


def _join(*parts: str) -> str:
    return " ".join(part for part in parts if part)


def impact_verdict(
    estimate: Estimate,
    *,
    n_comparison: int,
    cost_per_pupil: Decimal | None = None,
    attrition: float | None = None,
    delivered: float | None = None,
) -> Verdict:
    """The verdict on a provision from its estimate in the measure's model. Without one,
    never a verdict from the pupils' own gains: say why not, and what would make the
    impact measurable. `attrition` is the share of pupils placed with no result after the
    group; `delivered` the share of planned sessions delivered, where recorded (the hook for
    session registers: None until they are)."""
    if estimate.effect is None:
        reason = estimate.reason or wording.REASON_TOO_FEW_PUPILS.format(
            n=estimate.n, minimum=MIN_PUPILS
        )
        if n_comparison < MIN_COMPARISON and reason != wording.REASON_NO_MEASURE:
            return Verdict(
                wording.HEADLINE_NO_COMPARISON,
                wording.NOT_ENOUGH_EVIDENCE,
                None,
                _join(reason, wording.CAVEAT_NO_COMPARISON),
            )
        return Verdict(wording.HEADLINE_CANNOT_TELL, wording.NOT_ENOUGH_EVIDENCE, None, reason)
    return verdict(
        estimate.effect,
        n=estimate.n,
        cost_per_pupil=cost_per_pupil,
        caveat=wording.CAVEAT_COMPARED,
        attrition=attrition,
        delivered=delivered,
    )

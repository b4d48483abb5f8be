"""From effect sizes to a plain answer and what to do next: continue, change or stop.

The rules, in order (the effect is the adjusted one when there was a fair comparison, else
the raw pre/post one; `low` and `high` are its 95% interval):

1. no effect, or fewer than MIN_PUPILS pupils: unclear, not enough evidence;
2. the whole interval below zero: possibly harmful, stop;
3. the whole interval above zero: likely helping, continue;
4. the interval rules out anything worth having (its top below NEGLIGIBLE_EFFECT, about one
   month on the EEF's scale): no sign of impact, stop;
5. the estimate itself is zero or less: no sign of impact so far, change (the interval is
   too wide to rule a benefit out, so try delivering it differently rather than drop it);
6. otherwise: unclear, the progress could be chance, not enough evidence.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from provmap.insights import wording
from provmap.insights.effects import MIN_PUPILS, AdjustedEffect, EffectSize, RawImpact

# The smallest effect worth having: 0.10 is where the EEF's table reaches 2 months.
NEGLIGIBLE_EFFECT = 0.10

ADJUSTED = "adjusted"
RAW = "raw"


@dataclass(frozen=True)
class Verdict:
    headline: str
    recommendation: str
    # Which effect the verdict rests on: "adjusted", "raw", or None when there was none.
    basis: str | None
    caveat: str = ""
    # The headline without its cost, for those who may not see costs.
    plain_headline: str = ""

    def __post_init__(self) -> None:
        if not self.plain_headline:
            object.__setattr__(self, "plain_headline", self.headline)


def verdict(
    effect: EffectSize | None,
    *,
    n: int,
    cost_per_pupil: Decimal | None = None,
    basis: str | None = ADJUSTED,
    caveat: str = "",
) -> Verdict:
    """The verdict on one effect (see the rules at the top of this module)."""
    if effect is None or n < MIN_PUPILS:
        headline = wording.HEADLINE_UNCLEAR_TOO_FEW
        return Verdict(headline, wording.NOT_ENOUGH_EVIDENCE, basis if effect else None, caveat)
    if effect.high < 0:
        return Verdict(wording.HEADLINE_HARMFUL, wording.STOP, basis, caveat)
    if effect.low > 0:
        cost = (
            wording.COST_PER_PUPIL.format(money=wording.money(cost_per_pupil))
            if cost_per_pupil is not None
            else ""
        )
        progress = wording.progress_phrase(effect.months)
        headline = wording.HEADLINE_HELPING.format(progress=progress, cost=cost)
        plain = wording.HEADLINE_HELPING.format(progress=progress, cost="")
        return Verdict(headline, wording.CONTINUE, basis, caveat, plain_headline=plain)
    if effect.high < NEGLIGIBLE_EFFECT:
        return Verdict(wording.HEADLINE_NO_SIGN, wording.STOP, basis, caveat)
    if effect.value <= 0:
        return Verdict(wording.HEADLINE_NO_SIGN_YET, wording.CHANGE, basis, caveat)
    return Verdict(wording.HEADLINE_UNCLEAR_CHANCE, wording.NOT_ENOUGH_EVIDENCE, basis, caveat)


def impact_verdict(
    raw: RawImpact, adjusted: AdjustedEffect | None, *, cost_per_pupil: Decimal | None = None
) -> Verdict:
    """The verdict on a run or provision: on the adjusted effect when a comparison was
    possible, else on the raw pre/post effect with a warning that it may flatter."""
    if adjusted is not None and adjusted.effect is not None:
        return verdict(
            adjusted.effect,
            n=adjusted.n_participants,
            cost_per_pupil=cost_per_pupil,
            basis=ADJUSTED,
            caveat=wording.CAVEAT_COMPARED,
        )
    if raw.effect is None or raw.n < MIN_PUPILS:
        reason = raw.reason or wording.REASON_TOO_FEW_PUPILS.format(n=raw.n, minimum=MIN_PUPILS)
        return verdict(None, n=raw.n, caveat=reason)
    why_not_compared = adjusted.reason if adjusted is not None and adjusted.reason else ""
    caveat = f"{why_not_compared} {wording.CAVEAT_BEFORE_AFTER_ONLY}".strip()
    return verdict(raw.effect, n=raw.n, cost_per_pupil=cost_per_pupil, basis=RAW, caveat=caveat)

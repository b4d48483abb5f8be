"""Plain-language verdicts: each rule, and the wording a SENCO reads."""

from decimal import Decimal

import pytest

from provmap.insights import wording
from provmap.insights.effects import AdjustedEffect, EffectSize, RawImpact
from provmap.insights.verdicts import impact_verdict, verdict


def effect(value: float, low: float, high: float) -> EffectSize:
    return EffectSize(
        value=value, low=low, high=high, standard_error=0.1, sd=15.0, sd_basis="measure"
    )


def raw(n: int, size: EffectSize | None, reason: str | None = None) -> RawImpact:
    return RawImpact(
        n=n,
        mean_gain=None,
        effect=size,
        success_share=None,
        ratings={},
        completion_share=None,
        cost_per_pupil=None,
        reason=reason,
    )


def test_likely_helping_gives_months_and_cost():
    # 0.25 is 3 months on the EEF's table (0.19-0.26).
    result = verdict(effect(0.25, 0.05, 0.45), n=20, cost_per_pupil=Decimal("410.00"))

    assert (
        result.headline == "Likely helping: about 3 months' extra progress, costing £410 per pupil"
    )
    assert result.recommendation == "continue"


def test_likely_helping_with_one_month_and_no_cost():
    result = verdict(effect(0.05, 0.01, 0.09), n=400)

    assert result.headline == "Likely helping: about 1 month's extra progress"


def test_likely_helping_by_less_than_a_month():
    result = verdict(effect(0.01, 0.005, 0.015), n=9000)

    assert result.headline == "Likely helping: less than a month's extra progress"


def test_too_few_pupils_to_tell():
    result = verdict(effect(0.8, 0.2, 1.4), n=4)

    assert result.headline == "Unclear: too few pupils to tell"
    assert result.recommendation == "not enough evidence"


def test_possibly_harmful_when_the_whole_interval_is_below_zero():
    result = verdict(effect(-0.4, -0.7, -0.1), n=30)

    assert result.headline.startswith("Possibly harmful")
    assert result.recommendation == "stop"


def test_no_sign_of_impact_when_anything_worthwhile_is_ruled_out():
    result = verdict(effect(0.01, -0.05, 0.07), n=300)

    assert result.headline == "No sign of impact"
    assert result.recommendation == "stop"


def test_no_sign_of_impact_yet_when_the_estimate_is_zero_or_less_but_uncertain():
    result = verdict(effect(-0.05, -0.4, 0.3), n=30)

    assert result.headline.startswith("No sign of impact so far")
    assert result.recommendation == "change"


def test_unclear_when_a_positive_estimate_could_be_chance():
    result = verdict(effect(0.2, -0.1, 0.5), n=30)

    assert result.headline == "Unclear: the progress seen could be down to chance"
    assert result.recommendation == "not enough evidence"


@pytest.mark.parametrize(
    ("amount", "shown"),
    [(Decimal("409.50"), "£410"), (Decimal("1410.00"), "£1,410"), (Decimal("0.49"), "£0")],
)
def test_money_in_whole_pounds(amount, shown):
    assert wording.money(amount) == shown


def test_verdict_rests_on_the_adjusted_effect_when_there_is_one():
    adjusted = AdjustedEffect(n_participants=12, n_comparison=40, effect=effect(0.4, 0.1, 0.7))

    result = impact_verdict(raw(12, effect(0.9, 0.5, 1.3)), adjusted, cost_per_pupil=Decimal("300"))

    assert result.basis == "adjusted"
    assert (
        result.headline == "Likely helping: about 5 months' extra progress, costing £300 per pupil"
    )
    assert result.caveat == wording.CAVEAT_COMPARED


def test_verdict_falls_back_on_the_raw_effect_with_a_warning():
    adjusted = AdjustedEffect(12, 0, reason=wording.REASON_NO_COMPARISON)

    result = impact_verdict(raw(12, effect(0.3, 0.1, 0.5)), adjusted)

    assert result.basis == "raw"
    assert result.headline == "Likely helping: about 4 months' extra progress"
    assert result.caveat == f"{wording.REASON_NO_COMPARISON} {wording.CAVEAT_BEFORE_AFTER_ONLY}"


def test_verdict_with_too_few_pupils_says_why():
    result = impact_verdict(raw(3, effect(0.3, -0.5, 1.1)), AdjustedEffect(3, 20, reason="x"))

    assert result.headline == "Unclear: too few pupils to tell"
    assert result.recommendation == "not enough evidence"
    assert result.basis is None
    assert result.caveat == wording.REASON_TOO_FEW_PUPILS.format(n=3, minimum=5)


def test_verdict_without_a_measure_says_so():
    result = impact_verdict(raw(0, None, wording.REASON_NO_MEASURE), None)

    assert result.recommendation == "not enough evidence"
    assert result.caveat == wording.REASON_NO_MEASURE


def test_the_plain_headline_says_the_same_without_the_cost():
    result = verdict(effect(0.5, 0.2, 0.8), n=20, cost_per_pupil=Decimal("300"))
    assert "£300" in result.headline
    assert result.plain_headline == result.headline.replace(", costing £300 per pupil", "")
    unclear = verdict(None, n=2)
    assert unclear.plain_headline == unclear.headline

"""Plain-language verdicts: each rule, and the wording a SENCO reads."""

from decimal import Decimal

import pytest

from provmap.insights import wording
from provmap.insights.effects import EffectSize
from provmap.insights.estimator import Estimate
from provmap.insights.verdicts import impact_verdict, verdict


def effect(value: float, low: float, high: float) -> EffectSize:
    return EffectSize(
        value=value, low=low, high=high, standard_error=0.1, sd=15.0, sd_basis="measure"
    )


def test_likely_helping_gives_the_months_at_both_ends_of_the_interval_and_the_cost():
    # 0.05 is 1 month on the EEF's table and 0.45 is 6: never "about 3" from the point.
    result = verdict(effect(0.25, 0.05, 0.45), n=20, cost_per_pupil=Decimal("410.00"))

    assert result.headline == (
        "Likely helping: between 1 and 6 months' extra progress, costing £410 per pupil"
    )
    assert result.recommendation == "continue"
    assert result.months == (1, 6)


def test_likely_helping_up_to_a_month_and_no_cost():
    result = verdict(effect(0.05, 0.01, 0.09), n=400)

    assert result.headline == "Likely helping: up to 1 month's extra progress"


def test_likely_helping_by_about_a_month():
    result = verdict(effect(0.05, 0.03, 0.08), n=400)

    assert result.headline == "Likely helping: about 1 month's extra progress"


def test_likely_helping_by_less_than_a_month():
    result = verdict(effect(0.008, 0.004, 0.012), n=9000)

    assert result.headline == "Likely helping: less than a month's extra progress"


def test_likely_helping_is_withheld_when_many_placed_have_no_result_after():
    result = verdict(effect(0.5, 0.2, 0.8), n=20, attrition=0.3)

    assert result.headline == wording.HEADLINE_UNCLEAR_ATTRITION
    assert result.recommendation == wording.NOT_ENOUGH_EVIDENCE
    assert "30% of the pupils placed have no entry result or no result after" in result.caveat
    assert verdict(effect(0.5, 0.2, 0.8), n=20, attrition=0.2).recommendation == "continue"


def test_not_working_is_held_back_when_too_little_was_delivered():
    harmful = verdict(effect(-0.4, -0.7, -0.1), n=30, delivered=0.6)
    assert harmful.headline == wording.HEADLINE_NOT_DELIVERED
    assert harmful.recommendation == wording.NOT_ENOUGH_EVIDENCE
    assert "Only 60% of the planned sessions were delivered" in harmful.caveat
    assert verdict(effect(-0.4, -0.7, -0.1), n=30, delivered=0.8).recommendation == "stop"
    # Helping is helping, however much was delivered.
    assert verdict(effect(0.5, 0.2, 0.8), n=20, delivered=0.5).recommendation == "continue"


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


def test_the_verdict_rests_on_the_estimate_against_the_comparison_group():
    estimate = Estimate(n=12, groups=3, effect=effect(0.4, 0.1, 0.7))

    result = impact_verdict(estimate, n_comparison=40, cost_per_pupil=Decimal("300"))

    assert result.basis == "adjusted"
    assert result.headline == (
        "Likely helping: between 2 and 9 months' extra progress, costing £300 per pupil"
    )
    assert result.caveat == wording.CAVEAT_COMPARED


def test_without_a_comparison_group_there_is_no_verdict_but_advice():
    estimate = Estimate(n=12, groups=3, reason=wording.REASON_NO_COMPARISON)

    result = impact_verdict(estimate, n_comparison=0)

    assert result.basis is None
    assert result.headline == wording.HEADLINE_NO_COMPARISON
    assert result.recommendation == wording.NOT_ENOUGH_EVIDENCE
    assert result.months is None
    assert result.caveat == f"{wording.REASON_NO_COMPARISON} {wording.CAVEAT_NO_COMPARISON}"


def test_verdict_with_too_few_pupils_says_why():
    reason = wording.REASON_TOO_FEW_PUPILS.format(n=3, minimum=5)
    result = impact_verdict(Estimate(n=3, groups=1, reason=reason), n_comparison=20)

    assert result.headline == wording.HEADLINE_CANNOT_TELL
    assert result.recommendation == "not enough evidence"
    assert result.basis is None
    assert result.caveat == reason


def test_verdict_without_a_measure_says_so():
    estimate = Estimate(n=0, groups=0, reason=wording.REASON_NO_MEASURE)
    result = impact_verdict(estimate, n_comparison=0)

    assert result.recommendation == "not enough evidence"
    assert result.caveat.startswith(wording.REASON_NO_MEASURE)


def test_the_plain_headline_says_the_same_without_the_cost():
    result = verdict(effect(0.5, 0.2, 0.8), n=20, cost_per_pupil=Decimal("300"))
    assert "£300" in result.headline
    assert result.plain_headline == result.headline.replace(", costing £300 per pupil", "")
    unclear = verdict(None, n=2)
    assert unclear.plain_headline == unclear.headline

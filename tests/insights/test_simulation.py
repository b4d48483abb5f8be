"""Simulated schools with known true effects, to show the statistics tell the truth.

Each provision is given to the pupils of a year group who scored below a cut-off on a
standardised entry test, as schools do. Tests are not perfectly reliable (reliability 0.8),
so pupils picked for a low entry score are, on average, partly unlucky on the day and score
higher on the exit test whatever happens: regression to the mean. The pre/post effect is
then biased upwards, while the ANCOVA against the pupils who did not take part (at equal
entry scores) recovers the true effect, with 95% intervals that cover it about 95% of the
time.
"""

import math

import numpy as np
import pytest

from provmap.insights.effects import ancova, paired_effect_size
from provmap.insights.progress import STANDARDISED_SD
from provmap.insights.verdicts import verdict

TRUE_EFFECTS = {"no effect": 0.0, "small effect": 0.3, "large effect": 0.6}
SEEDS = range(200)
YEAR_GROUP = 240
CUT_OFF = 85.0  # one SD below the mean: about 1 pupil in 6 is picked
RELIABILITY = 0.8  # test-retest: the share of score variance that is true ability


def simulate(seed: int, true_effect: float):
    """One year group: (entry, exit) pairs of the pupils picked and of everyone else.

    Observed score = true ability + measurement error, with the variances chosen so that the
    observed scores have SD 15 and RELIABILITY of their variance is true ability. Taking part
    adds true_effect x 15 to the exit score.
    """
    rng = np.random.default_rng(seed)
    ability = rng.normal(100, STANDARDISED_SD * math.sqrt(RELIABILITY), YEAR_GROUP)
    error_sd = STANDARDISED_SD * math.sqrt(1 - RELIABILITY)
    entry = ability + rng.normal(0, error_sd, YEAR_GROUP)
    picked = entry < CUT_OFF
    leave = ability + true_effect * STANDARDISED_SD * picked + rng.normal(0, error_sd, YEAR_GROUP)
    pairs = np.column_stack([entry, leave])
    return [tuple(pair) for pair in pairs[picked]], [tuple(pair) for pair in pairs[~picked]]


@pytest.fixture(scope="module")
def runs():
    """For every provision and seed: the adjusted and the naive pre/post effect."""
    results = {name: [] for name in TRUE_EFFECTS}
    for number, (name, true_effect) in enumerate(TRUE_EFFECTS.items()):
        for seed in SEEDS:
            # A different year group for every provision and seed.
            participants, comparison = simulate(1000 * number + seed, true_effect)
            adjusted = ancova(participants, comparison, known_sd=STANDARDISED_SD)
            naive = paired_effect_size(
                [pair[0] for pair in participants],
                [pair[1] for pair in participants],
                known_sd=STANDARDISED_SD,
            )
            results[name].append((adjusted, naive, len(participants)))
    return results


@pytest.mark.parametrize("name", TRUE_EFFECTS)
def test_adjusted_intervals_cover_the_true_effect_about_95_percent_of_the_time(runs, name):
    true_effect = TRUE_EFFECTS[name]
    adjusted = [item[0].effect for item in runs[name]]

    coverage = np.mean([effect.low <= true_effect <= effect.high for effect in adjusted])
    mean_estimate = np.mean([effect.value for effect in adjusted])

    assert 0.88 <= coverage <= 0.99, f"{name}: coverage {coverage:.3f}"
    assert mean_estimate == pytest.approx(true_effect, abs=0.05), name


def test_adjusted_coverage_over_all_provisions(runs):
    hits = [
        item[0].effect.low <= TRUE_EFFECTS[name] <= item[0].effect.high
        for name in TRUE_EFFECTS
        for item in runs[name]
    ]

    assert 0.92 <= np.mean(hits) <= 0.98


def test_naive_pre_post_effect_is_biased_upwards_when_nothing_works(runs):
    # Picked below 85 (z = -1), the mean entry is about 100 - 15 x 1.525 = 77.1; a retest
    # regresses 1 - 0.8 = 20% of the way back to 100: about +4.6 points, or +0.3 SD, of
    # "progress" from a provision that does nothing.
    naive = [item[1] for item in runs["no effect"]]

    mean_naive = np.mean([effect.value for effect in naive])
    naive_coverage = np.mean([effect.low <= 0 <= effect.high for effect in naive])

    assert mean_naive > 0.2
    assert mean_naive == pytest.approx(0.3, abs=0.06)
    # Its intervals are honest about sampling error only, so they mostly miss the truth.
    assert naive_coverage < 0.3


def test_verdicts_on_the_provision_that_does_nothing(runs):
    # The naive effect would call it "likely helping" most of the time; the adjusted one
    # does so only as often as a 95% interval misses on the high side (about 2.5%).
    adjusted_helping = [
        verdict(adjusted.effect, n=n).recommendation == "continue"
        for adjusted, _, n in runs["no effect"]
    ]
    naive_helping = [
        verdict(naive, n=n).recommendation == "continue" for _, naive, n in runs["no effect"]
    ]

    assert np.mean(adjusted_helping) < 0.08
    assert np.mean(naive_helping) > 0.7

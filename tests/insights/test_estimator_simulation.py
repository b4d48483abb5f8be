"""The measure's model on simulated schools with known true effects: for each case the
impact pages meet (several provisions on one test, pupils in two provisions, drop-outs,
staggered test dates with growth, pupils taught in groups, small groups, no comparison
pupils), the estimate is right on average (bias within 0.1 SD), its 95% intervals cover the
truth 90-98% of the time, and a provision that does nothing is not called helping without
a comparison group.
"""

import numpy as np
import pytest

from provmap.insights import verdicts, wording
from provmap.insights.estimator import fit_measure
from tests.insights.simulated_schools import SD, Design, simulate

REPLICATIONS = 150

CASES = {
    "several provisions on one test": Design(effects={"A": 0.0, "B": 0.25, "C": 0.5}),
    "pupils in two provisions": Design(effects={"A": 0.2, "B": 0.0, "C": 0.4}, overlap=0.4),
    "drop-outs": Design(effects={"A": 0.0, "B": 0.4}, dropout=0.25),
    "staggered dates with growth": Design(effects={"A": 0.0, "B": 0.3}, staggered=True, growth=1.5),
    "group effects": Design(effects={"A": 0.0, "B": 0.3}, runs=6, group_sd=0.25),
    "small groups": Design(
        effects={"A": 0.0, "B": 0.3}, sizes={"A": (3, 3), "B": (4, 4)}, group_sd=0.1
    ),
}


def run_case(design: Design, number: int):
    """Every replication's model, with the SD it used and the truth in that SD."""
    found = []
    for seed in range(REPLICATIONS):
        spells = simulate(design, 10_000 * number + seed)
        known = None if design.growth else SD
        model = fit_measure(spells, known_sd=known)
        found.append(model)
    return found


@pytest.fixture(scope="module")
def models():
    return {name: run_case(design, number) for number, (name, design) in enumerate(CASES.items())}


def truth_in_sd(design: Design, name: str, model) -> float:
    """The true effect in the SD the model gives effects in (the cohort's, on raw scales)."""
    return design.truth(name) * SD / model.sd


@pytest.mark.parametrize("case", CASES)
def test_estimates_are_right_on_average(models, case):
    design = CASES[case]
    for name in design.effects:
        errors = [
            model.estimates[name].effect.value - truth_in_sd(design, name, model)
            for model in models[case]
            if model.estimates[name].effect is not None
        ]
        assert len(errors) >= REPLICATIONS * 0.9, (case, name)
        assert abs(np.mean(errors)) < 0.1, (case, name, np.mean(errors))


@pytest.mark.parametrize("case", CASES)
def test_intervals_cover_the_truth_90_to_98_percent_of_the_time(models, case):
    design = CASES[case]
    hits = [
        estimate.effect.low <= truth_in_sd(design, name, model) <= estimate.effect.high
        for model in models[case]
        for name, estimate in model.estimates.items()
        if estimate.effect is not None
    ]
    assert 0.90 <= np.mean(hits) <= 0.98, (case, np.mean(hits))


def test_a_single_small_group_gets_no_verdict():
    design = Design(effects={"A": 0.0, "B": 0.3}, sizes={"A": (1, 5)})
    for seed in range(50):
        model = fit_measure(simulate(design, seed), known_sd=SD)
        single = model.estimates["A"]
        assert single.effect is None
        assert single.reason == wording.REASON_TOO_FEW_GROUPS.format(n=1, minimum=2)
        decided = verdicts.impact_verdict(single, n_comparison=model.n_comparison)
        assert decided.recommendation == wording.NOT_ENOUGH_EVIDENCE


def test_without_comparison_pupils_nothing_is_called_helping():
    # Only the pupils placed sit the test: their gains are mostly regression to the mean.
    design = Design(effects={"A": 0.0, "B": 0.0}, comparison=False)
    for seed in range(100):
        spells = simulate(design, seed)
        model = fit_measure(spells, known_sd=SD)
        gains = [spell.exit - spell.entry for spell in spells]
        assert np.mean(gains) > 0  # the rebound a pre/post verdict would mistake for impact
        for estimate in model.estimates.values():
            assert estimate.effect is None
            assert estimate.reason == wording.REASON_NO_COMPARISON
            decided = verdicts.impact_verdict(estimate, n_comparison=model.n_comparison)
            assert decided.recommendation == wording.NOT_ENOUGH_EVIDENCE
            assert "helping" not in decided.headline.lower()
            assert decided.months is None


def test_a_provision_that_does_nothing_is_rarely_called_helping(models):
    helping = [
        verdicts.impact_verdict(
            model.estimates["A"], n_comparison=model.n_comparison
        ).recommendation
        == wording.CONTINUE
        for case in ("several provisions on one test", "group effects", "drop-outs")
        for model in models[case]
    ]
    assert np.mean(helping) < 0.05

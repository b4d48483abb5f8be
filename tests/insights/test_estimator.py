"""The measure's model on fixed data: its least squares and cluster-robust errors agree with
statsmodels, its CR2 with a direct (N x N) working of the formula, and it refuses what it
cannot judge."""

import math

import numpy as np
import pytest
import statsmodels.api as sm

from provmap.insights import wording
from provmap.insights.estimator import CR1, CR2, Spell, cluster_ols, fit_measure
from provmap.insights.verdicts import impact_verdict


def fixed_data(seed=7):
    """A measure's spells: two provisions in runs of 4-6 pupils, one pupil in both, and
    singly clustered comparison pupils."""
    rng = np.random.default_rng(seed)
    rows = []
    run = 0
    for provision, effect, runs in (("A", 3.0, 4), ("B", 0.0, 3)):
        for _ in range(runs):
            run += 1
            shared = rng.normal(0, 2)
            for _ in range(int(rng.integers(4, 7))):
                entry = rng.normal(80, 8)
                months = float(rng.choice([3.0, 4.0, 6.0]))
                rows.append(
                    (
                        entry,
                        20 + 0.8 * entry + effect + shared + 0.5 * months + rng.normal(0, 5),
                        months,
                        {provision},
                        ("run", run),
                    )
                )
    rows[0][3].add("B")  # one pupil in both provisions
    for pupil in range(60):
        entry = rng.normal(100, 15)
        months = float(rng.choice([3.0, 4.0, 6.0]))
        rows.append(
            (
                entry,
                20 + 0.8 * entry + 0.5 * months + rng.normal(0, 5),
                months,
                set(),
                ("pupil", pupil),
            )
        )
    return [
        Spell(
            pupil=index,
            entry=entry,
            exit=leave,
            months=months,
            provisions=frozenset(provisions),
            group=group,
        )
        for index, (entry, leave, months, provisions, group) in enumerate(rows)
    ]


def design_of(spells):
    entry = np.array([spell.entry for spell in spells])
    months = np.array([spell.months for spell in spells])
    x = np.column_stack(
        [
            np.ones(len(spells)),
            entry - entry.mean(),
            months - months.mean(),
            [1.0 if "A" in spell.provisions else 0.0 for spell in spells],
            [1.0 if "B" in spell.provisions else 0.0 for spell in spells],
        ]
    )
    y = np.array([spell.exit for spell in spells])
    groups = [spell.group for spell in spells]
    codes = {group: code for code, group in enumerate(dict.fromkeys(groups))}
    return y, x, groups, np.array([codes[group] for group in groups])


def test_cr1_matches_statsmodels_cluster_robust_ols():
    y, x, groups, codes = design_of(fixed_data())
    ours = cluster_ols(y, x, groups, kind=CR1)
    theirs = sm.OLS(y, x).fit(cov_type="cluster", cov_kwds={"groups": codes}, use_t=True)

    np.testing.assert_allclose(ours.coefficients, theirs.params, rtol=1e-10)
    np.testing.assert_allclose(ours.covariance, theirs.cov_params(), rtol=1e-8)
    for index in range(x.shape[1]):
        low, high = ours.interval(index)
        their_low, their_high = theirs.conf_int(alpha=0.05)[index]
        assert low == pytest.approx(their_low, rel=1e-8)
        assert high == pytest.approx(their_high, rel=1e-8)


def test_cr2_with_one_pupil_a_group_is_statsmodels_hc2():
    y, x, _, _ = design_of(fixed_data())
    ours = cluster_ols(y, x, list(range(len(y))), kind=CR2)
    theirs = sm.OLS(y, x).fit(cov_type="HC2")

    np.testing.assert_allclose(ours.coefficients, theirs.params, rtol=1e-10)
    np.testing.assert_allclose(ours.covariance, theirs.cov_params(), rtol=1e-8)


def test_cr2_and_its_degrees_of_freedom_match_the_formula_worked_in_full():
    """Bell and McCaffrey's CR2 and Imbens and Kolesar's df, with N x N matrices."""
    y, x, groups, codes = design_of(fixed_data())
    ours = cluster_ols(y, x, groups, kind=CR2)

    n, p = x.shape
    bread = np.linalg.inv(x.T @ x)
    residuals = y - x @ (bread @ x.T @ y)
    annihilator = np.eye(n) - x @ bread @ x.T
    meat = np.zeros((p, p))
    adjusters = {}
    for code in np.unique(codes):
        rows = np.flatnonzero(codes == code)
        values, vectors = np.linalg.eigh(annihilator[np.ix_(rows, rows)])
        root = np.where(values > 1e-10, 1 / np.sqrt(np.clip(values, 1e-10, None)), 0.0)
        adjust = (vectors * root) @ vectors.T
        adjusters[code] = (rows, adjust)
        score = x[rows].T @ adjust @ residuals[rows]
        meat += np.outer(score, score)
    np.testing.assert_allclose(ours.covariance, bread @ meat @ bread.T, rtol=1e-8)

    for column in range(p):
        contrast = np.zeros(p)
        contrast[column] = 1
        g = np.zeros((n, len(adjusters)))
        for index, (rows, adjust) in enumerate(adjusters.values()):
            spread = np.zeros(n)
            spread[rows] = adjust @ x[rows] @ bread @ contrast
            g[:, index] = annihilator @ spread
        eigen = np.linalg.eigvalsh(g.T @ g)
        assert ours.df[column] == pytest.approx(eigen.sum() ** 2 / (eigen**2).sum(), rel=1e-6)


def test_the_model_recovers_the_coefficients_and_reports_them_in_the_cohorts_sd():
    spells = fixed_data()
    model = fit_measure(spells)
    y, x, groups, _ = design_of(spells)
    fit = cluster_ols(y, x, groups)

    assert model.estimates["A"].difference == pytest.approx(fit.coefficients[3])
    assert model.estimates["B"].difference == pytest.approx(fit.coefficients[4])
    sd = float(np.std([spell.entry for spell in spells], ddof=1))
    assert model.sd == pytest.approx(sd)
    assert model.estimates["A"].effect.value == pytest.approx(fit.coefficients[3] / sd)
    assert model.estimates["A"].groups == 4
    # The pupil in both provisions counts for both.
    assert model.estimates["B"].n == sum(1 for spell in spells if "B" in spell.provisions)


def test_lower_is_better_measures_are_turned_round():
    spells = fixed_data()
    flipped = [Spell(s.pupil, -s.entry, -s.exit, s.months, s.provisions, s.group) for s in spells]
    upright = fit_measure(spells).estimates["A"]
    turned = fit_measure(flipped, higher_is_better=False).estimates["A"]
    assert turned.difference == pytest.approx(upright.difference)


def test_no_comparison_pupils_no_estimate():
    spells = [spell for spell in fixed_data() if spell.provisions]
    model = fit_measure(spells, known_sd=15)
    assert all(item.effect is None for item in model.estimates.values())
    assert model.reason == wording.REASON_NO_COMPARISON
    decided = impact_verdict(model.estimates["A"], n_comparison=0)
    assert decided.headline == wording.HEADLINE_NO_COMPARISON
    assert decided.recommendation == wording.NOT_ENOUGH_EVIDENCE
    assert "same dates" in decided.caveat


def test_too_few_comparison_pupils():
    spells = [spell for spell in fixed_data() if spell.provisions] + [
        spell for spell in fixed_data() if not spell.provisions
    ][:3]
    model = fit_measure(spells)
    assert model.reason == wording.REASON_TOO_FEW_COMPARISON.format(n=3, minimum=5)


def test_one_group_gets_no_estimate():
    spells = [
        spell
        for spell in fixed_data()
        if spell.group in (("run", 1), ("run", 5), ("run", 6)) or not spell.provisions
    ]
    model = fit_measure(spells)
    assert model.estimates["A"].effect is None
    assert model.estimates["A"].reason == wording.REASON_TOO_FEW_GROUPS.format(n=1, minimum=2)
    assert model.estimates["B"].effect is not None


def test_intervals_use_the_degrees_of_freedom_of_few_groups():
    model = fit_measure(fixed_data())
    estimate = model.estimates["B"]
    # Three groups of B: far fewer degrees of freedom than pupils.
    assert estimate.df < 10
    half = (estimate.high - estimate.low) / 2
    assert half > 1.96 * estimate.effect.standard_error * model.sd
    assert math.isfinite(half)

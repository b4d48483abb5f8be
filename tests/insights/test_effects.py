"""Effect sizes, intervals, EEF months and ANCOVA, checked against hand-worked examples."""

import math
from decimal import Decimal

import pytest

from provmap.insights import effects, wording
from provmap.insights.effects import ancova, eef_months, paired_effect_size, raw_impact
from provmap.insights.progress import STANDARDISED, EntryExit, MeasureSpec, pupil_progress

# t(0.975) for 2, 4 and 7 degrees of freedom, from printed tables.
T2, T4, T7 = 4.302653, 2.776445, 2.364624

# Three pupils: entries 80, 85, 90 and exits 86, 88, 99.
ENTRIES = [80, 85, 90]
EXITS = [86, 88, 99]


def test_pooled_effect_size_by_hand():
    # Gains 6, 3, 9: mean 6; deviations 0, -3, 3 -> s_gain^2 = 18 / 2 = 9.
    # Entries: mean 85, deviations -5, 0, 5 -> s^2 = 50 / 2 = 25.
    # Exits:   mean 91, deviations -5, -3, 8 -> s^2 = (25 + 9 + 64) / 2 = 49.
    # Pooled SD = sqrt((25 + 49) / 2) = sqrt(37) = 6.0828; d = 6 / 6.0828 = 0.9864.
    # r = (-5 x -5 + 0 x -3 + 5 x 8) / sqrt(50 x 98) = 65 / 70 = 0.9286.
    # SE^2 = 9 / (3 x 37) + (36 / 37) x (1 + 0.9286^2) / 12 = 0.08108 + 0.15099 = 0.23207
    # SE = 0.48174; interval d +/- 4.3027 x 0.48174 = 0.9864 +/- 2.0728.
    effect = paired_effect_size(ENTRIES, EXITS)

    d = 6 / math.sqrt(37)
    se = math.sqrt(9 / (3 * 37) + (36 / 37) * (1 + (65 / 70) ** 2) / 12)
    assert effect.value == pytest.approx(d)
    assert effect.sd == pytest.approx(math.sqrt(37))
    assert effect.sd_basis == "pooled"
    assert effect.standard_error == pytest.approx(se)
    assert se == pytest.approx(0.48174, abs=1e-5)
    assert effect.low == pytest.approx(d - T2 * se, abs=1e-5)
    assert effect.high == pytest.approx(d + T2 * se, abs=1e-5)


def test_effect_size_on_the_measures_own_sd_by_hand():
    # Standardised scores: d = 6 / 15 = 0.4. The SD is fixed, so SE = s_gain / (15 sqrt(n))
    # = 3 / (15 x 1.7321) = 0.11547; interval 0.4 +/- 4.3027 x 0.11547 = 0.4 +/- 0.4968.
    effect = paired_effect_size(ENTRIES, EXITS, known_sd=15)

    assert effect.value == pytest.approx(0.4)
    assert effect.sd_basis == "measure"
    assert effect.standard_error == pytest.approx(3 / (15 * math.sqrt(3)))
    assert effect.low == pytest.approx(0.4 - 0.49683, abs=1e-5)
    assert effect.high == pytest.approx(0.4 + 0.49683, abs=1e-5)
    assert effect.months_range == (-2, 11)


def test_effect_size_when_lower_is_better():
    # SDQ 20, 18, 25 -> 14, 15, 16: gains 6, 3, 9, mean 6.
    # Entries: mean 21, deviations -1, -3, 4 -> s^2 = 26 / 2 = 13; exits: s^2 = 2 / 2 = 1.
    # Pooled SD = sqrt((13 + 1) / 2) = sqrt(7); d = 6 / sqrt(7) = 2.27, a good effect.
    effect = paired_effect_size([20, 18, 25], [14, 15, 16], higher_is_better=False)

    assert effect.value == pytest.approx(6 / math.sqrt(7))


def test_effect_size_needs_two_pupils_and_some_spread():
    assert paired_effect_size([80], [86]) is None
    assert paired_effect_size([], []) is None
    assert paired_effect_size([80, 80], [80, 80]) is None
    with pytest.raises(ValueError):
        paired_effect_size([80, 85], [86])


@pytest.mark.parametrize(
    ("effect", "months"),
    [
        (0.0, 0),
        (0.01, 0),
        (0.014, 0),
        (0.015, 1),  # rounds to 0.02
        (0.02, 1),
        (0.09, 1),
        (0.094, 1),
        (0.095, 2),  # rounds to 0.10
        (0.10, 2),
        (0.18, 2),
        (0.19, 3),
        (0.26, 3),
        (0.27, 4),
        (0.35, 4),
        (0.36, 5),
        (0.44, 5),
        (0.45, 6),
        (0.52, 6),
        (0.53, 7),
        (0.61, 7),
        (0.62, 8),
        (0.69, 8),
        (0.70, 9),
        (0.78, 9),
        (0.79, 10),
        (0.87, 10),
        (0.88, 11),
        (0.95, 11),
        (0.96, 12),
        (1.80, 12),
        (-0.01, 0),
        (-0.02, -1),
        (-0.30, -4),
        (-1.20, -12),
    ],
)
def test_eef_months_table(effect, months):
    assert eef_months(effect) == months


def test_eef_months_rejects_what_is_not_a_number():
    with pytest.raises(ValueError):
        eef_months(math.nan)


def test_t_critical_values():
    assert effects.t_critical(4) == pytest.approx(T4, abs=1e-6)
    assert effects.t_critical(100_000) == pytest.approx(1.96, abs=1e-3)


def test_completion_share_counts_only_finished_placements():
    assert effects.completion_share(4, 1) == pytest.approx(0.8)
    assert effects.completion_share(0, 0) is None


def test_ratings_count_lists_every_colour():
    assert effects.ratings_count(["G", "B", "G", None, "R"]) == {"R": 1, "A": 0, "G": 2, "B": 1}


def test_cost_per_month_of_progress_from_the_ends_of_the_months_range():
    # £410 a pupil for 1 to 3 months: £136.666... -> £136.67 at best, £410 at worst.
    assert effects.cost_per_month_range(Decimal("410"), 1, 3) == (
        Decimal("136.67"),
        Decimal("410.00"),
    )
    # Under a month at the low end: no upper limit to the price.
    assert effects.cost_per_month_range(Decimal("410"), 0, 2) == (Decimal("205.00"), None)
    assert effects.cost_per_month_range(Decimal("410"), -2, 0) is None
    assert effects.cost_per_month_range(None, 1, 3) is None


def test_raw_impact_of_a_group_by_hand():
    # The three pupils on a standardised test, success criterion 5 points:
    # gains 6 (met; under 1.5 x 5 = 7.5: Green), 3 (not met: Amber), 9 (Blue) -> 2 of 3 met.
    # d = 6 / 15 = 0.4 -> 5 months; £60 a pupil / 5 = £12 a month of progress.
    # 3 completed and 1 withdrawn (without an exit result): 3 / 4 completed.
    spec = MeasureSpec(STANDARDISED)
    progress = [
        pupil_progress(EntryExit(entry, leave), measure=spec, success_gain=5, sd=15)
        for entry, leave in zip(ENTRIES, EXITS, strict=True)
    ]

    raw = raw_impact(
        progress, measure=spec, completed=3, withdrawn=1, cost_per_pupil=Decimal("60.00")
    )

    assert raw.n == 3
    assert raw.mean_gain == 6
    assert raw.effect.value == pytest.approx(0.4)
    assert raw.success_share == pytest.approx(2 / 3)
    assert raw.ratings == {"R": 0, "A": 1, "G": 1, "B": 1}
    assert raw.completion_share == pytest.approx(0.75)
    assert raw.reason is None


def test_raw_impact_of_nobody_says_why():
    raw = raw_impact([], measure=MeasureSpec(STANDARDISED))

    assert (raw.n, raw.mean_gain, raw.effect, raw.success_share) == (0, None, None, None)
    assert raw.reason == wording.REASON_TOO_FEW_PUPILS.format(n=0, minimum=5)


# ANCOVA by hand. Comparison pupils enter at 96..104 (mean 100) and leave at a mean of 101;
# participants enter at 76..84 (mean 80) and leave at a mean of 87. Within each group the
# entry deviations are -4, -2, 0, 2, 4 (Sxx = 40 each, 80 in all) and the exit deviations are
# the entry deviations plus residuals summing to 0 and uncorrelated with the entries:
#   comparison residuals  1, -2,  2, -2,  1 ;  participants' -1, 2, -2, 2, -1.
COMPARISON = [(96, 98), (98, 97), (100, 103), (102, 101), (104, 106)]
PARTICIPANTS = [(76, 82), (78, 87), (80, 85), (82, 91), (84, 90)]


def test_ancova_by_hand():
    # Pooled within-group slope b = Sxy / Sxx = 80 / 80 = 1.
    # Adjusted difference c = (87 - 101) - b x (80 - 100) = -14 + 20 = 6.
    # Residual sum of squares = 2 x (1 + 4 + 4 + 4 + 1) = 28 on 10 - 3 = 7 df: s^2 = 4, s = 2.
    # SE(c) = s x sqrt(1/5 + 1/5 + (80 - 100)^2 / 80) = 2 x sqrt(5.4) = 4.6476.
    # Interval 6 +/- 2.3646 x 4.6476 = 6 +/- 10.990 -> (-4.990, 16.990).
    # On the standardised scale (SD 15): 0.4, interval (-0.3327, 1.1327), 5 months.
    result = ancova(PARTICIPANTS, COMPARISON, known_sd=15)

    se = 2 * math.sqrt(5.4)
    assert result.reason is None
    assert (result.n_participants, result.n_comparison) == (5, 5)
    assert result.baseline_slope == pytest.approx(1)
    assert result.difference == pytest.approx(6)
    assert result.difference_low == pytest.approx(6 - T7 * se, abs=1e-5)
    assert result.difference_high == pytest.approx(6 + T7 * se, abs=1e-5)
    assert result.effect.value == pytest.approx(0.4)
    assert result.effect.standard_error == pytest.approx(se / 15)
    assert result.effect.low == pytest.approx(-0.33265, abs=1e-5)
    assert result.effect.high == pytest.approx(1.13265, abs=1e-5)
    assert result.effect.sd_basis == "measure"
    assert result.months_range == (-4, 12)


def test_ancova_without_a_known_sd_uses_everyones_entry_sd():
    # Entries 76..84 and 96..104: mean 90, squared deviations 2 x (196 + 144 + 100 + 64 + 36)
    # = 1080, / 9 = 120, SD = 10.954; effect 6 / 10.954 = 0.5477.
    result = ancova(PARTICIPANTS, COMPARISON)

    assert result.effect.sd == pytest.approx(math.sqrt(120))
    assert result.effect.value == pytest.approx(6 / math.sqrt(120))
    assert result.effect.sd_basis == "cohort"


def test_ancova_when_lower_is_better_turns_the_difference_round():
    # The same pupils on a scale where lower is better (every value negated): still +6.
    flip = [(-a, -b) for a, b in PARTICIPANTS], [(-a, -b) for a, b in COMPARISON]

    result = ancova(*flip, higher_is_better=False, known_sd=15)

    assert result.difference == pytest.approx(6)
    assert result.baseline_slope == pytest.approx(1)


def test_ancova_says_why_when_there_is_no_comparison_group():
    result = ancova(PARTICIPANTS, [])

    assert result.effect is None
    assert result.difference is None
    assert result.reason == wording.REASON_NO_COMPARISON


def test_ancova_says_why_when_too_few_took_part():
    result = ancova(PARTICIPANTS[:4], COMPARISON)

    assert result.effect is None
    assert result.reason == "Too few pupils with entry and exit results (4; at least 5 needed)."


def test_ancova_says_why_when_the_comparison_group_is_too_small():
    result = ancova(PARTICIPANTS, COMPARISON[:4])

    assert result.effect is None
    assert result.reason == "Too few comparison pupils (4; at least 5 needed)."


def test_ancova_says_why_when_entries_do_not_vary():
    same = [(90, 95)] * 5

    assert ancova(same, same).reason == wording.REASON_NO_SPREAD


def test_ancova_says_why_when_groups_cannot_be_told_apart_from_entries():
    # Every participant entered at 80 and every comparison pupil at 100: entry and taking
    # part carry the same information, so their effects cannot be separated.
    result = ancova([(80, 85)] * 5, [(100, 101)] * 5, known_sd=15)

    assert result.effect is None
    assert result.reason == wording.REASON_SINGULAR

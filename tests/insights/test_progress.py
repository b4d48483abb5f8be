"""Per-pupil progress, checked against figures worked out by hand."""

import datetime as dt

import pytest

from provmap.insights import progress
from provmap.insights.progress import (
    AGE_MONTHS,
    STANDARDISED,
    CohortMedians,
    EntryExit,
    MeasureSpec,
    pupil_progress,
)
from provmap.provision.models import Placement
from provmap.pupils.models import Measure

READING_AGE = MeasureSpec(AGE_MONTHS)
STANDARDISED_SCORE = MeasureSpec(STANDARDISED)
SDQ = MeasureSpec("rating", higher_is_better=False)


def test_scale_names_and_ratings_match_the_models():
    assert STANDARDISED in Measure.Scale.values
    assert AGE_MONTHS in Measure.Scale.values
    assert set(progress.RATINGS) == set(Placement.Rating.values)


def test_gain_is_exit_minus_entry_when_higher_is_better():
    # 80 -> 86: six points up.
    assert progress.gain(80, 86) == 6
    assert progress.gain(86, 80) == -6


def test_gain_counts_a_fall_as_progress_when_lower_is_better():
    # SDQ total 24 -> 18: six points fewer difficulties is a gain of 6.
    assert progress.gain(24, 18, higher_is_better=False) == 6
    assert progress.gain(18, 24, higher_is_better=False) == -6


def test_months_between_counts_calendar_months():
    # 8 September to 8 December: three whole months.
    assert progress.months_between(dt.date(2025, 9, 8), dt.date(2025, 12, 8)) == 3
    # 31 January to 1 March: 2 months less 30 days of an average month (30.4375 days)
    # = 2 - 30 / 30.4375 = 1.01437...
    months = progress.months_between(dt.date(2025, 1, 31), dt.date(2025, 3, 1))
    assert months == pytest.approx(2 - 30 / 30.4375)


def test_ratio_gain_is_months_gained_over_months_elapsed():
    # Reading age 96 -> 104 months between 8 September and 8 December: 8 / 3 = 2.67.
    ratio = progress.ratio_gain(8, dt.date(2025, 9, 8), dt.date(2025, 12, 8))
    assert ratio == pytest.approx(8 / 3)


def test_ratio_gain_needs_time_to_pass():
    assert progress.ratio_gain(4, dt.date(2025, 9, 8), dt.date(2025, 9, 8)) is None


def test_cohort_sd_is_the_sample_standard_deviation():
    # 80, 85, 90: mean 85, squared deviations 25 + 0 + 25 = 50, / (3 - 1) = 25, root 5.
    assert progress.cohort_sd([80, 85, 90]) == 5
    assert progress.cohort_sd([80]) is None
    assert progress.cohort_sd([90, 90]) is None


def test_measure_sd_is_15_for_standardised_scores_else_the_cohorts():
    assert progress.measure_sd(STANDARDISED_SCORE, [80, 85, 90]) == 15
    assert progress.measure_sd(SDQ, [80, 85, 90]) == 5
    assert progress.measure_sd(SDQ, []) is None


def test_standardised_change_divides_the_gain_by_the_sd():
    # A gain of 6 standardised points is 6 / 15 = 0.4 SD.
    assert progress.standardised_change(6, 15) == pytest.approx(0.4)
    assert progress.standardised_change(6, None) is None


@pytest.mark.parametrize(
    ("gain", "met", "rating"),
    [
        (-1, False, "R"),  # worse
        (0, False, "R"),  # no gain
        (2, False, "A"),  # some gain, under the criterion of 4
        (4, True, "G"),  # exactly the criterion
        (5.9, True, "G"),
        (6, True, "B"),  # 1.5 x 4 = 6
        (9, True, "B"),
    ],
)
def test_rating_against_a_success_gain_of_4(gain, met, rating):
    assert progress.met_criterion(gain, 4) is met
    assert progress.suggest_rating(gain, 4) == rating


def test_rating_without_a_criterion_can_only_say_red():
    assert progress.suggest_rating(0, None) == "R"
    assert progress.suggest_rating(3, None) is None
    assert progress.met_criterion(3, None) is None


def test_rating_against_a_hold_steady_criterion_is_green_or_red():
    assert progress.suggest_rating(0, 0) == "G"
    assert progress.suggest_rating(2, 0) == "G"
    assert progress.suggest_rating(-1, 0) == "R"


def test_pupil_progress_on_a_reading_age():
    # Reading age 96 -> 104 months, 8 September -> 8 December; success criterion 6 months.
    # Gain 8, ratio 8 / 3 = 2.67 (good impact), met, and 8 < 1.5 x 6 = 9 so Green.
    # The cohort's entry results have SD 12, so the standardised change is 8 / 12.
    # Medians 110 then 113: 14 months behind at entry, 9 at exit, so the gap narrowed.
    result = pupil_progress(
        EntryExit(96, 104, dt.date(2025, 9, 8), dt.date(2025, 12, 8)),
        measure=READING_AGE,
        success_gain=6,
        sd=12,
        medians=CohortMedians(baseline=110, exit=113),
    )

    assert result.gain == 8
    assert result.ratio_gain == pytest.approx(8 / 3)
    assert result.good_ratio_gain is True
    assert result.standardised_change == pytest.approx(8 / 12)
    assert result.met_criterion is True
    assert result.rating == "G"
    assert (result.gap_before, result.gap_after) == (14, 9)
    assert result.gap_narrowed is True


def test_pupil_progress_below_the_brooks_threshold():
    # 3 months gained in 3 months: ratio 1, the normal rate, not "good impact".
    result = pupil_progress(
        EntryExit(96, 99, dt.date(2025, 9, 8), dt.date(2025, 12, 8)), measure=READING_AGE
    )

    assert result.ratio_gain == pytest.approx(1)
    assert result.good_ratio_gain is False
    assert result.gap_narrowed is None


def test_pupil_progress_has_no_ratio_gain_off_an_age_scale():
    result = pupil_progress(
        EntryExit(85, 91, dt.date(2025, 9, 8), dt.date(2025, 12, 8)),
        measure=STANDARDISED_SCORE,
        sd=15,
    )

    assert result.ratio_gain is None
    assert result.good_ratio_gain is None
    assert result.standardised_change == pytest.approx(0.4)


def test_pupil_progress_when_lower_is_better():
    # SDQ 24 -> 20 while the cohort's median stays at 10: a gain of 4, 14 above the median at
    # entry and 10 at exit, so the gap narrowed. Criterion 3: met, 4 < 4.5 so Green.
    result = pupil_progress(
        EntryExit(24, 20),
        measure=SDQ,
        success_gain=3,
        medians=CohortMedians(baseline=10, exit=10),
    )

    assert result.gain == 4
    assert (result.gap_before, result.gap_after) == (14, 10)
    assert result.gap_narrowed is True
    assert result.rating == "G"


def test_gap_widens_when_the_cohort_moves_on_faster():
    # 80 -> 84 while the median goes 100 -> 106: 20 behind, then 22 behind.
    result = pupil_progress(
        EntryExit(80, 84), measure=STANDARDISED_SCORE, medians=CohortMedians(100, 106)
    )

    assert result.gap_narrowed is False

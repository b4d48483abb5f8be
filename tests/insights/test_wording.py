"""The impact pages' sentences, built from the figures."""

from provmap.insights import wording


def test_the_adjusted_effect_in_plain_words():
    assert wording.explain_adjusted(
        gain=6, difference=2, effect=0.133, months=2, unit="points"
    ) == (
        "Pupils in this group gained 6 points; similar pupils who did not take part gained 4; "
        "so about 2 points, 0.13 SD or 2 months of progress, are down to the group."
    )
    assert wording.explain_adjusted(
        gain=3, difference=-1.5, effect=-0.1, months=-2, unit="points"
    ) == (
        "Pupils in this group gained 3 points; similar pupils who did not take part gained 4.5; "
        "so the group ended about 1.5 points behind them (-0.1 SD, 2 months less)."
    )


def test_the_before_and_after_effect_in_plain_words():
    text = wording.explain_raw(gain=7, effect=0.4667, months=6, unit="months")
    assert text.startswith(
        "Pupils in this group gained 7 months on average between entry and exit (0.47 SD, "
        "6 months on the EEF's scale)."
    )


def test_units_months_and_figures():
    assert [wording.unit_of(scale) for scale in ("age_months", "percent", "standardised")] == [
        "months",
        "percentage points",
        "points",
    ]
    assert [wording.months_words(months) for months in (0, 1, 5, -1, -3)] == [
        "under a month",
        "1 month",
        "5 months",
        "1 month less",
        "3 months less",
    ]
    assert [wording.figure(value) for value in (6.0, 2.25, -0.04, -1.3)] == [
        "6",
        "2.2",
        "0",
        "-1.3",
    ]


def test_gap_sentences():
    assert wording.gap_sentence(
        group="Boys",
        peers="girls",
        first=("Autumn 2025-26", 3.0),
        last=("Summer 2026", -1.25),
        direction="narrowing",
        unit="points",
    ) == (
        "Boys were 3 points behind girls in Autumn 2025-26 and 1.2 ahead in Summer 2026: "
        "the gap is narrowing."
    )
    assert (
        wording.gap_sentence(
            group="Year 7 pupils",
            peers="pupils of other years",
            first=("Autumn 2026-27", 0.02),
            last=("Autumn 2026-27", 0.02),
            direction="steady",
            unit="points",
        )
        == "Year 7 pupils were level with pupils of other years in Autumn 2026-27."
    )

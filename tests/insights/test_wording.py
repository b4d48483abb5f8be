"""The impact pages' sentences, built from the figures."""

from provmap.insights import wording


def test_the_adjusted_effect_in_plain_words_says_no_more_than_its_interval():
    either = wording.explain_adjusted(
        gain=6,
        difference=2,
        low=-1,
        high=5,
        effect_low=-0.067,
        effect_high=0.333,
        months=(-1, 4),
        unit="points",
    )
    assert either == (
        "Pupils in this group gained 6 points on average. Compared with pupils in no provision "
        "on this measure with the same entry result and tested at the same times, the "
        "difference was +2 points (95% interval -1 to +5; -0.07 to +0.33 SD, from 1 month less "
        "to 4 months on the EEF's scale). The interval includes no difference at all, so the "
        "difference could be down to chance."
    )
    assert "about 2" not in either
    above = wording.explain_adjusted(
        gain=6,
        difference=3,
        low=1,
        high=5,
        effect_low=0.07,
        effect_high=0.33,
        months=(1, 4),
        unit="points",
    )
    assert above.endswith(wording.EXPLAIN_ABOVE.strip())
    below = wording.explain_adjusted(
        gain=1,
        difference=-3,
        low=-5,
        high=-1,
        effect_low=-0.33,
        effect_high=-0.07,
        months=(-4, -1),
        unit="points",
    )
    assert below.endswith(wording.EXPLAIN_BELOW.strip())


def test_gains_alone_are_described_and_never_judged():
    text = wording.explain_gains_only(gain=7, unit="months", reason=wording.REASON_NO_COMPARISON)
    assert text.startswith(
        "Pupils in this group gained 7 months on average between entry and exit. This is a "
        "description, not a measure of impact:"
    )
    assert wording.CAVEAT_NO_COMPARISON in text
    assert "EEF" not in text and "SD" not in text


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

"""The impact charts: round scales, bins, and SVG that needs no inline style and names itself
for screen readers."""

import itertools
import re

import pytest

from provmap.formatting import figure
from provmap.insights import charts


def test_nice_steps_and_ticks():
    assert charts.nice_step(10, 5) == 2
    assert charts.nice_step(7, 5) == 2
    assert charts.nice_step(0.9, 4) == 0.25
    assert charts.nice_step(0, 5) == 1
    assert charts.nice_ticks(76, 106, 5) == [70, 80, 90, 100, 110]
    assert charts.nice_ticks(-3.2, 0, 4) == [-4, -3, -2, -1, 0]


def test_number_labels_use_the_one_figure_format():
    assert [figure(value) for value in (4.0, 4.5, -0.04, 12.25)] == ["4", "4.5", "0", "12.2"]
    assert figure(-0.25, 2) == "-0.25"


def test_effect_domain_covers_the_intervals_within_limits():
    assert charts.effect_domain([]) == (-0.5, 1.0)
    assert charts.effect_domain([(-0.33, 1.13)]) == (-0.5, 1.5)
    # A handful of pupils can give an interval 30 SDs wide: the axis stops at the limits.
    assert charts.effect_domain([(-15.5, 21.5)]) == charts.EFFECT_LIMITS


def test_bins_have_round_edges_with_one_at_zero():
    groups = charts.bins([-1, 0, 0.5, 2, 6, 9, 9])
    assert [(item.low, item.high, item.count) for item in groups] == [
        (-2, 0, 2),  # no gain counts with the losses
        (0, 2, 2),
        (2, 4, 0),
        (4, 6, 1),
        (6, 8, 0),
        (8, 10, 2),
    ]
    # Whole numbers get whole-number bins.
    assert [(item.low, item.high) for item in charts.bins([1, 2, 2, 3])] == [
        (0, 1),
        (1, 2),
        (2, 3),
    ]
    assert charts.bins([]) == []


def svg_attributes(markup: str) -> set[str]:
    return set(re.findall(r"\s([a-z-]+)=\"", markup))


@pytest.mark.parametrize(
    "chart",
    [
        charts.interval_plot(0.4, -0.33, 1.13, domain=(-0.5, 1.5), label="Reading"),
        charts.interval_plot(0.47, 0.31, 0.62, domain=(-0.5, 1.5), label="Raw", raw=True),
        charts.effect_axis((-0.5, 1.5)),
        charts.scatter([charts.Point(76, 82, "A <pupil>")], label="Scatter", axis_label="Score"),
        charts.histogram([6, 9, 5, 9, 6], label="Gains", unit="points", criterion=5),
        charts.ratings_bar({"R": 1, "A": 0, "G": 3, "B": 2}, label="Ratings"),
        charts.share_bars(0.5, 0.25, label="Shares"),
        charts.before_after([charts.Change("Took part", 90, 94, "part")], label="Attendance"),
        charts.line_chart(
            [charts.Series("Disadvantaged", [8, 6, 3])],
            ["Aut", "Spr", "Sum"],
            label="Gaps",
            axis_label="Behind",
        ),
    ],
)
def test_charts_need_no_inline_style_and_are_labelled(chart):
    assert isinstance(chart, charts.Svg)
    assert chart.__html__() == str(chart)
    assert "style" not in svg_attributes(chart)
    assert "<script" not in chart
    assert chart.startswith('<svg class="chart')
    assert 'role="img" aria-label="' in chart or 'aria-hidden="true"' in chart


def test_interval_plot_draws_the_estimate_the_interval_and_zero():
    plot = charts.interval_plot(0.4, -0.33, 1.13, domain=(-0.5, 1.5), label="Reading")
    x = charts.Scale(-0.5, 1.5, charts.INTERVAL_PAD, charts.INTERVAL_WIDTH - charts.INTERVAL_PAD)
    assert f'class="chart__zero" x1="{charts._n(x(0))}"' in plot
    assert f'cx="{charts._n(x(0.4))}"' in plot
    assert f'x1="{charts._n(x(-0.33))}" x2="{charts._n(x(1.13))}"' in plot
    # Crosses zero: neither clearly up nor down.
    assert "chart__ci--unclear" in plot
    assert "chart__arrow" not in plot
    wide = charts.interval_plot(3.0, -15.5, 21.5, domain=(-1.5, 2.0), label="Few pupils")
    assert wide.count('class="chart__arrow') == 2
    assert "chart__ci--up" in charts.interval_plot(0.5, 0.1, 0.9, domain=(-0.5, 1), label="Up")


def test_scatter_names_pupils_only_when_asked_and_escapes_them():
    named = charts.scatter(
        [charts.Point(76, 82, "Zoë <O'Neil>"), charts.Point(90, 91, took_part=False)],
        label="Reading",
        axis_label="Reading",
    )
    assert "<title>Zoë &lt;O&#x27;Neil&gt;</title>" in named
    assert named.count("<circle") == 2
    assert "chart__point chart__point--other" in named
    anonymous = charts.scatter([charts.Point(76, 82)], label="Reading", axis_label="Reading")
    assert anonymous.count("<title>") == 1  # the chart's own
    assert "no change" in anonymous and "Better than at entry" in anonymous


def test_line_chart_names_each_series_at_its_end_and_skips_gaps():
    chart = charts.line_chart(
        [
            charts.Series("Boys", [2, None, 3]),
            charts.Series("Year 7", [None, None, 4]),
        ],
        ["Aut 25", "Spr 26", "Sum 26"],
        label="Gaps",
        axis_label="Behind peers",
    )
    # No line through a missing term, and a series with one point has a dot but no line.
    assert chart.count("<polyline") == 0
    assert chart.count("chart__marker") == 3
    assert ">Boys</text>" in chart and ">Year 7</text>" in chart
    assert "no gap" in chart


def test_label_positions_are_spread_apart():
    assert charts._spread([10, 12, 13], 15, 0, 100) == [10, 25, 40]
    assert charts._spread([90, 95], 15, 0, 100) == [85, 100]


def test_small_bins_are_joined_until_each_holds_enough():
    groups = charts.bins([-1, -0.5, 0, -2, -3, 0.5, 2, 6, 9, 9, 7, 3])
    merged = charts.merge_bins(groups, 5)
    assert all(item.count == 0 or item.count >= 5 for item in merged)
    assert sum(item.count for item in merged) == 12
    # Five losses (no gain counts as one) and seven gains: zero still divides the bars.
    assert any(item.high == 0 for item in merged)
    edges = [(item.low, item.high) for item in merged]
    assert edges == sorted(edges) and all(a[1] == b[0] for a, b in itertools.pairwise(edges))
    # Two losses cannot stand on their own: the bars cross zero.
    few_losses = charts.merge_bins(charts.bins([-1, -2, 1, 2, 3, 4, 5, 6, 7]), 5)
    assert all(item.count == 0 or item.count >= 5 for item in few_losses)
    assert charts.merge_bins(groups, 1) == groups


def test_a_histogram_with_a_minimum_draws_no_bar_under_it():
    svg = charts.histogram([1, 2, 2, 3, 8, 9, 9, 9, 10, 4], label="Gains", unit="points", minimum=5)
    counts = [int(value) for value in re.findall(r'class="chart__count"[^>]*>(\d+)<', svg)]
    assert counts and all(count >= 5 for count in counts)
    assert sum(counts) == 10

"""The chart of unmet must and should needs by year group."""

from __future__ import annotations

import re

from provmap.planning.charts import unmet_bars


def test_bars_in_proportion_on_a_scale_of_whole_pupils() -> None:
    svg = unmet_bars([("Year 7", 8, 2), ("Year 8 <b>", 0, 4)], label="Unmet by year")
    assert 'role="img"' in svg and 'aria-label="Unmet by year"' in svg
    assert "<b>" not in svg and "Year 8 &lt;b&gt;" in svg
    widths = [
        float(value)
        for value in re.findall(r'chart__share--\w+" x="70" y="\d+" width="([\d.]+)"', svg)
    ]
    # The scale runs 0 to 8 over 314 pixels (420 less the labels and the padding).
    assert widths == [314, 78.5, 0, 157]
    ticks = re.findall(r'text-anchor="middle">(\d+)<', svg)
    assert ticks == ["0", "2", "4", "6", "8"]
    assert "Year 7: 8 pupils must, unmet" in svg


def test_no_rows_still_draws_an_empty_scale() -> None:
    svg = unmet_bars([], label="Nothing unmet")
    assert "chart__share" not in svg
    assert re.findall(r'text-anchor="middle">(\d+)<', svg) == ["0", "1", "2", "3", "4"]

"""The gaps page's chart, drawn as inline SVG on the server: pupils with a must and with a
should need unmet, by year group, as pairs of bars. A plain function of numbers and labels;
colours come from CSS classes (impact.css), the numbers are in the table beside it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from html import escape

from provmap.formatting import counted
from provmap.insights.charts import Svg, nice_step

ROW = 34
LABEL = 70
PAD = 36


def _n(value: float) -> str:
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def unmet_bars(rows: Sequence[tuple[str, int, int]], *, label: str, width: int = 420) -> Svg:
    """One lane a year group (name, must unmet, should unmet): the must bar above, the
    should bar below, each with its count; a scale of round numbers along the foot."""
    height = 20 + ROW * max(len(rows), 1)
    top = max([1, *(max(must, should) for _, must, should in rows)])
    # Whole numbers of pupils along the scale, at least four steps of one.
    limit = max(top, 4)
    step = math.ceil(nice_step(limit, 4))
    ticks = [float(value) for value in range(0, math.ceil(limit / step) * step + 1, step)]
    room = width - LABEL - PAD

    def x(value: float) -> float:
        return LABEL + room * value / ticks[-1]

    body = []
    for tick in ticks:
        body.append(
            f'<line class="chart__grid" x1="{_n(x(tick))}" x2="{_n(x(tick))}" y1="0" '
            f'y2="{height - 16}"/>'
            f'<text class="chart__tick chart__tick--small" x="{_n(x(tick))}" '
            f'y="{height - 3}" text-anchor="middle">{tick:g}</text>'
        )
    for index, (name, must, should) in enumerate(rows):
        y = 4 + ROW * index
        body.append(
            f'<text class="chart__tick" x="{LABEL - 6}" y="{y + 18}" text-anchor="end">'
            f"{escape(name)}</text>"
        )
        for offset, (count, css, level) in enumerate(
            ((must, "stuck", "must"), (should, "moving", "should"))
        ):
            bar_y = y + offset * 14
            body.append(
                f'<rect class="chart__share chart__share--{css}" x="{LABEL}" y="{bar_y}" '
                f'width="{_n(max(x(count) - LABEL, 0))}" height="12" rx="2">'
                f"<title>{escape(name)}: {counted(count, 'pupil')} {level}, unmet</title></rect>"
                f'<text class="chart__tick chart__tick--small" x="{_n(x(count) + 4)}" '
                f'y="{bar_y + 10}">{count}</text>'
            )
    text = escape(label, quote=True)
    return Svg(
        f'<svg class="chart chart--unmet" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{text}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{text}</title>' + "".join(body) + "</svg>"
    )

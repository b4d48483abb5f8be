"""Charts for the impact pages, drawn as inline SVG on the server.

Plain functions of numbers and labels: no database, no web framework, no script in the page.
Each returns an `Svg` (markup that templates print as it is). Every colour and line style comes
from a CSS class (provmap/static/provmap/impact.css), so the pages need no inline style and
pass a Content-Security-Policy without 'unsafe-inline'. Each chart has role="img" and a short
text description for screen readers; the numbers behind it are always in a table nearby.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from provmap.formatting import counted, figure

# Effect sizes outside this range are drawn to its edge with an arrow: a handful of pupils can
# give an interval many SDs wide, which would squash every other row to a dot.
EFFECT_LIMITS = (-1.5, 2.0)
# The axis always shows at least this much either side of zero.
EFFECT_MINIMUM = (-0.5, 1.0)


class Svg(str):
    """Markup built here from escaped text: safe to print in a template as it is."""

    def __html__(self) -> str:
        return str(self)


def _text(value: object) -> str:
    return escape(str(value), quote=True)


def _n(value: float) -> str:
    """A coordinate with at most one decimal place."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _svg(width: int, height: int, label: str, body: list[str], css: str = "") -> Svg:
    classes = f"chart {css}".strip()
    return Svg(
        f'<svg class="{classes}" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" role="img" aria-label="{_text(label)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{_text(label)}</title>'
        + "".join(body)
        + "</svg>"
    )


def _decorative(width: int, height: int, body: list[str], css: str = "") -> Svg:
    classes = f"chart {css}".strip()
    return Svg(
        f'<svg class="{classes}" viewBox="0 0 {width} {height}" width="{width}" '
        f'height="{height}" aria-hidden="true" focusable="false" '
        f'xmlns="http://www.w3.org/2000/svg">' + "".join(body) + "</svg>"
    )


def nice_step(span: float, count: int = 5) -> float:
    """A round step (1, 2, 2.5 or 5 times a power of ten) giving about `count` intervals."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    raw = span / max(count, 1)
    power = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * power:
            return factor * power
    return 10 * power


def nice_ticks(low: float, high: float, count: int = 5) -> list[float]:
    """Round values from at or below `low` to at or above `high`."""
    step = nice_step(high - low, count)
    start = math.floor(low / step + 1e-9) * step
    ticks = []
    value = start
    while value <= high + step * 1e-6 + 1e-12:
        ticks.append(round(value, 10))
        value += step
    if ticks[-1] < high:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


@dataclass(frozen=True)
class Scale:
    """A linear map from values in [low, high] to pixels in [start, end]."""

    low: float
    high: float
    start: float
    end: float

    def __call__(self, value: float) -> float:
        if self.high == self.low:
            return (self.start + self.end) / 2
        return self.start + (value - self.low) / (self.high - self.low) * (self.end - self.start)


# --- Effect sizes with their intervals ----------------------------------------------------


def effect_domain(intervals: Sequence[tuple[float, float]]) -> tuple[float, float]:
    """One axis for a set of intervals (low, high): wide enough for all of them within
    EFFECT_LIMITS, always including EFFECT_MINIMUM, in steps of a half."""
    low = min([EFFECT_MINIMUM[0], *(item[0] for item in intervals)])
    high = max([EFFECT_MINIMUM[1], *(item[1] for item in intervals)])
    low = max(EFFECT_LIMITS[0], math.floor(low * 2) / 2)
    high = min(EFFECT_LIMITS[1], math.ceil(high * 2) / 2)
    return low, high


def _effect_ticks(domain: tuple[float, float]) -> list[float]:
    step = 0.5 if domain[1] - domain[0] <= 3 else 1.0
    first = math.ceil(domain[0] / step) * step
    ticks = []
    value = first
    while value <= domain[1] + 1e-9:
        ticks.append(round(value, 6))
        value += step
    return ticks


def direction(low: float, high: float) -> str:
    """'up' when the whole interval is above zero, 'down' when below, else 'unclear'."""
    if low > 0:
        return "up"
    if high < 0:
        return "down"
    return "unclear"


INTERVAL_WIDTH = 260
INTERVAL_HEIGHT = 28
INTERVAL_PAD = 10


def _effect_scale(domain: tuple[float, float], width: int) -> Scale:
    return Scale(domain[0], domain[1], INTERVAL_PAD, width - INTERVAL_PAD)


def interval_plot(
    value: float,
    low: float,
    high: float,
    *,
    domain: tuple[float, float],
    label: str,
    raw: bool = False,
    width: int = INTERVAL_WIDTH,
) -> Svg:
    """One effect as a bar from `low` to `high` with a dot at `value` and a line at zero.

    A raw (before and after only) estimate is drawn as a hollow diamond, an adjusted one as a
    filled dot, so the two can be told apart without colour. Ends beyond the axis get an
    arrow."""
    height = INTERVAL_HEIGHT
    x = _effect_scale(domain, width)
    middle = height / 2
    body = [
        f'<line class="chart__grid" x1="{_n(x(tick))}" x2="{_n(x(tick))}" y1="3" '
        f'y2="{height - 3}"/>'
        for tick in _effect_ticks(domain)
        if tick != 0
    ]
    body.append(
        f'<line class="chart__zero" x1="{_n(x(0))}" x2="{_n(x(0))}" y1="1" y2="{height - 1}"/>'
    )
    left, right = max(low, domain[0]), min(high, domain[1])
    trend = direction(low, high)
    if right > left:
        body.append(
            f'<line class="chart__ci chart__ci--{trend}" x1="{_n(x(left))}" x2="{_n(x(right))}" '
            f'y1="{_n(middle)}" y2="{_n(middle)}"/>'
        )
    if low < domain[0]:
        tip = x(domain[0]) - 6
        body.append(
            f'<path class="chart__arrow chart__arrow--{trend}" d="M{_n(tip)} {_n(middle)} '
            f'l7 -5 v10 z"/>'
        )
    if high > domain[1]:
        tip = x(domain[1]) + 6
        body.append(
            f'<path class="chart__arrow chart__arrow--{trend}" d="M{_n(tip)} {_n(middle)} '
            f'l-7 -5 v10 z"/>'
        )
    centre = x(min(max(value, domain[0]), domain[1]))
    if raw:
        body.append(
            f'<path class="chart__estimate chart__estimate--raw" d="M{_n(centre)} '
            f'{_n(middle - 6)} l6 6 l-6 6 l-6 -6 z"/>'
        )
    else:
        body.append(
            f'<circle class="chart__estimate" cx="{_n(centre)}" cy="{_n(middle)}" r="5.5"/>'
        )
    return _svg(width, height, label, body, "chart--interval")


def effect_axis(domain: tuple[float, float], *, width: int = INTERVAL_WIDTH) -> Svg:
    """The scale for a column of interval plots (decorative: each plot says its numbers)."""
    height = 22
    x = _effect_scale(domain, width)
    body = []
    for tick in _effect_ticks(domain):
        css = "chart__tick chart__tick--zero" if tick == 0 else "chart__tick"
        body.append(
            f'<text class="{css}" x="{_n(x(tick))}" y="14" text-anchor="middle">'
            f"{_text(figure(tick, 2))}</text>"
        )
        body.append(
            f'<line class="chart__grid" x1="{_n(x(tick))}" x2="{_n(x(tick))}" y1="17" y2="22"/>'
        )
    return _decorative(width, height, body, "chart--axis")


# --- Entry against exit ------------------------------------------------------------------


@dataclass(frozen=True)
class Point:
    entry: float
    exit: float
    # A tooltip naming the pupil; empty for anonymous points (no title is drawn at all).
    title: str = ""
    took_part: bool = True


SCATTER_SIZE = 420
SCATTER_MARGIN = (18, 18, 54, 58)  # top, right, bottom, left


def scatter(
    points: Sequence[Point],
    *,
    label: str,
    axis_label: str,
    higher_is_better: bool = True,
) -> Svg:
    """Entry against exit result, one dot per pupil, with the no-change line (exit = entry).

    Pupils who took part are filled dots; comparison pupils (who did not) small hollow ones.
    The side of the line where pupils did better than at entry is shaded and says so."""
    size = SCATTER_SIZE
    top, right, bottom, left = SCATTER_MARGIN
    values = [value for point in points for value in (point.entry, point.exit)]
    if not values:
        values = [0.0, 1.0]
    low, high = min(values), max(values)
    pad = max((high - low) * 0.06, 1.0)
    # No room below zero for results that cannot be negative (counts, ages, percentages).
    ticks = nice_ticks(max(low - pad, 0.0) if low >= 0 else low - pad, high + pad, 5)
    # A little room beyond the outer ticks, so that no dot sits on the frame.
    room = (ticks[1] - ticks[0]) * 0.2 if len(ticks) > 1 else 1.0
    domain = (ticks[0] - room, ticks[-1] + room)
    x = Scale(*domain, left, size - right)
    y = Scale(*domain, size - bottom, top)
    x0, x1, y0, y1 = x(domain[0]), x(domain[1]), y(domain[0]), y(domain[1])
    body = []
    # The better side: above the line when higher is better, below it otherwise.
    if higher_is_better:
        zone = f"M{_n(x0)} {_n(y0)} L{_n(x1)} {_n(y1)} L{_n(x0)} {_n(y1)} Z"
        zone_x, zone_y, anchor = x0 + 8, y1 + 16, "start"
    else:
        zone = f"M{_n(x0)} {_n(y0)} L{_n(x1)} {_n(y1)} L{_n(x1)} {_n(y0)} Z"
        zone_x, zone_y, anchor = x1 - 8, y0 - 10, "end"
    body.append(f'<path class="chart__zone" d="{zone}"/>')
    for tick in ticks:
        body.append(
            f'<line class="chart__grid" x1="{_n(x(tick))}" x2="{_n(x(tick))}" '
            f'y1="{_n(y1)}" y2="{_n(y0)}"/>'
            f'<line class="chart__grid" x1="{_n(x0)}" x2="{_n(x1)}" '
            f'y1="{_n(y(tick))}" y2="{_n(y(tick))}"/>'
            f'<text class="chart__tick" x="{_n(x(tick))}" y="{_n(y0 + 18)}" '
            f'text-anchor="middle">{_text(figure(tick))}</text>'
            f'<text class="chart__tick" x="{_n(x0 - 8)}" y="{_n(y(tick) + 4)}" '
            f'text-anchor="end">{_text(figure(tick))}</text>'
        )
    body.append(
        f'<rect class="chart__frame" x="{_n(x0)}" y="{_n(y1)}" width="{_n(x1 - x0)}" '
        f'height="{_n(y0 - y1)}"/>'
    )
    body.append(
        f'<text class="chart__note" x="{_n(zone_x)}" y="{_n(zone_y)}" text-anchor="{anchor}">'
        "Better than at entry</text>"
    )
    body.append(
        f'<line class="chart__nochange" x1="{_n(x0)}" y1="{_n(y0)}" x2="{_n(x1)}" y2="{_n(y1)}"/>'
    )
    # The line's own label, written along it near the top right.
    lx, ly = (
        x(domain[0] + (domain[1] - domain[0]) * 0.8),
        y(domain[0] + (domain[1] - domain[0]) * 0.8),
    )
    body.append(
        f'<text class="chart__line-label" x="{_n(lx)}" y="{_n(ly - 6)}" text-anchor="middle" '
        f'transform="rotate(-45 {_n(lx)} {_n(ly - 6)})">no change</text>'
    )
    # Pupils with the same entry and exit (common on short scales) share one larger dot that
    # says how many it stands for.
    stacks: dict[tuple[bool, float, float], list[Point]] = {}
    for point in points:
        key = (point.took_part, round(point.entry, 2), round(point.exit, 2))
        stacks.setdefault(key, []).append(point)
    for (took_part, entry, leave), group in sorted(stacks.items(), key=lambda item: item[0]):
        css = "chart__point" if took_part else "chart__point chart__point--other"
        radius = (5 if took_part else 3.5) + (2.2 * math.sqrt(len(group) - 1))
        titles = [item.title for item in group if item.title]
        tooltip = f"<title>{_text('; '.join(titles))}</title>" if titles else ""
        body.append(
            f'<circle class="{css}" cx="{_n(x(entry))}" cy="{_n(y(leave))}" '
            f'r="{_n(radius)}">{tooltip}</circle>'
        )
        if len(group) > 1:
            label_css = "chart__stack" if took_part else "chart__stack chart__stack--other"
            body.append(
                f'<text class="{label_css}" x="{_n(x(entry))}" y="{_n(y(leave) + 4)}" '
                f'text-anchor="middle" aria-hidden="true">{len(group)}</text>'
            )
    body.append(
        f'<text class="chart__axis-label" x="{_n((x0 + x1) / 2)}" y="{size - 12}" '
        f'text-anchor="middle">Entry: {_text(axis_label)}</text>'
    )
    mid = (y0 + y1) / 2
    body.append(
        f'<text class="chart__axis-label" x="16" y="{_n(mid)}" text-anchor="middle" '
        f'transform="rotate(-90 16 {_n(mid)})">Exit: {_text(axis_label)}</text>'
    )
    return _svg(size, size, label, body, "chart--scatter")


# --- How gains are spread ----------------------------------------------------------------


@dataclass(frozen=True)
class Bin:
    low: float
    high: float
    count: int


def bins(values: Sequence[float], *, target: int = 8) -> list[Bin]:
    """Equal bins with round edges, one edge at zero, holding every value. A bin holds the
    values above its low edge up to and including its high edge, so a gain of exactly zero
    falls in the last bin at or below zero (no gain, like a loss, is Red)."""
    if not values:
        return []
    low, high = min(values), max(values)
    width = nice_step(max(high - low, 1.0), target)
    if all(float(value).is_integer() for value in values):
        # Whole-number results: one bin per whole number at least, never half-empty bins.
        width = max(1.0, math.ceil(width))
    start = (math.ceil(low / width - 1e-9) - 1) * width
    count = max(1, math.ceil((high - start) / width - 1e-9))
    tallies = [0] * count
    for value in values:
        index = math.ceil((value - start) / width - 1e-9) - 1
        tallies[min(count - 1, max(0, index))] += 1
    return [
        Bin(start + index * width, start + (index + 1) * width, tally)
        for index, tally in enumerate(tallies)
    ]


def _merge_run(groups: Sequence[Bin], minimum: int) -> list[Bin]:
    merged: list[Bin] = []
    current: list[Bin] = []
    for item in groups:
        if not current and not item.count:
            merged.append(item)
            continue
        current.append(item)
        if sum(part.count for part in current) >= minimum:
            merged.append(Bin(current[0].low, current[-1].high, sum(p.count for p in current)))
            current = []
    if current:
        # Too few left for a bar of their own: they join the last bar with anyone in it.
        while merged and not merged[-1].count:
            current.insert(0, merged.pop())
        if merged:
            last = merged.pop()
            current.insert(0, last)
        merged.append(Bin(current[0].low, current[-1].high, sum(p.count for p in current)))
    return merged


def merge_bins(groups: Sequence[Bin], minimum: int) -> list[Bin]:
    """Neighbouring bins joined so that each holds none or at least `minimum` values (a bar of
    one to four pupils could single a pupil out). Losses and gains are kept apart when each
    side has enough values, so that the line at no gain still divides the bars."""
    if minimum <= 1:
        return list(groups)
    losses = [item for item in groups if item.high <= 0]
    gains = [item for item in groups if item.high > 0]
    sides = [sum(item.count for item in side) for side in (losses, gains)]
    if all(total == 0 or total >= minimum for total in sides):
        return _merge_run(losses, minimum) + _merge_run(gains, minimum)
    return _merge_run(groups, minimum)


HISTOGRAM_SIZE = (460, 260)
HISTOGRAM_MARGIN = (34, 16, 52, 44)


def histogram(
    values: Sequence[float],
    *,
    label: str,
    unit: str,
    criterion: float | None = None,
    minimum: int = 1,
) -> Svg:
    """How many pupils gained how much: bars of equal width, losses in one colour and gains in
    another, a line at no gain and a dashed line at the success criterion. With `minimum`,
    neighbouring bars are joined until each holds at least that many pupils (or none)."""
    width, height = HISTOGRAM_SIZE
    top, right, bottom, left = HISTOGRAM_MARGIN
    groups = merge_bins(bins(values), minimum)
    body: list[str] = []
    if not groups:
        return _svg(width, height, label, body, "chart--histogram")
    low = min(groups[0].low, 0.0, criterion if criterion is not None else 0.0)
    high = max(groups[-1].high, 0.0, criterion if criterion is not None else 0.0)
    x = Scale(low, high, left, width - right)
    tallest = max(item.count for item in groups)
    count_ticks = nice_ticks(0, max(tallest, 1), 4)
    # Room above the tallest bar for its count.
    y = Scale(0, max(count_ticks[-1], tallest * 1.12), height - bottom, top)
    for tick in count_ticks:
        if tick != int(tick):
            continue
        body.append(
            f'<line class="chart__grid" x1="{left}" x2="{width - right}" y1="{_n(y(tick))}" '
            f'y2="{_n(y(tick))}"/>'
            f'<text class="chart__tick" x="{left - 8}" y="{_n(y(tick) + 4)}" text-anchor="end">'
            f"{int(tick)}</text>"
        )
    for item in groups:
        x_start, x_end = x(item.low) + 1, x(item.high) - 1
        css = "chart__bar chart__bar--loss" if item.high <= 0 else "chart__bar chart__bar--gain"
        if item.count:
            body.append(
                f'<rect class="{css}" x="{_n(x_start)}" y="{_n(y(item.count))}" '
                f'width="{_n(max(x_end - x_start, 1))}" height="{_n(y(0) - y(item.count))}">'
                f"<title>{counted(item.count, 'pupil')} gained "
                f"more than {_text(figure(item.low))} and up to {_text(figure(item.high))} "
                f"{_text(unit)}"
                "</title></rect>"
                f'<text class="chart__count" x="{_n((x_start + x_end) / 2)}" '
                f'y="{_n(y(item.count) - 5)}" text-anchor="middle">{item.count}</text>'
            )
    edges = [groups[0].low, *(item.high for item in groups)]
    every = max(1, math.ceil(len(edges) / 9))
    for index, edge in enumerate(edges):
        if index % every:
            continue
        body.append(
            f'<text class="chart__tick" x="{_n(x(edge))}" y="{height - bottom + 18}" '
            f'text-anchor="middle">{_text(figure(edge))}</text>'
        )
    body.append(
        f'<line class="chart__baseline" x1="{left}" x2="{width - right}" y1="{_n(y(0))}" '
        f'y2="{_n(y(0))}"/>'
        f'<line class="chart__zero" x1="{_n(x(0))}" x2="{_n(x(0))}" y1="{top - 8}" '
        f'y2="{_n(y(0))}"/>'
        f'<text class="chart__note" x="{_n(x(0) - 4)}" y="{top - 14}" text-anchor="end">'
        "no gain</text>"
    )
    if criterion is not None:
        body.append(
            f'<line class="chart__criterion" x1="{_n(x(criterion))}" x2="{_n(x(criterion))}" '
            f'y1="{top - 8}" y2="{_n(y(0))}"/>'
            f'<text class="chart__note chart__note--criterion" x="{_n(x(criterion) + 4)}" '
            f'y="{top - 14}">success: {_text(figure(criterion))}</text>'
        )
    body.append(
        f'<text class="chart__axis-label" x="{_n((left + width - right) / 2)}" '
        f'y="{height - 10}" text-anchor="middle">Gain ({_text(unit)})</text>'
        f'<text class="chart__axis-label" x="14" y="{_n((top + height - bottom) / 2)}" '
        f'text-anchor="middle" transform="rotate(-90 14 {_n((top + height - bottom) / 2)})">'
        "Pupils</text>"
    )
    return _svg(width, height, label, body, "chart--histogram")


# --- Shares: RAGB ratings, a trait among two groups -----------------------------------------

RATING_NAMES = {"R": "Red", "A": "Amber", "G": "Green", "B": "Blue"}


def ratings_bar(counts: dict[str, int], *, label: str, width: int = 460) -> Svg:
    """The RAGB ratings as one bar split in proportion, each part with its letter and count
    (where it fits)."""
    height = 30
    total = sum(counts.get(code, 0) for code in RATING_NAMES)
    body = [
        f'<rect class="chart__track" x="0" y="2" width="{width}" height="{height - 4}" rx="3"/>'
    ]
    start = 0.0
    for code in RATING_NAMES:
        count = counts.get(code, 0)
        if not total or not count:
            continue
        part = width * count / total
        body.append(
            f'<rect class="chart__ragb chart__ragb--{code}" x="{_n(start)}" y="2" '
            f'width="{_n(part)}" height="{height - 4}"><title>{RATING_NAMES[code]}: {count}'
            "</title></rect>"
        )
        if part >= 34:
            body.append(
                f'<text class="chart__ragb-label chart__ragb-label--{code}" '
                f'x="{_n(start + part / 2)}" y="{height / 2 + 5:.0f}" text-anchor="middle">'
                f"{code} {count}</text>"
            )
        start += part
    return _svg(width, height, label, body, "chart--ragb")


def share_bars(first: float, second: float, *, label: str, width: int = 220) -> Svg:
    """Two shares (0 to 1) as bars on one scale: pupils not progressing, then pupils who do."""
    height = 34
    room = width - 44
    body = []
    for row, (share, css) in enumerate(((first, "stuck"), (second, "moving"))):
        y = 3 + row * 16
        body.append(
            f'<rect class="chart__track" x="0" y="{y}" width="{room}" height="12" rx="2"/>'
            f'<rect class="chart__share chart__share--{css}" x="0" y="{y}" '
            f'width="{_n(max(room * share, 0))}" height="12" rx="2"/>'
            f'<text class="chart__tick" x="{room + 6}" y="{y + 10}">{round(share * 100)}%</text>'
        )
    return _svg(width, height, label, body, "chart--shares")


# --- Before and after ----------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """A group's mean before and after (None when nobody in it had both)."""

    name: str
    before: float | None
    after: float | None
    css: str


def before_after(
    changes: Sequence[Change], *, label: str, higher_is_better: bool = True, width: int = 300
) -> Svg:
    """Each group's mean before (hollow) and after (filled) on one scale, joined by an arrow;
    one lane a group."""
    lanes = [item for item in changes if item.before is not None and item.after is not None]
    height = 14 + 24 * max(len(changes), 1)
    values = [value for item in lanes for value in (item.before, item.after) if value is not None]
    body: list[str] = []
    if not values:
        return _svg(width, height, label, body, "chart--before-after")
    low, high = min(values), max(values)
    pad = max((high - low) * 0.15, abs(high) * 0.01, 0.5)
    ticks = nice_ticks(low - pad, high + pad, 4)
    x = Scale(ticks[0], ticks[-1], 10, width - 10)
    for tick in ticks:
        body.append(
            f'<line class="chart__grid" x1="{_n(x(tick))}" x2="{_n(x(tick))}" y1="2" '
            f'y2="{height - 12}"/>'
            f'<text class="chart__tick chart__tick--small" x="{_n(x(tick))}" y="{height - 1}" '
            f'text-anchor="middle">{_text(figure(tick))}</text>'
        )
    for index, item in enumerate(changes):
        if item.before is None or item.after is None:
            continue
        y = 14 + 24 * index
        better = (item.after - item.before) * (1 if higher_is_better else -1)
        trend = "up" if better > 0 else "down" if better < 0 else "unclear"
        start, end = x(item.before), x(item.after)
        step = 6 if end >= start else -6
        if abs(end - start) > 12:
            body.append(
                f'<line class="chart__move chart__move--{trend} chart__move--{item.css}" '
                f'x1="{_n(start + step)}" x2="{_n(end - step * 1.6)}" y1="{y}" y2="{y}"/>'
                f'<path class="chart__arrow chart__arrow--{trend}" d="M{_n(end - step)} {y} '
                f'l{_n(-step)} -4 v8 z"/>'
            )
        body.append(
            f'<circle class="chart__before chart__before--{item.css}" cx="{_n(start)}" cy="{y}" '
            f'r="5"><title>{_text(item.name)} before: {_text(figure(item.before))}</title>'
            "</circle>"
            f'<circle class="chart__after chart__after--{item.css}" cx="{_n(end)}" cy="{y}" r="5">'
            f"<title>{_text(item.name)} after: {_text(figure(item.after))}</title></circle>"
        )
    return _svg(width, height, label, body, "chart--before-after")


# --- Gaps over terms -----------------------------------------------------------------------


@dataclass(frozen=True)
class Series:
    name: str
    values: Sequence[float | None]


LINE_SIZE = (700, 280)
LINE_MARGIN = (20, 250, 46, 80)
SERIES_CLASSES = 7


def _spread(positions: list[float], gap: float, low: float, high: float) -> list[float]:
    """Move label positions (already sorted) apart by at least `gap`, within low..high."""
    placed: list[float] = []
    for position in positions:
        placed.append(max(position, placed[-1] + gap) if placed else max(position, low))
    overflow = placed[-1] - high if placed else 0
    if overflow > 0:
        placed = [value - overflow for value in placed]
        for index in range(len(placed) - 2, -1, -1):
            placed[index] = min(placed[index], placed[index + 1] - gap)
    return placed


def line_chart(
    series: Sequence[Series],
    terms: Sequence[str],
    *,
    label: str,
    axis_label: str,
    zero_label: str = "no gap",
    domain: tuple[float, float] | None = None,
) -> Svg:
    """Lines over terms, one a series, with a line at zero and each series named at its last
    point (so the chart reads without relying on colour). Charts meant to be compared should
    share a `domain`, so that the same gap looks the same size in each."""
    width, height = LINE_SIZE
    top, right, bottom, left = LINE_MARGIN
    values = [value for item in series for value in item.values if value is not None]
    body: list[str] = []
    if not values or not terms:
        return _svg(width, height, label, body, "chart--lines")
    lowest, highest = domain or (0.0, 0.0)
    ticks = nice_ticks(min([*values, 0.0, lowest]), max([*values, 0.0, highest]), 5)
    y = Scale(ticks[0], ticks[-1], height - bottom, top)
    count = len(terms)
    x = Scale(0, max(count - 1, 1), left + 16, width - right - 16)
    for tick in ticks:
        css = "chart__zero" if tick == 0 else "chart__grid"
        # The zero line says what it means where its value is written.
        text = f"{zero_label} 0" if tick == 0 else figure(tick)
        tick_css = "chart__tick chart__tick--zero" if tick == 0 else "chart__tick"
        body.append(
            f'<line class="{css}" x1="{left}" x2="{width - right}" y1="{_n(y(tick))}" '
            f'y2="{_n(y(tick))}"/>'
            f'<text class="{tick_css}" x="{left - 8}" y="{_n(y(tick) + 4)}" '
            f'text-anchor="end">{_text(text)}</text>'
        )
    every = max(1, math.ceil(count / 8))
    for index, term in enumerate(terms):
        if index % every:
            continue
        body.append(
            f'<text class="chart__tick" x="{_n(x(index))}" y="{height - bottom + 20}" '
            f'text-anchor="middle">{_text(term)}</text>'
        )
    ends: list[tuple[float, int, str]] = []
    for number_, item in enumerate(series):
        css = f"chart__series--{number_ % SERIES_CLASSES + 1}"
        points = [(index, value) for index, value in enumerate(item.values) if value is not None]
        runs: list[list[tuple[int, float]]] = []
        for index, value in points:
            if runs and runs[-1][-1][0] == index - 1:
                runs[-1].append((index, value))
            else:
                runs.append([(index, value)])
        for run in runs:
            if len(run) > 1:
                path = " ".join(f"{_n(x(index))},{_n(y(value))}" for index, value in run)
                body.append(f'<polyline class="chart__line {css}" points="{path}"/>')
        for index, value in points:
            body.append(
                f'<circle class="chart__marker {css}" cx="{_n(x(index))}" cy="{_n(y(value))}" '
                f'r="4"><title>{_text(item.name)}, {_text(terms[index])}: '
                f"{_text(figure(value))}</title></circle>"
            )
        if points:
            ends.append((y(points[-1][1]), number_, item.name))
    ends.sort()
    placed = _spread([position for position, _, _ in ends], 15, top, height - bottom)
    label_x = width - right + 6
    for (_, number_, name), spot in zip(ends, placed, strict=True):
        css = f"chart__series--{number_ % SERIES_CLASSES + 1}"
        body.append(
            f'<line class="chart__leader {css}" x1="{label_x - 2}" x2="{label_x + 12}" '
            f'y1="{_n(spot)}" y2="{_n(spot)}"/>'
            f'<text class="chart__series-label" x="{label_x + 16}" y="{_n(spot + 4)}">'
            f"{_text(name)}</text>"
        )
    mid = (top + height - bottom) / 2
    body.append(
        f'<text class="chart__axis-label" x="14" y="{_n(mid)}" text-anchor="middle" '
        f'transform="rotate(-90 14 {_n(mid)})">{_text(axis_label)}</text>'
    )
    return _svg(width, height, label, body, "chart--lines")

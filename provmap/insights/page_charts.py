"""The charts of the impact pages, drawn from the figures (`insights.charts` draws them): an
effect's interval, a provision's scatter or means, the histogram of gains, the wider outcomes
before and after. Those who see no pupil get means rather than a dot a pupil, and no count of
one to four (`insights.disclosure`)."""

from __future__ import annotations

import statistics
from collections.abc import Mapping
from dataclasses import dataclass

from provmap.formatting import figure
from provmap.insights import charts, cohorts, wording
from provmap.insights.disclosure import SMALL_NUMBER, Cell, Disclosure
from provmap.insights.effects import EffectSize
from provmap.insights.patterns import TraitShare
from provmap.insights.selectors import ProvisionImpact

FEWER_THAN_TOOK_PART = (
    f"fewer than {SMALL_NUMBER} pupils who took part have results before and after"
)


def effect_text(effect: EffectSize | None) -> str:
    if effect is None:
        return ""
    return f"{effect.value:+.2f} SD (95% interval {effect.low:+.2f} to {effect.high:+.2f})"


def interval_for(
    effect: EffectSize | None,
    basis: str | None,
    domain: tuple[float, float],
    name: str,
    *,
    width: int = charts.INTERVAL_WIDTH,
) -> charts.Svg | None:
    if effect is None:
        return None
    kind = "Adjusted effect" if basis == "adjusted" else "Before-and-after effect"
    return charts.interval_plot(
        effect.value,
        effect.low,
        effect.high,
        domain=domain,
        label=f"{name}: {kind} {effect_text(effect)}",
        raw=basis != "adjusted",
        width=width,
    )


def scatter(impact: ProvisionImpact, found: list[cohorts.Participant], identities: bool):
    measure = impact.measure
    assert measure is not None  # pupils who took part were measured on it
    points = [charts.Point(entry, leave, took_part=False) for entry, leave in impact.comparison]
    for row in found:
        title = ""
        if identities:
            title = (
                f"{row.pupil.full_name}, {row.run.label or 'group'}: "
                f"{figure(row.progress.baseline)} to {figure(row.progress.exit)}"
            )
        points.append(charts.Point(row.progress.baseline, row.progress.exit, title))
    better = "above" if measure.higher_is_better else "below"
    return charts.scatter(
        points,
        label=(
            f"Entry against exit results on {measure.name}: {len(found)} pupils who took part "
            f"and {len(impact.comparison)} who did not. Dots {better} the no-change line "
            "improved."
        ),
        axis_label=measure.name,
        higher_is_better=measure.higher_is_better,
    )


def means(impact: ProvisionImpact, found: list[cohorts.Participant], disclosure: Disclosure):
    """Entry and exit on average, for those who may not see one dot a pupil: the pupils who
    took part and (when there are enough of them) the comparison pupils."""
    measure = impact.measure
    assert measure is not None  # pupils who took part were measured on it
    changes = [
        charts.Change(
            "Took part",
            statistics.fmean(row.progress.baseline for row in found),
            statistics.fmean(row.progress.exit for row in found),
            "part",
        )
    ]
    others = impact.comparison
    if others and not disclosure.hides(len(others)):
        changes.append(
            charts.Change(
                "Did not take part",
                statistics.fmean(entry for entry, _ in others),
                statistics.fmean(leave for _, leave in others),
                "others",
            )
        )
    # Means of one pupil or more: never None.
    assert changes[0].before is not None and changes[0].after is not None
    label = (
        f"Mean entry and exit results on {measure.name}: pupils who took part went from "
        f"{figure(changes[0].before)} to {figure(changes[0].after)}"
    )
    if len(changes) > 1:
        assert changes[1].before is not None and changes[1].after is not None
        label += (
            f"; pupils who did not, from {figure(changes[1].before)} to {figure(changes[1].after)}"
        )
    return charts.before_after(
        changes, label=label, higher_is_better=measure.higher_is_better, width=420
    )


def histogram(impact: ProvisionImpact, found: list[cohorts.Participant], disclosure: Disclosure):
    assert impact.measure is not None  # pupils who took part were measured on it
    unit = wording.unit_of(impact.measure.scale)
    gains = [row.progress.gain for row in found]
    losses = sum(1 for gain in gains if gain <= 0)
    shown = disclosure.line([losses, len(gains) - losses], total=len(gains)).cells[0]
    criterion = impact.provision.success_gain
    return charts.histogram(
        gains,
        label=(
            f"Gains of the {len(gains)} pupils who took part, in {unit}: {shown} made no gain "
            "or went back."
        ),
        unit=unit,
        criterion=float(criterion) if criterion is not None else None,
        minimum=1 if disclosure.exact else SMALL_NUMBER,
    )


def ratings_label(prefix: str, counts: Mapping[str, int]) -> str:
    parts = [f"{name} {counts.get(code, 0)}" for code, name in charts.RATING_NAMES.items()]
    return f"{prefix}: " + ", ".join(parts)


@dataclass
class WiderRow:
    item: cohorts.WiderOutcome
    chart: charts.Svg
    n: Cell
    others_n: Cell

    def _part(self, value):
        return value if self.n.shown else None

    def _others(self, value):
        return value if self.others_n.shown else None

    @property
    def before(self):
        return self._part(self.item.before)

    @property
    def after(self):
        return self._part(self.item.after)

    @property
    def change(self):
        return self._part(self.item.change)

    @property
    def others_change(self):
        return self._others(self.item.others_change)


def wider_rows(outcomes: list[cohorts.WiderOutcome], disclosure: Disclosure) -> list[WiderRow]:
    rows = []
    for item in outcomes:
        n, others_n = disclosure.count(item.n), disclosure.count(item.others_n)
        part = (item.before, item.after) if n.shown else (None, None)
        others = (item.others_before, item.others_after) if others_n.shown else (None, None)
        changes = [
            charts.Change("Took part", *part, "part"),
            charts.Change("Did not take part", *others, "others"),
        ]
        if n.shown:
            # Means of the pupils counted, one or more: never None.
            assert item.before is not None and item.after is not None
            label = (
                f"{item.measure.name}: pupils who took part went from "
                f"{figure(item.before)} to {figure(item.after)}"
            )
        else:
            label = f"{item.measure.name}: {FEWER_THAN_TOOK_PART}"
        if others[0] is not None and others[1] is not None:
            label += f"; pupils who did not, from {figure(others[0])} to {figure(others[1])}"
        rows.append(
            WiderRow(
                item,
                charts.before_after(
                    changes, label=label, higher_is_better=item.measure.higher_is_better
                ),
                n,
                others_n,
            )
        )
    return rows


def gap_sections(
    report: cohorts.GapsReport, categories: list[tuple[str, list[cohorts.GroupGap]]]
) -> list[tuple[str, list[cohorts.GroupGap], charts.Svg | None]]:
    """Each kind of group with its gaps and the chart of those shown, term by term; one scale
    for every chart on the page, so that gaps can be compared between them."""
    sections = []
    labels = report.term_labels
    every_gap = [
        row.gap
        for _, gaps in categories
        for gap in gaps
        for row in gap.terms
        if row.gap is not None
    ]
    domain = (min(every_gap), max(every_gap)) if every_gap else None
    for category, gaps in categories:
        shown = [gap for gap in gaps if gap.shown]
        chart = None
        if shown:
            assert report.measure is not None  # there are groups only on a measure
            chart = charts.line_chart(
                [charts.Series(gap.group.label, [row.gap for row in gap.terms]) for gap in shown],
                labels,
                label=(
                    f"{category}: the gap on {report.measure.name} between each group and its "
                    f"peers, term by term. " + " ".join(gap.sentence for gap in shown)
                ),
                axis_label=f"Behind peers ({report.unit})",
                domain=domain,
            )
        sections.append((category, gaps, chart))
    return sections


def trait_bars(item: TraitShare) -> charts.Svg:
    """A trait's share among pupils not progressing beside its share among those who are."""
    return charts.share_bars(
        item.share_not_progressing,
        item.share_progressing,
        label=(
            f"{item.trait} {item.value}: {round(item.share_not_progressing * 100)}% of "
            f"pupils not progressing, {round(item.share_progressing * 100)}% of those "
            "progressing"
        ),
    )

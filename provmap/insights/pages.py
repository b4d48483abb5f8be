"""What each impact page shows, built from the figures for the user asking: the rows of the
overview, one provision's figures by run and by group, the gaps between groups, the traits of
pupils not progressing and the pupils behind them. Each builder takes the user's access and
gives the page's context; the views render it and record what was shown.

Whole-school readers see the pupils behind the figures; everyone else sees the same figures
with no pupil named or singled out, and those who see no pupil at all get every count
through the small-number rule (`insights.disclosure`).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.http import Http404

from provmap.accounts.access import SchoolAccess
from provmap.accounts.permissions import PupilScope
from provmap.insights import charts, cohorts, wording
from provmap.insights.disclosure import Cell, Disclosure
from provmap.insights.effects import MIN_PUPILS
from provmap.insights.forms import DecisionForm
from provmap.insights.page_charts import (
    gap_sections,
    histogram,
    interval_for,
    means,
    ratings_label,
    scatter,
    trait_bars,
    wider_rows,
)
from provmap.insights.patterns import NotProgressingReport, TraitShare
from provmap.insights.ranking import rank, sort_asked, sorts_for
from provmap.insights.selectors import ProvisionImpact
from provmap.insights.verdicts import HIGH_ATTRITION
from provmap.insights.years import YearChoice
from provmap.outcomes.models import ReviewDecision
from provmap.outcomes.selectors import latest_decisions, provision_decisions
from provmap.outcomes.services import ImpactSnapshot
from provmap.provision.models import Placement, Provision
from provmap.schools.models import School

# Traits listed as shared by pupils not progressing: held by at least two of them, and at
# least a percentage point more common than among pupils who progress.
MIN_TRAIT_COUNT = 2
MIN_DIFFERENCE = 0.01


def names_pupils(scope: PupilScope) -> bool:
    """May the impact pages show who the pupils are? Only to those who see every pupil: the
    figures are about the whole school, so a partial list would mislead and a head of year's
    or governor's view stays aggregate."""
    return scope.everyone


def cohort_years(scope: PupilScope) -> frozenset[str] | None:
    """The year groups a cohort page covers: a head of year's own years; everyone else with
    access sees the whole school (in aggregate)."""
    if scope.everyone or not scope.year_groups:
        return None
    return scope.year_groups


def tone(recommendation: str) -> str:
    """A CSS modifier for a recommendation: continue is good news, stop bad, change amber."""
    return {
        wording.CONTINUE: "continue",
        wording.CHANGE: "change",
        wording.STOP: "stop",
    }.get(recommendation, "unclear")


# --- The overview ---------------------------------------------------------------------------


@dataclass
class OverviewRow:
    impact: ProvisionImpact
    plot: charts.Svg | None
    decision: ReviewDecision | None
    rank: int | None = None
    disclosure: Disclosure | None = None

    @property
    def placed(self) -> Cell:
        return (self.disclosure or Disclosure(exact=True)).count(self.impact.placed)

    @property
    def measured(self) -> Cell:
        return (self.disclosure or Disclosure(exact=True)).count(self.impact.raw.n)

    @property
    def reason(self) -> str:
        text = self.impact.verdict.caveat or self.impact.raw.reason or ""
        return (self.disclosure or Disclosure(exact=True)).text(text)

    @property
    def tone(self) -> str:
        return tone(self.impact.verdict.recommendation)


def overview_context(
    access: SchoolAccess, choice: YearChoice, impacts: list[ProvisionImpact], wanted_sort: str
) -> dict[str, Any]:
    """Every provision of a year ranked by its effect or (for those who may see costs) by
    what a month's progress cost."""
    school = access.school
    sorts = sorts_for(finance=access.scope.finance)
    sort = sort_asked(wanted_sort, sorts)
    ranked, unranked = rank(impacts, sort)
    decisions = latest_decisions(school, choice.year) if not choice.all_years else {}
    domain = charts.effect_domain([(item.effect.low, item.effect.high) for item in ranked])
    rows = [
        OverviewRow(
            impact=item,
            plot=interval_for(item.effect, item.months_basis, domain, item.provision.name),
            decision=decisions.get(item.provision.pk),
            rank=position,
        )
        for position, item in enumerate(ranked, start=1)
    ]
    disclosure = Disclosure.for_scope(access.scope)
    others = [
        OverviewRow(item, None, decisions.get(item.provision.pk), disclosure=disclosure)
        for item in unranked
    ]
    # The pupils measured in all: withheld rather than let a small provision's count be
    # worked out from it and the others.
    assessed = disclosure.line(
        [item.raw.n for item in impacts],
        total=sum(item.raw.n for item in impacts),
        total_first=True,
    )
    recommendations = Counter(item.verdict.recommendation for item in impacts)
    return {
        "choice": choice,
        "sort": sort,
        "sorts": sorts,
        "rows": rows,
        "others": others,
        "axis": charts.effect_axis(domain),
        "provisions_run": len(impacts),
        "min_pupils": MIN_PUPILS,
        "pupils_assessed": assessed.total,
        "helping": recommendations.get(wording.CONTINUE, 0),
        "to_change": recommendations.get(wording.CHANGE, 0),
        "to_stop": recommendations.get(wording.STOP, 0),
        "impact_tab": "overview",
    }


# --- One provision --------------------------------------------------------------------------


def provision_or_404(school: School, provision_id: int) -> Provision:
    provision = (
        Provision.objects.filter(school=school, pk=provision_id).select_related("measure").first()
    )
    if provision is None:
        raise Http404("No such provision.")
    return provision


def impact_of(provision: Provision, impacts: list[ProvisionImpact]) -> ProvisionImpact | None:
    """The provision's figures among those of the year, if it ran."""
    return next((item for item in impacts if item.provision.pk == provision.pk), None)


def explanation(impact: ProvisionImpact) -> str:
    """The figures in plain sentences that say no more than the numbers do."""
    unit = wording.unit_of(impact.measure.scale) if impact.measure else wording.UNIT_POINTS
    raw, adjusted = impact.raw, impact.adjusted
    if adjusted.effect is not None and raw.mean_gain is not None:
        assert adjusted.difference is not None  # found with the effect
        assert adjusted.difference_low is not None and adjusted.difference_high is not None
        months = adjusted.months_range
        assert months is not None
        return wording.explain_adjusted(
            gain=raw.mean_gain,
            difference=adjusted.difference,
            low=adjusted.difference_low,
            high=adjusted.difference_high,
            effect_low=adjusted.effect.low,
            effect_high=adjusted.effect.high,
            months=months,
            unit=unit,
        )
    if raw.mean_gain is not None:
        return wording.explain_gains_only(gain=raw.mean_gain, unit=unit, reason=adjusted.reason)
    return wording.EXPLAIN_NONE


def snapshot_of(impact: ProvisionImpact | None) -> ImpactSnapshot:
    """The figures a review decision keeps, as shown when it was made."""
    if impact is None:
        return ImpactSnapshot(verdict=wording.HEADLINE_UNCLEAR_TOO_FEW)
    effect = impact.effect
    return ImpactSnapshot(
        # Without its cost: the decision is shown to some who may not see costs, and the
        # cost per pupil is kept beside it for those who may.
        verdict=impact.verdict.plain_headline,
        recommendation=impact.verdict.recommendation,
        basis=impact.months_basis or "",
        effect=effect.value if effect else None,
        low=effect.low if effect else None,
        high=effect.high if effect else None,
        # The low end of the months' range: the most the evidence then safely said.
        months=impact.months_range[0] if impact.months_range else None,
        pupils=impact.adjusted.n_participants if effect else impact.raw.n,
        cost_per_pupil=impact.cost_per_pupil,
    )


@dataclass
class GroupRow:
    item: cohorts.GroupImpact
    plot: charts.Svg | None
    hidden: bool


@dataclass
class RunRow:
    impact: object
    plot: charts.Svg | None
    pupils: Cell
    hidden: bool
    cost_shown: bool
    note: str


def provision_context(
    access: SchoolAccess,
    provision: Provision,
    choice: YearChoice,
    impacts: list[ProvisionImpact],
    *,
    as_of: dt.date,
    form: DecisionForm | None = None,
) -> dict[str, Any]:
    """Everything the provision's impact page shows (a fixed number of queries)."""
    school, scope = access.school, access.scope
    identities = names_pupils(scope)
    disclosure = Disclosure.for_scope(scope)
    impact = impact_of(provision, impacts)
    context: dict[str, Any] = {
        "provision": provision,
        "choice": choice,
        "impact": impact,
        "decisions": list(provision_decisions(school, provision)),
        "impact_tab": "overview",
        "min_group": cohorts.MIN_GROUP,
    }
    can_decide = scope.can_edit and choice.year is not None
    if can_decide:
        suggested = impact.verdict.recommendation if impact else ""
        context["form"] = form or DecisionForm(
            initial={
                "decided_on": as_of,
                "decision": suggested if suggested in ReviewDecision.Decision.values else None,
            }
        )
    if impact is None:
        return context
    found = cohorts.participants(impact, as_of=as_of)
    # Only the effect against a comparison group is drawn: a before-and-after "effect" has
    # the rebound of pupils picked for low scores in it.
    effects = [(impact.adjusted.effect, "adjusted")] if impact.adjusted.effect else []
    domain = charts.effect_domain([(item.low, item.high) for item, _ in effects])
    wide = 460
    effect_rows = [
        (
            "Compared with similar pupils" if basis == "adjusted" else "Before and after only",
            item,
            interval_for(item, basis, domain, provision.name, width=wide),
        )
        for item, basis in effects
    ]
    groups, groups_withheld = _disclosed_groups(
        cohorts.impact_by_group(impact, found), impact.raw.n, disclosure
    )
    group_domain = charts.effect_domain(
        [(row.effect.low, row.effect.high) for _, rows in groups for row in rows if row.effect]
    )
    group_rows = [
        (
            category,
            [
                GroupRow(
                    row,
                    interval_for(row.effect, row.basis, group_domain, row.group.label),
                    hidden=not identities and row.n < cohorts.MIN_GROUP,
                )
                for row in rows
            ],
        )
        for category, rows in groups
    ]
    recorded = Counter(row.placement.rating for row in found if row.placement.rating)
    codes = list(charts.RATING_NAMES)
    suggested_line = disclosure.line(
        [impact.raw.ratings.get(code, 0) for code in codes], total=impact.raw.n
    )
    recorded_line = disclosure.line([recorded.get(code, 0) for code in codes], total=len(found))
    run_domain = charts.effect_domain([])
    run_pupils = disclosure.line(
        [run.costed.pupil_count if run.costed else 0 for run in impact.runs], total=impact.placed
    )
    run_measured = disclosure.line([run.raw.n for run in impact.runs], total=impact.raw.n)
    runs = []
    for run, pupils, measured in zip(
        impact.runs, run_pupils.cells, run_measured.cells, strict=True
    ):
        placed = run.costed.pupil_count if run.costed else 0
        named_few = not identities and placed < cohorts.MIN_GROUP
        hidden = named_few or not pupils.shown or not measured.shown
        if named_few and pupils.shown:
            pupils = Cell(pupils.value, shown=False)
        runs.append(
            RunRow(
                run,
                # One group's own effect cannot be told apart from what it shared.
                None,
                pupils=pupils,
                hidden=hidden,
                cost_shown=not disclosure.hides(placed),
                note=disclosure.text(run.raw.reason or run.adjusted.reason or ""),
            )
        )
    finished = sum(
        1
        for run in impact.runs
        for item in (run.costed.placements if run.costed else [])
        if item.status in (Placement.Status.COMPLETED, Placement.Status.WITHDRAWN)
    )
    context.update(
        # Too few pupils to show to someone who may not see them: one pupil's gain is theirs.
        suppressed=not identities and impact.raw.n < cohorts.MIN_GROUP,
        explanation=explanation(impact),
        similar_pupils=wording.SIMILAR_PUPILS if impact.adjusted.effect else "",
        tone=tone(impact.verdict.recommendation),
        unit=wording.unit_of(impact.measure.scale) if impact.measure else wording.UNIT_POINTS,
        effect_rows=effect_rows,
        effect_axis=charts.effect_axis(domain, width=wide),
        participants=found if identities else [],
        # One dot a pupil only for those who see pupils; the means for everyone else.
        scatter=scatter(impact, found, identities) if found and disclosure.exact else None,
        means=means(impact, found, disclosure) if found and not disclosure.exact else None,
        histogram=histogram(impact, found, disclosure) if found else None,
        suggested_bar=charts.ratings_bar(
            impact.raw.ratings, label=ratings_label("Suggested by the results", impact.raw.ratings)
        )
        if sum(impact.raw.ratings.values()) and not suggested_line.any_hidden
        else None,
        recorded_bar=charts.ratings_bar(
            dict(recorded), label=ratings_label("Rated by staff", recorded)
        )
        if recorded and not recorded_line.any_hidden
        else None,
        ratings_recorded=bool(recorded),
        ratings_withheld=suggested_line.any_hidden or recorded_line.any_hidden,
        rating_counts=[
            (code, name, suggested, rated)
            for (code, name), suggested, rated in zip(
                charts.RATING_NAMES.items(), suggested_line.cells, recorded_line.cells, strict=True
            )
        ],
        comparison_pupils=disclosure.count(impact.adjusted.n_comparison),
        attrition_missing=disclosure.count(impact.missing),
        attrition_expected=disclosure.count(impact.expected),
        attrition_high=impact.attrition is not None and impact.attrition > HIGH_ATTRITION,
        months_range=impact.months_range,
        cost_per_month=impact.cost_per_month,
        completion_share=disclosure.share(impact.raw.completion_share, of=finished),
        success_share=disclosure.share(impact.raw.success_share, of=impact.raw.n),
        caveat=disclosure.text(impact.verdict.caveat),
        groups_withheld=groups_withheld,
        runs=runs,
        run_axis=charts.effect_axis(run_domain),
        group_rows=group_rows,
        group_axis=charts.effect_axis(group_domain),
        wider=wider_rows(cohorts.wider_outcomes(school, impact, as_of=as_of), disclosure),
        wider_window_days=cohorts.WIDER_WINDOW.days,
        sees_runs=scope.sees_map,
    )
    return context


def _disclosed_groups(
    groups: list[tuple[str, list[cohorts.GroupImpact]]], measured: int, disclosure: Disclosure
) -> tuple[list[tuple[str, list[cohorts.GroupImpact]]], bool]:
    """The groups a viewer may see named: for those who see no pupil, a group of fewer than
    five is left out with its label, and so is the next smallest of its kind where the small
    one could be worked out from the pupils measured. Whether any was left out."""
    if disclosure.exact:
        return groups, False
    kept, withheld = [], False
    for category, rows in groups:
        line = disclosure.line([row.n for row in rows], total=measured)
        shown = [row for row, cell in zip(rows, line.cells, strict=True) if cell.shown]
        withheld = withheld or len(shown) < len(rows)
        if shown:
            kept.append((category, shown))
    return kept, withheld


# --- Groups and gaps ------------------------------------------------------------------------


def groups_context(access: SchoolAccess, wanted_measure: str, *, as_of: dt.date) -> dict[str, Any]:
    """The gap between each group and its peers on a measure the whole cohort sits (the one
    asked for in `wanted_measure`, an id; an unknown one is a 404), term by term, and whether
    it is narrowing."""
    if wanted_measure and not wanted_measure.isdigit():
        raise Http404("No such measure.")
    years = cohort_years(access.scope)
    report = cohorts.group_gaps_report(
        access.school,
        as_of=as_of,
        measure_id=int(wanted_measure) if wanted_measure else None,
        nc_years=years,
    )
    if wanted_measure and (report.measure is None or str(report.measure.pk) != wanted_measure):
        raise Http404("No such measure.")
    categories, withheld = _disclosed_gaps(report, Disclosure.for_scope(access.scope))
    return {
        "report": report,
        "sections": gap_sections(report, categories),
        "years": sorted(years) if years else None,
        "min_group": cohorts.MIN_GROUP,
        "groups_withheld": withheld,
        "impact_tab": "groups",
    }


def _disclosed_gaps(
    report: cohorts.GapsReport, disclosure: Disclosure
) -> tuple[list[tuple[str, list[cohorts.GroupGap]]], bool]:
    """The groups a viewer may see named. For those who see no pupil, each kind of group
    (with its peers, and the pupils in neither) splits the pupils with results, so a group
    of fewer than five is left out, and the next smallest with it where the small one could
    be worked out; when the peers are fewer than five the whole kind is left out."""
    if disclosure.exact:
        return report.categories, False
    kept, withheld = [], False
    for category, gaps in report.categories:
        counts = [gap.n for gap in gaps]
        peers = category != cohorts.CATEGORY_YEAR
        if peers:
            counts.append(gaps[0].n_peers)
        line = disclosure.line(counts, total=report.n_pupils)
        if peers and not line.cells[-1].shown:
            withheld = True
            continue
        shown = [gap for gap, cell in zip(gaps, line.cells, strict=False) if cell.shown]
        withheld = withheld or len(shown) < len(gaps)
        if shown:
            kept.append((category, shown))
    return kept, withheld


# --- Who is not progressing -------------------------------------------------------------------


@dataclass
class TraitRow:
    share: object
    chart: charts.Svg
    key: str


def trait_key(trait: str, value: str) -> str:
    return f"{trait}: {value}"


def not_progressing(
    access: SchoolAccess,
    choice: YearChoice,
    impacts: list[ProvisionImpact],
    *,
    as_of: dt.date,
) -> cohorts.NotProgressing:
    """The pupils of the year groups the user's cohort pages cover, progressing or not."""
    return cohorts.not_progressing(
        access.school,
        academic_year=choice.year,
        as_of=as_of,
        nc_years=cohort_years(access.scope),
        impacts=impacts,
    )


def not_progressing_context(
    access: SchoolAccess, choice: YearChoice, found: cohorts.NotProgressing
) -> dict[str, Any]:
    """The traits over-represented among pupils making weak or no progress."""
    report = found.report
    disclosure = Disclosure.for_scope(access.scope)
    total = report.n_not_progressing + report.n_progressing
    counts = disclosure.line([report.n_not_progressing, report.n_progressing], total=total)
    shares = [
        item
        for item in report.over_represented
        if item.count_not_progressing >= MIN_TRAIT_COUNT and item.difference >= MIN_DIFFERENCE
    ]
    shown = [item for item in shares if _trait_shown(item, report, disclosure)]
    rows = [TraitRow(item, trait_bars(item), trait_key(item.trait, item.value)) for item in shown]
    return {
        "choice": choice,
        "report": report,
        "rows": rows,
        "total": counts.total,
        "stuck": counts.cells[0],
        "moving": counts.cells[1],
        "traits_withheld": len(shown) < len(shares),
        "rule": wording.NOT_PROGRESSING_RULE,
        "years": sorted(cohort_years(access.scope) or []),
        "impact_tab": "not_progressing",
    }


def _trait_shown(item: TraitShare, report: NotProgressingReport, disclosure: Disclosure) -> bool:
    """May a trait be named with its counts and shares? For those who see no pupil, only when
    no count of pupils with or without it, on either side, is one to four."""
    return not any(
        disclosure.hides(count)
        for count in (
            item.count_not_progressing,
            report.n_not_progressing - item.count_not_progressing,
            item.count_progressing,
            report.n_progressing - item.count_progressing,
        )
    )


def not_progressing_pupils_context(
    access: SchoolAccess, choice: YearChoice, found: cohorts.NotProgressing, trait: str
) -> dict[str, Any]:
    """The pupils not progressing whom the user may see, with what they had and their
    traits; `trait` (a trait_key) narrows the list to one trait."""
    school, scope = access.school, access.scope
    stuck = found.stuck
    if trait:
        stuck = [
            item
            for item in stuck
            if any(trait_key(*pair) == trait for pair in item.record.traits())
        ]
    # A pupil's progress is read from their results in provision: listed for those who see
    # that provision in full (a teacher sees the pupils of their own runs, not all they teach).
    visible = set(
        Placement.objects.filter(school=school, pupil_id__in=[item.pupil.pk for item in stuck])
        .filter(scope.placement_filter())
        .values_list("pupil_id", flat=True)
    )
    shown = [item for item in stuck if item.pupil.pk in visible]
    return {
        "choice": choice,
        "pupils": shown,
        "hidden": len(stuck) - len(shown),
        "trait": trait,
        "rule": wording.NOT_PROGRESSING_RULE,
        "impact_tab": "not_progressing",
    }

"""The impact pages: every provision ranked, one provision's impact with its review
decisions, the gaps between groups of pupils, and who is not progressing.

Whole-school readers see the pupils behind the figures; governors, heads of year and trust
leaders without pupil access see the same figures with no pupil named or singled out (the
scatter's dots carry no names, small groups are not shown on their own, and the list of
pupils not progressing is not offered). Those who see no pupil at all (governors, trust
leaders without pupil access) get every count through the small-number rule
(`insights.disclosure`): no count of one to four pupils, nothing worked out from so few, no
dot a pupil and no label naming a small group. Recording a decision is for those who edit
the map.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from provmap.accounts.access import SchoolAccess, SchoolRequest
from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction
from provmap.accounts.permissions import PupilScope
from provmap.insights import charts, cohorts, wording
from provmap.insights.disclosure import SMALL_NUMBER, Cell, Disclosure
from provmap.insights.effects import MIN_PUPILS, EffectSize
from provmap.insights.forms import DecisionForm
from provmap.insights.selectors import ProvisionImpact, provision_impacts
from provmap.outcomes.models import ReviewDecision
from provmap.outcomes.selectors import latest_decisions, provision_decisions
from provmap.outcomes.services import ImpactSnapshot, review_decision_record
from provmap.provision.models import Placement, Provision
from provmap.schools.models import AcademicYear, School
from provmap.web.forms import add_service_errors
from provmap.web.pages import render_school_page, today

SORTS = {"effect": "Effect", "cost": "Cost-effectiveness"}
# Traits listed as shared by pupils not progressing: held by at least two of them, and at
# least a percentage point more common than among pupils who progress.
MIN_TRAIT_COUNT = 2
MIN_DIFFERENCE = 0.01
ALL_YEARS = "all"


def _render(
    request: SchoolRequest, template: str, access: SchoolAccess, status: int = 200, **context: Any
) -> HttpResponse:
    """Render an impact page with what every impact page needs besides the navigation."""
    scope = access.scope
    shared = {
        "identities": names_pupils(scope),
        "lists_pupils": scope.sees_map,
        "disclosure": Disclosure.for_scope(scope),
    }
    return render_school_page(request, template, "impact", status=status, **(shared | context))


def names_pupils(scope: PupilScope) -> bool:
    """May the impact pages show who the pupils are? Only to those who see every pupil: the
    figures are about the whole school, so a partial list would mislead and a head of year's
    or governor's view stays aggregate."""
    return scope.everyone


# --- Which academic year --------------------------------------------------------------------


@dataclass
class YearChoice:
    years: list[AcademicYear]
    year: AcademicYear | None
    all_years: bool = False
    # Set when the current year has no results yet and the page shows this earlier one.
    fallback_from: AcademicYear | None = None

    @property
    def value(self) -> str:
        if self.all_years:
            return ALL_YEARS
        return str(self.year.pk) if self.year else ""

    @property
    def name(self) -> str:
        if self.all_years:
            return "all years"
        return self.year.name if self.year else ""

    @property
    def query(self) -> str:
        return f"?year={self.value}" if self.value else ""


def _current(years: list[AcademicYear], on: dt.date) -> AcademicYear | None:
    for year in years:
        if year.start_date <= on <= year.end_date:
            return year
    started = [year for year in years if year.start_date <= on]
    if started:
        return started[-1]
    return years[0] if years else None


def choose_year(request: HttpRequest, school: School) -> tuple[YearChoice, bool]:
    """The year asked for in ?year= (an id, or 'all'), else the current one; and whether the
    user asked (an unknown year is a 404)."""
    years = list(AcademicYear.objects.filter(school=school).order_by("start_date"))
    wanted = request.GET.get("year", "")
    if wanted == ALL_YEARS:
        return YearChoice(years, None, all_years=True), True
    if wanted:
        year = next((year for year in years if str(year.pk) == wanted), None)
        if year is None:
            raise Http404("No such academic year.")
        return YearChoice(years, year), True
    return YearChoice(years, _current(years, today())), False


def impacts_for(
    school: School, choice: YearChoice, *, asked: bool, only: set[int] | None = None
) -> list[ProvisionImpact]:
    """The impact figures of the chosen year (of the provisions `only`, when given). Unless a
    year was asked for, a current year without enough results to judge any provision yet (early
    in the autumn term) gives way to the latest earlier year that has them, and says so."""
    if not choice.years:
        return []
    impacts = provision_impacts(school, academic_year=choice.year, as_of=today(), only=only)
    if asked or choice.all_years or any(rankable(item) for item in impacts):
        return impacts
    assert choice.year is not None  # there are years, and not all of them were asked for
    earlier = [year for year in choice.years if year.start_date < choice.year.start_date]
    if not earlier:
        return impacts
    previous = provision_impacts(school, academic_year=earlier[-1], as_of=today(), only=only)
    if not any(rankable(item) for item in previous):
        return impacts
    choice.fallback_from, choice.year = choice.year, earlier[-1]
    return previous


# --- Drawing the figures ----------------------------------------------------------------


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
        text = self.impact.raw.reason or self.impact.verdict.caveat
        return (self.disclosure or Disclosure(exact=True)).text(text)

    @property
    def tone(self) -> str:
        return tone(self.impact.verdict.recommendation)


def rankable(impact: ProvisionImpact) -> bool:
    """An effect from enough pupils to judge (a couple of pupils' interval spans anything)."""
    return impact.effect is not None and impact.raw.n >= MIN_PUPILS


def _effect(impact: ProvisionImpact) -> float:
    """The effect of a rankable provision (it has one)."""
    assert impact.effect is not None
    return impact.effect.value


def rank(impacts: list[ProvisionImpact], sort: str) -> tuple[list, list]:
    """(ranked, unranked). By effect: the best estimate (adjusted, else before-and-after),
    largest first. By cost-effectiveness: the cost of a month's progress, cheapest first,
    then those with an effect but no gain to price, by effect. Provisions with no effect, or
    with fewer than MIN_PUPILS pupils measured, are not ranked."""
    ranked = [item for item in impacts if rankable(item)]
    unranked = [item for item in impacts if not rankable(item)]
    by_effect = sorted(ranked, key=lambda item: (-_effect(item), item.provision.name))
    if sort == "cost":
        priced = [item for item in by_effect if item.cost_per_month is not None]
        priced.sort(key=lambda item: (item.cost_per_month, -_effect(item)))
        by_effect = priced + [item for item in by_effect if item.cost_per_month is None]
    return by_effect, unranked


def overview_page(request: SchoolRequest, urn: str) -> HttpResponse:
    """Every provision of a year ranked by its effect or by what a month's progress cost."""
    access = request.access
    school = access.school
    choice, asked = choose_year(request, school)
    # Ranking by cost is for those who may see costs (the finance right).
    sorts = SORTS if access.scope.finance else {"effect": SORTS["effect"]}
    sort = request.GET.get("sort", "effect")
    if sort not in sorts:
        sort = "effect"
    impacts = impacts_for(school, choice, asked=asked)
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
    return _render(
        request,
        "insights/overview.html",
        access,
        choice=choice,
        sort=sort,
        sorts=sorts,
        rows=rows,
        others=others,
        axis=charts.effect_axis(domain),
        provisions_run=len(impacts),
        min_pupils=MIN_PUPILS,
        pupils_assessed=assessed.total,
        helping=recommendations.get(wording.CONTINUE, 0),
        to_change=recommendations.get(wording.CHANGE, 0),
        to_stop=recommendations.get(wording.STOP, 0),
        impact_tab="overview",
    )


# --- One provision --------------------------------------------------------------------------


def _provision(school: School, provision_id: int) -> Provision:
    provision = (
        Provision.objects.filter(school=school, pk=provision_id).select_related("measure").first()
    )
    if provision is None:
        raise Http404("No such provision.")
    return provision


def explanation(impact: ProvisionImpact) -> str:
    """The figures in one plain sentence."""
    unit = wording.unit_of(impact.measure.scale) if impact.measure else wording.UNIT_POINTS
    raw, adjusted = impact.raw, impact.adjusted
    if adjusted.effect is not None and raw.mean_gain is not None:
        assert adjusted.difference is not None  # found with the effect
        return wording.explain_adjusted(
            gain=raw.mean_gain,
            difference=adjusted.difference,
            effect=adjusted.effect.value,
            months=adjusted.effect.months,
            unit=unit,
        )
    if raw.effect is not None and raw.mean_gain is not None:
        return wording.explain_raw(
            gain=raw.mean_gain, effect=raw.effect.value, months=raw.effect.months, unit=unit
        )
    return wording.EXPLAIN_NONE


def snapshot_of(impact: ProvisionImpact | None) -> ImpactSnapshot:
    if impact is None:
        return ImpactSnapshot(verdict=wording.HEADLINE_UNCLEAR_TOO_FEW)
    effect = impact.effect
    return ImpactSnapshot(
        verdict=impact.verdict.headline,
        recommendation=impact.verdict.recommendation,
        basis=impact.months_basis or "",
        effect=effect.value if effect else None,
        low=effect.low if effect else None,
        high=effect.high if effect else None,
        months=impact.months,
        pupils=impact.raw.n,
        cost_per_pupil=impact.cost_per_pupil,
    )


@dataclass
class GroupRow:
    item: cohorts.GroupImpact
    plot: charts.Svg | None
    hidden: bool


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


@dataclass
class RunRow:
    impact: object
    plot: charts.Svg | None
    pupils: Cell
    hidden: bool
    cost_shown: bool
    note: str


def _scatter(impact: ProvisionImpact, found: list[cohorts.Participant], identities: bool):
    measure = impact.measure
    assert measure is not None  # pupils who took part were measured on it
    points = [charts.Point(entry, leave, took_part=False) for entry, leave in impact.comparison]
    for row in found:
        title = ""
        if identities:
            title = (
                f"{row.pupil.full_name}, {row.run.label or 'group'}: "
                f"{charts.number(row.progress.baseline)} to {charts.number(row.progress.exit)}"
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


def _means(impact: ProvisionImpact, found: list[cohorts.Participant], disclosure: Disclosure):
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
        f"{charts.number(changes[0].before)} to {charts.number(changes[0].after)}"
    )
    if len(changes) > 1:
        assert changes[1].before is not None and changes[1].after is not None
        label += (
            f"; pupils who did not, from {charts.number(changes[1].before)} to "
            f"{charts.number(changes[1].after)}"
        )
    return charts.before_after(
        changes, label=label, higher_is_better=measure.higher_is_better, width=420
    )


def _histogram(impact: ProvisionImpact, found: list[cohorts.Participant], disclosure: Disclosure):
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


def _wider_rows(outcomes: list[cohorts.WiderOutcome], disclosure: Disclosure) -> list[WiderRow]:
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
                f"{charts.number(item.before)} to {charts.number(item.after)}"
            )
        else:
            label = f"{item.measure.name}: {FEWER_THAN_TOOK_PART}"
        if others[0] is not None and others[1] is not None:
            label += (
                f"; pupils who did not, from {charts.number(others[0])} to "
                f"{charts.number(others[1])}"
            )
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


FEWER_THAN_TOOK_PART = (
    f"fewer than {SMALL_NUMBER} pupils who took part have results before and after"
)


def provision_context(
    access: SchoolAccess,
    provision: Provision,
    choice: YearChoice,
    impacts: list[ProvisionImpact],
    form: DecisionForm | None = None,
) -> dict[str, Any]:
    """Everything the provision's impact page shows (a fixed number of queries)."""
    school, scope = access.school, access.scope
    identities = names_pupils(scope)
    disclosure = Disclosure.for_scope(scope)
    impact = next((item for item in impacts if item.provision.pk == provision.pk), None)
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
                "decided_on": today(),
                "decision": suggested if suggested in ReviewDecision.Decision.values else None,
            }
        )
    if impact is None:
        return context
    found = cohorts.participants(impact)
    effects = [
        (item, basis)
        for item, basis in ((impact.adjusted.effect, "adjusted"), (impact.raw.effect, "raw"))
        if item is not None
    ]
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
    run_domain = charts.effect_domain(
        [
            (best.low, best.high)
            for run in impact.runs
            for best in [run.adjusted.effect or run.raw.effect]
            if best is not None
        ]
    )
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
                interval_for(
                    run.adjusted.effect or run.raw.effect,
                    "adjusted" if run.adjusted.effect else "raw",
                    run_domain,
                    f"{provision.name} {run.run.label}",
                )
                if not hidden
                else None,
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
        if item.placement.status in (Placement.Status.COMPLETED, Placement.Status.WITHDRAWN)
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
        scatter=_scatter(impact, found, identities) if found and disclosure.exact else None,
        means=_means(impact, found, disclosure) if found and not disclosure.exact else None,
        histogram=_histogram(impact, found, disclosure) if found else None,
        suggested_bar=charts.ratings_bar(
            impact.raw.ratings, label=_ratings_label("Suggested by the results", impact.raw.ratings)
        )
        if sum(impact.raw.ratings.values()) and not suggested_line.any_hidden
        else None,
        recorded_bar=charts.ratings_bar(
            dict(recorded), label=_ratings_label("Rated by staff", recorded)
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
        completion_share=disclosure.share(impact.raw.completion_share, of=finished),
        success_share=disclosure.share(impact.raw.success_share, of=impact.raw.n),
        caveat=disclosure.text(impact.verdict.caveat),
        groups_withheld=groups_withheld,
        runs=runs,
        run_axis=charts.effect_axis(run_domain),
        group_rows=group_rows,
        group_axis=charts.effect_axis(group_domain),
        wider=_wider_rows(cohorts.wider_outcomes(school, impact, as_of=today()), disclosure),
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


def _ratings_label(prefix: str, counts) -> str:
    parts = [f"{name} {counts.get(code, 0)}" for code, name in charts.RATING_NAMES.items()]
    return f"{prefix}: " + ", ".join(parts)


def provision_page(request: SchoolRequest, urn: str, provision_id: int) -> HttpResponse:
    """One provision's impact in a year: the figures in words and charts, by run and by
    group, its wider outcomes, and the review decisions made on it."""
    access = request.access
    provision = _provision(access.school, provision_id)
    choice, asked = choose_year(request, access.school)
    impacts = impacts_for(access.school, choice, asked=asked, only={provision.pk})
    context = provision_context(access, provision, choice, impacts)
    named = context.get("participants") or []
    if named:
        audit_record(
            request,
            AuditAction.VIEW,
            obj=provision,
            summary=f"Impact of {provision.name}, {choice.name}: {len(named)} pupil(s) named.",
            pupils=[row.pupil for row in named],
        )
    return _render(request, "insights/provision.html", access, **context)


@require_POST
def decision_record(request: SchoolRequest, urn: str, provision_id: int) -> HttpResponse:
    """Record the review's decision on a provision, with the figures shown at the time."""
    access = request.access
    school = access.school
    provision = _provision(school, provision_id)
    wanted = request.POST.get("year", "")
    year = None
    if wanted.isdigit():
        year = AcademicYear.objects.filter(school=school, pk=wanted).first()
    if year is None:
        raise Http404("No such academic year.")
    choice = YearChoice(list(AcademicYear.objects.filter(school=school)), year)
    impacts = provision_impacts(school, academic_year=year, as_of=today(), only={provision.pk})
    impact = next((item for item in impacts if item.provision.pk == provision.pk), None)
    form = DecisionForm(request.POST)
    if form.is_valid():
        try:
            decision = review_decision_record(
                school=school,
                provision=provision,
                academic_year=year,
                decision=form.cleaned_data["decision"],
                decided_by=request.user,
                decided_on=form.cleaned_data["decided_on"],
                note=form.cleaned_data["note"],
                snapshot=snapshot_of(impact),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            audit_record(
                request,
                AuditAction.CREATE,
                obj=decision,
                summary=(
                    f"Review decision on {provision.name} for {year.name}: "
                    f"{decision.get_decision_display().lower()}."
                ),
            )
            messages.success(
                request,
                f"Recorded: {decision.get_decision_display().lower()} {provision.name} "
                f"({year.name}).",
            )
            url = reverse("impact_provision", args=[school.urn, provision.pk])
            return redirect(f"{url}?year={year.pk}#decisions")
    context = provision_context(access, provision, choice, impacts, form=form)
    return _render(request, "insights/provision.html", access, status=400, **context)


# --- Groups and gaps ------------------------------------------------------------------------


def cohort_years(scope: PupilScope) -> frozenset[str] | None:
    """The year groups a cohort page covers: a head of year's own years; everyone else with
    access sees the whole school (in aggregate)."""
    if scope.everyone or not scope.year_groups:
        return None
    return scope.year_groups


def groups_page(request: SchoolRequest, urn: str) -> HttpResponse:
    """The gap between each group and its peers on a measure the whole cohort sits, term by
    term, and whether it is narrowing."""
    access = request.access
    wanted = request.GET.get("measure", "")
    if wanted and not wanted.isdigit():
        raise Http404("No such measure.")
    years = cohort_years(access.scope)
    report = cohorts.group_gaps_report(
        access.school,
        as_of=today(),
        measure_id=int(wanted) if wanted else None,
        nc_years=years,
    )
    if wanted and (report.measure is None or str(report.measure.pk) != wanted):
        raise Http404("No such measure.")
    sections = []
    labels = report.term_labels
    categories, withheld = _disclosed_gaps(report, Disclosure.for_scope(access.scope))
    # One scale for every chart on the page, so that gaps can be compared between them.
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
    return _render(
        request,
        "insights/groups.html",
        access,
        report=report,
        sections=sections,
        years=sorted(years) if years else None,
        min_group=cohorts.MIN_GROUP,
        groups_withheld=withheld,
        impact_tab="groups",
    )


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


def not_progressing_page(request: SchoolRequest, urn: str) -> HttpResponse:
    """The traits over-represented among pupils making weak or no progress."""
    access = request.access
    choice, asked = choose_year(request, access.school)
    impacts = impacts_for(access.school, choice, asked=asked)
    found = cohorts.not_progressing(
        access.school,
        academic_year=choice.year,
        as_of=today(),
        nc_years=cohort_years(access.scope),
        impacts=impacts,
    )
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
    rows = [
        TraitRow(
            item,
            charts.share_bars(
                item.share_not_progressing,
                item.share_progressing,
                label=(
                    f"{item.trait} {item.value}: {round(item.share_not_progressing * 100)}% of "
                    f"pupils not progressing, {round(item.share_progressing * 100)}% of those "
                    "progressing"
                ),
            ),
            trait_key(item.trait, item.value),
        )
        for item in shown
    ]
    return _render(
        request,
        "insights/not_progressing.html",
        access,
        choice=choice,
        report=report,
        rows=rows,
        total=counts.total,
        stuck=counts.cells[0],
        moving=counts.cells[1],
        traits_withheld=len(shown) < len(shares),
        rule=wording.NOT_PROGRESSING_RULE,
        years=sorted(cohort_years(access.scope) or []),
        impact_tab="not_progressing",
    )


def _trait_shown(item, report, disclosure: Disclosure) -> bool:
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


def not_progressing_pupils_page(request: SchoolRequest, urn: str) -> HttpResponse:
    """The pupils not progressing whom the user may see, with what they had and their
    traits; ?trait= narrows the list to one trait."""
    access = request.access
    school, scope = access.school, access.scope
    choice, asked = choose_year(request, school)
    impacts = impacts_for(school, choice, asked=asked)
    found = cohorts.not_progressing(
        school,
        academic_year=choice.year,
        as_of=today(),
        nc_years=cohort_years(scope),
        impacts=impacts,
    )
    stuck = found.stuck
    trait = request.GET.get("trait", "")
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
    if shown:
        audit_record(
            request,
            AuditAction.VIEW,
            school=school,
            summary=f"Pupils not progressing, {choice.name}: {len(shown)} pupil(s) named.",
            pupils=[item.pupil for item in shown],
        )
    return _render(
        request,
        "insights/not_progressing_pupils.html",
        access,
        choice=choice,
        pupils=shown,
        hidden=len(stuck) - len(shown),
        trait=trait,
        rule=wording.NOT_PROGRESSING_RULE,
        impact_tab="not_progressing",
    )

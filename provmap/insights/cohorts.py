"""Impact seen through groups of pupils, read from the database in a fixed number of queries:

* a provision's results by group (SEN status, area of need, disadvantaged, EAL, sex, year);
* its wider outcomes: attendance, behaviour and attainment before and after the placements,
  beside the same change for pupils who did not take part ("stickiness");
* the gap between each group and its peers on the measures the whole cohort sits, term by
  term, and whether it is narrowing;
* who is not progressing, and the traits they share compared with pupils who progress.

A provision's results by group count each pupil by their SEN status and year group when
their run started. The gaps over terms use the pupils' groups now (their current SEN status,
primary need, flags and year): following the same pupils over time is what tells whether a
gap is closing for them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, QuerySet

from provmap.insights import wording
from provmap.insights.effects import (
    MIN_PUPILS,
    AdjustedEffect,
    EffectSize,
    paired_effect_size,
)
from provmap.insights.estimator import fit_measure
from provmap.insights.patterns import (
    NotProgressingReport,
    PupilRecord,
    TermGap,
    TermScores,
    gap_direction,
    group_gaps,
    who_is_not_progressing,
)
from provmap.insights.progress import STANDARDISED_SD, PupilProgress, cohort_sd
from provmap.insights.reads import Placed, current_results
from provmap.insights.selectors import ProvisionImpact, adjusted_of, provision_impacts
from provmap.provision.models import Placement, Provision, ProvisionRun
from provmap.pupils.models import (
    NC_YEAR_ORDER,
    VULNERABLE_GROUP_FLAGS,
    Measure,
    NCYear,
    Pupil,
    PupilNeed,
    Result,
    SENStatus,
    SENStatusPeriod,
    Sex,
)
from provmap.pupils.needs import Area, area_of
from provmap.schools.models import AcademicYear, School, Term

# Groups smaller than this are not shown on their own: too few to say anything, and on
# pages open to governors a small group's figures could single a child out.
MIN_GROUP = 5
# Where a provision has no success criterion, a gain below this many SDs is weak progress
# (the smallest effect worth having, as in the verdicts).
WEAK_PROGRESS = 0.10
# How far before a placement starts, and after it ends, a wider outcome is looked for.
WIDER_WINDOW = dt.timedelta(days=120)
# Terms shown on the groups page, most recent last.
GAP_TERMS = 6

ATTENDANCE, BEHAVIOUR, ATTAINMENT = "attendance", "behaviour", "attainment"
WIDER_KINDS = {
    ATTENDANCE: wording.WIDER_ATTENDANCE,
    BEHAVIOUR: wording.WIDER_BEHAVIOUR,
    ATTAINMENT: wording.WIDER_ATTAINMENT,
}


def wider_kind(measure: Measure) -> str | None:
    """Which wider outcome a measure tells about: its kind (set when the measure was made,
    never guessed from its name here); None for wellbeing and other measures."""
    return measure.kind if measure.kind in WIDER_KINDS else None


def attendance_band(value: float | None) -> str:
    """The bands schools report: 95% or more, 90-95%, below 90% (persistent absence)."""
    if value is None:
        return ""
    if value >= 95:
        return "95% or more"
    if value >= 90:
        return "90-95%"
    return "below 90%"


def primary_areas(school_id: int, pupils: Iterable[int] | QuerySet[Pupil, Any]) -> dict[int, str]:
    """The broad area of each pupil's primary need (their current need of lowest rank), by
    pupil id; a pupil with no current need is left out (one query, of two columns: the pages
    read it for every pupil of the school)."""
    areas: dict[int, str] = {}
    for pupil_id, need_type in (
        PupilNeed.objects.current()
        .filter(school_id=school_id, pupil_id__in=pupils)
        .order_by("pupil_id", "-rank")
        .values_list("pupil_id", "need_type")
    ):
        areas[pupil_id] = area_of(need_type)  # the lowest rank comes last, and stays
    return areas


def _pupils(school_id: int, pupil_ids: Iterable[int]) -> dict[int, Pupil]:
    """The pupils of the ids, by id (one query; none for no id)."""
    wanted = list(pupil_ids)
    if not wanted:
        return {}
    return {
        pupil.pk: pupil
        for pupil in Pupil.objects.filter(school_id=school_id, pk__in=wanted).order_by()
    }


# --- The groups -----------------------------------------------------------------------------

CATEGORY_SEN = "SEN status"
CATEGORY_AREA = "Area of need"
CATEGORY_DISADVANTAGED = "Disadvantaged"
CATEGORY_EAL = "EAL"
CATEGORY_SEX = "Sex"
CATEGORY_YEAR = "Year group"
WITHOUT_SEN = "pupils without SEN"
OTHER_PUPILS = "other pupils"

Test = Callable[[Pupil, str], bool]


@dataclass(frozen=True)
class PupilGroup:
    """A group of pupils and the peers it is compared with (a pupil may be in neither)."""

    category: str
    key: str
    label: str
    peers: str
    member: Test = field(compare=False, repr=False)
    peer: Test = field(compare=False, repr=False)
    # The group as the subject of a sentence ("Disadvantaged pupils were ...").
    people: str = ""

    @property
    def subject(self) -> str:
        return self.people or self.label


def _no_sen(pupil: Pupil, area: str) -> bool:
    return pupil.sen_status == SENStatus.NONE


def _sen(code: str) -> Test:
    return lambda pupil, area: pupil.sen_status == code


def _area(code: str) -> Test:
    return lambda pupil, area: pupil.sen_status != SENStatus.NONE and area == code


def _year(code: str) -> Test:
    return lambda pupil, area: pupil.nc_year == code


def _not_year(code: str) -> Test:
    return lambda pupil, area: pupil.nc_year != code


def pupil_groups(nc_years: Iterable[str]) -> list[PupilGroup]:
    """Every group, in the order pages show them; year groups for the years given."""
    groups = [
        PupilGroup(
            CATEGORY_SEN,
            "sen-K",
            "SEN support",
            WITHOUT_SEN,
            _sen("K"),
            _no_sen,
            "Pupils on SEN support",
        ),
        PupilGroup(
            CATEGORY_SEN,
            "sen-E",
            "EHC plan",
            WITHOUT_SEN,
            _sen("E"),
            _no_sen,
            "Pupils with an EHC plan",
        ),
    ]
    groups += [
        PupilGroup(
            CATEGORY_AREA,
            f"area-{code}",
            label,
            WITHOUT_SEN,
            _area(code),
            _no_sen,
            f"Pupils whose primary need is {label[0].lower()}{label[1:]}"
            if code != Area.UNCLASSIFIED
            else "Pupils with SEN of another or unassessed type",
        )
        for code, label in Area.choices
    ]
    groups += [
        PupilGroup(
            CATEGORY_DISADVANTAGED,
            "pp",
            "Disadvantaged (pupil premium)",
            OTHER_PUPILS,
            lambda pupil, area: pupil.pupil_premium,
            lambda pupil, area: not pupil.pupil_premium,
            "Disadvantaged pupils",
        ),
        PupilGroup(
            CATEGORY_EAL,
            "eal",
            "English as an additional language",
            OTHER_PUPILS,
            lambda pupil, area: pupil.eal,
            lambda pupil, area: not pupil.eal,
            "Pupils learning English as an additional language",
        ),
        PupilGroup(
            CATEGORY_SEX,
            "sex-M",
            "Boys",
            "girls",
            lambda pupil, area: pupil.sex == Sex.MALE,
            lambda pupil, area: pupil.sex == Sex.FEMALE,
        ),
    ]
    years = sorted(set(nc_years), key=lambda code: NC_YEAR_ORDER.get(code, 99))
    groups += [
        PupilGroup(
            CATEGORY_YEAR,
            f"year-{code}",
            NCYear(code).label,
            "pupils of other years",
            _year(code),
            _not_year(code),
            f"{NCYear(code).label} pupils",
        )
        for code in years
        if code in NCYear.values
    ]
    return groups


def by_category(items: Sequence, group_of: Callable = lambda item: item.group) -> list:
    """(category, items) in the order the items come, one entry a category."""
    ordered: dict[str, list] = {}
    for item in items:
        ordered.setdefault(group_of(item).category, []).append(item)
    return list(ordered.items())


# --- One provision: its pupils, its results by group ----------------------------------------


class AtRun:
    """A pupil as they were when their run started: their SEN status and year group then
    (everything else as now), so a group breakdown counts a pupil where they were."""

    def __init__(self, pupil: Pupil, *, sen_status: str, nc_year: str) -> None:
        self._pupil = pupil
        self.sen_status = sen_status
        self.nc_year = nc_year

    def __getattr__(self, name: str) -> object:
        return getattr(self._pupil, name)


def year_then(nc_year: str, years_ago: int) -> str:
    """A year group `years_ago` school years back (Year 8 a year ago was Year 7)."""
    order = NCYear.values
    if nc_year not in order or years_ago <= 0:
        return nc_year
    return order[max(order.index(nc_year) - years_ago, 0)]


def _school_year_of(day: dt.date) -> int:
    """The calendar year a school year starts in (September)."""
    return day.year if day.month >= 9 else day.year - 1


@dataclass(frozen=True, slots=True)
class Participant:
    """A pupil with entry and exit results in one of the provision's runs; `then` is the
    pupil as they were when the run started (status and year)."""

    pupil: Pupil
    area: str
    run: ProvisionRun
    placement: Placed
    progress: PupilProgress
    then: object = None

    @property
    def as_at_run(self) -> object:
        return self.then if self.then is not None else self.pupil


def participants(impact: ProvisionImpact, *, as_of: dt.date | None = None) -> list[Participant]:
    """The pupils behind a provision's figures, in run order and by name within a run, each
    with their SEN status and year group when their run started (three queries: the pupils,
    their needs and their SEN status history)."""
    as_of = as_of or dt.date.today()
    pupil_ids = {placement.pupil_id for run in impact.runs for placement in run.scored}
    pupils = _pupils(impact.provision.school_id, pupil_ids)
    areas = primary_areas(impact.provision.school_id, list(pupils)) if pupils else {}
    history: dict[int, list[tuple[dt.date, dt.date | None, str]]] = defaultdict(list)
    if pupil_ids:
        for pupil_id, status, start, end in SENStatusPeriod.objects.filter(
            pupil_id__in=pupil_ids
        ).values_list("pupil_id", "status", "start_date", "end_date"):
            history[pupil_id].append((start, end, status))
    now = _school_year_of(as_of)
    found: list[Participant] = []
    for run in impact.runs:
        day = run.run.start_date
        rows = []
        for placement, progress in zip(run.scored, run.progress, strict=True):
            pupil = pupils[placement.pupil_id]
            status = next(
                (
                    code
                    for start, end, code in history[pupil.pk]
                    if start <= day and (end is None or end >= day)
                ),
                pupil.sen_status,
            )
            then = AtRun(
                pupil,
                sen_status=status,
                nc_year=year_then(pupil.nc_year, now - _school_year_of(day)),
            )
            area = areas.get(pupil.pk, "")
            rows.append(Participant(pupil, area, run.run, placement, progress, then))
        rows.sort(key=lambda row: (row.pupil.surname, row.pupil.forename, row.pupil.pk))
        found.extend(rows)
    return found


@dataclass(frozen=True)
class GroupImpact:
    """A provision's figures for the pupils of one group who took part."""

    group: PupilGroup
    n: int
    mean_gain: float | None
    raw: EffectSize | None
    adjusted: AdjustedEffect | None

    @property
    def effect(self) -> EffectSize | None:
        """Only against the comparison group: a group's own gains are described, not judged."""
        return self.adjusted.effect if self.adjusted is not None else None

    @property
    def basis(self) -> str | None:
        return "adjusted" if self.effect is not None else None

    @property
    def months_range(self) -> tuple[int, int] | None:
        return self.adjusted.months_range if self.adjusted is not None else None


IN_GROUP, REST = "in group", "rest of provision"


def impact_by_group(
    impact: ProvisionImpact, found: Sequence[Participant]
) -> list[tuple[str, list[GroupImpact]]]:
    """The provision's figures for each group with anyone in it (by the pupils' status and
    year when their run started): the mean gain and, with at least MIN_PUPILS in the group,
    its effect in the measure's model, the provision split into the group's pupils and the
    rest (each with its own indicator, every other provision and the comparison as before)."""
    measure = impact.measure
    higher = measure.higher_is_better if measure else True
    known_sd = STANDARDISED_SD if measure and measure.scale == Measure.Scale.STANDARDISED else None
    sd = impact.adjusted.effect.sd if impact.adjusted.effect else known_sd
    key = impact.provision.pk
    years = {getattr(row.as_at_run, "nc_year", "") for row in found}
    rows: list[GroupImpact] = []
    for group in pupil_groups(years):
        members = [row for row in found if group.member(row.as_at_run, row.area)]  # type: ignore[arg-type]
        if not members:
            continue
        pairs = [(row.progress.baseline, row.progress.exit) for row in members]
        raw = paired_effect_size(
            [pair[0] for pair in pairs],
            [pair[1] for pair in pairs],
            higher_is_better=higher,
            known_sd=sd,
        )
        adjusted = None
        if len(members) >= MIN_PUPILS and impact.adjusted.n_comparison and impact.spells:
            inside = {row.pupil.pk for row in members}
            spells = [
                dataclasses.replace(
                    spell,
                    provisions=frozenset(
                        (IN_GROUP if spell.pupil in inside else REST) if item == key else item
                        for item in spell.provisions
                    ),
                )
                for spell in impact.spells
            ]
            model = fit_measure(spells, higher_is_better=higher, known_sd=known_sd)
            adjusted = adjusted_of(model.estimates.get(IN_GROUP), model.n_comparison)
        rows.append(
            GroupImpact(
                group=group,
                n=len(members),
                mean_gain=statistics.fmean(row.progress.gain for row in members),
                raw=raw,
                adjusted=adjusted,
            )
        )
    return by_category(rows)


# --- Wider outcomes ---------------------------------------------------------------------------


@dataclass(frozen=True)
class WiderOutcome:
    """One measure before and after a provision's placements, for the pupils who took part
    and, over the same dates, for pupils who did not. Changes are in the better direction."""

    kind: str
    measure: Measure
    n: int
    before: float | None
    after: float | None
    effect: EffectSize | None
    others_n: int
    others_before: float | None
    others_after: float | None

    def _change(self, before: float | None, after: float | None) -> float | None:
        if before is None or after is None:
            return None
        change = after - before
        return change if self.measure.higher_is_better else -change

    @property
    def change(self) -> float | None:
        return self._change(self.before, self.after)

    @property
    def others_change(self) -> float | None:
        return self._change(self.others_before, self.others_after)

    @property
    def difference(self) -> float | None:
        """How much more the pupils who took part improved than the others."""
        if self.change is None or self.others_change is None:
            return None
        return self.change - self.others_change

    @property
    def label(self) -> str:
        return WIDER_KINDS[self.kind]


Dated = tuple[dt.date, float]


def _last_between(rows: list[Dated], start: dt.date, end: dt.date) -> float | None:
    found = [value for day, value in rows if start <= day <= end]
    return found[-1] if found else None


def _mean(values: Sequence[float]) -> float | None:
    return statistics.fmean(values) if values else None


def wider_outcomes(
    school: School, impact: ProvisionImpact, *, as_of: dt.date
) -> list[WiderOutcome]:
    """Attendance, behaviour and attainment before and after the provision's placements
    that have ended (three queries, whatever the number of pupils or measures).

    Before: a pupil's last result in the WIDER_WINDOW up to the day they started; after: their
    last result in the WIDER_WINDOW from the day they finished, the furthest on (so that it
    tells whether the change lasted, and is not the same day's exit test of another group).
    A pupil placed more than once counts from their first start to their last end. Pupils
    who never took part in the provision are read over the same windows around the middle
    start and end dates. The provision's own measure is left out: its figures are above."""
    spans: dict[int, tuple[dt.date, dt.date]] = {}
    for run in impact.runs:
        if run.costed is None:
            continue
        for placement in run.costed.placements:
            end = placement.end_date or run.run.end_date
            if placement.status == Placement.Status.PLANNED or end > as_of:
                continue
            start = placement.start_date
            known = spans.get(placement.pupil_id)
            spans[placement.pupil_id] = (
                (min(known[0], start), max(known[1], end)) if known else (start, end)
            )
    if not spans:
        return []
    measures = [
        measure
        for measure in Measure.objects.filter(school=school).order_by("name")
        if wider_kind(measure) and measure.pk != impact.provision.measure_id
    ]
    if not measures:
        return []
    starts = sorted(span[0] for span in spans.values())
    ends = sorted(span[1] for span in spans.values())
    middle = (starts[len(starts) // 2], ends[len(ends) // 2])
    rows = (
        current_results(school)
        .filter(
            measure__in=measures,
            date__gte=min(starts[0], middle[0]) - WIDER_WINDOW,
            date__lte=max(ends[-1], middle[1]) + WIDER_WINDOW,
        )
        .order_by("measure_id", "pupil_id", "date", "pk")
    )
    results: dict[int, dict[int, list[Dated]]] = defaultdict(lambda: defaultdict(list))
    for measure_id, pupil_id, day, value in rows.values_list(
        "measure_id", "pupil_id", "date", "value"
    ):
        results[measure_id][pupil_id].append((day, float(value)))
    ever = set(
        Placement.objects.filter(school=school, run__provision=impact.provision).values_list(
            "pupil_id", flat=True
        )
    )

    outcomes = []
    # Keyed by wider_kind(), which is never None here: measures without a kind were left out.
    order: dict[str | None, int] = {ATTENDANCE: 0, BEHAVIOUR: 1, ATTAINMENT: 2}
    for measure in sorted(measures, key=lambda item: (order[wider_kind(item)], item.name)):
        kind = wider_kind(measure)
        assert kind is not None
        by_pupil = results.get(measure.pk, {})
        pairs = []
        for pupil_id, (start, end) in spans.items():
            rows_of = by_pupil.get(pupil_id, [])
            before = _last_between(rows_of, start - WIDER_WINDOW, start)
            after = _last_between(rows_of, end, end + WIDER_WINDOW)
            if before is not None and after is not None:
                pairs.append((before, after))
        others = []
        for pupil_id, rows_of in by_pupil.items():
            if pupil_id in ever:
                continue
            before = _last_between(rows_of, middle[0] - WIDER_WINDOW, middle[0])
            after = _last_between(rows_of, middle[1], middle[1] + WIDER_WINDOW)
            if before is not None and after is not None:
                others.append((before, after))
        if not pairs:
            continue
        known_sd = STANDARDISED_SD if measure.scale == Measure.Scale.STANDARDISED else None
        outcomes.append(
            WiderOutcome(
                kind=kind,
                measure=measure,
                n=len(pairs),
                before=_mean([pair[0] for pair in pairs]),
                after=_mean([pair[1] for pair in pairs]),
                effect=paired_effect_size(
                    [pair[0] for pair in pairs],
                    [pair[1] for pair in pairs],
                    higher_is_better=measure.higher_is_better,
                    known_sd=known_sd,
                ),
                others_n=len(others),
                others_before=_mean([pair[0] for pair in others]),
                others_after=_mean([pair[1] for pair in others]),
            )
        )
    return outcomes


# --- Gaps between groups over terms -----------------------------------------------------------


def term_label(term: Term) -> str:
    """A short label for a chart's axis: 'Aut 25'."""
    return f"{term.name[:3]} {term.start_date:%y}"


def term_name(term: Term) -> str:
    return f"{term.name} {term.academic_year.name}"


@dataclass(frozen=True)
class GroupGap:
    group: PupilGroup
    # Group members and peers with a result in at least one of the terms.
    n: int
    n_peers: int
    terms: list[TermGap]
    direction: str | None
    sentence: str

    @property
    def shown(self) -> bool:
        return any(row.gap is not None for row in self.terms)


@dataclass
class GapsReport:
    measures: list[Measure]
    measure: Measure | None
    terms: list[Term]
    groups: list[GroupGap]
    sd: float | None
    unit: str
    # Pupils with a result in at least one of the terms (every group is a part of them).
    n_pupils: int = 0

    @property
    def term_labels(self) -> list[str]:
        return [term_label(term) for term in self.terms]

    @property
    def categories(self) -> list[tuple[str, list[GroupGap]]]:
        return by_category(self.groups)


def cohort_measures(school: School, start: dt.date, end: dt.date) -> list[Measure]:
    """Measures the whole cohort sits: results from at least half the school's pupils
    between `start` and `end` (two queries). Attendance first, then by name."""
    roll = Pupil.objects.filter(school=school, archived_at__isnull=True).count()
    measures = Measure.objects.filter(school=school).annotate(
        pupils=Count(
            "results__pupil",
            distinct=True,
            filter=Q(results__date__gte=start, results__date__lte=end),
        )
    )
    chosen = [m for m in measures if roll and m.pupils >= max(MIN_GROUP, roll / 2)]
    return sorted(chosen, key=lambda m: (wider_kind(m) != ATTENDANCE, m.name))


def group_gaps_report(
    school: School,
    *,
    as_of: dt.date,
    measure_id: int | None = None,
    nc_years: frozenset[str] | None = None,
) -> GapsReport:
    """Each group's mean and its peers' on one cohort measure in each of the last GAP_TERMS
    terms begun by `as_of` (a pupil's last result in the term), the gap between them, and
    whether it is narrowing. `nc_years` keeps to pupils of those years (a head of year's).
    Means of fewer than MIN_GROUP pupils are left out. A fixed number of queries."""
    terms = list(
        Term.objects.filter(school=school, start_date__lte=as_of)
        .select_related("academic_year")
        .order_by("start_date")
    )[-GAP_TERMS:]
    if not terms:
        return GapsReport([], None, [], [], None, wording.UNIT_POINTS)
    start, end = terms[0].start_date, min(terms[-1].end_date, as_of)
    measures = cohort_measures(school, start, end)
    measure = next((m for m in measures if m.pk == measure_id), None)
    if measure is None:
        measure = next((m for m in measures if wider_kind(m) == ATTAINMENT), None) or (
            measures[0] if measures else None
        )
    unit = wording.unit_of(measure.scale) if measure else wording.UNIT_POINTS
    if measure is None:
        return GapsReport(measures, None, terms, [], None, unit)

    roll = Pupil.objects.filter(school=school, archived_at__isnull=True)
    if nc_years is not None:
        roll = roll.filter(nc_year__in=sorted(nc_years))
    pupils = list(roll)
    by_id = {pupil.pk: pupil for pupil in pupils}
    found = primary_areas(school.pk, roll.values("pk"))
    areas = {pupil.pk: found.get(pupil.pk, "") for pupil in pupils}
    rows = (
        current_results(school)
        .filter(
            measure=measure,
            date__gte=start,
            date__lte=end,
        )
        .order_by("pupil_id", "date", "pk")
        .values_list("pupil_id", "date", "value")
    )
    # pupil id -> term index -> the last result in that term
    scores: dict[int, dict[int, float]] = defaultdict(dict)
    values = []
    for pupil_id, day, value in rows:
        if pupil_id not in by_id:
            continue
        values.append(float(value))
        for index, term in enumerate(terms):
            if term.start_date <= day <= term.end_date:
                scores[pupil_id][index] = float(value)
    sd = STANDARDISED_SD if measure.scale == Measure.Scale.STANDARDISED else cohort_sd(values)

    groups = []
    for group in pupil_groups({pupil.nc_year for pupil in pupils}):
        members = [pid for pid in scores if group.member(by_id[pid], areas[pid])]
        peers = [pid for pid in scores if group.peer(by_id[pid], areas[pid])]
        if not members:
            continue
        term_scores = []
        for index, term in enumerate(terms):
            mine = [scores[pid][index] for pid in members if index in scores[pid]]
            theirs = [scores[pid][index] for pid in peers if index in scores[pid]]
            if len(mine) < MIN_GROUP or len(theirs) < MIN_GROUP:
                mine, theirs = [], []
            term_scores.append(TermScores(term_name(term), mine, theirs))
        trend = group_gaps(term_scores, higher_is_better=measure.higher_is_better)
        direction = gap_direction(trend, sd=sd)
        known = [(row.term, row.gap) for row in trend.terms if row.gap is not None]
        sentence = ""
        if known:
            sentence = wording.gap_sentence(
                group=group.subject,
                peers=group.peers,
                first=known[0],
                last=known[-1],
                direction=direction or wording.GAP_UNKNOWN,
                unit=unit,
            )
        groups.append(GroupGap(group, len(members), len(peers), trend.terms, direction, sentence))
    return GapsReport(measures, measure, terms, groups, sd, unit, n_pupils=len(scores))


# --- Who is not progressing -------------------------------------------------------------------

TRAIT_YEAR = "Year group"
TRAIT_FLAG = "Also"
TRAIT_PROVISION = "Took part in"
# Flags compared besides disadvantage and EAL (which have their own traits).
COMPARED_FLAGS = [
    (name, label)
    for name, label in VULNERABLE_GROUP_FLAGS
    if name not in ("pupil_premium", "fsm", "ever6_fsm", "eal")
]


def net_progress(outcomes: Sequence[PlacementOutcome]) -> int:
    """Placements that brought progress minus those that did not: below zero means weak or
    no progress in most of the pupil's provision."""
    done = sum(item.progressed for item in outcomes)
    return done - (len(outcomes) - done)


def progressed(progress: PupilProgress) -> bool:
    """Did one placement bring progress? Its success criterion met where it has one, else a
    gain of at least WEAK_PROGRESS SDs (or any gain, where no SD can be told)."""
    if progress.met_criterion is not None:
        return progress.met_criterion
    if progress.standardised_change is not None:
        return progress.standardised_change >= WEAK_PROGRESS
    return progress.gain > 0


@dataclass(frozen=True, slots=True)
class PlacementOutcome:
    provision: Provision
    run: ProvisionRun
    progress: PupilProgress
    progressed: bool


@dataclass(slots=True)
class PupilOutcome:
    pupil: Pupil
    attendance: float | None
    provisions: list[str]
    placements: list[PlacementOutcome]
    record: PupilRecord

    @property
    def progressing(self) -> bool:
        """Progress in at least half of their provision."""
        return net_progress(self.placements) >= 0


@dataclass
class NotProgressing:
    report: NotProgressingReport
    pupils: list[PupilOutcome]

    @property
    def stuck(self) -> list[PupilOutcome]:
        return [item for item in self.pupils if not item.progressing]


# The labels of each choice, looked up once (a choice class builds its lists on every use).
_YEAR_LABELS = dict(NCYear.choices)
_AREA_LABELS = dict(Area.choices)
_SEN_LABELS = dict(SENStatus.choices)
_SEX_LABELS = dict(Sex.choices)


def _record(
    pupil: Pupil, area: str, attendance: float | None, provisions: list[str], net: int
) -> PupilRecord:
    """The pupil's traits and net progress (`area`: of their primary need, counted only for
    pupils on the SEN register)."""
    area = area if pupil.sen_status != SENStatus.NONE else ""
    extra = [(TRAIT_YEAR, _YEAR_LABELS.get(pupil.nc_year, ""))]
    extra += [(TRAIT_FLAG, label) for name, label in COMPARED_FLAGS if getattr(pupil, name)]
    extra += [(TRAIT_PROVISION, name) for name in provisions]
    return PupilRecord(
        gain=float(net),
        need_area=_AREA_LABELS[area] if area else "",
        sen_status=_SEN_LABELS[pupil.sen_status],
        disadvantaged=pupil.pupil_premium,
        eal=pupil.eal,
        sex=_SEX_LABELS.get(pupil.sex, ""),
        attendance_band=attendance_band(attendance),
        provisions=len(provisions),
        extra=tuple(extra),
    )


def not_progressing(
    school: School,
    *,
    academic_year: AcademicYear | None,
    as_of: dt.date,
    nc_years: frozenset[str] | None = None,
    impacts: list[ProvisionImpact] | None = None,
) -> NotProgressing:
    """Every pupil with entry and exit results in the year's provision (or every year's),
    whether they progressed in at least half of it, and the traits over-represented among
    those who did not. `nc_years` keeps to pupils of those years. A fixed number of queries."""
    if impacts is None:
        impacts = provision_impacts(school, academic_year=academic_year, as_of=as_of)
    provisions_of: dict[int, list[str]] = defaultdict(list)
    outcomes_of: dict[int, list[PlacementOutcome]] = defaultdict(list)
    for impact in impacts:
        for run in impact.runs:
            if run.costed is None:
                continue
            for placement in run.costed.placements:
                # Archived leavers are in no analysis (and have no progress scored).
                if placement.archived:
                    continue
                names = provisions_of[placement.pupil_id]
                if impact.provision.name not in names:
                    names.append(impact.provision.name)
            for placement, progress in zip(run.scored, run.progress, strict=True):
                outcomes_of[placement.pupil_id].append(
                    PlacementOutcome(impact.provision, run.run, progress, progressed(progress))
                )
    placed = _pupils(school.pk, outcomes_of)
    if nc_years is not None:
        placed = {pk: pupil for pk, pupil in placed.items() if pupil.nc_year in nc_years}
    outcomes_of = {pk: outcomes for pk, outcomes in outcomes_of.items() if pk in placed}
    areas = primary_areas(school.pk, list(placed)) if placed else {}
    attendance = _latest_attendance(school, list(outcomes_of), academic_year, as_of)
    assessed = []
    for pupil_id, outcomes in outcomes_of.items():
        pupil = placed[pupil_id]
        names = sorted(provisions_of[pupil_id])
        assessed.append(
            PupilOutcome(
                pupil=pupil,
                attendance=attendance.get(pupil_id),
                provisions=names,
                placements=outcomes,
                record=_record(
                    pupil,
                    areas.get(pupil_id, ""),
                    attendance.get(pupil_id),
                    names,
                    net_progress(outcomes),
                ),
            )
        )
    assessed.sort(key=lambda item: (item.pupil.surname, item.pupil.forename, item.pupil.pk))
    # Net progress is a whole number: -1 or less is progress in fewer than half.
    report = who_is_not_progressing([item.record for item in assessed], weak_gain=-1)
    return NotProgressing(report, assessed)


def _latest_attendance(
    school: School, pupil_ids: list[int], academic_year: AcademicYear | None, as_of: dt.date
) -> dict[int, float]:
    """Each pupil's latest attendance in the year (or ever) up to `as_of` (two queries)."""
    if not pupil_ids:
        return {}
    measures = [m for m in Measure.objects.filter(school=school) if wider_kind(m) == ATTENDANCE]
    if not measures:
        return {}
    rows = Result.objects.filter(
        school=school, measure=measures[0], pupil_id__in=pupil_ids, date__lte=as_of
    )
    if academic_year is not None:
        rows = rows.filter(date__gte=academic_year.start_date, date__lte=academic_year.end_date)
    latest: dict[int, float] = {}
    for pupil_id, value in rows.order_by("date", "pk").values_list("pupil_id", "value"):
        latest[pupil_id] = float(value)
    return latest

"""What the gaps and training pages show, built from the reads (`gap_reads`) and the pure
rules (`gaps`, `training`): rows with the pupils, runs and kinds they name."""

from __future__ import annotations

from dataclasses import dataclass, field

from provmap.planning import charts, gaps, training
from provmap.planning.gap_reads import (
    AREA_NAMES,
    YEAR_NAMES,
    YEAR_ORDER,
    GapData,
    need_areas,
    staff_of,
)
from provmap.provision.models import ProvisionRun
from provmap.pupils.models import Pupil
from provmap.pupils.needs import NeedType

NEED_NAMES = dict(NeedType.choices)
STATES = ("unmet", "met", "covered", "all")


def year_name(code: str) -> str:
    return YEAR_NAMES.get(code, code or "No year group")


@dataclass
class TotalsRow:
    year: str
    name: str
    cells: list[tuple[str, str, gaps.Total]]
    total: gaps.Total


@dataclass
class ExcessRow:
    pupil: Pupil
    run: ProvisionRun
    need: str
    reason: str


@dataclass
class DuplicateRow:
    pupil: Pupil
    runs: list[ProvisionRun]
    why: str


@dataclass
class AreaRow:
    row: gaps.AreaProvision
    kind_or_area: str
    catalogue: list[str]
    planned: list[str]


@dataclass
class GapsPage:
    data: GapData
    by: str
    totals: gaps.Totals
    rows: list[TotalsRow]
    chart: charts.Svg | None
    excess: list[ExcessRow]
    not_audited: int
    duplicates: list[DuplicateRow]
    areas: list[AreaRow]
    unmet_counts: dict[str, int] = field(default_factory=dict)

    @property
    def pupils_shown(self) -> list[Pupil]:
        seen: dict[int, Pupil] = {}
        for pupil in [row.pupil for row in self.excess] + [row.pupil for row in self.duplicates]:
            seen.setdefault(pupil.pk, pupil)
        return list(seen.values())


def _why_duplicate(item: gaps.Duplication, data: GapData) -> str:
    reasons = []
    if item.kinds:
        names = ", ".join(data.kinds[pk].name for pk in item.kinds if pk in data.kinds)
        reasons.append(f"all meet {names}")
    if item.need_types:
        names = ", ".join(NEED_NAMES.get(code, code) for code in item.need_types)
        reasons.append(f"all address {names}")
    if item.same_entry:
        reasons.append("the same provision")
    text = "; ".join(reasons)
    return text[:1].upper() + text[1:]


def gaps_page(data: GapData, *, by: str) -> GapsPage:
    """The gaps page's tables: totals by year group and area (or kind), the chart of unmet
    must and should by year group, over-provision, duplication, areas with no provision."""
    world = data.world
    table = gaps.totals(world, by=by, area_names=AREA_NAMES, year_order=YEAR_ORDER)
    rows = [
        TotalsRow(
            year,
            year_name(year),
            [(key, name, table.cell(year, key)) for key, name in table.columns],
            table.by_year[year],
        )
        for year in table.years
    ]
    chart = None
    if rows:
        chart = charts.unmet_bars(
            [
                (row.name, row.total.count("unmet", gaps.MUST), row.total.count("unmet", "should"))
                for row in rows
            ],
            label="Pupils with a must or should need unmet, by year group",
        )
    excess = []
    not_audited = 0
    for item in gaps.over_provision(world):
        if item.reason == gaps.NOT_AUDITED:
            not_audited += 1
            continue
        place = item.place
        excess.append(
            ExcessRow(
                data.pupils[place.pupil],
                data.runs[place.run],
                NEED_NAMES.get(place.need_type, ""),
                "Meets none of the needs the audit records for this pupil",
            )
        )
    duplicates = [
        DuplicateRow(
            data.pupils[item.pupil],
            [data.runs[pk] for pk in item.runs],
            _why_duplicate(item, data),
        )
        for item in gaps.duplications(world)
    ]
    areas = [
        AreaRow(
            row,
            "Kind of provision" if row.scope == gaps.KIND else "Broad area",
            [data.provisions[pk].name for pk in row.catalogue if pk in data.provisions],
            [data.provisions[pk].name for pk in row.planned if pk in data.provisions],
        )
        for row in gaps.areas_without_provision(world, AREA_NAMES)
    ]
    unmet_counts = {level: table.overall.count("unmet", level) for level in gaps.LEVELS}
    return GapsPage(
        data, by, table, rows, chart, excess, not_audited, duplicates, areas, unmet_counts
    )


@dataclass
class NeedRow:
    pupil: Pupil
    kind: str
    area: str
    level: str
    runs: list[ProvisionRun]


def need_rows(data: GapData, *, by: str, column: str, level: str, state: str) -> list[NeedRow]:
    """The needs behind a figure of the totals: of a kind or area (`column`, '' any), a
    level ('' any), met, unmet, covered (the needs of pupils all of whose needs there are
    met) or all; must first, then by pupil."""
    chosen = [
        need
        for need in gaps.needs(data.world)
        if not column or gaps.column_of(data.world.kind_map[need.kind], by) == column
    ]
    uncovered = {need.pupil for need in chosen if not need.met}
    found = []
    for need in chosen:
        kind = data.world.kind_map[need.kind]
        if level and need.level != level:
            continue
        if (
            (state == "met" and not need.met)
            or (state == "unmet" and need.met)
            or (state == "covered" and need.pupil in uncovered)
        ):
            continue
        found.append(
            NeedRow(
                data.pupils[need.pupil],
                kind.name,
                AREA_NAMES.get(kind.area, ""),
                need.level,
                [data.runs[place.run] for place in need.meeting],
            )
        )
    found.sort(
        key=lambda row: (
            gaps.LEVEL_RANK.get(row.level, 9),
            row.pupil.surname,
            row.pupil.legal_forename,
            row.pupil.pk,
        )
    )
    return found


def column_name(data: GapData, by: str, column: str) -> str:
    if not column:
        return ""
    if by == gaps.KIND:
        kind = data.kinds.get(int(column)) if column.isdigit() else None
        return kind.name if kind is not None else ""
    if column == gaps.NO_AREA:
        return "No area"
    return AREA_NAMES.get(column, "")


@dataclass
class TrainingPage:
    data: GapData
    findings: list[training.Finding]

    @property
    def lacking(self) -> list[training.Finding]:
        return [item for item in self.findings if item.lacking]


def training_page(data: GapData) -> TrainingPage:
    return TrainingPage(
        data,
        training.findings(need_areas(data), staff_of(data), AREA_NAMES),
    )

"""The provision map as a spreadsheet: the whole map, a school year, a year group, one group or
one pupil, as XLSX or CSV.

One tidy sheet, a row per pupil per group (and a row for a group with no pupils yet), every
value in its own column and typed (dates as dates, money as numbers), ready for filters and
pivot tables. The XLSX makes it an Excel table with filters, colours the RAGB ratings with
conditional formats, and adds a "Totals" sheet (by provision, year group, area of need and
funding stream). Its headings are the ones the map import reads, so an exported map imports
back unchanged.

Every text cell goes through interchange.safety.neutralise in both writers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, BinaryIO, SupportsFloat, TextIO, cast

import xlsxwriter
from django.utils import timezone
from xlsxwriter.utility import xl_range

from provmap.interchange import xlsx_rows
from provmap.interchange.mapsheet import EXTRA_HEADINGS, MAP_HEADINGS, StaffLine, format_staff_line
from provmap.interchange.safety import neutralise
from provmap.interchange.xlsx_rows import InlineColumn, InlineRows
from provmap.memory import fewer_collections
from provmap.provision.models import GeneralResource, Placement, ProvisionRun
from provmap.provision.selectors import (
    NOT_ASSIGNED,
    CostedRun,
    MapFilters,
    MapOptions,
    MapSlice,
    Visibility,
    WholeSchool,
    map_slice,
    slice_run_ids,
    slice_run_sizes,
)
from provmap.provision.selectors.costed import current_needs, general_costs, role_rates
from provmap.pupils.models import NC_YEAR_ORDER, NCYear, Pupil, SENStatus
from provmap.pupils.needs import Area
from provmap.schools.models import AcademicYear, School, Term

TEXT, DATE, INT, NUMBER, MONEY, RATE = "text", "date", "int", "number", "money", "rate"
# A year group: a number (7, 11) where it is one, else its code ("R", "N1").
YEAR = "year"


def year_value(code: str) -> int | str:
    """A year group as a spreadsheet wants it: 7 as the number 7; Reception as "R"."""
    return int(code) if code.isdigit() else code


# (key, kind) in the order of the sheet; headings from interchange.mapsheet.
EXPORT_COLUMNS: list[tuple[str, str]] = [
    ("academic_year", TEXT),
    ("term", TEXT),
    ("provision", TEXT),
    ("wave", INT),
    ("provision_type", TEXT),
    ("areas", TEXT),
    ("group", TEXT),
    ("group_ref", INT),
    ("group_start", DATE),
    ("group_end", DATE),
    ("group_status", TEXT),
    ("day_time", TEXT),
    ("withdrawn_from", TEXT),
    ("funding", TEXT),
    ("lead_staff", TEXT),
    ("reviewing_staff", TEXT),
    ("staff_lines", TEXT),
    ("ratio", TEXT),
    ("sessions_per_week", NUMBER),
    ("minutes_per_session", INT),
    ("minutes_per_week", NUMBER),
    ("weeks", NUMBER),
    ("cost_per_minute", RATE),
    ("total_cost", MONEY),
    ("pupil_cost", MONEY),
    ("group_notes", TEXT),
    ("upn", TEXT),
    ("pupil", TEXT),
    ("year_group", YEAR),
    ("form", TEXT),
    ("sex", TEXT),
    ("sen_status", TEXT),
    ("primary_need", TEXT),
    ("pupil_premium", TEXT),
    ("fsm", TEXT),
    ("eal", TEXT),
    ("looked_after", TEXT),
    ("start_date", DATE),
    ("exit_date", DATE),
    ("status", TEXT),
    ("priority", TEXT),
    ("need", TEXT),
    ("area", TEXT),
    ("measure", TEXT),
    ("baseline", NUMBER),
    ("baseline_date", DATE),
    ("midpoint", NUMBER),
    ("midpoint_date", DATE),
    ("exit", NUMBER),
    ("exit_score_date", DATE),
    ("gain", NUMBER),
    ("rating", TEXT),
    ("notes", TEXT),
]
# Columns about money: left out for users without the finance right (PupilScope.finance).
COST_COLUMNS = frozenset({"cost_per_minute", "total_cost", "pupil_cost"})
HEADINGS = {**MAP_HEADINGS, **EXTRA_HEADINGS}
RATING_WORDS = {code: label.split(":")[0] for code, label in Placement.Rating.choices}
AREA_LABELS = dict(Area.choices)
# Labels looked up once per value rather than by get_FOO_display() for each of many thousand
# rows (it hashes the field's choices every time).
SEN_STATUS_LABELS = {code: str(label) for code, label in SENStatus.choices}
PLACEMENT_STATUS_LABELS = {code: str(label) for code, label in Placement.Status.choices}
PRIORITY_LABELS = {code: str(label) for code, label in Placement.Priority.choices}
RAGB_COLOURS = {
    "Red": ("#FFC7CE", "#9C0006"),
    "Amber": ("#FFEB9C", "#9C5700"),
    "Green": ("#C6EFCE", "#006100"),
    "Blue": ("#BDD7EE", "#1F4E78"),
}


@dataclass
class _Totals:
    """One line of the totals sheet as it is added up."""

    groups: int = 0
    pupils: set[object] = field(default_factory=set)
    cost: Decimal = Decimal(0)


class TotalsBuilder:
    """The totals sheet added up run by run and row by row, so that an export read in chunks
    needs only its totals (and each pupil's UPN once) in memory, never its rows."""

    def __init__(self) -> None:
        self.runs = 0
        self.group_cost = Decimal(0)
        self.pupil_cost = Decimal(0)
        self.placements = 0
        self.upns: set[object] = set()
        self.by_provision: dict[str, _Totals] = {}
        self.by_year: dict[str, _Totals] = {}
        self.by_area: dict[str, Decimal] = defaultdict(Decimal)
        self.by_stream: dict[str, Decimal] = {}

    def add_run(self, item: CostedRun) -> None:
        self.runs += 1
        self.group_cost += item.cost
        entry = self.by_provision.setdefault(item.run.provision.name, _Totals())
        entry.groups += 1
        entry.cost += item.cost
        stream = item.run.funding_stream.name if item.run.funding_stream else NOT_ASSIGNED
        self.by_stream[stream] = self.by_stream.get(stream, Decimal(0)) + item.cost

    def add_row(self, row: dict[str, object]) -> None:
        # A pupil's share: a Decimal (_placement_columns).
        share = cast("Decimal | None", row.get("pupil_cost"))
        if share is not None:
            self.pupil_cost += Decimal(share)
        if not row.get("upn"):
            return
        self.placements += 1
        self.upns.add(row["upn"])
        self.by_provision[str(row["provision"])].pupils.add(row["upn"])
        entry = self.by_year.setdefault(str(row["year_group"]), _Totals())
        entry.pupils.add(row["upn"])
        entry.cost += Decimal(share or 0)
        self.by_area[str(row["area"])] += Decimal(share or 0)

    def sections(
        self,
        title: str,
        general: list[tuple[GeneralResource, Decimal]],
        *,
        finance: bool,
    ) -> list[tuple[str, list[str], list[list[object]]]]:
        """Sections of the totals sheet: (title, headings, rows)."""
        by_stream = dict(self.by_stream)
        for resource, cost in general:
            name = resource.funding_stream.name if resource.funding_stream else NOT_ASSIGNED
            by_stream[name] = by_stream.get(name, Decimal(0)) + cost
        by_year = sorted(self.by_year.items(), key=lambda pair: NC_YEAR_ORDER.get(pair[0], 99))
        summary: list[list[object]] = [
            ["Groups", self.runs],
            ["Pupils", len(self.upns)],
            ["Placements", self.placements],
        ]
        if not finance:
            return [
                (title, ["", ""], summary),
                (
                    "By provision",
                    ["Provision", "Groups", "Pupils"],
                    [
                        [name, totals.groups, len(totals.pupils)]
                        for name, totals in self.by_provision.items()
                    ],
                ),
                (
                    "By year group",
                    ["Year group", "Pupils"],
                    [[year_value(year), len(totals.pupils)] for year, totals in by_year],
                ),
            ]
        general_cost = sum((cost for _, cost in general), Decimal(0))
        summary += [
            ["Cost of the groups listed", self.group_cost],
            ["Cost shared to the pupils listed", self.pupil_cost],
        ]
        if general:
            summary += [
                ["Costs not tied to pupils", general_cost],
                ["Total", self.group_cost + general_cost],
            ]
        sections: list[tuple[str, list[str], list[list[object]]]] = [
            (title, ["", ""], summary),
            (
                "By provision",
                ["Provision", "Groups", "Pupils", "Cost"],
                [
                    [name, totals.groups, len(totals.pupils), totals.cost]
                    for name, totals in self.by_provision.items()
                ],
            ),
            (
                "By year group (pupils' shares)",
                ["Year group", "Pupils", "Cost"],
                [[year_value(year), len(totals.pupils), totals.cost] for year, totals in by_year],
            ),
            (
                "By area of need (pupils' shares)",
                ["Area of need", "Cost"],
                [[area, cost] for area, cost in sorted(self.by_area.items())],
            ),
            (
                "By funding stream",
                ["Funding stream", "Cost"],
                [[name, cost] for name, cost in by_stream.items()],
            ),
        ]
        if general:
            sections.append(
                (
                    "Costs not tied to pupils",
                    ["Item", "Kind", "Cost"],
                    [
                        [resource.name, resource.get_kind_display(), cost]
                        for resource, cost in general
                    ],
                )
            )
        return sections


def _columns(finance: bool) -> list[tuple[str, str]]:
    """The sheet's columns: without the cost columns for those who may not see costs."""
    if finance:
        return EXPORT_COLUMNS
    return [(key, kind) for key, kind in EXPORT_COLUMNS if key not in COST_COLUMNS]


@dataclass
class MapExport:
    """The rows of the map sheet and the totals that go with them, all in memory (a small
    export, and the tests); a large one is a StreamedExport."""

    title: str
    rows: list[dict[str, object]]
    runs: list[CostedRun]
    general: list[tuple[GeneralResource, Decimal]] = field(default_factory=list)
    # Every pupil in the rows, once (for the audit trail).
    pupils: list[Pupil] = field(default_factory=list)
    # Costs in the sheet and the totals: off for users without the finance right.
    finance: bool = True

    @property
    def columns(self) -> list[tuple[str, str]]:
        return _columns(self.finance)

    def iter_rows(self) -> Iterator[dict[str, object]]:
        return iter(self.rows)

    @property
    def row_count(self) -> int:
        return len(self.rows)

    @property
    def pupil_count(self) -> int:
        return len({row["upn"] for row in self.rows if row.get("upn")})

    @property
    def group_cost(self) -> Decimal:
        return sum((item.cost for item in self.runs), Decimal(0))

    @property
    def pupil_cost(self) -> Decimal:
        return sum(
            (
                # A pupil's share: a Decimal (_placement_columns).
                Decimal(cast(Decimal, row["pupil_cost"]))
                for row in self.rows
                if row.get("pupil_cost") is not None
            ),
            Decimal(0),
        )

    @property
    def general_cost(self) -> Decimal:
        return sum((cost for _, cost in self.general), Decimal(0))

    def totals(self) -> list[tuple[str, list[str], list[list[object]]]]:
        """Sections of the totals sheet: (title, headings, rows)."""
        builder = TotalsBuilder()
        for item in self.runs:
            builder.add_run(item)
        for row in self.rows:
            builder.add_row(row)
        return builder.sections(self.title, self.general, finance=self.finance)


def _run_columns(item: CostedRun, *, pay_rates: bool = True) -> dict[str, object]:
    run = item.run
    provision = run.provision
    weekly = Decimal(run.sessions_per_week) * run.minutes_per_session
    per_minute = None
    if weekly and run.weeks:
        per_minute = (item.cost / (weekly * Decimal(run.weeks))).quantize(
            Decimal("0.0001"), rounding=ROUND_HALF_UP
        )
    lines = []
    for line in item.staff:
        own = line.line.sessions_per_week is not None or line.line.minutes_per_session is not None
        lines.append(
            format_staff_line(
                StaffLine(
                    name=line.line.staff.name,
                    role=line.line.staff.role,
                    hourly_rate=line.hourly_rate.quantize(Decimal("0.01")) if pay_rates else None,
                    sessions_per_week=line.line.effective_sessions if own else None,
                    minutes_per_session=line.line.effective_minutes if own else None,
                )
            )
        )
    return {
        "academic_year": run.academic_year.name,
        "term": run.term.name if run.term else "",
        "provision": provision.name,
        "wave": provision.wave,
        "provision_type": provision.get_provision_type_display(),
        "areas": "; ".join(AREA_LABELS[area.area] for area in provision.areas.all()),
        "group": run.label,
        "group_ref": run.pk,
        "group_start": run.start_date,
        "group_end": run.end_date,
        "group_status": run.get_status_display(),
        "day_time": run.day_time,
        "withdrawn_from": run.withdrawn_from,
        "funding": run.funding_stream.name if run.funding_stream else "",
        "lead_staff": run.lead_staff.name if run.lead_staff else "",
        "reviewing_staff": run.reviewing_staff.name if run.reviewing_staff else "",
        "staff_lines": "; ".join(lines),
        "ratio": item.ratio,
        "sessions_per_week": run.sessions_per_week,
        "minutes_per_session": run.minutes_per_session,
        "minutes_per_week": weekly,
        "weeks": run.weeks,
        "cost_per_minute": per_minute,
        "total_cost": item.cost,
        "group_notes": run.notes,
        "measure": provision.measure.name if provision.measure else "",
    }


def _yes_no(value: bool) -> str:
    return "Yes" if value else "No"


def _placement_columns(placement: Placement, share: Decimal, area: str) -> dict[str, object]:
    pupil = placement.pupil
    needs = current_needs(pupil)
    measure = placement.run.provision.measure
    gain = None
    if placement.baseline and placement.exit:
        gain = placement.exit.value - placement.baseline.value
        if measure is not None and not measure.higher_is_better:
            gain = -gain
    columns: dict[str, object] = {
        "pupil_cost": share,
        "upn": pupil.upn,
        "pupil": pupil.full_name,
        "year_group": pupil.nc_year,
        "form": pupil.form,
        "sex": pupil.sex,
        "sen_status": SEN_STATUS_LABELS[pupil.sen_status],
        "primary_need": needs[0].need_type if needs else "",
        "pupil_premium": _yes_no(pupil.pupil_premium),
        "fsm": _yes_no(pupil.fsm),
        "eal": _yes_no(pupil.eal),
        "looked_after": _yes_no(pupil.looked_after),
        "start_date": placement.start_date,
        "exit_date": placement.end_date,
        "status": PLACEMENT_STATUS_LABELS.get(placement.status, placement.status),
        "priority": PRIORITY_LABELS.get(placement.priority, placement.priority),
        "need": placement.need_type,
        "area": AREA_LABELS.get(area, area),
        "gain": gain,
        "rating": RATING_WORDS.get(placement.rating, ""),
        "notes": placement.notes,
    }
    for stage, date_key in (
        ("baseline", "baseline_date"),
        ("midpoint", "midpoint_date"),
        ("exit", "exit_score_date"),
    ):
        result = getattr(placement, stage)
        columns[stage] = result.value if result else None
        columns[date_key] = result.date if result else None
    return columns


def map_export(
    school: School,
    *,
    academic_year: AcademicYear | None = None,
    term: Term | None = None,
    year_group: str | None = None,
    run: ProvisionRun | None = None,
    pupil: Pupil | None = None,
    as_of: dt.date | None = None,
    scope: Visibility | None = None,
    filters: MapFilters | None = None,
) -> MapExport:
    """The map's rows (and totals), in a fixed number of queries however large it is.

    With a `scope` (the user's, from the pages), the export holds what the map shows them:
    the placements they see in full (never an archived leaver's: a teacher's or TA's are
    those of the runs they lead or deliver) and those runs; costs only with the finance right
    (costs not tied to pupils only for whole-school readers), and each person's hourly rate
    only for those who see the staff page. Without a scope (the command line) it is whole.
    What it holds is read, costed and cut by `provision.selectors.map_slice`, as the pages do;
    a term's, narrowed by the term map's `filters`, is what the term map shows.
    """
    scope = scope or WholeSchool()
    part = map_slice(
        school,
        scope,
        as_of=as_of or timezone.localdate(),
        academic_year=academic_year,
        term=term,
        run=run,
        pupil=pupil,
        nc_year=year_group,
    )
    return slice_export(
        part,
        scope=scope,
        filters=filters,
        title=_title(school, academic_year, term, year_group, run, pupil, filters),
        pupils_only=pupil is not None or year_group is not None,
    )


def term_export(
    school: School,
    term: Term,
    *,
    scope: Visibility,
    choose_filters: Callable[[MapOptions], MapFilters],
    as_of: dt.date | None = None,
) -> MapExport:
    """The term map as the page shows it: the term's runs cut to `scope`, narrowed by the
    filters `choose_filters` reads from the page's query string given what the term offers
    (as the page's filter form does)."""
    part = map_slice(school, scope, as_of=as_of or timezone.localdate(), term=term)
    filters = choose_filters(part.runs.options())
    return slice_export(
        part,
        scope=scope,
        filters=filters,
        title=_title(school, None, term, None, None, None, filters),
    )


def _rows_of(
    part: MapSlice,
    *,
    scope: Visibility,
    filters: MapFilters | None,
    pupils_only: bool,
) -> Iterator[tuple[CostedRun, list[dict[str, object]], list[Pupil]]]:
    """Each run of a slice kept in the export, with its rows and the pupils they name."""
    shown = part.runs.filter(filters)
    pupils_only = pupils_only or shown.filters.on_pupils
    for item in shown.rows:
        if not item.placements and pupils_only:
            continue
        run_columns = _run_columns(item.costed, pay_rates=scope.pay_rates)
        if not item.placements:
            yield item.costed, [dict(run_columns)], []
            continue
        yield (
            item.costed,
            [
                {
                    **run_columns,
                    **_placement_columns(
                        costed_placement.placement, costed_placement.share, costed_placement.area
                    ),
                }
                for costed_placement in item.placements
            ],
            [costed_placement.placement.pupil for costed_placement in item.placements],
        )


def slice_export(
    part: MapSlice,
    *,
    scope: Visibility,
    title: str,
    filters: MapFilters | None = None,
    pupils_only: bool = False,
) -> MapExport:
    """The rows and totals of a slice of the map, narrowed by `filters` as the term map
    narrows it (no query). With `pupils_only` (a pupil's or a year group's export), or a
    filter on pupils, a run with none of the pupils asked for has no row of its own."""
    rows: list[dict[str, object]] = []
    pupils: dict[int, Pupil] = {}
    runs: list[CostedRun] = []
    for costed, run_rows, run_pupils in _rows_of(
        part, scope=scope, filters=filters, pupils_only=pupils_only
    ):
        runs.append(costed)
        rows.extend(run_rows)
        for pupil in run_pupils:
            pupils.setdefault(pupil.pk, pupil)
    return MapExport(
        title=title,
        rows=rows,
        runs=runs,
        general=part.general,
        pupils=list(pupils.values()),
        finance=scope.finance,
    )


# What a streamed export reads (and costs) at a time: runs until they hold this many
# placements, and at most this many runs. Its memory is that of a chunk.
CHUNK_ROWS = 2000
CHUNK_RUNS = 200


def _merge_options(options: list[MapOptions]) -> MapOptions:
    """The filters' choices of a term read in chunks: each chunk's, together."""
    staff: dict[int, str] = {}
    provisions: dict[int, str] = {}
    streams: dict[int, str] = {}
    forms: set[str] = set()
    for part in options:
        staff.update(part.staff)
        provisions.update(part.provisions)
        streams.update(part.funding_streams)
        forms.update(part.forms)
    return MapOptions(
        staff=sorted(staff.items(), key=lambda pair: pair[1]),
        provisions=sorted(provisions.items(), key=lambda pair: pair[1]),
        funding_streams=sorted(streams.items(), key=lambda pair: pair[1]),
        forms=sorted(forms),
    )


class StreamedExport:
    """An export read a chunk of runs at a time (CHUNK_ROWS, CHUNK_RUNS), costed and cut to
    `scope` as `map_export` does, its rows handed to the writer one by one and forgotten: only the
    totals and each pupil once (for the audit trail) are kept. The same rows, in the same
    order, as `map_export`; its counts and totals are known once `iter_rows` is done."""

    def __init__(
        self,
        school: School,
        *,
        scope: Visibility | None = None,
        as_of: dt.date | None = None,
        academic_year: AcademicYear | None = None,
        term: Term | None = None,
        year_group: str | None = None,
        filters: MapFilters | None = None,
        title: str | None = None,
        chunk: int = CHUNK_RUNS,
        chunk_rows: int = CHUNK_ROWS,
    ) -> None:
        self.school = school
        self.scope = scope or WholeSchool()
        self.as_of = as_of or timezone.localdate()
        self.academic_year = academic_year
        self.term = term
        self.year_group = year_group
        self.filters = filters
        self.title = title or _title(school, academic_year, term, year_group, None, None, filters)
        self.chunk = max(chunk, 1)
        self.chunk_rows = chunk_rows
        self.finance = self.scope.finance
        self.row_count = 0
        self.general: list[tuple[GeneralResource, Decimal]] = []
        self._run_ids: list[int] | None = None
        self._rates: dict[str, Decimal] | None = None
        self._totals = TotalsBuilder()
        self._pupils: dict[int, Pupil] = {}

    @property
    def columns(self) -> list[tuple[str, str]]:
        return _columns(self.finance)

    @property
    def run_ids(self) -> list[int]:
        if self._run_ids is None:
            self._run_ids = slice_run_ids(
                self.school,
                academic_year=self.academic_year,
                term=self.term,
                nc_year=self.year_group,
            )
        return self._run_ids

    @property
    def rates(self) -> dict[str, Decimal]:
        if self._rates is None:
            self._rates = role_rates(self.school)
        return self._rates

    def chunk_ids(self) -> Iterator[list[int]]:
        """The runs' ids a chunk at a time: as many runs as hold about CHUNK_ROWS placements
        (a run is never split: its pupils share its cost), at most `chunk` runs."""
        sizes = slice_run_sizes(
            self.school, academic_year=self.academic_year, term=self.term, nc_year=self.year_group
        )
        chunk: list[int] = []
        rows = 0
        for pk in self.run_ids:
            size = sizes.get(pk, 0)
            if chunk and (rows + size > self.chunk_rows or len(chunk) >= self.chunk):
                yield chunk
                chunk, rows = [], 0
            chunk.append(pk)
            rows += size
        if chunk:
            yield chunk

    def _chunks(self) -> Iterator[tuple[int, MapSlice]]:
        for ids in self.chunk_ids():
            yield (
                len(ids),
                map_slice(
                    self.school,
                    self.scope,
                    as_of=self.as_of,
                    academic_year=self.academic_year,
                    term=self.term,
                    nc_year=self.year_group,
                    run_ids=ids,
                    rates=self.rates,
                    general=False,
                ),
            )

    def options(self) -> MapOptions:
        """The choices the term map's filters offer (a pass over every chunk)."""
        options = []
        for _, part in self._chunks():
            options.append(part.runs.options())
            part.release()
        return _merge_options(options)

    def iter_rows(
        self, progress: Callable[[int, int], None] | None = None
    ) -> Iterator[dict[str, object]]:
        """The rows, a chunk of runs at a time; `progress(runs done, runs)` after each."""
        whole = self.term is None and self.year_group is None
        if whole and self.scope.everyone and self.finance:
            self.general = general_costs(self.school, self.rates, academic_year=self.academic_year)
        total = len(self.run_ids)
        done = 0
        for size, part in self._chunks():
            for costed, rows, pupils in _rows_of(
                part,
                scope=self.scope,
                filters=self.filters,
                pupils_only=self.year_group is not None,
            ):
                self._totals.add_run(costed)
                for pupil in pupils:
                    if pupil.pk not in self._pupils:
                        # Only what the audit trail keeps of them.
                        self._pupils[pupil.pk] = Pupil(
                            pk=pupil.pk, upn=pupil.upn, school_id=pupil.school_id
                        )
                for row in rows:
                    self._totals.add_row(row)
                    self.row_count += 1
                    yield row
            # Written: freed now, not by the cyclic garbage collector (see MapSlice.release).
            part.release()
            done = min(done + size, total)
            if progress is not None:
                progress(done, total)

    @property
    def pupils(self) -> list[Pupil]:
        return list(self._pupils.values())

    @property
    def pupil_count(self) -> int:
        return len(self._totals.upns)

    def totals(self) -> list[tuple[str, list[str], list[list[object]]]]:
        return self._totals.sections(self.title, self.general, finance=self.finance)


def stream_export(
    school: School,
    *,
    scope: Visibility | None = None,
    as_of: dt.date | None = None,
    academic_year: AcademicYear | None = None,
    year_group: str | None = None,
) -> StreamedExport:
    """The whole map, a school year and/or a year group as `map_export` gives it, streamed."""
    return StreamedExport(
        school, scope=scope, as_of=as_of, academic_year=academic_year, year_group=year_group
    )


def stream_term_export(
    school: School,
    term: Term,
    *,
    scope: Visibility,
    choose_filters: Callable[[MapOptions], MapFilters] | None = None,
    as_of: dt.date | None = None,
) -> StreamedExport:
    """The term map as `term_export` gives it, streamed. The filters' choices take a pass
    over the term, so only a `choose_filters` (the page's query string has filters) asks
    for them; without one the export is the whole term as the user sees it."""
    export = StreamedExport(school, scope=scope, as_of=as_of, term=term)
    if choose_filters is not None:
        export.filters = choose_filters(export.options())
        export.title = _title(school, None, term, None, None, None, export.filters)
    return export


Export = MapExport | StreamedExport


def _title(
    school: School,
    academic_year: AcademicYear | None,
    term: Term | None,
    year_group: str | None,
    run: ProvisionRun | None,
    pupil: Pupil | None,
    filters: MapFilters | None = None,
) -> str:
    parts = [f"{school.name} provision map"]
    if academic_year is not None:
        parts.append(academic_year.name)
    if term is not None:
        parts.append(f"{term.name} {term.academic_year.name}")
    if year_group is not None:
        parts.append(NCYear(year_group).label if year_group in NCYear.values else year_group)
    if run is not None:
        parts.append(str(run))
    if pupil is not None:
        parts.append(pupil.full_name)
    if filters is not None and filters.active:
        parts.append("filtered as on the page")
    return ", ".join(parts)


# Writers ----------------------------------------------------------------------------------


def csv_value(value: object, kind: str) -> str:
    """A cell as CSV text: dates as dd/mm/yyyy, numbers as digits, text neutralised."""
    if value is None or value == "":
        return ""
    if kind == DATE:
        return f"{value:%d/%m/%Y}"
    if kind in (INT, NUMBER, MONEY, RATE):
        return str(value)
    return neutralise(str(value))


def _safe_text(value: object) -> str:
    return neutralise(str(value))


def _csv_converters(columns: list[tuple[str, str]]) -> list[tuple[str, Callable[[Any], str]]]:
    """Each column's key and what turns its (non-empty) values into CSV text, as `csv_value`
    does, chosen once rather than for every cell. Dates repeat (a run's pupils share its
    dates), so each is formatted once."""
    dates: dict[dt.date, str] = {}

    def date_text(value: dt.date) -> str:
        text = dates.get(value)
        if text is None:
            text = dates[value] = f"{value:%d/%m/%Y}"
        return text

    converters: list[tuple[str, Callable[[Any], str]]] = []
    for key, kind in columns:
        if kind == DATE:
            converters.append((key, date_text))
        elif kind in (INT, NUMBER, MONEY, RATE):
            converters.append((key, str))
        else:
            converters.append((key, _safe_text))
    return converters


def write_csv(
    export: Export,
    stream: io.TextIOBase | TextIO,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """The map sheet as CSV (UTF-8 with a byte-order mark, so Excel reads it correctly), a
    row at a time."""
    writer = csv.writer(stream, lineterminator="\r\n")
    columns = export.columns
    writer.writerow([neutralise(HEADINGS[key]) for key, _ in columns])
    converters = _csv_converters(columns)
    writerow = writer.writerow
    for row in _rows(export, progress):
        get = row.get
        writerow(
            [
                "" if (value := get(key)) is None or value == "" else convert(value)
                for key, convert in converters
            ]
        )


def _rows(
    export: Export, progress: Callable[[int, int], None] | None
) -> Iterator[dict[str, object]]:
    if isinstance(export, StreamedExport):
        return export.iter_rows(progress)
    return export.iter_rows()


def map_csv_bytes(export: MapExport) -> bytes:
    stream = io.StringIO()
    write_csv(export, stream)
    return ("\ufeff" + stream.getvalue()).encode("utf-8")


def _column_width(key: str, kind: str) -> int:
    if kind == DATE:
        return 11
    if kind in (INT, NUMBER, MONEY, RATE, YEAR):
        return 10
    if key in ("notes", "group_notes", "staff_lines", "provision", "areas"):
        return 30
    return 16


def write_xlsx(
    export: Export,
    stream: io.BufferedIOBase | io.BytesIO | BinaryIO | str,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """The map as a workbook: the map sheet as an Excel table, and a totals sheet. A
    streamed export's rows are written one by one and go to a temporary file a row at a time
    (XlsxWriter's constant memory), so the workbook is never whole in memory."""
    streamed = isinstance(export, StreamedExport)
    workbook = xlsxwriter.Workbook(
        stream,
        {
            "in_memory": not streamed,
            "constant_memory": streamed,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    formats = {
        DATE: workbook.add_format({"num_format": "dd/mm/yyyy"}),
        MONEY: workbook.add_format({"num_format": "£#,##0.00"}),
        RATE: workbook.add_format({"num_format": "£0.0000"}),
        NUMBER: workbook.add_format({"num_format": "General"}),
        INT: workbook.add_format({"num_format": "0"}),
        YEAR: workbook.add_format({"num_format": "0"}),
        TEXT: workbook.add_format({"text_wrap": False}),
    }
    columns = export.columns
    sheet = workbook.add_worksheet("Map")
    for index, (key, kind) in enumerate(columns):
        sheet.set_column(index, index, _column_width(key, kind), formats[kind])
    headings = [neutralise(HEADINGS[key]) for key, _ in columns]
    # The table's headings, written first: rows written in constant memory cannot be gone
    # back to (the table below names the same ones).
    for column_index, heading in enumerate(headings):
        sheet.write_string(0, column_index, heading)
    if streamed:
        row_count = _write_rows_inline(sheet, export, columns, formats, progress)
    else:
        row_count = _write_rows_by_cell(sheet, export, columns, formats)
    last_row = max(row_count, 1)
    last_column = len(columns) - 1
    _add_table(
        sheet,
        last_row,
        last_column,
        {
            "name": "ProvisionMap",
            "style": "Table Style Medium 2",
            "columns": [{"header": heading} for heading in headings],
        },
    )
    rating_column = [key for key, _ in columns].index("rating")
    for word, (fill, font) in RAGB_COLOURS.items():
        sheet.conditional_format(
            1,
            rating_column,
            last_row,
            rating_column,
            {
                "type": "text",
                "criteria": "begins with",
                "value": word,
                "format": workbook.add_format({"bg_color": fill, "font_color": font}),
            },
        )
    sheet.freeze_panes(1, 0)
    _write_totals(workbook, export, formats)
    workbook.close()


def _write_rows_by_cell(
    sheet: Any, export: Export, columns: list[tuple[str, str]], formats: dict[str, Any]
) -> int:
    """The map's rows, a cell at a time (a workbook held in memory); how many."""
    row_count = 0
    for row_index, row in enumerate(_rows(export, None), start=1):
        row_count = row_index
        for column_index, (key, kind) in enumerate(columns):
            value = row.get(key)
            if value is None or value == "":
                continue
            if kind == YEAR:
                year = year_value(str(value))
                if isinstance(year, int):
                    sheet.write_number(row_index, column_index, year, formats[INT])
                else:
                    sheet.write_string(row_index, column_index, year)
            elif kind == DATE:
                sheet.write_datetime(row_index, column_index, value, formats[DATE])
            elif kind in (INT, NUMBER, MONEY, RATE):
                number = cast(SupportsFloat, value)  # the number columns hold numbers
                sheet.write_number(row_index, column_index, float(number), formats[kind])
            else:
                sheet.write_string(row_index, column_index, neutralise(str(value)))
    return row_count


def _inline_column(index: int, key: str, kind: str, formats: dict[str, Any]) -> InlineColumn:
    """How `_write_rows_by_cell` writes a column, for InlineRows: the same cells."""
    if kind == YEAR:
        return InlineColumn(key, index, xlsx_rows.DIGITS, None, formats[INT])
    if kind == DATE:
        return InlineColumn(key, index, xlsx_rows.DATE, formats[DATE])
    if kind in (INT, NUMBER, MONEY, RATE):
        return InlineColumn(key, index, xlsx_rows.NUMBER, formats[kind])
    return InlineColumn(key, index, xlsx_rows.TEXT)


def _write_rows_inline(
    sheet: Any,
    export: Export,
    columns: list[tuple[str, str]],
    formats: dict[str, Any],
    progress: Callable[[int, int], None] | None,
) -> int:
    """The map's rows straight into the constant-memory sheet's row file, a row at a time:
    the cells `_write_rows_by_cell` writes, several times faster (see xlsx_rows)."""
    inline = InlineRows(
        sheet,
        [_inline_column(index, key, kind, formats) for index, (key, kind) in enumerate(columns)],
        text=_safe_text,
    )
    inline.start(1)
    row_count = 0
    for row_index, row in enumerate(_rows(export, progress), start=1):
        row_count = row_index
        inline.write(row_index, row)
    inline.finish()
    return row_count


def _add_table(sheet: Any, last_row: int, last_column: int, options: dict[str, Any]) -> None:
    """Make the map sheet (headings in row 0) an Excel table. XlsxWriter refuses tables in
    constant memory, where the rows are gone once written, and notes every cell of a table
    it adds (a dict entry per cell: gigabytes for a large export). But a table is only a
    range with its headings named: it is added over its headings and first row, then given
    its whole range (known once the rows are written), without writing row 0 again (its
    headings were written first, the same)."""
    if not sheet.constant_memory:
        sheet.add_table(0, 0, last_row, last_column, options)
        return
    pending = {row: dict(cells) for row, cells in sheet.table.items()}
    sheet.constant_memory = False
    try:
        sheet.add_table(0, 0, 1, last_column, options)
    finally:
        sheet.constant_memory = True
        # Only the row not yet written stays pending; the headings are already in row 0.
        sheet.table.clear()
        sheet.table.update(pending)
        sheet.table_cells.clear()
    whole = xl_range(0, 0, last_row, last_column)
    table = sheet.tables[-1]
    table["range"] = table["a_range"] = whole
    if table.get("autofilter"):
        table["autofilter"] = whole


def _write_totals(workbook, export: Export, formats: dict[str, object]) -> None:
    sheet = workbook.add_worksheet("Totals")
    bold = workbook.add_format({"bold": True})
    title = workbook.add_format({"bold": True, "font_size": 13})
    sheet.set_column(0, 0, 40)
    sheet.set_column(1, 3, 14)
    row = 0
    for heading, columns, lines in export.totals():
        sheet.write_string(row, 0, neutralise(heading), title)
        row += 1
        if any(columns):
            for column, text in enumerate(columns):
                sheet.write_string(row, column, text, bold)
            row += 1
        for line in lines:
            for column, value in enumerate(line):
                if isinstance(value, Decimal):
                    sheet.write_number(row, column, float(value), formats[MONEY])
                elif isinstance(value, int):
                    sheet.write_number(row, column, value)
                else:
                    sheet.write_string(row, column, neutralise(str(value)))
            row += 1
        row += 1


def map_xlsx_bytes(export: MapExport) -> bytes:
    stream = io.BytesIO()
    write_xlsx(export, stream)
    return stream.getvalue()


def write_export(
    export: Export,
    fmt: str,
    target: str | BinaryIO,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Write an export as `fmt` ("xlsx" or "csv") to `target` (a path, or a binary file), a
    row at a time: what a download or a background export streams from. A streamed export
    frees each chunk as it goes, so the cyclic garbage collector is asked to run less often
    meanwhile (see provmap/memory.py)."""
    if isinstance(export, StreamedExport):
        with fewer_collections():
            _write_export(export, fmt, target, progress)
    else:
        _write_export(export, fmt, target, progress)


def _write_export(
    export: Export,
    fmt: str,
    target: str | BinaryIO,
    progress: Callable[[int, int], None] | None,
) -> None:
    if fmt == "xlsx":
        write_xlsx(export, target, progress)
        return
    if isinstance(target, str):
        with open(target, "w", encoding="utf-8-sig", newline="") as stream:
            write_csv(export, stream, progress)
        return
    text = io.TextIOWrapper(target, encoding="utf-8-sig", newline="")
    write_csv(export, text, progress)
    text.flush()
    text.detach()

"""Planning a map import, writing nothing: the file read, its rows grouped into runs, each
pupil's placement and results checked against provmap (and compared with a placement already
there), the measures the scores need, the sheet's costs checked against provmap's, and the
report of what importing would create or change."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Collection, Iterator, Mapping
from decimal import Decimal
from typing import cast

from django.utils import timezone

from provmap.interchange.columns import ColumnMap, RowReader, Table, find_tables
from provmap.interchange.files import FileKind, SheetRow, Upload, detect_kind, read_sheets
from provmap.interchange.map_import.grouping import (
    PENNY,
    RunMatcher,
    existing_runs,
    group_rows,
    plan_run,
    warn_if_run_differs,
)
from provmap.interchange.map_import.planner import (
    MapImportPlan,
    PlannedPlacement,
    PlannedRun,
    Planner,
)
from provmap.interchange.map_import.rows import MapRow, name_key, read_map_row
from provmap.interchange.mapsheet import MAP_COLUMNS, format_money
from provmap.interchange.models import ImportKind
from provmap.interchange.pupil_import import display
from provmap.interchange.report import (
    FieldChange,
    ImportRejected,
    ImportReport,
    Problem,
    RecordChange,
)
from provmap.interchange.services import column_mapping_for
from provmap.provision import costing
from provmap.provision.models import Placement, Provision
from provmap.provision.services import RESULT_STAGES
from provmap.pupils.models import Measure, Pupil
from provmap.pupils.score_range import measure_range_error
from provmap.schools.bounds import date_error
from provmap.schools.models import School


def _midpoint_between(start: dt.date, end: dt.date) -> dt.date:
    return start + (end - start) / 2


def _plan_measures(planner: Planner, runs: list[PlannedRun]) -> None:
    """Every provision with scores on the sheet needs a measure: the sheet's, the one it has,
    or a new one named after it."""
    for provision in planner.plan.provisions:
        rows = [row for run in runs if run.provision is provision for row in run.rows]
        scored = [
            row
            for row in rows
            if any(isinstance(row.get(stage), Decimal) for stage in RESULT_STAGES)
        ]
        named = {name_key(str(row.get("measure"))): row for row in rows if row.get("measure")}
        if len(named) > 1:
            rows_named = list(named.values())
            planner.problem(
                rows_named[1],
                "measure",
                f"Row {rows_named[0].number} measures {provision.name} with "
                f"'{rows_named[0].get('measure')}', this row with '{rows_named[1].get('measure')}':"
                " one provision has one measure.",
            )
            continue
        if named:
            name = str(next(iter(named.values())).get("measure"))
            if provision.measure is None or name_key(provision.measure.name) != name_key(name):
                if provision.existing is not None and provision.measure is not None:
                    planner.warn(
                        next(iter(named.values())),
                        "measure",
                        f"{provision.name} is measured with '{provision.measure.name}' in "
                        f"provmap; its scores are recorded on that measure, not '{name}'.",
                    )
                    continue
                provision.measure = planner.measure(name)
                provision.set_measure = provision.existing is not None
        elif scored and provision.measure is None:
            provision.measure = planner.measure(f"{provision.name} score")
            provision.set_measure = provision.existing is not None


def _check_bounds(
    planner: Planner, row: MapRow, stage: str, value: Decimal, measure: Measure | None
) -> None:
    if measure is None:
        return
    message = measure_range_error(measure, value)
    if message:
        planner.problem(row, stage, message)


def _plan_placement(
    planner: Planner,
    run: PlannedRun,
    row: MapRow,
    pupil: Pupil,
    existing: Placement | None,
) -> PlannedPlacement | None:
    start = row.date("start_date") or (
        existing.start_date if existing else max(run.start_date, pupil.on_roll_from)
    )
    if not run.start_date <= start <= run.end_date:
        if row.get("start_date") is None:
            start = run.start_date
        else:
            planner.problem(
                row,
                "start_date",
                f"The start date {display(start)} is outside the group's dates "
                f"({display(run.start_date)} to {display(run.end_date)}).",
            )
            return None
    exit_date = row.date("exit_date")
    if exit_date is not None and exit_date < start:
        planner.problem(
            row,
            "exit_date",
            f"The exit date {display(exit_date)} is before the start date {display(start)}.",
        )
        return None
    if exit_date is not None:
        # A placement ends inside its group (the group in provmap, when it is there already).
        group = run.existing or run
        message = date_error(
            exit_date,
            group.start_date,
            group.end_date,
            label="The placement's end date",
            why="the dates of the run",
        )
        if message:
            planner.problem(row, "exit_date", message)
            return None
    end_of_work = exit_date or row.date("review_date") or run.end_date
    dates = {
        "baseline": row.date("baseline_date") or start,
        "midpoint": row.date("midpoint_date") or _midpoint_between(start, end_of_work),
        "exit": row.date("exit_score_date") or end_of_work,
    }
    measure_ref = run.provision.measure
    measure = measure_ref.existing if measure_ref is not None else None
    results: dict[str, tuple[Decimal, dt.date]] = {}
    notes = row.get("notes")
    for stage in RESULT_STAGES:
        value = cast("Decimal | str | None", row.get(stage))
        if isinstance(value, str):
            # Words in the mid-intervention review column: kept with the notes.
            notes = f"{notes}\n{value}".strip() if notes else f"Mid intervention review: {value}"
            continue
        if value is None:
            continue
        _check_bounds(planner, row, stage, value, measure)
        results[stage] = (value, dates[stage])
    baseline = results.get("baseline")
    for stage in ("midpoint", "exit"):
        if baseline and stage in results and results[stage][1] < baseline[1]:
            planner.problem(
                row,
                f"{stage}_date" if row.has(f"{stage}_date") else "exit_date",
                f"The {stage} score is dated {display(results[stage][1])}, before the baseline "
                f"on {display(baseline[1])}.",
            )
            return None
    today = planner.plan.as_of
    status = row.get("status")
    if status is None and not row.has("status"):
        if exit_date is not None and exit_date <= today:
            status = Placement.Status.COMPLETED
        elif start > today:
            status = Placement.Status.PLANNED
        else:
            status = Placement.Status.ACTIVE
    fields: dict[str, object] = {"start_date": start}
    if row.has("exit_date"):
        fields["end_date"] = exit_date
    for key, name in (("need", "need_type"), ("priority", "priority"), ("rating", "rating")):
        if row.has(key):
            fields[name] = row.get(key) or ("" if name != "priority" else "should")
    # Without a status column, an existing placement keeps its status unless its exit changed.
    exit_changed = existing is None or (row.has("exit_date") and existing.end_date != exit_date)
    if row.has("status") or (status is not None and exit_changed):
        fields["status"] = status or Placement.Status.PLANNED
    if row.has("notes") or notes:
        fields["notes"] = notes or ""
    stated = {
        "baseline": row.get("baseline_date") or row.get("start_date"),
        "midpoint": row.get("midpoint_date"),
        "exit": row.get("exit_score_date") or exit_date,
    }
    planned = PlannedPlacement(
        dated={stage for stage, date in stated.items() if date is not None},
        row=row,
        run=run,
        pupil=pupil,
        action="created",
        start_date=start,
        fields=fields,
        results=results,
        existing=existing,
    )
    if existing is not None:
        _compare(planned, existing)
    return planned


def _compare(planned: PlannedPlacement, existing: Placement) -> None:
    changes = {}
    for name, value in planned.fields.items():
        if getattr(existing, name) != value:
            changes[name] = value
            planned.changes.append(
                FieldChange(
                    name.replace("_", " "), display(getattr(existing, name)), display(value)
                )
            )
    planned.fields = changes
    results = {}
    for stage, (value, date) in planned.results.items():
        current = getattr(existing, stage)
        moved = current is not None and stage in planned.dated and current.date != date
        if current is None or current.value != value or moved:
            if current is not None and stage not in planned.dated:
                date = current.date
            results[stage] = (value, date)
            old = f"{current.value} on {display(current.date)}" if current else ""
            planned.changes.append(FieldChange(stage, old, f"{value} on {display(date)}"))
    planned.results = results
    planned.action = "updated" if planned.changes else "unchanged"


def _cost_rule(basis: str, price: Decimal | None) -> str:
    """How provmap reached a run's cost, for the import's warning."""
    if basis == costing.NO_COST:
        return "no cost to the school, and the school's own staff time x hourly rate x weeks"
    if basis in costing.PRICED and price is not None:
        per = {
            costing.PER_SESSION: "a session x sessions a week x weeks",
            costing.PER_PUPIL: "each pupil placed",
            costing.PER_RUN: "the group",
            costing.PER_YEAR: "the year, for the run's part of the year's weeks",
        }[basis]
        return f"{format_money(price)} {per}, and the school's own staff time x hourly rate x weeks"
    return "staff time x hourly rate x weeks"


def _check_costs(planner: Planner, run: PlannedRun) -> None:
    """Warn about rows whose total cost is neither provmap's cost of the group nor the
    pupil's share of it."""
    rows = [
        row
        for row in run.rows
        if row.get("total_cost") is not None or row.get("pupil_cost") is not None
    ]
    if not rows:
        return
    weeks: Decimal | None
    if run.existing is not None:
        lines = [
            (
                costing.hourly_rate_for(
                    line.staff.hourly_rate, planner.role_rates.get(line.staff.role)
                ),
                line.effective_sessions,
                line.effective_minutes,
                line.staff.is_external,
            )
            for line in run.existing.staff_lines.all()
        ]
        weeks = run.existing.weeks
        sessions = run.existing.sessions_per_week
        catalogue: Provision | None = run.existing.provision
    else:
        # The time run_create will use: the group's own, else the catalogue entry's.
        catalogue = run.provision.existing
        sessions = run.sessions_per_week or (
            catalogue.sessions_per_week if catalogue else Decimal(1)
        )
        minutes = run.minutes_per_session or (catalogue.minutes_per_session if catalogue else 30)
        lines = [
            (
                planned.rate(planner.role_rates),
                own_sessions or sessions,
                own_minutes or minutes,
                planned.existing is not None and planned.existing.is_external,
            )
            for planned, own_sessions, own_minutes in run.staff
        ]
        weeks = run.weeks
        if weeks is None:
            return
    # A new catalogue entry is costed from staff time; an entry already in the catalogue as
    # a bought-in service (or at no cost) is costed at its price, as the pages cost it.
    basis = catalogue.cost_basis if catalogue else costing.STAFF_TIME
    price = catalogue.price if catalogue else None
    year = run.year.existing
    pupil_rows = [row for row in run.rows if planner.has_pupil(row)]
    costs = costing.cost_run_lines(
        [(costing.StaffTime(Decimal(s), int(m), rate), external) for rate, s, m, external in lines],
        basis=basis,
        price=price,
        sessions_per_week=sessions,
        weeks=weeks,
        year_weeks=year.weeks if year is not None else run.year.weeks,
        run=(run.start_date, run.end_date),
        pupils=[
            (row.date("start_date") or run.start_date, row.date("exit_date") or run.end_date)
            for row in pupil_rows
        ],
    )
    total, shares = costs.total, list(costs.shares)
    share_of = dict(zip((row.number for row in pupil_rows), shares, strict=True))
    for row in rows:
        share = share_of.get(row.number)
        for key in ("total_cost", "pupil_cost"):
            stated = row.decimal(key)
            if stated is None:
                continue
            if abs(stated - total) <= PENNY or (share is not None and abs(stated - share) <= PENNY):
                continue
            per_pupil = (
                f", {format_money(share)} for this pupil's share" if share is not None else ""
            )
            planner.warn(
                row,
                key,
                f"The sheet says {format_money(stated)}; provmap costs {run.description} at "
                f"{format_money(total)}{per_pupil} ({_cost_rule(basis, price)}).",
            )


def _plan(plan: MapImportPlan, rows: list[MapRow], problems: list[Problem], labelled: bool) -> None:
    planner = Planner(plan, rows, problems)
    matcher = RunMatcher(existing_runs(plan.school))
    runs = []
    for group in group_rows(planner, rows, labelled):
        run = plan_run(planner, group)
        if run is None:
            continue
        run.existing = matcher.find(run)
        warn_if_run_differs(planner, run)
        runs.append(run)
    _plan_measures(planner, runs)
    plan.runs = runs
    for run in runs:
        placements = (
            {item.pupil_id: item for item in run.existing.placements.all()} if run.existing else {}
        )
        seen: dict[int, int] = {}
        for row in run.rows:
            if not planner.has_pupil(row):
                continue
            pupil = planner.pupil(row)
            if pupil is None:
                continue
            if pupil.pk in seen:
                planner.problem(
                    row,
                    "upn" if row.has("upn") else "pupil",
                    f"{pupil.full_name} is already in this group on row {seen[pupil.pk]}.",
                )
                continue
            seen[pupil.pk] = row.number
            planned = _plan_placement(planner, run, row, pupil, placements.get(pupil.pk))
            if planned is not None:
                plan.placements.append(planned)
        _check_costs(planner, run)
    plan.report.warnings.extend(planner.warnings)


def _usable(columns: ColumnMap) -> bool:
    """Headings a sheet of a map needs: the provision and the pupil."""
    return columns.has("provision") and any(
        columns.has(key) for key in ("upn", "mis_id", "pupil", "surname")
    )


def _problem_order(problem: Problem) -> tuple[str, int]:
    return (problem.record, problem.row or 0)


class _SheetNumbering:
    """Rows of a workbook with one sheet per area or year group, numbered one after another
    for planning (a row's number is its identity there), and given back their sheet and
    row in what is reported."""

    def __init__(self, tables: list[Table]):
        self.tables = tables
        self.several = len(tables) > 1
        self.where: dict[int, tuple[str, int]] = {}

    def rows(self) -> Iterator[tuple[Table, SheetRow]]:
        number = 0
        for table in self.tables:
            for row in table.rows:
                if not self.several:
                    yield table, row
                    continue
                number += 1
                self.where[number] = (table.sheet_name, row.number)
                yield table, SheetRow(number=number, cells=row.cells)

    def record(self, number: int | None) -> tuple[str, int | None]:
        if number is None or number not in self.where:
            return "Row", number
        sheet, row = self.where[number]
        return f"Sheet '{sheet}', row", row

    def _text(self, message: str) -> str:
        def replace(match: re.Match[str]) -> str:
            record, row = self.record(int(match.group(2)))
            return f"{record if match.group(1) == 'Row' else record.lower()} {row}"

        return re.sub(r"\b(Row|row) (\d+)\b", replace, message) if self.several else message

    def problems(self, problems: list[Problem]) -> list[Problem]:
        if not self.several:
            return problems
        return [
            Problem(row, problem.column, self._text(problem.message), record)
            for problem in problems
            for record, row in [self.record(problem.row)]
        ]

    def records(self, records: list[RecordChange]) -> None:
        if not self.several:
            return
        for record in records:
            sheet_record, row = self.record(record.row)
            if sheet_record != "Row":
                record.label = f"{record.label} ({sheet_record.split(',')[0]})"
            record.row = row


def plan_map_import(
    upload: Upload,
    *,
    school: School,
    as_of: dt.date | None = None,
    columns: Mapping[str, str] | None = None,
    sheets: Collection[str] | None = None,
) -> MapImportPlan:
    """Check a spreadsheet map and work out what importing it would create or change,
    writing nothing. `columns` (normalised heading -> field, "" to ignore) overrides the
    columns matched from the headings. A workbook with a sheet per area of need or year group
    is read whole; `sheets` (their names) reads only those, with a warning for the others."""
    report = ImportReport(kind=ImportKind.MAP, file_name=upload.name, school=school.name)
    plan = MapImportPlan(report=report, school=school, as_of=as_of or timezone.localdate())
    problems: list[Problem] = []
    try:
        kind = detect_kind(upload, (FileKind.CSV, FileKind.XLSX))
        workbook = read_sheets(upload, kind)
        tables, table, left_out, other_sheets = find_tables(
            workbook,
            MAP_COLUMNS,
            file_name=upload.name,
            usable=_usable,
            remembered={**column_mapping_for(school, ImportKind.MAP), **(columns or {})},
            examples=("Provision", "Pupil", "UPN", "Start date", "Baseline score"),
            chosen=sheets,
        )
        report.warnings.extend(Problem(None, "", message) for message in left_out)
        plan.sheet_notes = other_sheets
        if len(workbook) > 1:
            plan.sheets = [sheet.name for sheet in workbook]
            plan.sheets_read = [found.sheet_name for found in tables]
        report.ignored_columns = list(
            dict.fromkeys(heading for found in tables for heading in found.columns.ignored)
        )
        plan.columns = table.columns
        plan.remember = table.columns.remembered()
        if not table.columns.has("provision"):
            raise ImportRejected(
                [
                    Problem(
                        None,
                        "",
                        "There is no column for the provision: expected a heading "
                        "such as 'Provision', 'Intervention' or 'Programme'.",
                    )
                ]
            )
        if not any(table.columns.has(key) for key in ("upn", "mis_id", "pupil", "surname")):
            raise ImportRejected(
                [
                    Problem(
                        None,
                        "",
                        "There is no column for the pupil: expected a heading such "
                        "as 'UPN', 'Pupil' or 'Name'.",
                    )
                ]
            )
    except ImportRejected as rejected:
        report.reject(rejected.problems)
        return plan
    numbering = _SheetNumbering(tables)
    rows = [
        read_map_row(RowReader.for_row(found.columns, row, problems))
        for found, row in numbering.rows()
    ]
    labelled = any(
        found.columns.has(key) for found in tables for key in ("group", "group_start", "group_ref")
    )
    _plan(plan, rows, problems, labelled)
    report.rows = len(rows)
    if problems:
        report.reject(sorted(numbering.problems(problems), key=_problem_order))
        return plan
    report.records = [
        RecordChange(
            action=item.action,
            label=f"{item.pupil.full_name} in {item.run.description}",
            row=item.row.number,
            changes=item.changes,
        )
        for item in plan.placements
    ]

    for run in plan.runs:
        if run.existing is None and not any(item.run is run for item in plan.placements):
            report.records.append(
                RecordChange("created", f"{run.description} (no pupils yet)", run.rows[0].number)
            )
        elif (
            run.existing is not None
            and not run.existing.placements.all()
            and not any(item.run is run for item in plan.placements)
        ):
            report.records.append(
                RecordChange("unchanged", f"{run.description} (no pupils yet)", run.rows[0].number)
            )
    for what, items in (
        ("school years", [year.name for year in plan.years]),
        (
            "provisions in the catalogue",
            [item.name for item in plan.provisions if item.existing is None],
        ),
        ("staff", [item.name for item in plan.staff]),
        ("funding streams", [item.name for item in plan.funding]),
        ("measures", [item.name for item in plan.measures]),
        ("groups", [run.description for run in plan.runs if run.existing is None]),
    ):
        if items:
            report.notes.append(f"New {what}: {', '.join(items)}.")
    numbering.records(report.records)
    report.warnings = numbering.problems(report.warnings)
    report.notes.extend(plan.sheet_notes)
    if numbering.several:
        names = ", ".join(f"'{found.sheet_name}'" for found in tables)
        report.notes.append(f"Sheets read: {names}.")
    return plan

"""Pupils' results from a CSV or XLSX file: a row per result (UPN or MIS id, measure, date,
value), such as a whole cohort's reading test or a term's attendance.

A measure the school does not have yet is created (its scale guessed from its name: "%" or
"attendance" for a percentage, "age" for an age in months, "standardised" for a standardised
score, otherwise a raw score) and listed in the preview, so a misspelt name is noticed before
anything is written. A result already recorded for the pupil, measure and date is left alone
if its value is the same and corrected if it differs, so importing a file twice changes
nothing.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction

from provmap.interchange.columns import (
    Column,
    ColumnMap,
    RowReader,
    Table,
    find_table,
    normalise_heading,
    require_columns,
)
from provmap.interchange.files import FileKind, Upload, detect_kind, read_sheets
from provmap.interchange.models import ImportKind
from provmap.interchange.pupil_import import display
from provmap.interchange.report import (
    FieldChange,
    ImportRejected,
    ImportReport,
    Problem,
    RecordChange,
)
from provmap.interchange.services import column_mapping_for, column_mapping_remember
from provmap.interchange.values import (
    CellError,
    is_blank,
    parse_age_months,
    parse_bounded,
    parse_school_date,
    parse_upn,
    split_bound,
    text,
)
from provmap.interchange.writing import write_all_or_nothing
from provmap.pupils.measure_kinds import guess_kind
from provmap.pupils.models import Measure, Pupil, Result
from provmap.pupils.score_range import score_range_error
from provmap.pupils.services import NewResult, measure_create, result_set_value, results_bulk_record
from provmap.schools.bounds import SCORE
from provmap.schools.models import School

RESULT_COLUMNS = [
    Column("upn", "the UPN", ("UPN", "Unique Pupil Number", "Pupil UPN")),
    Column("mis_id", "the MIS id", ("MIS id", "Adno", "Admission number", "Admission no")),
    Column(
        "measure",
        "the measure",
        ("Measure", "Assessment", "Test", "Assessment name", "Test name", "Aspect"),
    ),
    Column(
        "date",
        "the date",
        ("Date", "Date taken", "Assessment date", "Test date", "Result date", "Date of test"),
    ),
    Column("value", "the result", ("Value", "Score", "Result", "Mark", "Points")),
]


def guess_scale(name: str) -> tuple[str, Decimal | None, Decimal | None]:
    """A new measure's scale and range from its name."""
    words = name.lower()
    if "%" in words or "attendance" in words or "percent" in words:
        return Measure.Scale.PERCENT, Decimal(0), Decimal(100)
    if "standardised" in words or "standardized" in words:
        return Measure.Scale.STANDARDISED, None, None
    if " age" in f" {words}":
        return Measure.Scale.AGE_MONTHS, None, None
    return Measure.Scale.RAW, None, None


@dataclass
class PlannedMeasure:
    name: str
    existing: Measure | None = None
    instance: Measure | None = None

    @property
    def measure(self) -> Measure:
        found = self.existing or self.instance
        assert found is not None
        return found


@dataclass
class PlannedResult:
    row: int
    pupil: Pupil
    measure: PlannedMeasure
    date: dt.date
    value: Decimal
    # Result.Bound: the score was given as "<70" or "131+".
    bound: str = ""
    existing: Result | None = None
    action: str = "created"


@dataclass
class ResultsImportPlan:
    report: ImportReport
    school: School
    measures: list[PlannedMeasure] = field(default_factory=list)
    results: list[PlannedResult] = field(default_factory=list)
    remember: dict[str, str] = field(default_factory=dict)
    # The heading row and the field each column feeds, once a heading row was found.
    columns: ColumnMap | None = None


def _result_value(cell: object, *, age: bool) -> Decimal:
    """A score, or for a reading or spelling age, the age in months (9.04 -> 112)."""
    if age:
        months = parse_age_months(cell)
        message = SCORE.error(months)
        if message:
            raise CellError(message)
        return months
    return parse_bounded(cell, SCORE, places=2)


@dataclass
class WideColumns:
    """A file with one row per pupil and a column per assessment: each assessment's column,
    and the column of its date (its own, or the one date column of the file)."""

    measures: dict[str, int]
    dates: dict[str, int]

    @property
    def positions(self) -> set[int]:
        return set(self.measures.values()) | set(self.dates.values())


# Columns of a pupil list that are not assessments, in a wide results file.
_PUPIL_DETAILS = re.compile(
    r"^(?:(?:legal |preferred )?(?:surname|forename|first name|last name|name|full name)|"
    r"dob|date of birth|gender|sex|year|year group|nc year|reg|form|reg group|tutor group|"
    r"class|adno|admission number|upn|mis id|sen status|sen|pupil premium|pp|fsm|eal)$"
)
_DATE_OF = re.compile(r"^(?:date of (.+)|(.+?) (?:test )?date|(.+?) date taken|(.+?) \(date\))$")


def _wide_columns(table: Table) -> WideColumns | None:
    """The assessment columns of a wide file, or None if it has none."""
    used = set(table.columns.fields.values())
    measures: dict[str, int] = {}
    date_columns: dict[str, int] = {}
    for position, heading in enumerate(table.columns.headings):
        if not heading or position in used:
            continue
        normal = normalise_heading(heading)
        if _PUPIL_DETAILS.match(normal):
            continue
        match = _DATE_OF.match(heading.strip().lower())
        if match:
            date_columns[next(group for group in match.groups() if group)] = position
            continue
        measures[heading.strip()] = position
    if not measures:
        return None
    dates = {}
    for name in measures:
        own = date_columns.get(name.lower())
        if own is not None:
            dates[name] = own
    return WideColumns(measures=measures, dates=dates)


def _readers(table: Table, wide: WideColumns | None, problems: list[Problem]):
    """One reader per result: a row of a long file, or each filled assessment cell of a row
    of a wide one (with the row's pupil and the assessment's date)."""
    for row in table.rows:
        if wide is None:
            yield RowReader.for_row(table.columns, row, problems)
            continue
        base = {
            key: (table.columns.heading(key), table.columns.raw(row, key))
            for key in ("upn", "mis_id", "date")
            if table.columns.has(key)
        }
        for name, position in wide.measures.items():
            value = row.cells[position] if position < len(row.cells) else None
            if is_blank(value):
                continue
            cells = dict(base)
            cells["measure"] = (name, name)
            cells["value"] = (name, value)
            if name in wide.dates:
                at = wide.dates[name]
                heading = table.columns.headings[at]
                cells["date"] = (heading, row.cells[at] if at < len(row.cells) else None)
            elif "date" not in cells:
                cells["date"] = ("Date", None)
            yield RowReader(row.number, cells, problems)


def _bounds(measure: Measure | None, name: str, value: Decimal) -> str | None:
    low, high = (measure.min_value, measure.max_value) if measure else guess_scale(name)[1:]
    return score_range_error(value, name=name, low=low, high=high)


def plan_results_import(
    upload: Upload,
    *,
    school: School,
    columns: Mapping[str, str] | None = None,
    skip_invalid_rows: bool = False,
) -> ResultsImportPlan:
    """Check a results file and work out what importing it would record, writing nothing.

    `columns` (normalised heading -> field, "" to ignore) overrides the columns matched from
    the headings. `skip_invalid_rows` plans the rows without problems and leaves out the
    others (listed in `report.skipped`) instead of refusing the file.
    """
    report = ImportReport(kind=ImportKind.RESULTS, file_name=upload.name, school=school.name)
    plan = ResultsImportPlan(report=report, school=school)
    problems: list[Problem] = []
    try:
        kind = detect_kind(upload, (FileKind.CSV, FileKind.XLSX))
        table = find_table(
            read_sheets(upload, kind),
            RESULT_COLUMNS,
            file_name=upload.name,
            remembered={**column_mapping_for(school, ImportKind.RESULTS), **(columns or {})},
            examples=("UPN", "Measure", "Date", "Score"),
        )
        plan.columns = table.columns
        plan.remember = table.columns.remembered()
        report.ignored_columns = table.columns.ignored
        footer = table.footer_note()
        if footer:
            report.notes.append(footer)
        wide = _wide_columns(table) if not table.columns.has("measure") else None
        if wide is None:
            require_columns(table, RESULT_COLUMNS, ("measure", "date", "value"))
        else:
            report.ignored_columns = [
                heading
                for position, heading in enumerate(table.columns.headings)
                if heading in table.columns.ignored and position not in wide.positions
            ]
            report.notes.append(
                "One row per pupil, a column per assessment: " + ", ".join(wide.measures) + "."
            )
        if not (table.columns.has("upn") or table.columns.has("mis_id")):
            raise ImportRejected(
                [
                    Problem(
                        None,
                        "",
                        "There is no column for the pupil: expected a heading such as 'UPN' "
                        "or 'Adno'.",
                    )
                ]
            )
    except ImportRejected as rejected:
        report.reject(rejected.problems)
        return plan
    pupils = list(Pupil.objects.filter(school=school))
    by_upn = {pupil.upn: pupil for pupil in pupils}
    by_mis: dict[str, list[Pupil]] = {}
    pupil: Pupil | None
    for pupil in pupils:
        if pupil.mis_id:
            by_mis.setdefault(pupil.mis_id, []).append(pupil)
    measures = {measure.name.lower(): measure for measure in Measure.objects.filter(school=school)}
    planned_measures: dict[str, PlannedMeasure] = {}
    seen: dict[tuple[int, str, dt.date], int] = {}
    for reader in _readers(table, wide, problems):
        upn = reader.get("upn", parse_upn) if reader.has("upn") else None
        mis_id = reader.get("mis_id", lambda value: text(value, max_length=40))
        name = reader.get(
            "measure",
            lambda value: text(value, max_length=120),
            required="each result needs the name of its measure",
        )
        date = reader.get("date", parse_school_date, required="each result needs its date")
        raw_value, bound = split_bound(reader.raw("value"))
        age = False
        if name is not None:
            known = measures.get(name.lower())
            scale = known.scale if known else guess_scale(name)[0]
            age = scale == Measure.Scale.AGE_MONTHS
        value = reader.get(
            "value",
            lambda cell, raw=raw_value, age=age: _result_value(raw, age=age),
            required="each result needs its value",
        )
        pupil = None
        if upn:
            pupil = by_upn.get(upn)
            if pupil is None:
                reader.problem("upn", f"no pupil with UPN {upn} is on this school's register.")
        elif mis_id:
            found = by_mis.get(mis_id, [])
            if len(found) == 1:
                pupil = found[0]
            else:
                count = "no pupil" if not found else f"{len(found)} pupils"
                reader.problem("mis_id", f"{count} in provmap with MIS id {mis_id}.")
        elif not reader.failed:
            reader.problem("upn" if reader.has("upn") else "mis_id", "say whose result this is.")
        if reader.failed or pupil is None or name is None or date is None or value is None:
            continue
        key = name.lower()
        if key not in planned_measures:
            planned_measures[key] = PlannedMeasure(name, measures.get(key))
            if planned_measures[key].existing is None:
                plan.measures.append(planned_measures[key])
        planned = planned_measures[key]
        message = _bounds(planned.existing, planned.name, value)
        if message:
            reader.problem("value", message)
            continue
        first = seen.setdefault((pupil.pk, key, date), reader.number)
        if first != reader.number:
            reader.problem(
                "date",
                f"row {first} already gives {pupil.full_name}'s {planned.name} result on "
                f"{display(date)}.",
            )
            continue
        plan.results.append(PlannedResult(reader.number, pupil, planned, date, value, bound))
    report.rows = len(table.rows)
    if problems:
        if not skip_invalid_rows or report.skip_rows(problems) is None:
            report.reject(problems)
            return plan
        # A new measure named only on rows left out is not created.
        used = {id(item.measure) for item in plan.results}
        plan.measures = [measure for measure in plan.measures if id(measure) in used]
    _match_existing(plan)
    report.records = [
        RecordChange(
            action=item.action,
            label=f"{item.pupil.full_name}: {item.measure.name} on {display(item.date)}",
            row=item.row,
            changes=[FieldChange("value", str(item.existing.value), str(item.value))]
            if item.action == "updated" and item.existing
            else [],
        )
        for item in plan.results
    ]
    if plan.measures:
        names = ", ".join(measure.name for measure in plan.measures)
        report.notes.append(f"New measures: {names}.")
    return plan


def _match_existing(plan: ResultsImportPlan) -> None:
    measure_ids = {
        item.measure.existing.pk for item in plan.results if item.measure.existing is not None
    }
    recorded: dict[tuple[int, int, dt.date], list[Result]] = {}
    for result in Result.objects.filter(school=plan.school, measure_id__in=measure_ids):
        recorded.setdefault((result.pupil_id, result.measure_id, result.date), []).append(result)
    for item in plan.results:
        if item.measure.existing is None:
            continue
        same_day = recorded.get((item.pupil.pk, item.measure.existing.pk, item.date), [])
        if any(result.value == item.value and result.bound == item.bound for result in same_day):
            item.action = "unchanged"
        elif len(same_day) == 1:
            item.action, item.existing = "updated", same_day[0]


def apply_results_import(
    plan: ResultsImportPlan, *, progress: Callable[[int, int], None] | None = None
) -> ImportReport:
    """Write a checked plan, all or nothing."""
    report = plan.report
    if report.errors:
        return report

    def write() -> None:
        for planned in plan.measures:
            scale, low, high = guess_scale(planned.name)
            planned.instance = measure_create(
                school=plan.school,
                name=planned.name,
                scale=scale,
                kind=guess_kind(planned.name, scale),
                min_value=low,
                max_value=high,
            )
        by_measure: dict[int, list[NewResult]] = {}
        for item in plan.results:
            if item.action == "created":
                by_measure.setdefault(item.measure.measure.pk, []).append(
                    NewResult(
                        pupil_id=item.pupil.pk, date=item.date, value=item.value, bound=item.bound
                    )
                )
            elif item.action == "updated" and item.existing is not None:
                result_set_value(result=item.existing, value=item.value, bound=item.bound)
        measures = {planned.measure.pk: planned.measure for planned in plan.measures}
        measures.update(
            {
                item.measure.measure.pk: item.measure.measure
                for item in plan.results
                if item.measure.existing is not None
            }
        )
        source = f"Imported from {report.file_name}"[:60]
        for measure_id, results in by_measure.items():
            results_bulk_record(
                school=plan.school,
                measure=measures[measure_id],
                results=results,
                source=source,
            )
        column_mapping_remember(school=plan.school, kind=ImportKind.RESULTS, headings=plan.remember)

    if not write_all_or_nothing(report, write):
        return report
    if progress is not None:
        progress(len(plan.results), len(plan.results))
    return report


def import_results(
    upload: Upload,
    *,
    school: School,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Check and (unless `dry_run`) import a results file in one transaction."""
    with transaction.atomic():
        plan = plan_results_import(upload, school=school)
        if plan.report.errors or dry_run:
            return plan.report
        return apply_results_import(plan, progress=progress)

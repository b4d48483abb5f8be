"""An existing spreadsheet provision map: one sheet, a row per pupil per provision.

What a sheet implies is worked out first (`plan_map_import`), writing nothing: the catalogue
entries, school years, staff, funding streams and measures it names that provmap does not have
yet, the groups (runs) its rows form, and each pupil's placement with their baseline,
mid-point and exit results. Then `apply_map_import` creates them through the provision,
pupil and school services, in one transaction.

How rows become groups: rows with the same provision and group name (and group start date,
when the sheet has one) are one group, and must agree about the group (its time, weeks,
staff...). A sheet with no group column, like most hand-made maps, groups the rows that agree
on everything about the delivery: provision, staff, day and time, sessions, minutes, weeks.
A group's dates are the sheet's group dates, else its pupils' earliest start and latest exit
or review date.

A group already in provmap (same provision, group name and start date) is not created again:
its placements are compared with the rows and updated where the sheet differs, so importing
the same sheet twice changes nothing. A column the sheet does not have leaves that part of a
placement alone.

Time and cost: "Sessions per week" x "Minutes per session" must make "No. minutes per week"
when all three are given; a sheet with minutes per week only is read as one session of that
length. A new member of staff's hourly rate comes from "Hourly rate", else "Cost per minute"
x 60. provmap then costs each group itself (staff time x rate x weeks, shared between pupils
by days in the group) and reports, as warnings, rows whose "Total cost for provision" matches
neither the group's cost nor the pupil's share.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Generic, TypeVar, cast

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from provmap.interchange.columns import ColumnMap, RowReader, find_table
from provmap.interchange.files import FileKind, Upload, detect_kind, read_sheets
from provmap.interchange.mapsheet import (
    MAP_COLUMNS,
    StaffLine,
    format_money,
    parse_staff_line,
    parse_staff_lines,
)
from provmap.interchange.models import ImportKind
from provmap.interchange.pupil_import import display, split_name
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
    parse_amount,
    parse_areas,
    parse_bounded,
    parse_bounded_int,
    parse_need,
    parse_placement_status,
    parse_priority,
    parse_provision_type,
    parse_rating,
    parse_run_status,
    parse_school_date,
    parse_wave,
    shown,
    text,
)
from provmap.interchange.writing import write_all_or_nothing
from provmap.provision import costing
from provmap.provision.models import (
    Placement,
    Provision,
    ProvisionRun,
    ProvisionType,
    RunStaff,
)
from provmap.provision.services import (
    RESULT_STAGES,
    NewPlacement,
    StaffAssignment,
    StageResult,
    placement_record_result,
    placement_update,
    placements_bulk_create,
    provision_create,
    provision_set_measure,
    run_create,
)
from provmap.pupils.models import Measure, Pupil
from provmap.pupils.services import measure_create
from provmap.pupils.upn import UPNError, validate_upn
from provmap.schools.bounds import (
    COST_PER_MINUTE,
    HOURLY_RATE,
    MINUTES_PER_SESSION,
    MINUTES_PER_WEEK,
    RUN_WEEKS,
    SCORE,
    SESSIONS_PER_WEEK,
    date_error,
    show_number,
    weekly_time_error,
)
from provmap.schools.models import (
    AcademicYear,
    FundingStream,
    RoleRate,
    School,
    StaffMember,
    Term,
)
from provmap.schools.roles import StaffRole
from provmap.schools.services import (
    STANDARD_WEEKS,
    academic_year_create,
    funding_stream_create,
    staff_member_create,
    standard_academic_year,
    standard_academic_year_named,
)

# What PlannedNamed finds or creates by name.
_Named = TypeVar("_Named", Measure, FundingStream)

# A member of staff named on a sheet with no role code is taken to be a teaching assistant,
# the role that delivers most interventions; their cost comes from the sheet's rate anyway.
DEFAULT_ROLE = StaffRole.TA
STAGE_HEADINGS = {"baseline": "baseline", "midpoint": "midpoint", "exit": "exit"}
RUN_FIELDS = (
    "term",
    "group_end",
    "group_status",
    "day_time",
    "withdrawn_from",
    "funding",
    "lead_staff",
    "reviewing_staff",
    "staff_lines",
    "sessions_per_week",
    "minutes_per_session",
    "minutes_per_week",
    "weeks",
    "hourly_rate",
    "cost_per_minute",
    "group_notes",
    "academic_year",
)
PENNY = Decimal("0.01")


def _key(name: str) -> str:
    return " ".join(name.lower().split())


def _academic_year_name(value: object) -> str:
    name = shown(value)
    try:
        start, _ = standard_academic_year_named(name)
    except ValidationError:
        raise CellError(f"expected a school year such as 2025-26, not '{name}'.") from None
    return f"{start.year}-{(start.year + 1) % 100:02d}"


def _upn(value: object) -> str:
    try:
        return validate_upn(shown(value))
    except UPNError as exc:
        raise CellError(str(exc)) from None


def _midpoint(value: object) -> Decimal | str:
    """A mid-point score, or the words of a mid-intervention review ('on track')."""
    try:
        return parse_bounded(value, SCORE, places=2)
    except CellError:
        words = shown(value)
        if any(character.isalpha() for character in words):
            return words
        raise


@dataclass
class MapRow:
    """One row of the sheet, checked and converted (None: blank, or no such column)."""

    number: int
    headings: dict[str, str]
    values: dict[str, object] = field(default_factory=dict)
    # Columns whose cell could not be read (already reported): not reported again as blank.
    unreadable: set[str] = field(default_factory=set)

    def get(self, key: str) -> object:
        return self.values.get(key)

    # Each column's parser (_PARSERS) gives its values one type: these read them as that.

    def date(self, key: str) -> dt.date | None:
        return cast("dt.date | None", self.values.get(key))

    def decimal(self, key: str) -> Decimal | None:
        return cast("Decimal | None", self.values.get(key))

    def whole_number(self, key: str) -> int | None:
        return cast("int | None", self.values.get(key))

    def has(self, key: str) -> bool:
        return key in self.headings

    def heading(self, key: str) -> str:
        return self.headings.get(key, "")


_PARSERS: dict[str, Callable[[object], object]] = {
    "provision": lambda value: text(value, max_length=160),
    "academic_year": _academic_year_name,
    "term": lambda value: text(value, max_length=40),
    "wave": parse_wave,
    "provision_type": parse_provision_type,
    "areas": parse_areas,
    "group": lambda value: text(value, max_length=80),
    "group_ref": lambda value: text(value, max_length=40),
    "group_start": parse_school_date,
    "group_end": parse_school_date,
    "group_status": parse_run_status,
    "day_time": lambda value: text(value, max_length=80),
    "withdrawn_from": lambda value: text(value, max_length=80),
    "funding": lambda value: text(value, max_length=120),
    "lead_staff": lambda value: parse_staff_line(shown(value)),
    "reviewing_staff": lambda value: parse_staff_line(shown(value)),
    "staff_lines": parse_staff_lines,
    "sessions_per_week": lambda value: parse_bounded(value, SESSIONS_PER_WEEK, places=1),
    "minutes_per_session": lambda value: parse_bounded_int(value, MINUTES_PER_SESSION),
    "minutes_per_week": lambda value: parse_bounded(value, MINUTES_PER_WEEK, places=1),
    "weeks": lambda value: parse_bounded(value, RUN_WEEKS, places=1),
    "cost_per_minute": lambda value: parse_bounded(value, COST_PER_MINUTE, places=4),
    "hourly_rate": lambda value: parse_bounded(value, HOURLY_RATE, places=2),
    "total_cost": parse_amount,
    "pupil_cost": parse_amount,
    "group_notes": text,
    "upn": _upn,
    "mis_id": lambda value: text(value, max_length=40),
    "pupil": text,
    "surname": text,
    "forename": text,
    "start_date": parse_school_date,
    "exit_date": parse_school_date,
    "review_date": parse_school_date,
    "status": parse_placement_status,
    "priority": parse_priority,
    "need": parse_need,
    "measure": lambda value: text(value, max_length=120),
    "baseline": lambda value: parse_bounded(value, SCORE, places=2),
    "baseline_date": parse_school_date,
    "midpoint": _midpoint,
    "midpoint_date": parse_school_date,
    "exit": lambda value: parse_bounded(value, SCORE, places=2),
    "exit_score_date": parse_school_date,
    "rating": parse_rating,
    "notes": text,
}


def read_map_row(reader: RowReader) -> MapRow:
    row = MapRow(
        number=reader.number,
        headings={key: heading for key, (heading, _) in reader.cells.items()},
    )
    for key in reader.cells:
        parse = _PARSERS.get(key)
        if parse is None:
            continue
        required = "each row needs the name of its provision" if key == "provision" else None
        reported = len(reader.problems)
        value = reader.get(key, parse, required=required)
        if value is not None:
            row.values[key] = value
        elif len(reader.problems) > reported:
            row.unreadable.add(key)
    return row


# What the sheet implies -------------------------------------------------------------------


@dataclass
class PlannedStaff:
    name: str
    role: str
    hourly_rate: Decimal | None
    existing: StaffMember | None = None
    instance: StaffMember | None = None
    role_stated: bool = False
    rate_stated: bool = False

    @property
    def staff(self) -> StaffMember:
        found = self.existing or self.instance
        assert found is not None, "staff not created yet"
        return found

    def rate(self, role_rates: dict[str, Decimal]) -> Decimal:
        if self.existing is not None:
            return costing.hourly_rate_for(
                self.existing.hourly_rate, role_rates.get(self.existing.role)
            )
        return costing.hourly_rate_for(self.hourly_rate, role_rates.get(self.role))


@dataclass
class PlannedYear:
    name: str
    start_date: dt.date
    end_date: dt.date
    existing: AcademicYear | None = None
    instance: AcademicYear | None = None
    # A new year gets the standard weeks (academic_year_create's default).
    weeks: Decimal = STANDARD_WEEKS

    @property
    def year(self) -> AcademicYear:
        found = self.existing or self.instance
        assert found is not None
        return found


@dataclass
class PlannedNamed(Generic[_Named]):
    """A measure or funding stream found by name, or to create."""

    name: str
    existing: _Named | None = None
    instance: _Named | None = None

    @property
    def obj(self) -> _Named:
        found = self.existing or self.instance
        assert found is not None
        return found


@dataclass
class PlannedProvision:
    name: str
    existing: Provision | None = None
    wave: int = 2
    provision_type: str = ""
    areas: tuple[str, ...] = ()
    measure: PlannedNamed[Measure] | None = None
    set_measure: bool = False
    first_row: int = 0
    instance: Provision | None = None

    @property
    def provision(self) -> Provision:
        found = self.existing or self.instance
        assert found is not None
        return found


@dataclass
class PlannedRun:
    provision: PlannedProvision
    year: PlannedYear
    label: str
    start_date: dt.date
    end_date: dt.date
    rows: list[MapRow]
    term_id: int | None = None
    status: str = ProvisionRun.Status.PLANNED
    sessions_per_week: Decimal | None = None
    minutes_per_session: int | None = None
    weeks: Decimal | None = None
    day_time: str = ""
    withdrawn_from: str = ""
    notes: str = ""
    funding: PlannedNamed[FundingStream] | None = None
    lead: PlannedStaff | None = None
    reviewer: PlannedStaff | None = None
    staff: list[tuple[PlannedStaff, Decimal | None, int | None]] = field(default_factory=list)
    ref: str = ""
    existing: ProvisionRun | None = None
    instance: ProvisionRun | None = None

    @property
    def run(self) -> ProvisionRun:
        found = self.existing or self.instance
        assert found is not None
        return found

    @property
    def description(self) -> str:
        return f"{self.provision.name} {self.label}".strip()


@dataclass
class PlannedPlacement:
    row: MapRow
    run: PlannedRun
    pupil: Pupil
    action: str
    start_date: dt.date
    fields: dict[str, object] = field(default_factory=dict)
    results: dict[str, tuple[Decimal, dt.date]] = field(default_factory=dict)
    # Stages whose date the sheet states (the others' dates are inferred from the placement).
    dated: set[str] = field(default_factory=set)
    existing: Placement | None = None
    changes: list[FieldChange] = field(default_factory=list)


@dataclass
class MapImportPlan:
    report: ImportReport
    school: School
    as_of: dt.date
    years: list[PlannedYear] = field(default_factory=list)
    staff: list[PlannedStaff] = field(default_factory=list)
    funding: list[PlannedNamed[FundingStream]] = field(default_factory=list)
    measures: list[PlannedNamed[Measure]] = field(default_factory=list)
    provisions: list[PlannedProvision] = field(default_factory=list)
    runs: list[PlannedRun] = field(default_factory=list)
    placements: list[PlannedPlacement] = field(default_factory=list)
    remember: dict[str, str] = field(default_factory=dict)
    # The heading row and the field each column feeds, once a heading row was found.
    columns: ColumnMap | None = None


class _Planner:
    """Works through the rows once, building the plan and collecting every problem."""

    def __init__(self, plan: MapImportPlan, rows: list[MapRow], problems: list[Problem]):
        self.plan = plan
        self.school = plan.school
        self.rows = rows
        self.problems = problems
        self.warnings: list[Problem] = []
        school = self.school
        self.role_rates = dict(
            RoleRate.objects.filter(school=school).values_list("role", "hourly_rate")
        )
        self.staff_by_name = {
            _key(staff.name): staff for staff in StaffMember.objects.filter(school=school)
        }
        self.years_by_name = {
            year.name: year for year in AcademicYear.objects.filter(school=school)
        }
        self.terms = list(school_terms(school))
        self.funding_by_name = {
            _key(stream.name): stream for stream in FundingStream.objects.filter(school=school)
        }
        self.measures_by_name = {
            _key(measure.name): measure for measure in Measure.objects.filter(school=school)
        }
        self.provisions_by_name = {
            _key(provision.name): provision
            for provision in Provision.objects.filter(school=school).select_related("measure")
        }
        self.pupils_by: dict[tuple[str, str], list[Pupil]] = {}
        for pupil in Pupil.objects.filter(school=school):
            keys = [("upn", pupil.upn), ("mis_id", pupil.mis_id)]
            for forename in {_key(pupil.legal_forename), _key(pupil.preferred_forename)}:
                if forename:
                    keys.append(("name", f"{forename}|{_key(pupil.surname)}"))
            for key in keys:
                if key[1]:
                    self.pupils_by.setdefault(key, []).append(pupil)
        self.planned_staff: dict[str, PlannedStaff] = {}
        self.planned_years: dict[str, PlannedYear] = {}
        self.planned_funding: dict[str, PlannedNamed[FundingStream]] = {}
        self.planned_measures: dict[str, PlannedNamed[Measure]] = {}
        self.planned_provisions: dict[str, PlannedProvision] = {}

    def problem(self, row: MapRow, key: str, message: str) -> None:
        self.problems.append(Problem(row.number, row.heading(key), message))

    def warn(self, row: MapRow, key: str, message: str) -> None:
        self.warnings.append(Problem(row.number, row.heading(key), message))

    # Things found by name, or to create ------------------------------------------------

    def staff(self, line: StaffLine, rate: Decimal | None) -> PlannedStaff:
        """The member of staff a cell names. For someone new, a role or rate stated in a later
        cell wins over a default or a rate worked out from the row's cost per minute."""
        name = _key(line.name)
        if name not in self.planned_staff:
            planned = PlannedStaff(
                name=line.name,
                role=line.role or DEFAULT_ROLE,
                hourly_rate=line.hourly_rate if line.hourly_rate is not None else rate,
                existing=self.staff_by_name.get(name),
                role_stated=line.role is not None,
                rate_stated=line.hourly_rate is not None,
            )
            self.planned_staff[name] = planned
            if planned.existing is None:
                self.plan.staff.append(planned)
        planned = self.planned_staff[name]
        if line.role is not None and not planned.role_stated:
            planned.role, planned.role_stated = line.role, True
        if line.hourly_rate is not None and not planned.rate_stated:
            planned.hourly_rate, planned.rate_stated = line.hourly_rate, True
        elif planned.hourly_rate is None and rate is not None:
            planned.hourly_rate = rate
        return planned

    def year(self, name: str | None, on: dt.date) -> PlannedYear:
        if name is None:
            containing = [
                year
                for year in self.years_by_name.values()
                if year.start_date <= on <= year.end_date
            ]
            name = containing[0].name if containing else standard_academic_year(on)[0]
        if name not in self.planned_years:
            existing = self.years_by_name.get(name)
            if existing is not None:
                planned = PlannedYear(
                    name, existing.start_date, existing.end_date, existing, weeks=existing.weeks
                )
            else:
                start, end = standard_academic_year_named(name)
                planned = PlannedYear(name, start, end)
                self.plan.years.append(planned)
            self.planned_years[name] = planned
        return self.planned_years[name]

    def funding(self, name: str) -> PlannedNamed[FundingStream]:
        key = _key(name)
        if key not in self.planned_funding:
            planned = PlannedNamed(name, self.funding_by_name.get(key))
            self.planned_funding[key] = planned
            if planned.existing is None:
                self.plan.funding.append(planned)
        return self.planned_funding[key]

    def measure(self, name: str) -> PlannedNamed[Measure]:
        key = _key(name)
        if key not in self.planned_measures:
            planned = PlannedNamed(name, self.measures_by_name.get(key))
            self.planned_measures[key] = planned
            if planned.existing is None:
                self.plan.measures.append(planned)
        return self.planned_measures[key]

    def provision(self, row: MapRow) -> PlannedProvision:
        name = str(row.get("provision"))
        key = _key(name)
        if key not in self.planned_provisions:
            existing = self.provisions_by_name.get(key)
            planned = PlannedProvision(
                name=existing.name if existing else name,
                existing=existing,
                wave=int(row.whole_number("wave") or 2),
                provision_type=str(row.get("provision_type") or ""),
                areas=tuple(cast("tuple[str, ...] | None", row.get("areas")) or ()),
                first_row=row.number,
            )
            if existing is not None and existing.measure is not None:
                planned.measure = PlannedNamed(existing.measure.name, existing.measure)
            self.planned_provisions[key] = planned
            self.plan.provisions.append(planned)
        return self.planned_provisions[key]

    # Pupils ------------------------------------------------------------------------------

    def pupil(self, row: MapRow) -> Pupil | None:
        upn, mis_id = row.get("upn"), row.get("mis_id")
        if upn:
            found = self.pupils_by.get(("upn", str(upn)), [])
            if not found:
                self.problem(row, "upn", f"No pupil with UPN {upn} is on this school's register.")
                return None
            return found[0]
        if mis_id:
            found = self.pupils_by.get(("mis_id", str(mis_id)), [])
            if len(found) != 1:
                count = "No pupil" if not found else f"{len(found)} pupils"
                self.problem(row, "mis_id", f"{count} in provmap with MIS id {mis_id}.")
                return None
            return found[0]
        forename, surname = row.get("forename"), row.get("surname")
        if not (forename and surname) and row.get("pupil"):
            try:
                forename, surname = split_name(row.get("pupil"))
            except CellError as exc:
                self.problem(row, "pupil", _capital(str(exc)))
                return None
        if not (forename and surname):
            return None
        found = self.pupils_by.get(("name", f"{_key(str(forename))}|{_key(str(surname))}"), [])
        if len(found) > 1:
            on_roll = [pupil for pupil in found if pupil.on_roll_to is None]
            found = on_roll if len(on_roll) == 1 else found
        key = "pupil" if row.has("pupil") and row.get("pupil") else "surname"
        if not found:
            self.problem(row, key, f"No pupil called {forename} {surname} is on the register.")
            return None
        if len(found) > 1:
            self.problem(
                row, key, f"{len(found)} pupils are called {forename} {surname}: give their UPN."
            )
            return None
        return found[0]

    def has_pupil(self, row: MapRow) -> bool:
        return any(row.get(key) for key in ("upn", "mis_id", "pupil", "surname", "forename"))


def school_terms(school: School) -> QuerySet[Term]:
    return Term.objects.filter(school=school).select_related("academic_year")


def _capital(message: str) -> str:
    return message[:1].upper() + message[1:]


def _run_time(planner: _Planner, row: MapRow) -> tuple[Decimal | None, int | None]:
    """A row's sessions per week and minutes per session, checked against its minutes per
    week."""
    sessions = row.decimal("sessions_per_week")
    minutes = row.whole_number("minutes_per_session")
    weekly = row.decimal("minutes_per_week")
    if sessions is not None and minutes is not None:
        if weekly is not None and abs(Decimal(sessions) * minutes - Decimal(weekly)) >= 1:
            planner.problem(
                row,
                "minutes_per_week",
                f"{weekly} minutes per week is not {sessions} sessions of {minutes} minutes "
                f"({Decimal(sessions) * minutes} minutes).",
            )
        too_long = weekly_time_error(sessions, minutes)
        if too_long:
            planner.problem(row, "minutes_per_session", too_long)
            return None, None
        return Decimal(sessions), int(minutes)
    if weekly is not None:
        sessions = Decimal(sessions) if sessions is not None else Decimal(1)
        each = Decimal(weekly) / sessions
        if each != each.to_integral_value():
            planner.problem(
                row,
                "minutes_per_week",
                f"{weekly} minutes per week in {sessions} session(s) is not a whole number of "
                "minutes per session: give 'Minutes per session' too.",
            )
            return None, None
        too_long = MINUTES_PER_SESSION.error(each)
        if too_long:
            planner.problem(
                row,
                "minutes_per_week",
                f"{weekly} minutes per week in {sessions} session(s) makes sessions of "
                f"{show_number(each)} minutes. {too_long}",
            )
            return None, None
        return sessions, int(each)
    if minutes is not None:
        return Decimal(sessions) if sessions is not None else Decimal(1), int(minutes)
    return (Decimal(sessions) if sessions is not None else None), None


def _rate_from_row(row: MapRow) -> Decimal | None:
    hourly_rate = row.decimal("hourly_rate")
    if hourly_rate is not None:
        return Decimal(hourly_rate)
    cost_per_minute = row.decimal("cost_per_minute")
    if cost_per_minute is not None:
        return (Decimal(cost_per_minute) * 60).quantize(PENNY, rounding=ROUND_HALF_UP)
    return None


def _signature(row: MapRow) -> tuple[object, ...]:
    """What makes two rows the same group when the sheet names no groups."""
    return (
        _key(str(row.get("provision"))),
        row.get("academic_year"),
        *(
            repr(row.get(key))
            for key in RUN_FIELDS
            if key not in ("group_end", "group_status", "group_notes")
        ),
    )


def _dates_in_order(planner: _Planner, row: MapRow) -> bool:
    """A row's own exit and review dates must not come before its start."""
    start = row.date("start_date")
    if start is None:
        return True
    for key, what in (("exit_date", "exit date"), ("review_date", "review date")):
        date = row.date(key)
        if date is not None and date < start:
            planner.problem(
                row,
                key,
                f"The {what} {display(date)} is before the start date {display(start)}.",
            )
            return False
    return True


def _group_rows(planner: _Planner, rows: list[MapRow], labelled: bool) -> list[list[MapRow]]:
    groups: dict[tuple[object, ...], list[MapRow]] = {}
    for row in rows:
        if row.get("provision") is None or not _dates_in_order(planner, row):
            continue
        if labelled:
            key: tuple[object, ...] = (
                _key(str(row.get("provision"))),
                row.get("academic_year"),
                _key(str(row.get("group") or "")),
                row.get("group_start"),
                row.get("group_ref"),
            )
        else:
            key = _signature(row)
        groups.setdefault(key, []).append(row)
    if labelled:
        for members in groups.values():
            first = members[0]
            for row in members[1:]:
                for name in RUN_FIELDS:
                    if name == "academic_year":
                        continue
                    mine, theirs = row.get(name), first.get(name)
                    if mine is not None and theirs is not None and mine != theirs:
                        planner.problem(
                            row,
                            name,
                            f"Row {first.number} puts this pupil's group "
                            f"('{first.get('group') or first.get('provision')}') at "
                            f"{_show(theirs)}, this row at {_show(mine)}: the rows of one group "
                            "must agree.",
                        )
                        break
    return list(groups.values())


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return "; ".join(str(item) for item in value) or "(none)"
    if isinstance(value, StaffLine):
        return value.name
    return display(value)


def _first(rows: list[MapRow], key: str) -> object:
    for row in rows:
        if row.get(key) is not None:
            return row.get(key)
    return None


def _dates(rows: list[MapRow], *keys: str) -> list[dt.date]:
    """The dates the rows give in these columns, row by row."""
    return [date for row in rows for key in keys if (date := row.date(key)) is not None]


def _plan_run(planner: _Planner, rows: list[MapRow]) -> PlannedRun | None:
    first = rows[0]
    provision = planner.provision(first)
    starts = _dates(rows, "start_date")
    # Each column's parser (_PARSERS) gives its values one type.
    group_start = cast("dt.date | None", _first(rows, "group_start"))
    start = group_start or (min(starts) if starts else None)
    if start is None:
        for row in rows:
            if row.unreadable & {"start_date", "group_start"}:
                continue  # its date was reported as it could not be read
            planner.problem(
                row,
                "start_date",
                "provmap needs a start date for this provision: fill in 'Start date' "
                "(or give the group's dates in 'Group start' and 'Group end').",
            )
        return None
    year = planner.year(cast("str | None", _first(rows, "academic_year")), start)
    term_name = _first(rows, "term")
    term_id = None
    if term_name is not None:
        terms = [
            term
            for term in planner.terms
            if term.academic_year.name == year.name and _key(term.name) == _key(str(term_name))
        ]
        if terms:
            term_id = terms[0].pk
        else:
            planner.warn(
                first,
                "term",
                f"{year.name} has no term called '{term_name}' in provmap; the group is kept "
                "without a term.",
            )
    group_end = cast("dt.date | None", _first(rows, "group_end"))
    weeks = cast("Decimal | None", _first(rows, "weeks"))
    # Without the group's own end: its latest exit or review, its weeks from its start, and
    # never before a pupil joins; the end of the school year if the sheet says none of these.
    ends = _dates(rows, "exit_date", "review_date")
    if weeks is not None:
        ends.append(start + dt.timedelta(days=int(Decimal(weeks) * 7) - 1))
    if group_end is not None:
        end = group_end
    elif ends:
        end = max([*ends, *starts])
    else:
        end = year.end_date
    if end < start:
        planner.problem(
            first,
            "group_end" if group_end is not None else "start_date",
            f"The group ends on {display(end)}, before it starts on {display(start)}.",
        )
        return None
    if not _inside_year(planner, rows, year, start, end, weeks):
        return None
    sessions, minutes = _run_time(planner, first)
    rate = _rate_from_row(first)
    staff: list[tuple[PlannedStaff, Decimal | None, int | None]] = []
    lines = cast("tuple[StaffLine, ...] | None", _first(rows, "staff_lines"))
    lead_line = cast("StaffLine | None", _first(rows, "lead_staff"))
    # A sheet that lists who delivers each group says so even when a cell is blank; one that
    # does not (most hand-made maps) is delivered by the member of staff leading it.
    lists_staff = first.has("staff_lines")
    if lines:
        for line in lines:
            staff.append(
                (planner.staff(line, None), line.sessions_per_week, line.minutes_per_session)
            )
    elif lead_line is not None and not lists_staff:
        staff.append((planner.staff(lead_line, rate), None, None))
    lead_rate = None if lists_staff else rate
    reviewer_line = cast("StaffLine | None", _first(rows, "reviewing_staff"))
    funding = _first(rows, "funding")
    today = planner.plan.as_of
    status = _first(rows, "group_status")
    if status is None:
        if start > today:
            status = ProvisionRun.Status.PLANNED
        elif end < today:
            status = ProvisionRun.Status.CLOSED
        else:
            status = ProvisionRun.Status.RUNNING
    if term_id is None and term_name is None and not first.has("term"):
        for term in planner.terms:
            if (
                term.academic_year.name == year.name
                and term.start_date <= start
                and end <= term.end_date
            ):
                term_id = term.pk
                break
    return PlannedRun(
        provision=provision,
        year=year,
        label=str(_first(rows, "group") or ""),
        ref=str(_first(rows, "group_ref") or ""),
        start_date=start,
        end_date=end,
        rows=rows,
        term_id=term_id,
        status=str(status),
        sessions_per_week=sessions,
        minutes_per_session=minutes,
        weeks=Decimal(weeks) if weeks is not None else None,
        day_time=str(_first(rows, "day_time") or ""),
        withdrawn_from=str(_first(rows, "withdrawn_from") or ""),
        notes=str(_first(rows, "group_notes") or ""),
        funding=planner.funding(str(funding)) if funding else None,
        lead=planner.staff(lead_line, lead_rate) if lead_line is not None else None,
        reviewer=planner.staff(reviewer_line, None) if reviewer_line is not None else None,
        staff=staff,
    )


def _row_with(rows: list[MapRow], key: str, value: object) -> MapRow:
    return next((row for row in rows if row.get(key) == value), rows[0])


def _inside_year(
    planner: _Planner,
    rows: list[MapRow],
    year: PlannedYear,
    start: dt.date,
    end: dt.date,
    weeks: Decimal | None,
) -> bool:
    """A group's dates inside its school year and its weeks within the year's teaching weeks
    (run_create's rules), reported on the row and column the value came from."""
    why = f"the dates of {year.name}"
    ok = True
    start_key = "group_start" if _first(rows, "group_start") is not None else "start_date"
    message = date_error(
        start, year.start_date, year.end_date, label="The run's start date", why=why
    )
    if message:
        planner.problem(_row_with(rows, start_key, start), start_key, message)
        ok = False
    message = date_error(end, year.start_date, year.end_date, label="The run's end date", why=why)
    if message:
        source = next(
            (
                key
                for key in ("group_end", "exit_date", "review_date")
                if any(row.get(key) == end for row in rows)
            ),
            "weeks",
        )
        planner.problem(
            _row_with(rows, source, end if source != "weeks" else weeks), source, message
        )
        ok = False
    if weeks is not None:
        message = RUN_WEEKS.error(
            weeks,
            high=year.weeks,
            why=f"the teaching weeks of {year.name}",
        )
        if message:
            planner.problem(_row_with(rows, "weeks", weeks), "weeks", message)
            ok = False
    return ok


def _existing_runs(school: School) -> list[ProvisionRun]:
    runs = (
        ProvisionRun.objects.filter(school=school)
        .select_related("provision", "provision__measure")
        .prefetch_related(
            Prefetch("staff_lines", queryset=RunStaff.objects.select_related("staff")),
            # Joined, not fetched by id: a large map would list thousands of result ids.
            Prefetch(
                "placements",
                queryset=Placement.objects.select_related("baseline", "midpoint", "exit"),
            ),
        )
    )
    return list(runs)


class _RunMatcher:
    """Finds the group already in provmap that a planned group is: by its reference (an
    export's "Group ref"), else by provision, name and start date; each found at most once."""

    def __init__(self, runs: list[ProvisionRun]):
        self.by_pk = {run.pk: run for run in runs}
        self.by_key: dict[tuple[int, str, dt.date], list[ProvisionRun]] = {}
        for run in runs:
            self.by_key.setdefault((run.provision_id, _key(run.label), run.start_date), []).append(
                run
            )
        self.claimed: set[int] = set()

    def find(self, planned: PlannedRun) -> ProvisionRun | None:
        provision = planned.provision.existing
        if provision is None:
            return None
        found = None
        if planned.ref.isdigit():
            candidate = self.by_pk.get(int(planned.ref))
            if candidate is not None and candidate.provision_id == provision.pk:
                found = candidate if candidate.pk not in self.claimed else None
        if found is None:
            key = (provision.pk, _key(planned.label), planned.start_date)
            free = [run for run in self.by_key.get(key, []) if run.pk not in self.claimed]
            found = free[0] if free else None
        if found is not None:
            self.claimed.add(found.pk)
        return found


def _warn_if_run_differs(planner: _Planner, planned: PlannedRun) -> None:
    run = planned.existing
    if run is None:
        return
    stated = {
        "start": (run.start_date, planned.start_date),
        "end": (run.end_date, planned.end_date),
        "weeks": (run.weeks, planned.weeks),
        "sessions per week": (run.sessions_per_week, planned.sessions_per_week),
        "minutes per session": (run.minutes_per_session, planned.minutes_per_session),
    }
    differences = [
        f"{what} {display(ours)} (the sheet: {display(theirs)})"
        for what, (ours, theirs) in stated.items()
        if theirs is not None and ours != theirs
    ]
    if differences:
        planner.warn(
            planned.rows[0],
            "provision",
            f"provmap already has {planned.description} with {'; '.join(differences)}. The "
            "group was left as it is; change it in provmap if the sheet is right.",
        )


def _midpoint_between(start: dt.date, end: dt.date) -> dt.date:
    return start + (end - start) / 2


def _plan_measures(planner: _Planner, runs: list[PlannedRun]) -> None:
    """Every provision with scores on the sheet needs a measure: the sheet's, the one it has,
    or a new one named after it."""
    for provision in planner.plan.provisions:
        rows = [row for run in runs if run.provision is provision for row in run.rows]
        scored = [
            row
            for row in rows
            if any(isinstance(row.get(stage), Decimal) for stage in RESULT_STAGES)
        ]
        named = {_key(str(row.get("measure"))): row for row in rows if row.get("measure")}
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
            if provision.measure is None or _key(provision.measure.name) != _key(name):
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
    planner: _Planner, row: MapRow, stage: str, value: Decimal, measure: Measure | None
) -> None:
    if measure is None:
        return
    if measure.min_value is not None and value < measure.min_value:
        planner.problem(
            row,
            stage,
            f"{value} is below the lowest {measure.name} score ({measure.min_value}).",
        )
    if measure.max_value is not None and value > measure.max_value:
        planner.problem(
            row,
            stage,
            f"{value} is above the highest {measure.name} score ({measure.max_value}).",
        )


def _plan_placement(
    planner: _Planner,
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


def _check_costs(planner: _Planner, run: PlannedRun) -> None:
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
            )
            for line in run.existing.staff_lines.all()
        ]
        weeks = run.existing.weeks
    else:
        # The time run_create will use: the group's own, else the catalogue entry's.
        catalogue = run.provision.existing
        sessions = run.sessions_per_week or (
            catalogue.sessions_per_week if catalogue else Decimal(1)
        )
        minutes = run.minutes_per_session or (catalogue.minutes_per_session if catalogue else 30)
        lines = [
            (planned.rate(planner.role_rates), own_sessions or sessions, own_minutes or minutes)
            for planned, own_sessions, own_minutes in run.staff
        ]
        weeks = run.weeks
        if weeks is None:
            return
    total = sum(
        (
            costing.staff_cost(costing.StaffTime(Decimal(s), int(m), rate), weeks)
            for rate, s, m in lines
        ),
        Decimal(0),
    )
    pupil_rows = [row for row in run.rows if planner.has_pupil(row)]
    weights = [
        costing.overlap_days(
            run.start_date,
            run.end_date,
            row.date("start_date") or run.start_date,
            row.date("exit_date") or run.end_date,
        )
        for row in pupil_rows
    ]
    shares = (
        costing.share_cost(total, weights)
        if pupil_rows and sum(weights) > 0
        else [Decimal("0.00")] * len(pupil_rows)
    )
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
                f"{format_money(total)}{per_pupil} (staff time x hourly rate x weeks).",
            )


def _plan(plan: MapImportPlan, rows: list[MapRow], problems: list[Problem], labelled: bool) -> None:
    planner = _Planner(plan, rows, problems)
    matcher = _RunMatcher(_existing_runs(plan.school))
    runs = []
    for group in _group_rows(planner, rows, labelled):
        run = _plan_run(planner, group)
        if run is None:
            continue
        run.existing = matcher.find(run)
        _warn_if_run_differs(planner, run)
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
    plan.report.warnings = planner.warnings


def plan_map_import(
    upload: Upload,
    *,
    school: School,
    as_of: dt.date | None = None,
    columns: Mapping[str, str] | None = None,
) -> MapImportPlan:
    """Check a spreadsheet map and work out what importing it would create or change,
    writing nothing. `columns` (normalised heading -> field, "" to ignore) overrides the
    columns matched from the headings."""
    report = ImportReport(kind=ImportKind.MAP, file_name=upload.name, school=school.name)
    plan = MapImportPlan(report=report, school=school, as_of=as_of or timezone.localdate())
    problems: list[Problem] = []
    try:
        kind = detect_kind(upload, (FileKind.CSV, FileKind.XLSX))
        table = find_table(
            read_sheets(upload, kind),
            MAP_COLUMNS,
            file_name=upload.name,
            remembered={**column_mapping_for(school, ImportKind.MAP), **(columns or {})},
            examples=("Provision", "Pupil", "UPN", "Start date", "Baseline score"),
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
    rows = [read_map_row(RowReader.for_row(table.columns, row, problems)) for row in table.rows]
    labelled = any(table.columns.has(key) for key in ("group", "group_start", "group_ref"))
    _plan(plan, rows, problems, labelled)
    report.rows = len(rows)
    if problems:
        report.reject(sorted(problems, key=lambda problem: problem.row or 0))
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
    return plan


# Applying ---------------------------------------------------------------------------------


def _provision_type(provision: PlannedProvision, runs: list[PlannedRun]) -> str:
    if provision.provision_type:
        return provision.provision_type
    sizes = [len(run.rows) for run in runs if run.provision is provision]
    return ProvisionType.ONE_TO_ONE if sizes and max(sizes) == 1 else ProvisionType.GROUP


def _apply(plan: MapImportPlan, progress: Callable[[int, int], None] | None) -> None:
    school = plan.school
    for year in plan.years:
        year.instance = academic_year_create(
            school=school, name=year.name, start_date=year.start_date, end_date=year.end_date
        )
    for staff in plan.staff:
        staff.instance = staff_member_create(
            school=school, name=staff.name, role=staff.role, hourly_rate=staff.hourly_rate
        )
    for stream in plan.funding:
        stream.instance = funding_stream_create(school=school, name=stream.name)
    for measure in plan.measures:
        measure.instance = measure_create(
            school=school,
            name=measure.name,
            scale=Measure.Scale.RAW,
            description="Created by importing a spreadsheet provision map.",
        )
    for provision in plan.provisions:
        if provision.existing is None:
            first_run = next(run for run in plan.runs if run.provision is provision)
            details: dict[str, object] = {}
            if first_run.sessions_per_week is not None:
                details["sessions_per_week"] = first_run.sessions_per_week
            if first_run.minutes_per_session is not None:
                details["minutes_per_session"] = first_run.minutes_per_session
            if first_run.weeks is not None:
                details["usual_weeks"] = max(1, int(first_run.weeks))
            if provision.measure is not None:
                details["measure"] = provision.measure.obj
            provision.instance = provision_create(
                school=school,
                name=provision.name,
                wave=provision.wave,
                provision_type=_provision_type(provision, plan.runs),
                areas=provision.areas,
                **details,
            )
        elif provision.set_measure and provision.measure is not None:
            provision_set_measure(provision=provision.existing, measure=provision.measure.obj)
    total = len(plan.runs) + len(plan.placements)
    done = 0
    for run in plan.runs:
        if run.existing is None:
            details = {}
            if run.funding is not None:
                details["funding_stream"] = run.funding.obj
            if run.lead is not None:
                details["lead_staff"] = run.lead.staff
            if run.reviewer is not None:
                details["reviewing_staff"] = run.reviewer.staff
            run.instance = run_create(
                provision=run.provision.provision,
                academic_year=run.year.year,
                term=_term(run.term_id),
                start_date=run.start_date,
                end_date=run.end_date,
                weeks=run.weeks,
                sessions_per_week=run.sessions_per_week,
                minutes_per_session=run.minutes_per_session,
                staff=[
                    StaffAssignment(planned.staff, sessions, minutes)
                    for planned, sessions, minutes in run.staff
                ],
                label=run.label,
                status=run.status,
                day_time=run.day_time,
                withdrawn_from=run.withdrawn_from,
                notes=run.notes,
                **details,
            )
        done += 1
    new = [item for item in plan.placements if item.existing is None]
    placements_bulk_create(
        school=school,
        placements=[
            NewPlacement(
                run=item.run.run,
                pupil=item.pupil,
                start_date=item.start_date,
                end_date=cast("dt.date | None", item.fields.get("end_date")),
                need_type=str(item.fields.get("need_type") or ""),
                priority=str(item.fields.get("priority") or Placement.Priority.SHOULD),
                status=str(item.fields.get("status") or Placement.Status.PLANNED),
                rating=str(item.fields.get("rating") or ""),
                notes=str(item.fields.get("notes") or ""),
                results=tuple(
                    StageResult(stage, date, value) for stage, (value, date) in item.results.items()
                ),
            )
            for item in new
        ],
    )
    done += len(new)
    if progress is not None:
        progress(done, total)
    for item in plan.placements:
        if item.existing is None or item.action != "updated":
            continue
        if item.fields:
            placement_update(placement=item.existing, **item.fields)
        for stage in RESULT_STAGES:
            if stage in item.results:
                value, date = item.results[stage]
                placement_record_result(
                    placement=item.existing, stage=stage, value=value, date=date
                )
        done += 1
        if progress is not None and done % 100 == 0:
            progress(done, total)
    if progress is not None:
        progress(total, total)
    column_mapping_remember(school=school, kind=ImportKind.MAP, headings=plan.remember)


def _term(term_id: int | None) -> Term | None:
    if term_id is None:
        return None
    return Term.objects.select_related("academic_year").get(pk=term_id)


def apply_map_import(
    plan: MapImportPlan, *, progress: Callable[[int, int], None] | None = None
) -> ImportReport:
    """Write a checked plan, all or nothing."""
    report = plan.report
    if report.errors:
        return report
    write_all_or_nothing(report, lambda: _apply(plan, progress))
    return report


def import_map(
    upload: Upload,
    *,
    school: School,
    as_of: dt.date | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> ImportReport:
    """Check and (unless `dry_run`) import a spreadsheet map in one transaction."""
    with transaction.atomic():
        plan = plan_map_import(upload, school=school, as_of=as_of)
        if plan.report.errors or dry_run:
            return plan.report
        return apply_map_import(plan, progress=progress)

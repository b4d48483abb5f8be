"""What a spreadsheet map implies, as a plan that writes nothing: the school years, staff,
funding streams, measures, catalogue entries, groups (runs) and placements it names, each
found in provmap or to create; and the planner that finds them by name and collects every
problem and warning on the row and column it came from."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Generic, TypeVar, cast

from django.db.models import QuerySet

from provmap.interchange.columns import ColumnMap
from provmap.interchange.map_import.rows import MapRow, name_key
from provmap.interchange.mapsheet import StaffLine
from provmap.interchange.pupil_import import split_name
from provmap.interchange.report import FieldChange, ImportReport, Problem
from provmap.interchange.values import CellError
from provmap.provision import costing
from provmap.provision.models import Placement, Provision, ProvisionRun
from provmap.pupils.models import Measure, Pupil
from provmap.schools.models import AcademicYear, FundingStream, RoleRate, School, StaffMember, Term
from provmap.schools.roles import StaffRole
from provmap.schools.services import (
    STANDARD_WEEKS,
    standard_academic_year,
    standard_academic_year_named,
)

# What PlannedNamed finds or creates by name.
_Named = TypeVar("_Named", Measure, FundingStream)


# A member of staff named on a sheet with no role code is taken to be a teaching assistant,
# the role that delivers most interventions; their cost comes from the sheet's rate anyway.
DEFAULT_ROLE = StaffRole.TA


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
    # A workbook's sheets, and those read (all, unless some were chosen), when it has several.
    sheets: list[str] = field(default_factory=list)
    sheets_read: list[str] = field(default_factory=list)
    # Sheets of the workbook with something other than a map on them (notes, totals).
    sheet_notes: list[str] = field(default_factory=list)


class Planner:
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
            name_key(staff.name): staff for staff in StaffMember.objects.filter(school=school)
        }
        self.years_by_name = {
            year.name: year for year in AcademicYear.objects.filter(school=school)
        }
        self.terms = list(school_terms(school))
        self.funding_by_name = {
            name_key(stream.name): stream for stream in FundingStream.objects.filter(school=school)
        }
        self.measures_by_name = {
            name_key(measure.name): measure for measure in Measure.objects.filter(school=school)
        }
        self.provisions_by_name = {
            name_key(provision.name): provision
            for provision in Provision.objects.filter(school=school).select_related("measure")
        }
        self.pupils_by: dict[tuple[str, str], list[Pupil]] = {}
        for pupil in Pupil.objects.filter(school=school):
            keys = [("upn", pupil.upn), ("mis_id", pupil.mis_id)]
            for forename in {name_key(pupil.legal_forename), name_key(pupil.preferred_forename)}:
                if forename:
                    keys.append(("name", f"{forename}|{name_key(pupil.surname)}"))
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
        name = name_key(line.name)
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
        key = name_key(name)
        if key not in self.planned_funding:
            planned = PlannedNamed(name, self.funding_by_name.get(key))
            self.planned_funding[key] = planned
            if planned.existing is None:
                self.plan.funding.append(planned)
        return self.planned_funding[key]

    def measure(self, name: str) -> PlannedNamed[Measure]:
        key = name_key(name)
        if key not in self.planned_measures:
            planned = PlannedNamed(name, self.measures_by_name.get(key))
            self.planned_measures[key] = planned
            if planned.existing is None:
                self.plan.measures.append(planned)
        return self.planned_measures[key]

    def provision(self, row: MapRow) -> PlannedProvision:
        name = str(row.get("provision"))
        key = name_key(name)
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
        found = self.pupils_by.get(
            ("name", f"{name_key(str(forename))}|{name_key(str(surname))}"), []
        )
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

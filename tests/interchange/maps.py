"""Building a school's provision map through the services, and describing any map as plain
values so that two maps (before an export and after importing it back) can be compared."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from provmap.provision import costing
from provmap.provision.models import ProvisionRun
from provmap.provision.services import (
    NewPlacement,
    StaffAssignment,
    StageResult,
    placements_bulk_create,
    provision_create,
    run_create,
)
from provmap.pupils.models import Pupil
from provmap.pupils.services import measure_create
from provmap.schools.models import AcademicYear, RoleRate, School, Term
from provmap.schools.services import funding_stream_create, staff_member_create


@dataclass
class PlacementSpec:
    pupil: int
    start: int  # days after the group starts
    end: int | None = None  # days after the placement starts
    need: str = ""
    priority: str = "should"
    status: str = "active"
    rating: str = ""
    notes: str = ""
    # stage -> (value, days after the placement starts)
    results: dict[str, tuple[Decimal, int]] = field(default_factory=dict)


@dataclass
class RunSpec:
    provision: int
    label: str = ""
    term: int | None = None
    start: int = 7  # days after 1 September 2025
    length: int = 70
    weeks: Decimal = Decimal("10")
    sessions: Decimal = Decimal("3")
    minutes: int = 30
    staff: list[tuple[int, Decimal | None, int | None]] = field(default_factory=list)
    lead: int | None = None
    reviewer: int | None = None
    funding: str = ""
    status: str = "running"
    day_time: str = ""
    withdrawn_from: str = ""
    notes: str = ""
    placements: list[PlacementSpec] = field(default_factory=list)


@dataclass
class ProvisionSpec:
    name: str
    wave: int = 2
    provision_type: str = "group"
    areas: tuple[str, ...] = ()
    measure: str = ""


@dataclass
class MapSpec:
    provisions: list[ProvisionSpec]
    runs: list[RunSpec]


# (name, role, own hourly rate or None for the school's rate for the role)
STAFF = [
    ("Jo Bloggs", "ta", None),
    ("Sam O'Neil", "teacher", Decimal("38.50")),
    ("Priya Shah", "hlta", Decimal("24.10")),
    ("Tom Ng", "learning_mentor", None),
]
SEPTEMBER = dt.date(2025, 9, 1)


def build_map(school: School, pupils: list[Pupil], spec: MapSpec) -> None:
    """Create the map `spec` describes in `school` (whose calendar and pupils exist)."""
    year = AcademicYear.objects.get(school=school, name="2025-26")
    terms = list(Term.objects.filter(school=school).order_by("number"))
    RoleRate.objects.get_or_create(school=school, role="ta", defaults={"hourly_rate": 21})
    staff = [
        staff_member_create(school=school, name=name, role=role, hourly_rate=rate)
        for name, role, rate in STAFF
    ]
    funding: dict[str, object] = {}
    provisions = []
    for item in spec.provisions:
        measure = (
            measure_create(school=school, name=item.measure, scale="raw") if item.measure else None
        )
        provisions.append(
            provision_create(
                school=school,
                name=item.name,
                wave=item.wave,
                provision_type=item.provision_type,
                areas=item.areas,
                measure=measure,
            )
        )
    for item in spec.runs:
        if item.funding and item.funding not in funding:
            funding[item.funding] = funding_stream_create(school=school, name=item.funding)
        start = SEPTEMBER + dt.timedelta(days=item.start)
        end = start + dt.timedelta(days=item.length)
        run = run_create(
            provision=provisions[item.provision],
            academic_year=year,
            term=terms[item.term] if item.term is not None else None,
            start_date=start,
            end_date=end,
            weeks=item.weeks,
            sessions_per_week=item.sessions,
            minutes_per_session=item.minutes,
            staff=[
                StaffAssignment(staff[index], sessions, minutes)
                for index, sessions, minutes in item.staff
            ],
            label=item.label,
            status=item.status,
            day_time=item.day_time,
            withdrawn_from=item.withdrawn_from,
            notes=item.notes,
            funding_stream=funding.get(item.funding),
            lead_staff=staff[item.lead] if item.lead is not None else None,
            reviewing_staff=staff[item.reviewer] if item.reviewer is not None else None,
        )
        placements = []
        for placement in item.placements:
            placement_start = min(start + dt.timedelta(days=placement.start), end)
            placements.append(
                NewPlacement(
                    run=run,
                    pupil=pupils[placement.pupil],
                    start_date=placement_start,
                    # A placement ends inside its run.
                    end_date=min(placement_start + dt.timedelta(days=placement.end), end)
                    if placement.end is not None
                    else None,
                    need_type=placement.need,
                    priority=placement.priority,
                    status=placement.status,
                    rating=placement.rating,
                    notes=placement.notes,
                    results=tuple(
                        StageResult(stage, placement_start + dt.timedelta(days=days), value)
                        for stage, (value, days) in placement.results.items()
                    ),
                )
            )
        placements_bulk_create(school=school, placements=placements)


def _number(value: Decimal | int) -> Decimal:
    """10, 10.0 and 10.00 alike, so that equal maps describe (and sort) identically."""
    return Decimal(value).normalize()


def _result(result) -> tuple[Decimal, dt.date] | None:  # type: ignore[no-untyped-def]
    return (_number(result.value), result.date) if result is not None else None


def describe_map(school: School) -> list[tuple[object, ...]]:
    """Every group of the school's map, with its staff and placements, as plain values."""
    rates = dict(RoleRate.objects.filter(school=school).values_list("role", "hourly_rate"))
    runs = (
        ProvisionRun.objects.filter(school=school)
        .select_related(
            "academic_year",
            "term",
            "provision",
            "provision__measure",
            "funding_stream",
            "lead_staff",
            "reviewing_staff",
        )
        .prefetch_related(
            "provision__areas",
            "staff_lines__staff",
            "placements__pupil",
            "placements__baseline",
            "placements__midpoint",
            "placements__exit",
        )
    )
    described = []
    for run in runs:
        provision = run.provision
        staff = sorted(
            (
                line.staff.name,
                line.staff.role,
                _number(
                    costing.hourly_rate_for(line.staff.hourly_rate, rates.get(line.staff.role))
                ),
                _number(line.effective_sessions),
                line.effective_minutes,
            )
            for line in run.staff_lines.all()
        )
        placements = sorted(
            (
                (
                    item.pupil.upn,
                    item.start_date,
                    item.end_date,
                    item.need_type,
                    item.priority,
                    item.status,
                    item.rating,
                    item.notes,
                    _result(item.baseline),
                    _result(item.midpoint),
                    _result(item.exit),
                )
                for item in run.placements.all()
            ),
            key=repr,
        )
        described.append(
            (
                run.academic_year.name,
                run.term.name if run.term else "",
                provision.name,
                provision.wave,
                provision.provision_type,
                sorted(area.area for area in provision.areas.all()),
                provision.measure.name if provision.measure else "",
                run.label,
                run.start_date,
                run.end_date,
                run.status,
                run.day_time,
                run.withdrawn_from,
                run.notes,
                run.funding_stream.name if run.funding_stream else "",
                run.lead_staff.name if run.lead_staff else "",
                run.reviewing_staff.name if run.reviewing_staff else "",
                staff,
                _number(run.sessions_per_week),
                run.minutes_per_session,
                _number(run.weeks),
                placements,
            )
        )
    return sorted(described, key=repr)

"""Build the demo: a trust, its secondary school(s) with two years of provision map, and the
demo sign-ins.

Everything comes from `random.Random` seeded from `seed` (one stream per school and per part),
and every date from `today`, so the same seed and day always give the same data.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction

from provmap.demo.catalogue import create_catalogue, create_measures
from provmap.demo.funding import create_budgets, create_general_resources, create_streams
from provmap.demo.mapping import MapBuilder, MapTerm
from provmap.demo.planning import create_needs_audit
from provmap.demo.plans import create_plans
from provmap.demo.register import plan_register, write_register
from provmap.demo.school_calendar import YearDates, current_start_year, year_dates
from provmap.demo.sessions import create_sessions
from provmap.demo.staffing import create_staff
from provmap.demo.timetable import build_timetable
from provmap.demo.users import DEFAULT_PASSWORD, create_users
from provmap.provision.models import Placement, Provision, ProvisionRun
from provmap.pupils.models import Pupil, Result
from provmap.schools.models import AcademicYear, School, Term, Trust
from provmap.schools.scoping import all_schools
from provmap.schools.services import academic_year_create, school_create, term_create

TRUST_NAME = "Northfield Learning Trust"
# (name, URN, LA number, establishment number) of the trust's schools, first the showcase one.
SCHOOLS: tuple[tuple[str, str, str, str], ...] = (
    ("Northfield Park Academy", "148213", "873", "4127"),
    ("Kingsmead Academy", "148214", "873", "4131"),
    ("Ashcombe School", "148377", "873", "4015"),
    ("Millbrook Academy", "148402", "874", "4203"),
    ("Fernhill Academy", "148519", "874", "4026"),
    ("Brookside School", "148630", "881", "4412"),
    ("Elmstead Academy", "148745", "881", "4075"),
    ("Harrowgate Community School", "148856", "882", "4160"),
)


class DemoAlreadyBuilt(Exception):
    """The demo trust is already in the database (the generator never adds it twice)."""


@dataclass(frozen=True)
class DemoSummary:
    """What the generator built, for the command's report and for tests."""

    schools: int
    pupils: int
    provisions: int
    runs: int
    placements: int
    results: int
    users: int
    school_ids: tuple[int, ...]

    def lines(self) -> list[str]:
        return [
            f"schools: {self.schools}",
            f"pupils: {self.pupils}",
            f"provisions: {self.provisions}",
            f"runs: {self.runs}",
            f"placements: {self.placements}",
            f"results: {self.results}",
            f"users: {self.users}",
        ]


def school_identity(index: int) -> tuple[str, str, str, str]:
    """Name, URN, LA and establishment number of the trust's school number `index`."""
    if index < len(SCHOOLS):
        return SCHOOLS[index]
    extra = index - len(SCHOOLS) + 1
    return (
        f"Northfield Academy {extra + 1}",
        f"{149000 + extra:06d}",
        "873",
        f"{4500 + extra:04d}",
    )


def _create_year(school: School, dates: YearDates) -> tuple[AcademicYear, list[Term]]:
    year = academic_year_create(
        school=school,
        name=dates.name,
        start_date=dates.start,
        end_date=dates.end,
        weeks=dates.weeks,
    )
    terms = [
        term_create(
            academic_year=year,
            number=term.number,
            name=term.name,
            start_date=term.start,
            end_date=term.end,
            weeks=term.weeks,
        )
        for term in dates.terms
    ]
    return year, terms


@dataclass
class BuiltSchool:
    school: School
    builder: MapBuilder
    focus_term: MapTerm  # the term the demo users see as "now"


def build_school(
    *, trust: Trust, index: int, seed: int, today: dt.date, pupils: int
) -> BuiltSchool:
    """One secondary school with its calendar, staff, money, register, catalogue and map."""

    def stream(part: str) -> random.Random:
        return random.Random(f"provmap-demo/{seed}/{index}/{part}")

    name, urn, la_code, estab_code = school_identity(index)
    school = school_create(
        urn=urn,
        name=name,
        phase=School.Phase.SECONDARY,
        la_code=la_code,
        estab_code=estab_code,
        trust=trust,
    )
    current = year_dates(current_start_year(today))
    previous = year_dates(current.start_year - 1)
    years = {}
    for dates in (previous, current):
        years[dates.start_year] = (dates, *_create_year(school, dates))
    staff = create_staff(school, stream("staff"))
    streams = create_streams(school)
    measures = create_measures(school)
    catalogue = create_catalogue(school, measures)
    plans = plan_register(
        stream("register"),
        la_code=la_code,
        estab_code=estab_code,
        pupils=pupils,
        current=current,
        previous=previous,
        today=today,
    )
    write_register(school, plans)
    money = stream("money")
    for dates, year, _ in years.values():
        create_budgets(school, money, streams=streams, year=year, dates=dates, pupils=plans)
        create_general_resources(
            school,
            year=year,
            streams=streams,
            staff=staff,
            inflation=Decimal("1") if dates is current else Decimal("0.97"),
        )
    builder = MapBuilder(
        school=school,
        rng=stream("map"),
        today=today,
        pupils=plans,
        measures=measures,
        catalogue=catalogue,
        streams=streams,
        staff=staff,
    )
    to_build: list[MapTerm] = []
    for dates, year, terms in years.values():
        for term_dates, term in zip(dates.terms, terms, strict=True):
            if term_dates.start <= today:
                to_build.append(MapTerm(term, term_dates, year, dates))
            elif dates is current:
                # The next term of this year is planned already; later ones are not.
                to_build.append(MapTerm(term, term_dates, year, dates))
                break
    for map_term in to_build:
        builder.build_term(map_term)
    focus = (
        next((t for t in to_build if t.dates.start <= today <= t.dates.end), None)
        or next((t for t in to_build if t.dates.start > today), None)
        or to_build[-1]
    )
    builder.write_cohort_results()
    create_plans(school, stream("plans"), today=today)
    create_sessions(school, stream("sessions"), today=today)
    # When runs meet, now and next term: the terms from the focus term on.
    timetabled = [item.term for item in to_build if item.dates.start >= focus.dates.start]
    build_timetable(school, timetabled, stream("timetable"))
    return BuiltSchool(school=school, builder=builder, focus_term=focus)


def build_demo(
    *,
    seed: int = 42,
    today: dt.date,
    schools: int = 1,
    pupils_per_school: int = 1000,
    password: str | None = None,
    progress: Callable[[int, float], None] | None = None,
) -> DemoSummary:
    """Create the demo trust, `schools` schools of about `pupils_per_school` pupils each, and
    the demo users (in the first school). All or nothing. It builds several schools on
    purpose, so school-scoped queries are open to it. `progress` is told each school built
    (how many so far, and the seconds that school took)."""
    with all_schools(), transaction.atomic():
        return _build_demo(
            seed=seed,
            today=today,
            schools=schools,
            pupils_per_school=pupils_per_school,
            password=password,
            progress=progress,
        )


def _build_demo(
    *,
    seed: int,
    today: dt.date,
    schools: int,
    pupils_per_school: int,
    password: str | None,
    progress: Callable[[int, float], None] | None,
) -> DemoSummary:
    urns = [school_identity(index)[1] for index in range(schools)]
    if (
        Trust.objects.filter(name=TRUST_NAME).exists()
        or School.objects.filter(urn__in=urns).exists()
    ):
        raise DemoAlreadyBuilt(f"The database already holds {TRUST_NAME} or its schools.")
    trust = Trust.objects.create(name=TRUST_NAME)
    built = []
    for index in range(schools):
        started = time.perf_counter()
        built.append(
            build_school(trust=trust, index=index, seed=seed, today=today, pupils=pupils_per_school)
        )
        if progress is not None:
            progress(index + 1, time.perf_counter() - started)
    first = built[0]
    users = create_users(
        school=first.school,
        trust=trust,
        password=password or DEFAULT_PASSWORD,
        posts=first.builder.staff.posts,
        current_runs=first.builder.runs.get(first.focus_term.term.pk, []),
        start_year=first.focus_term.year_dates.start_year,
    )
    # Next term's needs audit, pre-filled, with a few of the SENCO's edits.
    create_needs_audit(
        school=first.school,
        today=today,
        by=next((user for user in users if user.username == "senco"), None),
    )
    ids = tuple(item.school.pk for item in built)
    return DemoSummary(
        schools=len(built),
        pupils=Pupil.objects.filter(school_id__in=ids).count(),
        provisions=Provision.objects.filter(school_id__in=ids).count(),
        runs=ProvisionRun.objects.filter(school_id__in=ids).count(),
        placements=Placement.objects.filter(school_id__in=ids).count(),
        results=Result.objects.filter(school_id__in=ids).count(),
        users=len(users),
        school_ids=ids,
    )

"""A small school for the needs audit's tests: this year's three terms around a given day,
next year's first term, a SENCO, a reading measure and a phonics catch-up in the catalogue."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from provmap.accounts.models import Role, User
from provmap.provision.models import Provision, ProvisionArea
from provmap.pupils.models import Measure
from provmap.schools.models import AcademicYear, School, Term
from tests.factories import (
    AcademicYearFactory,
    MeasureFactory,
    MembershipFactory,
    ProvisionFactory,
    SchoolFactory,
    TermFactory,
    UserFactory,
)


@dataclass
class AuditWorld:
    school: School
    terms: list[Term]  # this year's autumn, spring, summer, then next year's autumn
    senco: User
    measure: Measure
    phonics: Provision


def _year(school: School, start: int) -> tuple[AcademicYear, list[Term]]:
    year = AcademicYearFactory(
        school=school,
        name=f"{start}-{str(start + 1)[2:]}",
        start_date=dt.date(start, 9, 1),
        end_date=dt.date(start + 1, 7, 22),
    )
    spans = [
        ("Autumn", dt.date(start, 9, 1), dt.date(start, 12, 19)),
        ("Spring", dt.date(start + 1, 1, 5), dt.date(start + 1, 3, 31)),
        ("Summer", dt.date(start + 1, 4, 15), dt.date(start + 1, 7, 22)),
    ]
    terms = [
        TermFactory(academic_year=year, number=index + 1, name=name, start_date=a, end_date=b)
        for index, (name, a, b) in enumerate(spans)
    ]
    return year, terms


def school_year_start(day: dt.date) -> int:
    return day.year if day.month >= 9 else day.year - 1


def build(day: dt.date) -> AuditWorld:
    school = SchoolFactory(name="Oakfield Academy")
    start = school_year_start(day)
    _, this_year = _year(school, start)
    _, next_year = _year(school, start + 1)
    senco = UserFactory(first_name="Sam", last_name="Reed")
    MembershipFactory(user=senco, school=school, role=Role.SENCO)
    measure = MeasureFactory(school=school, name="Reading test")
    phonics = ProvisionFactory(school=school, name="Phonics catch-up", measure=measure)
    ProvisionArea.objects.create(school=school, provision=phonics, area="CL")
    ProvisionFactory(school=school, name="Lunchtime club", provision_type="pastoral")
    return AuditWorld(school, [*this_year, next_year[0]], senco, measure, phonics)


def add_result(world: AuditWorld, pupil, value: str, on: dt.date, measure=None) -> None:
    from provmap.pupils.models import Result

    Result.objects.create(
        school=world.school,
        pupil=pupil,
        measure=measure or world.measure,
        date=on,
        value=Decimal(value),
    )

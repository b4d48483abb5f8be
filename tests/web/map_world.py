"""A small school for the provision pages' tests: a SENCO, staff, a measure, a provision
with success criteria, and helpers to put runs and pupils on the map."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext

from provmap.accounts.models import Role, User
from provmap.provision.models import Provision, ProvisionArea, ProvisionRun
from provmap.pupils.models import Measure, Pupil
from provmap.schools.models import FundingStream, School, StaffMember, Term
from provmap.schools.roles import StaffRole
from tests.factories import (
    FundingStreamFactory,
    MeasureFactory,
    MembershipFactory,
    PlacementFactory,
    ProvisionFactory,
    ProvisionRunFactory,
    PupilFactory,
    RunStaffFactory,
    SchoolFactory,
    StaffMemberFactory,
    TermFactory,
    UserFactory,
)


@dataclass
class World:
    school: School
    term: Term
    senco: User
    senco_staff: StaffMember
    ta_staff: StaffMember
    measure: Measure
    provision: Provision
    fund: FundingStream


def build_world(*, name: str = "Oakfield Academy") -> World:
    school = SchoolFactory(name=name)
    term = TermFactory(academic_year__school=school)
    senco = UserFactory(first_name="Sam", last_name="Reed")
    MembershipFactory(user=senco, school=school, role=Role.SENCO)
    senco_staff = StaffMemberFactory(
        school=school, name="Sam Reed", role=StaffRole.SENCO, hourly_rate=Decimal("45")
    )
    ta_staff = StaffMemberFactory(
        school=school, name="Jo Bloggs", role=StaffRole.TA, hourly_rate=Decimal("20")
    )
    measure = MeasureFactory(school=school, name="Reading test")
    provision = ProvisionFactory(
        school=school,
        name="Reading catch-up",
        measure=measure,
        success_gain=Decimal("6"),
        success_criteria="Standardised score up by 6 or more.",
    )
    ProvisionArea.objects.create(school=school, provision=provision, area="CL")
    fund = FundingStreamFactory(school=school, name="Notional SEN budget")
    return World(school, term, senco, senco_staff, ta_staff, measure, provision, fund)


def add_run(
    world: World,
    *,
    pupils: Sequence[Pupil] = (),
    provision: Provision | None = None,
    staff: Sequence[StaffMember] | None = None,
    **details: object,
) -> ProvisionRun:
    """A run of 3 x 30 min over 10 weeks in the world's term, led by the SENCO with the TA,
    funded from the notional SEN budget unless told otherwise."""
    values: dict[str, object] = {
        "provision": provision or world.provision,
        "academic_year": world.term.academic_year,
        "term": world.term,
        "lead_staff": world.senco_staff,
        "funding_stream": world.fund,
        "status": ProvisionRun.Status.RUNNING,
    }
    values.update(details)
    run = ProvisionRunFactory(**values)
    for member in staff if staff is not None else (world.senco_staff, world.ta_staff):
        RunStaffFactory(run=run, staff=member)
    for pupil in pupils:
        PlacementFactory(run=run, pupil=pupil)
    return run


def pupils(world: World, count: int, **fields: object) -> list[Pupil]:
    return PupilFactory.create_batch(count, school=world.school, **fields)


def member(school: School, role: str, **extra: object) -> User:
    user = UserFactory()
    MembershipFactory(user=user, school=school, role=role, **extra)
    return user


def outsider() -> User:
    """A SENCO of another school: everything of the world's school must stay hidden."""
    return member(SchoolFactory(name="Elsewhere School"), Role.SENCO)


def get_counted(client: Client, url: str, **extra: object) -> tuple[int, HttpResponse]:
    """The response to a GET and how many queries it cost."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(url, **extra)
    return len(context.captured_queries), response


HTMX = {"HTTP_HX_REQUEST": "true"}

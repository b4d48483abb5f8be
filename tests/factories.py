"""Factories with no surprises: every object belongs to one school, made explicit where it
matters, and UPNs are valid and unique."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import struct
import time
from decimal import Decimal

import factory
from allauth.mfa.models import Authenticator
from allauth.mfa.utils import encrypt
from factory.django import DjangoModelFactory

from provmap.accounts.models import Membership, Role, User
from provmap.provision.models import Placement, Provision, ProvisionRun, RunStaff
from provmap.pupils.measure_kinds import guess_kind
from provmap.pupils.models import Measure, Pupil
from provmap.pupils.upn import make_upn
from provmap.schools.models import (
    AcademicYear,
    FundingStream,
    RoleRate,
    School,
    StaffMember,
    Term,
    Trust,
)
from provmap.schools.roles import StaffRole


class TrustFactory(DjangoModelFactory):
    class Meta:
        model = Trust

    name = factory.Sequence(lambda n: f"Trust {n}")


class SchoolFactory(DjangoModelFactory):
    class Meta:
        model = School

    urn = factory.Sequence(lambda n: f"{100000 + n:06d}")
    name = factory.Sequence(lambda n: f"School {n}")
    phase = School.Phase.SECONDARY
    la_code = "886"
    estab_code = factory.Sequence(lambda n: f"{4000 + n % 1000:04d}")


class AcademicYearFactory(DjangoModelFactory):
    class Meta:
        model = AcademicYear
        # Runs made for one school share its year rather than clash on the name.
        django_get_or_create = ("school", "name")

    school = factory.SubFactory(SchoolFactory)
    name = "2025-26"
    start_date = dt.date(2025, 9, 1)
    end_date = dt.date(2026, 7, 22)
    weeks = Decimal("38")


class TermFactory(DjangoModelFactory):
    class Meta:
        model = Term

    academic_year = factory.SubFactory(AcademicYearFactory)
    school = factory.SelfAttribute("academic_year.school")
    number = 1
    name = "Autumn"
    start_date = dt.date(2025, 9, 1)
    end_date = dt.date(2025, 12, 19)
    weeks = Decimal("14")


class RoleRateFactory(DjangoModelFactory):
    class Meta:
        model = RoleRate

    school = factory.SubFactory(SchoolFactory)
    role = StaffRole.TA
    hourly_rate = Decimal("20")


class StaffMemberFactory(DjangoModelFactory):
    class Meta:
        model = StaffMember

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Staff Member {n}")
    role = StaffRole.TA
    hourly_rate = Decimal("20")
    contracted_hours = Decimal("32.5")


class FundingStreamFactory(DjangoModelFactory):
    class Meta:
        model = FundingStream

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Fund {n}")
    kind = FundingStream.Kind.NOTIONAL_SEN


class MeasureFactory(DjangoModelFactory):
    class Meta:
        model = Measure

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Reading test {n}")
    scale = Measure.Scale.STANDARDISED
    kind = factory.LazyAttribute(lambda measure: guess_kind(measure.name, measure.scale))
    higher_is_better = True
    min_value = Decimal("40")
    max_value = Decimal("160")


class PupilFactory(DjangoModelFactory):
    class Meta:
        model = Pupil

    school = factory.SubFactory(SchoolFactory)
    upn = factory.Sequence(lambda n: make_upn("886", "4001", 20 + n // 1000, n % 1000))
    legal_forename = factory.Sequence(lambda n: f"Pupil{n}")
    surname = factory.Sequence(lambda n: f"Surname{n}")
    date_of_birth = dt.date(2013, 5, 1)
    sex = "F"
    nc_year = "7"
    form = "7A"
    on_roll_from = dt.date(2025, 9, 1)


class ProvisionFactory(DjangoModelFactory):
    class Meta:
        model = Provision

    school = factory.SubFactory(SchoolFactory)
    name = factory.Sequence(lambda n: f"Reading group {n}")
    wave = 2
    provision_type = "group"
    sessions_per_week = Decimal("3")
    minutes_per_session = 30
    usual_weeks = 10


class ProvisionRunFactory(DjangoModelFactory):
    class Meta:
        model = ProvisionRun

    provision = factory.SubFactory(ProvisionFactory)
    school = factory.SelfAttribute("provision.school")
    academic_year = factory.SubFactory(
        AcademicYearFactory, school=factory.SelfAttribute("..school")
    )
    start_date = dt.date(2025, 9, 8)
    end_date = dt.date(2025, 12, 12)
    sessions_per_week = Decimal("3")
    minutes_per_session = 30
    weeks = Decimal("10")


class RunStaffFactory(DjangoModelFactory):
    class Meta:
        model = RunStaff

    run = factory.SubFactory(ProvisionRunFactory)
    school = factory.SelfAttribute("run.school")
    staff = factory.SubFactory(StaffMemberFactory, school=factory.SelfAttribute("..school"))


class PlacementFactory(DjangoModelFactory):
    class Meta:
        model = Placement

    run = factory.SubFactory(ProvisionRunFactory)
    school = factory.SelfAttribute("run.school")
    pupil = factory.SubFactory(PupilFactory, school=factory.SelfAttribute("..school"))
    start_date = factory.SelfAttribute("run.start_date")
    status = Placement.Status.ACTIVE


PASSWORD = "correct-horse-battery-staple"
# Every factory user's authenticator app shares this secret (base32), so tests can compute
# the code an app would show: totp_code().
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"


def this_school_year(school: School) -> AcademicYear:
    """The school year today falls in, September to August: pages that open on today's term
    (the browser journeys) need one."""
    today = dt.date.today()
    first = today.year if today.month >= 9 else today.year - 1
    return AcademicYearFactory(
        school=school,
        name=f"{first}-{(first + 1) % 100:02d}",
        start_date=dt.date(first, 9, 1),
        end_date=dt.date(first + 1, 8, 31),
    )


def term_around_today(
    year: AcademicYear, *, before: int = 35, after: int = 49, name: str = "This term", **fields
) -> Term:
    """A term of `year` from `before` days ago to `after` days on (kept inside the year)."""
    today = dt.date.today()
    return TermFactory(
        academic_year=year,
        name=name,
        start_date=max(today - dt.timedelta(days=before), year.start_date),
        end_date=min(today + dt.timedelta(days=after), year.end_date),
        **{"weeks": Decimal("12"), **fields},
    )


def totp_code(secret: str = TOTP_SECRET, *, step: int = 0) -> str:
    """The six digits an authenticator app shows now (or `step` 30-second periods later),
    worked out as RFC 6238 says, independently of the library under test."""
    counter = int(time.time()) // 30 + step
    digest = hmac.new(base64.b32decode(secret), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    value = int.from_bytes(digest[offset : offset + 4], "big") & 0x7FFFFFFF
    return f"{value % 1_000_000:06d}"


def give_totp(user: User, secret: str = TOTP_SECRET) -> Authenticator:
    """Set up two-factor sign-in for `user` as if they had scanned the QR code."""
    return Authenticator.objects.create(
        user=user, type=Authenticator.Type.TOTP, data={"secret": encrypt(secret)}
    )


class UserFactory(DjangoModelFactory):
    """A user who can sign in with PASSWORD and, like real staff, has two-factor sign-in set
    up with TOTP_SECRET. `UserFactory(totp=False)` for someone who has not (yet)."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Sequence(lambda n: f"First{n}")
    last_name = factory.Sequence(lambda n: f"Last{n}")
    password = factory.django.Password(PASSWORD)

    @factory.post_generation
    def totp(self, create: bool, extracted: bool | None, **kwargs: object) -> None:
        if create and extracted is not False:
            give_totp(self)


class MembershipFactory(DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    school = factory.SubFactory(SchoolFactory)
    role = Role.SENCO

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from provmap.schools.models import AcademicYear, RoleRate, School, StaffMember, Term
from provmap.schools.roles import StaffRole
from tests.factories import AcademicYearFactory, SchoolFactory, StaffMemberFactory

pytestmark = pytest.mark.django_db


def test_academic_year_must_end_after_it_starts():
    school = SchoolFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        AcademicYear.objects.create(
            school=school,
            name="2025-26",
            start_date=dt.date(2026, 7, 1),
            end_date=dt.date(2025, 9, 1),
        )


def test_academic_year_defaults_to_38_weeks():
    year = AcademicYear.objects.create(
        school=SchoolFactory(),
        name="2025-26",
        start_date=dt.date(2025, 9, 1),
        end_date=dt.date(2026, 7, 22),
    )

    assert year.weeks == Decimal("38")


def test_term_dates_must_be_in_order():
    year = AcademicYearFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        Term.objects.create(
            school=year.school,
            academic_year=year,
            number=1,
            name="Autumn",
            start_date=dt.date(2025, 12, 19),
            end_date=dt.date(2025, 9, 1),
            weeks=14,
        )


def test_urn_must_be_six_digits():
    school = School(urn="12345", name="Short URN", phase=School.Phase.PRIMARY)

    with pytest.raises(ValidationError) as error:
        school.full_clean()

    assert "six digits" in str(error.value)


def test_urn_is_unique_across_schools():
    SchoolFactory(urn="118432")

    with pytest.raises(IntegrityError), transaction.atomic():
        SchoolFactory(urn="118432")


def test_role_rate_is_one_per_role_per_school():
    school = SchoolFactory()
    RoleRate.objects.create(school=school, role=StaffRole.TA, hourly_rate=Decimal("20"))

    with pytest.raises(IntegrityError), transaction.atomic():
        RoleRate.objects.create(school=school, role=StaffRole.TA, hourly_rate=Decimal("21"))


def test_staff_rate_cannot_be_negative():
    with pytest.raises(IntegrityError), transaction.atomic():
        StaffMemberFactory(hourly_rate=Decimal("-1"))


def test_staff_code_comes_from_the_role():
    assert StaffMember(name="A", role=StaffRole.LEARNING_MENTOR).code == "LM"
    assert StaffMember(name="B", role=StaffRole.SENCO).code == "S"

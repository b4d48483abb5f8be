"""General resources: costed by staff time or a fixed sum, never both, inside their year."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from provmap.provision.models import GeneralResource
from provmap.provision.resources import (
    general_resource_create,
    general_resource_delete,
    general_resource_update,
)
from provmap.schools.services import ChangedElsewhere
from tests.factories import AcademicYearFactory, SchoolFactory, StaffMemberFactory

pytestmark = pytest.mark.django_db


def messages(error: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(error.value.messages)


def test_staff_time_or_a_fixed_cost():
    year = AcademicYearFactory()
    staff = StaffMemberFactory(school=year.school)
    time = general_resource_create(
        school=year.school,
        academic_year=year,
        name="SENCO admin time",
        kind="admin",
        staff=staff,
        hours_per_week=Decimal(2),
    )
    assert time.weeks is None
    with pytest.raises(ValidationError) as error:
        general_resource_create(
            school=year.school,
            academic_year=year,
            name="Both",
            kind="other",
            staff=staff,
            hours_per_week=Decimal(2),
            fixed_cost=Decimal(100),
        )
    assert "Give either a fixed cost or a member of staff's time, not both." in messages(error)
    with pytest.raises(ValidationError) as error:
        general_resource_create(school=year.school, academic_year=year, name="None", kind="other")
    assert "Choose the member of staff whose time it is, or give a fixed cost." in messages(error)


def test_weeks_within_the_year_and_staff_of_the_school():
    year = AcademicYearFactory()
    elsewhere = StaffMemberFactory(school=SchoolFactory())
    with pytest.raises(ValidationError) as error:
        general_resource_create(
            school=year.school,
            academic_year=year,
            name="Supervision",
            kind="management",
            staff=elsewhere,
            hours_per_week=Decimal(1),
            weeks=Decimal(40),
        )
    text = messages(error)
    assert "Choose one of the school's own." in text
    assert "Weeks must be between 0.1 and 38, the teaching weeks of 2025-26 (got 40)." in text


def test_versions_refuse_the_second_edit_and_a_stale_delete():
    year = AcademicYearFactory()
    resource = general_resource_create(
        school=year.school,
        academic_year=year,
        name="Books",
        kind="materials",
        fixed_cost=Decimal(50),
    )
    general_resource_update(resource=resource, read_version=1, fixed_cost=Decimal(60))
    with pytest.raises(ChangedElsewhere) as error:
        general_resource_update(
            resource=GeneralResource.objects.get(pk=resource.pk),
            read_version=1,
            name="Other books",
        )
    assert "Someone else changed 'Books'" in messages(error)
    with pytest.raises(ChangedElsewhere):
        general_resource_delete(resource=resource, read_version=1)
    general_resource_delete(resource=resource, read_version=2)
    assert not GeneralResource.objects.filter(pk=resource.pk).exists()

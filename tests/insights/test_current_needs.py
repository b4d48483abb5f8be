"""Groups by area of need read the pupil's current needs: an ended need is history."""

import datetime as dt

import pytest

from provmap.insights.cohorts import primary_area, pupils_with_needs
from provmap.pupils.models import Pupil, PupilNeed
from tests.factories import PupilFactory, SchoolFactory

pytestmark = pytest.mark.django_db


def test_the_primary_area_is_that_of_the_current_primary_need():
    school = SchoolFactory()
    pupil = PupilFactory(school=school)
    PupilNeed.objects.create(
        school=school, pupil=pupil, need_type="SEMH", rank=1, end_date=dt.date(2024, 7, 19)
    )
    PupilNeed.objects.create(school=school, pupil=pupil, need_type="SPLD", rank=1)
    ended_only = PupilFactory(school=school)
    PupilNeed.objects.create(
        school=school, pupil=ended_only, need_type="ASD", rank=1, end_date=dt.date(2023, 3, 31)
    )

    areas = {
        found.pk: primary_area(found)
        for found in pupils_with_needs(Pupil.objects.filter(school=school))
    }

    assert areas == {pupil.pk: "CL", ended_only.pk: ""}

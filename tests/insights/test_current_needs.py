"""Groups by area of need read the pupil's current needs: an ended need is history."""

import datetime as dt

import pytest

from provmap.insights.cohorts import primary_areas
from provmap.pupils.models import Pupil, PupilNeed
from tests.factories import PupilFactory, SchoolFactory

pytestmark = pytest.mark.django_db


def test_the_primary_area_is_that_of_the_current_primary_need():
    school = SchoolFactory()
    pupil = PupilFactory(school=school)
    PupilNeed.objects.create(
        school=school, pupil=pupil, need_type="SEMH", rank=1, end_date=dt.date(2024, 7, 19)
    )
    # A secondary need recorded first is still not the primary one.
    PupilNeed.objects.create(school=school, pupil=pupil, need_type="ASD", rank=2)
    PupilNeed.objects.create(school=school, pupil=pupil, need_type="SPLD", rank=1)
    ended_only = PupilFactory(school=school)
    PupilNeed.objects.create(
        school=school, pupil=ended_only, need_type="ASD", rank=1, end_date=dt.date(2023, 3, 31)
    )

    areas = primary_areas(school.pk, Pupil.objects.filter(school=school).values("pk"))

    # A pupil whose needs have all ended has no primary need, and so no area.
    assert areas == {pupil.pk: "CL"}
    assert primary_areas(school.pk, [ended_only.pk]) == {}

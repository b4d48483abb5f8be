import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from provmap.pupils.models import Pupil, PupilNeed
from tests.factories import PupilFactory, SchoolFactory

pytestmark = pytest.mark.django_db


def test_one_upn_per_school():
    pupil = PupilFactory()

    with pytest.raises(IntegrityError), transaction.atomic():
        PupilFactory(school=pupil.school, upn=pupil.upn)


def test_the_same_upn_may_be_on_two_schools_registers():
    # A pupil who moved keeps their UPN; each school holds its own record.
    pupil = PupilFactory()

    other = PupilFactory(school=SchoolFactory(), upn=pupil.upn)

    assert other.upn == pupil.upn


def test_roll_dates_must_be_in_order():
    with pytest.raises(IntegrityError), transaction.atomic():
        PupilFactory(on_roll_from=dt.date(2025, 9, 1), on_roll_to=dt.date(2025, 8, 1))


def test_invalid_upn_fails_validation_with_the_reason():
    pupil = PupilFactory.build(upn="A801200001001", school=SchoolFactory())

    with pytest.raises(ValidationError) as error:
        pupil.full_clean()

    assert "check letter" in str(error.value)


def test_a_need_type_is_ranked_once_per_pupil():
    pupil = PupilFactory()
    PupilNeed.objects.create(school=pupil.school, pupil=pupil, need_type="SPLD", rank=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        PupilNeed.objects.create(school=pupil.school, pupil=pupil, need_type="MLD", rank=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        PupilNeed.objects.create(school=pupil.school, pupil=pupil, need_type="SPLD", rank=2)


def test_is_on_roll_between_the_roll_dates():
    pupil = Pupil(on_roll_from=dt.date(2025, 9, 1), on_roll_to=dt.date(2026, 7, 22))

    assert pupil.is_on_roll(dt.date(2025, 9, 1))
    assert pupil.is_on_roll(dt.date(2026, 7, 22))
    assert not pupil.is_on_roll(dt.date(2026, 7, 23))


def test_full_name_uses_the_preferred_forename():
    pupil = Pupil(legal_forename="Alexander", preferred_forename="Sasha", surname="Okafor")

    assert pupil.full_name == "Sasha Okafor"

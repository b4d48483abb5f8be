"""What a school can mean on the register: dates of birth and on roll, SEN history, measures'
ranges and results are refused outside their bounds, with the bound in the message, by the
services, the models' own checks and the database."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from provmap.pupils.models import Measure, Pupil, PupilNeed, Result, SENStatusPeriod
from provmap.pupils.services import (
    NewPupil,
    measure_create,
    pupil_set_sen_status,
    pupil_update,
    pupils_bulk_create,
    result_record,
)
from tests.factories import MeasureFactory, PupilFactory, SchoolFactory
from tests.pupils.helpers import make_pupil as new_pupil

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        (
            {"date_of_birth": dt.date(1900, 1, 1)},
            "date_of_birth",
            "The date of birth must be between 01/01/1980 and 31/12/2099 (got 01/01/1900).",
        ),
        (
            {"on_roll_from": dt.date(9999, 9, 1)},
            "on_roll_from",
            "The date the pupil joined must be between 01/01/2000 and 31/12/2099 (got 01/09/9999).",
        ),
        (
            {"on_roll_to": dt.date(9999, 7, 22)},
            "on_roll_to",
            "The date the pupil left must be between 01/01/2000 and 31/12/2099 (got 22/07/9999).",
        ),
        (
            {"date_of_birth": dt.date(2026, 1, 1)},
            "date_of_birth",
            "A pupil joins the school after they are born: the date of birth 01/01/2026 is "
            "after the date they joined, 01/09/2025.",
        ),
    ],
)
def test_pupil_dates_are_within_reason(changes, field, message):
    with pytest.raises(ValidationError) as error:
        new_pupil(SchoolFactory(), **changes)

    assert error.value.message_dict[field] == [message]
    assert Pupil.objects.count() == 0


def test_bulk_pupils_and_updates_check_the_same_dates():
    school = SchoolFactory()
    with pytest.raises(ValidationError, match=r"between 01/01/1980 and 31/12/2099 \(got"):
        pupils_bulk_create(
            school=school,
            pupils=[
                NewPupil(
                    upn="H801200001001",
                    legal_forename="Amira",
                    surname="Hussain",
                    date_of_birth=dt.date(1066, 10, 14),
                    sex="F",
                    nc_year="7",
                    on_roll_from=dt.date(2025, 9, 1),
                )
            ],
        )
    pupil = new_pupil(school)
    with pytest.raises(ValidationError, match=r"The date the pupil left must be between"):
        pupil_update(pupil=pupil, changed_on=dt.date(2025, 10, 1), on_roll_to=dt.date(9999, 1, 1))


def test_a_sen_status_change_is_dated_within_reason():
    pupil = new_pupil(SchoolFactory())

    with pytest.raises(ValidationError) as error:
        pupil_set_sen_status(pupil=pupil, status="K", start_date=dt.date(9999, 1, 1))

    assert error.value.message_dict["start_date"] == [
        "The date the SEN status started must be between 01/01/2000 and 31/12/2099 "
        "(got 01/01/9999)."
    ]
    assert SENStatusPeriod.objects.filter(pupil=pupil).count() == 1


def test_a_measures_range_is_bounded():
    with pytest.raises(ValidationError) as error:
        measure_create(
            school=SchoolFactory(),
            name="Reading test",
            scale="standardised",
            min_value=Decimal("40"),
            max_value=Decimal("9999999"),
        )

    assert error.value.message_dict == {
        "max_value": ["The highest score must be between -100,000 and 100,000 (got 9,999,999)."]
    }
    assert Measure.objects.count() == 0


def test_a_result_is_dated_within_reason_and_its_value_bounded():
    pupil = PupilFactory()
    measure = MeasureFactory(school=pupil.school, min_value=None, max_value=None)

    with pytest.raises(ValidationError) as error:
        result_record(pupil=pupil, measure=measure, date=dt.date(1900, 1, 1), value=90)
    assert error.value.message_dict == {
        "date": [
            "The date of the result must be between 01/01/2000 and 31/12/2099 (got 01/01/1900)."
        ]
    }
    with pytest.raises(ValidationError) as error:
        result_record(pupil=pupil, measure=measure, date=dt.date(2025, 10, 1), value=10**7)
    assert error.value.message_dict == {
        "value": ["A score must be between -100,000 and 100,000 (got 10,000,000)."]
    }
    assert Result.objects.count() == 0


def test_the_database_refuses_absurd_register_values():
    pupil = PupilFactory()
    measure = MeasureFactory(school=pupil.school)
    result = Result.objects.create(
        school=pupil.school, pupil=pupil, measure=measure, date=dt.date(2025, 10, 1), value=90
    )
    need = PupilNeed.objects.create(school=pupil.school, pupil=pupil, need_type="SPLD", rank=1)
    for queryset, changes in (
        (Pupil.objects.filter(pk=pupil.pk), {"date_of_birth": dt.date(1900, 1, 1)}),
        (Pupil.objects.filter(pk=pupil.pk), {"on_roll_to": dt.date(9999, 1, 1)}),
        (Result.objects.filter(pk=result.pk), {"value": Decimal("100000.01")}),
        (Result.objects.filter(pk=result.pk), {"date": dt.date(1900, 1, 1)}),
        (Measure.objects.filter(pk=measure.pk), {"min_value": Decimal("-999999")}),
        (PupilNeed.objects.filter(pk=need.pk), {"rank": 99}),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            queryset.update(**changes)

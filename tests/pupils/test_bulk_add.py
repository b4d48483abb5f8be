"""pupils_bulk_add_checked: pupils an import checked, written a batch at a time with their
first SEN status period and needs, refusing a UPN already on the register."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import pytest
from django.core.exceptions import ValidationError

from provmap.pupils.models import Pupil, PupilNeed, SENStatusPeriod
from provmap.pupils.services import WRITE_BATCH, pupils_bulk_add_checked
from provmap.pupils.upn import make_upn
from tests.factories import PupilFactory, SchoolFactory

pytestmark = pytest.mark.django_db

SEPTEMBER = dt.date(2025, 9, 1)


def checked_pupils(count: int) -> list[Pupil]:
    return [
        Pupil(
            upn=make_upn("801", "2000", 20 + number // 1000, number % 1000),
            legal_forename=f"Forename{number}",
            surname=f"Surname{number}",
            date_of_birth=dt.date(2012, 9, 1),
            sex="F",
            nc_year="8",
            sen_status="K" if number % 2 else "N",
            on_roll_from=SEPTEMBER,
        )
        for number in range(count)
    ]


def test_each_batch_is_handed_back_once_written_in_order() -> None:
    school = SchoolFactory()
    pupils = checked_pupils(WRITE_BATCH + 2)
    needs = [("SPLD",) if number % 2 else () for number in range(len(pupils))]
    batches: list[list[tuple[str, bool]]] = []

    def added(batch: Sequence[Pupil]) -> None:
        # Written by then: each has its id and its row.
        batches.append([(pupil.upn, pupil.pk is not None) for pupil in batch])
        assert Pupil.objects.filter(pk=batch[-1].pk).exists()

    written = pupils_bulk_add_checked(school=school, pupils=pupils, needs=needs, added=added)

    assert [len(batch) for batch in batches] == [WRITE_BATCH, 2]
    assert [upn for batch in batches for upn, _ in batch] == [pupil.upn for pupil in pupils]
    assert all(saved for batch in batches for _, saved in batch)
    assert written == pupils
    assert Pupil.objects.filter(school=school).count() == len(pupils)
    assert SENStatusPeriod.objects.filter(school=school, status="K").count() == len(pupils) // 2
    assert PupilNeed.objects.filter(school=school, need_type="SPLD").count() == len(pupils) // 2


def test_a_upn_already_on_the_register_refuses_them_all() -> None:
    school = SchoolFactory()
    pupils = checked_pupils(3)
    PupilFactory(school=school, upn=pupils[2].upn)

    with pytest.raises(ValidationError, match="already on this school's register"):
        pupils_bulk_add_checked(school=school, pupils=pupils, needs=[(), (), ()])

    assert Pupil.objects.filter(school=school).count() == 1


def test_a_upn_listed_twice_or_an_unknown_need_is_refused() -> None:
    school = SchoolFactory()
    pupils = checked_pupils(2)
    pupils[1].upn = pupils[0].upn
    with pytest.raises(ValidationError, match="listed twice"):
        pupils_bulk_add_checked(school=school, pupils=pupils, needs=[(), ()])
    with pytest.raises(ValidationError, match="unknown need type"):
        pupils_bulk_add_checked(school=school, pupils=checked_pupils(1), needs=[("XYZ",)])

    assert not Pupil.objects.filter(school=school).exists()

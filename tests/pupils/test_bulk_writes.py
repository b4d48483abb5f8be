"""insert_new and update_fields: many new rows, or many rows' changes, at once (COPY and an
UPDATE from arrays on PostgreSQL, bulk_create and bulk_update elsewhere), each new object
given its id, the database's own checks applied, in a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext

from provmap.pupils.bulk_writes import insert_new, update_fields
from provmap.pupils.models import Pupil, PupilNeed
from provmap.pupils.upn import make_upn
from tests.factories import SchoolFactory

pytestmark = pytest.mark.django_db


def new_pupils(school, count: int, *, first: int = 0) -> list[Pupil]:
    return [
        Pupil(
            school=school,
            upn=make_upn("801", "2000", 25, number),
            mis_id=str(1000 + number),
            legal_forename=f"Forename{number}",
            surname=f"Surname{number}",
            date_of_birth=dt.date(2012, 9, 1 + number % 28),
            sex="F" if number % 2 else "M",
            nc_year="8",
            fsm=number % 2 == 0,
            on_roll_from=dt.date(2025, 9, 1),
        )
        for number in range(first, first + count)
    ]


def test_new_rows_get_their_ids_and_are_saved_as_given() -> None:
    school = SchoolFactory()
    pupils = new_pupils(school, 3)

    insert_new(Pupil, pupils)

    assert all(pupil.pk is not None and not pupil._state.adding for pupil in pupils)
    saved = {pupil.pk: pupil for pupil in Pupil.objects.filter(school=school)}
    assert sorted(saved) == sorted(pupil.pk for pupil in pupils)
    for pupil in pupils:
        again = saved[pupil.pk]
        assert (again.upn, again.surname, again.date_of_birth, again.sex, again.fsm) == (
            pupil.upn,
            pupil.surname,
            pupil.date_of_birth,
            pupil.sex,
            pupil.fsm,
        )
        assert (again.sen_status, again.on_roll_to, again.form) == ("N", None, "")
    # The ids given are the rows' own: other rows can point at them.
    insert_new(PupilNeed, [PupilNeed(school=school, pupil=pupils[1], need_type="SPLD", rank=1)])
    assert PupilNeed.objects.get().pupil == Pupil.objects.get(upn=pupils[1].upn)


def test_more_rows_take_no_more_queries() -> None:
    school = SchoolFactory()
    with CaptureQueriesContext(connection) as few:
        insert_new(Pupil, new_pupils(school, 2))
    with CaptureQueriesContext(connection) as many:
        insert_new(Pupil, new_pupils(school, 20, first=2))

    assert len(many) == len(few) >= 1
    assert Pupil.objects.filter(school=school).count() == 22


def test_a_row_the_database_refuses_is_an_integrity_error_and_nothing_is_saved() -> None:
    school = SchoolFactory()
    pupils = new_pupils(school, 3)
    pupils[2].upn = pupils[0].upn  # one UPN per school

    with pytest.raises(IntegrityError), transaction.atomic():
        insert_new(Pupil, pupils)

    assert not Pupil.objects.filter(school=school).exists()


def test_nothing_to_insert_is_no_query() -> None:
    with CaptureQueriesContext(connection) as captured:
        assert insert_new(Pupil, []) == []
    assert len(captured) == 0


def test_changes_are_saved_field_by_field_and_other_fields_left_alone() -> None:
    school = SchoolFactory()
    pupils = insert_new(Pupil, new_pupils(school, 4))
    for number, pupil in enumerate(pupils):
        pupil.form = f"9{number}"
        pupil.fsm = not pupil.fsm
        pupil.on_roll_to = dt.date(2026, 7, 20) if number % 2 else None
        pupil.surname = "Not saved"

    assert update_fields(Pupil, pupils[:3], ["form", "fsm", "on_roll_to"]) == 3

    saved = {pupil.upn: pupil for pupil in Pupil.objects.filter(school=school)}
    for number, pupil in enumerate(pupils[:3]):
        again = saved[pupil.upn]
        assert (again.form, again.fsm, again.on_roll_to) == (
            pupil.form,
            pupil.fsm,
            pupil.on_roll_to,
        )
        assert again.surname == f"Surname{number}"
    assert saved[pupils[3].upn].form == ""


def test_changes_of_many_rows_take_no_more_queries_and_nulls_are_saved() -> None:
    school = SchoolFactory()
    pupils = insert_new(Pupil, new_pupils(school, 30))
    for pupil in pupils:
        pupil.on_roll_to = dt.date(2026, 7, 20)
    update_fields(Pupil, pupils, ["on_roll_to"])
    for pupil in pupils:
        pupil.on_roll_to = None

    with CaptureQueriesContext(connection) as few:
        update_fields(Pupil, pupils[:2], ["on_roll_to"])
    with CaptureQueriesContext(connection) as many:
        update_fields(Pupil, pupils[2:], ["on_roll_to"])

    assert len(many) == len(few) >= 1
    assert not Pupil.objects.filter(school=school, on_roll_to__isnull=False).exists()


def test_a_change_the_database_refuses_is_an_integrity_error() -> None:
    school = SchoolFactory()
    pupils = insert_new(Pupil, new_pupils(school, 2))
    pupils[1].on_roll_to = dt.date(2020, 1, 1)  # before joining

    with pytest.raises(IntegrityError), transaction.atomic():
        update_fields(Pupil, pupils, ["on_roll_to"])

    assert not Pupil.objects.filter(school=school, on_roll_to__isnull=False).exists()

"""Each row's values are checked once however many rows repeat them, and nothing a school
needs is left unchecked: a value is taken as checked only when the register's checks of its
field would say the same of it (a text's length and NUL characters), and the dates are
always checked against each other."""

import datetime as dt

import pytest

from provmap.interchange.files import Upload
from provmap.interchange.pupil_import import (
    _CONSTANT_DEFAULTS,
    _check_key,
    _new_pupil,
    import_pupils,
    plan_pupil_import,
)
from provmap.pupils.models import Pupil
from provmap.pupils.upn import make_upn
from tests.interchange.samples import csv_bytes

pytestmark = pytest.mark.django_db

HEADINGS = ["UPN", "Surname", "Forename", "DOB", "Gender", "Year", "Admission date"]


def student_list(rows: list[tuple[str, str, str, str]]) -> Upload:
    """Rows of (surname, forename, date of birth, admission date)."""
    return Upload(
        "students.csv",
        csv_bytes(
            [
                HEADINGS,
                *[
                    [make_upn("801", "2000", 25, number), surname, forename, born, "F", "8", joined]
                    for number, (surname, forename, born, joined) in enumerate(rows)
                ],
            ]
        ),
    )


def problems(upload: Upload, school) -> list[tuple[int | None, str, str]]:
    plan = plan_pupil_import(upload, school=school)
    return [(problem.row, problem.column, problem.message) for problem in plan.report.errors]


def test_a_text_is_taken_as_checked_only_when_its_checks_would_say_the_same():
    # Names: what the register checks of them is their length and NUL characters (a file
    # cannot hold NUL, but the rule does not depend on that).
    assert _check_key("surname", "Smith") == _check_key("surname", "Jones")
    assert _check_key("surname", "Smith") != _check_key("surname", "Smithson")
    assert _check_key("surname", "Smith") != _check_key("surname", "Sm\x00th")
    assert _check_key("surname", "") != _check_key("surname", "Smith")
    # Fields with choices or checks of their own: by their value.
    assert _check_key("sex", "F") != _check_key("sex", "M")
    assert _check_key("upn", "A801200025001") != _check_key("upn", "B801200025002")
    assert _check_key("date_of_birth", dt.date(2012, 5, 1)) != _check_key(
        "date_of_birth", dt.date(2012, 5, 2)
    )


def test_dates_that_each_passed_are_still_checked_against_each_other(school):
    upload = student_list(
        [
            ("Smith", "Sam", "01/05/2012", "01/05/2013"),
            ("Jones", "Ann", "01/05/2013", "01/09/2014"),
            ("Brown", "Tom", "01/09/2014", "01/09/2015"),
            # Born on a date already passed as a birth date, joining on one already passed as
            # a joining date, but born after joining.
            ("Green", "Kim", "01/09/2014", "01/05/2013"),
        ]
    )

    found = problems(upload, school)

    assert [(row, column) for row, column, _ in found] == [(5, "DOB")]
    assert "joins the school after they are born" in found[0][2]


def test_many_rows_sharing_values_are_all_imported(school):
    rows = [(f"Surname{number}", "Sam", "01/05/2012", "01/09/2023") for number in range(40)]

    report, _ = import_pupils(student_list(rows), school=school)

    assert report.errors == []
    assert Pupil.objects.filter(school=school).count() == 40
    assert set(Pupil.objects.values_list("surname", flat=True)) == {row[0] for row in rows}


def test_a_new_pupil_built_from_positional_values_is_the_one_the_keywords_build():
    values = {
        "upn": make_upn("801", "2000", 25, 1),
        "surname": "Smith",
        "legal_forename": "Sam",
        "date_of_birth": dt.date(2012, 5, 1),
        "sex": "F",
        "nc_year": "8",
        "fsm": True,
        "on_roll_from": dt.date(2025, 9, 1),
    }
    names = [model_field.attname for model_field in Pupil._meta.concrete_fields]

    # Every default of a pupil is a constant, so the quicker way is the one taken.
    assert _CONSTANT_DEFAULTS
    built = _new_pupil(values)
    assert [getattr(built, name) for name in names] == [
        getattr(Pupil(**values), name) for name in names
    ]
    assert built._state.adding and built.pk is None

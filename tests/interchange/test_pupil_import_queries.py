"""A student list is written in a fixed number of queries whatever its length: new pupils,
their SEN status and needs in bulk, plain changes in bulk, an unchanged file not written."""

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from provmap.interchange.files import Upload
from provmap.interchange.pupil_import import import_pupils
from provmap.interchange.values import CellError, parse_date, remembered
from provmap.pupils.models import Pupil, PupilNeed, SENStatusPeriod
from provmap.pupils.upn import make_upn
from tests.interchange.samples import csv_bytes

pytestmark = pytest.mark.django_db

OCTOBER = dt.date(2025, 10, 1)
HEADINGS = ["UPN", "Adno", "Surname", "Forename", "DOB", "Gender", "Year", "Reg", "SEN", "Need"]


def student_list(count: int, form: str = "A") -> Upload:
    rows = [
        [
            make_upn("801", "2000", 25, number),
            str(1000 + number),
            f"Surname{number}",
            f"Forename{number}",
            f"{1 + number % 28:02d}/09/2012",
            "F" if number % 2 else "M",
            "8",
            f"8{form}",
            "K" if number % 3 == 0 else "N",
            "SPLD" if number % 3 == 0 else "",
        ]
        for number in range(count)
    ]
    return Upload("students.csv", csv_bytes([HEADINGS, *rows]))


def queries(work) -> list[str]:
    with CaptureQueriesContext(connection) as captured:
        work()
    return [query["sql"] for query in captured.captured_queries]


def writes(sql: list[str]) -> list[str]:
    return [query for query in sql if query.split(" ", 1)[0] in ("INSERT", "UPDATE", "DELETE")]


def test_new_pupils_are_written_in_the_same_queries_for_few_or_many(school):
    # The first file of a school also remembers its columns.
    import_pupils(student_list(3), school=school, as_of=OCTOBER)
    Pupil.objects.all().delete()
    few = queries(lambda: import_pupils(student_list(6), school=school, as_of=OCTOBER))
    Pupil.objects.all().delete()
    # (SQLite takes at most 999 values a query: 30 pupils fit in one insert.)
    many = queries(lambda: import_pupils(student_list(30), school=school, as_of=OCTOBER))

    assert len(many) == len(few)
    assert Pupil.objects.count() == 30
    # Each with their first SEN status period, from the day they joined, and their need.
    periods = SENStatusPeriod.objects.filter(pupil__upn=make_upn("801", "2000", 25, 3))
    assert [(period.status, period.start_date, period.end_date) for period in periods] == [
        ("K", OCTOBER, None)
    ]
    assert SENStatusPeriod.objects.count() == 30
    assert PupilNeed.objects.filter(need_type="SPLD").count() == 10


def test_an_unchanged_file_writes_nothing(school):
    import_pupils(student_list(60), school=school, as_of=OCTOBER)

    sql = queries(lambda: import_pupils(student_list(60), school=school, as_of=OCTOBER))

    assert writes(sql) == []


def test_plain_changes_are_saved_together(school):
    import_pupils(student_list(6), school=school, as_of=OCTOBER)
    import_pupils(student_list(60), school=school, as_of=OCTOBER)
    few = queries(lambda: import_pupils(student_list(6, form="B"), school=school, whole_roll=False))
    many = queries(lambda: import_pupils(student_list(60, form="C"), school=school))

    assert len(writes(many)) == len(writes(few)) == 1
    assert set(Pupil.objects.values_list("form", flat=True)) == {"8C"}


def test_a_remembered_parser_reads_each_text_once_and_never_remembers_a_refusal():
    calls: list[object] = []

    def parse(value: object) -> dt.date:
        calls.append(value)
        return parse_date(value)

    read = remembered(parse)

    assert read("01/09/2025") == read("01/09/2025") == dt.date(2025, 9, 1)
    assert read(dt.date(2025, 9, 2)) == read(dt.date(2025, 9, 2)) == dt.date(2025, 9, 2)
    for _ in range(2):
        with pytest.raises(CellError):
            read("31/02/2025")
    refused = ["31/02/2025", "31/02/2025"]
    assert calls == ["01/09/2025", dt.date(2025, 9, 2), dt.date(2025, 9, 2), *refused]

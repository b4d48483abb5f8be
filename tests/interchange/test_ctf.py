import datetime as dt
from decimal import Decimal

import pytest

from provmap.interchange.ctf import parse_ctf
from provmap.interchange.files import Upload
from provmap.interchange.report import ImportRejected
from tests.interchange.samples import UPNS, ctf_bytes, ctf_pupil


def test_the_header_names_the_school_and_the_date():
    ctf = parse_ctf(
        Upload("ctf.xml", ctf_bytes([ctf_pupil(UPNS[0], "A", "B", "2012-09-01", "F", "8")]))
    )

    assert (ctf.header.version, ctf.header.date, ctf.header.qualifier) == (
        "25.0",
        dt.date(2025, 10, 1),
        "full",
    )
    source = ctf.header.source
    assert (source.urn, source.name, source.la_code, source.estab_code) == (
        "123456",
        "Oakfield Academy",
        "801",
        "2000",
    )


def test_a_pupils_details_are_read_from_anywhere_in_their_record():
    pupil = ctf_pupil(
        UPNS[0],
        "Adams",
        "Amy",
        "2012-09-01",
        "F",
        "8",
        fsm=[("2024-01-08", None)],
        sen=[("2021-09-01", "K")],
        needs=["SPLD"],
        attendance=[(2024, 300, 270), (2024, 20, 20)],
        language="ENG",
        sex_element="Gender",
    )

    ctf = parse_ctf(Upload("ctf.xml", ctf_bytes([pupil])))

    read = ctf.pupils[0]
    cells = {key: value for key, (_, value) in read.cells.items()}
    assert cells["upn"] == UPNS[0]
    assert (cells["sex"], cells["nc_year"], cells["first_language"], cells["eal"]) == (
        "F",
        "8",
        "ENG",
        False,
    )
    assert (cells["fsm"], cells["ever6_fsm"], cells["looked_after"]) == (True, True, "false")
    assert read.sen_history == [(dt.date(2021, 9, 1), "K")]
    assert read.needs == ("SPLD",)
    # Two schools' sessions in one year are added together.
    assert read.attendance == [(dt.date(2025, 7, 31), Decimal("90.63"))]
    assert ctf.problems == []


def test_a_namespaced_ctf_is_read_too():
    data = ctf_bytes([ctf_pupil(UPNS[0], "Adams", "Amy", "2012-09-01", "F", "8")]).replace(
        b"<CTfile>", b'<CTfile xmlns="urn:example:ctf">'
    )

    assert parse_ctf(Upload("ctf.xml", data)).pupils[0].cells["surname"] == ("Surname", "Adams")


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"<CTfile/>", "'ctf.xml' has no <Header>, so it is not a complete CTF."),
        (
            ctf_bytes([]),
            "'ctf.xml' is a CTF with no pupils in it.",
        ),
        (
            ctf_bytes([ctf_pupil(UPNS[0], "A", "B", "2012-09-01", "F", "8")], date="soon"),
            "The CTF header's <DateTime> should be a date and time such as "
            "2025-10-01T09:30:00, not 'soon'.",
        ),
    ],
)
def test_incomplete_files_are_refused(data, message):
    with pytest.raises(ImportRejected) as refused:
        parse_ctf(Upload("ctf.xml", data))
    assert refused.value.problems[0].message == message


def test_bad_dates_in_a_pupils_history_are_reported_against_the_pupil():
    pupil = ctf_pupil(UPNS[0], "A", "B", "2012-09-01", "F", "8", sen=[("2021-02-30", "K")])

    ctf = parse_ctf(Upload("ctf.xml", ctf_bytes([pupil])))

    assert [
        (problem.row, problem.column, problem.message, str(problem)) for problem in ctf.problems
    ] == [
        (
            1,
            "StartDate",
            "'2021-02-30' is not a real date: February 2021 has 28 days.",
            "Pupil 1, column 'StartDate': '2021-02-30' is not a real date: February 2021 has 28 "
            "days.",
        ),
    ]

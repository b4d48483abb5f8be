import io

import pytest
import xlsxwriter

from provmap.interchange.columns import find_table, match_columns, normalise_heading
from provmap.interchange.files import Upload, read_csv, read_xlsx
from provmap.interchange.mapsheet import MAP_COLUMNS
from provmap.interchange.pupil_import import PUPIL_COLUMNS
from provmap.interchange.report import ImportRejected
from provmap.interchange.results_import import RESULT_COLUMNS


@pytest.mark.parametrize(
    ("heading", "key"),
    [
        ("Legal Surname", "surname"),
        ("Surname", "surname"),
        ("Last name", "surname"),
        ("Family name", "surname"),
        ("Student Surname", "surname"),
        ("UPN", "upn"),
        ("Unique Pupil Number", "upn"),
        ("DOB", "date_of_birth"),
        ("D.O.B.", "date_of_birth"),
        ("Date of Birth", "date_of_birth"),
        ("Reg", "form"),
        ("Form", "form"),
        ("Tutor Group", "form"),
        ("Reg Group", "form"),
        ("Year", "nc_year"),
        ("NC Year", "nc_year"),
        ("Year Group", "nc_year"),
        ("Gender", "sex"),
        ("Sex", "sex"),
        ("SEN Status", "sen_status"),
        ("SEN Provision", "sen_status"),
        ("Primary Need", "primary_need"),
        ("FSM", "fsm"),
        ("FSM (Y/N)", "fsm"),
        ("Pupil Premium", "pupil_premium"),
        ("PP", "pupil_premium"),
        ("EAL", "eal"),
        ("CLA", "looked_after"),
        ("Looked After", "looked_after"),
        ("Ethnicity", "ethnicity"),
        ("Ethnicity code", "ethnicity"),
        ("First Language", "first_language"),
        ("Admission date", "on_roll_from"),
        ("Date of Admission", "on_roll_from"),
        ("MIS id", "mis_id"),
        ("Adno", "mis_id"),
        ("Admission Number", "mis_id"),
    ],
)
def test_mis_headings_are_recognised(heading, key):
    assert match_columns([heading], PUPIL_COLUMNS).fields == {key: 0}


@pytest.mark.parametrize("columns", [PUPIL_COLUMNS, MAP_COLUMNS, RESULT_COLUMNS])
def test_no_heading_means_two_things_in_one_import(columns):
    seen: dict[str, str] = {}
    for column in columns:
        for synonym in column.synonyms:
            heading = normalise_heading(synonym)
            assert seen.setdefault(heading, column.key) == column.key, synonym


def test_the_earlier_synonym_wins_and_the_other_column_is_ignored():
    columns = match_columns(["Surname", "Legal Surname", "Shoe size"], PUPIL_COLUMNS)

    assert columns.fields == {"surname": 1}
    assert columns.ignored == ["Surname", "Shoe size"]


def test_seed_004_headings_are_recognised():
    headings = [
        "Baseline score",
        "Start date",
        "Mid intervention review",
        "Review date",
        "Exit score",
        "Exit date",
        "Day/ time/ lesson withdrawn from",
        "Staff member leading intervention",
        "Staff member reviewing",
        "Cost per minute",
        "No. minutes per week",
        "No. weeks",
        "Total cost for provision",
    ]

    assert list(match_columns(headings, MAP_COLUMNS).fields) == [
        "baseline",
        "start_date",
        "midpoint",
        "review_date",
        "exit",
        "exit_date",
        "day_time",
        "lead_staff",
        "reviewing_staff",
        "cost_per_minute",
        "minutes_per_week",
        "weeks",
        "total_cost",
    ]


def test_the_heading_row_is_found_below_a_title():
    upload = Upload(
        "list.csv",
        b"Oakfield Academy - students on roll\r\n\r\nUPN,Surname,Forename\r\nA,B,C\r\n",
    )

    table = find_table([read_csv(upload)], PUPIL_COLUMNS, file_name="list.csv")

    assert table.columns.header_row == 3
    assert [row.number for row in table.rows] == [4]


def test_the_sheet_with_the_map_is_chosen_over_a_key_sheet():
    stream = io.BytesIO()
    workbook = xlsxwriter.Workbook(stream, {"in_memory": True})
    key = workbook.add_worksheet("Key")
    key.write_row(0, 0, ["Colour", "Meaning"])
    key.write_row(1, 0, ["Green", "Met the success criteria"])
    sheet = workbook.add_worksheet("Map 2025-26")
    sheet.write_row(0, 0, ["UPN", "Provision", "Baseline score"])
    sheet.write_row(1, 0, ["N801200022001", "Reading catch-up", "85"])
    workbook.close()

    table = find_table(
        read_xlsx(Upload("map.xlsx", stream.getvalue())), MAP_COLUMNS, file_name="map.xlsx"
    )

    assert table.sheet_name == "Map 2025-26"
    assert list(table.columns.fields) == ["upn", "provision", "baseline"]


def test_remembered_choices_win_over_synonyms():
    columns = match_columns(
        ["Year", "Curriculum year (next September)"],
        PUPIL_COLUMNS,
        remembered={"year": "", "curriculum year next september": "nc_year"},
    )

    assert columns.fields == {"nc_year": 1}
    assert columns.remembered() == {"curriculum year next september": "nc_year", "year": ""}


def test_a_file_without_recognisable_headings_is_refused():
    upload = Upload("list.csv", b"a,b\r\n1,2\r\n")

    with pytest.raises(ImportRejected, match=r"No row of headings was found in 'list\.csv'"):
        find_table([read_csv(upload)], PUPIL_COLUMNS, file_name="list.csv", examples=("UPN",))

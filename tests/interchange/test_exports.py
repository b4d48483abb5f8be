import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest

from provmap.interchange.exports import map_csv_bytes, map_export, map_xlsx_bytes
from provmap.interchange.files import Upload
from provmap.interchange.map_import import import_map
from provmap.interchange.safety import neutralise, restore
from provmap.provision.models import ProvisionRun
from provmap.pupils.models import Pupil
from tests.factories import AcademicYearFactory, PupilFactory, SchoolFactory, TermFactory
from tests.interchange.maps import (
    MapSpec,
    PlacementSpec,
    ProvisionSpec,
    RunSpec,
    build_map,
    describe_map,
)
from tests.interchange.samples import UPNS, table_counts

pytestmark = pytest.mark.django_db

AS_OF = dt.date(2025, 10, 1)

SPEC = MapSpec(
    provisions=[
        ProvisionSpec("Reading catch-up", 2, "group", ("CL",), "Reading age"),
        ProvisionSpec("ELSA", 3, "mentoring", ("SEMH", "CI"), ""),
    ],
    runs=[
        RunSpec(
            provision=0,
            label="Group A",
            term=0,
            staff=[(0, None, None), (1, Decimal("1"), 20)],
            lead=0,
            reviewer=1,
            funding="Notional SEN budget",
            day_time="Mon, Wed, Fri 8:40",
            withdrawn_from="Tutor time",
            notes='=HYPERLINK("http://example.invalid","click")',
            placements=[
                PlacementSpec(
                    0,
                    0,
                    60,
                    "SPLD",
                    "must",
                    "completed",
                    "G",
                    "+ reading at home",
                    {
                        "baseline": (Decimal("85"), 0),
                        "midpoint": (Decimal("88.5"), 30),
                        "exit": (Decimal("93"), 60),
                    },
                ),
                PlacementSpec(
                    1,
                    14,
                    None,
                    "",
                    "should",
                    "active",
                    "R",
                    "@check with parents",
                    {"baseline": (Decimal("79"), 0)},
                ),
                PlacementSpec(2, 0, None, "MLD", "could", "active", "", "-2 points since May"),
            ],
        ),
        RunSpec(
            provision=0,
            label="Group A",
            start=7,
            length=70,
            staff=[(3, None, None)],
            placements=[PlacementSpec(3, 0)],
        ),
        RunSpec(
            provision=1,
            label="",
            start=30,
            length=100,
            weeks=Decimal("12.5"),
            sessions=Decimal("1"),
            minutes=45,
            staff=[(2, None, None)],
            lead=2,
            status="planned",
            placements=[],
        ),
    ],
)


def add_calendar_and_pupils(school):
    year = AcademicYearFactory(
        school=school, name="2025-26", start_date=dt.date(2025, 9, 1), end_date=dt.date(2026, 7, 22)
    )
    for number, name, start, end in (
        (1, "Autumn", dt.date(2025, 9, 1), dt.date(2025, 12, 19)),
        (2, "Spring", dt.date(2026, 1, 5), dt.date(2026, 3, 27)),
        (3, "Summer", dt.date(2026, 4, 13), dt.date(2026, 7, 22)),
    ):
        TermFactory(
            school=school,
            academic_year=year,
            number=number,
            name=name,
            start_date=start,
            end_date=end,
            weeks=Decimal(12),
        )
    return [
        PupilFactory(
            school=school,
            upn=upn,
            legal_forename=forename,
            surname=surname,
            nc_year=year_group,
            on_roll_from=dt.date(2024, 9, 2),
        )
        for upn, forename, surname, year_group in (
            (UPNS[0], "Amy", "Adams", "8"),
            (UPNS[1], "Ben", "Brown", "7"),
            (UPNS[2], "Cara", "Cole", "9"),
            (UPNS[3], "Dan", "Evans", "8"),
        )
    ]


@pytest.fixture
def mapped(school):
    pupils = add_calendar_and_pupils(school)
    build_map(school, pupils, SPEC)
    return school, pupils


def test_the_xlsx_is_an_excel_table_with_ragb_colours_and_totals(mapped):
    school, _ = mapped

    workbook = openpyxl.load_workbook(io.BytesIO(map_xlsx_bytes(map_export(school, as_of=AS_OF))))

    assert workbook.sheetnames == ["Map", "Totals"]
    sheet = workbook["Map"]
    table = sheet.tables["ProvisionMap"]
    assert table.ref == f"A1:{openpyxl.utils.get_column_letter(sheet.max_column)}6"
    headings = [cell.value for cell in sheet[1]]
    assert headings[:4] == ["Academic year", "Term", "Provision", "Wave"]
    assert {
        "Baseline score",
        "Mid intervention review",
        "Exit score",
        "Staff member leading intervention",
        "Cost per minute",
        "No. minutes per week",
        "No. weeks",
        "Total cost for provision",
        "RAGB rating",
    } <= set(headings)
    rows = [
        dict(zip(headings, (cell.value for cell in row), strict=True))
        for row in sheet.iter_rows(min_row=2)
    ]
    amy = next(row for row in rows if row["UPN"] == UPNS[0])
    assert amy["Start date"] == dt.datetime(2025, 9, 8)
    assert (amy["Baseline score"], amy["Exit score"], amy["Gain"]) == (85, 93, 8)
    assert amy["RAGB rating"] == "Green"
    # Jo Bloggs 3 x 30 min for 10 weeks at £21/h, Sam O'Neil 1 x 20 min at £38.50/h.
    assert amy["Total cost for provision"] == pytest.approx(443.33)
    rules = [rule for cf in sheet.conditional_formatting for rule in cf.rules]
    assert sorted(rule.text for rule in rules) == ["Amber", "Blue", "Green", "Red"]
    totals = [row[0] for row in workbook["Totals"].iter_rows(values_only=True) if row[0]]
    assert {
        "By provision",
        "By year group (pupils' shares)",
        "By area of need (pupils' shares)",
        "By funding stream",
    } <= set(totals)


def test_the_csv_has_a_row_per_placement_and_one_per_empty_group(mapped):
    school, _ = mapped

    data = map_csv_bytes(map_export(school, as_of=AS_OF))

    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert len(rows) == 5
    assert sorted(row["UPN"] for row in rows) == ["", *sorted(UPNS[:4])]
    amy = next(row for row in rows if row["UPN"] == UPNS[0])
    assert (amy["Start date"], amy["Exit date"], amy["Baseline score"]) == (
        "08/09/2025",
        "07/11/2025",
        "85.00",
    )
    assert amy["Staff delivering"] == (
        "Jo Bloggs (TA, £21.00/h); Sam O'Neil (T, £38.50/h, 1 x 20 min)"
    )


def test_every_text_cell_is_safe_from_formula_injection_in_both_writers(mapped):
    school, _ = mapped
    export = map_export(school, as_of=AS_OF)

    rows = list(csv.DictReader(io.StringIO(map_csv_bytes(export).decode("utf-8-sig"))))
    notes = sorted(row["Notes"] for row in rows if row["Notes"])
    assert notes == ["'+ reading at home", "'-2 points since May", "'@check with parents"]
    assert rows[0]["Group notes"].startswith("'=HYPERLINK(")
    workbook = openpyxl.load_workbook(io.BytesIO(map_xlsx_bytes(export)))
    cells = [cell for sheet in workbook for row in sheet.iter_rows() for cell in row]
    assert not [cell.coordinate for cell in cells if cell.data_type == "f"]
    texts = [cell.value for cell in cells if isinstance(cell.value, str)]
    assert not [text for text in texts if text.startswith(("=", "+", "-", "@", "\t", "\r"))]


@pytest.mark.parametrize(
    ("text", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+44 7700 900000", "'+44 7700 900000"),
        ("-3", "'-3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("'=already quoted", "''=already quoted"),
        ("Reading catch-up", "Reading catch-up"),
        ("O'Neil", "O'Neil"),
        ("'quoted", "'quoted"),
        ("", ""),
    ],
)
def test_neutralise_guards_formulas_and_restore_gives_the_text_back(text, safe):
    assert neutralise(text) == safe
    assert restore(neutralise(text)) == text


def test_exports_can_be_narrowed_to_a_year_group_a_group_or_a_pupil(mapped):
    school, pupils = mapped
    run = ProvisionRun.objects.get(label="Group A", staff_lines__staff__name="Tom Ng")

    assert sorted(row["upn"] for row in map_export(school, year_group="8").rows) == sorted(
        [UPNS[0], UPNS[3]]
    )
    assert [row["upn"] for row in map_export(school, run=run).rows] == [UPNS[3]]
    only_ben = map_export(school, pupil=pupils[1])
    assert [row["upn"] for row in only_ben.rows] == [UPNS[1]]
    assert only_ben.title == "Oakfield Academy provision map, Ben Brown"


def test_an_export_costs_the_same_queries_for_one_group_or_many(school, django_assert_num_queries):
    pupils = add_calendar_and_pupils(school)
    build_map(school, pupils, MapSpec(provisions=SPEC.provisions, runs=SPEC.runs[:1]))
    with django_assert_num_queries(8) as one:
        map_csv_bytes(map_export(school, as_of=AS_OF))
    other = SchoolFactory()
    others = add_calendar_and_pupils(other)
    build_map(other, others, SPEC)

    with django_assert_num_queries(len(one.captured_queries)):
        map_xlsx_bytes(map_export(other, as_of=AS_OF))


def twin(school_pupils: list[Pupil]):
    """Another school with the same calendar and pupils, and no map yet."""
    other = SchoolFactory()
    add_calendar_and_pupils(other)
    return other


@pytest.mark.parametrize("writer", [map_csv_bytes, map_xlsx_bytes], ids=["csv", "xlsx"])
def test_a_map_exported_and_imported_elsewhere_loses_nothing(mapped, writer):
    school, pupils = mapped
    data = writer(map_export(school, as_of=AS_OF))
    other = twin(pupils)

    report = import_map(
        Upload(f"map.{'csv' if writer is map_csv_bytes else 'xlsx'}", data),
        school=other,
        as_of=AS_OF,
    )

    assert report.errors == []
    assert report.warnings == []
    assert describe_map(other) == describe_map(school)


def test_an_export_imported_back_into_its_school_changes_nothing(mapped):
    school, _ = mapped
    data = map_xlsx_bytes(map_export(school, as_of=AS_OF))
    before = table_counts()

    report = import_map(Upload("map.xlsx", data), school=school, as_of=AS_OF)

    assert report.errors == [] and report.warnings == []
    assert {record.action for record in report.records} == {"unchanged"}
    assert len(report.records) == 5
    # Only the columns are remembered, for the school's next file.
    assert table_counts() == {**before, "interchange.ColumnMapping": 1}


def test_the_primary_need_exported_is_a_current_one(mapped):
    from provmap.pupils.models import PupilNeed

    school, _ = mapped
    amy = Pupil.objects.get(upn=UPNS[0])
    PupilNeed.objects.filter(pupil=amy).delete()
    PupilNeed.objects.create(
        school=school, pupil=amy, need_type="SEMH", rank=1, end_date=dt.date(2024, 7, 19)
    )
    PupilNeed.objects.create(school=school, pupil=amy, need_type="CI", rank=1)

    data = map_csv_bytes(map_export(school, as_of=AS_OF))

    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert {row["Primary need"] for row in rows if row["UPN"] == UPNS[0]} == {"CI"}

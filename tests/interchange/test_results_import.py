import datetime as dt
from decimal import Decimal

import pytest

from provmap.interchange.files import Upload
from provmap.interchange.results_import import guess_scale, import_results
from provmap.pupils.models import Measure, Result
from tests.factories import MeasureFactory, PupilFactory
from tests.interchange.samples import UPNS, csv_bytes, table_counts, xlsx_bytes

pytestmark = pytest.mark.django_db


@pytest.fixture
def pupils(school):
    return [
        PupilFactory(
            school=school, upn=UPNS[0], mis_id="1001", legal_forename="Amy", surname="Adams"
        ),
        PupilFactory(
            school=school, upn=UPNS[1], mis_id="1002", legal_forename="Ben", surname="Brown"
        ),
    ]


def results_file(rows, name="results.csv") -> Upload:
    return Upload(name, csv_bytes([["UPN", "Adno", "Assessment", "Date taken", "Score"], *rows]))


ROWS = [
    [UPNS[0], "", "Reading test", "01/10/2025", "96"],
    ["", "1002", "Reading test", "01/10/2025", "104"],
    [UPNS[0], "", "Spelling age", "2025-10-02", "118"],
]


def test_results_are_recorded_and_a_new_measure_is_created(school, pupils):
    reading = MeasureFactory(school=school, name="Reading test")

    report = import_results(results_file(ROWS), school=school)

    assert report.as_dict()["created"] == 3
    assert report.notes == ["New measures: Spelling age."]
    assert list(
        Result.objects.filter(measure=reading)
        .order_by("pupil__surname")
        .values_list("pupil__surname", "date", "value", "source")
    ) == [
        ("Adams", dt.date(2025, 10, 1), Decimal("96"), "Imported from results.csv"),
        ("Brown", dt.date(2025, 10, 1), Decimal("104"), "Imported from results.csv"),
    ]
    spelling = Measure.objects.get(school=school, name="Spelling age")
    assert spelling.scale == Measure.Scale.AGE_MONTHS
    # What it tells about, guessed once from its name when it is made.
    assert spelling.kind == Measure.Kind.ATTAINMENT


def test_the_same_file_twice_changes_nothing_and_a_corrected_one_updates(school, pupils):
    MeasureFactory(school=school, name="Reading test")
    import_results(results_file(ROWS), school=school)
    before = table_counts()

    report = import_results(results_file(ROWS), school=school)
    assert report.count("unchanged") == 3
    assert table_counts() == before

    corrected = [list(row) for row in ROWS]
    corrected[1][4] = "106"
    report = import_results(results_file(corrected), school=school)
    assert [str(record) for record in report.records if record.action == "updated"] == [
        "Ben Brown: Reading test on 01/10/2025: value: 104.00 -> 106.00"
    ]
    assert table_counts() == before
    assert Result.objects.get(pupil=pupils[1]).value == Decimal("106")


def test_a_result_listed_twice_is_refused(school, pupils):
    rows = [ROWS[0], [UPNS[0], "", "reading test", "01/10/2025", "97"]]

    report = import_results(results_file(rows), school=school)

    assert [(problem.row, problem.column, problem.message) for problem in report.errors] == [
        (3, "Date taken", "Row 2 already gives Amy Adams's Reading test result on 01/10/2025.")
    ]


def test_a_preview_writes_nothing(school, pupils):
    before = table_counts()

    report = import_results(results_file(ROWS), school=school, dry_run=True)

    assert report.count("created") == 3
    assert table_counts() == before


def test_an_xlsx_of_results_with_real_dates(school, pupils):
    upload = Upload(
        "attendance.xlsx",
        xlsx_bytes(
            [
                ["UPN", "Measure", "Date", "Value"],
                [UPNS[0], "Attendance %", dt.date(2025, 12, 19), 93.5],
            ]
        ),
    )

    report = import_results(upload, school=school)

    assert report.errors == []
    result = Result.objects.get()
    assert (result.measure.scale, result.measure.max_value, result.value) == (
        "percent",
        Decimal("100"),
        Decimal("93.5"),
    )


@pytest.mark.parametrize(
    ("name", "scale"),
    [
        ("Attendance %", "percent"),
        ("NGRT standardised score", "standardised"),
        ("Reading age", "age_months"),
        ("Boxall profile", "raw"),
    ],
)
def test_a_new_measures_scale_is_guessed_from_its_name(name, scale):
    assert guess_scale(name)[0] == scale


def test_an_absurd_score_on_a_measure_with_no_range_is_refused_by_row_and_column(school, pupils):
    rows = [
        ["UPN", "Measure", "Date", "Score"],
        [UPNS[0], "Words read aloud", "01/10/2025", "95"],
        [UPNS[1], "Words read aloud", "01/10/2025", "9500000"],
    ]
    before = table_counts()

    report = import_results(Upload("results.csv", csv_bytes(rows)), school=school)

    assert [(problem.row, problem.column, problem.message) for problem in report.errors] == [
        (3, "Score", "A score must be between -100,000 and 100,000 (got 9,500,000).")
    ]
    assert table_counts() == before

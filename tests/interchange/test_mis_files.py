"""Files as school systems write them (tests/interchange/make_corpus.py `mis_files`): each is
imported with the expected result, without editing."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command

from provmap.interchange.ctf import parse_ctf
from provmap.interchange.files import Upload, limit
from provmap.interchange.pupil_import import import_pupils
from provmap.interchange.results_import import import_results
from provmap.pupils.models import Measure, Pupil, Result
from tests.factories import MeasureFactory, PupilFactory
from tests.interchange.make_corpus import (
    MIS_UPNS,
    ctf_document,
    ctf_pupil_record,
    mis_files,
)
from tests.interchange.samples import table_counts

pytestmark = pytest.mark.django_db

OCTOBER = dt.date(2025, 10, 1)
FILES = mis_files()


def upload(name: str) -> Upload:
    return Upload(name, FILES[name])


def test_a_sims_style_list_with_written_out_values_and_a_footer(school):
    report, _ = import_pupils(upload("sims_student_list.csv"), school=school, as_of=OCTOBER)

    assert not report.errors, report.errors
    assert report.count("created") == 3
    amy, ben, cara = (Pupil.objects.get(upn=upn) for upn in MIS_UPNS[:3])
    assert (amy.nc_year, amy.sen_status, amy.preferred_forename, amy.mis_id) == (
        "8",
        "K",
        "Ami",
        "001001",
    )
    assert [need.need_type for need in amy.needs.all()] == ["SPLD"]
    assert (amy.pupil_premium, amy.fsm, amy.looked_after, amy.ethnicity) == (
        True,
        True,
        False,
        "WBRI",
    )
    assert amy.on_roll_from == dt.date(2019, 9, 3)
    assert (ben.nc_year, ben.sen_status, ben.looked_after) == ("7", "E", True)
    assert ben.ethnicity == "APKN"
    assert (ben.first_language, ben.eal) == ("URD", True)
    assert [need.need_type for need in ben.needs.all()] == ["ASD"]
    assert (cara.ethnicity, cara.first_language, cara.sen_status) == ("WOTH", "POL", "N")
    assert report.ignored_columns == ["House"]
    assert any("Total: 3 students" in note for note in report.notes)


def test_an_arbor_style_list_updates_the_same_pupils(school):
    import_pupils(upload("sims_student_list.csv"), school=school, as_of=OCTOBER)

    report, _ = import_pupils(
        upload("arbor_students.csv"), school=school, as_of=OCTOBER, whole_roll=False
    )

    assert not report.errors, report.errors
    assert report.count("created") == 0
    amy = Pupil.objects.get(upn=MIS_UPNS[0])
    assert (amy.legal_forename, amy.surname, amy.preferred_forename, amy.form) == (
        "Amy",
        "Adams",
        "Ami",
        "8A",
    )


def test_dfe_joined_up_headings_are_read_and_the_others_listed(school):
    report, _ = import_pupils(upload("dfe_joined_up.csv"), school=school, as_of=OCTOBER)

    assert not report.errors, report.errors
    dylan = Pupil.objects.get(upn=MIS_UPNS[3])
    assert (dylan.preferred_forename, dylan.nc_year, dylan.sen_status, dylan.fsm) == (
        "Dyl",
        "6",
        "N",
        False,
    )
    assert dylan.on_roll_from == dt.date(2018, 9, 4)
    assert report.ignored_columns == ["PreferredSurname"]


def test_excel_touched_workbook_keeps_leading_zeros_and_ignores_trailing_lines(school):
    report, _ = import_pupils(upload("excel_students.xlsx"), school=school, as_of=OCTOBER)

    assert not report.errors, report.errors
    assert Pupil.objects.get(upn=MIS_UPNS[0]).mis_id == "000123"
    assert report.rows == 1


@pytest.mark.parametrize(
    ("column", "value", "allowed"),
    [
        ("SEN Status", "Statemented plus", "N (no SEN), K (SEN support) or E (EHC plan)"),
        ("Primary Need", "Wobbly", "SPLD, MLD, SLD, PMLD, SEMH, SLCN"),
        ("Year", "Year 15", "N1, N2, R, 1 to 13, or the census codes E1, E2, 14 and X"),
        ("First Language", "Klingon", "ENG"),
        ("FSM Eligible", "perhaps", "Yes or No"),
    ],
)
def test_an_unknown_value_is_reported_on_its_row_with_the_values_allowed(
    school, column, value, allowed
):
    rows = FILES["sims_student_list.csv"].decode().splitlines()
    headings = rows[0].split(",")
    cells = rows[2].split(",")
    cells[headings.index(column)] = value
    data = "\r\n".join([rows[0], ",".join(cells)]).encode()
    before = table_counts()

    report, _ = import_pupils(Upload("bad.csv", data), school=school, as_of=OCTOBER)

    problem = report.errors[0]
    assert (problem.row, problem.column) == (2, column)
    assert value in problem.message and allowed in problem.message
    assert table_counts() == before


def test_results_wide_with_ages_and_bounds(school):
    for index, upn in enumerate(MIS_UPNS[:2]):
        PupilFactory(school=school, upn=upn, surname=f"Pupil{index}")
    MeasureFactory(school=school, name="Reading age", scale=Measure.Scale.AGE_MONTHS)

    report = import_results(upload("results_wide.csv"), school=school)

    assert not report.errors, report.errors
    results = {
        (result.pupil.upn, result.measure.name): (result.value, result.bound, result.date)
        for result in Result.objects.select_related("pupil", "measure")
    }
    assert results == {
        (MIS_UPNS[0], "Reading age"): (Decimal(112), "", dt.date(2025, 10, 1)),
        (MIS_UPNS[1], "Reading age"): (Decimal(119), "", dt.date(2025, 10, 1)),
        (MIS_UPNS[0], "Standardised score"): (Decimal(70), "<", dt.date(2025, 10, 2)),
        (MIS_UPNS[1], "Standardised score"): (Decimal(131), ">", dt.date(2025, 10, 2)),
    }
    assert report.ignored_columns == ["Surname"]


def test_results_wide_with_one_date_column(school):
    PupilFactory(school=school, upn=MIS_UPNS[0])
    data = b"UPN,Date,Spelling age,Maths\r\n" + MIS_UPNS[0].encode() + b",01/10/2025,9:04,31\r\n"

    report = import_results(Upload("wide.csv", data), school=school)

    assert not report.errors, report.errors
    values = sorted((r.measure.name, r.value, r.date) for r in Result.objects.all())
    assert values == [
        ("Maths", Decimal(31), OCTOBER),
        ("Spelling age", Decimal(112), OCTOBER),
    ]


def test_a_transfer_in_ctf_addressed_by_la_and_estab(school):
    report, _ = import_pupils(upload("ctf_transfer_in.xml"), school=school)

    assert not report.errors, report.errors
    dylan = Pupil.objects.get(upn=MIS_UPNS[3])
    assert dylan.preferred_forename == "Dyl"
    # The date on roll here, not at the school that sent the file.
    assert dylan.on_roll_from == dt.date(2025, 9, 3)
    periods = [
        (period.status, period.start_date, period.end_date)
        for period in dylan.sen_history.order_by("start_date")
    ]
    assert periods == [
        ("K", dt.date(2020, 9, 1), dt.date(2021, 7, 20)),
        ("N", dt.date(2021, 7, 21), dt.date(2023, 1, 8)),
        ("K", dt.date(2023, 1, 9), None),
    ]
    # BESD is read as SEMH; the specific learning difficulty ended, so is history.
    assert [need.need_type for need in dylan.needs.current().order_by("rank")] == [
        "SEMH",
        "SLCN",
    ]
    assert [
        (need.need_type, need.end_date) for need in dylan.needs.filter(end_date__isnull=False)
    ] == [("SPLD", dt.date(2024, 7, 19))]
    assert any("BESD" in note for note in report.notes)


def _need_xml(code: str, rank: int, start: str | None, end: str | None) -> str:
    start_xml = f"<StartDate>{start}</StartDate>" if start else ""
    end_xml = f"<EndDate>{end}</EndDate>" if end else ""
    return (
        f"<SENneed><SENtypeRank>{rank}</SENtypeRank><SENtype>{code}</SENtype>"
        f"{start_xml}{end_xml}</SENneed>"
    )


def _needs_ctf(needs: list[str]) -> bytes:
    record = ctf_pupil_record(
        MIS_UPNS[0], sen=[("2022-09-01", None, "K")], needs=[("SLCN", None)]
    ).replace(
        "<SENneeds><SENneed><SENtypeRank>1</SENtypeRank><SENtype>SLCN</SENtype></SENneed>",
        "<SENneeds>" + "".join(needs),
    )
    return ctf_document(
        [record], source=("123456", "Oakfield Academy", "801", "2000"), qualifier="partial"
    )


def test_a_need_that_ended_and_started_again_is_two_periods(school):
    amy = PupilFactory(school=school, upn=MIS_UPNS[0], on_roll_from=dt.date(2020, 9, 1))
    data = _needs_ctf(
        [
            _need_xml("SEMH", 1, "2021-01-04", "2022-07-22"),
            _need_xml("SLCN", 1, "2022-09-01", None),
            _need_xml("SEMH", 2, "2024-01-08", None),
            _need_xml("MLD", 3, "2022-09-01", "2024-07-19"),
        ]
    )

    report, _ = import_pupils(Upload("needs.xml", data), school=school)

    assert not report.errors, report.errors
    rows = sorted(
        (need.need_type, need.rank, need.start_date, need.end_date) for need in amy.needs.all()
    )
    assert rows == [
        ("MLD", 3, dt.date(2022, 9, 1), dt.date(2024, 7, 19)),
        ("SEMH", 1, dt.date(2021, 1, 4), dt.date(2022, 7, 22)),
        ("SEMH", 2, dt.date(2024, 1, 8), None),
        ("SLCN", 1, dt.date(2022, 9, 1), None),
    ]
    assert any("kept as past needs" in note for note in report.notes)

    again, _ = import_pupils(Upload("needs.xml", data), school=school)

    assert not again.errors and again.count("updated") == 0
    assert amy.needs.count() == 4

    # The school records the current needs by hand: the past ones stay.
    from provmap.pupils.services import pupil_set_needs

    pupil_set_needs(pupil=amy, need_types=["ASD"])
    assert sorted(amy.needs.values_list("need_type", "end_date")) == [
        ("ASD", None),
        ("MLD", dt.date(2024, 7, 19)),
        ("SEMH", dt.date(2022, 7, 22)),
    ]


def test_a_need_ending_before_it_starts_is_refused_with_nothing_written(school):
    PupilFactory(school=school, upn=MIS_UPNS[0])
    data = _needs_ctf([_need_xml("SEMH", 1, "2023-01-04", "2022-07-22")])
    before = table_counts()

    report, _ = import_pupils(Upload("needs.xml", data), school=school)

    assert "The need SEMH ends (22/07/2022) before it starts (04/01/2023)." in [
        problem.message for problem in report.errors
    ]
    assert table_counts() == before


def test_a_ctf_for_another_school_is_still_refused(school):
    data = ctf_document(
        [ctf_pupil_record(MIS_UPNS[0], "Adams", "Amy", dob="2012-09-01", sex="F", year="8")],
        destination=("999999", "999", "9999"),
    )

    report, _ = import_pupils(Upload("ctf.xml", data), school=school)

    assert "is not addressed to Oakfield Academy" in report.errors[0].message


def test_a_partial_ctf_updates_existing_pupils_and_attendance_is_stored_once(school):
    PupilFactory(school=school, upn=MIS_UPNS[0], legal_forename="Amy", surname="Adams")
    PupilFactory(school=school, upn=MIS_UPNS[1])

    first, _ = import_pupils(upload("ctf_partial.xml"), school=school)
    later = ctf_document(
        [ctf_pupil_record(MIS_UPNS[0], "Adams", "Amy", attendance=[(2024, 300, 270)])],
        source=("123456", "Oakfield Academy", "801", "2000"),
        qualifier="partial",
        stamp="2025-10-20T10:00:00",
    )
    second, _ = import_pupils(Upload("later.xml", later), school=school)

    assert not first.errors and not second.errors, (first.errors, second.errors)
    assert first.count("left") == 0
    assert Result.objects.filter(measure__name="Attendance %").count() == 1
    assert Pupil.objects.filter(on_roll_to__isnull=True).count() == 2


def test_a_partial_ctf_of_attainment_records_results_on_the_schools_measures(school):
    amy = PupilFactory(school=school, upn=MIS_UPNS[0], legal_forename="Amy", surname="Adams")
    ben = PupilFactory(school=school, upn=MIS_UPNS[1])
    maths = MeasureFactory(school=school, name="KS2 MAT test", scale=Measure.Scale.RAW)

    report, _ = import_pupils(upload("ctf_attainment.xml"), school=school)

    assert not report.errors, report.errors
    assert report.count("created") == 0 and report.count("left") == 0
    assert sorted(maths.results.values_list("value", flat=True)) == [Decimal(99), Decimal(108)]
    writing = Measure.objects.get(name="KS2 WRI teacher assessment")
    assert (writing.kind, writing.scale) == (Measure.Kind.ATTAINMENT, Measure.Scale.GRADE)
    assert "WTS 9" in writing.description and "EXS 10" in writing.description
    assert dict(writing.results.values_list("pupil__upn", "value")) == {
        amy.upn: Decimal(10),
        ben.upn: Decimal(9),
    }
    phonics = Measure.objects.get(name="PHON PC test")
    assert (phonics.min_value, phonics.max_value) == (Decimal(0), Decimal(40))
    assert phonics.results.get().date == dt.date(2021, 6, 11)
    # Without a <Date>, the summer of its <Year>.
    assert Result.objects.get(measure__name="KS2 REA test").date == dt.date(2025, 7, 31)
    assert not Measure.objects.filter(name__in=["KS2 GPS test", "KS2 SCI teacher assessment"])
    assert any(
        "2 attainment results left out" in note and "A (1), D (1)" in note for note in report.notes
    ), report.notes

    again, _ = import_pupils(upload("ctf_attainment.xml"), school=school)

    assert not again.errors
    assert Result.objects.count() == 6
    assert not any("attainment results:" in note for note in again.notes)


def test_attainment_on_a_pupil_not_in_provmap_or_out_of_range_is_refused(school):
    PupilFactory(school=school, upn=MIS_UPNS[0])
    data = ctf_document(
        [
            ctf_pupil_record(
                MIS_UPNS[0], attainments=[("2021", "PHON", "PC", "TT", "", "", "41", "")]
            ),
            ctf_pupil_record(
                MIS_UPNS[2], attainments=[("2025", "KS2", "MAT", "TT", "", "", "100", "")]
            ),
        ],
        source=("123456", "Oakfield Academy", "801", "2000"),
        qualifier="partial",
    )
    before = table_counts()

    report, _ = import_pupils(Upload("ctf.xml", data), school=school)

    messages = [problem.message for problem in report.errors]
    assert any("41 is above the highest score on PHON PC test (40)" in m for m in messages)
    assert any("not on the register yet" in m for m in messages), messages
    assert table_counts() == before


def test_a_full_ctf_brings_new_pupils_with_their_attainment(school):
    data = ctf_document(
        [
            ctf_pupil_record(
                MIS_UPNS[3],
                "Davies",
                "Dylan",
                dob="2014-05-05",
                sex="M",
                year="7",
                attainments=[("2025", "KS2", "MAT", "TT", "", "SS", "111", "2025-07-08")],
            )
        ],
        source=("654321", "Riverside Primary", "802", "2100"),
    )

    report, _ = import_pupils(Upload("ctf.xml", data), school=school)

    assert not report.errors, report.errors
    result = Result.objects.get(measure__name="KS2 MAT test")
    assert (result.pupil.upn, result.value, result.source) == (
        MIS_UPNS[3],
        Decimal(111),
        "CTF attainment",
    )


def test_legacy_codes_of_an_older_ctf_are_read_with_a_note(school):
    PupilFactory(school=school, upn=MIS_UPNS[2], date_of_birth=dt.date(2013, 3, 20))

    report, _ = import_pupils(upload("ctf_old_version.xml"), school=school)

    assert not report.errors, report.errors
    cara = Pupil.objects.get(upn=MIS_UPNS[2])
    assert (cara.nc_year, cara.sen_status) == ("8", "P")
    assert any(note.startswith("X (not following") for note in report.notes)
    assert any("before 2014" in note for note in report.notes)


def test_a_whole_school_ctf_of_2000_pupils_fits_the_limit_and_is_read_a_pupil_at_a_time():
    pupils = [
        ctf_pupil_record(
            "A" + f"{index:012d}",
            "Surname",
            "Forename",
            dob="2012-09-01",
            sex="F",
            year="8",
            sen=[("2021-09-01", None, "K")],
            needs=[("SPLD", None)],
            schools=[("123456", "801", "2000", "2019-09-03")],
            attendance=[(2024, 300, 280)],
        )
        for index in range(2000)
    ]
    data = ctf_document(pupils, source=("123456", "Oakfield Academy", "801", "2000"))

    assert len(data) < limit("PROVMAP_IMPORT_MAX_BYTES")
    ctf = parse_ctf(Upload("school.xml", data))
    assert len(ctf.pupils) == 2000


def test_the_command_line_lists_the_columns_it_did_not_read(school, tmp_path: Path):
    path = tmp_path / "sims.csv"
    path.write_bytes(FILES["sims_student_list.csv"])
    out = StringIO()

    call_command("import_pupils", str(path), "--date", "01/10/2025", stdout=out)

    assert "Columns not read: 'House'." in out.getvalue()


def test_the_command_line_json_gives_the_same_result_as_the_service(school, tmp_path: Path):
    path = tmp_path / "results.csv"
    path.write_bytes(FILES["results_wide.csv"])
    for upn in MIS_UPNS[:2]:
        PupilFactory(school=school, upn=upn)
    expected = import_results(upload("results_wide.csv"), school=school, dry_run=True)
    out = StringIO()

    call_command("import_results", str(path), "--json", "--dry-run", stdout=out)

    assert json.loads(out.getvalue()) == expected.as_dict()


@pytest.mark.parametrize(
    ("kind", "command", "name"),
    [
        ("pupils", "import_pupils", "sims_student_list.csv"),
        ("results", "import_results", "results_wide.csv"),
        ("map", "import_map", "map.csv"),
    ],
)
def test_the_command_line_and_the_browser_check_a_file_alike(
    school, tmp_path: Path, kind, command, name
):
    """The browser's import (a job: checked, then confirmed) and the command line read the
    same file to the same counts and notes, and write the same."""
    from provmap.interchange import jobs
    from provmap.interchange.models import ImportJob

    for upn in MIS_UPNS[:2]:
        PupilFactory(school=school, upn=upn)
    data = (
        FILES[name]
        if name in FILES
        else (
            "UPN,Provision,Start date,Sessions per week,Session minutes\r\n"
            f"{MIS_UPNS[0]},Reading catch-up,08/09/2025,2,30\r\n"
            f"{MIS_UPNS[1]},Reading catch-up,08/09/2025,2,30\r\n"
        ).encode()
    )
    path = tmp_path / name
    path.write_bytes(data)
    out = StringIO()
    call_command(command, str(path), "--json", "--dry-run", stdout=out)
    expected = json.loads(out.getvalue())

    job = jobs.job_create(school=school, kind=kind, upload=Upload(name, data), user=None)
    jobs.run_pending()
    job = ImportJob.objects.get(pk=job.pk)

    counts = {action: expected[action] for action in job.summary["counts"]}
    assert job.summary["counts"] == counts
    assert job.summary["error_count"] == len(expected["errors"]) == 0
    assert job.summary["notes"] == expected["notes"]
    before = table_counts()
    jobs.job_confirm(job)
    jobs.run_pending()
    by_browser = table_counts()
    assert by_browser != before


def _map_school(school):
    for index, upn in enumerate(MIS_UPNS[:2]):
        PupilFactory(
            school=school, upn=upn, surname=f"Pupil{index}", on_roll_from=dt.date(2024, 9, 2)
        )
    return MeasureFactory(school=school, name="Reading test", scale=Measure.Scale.STANDARDISED)


def test_a_map_with_a_sheet_per_area_reads_every_sheet_and_links_the_assessment(school, calendar):
    from provmap.interchange.map_import import import_map
    from provmap.provision.models import Placement, Provision

    reading_test = _map_school(school)

    report = import_map(upload("map_by_area.xlsx"), school=school, as_of=OCTOBER)

    assert not report.errors, report.errors
    assert Placement.objects.count() == 3
    # The school's own measure of that name, so its cohort's results are the comparison.
    assert Provision.objects.get(name="Reading catch-up").measure == reading_test
    assert Measure.objects.count() == 1
    assert "Sheets read: 'Cognition and learning', 'SEMH'." in report.notes
    assert (
        "Sheet 'Notes' was not read: it has no row of headings like those of sheet "
        "'Cognition and learning'." in report.notes
    )
    assert report.warnings == []


def test_a_map_sheet_can_be_chosen_and_the_others_are_named(school, calendar, tmp_path):
    _map_school(school)
    path = tmp_path / "map.xlsx"
    path.write_bytes(FILES["map_by_area.xlsx"])
    out = StringIO()

    call_command("import_map", str(path), "--sheet", "SEMH", "--json", stdout=out)

    summary = json.loads(out.getvalue())
    assert summary["created"] == 2
    assert [warning["message"] for warning in summary["warnings"]] == [
        "Sheet 'Cognition and learning' was left out, as chosen: none of its rows were read.",
        "Sheet 'Notes' was left out, as chosen: none of its rows were read.",
    ]


def test_a_problem_on_a_later_sheet_names_its_sheet_and_row(school, calendar):
    from provmap.interchange.map_import import import_map
    from tests.interchange.make_corpus import MAP_HEADINGS, workbook

    _map_school(school)
    data = workbook(
        {
            "Year 7": [MAP_HEADINGS, [MIS_UPNS[0], "Reading catch-up", "08/09/2025", 2, 30]],
            "Year 8": [MAP_HEADINGS, [MIS_UPNS[1], "Nurture group", "31/02/2025", 1, 45]],
        }
    )
    before = table_counts()

    report = import_map(Upload("map.xlsx", data), school=school, as_of=OCTOBER)

    assert [str(problem) for problem in report.errors] == [
        "Sheet 'Year 8', row 2, column 'Start date': '31/02/2025' is not a real date: "
        "February 2025 has 28 days."
    ]
    assert table_counts() == before


def test_codes_not_on_the_dfe_lists_are_refused_on_their_rows(school):
    from tests.interchange.samples import csv_bytes

    data = csv_bytes(
        [
            ["UPN", "Surname", "Forename", "DOB", "Sex", "Year", "Ethnicity", "First Language"],
            [MIS_UPNS[0], "Adams", "Amy", "01/09/2012", "F", "8", "WKOS", "TGR"],
            [MIS_UPNS[1], "Brown", "Ben", "02/10/2012", "M", "8", "WXYZ", "ENG"],
            [MIS_UPNS[2], "Clark", "Cara", "03/11/2012", "F", "8", "WBRI", "QQQ"],
        ]
    )
    before = table_counts()

    report, _ = import_pupils(Upload("list.csv", data), school=school, as_of=OCTOBER)

    found = {(problem.row, problem.column): problem.message for problem in report.errors}
    assert set(found) == {(3, "Ethnicity"), (4, "First Language")}, found
    assert "'WXYZ' is not one of the DfE's ethnicity codes" in found[(3, "Ethnicity")]
    assert "WBRI" in found[(3, "Ethnicity")]
    assert "school census's list of first languages" in found[(4, "First Language")]
    assert table_counts() == before

import io
import json
from pathlib import Path
from unittest import mock

import openpyxl
import pytest
from django.core.management import call_command, load_command_class
from django.core.management.base import CommandError
from django.db import connections

from provmap.pupils.models import Pupil
from provmap.schools.models import School
from tests.factories import PupilFactory, SchoolFactory
from tests.interchange.maps import build_map
from tests.interchange.samples import (
    SIMS_HEADINGS,
    SIMS_ROWS,
    UPNS,
    csv_bytes,
    ctf_bytes,
    ctf_pupil,
    table_counts,
)
from tests.interchange.test_exports import SPEC, add_calendar_and_pupils

pytestmark = pytest.mark.django_db

CORPUS = Path(__file__).parent / "corpus"


def run(*args: str) -> tuple[str, str]:
    out, err = io.StringIO(), io.StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def exit_status(*args: str) -> int:
    """The status `manage.py ARGS` exits with (run in this process, on the test database).

    run_from_argv closes every database connection when it ends, as a real process would;
    here that would close the test's own connection, so it is kept open."""
    command = load_command_class("provmap.interchange", args[0])
    command.stdout = command.stderr = io.StringIO()
    with (
        mock.patch.object(connections, "close_all"),
        pytest.raises(SystemExit) as stopped,
    ):
        command.run_from_argv(["manage.py", *args])
        raise SystemExit(0)
    return int(stopped.value.code or 0)


@pytest.fixture
def student_list(tmp_path: Path) -> Path:
    path = tmp_path / "students.csv"
    path.write_bytes(csv_bytes([SIMS_HEADINGS, *SIMS_ROWS]))
    return path


def test_import_pupils_prints_a_json_summary(school, student_list):
    out, _ = run("import_pupils", str(student_list), "--json", "--date", "01/10/2025")

    assert json.loads(out) == {
        "created": 4,
        "updated": 0,
        "unchanged": 0,
        "left": 0,
        "rejected": 0,
        "errors": [],
        "warnings": [],
        "ignored_columns": [],
        "notes": [],
    }
    assert Pupil.objects.filter(school=school).count() == 4
    assert exit_status("import_pupils", str(student_list)) == 0


def test_a_rejected_file_exits_non_zero_with_the_same_messages(school, tmp_path):
    path = tmp_path / "bad.csv"
    path.write_bytes((CORPUS / "pupils_bad_check_letter.csv").read_bytes())
    before = table_counts()

    with pytest.raises(CommandError) as refused:
        out, _ = run("import_pupils", str(path), "--json")
    assert refused.value.returncode == 1
    assert str(refused.value) == "'bad.csv' was rejected; nothing was written."

    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_pupils", str(path), "--json", stdout=out)
    summary = json.loads(out.getvalue())
    assert summary["rejected"] == 1
    assert summary["errors"] == [
        {
            "row": 3,
            "column": "UPN",
            "message": "The check letter of 'A801200022002' should be C, not A: a character "
            "has probably been mistyped.",
        }
    ]
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_pupils", str(path), stderr=err)
    assert err.getvalue().splitlines() == [
        "Row 3, column 'UPN': The check letter of 'A801200022002' should be C, not A: a "
        "character has probably been mistyped."
    ]
    assert exit_status("import_pupils", str(path)) == 1
    assert table_counts() == before


def test_a_missing_or_oversized_file_is_refused(school, tmp_path, settings):
    with pytest.raises(CommandError):
        run("import_pupils", str(tmp_path / "nowhere.csv"))
    settings.PROVMAP_IMPORT_MAX_BYTES = 100
    path = tmp_path / "list.csv"
    path.write_bytes(csv_bytes([SIMS_HEADINGS, *SIMS_ROWS]))
    out = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_pupils", str(path), "--json", stdout=out)
    assert json.loads(out.getvalue())["errors"][0]["message"] == (
        "'list.csv' is 639 bytes; the largest file provmap accepts is 100 bytes. Export only the "
        "columns and pupils you need."
    )


def test_a_dry_run_shows_the_changes_and_writes_nothing(school, student_list):
    before = table_counts()

    out, _ = run("import_pupils", str(student_list), "--dry-run")

    assert out.splitlines()[0] == (
        "students.csv for Oakfield Academy: 4 would be created, 0 would be updated, "
        "0 would be unchanged, 0 would be left."
    )
    assert "  created  row 2: Amy Adams (N801200022001)" in out.splitlines()
    assert out.splitlines()[-1] == "Dry run: nothing was written."
    assert table_counts() == before


def test_a_ctf_on_a_fresh_installation_creates_the_school(db, tmp_path):
    path = tmp_path / "ctf.xml"
    path.write_bytes(ctf_bytes([ctf_pupil(UPNS[0], "Adams", "Amy", "2012-09-01", "F", "8")]))

    out, _ = run("import_pupils", str(path), "--json")

    assert json.loads(out)["created"] == 1
    assert School.objects.get().urn == "123456"


def test_a_student_list_on_a_fresh_installation_names_its_school(db, student_list):
    with pytest.raises(CommandError):
        run("import_pupils", str(student_list))
    assert School.objects.count() == 0

    run(
        "import_pupils",
        str(student_list),
        "--school-name",
        "Oakfield Academy",
        "--urn",
        "123456",
        "--phase",
        "secondary",
    )

    assert School.objects.get().name == "Oakfield Academy"
    assert Pupil.objects.count() == 4


def test_several_schools_need_the_school_named(school, student_list):
    SchoolFactory(urn="654321")

    with pytest.raises(CommandError, match="has 2 schools: say which with --school URN"):
        run("import_pupils", str(student_list))
    run("import_pupils", str(student_list), "--school", "123456")
    assert Pupil.objects.filter(school=school).count() == 4


def test_partial_and_full_roll_options(school, student_list, tmp_path):
    PupilFactory.create_batch(12, school=school)
    one = tmp_path / "one.csv"
    one.write_bytes(csv_bytes([SIMS_HEADINGS, SIMS_ROWS[0]]))

    with pytest.raises(CommandError):
        run("import_pupils", str(one))
    out, _ = run("import_pupils", str(one), "--partial", "--json")
    assert (json.loads(out)["created"], json.loads(out)["left"]) == (1, 0)
    out, _ = run("import_pupils", str(one), "--full-roll", "--json")
    assert json.loads(out)["left"] == 12


def test_import_map_and_import_results(school, calendar, tmp_path):
    PupilFactory(school=school, upn=UPNS[0], legal_forename="Amy", surname="Adams")
    map_file = tmp_path / "map.csv"
    map_file.write_bytes(
        csv_bytes(
            [
                [
                    "UPN",
                    "Provision",
                    "Start date",
                    "No. minutes per week",
                    "No. weeks",
                    "Staff member leading intervention",
                    "Cost per minute",
                    "Total cost for provision",
                ],
                [UPNS[0], "Reading catch-up", "08/09/2025", "60", "10", "Mrs Patel", "0.25", "175"],
            ]
        )
    )
    results_file = tmp_path / "results.csv"
    results_file.write_bytes(
        csv_bytes(
            [["UPN", "Measure", "Date", "Score"], [UPNS[0], "Reading test", "01/10/2025", "97"]]
        )
    )

    out, _ = run("import_map", str(map_file), "--json")
    summary = json.loads(out)
    assert summary["created"] == 1
    assert summary["warnings"] == [
        {
            "row": 2,
            "column": "Total cost for provision",
            "message": "The sheet says £175.00; provmap costs Reading catch-up at £150.00, "
            "£150.00 for this pupil's share (staff time x hourly rate x weeks).",
        }
    ]
    out, _ = run("import_results", str(results_file), "--json")
    assert json.loads(out)["created"] == 1
    out, _ = run("import_results", str(results_file))
    assert out.splitlines()[0] == (
        "results.csv for Oakfield Academy: 0 created, 0 updated, 1 unchanged, 0 left."
    )


def test_export_map_writes_xlsx_and_csv(school, tmp_path):
    build_map(school, add_calendar_and_pupils(school), SPEC)
    xlsx, text = tmp_path / "map.xlsx", tmp_path / "year8.csv"

    out, _ = run("export_map", "--format", "xlsx", "--output", str(xlsx), "--year", "2025-26")
    assert out.strip() == ("Wrote 5 row(s) of Oakfield Academy provision map, 2025-26 to map.xlsx.")
    assert openpyxl.load_workbook(xlsx).sheetnames == ["Map", "Totals"]
    run("export_map", "--format", "csv", "--output", str(text), "--year-group", "8")
    assert len(text.read_text(encoding="utf-8-sig").splitlines()) == 3

    with pytest.raises(CommandError, match="has no school year 2030-31"):
        run("export_map", "--format", "csv", "--output", str(text), "--year", "2030-31")


def test_export_of_a_pupil_by_upn(school, tmp_path):
    pupils = add_calendar_and_pupils(school)
    build_map(school, pupils, SPEC)
    path = tmp_path / "amy.csv"

    run("export_map", "--format", "csv", "--output", str(path), "--pupil", UPNS[0].lower())

    assert path.read_text(encoding="utf-8-sig").count(UPNS[0]) == 1


@pytest.mark.parametrize("command", ["import_pupils", "import_map", "import_results"])
def test_a_workbook_with_lying_zip_headers_is_refused_with_what_is_wrong(school, tmp_path, command):
    path = tmp_path / "list.xlsx"
    path.write_bytes((CORPUS / "pupils_zip_bad_checksum.xlsx").read_bytes())
    before = table_counts()

    err = io.StringIO()
    with pytest.raises(CommandError) as refused:
        call_command(command, str(path), stderr=err)

    assert refused.value.returncode == 1
    assert err.getvalue().splitlines() == [
        "This file is not a valid Excel workbook: part of it ('xl/worksheets/sheet1.xml') does "
        "not match the checksum stored with it, so the file has been damaged, perhaps while it "
        "was copied or downloaded. Export it again, or open it in Excel and save it as an Excel "
        "Workbook (.xlsx)."
    ]
    assert table_counts() == before

import datetime as dt
from decimal import Decimal

import pytest

from provmap.interchange import pupil_import
from provmap.interchange.files import Upload
from provmap.interchange.models import ColumnMapping, ImportKind
from provmap.interchange.pupil_import import NewSchool, import_pupils, plan_pupil_import
from provmap.interchange.services import column_mapping_remember
from provmap.pupils.models import Measure, Pupil, Result, SENStatusPeriod
from provmap.schools.models import School
from tests.factories import PupilFactory
from tests.interchange.make_corpus import Formula, minimal_xlsx
from tests.interchange.samples import (
    SIMS_HEADINGS,
    SIMS_ROWS,
    UPNS,
    csv_bytes,
    ctf_bytes,
    ctf_pupil,
    table_counts,
    xlsx_bytes,
)

pytestmark = pytest.mark.django_db

OCTOBER = dt.date(2025, 10, 1)
JANUARY = dt.date(2026, 1, 12)


def sims_csv(rows=SIMS_ROWS, **options) -> Upload:
    return Upload("Student List.csv", csv_bytes([SIMS_HEADINGS, *rows], **options))


def register() -> dict[str, Pupil]:
    return {pupil.upn: pupil for pupil in Pupil.objects.all()}


def test_a_student_list_adds_every_pupil_with_their_details(school):
    report, _ = import_pupils(sims_csv(), school=school, as_of=OCTOBER)

    assert report.as_dict() == {
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
    pupils = register()
    amy = pupils[UPNS[0]]
    assert (amy.surname, amy.legal_forename, amy.mis_id) == ("Adams", "Amy", "1001")
    assert (amy.date_of_birth, amy.sex, amy.nc_year, amy.form) == (
        dt.date(2012, 9, 1),
        "F",
        "8",
        "8A",
    )
    assert (amy.sen_status, amy.fsm, amy.pupil_premium, amy.eal) == ("K", True, True, False)
    assert list(amy.needs.values_list("need_type", flat=True)) == ["SPLD"]
    assert amy.on_roll_from == dt.date(2024, 9, 2)
    ben = pupils[UPNS[1]]
    assert (ben.preferred_forename, ben.full_name, ben.first_language) == (
        "Ben",
        "Ben Brown",
        "URD",
    )
    cara = pupils[UPNS[2]]
    assert (cara.sen_status, cara.looked_after) == ("E", True)
    zoe = pupils[UPNS[3]]
    assert (zoe.surname, zoe.legal_forename, zoe.eal) == ("Đurić", "Zoë", True)
    assert SENStatusPeriod.objects.filter(pupil=amy).count() == 1


def test_importing_the_same_file_again_changes_nothing(school):
    import_pupils(sims_csv(), school=school, as_of=OCTOBER)
    before = table_counts()

    report, _ = import_pupils(sims_csv(), school=school, as_of=JANUARY)

    assert (report.count("unchanged"), report.count("created")) == (4, 0)
    assert table_counts() == before


def test_a_newer_file_updates_pupils_in_place_adds_joiners_and_marks_leavers(school):
    import_pupils(sims_csv(), school=school, as_of=OCTOBER)
    amy, _, cara, zoe = (list(row) for row in SIMS_ROWS)
    amy[8], amy[9] = "8C", "E - EHC Plan"
    dan = [
        "Evans",
        "Dan",
        "",
        UPNS[4],
        "1005",
        "07/07/2013",
        "M",
        "Year 7",
        "7B",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "",
        "05/01/2026",
    ]

    report, _ = import_pupils(sims_csv([amy, cara, zoe, dan]), school=school, as_of=JANUARY)

    counts = report.as_dict()
    assert (counts["created"], counts["updated"], counts["unchanged"], counts["left"]) == (
        1,
        1,
        2,
        1,
    )
    updated = next(record for record in report.records if record.action == "updated")
    assert [str(change) for change in updated.changes] == [
        "form: 8A -> 8C",
        "SEN status: K -> E",
    ]
    pupils = register()
    assert Pupil.objects.count() == 5
    assert pupils[UPNS[0]].form == "8C"
    assert list(
        SENStatusPeriod.objects.filter(pupil=pupils[UPNS[0]]).values_list(
            "status", "start_date", "end_date"
        )
    ) == [("K", dt.date(2024, 9, 2), dt.date(2026, 1, 11)), ("E", JANUARY, None)]
    assert pupils[UPNS[1]].on_roll_to == JANUARY
    assert pupils[UPNS[4]].on_roll_from == dt.date(2026, 1, 5)


def test_a_preview_lists_every_change_and_writes_nothing(school):
    import_pupils(sims_csv(), school=school, as_of=OCTOBER)
    rows = [list(row) for row in SIMS_ROWS[:3]]
    rows[1][7] = "Year 8"
    before = table_counts()

    report, _ = import_pupils(sims_csv(rows), school=school, as_of=JANUARY, dry_run=True)

    assert [
        (record.action, str(record)) for record in report.records if record.action != "unchanged"
    ] == [
        ("updated", "Benjamin Brown (C801200022002): year group: 7 -> 8"),
        ("left", "Zoë Đurić (F801200022004): leaving date: (blank) -> 12/01/2026"),
    ]
    assert report.applied is False
    assert table_counts() == before


def test_an_xlsx_list_with_a_title_above_its_headings_and_real_dates(school):
    upload = Upload(
        "Arbor export.xlsx",
        xlsx_bytes(
            [
                [
                    "Pupil UPN",
                    "Last name",
                    "First name",
                    "Date of Birth",
                    "Sex",
                    "Year Group",
                    "Tutor Group",
                    "Pupil Premium",
                ],
                [UPNS[0], "Adams", "Amy", dt.date(2012, 9, 1), "Female", 8, "8A", True],
                [UPNS[1], "Brown", "Ben", dt.date(2013, 2, 14), "Male", 7, "7B", False],
            ],
            title="Students on roll, 1 October 2025",
        ),
    )

    report, _ = import_pupils(upload, school=school, as_of=OCTOBER)

    assert report.count("created") == 2
    amy = register()[UPNS[0]]
    assert (amy.date_of_birth, amy.nc_year, amy.sex, amy.pupil_premium) == (
        dt.date(2012, 9, 1),
        "8",
        "F",
        True,
    )


@pytest.mark.parametrize(
    ("encoding", "bom", "delimiter"),
    [
        ("utf-8", False, ","),
        ("utf-8", True, ";"),
        ("cp1252", False, ";"),
        ("cp1252", False, "\t"),
        ("utf-16", False, "\t"),
    ],
    ids=["utf8", "utf8-bom-semicolon", "windows1252-semicolon", "windows1252-tab", "utf16-tab"],
)
def test_encodings_and_delimiters_are_read_correctly(school, encoding, bom, delimiter):
    rows = [
        ["UPN", "Surname", "Forename", "DOB", "Gender", "Year"],
        [UPNS[0], "Brontë", "Siân", "01/09/2012", "F", "8"],
        [UPNS[1], "O'Connor", "Renée", "14/02/2013", "F", "7"],
    ]
    upload = Upload("list.csv", csv_bytes(rows, encoding=encoding, bom=bom, delimiter=delimiter))

    report, _ = import_pupils(upload, school=school, as_of=OCTOBER)

    assert report.errors == []
    assert sorted((pupil.legal_forename, pupil.surname) for pupil in Pupil.objects.all()) == [
        ("Renée", "O'Connor"),
        ("Siân", "Brontë"),
    ]


def test_a_pupil_is_matched_by_mis_id_when_their_upn_changes(school):
    old = PupilFactory(school=school, upn="Y801200022007", mis_id="1001", surname="Adams")
    rows = [["UPN", "Adno", "Surname"], [UPNS[0], "1001", "Adams"]]

    report, _ = import_pupils(Upload("upns.csv", csv_bytes(rows)), school=school, as_of=OCTOBER)

    assert [str(change) for change in report.records[0].changes] == [
        "UPN: Y801200022007 -> N801200022001"
    ]
    old.refresh_from_db()
    assert (old.upn, Pupil.objects.count()) == (UPNS[0], 1)


def test_a_partial_list_updates_only_its_columns_and_marks_no_leavers(school):
    import_pupils(sims_csv(), school=school, as_of=OCTOBER)
    rows = [["UPN", "FSM"], [UPNS[1], "Y"]]

    report, _ = import_pupils(Upload("fsm.csv", csv_bytes(rows)), school=school, as_of=JANUARY)

    assert (report.count("updated"), report.count("left")) == (1, 0)
    ben = register()[UPNS[1]]
    assert (ben.fsm, ben.form, ben.on_roll_to) == (True, "7B", None)


def test_a_pupil_who_returns_is_back_on_roll(school):
    import_pupils(sims_csv(), school=school, as_of=OCTOBER)
    import_pupils(sims_csv(SIMS_ROWS[:3]), school=school, as_of=dt.date(2025, 11, 3))
    assert register()[UPNS[3]].on_roll_to == dt.date(2025, 11, 3)

    report, _ = import_pupils(sims_csv(), school=school, as_of=JANUARY)

    assert report.count("updated") == 1
    assert register()[UPNS[3]].on_roll_to is None


def test_a_file_that_would_empty_the_roll_is_refused_unless_confirmed(school):
    PupilFactory.create_batch(15, school=school)
    upload = sims_csv(SIMS_ROWS[:1])
    before = table_counts()

    report, _ = import_pupils(upload, school=school, as_of=OCTOBER)

    assert [problem.message for problem in report.errors] == [
        "This file would mark 15 of the 15 pupils on roll as having left. If it lists only "
        "some pupils, import it as a partial list (--partial); if they really have left, say "
        "so (--full-roll)."
    ]
    assert table_counts() == before
    report, _ = import_pupils(upload, school=school, as_of=OCTOBER, whole_roll=True)
    assert (report.count("created"), report.count("left")) == (1, 15)


def test_a_ctf_on_a_fresh_installation_creates_its_school(db):
    upload = Upload(
        "801200_CTF_123456_001.xml",
        ctf_bytes([ctf_pupil(UPNS[0], "Adams", "Amy", "2012-09-01", "F", "8")]),
    )

    report, school = import_pupils(upload, school=None)

    assert report.errors == []
    assert school is not None
    assert (school.urn, school.name, school.la_code, school.estab_code, school.phase) == (
        "123456",
        "Oakfield Academy",
        "801",
        "2000",
        School.Phase.SECONDARY,
    )
    assert Pupil.objects.get().school == school


def test_a_student_list_on_a_fresh_installation_needs_the_school(db):
    upload = sims_csv()

    report, school = import_pupils(upload, school=None)
    assert report.errors[0].message.startswith("There is no school in provmap yet")
    assert School.objects.count() == 0

    report, school = import_pupils(
        upload, school=None, new_school=NewSchool(urn="123456", name="Oakfield Academy")
    )
    assert report.count("created") == 4
    assert (school.name, school.phase) == ("Oakfield Academy", School.Phase.SECONDARY)


def amy_ctf(**changes) -> Upload:
    details = {
        "fsm": [("2020-01-06", "2024-07-19")],
        "sen": [("2019-09-04", "K"), ("2023-05-01", "E")],
        "needs": ["ASD", "SLCN"],
        "attendance": [(2024, 320, 304), (2025, 40, 39)],
        "language": "POL",
        "in_care": True,
        "entry_date": "2023-09-04",
    }
    details.update(changes)
    return Upload(
        "CTF.xml",
        ctf_bytes(
            [
                ctf_pupil(UPNS[0], "Adams", "Amy", "2012-09-01", "F", "8", **details),
                ctf_pupil(UPNS[1], "Brown", "Ben", "2013-02-14", "M", "7", sex_element="Gender"),
            ]
        ),
    )


def test_a_ctf_brings_sen_history_needs_fsm_language_care_and_attendance(school):
    report, _ = import_pupils(amy_ctf(), school=school)

    assert report.count("created") == 2
    amy = register()[UPNS[0]]
    assert list(amy.sen_history.values_list("status", "start_date", "end_date")) == [
        ("K", dt.date(2019, 9, 4), dt.date(2023, 4, 30)),
        ("E", dt.date(2023, 5, 1), None),
    ]
    assert amy.sen_status == "E"
    assert list(amy.needs.order_by("rank").values_list("need_type", flat=True)) == ["ASD", "SLCN"]
    assert (amy.fsm, amy.ever6_fsm, amy.pupil_premium) == (False, True, False)
    assert (amy.first_language, amy.eal, amy.looked_after) == ("POL", True, True)
    assert amy.on_roll_from == dt.date(2023, 9, 4)
    attendance = Measure.objects.get(school=school, name="Attendance %")
    assert attendance.kind == Measure.Kind.ATTENDANCE
    assert list(
        Result.objects.filter(pupil=amy, measure=attendance)
        .order_by("date")
        .values_list("date", "value")
    ) == [(dt.date(2025, 7, 31), Decimal("95.00")), (dt.date(2025, 10, 1), Decimal("97.50"))]
    ben = register()[UPNS[1]]
    assert (ben.sex, ben.sen_status, ben.on_roll_from) == ("M", "N", dt.date(2025, 10, 1))


def test_the_same_ctf_twice_changes_nothing_and_a_newer_one_updates(school):
    import_pupils(amy_ctf(), school=school)
    before = table_counts()

    report, _ = import_pupils(amy_ctf(), school=school)
    assert report.count("unchanged") == 2
    assert table_counts() == before

    report, _ = import_pupils(
        amy_ctf(
            attendance=[(2024, 320, 304), (2025, 40, 36)],
            sen=[("2019-09-04", "K"), ("2023-05-01", "E")],
            fsm=[("2020-01-06", None)],
        ),
        school=school,
    )
    assert [str(change) for change in report.records[0].changes] == ["FSM: No -> Yes"]
    amy = register()[UPNS[0]]
    assert amy.fsm is True
    assert Result.objects.get(pupil=amy, date=dt.date(2025, 10, 1)).value == Decimal("90.00")
    assert Result.objects.filter(pupil=amy).count() == 2


def test_a_ctf_from_another_school_adds_its_pupils_and_marks_no_leavers(school):
    PupilFactory.create_batch(3, school=school)
    upload = Upload(
        "transfer.xml",
        ctf_bytes(
            [ctf_pupil(UPNS[5], "Jones", "Jay", "2014-01-02", "M", "6")],
            source_urn="654321",
            source_name="Riverside Primary",
            estab="3001",
        ),
    )

    report, _ = import_pupils(upload, school=school)

    assert (report.count("created"), report.count("left")) == (1, 0)


def test_an_interrupted_import_leaves_the_database_as_before(school, monkeypatch):
    import_pupils(sims_csv(), school=school, as_of=OCTOBER)
    before = table_counts()
    rows = [list(row) for row in SIMS_ROWS[:3]]
    rows[0][8] = "8C"

    def power_cut(**kwargs):
        raise RuntimeError("the server stopped")

    monkeypatch.setattr(pupil_import, "pupils_bulk_mark_left", power_cut)
    with pytest.raises(RuntimeError):
        import_pupils(sims_csv(rows), school=school, as_of=JANUARY)

    assert table_counts() == before
    amy = register()[UPNS[0]]
    assert amy.form == "8A"


def test_a_confirmed_column_is_remembered_for_the_next_file(school):
    rows = [
        ["UPN", "Kid's family name", "Forename", "DOB", "Gender", "Year", "Surname"],
        [UPNS[0], "Adams", "Amy", "01/09/2012", "F", "8", "ignored"],
    ]
    column_mapping_remember(
        school=school,
        kind=ImportKind.PUPILS,
        headings={"kid s family name": "surname", "surname": ""},
    )

    report, _ = import_pupils(Upload("odd.csv", csv_bytes(rows)), school=school, as_of=OCTOBER)

    assert report.errors == []
    assert register()[UPNS[0]].surname == "Adams"
    remembered = ColumnMapping.objects.get(school=school, kind=ImportKind.PUPILS).headings
    assert remembered["kid s family name"] == "surname"
    assert remembered["dob"] == "date_of_birth"
    assert remembered["surname"] == ""


def test_a_formula_is_read_as_the_value_excel_saved(school):
    upload = Upload(
        "with formulas.xlsx",
        minimal_xlsx(
            [
                ["UPN", "Surname", "Forename", "DOB", "Gender", "Year"],
                [UPNS[0], "Adams", "Amy", "01/09/2012", "F", Formula("7+1", cached=8)],
            ]
        ),
    )

    report, _ = import_pupils(upload, school=school, as_of=OCTOBER)

    assert report.errors == []
    assert register()[UPNS[0]].nc_year == "8"


def test_every_bad_row_is_reported_at_once(school):
    rows = [list(row) for row in SIMS_ROWS]
    rows[0][5] = "31/13/2012"
    rows[2][6] = "X"
    rows[3][3] = "F801200022005"

    plan = plan_pupil_import(sims_csv(rows), school=school, as_of=OCTOBER)

    assert [(problem.row, problem.column, problem.message) for problem in plan.report.errors] == [
        (
            2,
            "DOB",
            "'31/13/2012' is not a real date: there is no month 13 (dates are read day "
            "first, as in 31/01/2014).",
        ),
        (4, "Gender", "Expected M or F (or Male, Female), not 'X'."),
        (
            5,
            "UPN",
            "The check letter of 'F801200022005' should be V, not F: a character has "
            "probably been mistyped.",
        ),
    ]
    assert plan.report.rejected == 3

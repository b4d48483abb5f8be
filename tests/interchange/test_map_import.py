import datetime as dt
from decimal import Decimal

import pytest

from provmap.interchange.files import Upload
from provmap.interchange.map_import import import_map, plan_map_import
from provmap.provision.models import Placement, Provision, ProvisionRun
from provmap.provision.selectors import cost_summary
from provmap.schools.models import StaffMember
from tests.factories import ProvisionFactory, PupilFactory
from tests.interchange.samples import UPNS, csv_bytes, table_counts, xlsx_bytes

pytestmark = pytest.mark.django_db

OCTOBER = dt.date(2025, 10, 1)

# Seed 004's headings, with the pupil and the provision.
SEED_HEADINGS = [
    "Pupil",
    "Provision",
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
SEED_ROWS = [
    [
        "Amy Adams",
        "Reading catch-up",
        "85",
        "08/09/2025",
        "88",
        "17/11/2025",
        "92",
        "12/12/2025",
        "Tuesday P2 (French)",
        "Mrs Patel",
        "Ms Jones",
        "0.25",
        "60",
        "10",
        "150",
    ],
    [
        "Ben Brown",
        "Reading catch-up",
        "80",
        "08/09/2025",
        "82",
        "17/11/2025",
        "",
        "",
        "Tuesday P2 (French)",
        "Mrs Patel",
        "Ms Jones",
        "0.25",
        "60",
        "10",
        "150",
    ],
    [
        "Cara Cole",
        "Lego therapy",
        "",
        "15/09/2025",
        "on track",
        "",
        "",
        "",
        "Thursday lunch",
        "Mr Khan (LM)",
        "Ms Jones",
        "0.30",
        "45",
        "12",
        "162",
    ],
]


@pytest.fixture
def pupils(school, calendar):
    return {
        name: PupilFactory(
            school=school,
            upn=upn,
            legal_forename=name.split()[0],
            surname=name.split()[1],
            on_roll_from=dt.date(2024, 9, 2),
        )
        for name, upn in (("Amy Adams", UPNS[0]), ("Ben Brown", UPNS[1]), ("Cara Cole", UPNS[2]))
    }


def seed_map(rows=SEED_ROWS, name="Provision map 2025-26.csv") -> Upload:
    return Upload(name, csv_bytes([SEED_HEADINGS, *rows]))


def test_a_practitioners_map_creates_its_catalogue_groups_placements_and_results(school, pupils):
    report = import_map(seed_map(), school=school, as_of=OCTOBER)

    assert report.errors == [] and report.warnings == []
    assert report.count("created") == 3
    reading = Provision.objects.get(school=school, name="Reading catch-up")
    lego = Provision.objects.get(school=school, name="Lego therapy")
    assert (reading.provision_type, lego.provision_type) == ("group", "one_to_one")
    assert reading.measure.name == "Reading catch-up score"
    run = ProvisionRun.objects.get(provision=reading)
    assert (run.start_date, run.end_date, run.weeks) == (
        dt.date(2025, 9, 8),
        dt.date(2025, 12, 12),
        Decimal("10"),
    )
    assert (run.sessions_per_week, run.minutes_per_session, run.term.name) == (
        Decimal("1"),
        60,
        "Autumn",
    )
    assert (run.day_time, run.lead_staff.name, run.reviewing_staff.name) == (
        "Tuesday P2 (French)",
        "Mrs Patel",
        "Ms Jones",
    )
    assert StaffMember.objects.get(name="Mrs Patel").hourly_rate == Decimal("15.00")
    assert StaffMember.objects.get(name="Mr Khan").role == "learning_mentor"
    amy = Placement.objects.get(pupil=pupils["Amy Adams"])
    assert (amy.baseline.value, amy.baseline.date) == (Decimal("85"), dt.date(2025, 9, 8))
    assert (amy.midpoint.value, amy.midpoint.date) == (Decimal("88"), dt.date(2025, 10, 25))
    assert (amy.exit.value, amy.exit.date, amy.end_date) == (
        Decimal("92"),
        dt.date(2025, 12, 12),
        dt.date(2025, 12, 12),
    )
    cara = Placement.objects.get(pupil=pupils["Cara Cole"])
    assert cara.notes == "Mid intervention review: on track"
    summary = cost_summary(school, run.academic_year, as_of=OCTOBER)
    assert summary.by_provision() == {
        "Lego therapy": Decimal("162.00"),
        "Reading catch-up": Decimal("150.00"),
    }


def test_costs_that_differ_from_provmaps_are_reported_as_warnings(school, pupils):
    rows = [list(row) for row in SEED_ROWS]
    rows[1][14] = "200"

    report = import_map(seed_map(rows), school=school, as_of=OCTOBER)

    assert report.errors == []
    assert [(problem.row, problem.column, problem.message) for problem in report.warnings] == [
        (
            3,
            "Total cost for provision",
            "The sheet says £200.00; provmap costs Reading catch-up at £150.00, £75.00 for this "
            "pupil's share (staff time x hourly rate x weeks).",
        )
    ]
    assert report.as_dict()["warnings"][0]["row"] == 3


def test_a_pupil_who_joined_late_is_checked_against_their_share_of_the_days_they_were_there(
    school, pupils
):
    # Reading catch-up runs 8 September to 12 December (96 days, £150). Ben joins on 10
    # November: Amy is alone for 63 days and they share the last 33 (16.5 days each), so Ben
    # carries 16.5/96 of £150 = £25.78 (by days in the group it was 33/129, £38.37).
    rows = [list(row) for row in SEED_ROWS]
    rows[1][3] = "10/11/2025"
    rows[1][14] = "25.78"

    assert import_map(seed_map(rows), school=school, as_of=OCTOBER).warnings == []

    rows[1][14] = "38.37"
    plan = plan_map_import(seed_map(rows), school=school, as_of=OCTOBER)
    assert [problem.message for problem in plan.report.warnings] == [
        "The sheet says £38.37; provmap costs Reading catch-up at £150.00, £25.78 for this "
        "pupil's share (staff time x hourly rate x weeks)."
    ]


def test_importing_the_same_map_twice_changes_nothing(school, pupils):
    import_map(seed_map(), school=school, as_of=OCTOBER)
    before = table_counts()

    report = import_map(seed_map(), school=school, as_of=OCTOBER)

    assert (report.count("unchanged"), report.count("created")) == (3, 0)
    assert table_counts() == before


def test_a_later_version_of_the_map_updates_the_placements(school, pupils):
    import_map(seed_map(), school=school, as_of=OCTOBER)
    rows = [list(row) for row in SEED_ROWS]
    rows[1][6], rows[1][7] = "90", "12/12/2025"

    report = import_map(seed_map(rows), school=school, as_of=dt.date(2025, 12, 15))

    updated = [record for record in report.records if record.action == "updated"]
    assert [record.label for record in updated] == ["Ben Brown in Reading catch-up"]
    assert [str(change) for change in updated[0].changes] == [
        "end date: (blank) -> 12/12/2025",
        "status: active -> completed",
        "exit: (blank) -> 90.00 on 12/12/2025",
    ]
    ben = Placement.objects.get(pupil=pupils["Ben Brown"])
    assert (ben.exit.value, ben.status, ben.version) == (Decimal("90"), "completed", 3)
    assert Placement.objects.count() == 3


def test_an_xlsx_map_with_real_dates_and_a_key_sheet_first(school, pupils):
    rows = [
        [
            "UPN",
            "Intervention",
            "Start date",
            "Baseline score",
            "Exit score",
            "Exit date",
            "Minutes per week",
            "No. weeks",
            "Hourly rate",
            "Staff member leading",
        ],
        [
            UPNS[0],
            "Precision teaching",
            dt.date(2025, 9, 15),
            12,
            30,
            dt.date(2025, 11, 7),
            50,
            8,
            21.5,
            "Ms Shah (HLTA)",
        ],
    ]
    upload = Upload("map.xlsx", xlsx_bytes(rows, title="Key: R A G B"))

    report = import_map(upload, school=school, as_of=OCTOBER)

    assert report.errors == []
    placement = Placement.objects.get()
    assert (placement.baseline.value, placement.exit.value) == (Decimal("12"), Decimal("30"))
    assert StaffMember.objects.get(name="Ms Shah").role == "hlta"


def test_rows_of_a_named_group_must_agree(school, pupils):
    headings = ["UPN", "Provision", "Group", "Start date", "Minutes per week", "No. weeks"]
    rows = [
        [UPNS[0], "Reading catch-up", "Group A", "08/09/2025", "60", "10"],
        [UPNS[1], "Reading catch-up", "Group A", "08/09/2025", "90", "10"],
    ]

    plan = plan_map_import(
        Upload("map.csv", csv_bytes([headings, *rows])), school=school, as_of=OCTOBER
    )

    assert [(problem.row, problem.column, problem.message) for problem in plan.report.errors] == [
        (
            3,
            "Minutes per week",
            "Row 2 puts this pupil's group ('Group A') at 60.0, this row at 90.0: the rows of one "
            "group must agree.",
        )
    ]


def test_pupils_it_cannot_identify_are_named(school, pupils):
    PupilFactory(school=school, legal_forename="Amy", surname="Adams", upn=UPNS[6])
    rows = [list(SEED_ROWS[0]), list(SEED_ROWS[1])]
    rows[1][0] = "Dan Evans"

    plan = plan_map_import(seed_map(rows), school=school, as_of=OCTOBER)

    assert [(problem.row, problem.column, problem.message) for problem in plan.report.errors] == [
        (2, "Pupil", "2 pupils are called Amy Adams: give their UPN."),
        (3, "Pupil", "No pupil called Dan Evans is on the register."),
    ]


def test_minutes_per_week_must_match_sessions_and_minutes(school, pupils):
    headings = [
        "UPN",
        "Provision",
        "Start date",
        "Sessions per week",
        "Minutes per session",
        "Minutes per week",
    ]
    rows = [[UPNS[0], "Reading catch-up", "08/09/2025", "3", "20", "90"]]

    plan = plan_map_import(
        Upload("map.csv", csv_bytes([headings, *rows])), school=school, as_of=OCTOBER
    )

    assert [problem.message for problem in plan.report.errors] == [
        "90.0 minutes per week is not 3.0 sessions of 20 minutes (60.0 minutes)."
    ]


def test_a_pupil_who_joins_a_group_later_is_inside_its_dates(school, pupils):
    headings = ["UPN", "Provision", "Start date", "Exit date", "No. minutes per week", "No. weeks"]
    rows = [
        [UPNS[0], "Reading catch-up", "08/09/2025", "10/10/2025", "60", "10"],
        [UPNS[1], "Reading catch-up", "15/09/2025", "", "60", "10"],
    ]

    report = import_map(
        Upload("map.csv", csv_bytes([headings, *rows])), school=school, as_of=OCTOBER
    )

    assert report.errors == []
    run = ProvisionRun.objects.get()
    assert (run.start_date, run.end_date) == (dt.date(2025, 9, 8), dt.date(2025, 11, 16))
    assert Placement.objects.get(pupil=pupils["Ben Brown"]).start_date == dt.date(2025, 9, 15)


def test_absurd_time_and_rates_are_refused_by_row_and_column_with_their_bounds(school, pupils):
    headings = [
        "UPN",
        "Provision",
        "Start date",
        "Sessions per week",
        "Minutes per session",
        "No. weeks",
        "Hourly rate",
        "Staff delivering",
    ]
    rows = [
        [UPNS[0], "Reading catch-up", "08/09/2025", "999.9", "600", "999.9", "32000", ""],
        [UPNS[1], "Lego therapy", "08/09/2025", "1", "45", "10", "", "Jo Bloggs (TA, 2 x 900 min)"],
    ]
    before = table_counts()

    report = import_map(
        Upload("map.csv", csv_bytes([headings, *rows])), school=school, as_of=OCTOBER
    )

    assert [(problem.row, problem.column, problem.message) for problem in report.errors] == [
        (2, "Sessions per week", "Sessions a week must be between 0.1 and 25 (got 999.9)."),
        (2, "Minutes per session", "Minutes a session must be between 1 and 480 (got 600)."),
        (2, "No. weeks", "Weeks must be between 0.1 and 52 (got 999.9)."),
        (2, "Hourly rate", "The hourly rate must be between £0 and £500 (got £32,000)."),
        (
            3,
            "Staff delivering",
            "Jo Bloggs: Minutes a session must be between 1 and 480 (got 900).",
        ),
    ]
    assert not report.applied
    assert table_counts() == before


def test_a_groups_dates_and_weeks_stay_inside_its_school_year(school, pupils):
    headings = ["UPN", "Provision", "Academic year", "Start date", "Group end", "No. weeks"]
    rows = [
        [UPNS[0], "Reading catch-up", "2025-26", "08/09/2025", "31/08/2026", "10"],
        [UPNS[1], "Lego therapy", "2025-26", "08/09/2025", "", "45"],
        [UPNS[2], "Nurture group", "2025-26", "01/01/1900", "", "10"],
    ]
    before = table_counts()

    report = import_map(
        Upload("map.csv", csv_bytes([headings, *rows])), school=school, as_of=OCTOBER
    )

    assert [(problem.row, problem.column, problem.message) for problem in report.errors] == [
        (
            2,
            "Group end",
            "The run's end date must be between 01/09/2025 and 22/07/2026, the dates of "
            "2025-26 (got 31/08/2026).",
        ),
        (
            3,
            "No. weeks",
            "Weeks must be between 0.1 and 38, the teaching weeks of 2025-26 (got 45).",
        ),
        (
            4,
            "Start date",
            "Dates must be between 01/01/2000 and 31/12/2099 (got 01/01/1900).",
        ),
    ]
    assert table_counts() == before


def test_an_exit_after_the_groups_end_is_refused(school, pupils):
    headings = ["UPN", "Provision", "Group", "Start date", "Group end", "Exit date", "No. weeks"]
    rows = [
        [UPNS[0], "Reading catch-up", "A", "08/09/2025", "12/12/2025", "12/12/2025", "10"],
        [UPNS[1], "Reading catch-up", "A", "08/09/2025", "12/12/2025", "20/03/2026", "10"],
    ]

    report = import_map(
        Upload("map.csv", csv_bytes([headings, *rows])), school=school, as_of=OCTOBER
    )

    assert [(problem.row, problem.column, problem.message) for problem in report.errors] == [
        (
            3,
            "Exit date",
            "The placement's end date must be between 08/09/2025 and 12/12/2025, the dates "
            "of the run (got 20/03/2026).",
        )
    ]
    assert Placement.objects.count() == 0


def test_an_absurd_score_is_refused_by_row_and_column(school, pupils):
    headings = ["UPN", "Provision", "Start date", "Baseline score", "Exit score"]
    rows = [[UPNS[0], "Reading catch-up", "08/09/2025", "85", "9500000"]]

    report = import_map(
        Upload("map.csv", csv_bytes([headings, *rows])), school=school, as_of=OCTOBER
    )

    assert [(problem.row, problem.column, problem.message) for problem in report.errors] == [
        (2, "Exit score", "A score must be between -100,000 and 100,000 (got 9,500,000).")
    ]
    assert Placement.objects.count() == 0


def _lego_bought_in(school, **prices):
    Provision.objects.filter(school=school, name="Lego therapy").update(**prices)
    StaffMember.objects.filter(school=school, name="Mr Khan").update(is_external=True)


def test_a_bought_in_services_cost_is_checked_against_its_price(school, pupils):
    import_map(seed_map(), school=school, as_of=OCTOBER)
    # Lego therapy is now bought in at £500 a group, Mr Khan being the provider's.
    _lego_bought_in(school, cost_basis="per_run", price=Decimal("500"))
    rows = [list(row) for row in SEED_ROWS]
    rows[2][14] = "500"

    report = import_map(seed_map(rows), school=school, as_of=OCTOBER)
    assert [problem.row for problem in report.warnings] == []

    rows[2][14] = "162"
    report = import_map(seed_map(rows), school=school, as_of=OCTOBER)
    assert [(problem.row, problem.message) for problem in report.warnings] == [
        (
            4,
            "The sheet says £162.00; provmap costs Lego therapy at £500.00, £500.00 for this "
            "pupil's share (£500.00 the group, and the school's own staff time x hourly rate x "
            "weeks).",
        )
    ]


def test_a_new_group_of_a_free_service_costs_nothing(school, pupils):
    import_map(seed_map(SEED_ROWS[:2]), school=school, as_of=OCTOBER)
    ProvisionFactory(school=school, name="Lego therapy", cost_basis="no_cost", price=None)
    StaffMember.objects.create(
        school=school, name="Mr Khan", role="learning_mentor", is_external=True
    )
    rows = [list(row) for row in SEED_ROWS]
    rows[2][14] = "0"

    report = import_map(seed_map(rows), school=school, as_of=OCTOBER)

    assert [problem.message for problem in report.warnings] == []
    run = ProvisionRun.objects.get(provision__name="Lego therapy")
    summary = cost_summary(school, run.academic_year, as_of=OCTOBER)
    assert summary.by_provision()["Lego therapy"] == Decimal("0.00")

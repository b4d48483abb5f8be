"""What a school can mean on the provision map: every number of the catalogue, a run, its
staff, a placement and a general resource is refused outside its bounds, with the bound in the
message, by the services, the models' own checks and the database; dates stay inside the
run's school year, and a placement inside its run."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from provmap.provision import services
from provmap.provision.models import (
    GeneralResource,
    Placement,
    Provision,
    ProvisionRun,
    RunStaff,
)
from provmap.provision.services import (
    StaffAssignment,
    general_resource_create,
    placement_create,
    provision_create,
    run_create,
)
from tests.factories import (
    MeasureFactory,
    PlacementFactory,
    ProvisionFactory,
    ProvisionRunFactory,
    PupilFactory,
    RunStaffFactory,
    SchoolFactory,
    StaffMemberFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db


def refused(call, **kwargs) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as error:
        call(**kwargs)
    return error.value.message_dict


# --- The catalogue ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        (
            "sessions_per_week",
            Decimal("999.9"),
            "Sessions a week must be between 0.1 and 25 (got 999.9).",
        ),
        ("minutes_per_session", 32767, "Minutes a session must be between 1 and 480 (got 32,767)."),
        ("usual_weeks", 999, "Usual length in weeks must be between 1 and 52 (got 999)."),
        ("default_staff", 50, "Staff in the usual ratio must be between 1 and 10 (got 50)."),
        ("default_pupils", 500, "Pupils in the usual ratio must be between 1 and 40 (got 500)."),
        (
            "evidence_months",
            99,
            "Expected months of additional progress must be between -12 and 12 (got 99).",
        ),
        (
            "success_gain",
            Decimal("50000"),
            "The gain that meets the success criteria must be "
            "between -10,000 and 10,000 (got 50,000).",
        ),
    ],
)
def test_provision_create_refuses_absurd_numbers(field, value, message):
    errors = refused(
        provision_create,
        school=SchoolFactory(),
        name="Reading catch-up",
        wave=2,
        provision_type="group",
        **{field: value},
    )

    assert errors == {field: [message]}
    assert Provision.objects.count() == 0


def test_a_provisions_weekly_time_fits_in_a_school_week():
    errors = refused(
        provision_create,
        school=SchoolFactory(),
        name="All day every day",
        wave=3,
        provision_type="in_class",
        sessions_per_week=Decimal("25"),
        minutes_per_session=480,
    )

    assert errors == {
        "minutes_per_session": [
            "Time a week must be at most 2,400 minutes, five full school days "
            "(got 25 sessions x 480 minutes = 12,000)."
        ]
    }


def test_a_success_gain_fits_within_the_measures_range():
    measure = MeasureFactory(min_value=Decimal("40"), max_value=Decimal("160"))

    errors = refused(
        provision_create,
        school=measure.school,
        name="Reading catch-up",
        wave=2,
        provision_type="group",
        measure=measure,
        success_gain=Decimal("500"),
    )

    assert errors == {
        "success_gain": [
            f"The gain that meets the success criteria must be between -120 and 120, the "
            f"width of {measure.name}'s range from 40 to 160 (got 500)."
        ]
    }


def test_provision_update_refuses_absurd_numbers_and_saves_nothing():
    provision = ProvisionFactory()

    errors = refused(
        services.provision_update, provision=provision, sessions_per_week=Decimal("30")
    )

    assert errors == {"sessions_per_week": ["Sessions a week must be between 0.1 and 25 (got 30)."]}
    provision.refresh_from_db()
    assert provision.sessions_per_week == Decimal("3")


def test_the_database_refuses_absurd_catalogue_numbers():
    provision = ProvisionFactory()
    for changes in (
        {"sessions_per_week": Decimal("999.9")},
        {"minutes_per_session": 481},
        {"usual_weeks": 53},
        {"default_staff": 11},
        {"default_pupils": 41},
        {"evidence_months": -13},
        {"success_gain": Decimal("10000.01")},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            Provision.objects.filter(pk=provision.pk).update(**changes)


# --- Runs -----------------------------------------------------------------------------------


def test_run_create_refuses_the_absurd_run_governors_were_shown():
    term = TermFactory()

    errors = refused(
        run_create,
        provision=ProvisionFactory(school=term.school),
        academic_year=term.academic_year,
        term=term,
        sessions_per_week=Decimal("999.9"),
        minutes_per_session=600,
        weeks=Decimal("999.9"),
    )

    assert errors == {
        "sessions_per_week": ["Sessions a week must be between 0.1 and 25 (got 999.9)."],
        "minutes_per_session": ["Minutes a session must be between 1 and 480 (got 600)."],
        "weeks": ["Weeks must be between 0.1 and 38, the teaching weeks of 2025-26 (got 999.9)."],
    }
    assert ProvisionRun.objects.count() == 0


@pytest.mark.parametrize(
    ("start", "end", "field", "got"),
    [
        (dt.date(1900, 1, 1), dt.date(2025, 12, 12), "start_date", "01/01/1900"),
        (dt.date(2025, 9, 8), dt.date(9999, 12, 31), "end_date", "31/12/9999"),
        (dt.date(2025, 9, 8), dt.date(2026, 8, 31), "end_date", "31/08/2026"),
    ],
)
def test_a_run_falls_inside_its_school_year(start, end, field, got):
    term = TermFactory()
    what = "start date" if field == "start_date" else "end date"

    errors = refused(
        run_create,
        provision=ProvisionFactory(school=term.school),
        academic_year=term.academic_year,
        start_date=start,
        end_date=end,
        weeks=Decimal("10"),
    )

    assert errors[field] == [
        f"The run's {what} must be between 01/09/2025 and 22/07/2026, the dates of 2025-26 "
        f"(got {got})."
    ]


def test_a_staff_members_own_time_on_a_run_is_bounded():
    term = TermFactory()
    ta = StaffMemberFactory(school=term.school)

    errors = refused(
        run_create,
        provision=ProvisionFactory(school=term.school),
        academic_year=term.academic_year,
        term=term,
        staff=[StaffAssignment(ta, Decimal("40"), 45)],
    )

    assert errors == {"staff": [f"{ta.name}: Sessions a week must be between 0.1 and 25 (got 40)."]}
    assert RunStaff.objects.count() == 0


def test_the_database_refuses_absurd_run_numbers_and_dates():
    run = ProvisionRunFactory()
    line = RunStaffFactory(run=run)
    for queryset, changes in (
        (ProvisionRun.objects.filter(pk=run.pk), {"sessions_per_week": Decimal("25.1")}),
        (ProvisionRun.objects.filter(pk=run.pk), {"minutes_per_session": 32767}),
        (ProvisionRun.objects.filter(pk=run.pk), {"weeks": Decimal("999.9")}),
        (ProvisionRun.objects.filter(pk=run.pk), {"start_date": dt.date(1900, 1, 1)}),
        (ProvisionRun.objects.filter(pk=run.pk), {"end_date": dt.date(9999, 12, 31)}),
        (RunStaff.objects.filter(pk=line.pk), {"minutes_per_session": 600}),
        (RunStaff.objects.filter(pk=line.pk), {"sessions_per_week": Decimal("99")}),
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            queryset.update(**changes)


# --- Placements -----------------------------------------------------------------------------


def test_a_placement_ends_inside_its_run():
    run = ProvisionRunFactory()

    errors = refused(
        placement_create,
        run=run,
        pupil=PupilFactory(school=run.school),
        end_date=dt.date(2026, 3, 1),
    )

    assert errors == {
        "end_date": [
            "The placement's end date must be between 08/09/2025 and 12/12/2025, the dates "
            "of the run (got 01/03/2026)."
        ]
    }
    assert Placement.objects.count() == 0


def test_placement_update_keeps_the_end_inside_the_run():
    placement = PlacementFactory()

    errors = refused(services.placement_update, placement=placement, end_date=dt.date(9999, 12, 31))

    assert errors == {
        "end_date": [
            "The placement's end date must be between 08/09/2025 and 12/12/2025, the dates "
            "of the run (got 31/12/9999)."
        ]
    }


def test_the_database_refuses_placement_dates_outside_the_century():
    placement = PlacementFactory()
    for changes in ({"start_date": dt.date(1900, 1, 1)}, {"end_date": dt.date(9999, 12, 31)}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Placement.objects.filter(pk=placement.pk).update(**changes)


# --- General resources ----------------------------------------------------------------------


def test_general_resource_numbers_are_bounded():
    term = TermFactory()
    senco = StaffMemberFactory(school=term.school, role="senco")

    errors = refused(
        general_resource_create,
        school=term.school,
        academic_year=term.academic_year,
        name="SENCO time",
        kind="management",
        staff=senco,
        hours_per_week=Decimal("168"),
        weeks=Decimal("52"),
    )

    assert errors == {
        "hours_per_week": ["Hours a week must be between 0.5 and 60 (got 168)."],
        "weeks": ["Weeks must be between 0.1 and 38, the teaching weeks of 2025-26 (got 52)."],
    }
    errors = refused(
        general_resource_create,
        school=term.school,
        academic_year=term.academic_year,
        name="Materials",
        kind="materials",
        fixed_cost=Decimal("74985000"),
    )
    assert errors == {
        "fixed_cost": ["The fixed cost must be between £0 and £1,000,000 (got £74,985,000)."]
    }
    assert GeneralResource.objects.count() == 0


def test_the_database_refuses_absurd_general_resources():
    term = TermFactory()
    resource = general_resource_create(
        school=term.school,
        academic_year=term.academic_year,
        name="Materials",
        kind="materials",
        fixed_cost=Decimal("2600"),
    )
    for changes in (
        {"fixed_cost": Decimal("1000000.01")},
        {"fixed_cost": Decimal("-1")},
        {"hours_per_week": Decimal("61")},
        {"weeks": Decimal("53")},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            GeneralResource.objects.filter(pk=resource.pk).update(**changes)

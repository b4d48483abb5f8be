import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from provmap.provision.models import Placement, ProvisionRun
from provmap.provision.services import (
    StaffAssignment,
    general_resource_create,
    placement_create,
    placement_record_result,
    provision_create,
    run_create,
)
from tests.factories import (
    MeasureFactory,
    PlacementFactory,
    ProvisionFactory,
    ProvisionRunFactory,
    PupilFactory,
    SchoolFactory,
    StaffMemberFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db


def test_provision_create_records_its_areas_of_need():
    provision = provision_create(
        school=SchoolFactory(),
        name="Lego-based therapy",
        wave=2,
        provision_type="group",
        areas=["CI", "SEMH"],
        minutes_per_session=45,
    )

    assert sorted(provision.areas.values_list("area", flat=True)) == ["CI", "SEMH"]


def test_provision_create_refuses_a_duplicate_name_and_unknown_areas():
    school = SchoolFactory()
    provision_create(school=school, name="ELSA", wave=3, provision_type="mentoring")

    with pytest.raises(ValidationError, match="already has a provision called 'ELSA'"):
        provision_create(school=school, name="ELSA", wave=3, provision_type="mentoring")
    with pytest.raises(ValidationError, match="Unknown area"):
        provision_create(school=school, name="X", wave=2, provision_type="group", areas=["ZZ"])


def test_run_create_takes_defaults_from_the_term_and_the_provision():
    term = TermFactory()
    provision = ProvisionFactory(school=term.school, usual_weeks=20)
    ta = StaffMemberFactory(school=term.school)

    run = run_create(
        provision=provision,
        academic_year=term.academic_year,
        term=term,
        staff=[StaffAssignment(ta)],
    )

    assert (run.start_date, run.end_date) == (term.start_date, term.end_date)
    # Usual length 20 weeks, capped by the 14-week term.
    assert run.weeks == Decimal("14")
    assert (run.sessions_per_week, run.minutes_per_session) == (Decimal("3"), 30)
    assert list(run.staff_lines.values_list("staff", flat=True)) == [ta.pk]


def test_run_create_refuses_staff_of_another_school_and_a_term_of_another_year():
    term = TermFactory()
    provision = ProvisionFactory(school=term.school)

    with pytest.raises(ValidationError, match="another school"):
        run_create(
            provision=provision,
            academic_year=term.academic_year,
            staff=[StaffAssignment(StaffMemberFactory())],
        )
    other_year = TermFactory(academic_year__school=term.school, academic_year__name="2026-27")
    with pytest.raises(ValidationError, match="is not a term of"):
        run_create(provision=provision, academic_year=term.academic_year, term=other_year)
    assert ProvisionRun.objects.count() == 0


def test_run_create_refuses_dates_out_of_order():
    term = TermFactory()

    with pytest.raises(ValidationError, match="end on or after"):
        run_create(
            provision=ProvisionFactory(school=term.school),
            academic_year=term.academic_year,
            start_date=dt.date(2025, 11, 1),
            end_date=dt.date(2025, 10, 1),
        )


def test_run_dates_in_order_is_also_a_database_constraint():
    run = ProvisionRunFactory()
    run.end_date = run.start_date - dt.timedelta(days=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        run.save()


def test_placement_create_starts_with_the_run_and_refuses_duplicates():
    run = ProvisionRunFactory()
    pupil = PupilFactory(school=run.school)

    placement = placement_create(run=run, pupil=pupil, need_type="SPLD", priority="must")

    assert placement.start_date == run.start_date
    with pytest.raises(ValidationError, match="already in this group"):
        placement_create(run=run, pupil=pupil)


def test_placement_create_refuses_a_pupil_of_another_school_and_dates_outside_the_run():
    run = ProvisionRunFactory()

    with pytest.raises(ValidationError, match="another school"):
        placement_create(run=run, pupil=PupilFactory())
    with pytest.raises(ValidationError, match="must fall within the run"):
        placement_create(
            run=run, pupil=PupilFactory(school=run.school), start_date=dt.date(2026, 3, 1)
        )


def test_placement_dates_in_order_is_a_database_constraint():
    placement = PlacementFactory()
    placement.end_date = placement.start_date - dt.timedelta(days=1)

    with pytest.raises(IntegrityError), transaction.atomic():
        placement.save()


def test_recording_results_links_pupil_results_on_the_provisions_measure():
    measure = MeasureFactory()
    placement = PlacementFactory(
        run__provision__school=measure.school, run__provision__measure=measure
    )

    baseline = placement_record_result(
        placement=placement, stage="baseline", value=82, date=dt.date(2025, 9, 10)
    )
    exit_result = placement_record_result(
        placement=placement, stage="exit", value="91.5", date=dt.date(2025, 12, 10)
    )

    placement.refresh_from_db()
    assert placement.baseline == baseline
    assert placement.exit == exit_result
    assert exit_result.value == Decimal("91.5")
    assert exit_result.measure == measure
    assert placement.pupil.results.count() == 2
    assert placement.version == 3


def test_recording_a_result_again_replaces_the_old_one():
    measure = MeasureFactory()
    placement = PlacementFactory(
        run__provision__school=measure.school, run__provision__measure=measure
    )
    placement_record_result(
        placement=placement, stage="baseline", value=80, date=dt.date(2025, 9, 10)
    )

    placement_record_result(
        placement=placement, stage="baseline", value=81, date=dt.date(2025, 9, 10)
    )

    assert placement.pupil.results.get().value == Decimal("81")


def test_results_need_a_measure_and_an_exit_cannot_precede_the_baseline():
    placement = PlacementFactory()
    with pytest.raises(ValidationError, match="no measure of progress"):
        placement_record_result(
            placement=placement, stage="baseline", value=80, date=dt.date(2025, 9, 10)
        )

    measure = MeasureFactory()
    placement = PlacementFactory(
        run__provision__school=measure.school, run__provision__measure=measure
    )
    placement_record_result(
        placement=placement, stage="baseline", value=80, date=dt.date(2025, 9, 10)
    )
    with pytest.raises(ValidationError, match="cannot come before the baseline"):
        placement_record_result(
            placement=placement, stage="exit", value=85, date=dt.date(2025, 9, 1)
        )
    with pytest.raises(ValidationError, match="not one of"):
        placement_record_result(
            placement=placement, stage="final", value=85, date=dt.date(2025, 12, 1)
        )


def test_general_resource_needs_a_fixed_cost_or_staff_time():
    term = TermFactory()
    senco = StaffMemberFactory(school=term.school, role="senco", hourly_rate=Decimal("33.53"))

    management = general_resource_create(
        school=term.school,
        academic_year=term.academic_year,
        name="LSA supervision",
        kind="management",
        staff=senco,
        hours_per_week=Decimal("1"),
    )

    assert management.weeks == Decimal("38")
    with pytest.raises(ValidationError, match="either a fixed cost"):
        general_resource_create(
            school=term.school,
            academic_year=term.academic_year,
            name="Nothing",
            kind="other",
        )


def test_placement_statuses_and_ratings_are_the_documented_codes():
    assert Placement.Rating.values == ["R", "A", "G", "B"]
    assert Placement.Status.values == ["planned", "active", "completed", "withdrawn"]

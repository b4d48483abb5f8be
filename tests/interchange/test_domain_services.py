"""The service functions the imports added to the domain apps (pupils, provision, schools)."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from provmap.provision.services import placement_update, provision_set_measure
from provmap.pupils.models import SENStatusPeriod
from provmap.pupils.services import (
    measure_create,
    pupil_mark_left,
    pupil_set_sen_history,
    pupil_update,
    result_set_value,
)
from provmap.schools.services import (
    academic_year_create,
    funding_stream_create,
    school_create,
    staff_member_create,
    standard_academic_year,
    standard_academic_year_named,
)
from tests.factories import (
    MeasureFactory,
    PlacementFactory,
    ProvisionFactory,
    PupilFactory,
    SchoolFactory,
)

pytestmark = pytest.mark.django_db


def test_pupil_update_changes_details_and_dates_a_new_sen_status():
    pupil = PupilFactory(form="7A")
    SENStatusPeriod.objects.create(
        school=pupil.school, pupil=pupil, status="N", start_date=pupil.on_roll_from
    )

    pupil_update(
        pupil=pupil, changed_on=dt.date(2026, 1, 12), form="7B", sen_status="K", needs=["SPLD"]
    )

    pupil.refresh_from_db()
    assert (pupil.form, pupil.sen_status) == ("7B", "K")
    assert list(pupil.sen_history.values_list("status", "end_date")) == [
        ("N", dt.date(2026, 1, 11)),
        ("K", None),
    ]
    assert list(pupil.needs.values_list("need_type", flat=True)) == ["SPLD"]


def test_a_second_change_on_the_same_day_corrects_the_status():
    pupil = PupilFactory()
    day = dt.date(2026, 1, 12)
    pupil_update(pupil=pupil, changed_on=day, sen_status="K")

    pupil_update(pupil=pupil, changed_on=day, sen_status="E")

    assert list(pupil.sen_history.values_list("status", "start_date")) == [("E", day)]


def test_pupil_update_refuses_a_upn_already_taken_and_unknown_fields():
    pupil = PupilFactory()
    other = PupilFactory(school=pupil.school)

    with pytest.raises(ValidationError, match="already on this school's register"):
        pupil_update(pupil=pupil, changed_on=dt.date(2026, 1, 1), upn=other.upn)
    with pytest.raises(ValueError, match="cannot change school"):
        pupil_update(pupil=pupil, changed_on=dt.date(2026, 1, 1), school=other.school)


def test_a_pupil_cannot_leave_before_joining():
    pupil = PupilFactory(on_roll_from=dt.date(2025, 9, 1))

    with pytest.raises(ValidationError, match="cannot leave before joining"):
        pupil_mark_left(pupil=pupil, left_on=dt.date(2025, 8, 1))
    pupil_mark_left(pupil=pupil, left_on=dt.date(2025, 12, 19))
    assert pupil.on_roll_to == dt.date(2025, 12, 19)


def test_a_sen_history_replaces_the_old_one_merging_repeats():
    pupil = PupilFactory()

    pupil_set_sen_history(
        pupil=pupil,
        periods=[
            (dt.date(2020, 9, 1), "K"),
            (dt.date(2021, 9, 1), "K"),
            (dt.date(2023, 1, 9), "E"),
        ],
    )

    assert list(pupil.sen_history.values_list("status", "start_date", "end_date")) == [
        ("K", dt.date(2020, 9, 1), dt.date(2023, 1, 8)),
        ("E", dt.date(2023, 1, 9), None),
    ]
    assert pupil.sen_status == "E"


def test_measures_and_corrected_results():
    school = SchoolFactory()
    measure = measure_create(
        school=school,
        name="Attendance %",
        scale="percent",
        min_value=Decimal(0),
        max_value=Decimal(100),
    )
    with pytest.raises(ValidationError, match="already has a measure"):
        measure_create(school=school, name="Attendance %", scale="percent")
    pupil = PupilFactory(school=school)
    result = pupil.results.create(
        school=school, measure=measure, date=dt.date(2025, 10, 1), value=Decimal(90)
    )

    result_set_value(result=result, value="92.5")
    assert result.value == Decimal("92.5")
    with pytest.raises(ValidationError, match="above the highest"):
        result_set_value(result=result, value=101)


def test_placement_update_checks_dates_and_counts_versions():
    placement = PlacementFactory()

    placement_update(
        placement=placement, rating="G", status="completed", end_date=placement.run.end_date
    )

    assert (placement.rating, placement.version) == ("G", 2)
    with pytest.raises(ValidationError, match="within the run"):
        placement_update(placement=placement, start_date=dt.date(2020, 1, 1))


def test_provision_set_measure_keeps_to_one_school():
    provision = ProvisionFactory()

    with pytest.raises(ValidationError):
        provision_set_measure(provision=provision, measure=MeasureFactory())
    measure = MeasureFactory(school=provision.school)
    assert provision_set_measure(provision=provision, measure=measure).measure == measure


def test_school_calendar_staff_and_funding_services():
    school = school_create(
        urn="123456", name="Oakfield Academy", phase="secondary", la_code="801", estab_code="2000"
    )
    with pytest.raises(ValidationError, match="URN 123456 already exists"):
        school_create(urn="123456", name="Again", phase="secondary")
    with pytest.raises(ValidationError):
        school_create(urn="12345", name="Short URN", phase="secondary")

    assert standard_academic_year(dt.date(2026, 3, 1)) == (
        "2025-26",
        dt.date(2025, 9, 1),
        dt.date(2026, 8, 31),
    )
    assert standard_academic_year_named("2025/2026") == (dt.date(2025, 9, 1), dt.date(2026, 8, 31))
    with pytest.raises(ValidationError):
        standard_academic_year_named("2025-27")
    year = academic_year_create(
        school=school, name="2025-26", start_date=dt.date(2025, 9, 1), end_date=dt.date(2026, 8, 31)
    )
    assert year.weeks == Decimal("38")
    staff = staff_member_create(school=school, name=" Mrs Patel ", role="ta")
    assert (staff.name, staff.hourly_rate) == ("Mrs Patel", None)
    assert funding_stream_create(school=school, name="Pupil premium").kind == "other"

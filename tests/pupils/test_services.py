import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from provmap.pupils.models import Result, SENStatusPeriod
from provmap.pupils.services import (
    NeedPeriod,
    NewResult,
    pupil_set_need_history,
    pupil_set_needs,
    pupil_set_sen_status,
    result_record,
    results_bulk_record,
)
from tests.factories import MeasureFactory, PupilFactory, SchoolFactory
from tests.pupils.helpers import make_pupil

pytestmark = pytest.mark.django_db


def test_pupil_create_records_status_history_and_ranked_needs():
    pupil = make_pupil(SchoolFactory(), sen_status="K", needs=["SLCN", "SEMH"], eal=True)

    assert pupil.sen_status == "K"
    assert pupil.eal is True
    assert list(pupil.sen_history.values_list("status", "start_date", "end_date")) == [
        ("K", dt.date(2025, 9, 1), None)
    ]
    assert list(pupil.needs.values_list("need_type", "rank")) == [("SLCN", 1), ("SEMH", 2)]


def test_pupil_create_refuses_a_bad_check_letter_with_the_expected_letter():
    with pytest.raises(ValidationError) as error:
        make_pupil(SchoolFactory(), upn="A801200001001")

    assert "should be H" in str(error.value)


def test_pupil_create_refuses_a_second_pupil_with_the_same_upn():
    school = SchoolFactory()
    make_pupil(school)

    with pytest.raises(ValidationError, match="already on this school's register"):
        make_pupil(school, legal_forename="Other")


def test_pupil_create_refuses_an_unknown_nc_year():
    with pytest.raises(ValidationError) as error:
        make_pupil(SchoolFactory(), nc_year="15")

    assert "nc_year" in error.value.message_dict


def test_sen_status_change_closes_the_previous_period():
    pupil = make_pupil(SchoolFactory())

    pupil_set_sen_status(pupil=pupil, status="K", start_date=dt.date(2026, 1, 12))
    pupil_set_sen_status(pupil=pupil, status="E", start_date=dt.date(2026, 5, 4))

    periods = SENStatusPeriod.objects.filter(pupil=pupil).order_by("start_date")
    assert [(p.status, p.start_date, p.end_date) for p in periods] == [
        ("N", dt.date(2025, 9, 1), dt.date(2026, 1, 11)),
        ("K", dt.date(2026, 1, 12), dt.date(2026, 5, 3)),
        ("E", dt.date(2026, 5, 4), None),
    ]
    pupil.refresh_from_db()
    assert pupil.sen_status == "E"


def test_sen_status_change_must_come_after_the_current_one():
    pupil = make_pupil(SchoolFactory())

    with pytest.raises(ValidationError, match="must start after 01/09/2025"):
        pupil_set_sen_status(pupil=pupil, status="K", start_date=dt.date(2025, 9, 1))


def test_needs_are_replaced_and_must_be_known_and_distinct():
    pupil = make_pupil(SchoolFactory(), needs=["SPLD"])

    pupil_set_needs(pupil=pupil, need_types=["ASD", "SLCN"])

    assert list(pupil.needs.values_list("need_type", flat=True)) == ["ASD", "SLCN"]
    with pytest.raises(ValidationError, match="Unknown need type"):
        pupil_set_needs(pupil=pupil, need_types=["DYSLEXIA"])
    with pytest.raises(ValidationError, match="only once"):
        pupil_set_needs(pupil=pupil, need_types=["ASD", "ASD"])


def test_result_outside_the_measure_range_is_refused():
    pupil = PupilFactory()
    measure = MeasureFactory(school=pupil.school)

    with pytest.raises(ValidationError, match="above the highest"):
        result_record(pupil=pupil, measure=measure, date=dt.date(2025, 10, 1), value=171)
    assert Result.objects.count() == 0


def test_result_on_another_schools_measure_is_refused():
    pupil = PupilFactory()

    with pytest.raises(ValidationError, match="another school"):
        result_record(pupil=pupil, measure=MeasureFactory(), date=dt.date(2025, 10, 1), value=90)


def test_bulk_results_are_all_or_nothing():
    pupil = PupilFactory()
    measure = MeasureFactory(school=pupil.school)
    rows = [
        NewResult(pupil.pk, dt.date(2025, 10, 1), Decimal("95")),
        NewResult(pupil.pk, dt.date(2026, 1, 10), Decimal("250")),
    ]

    with pytest.raises(ValidationError):
        results_bulk_record(school=pupil.school, measure=measure, results=rows)

    assert Result.objects.count() == 0
    assert results_bulk_record(school=pupil.school, measure=measure, results=rows[:1]) == 1


def test_need_history_keeps_ended_needs_apart_from_current_ones():
    pupil = make_pupil(SchoolFactory(), sen_status="K", needs=["SLCN"])

    pupil_set_need_history(
        pupil=pupil,
        periods=[
            NeedPeriod("SEMH", 1, dt.date(2021, 1, 4), dt.date(2022, 7, 22)),
            NeedPeriod("SEMH", 1, dt.date(2024, 1, 8)),
            NeedPeriod("SLCN", 2),
        ],
    )

    assert list(pupil.needs.current().values_list("need_type", "rank")) == [
        ("SEMH", 1),
        ("SLCN", 2),
    ]
    assert pupil.needs.count() == 3


@pytest.mark.parametrize(
    ("periods", "message"),
    [
        ([NeedPeriod("SEMH", 1), NeedPeriod("SEMH", 2)], "a need type can be listed only once"),
        ([NeedPeriod("SEMH", 1), NeedPeriod("SLCN", 1)], "two current needs share a rank"),
        (
            [NeedPeriod("SEMH", 1, dt.date(2023, 1, 4), dt.date(2022, 7, 22))],
            "ends (22/07/2022) before it starts (04/01/2023)",
        ),
        ([NeedPeriod("SEMH", 1, end_date=dt.date(1990, 1, 1))], "The date the need ended"),
    ],
)
def test_need_history_refuses_what_cannot_be(periods, message):
    pupil = make_pupil(SchoolFactory(), needs=["SLCN"])

    with pytest.raises(ValidationError) as error:
        pupil_set_need_history(pupil=pupil, periods=periods)

    assert message in str(error.value)
    assert list(pupil.needs.values_list("need_type", flat=True)) == ["SLCN"]


def test_finding_pupils_by_need_reads_current_needs_only():
    from provmap.pupils.models import Pupil
    from provmap.pupils.selectors import PupilSearch, search_pupils

    school = SchoolFactory()
    now = make_pupil(school, upn="H801200001001", surname="Now", needs=["SEMH"])
    before = make_pupil(school, upn="X801200001002", surname="Before", needs=["SLCN"])
    pupil_set_need_history(
        pupil=before,
        periods=[NeedPeriod("SEMH", 1, end_date=dt.date(2024, 7, 19)), NeedPeriod("SLCN", 1)],
    )

    found, total = search_pupils(
        Pupil.objects.filter(school=school), PupilSearch(need_type="SEMH"), limit=10
    )
    assert (found, total) == ([now], 1)
    found, _ = search_pupils(
        Pupil.objects.filter(school=school), PupilSearch(need_type="SLCN"), limit=10
    )
    assert found == [before]
    assert [need.need_type for need in found[0].needs.all()] == ["SLCN"]

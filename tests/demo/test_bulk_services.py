"""The bulk writers the demo generator uses (pupils_bulk_create, runs_bulk_create,
placements_bulk_create): the same checks as their one-at-a-time versions, all or nothing, in
few queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from provmap.provision.models import Placement, ProvisionRun, RunStaff
from provmap.provision.services import (
    NewPlacement,
    PreparedRun,
    StaffAssignment,
    StageResult,
    placements_bulk_create,
    run_prepare,
    runs_bulk_create,
)
from provmap.pupils.models import Pupil, PupilNeed, Result, SENStatusPeriod
from provmap.pupils.services import NewPupil, pupils_bulk_create
from provmap.pupils.upn import make_upn
from provmap.schools.models import School
from tests.factories import (
    AcademicYearFactory,
    FundingStreamFactory,
    MeasureFactory,
    ProvisionFactory,
    ProvisionRunFactory,
    PupilFactory,
    SchoolFactory,
    StaffMemberFactory,
    TermFactory,
)

pytestmark = pytest.mark.django_db

JOINED = dt.date(2025, 9, 3)


def _new_pupil(serial: int, **changes: object) -> NewPupil:
    values: dict[str, object] = {
        "upn": make_upn("886", "4001", 18, serial),
        "legal_forename": f"Pupil{serial}",
        "surname": "Example",
        "date_of_birth": dt.date(2014, 1, 1),
        "sex": "F",
        "nc_year": "7",
        "on_roll_from": JOINED,
    }
    values.update(changes)
    return NewPupil(**values)  # type: ignore[arg-type]


def test_pupils_bulk_create_saves_pupils_sen_history_and_needs(
    django_assert_max_num_queries,
) -> None:
    school = SchoolFactory()
    new = [
        _new_pupil(1),
        _new_pupil(2, sen_status="K", needs=("SPLD", "SLCN"), details={"form": "7A"}),
        _new_pupil(3, sen_status="E", needs=("ASD",), details={"eal": True}),
    ]
    with django_assert_max_num_queries(10):
        pupils = pupils_bulk_create(school=school, pupils=new)
    assert [pupil.pk is not None for pupil in pupils] == [True, True, True]
    assert Pupil.objects.filter(school=school).count() == 3
    second = Pupil.objects.get(upn=new[1].upn)
    assert second.form == "7A"
    assert list(second.needs.values_list("need_type", "rank")) == [("SPLD", 1), ("SLCN", 2)]
    assert Pupil.objects.get(upn=new[2].upn).eal
    periods = SENStatusPeriod.objects.filter(pupil__school=school)
    assert sorted(periods.values_list("status", flat=True)) == ["E", "K", "N"]
    assert set(periods.values_list("start_date", flat=True)) == {JOINED}


@pytest.mark.parametrize(
    ("bad", "field"),
    [
        ({"upn": "A123"}, "upn"),
        ({"needs": ("XYZ",), "sen_status": "K"}, "needs"),
        ({"needs": ("MLD", "MLD"), "sen_status": "K"}, "needs"),
        ({"sex": "Q"}, "sex"),
        ({"details": {"on_roll_to": dt.date(2025, 1, 1)}}, "on_roll_to"),
    ],
)
def test_pupils_bulk_create_rejects_a_bad_row_and_saves_nothing(
    bad: dict[str, object], field: str
) -> None:
    school = SchoolFactory()
    with pytest.raises(ValidationError) as caught:
        pupils_bulk_create(school=school, pupils=[_new_pupil(1), _new_pupil(2, **bad)])
    assert field in caught.value.message_dict
    assert not Pupil.objects.filter(school=school).exists()
    assert not PupilNeed.objects.exists()


def test_pupils_bulk_create_rejects_a_upn_listed_twice_or_already_on_the_register() -> None:
    school = SchoolFactory()
    with pytest.raises(ValidationError, match="listed twice"):
        pupils_bulk_create(school=school, pupils=[_new_pupil(1), _new_pupil(1)])
    pupils_bulk_create(school=school, pupils=[_new_pupil(1)])
    with pytest.raises(ValidationError, match="already on this school's register"):
        pupils_bulk_create(school=school, pupils=[_new_pupil(2), _new_pupil(1)])
    assert Pupil.objects.filter(school=school).count() == 1
    # Another school may hold the same UPN (a pupil who moved).
    pupils_bulk_create(school=SchoolFactory(), pupils=[_new_pupil(1)])


def _run_with_measure():
    school = SchoolFactory()
    measure = MeasureFactory(school=school)
    provision = ProvisionFactory(school=school, measure=measure)
    run = ProvisionRunFactory(provision=provision)
    return school, measure, run


def test_placements_bulk_create_links_results_on_the_provisions_measure(
    django_assert_max_num_queries,
) -> None:
    school, measure, run = _run_with_measure()
    pupils = PupilFactory.create_batch(3, school=school)
    new = [
        NewPlacement(
            run=run,
            pupil=pupil,
            status=Placement.Status.COMPLETED,
            priority=Placement.Priority.MUST,
            need_type="SPLD",
            rating="G",
            results=(
                StageResult("baseline", run.start_date, Decimal("78")),
                StageResult("exit", run.end_date, Decimal("86")),
            ),
        )
        for pupil in pupils
    ]
    with django_assert_max_num_queries(6):
        placements = placements_bulk_create(school=school, placements=new)
    assert len(placements) == 3
    saved = Placement.objects.select_related("baseline", "exit").get(pupil=pupils[0])
    assert saved.start_date == run.start_date
    assert (saved.baseline.value, saved.exit.value) == (Decimal("78.00"), Decimal("86.00"))
    assert saved.baseline.measure == saved.exit.measure == measure
    assert saved.exit.source.startswith("exit of ")
    assert saved.rating == "G" and saved.midpoint is None
    assert Result.objects.filter(pupil__in=pupils).count() == 6


def test_placements_bulk_create_checks_like_placement_create() -> None:
    school, _, run = _run_with_measure()
    pupil = PupilFactory(school=school)

    def attempt(**changes: object) -> None:
        values: dict[str, object] = {"run": run, "pupil": pupil}
        values.update(changes)
        placements_bulk_create(school=school, placements=[NewPlacement(**values)])  # type: ignore[arg-type]

    with pytest.raises(ValidationError, match="within the run"):
        attempt(start_date=run.end_date + dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="before the start date"):
        attempt(end_date=run.start_date - dt.timedelta(days=1))
    with pytest.raises(ValidationError, match="before the baseline"):
        attempt(
            results=(
                StageResult("baseline", run.end_date, Decimal("80")),
                StageResult("exit", run.start_date, Decimal("90")),
            )
        )
    with pytest.raises(ValidationError, match="above the highest"):
        attempt(results=(StageResult("baseline", run.start_date, Decimal("400")),))
    with pytest.raises(ValidationError):
        attempt(rating="X")
    with pytest.raises(ValidationError, match="another school"):
        attempt(pupil=PupilFactory())
    assert not Placement.objects.exists()
    assert not Result.objects.exists()
    attempt()
    with pytest.raises(ValidationError, match="already in"):
        attempt()


def test_placements_bulk_create_needs_a_measure_for_results() -> None:
    run = ProvisionRunFactory()
    pupil = PupilFactory(school=run.school)
    with pytest.raises(ValidationError, match="no measure"):
        placements_bulk_create(
            school=run.school,
            placements=[
                NewPlacement(
                    run=run,
                    pupil=pupil,
                    results=(StageResult("baseline", run.start_date, Decimal("80")),),
                )
            ],
        )


def _prepared_runs(count: int) -> tuple[School, list[PreparedRun]]:
    """`count` runs of one provision in a school's autumn term, each with two staff, made
    with the links given as objects (so run_prepare looks none of them up)."""
    school = SchoolFactory()
    provision = ProvisionFactory(school=school)
    year = AcademicYearFactory(school=school)
    term = TermFactory(academic_year=year)
    stream = FundingStreamFactory(school=school)
    staff = StaffMemberFactory.create_batch(3, school=school)
    prepared = []
    for number in range(count):
        team = [staff[number % 3], staff[(number + 1) % 3]]
        run = run_prepare(
            provision=provision,
            academic_year=year,
            term=term,
            start_date=dt.date(2025, 9, 15),
            end_date=dt.date(2025, 12, 12),
            weeks=Decimal("12"),
            staff=[StaffAssignment(staff=member) for member in team],
            label=f"Group {number + 1}",
            funding_stream=stream,
            lead_staff=team[0],
            reviewing_staff=team[1],
            look_up_links=False,
        )
        prepared.append(PreparedRun(run, [StaffAssignment(staff=member) for member in team]))
    return school, prepared


def test_runs_bulk_create_saves_runs_in_order_with_their_staff_in_few_queries(
    django_assert_max_num_queries,
) -> None:
    # 60 runs: the demo's largest year groups give a provision this many runs in a term.
    school, prepared = _prepared_runs(60)
    # A savepoint and its release, and the inserts (SQLite takes the runs in two batches).
    with django_assert_max_num_queries(6):
        saved = runs_bulk_create(school=school, runs=prepared)
    assert [run.pk for run in saved] == sorted(run.pk for run in saved)
    assert all(item.run.pk is not None for item in prepared)
    runs = list(ProvisionRun.objects.filter(school=school).order_by("pk"))
    assert [run.label for run in runs] == [f"Group {n}" for n in range(1, 61)]
    assert RunStaff.objects.filter(school=school).count() == 120
    first = runs[0]
    assert set(first.staff_lines.values_list("staff_id", flat=True)) == {
        first.lead_staff_id,
        first.reviewing_staff_id,
    }
    assert (first.sessions_per_week, first.minutes_per_session) == (
        prepared[0].run.provision.sessions_per_week,
        prepared[0].run.provision.minutes_per_session,
    )


def test_run_prepare_checks_like_run_create_without_looking_links_up(
    django_assert_num_queries,
) -> None:
    _, prepared = _prepared_runs(1)
    run = prepared[0].run
    values: dict[str, object] = {
        "provision": run.provision,
        "academic_year": run.academic_year,
        "term": run.term,
        "funding_stream": run.funding_stream,
        "lead_staff": run.lead_staff,
        "look_up_links": False,
    }
    with django_assert_num_queries(0):
        run_prepare(**values)  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="another school"):
        run_prepare(**{**values, "lead_staff": StaffMemberFactory()})  # type: ignore[arg-type]
    with pytest.raises(ValidationError, match="on or after"):
        run_prepare(  # type: ignore[arg-type]
            **values, start_date=dt.date(2025, 10, 1), end_date=dt.date(2025, 9, 20)
        )
    with pytest.raises(ValidationError) as caught:
        run_prepare(**values, start_date=dt.date(2027, 1, 4), end_date=dt.date(2027, 2, 1))  # type: ignore[arg-type]
    assert "start_date" in caught.value.message_dict
    member = run.lead_staff
    with pytest.raises(ValidationError, match="listed twice"):
        run_prepare(  # type: ignore[arg-type]
            **values, staff=[StaffAssignment(staff=member), StaffAssignment(staff=member)]
        )


def test_runs_bulk_create_saves_only_new_runs_of_its_school() -> None:
    school, prepared = _prepared_runs(2)
    with pytest.raises(ValidationError, match="another school"):
        runs_bulk_create(school=SchoolFactory(), runs=prepared)
    runs_bulk_create(school=school, runs=prepared)
    with pytest.raises(ValueError, match="new runs only"):
        runs_bulk_create(school=school, runs=prepared)
    assert ProvisionRun.objects.filter(school=school).count() == 2

"""The demo school: believable proportions, valid identifiers, a full catalogue, complete
entry and exit data, demo users who see the right pupils, and a costed map that adds up."""

from __future__ import annotations

from collections import Counter
from decimal import Decimal
from itertools import pairwise

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count, Q

from provmap.accounts.models import Membership, Role, User
from provmap.accounts.permissions import pupil_scope
from provmap.demo.generator import DemoSummary
from provmap.demo.school_calendar import start_year_of, year_group_birth_range
from provmap.insights import wording
from provmap.insights.years import ALL_YEARS, choose_year, impacts_for
from provmap.provision.models import (
    GeneralResource,
    Placement,
    Provision,
    ProvisionArea,
    ProvisionRun,
)
from provmap.provision.selectors import cost_summary
from provmap.provision.services import (
    StaffAssignment,
    placement_end_error,
    provision_errors,
    run_errors,
)
from provmap.pupils.models import Measure, Pupil, PupilNeed, Result, SENStatusPeriod
from provmap.pupils.needs import Area
from provmap.pupils.services import pupil_errors
from provmap.pupils.upn import is_valid_upn
from provmap.schools.models import (
    AcademicYear,
    FundingBudget,
    RoleRate,
    School,
    StaffMember,
    Term,
    Trust,
)
from provmap.schools.services import academic_year_errors, term_errors
from tests.demo.conftest import TODAY

pytestmark = pytest.mark.django_db


def _school() -> School:
    return School.objects.get(urn="148213")


def _on_roll_now():
    return Pupil.objects.filter(school=_school(), on_roll_from__lte=TODAY).filter(
        Q(on_roll_to__isnull=True) | Q(on_roll_to__gte=TODAY)
    )


def _share(pupils, **condition: object) -> float:
    return 100 * pupils.filter(**condition).count() / pupils.count()


def test_demo_summary_counts_what_was_built(demo: DemoSummary) -> None:
    school = _school()
    assert demo.schools == 1
    assert demo.pupils == Pupil.objects.filter(school=school).count()
    assert demo.runs == ProvisionRun.objects.filter(school=school).count()
    assert demo.placements == Placement.objects.filter(school=school).count()
    assert demo.results == Result.objects.filter(school=school).count()
    assert demo.users == User.objects.count() == 9


def test_school_is_a_believable_secondary_in_a_trust(demo: DemoSummary) -> None:
    school = _school()
    assert school.phase == School.Phase.SECONDARY
    assert school.trust == Trust.objects.get()
    school.full_clean()  # URN six digits, LA three, establishment four
    assert set(_on_roll_now().values_list("nc_year", flat=True)) == {"7", "8", "9", "10", "11"}


def test_proportions_on_roll_match_national_figures(demo: DemoSummary) -> None:
    pupils = _on_roll_now()
    assert 380 <= pupils.count() <= 420
    assert 12 <= _share(pupils, sen_status="K") <= 15.5
    assert 3.5 <= _share(pupils, sen_status="E") <= 5.5
    assert 20 <= _share(pupils, pupil_premium=True) <= 30
    assert 15 <= _share(pupils, eal=True) <= 25
    assert 40 <= _share(pupils, sex="F") <= 60
    assert 7 <= _share(pupils, more_able=True) <= 13


def test_flags_are_consistent(demo: DemoSummary) -> None:
    pupils = Pupil.objects.filter(school=_school())
    assert not pupils.filter(fsm=True, ever6_fsm=False).exists()
    assert not pupils.filter(pupil_premium=False, ever6_fsm=True).exists()
    assert not pupils.filter(pupil_premium=False, looked_after=True).exists()
    assert not pupils.filter(eal=True, first_language="ENG").exists()
    assert not pupils.filter(eal=False).exclude(first_language="ENG").exists()


def test_every_upn_is_valid_and_unique_per_school(demo: DemoSummary) -> None:
    upns = list(Pupil.objects.filter(school=_school()).values_list("upn", flat=True))
    assert all(is_valid_upn(upn) for upn in upns)
    assert len(upns) == len(set(upns))


def test_every_date_of_birth_matches_the_year_group(demo: DemoSummary) -> None:
    current = AcademicYear.objects.get(school=_school(), start_date__lte=TODAY, end_date__gte=TODAY)
    for pupil in Pupil.objects.filter(school=_school()):
        start_year = (
            current.start_date.year if pupil.on_roll_to is None else start_year_of(pupil.on_roll_to)
        )
        first, last = year_group_birth_range(int(pupil.nc_year), start_year)
        assert first <= pupil.date_of_birth <= last, pupil.upn


def test_last_years_year_11_left_and_this_years_year_7_joined(demo: DemoSummary) -> None:
    school = _school()
    years = list(AcademicYear.objects.filter(school=school).order_by("start_date"))
    assert len(years) == 2
    previous, current = years
    leavers = Pupil.objects.filter(school=school, on_roll_to__isnull=False)
    assert leavers.count() > 50
    assert set(leavers.values_list("nc_year", flat=True)) == {"11"}
    assert set(leavers.values_list("on_roll_to", flat=True)) == {previous.end_date}
    year_7 = Pupil.objects.filter(school=school, nc_year="7")
    assert year_7.count() > 50
    assert not year_7.filter(on_roll_from__lt=current.start_date).exists()


def test_two_years_of_three_terms_adding_up_to_38_weeks(demo: DemoSummary) -> None:
    for year in AcademicYear.objects.filter(school=_school()):
        terms = list(Term.objects.filter(academic_year=year).order_by("number"))
        assert [term.number for term in terms] == [1, 2, 3]
        assert [term.name for term in terms] == ["Autumn", "Spring", "Summer"]
        assert sum(term.weeks for term in terms) == year.weeks == Decimal("38")
        assert terms[0].start_date.month == 9 and terms[2].end_date.month == 7
        for before, after in pairwise(terms):
            assert before.end_date < after.start_date


def test_sen_pupils_have_ranked_needs_and_a_history(demo: DemoSummary) -> None:
    sen = _on_roll_now().exclude(sen_status="N")
    assert not sen.filter(needs__isnull=True).exists()
    assert not PupilNeed.objects.filter(pupil__in=_on_roll_now().filter(sen_status="N")).exists()
    primary = Counter(
        PupilNeed.objects.filter(pupil__in=sen, rank=1).values_list("need_type", flat=True)
    )
    assert {"SEMH", "ASD", "SLCN", "SPLD", "MLD"} <= set(primary)
    assert PupilNeed.objects.filter(pupil__in=sen, rank=2).exists()
    changed = Pupil.objects.annotate(periods=Count("sen_history")).filter(periods__gt=1)
    assert changed.exists()
    for pupil in changed:
        latest = SENStatusPeriod.objects.filter(pupil=pupil, end_date__isnull=True).get()
        assert latest.status == pupil.sen_status


def test_every_pupil_has_termly_reading_maths_and_attendance(demo: DemoSummary) -> None:
    school = _school()
    begun = Term.objects.filter(school=school, start_date__lte=TODAY)
    assert begun.count() == 5
    reading, maths, attendance = (
        Measure.objects.get(school=school, name=name)
        for name in ("Reading standardised score", "Maths standardised score", "Attendance %")
    )
    for pupil in _on_roll_now().filter(nc_year="9"):
        for term in begun:
            if pupil.on_roll_from > term.start_date:
                continue
            in_term = Result.objects.filter(
                pupil=pupil, date__gte=term.start_date, date__lte=term.end_date
            )
            assert in_term.filter(measure=reading).exists(), (pupil.upn, term.pk)
            assert in_term.filter(measure=maths).exists()
            assert in_term.filter(measure=attendance).exists()
    assert not Result.objects.filter(school=school, date__gt=TODAY).exists()


def test_disadvantaged_and_sen_pupils_score_lower_on_average(demo: DemoSummary) -> None:
    school = _school()
    reading = Measure.objects.get(school=school, name="Reading standardised score")

    def mean(pupils) -> float:
        values = Result.objects.filter(measure=reading, pupil__in=pupils).values_list(
            "value", flat=True
        )
        return float(sum(values) / len(values))

    pupils = Pupil.objects.filter(school=school)
    assert mean(pupils.filter(sen_status="N")) > mean(pupils.exclude(sen_status="N")) + 8
    assert mean(pupils.filter(pupil_premium=False)) > mean(pupils.filter(pupil_premium=True))
    assert 95 <= mean(pupils) <= 102


def test_catalogue_has_several_dozen_provisions_across_waves_and_areas(
    demo: DemoSummary,
) -> None:
    provisions = Provision.objects.filter(school=_school())
    assert 35 <= provisions.count() <= 45
    assert set(provisions.values_list("wave", flat=True)) == {1, 2, 3}
    areas = set(ProvisionArea.objects.filter(school=_school()).values_list("area", flat=True))
    assert {Area.COMMUNICATION, Area.COGNITION, Area.SEMH, Area.SENSORY_PHYSICAL} <= areas
    measured = provisions.filter(measure__isnull=False)
    assert measured.count() > provisions.count() * 0.75
    assert not measured.filter(success_gain__isnull=True).exists()
    assert not measured.filter(success_criteria="").exists()
    assert provisions.filter(evidence_months__gt=0).count() > 25


def test_runs_are_closed_running_or_planned_by_term(demo: DemoSummary) -> None:
    runs = ProvisionRun.objects.filter(school=_school())
    assert not runs.filter(term__isnull=True).exists()
    assert set(runs.filter(term__end_date__lt=TODAY).values_list("status", flat=True)) == {"closed"}
    current = runs.filter(term__start_date__lte=TODAY, term__end_date__gte=TODAY)
    assert current.filter(status="running").count() > current.count() / 2
    future = runs.filter(term__start_date__gt=TODAY)
    assert future.exists()
    assert set(future.values_list("status", flat=True)) == {"planned"}
    assert set(future.values_list("term__number", flat=True)) == {3}
    assert not runs.annotate(lines=Count("staff_lines")).filter(lines=0).exists()
    assert not runs.filter(Q(lead_staff__isnull=True) | Q(funding_stream__isnull=True)).exists()
    assert runs.filter(withdrawn_from="").exists()
    assert runs.exclude(withdrawn_from="").exists()
    assert not runs.filter(day_time="").exists()


def test_sen_pupils_get_provision_that_matches_their_needs(demo: DemoSummary) -> None:
    current = Term.objects.get(school=_school(), start_date__lte=TODAY, end_date__gte=TODAY)
    sen = _on_roll_now().exclude(sen_status="N")
    placed = sen.filter(placements__run__term=current).distinct()
    assert placed.count() >= sen.count() * 0.95
    placements = Placement.objects.filter(run__term=current, pupil__in=sen).exclude(need_type="")
    assert placements.count() > sen.count()
    for placement in placements.select_related("pupil"):
        assert placement.need_type in set(placement.pupil.needs.values_list("need_type", flat=True))
    others = Placement.objects.filter(run__term=current, pupil__sen_status="N")
    assert others.filter(pupil__pupil_premium=True).exists()
    assert others.filter(pupil__more_able=True).exists()
    assert set(Placement.objects.values_list("priority", flat=True)) == {"must", "should", "could"}


def test_completed_placements_have_entry_and_exit_results_and_every_rating(
    demo: DemoSummary,
) -> None:
    completed = Placement.objects.filter(
        school=_school(), status="completed", run__provision__measure__isnull=False
    ).select_related("baseline", "exit", "run__provision")
    assert completed.count() > 300
    for placement in completed:
        measure_id = placement.run.provision.measure_id
        assert placement.baseline is not None and placement.exit is not None
        assert placement.baseline.measure_id == placement.exit.measure_id == measure_id
        assert placement.baseline.pupil_id == placement.exit.pupil_id == placement.pupil_id
        assert placement.baseline.date <= placement.exit.date
        assert placement.rating in {"R", "A", "G", "B"}
    assert set(completed.values_list("rating", flat=True)) == {"R", "A", "G", "B"}


def test_current_placements_have_baselines_and_some_are_withdrawn(demo: DemoSummary) -> None:
    placements = Placement.objects.filter(school=_school())
    active = placements.filter(status="active", run__provision__measure__isnull=False)
    assert active.exists()
    assert not active.filter(baseline__isnull=True).exists()
    assert not active.filter(exit__isnull=False).exists()
    assert active.filter(midpoint__isnull=False).exists()
    withdrawn = placements.filter(status="withdrawn")
    assert withdrawn.exists()
    assert not withdrawn.filter(end_date__isnull=True).exists()
    assert not placements.filter(status="planned", baseline__isnull=False).exists()


def test_provisions_differ_in_how_well_they_work(demo: DemoSummary) -> None:
    """Exit results show a mix: some provisions mostly meet their criteria, some do not."""
    completed = Placement.objects.filter(school=_school(), status="completed").exclude(rating="")
    met_share = {}
    for name, ratings in _ratings_by_provision(completed).items():
        if sum(ratings.values()) >= 8:
            met_share[name] = (ratings["G"] + ratings["B"]) / sum(ratings.values())
    assert max(met_share.values()) >= 0.7
    assert min(met_share.values()) <= 0.35


def test_impact_overview_shows_a_mix_of_verdicts(demo: DemoSummary) -> None:
    """Whole year groups sit the termly reading, maths and reading-age tests at the start and
    end of each term, so pupils in no provision are the comparison: some provisions are
    likely helping, some unclear, and those on measures only placed pupils sit (a wellbeing
    scale) cannot be told yet."""
    school = _school()
    choice, asked = choose_year(ALL_YEARS, school, on=TODAY)
    impacts = impacts_for(school, choice, asked=asked, as_of=TODAY)
    headlines = {item.provision.name: item.verdict.headline for item in impacts}
    helping = [name for name, line in headlines.items() if line.startswith("Likely helping")]
    unclear = [name for name, line in headlines.items() if line.startswith("Unclear")]
    no_comparison = [
        item.provision.name
        for item in impacts
        if item.verdict.headline == wording.HEADLINE_NO_COMPARISON
    ]
    assert helping, headlines
    assert unclear, headlines
    assert no_comparison, headlines
    by_name = {item.provision.name: item for item in impacts}
    # A reading group is judged against the pupils in no provision who sat the same tests.
    assert by_name["Reading comprehension group (reciprocal reading)"].adjusted.n_comparison >= 100
    # A wellbeing scale only the pupils placed fill in has no comparison group.
    sdq = [item for item in impacts if item.measure and item.measure.name.startswith("SDQ")]
    assert sdq and all(item.verdict.headline == wording.HEADLINE_NO_COMPARISON for item in sdq)


def _ratings_by_provision(placements) -> dict[str, Counter[str]]:
    ratings: dict[str, Counter[str]] = {}
    for name, rating in placements.values_list("run__provision__name", "rating"):
        ratings.setdefault(name, Counter())[rating] += 1
    return ratings


def test_staff_rates_money_and_general_resources(demo: DemoSummary) -> None:
    school = _school()
    staff = StaffMember.objects.filter(school=school)
    assert 35 <= staff.count() <= 45
    assert staff.filter(hourly_rate__isnull=False, hourly_rate__gt=0).exists()
    assert staff.filter(hourly_rate=0, is_external=True).exists()
    assert RoleRate.objects.get(school=school, role="ta").hourly_rate == Decimal("20.00")
    assert RoleRate.objects.filter(school=school).count() >= 10
    for year in AcademicYear.objects.filter(school=school):
        budgets = FundingBudget.objects.filter(academic_year=year)
        assert budgets.count() == 4
        assert not budgets.filter(amount__lte=0).exists()
        resources = GeneralResource.objects.filter(academic_year=year)
        assert set(resources.values_list("kind", flat=True)) >= {
            "management",
            "admin",
            "training",
            "materials",
        }
        assert resources.filter(staff__role="senco", hours_per_week__gt=0).exists()


def test_demo_users_have_the_right_roles(demo: DemoSummary) -> None:
    school = _school()
    roles = {
        membership.user.username: membership
        for membership in Membership.objects.select_related("user", "staff_member")
    }
    assert {name: membership.role for name, membership in roles.items()} == {
        "senco": Role.SENCO,
        "admin": Role.SEND_ADMIN,
        "teacher": Role.TEACHER,
        "ta": Role.TA,
        "hoy": Role.HEAD_OF_YEAR,
        "leader": Role.SENIOR_LEADER,
        "governor": Role.GOVERNOR,
        "parent": Role.PARENT,
        "trust": Role.TRUST_LEADER,
    }
    assert roles["trust"].school is None and roles["trust"].trust == school.trust
    assert all(m.school == school for name, m in roles.items() if name != "trust")
    assert roles["hoy"].year_groups == "9"
    assert roles["teacher"].staff_member.role == "teacher"
    assert roles["ta"].staff_member.role == "ta"
    for user in User.objects.all():
        assert user.first_name and user.last_name
        assert not user.is_staff
        assert user.is_demo
        assert user.check_password("provmap-demo-2026")


def test_teacher_and_ta_deliver_runs_this_term(demo: DemoSummary) -> None:
    current = Term.objects.get(school=_school(), start_date__lte=TODAY, end_date__gte=TODAY)
    for username in ("teacher", "ta"):
        staff = Membership.objects.get(user__username=username).staff_member
        runs = ProvisionRun.objects.filter(term=current).filter(
            Q(lead_staff=staff) | Q(staff_lines__staff=staff)
        )
        assert runs.filter(status="running").exists(), username


def test_parent_sees_exactly_their_year_8_child(demo: DemoSummary) -> None:
    school = _school()
    parent = User.objects.get(username="parent")
    child = Membership.objects.get(user=parent).children.get()
    assert child.nc_year == "8"
    current = Term.objects.get(school=school, start_date__lte=TODAY, end_date__gte=TODAY)
    assert Placement.objects.filter(pupil=child, run__term=current).exists()
    scope = pupil_scope(parent, school)
    visible = Pupil.objects.filter(school=school).filter(scope.pupil_filter()).distinct()
    assert list(visible) == [child]
    assert child.surname == parent.last_name


def test_head_of_year_and_governor_scopes(demo: DemoSummary) -> None:
    school = _school()
    hoy = pupil_scope(User.objects.get(username="hoy"), school)
    visible = Pupil.objects.filter(school=school).filter(hoy.pupil_filter()).distinct()
    assert set(visible.values_list("nc_year", flat=True)) == {"9"}
    governor = pupil_scope(User.objects.get(username="governor"), school)
    assert governor.figures and not governor.sees_any_pupil


def test_costed_map_of_the_current_year_adds_up(demo: DemoSummary) -> None:
    school = _school()
    year = AcademicYear.objects.get(school=school, start_date__lte=TODAY, end_date__gte=TODAY)
    summary = cost_summary(school, year, as_of=TODAY)
    assert summary.school_total > 0
    assert summary.general_total > 0
    pupil_total = sum(
        (placement.share for item in summary.runs for placement in item.placements), Decimal(0)
    )
    assert pupil_total > 0
    assert sum(summary.by_area().values(), Decimal(0)) == pupil_total
    assert sum(summary.by_year_group().values(), Decimal(0)) == pupil_total
    assert set(summary.by_year_group()) == {"7", "8", "9", "10", "11"}
    assert 0 < summary.provision_to_date < summary.provision_total
    # A believable scale for a school of 400: tens of thousands of pounds a year.
    assert Decimal(20000) < summary.school_total < Decimal(400000)


def test_therapies_and_bought_in_services_are_costed_at_their_prices(demo: DemoSummary) -> None:
    # NHS and LA central services cost the school nothing; the traded therapist (£70), the
    # counselling service (£45) and the LA's educational psychologists (£450 a half-day) are
    # paid by the session; the typing course by the pupil (£30), with the TA's time on top.
    school = _school()
    by_name: dict[str, list] = {}
    for year in AcademicYear.objects.filter(school=school):
        for item in cost_summary(school, year, as_of=TODAY).runs:
            by_name.setdefault(item.run.provision.name, []).append(item)
    for name in (
        "Speech and language therapy (NHS)",
        "Occupational therapy programme",
        "Sensory support teacher visits (LA service)",
    ):
        assert all(item.cost == 0 and item.no_cost for item in by_name.get(name, [])), name
    for name, price in (
        ("School counselling", Decimal("45")),
        ("Speech and language therapy (traded service)", Decimal("70")),
        ("Educational psychologist assessment", Decimal("450")),
    ):
        for item in by_name.get(name, []):
            run = item.run
            assert item.service_cost == price * run.sessions_per_week * run.weeks, name
            # The provider's people are in the price.
            assert item.cost == item.service_cost, name
    for item in by_name.get("Touch typing programme", []):
        assert item.service_cost == Decimal(30) * item.pupil_count
        assert item.cost == item.service_cost + item.staff_cost
        assert item.staff_cost > 0  # the TA who runs it
    # A school of 400 has runs of most of them.
    present = {
        "Speech and language therapy (NHS)",
        "School counselling",
        "Speech and language therapy (traded service)",
        "Educational psychologist assessment",
        "Touch typing programme",
    }
    assert present <= set(by_name), present - set(by_name)


def test_everything_the_demo_wrote_is_within_what_a_school_can_mean(demo: DemoSummary) -> None:
    # The demo writes some tables in bulk; every row must still pass the checks the write
    # services make (bounds of every number, dates inside their year, run and term).
    school = _school()
    problems: dict[str, object] = {}

    def check(what: str, errors: object) -> None:
        if errors:
            problems[what] = errors

    for year in AcademicYear.objects.filter(school=school):
        check(f"year {year}", academic_year_errors(year))
    for term in Term.objects.filter(school=school).select_related("academic_year"):
        check(f"term {term}", term_errors(term))
    for member in StaffMember.objects.filter(school=school):
        try:
            member.full_clean(exclude=["school"], validate_unique=False)
        except ValidationError as error:
            check(f"staff {member}", error.message_dict)
    for provision in Provision.objects.filter(school=school).select_related("measure"):
        check(f"provision {provision}", provision_errors(provision))
    runs = ProvisionRun.objects.filter(school=school).select_related("academic_year", "provision")
    for run in runs.prefetch_related("staff_lines__staff", "placements"):
        staff = [
            StaffAssignment(line.staff, line.sessions_per_week, line.minutes_per_session)
            for line in run.staff_lines.all()
        ]
        check(f"run {run}", run_errors(run, staff))
        for placement in run.placements.all():
            starts_inside = run.start_date <= placement.start_date <= run.end_date
            check(
                f"placement {placement.pk} in {run}",
                placement_end_error(run, placement.end_date) or (not starts_inside),
            )
    for pupil in Pupil.objects.filter(school=school):
        check(f"pupil {pupil.upn}", pupil_errors(pupil, exclude=[]))
    assert problems == {}

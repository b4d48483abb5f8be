"""The planner on a small world: its proposal, editing it, accepting it into planned runs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from provmap.planning import planner
from provmap.planning.models import AuditCell, NeedKind, NeedsAudit, Plan, PlanPlace
from provmap.provision.models import Placement, ProvisionRun, RunSlot
from provmap.schools.models import FundingBudget
from tests.factories import ProvisionFactory, TermFactory
from tests.web.map_world import World, build_world, pupils

pytestmark = pytest.mark.django_db


def planning_world() -> tuple[World, NeedKind, list]:
    """Five Year 7 pupils: three must have structured literacy, two could. Two entries meet
    it: Lexia (+5 months, groups of 3) and a reading group (+2 months, groups of 3)."""
    world = build_world()
    spring = TermFactory(
        academic_year=world.term.academic_year,
        number=2,
        name="Spring",
        start_date=dt.date(2026, 1, 5),
        end_date=dt.date(2026, 3, 27),
        weeks=Decimal("12"),
    )
    world.term = spring
    kind = NeedKind.objects.create(school=world.school, name="Structured literacy", area="CL")
    lexia = ProvisionFactory(
        school=world.school, name="Lexia", default_pupils=3, evidence_months=5, usual_weeks=10
    )
    kind.provisions.add(lexia, world.provision)
    world.provision.evidence_months = 2
    world.provision.default_pupils = 3
    world.provision.save()
    audit = NeedsAudit.objects.create(school=world.school, term=spring)
    children = pupils(world, 5)
    for index, pupil in enumerate(children):
        AuditCell.objects.create(
            school=world.school,
            audit=audit,
            pupil=pupil,
            kind=kind,
            level="must" if index < 3 else "could",
        )
    return world, kind, children


def test_the_planner_meets_the_musts_with_the_best_evidenced_entry():
    world, _kind, children = planning_world()
    plan = planner.plan_make(school=world.school, term=world.term, name="First go")
    runs = list(plan.runs.all())
    assert {run.provision.name for run in runs} == {"Lexia"}
    placed = set(PlanPlace.objects.filter(plan_run__plan=plan).values_list("pupil_id", "level"))
    assert {pupil for pupil, _level in placed} == {pupil.pk for pupil in children}
    assert plan.unmet == []
    assert [level for _pupil, level in placed].count("must") == 3
    assert "must have structured literacy" in runs[0].why
    assert "Lexia is the best-evidenced (+5 months) at £300" in runs[0].why
    # 3 x 30 min a week = 1.5 h, by the TA (the cheaper) at £20 an hour for 10 weeks.
    assert [run.cost for run in runs] == [Decimal("300.00"), Decimal("300.00")]
    assert {run.staff_id for run in runs} == {world.ta_staff.pk}


def test_a_tight_budget_leaves_the_coulds_unmet_with_the_reason():
    world, _kind, _children = planning_world()
    FundingBudget.objects.create(
        school=world.school,
        stream=world.fund,
        academic_year=world.term.academic_year,
        amount=Decimal("500"),
    )
    plan = planner.plan_make(school=world.school, term=world.term, name="Tight")
    assert plan.runs.count() == 1
    assert {item["level"] for item in plan.unmet} == {"could"}
    assert {item["reason"] for item in plan.unmet} == {"Not enough budget left for another group."}
    cut = planner.plan_make(school=world.school, term=world.term, name="Cut", share=Decimal("0.2"))
    assert cut.runs.count() == 0
    assert len(cut.unmet) == 5


def test_accepting_makes_planned_runs_with_slots_and_no_clash():
    world, _kind, _children = planning_world()
    plan = planner.plan_make(school=world.school, term=world.term, name="Accept me")
    made = planner.plan_accept(plan=plan, by=world.senco)
    assert len(made) == plan.runs.count()
    assert {run.status for run in made} == {ProvisionRun.Status.PLANNED}
    assert all(run.term_id == world.term.pk for run in made)
    placements = Placement.objects.filter(run__in=made)
    assert placements.count() == 5
    assert set(placements.values_list("status", flat=True)) == {Placement.Status.PLANNED}
    slots = list(RunSlot.objects.filter(run__in=made))
    assert len(slots) == len(made)
    # No pupil and no member of staff in two places at once.
    seen_pupils: set[tuple[int, int, dt.time]] = set()
    for placement in placements.select_related("run"):
        slot = next(s for s in slots if s.run_id == placement.run_id)
        key = (placement.pupil_id, slot.weekday, slot.start_time)
        assert key not in seen_pupils
        seen_pupils.add(key)
    staff_slots = [
        (run.lead_staff_id, s.weekday, s.start_time)
        for run in made
        for s in slots
        if s.run_id == run.pk
    ]
    assert len(staff_slots) == len(set(staff_slots))
    plan.refresh_from_db()
    assert plan.status == Plan.Status.ACCEPTED
    with pytest.raises(ValidationError, match="accepted already"):
        planner.plan_accept(plan=plan, by=world.senco)


def test_a_pupil_already_in_a_run_at_a_slot_is_not_offered_it():
    world, _kind, _children = planning_world()
    first = planner.plan_make(school=world.school, term=world.term, name="One")
    planner.plan_accept(plan=first, by=world.senco)
    # The next plan sees them busy at the accepted times; still no clash on acceptance.
    second = planner.plan_make(school=world.school, term=world.term, name="Two")
    busy = {
        (p.pupil_id, s.weekday, s.start_time)
        for p in Placement.objects.filter(run__term=world.term)
        for s in RunSlot.objects.filter(run=p.run)
    }
    for place in PlanPlace.objects.filter(plan_run__plan=second).select_related("plan_run"):
        run = place.plan_run
        assert (place.pupil_id, run.weekday, run.start_time) not in busy


def test_removing_a_pupil_and_a_run_and_copying():
    world, _kind, _children = planning_world()
    plan = planner.plan_make(school=world.school, term=world.term, name="Edit me")
    copy = planner.plan_copy(plan=plan, name="Copy")
    assert copy.runs.count() == plan.runs.count()
    place = PlanPlace.objects.filter(plan_run__plan=plan).first()
    planner.plan_remove_place(plan=plan, place=place, read_version=plan.version)
    plan.refresh_from_db()
    assert place.pupil_id in {item["pupil"] for item in plan.unmet}
    with pytest.raises(ValidationError, match="changed by someone else"):
        planner.plan_remove_place(
            plan=plan, place=PlanPlace.objects.filter(plan_run__plan=plan).first(), read_version=1
        )
    for run in list(plan.runs.all()):
        planner.plan_remove_run(plan=plan, plan_run=run)
    plan.refresh_from_db()
    assert plan.runs.count() == 0 and len(plan.unmet) == 5
    with pytest.raises(ValidationError, match="no groups"):
        planner.plan_accept(plan=plan)
    assert PlanPlace.objects.filter(plan_run__plan=copy).count() == 5


def test_no_audit_is_refused():
    world = build_world()
    with pytest.raises(ValidationError, match="audit the term"):
        planner.plan_make(school=world.school, term=world.term, name="Nothing")

"""The support plan pages: the SENCO writes a plan with two targets and agrees it, records a
review that changes the pupil's provision; those who must not see or change plans are
refused; the plan page and the review form cost a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from provmap.accounts.models import AuditAction, AuditEvent, Role
from provmap.outcomes import plans
from provmap.outcomes.models import Contribution, Review, SupportPlan, Target
from provmap.provision.models import Placement, ProvisionRun
from provmap.pupils.models import Pupil
from provmap.schools.models import AcademicYear, Term
from tests.factories import MembershipFactory
from tests.web.map_world import World, add_run, build_world, get_counted, member, pupils

pytestmark = pytest.mark.django_db


def current_term(world: World) -> Term:
    """A term around today, so the review form offers runs to join."""
    today = timezone.localdate()
    year = AcademicYear.objects.create(
        school=world.school,
        name="This year",
        start_date=today - dt.timedelta(days=90),
        end_date=today + dt.timedelta(days=200),
        weeks=Decimal("38"),
    )
    return Term.objects.create(
        school=world.school,
        academic_year=year,
        number=1,
        name="This term",
        start_date=today - dt.timedelta(days=60),
        end_date=today + dt.timedelta(days=30),
        weeks=Decimal("13"),
    )


def now_run(world: World, term: Term, group: list[Pupil], label: str) -> ProvisionRun:
    return add_run(
        world,
        pupils=group,
        label=label,
        academic_year=term.academic_year,
        term=term,
        start_date=term.start_date,
        end_date=term.end_date,
    )


@pytest.fixture
def world() -> World:
    return build_world()


def url(name: str, pupil: Pupil, **kwargs: int) -> str:
    return reverse(name, kwargs={"urn": pupil.school.urn, "pupil_id": pupil.pk, **kwargs})


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_senco_writes_a_plan_with_two_targets_and_agrees_it(world):
    term = current_term(world)
    (pupil,) = pupils(world, 1, nc_year="9", sen_status="K")
    run = now_run(world, term, [pupil], "G1")
    client = signed_in(world.senco)

    page = client.get(url("support_plan", pupil))
    assert "Start a support plan" in page.content.decode()
    start = client.post(url("support_plan_edit", pupil), {"action": "start"})
    assert start.status_code == 302
    plan = SupportPlan.objects.get(pupil=pupil)

    saved = client.post(
        url("support_plan_edit", pupil),
        {
            "action": "save",
            "plan-version": plan.version,
            "plan-does_well": "I am good at football",
            "plan-finds_hard": "Reading out loud",
            "plan-helps_me": "Time to practise first",
            "plan-involved": "Mrs Patel (mother)\nMr Jones (form tutor)",
        },
    )
    assert saved.status_code == 302
    for description, chosen in (("Read a page aloud", run.pk), ("Ask for help", "")):
        added = client.post(
            url("support_plan_edit", pupil),
            {
                "action": "add_target",
                "new-description": description,
                "new-run": chosen,
                "new-start_date": term.start_date.isoformat(),
                "new-review_date": term.end_date.isoformat(),
            },
        )
        assert added.status_code == 302, added.content.decode()
    plan.refresh_from_db()
    agreed = client.post(
        url("support_plan_agree", pupil, plan_id=plan.pk),
        {
            "agree-version": plan.version,
            "agree-agreed_on": timezone.localdate().isoformat(),
            "agree-agreed_with": "Mrs Patel, Sam",
        },
    )
    assert agreed.status_code == 302
    plan.refresh_from_db()
    assert (plan.status, plan.agreed_with) == ("agreed", "Mrs Patel, Sam")
    shown = client.get(url("support_plan", pupil)).content.decode()
    assert "I am good at football" in shown
    assert "Read a page aloud" in shown and "Ask for help" in shown
    assert reverse("run_detail", args=[world.school.urn, run.pk]) in shown
    actions = set(AuditEvent.objects.filter(pupil=pupil).values_list("action", flat=True))
    assert {AuditAction.VIEW, AuditAction.CREATE, AuditAction.CHANGE} <= actions


def test_a_stale_save_of_the_draft_is_refused_and_shown(world):
    (pupil,) = pupils(world, 1, nc_year="9")
    plan = plans.plan_start(pupil=pupil, by=world.senco)
    plans.plan_update(plan=plan, version=1, by=world.senco, needs="Speech")
    client = signed_in(world.senco)
    response = client.post(
        url("support_plan_edit", pupil),
        {"action": "save", "plan-version": 1, "plan-needs": "Reading"},
        follow=True,
    )
    assert "Someone else saved this plan" in response.content.decode()
    assert SupportPlan.objects.get(pk=plan.pk).needs == "Speech"


def test_a_review_records_progress_and_changes_the_provision(world):
    term = current_term(world)
    (pupil,) = pupils(world, 1, nc_year="9", sen_status="K")
    old = now_run(world, term, [pupil], "Old")
    new = now_run(world, term, [], "New")
    plan = plans.plan_start(pupil=pupil, by=world.senco)
    target = plans.target_add(
        plan=plan,
        by=world.senco,
        description="Read a page aloud",
        start_date=term.start_date,
        review_date=term.end_date,
    )
    plan = plans.plan_update(plan=plan, version=plan.version, by=world.senco, involved="Mum")
    plans.plan_agree(
        plan=plan, version=plan.version, agreed_on=term.start_date, agreed_with="Mum", by=None
    )
    Contribution.objects.create(
        school=world.school, pupil=pupil, voice="parent", text="Much happier", author_name="Mum"
    )
    client = signed_in(world.senco)
    form = client.get(url("review_new", pupil)).content.decode()
    assert "Much happier" in form and "New" in form
    placement = Placement.objects.get(pupil=pupil, run=old)
    today = timezone.localdate()
    response = client.post(
        url("review_new", pupil),
        {
            "review-held_on": today.isoformat(),
            "review-kind": "sen_support",
            "review-participants": "Mum, SENCO",
            "review-next_review_due": (today + dt.timedelta(days=120)).isoformat(),
            f"t{target.pk}-progress": "met",
            f"t{target.pk}-comment": "Reads fluently",
            "new1-description": "Write a paragraph",
            "new1-run": new.pk,
            "new1-start_date": today.isoformat(),
            "new1-review_date": term.end_date.isoformat(),
            f"p{placement.pk}-action": "end",
            f"p{placement.pk}-reason": "completed",
            "join-runs": [str(new.pk)],
        },
    )
    assert response.status_code == 302, response.content.decode()
    review = Review.objects.get(pupil=pupil)
    assert Target.objects.get(pk=target.pk).status == "met"
    assert Target.objects.get(set_at_review=review).run == new
    assert Placement.objects.get(pk=placement.pk).status == Placement.Status.WITHDRAWN
    assert Placement.objects.filter(pupil=pupil, run=new).exists()
    assert Contribution.objects.get(pupil=pupil).review == review
    detail = client.get(response["Location"]).content.decode()
    assert "Reads fluently" in detail and "Write a paragraph" in detail


def test_a_review_without_progress_is_refused_and_writes_nothing(world):
    (pupil,) = pupils(world, 1, nc_year="9")
    plan = plans.plan_start(pupil=pupil, by=world.senco)
    plans.target_add(
        plan=plan,
        by=world.senco,
        description="Read a page aloud",
        start_date=world.term.start_date,
        review_date=world.term.end_date,
    )
    client = signed_in(world.senco)
    response = client.post(
        url("review_new", pupil),
        {"review-held_on": timezone.localdate().isoformat(), "review-kind": "sen_support"},
    )
    assert response.status_code == 400
    assert "Target 1: Choose met, partly met or not yet." in response.content.decode()
    assert not Review.objects.exists()


def test_a_head_of_another_year_and_a_teacher_are_refused(world):
    (pupil,) = pupils(world, 1, nc_year="9", form="9A")
    add_run(world, pupils=[pupil])
    plans.plan_start(pupil=pupil, by=world.senco)
    head_of_7 = member(world.school, Role.HEAD_OF_YEAR, year_groups="7")
    head_of_9 = member(world.school, Role.HEAD_OF_YEAR, year_groups="9")
    teacher = member(world.school, Role.TEACHER, staff_member=world.ta_staff, teaching_groups="9A")
    assert signed_in(head_of_7).get(url("support_plan", pupil)).status_code == 404
    # Head of Year 7 who also teaches 9A: the pupil's page opens, not their plan.
    head_of_7_teaching_9a = member(world.school, Role.HEAD_OF_YEAR, year_groups="7")
    MembershipFactory(
        user=head_of_7_teaching_9a,
        school=world.school,
        role=Role.TEACHER,
        teaching_groups="9A",
    )
    client = signed_in(head_of_7_teaching_9a)
    assert client.get(reverse("pupil_detail", args=[world.school.urn, pupil.pk])).status_code == 200
    assert client.get(url("support_plan", pupil)).status_code == 404
    assert signed_in(teacher).get(url("support_plan", pupil)).status_code == 403
    assert signed_in(head_of_9).get(url("support_plan", pupil)).status_code == 200
    assert signed_in(head_of_9).get(url("support_plan_edit", pupil)).status_code == 403
    assert signed_in(head_of_9).get(url("review_new", pupil)).status_code == 403
    # The pupil page links to the plan only for those who see plans.
    link = url("support_plan", pupil)
    pupil_page = reverse("pupil_detail", args=[world.school.urn, pupil.pk])
    assert link in signed_in(head_of_9).get(pupil_page).content.decode()
    assert link not in signed_in(teacher).get(pupil_page).content.decode()


def test_earlier_versions_are_kept_and_a_draft_can_be_discarded(world):
    (pupil,) = pupils(world, 1, nc_year="9")
    first = plans.plan_start(pupil=pupil, by=world.senco)
    first = plans.plan_update(plan=first, version=1, by=None, does_well="Drawing")
    plans.plan_agree(
        plan=first,
        version=first.version,
        agreed_on=world.term.start_date,
        agreed_with="Mum",
        by=None,
    )
    second = plans.plan_start(pupil=pupil, by=world.senco)
    second = plans.plan_update(plan=second, version=1, by=None, does_well="Painting")
    plans.plan_agree(
        plan=second,
        version=second.version,
        agreed_on=world.term.end_date,
        agreed_with="Dad",
        by=None,
    )
    draft = plans.plan_start(pupil=pupil, by=world.senco)
    client = signed_in(world.senco)
    page = client.get(url("support_plan", pupil)).content.decode()
    assert "Painting" in page and "Edit the draft (version 3)" in page
    old = client.get(url("support_plan_version", pupil, plan_id=first.pk)).content.decode()
    assert "Drawing" in old and "Superseded" in old
    response = client.post(url("support_plan_discard", pupil, plan_id=draft.pk), {"version": 1})
    assert response.status_code == 302
    assert list(SupportPlan.objects.filter(pupil=pupil).values_list("number", flat=True)) == [2, 1]


# --- Query counts ---------------------------------------------------------------------------


def _plan_world(rows: int) -> tuple[World, Pupil]:
    world = build_world(name=f"School of {rows}")
    term = current_term(world)
    (pupil,) = pupils(world, 1, nc_year="9", sen_status="K")
    for index in range(rows):
        run = now_run(world, term, [pupil], f"G{index}")
        now_run(world, term, [], f"Other {index}")
        plan = plans.plan_start(pupil=pupil, by=world.senco)
        plans.target_add(
            plan=plan,
            by=world.senco,
            description=f"Target {index}",
            run=run,
            start_date=term.start_date,
            review_date=term.end_date,
        )
        plan = SupportPlan.objects.get(pk=plan.pk)
        plan = plans.plan_update(plan=plan, version=plan.version, by=None, does_well="Art")
        plans.plan_agree(
            plan=plan, version=plan.version, agreed_on=term.start_date, agreed_with="Mum", by=None
        )
        Review.objects.create(
            school=world.school, pupil=pupil, held_on=term.start_date + dt.timedelta(days=index)
        )
        Contribution.objects.create(
            school=world.school, pupil=pupil, voice="pupil", text="Fine", author_name="SENCO"
        )
    return world, pupil


PINNED = {"support_plan": 10, "review_new": 14}


@pytest.mark.parametrize("page", list(PINNED))
def test_a_plan_page_costs_a_pinned_number_of_queries(page):
    counts = []
    for rows in (1, 3):
        world, pupil = _plan_world(rows)
        client = signed_in(world.senco)
        assert client.get(url(page, pupil)).status_code == 200
        queries, response = get_counted(client, url(page, pupil))
        assert response.status_code == 200
        counts.append(queries)
    assert counts == [PINNED[page]] * 2

"""Support plans and their targets, then reviews: one draft at a time, versions checked,
agreeing supersedes, reviews close, end and add targets and change the pupil's provision,
all or nothing."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from provmap.outcomes import plans
from provmap.outcomes.models import Contribution, Review, SupportPlan, Target, TargetProgress
from provmap.outcomes.reviews import (
    Leaving,
    NewTarget,
    ProgressEntry,
    add_months,
    next_review_for,
    review_kind_for,
    review_record,
)
from provmap.provision.models import Placement
from provmap.pupils.models import SENStatus
from tests.factories import PlacementFactory, ProvisionRunFactory, UserFactory

pytestmark = pytest.mark.django_db

START = dt.date(2025, 9, 8)
REVIEW = dt.date(2025, 12, 12)
HELD = dt.date(2025, 11, 3)


@pytest.fixture
def placed():
    placement = PlacementFactory()
    return placement.pupil, placement, UserFactory()


def agreed_plan(pupil, user, **text):
    plan = plans.plan_start(pupil=pupil, by=user)
    plan = plans.plan_update(plan=plan, version=plan.version, by=user, **text)
    return plan


def add_target(plan, user, **changes):
    values = {
        "description": "Read a page aloud with fewer than three errors",
        "start_date": START,
        "review_date": REVIEW,
    }
    values.update(changes)
    return plans.target_add(plan=plan, by=user, **values)


def test_a_first_plan_is_empty_and_a_second_draft_is_refused(placed):
    pupil, _, user = placed
    plan = plans.plan_start(pupil=pupil, by=user)
    assert (plan.number, plan.status, plan.does_well) == (1, "draft", "")
    with pytest.raises(ValidationError, match="already has a draft plan"):
        plans.plan_start(pupil=pupil, by=user)


def test_agreeing_supersedes_the_plan_before_and_a_new_draft_copies_it(placed):
    pupil, placement, user = placed
    first = agreed_plan(pupil, user, does_well="I am good at drawing", needs="Reading")
    add_target(first, user, run=placement.run)
    plans.plan_agree(
        plan=first, version=first.version, agreed_on=HELD, agreed_with="Mum, Sam", by=user
    )
    second = plans.plan_start(pupil=pupil, by=user)
    assert (second.number, second.does_well, second.needs) == (2, "I am good at drawing", "Reading")
    second = plans.plan_update(
        plan=second, version=second.version, by=user, helps_me="A quiet place"
    )
    plans.plan_agree(
        plan=second, version=second.version, agreed_on=HELD, agreed_with="Mum", by=user
    )
    statuses = dict(SupportPlan.objects.filter(pupil=pupil).values_list("number", "status"))
    assert statuses == {1: "superseded", 2: "agreed"}
    # The target set in the first plan is still open on the pupil's current plan.
    assert Target.objects.get(pupil=pupil).status == Target.Status.OPEN


def test_a_stale_save_is_refused_naming_what_differs(placed):
    pupil, _, user = placed
    plan = plans.plan_start(pupil=pupil, by=user)
    plans.plan_update(plan=plan, version=1, by=user, needs="Speech and language")
    stale = SupportPlan.objects.get(pk=plan.pk)
    stale.version = 1
    with pytest.raises(plans.PlanChanged, match="my needs"):
        plans.plan_update(plan=stale, version=1, by=user, needs="Reading")
    assert SupportPlan.objects.get(pk=plan.pk).needs == "Speech and language"


def test_an_empty_plan_or_a_future_date_cannot_be_agreed(placed):
    pupil, _, user = placed
    plan = plans.plan_start(pupil=pupil, by=user)
    with pytest.raises(ValidationError) as refused:
        plans.plan_agree(
            plan=plan,
            version=plan.version,
            agreed_on=dt.date(2099, 1, 1),
            agreed_with="",
            by=user,
        )
    errors = refused.value.message_dict
    assert set(errors) == {"agreed_on", "agreed_with", "__all__"}
    assert SupportPlan.objects.get(pk=plan.pk).status == "draft"


def test_a_target_names_a_run_the_pupil_is_in_and_dates_in_order(placed):
    pupil, placement, user = placed
    plan = plans.plan_start(pupil=pupil, by=user)
    elsewhere = ProvisionRunFactory(provision__school=pupil.school)
    with pytest.raises(ValidationError) as refused:
        add_target(plan, user, run=elsewhere, review_date=dt.date(2025, 9, 1))
    assert set(refused.value.message_dict) == {"run", "review_date"}
    target = add_target(plan, user, run=placement.run)
    target = plans.target_update(target=target, version=1, by=user, criteria="Running record")
    assert (target.version, target.criteria) == (2, "Running record")
    with pytest.raises(plans.PlanChanged):
        plans.target_update(target=target, version=1, by=user, criteria="Other")
    plans.target_remove(target=target, version=2, by=user)
    assert not Target.objects.exists()


def test_discarding_a_draft_removes_it_and_its_targets(placed):
    pupil, _, user = placed
    plan = plans.plan_start(pupil=pupil, by=user)
    add_target(plan, user)
    plans.plan_discard(plan=plan, version=plan.version, by=user)
    assert not SupportPlan.objects.exists() and not Target.objects.exists()


# --- Reviews -----------------------------------------------------------------------------


@pytest.fixture
def reviewed(placed):
    pupil, placement, user = placed
    plan = agreed_plan(pupil, user, does_well="Drawing")
    met = add_target(plan, user, description="Read a page aloud")
    ended = add_target(plan, user, description="Write three sentences")
    going = add_target(plan, user, description="Ask for help")
    plans.plan_agree(plan=plan, version=plan.version, agreed_on=START, agreed_with="Mum", by=user)
    return pupil, placement, user, SupportPlan.objects.get(pk=plan.pk), (met, ended, going)


def test_a_review_closes_ends_and_adds_targets_and_changes_the_provision(reviewed):
    pupil, placement, user, plan, (met, ended, going) = reviewed
    other_run = ProvisionRunFactory(
        provision__school=pupil.school, academic_year=placement.run.academic_year
    )
    view = Contribution.objects.create(
        school=pupil.school, pupil=pupil, voice="parent", text="Sam is happier", author_name="Mum"
    )
    review = review_record(
        pupil=pupil,
        by=user,
        held_on=HELD,
        participants="SENCO, Mum, Sam",
        pupil_view="I like the group",
        next_review_due=dt.date(2026, 3, 3),
        progress=[
            ProgressEntry(met, "met", "Reads fluently"),
            ProgressEntry(ended, "not_yet", "Moved on", close=True),
            ProgressEntry(going, "partly"),
        ],
        new_targets=[NewTarget("Write a paragraph", HELD, dt.date(2026, 3, 3), run=other_run)],
        leave=[Leaving(placement, HELD, Placement.Leaving.COMPLETED)],
        join=[other_run],
    )
    assert review.kind == Review.Kind.SEN_SUPPORT and review.plan == plan
    statuses = dict(Target.objects.filter(pupil=pupil).values_list("description", "status"))
    assert statuses == {
        "Read a page aloud": "met",
        "Write three sentences": "ended",
        "Ask for help": "open",
        "Write a paragraph": "open",
    }
    assert Target.objects.get(description="Write a paragraph").set_at_review == review
    assert TargetProgress.objects.filter(review=review).count() == 3
    left = Placement.objects.get(pk=placement.pk)
    assert (left.status, left.end_date) == (Placement.Status.WITHDRAWN, HELD)
    joined = Placement.objects.get(pupil=pupil, run=other_run)
    assert joined.start_date == HELD
    assert Contribution.objects.get(pk=view.pk).review == review
    assert SupportPlan.objects.get(pk=plan.pk).review_due == dt.date(2026, 3, 3)
    # The target kept open is now worked on until the next review; the closed keep theirs.
    assert Target.objects.get(description="Ask for help").review_date == dt.date(2026, 3, 3)
    assert Target.objects.get(description="Read a page aloud").review_date < dt.date(2026, 3, 3)


def test_a_bad_row_leaves_nothing_written(reviewed):
    pupil, placement, user, _plan, (met, ended, going) = reviewed
    with pytest.raises(ValidationError) as refused:
        review_record(
            pupil=pupil,
            by=user,
            held_on=HELD,
            progress=[
                ProgressEntry(met, "met"),
                ProgressEntry(ended, "partly"),
                ProgressEntry(going, "partly"),
            ],
            new_targets=[NewTarget("", HELD, HELD)],
            leave=[Leaving(placement, HELD)],
        )
    assert "New target 1: Write the target" in refused.value.message_dict["new_targets"][0]
    assert not Review.objects.exists()
    assert Target.objects.filter(status="open").count() == 3
    assert Placement.objects.get(pk=placement.pk).status == Placement.Status.ACTIVE


def test_every_open_target_needs_its_progress(reviewed):
    pupil, _, user, _, (met, _, _) = reviewed
    with pytest.raises(ValidationError) as refused:
        review_record(pupil=pupil, by=user, held_on=HELD, progress=[ProgressEntry(met, "met")])
    messages = refused.value.message_dict["progress"]
    assert messages == [
        "Record progress on the target 'Write three sentences'.",
        "Record progress on the target 'Ask for help'.",
    ]


def test_the_kind_and_next_date_follow_the_sen_status():
    assert review_kind_for(SENStatus.EHC_PLAN) == Review.Kind.ANNUAL
    assert review_kind_for(SENStatus.SUPPORT) == Review.Kind.SEN_SUPPORT
    assert next_review_for(Review.Kind.ANNUAL, dt.date(2025, 11, 3)) == dt.date(2026, 11, 3)
    assert next_review_for(Review.Kind.SEN_SUPPORT, dt.date(2025, 10, 31)) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2024, 1, 31), 1) == dt.date(2024, 2, 29)


def test_an_ehc_pupil_s_review_defaults_to_annual(placed):
    pupil, _, user = placed
    pupil.sen_status = SENStatus.EHC_PLAN
    pupil.save()
    review = review_record(pupil=pupil, by=user, held_on=HELD)
    assert review.kind == Review.Kind.ANNUAL and review.plan is None

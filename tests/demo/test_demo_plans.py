"""The demo's support plans: agreed plans with targets linked to runs the pupil is in, past
reviews spread over overdue, due soon and later, a few drafts and a few views not yet read."""

from __future__ import annotations

import datetime as dt

import pytest

from provmap.demo.generator import DemoSummary
from provmap.outcomes.models import Contribution, Review, SupportPlan, Target
from provmap.provision.models import Placement
from provmap.pupils.models import Pupil, SENStatus
from tests.demo.conftest import TODAY

pytestmark = pytest.mark.django_db


def test_most_pupils_on_the_register_have_an_agreed_plan(demo: DemoSummary) -> None:
    on_register = Pupil.objects.filter(
        sen_status__in=[SENStatus.SUPPORT, SENStatus.EHC_PLAN], on_roll_to__isnull=True
    ).count()
    agreed = SupportPlan.objects.filter(status=SupportPlan.Status.AGREED)
    assert agreed.count() > on_register / 2
    assert SupportPlan.objects.filter(status=SupportPlan.Status.DRAFT).exists()
    # Each agreed plan has had a review; each superseded one was reviewed before it ended.
    superseded = SupportPlan.objects.filter(status=SupportPlan.Status.SUPERSEDED)
    assert superseded.exists()
    assert Review.objects.count() == agreed.count() + superseded.count()
    overdue = agreed.filter(review_due__lt=TODAY).count()
    soon = agreed.filter(review_due__gte=TODAY, review_due__lte=TODAY + dt.timedelta(days=28))
    later = agreed.filter(review_due__gt=TODAY + dt.timedelta(days=28)).count()
    assert overdue and soon.exists() and later
    assert Contribution.objects.filter(review__isnull=True).exists()


def test_targets_name_runs_their_pupil_is_in(demo: DemoSummary) -> None:
    linked = Target.objects.filter(run__isnull=False)
    assert linked.exists()
    placed = set(Placement.objects.values_list("pupil_id", "run_id"))
    assert all(pair in placed for pair in linked.values_list("pupil_id", "run_id"))
    # A target's run addresses the target's area of need.
    for target in linked.select_related("run__provision").prefetch_related("run__provision__areas"):
        assert target.need_area in {entry.area for entry in target.run.provision.areas.all()}

"""Reads about outcomes for the pages, each in one query."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from provmap.outcomes.models import (
    Contribution,
    Review,
    ReviewDecision,
    SupportPlan,
    Target,
    TargetProgress,
)
from provmap.provision.models import Placement, Provision, ProvisionRun
from provmap.pupils.models import Pupil
from provmap.schools.models import AcademicYear, School, Term


def provision_decisions(school: School, provision: Provision) -> QuerySet[ReviewDecision]:
    """Every review decision on a provision, newest first, with its year."""
    return ReviewDecision.objects.filter(school=school, provision=provision).select_related(
        "academic_year"
    )


def latest_decisions(
    school: School, academic_year: AcademicYear | None
) -> dict[int, ReviewDecision]:
    """The latest decision on each provision about a year (or about any year), by provision."""
    decisions = ReviewDecision.objects.filter(school=school)
    if academic_year is not None:
        decisions = decisions.filter(academic_year=academic_year)
    latest: dict[int, ReviewDecision] = {}
    for decision in decisions.order_by("-decided_on", "-created_at", "-pk"):
        latest.setdefault(decision.provision_id, decision)
    return latest


# --- Support plans, targets and reviews -----------------------------------------------------


@dataclass(frozen=True)
class PlanPage:
    """What a pupil's support plan page shows, read in a fixed number of queries."""

    plans: list[SupportPlan]
    current: SupportPlan | None
    draft: SupportPlan | None
    open_targets: list[Target]
    closed_targets: list[Target]
    reviews: list[Review]
    unread: list[Contribution]

    @property
    def history(self) -> list[SupportPlan]:
        """Every plan but the one shown, newest first."""
        return [plan for plan in self.plans if plan != self.current]


def _targets(pupil: Pupil) -> QuerySet[Target]:
    return Target.objects.filter(pupil=pupil).select_related("run__provision", "plan")


def unread_contributions(pupil: Pupil) -> list[Contribution]:
    """Views given before a review that no review has read yet, oldest first."""
    return list(
        Contribution.objects.filter(pupil=pupil, review__isnull=True).order_by("created_at", "pk")
    )


def plan_page(pupil: Pupil) -> PlanPage:
    """The pupil's plans (the agreed one shown, else the draft), targets, reviews and the
    views not yet read at a review: four queries."""
    plans = list(SupportPlan.objects.filter(pupil=pupil).order_by("-number"))
    by_status = {plan.status: plan for plan in plans if plan.status != "superseded"}
    current = by_status.get(SupportPlan.Status.AGREED) or by_status.get(SupportPlan.Status.DRAFT)
    targets = list(_targets(pupil))
    reviews = list(Review.objects.filter(pupil=pupil).order_by("-held_on", "-pk"))
    return PlanPage(
        plans=plans,
        current=current,
        draft=by_status.get(SupportPlan.Status.DRAFT),
        open_targets=[t for t in targets if t.status == Target.Status.OPEN],
        closed_targets=[t for t in targets if t.status != Target.Status.OPEN],
        reviews=reviews,
        unread=unread_contributions(pupil),
    )


def plan_version(pupil: Pupil, plan_id: int) -> tuple[SupportPlan, list[Target]] | None:
    """One of the pupil's plans and the targets set in it."""
    plan = SupportPlan.objects.filter(pupil=pupil, pk=plan_id).first()
    if plan is None:
        return None
    return plan, list(_targets(pupil).filter(plan=plan))


@dataclass(frozen=True)
class ReviewPage:
    review: Review
    progress: list[TargetProgress]
    set_here: list[Target]
    contributions: list[Contribution]


def review_page(pupil: Pupil, review_id: int) -> ReviewPage | None:
    """A review, its progress on each target, the targets it set and the views it read."""
    review = Review.objects.filter(pupil=pupil, pk=review_id).select_related("plan").first()
    if review is None:
        return None
    progress = list(
        TargetProgress.objects.filter(review=review).select_related("target__run__provision")
    )
    return ReviewPage(
        review=review,
        progress=progress,
        set_here=list(_targets(pupil).filter(set_at_review=review)),
        contributions=list(Contribution.objects.filter(review=review).order_by("created_at")),
    )


@dataclass(frozen=True)
class ReviewForm:
    """What the review form offers: the current plan, its open targets, the views given
    since the last review, the pupil's current places and the runs they could join."""

    plan: SupportPlan | None
    open_targets: list[Target]
    unread: list[Contribution]
    placements: list[Placement]
    joinable: list[ProvisionRun]
    last_review: Review | None


def review_form_data(pupil: Pupil, today: dt.date, term: Term | None) -> ReviewForm:
    plans = {
        plan.status: plan
        for plan in SupportPlan.objects.filter(
            pupil=pupil, status__in=[SupportPlan.Status.AGREED, SupportPlan.Status.DRAFT]
        )
    }
    placements = list(
        Placement.objects.filter(
            pupil=pupil,
            status__in=[Placement.Status.ACTIVE, Placement.Status.PLANNED],
            run__end_date__gte=today,
        )
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=today))
        .select_related("run__provision")
        .order_by("run__start_date", "pk")
    )
    joinable: list[ProvisionRun] = []
    if term is not None:
        joinable = list(
            ProvisionRun.objects.filter(term=term, end_date__gte=today)
            .exclude(status=ProvisionRun.Status.CLOSED)
            .exclude(placements__pupil=pupil)
            .select_related("provision")
            .order_by("provision__name", "label")
        )
    return ReviewForm(
        plan=plans.get(SupportPlan.Status.AGREED) or plans.get(SupportPlan.Status.DRAFT),
        open_targets=list(_targets(pupil).filter(status=Target.Status.OPEN)),
        unread=unread_contributions(pupil),
        placements=placements,
        joinable=joinable,
        last_review=Review.objects.filter(pupil=pupil).order_by("-held_on", "-pk").first(),
    )

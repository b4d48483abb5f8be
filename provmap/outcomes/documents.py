"""What a support plan, a review record, a parent's highlighted provision map and a teacher's
one-page profiles show: reads for the documents (pages and PDFs), each a fixed number of
queries whatever the number of targets, runs or pupils.

Nothing here carries a cost, and the provision map names no pupil: its rows say how big each
group is, and which are the child's own.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q, QuerySet

from provmap.formatting import counted
from provmap.outcomes.models import Contribution, Review, SupportPlan, Target, TargetProgress
from provmap.provision.models import Placement, ProvisionRun, RunStaff
from provmap.pupils.models import Pupil, Visibility
from provmap.schools.models import Term

# What a parent reads for a target's status: plain words, not the staff's.
PARENT_STATUS: dict[str, str] = {
    Target.Status.OPEN: "Working on it",
    Target.Status.MET: "Met",
    Target.Status.ENDED: "Stopped",
}


def how_often(run: ProvisionRun) -> str:
    """'2 sessions a week, 30 minutes each (Tuesday period 3)'."""
    text = (
        f"{counted(run.sessions_per_week, 'session')} a week, "
        f"{run.minutes_per_session} minutes each"
    )
    return f"{text} ({run.day_time})" if run.day_time else text


def led_by(run: ProvisionRun) -> str:
    """Who leads a run: its lead, else the first of its staff (prefetched), else nobody yet."""
    if run.lead_staff is not None:
        return f"{run.lead_staff.name} ({run.lead_staff.get_role_display()})"
    for line in run.staff_lines.all():
        return f"{line.staff.name} ({line.staff.get_role_display()})"
    return "To be confirmed"


@dataclass
class TargetLine:
    """A target with the provision that serves it (no cost) and its progress at a review."""

    target: Target
    progress: TargetProgress | None = None

    @property
    def provision(self) -> str:
        run = self.target.run
        return run.provision.name if run is not None else ""

    @property
    def how_often(self) -> str:
        return how_often(self.target.run) if self.target.run is not None else ""

    @property
    def led_by(self) -> str:
        return led_by(self.target.run) if self.target.run is not None else ""

    @property
    def parent_status(self) -> str:
        return PARENT_STATUS.get(self.target.status, self.target.get_status_display())


@dataclass
class PlanDocument:
    """A pupil's plan as a document: the plan (a given version, else the agreed one, else
    none), the open targets, the targets the last review closed, and the last review with its
    progress on each target."""

    pupil: Pupil
    plan: SupportPlan | None
    open_targets: list[TargetLine]
    closed_targets: list[TargetLine]
    last_review: Review | None
    progress: list[TargetLine]
    # A draft being written (what a parent is told when there is no agreed plan yet).
    draft: SupportPlan | None = None

    @property
    def next_review(self) -> dt.date | None:
        """The later of the plan's review date and the date the last review set."""
        dates = [
            date
            for date in (
                self.plan.review_due if self.plan else None,
                self.last_review.next_review_due if self.last_review else None,
            )
            if date is not None
        ]
        return max(dates) if dates else None

    @property
    def involved(self) -> list[str]:
        if self.plan is None:
            return []
        return [line.strip() for line in self.plan.involved.splitlines() if line.strip()]


def _runs_with_staff() -> Prefetch:
    return Prefetch("run__staff_lines", queryset=RunStaff.objects.select_related("staff"))


def _targets() -> QuerySet[Target]:
    return Target.objects.select_related("run__provision", "run__lead_staff").prefetch_related(
        _runs_with_staff()
    )


def plan_document(pupil: Pupil, plan: SupportPlan | None = None) -> PlanDocument:
    """What a plan document shows (5 queries, or 4 with `plan` given)."""
    draft = None
    if plan is None:
        plans = list(
            SupportPlan.objects.filter(
                pupil=pupil, status__in=[SupportPlan.Status.AGREED, SupportPlan.Status.DRAFT]
            )
        )
        plan = next((p for p in plans if p.status == SupportPlan.Status.AGREED), None)
        draft = next((p for p in plans if p.status == SupportPlan.Status.DRAFT), None)
    last_review = Review.objects.filter(pupil=pupil).order_by("-held_on", "-pk").first()
    closed_here = Q(closed_by=last_review) if last_review is not None else Q(pk__in=[])
    targets = list(
        _targets().filter(pupil=pupil).filter(Q(status=Target.Status.OPEN) | closed_here)
    )
    progress = _progress(last_review)
    return PlanDocument(
        pupil=pupil,
        plan=plan,
        open_targets=[
            TargetLine(t, progress.get(t.pk)) for t in targets if t.status == Target.Status.OPEN
        ],
        closed_targets=[
            TargetLine(t, progress.get(t.pk)) for t in targets if t.status != Target.Status.OPEN
        ],
        last_review=last_review,
        progress=_progress_lines(progress),
        draft=draft,
    )


def _progress(review: Review | None) -> dict[int, TargetProgress]:
    """Progress on each target at a review, by target (one query; none without a review)."""
    if review is None:
        return {}
    rows = TargetProgress.objects.filter(review=review).select_related(
        "target__run__provision", "target__run__lead_staff"
    )
    return {row.target_id: row for row in rows}


def _progress_lines(progress: dict[int, TargetProgress]) -> list[TargetLine]:
    rows = sorted(progress.values(), key=lambda row: (row.target.position, row.target_id))
    return [TargetLine(row.target, row) for row in rows]


@dataclass
class ReviewDocument:
    """A review record: the meeting, progress on each target, the views it read, the
    targets it closed and set."""

    review: Review
    progress: list[TargetLine]
    views: list[Contribution]
    targets_set: list[TargetLine]
    targets_closed: list[TargetLine] = field(default_factory=list)


def review_document(review: Review) -> ReviewDocument:
    """What a review record shows (4 queries)."""
    progress = _progress(review)
    targets = list(_targets().filter(Q(set_at_review=review) | Q(closed_by=review)))
    views = list(Contribution.objects.filter(review=review).order_by("created_at", "pk"))
    return ReviewDocument(
        review=review,
        progress=_progress_lines(progress),
        views=views,
        targets_set=[TargetLine(t) for t in targets if t.set_at_review_id == review.pk],
        targets_closed=[
            TargetLine(t, progress.get(t.pk)) for t in targets if t.closed_by_id == review.pk
        ],
    )


def _in_term(term: Term, prefix: str = "") -> Q:
    return Q(
        **{f"{prefix}start_date__lte": term.end_date, f"{prefix}end_date__gte": term.start_date}
    )


@dataclass
class HelpLine:
    """One run a pupil is in: what, when, how often, who leads."""

    placement: Placement

    @property
    def run(self) -> ProvisionRun:
        return self.placement.run

    @property
    def how_often(self) -> str:
        return how_often(self.run)

    @property
    def led_by(self) -> str:
        return led_by(self.run)


def help_this_term(pupil: Pupil, term: Term | None) -> list[HelpLine]:
    """The runs a pupil is in during a term, not withdrawn from (2 queries)."""
    if term is None:
        return []
    placements = (
        Placement.objects.filter(pupil=pupil)
        .exclude(status=Placement.Status.WITHDRAWN)
        .filter(_in_term(term, "run__"))
        .select_related("run__provision", "run__lead_staff")
        .prefetch_related(_runs_with_staff())
        .order_by("run__start_date", "run__provision__name", "pk")
    )
    return [HelpLine(placement) for placement in placements]


@dataclass
class MapRow:
    run: ProvisionRun
    group_size: int
    # The child's own row, highlighted.
    own: bool

    @property
    def how_often(self) -> str:
        return how_often(self.run)


@dataclass
class ChildMap:
    pupil: Pupil
    term: Term
    rows: list[MapRow]

    @property
    def own_rows(self) -> list[MapRow]:
        return [row for row in self.rows if row.own]


def child_map(pupil: Pupil, term: Term) -> ChildMap:
    """The provisions the school runs for the child's year group in a term (what, how often,
    how many in the group), the child's own rows marked: never another pupil's name, never a
    cost (3 queries)."""
    taking_part = ~Q(status=Placement.Status.WITHDRAWN)
    in_term = Placement.objects.filter(taking_part).filter(_in_term(term, "run__"))
    own_runs = set(in_term.filter(pupil=pupil).values_list("run_id", flat=True))
    run_ids = set(
        in_term.filter(pupil__nc_year=pupil.nc_year, pupil__archived_at__isnull=True).values_list(
            "run_id", flat=True
        )
    )
    runs = (
        ProvisionRun.objects.filter(pk__in=sorted(run_ids | own_runs))
        .select_related("provision")
        .annotate(
            group_size=Count(
                "placements",
                filter=~Q(placements__status=Placement.Status.WITHDRAWN),
                distinct=True,
            )
        )
        .order_by("provision__wave", "provision__name", "start_date", "pk")
    )
    rows = [MapRow(run, run.group_size, run.pk in own_runs) for run in runs]
    return ChildMap(pupil=pupil, term=term, rows=rows)


@dataclass
class ProfilesPage:
    plans: list[SupportPlan]
    forms: list[str]
    form: str


def profiles(scope: Visibility, *, form: str = "") -> ProfilesPage:
    """The one-page profiles (agreed plans) of the pupils a user may see, by form then name,
    narrowed to one form or teaching group when asked (2 queries)."""
    visible = Pupil.objects.visible_to(scope)
    plans = SupportPlan.objects.filter(
        status=SupportPlan.Status.AGREED, pupil__in=visible.values("pk")
    )
    forms = sorted(set(plans.exclude(pupil__form="").values_list("pupil__form", flat=True)))
    if form:
        plans = plans.filter(pupil__form=form)
    ordered = plans.select_related("pupil").order_by(
        "pupil__form", "pupil__surname", "pupil__legal_forename", "pupil__pk"
    )
    return ProfilesPage(plans=list(ordered), forms=forms, form=form)


def agreed_plan(pupil: Pupil) -> SupportPlan | None:
    """The pupil's agreed plan, if any (1 query)."""
    return SupportPlan.objects.filter(pupil=pupil, status=SupportPlan.Status.AGREED).first()

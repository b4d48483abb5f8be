"""Reviews due: every pupil a user may see on SEN support or with an EHC plan, their agreed
plan and last reviews, judged by `rhythm`. One query whatever the number of pupils (the plan
and the reviews are read as subqueries of the pupils' query)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet, Subquery

from provmap.formatting import counted, plural
from provmap.outcomes import rhythm
from provmap.outcomes.models import Review, SupportPlan
from provmap.pupils.models import NC_YEAR_ORDER, Pupil, SENStatus, Visibility
from provmap.schools.models import School

KINDS = {SENStatus.SUPPORT: "sen_support", SENStatus.EHC_PLAN: "ehc_plan"}
KIND_CHOICES = [("sen_support", "SEN support"), ("ehc_plan", "EHC plan")]


@dataclass(frozen=True)
class DueRow:
    pupil: Pupil
    judgement: rhythm.Judgement
    plan_id: int | None
    last_review_on: dt.date | None
    last_review_kind: str

    @property
    def kind(self) -> str:
        return KINDS.get(SENStatus(self.pupil.sen_status), "")

    @property
    def kind_label(self) -> str:
        return dict(KIND_CHOICES).get(self.kind, "")

    @property
    def last_review_label(self) -> str:
        return dict(Review.Kind.choices).get(self.last_review_kind, "")

    @property
    def review_label(self) -> str:
        """Which review is due first."""
        if self.judgement.annual_first:
            return "Annual review"
        return "Review"


@dataclass(frozen=True)
class ReviewsDue:
    """The rows in four lists, each in the order the page shows it."""

    overdue: list[DueRow] = field(default_factory=list)
    due_soon: list[DueRow] = field(default_factory=list)
    no_plan: list[DueRow] = field(default_factory=list)
    later: list[DueRow] = field(default_factory=list)

    @property
    def rows(self) -> list[DueRow]:
        """Every row in the page's order: overdue, due soon, no agreed plan, later."""
        return [*self.overdue, *self.due_soon, *self.no_plan, *self.later]

    @property
    def pupils(self) -> list[Pupil]:
        return [row.pupil for row in self.rows]

    def narrowed(self, *, nc_year: str = "", kind: str = "") -> ReviewsDue:
        def keep(rows: list[DueRow]) -> list[DueRow]:
            return [
                row
                for row in rows
                if (not nc_year or row.pupil.nc_year == nc_year) and (not kind or row.kind == kind)
            ]

        return ReviewsDue(
            overdue=keep(self.overdue),
            due_soon=keep(self.due_soon),
            no_plan=keep(self.no_plan),
            later=keep(self.later),
        )

    @property
    def year_groups(self) -> list[str]:
        """The year groups of the rows, in school order (what the filter offers)."""
        years = {row.pupil.nc_year for row in self.rows}
        return sorted(years, key=lambda year: NC_YEAR_ORDER.get(year, 99))


@dataclass(frozen=True)
class DueCounts:
    overdue: int
    due_soon: int

    @property
    def any(self) -> bool:
        return bool(self.overdue or self.due_soon)

    @property
    def sentence(self) -> str:
        """'3 reviews are overdue and 5 are due in the next 4 weeks.' ('' when none)."""
        overdue = f"{plural(self.overdue, 'is', 'are')} overdue"
        soon = f"{plural(self.due_soon, 'is', 'are')} due in the next 4 weeks"
        if self.overdue and self.due_soon:
            return f"{counted(self.overdue, 'review')} {overdue} and {self.due_soon} {soon}."
        if self.overdue:
            return f"{counted(self.overdue, 'review')} {overdue}."
        if self.due_soon:
            return f"{counted(self.due_soon, 'review')} {soon}."
        return ""


def _pupils(school: School, scope: Visibility, today: dt.date) -> QuerySet[Pupil]:
    plans = SupportPlan.objects.filter(pupil=OuterRef("pk"), status=SupportPlan.Status.AGREED)
    reviews = Review.objects.filter(pupil=OuterRef("pk")).order_by("-held_on", "-pk")
    annual = reviews.filter(kind=Review.Kind.ANNUAL)
    termly = Review.objects.filter(
        pupil=OuterRef("pk"), kind__in=[Review.Kind.SEN_SUPPORT, Review.Kind.INTERIM]
    )
    # A scope reaching pupils through their runs joins placements: each pupil once.
    ids = Pupil.objects.filter(school=school).visible_to(scope).values("pk")
    return (
        Pupil.objects.filter(
            school=school,
            pk__in=ids,
            sen_status__in=[SENStatus.SUPPORT, SENStatus.EHC_PLAN],
        )
        .filter(Q(on_roll_to__isnull=True) | Q(on_roll_to__gte=today), on_roll_from__lte=today)
        .annotate(
            plan_pk=Subquery(plans.values("pk")[:1]),
            plan_agreed_on=Subquery(plans.values("agreed_on")[:1]),
            plan_review_due=Subquery(plans.values("review_due")[:1]),
            last_held_on=Subquery(reviews.values("held_on")[:1]),
            last_kind=Subquery(reviews.values("kind")[:1]),
            last_next_due=Subquery(reviews.values("next_review_due")[:1]),
            annual_held_on=Subquery(annual.values("held_on")[:1]),
            termly_recorded=Exists(termly),
        )
        .order_by("surname", "legal_forename", "pk")
    )


def _row(pupil: Pupil, today: dt.date, window: int) -> DueRow | None:
    values = pupil.__dict__
    plan = (
        rhythm.Plan(agreed_on=values["plan_agreed_on"], review_due=values["plan_review_due"])
        if values["plan_agreed_on"] is not None
        else None
    )
    last = (
        rhythm.Held(held_on=values["last_held_on"], next_review_due=values["last_next_due"])
        if values["last_held_on"] is not None
        else None
    )
    annual = rhythm.Held(held_on=values["annual_held_on"]) if values["annual_held_on"] else None
    judgement = rhythm.judge(
        sen_status=pupil.sen_status,
        plan=plan,
        last=last,
        last_annual=annual,
        termly_recorded=bool(values["termly_recorded"]),
        today=today,
        window=window,
    )
    if judgement is None:
        return None
    return DueRow(
        pupil=pupil,
        judgement=judgement,
        plan_id=values["plan_pk"],
        last_review_on=values["last_held_on"],
        last_review_kind=values["last_kind"] or "",
    )


def reviews_due(
    school: School, scope: Visibility, *, today: dt.date, window: int = rhythm.DUE_SOON_DAYS
) -> ReviewsDue:
    """Every pupil in `scope` on SEN support or with an EHC plan, on roll today, judged:
    overdue (most days late first), due soon (soonest first), no agreed plan (by name),
    later (soonest first). One query."""
    rows = [row for pupil in _pupils(school, scope, today) if (row := _row(pupil, today, window))]
    by_state: dict[rhythm.State, list[DueRow]] = {state: [] for state in rhythm.State}
    for row in rows:
        by_state[row.judgement.state].append(row)

    def soonest(row: DueRow) -> dt.date:
        return row.judgement.due or dt.date.max

    return ReviewsDue(
        overdue=sorted(by_state[rhythm.State.OVERDUE], key=lambda r: -r.judgement.days_late),
        due_soon=sorted(by_state[rhythm.State.DUE_SOON], key=soonest),
        no_plan=by_state[rhythm.State.NO_PLAN],
        later=sorted(by_state[rhythm.State.LATER], key=soonest),
    )


def due_counts(school: School, scope: Visibility, *, today: dt.date) -> DueCounts:
    """How many of the user's pupils' reviews are overdue and due in the next 4 weeks (the
    reminder on the staff home pages). One query."""
    found = reviews_due(school, scope, today=today)
    return DueCounts(overdue=len(found.overdue), due_soon=len(found.due_soon))


@dataclass(frozen=True)
class OnTime:
    """The school's SEN support and annual reviews held in a period, judged: how many were
    held by their due date, of how many, for how many pupils."""

    on_time: int
    held: int
    pupils: int


def reviews_held_on_time(school: School, *, start: dt.date, end: dt.date) -> OnTime:
    """Reviews held from `start` to `end` (the school's, not a user's: a figure, never a
    pupil), each judged from the one before (`rhythm.held_on_time`). One query."""
    first_agreed = (
        SupportPlan.objects.filter(pupil=OuterRef("pupil"), agreed_on__isnull=False)
        .order_by("agreed_on")
        .values("agreed_on")[:1]
    )
    rows = (
        Review.objects.filter(school=school, held_on__lte=end)
        .annotate(first_agreed=Subquery(first_agreed))
        .order_by("pupil_id", "held_on", "pk")
        .values_list("pupil_id", "held_on", "kind", "next_review_due", "first_agreed")
    )
    by_pupil: dict[int, tuple[dt.date | None, list[rhythm.Reviewed]]] = {}
    for pupil_id, held_on, kind, next_due, agreed in rows:
        by_pupil.setdefault(pupil_id, (agreed, []))[1].append(
            rhythm.Reviewed(held_on=held_on, kind=kind, next_review_due=next_due)
        )
    on_time = held = pupils = 0
    for agreed, reviews in by_pupil.values():
        pupil_on_time, judged = rhythm.held_on_time(reviews, agreed, start=start, end=end)
        on_time += pupil_on_time
        held += judged
        pupils += bool(judged)
    return OnTime(on_time=on_time, held=held, pupils=pupils)

"""What the school decides with the evidence and with the pupil and their parents: the review
decision on a provision (continue, change or stop, with the figures it was made on kept beside
it), and each pupil's support plan, targets, reviews and the views given before them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from provmap.provision.models import Provision, ProvisionRun
from provmap.pupils.models import Pupil
from provmap.pupils.needs import Area as NeedArea
from provmap.schools.bounds import EVIDENCE_MONTHS, InDates
from provmap.schools.models import AcademicYear, SchoolOwned, in_this_century, within


class ReviewDecision(SchoolOwned):
    """A termly or annual review's decision about one provision in one academic year.

    The verdict, recommendation and effect are copies of what the impact page showed when the
    decision was recorded: the figures change as results come in, and a review must be read
    later against the evidence the reviewer actually had.
    """

    class Decision(models.TextChoices):
        CONTINUE = "continue", "Continue"
        CHANGE = "change", "Change"
        STOP = "stop", "Stop"

    provision = models.ForeignKey(
        Provision, on_delete=models.PROTECT, related_name="review_decisions"
    )
    academic_year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="+")
    decision = models.CharField(max_length=10, choices=Decision.choices)
    note = models.TextField(blank=True)
    # The evidence as shown when the decision was made.
    verdict = models.CharField("verdict shown", max_length=300)
    recommendation = models.CharField("recommendation shown", max_length=40, blank=True)
    effect_basis = models.CharField(
        max_length=10, blank=True, help_text="adjusted, raw, or blank when there was no effect."
    )
    effect = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    effect_low = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    effect_high = models.DecimalField(max_digits=6, decimal_places=3, null=True, blank=True)
    months = models.SmallIntegerField("EEF months", null=True, blank=True)
    pupils = models.PositiveIntegerField("pupils with entry and exit results", default=0)
    cost_per_pupil = models.DecimalField(max_digits=9, decimal_places=2, null=True, blank=True)
    # Who decided: the account, and their name as it was (kept if the account goes).
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    decided_by_name = models.CharField(max_length=150)
    decided_on = models.DateField(validators=[InDates("school", "The date of the decision")])
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-decided_on", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(decision__in=["continue", "change", "stop"]),
                name="review_decision_known",
            ),
            models.CheckConstraint(
                condition=Q(effect_low__isnull=True)
                | Q(effect_high__isnull=True)
                | Q(effect_low__lte=F("effect_high")),
                name="review_decision_interval_in_order",
            ),
            # Copies of what the impact page worked out: EEF months run from -12 to 12 and a
            # cost per pupil is never negative.
            models.CheckConstraint(
                condition=within("months", EVIDENCE_MONTHS, nullable=True)
                & (Q(cost_per_pupil__isnull=True) | Q(cost_per_pupil__gte=0))
                & in_this_century("decided_on"),
                name="review_decision_figures_in_bounds",
            ),
        ]
        indexes = [models.Index(fields=["school", "provision", "academic_year"])]

    def __str__(self) -> str:
        return f"{self.provision}: {self.get_decision_display()} ({self.decided_on:%d/%m/%Y})"


# --- Support plans: assess, plan, do, review with the pupil and their parents ---------------


class SupportPlan(SchoolOwned):
    """A pupil's support plan: the one-page profile in their own words, their needs and the
    outcomes sought, who is involved. A plan is a document with versions: one draft being
    written, one agreed (with when and by whom), the earlier ones superseded and kept.

    Targets are the pupil's (`Target.pupil`) and name the plan they were set in, so a review
    can close targets and set new ones without re-agreeing the whole document.
    """

    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        AGREED = "agreed", "Agreed"
        SUPERSEDED = "superseded", "Superseded"

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="support_plans")
    # 1 for the pupil's first plan, then 2, 3...: what "version 3" means to a parent.
    number = models.PositiveSmallIntegerField(default=1)
    status = models.CharField(max_length=12, choices=Status.choices, default=Status.DRAFT)
    # The one-page profile, in the pupil's own words.
    about_me = models.TextField("what people like and admire about me", blank=True)
    does_well = models.TextField("what I do well", blank=True)
    finds_hard = models.TextField("what I find hard", blank=True)
    helps_me = models.TextField("what helps me", blank=True)
    # The staff's summary of need and the longer-term outcomes the targets lead to.
    needs = models.TextField("my needs", blank=True)
    outcomes = models.TextField("outcomes we are working towards", blank=True)
    pupil_view = models.TextField("the pupil's view", blank=True)
    parent_view = models.TextField("the parent's view", blank=True)
    involved = models.TextField(
        "who is involved", blank=True, help_text="Names and roles, one a line."
    )
    review_due = models.DateField(
        "next review due",
        null=True,
        blank=True,
        validators=[InDates("school", "The next review date")],
    )
    agreed_on = models.DateField(
        null=True, blank=True, validators=[InDates("school", "The date the plan was agreed")]
    )
    agreed_with = models.CharField(
        "agreed with",
        max_length=300,
        blank=True,
        help_text="Who agreed it, e.g. 'Mrs Patel (mother), Sam'.",
    )
    agreed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    # Bumped on every edit, so that two people editing one plan cannot overwrite each other.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["pupil", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["pupil", "number"], name="support_plan_number_once"),
            models.UniqueConstraint(
                fields=["pupil"], condition=Q(status="draft"), name="support_plan_one_draft"
            ),
            models.UniqueConstraint(
                fields=["pupil"], condition=Q(status="agreed"), name="support_plan_one_agreed"
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "agreed", "superseded"]),
                name="support_plan_status_known",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(agreed_on__isnull=False),
                name="support_plan_agreed_has_date",
            ),
            models.CheckConstraint(
                condition=in_this_century("agreed_on", nullable=True)
                & in_this_century("review_due", nullable=True),
                name="support_plan_dates_in_bounds",
            ),
        ]
        indexes = [models.Index(fields=["school", "status", "review_due"])]

    def __str__(self) -> str:
        return f"{self.pupil}: support plan {self.number} ({self.get_status_display()})"


class Review(SchoolOwned):
    """A review meeting (Kent's appendix 3e): who took part, progress on each target, the
    pupil's and the parent's views, next steps. SEN support is reviewed at least three times
    a year; an EHC plan has its annual review."""

    class Kind(models.TextChoices):
        SEN_SUPPORT = "sen_support", "SEN support review"
        ANNUAL = "annual", "EHC plan annual review"
        INTERIM = "interim", "Interim review"

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="reviews")
    plan = models.ForeignKey(
        SupportPlan, null=True, blank=True, on_delete=models.SET_NULL, related_name="reviews"
    )
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.SEN_SUPPORT)
    held_on = models.DateField(validators=[InDates("school", "The date of the review")])
    participants = models.TextField("who took part", blank=True)
    pupil_view = models.TextField("the pupil's view", blank=True)
    parent_view = models.TextField("the parent's view", blank=True)
    next_steps = models.TextField("next steps", blank=True)
    next_review_due = models.DateField(
        null=True, blank=True, validators=[InDates("school", "The next review date")]
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by_name = models.CharField(max_length=150, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pupil", "-held_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["sen_support", "annual", "interim"]),
                name="review_kind_known",
            ),
            models.CheckConstraint(
                condition=in_this_century("held_on")
                & in_this_century("next_review_due", nullable=True),
                name="review_dates_in_bounds",
            ),
            models.CheckConstraint(
                condition=Q(next_review_due__isnull=True) | Q(next_review_due__gt=F("held_on")),
                name="review_next_after_held",
            ),
        ]
        indexes = [models.Index(fields=["school", "pupil", "held_on"])]

    def __str__(self) -> str:
        return f"{self.pupil}: {self.get_kind_display()} {self.held_on:%d/%m/%Y}"


class Target(SchoolOwned):
    """A target: what the pupil will achieve, how we will know, the strategies, the provision
    (a run) that serves it, when it starts and is reviewed. Open until a review finds it met
    or ends it."""

    class Status(models.TextChoices):
        OPEN = "open", "Working on it"
        MET = "met", "Met"
        ENDED = "ended", "Ended, not met"

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="targets")
    plan = models.ForeignKey(SupportPlan, on_delete=models.CASCADE, related_name="targets")
    # The review that set it, when it was set at a review rather than in the plan.
    set_at_review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="targets_set"
    )
    need_area = models.CharField("area of need", max_length=4, choices=NeedArea.choices, blank=True)
    description = models.TextField("target")
    criteria = models.TextField("how we will know (achievement criteria)", blank=True)
    strategies = models.TextField("strategies and support", blank=True)
    run = models.ForeignKey(
        ProvisionRun,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="targets",
        verbose_name="provision that serves it",
    )
    start_date = models.DateField(validators=[InDates("school", "The target's start date")])
    review_date = models.DateField(validators=[InDates("school", "The target's review date")])
    status = models.CharField(max_length=6, choices=Status.choices, default=Status.OPEN)
    closed_on = models.DateField(null=True, blank=True)
    closed_by = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="targets_closed"
    )
    position = models.PositiveSmallIntegerField(default=0)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["pupil", "position", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["open", "met", "ended"]), name="target_status_known"
            ),
            models.CheckConstraint(
                condition=Q(review_date__gte=F("start_date")), name="target_dates_in_order"
            ),
            models.CheckConstraint(
                condition=Q(status="open", closed_on__isnull=True)
                | (~Q(status="open") & Q(closed_on__isnull=False)),
                name="target_closed_has_date",
            ),
            models.CheckConstraint(
                condition=in_this_century("start_date")
                & in_this_century("review_date")
                & in_this_century("closed_on", nullable=True),
                name="target_dates_in_bounds",
            ),
        ]
        indexes = [models.Index(fields=["school", "pupil", "status"])]

    def __str__(self) -> str:
        return self.description[:60]


class TargetProgress(SchoolOwned):
    """Progress on one target at one review: met, partly or not yet, with a comment."""

    class Progress(models.TextChoices):
        MET = "met", "Met"
        PARTLY = "partly", "Partly met"
        NOT_YET = "not_yet", "Not yet"

    review = models.ForeignKey(Review, on_delete=models.CASCADE, related_name="progress")
    target = models.ForeignKey(Target, on_delete=models.CASCADE, related_name="progress")
    progress = models.CharField(max_length=8, choices=Progress.choices)
    comment = models.TextField(blank=True)

    class Meta:
        ordering = ["review", "target__position", "target__pk"]
        constraints = [
            models.UniqueConstraint(fields=["review", "target"], name="target_progress_once"),
            models.CheckConstraint(
                condition=Q(progress__in=["met", "partly", "not_yet"]),
                name="target_progress_known",
            ),
        ]


class Contribution(SchoolOwned):
    """A view given before a review: a parent's, written by them when they sign in, or the
    pupil's, recorded by staff with the pupil. The next review shows those it has not yet
    read and marks them read (`review`)."""

    class Voice(models.TextChoices):
        PARENT = "parent", "Parent or carer"
        PUPIL = "pupil", "Pupil"

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="contributions")
    voice = models.CharField(max_length=6, choices=Voice.choices)
    text = models.TextField()
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    author_name = models.CharField(max_length=150)
    created_at = models.DateTimeField(auto_now_add=True)
    review = models.ForeignKey(
        Review, null=True, blank=True, on_delete=models.SET_NULL, related_name="contributions"
    )

    class Meta:
        ordering = ["pupil", "-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(voice__in=["parent", "pupil"]), name="contribution_voice_known"
            ),
        ]

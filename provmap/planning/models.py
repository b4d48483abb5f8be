"""Planning the next term (Kent's steps 2 to 5 and 8): the needs audit (pupils against kinds
of provision, each cell must, should or could), the lessons a year group has of each subject
(what a withdrawal misses), and the planner's proposals (plans of runs and who goes in each),
compared side by side and accepted into planned runs."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from provmap.provision.models import Provision, ProvisionRun
from provmap.pupils.models import NCYear, Pupil
from provmap.pupils.needs import Area
from provmap.schools.models import FundingStream, SchoolOwned, StaffMember, Term


class Level(models.TextChoices):
    """How much a pupil needs a kind of provision (seed 001's prioritisation)."""

    MUST = "must", "Must"
    SHOULD = "should", "Should"
    COULD = "could", "Could"


LEVEL_ORDER = {Level.MUST: 0, Level.SHOULD: 1, Level.COULD: 2}


class NeedKind(SchoolOwned):
    """A column of the needs audit: a kind of provision a pupil may need (structured literacy,
    numeracy, language, coordination, counselling, SEMH group work, in-class support,
    curriculum adaptation, other). Editable by the school; the catalogue entries that meet it
    say what the planner may propose for it."""

    name = models.CharField(max_length=80)
    area = models.CharField("area of need", max_length=4, choices=Area.choices, blank=True)
    position = models.PositiveSmallIntegerField(default=0)
    active = models.BooleanField(default=True)
    provisions = models.ManyToManyField(
        Provision,
        blank=True,
        related_name="need_kinds",
        verbose_name="catalogue entries that meet it",
    )

    class Meta:
        ordering = ["position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="need_kind_name_once"),
        ]

    def __str__(self) -> str:
        return self.name


class NeedsAudit(SchoolOwned):
    """The audit of projected need for one term (Kent's appendix 2): every pupil of the
    school may have cells; a year group's audit is the same audit filtered."""

    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "term"], name="needs_audit_once_a_term"),
        ]

    def __str__(self) -> str:
        return f"Needs audit for {self.term}"


class AuditCell(SchoolOwned):
    """One pupil's need for one kind of provision: must, should or could, why (what the
    pre-fill found, or the SENCO's note) and whether the SENCO set it by hand (a hand-set cell
    is never overwritten by a later pre-fill)."""

    audit = models.ForeignKey(NeedsAudit, on_delete=models.CASCADE, related_name="cells")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="audit_cells")
    kind = models.ForeignKey(NeedKind, on_delete=models.CASCADE, related_name="cells")
    level = models.CharField(max_length=6, choices=Level.choices)
    reason = models.CharField(max_length=300, blank=True)
    set_by_hand = models.BooleanField(default=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["audit", "pupil", "kind"], name="audit_cell_once"),
            models.CheckConstraint(
                condition=Q(level__in=["must", "should", "could"]), name="audit_cell_level_known"
            ),
        ]
        indexes = [models.Index(fields=["school", "audit", "kind"])]


class SubjectLessons(SchoolOwned):
    """How many lessons a week a year group has of a subject: what "misses 3 of 4 English
    lessons a week" is counted against."""

    nc_year = models.CharField("year group", max_length=2, choices=NCYear.choices)
    subject = models.CharField(max_length=60)
    lessons_per_week = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["nc_year", "subject"]
        constraints = [
            models.UniqueConstraint(
                fields=["school", "nc_year", "subject"], name="subject_lessons_once"
            ),
            models.CheckConstraint(
                condition=Q(lessons_per_week__gte=1, lessons_per_week__lte=40),
                name="subject_lessons_in_bounds",
            ),
        ]


class Plan(SchoolOwned):
    """A proposal for a term's provision, made by the planner from the audit, the catalogue,
    staff hours and budgets (or copied and edited): its runs, who goes in each, and the needs
    it leaves unmet, each with the reason. Several can be compared ("the budget cut by 10%");
    one is accepted into planned runs."""

    class Status(models.TextChoices):
        DRAFT = "draft", "Proposal"
        ACCEPTED = "accepted", "Accepted"

    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=120)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    # The budget the plan was made within, as a share of each stream's (1.00 = the budget
    # as set; 0.90 = cut by 10%), and what the solver reported.
    budget_share = models.DecimalField(max_digits=4, decimal_places=2, default=1)
    settings_note = models.TextField(blank=True)
    solver_status = models.CharField(max_length=120, blank=True)
    # Needs the plan leaves unmet, each {"pupil": id, "kind": id, "level": ..., "reason": ...}.
    unmet = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return self.name


class PlanRun(SchoolOwned):
    """A run the plan proposes: which provision, for which need, led by whom, when, how big,
    at what cost, and why it was chosen. Accepting the plan makes it a planned run."""

    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="runs")
    provision = models.ForeignKey(Provision, on_delete=models.PROTECT, related_name="+")
    kind = models.ForeignKey(
        NeedKind, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    staff = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    funding_stream = models.ForeignKey(
        FundingStream, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    weekday = models.PositiveSmallIntegerField(null=True, blank=True)
    start_time = models.TimeField(null=True, blank=True)
    withdrawn_from = models.CharField(max_length=60, blank=True)
    cost = models.DecimalField(max_digits=10, decimal_places=2, default=0)
    why = models.TextField(blank=True)
    # The run it became when the plan was accepted.
    run = models.ForeignKey(
        ProvisionRun, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["plan", "provision__name", "pk"]


class PlanPlace(SchoolOwned):
    """A pupil the plan puts in one of its runs, for a need of the audit."""

    plan_run = models.ForeignKey(PlanRun, on_delete=models.CASCADE, related_name="places")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    level = models.CharField(max_length=6, choices=Level.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["plan_run", "pupil"], name="plan_place_once"),
        ]

"""What the school decides after looking at the evidence: for now, the review decision on a
provision (continue, change or stop), with the figures it was made on kept beside it."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from provmap.provision.models import Provision
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

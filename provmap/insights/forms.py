"""The form of the impact pages: a review's decision on a provision."""

from __future__ import annotations

from django import forms

from provmap.outcomes.models import ReviewDecision
from provmap.outcomes.services import NOTE_MAX_LENGTH


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label="Decision",
        choices=ReviewDecision.Decision.choices,
        widget=forms.RadioSelect,
    )
    decided_on = forms.DateField(
        label="Date of the review",
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    note = forms.CharField(
        label="Note",
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="What was agreed and why: what to change, who will do it, when to look again.",
    )

"""The register of one session: held or not (and why), minutes, a note, and for each pupil
due "Attended" or "Absent" with a reason."""

from __future__ import annotations

from typing import Any

from django import forms

from provmap.provision.models import Placement, RunSession, SessionAttendance
from provmap.provision.registers import Mark

HELD = "held"
NOT_HELD = "not_held"


class RegisterForm(forms.Form):
    held = forms.ChoiceField(
        label="Was the session held?",
        choices=[(HELD, "Session held"), (NOT_HELD, "Session not held")],
        widget=forms.RadioSelect(attrs={"class": "tap-choices"}),
        initial=HELD,
    )
    not_held_reason = forms.ChoiceField(
        label="Why it was not held",
        choices=[("", "Choose a reason"), *RunSession.NotHeld.choices],
        required=False,
    )
    minutes = forms.IntegerField(
        label="Minutes", min_value=1, widget=forms.NumberInput(attrs={"inputmode": "numeric"})
    )
    note = forms.CharField(
        label="Significant outcomes",
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Anything notable from the session, for the pupils' reviews.",
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, due: list[Placement], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.due = due
        for placement in due:
            self.fields[f"mark-{placement.pk}"] = forms.ChoiceField(
                label=placement.pupil.full_name,
                choices=SessionAttendance.Mark.choices,
                widget=forms.RadioSelect(attrs={"class": "tap-choices"}),
                required=False,
            )
            self.fields[f"reason-{placement.pk}"] = forms.ChoiceField(
                label=f"Reason {placement.pupil.full_name} was absent",
                choices=[("", "Choose a reason"), *SessionAttendance.Absence.choices],
                required=False,
            )

    def pupil_rows(self) -> list[tuple[Placement, forms.BoundField, forms.BoundField]]:
        return [(p, self[f"mark-{p.pk}"], self[f"reason-{p.pk}"]) for p in self.due]

    @property
    def is_held(self) -> bool:
        return self.cleaned_data["held"] == HELD

    def marks(self) -> dict[int, Mark]:
        """Each pupil's mark and reason (none when the session was not held)."""
        if not self.is_held:
            return {}
        found: dict[int, Mark] = {}
        for placement in self.due:
            mark = self.cleaned_data.get(f"mark-{placement.pk}") or ""
            reason = self.cleaned_data.get(f"reason-{placement.pk}") or ""
            if mark:
                found[placement.pk] = (
                    mark,
                    reason if mark == SessionAttendance.Mark.ABSENT else "",
                )
        return found

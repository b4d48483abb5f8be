"""Forms of the support plan and review pages: each carries what the page showed (the
plan's or target's version), so a save after someone else's is refused by the service."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django import forms

from provmap.outcomes.models import Review, SupportPlan, Target, TargetProgress
from provmap.outcomes.plans import PLAN_TEXT_FIELDS
from provmap.provision.models import Placement, ProvisionRun
from provmap.pupils.needs import Area


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _text(label: str, help_text: str = "", rows: int = 3) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        help_text=help_text,
        widget=forms.Textarea(attrs={"rows": rows}),
    )


def run_choice(run: ProvisionRun) -> str:
    when = f"{run.start_date.day} {run.start_date:%b %Y} to {run.end_date.day} {run.end_date:%b %Y}"
    label = f" ({run.label})" if run.label else ""
    return f"{run.provision.name}{label}, {when}"


class PlanForm(forms.Form):
    """A draft plan's text, in the pupil's own words where it says "I" and "me"."""

    about_me = _text("What people like and admire about me", "In the pupil's own words.")
    does_well = _text("What I do well", "In the pupil's own words.")
    finds_hard = _text("What I find hard", "In the pupil's own words.")
    helps_me = _text("What helps me", "In the pupil's own words.")
    needs = _text("My needs", "The school's summary of the pupil's needs.")
    outcomes = _text("Outcomes we are working towards", "The longer-term outcomes.")
    pupil_view = _text("The pupil's view", "Recorded with the pupil.")
    parent_view = _text("The parent's view")
    involved = _text("Who is involved", "Names and roles, one a line.")
    review_due = forms.DateField(label="Next review due", required=False, widget=_date_input())
    version = forms.IntegerField(widget=forms.HiddenInput)

    @classmethod
    def for_plan(cls, plan: SupportPlan, data: Any = None) -> PlanForm:
        initial = {field: getattr(plan, field) for field in (*PLAN_TEXT_FIELDS, "review_due")}
        return cls(data, initial={**initial, "version": plan.version}, prefix="plan")

    def changes(self) -> dict[str, Any]:
        return {field: self.cleaned_data[field] for field in (*PLAN_TEXT_FIELDS, "review_due")}


class TargetForm(forms.Form):
    """One target: what, how we will know, the strategies, the provision, the dates."""

    description = forms.CharField(label="Target", widget=forms.Textarea(attrs={"rows": 2}))
    criteria = _text("How we will know (achievement criteria)", rows=2)
    strategies = _text("Strategies and support", rows=2)
    need_area = forms.ChoiceField(
        label="Area of need", required=False, choices=[("", "Not given"), *Area.choices]
    )
    run = forms.ModelChoiceField(
        label="Provision that serves it",
        queryset=ProvisionRun.objects.none(),
        required=False,
        empty_label="None",
    )
    start_date = forms.DateField(label="Starts", widget=_date_input())
    review_date = forms.DateField(label="Review by", widget=_date_input())
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, runs: Sequence[ProvisionRun] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["run"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = ProvisionRun.objects.filter(pk__in=[run.pk for run in runs])
        field.choices = [("", "None"), *((run.pk, run_choice(run)) for run in runs)]

    @classmethod
    def for_target(cls, target: Target, runs: Sequence[ProvisionRun], data: Any = None):
        initial = {
            "description": target.description,
            "criteria": target.criteria,
            "strategies": target.strategies,
            "need_area": target.need_area,
            "run": target.run_id,
            "start_date": target.start_date,
            "review_date": target.review_date,
            "version": target.version,
        }
        return cls(data, initial=initial, prefix=f"t{target.pk}", runs=runs)

    def changes(self) -> dict[str, Any]:
        return {key: value for key, value in self.cleaned_data.items() if key != "version"}


class OptionalTargetForm(TargetForm):
    """A new target row of the review form: left blank, it is ignored."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in ("description", "start_date", "review_date"):
            self.fields[field].required = False

    @property
    def filled(self) -> bool:
        return bool(self.is_valid() and self.cleaned_data.get("description", "").strip())


class AgreeForm(forms.Form):
    agreed_on = forms.DateField(label="Agreed on", widget=_date_input())
    agreed_with = forms.CharField(
        label="Agreed with",
        max_length=300,
        help_text="Who agreed it, e.g. 'Mrs Patel (mother), Sam'.",
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class VersionForm(forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class ReviewMeetingForm(forms.Form):
    held_on = forms.DateField(label="Date of the review", widget=_date_input())
    kind = forms.ChoiceField(label="Kind of review", choices=Review.Kind.choices)
    participants = _text("Who took part", "Names and roles, one a line.")
    pupil_view = _text("The pupil's view", "Recorded with the pupil, in their words.")
    parent_view = _text("The parent's view")
    next_steps = _text("Next steps")
    next_review_due = forms.DateField(label="Next review due", required=False, widget=_date_input())


class ProgressForm(forms.Form):
    progress = forms.ChoiceField(
        label="Progress",
        choices=TargetProgress.Progress.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose met, partly met or not yet."},
    )
    comment = _text("Comment", rows=2)
    close = forms.BooleanField(
        label="Close this target",
        required=False,
        help_text="A met target closes by itself; tick to end one that is partly met or not yet.",
    )


KEEP = "keep"
END = "end"


class PlacementChoiceForm(forms.Form):
    action = forms.ChoiceField(
        label="This provision",
        choices=[(KEEP, "Keep"), (END, "End on the review date")],
        widget=forms.RadioSelect,
        initial=KEEP,
    )
    reason = forms.ChoiceField(
        label="Reason for ending",
        choices=Placement.Leaving.choices,
        initial=Placement.Leaving.COMPLETED,
        required=False,
    )


class JoinForm(forms.Form):
    runs = forms.MultipleChoiceField(
        label="Join a run this term",
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, runs: Sequence[ProvisionRun] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.run_by_key = {str(run.pk): run for run in runs}
        field = self.fields["runs"]
        assert isinstance(field, forms.MultipleChoiceField)
        field.choices = [(str(run.pk), run_choice(run)) for run in runs]

    def chosen(self) -> list[ProvisionRun]:
        return [self.run_by_key[key] for key in self.cleaned_data.get("runs", [])]


def review_defaults(
    *, held_on: dt.date, kind: str, participants: str, next_review_due: dt.date
) -> dict[str, Any]:
    return {
        "held_on": held_on,
        "kind": kind,
        "participants": participants,
        "next_review_due": next_review_due,
    }

"""Forms for changing a run after it started: its details and staff lines, a pupil's place,
withdrawing a pupil on a chosen day, and closing the run on a day. Each carries the version
of the run (or placement) the page showed, and a signed copy of what it showed, so that a
save after someone else's is refused, saying what they changed."""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict
from typing import Any, cast

from django import forms
from django.core import signing
from django.db.models import QuerySet

from provmap.provision.forms import bounded, read_snapshot, sign_snapshot
from provmap.provision.models import Placement, Provision, ProvisionRun
from provmap.provision.run_editing import RunSnapshot, run_snapshot
from provmap.provision.services import PlacementSnapshot, StaffAssignment, placement_snapshot
from provmap.pupils.needs import NeedType
from provmap.schools.bounds import MINUTES_PER_SESSION, RUN_WEEKS, SESSIONS_PER_WEEK
from provmap.schools.models import AcademicYear, FundingStream, StaffMember, Term

RUN_SNAPSHOT_SALT = "provmap.run-read"
OUT_OF_DATE = "The page was out of date: open it again and make your changes."


def _date_input() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def sign_run_snapshot(snapshot: RunSnapshot) -> str:
    return signing.dumps(asdict(snapshot), salt=RUN_SNAPSHOT_SALT, compress=True)


def read_run_snapshot(token: str) -> RunSnapshot | None:
    """What the user saw of a run (None if the signed copy was tampered with or is missing:
    the version check still protects the run)."""
    try:
        return RunSnapshot(**signing.loads(token, salt=RUN_SNAPSHOT_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return None


class _Versioned(forms.Form):
    """The version (and signed copy) of what the page showed, hidden."""

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    read = forms.CharField(widget=forms.HiddenInput, required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Django's clean() returns cleaned_data
        if data.get("version") is None:
            # Said above the form: the field is hidden, so there is nothing to link to.
            self.errors.pop("version", None)
            self.add_error(None, OUT_OF_DATE)
        return data


class _RunVersioned(_Versioned):
    def __init__(self, *args: Any, run: ProvisionRun, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.run = run
        self.initial["version"] = run.version
        self.initial["read"] = sign_run_snapshot(run_snapshot(run))

    def read_snapshot(self) -> RunSnapshot | None:
        return read_run_snapshot(self.cleaned_data.get("read") or "")


class RunEditForm(_RunVersioned):
    """A run's details: everything but its staff lines (RunStaffFormSet) and its pupils."""

    provision = forms.ModelChoiceField(label="Provision", queryset=Provision.objects.none())
    label = forms.CharField(
        label="Group name",
        required=False,
        max_length=80,
        help_text="To tell groups apart, for example 'Group A' or '8N-EN2'.",
    )
    academic_year = forms.ModelChoiceField(
        label="Academic year", queryset=AcademicYear.objects.none()
    )
    term = forms.ModelChoiceField(
        label="Term",
        queryset=Term.objects.none(),
        required=False,
        help_text="Blank for a run over the whole year or other dates.",
    )
    start_date = forms.DateField(label="Starts", widget=_date_input())
    end_date = forms.DateField(label="Ends", widget=_date_input())
    status = forms.ChoiceField(label="Status", choices=ProvisionRun.Status.choices)
    sessions_per_week = bounded(
        forms.DecimalField(label="Sessions a week", max_digits=4, decimal_places=1),
        SESSIONS_PER_WEEK,
    )
    minutes_per_session = bounded(
        forms.IntegerField(label="Minutes a session"), MINUTES_PER_SESSION
    )
    weeks = bounded(
        forms.DecimalField(
            label="Weeks",
            max_digits=4,
            decimal_places=1,
            help_text="The weeks the group meets: no more than fit between its dates.",
        ),
        RUN_WEEKS,
    )
    day_time = forms.CharField(label="Day and time", required=False, max_length=80)
    withdrawn_from = forms.CharField(
        label="Lesson withdrawn from",
        required=False,
        max_length=80,
        help_text="Blank when it runs outside lessons.",
    )
    funding_stream = forms.ModelChoiceField(
        label="Funding stream", queryset=FundingStream.objects.none(), required=False
    )
    lead_staff = forms.ModelChoiceField(
        label="Led by", queryset=StaffMember.objects.none(), required=False
    )
    reviewing_staff = forms.ModelChoiceField(
        label="Reviewed by", queryset=StaffMember.objects.none(), required=False
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    field_order = [
        "provision",
        "label",
        "academic_year",
        "term",
        "start_date",
        "end_date",
        "status",
        "sessions_per_week",
        "minutes_per_session",
        "weeks",
        "day_time",
        "withdrawn_from",
        "funding_stream",
        "lead_staff",
        "reviewing_staff",
        "notes",
    ]

    def __init__(
        self,
        *args: Any,
        run: ProvisionRun,
        provisions: QuerySet[Provision],
        years: QuerySet[AcademicYear],
        terms: QuerySet[Term],
        staff: QuerySet[StaffMember],
        funding_streams: QuerySet[FundingStream],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, run=run, **kwargs)
        querysets: dict[str, QuerySet[Any]] = {
            "provision": provisions,
            "academic_year": years,
            "term": terms,
            "funding_stream": funding_streams,
            "lead_staff": staff,
            "reviewing_staff": staff,
        }
        for name, queryset in querysets.items():
            cast(forms.ModelChoiceField, self.fields[name]).queryset = queryset
        cast(forms.ModelChoiceField, self.fields["term"]).empty_label = "Whole year or own dates"
        cast(forms.ModelChoiceField, self.fields["funding_stream"]).empty_label = "Not assigned"
        cast(forms.ModelChoiceField, self.fields["lead_staff"]).empty_label = "No lead yet"
        cast(forms.ModelChoiceField, self.fields["reviewing_staff"]).empty_label = "Nobody yet"
        for name in self.field_order:
            value = getattr(run, name)
            if hasattr(value, "normalize"):
                value = value.normalize()  # as people write it: 3, not 3.0
            self.initial.setdefault(name, value)

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.field_order}


class StaffLineForm(forms.Form):
    staff = forms.ModelChoiceField(label="Who", queryset=StaffMember.objects.none())
    sessions_per_week = bounded(
        forms.DecimalField(label="Sessions a week", max_digits=4, decimal_places=1, required=False),
        SESSIONS_PER_WEEK,
    )
    minutes_per_session = bounded(
        forms.IntegerField(label="Minutes a session", required=False), MINUTES_PER_SESSION
    )

    def __init__(self, *args: Any, staff: QuerySet[StaffMember], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["staff"])
        field.queryset = staff
        field.empty_label = "Choose a member of staff"


class BaseStaffLines(forms.BaseFormSet):
    def assignments(self) -> list[StaffAssignment]:
        found = []
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or data.get("staff") is None:
                continue
            found.append(
                StaffAssignment(
                    staff=data["staff"],
                    sessions_per_week=data.get("sessions_per_week"),
                    minutes_per_session=data.get("minutes_per_session"),
                )
            )
        return found


RunStaffFormSet = forms.formset_factory(
    StaffLineForm, formset=BaseStaffLines, extra=2, can_delete=True, max_num=30
)


def staff_initial(run: ProvisionRun) -> list[dict[str, Any]]:
    return [
        {
            "staff": line.staff_id,
            "sessions_per_week": line.sessions_per_week.normalize()
            if line.sessions_per_week is not None
            else None,
            "minutes_per_session": line.minutes_per_session,
        }
        for line in run.staff_lines.order_by("staff__name")
    ]


class _PlacementVersioned(_Versioned):
    def __init__(self, *args: Any, placement: Placement, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.placement = placement
        self.initial["version"] = placement.version
        self.initial["read"] = sign_snapshot(placement_snapshot(placement))

    def read_snapshot(self) -> PlacementSnapshot | None:
        return read_snapshot(self.cleaned_data.get("read") or "")


class PlacementEditForm(_PlacementVersioned):
    start_date = forms.DateField(label="Joined the group on", widget=_date_input())
    end_date = forms.DateField(
        label="Left the group on",
        required=False,
        help_text="Blank: to the end of the run.",
        widget=_date_input(),
    )
    leaving_reason = forms.ChoiceField(
        label="Reason for leaving",
        required=False,
        choices=[("", "Not left"), *Placement.Leaving.choices],
    )
    priority = forms.ChoiceField(label="Priority", choices=Placement.Priority.choices)
    need_type = forms.ChoiceField(
        label="Need addressed", required=False, choices=[("", "Not given"), *NeedType.choices]
    )
    notes = forms.CharField(label="Notes", required=False, widget=forms.Textarea(attrs={"rows": 3}))

    FIELDS = ("start_date", "end_date", "leaving_reason", "priority", "need_type", "notes")

    def __init__(self, *args: Any, placement: Placement, **kwargs: Any) -> None:
        super().__init__(*args, placement=placement, **kwargs)
        for name in self.FIELDS:
            self.initial.setdefault(name, getattr(placement, name))

    def changes(self) -> dict[str, Any]:
        return {name: self.cleaned_data[name] for name in self.FIELDS}


class WithdrawForm(_PlacementVersioned):
    on = forms.DateField(
        label="Last day in the group",
        help_text="Their share of the cost stops after this day.",
        widget=_date_input(),
    )
    reason = forms.ChoiceField(
        label="Reason for leaving",
        choices=Placement.Leaving.choices,
        initial=Placement.Leaving.WITHDRAWN,
    )

    def __init__(self, *args: Any, placement: Placement, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, placement=placement, **kwargs)
        run = placement.run
        self.initial["on"] = min(max(today, placement.start_date), run.end_date)
        self.fields["on"].widget.attrs.update(
            min=placement.start_date.isoformat(), max=run.end_date.isoformat()
        )


class CloseForm(_RunVersioned):
    on = forms.DateField(
        label="The group's last day",
        help_text="Pupils still in the group complete it on this day.",
        widget=_date_input(),
    )

    def __init__(self, *args: Any, run: ProvisionRun, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, run=run, **kwargs)
        self.initial["on"] = min(today, run.end_date)
        self.fields["on"].widget.attrs.update(min=run.start_date.isoformat(), max=today.isoformat())


class DeleteForm(_RunVersioned):
    """Only the version and what the page showed: the confirmation is the button."""

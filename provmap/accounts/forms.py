"""Forms of the SENCO's pages (filtering the audit trail, finding a pupil, confirming an
erasure) and allauth's code forms with provmap's sign-in limits."""

from __future__ import annotations

from typing import Any

from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from django import forms
from django.db.models import Q, QuerySet

from provmap.accounts.audit import pupil_reference
from provmap.accounts.models import SIGN_IN_ACTIONS, AuditAction, AuditEvent, AuditEventPupil
from provmap.accounts.signin_limits import code_attempt
from provmap.pupils.models import Pupil
from provmap.schools.models import School


class AuditFilterForm(forms.Form):
    KIND_SIGN_IN = "signin"
    KIND_RECORDS = "records"

    kind = forms.ChoiceField(
        label="Events",
        required=False,
        choices=[
            ("", "All events"),
            (KIND_SIGN_IN, "Sign-in events"),
            (KIND_RECORDS, "Records viewed or changed"),
        ],
    )
    user = forms.CharField(label="Username", required=False, max_length=150)
    pupil = forms.CharField(
        label="Pupil UPN", required=False, max_length=13, help_text="The 13-character UPN."
    )
    action = forms.ChoiceField(
        label="Action", required=False, choices=[("", "Any action"), *AuditAction.choices]
    )
    date_from = forms.DateField(
        label="From", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label="To", required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def filter(self, events: QuerySet[AuditEvent], school: School) -> QuerySet[AuditEvent]:
        """Narrow `events` by what was asked (call after is_valid())."""
        data: dict[str, Any] = self.cleaned_data
        if data.get("kind") == self.KIND_SIGN_IN:
            events = events.filter(action__in=SIGN_IN_ACTIONS)
        elif data.get("kind") == self.KIND_RECORDS:
            events = events.exclude(action__in=SIGN_IN_ACTIONS)
        if data.get("user"):
            username = data["user"].strip()
            # Attempts that did not get in have no actor: they name the username tried.
            events = events.filter(
                Q(username__iexact=username) | Q(username="", details__username__iexact=username)
            )
        if data.get("pupil"):
            upn = data["pupil"].strip().upper()
            ref = pupil_reference(school.urn, upn)
            listed = AuditEventPupil.objects.filter(pupil_ref=ref).values("event_id")
            events = events.filter(
                Q(pupil_ref=ref) | Q(pupil__upn=upn, pupil__school=school) | Q(pk__in=listed)
            )
        if data.get("action"):
            events = events.filter(action=data["action"])
        if data.get("date_from"):
            events = events.filter(at__date__gte=data["date_from"])
        if data.get("date_to"):
            events = events.filter(at__date__lte=data["date_to"])
        return events


class PupilSearchForm(forms.Form):
    q = forms.CharField(
        label="UPN or surname", max_length=100, help_text="Archived pupils are found too."
    )

    def search(self, school: School) -> QuerySet[Pupil]:
        text = self.cleaned_data["q"].strip()
        return Pupil.objects.filter(school=school).filter(
            Q(upn__iexact=text) | Q(surname__istartswith=text)
        )


class ErasureForm(forms.Form):
    confirm_upn = forms.CharField(
        label="Type the pupil's UPN to confirm", max_length=13, strip=True
    )
    reason = forms.CharField(
        label="Why is the record being erased?",
        max_length=250,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="For example: request from the parent on 3 March, checked by the DPO.",
    )

    def __init__(self, *args: Any, pupil: Pupil, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pupil = pupil

    def clean_confirm_upn(self) -> str:
        value = self.cleaned_data["confirm_upn"].upper()
        if value != self.pupil.upn:
            raise forms.ValidationError("That is not this pupil's UPN.")
        return value


# --- The second sign-in step (settings.MFA_FORMS) -------------------------------------------


class LimitedCodeMixin:
    """Wrong codes are limited by provmap.accounts.signin_limits, per account and, on a known
    device, per device: someone who has the password cannot hold the user up on a device
    where they have signed in before. (allauth's own limit, per account only, is off.)"""

    user: Any

    def clean_code(self) -> str:
        # allauth forms get no request; it keeps the current one in its context.
        attempt = code_attempt(context.request, self.user)
        # A mixin: clean_code() is the allauth form's it is mixed into.
        code = super().clean_code()  # type: ignore[misc]
        attempt.succeeded()
        return code


class LimitedAuthenticateForm(LimitedCodeMixin, AuthenticateForm):
    """The code asked for at sign-in."""


class LimitedReauthenticateForm(LimitedCodeMixin, ReauthenticateForm):
    """The code asked for again while signed in, before changing how one signs in."""

"""Forms of the SENCO's pages (filtering the audit trail, finding a pupil, confirming an
erasure) and allauth's code forms with provmap's sign-in limits."""

from __future__ import annotations

from typing import Any

from allauth.core import context
from allauth.mfa.base.forms import AuthenticateForm, ReauthenticateForm
from django import forms
from django.db.models import Q, QuerySet
from django_scopes.forms import SafeModelChoiceField, SafeModelMultipleChoiceField

from provmap.accounts.audit import pupil_reference
from provmap.accounts.models import (
    SIGN_IN_ACTIONS,
    AuditAction,
    AuditEvent,
    AuditEventPupil,
    Membership,
    Role,
)
from provmap.accounts.people import RoleDetails, split_groups
from provmap.accounts.signin_limits import code_attempt
from provmap.pupils.models import NCYear, Pupil
from provmap.schools.models import School, StaffMember


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


# --- People and their roles (the SENCO's People page) ---------------------------------------

FINANCE_CHOICES = [
    ("", "As the role has it"),
    ("yes", "Yes: may see costs"),
    ("no", "No: never sees costs"),
]
SCHOOL_ROLES = [(value, label) for value, label in Role.choices if value != Role.TRUST_LEADER]


class MembershipForm(forms.Form):
    """A role in the school and what it carries; children are ticked among pupils found by a
    search (their ids come back as `children`)."""

    role = forms.ChoiceField(label="Role", choices=SCHOOL_ROLES)
    year_groups = forms.MultipleChoiceField(
        label="Year groups they look after",
        required=False,
        choices=NCYear.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Heads of year only.",
    )
    staff_member = SafeModelChoiceField(
        label="Their record on the staff list",
        queryset=StaffMember.objects.none(),
        required=False,
        help_text="Teachers, TAs and learning mentors: to find the runs they deliver.",
    )
    forms_taught = forms.MultipleChoiceField(
        label="Forms they teach",
        required=False,
        choices=[],
        widget=forms.CheckboxSelectMultiple,
        help_text="Teachers, TAs and learning mentors: they see the pupils of these forms.",
    )
    other_groups = forms.CharField(
        label="Other teaching groups",
        required=False,
        max_length=200,
        help_text="Separated by commas, for example 9X/Ma1, 10Y/En2.",
    )
    children = SafeModelMultipleChoiceField(
        label="Their children",
        queryset=Pupil.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    finance = forms.ChoiceField(
        label="May see costs",
        required=False,
        choices=FINANCE_CHOICES,
        help_text="Never for teachers, TAs, mentors or parents, whatever is chosen.",
    )

    def __init__(self, *args: Any, school: School, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.school = school
        self.fields["staff_member"].queryset = StaffMember.objects.filter(school=school)  # type: ignore[attr-defined]
        self.fields["children"].queryset = Pupil.objects.filter(  # type: ignore[attr-defined]
            school=school, archived_at__isnull=True
        )
        groups = (
            Pupil.objects.filter(school=school, archived_at__isnull=True)
            .exclude(form="")
            .order_by("form")
            .values_list("form", flat=True)
            .distinct()
        )
        self.fields["forms_taught"].choices = [(group, group) for group in groups]  # type: ignore[attr-defined]

    @staticmethod
    def initial_for(membership: Membership, known_forms: set[str]) -> dict[str, Any]:
        groups = membership.teaching_group_list
        finance = {None: "", True: "yes", False: "no"}[membership.finance]
        return {
            "role": membership.role,
            "year_groups": membership.year_group_list,
            "staff_member": membership.staff_member_id,
            "forms_taught": [group for group in groups if group in known_forms],
            "other_groups": ", ".join(group for group in groups if group not in known_forms),
            "finance": finance,
        }

    @property
    def known_forms(self) -> set[str]:
        return {value for value, _ in self.fields["forms_taught"].choices}  # type: ignore[attr-defined]

    def details(self) -> RoleDetails:
        """What the form says, for the people services (call after is_valid())."""
        data = self.cleaned_data
        groups = split_groups(",".join([*data["forms_taught"], data["other_groups"]]))
        return RoleDetails(
            year_groups=tuple(data["year_groups"]),
            staff_member=data["staff_member"],
            teaching_groups=groups,
            children=tuple(data["children"]),
            finance={"": None, "yes": True, "no": False}[data.get("finance") or ""],
        )


class InviteForm(MembershipForm):
    email = forms.EmailField(label="Email address", max_length=254)
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)

    field_order = ["email", "first_name", "last_name"]


class MembershipEditForm(MembershipForm):
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0)


class PeopleFilterForm(forms.Form):
    role = forms.ChoiceField(
        label="Role", required=False, choices=[("", "Every role"), *SCHOOL_ROLES]
    )


class PupilFindForm(forms.Form):
    q = forms.CharField(label="Find a pupil by name or UPN", max_length=100)

    def search(self, school: School) -> QuerySet[Pupil]:
        text = self.cleaned_data["q"].strip()
        return Pupil.objects.filter(school=school, archived_at__isnull=True).filter(
            Q(upn__iexact=text)
            | Q(surname__istartswith=text)
            | Q(legal_forename__istartswith=text)
            | Q(preferred_forename__istartswith=text)
        )


class TrustInviteForm(forms.Form):
    email = forms.EmailField(label="Email address", max_length=254)
    first_name = forms.CharField(label="First name", max_length=150)
    last_name = forms.CharField(label="Last name", max_length=150)
    trust_pupil_access = forms.BooleanField(
        label="May see pupil-level data of the trust's schools",
        required=False,
        help_text="Without it, they see each school's figures only.",
    )

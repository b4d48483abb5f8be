"""The school set-up pages' forms: the school's details, its years and terms, rates by role,
staff, funding streams and their budgets, general resources. An existing row's form carries
the version it showed, so that a save after someone else's is refused."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django_scopes.forms import SafeModelChoiceField

from provmap.provision.forms import bounded
from provmap.provision.models import GeneralResource
from provmap.schools.bounds import (
    BUDGET,
    CONTRACTED_HOURS,
    FIXED_COST,
    HOURLY_RATE,
    HOURS_A_WEEK,
    RUN_WEEKS,
    TERM_NUMBER,
    TERM_WEEKS,
    YEAR_WEEKS,
)
from provmap.schools.models import (
    AcademicYear,
    FundingBudget,
    FundingStream,
    RoleRate,
    School,
    StaffMember,
    Term,
)
from provmap.schools.roles import StaffRole
from provmap.schools.services import RATE_TEXT_LIMIT

OUT_OF_DATE = "The page was out of date: open it again and make your changes."


def _date_widget() -> forms.DateInput:
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VersionedForm(forms.ModelForm):
    """A model form that, for an existing row, sends back the version it showed."""

    class Meta:
        fields: list[str] = []

    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    BOUNDS: dict[str, Any] = {}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name, bound in self.BOUNDS.items():
            if name in self.fields:
                bounded(self.fields[name], bound)
        if self.instance.pk:
            self.initial["version"] = self.instance.version
        else:
            del self.fields["version"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None
        if "version" in self.fields and data.get("version") is None:
            self.errors.pop("version", None)
            self.add_error(None, OUT_OF_DATE)
        return data

    def _post_clean(self) -> None:
        # The services check the row (and refuse with the school's words); the form only
        # reads the fields, so the instance is not changed or validated here.
        pass

    def changes(self) -> dict[str, Any]:
        """The form's values, by field (those it shows: a field taken away is left alone)."""
        return {name: self.cleaned_data[name] for name in self.Meta.fields if name in self.fields}

    def read_version(self) -> int | None:
        return self.cleaned_data.get("version")


class SchoolDetailsForm(VersionedForm):
    class Meta:
        model = School
        fields = ["name", "phase", "la_code", "estab_code"]
        help_texts = {
            "la_code": "Three digits, for example 886 for Kent.",
            "estab_code": "Four digits: the school's DfE number is the LA number, then this.",
        }


class AcademicYearForm(VersionedForm):
    BOUNDS = {"weeks": YEAR_WEEKS}

    class Meta:
        model = AcademicYear
        fields = ["name", "start_date", "end_date", "weeks"]
        labels = {
            "start_date": "First day of the school year",
            "end_date": "Last day of the school year",
            "weeks": "Teaching weeks in the year",
        }
        help_texts = {
            "weeks": "Costs are worked out over these weeks: most schools count 38, some "
            "local authorities 39; give your own if it differs.",
        }
        widgets = {"start_date": _date_widget(), "end_date": _date_widget()}


TERM_CHOICES = [
    ("3", "The usual three terms (autumn, spring, summer)"),
    ("6", "Six half terms"),
    ("0", "No terms yet: I will add them myself"),
]


class NewYearForm(AcademicYearForm):
    terms = forms.ChoiceField(
        label="Terms",
        choices=TERM_CHOICES,
        initial="3",
        widget=forms.RadioSelect,
        help_text="The terms get the usual dates inside the year and share its teaching "
        "weeks; change any of them afterwards.",
    )


class TermForm(VersionedForm):
    BOUNDS = {"number": TERM_NUMBER, "weeks": TERM_WEEKS}

    class Meta:
        model = Term
        fields = ["number", "name", "start_date", "end_date", "weeks"]
        labels = {
            "number": "Term number",
            "start_date": "First day",
            "end_date": "Last day",
            "weeks": "Teaching weeks",
        }
        help_texts = {"name": "For example Autumn, or Spring 2."}
        widgets = {"start_date": _date_widget(), "end_date": _date_widget()}


class RoleRateForm(VersionedForm):
    BOUNDS = {"hourly_rate": HOURLY_RATE}

    class Meta:
        model = RoleRate
        fields = ["role", "hourly_rate"]
        labels = {"hourly_rate": "Hourly rate (£)"}
        help_texts = {
            "hourly_rate": "What an hour of this role costs the school, with on-costs; used "
            "for staff with no rate of their own.",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A rate stays with its role: remove it and add another to change the role.
            del self.fields["role"]


class RatesImportForm(forms.Form):
    text = forms.CharField(
        label="Rates, one role a line",
        required=False,
        max_length=RATE_TEXT_LIMIT,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="A role (its name or map code: TA, LSA, T, HLTA ...) and its hourly rate, "
        "separated by a comma, for example: TA,21.50",
    )
    file = forms.FileField(
        label="Or a CSV file",
        required=False,
        help_text="A small CSV file of two columns: role, hourly rate.",
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None
        upload = data.get("file")
        if upload is not None:
            if upload.size > RATE_TEXT_LIMIT:
                self.add_error("file", "The file is too large for a list of rates by role.")
                return data
            try:
                data["text"] = upload.read().decode("utf-8-sig")
            except UnicodeDecodeError:
                self.add_error("file", "The file is not a CSV file saved as text (UTF-8).")
                return data
        if not (data.get("text") or "").strip():
            self.add_error("text", "Paste the rates, or choose a CSV file.")
        return data


class StaffMemberForm(VersionedForm):
    BOUNDS = {"hourly_rate": HOURLY_RATE, "contracted_hours": CONTRACTED_HOURS}

    class Meta:
        model = StaffMember
        fields = [
            "name",
            "role",
            "contracted_hours",
            "hourly_rate",
            "expertise",
            "is_external",
            "active",
        ]
        labels = {
            "contracted_hours": "Contracted hours a week",
            "hourly_rate": "Own hourly rate (£)",
            "is_external": "Employed elsewhere (LA service, NHS therapist, agency)",
            "active": "Works here now",
        }
        help_texts = {
            "is_external": "",
            "active": "Untick when they leave: they stay on the runs they worked on.",
        }

    def __init__(
        self,
        *args: Any,
        role_rates: dict[str, Any] | None = None,
        pay_rates: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if not pay_rates:
            # Those who may not see pay rates neither see nor change one.
            del self.fields["hourly_rate"]
        elif role_rates:
            shown = "; ".join(
                f"{role.label} £{role_rates[role.value]}"
                for role in StaffRole
                if role.value in role_rates
            )
            self.fields[
                "hourly_rate"
            ].help_text = f"Leave blank to use the school's rate for the role ({shown})."
        else:
            self.fields[
                "hourly_rate"
            ].help_text = "Leave blank to use the school's rate for the role (none set yet)."


class FundingStreamForm(VersionedForm):
    class Meta:
        model = FundingStream
        fields = ["name", "kind"]
        help_texts = {"name": "For example: Pupil premium 2025-26, or Notional SEN budget."}


class FundingBudgetForm(forms.Form):
    academic_year = SafeModelChoiceField(
        label="School year", queryset=AcademicYear.objects.none(), empty_label=None
    )
    amount = forms.DecimalField(label="Budget (£)", max_digits=10, decimal_places=2)
    # The budgets the page showed, "year:version" for each, so that saving over a budget
    # someone else set or changed meanwhile is refused (a year not listed had none).
    read = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        *args: Any,
        years: QuerySet[AcademicYear],
        budgets: Iterable[FundingBudget] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["academic_year"]).queryset = years
        bounded(self.fields["amount"], BUDGET)
        self.initial["read"] = ",".join(
            f"{budget.academic_year_id}:{budget.version}" for budget in budgets
        )

    def clean_read(self) -> dict[int, int]:
        text = self.cleaned_data.get("read") or ""
        if self.data.get("read") is None or not re.fullmatch(r"(\d+:\d+(,\d+:\d+)*)?", text):
            raise forms.ValidationError(OUT_OF_DATE)
        return {
            int(year): int(version)
            for year, version in (pair.split(":") for pair in text.split(",") if pair)
        }

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None
        if "read" in self.errors:
            # Said above the form: the field is hidden, so there is nothing to link to.
            self.errors.pop("read")
            self.add_error(None, OUT_OF_DATE)
        return data

    def read_version(self, year: AcademicYear) -> int:
        """The version of the year's budget the page showed; 0 if it showed none."""
        return self.cleaned_data["read"].get(year.pk, 0)


class GeneralResourceForm(VersionedForm):
    BOUNDS = {"hours_per_week": HOURS_A_WEEK, "weeks": RUN_WEEKS, "fixed_cost": FIXED_COST}

    class Meta:
        model = GeneralResource
        fields = [
            "academic_year",
            "name",
            "kind",
            "funding_stream",
            "staff",
            "hours_per_week",
            "weeks",
            "fixed_cost",
            "notes",
        ]
        field_classes = {
            "academic_year": SafeModelChoiceField,
            "funding_stream": SafeModelChoiceField,
            "staff": SafeModelChoiceField,
        }
        labels = {
            "academic_year": "School year",
            "funding_stream": "Paid from",
            "staff": "Member of staff",
            "hours_per_week": "Hours a week",
            "fixed_cost": "Fixed cost (£)",
        }
        help_texts = {
            "staff": "For staff time: whose time it is (costed at their rate).",
            "weeks": "Blank: the teaching weeks of the school year.",
            "fixed_cost": "For training, materials or a bought-in service: the whole sum. "
            "Leave the staff time blank.",
        }
        widgets = {"notes": forms.Textarea(attrs={"rows": 2})}

    def __init__(
        self,
        *args: Any,
        years: QuerySet[AcademicYear],
        streams: QuerySet[FundingStream],
        staff: QuerySet[StaffMember],
        finance: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        if not finance:
            # Money: only those who see costs see and change a fixed cost.
            del self.fields["fixed_cost"]
        cast(forms.ModelChoiceField, self.fields["academic_year"]).queryset = years
        stream_field = cast(forms.ModelChoiceField, self.fields["funding_stream"])
        stream_field.queryset = streams
        stream_field.empty_label = "No stream"
        staff_field = cast(forms.ModelChoiceField, self.fields["staff"])
        staff_field.queryset = staff
        staff_field.empty_label = "No one (a fixed cost)"

"""Forms of the provision pages: they read and check what the user sent, then hand plain
values to the selectors (filters) and services (writes), which do the real work."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import asdict
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core import signing
from django.core.validators import DecimalValidator, MaxValueValidator, MinValueValidator
from django.db.models import QuerySet
from django.http import QueryDict
from django_scopes.forms import SafeModelChoiceField

from provmap.provision.models import (
    PRICED_BASES,
    CostBasis,
    Placement,
    Provision,
    ProvisionRun,
    Wave,
)
from provmap.provision.selectors import (
    NEED_CHOICES,
    NONE,
    ON_THE_REGISTER,
    MapFilters,
    MapOptions,
    RunPage,
    UnmetFilters,
)
from provmap.provision.services import (
    PROVISION_FIELD_WORDS,
    RESULT_STAGES,
    STAGE_NAMES,
    SUGGESTED,
    PlacementSnapshot,
    ProvisionSnapshot,
    ResultsEntry,
    placement_snapshot,
    price_error,
    provision_snapshot,
)
from provmap.pupils.models import VULNERABLE_GROUP_FLAGS, Measure, NCYear, Pupil, SENStatus, Sex
from provmap.pupils.needs import Area, NeedType
from provmap.pupils.score_range import ABOVE, BELOW, outside_range
from provmap.pupils.selectors import PupilSearch
from provmap.schools.bounds import (
    EVIDENCE_MONTHS,
    MINUTES_PER_SESSION,
    PRICE,
    PUPILS_IN_RATIO,
    RUN_WEEKS,
    SCORE,
    SESSIONS_PER_WEEK,
    STAFF_IN_RATIO,
    SUCCESS_GAIN,
    USUAL_WEEKS,
    Bound,
    InDates,
    date_error,
    weekly_time_error,
)
from provmap.schools.models import AcademicYear, FundingStream, StaffMember, Term

CURRENT_SEN_CHOICES = [
    (SENStatus.NONE.value, "No SEN (N)"),
    (SENStatus.SUPPORT.value, "SEN support (K)"),
    (SENStatus.EHC_PLAN.value, "EHC plan (E)"),
]
RATING_CHOICES = [
    (Placement.Rating.RED.value, "Red"),
    (Placement.Rating.AMBER.value, "Amber"),
    (Placement.Rating.GREEN.value, "Green"),
    (Placement.Rating.BLUE.value, "Blue"),
]


def _any(label: str, choices: Sequence[tuple[object, str]]) -> list[tuple[object, str]]:
    return [("", label), *choices]


class _WithinBound:
    """A form field's check against one of the school bounds, with its message."""

    def __init__(self, bound: Bound):
        self.bound = bound

    def __call__(self, value: Decimal | int | None) -> None:
        if value is None:
            return
        message = self.bound.error(value)
        if message:
            raise forms.ValidationError(message, code="out_of_bounds")


class _DigitsWithinBound:
    """Django's check of a number's digits, only for numbers inside the bound: outside it,
    the bound's message says more ("between 0.1 and 25") than "no more than 4 digits"."""

    def __init__(self, digits: DecimalValidator, bound: Bound):
        self.digits = digits
        self.bound = bound

    def __call__(self, value: Decimal | None) -> None:
        if value is not None and self.bound.error(value) is None:
            self.digits(value)


def _plain_bound(number: Decimal) -> str:
    return f"{number.normalize():f}"


def bounded(field: forms.Field, bound: Bound, *, checked_by_form: bool = False) -> forms.Field:
    """Keep a number field inside `bound`: checked here with the bound in the message (the
    generic minimum, maximum and digit checks give way to it), and told to the browser.
    `checked_by_form`: the form's clean() checks it, against a narrower bound it knows."""
    kept = []
    for validator in field.validators:
        if isinstance(validator, MinValueValidator | MaxValueValidator):
            continue
        if isinstance(validator, DecimalValidator):
            validator = _DigitsWithinBound(validator, bound)
        kept.append(validator)
    field.validators = kept if checked_by_form else [_WithinBound(bound), *kept]
    if isinstance(field.widget, forms.NumberInput):
        field.widget.attrs.update(min=_plain_bound(bound.low), max=_plain_bound(bound.high))
    return field


class PupilGroupFields(forms.Form):
    """The pupil filters shared by the map and the search for pupils to add to a group."""

    nc_year = forms.ChoiceField(
        label="Year group", required=False, choices=_any("Any year", NCYear.choices)
    )
    form = forms.ChoiceField(label="Form", required=False)
    sex = forms.ChoiceField(label="Sex", required=False, choices=_any("Any", Sex.choices))
    sen_status = forms.ChoiceField(
        label="SEN status", required=False, choices=_any("Any status", CURRENT_SEN_CHOICES)
    )
    need_type = forms.ChoiceField(
        label="Need", required=False, choices=_any("Any need", NeedType.choices)
    )
    group = forms.MultipleChoiceField(
        label="Groups (all must apply)",
        required=False,
        choices=VULNERABLE_GROUP_FLAGS,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, forms_list: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["form"]).choices = _any(
            "Any form", [(name, name) for name in forms_list]
        )

    def describe(self) -> list[str]:
        """The filters in force, in words, to say what a list or a total covers."""
        if not hasattr(self, "cleaned_data"):
            return []
        words: list[str] = []
        for name, field in self.fields.items():
            value = self.cleaned_data.get(name)
            if not value or not hasattr(field, "choices"):
                continue
            labels: dict[str, str] = {str(key): label for key, label in field.choices}
            if isinstance(value, list):
                chosen: list[str] = value  # a multiple choice field cleans to strings
                words.extend(labels.get(item, item) for item in chosen)
            else:
                words.append(f"{field.label}: {labels.get(str(value), value)}")
        return words


class MapFilterForm(PupilGroupFields):
    """Filters of the term map. Every one is optional, and they combine."""

    rating = forms.ChoiceField(
        label="RAGB rating",
        required=False,
        choices=_any("Any rating", [*RATING_CHOICES, (NONE, "Not rated yet")]),
    )
    wave = forms.TypedChoiceField(
        label="Wave",
        required=False,
        coerce=int,
        empty_value=None,
        choices=_any("Any wave", [(wave.value, f"Wave {wave.value}") for wave in Wave]),
    )
    area = forms.ChoiceField(
        label="Area addressed",
        required=False,
        choices=_any("Any area", Area.choices),
    )
    provision = forms.TypedChoiceField(
        label="Provision", required=False, coerce=int, empty_value=None
    )
    staff = forms.TypedChoiceField(
        label="Member of staff", required=False, coerce=int, empty_value=None
    )
    funding = forms.ChoiceField(label="Funding stream", required=False)

    def __init__(self, *args: Any, options: MapOptions, **kwargs: Any) -> None:
        super().__init__(*args, forms_list=options.forms, **kwargs)
        cast(forms.ChoiceField, self.fields["provision"]).choices = _any(
            "Any provision", options.provisions
        )
        cast(forms.ChoiceField, self.fields["staff"]).choices = _any("Anyone", options.staff)
        cast(forms.ChoiceField, self.fields["funding"]).choices = _any(
            "Any funding",
            [(str(pk), name) for pk, name in options.funding_streams] + [(NONE, "Not assigned")],
        )

    def filters(self) -> MapFilters:
        """The valid filters (a value that does not check out is left out, and its error
        shown)."""
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return MapFilters(
            nc_year=data.get("nc_year") or "",
            form=data.get("form") or "",
            sex=data.get("sex") or "",
            sen_status=data.get("sen_status") or "",
            need_type=data.get("need_type") or "",
            groups=tuple(data.get("group") or ()),
            rating=data.get("rating") or "",
            wave=data.get("wave"),
            area=data.get("area") or "",
            provision_id=data.get("provision"),
            staff_id=data.get("staff"),
            funding=data.get("funding") or "",
        )

    @property
    def pupil_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("nc_year", "form", "sex", "sen_status", "need_type")]

    @property
    def run_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in ("wave", "area", "provision", "staff", "funding", "rating")]


class PupilSearchForm(PupilGroupFields):
    """Find pupils to add to a group: by name or UPN, and by the same groups as the map."""

    q = forms.CharField(label="Name or UPN", required=False, max_length=80)

    field_order = ["q", "nc_year", "form", "sex", "sen_status", "need_type", "group"]

    def search(self) -> PupilSearch:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return PupilSearch(
            text=data.get("q") or "",
            nc_year=data.get("nc_year") or "",
            form=data.get("form") or "",
            sex=data.get("sex") or "",
            sen_status=data.get("sen_status") or "",
            need_type=data.get("need_type") or "",
            groups=tuple(data.get("group") or ()),
        )


# --- The catalogue ------------------------------------------------------------------------

OUT_OF_DATE = "The page was out of date: open it again and make your changes."
PROVISION_SNAPSHOT_SALT = "provmap.provision-read"


def sign_provision_snapshot(snapshot: ProvisionSnapshot) -> str:
    return signing.dumps(asdict(snapshot), salt=PROVISION_SNAPSHOT_SALT, compress=True)


def read_provision_snapshot(token: str) -> ProvisionSnapshot | None:
    """What the user saw of a catalogue entry, from the signed copy the page carried (None if
    it was tampered with or is missing: the version check still protects the entry)."""
    try:
        return ProvisionSnapshot(**signing.loads(token, salt=PROVISION_SNAPSHOT_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return None


class ProvisionForm(forms.ModelForm):
    areas = forms.MultipleChoiceField(
        label="Areas of need it addresses",
        required=False,
        choices=Area.choices,
        widget=forms.CheckboxSelectMultiple,
    )
    # Kept as "7,8" on the entry; none ticked: any year group.
    usual_years = forms.MultipleChoiceField(
        label="Usual year groups",
        required=False,
        choices=NCYear.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="None ticked: any year. Adding a pupil from another year asks first.",
    )

    class Meta:
        model = Provision
        # The catalogue entry's editable fields, in their order (the one list of them).
        fields = list(PROVISION_FIELD_WORDS)
        labels = {
            "provision_type": "Type",
            "default_staff": "Staff in the usual ratio",
            "default_pupils": "Pupils in the usual ratio",
            "sessions_per_week": "Sessions a week",
            "minutes_per_session": "Minutes a session",
            "cost_basis": "How it is costed",
            "price": "Price (£)",
            "measure": "How progress is measured",
            "success_gain": "Gain that meets the success criteria",
            "evidence_strand": "Evidence strand",
            "evidence_months": "Expected months of additional progress",
            "active": "Offered (shown when planning new runs)",
        }
        # A model form would list every school's measures when the class is built; the view
        # gives the school's own (and a scoped query outside a school raises).
        field_classes = {"measure": SafeModelChoiceField}
        help_texts = {
            "success_gain": "In the measure's own units, for example 6 points of standardised "
            "score. Used to suggest each pupil's RAGB rating.",
            "evidence_strand": "For example an EEF toolkit strand: 'Small group tuition'.",
            "cost_basis": "Staff time: the time of the staff on each run at their rates. A "
            "price: a bought-in service (the provider's external staff are in the price; your "
            "own staff on a run still count). No cost to the school: for example NHS therapy.",
            "price": "For a price only: per session held, per pupil placed, per group, or a "
            "year's agreement (a run carries its weeks' part of the school year).",
        }
        widgets = {
            "description": forms.Textarea(attrs={"rows": 3}),
            "success_criteria": forms.Textarea(attrs={"rows": 2}),
            "evidence_notes": forms.Textarea(attrs={"rows": 2}),
        }

    BOUNDS = {
        "default_staff": STAFF_IN_RATIO,
        "default_pupils": PUPILS_IN_RATIO,
        "sessions_per_week": SESSIONS_PER_WEEK,
        "minutes_per_session": MINUTES_PER_SESSION,
        "usual_weeks": USUAL_WEEKS,
        "price": PRICE,
        "success_gain": SUCCESS_GAIN,
        "evidence_months": EVIDENCE_MONTHS,
    }

    # An existing entry's page carries the version it showed and a signed copy of what it
    # showed, so that a save after someone else's is refused, saying what they changed.
    version = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1)
    read = forms.CharField(widget=forms.HiddenInput, required=False)

    # How an entry is costed is money: only those who see costs see and change it.
    COST_FIELDS = ("cost_basis", "price")

    def __init__(
        self, *args: Any, measures: QuerySet[Measure], finance: bool = True, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        if not finance:
            for name in self.COST_FIELDS:
                del self.fields[name]
        elif self.is_bound and "cost_basis" not in self.data:
            # Not sent (a form from before entries were priced): the entry stays as it is.
            kept = {"cost_basis": self.instance.cost_basis or CostBasis.STAFF_TIME}
            if self.instance.price is not None and "price" not in self.data:
                kept["price"] = str(self.instance.price)
            if isinstance(self.data, QueryDict):
                sent = self.data.copy()
                sent.update(kept)  # neither key is in it, so nothing is appended to
                self.data = sent
            else:
                self.data = {**self.data, **kept}
        for name, bound in self.BOUNDS.items():
            if name in self.fields:
                bounded(self.fields[name], bound)
        measure = cast(forms.ModelChoiceField, self.fields["measure"])
        measure.queryset = measures
        measure.empty_label = "Not chosen yet"
        if self.instance.pk:
            self.initial.setdefault("areas", [area.area for area in self.instance.areas.all()])
            self.initial["usual_years"] = split_years(self.instance.usual_years)
            self.initial["version"] = self.instance.version
            self.initial["read"] = sign_provision_snapshot(
                provision_snapshot(self.instance, finance=finance)
            )
        else:
            del self.fields["version"], self.fields["read"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Django's clean() returns cleaned_data
        if "version" in self.fields and data.get("version") is None:
            # Said above the form: the field is hidden, so there is nothing to link to.
            self.errors.pop("version", None)
            self.add_error(None, OUT_OF_DATE)
        basis = data.get("cost_basis")
        if basis and basis not in PRICED_BASES:
            # A price left in the box means nothing on staff time or at no cost.
            data["price"] = None
            self.errors.pop("price", None)
        elif basis and "price" not in self.errors:
            message = price_error(basis, data.get("price"))
            if message:
                self.add_error("price", message)
        return data

    def clean_usual_years(self) -> str:
        chosen = set(self.cleaned_data.get("usual_years") or ())
        return ",".join(year for year in NCYear.values if year in chosen)

    def changes(self) -> dict[str, Any]:
        return {
            name: self.cleaned_data[name]
            for name in self.Meta.fields
            if name != "areas" and name in self.fields
        }

    def read_version(self) -> int | None:
        return self.cleaned_data.get("version")

    def read_snapshot(self) -> ProvisionSnapshot | None:
        return read_provision_snapshot(self.cleaned_data.get("read") or "")


def split_years(text: str) -> list[str]:
    """A provision's usual year groups, from how they are kept ("7,8")."""
    return [year for year in text.split(",") if year]


# --- Runs ---------------------------------------------------------------------------------


def when_choices(
    terms: Sequence[Term], years: Sequence[AcademicYear]
) -> list[tuple[str, list[tuple[str, str]]]]:
    """Terms grouped by academic year, each year ending with "the whole year"."""
    grouped = []
    for year in years:
        options = [
            (f"term-{term.pk}", f"{term.name} {year.name}")
            for term in terms
            if term.academic_year_id == year.pk
        ]
        options.append((f"year-{year.pk}", f"Whole year {year.name}"))
        grouped.append((year.name, options))
    return grouped


class RunForm(forms.Form):
    """A new run of one provision. Blank time and dates take the provision's usual ones and
    the term's dates."""

    when = forms.ChoiceField(label="Term")
    label = forms.CharField(
        label="Group name",
        required=False,
        max_length=80,
        help_text="To tell groups apart, for example 'Group A' or '8N-EN2'.",
    )
    lead_staff = forms.ModelChoiceField(
        label="Led by", queryset=StaffMember.objects.none(), required=False
    )
    staff = forms.ModelMultipleChoiceField(
        label="Also delivering",
        queryset=StaffMember.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text="The lead is costed too: tick only the other staff in the room.",
    )
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
            required=False,
            max_digits=4,
            decimal_places=1,
            help_text="Blank: the provision's usual length, or the term's weeks if fewer.",
        ),
        RUN_WEEKS,
        checked_by_form=True,
    )
    start_date = forms.DateField(
        label="Starts",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    end_date = forms.DateField(
        label="Ends",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    funding_stream = forms.ModelChoiceField(
        label="Funding stream", queryset=FundingStream.objects.none(), required=False
    )
    day_time = forms.CharField(label="Day and time", required=False, max_length=80)
    withdrawn_from = forms.CharField(
        label="Lesson withdrawn from",
        required=False,
        max_length=80,
        help_text="Blank when it runs outside lessons.",
    )
    status = forms.ChoiceField(
        label="Status",
        choices=[
            (ProvisionRun.Status.PLANNED.value, "Planned"),
            (ProvisionRun.Status.RUNNING.value, "Running"),
        ],
    )

    def __init__(
        self,
        *args: Any,
        terms: Sequence[Term],
        years: Sequence[AcademicYear],
        staff: QuerySet[StaffMember],
        funding_streams: QuerySet[FundingStream],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.terms = {term.pk: term for term in terms}
        self.years = {year.pk: year for year in years}
        cast(forms.ChoiceField, self.fields["when"]).choices = when_choices(terms, years)
        lead_staff = cast(forms.ModelChoiceField, self.fields["lead_staff"])
        lead_staff.queryset = staff
        lead_staff.empty_label = "No lead yet"
        cast(forms.ModelMultipleChoiceField, self.fields["staff"]).queryset = staff
        funding_stream = cast(forms.ModelChoiceField, self.fields["funding_stream"])
        funding_stream.queryset = funding_streams
        funding_stream.empty_label = "Not assigned"

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Django's clean() returns cleaned_data
        start, end = data.get("start_date"), data.get("end_date")
        if start and end and end < start:
            self.add_error("end_date", "The run must end on or after the day it starts.")
        if data.get("when") in dict(self._when_values()):
            self._check_against_the_year(data)
        elif data.get("weeks") is not None:
            message = RUN_WEEKS.error(data["weeks"])
            if message:
                self.add_error("weeks", message)
        too_long = weekly_time_error(data.get("sessions_per_week"), data.get("minutes_per_session"))
        if too_long:
            self.add_error("minutes_per_session", too_long)
        return data

    def _when_values(self) -> list[tuple[str, str]]:
        # Set from when_choices() in __init__: years, each with its (value, label) pairs.
        when = cast(forms.ChoiceField, self.fields["when"])
        groups = cast(list[tuple[str, list[tuple[str, str]]]], when.choices)
        return [choice for _, group in groups for choice in group]

    def _check_against_the_year(self, data: dict[str, Any]) -> None:
        """The run's dates inside the chosen school year, and its weeks within the year's
        teaching weeks (what run_create checks, shown beside the fields)."""
        year, _ = self.period()
        why = f"the dates of {year.name}"
        for field, label in (
            ("start_date", "The run's start date"),
            ("end_date", "The run's end date"),
        ):
            value = data.get(field)
            message = value and date_error(
                value, year.start_date, year.end_date, label=label, why=why
            )
            if message:
                self.add_error(field, message)
        if data.get("weeks") is not None:
            message = RUN_WEEKS.error(
                data["weeks"], high=year.weeks, why=f"the teaching weeks of {year.name}"
            )
            if message:
                self.add_error("weeks", message)

    def period(self) -> tuple[AcademicYear, Term | None]:
        kind, _, pk = self.cleaned_data["when"].partition("-")
        if kind == "term":
            term = self.terms[int(pk)]
            return self.years[term.academic_year_id], term
        return self.years[int(pk)], None


class AddPupilsForm(forms.Form):
    pupils = forms.ModelMultipleChoiceField(
        queryset=Pupil.objects.none(),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": "Tick at least one pupil to add."},
    )
    start_date = forms.DateField(
        label="Joining from",
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        help_text="Blank: from the start of the run.",
    )

    def __init__(self, *args: Any, candidates: QuerySet[Pupil], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelMultipleChoiceField, self.fields["pupils"]).queryset = candidates


# --- The results table of a run -------------------------------------------------------------

SNAPSHOT_SALT = "provmap.placement-read"


def sign_snapshot(snapshot: PlacementSnapshot) -> str:
    return signing.dumps(asdict(snapshot), salt=SNAPSHOT_SALT, compress=True)


def read_snapshot(token: str) -> PlacementSnapshot | None:
    """What the user saw, from the signed copy the page carried (None if it was tampered
    with or is missing: the version check still protects the placement)."""
    try:
        return PlacementSnapshot(**signing.loads(token, salt=SNAPSHOT_SALT))
    except (signing.BadSignature, TypeError, ValueError):
        return None


def _plain(value: Decimal | None) -> str:
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class ResultsForm(forms.Form):
    """Baseline, mid-point and exit results and RAGB ratings of a whole group in one table,
    with the date of each test once for the group."""

    def __init__(self, *args: Any, page: RunPage, today: dt.date, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.page = page
        measure = page.measure
        for stage in RESULT_STAGES:
            self.fields[f"{stage}_date"] = forms.DateField(
                label=f"Date of the {STAGE_NAMES[stage]}s",
                required=False,
                initial=page.stage_date(stage) or today,
                widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
                validators=[InDates("school", f"The date of the {STAGE_NAMES[stage]}s")],
            )
        for line in page.lines:
            placement = line.placement
            who = placement.pupil.full_name
            prefix = f"p{placement.pk}"
            self.fields[f"{prefix}-version"] = forms.IntegerField(
                widget=forms.HiddenInput, initial=placement.version
            )
            self.fields[f"{prefix}-read"] = forms.CharField(
                widget=forms.HiddenInput,
                required=False,
                initial=sign_snapshot(placement_snapshot(placement)),
            )
            for stage in RESULT_STAGES:
                field = forms.DecimalField(
                    label=f"{STAGE_NAMES[stage].capitalize()} for {who}",
                    required=False,
                    max_digits=9,
                    decimal_places=2,
                    initial=_plain(getattr(placement, stage).value)
                    if getattr(placement, stage)
                    else "",
                    widget=forms.TextInput(attrs={"inputmode": "decimal", "size": 5}),
                    error_messages={"invalid": f"{who}: enter a number."},
                )
                bounded(field, SCORE)
                if measure is not None:
                    field.validators.append(_in_range(measure, who))
                self.fields[f"{prefix}-{stage}"] = field
            self.fields[f"{prefix}-rating"] = forms.ChoiceField(
                label=f"RAGB rating for {who}",
                choices=[(SUGGESTED, "Suggested"), *RATING_CHOICES, ("", "Not rated")],
                initial=placement.rating or SUGGESTED,
            )

    def rows(self) -> list[dict[str, object]]:
        rows = []
        for line in self.page.lines:
            prefix = f"p{line.placement.pk}"
            rows.append(
                {
                    "line": line,
                    "stages": [self[f"{prefix}-{stage}"] for stage in RESULT_STAGES],
                    "rating": self[f"{prefix}-rating"],
                    "hidden": [self[f"{prefix}-version"], self[f"{prefix}-read"]],
                }
            )
        return rows

    @property
    def date_fields(self) -> list[forms.BoundField]:
        return [self[f"{stage}_date"] for stage in RESULT_STAGES]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        assert data is not None  # Django's clean() returns cleaned_data
        for stage in RESULT_STAGES:
            if data.get(f"{stage}_date"):
                continue
            for line in self.page.lines:
                prefix = f"p{line.placement.pk}"
                entered = data.get(f"{prefix}-{stage}")
                before = getattr(line.placement, stage)
                if entered is not None and (before is None or before.value != entered):
                    self.add_error(f"{stage}_date", f"Give the date of the {STAGE_NAMES[stage]}s.")
                    break
        return data

    def entries(self) -> list[ResultsEntry]:
        data = self.cleaned_data
        entries = []
        for line in self.page.lines:
            prefix = f"p{line.placement.pk}"
            entries.append(
                ResultsEntry(
                    placement_id=line.placement.pk,
                    read_version=data[f"{prefix}-version"],
                    read=read_snapshot(data.get(f"{prefix}-read") or ""),
                    baseline=data.get(f"{prefix}-baseline"),
                    midpoint=data.get(f"{prefix}-midpoint"),
                    exit=data.get(f"{prefix}-exit"),
                    rating=data.get(f"{prefix}-rating", SUGGESTED),
                )
            )
        return entries

    def stage_dates(self) -> dict[str, dt.date]:
        return {
            stage: self.cleaned_data[f"{stage}_date"]
            for stage in RESULT_STAGES
            if self.cleaned_data.get(f"{stage}_date")
        }


def _in_range(measure: Measure, who: str) -> Callable[[Decimal], None]:
    """A pupil's score inside the measure's range (`outside_range`, the one rule), said with
    the pupil's name."""

    def check(value: Decimal) -> None:
        if value is None:
            return
        side = outside_range(value, measure.min_value, measure.max_value)
        if side == BELOW:
            lowest = _plain(measure.min_value)
            raise forms.ValidationError(f"{who}: the lowest score on {measure.name} is {lowest}.")
        if side == ABOVE:
            highest = _plain(measure.max_value)
            raise forms.ValidationError(f"{who}: the highest score on {measure.name} is {highest}.")

    return check


# --- Pupils with a need and no provision ---------------------------------------------------


class UnmetNeedForm(forms.Form):
    """Which pupils with a need to look for: every field optional."""

    need = forms.ChoiceField(label="Need", required=False, choices=NEED_CHOICES)
    nc_year = forms.ChoiceField(
        label="Year group", required=False, choices=_any("Any year", NCYear.choices)
    )
    group = forms.MultipleChoiceField(
        label="Groups (all must apply)",
        required=False,
        choices=VULNERABLE_GROUP_FLAGS,
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, years: Sequence[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Only the years the school has pupils in: a secondary offers no nursery years.
        labels = dict(NCYear.choices)
        cast(forms.ChoiceField, self.fields["nc_year"]).choices = _any(
            "Any year", [(year, labels.get(year, year)) for year in years]
        )

    def filters(self) -> UnmetFilters:
        data = self.cleaned_data if hasattr(self, "cleaned_data") else {}
        return UnmetFilters(
            need=data.get("need") or ON_THE_REGISTER,
            nc_year=data.get("nc_year") or "",
            groups=tuple(data.get("group") or ()),
        )

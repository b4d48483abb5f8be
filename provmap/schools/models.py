"""Trusts, schools, their calendar, staff and money.

Every table that belongs to one school carries `school` (see SchoolOwned), so that a query can
always be scoped to a school and, at national scale, every tenant table can be distributed by
`school_id`.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q

from provmap.schools.bounds import (
    BUDGET,
    CONTRACTED_HOURS,
    HOURLY_RATE,
    SCHOOL_DATES,
    TERM_NUMBER,
    TERM_WEEKS,
    YEAR_WEEKS,
    Bound,
    InBounds,
    InDates,
)
from provmap.schools.roles import StaffRole
from provmap.schools.scoping import SchoolScopedManager

urn_validator = RegexValidator(r"^\d{6}$", "A URN is six digits, for example 118432.")
la_validator = RegexValidator(r"^\d{3}$", "An LA number is three digits, for example 886.")
estab_validator = RegexValidator(r"^\d{4}$", "An establishment number is four digits.")


def _plain(number: Decimal) -> Decimal | int:
    return int(number) if number == number.to_integral_value() else number


def within(field: str, bound: Bound, *, nullable: bool = False) -> Q:
    """A check constraint's condition: `field` inside `bound` (or empty, if it may be)."""
    inside = Q(**{f"{field}__gte": _plain(bound.low), f"{field}__lte": _plain(bound.high)})
    return Q(**{f"{field}__isnull": True}) | inside if nullable else inside


def in_this_century(field: str, *, nullable: bool = False) -> Q:
    """A check constraint's condition: the date `field` in SCHOOL_DATES (or empty)."""
    inside = Q(**{f"{field}__gte": SCHOOL_DATES.first, f"{field}__lte": SCHOOL_DATES.last})
    return Q(**{f"{field}__isnull": True}) | inside if nullable else inside


class Trust(models.Model):
    """A multi-academy trust. Optional: a maintained school belongs to none."""

    name = models.CharField(max_length=200, unique=True)

    def __str__(self) -> str:
        return self.name


class School(models.Model):
    class Phase(models.TextChoices):
        NURSERY = "nursery", "Nursery"
        PRIMARY = "primary", "Primary"
        MIDDLE = "middle", "Middle"
        SECONDARY = "secondary", "Secondary"
        ALL_THROUGH = "all_through", "All-through"
        SPECIAL = "special", "Special"
        ALTERNATIVE = "alternative", "Alternative provision"

    trust = models.ForeignKey(
        Trust, null=True, blank=True, on_delete=models.PROTECT, related_name="schools"
    )
    urn = models.CharField("URN", max_length=6, unique=True, validators=[urn_validator])
    name = models.CharField(max_length=200)
    phase = models.CharField(max_length=20, choices=Phase.choices)
    la_code = models.CharField("LA number", max_length=3, blank=True, validators=[la_validator])
    estab_code = models.CharField(
        "establishment number", max_length=4, blank=True, validators=[estab_validator]
    )
    # Bumped on every change so that two people editing it cannot overwrite each other.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class SchoolOwned(models.Model):
    """Base for every table that belongs to one school (the tenant key)."""

    school = models.ForeignKey(School, on_delete=models.CASCADE, related_name="+")

    # Queries are filtered to the school in scope and refused without one (scoping.py).
    objects: SchoolScopedManager[Any] = SchoolScopedManager()

    class Meta:
        abstract = True


class AcademicYear(SchoolOwned):
    name = models.CharField(max_length=9, help_text="For example 2025-26.")
    start_date = models.DateField(
        validators=[InDates("school", "The first day of the school year")]
    )
    end_date = models.DateField(validators=[InDates("school", "The last day of the school year")])
    # Costing multiplies weekly cost by this; most schools use 38, some LAs 39.
    weeks = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        default=Decimal("38"),
        validators=[InBounds("year_weeks")],
    )
    # Bumped on every change so that two people editing it cannot overwrite each other.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="academic_year_unique_name"),
            models.CheckConstraint(
                condition=Q(start_date__lt=F("end_date")), name="academic_year_dates_in_order"
            ),
            models.CheckConstraint(condition=Q(weeks__gt=0), name="academic_year_weeks_positive"),
            models.CheckConstraint(
                condition=within("weeks", YEAR_WEEKS), name="academic_year_weeks_in_bounds"
            ),
            models.CheckConstraint(
                condition=in_this_century("start_date") & in_this_century("end_date"),
                name="academic_year_dates_in_bounds",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Term(SchoolOwned):
    academic_year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="terms")
    number = models.PositiveSmallIntegerField(
        help_text="1 for the first term of the year.", validators=[InBounds("term_number")]
    )
    name = models.CharField(max_length=40)
    start_date = models.DateField(validators=[InDates("school", "The term's first day")])
    end_date = models.DateField(validators=[InDates("school", "The term's last day")])
    weeks = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        help_text="Teaching weeks in the term.",
        validators=[InBounds("term_weeks")],
    )
    # Bumped on every change so that two people editing it cannot overwrite each other.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["start_date"]
        constraints = [
            models.UniqueConstraint(fields=["academic_year", "number"], name="term_unique_number"),
            models.CheckConstraint(
                condition=Q(start_date__lt=F("end_date")), name="term_dates_in_order"
            ),
            models.CheckConstraint(condition=Q(weeks__gt=0), name="term_weeks_positive"),
            models.CheckConstraint(
                condition=within("number", TERM_NUMBER), name="term_number_in_bounds"
            ),
            models.CheckConstraint(
                condition=within("weeks", TERM_WEEKS), name="term_weeks_in_bounds"
            ),
            models.CheckConstraint(
                condition=in_this_century("start_date") & in_this_century("end_date"),
                name="term_dates_in_bounds",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.academic_year.name}"


class RoleRate(SchoolOwned):
    """The school's standard hourly cost for a staff role, used when a person has no own rate."""

    role = models.CharField(max_length=30, choices=StaffRole.choices)
    hourly_rate = models.DecimalField(
        max_digits=7, decimal_places=2, validators=[InBounds("hourly_rate")]
    )
    # Bumped on every change so that two people editing it cannot overwrite each other.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "role"], name="role_rate_unique_role"),
            models.CheckConstraint(condition=Q(hourly_rate__gte=0), name="role_rate_not_negative"),
            models.CheckConstraint(
                condition=within("hourly_rate", HOURLY_RATE), name="role_rate_in_bounds"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_role_display()}: £{self.hourly_rate}/h"


class StaffMember(SchoolOwned):
    name = models.CharField(max_length=120)
    role = models.CharField(max_length=30, choices=StaffRole.choices)
    # Blank means "use the school's rate for the role" (RoleRate).
    hourly_rate = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[InBounds("hourly_rate")],
        help_text="Leave blank to use the school's rate for the role.",
    )
    contracted_hours = models.DecimalField(
        "contracted hours per week",
        max_digits=5,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[InBounds("contracted_hours")],
    )
    expertise = models.CharField(
        "areas of expertise",
        max_length=300,
        blank=True,
        help_text="For example: ELSA; precision teaching; Makaton.",
    )
    is_external = models.BooleanField(
        default=False, help_text="Employed elsewhere (LA service, NHS therapist, agency)."
    )
    active = models.BooleanField(default=True)
    # Bumped on every change so that two people editing it cannot overwrite each other.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(hourly_rate__isnull=True) | Q(hourly_rate__gte=0),
                name="staff_rate_not_negative",
            ),
            models.CheckConstraint(
                condition=within("hourly_rate", HOURLY_RATE, nullable=True),
                name="staff_rate_in_bounds",
            ),
            models.CheckConstraint(
                condition=within("contracted_hours", CONTRACTED_HOURS, nullable=True),
                name="staff_contracted_hours_in_bounds",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({StaffRole(self.role).code})"

    @property
    def code(self) -> str:
        return StaffRole(self.role).code


class FundingStream(SchoolOwned):
    class Kind(models.TextChoices):
        NOTIONAL_SEN = "notional_sen", "Notional SEN budget"
        PUPIL_PREMIUM = "pupil_premium", "Pupil premium"
        HIGH_NEEDS = "high_needs", "High-needs top-up"
        CORE = "core", "Core school budget"
        OTHER = "other", "Other"

    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # Bumped on every change so that two people editing it cannot overwrite each other.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="funding_stream_unique_name"),
        ]

    def __str__(self) -> str:
        return self.name


class FundingBudget(SchoolOwned):
    stream = models.ForeignKey(FundingStream, on_delete=models.CASCADE, related_name="budgets")
    academic_year = models.ForeignKey(AcademicYear, on_delete=models.CASCADE, related_name="+")
    amount = models.DecimalField(max_digits=10, decimal_places=2, validators=[InBounds("budget")])
    # Bumped on every change so that two people editing it cannot overwrite each other.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["stream", "academic_year"], name="funding_budget_one_per_year"
            ),
            models.CheckConstraint(condition=Q(amount__gte=0), name="funding_budget_not_negative"),
            models.CheckConstraint(
                condition=within("amount", BUDGET), name="funding_budget_in_bounds"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.stream} {self.academic_year}: £{self.amount}"

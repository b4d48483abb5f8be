"""The register of every pupil on roll, their SEN history and needs, and their results.

Every pupil of the school is here, not only the SEN register: any child may need support at
some point, and the gaps between groups can only be measured against everyone.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, Q

from provmap.pupils.needs import NeedType
from provmap.pupils.upn import UPNError, validate_upn
from provmap.schools.bounds import BIRTH_DATES, SCORE, InBounds, InDates
from provmap.schools.models import SchoolOwned, in_this_century, within
from provmap.schools.scoping import SchoolScopedManager


def upn_field_validator(value: str) -> None:
    try:
        validate_upn(value)
    except UPNError as exc:
        raise ValidationError(str(exc), code="invalid_upn") from exc


class NCYear(models.TextChoices):
    N1 = "N1", "Nursery 1"
    N2 = "N2", "Nursery 2"
    R = "R", "Reception"
    Y1 = "1", "Year 1"
    Y2 = "2", "Year 2"
    Y3 = "3", "Year 3"
    Y4 = "4", "Year 4"
    Y5 = "5", "Year 5"
    Y6 = "6", "Year 6"
    Y7 = "7", "Year 7"
    Y8 = "8", "Year 8"
    Y9 = "9", "Year 9"
    Y10 = "10", "Year 10"
    Y11 = "11", "Year 11"
    Y12 = "12", "Year 12"
    Y13 = "13", "Year 13"


# Order for sorting year groups, since "10" < "7" as text.
NC_YEAR_ORDER = {value: index for index, value in enumerate(NCYear.values)}


class Sex(models.TextChoices):
    FEMALE = "F", "Female"
    MALE = "M", "Male"


class SENStatus(models.TextChoices):
    NONE = "N", "No SEN"
    SUPPORT = "K", "SEN support"
    EHC_PLAN = "E", "EHC plan"
    # Codes before the 2014 reforms; kept so that history and old files read correctly.
    SCHOOL_ACTION = "A", "School Action (historic)"
    SCHOOL_ACTION_PLUS = "P", "School Action Plus (historic)"
    STATEMENT = "S", "Statement (historic)"


# Flags for the groups schools track; (field name, label). One list for filters and exports.
VULNERABLE_GROUP_FLAGS: list[tuple[str, str]] = [
    ("pupil_premium", "Pupil premium (disadvantaged)"),
    ("fsm", "Free school meals now"),
    ("ever6_fsm", "FSM in the last six years (Ever-6)"),
    ("eal", "English as an additional language"),
    ("looked_after", "Looked after"),
    ("previously_looked_after", "Previously looked after"),
    ("young_carer", "Young carer"),
    ("more_able", "More able"),
    ("at_risk_of_exclusion", "At risk of exclusion"),
]
# The flags' field names, in the same order: what forms, imports, the register's updates and
# erasure set.
VULNERABLE_GROUP_FIELDS: tuple[str, ...] = tuple(name for name, _ in VULNERABLE_GROUP_FLAGS)


class PupilQuerySet(models.QuerySet["Pupil"]):
    def current(self) -> PupilQuerySet:
        """Pupils not archived: every page but the SENCO's data-protection page."""
        return self.filter(archived_at__isnull=True)

    def visible_to(self, scope: Visibility) -> PupilQuerySet:
        """The pupils `scope` may see: always without archived leavers. The one way pages,
        exports, searches, counts and charts find pupils for a user."""
        return self.filter(scope.pupil_filter())


PupilManager = SchoolScopedManager.from_queryset(PupilQuerySet)


class Visibility(Protocol):
    """What a user may see (accounts' PupilScope): this app does not import accounts."""

    def pupil_filter(self, prefix: str = "") -> Q: ...


class Pupil(SchoolOwned):
    upn = models.CharField("UPN", max_length=13, validators=[upn_field_validator])
    mis_id = models.CharField("MIS id", max_length=40, blank=True)
    legal_forename = models.CharField(max_length=100)
    preferred_forename = models.CharField(max_length=100, blank=True)
    surname = models.CharField(max_length=100)
    date_of_birth = models.DateField(validators=[InDates("birth", "The date of birth")])
    sex = models.CharField(max_length=1, choices=Sex.choices)
    nc_year = models.CharField("NC year", max_length=2, choices=NCYear.choices)
    form = models.CharField("form / tutor group", max_length=20, blank=True)
    # Current status; the dated history is in SENStatusPeriod, written together by
    # pupil_set_sen_status. Kept here because almost every filter and count needs it.
    sen_status = models.CharField(
        "SEN status", max_length=1, choices=SENStatus.choices, default=SENStatus.NONE
    )
    ethnicity = models.CharField(max_length=4, blank=True, help_text="Census code, e.g. WBRI.")
    first_language = models.CharField(max_length=4, blank=True, help_text="Census code, e.g. ENG.")
    pupil_premium = models.BooleanField("pupil premium", default=False)
    fsm = models.BooleanField("FSM", default=False)
    ever6_fsm = models.BooleanField("Ever-6 FSM", default=False)
    eal = models.BooleanField("EAL", default=False)
    looked_after = models.BooleanField(default=False)
    previously_looked_after = models.BooleanField(default=False)
    young_carer = models.BooleanField(default=False)
    more_able = models.BooleanField(default=False)
    at_risk_of_exclusion = models.BooleanField(default=False)
    on_roll_from = models.DateField(validators=[InDates("school", "The date the pupil joined")])
    on_roll_to = models.DateField(
        null=True,
        blank=True,
        help_text="Blank while on roll.",
        validators=[InDates("school", "The date the pupil left")],
    )
    # Set when a leaver is archived (or erased): hidden from every page but the SENCO's
    # data-protection page. See provmap.accounts.data_protection.
    archived_at = models.DateTimeField(null=True, blank=True, editable=False)

    objects = PupilManager()

    class Meta:
        ordering = ["surname", "legal_forename"]
        constraints = [
            models.UniqueConstraint(fields=["school", "upn"], name="pupil_one_upn_per_school"),
            models.CheckConstraint(
                condition=Q(on_roll_to__isnull=True) | Q(on_roll_to__gte=F("on_roll_from")),
                name="pupil_roll_dates_in_order",
            ),
            models.CheckConstraint(
                condition=Q(sen_status__in=SENStatus.values), name="pupil_sen_status_known"
            ),
            models.CheckConstraint(
                condition=Q(
                    date_of_birth__gte=BIRTH_DATES.first, date_of_birth__lte=BIRTH_DATES.last
                )
                & in_this_century("on_roll_from")
                & in_this_century("on_roll_to", nullable=True),
                name="pupil_dates_in_bounds",
            ),
        ]
        indexes = [models.Index(fields=["school", "nc_year"])]

    def __str__(self) -> str:
        return self.full_name

    @property
    def forename(self) -> str:
        return self.preferred_forename or self.legal_forename

    @property
    def full_name(self) -> str:
        return f"{self.forename} {self.surname}"

    def is_on_roll(self, on: dt.date) -> bool:
        return self.on_roll_from <= on and (self.on_roll_to is None or on <= self.on_roll_to)


class SENStatusPeriod(SchoolOwned):
    """A period in which a pupil had one SEN status (N/K/E, or historic A/P/S)."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="sen_history")
    status = models.CharField(max_length=1, choices=SENStatus.choices)
    start_date = models.DateField(validators=[InDates("school", "The date the SEN status started")])
    end_date = models.DateField(
        null=True, blank=True, validators=[InDates("school", "The date the SEN status ended")]
    )

    class Meta:
        ordering = ["pupil", "start_date"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="sen_period_dates_in_order",
            ),
            models.UniqueConstraint(
                fields=["pupil", "start_date"], name="sen_period_one_start_per_day"
            ),
            models.CheckConstraint(
                condition=in_this_century("start_date")
                & in_this_century("end_date", nullable=True),
                name="sen_period_dates_in_bounds",
            ),
        ]


class PupilNeedQuerySet(models.QuerySet["PupilNeed"]):
    def current(self) -> PupilNeedQuerySet:
        """The needs a pupil has now (not ended): what pages, filters, exports and counts
        read; ended needs are the pupil's history."""
        return self.filter(end_date__isnull=True)


PupilNeedManager = SchoolScopedManager.from_queryset(PupilNeedQuerySet)


class PupilNeed(SchoolOwned):
    """A ranked SEN need type: rank 1 is the primary need, 2 the secondary, and so on.

    A need with an end date is history, not a current need; a need that ended and started
    again is two rows. Needs recorded without dates are current."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="needs")
    need_type = models.CharField(max_length=4, choices=NeedType.choices)
    rank = models.PositiveSmallIntegerField(default=1)
    start_date = models.DateField(
        null=True, blank=True, validators=[InDates("school", "The date the need started")]
    )
    end_date = models.DateField(
        null=True, blank=True, validators=[InDates("school", "The date the need ended")]
    )

    objects = PupilNeedManager()

    class Meta:
        ordering = ["pupil", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["pupil", "rank"],
                condition=Q(end_date__isnull=True),
                name="pupil_need_unique_rank",
            ),
            models.UniqueConstraint(
                fields=["pupil", "need_type"],
                condition=Q(end_date__isnull=True),
                name="pupil_need_unique_type",
            ),
            models.CheckConstraint(condition=Q(rank__gte=1), name="pupil_need_rank_positive"),
            # Each need type is listed once, so there are never more ranks than types.
            models.CheckConstraint(
                condition=Q(rank__lte=len(NeedType.values)), name="pupil_need_rank_in_bounds"
            ),
            models.CheckConstraint(
                condition=Q(start_date__isnull=True)
                | Q(end_date__isnull=True)
                | Q(end_date__gte=F("start_date")),
                name="pupil_need_dates_in_order",
            ),
            models.CheckConstraint(
                condition=in_this_century("start_date", nullable=True)
                & in_this_century("end_date", nullable=True),
                name="pupil_need_dates_in_bounds",
            ),
        ]


class Measure(SchoolOwned):
    """An assessment or indicator the school records: its scale and which way is better."""

    class Scale(models.TextChoices):
        STANDARDISED = "standardised", "Standardised score (mean 100, SD 15)"
        AGE_MONTHS = "age_months", "Age in months (reading or spelling age)"
        RAW = "raw", "Raw score"
        RATING = "rating", "Rating scale"
        PERCENT = "percent", "Percentage"
        COUNT = "count", "Count"
        GRADE = "grade", "Attainment grade"

    class Kind(models.TextChoices):
        """What the measure tells about (the impact pages' wider outcomes and gaps use it)."""

        ATTAINMENT = "attainment", "Attainment"
        ATTENDANCE = "attendance", "Attendance"
        BEHAVIOUR = "behaviour", "Behaviour"
        WELLBEING = "wellbeing", "Wellbeing"
        OTHER = "other", "Other"

    name = models.CharField(max_length=120)
    scale = models.CharField(max_length=20, choices=Scale.choices)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.OTHER)
    higher_is_better = models.BooleanField(default=True)
    min_value = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[InBounds("lowest_score")],
    )
    max_value = models.DecimalField(
        max_digits=9,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[InBounds("highest_score")],
    )
    description = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="measure_unique_name"),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True)
                | Q(max_value__isnull=True)
                | Q(min_value__lt=F("max_value")),
                name="measure_range_in_order",
            ),
            models.CheckConstraint(
                condition=within("min_value", SCORE, nullable=True)
                & within("max_value", SCORE, nullable=True),
                name="measure_range_in_bounds",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Result(SchoolOwned):
    """Any pupil's result on a measure on a date: cohort tests, attendance, and the entry,
    mid-point and exit results of placements (which point at these rows)."""

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="results")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="results")
    date = models.DateField(validators=[InDates("school", "The date of the result")])
    value = models.DecimalField(max_digits=9, decimal_places=2, validators=[InBounds("score")])
    source = models.CharField(max_length=60, blank=True, help_text="Where the result came from.")

    class Bound(models.TextChoices):
        """A score given as a bound of the test's range ("<70", "131+"): the value is the
        bound, and the pupil's true score lies beyond it."""

        EXACT = "", "Exact"
        BELOW = "<", "Below the value (written as <70)"
        ABOVE = ">", "Above the value (written as 131+)"

    bound = models.CharField(max_length=1, choices=Bound.choices, blank=True, default="")

    class Meta:
        ordering = ["pupil", "measure", "date"]
        constraints = [
            models.CheckConstraint(
                condition=within("value", SCORE) & in_this_century("date"),
                name="result_in_bounds",
            ),
        ]
        indexes = [
            models.Index(fields=["school", "measure", "date"]),
            models.Index(fields=["pupil", "measure", "date"]),
        ]

    def __str__(self) -> str:
        return f"{self.measure}: {self.value} on {self.date:%d/%m/%Y}"

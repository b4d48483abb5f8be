"""The provision catalogue, its deliveries (runs), the pupils placed in them, and the costed
resources that belong to no pupil (management time, training, materials)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q

from provmap.pupils.models import Measure, Pupil, Result
from provmap.pupils.needs import Area, NeedType
from provmap.schools.bounds import (
    EVIDENCE_MONTHS,
    FIXED_COST,
    HOURS_A_WEEK,
    MINUTES_PER_SESSION,
    PRICE,
    PUPILS_IN_RATIO,
    RUN_WEEKS,
    SESSIONS_PER_WEEK,
    STAFF_IN_RATIO,
    SUCCESS_GAIN,
    USUAL_WEEKS,
    InBounds,
    InDates,
    show_number,
)
from provmap.schools.models import (
    AcademicYear,
    FundingStream,
    SchoolOwned,
    StaffMember,
    Term,
    in_this_century,
    within,
)


class Wave(models.IntegerChoices):
    ONE = 1, "Wave 1: quality-first teaching"
    TWO = 2, "Wave 2: small-group catch-up"
    THREE = 3, "Wave 3: individual or specialist"


class ProvisionType(models.TextChoices):
    GROUP = "group", "Small-group intervention"
    ONE_TO_ONE = "one_to_one", "One-to-one tuition or programme"
    IN_CLASS = "in_class", "In-class support"
    THERAPY = "therapy", "Therapy"
    MENTORING = "mentoring", "Mentoring or counselling"
    PASTORAL = "pastoral", "Pastoral or nurture"
    ACCESS = "access", "Access arrangement or equipment"
    ASSESSMENT = "assessment", "Assessment"
    CLASSROOM = "classroom", "Classroom adaptation (wave 1)"
    OTHER = "other", "Other"


class CostBasis(models.TextChoices):
    """How a provision is costed (the rules are in provision/costing.py)."""

    STAFF_TIME = "staff_time", "Staff time (the default)"
    PER_SESSION = "per_session", "A price per session"
    PER_PUPIL = "per_pupil", "A price per pupil placed"
    PER_RUN = "per_run", "A price per group (each run)"
    PER_YEAR = "per_year", "A price per school year"
    NO_COST = "no_cost", "No cost to the school"


# The bases that need a price.
PRICED_BASES = frozenset(
    {CostBasis.PER_SESSION, CostBasis.PER_PUPIL, CostBasis.PER_RUN, CostBasis.PER_YEAR}
)


class Provision(SchoolOwned):
    """An entry in the school's catalogue of provision (what it can offer)."""

    name = models.CharField(max_length=160)
    description = models.TextField(blank=True)
    wave = models.PositiveSmallIntegerField(choices=Wave.choices)
    provision_type = models.CharField(max_length=20, choices=ProvisionType.choices)
    default_staff = models.PositiveSmallIntegerField(
        "staff in the usual ratio", default=1, validators=[InBounds("staff_in_ratio")]
    )
    default_pupils = models.PositiveSmallIntegerField(
        "pupils in the usual ratio", default=1, validators=[InBounds("pupils_in_ratio")]
    )
    sessions_per_week = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        default=Decimal("1"),
        validators=[InBounds("sessions_per_week")],
    )
    minutes_per_session = models.PositiveSmallIntegerField(
        default=30, validators=[InBounds("minutes_per_session")]
    )
    usual_weeks = models.PositiveSmallIntegerField(
        "usual length in weeks", default=10, validators=[InBounds("usual_weeks")]
    )
    # How it is costed: from staff time, at a price (a bought-in service) or at no cost to
    # the school (e.g. NHS therapy). A price is given exactly when the basis needs one.
    cost_basis = models.CharField(
        "how it is costed",
        max_length=12,
        choices=CostBasis.choices,
        default=CostBasis.STAFF_TIME,
    )
    price = models.DecimalField(
        max_digits=9, decimal_places=2, null=True, blank=True, validators=[InBounds("price")]
    )
    # The NC year groups it is usually for, comma-separated ("7,8"); blank: any year. Adding
    # a pupil from another year is allowed after a warning.
    usual_years = models.CharField("usual year groups", max_length=60, blank=True)
    measure = models.ForeignKey(
        Measure,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="provisions",
        help_text="How progress is measured (its scale and direction come with it).",
    )
    success_criteria = models.TextField(blank=True)
    # The gain on the measure (in its own units, in the better direction) that counts as
    # meeting the success criteria; used to suggest a rating.
    success_gain = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[InBounds("success_gain")],
    )
    evidence_strand = models.CharField(
        max_length=120, blank=True, help_text="For example an EEF toolkit strand."
    )
    evidence_months = models.SmallIntegerField(
        null=True,
        blank=True,
        help_text="Expected months of additional progress.",
        validators=[InBounds("evidence_months")],
    )
    evidence_notes = models.TextField(blank=True)
    active = models.BooleanField(default=True)
    # Bumped on every change so that two people editing one entry cannot overwrite each other.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["wave", "name"]
        constraints = [
            models.UniqueConstraint(fields=["school", "name"], name="provision_unique_name"),
            models.CheckConstraint(
                condition=Q(sessions_per_week__gt=0), name="provision_sessions_positive"
            ),
            models.CheckConstraint(
                condition=within("default_staff", STAFF_IN_RATIO)
                & within("default_pupils", PUPILS_IN_RATIO),
                name="provision_ratio_in_bounds",
            ),
            models.CheckConstraint(
                condition=within("sessions_per_week", SESSIONS_PER_WEEK)
                & within("minutes_per_session", MINUTES_PER_SESSION)
                & within("usual_weeks", USUAL_WEEKS),
                name="provision_time_in_bounds",
            ),
            models.CheckConstraint(
                condition=within("success_gain", SUCCESS_GAIN, nullable=True)
                & within("evidence_months", EVIDENCE_MONTHS, nullable=True),
                name="provision_evidence_in_bounds",
            ),
            models.CheckConstraint(
                condition=Q(
                    cost_basis__in=sorted(PRICED_BASES),
                    price__isnull=False,
                    price__gte=PRICE.low,
                    price__lte=PRICE.high,
                )
                | Q(
                    cost_basis__in=[CostBasis.STAFF_TIME, CostBasis.NO_COST],
                    price__isnull=True,
                ),
                name="provision_price_fits_basis",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def default_ratio(self) -> str:
        return f"{self.default_staff}:{self.default_pupils}"

    @property
    def is_priced(self) -> bool:
        return self.cost_basis in PRICED_BASES

    @property
    def is_no_cost(self) -> bool:
        return self.cost_basis == CostBasis.NO_COST

    @property
    def cost_words(self) -> str:
        """How it is costed, in words: "£45 a session", "No cost to the school"."""
        if self.cost_basis == CostBasis.NO_COST:
            return "No cost to the school"
        if not self.is_priced or self.price is None:
            return "Staff time"
        per = {
            CostBasis.PER_SESSION: "a session",
            CostBasis.PER_PUPIL: "a pupil placed",
            CostBasis.PER_RUN: "a group (each run)",
            CostBasis.PER_YEAR: "a school year (each run its weeks' part)",
        }[CostBasis(self.cost_basis)]
        return f"{show_number(self.price, money=True)} {per}"


class ProvisionArea(SchoolOwned):
    """A broad area of need that a provision addresses (a provision may address several)."""

    provision = models.ForeignKey(Provision, on_delete=models.CASCADE, related_name="areas")
    area = models.CharField(max_length=4, choices=Area.choices)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provision", "area"], name="provision_area_unique"),
        ]


class ProvisionRun(SchoolOwned):
    """One delivery of a provision: a group (or a 1:1) over a term or a range of dates."""

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        RUNNING = "running", "Running"
        CLOSED = "closed", "Closed"

    provision = models.ForeignKey(Provision, on_delete=models.PROTECT, related_name="runs")
    label = models.CharField(
        max_length=80, blank=True, help_text="To tell groups apart, e.g. 'Group A' or '8N-EN2'."
    )
    academic_year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="+")
    term = models.ForeignKey(
        Term,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="runs",
        help_text="Blank for a run over the whole year or other dates.",
    )
    start_date = models.DateField(validators=[InDates("school", "The run's start date")])
    end_date = models.DateField(validators=[InDates("school", "The run's end date")])
    sessions_per_week = models.DecimalField(
        max_digits=4, decimal_places=1, validators=[InBounds("sessions_per_week")]
    )
    minutes_per_session = models.PositiveSmallIntegerField(
        validators=[InBounds("minutes_per_session")]
    )
    weeks = models.DecimalField(max_digits=4, decimal_places=1, validators=[InBounds("run_weeks")])
    day_time = models.CharField("day and time", max_length=80, blank=True)
    withdrawn_from = models.CharField(
        "lesson withdrawn from",
        max_length=80,
        blank=True,
        help_text="Blank when delivered outside lessons (before school, break, lunch).",
    )
    funding_stream = models.ForeignKey(
        FundingStream, null=True, blank=True, on_delete=models.PROTECT, related_name="runs"
    )
    lead_staff = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="runs_led"
    )
    reviewing_staff = models.ForeignKey(
        StaffMember,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="runs_reviewed",
    )
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    notes = models.TextField(blank=True)
    # Bumped on every change to the run, its staff or its group, so that two people editing
    # one run cannot overwrite each other, and an undo knows nothing came after it.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["start_date", "provision__name", "label"]
        constraints = [
            models.CheckConstraint(
                condition=Q(start_date__lte=F("end_date")), name="run_dates_in_order"
            ),
            models.CheckConstraint(condition=Q(weeks__gt=0), name="run_weeks_positive"),
            models.CheckConstraint(
                condition=Q(sessions_per_week__gt=0), name="run_sessions_positive"
            ),
            models.CheckConstraint(
                condition=Q(minutes_per_session__gt=0), name="run_minutes_positive"
            ),
            models.CheckConstraint(
                condition=within("sessions_per_week", SESSIONS_PER_WEEK)
                & within("minutes_per_session", MINUTES_PER_SESSION)
                & within("weeks", RUN_WEEKS),
                name="run_time_in_bounds",
            ),
            models.CheckConstraint(
                condition=in_this_century("start_date") & in_this_century("end_date"),
                name="run_dates_in_bounds",
            ),
        ]
        indexes = [models.Index(fields=["school", "start_date", "end_date"])]

    def __str__(self) -> str:
        return f"{self.provision.name} {self.label}".strip()


class RunStaff(SchoolOwned):
    """A member of staff delivering a run, with their own weekly time (blank = the run's)."""

    run = models.ForeignKey(ProvisionRun, on_delete=models.CASCADE, related_name="staff_lines")
    staff = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="run_lines")
    sessions_per_week = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[InBounds("sessions_per_week")],
    )
    minutes_per_session = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[InBounds("minutes_per_session")]
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["run", "staff"], name="run_staff_once_per_run"),
            models.CheckConstraint(
                condition=within("sessions_per_week", SESSIONS_PER_WEEK, nullable=True)
                & within("minutes_per_session", MINUTES_PER_SESSION, nullable=True),
                name="run_staff_time_in_bounds",
            ),
        ]

    @property
    def effective_sessions(self) -> Decimal:
        return self.sessions_per_week or self.run.sessions_per_week

    @property
    def effective_minutes(self) -> int:
        return self.minutes_per_session or self.run.minutes_per_session


class Placement(SchoolOwned):
    """A pupil in a run: why, how urgently, their entry/mid/exit results and their rating."""

    class Priority(models.TextChoices):
        MUST = "must", "Must"
        SHOULD = "should", "Should"
        COULD = "could", "Could"

    class Status(models.TextChoices):
        PLANNED = "planned", "Planned"
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        WITHDRAWN = "withdrawn", "Withdrawn"

    class Leaving(models.TextChoices):
        COMPLETED = "completed", "Completed the programme"
        WITHDRAWN = "withdrawn", "Withdrawn"
        MOVED = "moved", "Moved to another group"
        LEFT_SCHOOL = "left_school", "Left the school"

    class Rating(models.TextChoices):
        RED = "R", "Red: no progress"
        AMBER = "A", "Amber: some progress"
        GREEN = "G", "Green: met the success criteria"
        BLUE = "B", "Blue: exceeded the success criteria"

    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="placements")
    run = models.ForeignKey(ProvisionRun, on_delete=models.CASCADE, related_name="placements")
    start_date = models.DateField(validators=[InDates("school", "The placement's start date")])
    end_date = models.DateField(
        null=True,
        blank=True,
        help_text="Blank: to the end of the run.",
        validators=[InDates("school", "The placement's end date")],
    )
    need_type = models.CharField(
        "need addressed", max_length=4, choices=NeedType.choices, blank=True
    )
    priority = models.CharField(max_length=6, choices=Priority.choices, default=Priority.SHOULD)
    baseline = models.ForeignKey(
        Result, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    midpoint = models.ForeignKey(
        Result, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    exit = models.ForeignKey(
        Result, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    rating = models.CharField("RAGB rating", max_length=1, choices=Rating.choices, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PLANNED)
    leaving_reason = models.CharField(
        "reason for leaving", max_length=12, choices=Leaving.choices, blank=True
    )
    notes = models.TextField(blank=True)
    # Bumped on every edit so that two people editing one placement cannot overwrite each other.
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["run", "pupil__surname"]
        constraints = [
            models.UniqueConstraint(fields=["run", "pupil"], name="placement_pupil_once_per_run"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=F("start_date")),
                name="placement_dates_in_order",
            ),
            models.CheckConstraint(
                condition=in_this_century("start_date")
                & in_this_century("end_date", nullable=True),
                name="placement_dates_in_bounds",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.pupil} in {self.run}"


class RunChange(SchoolOwned):
    """The run as it was before its last change (its fields and staff lines in `before`, its
    placements in RunChangePlacement rows), so that the change can be undone while nothing
    has changed the run since (`version_after` is the run's version the change left). One
    row a run: the last. Its summary names no pupil."""

    run = models.OneToOneField(ProvisionRun, on_delete=models.CASCADE, related_name="last_change")
    summary = models.CharField(max_length=200)
    before = models.JSONField()
    version_after = models.PositiveIntegerField()
    made_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"{self.summary} ({self.run_id})"


class RunChangePlacement(SchoolOwned):
    """A pupil's place in the run as it was before its last change (one row a placement),
    pointing at the pupil so that erasing their record removes it (and so the undo)."""

    change = models.ForeignKey(RunChange, on_delete=models.CASCADE, related_name="placements")
    pupil = models.ForeignKey(Pupil, on_delete=models.CASCADE, related_name="+")
    data = models.JSONField()


class GeneralResource(SchoolOwned):
    """Costed provision that is not tied to pupils: management time, training, materials.

    Costed either from staff time (hours a week x the person's rate x weeks) or as a fixed sum.
    """

    class Kind(models.TextChoices):
        MANAGEMENT = "management", "Management and supervision"
        ADMIN = "admin", "Administration and paperwork"
        TRAINING = "training", "Training and professional development"
        MATERIALS = "materials", "Resources and materials"
        OTHER = "other", "Other"

    academic_year = models.ForeignKey(AcademicYear, on_delete=models.PROTECT, related_name="+")
    name = models.CharField(max_length=160)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    funding_stream = models.ForeignKey(
        FundingStream, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    staff = models.ForeignKey(
        StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    hours_per_week = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[InBounds("hours_a_week")],
    )
    weeks = models.DecimalField(
        max_digits=4, decimal_places=1, null=True, blank=True, validators=[InBounds("run_weeks")]
    )
    fixed_cost = models.DecimalField(
        max_digits=10,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[InBounds("fixed_cost")],
    )
    notes = models.TextField(blank=True)
    # Bumped on every change so that two people editing it cannot overwrite each other.
    version = models.PositiveIntegerField(default=1, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=Q(fixed_cost__isnull=False)
                | Q(staff__isnull=False, hours_per_week__isnull=False),
                name="general_resource_has_a_cost",
            ),
            models.CheckConstraint(
                condition=within("hours_per_week", HOURS_A_WEEK, nullable=True)
                & within("weeks", RUN_WEEKS, nullable=True)
                & within("fixed_cost", FIXED_COST, nullable=True),
                name="general_resource_in_bounds",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class RunSession(SchoolOwned):
    """One session of a run as it happened (Kent's appendix 8, the register): held or not
    (and why not), how long, and notes of significant outcomes; with each pupil's attendance.
    What a run delivered, its fidelity and its cost to date are read from these."""

    class NotHeld(models.TextChoices):
        STAFF_ABSENT = "staff_absent", "Staff absent or called away"
        SCHOOL_EVENT = "school_event", "School event, trip or exams"
        ROOM = "room", "No room"
        CLOSURE = "closure", "School closed"
        OTHER = "other", "Other reason"

    run = models.ForeignKey(ProvisionRun, on_delete=models.CASCADE, related_name="sessions")
    date = models.DateField(validators=[InDates("school", "The session's date")])
    held = models.BooleanField(default=True)
    not_held_reason = models.CharField(
        "why it was not held", max_length=14, choices=NotHeld.choices, blank=True
    )
    minutes = models.PositiveSmallIntegerField(
        "minutes", validators=[InBounds("minutes_per_session")], help_text="How long it lasted."
    )
    note = models.TextField("significant outcomes", blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    recorded_by_name = models.CharField(max_length=150, blank=True)
    recorded_at = models.DateTimeField(auto_now=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["run", "date"]
        constraints = [
            # A run meets at most once a day: a register is found by its date.
            models.UniqueConstraint(fields=["run", "date"], name="run_session_once_a_day"),
            models.CheckConstraint(
                condition=Q(held=True, not_held_reason="") | Q(held=False) & ~Q(not_held_reason=""),
                name="run_session_reason_when_not_held",
            ),
            models.CheckConstraint(
                condition=within("minutes", MINUTES_PER_SESSION) & in_this_century("date"),
                name="run_session_in_bounds",
            ),
        ]
        indexes = [models.Index(fields=["school", "run", "date"])]

    def __str__(self) -> str:
        return f"{self.run} on {self.date:%d/%m/%Y}"


class SessionAttendance(SchoolOwned):
    """A pupil at one session: attended, or absent with the reason."""

    class Mark(models.TextChoices):
        ATTENDED = "attended", "Attended"
        ABSENT = "absent", "Absent"

    class Absence(models.TextChoices):
        OFF_SCHOOL = "off_school", "Not in school"
        OTHER_COMMITMENT = "commitment", "Another commitment (trip, exam, lesson)"
        DECLINED = "declined", "Declined to come"
        OTHER = "other", "Other reason"

    session = models.ForeignKey(RunSession, on_delete=models.CASCADE, related_name="attendance")
    placement = models.ForeignKey(Placement, on_delete=models.CASCADE, related_name="attendance")
    mark = models.CharField(max_length=8, choices=Mark.choices)
    absence_reason = models.CharField("reason", max_length=10, choices=Absence.choices, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["session", "placement"], name="session_attendance_once"
            ),
            models.CheckConstraint(
                condition=Q(mark="attended", absence_reason="")
                | Q(mark="absent") & ~Q(absence_reason=""),
                name="session_attendance_reason_when_absent",
            ),
        ]


class RunSlot(SchoolOwned):
    """When a run meets in the week: a day, a start and end time, and the lesson (subject) its
    pupils are withdrawn from (blank: outside lessons). Where a school gives slots, the clash
    rules read them instead of the free-text `day_time`."""

    class Weekday(models.IntegerChoices):
        MONDAY = 1, "Monday"
        TUESDAY = 2, "Tuesday"
        WEDNESDAY = 3, "Wednesday"
        THURSDAY = 4, "Thursday"
        FRIDAY = 5, "Friday"

    run = models.ForeignKey(ProvisionRun, on_delete=models.CASCADE, related_name="slots")
    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()
    subject = models.CharField(
        "lesson withdrawn from",
        max_length=60,
        blank=True,
        help_text="Blank when outside lessons (before school, break, lunch, after school).",
    )

    class Meta:
        ordering = ["run", "weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=1, weekday__lte=5), name="run_slot_weekday_known"
            ),
            models.CheckConstraint(
                condition=Q(start_time__lt=F("end_time")), name="run_slot_times_in_order"
            ),
            models.UniqueConstraint(fields=["run", "weekday", "start_time"], name="run_slot_once"),
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"

    @property
    def text(self) -> str:
        """How pages show it: "Mon 09:00-09:30 (English)"."""
        when = f"{self.get_weekday_display()[:3]} {self.start_time:%H:%M}-{self.end_time:%H:%M}"
        return f"{when} ({self.subject})" if self.subject else when

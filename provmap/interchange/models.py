"""What the interchange app remembers: how a school's files name their columns, and the imports
started from the browser (their status and progress)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from provmap.schools.models import SchoolOwned


class ImportKind(models.TextChoices):
    PUPILS = "pupils", "Pupils from the MIS"
    MAP = "map", "Spreadsheet provision map"
    RESULTS = "results", "Results"


class ColumnMapping(SchoolOwned):
    """The columns a school confirmed for one kind of import, remembered for its next file.

    `headings` maps a normalised heading (see interchange.columns.normalise_heading) to the
    field it feeds, or to "" for a column the school chose to ignore. Headings from every
    confirmed file are merged, so a heading seen once is recognised from then on.
    """

    kind = models.CharField(max_length=10, choices=ImportKind.choices)
    headings = models.JSONField(default=dict)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["school", "kind"], name="column_mapping_one_per_kind"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} columns"


class ImportJob(SchoolOwned):
    """One import started from the browser: the file checked in the background, previewed,
    then (once confirmed) imported in the background while the page shows its progress.
    The command line does not record jobs: a rejected file must leave the database exactly as
    it was.

    The uploaded file's bytes are kept in `data` only while the job needs them: they are
    emptied when the import is done or fails, and a day after a check that nobody confirmed
    (provmap.interchange.jobs). What a job does next is `task` once it is `queued`.
    """

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        QUEUED = "queued", "Waiting to start"
        PREVIEWED = "previewed", "Checked, waiting for confirmation"
        RUNNING = "running", "In progress"
        DONE = "done", "Imported"
        REJECTED = "rejected", "Problems found"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Not confirmed: file deleted"
        CANCELLED = "cancelled", "Cancelled: file deleted"

    class Task(models.TextChoices):
        CHECK = "check", "Check the file"
        IMPORT = "import", "Import the file"

    kind = models.CharField(max_length=10, choices=ImportKind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    task = models.CharField(max_length=10, choices=Task.choices, default=Task.CHECK)
    file_name = models.CharField(max_length=255)
    file_size = models.PositiveBigIntegerField(default=0)
    file_sha256 = models.CharField(max_length=64, blank=True)
    # The uploaded file, until the job no longer needs it (see above).
    data = models.BinaryField(default=b"", blank=True)
    # The user's choices: "columns" (normalised heading -> field, "" to ignore), "whole_roll"
    # (pupils: true, false or null to decide from the file), "valid_rows_only".
    options = models.JSONField(default=dict, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Who is working on it ("host:pid:thread") and when they last said so.
    worker = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Rows applied so far out of rows to apply, for the progress bar.
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    # What the check found, then what the import did (provmap.interchange.jobs.describe).
    summary = models.JSONField(default=dict, blank=True)
    # Why a job failed, in words for the person who started it.
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="import_job_queue")]
        constraints = [
            models.CheckConstraint(
                condition=Q(progress_done__lte=models.F("progress_total")),
                name="import_job_progress_in_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.file_name} ({self.get_status_display()})"

    @property
    def percent_done(self) -> int:
        if not self.progress_total:
            return 0
        return round(100 * self.progress_done / self.progress_total)

    @property
    def in_progress(self) -> bool:
        """Waiting for, or in the hands of, a worker: the page keeps asking how it goes."""
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

    @property
    def checked(self) -> bool:
        """A check has finished and the file can still be imported or checked again."""
        return self.status in (self.Status.PREVIEWED, self.Status.REJECTED)


class ExportJob(SchoolOwned):
    """A large export (more rows than settings.EXPORT_IN_BACKGROUND_ROWS) written in the
    background while its page shows the progress, then downloaded by the person who asked
    for it (and nobody else). Its file is kept for a day (provmap.interchange.export_jobs).
    What it exports is `options` (the map, a school year and/or a year group, or a term with
    the term map's filters), cut to what its user may see when it runs."""

    class Status(models.TextChoices):
        QUEUED = "queued", "Waiting to start"
        RUNNING = "running", "In progress"
        DONE = "done", "Ready to download"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Deleted after a day"

    class Format(models.TextChoices):
        XLSX = "xlsx", "Excel workbook (XLSX)"
        CSV = "csv", "CSV"

    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    fmt = models.CharField(max_length=4, choices=Format.choices)
    # What is exported, in words ("the map 2025/26") and as the file's name (no extension).
    what = models.CharField(max_length=255)
    file_stem = models.CharField(max_length=255)
    # "academic_year", "nc_year", "term" (ids and codes) and "query" (the term map's filters).
    options = models.JSONField(default=dict, blank=True)
    # The file written, under settings.EXPORT_FILES_DIR, until it is deleted.
    file_path = models.CharField(max_length=500, blank=True)
    file_size = models.PositiveBigIntegerField(default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    worker = models.CharField(max_length=200, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    # Runs read so far out of the runs to read, for the progress bar; rows written at the end.
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "created_at"], name="export_job_queue")]

    def __str__(self) -> str:
        return f"Export of {self.what} ({self.get_status_display()})"

    @property
    def percent_done(self) -> int:
        if not self.progress_total:
            return 0
        return min(round(100 * self.progress_done / self.progress_total), 100)

    @property
    def in_progress(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)

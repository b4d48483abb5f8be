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
    """One import started from the browser: the file checked, previewed, then applied in the
    background while the page shows its progress. The command line does not record jobs: a
    rejected file must leave the database exactly as it was."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", "Uploaded"
        PREVIEWED = "previewed", "Checked, waiting for confirmation"
        RUNNING = "running", "Importing"
        DONE = "done", "Imported"
        REJECTED = "rejected", "Rejected"
        FAILED = "failed", "Failed"

    kind = models.CharField(max_length=10, choices=ImportKind.choices)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.UPLOADED)
    file_name = models.CharField(max_length=255)
    file_size = models.PositiveBigIntegerField(default=0)
    file_sha256 = models.CharField(max_length=64, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Rows applied so far out of rows to apply, for the progress bar.
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    # The report (interchange.report.ImportReport.as_dict) of the preview, then of the import.
    summary = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["-created_at"]
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

"""Large exports written in the background: the page that asked queues an ExportJob (and its
task, in the same django-tasks queue as the imports: provmap.interchange.jobs), the worker
writes the file a chunk of runs at a time (provmap.interchange.exports.StreamedExport) while
the job's page shows how far it has got, and the person who asked downloads it once done.
A job whose worker died while writing it (it stays "running" but its progress stops) is marked
failed, with a message saying so, by the worker's chores or when its page is looked at, and
the person who asked may start it again (a new job, with the same options).

The export is cut to what its user may see when it runs (their scope is worked out again in
the worker), and recorded in the audit trail then, as a download is. Its file waits in
settings.EXPORT_FILES_DIR for a day and is then deleted by the worker's chores (`housekeeping`
in provmap.interchange.jobs calls `expire_export_files`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import time
from pathlib import Path
from typing import Any

import django_tasks
from django.conf import settings
from django.db.models import Q
from django.http import QueryDict
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction, User
from provmap.accounts.permissions import pupil_scope
from provmap.formatting import counted
from provmap.interchange.exports import (
    StreamedExport,
    stream_export,
    stream_term_export,
    write_export,
)
from provmap.interchange.models import ExportJob
from provmap.provision.forms import MapFilterForm
from provmap.provision.selectors import MapFilters, MapOptions
from provmap.schools.models import AcademicYear, School, Term
from provmap.schools.scoping import all_schools, school_scope

logger = logging.getLogger(__name__)

Status = ExportJob.Status

# How long a written export waits to be downloaded.
KEEP_EXPORTS_FOR = dt.timedelta(days=1)
# Progress is written at most this often (seconds), and always at the end.
PROGRESS_EVERY = 0.5
UNEXPECTED = (
    "Something went wrong while writing the export. The error has been logged for whoever "
    "runs provmap; try again, and if it happens again tell them."
)
# A running export whose progress has not moved for this long has lost its worker (it died,
# or the server restarted): a worker writes its progress at least every PROGRESS_EVERY seconds
# while it reads, and what follows the last chunk (zipping the file) takes seconds, not minutes.
SILENT_FOR = dt.timedelta(minutes=10)
INTERRUPTED = (
    "The export stopped before it was finished: the server writing it stopped. Nothing was "
    "kept. Start it again."
)


def in_background(rows: int) -> bool:
    """Whether an export of about `rows` rows is written in the background."""
    return rows > settings.EXPORT_IN_BACKGROUND_ROWS


@django_tasks.task()
def write_export_file(job_id: int) -> str:
    """Write a queued export's file: what the queue runs once it is asked for."""
    with all_schools():
        taken = ExportJob.objects.filter(pk=job_id, status=Status.QUEUED).update(
            status=Status.RUNNING,
            started_at=timezone.now(),
            heartbeat_at=timezone.now(),
            worker=f"{os.uname().nodename}:{os.getpid()}"[:200],
        )
        if not taken:
            return "nothing to do"
        job = ExportJob.objects.select_related("school", "created_by").get(pk=job_id)
    run_export_job(job)
    return "done"


def export_job_create(
    *,
    school: School,
    user: User,
    fmt: str,
    what: str,
    file_stem: str,
    options: dict[str, Any],
) -> ExportJob:
    """Queue an export to be written in the background for `user`."""
    job = ExportJob.objects.create(
        school=school,
        fmt=fmt,
        what=what[:255],
        file_stem=file_stem[:255],
        options=options,
        created_by=user,
        heartbeat_at=timezone.now(),
    )
    write_export_file.enqueue(job_id=job.pk)
    return job


def _filters_from(query: str) -> Any:
    def choose(options: MapOptions) -> MapFilters:
        form = MapFilterForm(QueryDict(query), options=options)
        form.is_valid()
        return form.filters()

    return choose


def job_export(job: ExportJob) -> StreamedExport:
    """The export a job asked for, cut to what its user may see now."""
    school = job.school
    assert job.created_by is not None
    scope = pupil_scope(job.created_by, school)
    options = job.options
    as_of = timezone.localdate()
    if options.get("term"):
        term = Term.objects.select_related("academic_year").get(school=school, pk=options["term"])
        query = options.get("query") or ""
        return stream_term_export(
            school,
            term,
            scope=scope,
            choose_filters=_filters_from(query) if query else None,
            as_of=as_of,
        )
    year = None
    if options.get("academic_year"):
        year = AcademicYear.objects.get(school=school, pk=options["academic_year"])
    return stream_export(
        school,
        scope=scope,
        as_of=as_of,
        academic_year=year,
        year_group=options.get("nc_year") or None,
    )


def export_job_again(job: ExportJob, user: User) -> ExportJob:
    """Queue the export of a job that failed (or whose file was deleted) again, as a new job
    with the same options, for the same user."""
    if job.status not in (Status.FAILED, Status.EXPIRED):
        raise ValueError("Only an export that failed or was deleted is started again.")
    return export_job_create(
        school=job.school,
        user=user,
        fmt=job.fmt,
        what=job.what,
        file_stem=job.file_stem,
        options=job.options,
    )


def is_interrupted(job: ExportJob, now: dt.datetime | None = None) -> bool:
    """Whether a job says it is running but its worker has been silent for SILENT_FOR."""
    now = now or timezone.now()
    last_sign = job.heartbeat_at or job.started_at or job.created_at
    return job.status == Status.RUNNING and last_sign is not None and now - last_sign > SILENT_FOR


def recover_interrupted_exports(now: dt.datetime | None = None) -> int:
    """Mark failed the running exports whose worker has been silent for SILENT_FOR (see
    `is_interrupted`), deleting what they had written; how many."""
    now = now or timezone.now()
    cutoff = now - SILENT_FOR
    silent = Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff)
    count = 0
    for job in ExportJob.objects.filter(silent, status=Status.RUNNING).only("pk", "fmt"):
        # Again with the condition: a worker that wrote its progress meanwhile is alive.
        failed = ExportJob.objects.filter(silent, pk=job.pk, status=Status.RUNNING).update(
            status=Status.FAILED, message=INTERRUPTED, file_path="", finished_at=now
        )
        if failed:
            export_path(job).unlink(missing_ok=True)
            # Its task too, which the dead worker left running.
            DBTaskResult.objects.filter(
                status=TaskResultStatus.RUNNING,
                task_path=write_export_file.module_path,
                args_kwargs__kwargs__job_id=job.pk,
            ).update(status=TaskResultStatus.FAILED, finished_at=now, traceback=INTERRUPTED)
            logger.warning("Export job %s was interrupted", job.pk)
        count += failed
    return count


def export_path(job: ExportJob) -> Path:
    return Path(settings.EXPORT_FILES_DIR) / f"export-{job.pk}.{job.fmt}"


class _Progress:
    def __init__(self, job: ExportJob):
        self.job_id = job.pk
        self._last = 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last >= PROGRESS_EVERY or done >= total:
            self._last = now
            ExportJob.objects.filter(pk=self.job_id).update(
                progress_done=min(done, total), progress_total=total, heartbeat_at=timezone.now()
            )


def run_export_job(job: ExportJob) -> None:
    """Write a taken job's file, audit it for its user, and mark it done (or failed)."""
    path = export_path(job)
    with school_scope(job.school_id):
        try:
            if job.created_by is None:
                raise ValueError("The user who asked for this export is gone.")
            export = job_export(job)
            path.parent.mkdir(parents=True, exist_ok=True)
            write_export(export, job.fmt, str(path), _Progress(job))
            audit_export(None, export, job.fmt, job.what, school=job.school, actor=job.created_by)
            now = timezone.now()
            # Only while it is still running: a job given up as interrupted stays failed.
            ExportJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(
                status=Status.DONE,
                file_path=str(path),
                file_size=path.stat().st_size,
                rows=export.row_count,
                finished_at=now,
                heartbeat_at=now,
            )
        except Exception:
            logger.exception("Export job %s failed", job.pk)
            path.unlink(missing_ok=True)
            ExportJob.objects.filter(pk=job.pk, status=Status.RUNNING).update(
                status=Status.FAILED, message=UNEXPECTED, finished_at=timezone.now()
            )


def audit_export(
    request: Any,
    export: Any,
    fmt: str,
    what: str,
    **audit: Any,
) -> None:
    """One event in the trail for an export, with every pupil it named."""
    rows = export.row_count
    audit_record(
        request,
        AuditAction.EXPORT,
        summary=f"Exported {what} as {fmt.upper()}: {counted(rows, 'row')}, "
        f"{counted(export.pupil_count, 'pupil')}.",
        details={"format": fmt, "rows": rows, "pupils": export.pupil_count},
        pupils=export.pupils,
        **audit,
    )


def expire_export_files(now: dt.datetime | None = None) -> int:
    """Delete the files of exports written more than a day ago (and of those that never
    finished within a day); how many jobs expired."""
    now = now or timezone.now()
    cutoff = now - KEEP_EXPORTS_FOR
    old = ExportJob.objects.filter(
        Q(status=Status.DONE, finished_at__lt=cutoff)
        | Q(status__in=(Status.QUEUED, Status.RUNNING, Status.FAILED), created_at__lt=cutoff)
    ).only("pk", "file_path", "fmt")
    count = 0
    for job in old:
        path = Path(job.file_path) if job.file_path else export_path(job)
        path.unlink(missing_ok=True)
        count += ExportJob.objects.filter(pk=job.pk).update(
            status=Status.EXPIRED, file_path="", finished_at=job.finished_at or now
        )
    return count

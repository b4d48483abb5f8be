"""Imports started from the browser, worked on outside the request by the task queue.

A job is a row (ImportJob): the domain's record of the import (its status, progress, summary
and file), which the pages read. The upload page stores the file in it and queues a check:
a task of Django's tasks API (the django-tasks backport), kept in the database by
django-tasks-db in the same transaction as the job. The queue's worker (`manage.py run_jobs`,
which runs django-tasks-db's worker; `make run` starts one beside the web server, a
production installation runs it as a service) claims the task and runs it: the task takes
the job (queued -> running), checks the file (the plan: read and check every row, work out
every change, write nothing) and records what it found for the preview. Once the user
confirms, the job is queued again with the import task: it plans again from the stored file
and applies that plan in one transaction, recording its progress as it goes. If what the plan
would change is no longer what the preview showed (someone changed the data meanwhile),
nothing is written and the job shows the new preview to confirm. Web processes only queue:
no work on a file happens in them.

Taking a job is one conditional statement, so a job runs once whatever runs its task. SQLite
has one writer at a time, so there one job runs at a time; elsewhere, one job at a time per
school (two imports of one school at once would each plan against data the other is
changing). A task whose job has another in its way queues itself again a moment later.

Progress: on PostgreSQL the import's progress is written on a connection of its own, so the
page sees it while the import's transaction is still open. SQLite cannot write anything else
while an import writes, so there the page shows the stage until the import ends.

Interrupted jobs (the process stopped mid-way): the transaction was rolled back, so nothing
was written; a job still marked running whose process is gone (same machine), or that has not
been heard from for ten minutes (another machine), is marked failed with that message, and so
is its task in the queue. A queued job whose task the queue no longer has (it failed before
taking the job, or its worker stopped in between) is queued again by the worker's chores.

Files: the uploaded bytes live in the job row while the job needs them, and are emptied when
it is imported, fails or is cancelled, and a day after the last check that nobody confirmed.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import os
import socket
import threading
import time
from typing import Any

import django_tasks
from django.core.exceptions import ValidationError
from django.db import DEFAULT_DB_ALIAS, DatabaseError, connection, connections, transaction
from django.db.models import Exists, Q
from django.utils import timezone
from django_tasks import DEFAULT_TASK_BACKEND_ALIAS, TaskResultStatus, task_backends
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult
from django_tasks_db.utils import exclusive_transaction

from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction, User
from provmap.interchange.export_jobs import expire_export_files, recover_interrupted_exports
from provmap.interchange.files import Upload
from provmap.interchange.map_import import MapImportPlan, apply_map_import, plan_map_import
from provmap.interchange.models import ImportJob, ImportKind
from provmap.interchange.pupil_import import (
    PupilImportPlan,
    apply_pupil_import,
    plan_pupil_import,
)
from provmap.interchange.report import ACTIONS, MAX_REPORTED_PROBLEMS, ImportReport, Problem
from provmap.interchange.results_import import (
    ResultsImportPlan,
    apply_results_import,
    plan_results_import,
)
from provmap.memory import gc_paused
from provmap.pupils.models import Pupil
from provmap.schools.models import School
from provmap.schools.scoping import all_schools, school_scope

logger = logging.getLogger(__name__)

Plan = PupilImportPlan | ResultsImportPlan | MapImportPlan
Status, Task = ImportJob.Status, ImportJob.Task

# How long an unconfirmed check keeps its file.
KEEP_FILES_FOR = dt.timedelta(days=1)
# How long a finished job keeps the rows it names (pupils' names and UPNs); its counts stay.
KEEP_DETAILS_FOR = dt.timedelta(days=30)
DETAILS = ("records", "errors", "warnings", "skipped", "notes", "columns", "partial")
# A job on another machine that has not been heard from for this long was interrupted.
SILENT_FOR = dt.timedelta(minutes=10)
# A job with another in its way (its school's, or on SQLite any) looks again this much later.
WAIT_FOR_TURN = dt.timedelta(seconds=5)
# A queued job whose task the queue has not had for this long is queued again.
LOST_AFTER = dt.timedelta(minutes=1)
# Finished tasks are deleted from the queue's table this long after they ended (the job keeps
# what the pages show).
KEEP_TASKS_FOR = dt.timedelta(days=1)
# Progress is written at most this often (seconds), and always at the end.
PROGRESS_EVERY = 0.5
# Changes kept for the page (the counts cover them all).
MAX_RECORDS = 500
# Kinds of file whose valid rows may be imported on their own (a map's rows form groups
# together, so a map is imported whole or not at all).
PARTIAL_KINDS = frozenset({ImportKind.PUPILS, ImportKind.RESULTS})
FINAL = (Status.DONE, Status.FAILED, Status.EXPIRED, Status.CANCELLED)

UNEXPECTED = (
    "Something went wrong while {doing} the file, so nothing was written. The error has "
    "been logged for whoever runs provmap; if it happens again, tell them the file's name."
)
INTERRUPTED = "The server stopped while {doing} the file, so nothing was written. Upload it again."
CHANGED = (
    "What this file would change is no longer what the check showed: provmap's data has "
    "changed since. Nothing was written; look at the new preview and confirm again."
)


def _doing(task: str) -> str:
    return "importing" if task == Task.IMPORT else "checking"


# --- The queue's tasks -------------------------------------------------------------------------


@django_tasks.task()
def check_file(job_id: int) -> str:
    """Check a job's file: what the queue runs once a file is uploaded or checked again."""
    return work_on(job_id, Task.CHECK)


@django_tasks.task()
def import_file(job_id: int) -> str:
    """Import a job's file: what the queue runs once the user confirms."""
    return work_on(job_id, Task.IMPORT)


TASK_FOR = {Task.CHECK: check_file, Task.IMPORT: import_file}
TASK_PATHS = tuple(queued.module_path for queued in TASK_FOR.values())


def _enqueue(job_id: int, task: str, *, after: dt.timedelta | None = None) -> None:
    """Queue the task for a job. The database backend writes it in the caller's transaction,
    so the task is there exactly when the job's change is committed."""
    queued = TASK_FOR[Task(task)]
    if after is not None:
        queued = queued.using(run_after=timezone.now() + after)
    queued.enqueue(job_id=job_id)


# --- Starting, checking again, confirming, cancelling ----------------------------------------


def job_create(
    *,
    school: School,
    kind: str,
    upload: Upload,
    user: User | None,
    options: dict[str, Any] | None = None,
) -> ImportJob:
    """Store an uploaded file and queue its check."""
    expire_files()
    with transaction.atomic():
        job = ImportJob.objects.create(
            school=school,
            kind=kind,
            status=Status.QUEUED,
            task=Task.CHECK,
            file_name=upload.name[:255],
            file_size=len(upload.data),
            file_sha256=hashlib.sha256(upload.data).hexdigest(),
            data=upload.data,
            options=options or {},
            created_by=user,
            heartbeat_at=timezone.now(),
        )
        _enqueue(job.pk, Task.CHECK)
    return job


def _queue(job: ImportJob, task: str, options: dict[str, Any]) -> None:
    with transaction.atomic():
        moved = ImportJob.objects.filter(
            pk=job.pk, status__in=(Status.PREVIEWED, Status.REJECTED)
        ).update(
            status=Status.QUEUED,
            task=task,
            options=options,
            message="",
            worker="",
            started_at=None,
            finished_at=None,
            progress_done=0,
            progress_total=0,
            heartbeat_at=timezone.now(),
        )
        if not moved:
            raise ValidationError("This import has moved on since the page was shown: look again.")
        _enqueue(job.pk, task)
    job.refresh_from_db(fields=["status", "task", "options", "message", "heartbeat_at"])


def job_check_again(
    job: ImportJob,
    *,
    columns: dict[str, str] | None = None,
    whole_roll: bool | None = None,
    sheets: list[str] | None = None,
) -> None:
    """Check the stored file again, with the columns (and, for pupils, the roll; for a map
    workbook, the sheets) chosen."""
    options = {**job.options, "whole_roll": whole_roll}
    if columns is not None:
        options["columns"] = columns
    if sheets is not None:
        options["sheets"] = sheets
    options.pop("valid_rows_only", None)
    _queue(job, Task.CHECK, options)


def job_confirm(job: ImportJob, *, valid_rows_only: bool = False) -> None:
    """Queue the import the user confirmed: the whole file (which must have no problems), or
    only its valid rows (where the check found that possible)."""
    if not job.checked:
        raise ValidationError("This import has moved on since the page was shown: look again.")
    if valid_rows_only:
        if not job.summary.get("partial"):
            raise ValidationError("This file's valid rows cannot be imported on their own.")
    elif job.status != Status.PREVIEWED:
        raise ValidationError("This file has problems: correct them, or import the valid rows.")
    _queue(job, Task.IMPORT, {**job.options, "valid_rows_only": valid_rows_only})


def job_cancel(job: ImportJob) -> bool:
    """Give up a job that is not running, deleting its file."""
    cancelled = ImportJob.objects.filter(
        pk=job.pk, status__in=(Status.QUEUED, Status.PREVIEWED, Status.REJECTED)
    ).update(status=Status.CANCELLED, data=b"", finished_at=timezone.now())
    return bool(cancelled)


def expire_files(now: dt.datetime | None = None) -> int:
    """Delete the files of jobs nobody confirmed (or no worker took) within a day, and the
    rows naming pupils that finished jobs showed, a month on; how many files went."""
    now = now or timezone.now()
    cutoff = now - KEEP_FILES_FOR
    expired = (
        ImportJob.objects.filter(
            status__in=(Status.UPLOADED, Status.QUEUED, Status.PREVIEWED, Status.REJECTED)
        )
        .filter(Q(heartbeat_at__lt=cutoff) | Q(heartbeat_at__isnull=True, created_at__lt=cutoff))
        .update(status=Status.EXPIRED, data=b"", finished_at=now)
    )
    old = ImportJob.objects.filter(
        status__in=FINAL, finished_at__lt=now - KEEP_DETAILS_FOR, summary__has_key="records"
    ).only("pk", "summary")
    for job in old:
        summary = {key: value for key, value in job.summary.items() if key not in DETAILS}
        ImportJob.objects.filter(pk=job.pk).update(summary={**summary, "forgotten": True})
    return expired


# --- Workers: taking a job, running what is queued, the worker's chores -----------------------


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.current_thread().name}"[:200]


class NotYourTurn(Exception):
    """Another job is running where only one may: this one waits."""


def take(job_id: int, task: str, worker: str | None = None) -> ImportJob | None:
    """Mark a queued job as running, ours, in one conditional statement: None if it is not
    waiting for this task any more (taken already, cancelled, expired). Raises NotYourTurn
    while another job runs on SQLite (one writer), or elsewhere another of its school's."""
    now = timezone.now()
    with transaction.atomic():
        queued = ImportJob.objects.filter(pk=job_id, status=Status.QUEUED, task=task)
        school_id = queued.values_list("school_id", flat=True).first()
        if school_id is None:
            return None
        running = ImportJob.objects.filter(status=Status.RUNNING)
        if connection.vendor != "sqlite":
            # Two jobs of one school taken at once would not see each other: the school's row
            # lock makes their takes one after the other.
            School.objects.select_for_update().filter(pk=school_id).values_list("pk").first()
            running = running.filter(school_id=school_id)
        taken = queued.filter(~Exists(running)).update(
            status=Status.RUNNING,
            worker=worker or worker_name(),
            started_at=now,
            heartbeat_at=now,
            progress_done=0,
            progress_total=0,
        )
    if not taken:
        raise NotYourTurn
    return ImportJob.objects.select_related("school", "created_by").get(pk=job_id)


def work_on(job_id: int, task: str) -> str:
    """What the queue's task does: take the job, then check or import its file. A job that is
    not waiting any more is left alone; one whose turn has not come is queued again."""
    with all_schools():
        try:
            job = take(job_id, task)
        except NotYourTurn:
            # Only a job that has to wait asks whether the one in its way is still alive (a
            # worker that died would hold the turn for ever), not every task; when it was
            # not, the turn is this job's at once.
            if recover_interrupted():
                return work_on(job_id, task)
            _enqueue(job_id, task, after=WAIT_FOR_TURN)
            return "waiting"
    if job is None:
        return "nothing to do"
    run_job(job)
    return "done"


def _alive(worker: str, heartbeat: dt.datetime | None, now: dt.datetime) -> bool:
    host, _, rest = worker.partition(":")
    pid = rest.partition(":")[0]
    if host == socket.gethostname() and pid.isdigit():
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return True
        return True
    return heartbeat is not None and now - heartbeat < SILENT_FOR


def recover_interrupted(jobs: list[ImportJob] | None = None) -> int:
    """Mark running jobs whose worker has gone as failed (their transaction was rolled back,
    so nothing of theirs was written), and their tasks in the queue too."""
    now = timezone.now()
    if jobs is None:
        jobs = list(
            ImportJob.objects.filter(status=Status.RUNNING).only(
                "pk", "worker", "heartbeat_at", "task"
            )
        )
    recovered = 0
    for job in jobs:
        if job.status != Status.RUNNING or _alive(job.worker, job.heartbeat_at, now):
            continue
        message = INTERRUPTED.format(doing=_doing(job.task))
        failed = ImportJob.objects.filter(
            pk=job.pk, status=Status.RUNNING, worker=job.worker
        ).update(status=Status.FAILED, message=message, data=b"", finished_at=now)
        if failed:
            DBTaskResult.objects.filter(
                status=TaskResultStatus.RUNNING,
                task_path__in=TASK_PATHS,
                args_kwargs__kwargs__job_id=job.pk,
            ).update(status=TaskResultStatus.FAILED, finished_at=now, traceback=message)
            logger.warning("Import job %s was interrupted (worker %s)", job.pk, job.worker)
        recovered += failed
    return recovered


def requeue_lost(now: dt.datetime | None = None) -> int:
    """Queue again the queued jobs whose task the queue no longer has (it failed before taking
    its job, or its worker stopped in between); how many."""
    now = now or timezone.now()
    waiting: set[int] = set()
    tasks = DBTaskResult.objects.filter(
        status__in=(TaskResultStatus.READY, TaskResultStatus.RUNNING), task_path__in=TASK_PATHS
    ).values_list("args_kwargs", "status", "started_at")
    for args_kwargs, status, started_at in tasks:
        if status == TaskResultStatus.RUNNING and started_at and now - started_at > SILENT_FOR:
            continue
        waiting.add(args_kwargs.get("kwargs", {}).get("job_id"))
    lost = (
        ImportJob.objects.filter(status=Status.QUEUED, heartbeat_at__lt=now - LOST_AFTER)
        .exclude(pk__in=[pk for pk in waiting if isinstance(pk, int)])
        .values_list("pk", "task")
    )
    count = 0
    for pk, task in lost:
        logger.warning("Import job %s had lost its task: queued again", pk)
        _enqueue(pk, task)
        count += 1
    return count


def housekeeping(now: dt.datetime | None = None) -> None:
    """The worker's chores (`manage.py run_jobs`, every minute): delete the files past their
    day (imports' and exports'), mark failed the jobs (imports, exports) whose worker died,
    queue again the jobs
    whose task was lost, and delete the queue's finished tasks."""
    now = now or timezone.now()
    with all_schools():
        expire_files(now)
        expire_export_files(now)
        recover_interrupted()
        recover_interrupted_exports(now)
        requeue_lost(now)
    DBTaskResult.objects.finished().filter(finished_at__lt=now - KEEP_TASKS_FOR).delete()


def run_pending(*, limit: int | None = None) -> int:
    """Run the tasks waiting in the queue, here and now, one after another, as the queue's
    worker does (`manage.py run_jobs --once`; tests, to say when queued work runs); how many
    ran (or `limit`)."""
    backend = task_backends[DEFAULT_TASK_BACKEND_ALIAS]
    worker = Worker(
        queue_names=sorted(backend.queues),
        interval=0,
        batch=True,
        backend_name=backend.alias,
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_name()[:64],
        excluded_queue_names=[],
    )
    ran = 0
    while limit is None or ran < limit:
        ready = DBTaskResult.objects.ready().filter(
            backend_name=backend.alias, queue_name__in=backend.queues
        )
        with exclusive_transaction(ready.db):
            task_result = ready.get_locked()
            if task_result is None:
                break
            task_result.claim(worker.worker_id)
        worker.run_task(task_result)
        ran += 1
    return ran


# --- Running a job -----------------------------------------------------------------------------


class ProgressRecorder:
    """The importers' progress callback: writes done/total to the job where its page can read
    it while the import's transaction is open (a connection of its own), at most every
    PROGRESS_EVERY seconds. SQLite cannot, so there only the last figures are kept, for the
    end of the job."""

    def __init__(self, job: ImportJob):
        self.job_id = job.pk
        self.done = self.total = 0
        self.live = connection.vendor != "sqlite"
        self._last = 0.0
        self._side: Any = None

    def __call__(self, done: int, total: int) -> None:
        self.total = max(total, 0)
        self.done = min(max(done, 0), self.total)
        now = time.monotonic()
        if self.live and (now - self._last >= PROGRESS_EVERY or self.done == self.total):
            self._last = now
            self._write()

    def _write(self) -> None:
        table = connection.ops.quote_name(ImportJob._meta.db_table)
        try:
            if self._side is None:
                self._side = connections.create_connection(DEFAULT_DB_ALIAS)
            with self._side.cursor() as cursor:
                cursor.execute(
                    f"UPDATE {table} SET progress_done = %s, progress_total = %s, "
                    "heartbeat_at = %s WHERE id = %s",
                    [self.done, self.total, timezone.now(), self.job_id],
                )
        except DatabaseError:
            logger.warning("Could not record the progress of import job %s", self.job_id)
            self.live = False

    def close(self) -> None:
        if self._side is not None:
            self._side.close()
            self._side = None


def _sheets(plan: Plan) -> dict[str, list[str]] | None:
    """A map workbook's sheets and those read, when it has several."""
    if isinstance(plan, MapImportPlan) and plan.sheets:
        return {"all": plan.sheets, "read": plan.sheets_read}
    return None


def _plan(job: ImportJob, upload: Upload, *, skip_invalid_rows: bool = False) -> Plan:
    columns = job.options.get("columns") or None
    if job.kind == ImportKind.PUPILS:
        return plan_pupil_import(
            upload,
            school=job.school,
            whole_roll=job.options.get("whole_roll"),
            columns=columns,
            skip_invalid_rows=skip_invalid_rows,
        )
    if job.kind == ImportKind.RESULTS:
        return plan_results_import(
            upload, school=job.school, columns=columns, skip_invalid_rows=skip_invalid_rows
        )
    return plan_map_import(
        upload, school=job.school, columns=columns, sheets=job.options.get("sheets") or None
    )


def _apply(plan: Plan, progress: ProgressRecorder) -> ImportReport:
    if isinstance(plan, PupilImportPlan):
        return apply_pupil_import(plan, progress=progress)
    if isinstance(plan, ResultsImportPlan):
        return apply_results_import(plan, progress=progress)
    return apply_map_import(plan, progress=progress)


def _problems(problems: list[Problem]) -> list[dict[str, Any]]:
    return [
        {**problem.as_dict(), "record": problem.record}
        for problem in problems[:MAX_REPORTED_PROBLEMS]
    ]


def _record_pupils(plan: Plan) -> list[Pupil | str | None]:
    """For each of the report's records, the pupil it is about (or their UPN, for a pupil
    the import creates), so that the page can link to them."""
    if isinstance(plan, PupilImportPlan):
        return [
            action.pupil or str((action.data.values if action.data else {}).get("upn", ""))
            for action in plan.actions
        ]
    if isinstance(plan, ResultsImportPlan):
        return [item.pupil for item in plan.results]
    return [item.pupil for item in plan.placements]


def describe(plan: Plan) -> dict[str, Any]:
    """What a plan (checked, or applied) says, as the job keeps it for its page."""
    report = plan.report
    pupils = _record_pupils(plan)
    records: list[dict[str, Any]] = []
    upns: dict[str, int] = {}
    for index, record in enumerate(report.records):
        if record.action == "unchanged":
            continue
        if len(records) < MAX_RECORDS:
            pupil = pupils[index] if index < len(pupils) else None
            records.append(
                {
                    "action": record.action,
                    "label": record.label,
                    "row": record.row,
                    "changes": [[c.field, c.old, c.new] for c in record.changes],
                    "pupil": pupil.pk if isinstance(pupil, Pupil) else None,
                    "upn": pupil if isinstance(pupil, str) else "",
                }
            )
    if report.applied and any(item["upn"] for item in records):
        # Pupils the import created: find them once, to link to their pages.
        upns = dict(
            Pupil.objects.filter(
                school=plan.school, upn__in=[item["upn"] for item in records if item["upn"]]
            ).values_list("upn", "pk")
        )
    for item in records:
        upn = item.pop("upn")
        if upn and item["pupil"] is None:
            item["pupil"] = upns.get(upn)
    columns = None
    if plan.columns is not None:
        found = plan.columns
        by_position = {position: key for key, position in found.fields.items()}
        columns = {
            "header_row": found.header_row,
            "headings": [
                {"position": position, "heading": heading, "field": by_position.get(position, "")}
                for position, heading in enumerate(found.headings)
                if heading
            ],
        }
    bad_rows = {problem.row for problem in report.errors if problem.row is not None}
    skipped_rows = {problem.row for problem in report.skipped if problem.row is not None}
    summary: dict[str, Any] = {
        "school": report.school,
        "counts": {action: report.count(action) for action in ACTIONS},
        "rows": report.rows,
        "bad_rows": len(bad_rows),
        "errors": _problems(report.errors),
        "error_count": len(report.errors),
        "warnings": _problems(report.warnings),
        "skipped": _problems(report.skipped),
        "skipped_rows": len(skipped_rows),
        "notes": list(report.notes),
        "records": records,
        "record_count": sum(1 for record in report.records if record.action != "unchanged"),
        "columns": columns,
        "sheets": _sheets(plan),
        "applied": report.applied,
        "partial": None,
    }
    summary["fingerprint"] = _fingerprint(report)
    return summary


def _fingerprint(report: ImportReport) -> str:
    """What a plan would write, as a hash: the same file and data give the same one."""
    content = {
        "records": [
            [record.action, record.label, record.row, [str(c) for c in record.changes]]
            for record in report.records
        ],
        "notes": report.notes,
        "errors": [str(problem) for problem in report.errors],
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _upload(job: ImportJob) -> Upload:
    return Upload(name=job.file_name, data=bytes(job.data))


def _end(job: ImportJob, status: str, *, keep_file: bool, **fields: Any) -> None:
    now = timezone.now()
    values = {"status": status, "finished_at": now, "heartbeat_at": now, **fields}
    if not keep_file:
        values["data"] = b""
    ImportJob.objects.filter(pk=job.pk).update(**values)


def _check(job: ImportJob) -> None:
    """Plan the file, write nothing, and keep what was found for the preview; for a file
    whose problems are all in rows, also what importing only its valid rows would do."""
    upload = _upload(job)
    plan = _plan(job, upload)
    summary = describe(plan)
    report = plan.report
    if (
        report.errors
        and job.kind in PARTIAL_KINDS
        and all(problem.row is not None for problem in report.errors)
    ):
        partial = _plan(job, upload, skip_invalid_rows=True)
        if not partial.report.errors and partial.report.records:
            summary["partial"] = {
                "valid_rows": partial.report.rows - len({p.row for p in partial.report.skipped}),
                "counts": {action: partial.report.count(action) for action in ACTIONS},
                "fingerprint": _fingerprint(partial.report),
            }
    status = Status.REJECTED if report.errors else Status.PREVIEWED
    _end(job, status, keep_file=True, summary=summary)


def _import(job: ImportJob) -> None:
    """Plan again inside the transaction and, if that is still what the user saw, write it."""
    upload = _upload(job)
    valid_rows_only = bool(job.options.get("valid_rows_only"))
    progress = ProgressRecorder(job)
    try:
        with transaction.atomic():
            plan = _plan(job, upload, skip_invalid_rows=valid_rows_only)
            summary = describe(plan)
            seen = job.summary.get("partial") if valid_rows_only else job.summary
            done, message = False, ""
            if plan.report.errors:
                pass
            elif summary["fingerprint"] != (seen or {}).get("fingerprint"):
                message = CHANGED
            else:
                report = _apply(plan, progress)
                if report.errors:
                    # A service refused a write: the import's own transaction rolled back.
                    message = " ".join(str(problem) for problem in report.errors)
                else:
                    done = True
                    summary = describe(plan)
                    _audit_import(job, report)
    finally:
        progress.close()
    if not done:
        # Nothing was written: show what the file says now, and keep it to try again.
        _check(job)
        if message:
            ImportJob.objects.filter(pk=job.pk).update(message=message)
        return
    total = progress.total or summary["rows"]
    _end(
        job,
        Status.DONE,
        keep_file=False,
        summary=summary,
        progress_done=total,
        progress_total=total,
    )


def _audit_import(job: ImportJob, report: ImportReport) -> None:
    counts = {action: report.count(action) for action in ACTIONS}
    changed = counts["updated"] or counts["left"]
    audit_record(
        None,
        AuditAction.CHANGE if changed else AuditAction.CREATE,
        school=job.school,
        actor=job.created_by,
        obj=job,
        summary=(
            f"Imported {job.get_kind_display().lower()} from '{job.file_name}': "
            + ", ".join(f"{count} {action}" for action, count in counts.items())
            + "."
        ),
        details={**counts, "file_sha256": job.file_sha256, "skipped": len(report.skipped)},
    )


def run_job(job: ImportJob) -> None:
    """Do what a claimed job is for; any failure leaves the database as it was and says so.
    The job reads and writes only its own school's rows (its queries are scoped to it)."""
    # The check and the import of a large file, and what is kept of them for the page, make
    # many objects that live until the job ends: the cycle collector waits until then.
    with school_scope(job.school_id), gc_paused():
        try:
            if job.task == Task.IMPORT:
                _import(job)
            else:
                _check(job)
        except Exception:
            logger.exception("Import job %s failed", job.pk)
            message = UNEXPECTED.format(doing=_doing(job.task))
            _end(job, Status.FAILED, keep_file=False, message=message)


def pending_before(job: ImportJob) -> int:
    """Queued jobs ahead of this one, for "waiting for 2 other imports"."""
    return ImportJob.objects.filter(
        Q(created_at__lt=job.created_at) | Q(created_at=job.created_at, pk__lt=job.pk),
        status=Status.QUEUED,
    ).count()

"""The import jobs on the task queue: a job taken once and one at a time where it must be,
recording progress, failures that leave the database as it was, interrupted workers, lost
tasks queued again, files deleted after a day, and no work in the process that queues it."""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone
from django_tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from provmap.accounts.models import AuditEvent
from provmap.interchange import jobs
from provmap.interchange.files import Upload
from provmap.interchange.models import ImportJob, ImportKind
from provmap.pupils.models import Pupil
from provmap.pupils.upn import make_upn
from provmap.schools.scoping import school_scope
from tests.factories import PupilFactory, SchoolFactory
from tests.interchange.samples import SIMS_HEADINGS, SIMS_ROWS, UPNS, csv_bytes, table_counts

pytestmark = pytest.mark.django_db

Status, Task = ImportJob.Status, ImportJob.Task
HEADINGS = ["UPN", "Surname", "Forename", "DOB", "Gender", "Year"]


def roll(count: int) -> bytes:
    """A student list of `count` pupils (the whole roll)."""
    rows = [
        [
            make_upn("801", "2000", 10 + n // 1000, n % 1000),
            *(f"Surname{n}", f"Name{n}", "01/09/2012", "F" if n % 2 else "M", "8"),
        ]
        for n in range(count)
    ]
    return csv_bytes([HEADINGS, *rows])


def new_job(school, data: bytes | None = None, **fields) -> ImportJob:
    upload = Upload("pupils.csv", csv_bytes([SIMS_HEADINGS, *SIMS_ROWS]) if data is None else data)
    job = jobs.job_create(school=school, kind=ImportKind.PUPILS, upload=upload, user=None)
    if fields:
        ImportJob.objects.filter(pk=job.pk).update(**fields)
        job.refresh_from_db()
    return job


def checked(school, data: bytes | None = None) -> ImportJob:
    job = new_job(school, data)
    assert jobs.run_pending() == 1
    job.refresh_from_db()
    return job


@pytest.fixture
def school():
    return SchoolFactory(urn="123456", name="Oakfield Academy")


def queued_tasks() -> list[tuple[str, int]]:
    """The tasks waiting in the queue: (task, job id), oldest first."""
    return [
        (path.rpartition(".")[2], args_kwargs["kwargs"]["job_id"])
        for path, args_kwargs in DBTaskResult.objects.filter(status=TaskResultStatus.READY)
        .order_by("enqueued_at", "run_after")
        .values_list("task_path", "args_kwargs")
    ]


def test_uploading_queues_a_task_and_does_no_work(school):
    job = new_job(school)
    assert queued_tasks() == [("check_file", job.pk)]
    job.refresh_from_db()
    assert (job.status, job.worker, job.summary) == (Status.QUEUED, "", {})
    assert jobs.run_pending() == 1
    job.refresh_from_db()
    assert job.status == Status.PREVIEWED
    assert DBTaskResult.objects.get().status == TaskResultStatus.SUCCESSFUL
    jobs.job_confirm(job)
    assert queued_tasks() == [("import_file", job.pk)]


def test_a_job_is_taken_once(school):
    job = new_job(school)
    taken = jobs.take(job.pk, Task.CHECK, "worker-a")
    assert taken is not None and taken.pk == job.pk
    assert (taken.status, taken.worker) == (Status.RUNNING, "worker-a")
    # Taking is one conditional statement: a second taker gets nothing, and the task the
    # queue holds for the job finds nothing to do.
    assert jobs.take(job.pk, Task.CHECK, "worker-b") is None
    assert jobs.run_pending() == 1
    job.refresh_from_db()
    assert (job.status, job.worker) == (Status.RUNNING, "worker-a")
    assert DBTaskResult.objects.get().return_value == "nothing to do"


def test_jobs_run_oldest_first_and_one_at_a_time_per_school(school):
    first, second = new_job(school), new_job(school)
    elsewhere = new_job(SchoolFactory())
    assert jobs.run_pending(limit=1) == 1
    first.refresh_from_db()
    assert first.status == Status.PREVIEWED
    # While one of the school's jobs runs, its next job waits; another school's goes ahead
    # (except on SQLite, where one job runs at a time).
    ImportJob.objects.filter(pk=first.pk).update(
        status=Status.RUNNING, worker=jobs.worker_name(), heartbeat_at=timezone.now()
    )
    assert jobs.run_pending() == 2
    second.refresh_from_db()
    elsewhere.refresh_from_db()
    assert second.status == Status.QUEUED
    waiting = sorted(job for _, job in queued_tasks())
    if connection.vendor == "sqlite":
        assert elsewhere.status == Status.QUEUED
        assert waiting == sorted([second.pk, elsewhere.pk])
    else:
        assert elsewhere.status == Status.PREVIEWED
        assert waiting == [second.pk]
    # The waiting job's task is queued again a moment later, and runs once its turn comes.
    assert jobs.run_pending() == 0
    ImportJob.objects.filter(pk=first.pk).update(status=Status.DONE)
    DBTaskResult.objects.filter(status=TaskResultStatus.READY).update(run_after=timezone.now())
    assert jobs.run_pending() == len(waiting)
    second.refresh_from_db()
    assert second.status == Status.PREVIEWED


def test_a_check_writes_nothing_and_keeps_the_file_for_the_import(school):
    before = table_counts()
    job = checked(school)
    assert job.status == Status.PREVIEWED
    assert job.summary["counts"]["created"] == 4
    assert bytes(job.data) != b""
    after = table_counts()
    assert {key: value for key, value in after.items() if key != "interchange.ImportJob"} == {
        key: value for key, value in before.items() if key != "interchange.ImportJob"
    }


def test_progress_is_recorded(school, monkeypatch):
    calls: list[tuple[int, int]] = []
    original = jobs.ProgressRecorder.__call__

    def spy(self, done, total):
        calls.append((done, total))
        original(self, done, total)

    monkeypatch.setattr(jobs.ProgressRecorder, "__call__", spy)
    job = checked(school, roll(450))
    jobs.job_confirm(job)
    jobs.run_pending()
    job.refresh_from_db()
    assert job.status == Status.DONE
    assert calls[0] == (100, 450) and calls[-1] == (450, 450)
    assert (job.progress_done, job.progress_total, job.percent_done) == (450, 450, 100)


@pytest.mark.django_db(transaction=True)
def test_progress_is_seen_from_another_connection_while_the_import_writes(school, monkeypatch):
    if connection.vendor == "sqlite":
        pytest.skip("SQLite has one writer: its page shows the stage until the import ends")
    job = checked(school, roll(300))
    jobs.job_confirm(job)
    seen: list[tuple[int, int]] = []
    original = jobs.ProgressRecorder._write

    def write_then_look(self):
        original(self)
        if self.done == 200:
            # What the job's page would read, from a connection of its own.
            def look():
                with school_scope(school):
                    seen.append(
                        ImportJob.objects.values_list("progress_done", "progress_total").get(
                            pk=job.pk
                        )
                    )
                connections.close_all()

            reader = threading.Thread(target=look)
            reader.start()
            reader.join()

    monkeypatch.setattr(jobs, "PROGRESS_EVERY", 0)
    monkeypatch.setattr(jobs.ProgressRecorder, "_write", write_then_look)
    jobs.run_pending()
    assert seen == [(200, 300)]
    assert not Pupil.objects.filter(pk__in=[]).exists()
    assert Pupil.objects.count() == 300


def test_a_failure_leaves_the_database_as_it_was_and_says_so(school, monkeypatch):
    job = checked(school)
    before = table_counts()
    events = AuditEvent.objects.count()

    def broken(job, report):
        # Every pupil is written by now: the failure must take them all back.
        assert Pupil.objects.filter(school=school).count() == 4
        raise RuntimeError("disk full")

    monkeypatch.setattr(jobs, "_audit_import", broken)
    jobs.job_confirm(job)
    jobs.run_pending()
    job.refresh_from_db()
    assert job.status == Status.FAILED
    assert job.message.startswith("Something went wrong while importing the file")
    assert "nothing was written" in job.message
    assert bytes(job.data) == b""
    assert not Pupil.objects.exists()
    assert table_counts() == before
    assert AuditEvent.objects.count() == events


def test_a_refusal_by_a_service_keeps_the_file_and_gives_the_reason(school, monkeypatch):
    from django.core.exceptions import ValidationError

    job = checked(school)

    def refuse(**kwargs):
        raise ValidationError("The register is closed for the holidays.")

    monkeypatch.setattr("provmap.interchange.pupil_import.pupils_bulk_add_checked", refuse)
    jobs.job_confirm(job)
    jobs.run_pending()
    job.refresh_from_db()
    assert job.status == Status.PREVIEWED
    assert "The register is closed for the holidays." in job.message
    assert not Pupil.objects.exists()


def test_a_preview_gone_stale_is_not_written(school):
    job = checked(school)
    # Someone adds one of the file's pupils by hand after the check.
    PupilFactory(school=school, upn=UPNS[0])
    jobs.job_confirm(job)
    jobs.run_pending()
    job.refresh_from_db()
    assert job.status == Status.PREVIEWED
    assert job.message.startswith("What this file would change is no longer what the check showed")
    assert job.summary["counts"]["created"] == 3
    assert Pupil.objects.count() == 1
    # Confirmed again, the new preview is written.
    jobs.job_confirm(job)
    jobs.run_pending()
    job.refresh_from_db()
    assert job.status == Status.DONE
    assert Pupil.objects.count() == 4


def test_only_checked_jobs_can_be_confirmed_and_only_once(school):
    job = new_job(school)
    with pytest.raises(Exception, match="moved on"):
        jobs.job_confirm(job)
    jobs.run_pending()
    job.refresh_from_db()
    jobs.job_confirm(job)
    job.refresh_from_db()
    with pytest.raises(Exception, match="moved on"):
        jobs.job_confirm(job)


def test_an_interrupted_job_is_marked_failed(school):
    here = socket.gethostname()
    dead = 2**22 + 12345  # above the usual pid range
    old = timezone.now() - dt.timedelta(hours=1)
    gone = new_job(school, status=Status.RUNNING, worker=f"{here}:{dead}:MainThread")
    alive = new_job(
        school, status=Status.RUNNING, worker=f"{here}:{os.getpid()}:MainThread", heartbeat_at=old
    )
    silent = new_job(
        school, status=Status.RUNNING, worker="elsewhere:1:MainThread", heartbeat_at=old
    )
    talking = new_job(
        school, status=Status.RUNNING, worker="elsewhere:1:MainThread", heartbeat_at=timezone.now()
    )
    # The queue's worker had taken their tasks: those that died are failed there too.
    DBTaskResult.objects.update(status=TaskResultStatus.RUNNING, started_at=old)
    assert jobs.recover_interrupted() == 2
    failed = DBTaskResult.objects.filter(status=TaskResultStatus.FAILED)
    assert sorted(failed.values_list("args_kwargs__kwargs__job_id", flat=True)) == sorted(
        [gone.pk, silent.pk]
    )
    for job, status in ((gone, Status.FAILED), (alive, Status.RUNNING), (silent, Status.FAILED)):
        job.refresh_from_db()
        assert job.status == status
    gone.refresh_from_db()
    assert gone.message.startswith("The server stopped while checking the file")
    assert bytes(gone.data) == b""
    talking.refresh_from_db()
    assert talking.status == Status.RUNNING


def test_files_are_deleted_a_day_after_a_check_nobody_confirmed(school):
    now = timezone.now()
    stale, fresh = checked(school), checked(school)
    ImportJob.objects.filter(pk=stale.pk).update(heartbeat_at=now - dt.timedelta(days=1, hours=1))
    assert jobs.expire_files(now) == 1
    stale.refresh_from_db()
    fresh.refresh_from_db()
    assert (stale.status, bytes(stale.data)) == (Status.EXPIRED, b"")
    assert fresh.status == Status.PREVIEWED and bytes(fresh.data) != b""


def test_the_pupils_a_finished_job_named_are_forgotten_after_a_month(school):
    job = checked(school)
    jobs.job_confirm(job)
    jobs.run_pending()
    job.refresh_from_db()
    assert "Amy Adams" in str(job.summary["records"])
    jobs.expire_files(job.finished_at + dt.timedelta(days=29))
    job.refresh_from_db()
    assert job.summary["records"]
    jobs.expire_files(job.finished_at + dt.timedelta(days=31))
    job.refresh_from_db()
    assert "records" not in job.summary and "Amy" not in str(job.summary)
    assert job.summary["counts"]["created"] == 4 and job.summary["forgotten"]


def test_an_imported_file_is_deleted_at_once(school):
    job = checked(school)
    jobs.job_confirm(job)
    jobs.run_pending()
    job.refresh_from_db()
    assert job.status == Status.DONE and bytes(job.data) == b""
    assert job.file_sha256 and job.file_size


def test_run_jobs_once_runs_what_is_queued(school):
    new_job(school)
    new_job(school)
    out = StringIO()
    call_command("run_jobs", "--once", stdout=out)
    assert out.getvalue().strip() == "Ran 2 jobs."
    assert set(ImportJob.objects.values_list("status", flat=True)) == {Status.PREVIEWED}


def test_a_job_whose_task_was_lost_is_queued_again(school):
    lost, waiting = new_job(school), new_job(school)
    # The task of one failed before it took its job (the database was unreachable, say).
    DBTaskResult.objects.filter(args_kwargs__kwargs__job_id=lost.pk).update(
        status=TaskResultStatus.FAILED
    )
    assert jobs.requeue_lost() == 0  # not before a minute has gone by
    later = timezone.now() + dt.timedelta(minutes=2)
    assert jobs.requeue_lost(later) == 1
    assert sorted(job for _, job in queued_tasks()) == sorted([lost.pk, waiting.pk])
    assert jobs.run_pending() == 2
    assert set(ImportJob.objects.values_list("status", flat=True)) == {Status.PREVIEWED}


def test_the_queue_forgets_finished_tasks_a_day_on(school):
    checked(school)
    assert DBTaskResult.objects.count() == 1
    jobs.housekeeping(timezone.now() + dt.timedelta(hours=23))
    assert DBTaskResult.objects.count() == 1
    jobs.housekeeping(timezone.now() + dt.timedelta(days=1, hours=1))
    assert not DBTaskResult.objects.exists()


def test_a_job_waiting_behind_one_whose_worker_died_runs_at_once(school):
    """The job in the way is found dead only when another has to wait for it, and then the
    waiting one takes its turn without waiting again."""
    dead = 2**22 + 12345  # above the usual pid range
    gone = new_job(school, status=Status.RUNNING, worker=f"{socket.gethostname()}:{dead}:T")
    DBTaskResult.objects.update(status=TaskResultStatus.RUNNING)
    waiting = new_job(school)
    assert jobs.run_pending() == 1
    gone.refresh_from_db()
    waiting.refresh_from_db()
    assert gone.status == Status.FAILED
    assert waiting.status == Status.PREVIEWED
    assert queued_tasks() == []

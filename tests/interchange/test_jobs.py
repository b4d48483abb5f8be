"""The background job runner: claiming a job once, recording progress, failures that leave the
database as it was, interrupted workers, files deleted after a day, and the thread for an
installation without a worker."""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.test import override_settings
from django.utils import timezone

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


def test_a_job_is_claimed_once(school):
    job = new_job(school)
    claimed = jobs.claim_next("worker-a")
    assert claimed is not None and claimed.pk == job.pk
    assert (claimed.status, claimed.worker) == (Status.RUNNING, "worker-a")
    assert jobs.claim_next("worker-b") is None
    # The claim itself is one conditional statement: a second taker gets nothing.
    assert not jobs._take(job.pk, "worker-b", alone=False)
    job.refresh_from_db()
    assert job.worker == "worker-a"


def test_jobs_are_claimed_oldest_first_and_one_at_a_time_per_school(school):
    first, second = new_job(school), new_job(school)
    elsewhere = new_job(SchoolFactory())
    assert jobs.claim_next("a").pk == first.pk
    # The school's next job waits; another school's goes ahead (except on SQLite, where one
    # job runs at a time).
    taken = jobs.claim_next("b")
    if connection.vendor == "sqlite":
        assert taken is None
    else:
        assert taken.pk == elsewhere.pk
    second.refresh_from_db()
    assert second.status == Status.QUEUED


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

    monkeypatch.setattr("provmap.interchange.pupil_import.pupils_bulk_create", refuse)
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
    assert jobs.recover_interrupted() == 2
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


@override_settings(PROVMAP_JOB_RUNNER="auto")
def test_no_thread_is_started_while_a_worker_is_about(school, django_capture_on_commit_callbacks):
    jobs.mark_worker_seen()
    with django_capture_on_commit_callbacks() as callbacks:
        new_job(school)
    assert callbacks == []


@pytest.mark.django_db(transaction=True)
@override_settings(PROVMAP_JOB_RUNNER="auto")
def test_without_a_worker_the_web_process_runs_the_job_in_a_thread(school):
    from django.core.cache import cache

    cache.delete(jobs.WORKER_SEEN_KEY)
    job = new_job(school)
    for thread in threading.enumerate():
        if thread.name == "provmap-jobs":
            thread.join(timeout=30)
    job.refresh_from_db()
    assert job.status == Status.PREVIEWED
    assert job.worker.startswith(f"{socket.gethostname()}:{os.getpid()}:provmap-jobs")

"""Large exports in the background: queued, written by the task queue with its progress on
the page, downloaded by the user who asked (nobody else), audited, and deleted after a day."""

from __future__ import annotations

import csv
import datetime as dt
import io
from pathlib import Path

import openpyxl
import pytest
from django.urls import reverse
from django.utils import timezone

from provmap.accounts.models import AuditAction, AuditEvent, Role
from provmap.interchange import export_jobs, jobs
from provmap.interchange.models import ExportJob
from tests.factories import PupilFactory
from tests.web.map_world import HTMX, World, add_run, build_world, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(settings, tmp_path) -> World:
    # Every map export of more than one row goes to the background here.
    settings.EXPORT_IN_BACKGROUND_ROWS = 1
    settings.EXPORT_FILES_DIR = tmp_path / "exports"
    return build_world()


@pytest.fixture
def mapped(world):
    pupils = [
        PupilFactory(school=world.school, nc_year=year, surname=f"Pupil{index}")
        for index, year in enumerate(["7", "7", "9"])
    ]
    add_run(world, pupils=pupils[:2], label="Group A")
    add_run(world, pupils=pupils[1:], label="Group B")
    return world, pupils


def export_map(client, world: World, fmt: str, query: str = ""):
    url = reverse("export_map", args=[world.school.urn, fmt])
    return client.get(f"{url}?{query}" if query else url)


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_a_large_export_is_written_in_the_background_then_downloaded(client, mapped, fmt):
    world, pupils = mapped
    client.force_login(world.senco)
    response = export_map(client, world, fmt)
    job = ExportJob.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("export_job", args=[world.school.urn, job.pk])
    assert job.status == ExportJob.Status.QUEUED and job.created_by == world.senco
    waiting = client.get(response["Location"])
    assert waiting.status_code == 200
    content = waiting.content.decode()
    assert "Waiting to start" in content and 'hx-trigger="every 1s"' in content
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()

    assert jobs.run_pending() == 1
    job.refresh_from_db()
    assert job.status == ExportJob.Status.DONE
    assert job.rows == 4 and job.progress_done == job.progress_total == 2
    done = client.get(response["Location"], **HTMX).content.decode()
    assert "Ready to download" in done and "every 1s" not in done
    download = client.get(reverse("export_job_download", args=[world.school.urn, job.pk]))
    assert download.status_code == 200
    assert download["Content-Disposition"] == f'attachment; filename="provision-map.{fmt}"'
    data = download.getvalue()
    if fmt == "csv":
        rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
        upns = {row["UPN"] for row in rows}
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(data))["Map"]
        values = list(sheet.iter_rows(values_only=True))
        upns = {row[values[0].index("UPN")] for row in values[1:]}
    assert upns == {pupil.upn for pupil in pupils}
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.user == world.senco
    assert "4 rows, 3 pupils" in event.summary
    assert set(event.listed.values_list("pupil_id", flat=True)) == {p.pk for p in pupils}


def test_only_the_user_who_asked_finds_the_export(client, mapped):
    world, _ = mapped
    client.force_login(world.senco)
    export_map(client, world, "csv", "nc_year=7")
    jobs.run_pending()
    job = ExportJob.objects.get()
    assert job.options == {"academic_year": None, "nc_year": "7"}
    urls = [
        reverse("export_job", args=[world.school.urn, job.pk]),
        reverse("export_job_download", args=[world.school.urn, job.pk]),
    ]
    for other in (member(world.school, Role.SENCO), member(world.school, Role.SENIOR_LEADER)):
        client.force_login(other)
        assert [client.get(url).status_code for url in urls] == [404, 404]
    client.force_login(world.senco)
    assert [client.get(url).status_code for url in urls] == [200, 200]


def test_a_background_export_is_cut_to_the_users_pupils(client, mapped):
    world, pupils = mapped
    head = member(world.school, Role.HEAD_OF_YEAR, year_groups="9")
    client.force_login(head)
    export_map(client, world, "csv")
    jobs.run_pending()
    job = ExportJob.objects.get()
    data = client.get(reverse("export_job_download", args=[world.school.urn, job.pk])).getvalue()
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert {row["UPN"] for row in rows if row["UPN"]} == {pupils[2].upn}


def test_the_file_is_deleted_a_day_after_it_was_written(client, mapped):
    world, _ = mapped
    client.force_login(world.senco)
    export_map(client, world, "xlsx")
    jobs.run_pending()
    job = ExportJob.objects.get()
    path = Path(job.file_path)
    assert path.exists()
    jobs.housekeeping(timezone.now() + dt.timedelta(hours=23))
    assert path.exists()
    jobs.housekeeping(timezone.now() + dt.timedelta(days=1, minutes=1))
    job.refresh_from_db()
    assert job.status == ExportJob.Status.EXPIRED and not path.exists()
    page = client.get(reverse("export_job", args=[world.school.urn, job.pk]))
    assert "deleted a day after" in page.content.decode()
    download = client.get(reverse("export_job_download", args=[world.school.urn, job.pk]))
    assert download.status_code == 404


def test_a_small_export_downloads_at_once(client, settings, mapped):
    world, _ = mapped
    settings.EXPORT_IN_BACKGROUND_ROWS = 100
    client.force_login(world.senco)
    response = export_map(client, world, "csv")
    assert response.status_code == 200 and response.streaming
    assert not ExportJob.objects.exists()


def _interrupt(job: ExportJob, minutes_ago: int) -> None:
    """The job as a worker leaves it when it dies while writing: running, with part of a file
    and its last progress `minutes_ago`."""
    then = timezone.now() - dt.timedelta(minutes=minutes_ago)
    ExportJob.objects.filter(pk=job.pk).update(
        status=ExportJob.Status.RUNNING,
        started_at=then,
        heartbeat_at=then,
        worker="gone-host:4242",
        progress_done=1,
        progress_total=2,
    )
    path = export_jobs.export_path(job)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"part of a file")


def test_an_export_whose_worker_died_is_shown_failed_and_can_be_started_again(client, mapped):
    world, pupils = mapped
    client.force_login(world.senco)
    export_map(client, world, "csv", "nc_year=7")
    job = ExportJob.objects.get()
    page_url = reverse("export_job", args=[world.school.urn, job.pk])
    # Still writing two minutes ago: only a slow export, shown in progress.
    _interrupt(job, minutes_ago=2)
    assert "Writing the export" in client.get(page_url).content.decode()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.RUNNING

    # Silent for longer than any export is between two signs of progress: its page says so.
    _interrupt(job, minutes_ago=11)
    page = client.get(page_url).content.decode()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and job.message == export_jobs.INTERRUPTED
    assert "the server writing it stopped" in page and "every 1s" not in page
    assert not export_jobs.export_path(job).exists()

    again = client.post(reverse("export_job_again", args=[world.school.urn, job.pk]))
    new = ExportJob.objects.exclude(pk=job.pk).get()
    assert again.status_code == 302
    assert again["Location"] == reverse("export_job", args=[world.school.urn, new.pk])
    assert (new.status, new.fmt, new.options, new.what, new.created_by) == (
        ExportJob.Status.QUEUED,
        job.fmt,
        job.options,
        job.what,
        world.senco,
    )
    jobs.run_pending()
    new.refresh_from_db()
    assert new.status == ExportJob.Status.DONE
    data = client.get(reverse("export_job_download", args=[world.school.urn, new.pk])).getvalue()
    rows = list(csv.DictReader(io.StringIO(data.decode("utf-8-sig"))))
    assert {row["UPN"] for row in rows if row["UPN"]} == {pupils[0].upn, pupils[1].upn}


def test_the_workers_chores_fail_a_silent_export_and_only_its_user_restarts_it(client, mapped):
    world, _ = mapped
    client.force_login(world.senco)
    export_map(client, world, "xlsx")
    job = ExportJob.objects.get()
    _interrupt(job, minutes_ago=5)
    jobs.housekeeping()
    job.refresh_from_db()
    assert job.status == ExportJob.Status.RUNNING
    jobs.housekeeping(timezone.now() + dt.timedelta(minutes=6))
    job.refresh_from_db()
    assert job.status == ExportJob.Status.FAILED and job.message == export_jobs.INTERRUPTED

    again_url = reverse("export_job_again", args=[world.school.urn, job.pk])
    client.force_login(member(world.school, Role.SENCO))
    assert client.post(again_url).status_code == 404
    client.force_login(world.senco)
    assert client.get(again_url).status_code == 405
    assert client.post(again_url).status_code == 302
    assert ExportJob.objects.count() == 2
    # A job still running or done is not started again.
    done = ExportJob.objects.exclude(pk=job.pk).get()
    ExportJob.objects.filter(pk=done.pk).update(status=ExportJob.Status.DONE)
    client.post(reverse("export_job_again", args=[world.school.urn, done.pk]))
    assert ExportJob.objects.count() == 2

"""Imports and exports in the browser: upload, the preview with its problems and columns, the
confirmation, the job's page while it works, and the downloads of the map, a run and a pupil.

Jobs run when a test says so (`run_jobs`: the tasks queued so far, run in the test's process);
no worker runs beside the tests.
"""

from __future__ import annotations

import csv
import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from provmap.accounts.models import AuditAction, AuditEvent, Role
from provmap.interchange import jobs
from provmap.interchange.models import ColumnMapping, ImportJob, ImportKind
from provmap.provision.models import Placement, ProvisionRun
from provmap.pupils.models import Pupil, Result
from tests.factories import PupilFactory
from tests.interchange.make_corpus import lying_zip, minimal_xlsx
from tests.interchange.samples import (
    SIMS_HEADINGS,
    SIMS_ROWS,
    UPNS,
    csv_bytes,
    ctf_bytes,
    ctf_pupil,
    table_counts,
)
from tests.web.map_world import HTMX, World, add_run, build_world, get_counted, member, outsider

pytestmark = pytest.mark.django_db

Status = ImportJob.Status


def imports_url(world: World) -> str:
    return reverse("imports", args=[world.school.urn])


def job_url(world: World, job: ImportJob, action: str = "") -> str:
    name = {"": "import_job", "check": "import_recheck", "confirm": "import_confirm"}.get(
        action, f"import_{action}"
    )
    return reverse(name, args=[world.school.urn, job.pk])


def upload(client, world: World, kind: str, name: str, data: bytes) -> ImportJob:
    response = client.post(
        imports_url(world), {"kind": kind, "file": SimpleUploadedFile(name, data)}
    )
    assert response.status_code == 302, response.content.decode()
    job = ImportJob.objects.latest("pk")
    assert response["Location"] == job_url(world, job)
    return job


def run_jobs() -> int:
    return jobs.run_pending()


def page(client, world: World, job: ImportJob) -> str:
    response = client.get(job_url(world, job))
    assert response.status_code == 200
    return response.content.decode()


def pupils_file(rows: list[list[object]] | None = None, headings=SIMS_HEADINGS) -> bytes:
    return csv_bytes([headings, *(SIMS_ROWS if rows is None else rows)])


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def senco(client, world):
    client.force_login(world.senco)
    return client


# --- The pages ---------------------------------------------------------------------------------


def test_the_imports_page_offers_each_kind_with_a_size_and_type_hint(senco, world):
    content = senco.get(imports_url(world)).content.decode()
    for kind in ("pupils", "map", "results"):
        assert f'id="kind-{kind}"' in content
    assert 'type="file"' in content and 'enctype="multipart/form-data"' in content
    assert "up to 20.0 MB" in content
    assert "CSV (.csv), Excel workbook (.xlsx) or CTF (.xml)." in content


def test_a_file_of_the_wrong_type_is_refused_at_once(senco, world):
    response = senco.post(
        imports_url(world), {"kind": "results", "file": SimpleUploadedFile("pupils.xml", b"<a/>")}
    )
    assert response.status_code == 400
    assert (
        "This import reads CSV (.csv) or Excel workbook (.xlsx) files" in response.content.decode()
    )
    assert not ImportJob.objects.exists()


def test_pupils_upload_preview_confirm_and_progress(senco, world):
    job = upload(senco, world, "pupils", "pupils.csv", pupils_file())
    waiting = page(senco, world, job)
    assert 'hx-trigger="every 1s"' in waiting
    assert "<progress" in waiting and "Waiting to start" in waiting

    assert run_jobs() == 1
    preview = page(senco, world, job)
    assert 'hx-trigger="every 1s"' not in preview
    assert re.search(r'New</span><span class="stat__value">4<', preview)
    assert '<label for="id_column_3">UPN</label>' in preview
    assert '<option value="upn" selected>UPN</option>' in preview
    assert "Confirm and import" in preview
    assert "Amy Adams" in preview
    assert not Pupil.objects.exists()

    response = senco.post(job_url(world, job, "confirm"), {"rows": "all"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert (job.status, job.task) == (Status.QUEUED, ImportJob.Task.IMPORT)
    importing = page(senco, world, job)
    assert 'hx-trigger="every 1s"' in importing

    assert run_jobs() == 1
    job.refresh_from_db()
    assert job.status == Status.DONE
    assert job.data == b"" or bytes(job.data) == b""
    assert (job.progress_done, job.progress_total) == (4, 4)
    assert Pupil.objects.filter(school=world.school).count() == 4
    done = page(senco, world, job)
    assert '<progress id="job-progress-bar" max="4" value="4">' in done
    amy = Pupil.objects.get(upn=UPNS[0])
    assert f'href="{reverse("pupil_detail", args=[world.school.urn, amy.pk])}"' in done
    event = AuditEvent.objects.get(action=AuditAction.CREATE)
    assert event.user == world.senco and "4 created" in event.summary


def test_a_common_transfer_file_is_imported_without_columns_to_choose(senco, world):
    data = ctf_bytes(
        [
            ctf_pupil(UPNS[0], "Adams", "Amy", "2012-09-01", "F", "8"),
            ctf_pupil(UPNS[1], "Brown", "Ben", "2012-10-01", "M", "8"),
        ],
        source_urn=world.school.urn,
        source_name=world.school.name,
    )
    job = upload(senco, world, "pupils", "from-mis.xml", data)
    run_jobs()
    preview = page(senco, world, job)
    assert "Amy Adams" in preview and "Confirm and import" in preview
    assert 'id="columns-heading"' not in preview
    senco.post(job_url(world, job, "confirm"), {"rows": "all"})
    run_jobs()
    job.refresh_from_db()
    assert job.status == Status.DONE
    assert Pupil.objects.filter(school=world.school).count() == 2


def test_the_poll_answers_only_the_job_and_announces_the_end(senco, world):
    job = upload(senco, world, "pupils", "pupils.csv", pupils_file())
    polled = senco.get(job_url(world, job), **HTMX).content.decode()
    assert polled.lstrip().startswith('<div id="job-body"') or "<html" not in polled
    assert "hx-swap-oob" not in polled
    run_jobs()
    finished = senco.get(job_url(world, job), **HTMX).content.decode()
    assert "<html" not in finished
    assert 'hx-swap-oob="innerHTML"' in finished and "Checked: ready to import." in finished
    assert 'hx-trigger="every 1s"' not in finished


def test_results_upload_preview_confirm(senco, world):
    pupils = [
        PupilFactory(school=world.school, upn=upn, legal_forename=name, surname="Test")
        for upn, name in zip(UPNS[:2], ("Amy", "Ben"), strict=True)
    ]
    data = csv_bytes(
        [
            ["UPN", "Measure", "Date", "Score"],
            [UPNS[0], "Reading test", "01/10/2025", "88"],
            [UPNS[1], "Reading test", "01/10/2025", "91"],
        ]
    )
    job = upload(senco, world, "results", "reading.csv", data)
    run_jobs()
    preview = page(senco, world, job)
    assert re.search(r'New</span><span class="stat__value">2<', preview)
    assert "Amy Test: Reading test on 01/10/2025" in preview
    senco.post(job_url(world, job, "confirm"), {"rows": "all"})
    run_jobs()
    job.refresh_from_db()
    assert job.status == Status.DONE
    assert sorted(Result.objects.values_list("pupil_id", "value")) == sorted(
        [(pupils[0].pk, 88), (pupils[1].pk, 91)]
    )


def test_map_upload_preview_confirm(senco, world):
    for upn, name in zip(UPNS[:2], ("Amy", "Ben"), strict=True):
        PupilFactory(school=world.school, upn=upn, legal_forename=name, surname="Adams")
    data = csv_bytes(
        [
            ["UPN", "Provision", "Start date", "Exit date", "No. minutes per week", "No. weeks"],
            [UPNS[0], "Reading catch-up", "08/09/2025", "12/12/2025", "60", "10"],
            [UPNS[1], "Reading catch-up", "08/09/2025", "12/12/2025", "60", "10"],
        ]
    )
    job = upload(senco, world, "map", "map.csv", data)
    run_jobs()
    job.refresh_from_db()
    assert job.status == Status.PREVIEWED, job.summary["errors"]
    preview = page(senco, world, job)
    assert "Amy Adams in Reading catch-up" in preview
    assert not ProvisionRun.objects.exists()
    senco.post(job_url(world, job, "confirm"), {"rows": "all"})
    run_jobs()
    job.refresh_from_db()
    assert job.status == Status.DONE
    assert Placement.objects.filter(school=world.school).count() == 2
    assert "See the map" in page(senco, world, job)


def test_a_bad_file_shows_every_problem_by_row_and_column_and_writes_nothing(senco, world):
    rows = [list(row) for row in SIMS_ROWS]
    rows[1][3] = "A801200022002"  # wrong check letter
    rows[2][5] = "31/02/2013"  # no such date
    before = table_counts()
    job = upload(senco, world, "pupils", "pupils.csv", pupils_file(rows))
    run_jobs()
    job.refresh_from_db()
    assert job.status == Status.REJECTED
    content = page(senco, world, job)
    assert "2 problems in 2 rows: nothing will be written" in content
    assert re.search(
        r'<td class="num nowrap">3</td>\s*<td>UPN</td>\s*<td>The check letter', content
    )
    assert re.search(r'<td class="num nowrap">4</td>\s*<td>DOB</td>', content)
    assert "Confirm and import" not in content
    # Confirming the whole of a file with problems is refused.
    response = senco.post(job_url(world, job, "confirm"), {"rows": "all"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.status == Status.REJECTED
    run_jobs()
    jobs_key = "interchange.ImportJob"
    assert table_counts() == {**before, jobs_key: before[jobs_key] + 1}


def test_only_the_valid_rows_after_ticking_that_the_others_are_left_out(senco, world):
    rows = [list(row) for row in SIMS_ROWS]
    rows[1][3] = "A801200022002"
    job = upload(senco, world, "pupils", "pupils.csv", pupils_file(rows))
    run_jobs()
    content = page(senco, world, job)
    assert "Import only the 3 valid rows" in content
    assert "Nobody is marked as having left when rows are left out." in content

    refused = senco.post(job_url(world, job, "confirm"), {"rows": "valid"})
    assert refused.status_code == 400
    assert "Tick the box" in refused.content.decode()
    job.refresh_from_db()
    assert job.status == Status.REJECTED

    senco.post(job_url(world, job, "confirm"), {"rows": "valid", "understood": "1"})
    run_jobs()
    job.refresh_from_db()
    assert job.status == Status.DONE
    assert sorted(Pupil.objects.values_list("upn", flat=True)) == sorted(
        [UPNS[0], UPNS[2], UPNS[3]]
    )
    done = page(senco, world, job)
    assert "Rows left out (1)" in done and "The check letter" in done


def test_a_map_with_problems_cannot_be_imported_in_part(senco, world):
    data = csv_bytes([["UPN", "Provision"], [UPNS[0], "Reading catch-up"]])
    job = upload(senco, world, "map", "map.csv", data)
    run_jobs()
    content = page(senco, world, job)
    assert "needs a start date for this provision" in content
    assert "A map's rows form groups together" in content
    assert "valid row" not in content


def test_a_column_fixed_in_the_preview_is_remembered_next_time(senco, world):
    headings = ["Pupil Ref" if heading == "UPN" else heading for heading in SIMS_HEADINGS]
    data = pupils_file(headings=headings)
    job = upload(senco, world, "pupils", "pupils.csv", data)
    run_jobs()
    job.refresh_from_db()
    assert job.status == Status.REJECTED
    content = page(senco, world, job)
    assert "No pupil in provmap has MIS id 1001, and there is no UPN to add them with." in content
    position = headings.index("Pupil Ref")
    assert f'<label for="id_column_{position}">Pupil Ref</label>' in content

    choices = {
        f"column_{item['position']}": item["field"] for item in job.summary["columns"]["headings"]
    }
    twice = {**choices, f"column_{position}": "surname", "roll": "auto"}
    refused = senco.post(job_url(world, job, "check"), twice)
    assert refused.status_code == 400
    assert "already feeds this field" in refused.content.decode()

    fixed = {**choices, f"column_{position}": "upn", "roll": "auto"}
    assert senco.post(job_url(world, job, "check"), fixed).status_code == 302
    run_jobs()
    job.refresh_from_db()
    assert job.status == Status.PREVIEWED
    assert not ColumnMapping.objects.exists()
    senco.post(job_url(world, job, "confirm"), {"rows": "all"})
    run_jobs()
    mapping = ColumnMapping.objects.get(school=world.school, kind=ImportKind.PUPILS)
    assert mapping.headings["pupil ref"] == "upn"

    again = upload(senco, world, "pupils", "pupils again.csv", data)
    run_jobs()
    again.refresh_from_db()
    assert again.status == Status.PREVIEWED
    assert again.summary["counts"]["unchanged"] == 4
    assert '<option value="upn" selected>UPN</option>' in page(senco, world, again)


def test_cancelling_deletes_the_file(senco, world):
    job = upload(senco, world, "pupils", "pupils.csv", pupils_file())
    run_jobs()
    response = senco.post(job_url(world, job, "cancel"))
    assert response["Location"] == imports_url(world)
    job.refresh_from_db()
    assert job.status == Status.CANCELLED and bytes(job.data) == b""
    assert senco.post(job_url(world, job, "confirm"), {"rows": "all"}).status_code == 302
    job.refresh_from_db()
    assert job.status == Status.CANCELLED


def test_looking_at_a_preview_is_audited_but_waiting_is_not(senco, world):
    job = upload(senco, world, "pupils", "pupils.csv", pupils_file())
    page(senco, world, job)
    senco.get(job_url(world, job), **HTMX)
    assert not AuditEvent.objects.filter(action=AuditAction.VIEW).exists()
    run_jobs()
    page(senco, world, job)
    event = AuditEvent.objects.get(action=AuditAction.VIEW)
    assert "pupils.csv" in event.summary and event.object_id == str(job.pk)


# --- Who may import ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "role", [Role.TEACHER, Role.HEAD_OF_YEAR, Role.SENIOR_LEADER, Role.GOVERNOR]
)
def test_roles_that_do_not_edit_the_map_cannot_import(client, world, role):
    job = ImportJob.objects.create(school=world.school, kind="pupils", file_name="a.csv")
    client.force_login(member(world.school, role))
    assert client.get(imports_url(world)).status_code == 403
    assert client.get(job_url(world, job)).status_code == 403
    assert client.post(job_url(world, job, "confirm"), {"rows": "all"}).status_code == 403


def test_the_send_administrator_imports_too(client, world):
    client.force_login(member(world.school, Role.SEND_ADMIN))
    job = upload(client, world, "pupils", "pupils.csv", pupils_file())
    assert client.get(job_url(world, job)).status_code == 200


def test_outsiders_find_nothing(client, world):
    job = ImportJob.objects.create(school=world.school, kind="pupils", file_name="a.csv")
    client.force_login(outsider())
    assert client.get(imports_url(world)).status_code == 404
    assert client.get(job_url(world, job)).status_code == 404


def test_a_job_of_another_school_is_not_found(client, world):
    elsewhere = build_world(name="Elsewhere School")
    job = ImportJob.objects.create(school=elsewhere.school, kind="pupils", file_name="a.csv")
    client.force_login(world.senco)
    url = reverse("import_job", args=[world.school.urn, job.pk])
    assert client.get(url).status_code == 404


# --- Query counts ------------------------------------------------------------------------------


def test_the_imports_page_costs_the_same_with_one_job_or_many(senco, world):
    def queries(jobs_count: int) -> int:
        ImportJob.objects.all().delete()
        for number in range(jobs_count):
            ImportJob.objects.create(
                school=world.school,
                kind="pupils",
                file_name=f"{number}.csv",
                created_by=world.senco,
            )
        count, response = get_counted(senco, imports_url(world))
        assert response.status_code == 200
        return count

    assert queries(1) == queries(8)


def test_the_job_page_costs_the_same_whatever_the_file(senco, world):
    def queries(pupil_count: int) -> int:
        rows = [
            [f"Surname{n}", f"Forename{n}", "", upn, "", "01/09/2012", "F", "8", "8A"]
            for n, upn in enumerate(UPNS[:pupil_count])
        ]
        job = upload(senco, world, "pupils", "p.csv", pupils_file(rows, SIMS_HEADINGS[:9]))
        run_jobs()
        count, response = get_counted(senco, job_url(world, job))
        assert response.status_code == 200
        waiting = upload(senco, world, "pupils", "p.csv", pupils_file(rows, SIMS_HEADINGS[:9]))
        polled, response = get_counted(senco, job_url(world, waiting), **HTMX)
        assert response.status_code == 200
        run_jobs()
        return count, polled

    assert queries(1) == queries(8)


# --- Exports -----------------------------------------------------------------------------------


@pytest.fixture
def mapped(world):
    year7 = PupilFactory(school=world.school, nc_year="7", legal_forename="Ada", surname="Seven")
    year9 = PupilFactory(school=world.school, nc_year="9", legal_forename="Nia", surname="Nine")
    run = add_run(world, pupils=[year7, year9], label="Group A")
    return world, run, year7, year9


def export_url(name: str, world: World, fmt: str, *args: object, query: str = "") -> str:
    url = reverse(name, args=[world.school.urn, *args, fmt])
    return f"{url}?{query}" if query else url


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
@pytest.mark.parametrize("what", ["map", "run", "pupil"])
def test_exports_download_with_their_type_and_are_audited(senco, mapped, fmt, what):
    world, run, year7, _ = mapped
    name, args = {
        "map": ("export_map", ()),
        "run": ("export_run", (run.pk,)),
        "pupil": ("export_pupil", (year7.pk,)),
    }[what]
    response = senco.get(export_url(name, world, fmt, *args))
    assert response.status_code == 200
    expected = {
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "csv": "text/csv; charset=utf-8",
    }[fmt]
    assert response["Content-Type"] == expected
    assert response["Content-Disposition"].startswith("attachment; filename=")
    assert response["Content-Disposition"].endswith(f'.{fmt}"')
    assert "no-store" in response["Cache-Control"]
    if fmt == "xlsx":
        assert response.getvalue().startswith(b"PK")
    else:
        assert year7.upn in response.getvalue().decode("utf-8-sig")
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert fmt.upper() in event.summary
    assert event.pupil == (year7 if what == "pupil" else None)


def csv_upns(response) -> set[str]:
    rows = list(csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig"))))
    return {row["UPN"] for row in rows if row["UPN"]}


def test_a_year_group_and_a_school_year_are_exported_on_their_own(senco, mapped):
    world, _, _, year9 = mapped
    year = world.term.academic_year
    response = senco.get(export_url("export_map", world, "csv", query=f"year={year.pk}&nc_year=9"))
    assert csv_upns(response) == {year9.upn}
    assert f'-map-{year.name}-year-9.csv"' in response["Content-Disposition"]
    assert senco.get(export_url("export_map", world, "csv", query="year=999999")).status_code == 404
    assert senco.get(export_url("export_map", world, "csv", query="nc_year=15")).status_code == 404


def test_exports_hold_only_the_pupils_the_user_may_see(client, mapped):
    world, run, year7, year9 = mapped
    client.force_login(member(world.school, Role.HEAD_OF_YEAR, year_groups="9"))
    assert csv_upns(client.get(export_url("export_map", world, "csv"))) == {year9.upn}
    assert csv_upns(client.get(export_url("export_run", world, "csv", run.pk))) == {year9.upn}
    assert client.get(export_url("export_pupil", world, "csv", year7.pk)).status_code == 404


@pytest.mark.parametrize("role", [Role.GOVERNOR, Role.PARENT])
def test_governors_and_parents_never_get_pupil_level_exports(client, mapped, role):
    world, run, year7, _ = mapped
    client.force_login(member(world.school, role))
    for url in (
        export_url("export_map", world, "xlsx"),
        export_url("export_run", world, "csv", run.pk),
        export_url("export_pupil", world, "xlsx", year7.pk),
    ):
        assert client.get(url).status_code == 403
    assert not AuditEvent.objects.filter(action=AuditAction.EXPORT).exists()


def test_the_pages_offer_their_downloads(senco, mapped):
    world, run, year7, _ = mapped
    pages = {
        reverse("term_map", args=[world.school.urn]): export_url("export_map", world, "xlsx"),
        reverse("year_map", args=[world.school.urn]): export_url("export_map", world, "csv"),
        reverse("run_detail", args=[world.school.urn, run.pk]): export_url(
            "export_run", world, "xlsx", run.pk
        ),
        reverse("pupil_detail", args=[world.school.urn, year7.pk]): export_url(
            "export_pupil", world, "csv", year7.pk
        ),
    }
    for page_url, download in pages.items():
        assert f'href="{download}' in senco.get(page_url).content.decode(), page_url


@pytest.mark.parametrize("kind", ["pupils", "map", "results"])
def test_a_workbook_with_lying_zip_headers_is_refused_with_what_is_wrong(senco, world, kind):
    lying = lying_zip(
        minimal_xlsx([["UPN", "Surname"], [UPNS[0], "Adams"]]), central_size=100, local_size=100
    )
    before = table_counts()
    job = upload(senco, world, kind, "list.xlsx", lying)
    run_jobs()
    job.refresh_from_db()

    assert job.status == Status.REJECTED
    content = page(senco, world, job)
    assert (
        "This file is not a valid Excel workbook: part of it (&#x27;xl/worksheets/sheet1.xml"
        "&#x27;) unpacks to more than the 100 bytes the file says it holds" in content
    )
    assert "Something went wrong" not in content
    jobs_key = "interchange.ImportJob"
    assert table_counts() == {**before, jobs_key: before[jobs_key] + 1}


def test_the_sheets_of_a_map_workbook_can_be_chosen_in_the_preview(senco, world):
    from tests.interchange.make_corpus import MAP_HEADINGS, workbook

    upn = Pupil.objects.filter(school=world.school).values_list("upn", flat=True).first()
    data = workbook(
        {
            "Year 7": [MAP_HEADINGS, [upn, "Reading catch-up", "08/09/2025", 2, 30]],
            "Year 8": [MAP_HEADINGS, [upn, "Nurture group", "08/09/2025", 1, 45]],
        }
    )
    job = upload(senco, world, "map", "map.xlsx", data)
    run_jobs()
    job.refresh_from_db()
    assert job.summary["sheets"] == {"all": ["Year 7", "Year 8"], "read": ["Year 7", "Year 8"]}
    content = page(senco, world, job)
    assert "Which sheets of the workbook to read?" in content
    assert 'type="checkbox" name="sheets" value="Year 8"' in content

    choices = {
        f"column_{item['position']}": item["field"] for item in job.summary["columns"]["headings"]
    }
    refused = senco.post(job_url(world, job, "check"), choices)
    assert refused.status_code == 400
    assert "Choose at least one sheet to read." in refused.content.decode()
    assert (
        senco.post(job_url(world, job, "check"), {**choices, "sheets": ["Year 8"]}).status_code
        == 302
    )
    run_jobs()
    job.refresh_from_db()
    assert job.options["sheets"] == ["Year 8"]
    assert job.summary["sheets"]["read"] == ["Year 8"]
    assert "Sheet &#x27;Year 7&#x27; was left out, as chosen" in page(senco, world, job)

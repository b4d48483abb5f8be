"""Copies of a pupil's identity outside the tables that point at them: the audit trail (which
names pupils only by their keyed reference, and lists the pupils each list page or export
showed) and the import jobs (whose previews and results name pupils).

Erasure leaves none of them behind; the subject access export and the SENCO's data page show
what is kept about the pupil."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from django.apps import apps
from django.urls import reverse

from provmap.accounts.audit import audit_record, pupil_reference
from provmap.accounts.data_protection import pupil_subject_access_export
from provmap.accounts.models import AuditAction, AuditEvent, AuditEventPupil
from provmap.interchange.models import ColumnMapping, ImportJob
from provmap.pupils.models import Pupil
from tests.interchange.samples import SIMS_HEADINGS, UPNS, csv_bytes
from tests.web.map_world import add_run, build_world
from tests.web.test_imports import job_url, run_jobs, upload

pytestmark = pytest.mark.django_db

UPN, OTHER_UPN = UPNS[6], UPNS[7]
NEEDLES = [
    "Zephyrine",
    "Quillfeather",
    "Zephie",
    UPN,
    "ADNO4417",
    "2012-11-23",
    "23/11/2012",
    "23 Nov 2012",
    "23 November 2012",
]


def pupils_file(form: str = "8A") -> bytes:
    def row(surname, forename, preferred, upn, adno, dob, sex):
        return [surname, forename, preferred, upn, adno, dob, sex, "Year 8", form]

    return csv_bytes(
        [
            SIMS_HEADINGS[:9],
            row("Quillfeather", "Zephyrine", "Zephie", UPN, "ADNO4417", "23/11/2012", "F"),
            row("Bexley", "Otto", "", OTHER_UPN, "ADNO4418", "02/03/2012", "M"),
        ]
    )


def as_text(value: object) -> str:
    """A stored value as text to search: bytes (and the files inside a ZIP) decoded."""
    if isinstance(value, memoryview):
        value = bytes(value)
    if isinstance(value, bytes):
        parts = [value.decode("latin-1")]
        try:
            with zipfile.ZipFile(io.BytesIO(value)) as archive:
                parts += [archive.read(name).decode("latin-1") for name in archive.namelist()]
        except zipfile.BadZipFile:
            pass
        return "\n".join(parts)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, default=str)
    return str(value)


def copies_left() -> list[str]:
    """Every place in every table where one of the pupil's identifiers is still stored."""
    found = []
    for model in apps.get_models(include_auto_created=True):
        fields = [field.column for field in model._meta.concrete_fields]
        for row in model._base_manager.values_list(
            *[f.attname for f in model._meta.concrete_fields]
        ):
            for column, value in zip(fields, row, strict=True):
                text = as_text(value).lower()
                for needle in NEEDLES:
                    if needle.lower() in text:
                        found.append(f"{model._meta.label}.{column}: {needle}")
    return found


@pytest.fixture
def world():
    return build_world()


@pytest.fixture
def senco(client, world):
    client.force_login(world.senco)
    return client


@pytest.fixture
def imported(senco, world):
    """The pupil arrives by an import (checked, looked at, confirmed, looked at again); a
    second file naming them is checked and left unconfirmed, its file still stored."""
    job = upload(senco, world, "pupils", "roll.csv", pupils_file())
    run_jobs()
    assert senco.get(job_url(world, job)).status_code == 200
    senco.post(job_url(world, job, "confirm"), {"rows": "all"})
    run_jobs()
    assert senco.get(job_url(world, job)).status_code == 200
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE
    pending = upload(senco, world, "pupils", "roll-again.csv", pupils_file(form="8B"))
    run_jobs()
    assert senco.get(job_url(world, pending)).status_code == 200
    pending.refresh_from_db()
    assert pending.status == ImportJob.Status.PREVIEWED and bytes(pending.data)
    pupil = Pupil.objects.get(upn=UPN)
    other = Pupil.objects.get(upn=OTHER_UPN)
    return pupil, other, job, pending


def read_sar(content: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return json.loads(archive.read("subject-access.json"))


def test_erasure_leaves_no_name_upn_or_birth_date_anywhere(senco, world, imported):
    pupil, other, job, pending = imported
    run = add_run(world, pupils=[pupil, other])
    urn = world.school.urn
    # Lists, searches and exports that show the pupil among others.
    assert senco.get(reverse("term_map", args=[urn]), {"term": world.term.pk}).status_code == 200
    assert senco.get(reverse("run_detail", args=[urn, run.pk]), {"q": "Quillf"}).status_code == 200
    assert senco.get(reverse("data_protection", args=[urn]), {"q": UPN}).status_code == 200
    assert senco.get(reverse("export_map", args=[urn, "csv"])).status_code == 200
    assert senco.get(reverse("export_pupil", args=[urn, pupil.pk, "xlsx"])).status_code == 200
    assert senco.get(reverse("pupil_detail", args=[urn, pupil.pk])).status_code == 200
    # An event written before names were kept out of the trail, and a column heading that was
    # a pupil's name (a file read without its heading row).
    audit_record(
        None,
        AuditAction.EXPORT,
        school=world.school,
        summary=f"Exported the map, Zephyrine Quillfeather ({UPN})",
        details={"pupil": "Quillfeather, Zephyrine", "born": "23/11/2012"},
        actor=world.senco,
    )
    ColumnMapping.objects.create(
        school=world.school, kind="results", headings={"zephyrine quillfeather": "", "upn": "upn"}
    )
    listed_before = AuditEventPupil.objects.filter(pupil=pupil).count()
    assert listed_before >= 4
    assert copies_left(), "the scan finds the pupil before erasure"

    response = senco.post(
        reverse("pupil_erase", args=[urn, pupil.pk]),
        {"confirm_upn": UPN, "reason": "Zephyrine Quillfeather's parent asked, 1 March"},
    )
    assert response.status_code == 302

    assert copies_left() == []
    # What is kept: the events and which lists included the pupil, by reference.
    ref = pupil_reference(urn, UPN)
    assert AuditEventPupil.objects.filter(pupil_ref=ref).count() == listed_before
    assert AuditEvent.objects.filter(pupil_ref=ref, action=AuditAction.ERASE).exists()
    # The other pupil's rows are untouched.
    other.refresh_from_db()
    assert other.surname == "Bexley"
    job.refresh_from_db()
    assert "Bexley" in json.dumps(job.summary)
    pending.refresh_from_db()
    assert bytes(pending.data) == b""
    assert ColumnMapping.objects.get(kind="results").headings == {"upn": "upn"}


def test_the_subject_access_export_lists_every_list_and_import_that_named_the_pupil(
    senco, world, imported
):
    pupil, other, *_ = imported
    urn = world.school.urn
    add_run(world, pupils=[pupil, other])
    senco.get(reverse("term_map", args=[urn]), {"term": world.term.pk})
    senco.get(reverse("export_map", args=[urn, "csv"]))

    data = read_sar(pupil_subject_access_export(pupil, by=world.senco))

    trail = data["audit_trail"]
    lists = [entry for entry in trail if entry["listed_among"]]
    assert {entry["action"] for entry in lists} >= {"Viewed", "Exported"}
    assert all(entry["by"] == world.senco.username and entry["page"] for entry in lists)
    assert any(
        entry["page"].startswith(reverse("export_map", args=[urn, "csv"])) for entry in lists
    )
    jobs = data["import_jobs"]
    assert {entry["file_name"] for entry in jobs} == {"roll.csv", "roll-again.csv"}
    done = next(entry for entry in jobs if entry["file_name"] == "roll.csv")
    assert any("Quillfeather" in json.dumps(row) for row in done["rows"])
    assert "Bexley" not in json.dumps(jobs)
    assert "Bexley" not in json.dumps(trail)


def test_the_senco_data_page_lists_where_the_pupil_was_seen(senco, world, imported):
    pupil, other, *_ = imported
    urn = world.school.urn
    add_run(world, pupils=[pupil, other])
    senco.get(reverse("export_map", args=[urn, "csv"]))
    content = senco.get(reverse("pupil_data", args=[urn, pupil.pk])).content.decode()
    assert "Where this pupil's record was seen" in content
    assert reverse("export_map", args=[urn, "csv"]) in content
    assert "Exported" in content

"""What imports keep about a pupil outside the tables that point at them, for the subject
access export and for erasure (provmap.accounts.data_protection.PupilCopies).

An import job's summary names pupils: each change it checked or made (their name, UPN and
the fields before and after), and problems by row. A stored file names them until it is
deleted. A school's remembered columns are headings, which can be a pupil's name when a file
was read without its heading row. Erasure makes the pupil's rows of every summary anonymous
(the counts stay), deletes a waiting file that names them, and forgets such headings.
"""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from provmap.accounts.data_protection import ERASED_MENTION, PupilCopies, PupilIdentity
from provmap.interchange.models import ColumnMapping, ImportJob
from provmap.pupils.models import Pupil
from provmap.schools.scoping import school_scope

# The lists of a summary whose items are about one row (or one pupil) each.
ROW_LISTS = ("records", "errors", "warnings", "skipped")
# Jobs whose file may still be checked or imported (a running job's file is emptied when it
# ends).
WAITING = (
    ImportJob.Status.UPLOADED,
    ImportJob.Status.QUEUED,
    ImportJob.Status.PREVIEWED,
    ImportJob.Status.REJECTED,
)
FILE_ERASED = "The file was deleted when the record of a pupil it names was erased."


def _about(item: Any, pupil: Pupil, identity: PupilIdentity) -> bool:
    if isinstance(item, dict) and item.get("pupil") == pupil.pk:
        return True
    return identity.mentions(item)


def _anonymous(item: Any) -> Any:
    """A row of a summary with nothing left of who it was about."""
    if not isinstance(item, dict):
        return ERASED_MENTION
    if "label" in item:  # a change
        return {
            "action": item.get("action", ""),
            "label": ERASED_MENTION,
            "row": item.get("row"),
            "changes": [],
            "pupil": None,
        }
    return {  # a problem
        "row": item.get("row"),
        "column": item.get("column", ""),
        "message": f"A row about {ERASED_MENTION}.",
        "record": item.get("record", "Row"),
    }


def _jobs(pupil: Pupil) -> list[ImportJob]:
    return list(
        ImportJob.objects.filter(school_id=pupil.school_id)
        .defer("data")
        .order_by("created_at", "pk")
    )


def import_rows_about(pupil: Pupil, identity: PupilIdentity) -> list[dict[str, Any]]:
    """Each import whose check or result named the pupil, with the rows about them."""
    found = []
    with school_scope(pupil.school_id):
        for job in _jobs(pupil):
            summary = job.summary or {}
            rows = [
                item
                for key in ROW_LISTS
                for item in summary.get(key) or []
                if _about(item, pupil, identity)
            ]
            rows += [note for note in summary.get("notes") or [] if identity.mentions(note)]
            if rows or identity.mentions(job.file_name) or identity.mentions(job.message):
                found.append(
                    {
                        "file_name": job.file_name,
                        "kind": job.get_kind_display(),
                        "uploaded_at": job.created_at,
                        "status": job.get_status_display(),
                        "message": job.message,
                        "rows": rows,
                    }
                )
    return found


def _anonymised_summary(
    summary: dict[str, Any], pupil: Pupil, identity: PupilIdentity
) -> dict[str, Any]:
    changed = dict(summary)
    for key in ROW_LISTS:
        if changed.get(key):
            changed[key] = [
                _anonymous(item) if _about(item, pupil, identity) else item for item in changed[key]
            ]
    # Anything else that names them (a note, a heading read from a data row).
    return identity.redact_json(changed)


def import_rows_erase(pupil: Pupil, identity: PupilIdentity) -> int:
    """Make the pupil's rows of every import anonymous, delete waiting files that name them
    and forget column headings that do; how many rows changed."""
    changed = 0
    now = timezone.now()
    with school_scope(pupil.school_id):
        files = dict(
            ImportJob.objects.filter(school_id=pupil.school_id, status__in=WAITING)
            .exclude(data=b"")
            .values_list("pk", "data")
        )
        for job in _jobs(pupil):
            values: dict[str, Any] = {}
            summary = _anonymised_summary(job.summary or {}, pupil, identity)
            if summary != (job.summary or {}):
                values["summary"] = summary
            for field in ("file_name", "message"):
                text = identity.redact(getattr(job, field))
                if text != getattr(job, field):
                    values[field] = text
            options = identity.redact_json(job.options or {})
            if options != (job.options or {}):
                values["options"] = options
            data = files.get(job.pk)
            if data is not None and ("summary" in values or identity.mentions_in_file(bytes(data))):
                values.update(
                    data=b"", status=ImportJob.Status.EXPIRED, finished_at=now, message=FILE_ERASED
                )
            if values:
                changed += ImportJob.objects.filter(pk=job.pk).update(**values)
        for mapping in ColumnMapping.objects.filter(school_id=pupil.school_id):
            headings = identity.redact_json(mapping.headings)
            if headings != mapping.headings:
                changed += ColumnMapping.objects.filter(pk=mapping.pk).update(headings=headings)
    return changed


IMPORT_COPIES = PupilCopies(name="import_jobs", find=import_rows_about, erase=import_rows_erase)

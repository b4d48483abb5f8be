"""Data protection for pupils' records: archiving leavers, erasure on request, and the
subject access export. See docs/decisions.md for the retention periods and for exactly what
erasure keeps and why.

Every table that points at a pupil is found from the models themselves (`pupil_relations`),
so records added by later apps (targets, reviews, ...) are exported and erased without this
module having to learn about them. Only what erasure deliberately keeps is named here.

Copies of who a pupil is that no foreign key leads to (an import's preview naming pupils, a
column heading that was a name) are found by the app that keeps them: it registers a
`PupilCopies` (`register_pupil_copies`, from its AppConfig.ready) to show them in the subject
access export and remove them on erasure. The audit trail keeps only pupils' references;
erasure takes any name, UPN or date of birth an older event still holds out of it.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property
from typing import TYPE_CHECKING, Any, TypedDict
from urllib.parse import parse_qsl, urlencode

from django.apps import apps
from django.conf import settings
from django.core import serializers
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone

from provmap.accounts.audit import audit_record, pupil_reference
from provmap.accounts.models import AuditAction, AuditEvent, AuditEventPupil, Membership, User
from provmap.formatting import counted
from provmap.provision.models import Placement, RunStaff
from provmap.pupils.models import VULNERABLE_GROUP_FIELDS, Pupil, SENStatus
from provmap.schools.models import School

if TYPE_CHECKING:
    from django_stubs_ext import WithAnnotations

# An erased pupil's UPN: not a UPN at all (a real one has no hyphen), unique per pupil.
ERASED_UPN_PREFIX = "E-"
ERASED_FORENAME = "Erased"
ERASED_SURNAME = "pupil"

# The audit trail's tables: kept (anonymised) through erasure, never copied or deleted.
TRAIL_MODELS = (AuditEvent, AuditEventPupil)


def is_erased(pupil: Pupil) -> bool:
    return pupil.upn.startswith(ERASED_UPN_PREFIX)


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


# --- What identifies a pupil in text, and copies kept outside the pupil's tables -----------

# What takes the place of a pupil's name, UPN or date of birth in what is kept.
ERASED_MENTION = "[erased pupil]"
# A MIS id shorter than this (an admission number such as 1001) is too like other numbers to
# look for in text; rows known to be the pupil's are removed whole.
MIN_MIS_ID_LENGTH = 5


def _dates_as_written(day: dt.date) -> set[str]:
    return {
        day.isoformat(),
        f"{day:%d/%m/%Y}",
        f"{day.day}/{day.month}/{day.year}",
        f"{day:%d/%m/%y}",
        f"{day:%d-%m-%Y}",
        f"{day:%d.%m.%Y}",
        f"{day:%Y%m%d}",
        f"{day.day} {day:%b %Y}",
        f"{day.day} {day:%B %Y}",
        f"{day:%d %b %Y}",
        f"{day:%d %B %Y}",
    }


@dataclass(frozen=True)
class PupilIdentity:
    """What identifies one pupil in text: their names as people write them, UPN, MIS id and
    date of birth. Matches whole words, whatever the case."""

    pupil_id: int
    school_id: int
    strong: tuple[str, ...]
    names: tuple[str, ...]

    @classmethod
    def of(cls, pupil: Pupil) -> PupilIdentity:
        forenames = {pupil.legal_forename.strip(), pupil.preferred_forename.strip()} - {""}
        surname = pupil.surname.strip()
        full = set()
        for forename in forenames:
            full |= {f"{forename} {surname}", f"{surname}, {forename}", f"{surname},{forename}"}
            full |= {f"{surname} {forename}"}
        strong = {pupil.upn, *full, *_dates_as_written(pupil.date_of_birth)}
        if len(pupil.mis_id.strip()) >= MIN_MIS_ID_LENGTH:
            strong.add(pupil.mis_id.strip())
        return cls(
            pupil_id=pupil.pk,
            school_id=pupil.school_id,
            strong=tuple(sorted((item for item in strong if item), key=len, reverse=True)),
            names=tuple(sorted((forenames | {surname}) - {""})),
        )

    @cached_property
    def _pattern(self) -> re.Pattern[str]:
        words = "|".join(re.escape(item) for item in self.strong)
        return re.compile(rf"(?<!\w)(?:{words})(?!\w)", re.IGNORECASE)

    def mentions(self, value: Any) -> bool:
        """Whether `value` (text, or JSON: lists, dicts, keys too) names the pupil."""
        if isinstance(value, str):
            return bool(self._pattern.search(value))
        if isinstance(value, dict):
            return any(self.mentions(key) or self.mentions(item) for key, item in value.items())
        if isinstance(value, list | tuple):
            return any(self.mentions(item) for item in value)
        return False

    def mentions_in_file(self, data: bytes) -> bool:
        """Whether an uploaded file (text, or the XML inside a workbook) names the pupil."""
        texts = [data]
        if data[:2] == b"PK":
            try:
                with zipfile.ZipFile(io.BytesIO(data)) as archive:
                    texts = [archive.read(name) for name in archive.namelist()]
            except zipfile.BadZipFile:
                pass
        return any(
            self.mentions(text.decode(encoding, errors="ignore"))
            for text in texts
            for encoding in ("utf-8", "utf-16")
        )

    def redact(self, text: str) -> str:
        return self._pattern.sub(ERASED_MENTION, text)

    def redact_json(self, value: Any) -> Any:
        """`value` with every mention of the pupil replaced (a dict's keys that name them
        are dropped)."""
        if isinstance(value, str):
            return self.redact(value)
        if isinstance(value, dict):
            return {
                key: self.redact_json(item) for key, item in value.items() if not self.mentions(key)
            }
        if isinstance(value, list):
            return [self.redact_json(item) for item in value]
        return value

    def redact_path(self, path: str) -> str:
        """A recorded address without the pupil's identifiers, nor a search for their name."""
        base, question, query = path.partition("?")
        if not question:
            return self.redact(base)
        names = [name.lower() for name in self.names if len(name) >= 3]
        pairs = []
        for key, value in parse_qsl(query, keep_blank_values=True):
            word = value.strip().lower()
            searched = len(word) >= 3 and any(name.startswith(word) for name in names)
            pairs.append((key, ERASED_MENTION if searched else self.redact(value)))
        return f"{self.redact(base)}?{urlencode(pairs)}"


@dataclass(frozen=True)
class PupilCopies:
    """Somewhere an app keeps copies of who pupils are that no foreign key leads to.

    `find` returns what it keeps about the pupil, for the subject access export (under
    `name`); `erase` removes or anonymises it and returns how many rows it changed. Both are
    called with the pupil still as they were, and run in the erasure's transaction."""

    name: str
    find: Callable[[Pupil, PupilIdentity], list[dict[str, Any]]]
    erase: Callable[[Pupil, PupilIdentity], int]


_COPIES: dict[str, PupilCopies] = {}


def register_pupil_copies(copies: PupilCopies) -> None:
    _COPIES[copies.name] = copies


def pupil_copies() -> list[PupilCopies]:
    return list(_COPIES.values())


# --- Every table that holds something about a pupil ---------------------------------------


@dataclass(frozen=True)
class PupilRelation:
    """A field of some model that points at Pupil (a foreign key or a many-to-many)."""

    model: type[models.Model]
    field: models.Field

    @property
    def label(self) -> str:
        return self.model._meta.label_lower

    @property
    def many_to_many(self) -> bool:
        return bool(self.field.many_to_many)

    def rows(self, pupil: Pupil) -> QuerySet:
        return self.model._default_manager.filter(**{self.field.name: pupil})


def pupil_relations() -> list[PupilRelation]:
    """Every field in every installed model that points at Pupil."""
    found = []
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if field.is_relation and field.concrete and field.related_model is Pupil:
                found.append(PupilRelation(model, field))
    return sorted(found, key=lambda relation: (relation.label, relation.field.name))


def held_counts(pupil: Pupil) -> list[tuple[str, int]]:
    """What is held about the pupil, table by table, in words (one COUNT per table)."""
    counts = []
    for relation in pupil_relations():
        if relation.model in TRAIL_MODELS:
            continue
        if relation.model is Membership:
            label = "Linked parent or carer accounts"
        else:
            label = str(relation.model._meta.verbose_name_plural).capitalize()
        counts.append((label, relation.rows(pupil).count()))
    return counts


# --- Archiving leavers --------------------------------------------------------------------


def leavers_to_archive(*, today: dt.date, school: School | None = None) -> QuerySet[Pupil]:
    """Pupils who left more than PROVMAP_ARCHIVE_AFTER_DAYS ago and are not archived yet."""
    cutoff = today - dt.timedelta(days=settings.PROVMAP_ARCHIVE_AFTER_DAYS)
    pupils = Pupil.objects.filter(archived_at__isnull=True, on_roll_to__lt=cutoff)
    return pupils.filter(school=school) if school is not None else pupils


def pupils_due_for_erasure(*, today: dt.date, school: School | None = None) -> QuerySet[Pupil]:
    """Archived pupils who left more than PROVMAP_RETENTION_YEARS ago, not yet erased."""
    cutoff = _years_before(today, settings.PROVMAP_RETENTION_YEARS)
    pupils = Pupil.objects.filter(archived_at__isnull=False, on_roll_to__lt=cutoff).exclude(
        upn__startswith=ERASED_UPN_PREFIX
    )
    return pupils.filter(school=school) if school is not None else pupils


@transaction.atomic
def pupils_archive(*, pupils: QuerySet[Pupil], by: User | None = None) -> int:
    """Archive these pupils: hidden from every page but the SENCO's data-protection page, and
    no longer linked to a parent's account. One audit event per school. Returns the count."""
    chosen = list(pupils.filter(archived_at__isnull=True).select_related("school"))
    if not chosen:
        return 0
    now = timezone.now()
    ids = [pupil.pk for pupil in chosen]
    Pupil.objects.filter(pk__in=ids).update(archived_at=now)
    Membership.children.through.objects.filter(pupil_id__in=ids).delete()
    by_school: dict[int, list[Pupil]] = {}
    for pupil in chosen:
        by_school.setdefault(pupil.school_id, []).append(pupil)
    for group in by_school.values():
        audit_record(
            None,
            AuditAction.ARCHIVE,
            school=group[0].school,
            summary=f"Archived {counted(len(group), 'leaver')}.",
            details={"pupil_refs": [pupil_reference(p.school.urn, p.upn) for p in group]},
            actor=by,
        )
    return len(chosen)


# --- Erasure ------------------------------------------------------------------------------

# What erasure keeps, and why (also in docs/decisions.md):
KEPT_ON_ERASURE = (
    "The pupil row as an anonymous shell (no name, UPN, MIS id, date of birth beyond the year, "
    "SEN status, needs or flags), so that the school's costed maps of past years still add up.",
    "Its placements (which run, from when to when, status), without notes, results, rating or "
    "need: the cost of a group is shared by the days each pupil spent in it, and spending "
    "records must be kept for six years after the financial year.",
    "Its NC year, sex and dates on roll: anonymous figures by year group and sex stay consistent.",
    "The audit trail, which names the pupil only by a keyed reference: who saw, changed or "
    "exported their record and which lists and exports included them, and the record of the "
    "erasure itself. Any name, UPN or date of birth an older entry still held is taken out.",
    "Past imports, with the rows that were about the pupil made anonymous; a file still "
    "waiting to be imported that names them is deleted.",
)


@dataclass(frozen=True)
class ErasureReport:
    removed: dict[str, int]
    kept_placements: int


def _trail_about(pupil: Pupil, identity: PupilIdentity) -> QuerySet[AuditEvent]:
    """Events about the pupil, listing them, or (written before names were kept out of the
    trail) naming them in what they say."""
    ref = pupil_reference(pupil.school.urn, pupil.upn)
    listed = AuditEventPupil.objects.filter(Q(pupil=pupil) | Q(pupil_ref=ref))
    condition = Q(pupil=pupil) | Q(pupil_ref=ref) | Q(pk__in=listed.values("event_id"))
    for needle in (*identity.strong, *identity.names):
        condition |= Q(summary__icontains=needle) | Q(path__icontains=needle)
        condition |= Q(details__icontains=needle)
    return AuditEvent.objects.filter(Q(school=pupil.school) | Q(school__isnull=True)).filter(
        condition
    )


def _redact_trail(pupil: Pupil, identity: PupilIdentity) -> int:
    """Take the pupil's names, UPN and date of birth out of every event that still holds
    them; who, what, when and the references stay. How many events changed."""
    changed = 0
    for event in _trail_about(pupil, identity).only("pk", "summary", "details", "path"):
        summary = identity.redact(event.summary)
        details = identity.redact_json(event.details)
        path = identity.redact_path(event.path)
        if (summary, details, path) != (event.summary, event.details, event.path):
            AuditEvent.redact(event.pk, summary=summary, details=details, path=path)
            changed += 1
    return changed


def _erase_relation(relation: PupilRelation, pupil: Pupil) -> int:
    if relation.many_to_many:
        field = relation.field
        assert isinstance(field, models.ManyToManyField)
        through = field.remote_field.through
        assert through is not None  # set (or made) when the models were loaded
        links = through._default_manager.filter(**{field.m2m_reverse_field_name(): pupil})
        count, _ = links.delete()
        return count
    count = relation.rows(pupil).count()
    relation.rows(pupil).delete()
    return count


@transaction.atomic
def pupil_erase(
    *, pupil: Pupil, by: User | None, reason: str, request: HttpRequest | None = None
) -> ErasureReport:
    """Erase a pupil's personal data on request or at the end of the retention period.

    Deletes every record about the pupil except what KEPT_ON_ERASURE lists, and anonymises
    the pupil row in place. The erasure is audited first (in the same transaction), while the
    UPN still gives the pupil's reference. Irreversible.
    """
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": "Say why the record is being erased."})
    if is_erased(pupil):
        raise ValidationError("This pupil's record has already been erased.")

    identity = PupilIdentity.of(pupil)
    removed: dict[str, int] = {}
    for relation in pupil_relations():
        if relation.model in (*TRAIL_MODELS, Placement):
            continue
        count = _erase_relation(relation, pupil)
        if count:
            removed[f"{relation.label}.{relation.field.name}"] = count
    for copies in pupil_copies():
        count = copies.erase(pupil, identity)
        if count:
            removed[copies.name] = count
    kept = Placement.objects.filter(pupil=pupil).update(
        notes="", need_type="", rating="", baseline=None, midpoint=None, exit=None
    )
    redacted = _redact_trail(pupil, identity)
    # The reason may name the pupil; the trail keeps it without their identifiers.
    reason = identity.redact(reason)
    audit_record(
        request,
        AuditAction.ERASE,
        pupil=pupil,
        summary=f"Erased the record of pupil {pupil.pk}: {reason}"[:300],
        details={
            "reason": reason,
            "removed": removed,
            "kept_placements": kept,
            "audit_events_redacted": redacted,
        },
        actor=by,
    )

    pupil.upn = f"{ERASED_UPN_PREFIX}{pupil.pk:011d}"
    pupil.mis_id = ""
    pupil.legal_forename = ERASED_FORENAME
    pupil.preferred_forename = ""
    pupil.surname = ERASED_SURNAME
    pupil.date_of_birth = pupil.date_of_birth.replace(month=1, day=1)
    pupil.form = ""
    pupil.sen_status = SENStatus.NONE
    pupil.ethnicity = ""
    pupil.first_language = ""
    for flag in VULNERABLE_GROUP_FIELDS:
        setattr(pupil, flag, False)
    pupil.archived_at = pupil.archived_at or timezone.now()
    pupil.save()
    return ErasureReport(removed=removed, kept_placements=kept)


# --- Subject access export ----------------------------------------------------------------


def _result(result: Any) -> dict[str, Any] | None:
    if result is None:
        return None
    return {"measure": result.measure.name, "date": result.date, "value": result.value}


def _placements(pupil: Pupil) -> list[dict[str, Any]]:
    """The provision the pupil received, readable without the database."""
    placements = (
        Placement.objects.filter(pupil=pupil)
        .select_related(
            "run__provision",
            "run__term__academic_year",
            "baseline__measure",
            "midpoint__measure",
            "exit__measure",
        )
        .order_by("start_date", "pk")
    )
    staff: dict[int, list[str]] = {}
    for line in RunStaff.objects.filter(run__placements__pupil=pupil).select_related("staff"):
        staff.setdefault(line.run_id, []).append(line.staff.name)
    rows = []
    for placement in placements:
        run = placement.run
        rows.append(
            {
                "provision": run.provision.name,
                "group": run.label,
                "term": str(run.term) if run.term else "",
                "run_dates": [run.start_date, run.end_date],
                "sessions_per_week": run.sessions_per_week,
                "minutes_per_session": run.minutes_per_session,
                "staff": sorted(staff.get(run.pk, [])),
                "placed_from": placement.start_date,
                "placed_to": placement.end_date,
                "status": placement.get_status_display(),
                "need_addressed": placement.need_type,
                "priority": placement.priority,
                "entry_result": _result(placement.baseline),
                "midpoint_result": _result(placement.midpoint),
                "exit_result": _result(placement.exit),
                "rating": placement.get_rating_display() if placement.rating else "",
                "notes": placement.notes,
            }
        )
    return rows


def _linked_accounts(pupil: Pupil) -> list[dict[str, Any]]:
    members = Membership.objects.filter(children=pupil).select_related("user")
    return [
        {"name": m.user.get_full_name(), "username": m.user.username, "role": m.get_role_display()}
        for m in members
    ]


class _Listed(TypedDict):
    listed_count: int


def pupil_trail(
    pupil: Pupil,
) -> tuple[QuerySet[WithAnnotations[AuditEvent, _Listed]], set[int]]:
    """Every event about the pupil or listing them (a list page, a search, an export), newest
    first, each with `listed_count` (how many pupils its list showed); and the ids of the
    events that listed them. Two queries once evaluated."""
    ref = pupil_reference(pupil.school.urn, pupil.upn)
    listed = AuditEventPupil.objects.filter(Q(pupil=pupil) | Q(pupil_ref=ref))
    events = (
        AuditEvent.objects.filter(
            Q(pupil=pupil) | Q(pupil_ref=ref) | Q(pk__in=listed.values("event_id"))
        )
        .annotate(listed_count=Count("listed"))
        .order_by("-at", "-pk")
    )
    return events, set(listed.values_list("event_id", flat=True))


def _audit_trail(pupil: Pupil) -> list[dict[str, Any]]:
    events, listing = pupil_trail(pupil)
    return [
        {
            "at": event.at,
            "action": event.get_action_display(),
            "by": event.username,
            "summary": event.summary,
            "page": event.path,
            # In a list or an export of this many pupils (0: the event is about the pupil).
            "listed_among": event.listed_count if event.pk in listing else 0,
        }
        for event in reversed(list(events))
    ]


def _tables(pupil: Pupil) -> dict[str, list[dict[str, Any]]]:
    """Every row of every table that points at the pupil, as stored."""
    tables: dict[str, list[dict[str, Any]]] = {}
    for relation in pupil_relations():
        if relation.model in (*TRAIL_MODELS, Membership):
            continue  # the trail and the linked accounts have their own readable sections
        rows = serializers.serialize("python", relation.rows(pupil).order_by("pk"))
        if rows:
            tables.setdefault(relation.label, []).extend(rows)
    return tables


README = """Subject access export from provmap

subject-access.json holds everything provmap stores about one pupil:
- "pupil": the register entry (names, UPN, date of birth, year, SEN status, groups);
- "provision": each intervention the pupil took part in, with its staff, dates, results,
  rating and notes, in plain words;
- "linked_accounts": the parents' or carers' accounts that may see the pupil's provision;
- "records": every stored row about the pupil (SEN history, needs, results, placements and
  anything else), exactly as held;
- "audit_trail": who viewed, changed or exported the pupil's record, and when, with every
  list page, search and export that included the pupil ("listed_among": how many pupils it
  showed; "page": the address of the page or download);
- "import_jobs": the imports whose check or result named the pupil, with those rows.

Staff costs are the school's, not the pupil's, and are not included.
"""


def pupil_subject_access_export(
    pupil: Pupil, *, by: User | None = None, request: HttpRequest | None = None
) -> bytes:
    """Everything held on one pupil, as a ZIP (subject-access.json and a README). The export
    itself is audited (action sar_export), so it appears in the next export's trail."""
    register = serializers.serialize("python", [pupil])[0]["fields"]
    document = {
        "exported_at": timezone.now(),
        "school": {"urn": pupil.school.urn, "name": pupil.school.name},
        "pupil": {"id": pupil.pk, **register},
        "provision": _placements(pupil),
        "linked_accounts": _linked_accounts(pupil),
        "records": _tables(pupil),
        "audit_trail": _audit_trail(pupil),
    }
    identity = PupilIdentity.of(pupil)
    for copies in pupil_copies():
        document[copies.name] = copies.find(pupil, identity)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "subject-access.json", json.dumps(document, cls=DjangoJSONEncoder, indent=2)
        )
        archive.writestr("README.txt", README)
    audit_record(
        request,
        AuditAction.SAR_EXPORT,
        pupil=pupil,
        summary="Subject access export of everything held on the pupil.",
        actor=by,
    )
    return buffer.getvalue()

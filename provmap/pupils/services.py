"""Writes to the pupil register: one function per use case, shared by views, imports and the
demo generator. Each validates before it saves and raises ValidationError with a message a
school can act on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Field
from django.db.models.options import Options

from provmap.pupils.bulk_writes import insert_new, update_fields
from provmap.pupils.models import (
    VULNERABLE_GROUP_FIELDS,
    Measure,
    Pupil,
    PupilNeed,
    Result,
    SENStatus,
    SENStatusPeriod,
)
from provmap.pupils.needs import NeedType
from provmap.pupils.score_range import measure_range_error
from provmap.pupils.upn import UPNError, validate_upn
from provmap.schools.bounds import SCHOOL_DATES, SCORE, date_error, model_field_errors, show_date
from provmap.schools.models import School


def pupil_errors(pupil: Pupil, *, exclude: list[str], who: str = "") -> dict[str, list[str]]:
    """The model's own checks on a pupil (dates within reason among them), then the dates
    against each other: born before joining, leaving after joining."""
    errors = model_field_errors(pupil, exclude)
    if not errors.keys() & {"date_of_birth", "on_roll_from", "on_roll_to"}:
        errors.update(pupil_date_order_errors(pupil, who=who))
    return errors


def pupil_date_order_errors(pupil: Pupil, *, who: str = "") -> dict[str, list[str]]:
    """The pupil's dates against each other, once each is known to be a date within reason:
    born before joining, leaving after joining. The part of `pupil_errors` that still applies
    when every field on its own has already passed its checks."""
    errors: dict[str, list[str]] = {}
    prefix = f"{who}: " if who else ""
    if pupil.date_of_birth > pupil.on_roll_from:
        errors["date_of_birth"] = [
            f"{prefix}A pupil joins the school after they are born: the date of birth "
            f"{show_date(pupil.date_of_birth)} is after the date they joined, "
            f"{show_date(pupil.on_roll_from)}."
        ]
    if pupil.on_roll_to is not None and pupil.on_roll_to < pupil.on_roll_from:
        errors["on_roll_to"] = [
            f"{prefix}A pupil cannot leave before joining the school: the leaving date "
            f"{show_date(pupil.on_roll_to)} is before the date they joined, "
            f"{show_date(pupil.on_roll_from)}."
        ]
    return errors


def school_date_error(value: dt.date, label: str) -> str | None:
    """A date a school records (a result, a change of SEN status) within this century."""
    return date_error(value, SCHOOL_DATES.first, SCHOOL_DATES.last, label=label)


@transaction.atomic
def pupil_create(
    *,
    school: School,
    upn: str,
    legal_forename: str,
    surname: str,
    date_of_birth: dt.date,
    sex: str,
    nc_year: str,
    on_roll_from: dt.date,
    sen_status: str = SENStatus.NONE,
    needs: Sequence[str] = (),
    **details: object,
) -> Pupil:
    """Add a pupil to the register, with their current SEN status (from on_roll_from) and
    ranked needs. `details` are other Pupil fields (form, flags, ethnicity...)."""
    try:
        upn = validate_upn(upn)
    except UPNError as exc:
        raise ValidationError({"upn": str(exc)}) from exc
    if Pupil.objects.filter(school=school, upn=upn).exists():
        raise ValidationError(
            {"upn": f"A pupil with UPN {upn} is already on this school's register."}
        )
    pupil = Pupil(
        school=school,
        upn=upn,
        legal_forename=legal_forename,
        surname=surname,
        date_of_birth=date_of_birth,
        sex=sex,
        nc_year=nc_year,
        on_roll_from=on_roll_from,
        sen_status=sen_status,
        **details,
    )
    errors = pupil_errors(pupil, exclude=[])
    if errors:
        raise ValidationError(errors)
    pupil.save()
    SENStatusPeriod.objects.create(
        school=school, pupil=pupil, status=sen_status, start_date=on_roll_from
    )
    if needs:
        pupil_set_needs(pupil=pupil, need_types=needs)
    return pupil


@transaction.atomic
def pupil_set_sen_status(*, pupil: Pupil, status: str, start_date: dt.date) -> SENStatusPeriod:
    """Record a change of SEN status from `start_date`, closing the period before it."""
    if status not in SENStatus.values:
        raise ValidationError({"sen_status": f"'{status}' is not a SEN status code (N, K, E)."})
    message = school_date_error(start_date, "The date the SEN status started")
    if message:
        raise ValidationError({"start_date": message})
    current = (
        SENStatusPeriod.objects.filter(pupil=pupil, end_date__isnull=True)
        .order_by("-start_date")
        .first()
    )
    if current is not None:
        if start_date <= current.start_date:
            raise ValidationError(
                {
                    "start_date": f"The new status must start after {current.start_date:%d/%m/%Y}, "
                    "when the current one started."
                }
            )
        current.end_date = start_date - dt.timedelta(days=1)
        current.save(update_fields=["end_date"])
    period = SENStatusPeriod.objects.create(
        school_id=pupil.school_id, pupil=pupil, status=status, start_date=start_date
    )
    pupil.sen_status = status
    pupil.save(update_fields=["sen_status"])
    return period


@transaction.atomic
def pupil_set_needs(*, pupil: Pupil, need_types: Sequence[str]) -> list[PupilNeed]:
    """Replace a pupil's current needs with `need_types`, ranked in the order given (primary
    first). Ended needs (the pupil's history) are left as they are."""
    unknown = [need for need in need_types if need not in NeedType.values]
    if unknown:
        raise ValidationError({"needs": f"Unknown need type(s): {', '.join(unknown)}."})
    if len(set(need_types)) != len(need_types):
        raise ValidationError({"needs": "A need type can be listed only once."})
    PupilNeed.objects.filter(pupil=pupil).current().delete()
    return PupilNeed.objects.bulk_create(
        PupilNeed(school_id=pupil.school_id, pupil=pupil, need_type=need, rank=rank)
        for rank, need in enumerate(need_types, start=1)
    )


@dataclass(frozen=True)
class NeedPeriod:
    """A need type over a period: ranked among the needs of its time; no end while current,
    and no start when the record does not say."""

    need_type: str
    rank: int
    start_date: dt.date | None = None
    end_date: dt.date | None = None


@transaction.atomic
def pupil_set_need_history(*, pupil: Pupil, periods: Sequence[NeedPeriod]) -> list[PupilNeed]:
    """Replace all of a pupil's needs, current and ended, with `periods` (from a CTF, say): a
    period with an end date is history, one without is a current need, and a need that ended
    and started again is two periods."""
    current = [period for period in periods if period.end_date is None]
    _check_needs([period.need_type for period in current], pupil.full_name)
    if len({period.rank for period in current}) != len(current):
        raise ValidationError({"needs": f"{pupil.full_name}: two current needs share a rank."})
    for period in periods:
        if period.need_type not in NeedType.values:
            raise ValidationError({"needs": f"Unknown need type: {period.need_type}."})
        if not 1 <= period.rank <= len(NeedType.values):
            raise ValidationError(
                {"needs": f"A need's rank is from 1 to {len(NeedType.values)}, not {period.rank}."}
            )
        for value, label in (
            (period.start_date, "The date the need started"),
            (period.end_date, "The date the need ended"),
        ):
            message = school_date_error(value, label) if value is not None else None
            if message:
                raise ValidationError({"needs": message})
        if period.start_date and period.end_date and period.end_date < period.start_date:
            raise ValidationError(
                {
                    "needs": f"The need {period.need_type} ends ({period.end_date:%d/%m/%Y}) "
                    f"before it starts ({period.start_date:%d/%m/%Y})."
                }
            )
    PupilNeed.objects.filter(pupil=pupil).delete()
    return PupilNeed.objects.bulk_create(
        PupilNeed(
            school_id=pupil.school_id,
            pupil=pupil,
            need_type=period.need_type,
            rank=period.rank,
            start_date=period.start_date,
            end_date=period.end_date,
        )
        for period in periods
    )


def _check_result_value(measure: Measure, value: Decimal) -> None:
    message = SCORE.error(value)
    if message:
        raise ValidationError({"value": message})
    message = measure_range_error(measure, value)
    if message:
        raise ValidationError({"value": message})


def result_record(
    *,
    pupil: Pupil,
    measure: Measure,
    date: dt.date,
    value: Decimal | int | float | str,
    source: str = "",
) -> Result:
    """Record one result of a pupil on a measure."""
    if measure.school_id != pupil.school_id:
        raise ValidationError({"measure": "That measure belongs to another school."})
    value = Decimal(str(value))
    result_date_check(date=date)
    _check_result_value(measure, value)
    return Result.objects.create(
        school_id=pupil.school_id,
        pupil=pupil,
        measure=measure,
        date=date,
        value=value,
        source=source,
    )


@dataclass(frozen=True)
class NewResult:
    pupil_id: int
    date: dt.date
    value: Decimal
    # Result.Bound: "<" or ">" when the score was given as a bound ("<70", "131+").
    bound: str = ""


@transaction.atomic
def results_bulk_record(
    *, school: School, measure: Measure, results: Iterable[NewResult], source: str = ""
) -> int:
    """Record many results on one measure at once (whole-cohort tests); all or nothing."""
    if measure.school_id != school.pk:
        raise ValidationError({"measure": "That measure belongs to another school."})
    rows = []
    for new in results:
        result_date_check(date=new.date)
        _check_result_value(measure, new.value)
        rows.append(
            Result(
                school=school,
                pupil_id=new.pupil_id,
                measure=measure,
                date=new.date,
                value=new.value,
                bound=new.bound,
                source=source,
            )
        )
    Result.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


@dataclass(frozen=True)
class NewPupil:
    """One pupil for pupils_bulk_create; `details` are other Pupil fields (form, flags...)."""

    upn: str
    legal_forename: str
    surname: str
    date_of_birth: dt.date
    sex: str
    nc_year: str
    on_roll_from: dt.date
    sen_status: str = SENStatus.NONE
    needs: tuple[str, ...] = ()
    details: Mapping[str, object] = field(default_factory=dict)


def _check_needs(need_types: Sequence[str], who: str) -> None:
    unknown = [need for need in need_types if need not in NeedType.values]
    if unknown:
        raise ValidationError({"needs": f"{who}: unknown need type(s): {', '.join(unknown)}."})
    if len(set(need_types)) != len(need_types):
        raise ValidationError({"needs": f"{who}: a need type can be listed only once."})


@transaction.atomic
def pupils_bulk_create(*, school: School, pupils: Iterable[NewPupil]) -> list[Pupil]:
    """Add many pupils at once (imports, the demo school), with the same checks as
    pupil_create but a fixed number of queries per batch; all or nothing.

    Each pupil gets an SEN status period from `on_roll_from` and their ranked needs.
    """
    new = list(pupils)
    rows: list[Pupil] = []
    seen: set[str] = set()
    for item in new:
        try:
            upn = validate_upn(item.upn)
        except UPNError as exc:
            raise ValidationError({"upn": str(exc)}) from exc
        if upn in seen:
            raise ValidationError({"upn": f"UPN {upn} is listed twice."})
        seen.add(upn)
        who = f"{item.legal_forename} {item.surname} ({upn})"
        _check_needs(item.needs, who)
        pupil = Pupil(
            school=school,
            upn=upn,
            legal_forename=item.legal_forename,
            surname=item.surname,
            date_of_birth=item.date_of_birth,
            sex=item.sex,
            nc_year=item.nc_year,
            on_roll_from=item.on_roll_from,
            sen_status=item.sen_status,
            **item.details,
        )
        # The school is checked once for the batch, not once per row.
        errors = pupil_errors(pupil, exclude=["school"], who=who)
        if errors:
            raise ValidationError(errors)
        rows.append(pupil)
    return _insert_pupils(school, rows, [item.needs for item in new])


# New pupils are written this many at a time (each batch in a fixed number of queries).
WRITE_BATCH = 1000


@transaction.atomic
def pupils_bulk_add_checked(
    *,
    school: School,
    pupils: Sequence[Pupil],
    needs: Sequence[Sequence[str]],
    added: Callable[[Sequence[Pupil]], None] | None = None,
) -> list[Pupil]:
    """Add pupils whose own fields have already been checked one by one (an import's plan
    checks each row once, its UPN included, with `pupil_errors`), in a fixed number of
    queries a batch; all or nothing. Only what depends on the batch or the register is checked
    here: a UPN listed twice or already on the register, and each pupil's needs (`needs`, in
    the order of `pupils`). Each pupil gets an SEN status period from `on_roll_from`.

    They are written WRITE_BATCH at a time, `added(batch)` being called after each batch (so
    that an import's progress moves as they go in, and it can add what else it has for them)."""
    rows = list(pupils)
    seen: set[str] = set()
    for pupil, need_types in zip(rows, needs, strict=True):
        if pupil.upn in seen:
            raise ValidationError({"upn": f"UPN {pupil.upn} is listed twice."})
        seen.add(pupil.upn)
        if need_types:
            _check_needs(need_types, f"{pupil.legal_forename} {pupil.surname} ({pupil.upn})")
        pupil.school = school
    _refuse_upns_taken(school, rows)
    for start in range(0, len(rows), WRITE_BATCH):
        batch = rows[start : start + WRITE_BATCH]
        _write_pupils(school, batch, needs[start : start + WRITE_BATCH])
        if added is not None:
            added(batch)
    return rows


def _insert_pupils(
    school: School, rows: list[Pupil], needs: Sequence[Sequence[str]]
) -> list[Pupil]:
    """Write checked pupils, their first SEN status period and their ranked needs, refusing a
    UPN already on the register."""
    _refuse_upns_taken(school, rows)
    _write_pupils(school, rows, needs)
    return rows


def _refuse_upns_taken(school: School, rows: Sequence[Pupil]) -> None:
    """Refuse pupils one of whose UPNs is already on the school's register. A school with
    nobody on it yet (the first import of a new school) is answered by one query."""
    if not rows or not Pupil.objects.filter(school=school).exists():
        return
    upns = sorted(pupil.upn for pupil in rows)
    for start in range(0, len(upns), 500):
        taken = list(
            Pupil.objects.filter(school=school, upn__in=upns[start : start + 500]).values_list(
                "upn", flat=True
            )[:1]
        )
        if taken:
            raise ValidationError(
                {"upn": f"A pupil with UPN {taken[0]} is already on this school's register."}
            )


def _write_pupils(school: School, rows: list[Pupil], needs: Sequence[Sequence[str]]) -> None:
    """Insert pupils already checked, each with their first SEN status period and their
    ranked needs."""
    insert_new(Pupil, rows, batch_size=WRITE_BATCH)
    _insert_first_periods([pupil.pk for pupil in rows])
    insert_new(
        PupilNeed,
        [
            PupilNeed(school=school, pupil=pupil, need_type=need, rank=rank)
            for pupil, need_types in zip(rows, needs, strict=True)
            for rank, need in enumerate(need_types, start=1)
        ],
    )


# SQLite takes at most 999 values a statement.
PERIODS_IN_ONE_STATEMENT = 500


def _insert_first_periods(pupil_ids: Sequence[int]) -> None:
    """Each pupil's first SEN status period (their status from the day they joined), copied
    from their rows by the database rather than built as objects: in one statement on
    PostgreSQL (the ids as one array), PERIODS_IN_ONE_STATEMENT pupils a statement elsewhere."""
    if not pupil_ids:
        return
    quote = connection.ops.quote_name
    period, pupil = SENStatusPeriod._meta, Pupil._meta

    def column(meta: Options[Any], name: str) -> str:
        model_field = meta.get_field(name)
        assert isinstance(model_field, Field) and model_field.column
        return quote(model_field.column)

    targets = ", ".join(
        column(period, name) for name in ("school", "pupil", "status", "start_date", "end_date")
    )
    sources = ", ".join(
        [*(column(pupil, name) for name in ("school", "id", "sen_status", "on_roll_from")), "NULL"]
    )
    insert = (
        f"INSERT INTO {quote(period.db_table)} ({targets}) SELECT {sources} "
        f"FROM {quote(pupil.db_table)} WHERE {column(pupil, 'id')}"
    )
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"{insert} = ANY(%s)", [list(pupil_ids)])
            return
        for start in range(0, len(pupil_ids), PERIODS_IN_ONE_STATEMENT):
            chunk = list(pupil_ids[start : start + PERIODS_IN_ONE_STATEMENT])
            cursor.execute(f"{insert} IN ({', '.join(['%s'] * len(chunk))})", chunk)


def pupils_bulk_update_checked(*, pupils: Sequence[Pupil], fields: Sequence[str]) -> int:
    """Save `fields` of pupils already changed and checked one by one (an import's plan), in
    a fixed number of queries a batch. The fields are plain details: a new SEN status, UPN or
    needs go through pupil_update, which keeps the history."""
    unknown = set(fields) - PUPIL_UPDATABLE_FIELDS
    if unknown or {"upn", "sen_status"} & set(fields):
        raise ValueError(f"pupils_bulk_update_checked cannot change {', '.join(sorted(fields))}")
    if not pupils or not fields:
        return 0
    return update_fields(Pupil, pupils, list(fields))


def pupils_bulk_mark_left(*, leavers: Sequence[tuple[Pupil, dt.date]]) -> int:
    """Record that each pupil left on their date (pupil_mark_left's checks, one query a
    batch)."""
    for pupil, left_on in leavers:
        message = school_date_error(left_on, "The date the pupil left")
        if message:
            raise ValidationError({"on_roll_to": message})
        if left_on < pupil.on_roll_from:
            raise ValidationError(
                {
                    "on_roll_to": f"{pupil.full_name} cannot leave before joining on "
                    f"{pupil.on_roll_from:%d/%m/%Y}."
                }
            )
    for pupil, left_on in leavers:
        pupil.on_roll_to = left_on
    return update_fields(Pupil, [pupil for pupil, _ in leavers], ["on_roll_to"])


def result_value_check(*, measure: Measure, value: Decimal) -> None:
    """Raise ValidationError if `value` lies outside the measure's range (for bulk writers
    that build Result rows themselves)."""
    _check_result_value(measure, value)


def result_date_check(*, date: dt.date) -> None:
    """Raise ValidationError if a result's date is not within reason (for bulk writers too)."""
    message = school_date_error(date, "The date of the result")
    if message:
        raise ValidationError({"date": message})


# Updates, leavers, dated SEN history, measures and corrected results: used by imports (which
# update pupils in place when a newer MIS file arrives) and by pages that edit a pupil.

PUPIL_UPDATABLE_FIELDS = frozenset(
    {
        "upn",
        "mis_id",
        "legal_forename",
        "preferred_forename",
        "surname",
        "date_of_birth",
        "sex",
        "nc_year",
        "form",
        "sen_status",
        "ethnicity",
        "first_language",
        *VULNERABLE_GROUP_FIELDS,
        "on_roll_from",
        "on_roll_to",
    }
)


def _change_sen_status(pupil: Pupil, status: str, changed_on: dt.date) -> None:
    if status not in SENStatus.values:
        raise ValidationError({"sen_status": f"'{status}' is not a SEN status code (N, K, E)."})
    message = school_date_error(changed_on, "The date the SEN status started")
    if message:
        raise ValidationError({"start_date": message})
    current = (
        SENStatusPeriod.objects.filter(pupil=pupil, end_date__isnull=True)
        .order_by("-start_date")
        .first()
    )
    if current is not None and current.start_date >= changed_on:
        # A second change on the day the current status started corrects it.
        current.status = status
        current.save(update_fields=["status"])
        pupil.sen_status = status
        pupil.save(update_fields=["sen_status"])
    else:
        pupil_set_sen_status(pupil=pupil, status=status, start_date=changed_on)


@transaction.atomic
def pupil_update(
    *,
    pupil: Pupil,
    changed_on: dt.date,
    needs: Sequence[str] | None = None,
    **changes: object,
) -> Pupil:
    """Change a pupil's details. A new SEN status enters the history from `changed_on`;
    `needs`, when given, replace the ranked needs (primary first)."""
    unknown = set(changes) - PUPIL_UPDATABLE_FIELDS
    if unknown:
        raise ValueError(f"pupil_update cannot change {', '.join(sorted(unknown))}")
    if "upn" in changes:
        try:
            changes["upn"] = validate_upn(str(changes["upn"]))
        except UPNError as exc:
            raise ValidationError({"upn": str(exc)}) from exc
        taken = Pupil.objects.filter(school_id=pupil.school_id, upn=changes["upn"])
        if taken.exclude(pk=pupil.pk).exists():
            raise ValidationError(
                {"upn": f"A pupil with UPN {changes['upn']} is already on this school's register."}
            )
    status = changes.pop("sen_status", None)
    for name, value in changes.items():
        setattr(pupil, name, value)
    errors = pupil_errors(pupil, exclude=["school"])
    if errors:
        raise ValidationError(errors)
    if changes:
        pupil.save(update_fields=list(changes))
    if status is not None and status != pupil.sen_status:
        _change_sen_status(pupil, str(status), changed_on)
    if needs is not None:
        current = list(
            PupilNeed.objects.filter(pupil=pupil)
            .current()
            .order_by("rank")
            .values_list("need_type", flat=True)
        )
        if list(needs) != current:
            pupil_set_needs(pupil=pupil, need_types=needs)
    return pupil


def pupil_mark_left(*, pupil: Pupil, left_on: dt.date) -> Pupil:
    """Record that a pupil left the school on `left_on` (their record and history stay)."""
    message = school_date_error(left_on, "The date the pupil left")
    if message:
        raise ValidationError({"on_roll_to": message})
    if left_on < pupil.on_roll_from:
        raise ValidationError(
            {
                "on_roll_to": f"{pupil.full_name} cannot leave before joining on "
                f"{pupil.on_roll_from:%d/%m/%Y}."
            }
        )
    pupil.on_roll_to = left_on
    pupil.save(update_fields=["on_roll_to"])
    return pupil


@transaction.atomic
def pupil_set_sen_history(
    *, pupil: Pupil, periods: Sequence[tuple[dt.date, str]]
) -> list[SENStatusPeriod]:
    """Replace a pupil's SEN history with dated statuses (for example from a CTF): each lasts
    until the day before the next starts, and the last is the current status."""
    if not periods:
        raise ValidationError({"sen_history": "A SEN history needs at least one status."})
    ordered = sorted(periods)
    for start, status in ordered:
        if status not in SENStatus.values:
            raise ValidationError({"sen_status": f"'{status}' is not a SEN status code."})
        message = school_date_error(start, "The date the SEN status started")
        if message:
            raise ValidationError({"start_date": message})
    if len({start for start, _ in ordered}) != len(ordered):
        raise ValidationError({"sen_history": "Two SEN statuses start on the same day."})
    merged: list[tuple[dt.date, str]] = []
    for start, status in ordered:
        if not merged or merged[-1][1] != status:
            merged.append((start, status))
    SENStatusPeriod.objects.filter(pupil=pupil).delete()
    rows = SENStatusPeriod.objects.bulk_create(
        SENStatusPeriod(
            school_id=pupil.school_id,
            pupil=pupil,
            status=status,
            start_date=start,
            end_date=merged[index + 1][0] - dt.timedelta(days=1)
            if index + 1 < len(merged)
            else None,
        )
        for index, (start, status) in enumerate(merged)
    )
    pupil.sen_status = merged[-1][1]
    pupil.save(update_fields=["sen_status"])
    return rows


def measure_create(
    *,
    school: School,
    name: str,
    scale: str,
    kind: str = Measure.Kind.OTHER,
    higher_is_better: bool = True,
    min_value: Decimal | None = None,
    max_value: Decimal | None = None,
    description: str = "",
) -> Measure:
    """Add a measure the school records results on, and what it tells about (`kind`)."""
    if Measure.objects.filter(school=school, name=name).exists():
        raise ValidationError({"name": f"The school already has a measure called '{name}'."})
    measure = Measure(
        school=school,
        name=name,
        scale=scale,
        kind=kind,
        higher_is_better=higher_is_better,
        min_value=min_value,
        max_value=max_value,
        description=description,
    )
    measure.full_clean(exclude=["school"], validate_unique=False, validate_constraints=False)
    if min_value is not None and max_value is not None and min_value >= max_value:
        raise ValidationError({"max_value": "The highest score must be above the lowest."})
    measure.save()
    return measure


def result_set_value(
    *, result: Result, value: Decimal | int | float | str, bound: str | None = None
) -> Result:
    """Correct the value of a recorded result (and, if given, whether it is a bound: "<70",
    "131+")."""
    value = Decimal(str(value))
    _check_result_value(result.measure, value)
    result.value = value
    fields = ["value"]
    if bound is not None:
        if bound not in Result.Bound.values:
            raise ValidationError({"bound": f"'{bound}' is not one of <, > or blank."})
        result.bound = bound
        fields.append("bound")
    result.save(update_fields=fields)
    return result

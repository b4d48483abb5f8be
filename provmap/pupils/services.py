"""Writes to the pupil register: one function per use case, shared by views, imports and the
demo generator. Each validates before it saves and raises ValidationError with a message a
school can act on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction

from provmap.pupils.models import (
    Measure,
    Pupil,
    PupilNeed,
    Result,
    SENStatus,
    SENStatusPeriod,
)
from provmap.pupils.needs import NeedType
from provmap.pupils.upn import UPNError, validate_upn
from provmap.schools.models import School


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
    pupil.full_clean(validate_unique=False, validate_constraints=False)
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
    """Replace a pupil's needs with `need_types`, ranked in the order given (primary first)."""
    unknown = [need for need in need_types if need not in NeedType.values]
    if unknown:
        raise ValidationError({"needs": f"Unknown need type(s): {', '.join(unknown)}."})
    if len(set(need_types)) != len(need_types):
        raise ValidationError({"needs": "A need type can be listed only once."})
    PupilNeed.objects.filter(pupil=pupil).delete()
    return PupilNeed.objects.bulk_create(
        PupilNeed(school_id=pupil.school_id, pupil=pupil, need_type=need, rank=rank)
        for rank, need in enumerate(need_types, start=1)
    )


def _check_result_value(measure: Measure, value: Decimal) -> None:
    if measure.min_value is not None and value < measure.min_value:
        raise ValidationError(
            {"value": f"{value} is below the lowest {measure.name} score ({measure.min_value})."}
        )
    if measure.max_value is not None and value > measure.max_value:
        raise ValidationError(
            {"value": f"{value} is above the highest {measure.name} score ({measure.max_value})."}
        )


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


@transaction.atomic
def results_bulk_record(
    *, school: School, measure: Measure, results: Iterable[NewResult], source: str = ""
) -> int:
    """Record many results on one measure at once (whole-cohort tests); all or nothing."""
    if measure.school_id != school.pk:
        raise ValidationError({"measure": "That measure belongs to another school."})
    rows = []
    for new in results:
        _check_result_value(measure, new.value)
        rows.append(
            Result(
                school=school,
                pupil_id=new.pupil_id,
                measure=measure,
                date=new.date,
                value=new.value,
                source=source,
            )
        )
    Result.objects.bulk_create(rows, batch_size=2000)
    return len(rows)

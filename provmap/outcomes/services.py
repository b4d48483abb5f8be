"""Writes about outcomes: one function per use case, validating before it saves and raising
ValidationError with a message a school can act on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils import timezone

from provmap.outcomes.models import ReviewDecision
from provmap.provision.models import Provision
from provmap.schools.models import AcademicYear, School

NOTE_MAX_LENGTH = 2000
THOUSANDTHS = Decimal("0.001")


@dataclass(frozen=True)
class ImpactSnapshot:
    """What the impact page showed about a provision when the decision was made."""

    verdict: str
    recommendation: str = ""
    basis: str = ""
    effect: float | None = None
    low: float | None = None
    high: float | None = None
    months: int | None = None
    pupils: int = 0
    cost_per_pupil: Decimal | None = None


# The widest effect the snapshot columns hold; beyond it the figure was meaningless anyway.
EFFECT_LIMIT = Decimal("999.999")


def _thousandths(value: float | None) -> Decimal | None:
    if value is None:
        return None
    amount = Decimal(repr(value)).quantize(THOUSANDTHS, rounding=ROUND_HALF_UP)
    return max(-EFFECT_LIMIT, min(EFFECT_LIMIT, amount))


def review_decision_record(
    *,
    school: School,
    provision: Provision,
    academic_year: AcademicYear,
    decision: str,
    decided_by: AbstractBaseUser,
    decided_on: dt.date,
    snapshot: ImpactSnapshot,
    note: str = "",
) -> ReviewDecision:
    """Record the review's decision (continue, change or stop) on a provision for a year,
    with the evidence it was made on. Decisions are kept as a history: a later one adds to it
    and never replaces an earlier one."""
    if provision.school_id != school.pk:
        raise ValidationError({"provision": "That provision is not in this school's catalogue."})
    if academic_year.school_id != school.pk:
        raise ValidationError({"academic_year": "That academic year is not this school's."})
    errors: dict[str, str] = {}
    if decision not in ReviewDecision.Decision.values:
        errors["decision"] = "Choose continue, change or stop."
    if decided_on > timezone.localdate():
        errors["decided_on"] = "A decision cannot be dated in the future."
    elif decided_on < academic_year.start_date:
        errors["decided_on"] = (
            f"A decision about {academic_year.name} cannot be dated before the year began "
            f"({academic_year.start_date:%d/%m/%Y})."
        )
    note = note.strip()
    if len(note) > NOTE_MAX_LENGTH:
        errors["note"] = f"Keep the note to {NOTE_MAX_LENGTH} characters ({len(note)} now)."
    if not snapshot.verdict:
        errors["verdict"] = "A decision needs the verdict it was made on."
    if errors:
        raise ValidationError(errors)
    name = getattr(decided_by, "get_full_name", lambda: "")() or decided_by.get_username()
    return ReviewDecision.objects.create(
        school=school,
        provision=provision,
        academic_year=academic_year,
        decision=decision,
        note=note,
        verdict=snapshot.verdict[:300],
        recommendation=snapshot.recommendation[:40],
        effect_basis=snapshot.basis or "",
        effect=_thousandths(snapshot.effect),
        effect_low=_thousandths(snapshot.low),
        effect_high=_thousandths(snapshot.high),
        months=snapshot.months,
        pupils=snapshot.pupils,
        cost_per_pupil=snapshot.cost_per_pupil,
        decided_by=decided_by,
        decided_by_name=name[:150],
        decided_on=decided_on,
    )

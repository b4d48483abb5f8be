"""Writes to schools, their calendar, staff and funding streams: one function per use case,
shared by imports, pages and the demo generator. Each validates before it saves."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

from django.core.exceptions import ValidationError

from provmap.schools.bounds import (
    TERM_WEEKS,
    YEAR_MAX_DAYS,
    YEAR_WEEKS,
    date_error,
    model_field_errors,
    show_date,
    weeks_ceiling,
)
from provmap.schools.models import AcademicYear, FundingStream, School, StaffMember, Term, Trust

STANDARD_WEEKS = Decimal("38")


def school_create(
    *,
    urn: str,
    name: str,
    phase: str,
    la_code: str = "",
    estab_code: str = "",
    trust: Trust | None = None,
) -> School:
    """Add a school (a fresh installation's first, or one more in a trust)."""
    if School.objects.filter(urn=urn).exists():
        raise ValidationError({"urn": f"A school with URN {urn} already exists."})
    school = School(
        urn=urn, name=name, phase=phase, la_code=la_code, estab_code=estab_code, trust=trust
    )
    school.full_clean(validate_unique=False)
    school.save()
    return school


def standard_academic_year(on: dt.date) -> tuple[str, dt.date, dt.date]:
    """The name and dates of the school year (1 September to 31 August) containing `on`."""
    first = on.year if on.month >= 9 else on.year - 1
    return f"{first}-{(first + 1) % 100:02d}", dt.date(first, 9, 1), dt.date(first + 1, 8, 31)


def standard_academic_year_named(name: str) -> tuple[dt.date, dt.date]:
    """The dates of a school year written as '2025-26' (or '2025/26', '2025-2026')."""
    match = re.fullmatch(r"\s*(\d{4})\s*[-/]\s*(\d{2}|\d{4})\s*", name)
    if match is None:
        raise ValidationError({"name": f"'{name}' is not a school year such as 2025-26."})
    first, second = int(match.group(1)), int(match.group(2))
    if second % 100 != (first + 1) % 100:
        raise ValidationError({"name": f"'{name}' is not a school year such as 2025-26."})
    return dt.date(first, 9, 1), dt.date(first + 1, 8, 31)


def academic_year_errors(year: AcademicYear) -> dict[str, list[str]]:
    """What is wrong with a school year: its fields' bounds, then its dates in order, a
    length of at most 13 months, and no more teaching weeks than its dates hold."""
    errors = model_field_errors(year, ["school"])
    if errors.keys() & {"start_date", "end_date"}:
        return errors
    start, end = year.start_date, year.end_date
    if end <= start:
        errors["end_date"] = ["A school year must end after it starts."]
    elif (end - start).days > YEAR_MAX_DAYS:
        errors["end_date"] = [
            f"A school year lasts at most 13 months: {show_date(start)} to {show_date(end)} "
            "is longer. Give the dates of one school year."
        ]
    elif "weeks" not in errors:
        ceiling, why = weeks_ceiling(start, end)
        message = YEAR_WEEKS.error(year.weeks, high=ceiling, why=why)
        if message:
            errors["weeks"] = [message]
    return errors


def academic_year_create(
    *,
    school: School,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    weeks: Decimal = STANDARD_WEEKS,
) -> AcademicYear:
    """Add a school year to the school's calendar."""
    if AcademicYear.objects.filter(school=school, name=name).exists():
        raise ValidationError({"name": f"The school already has the year {name}."})
    year = AcademicYear(
        school=school, name=name, start_date=start_date, end_date=end_date, weeks=weeks
    )
    errors = academic_year_errors(year)
    if errors:
        raise ValidationError(errors)
    year.save()
    return year


def term_errors(term: Term) -> dict[str, list[str]]:
    """What is wrong with a term: its fields' bounds, then its dates in order and inside its
    school year, and no more teaching weeks than its dates or its year hold."""
    errors = model_field_errors(term, ["school", "academic_year"])
    year = term.academic_year
    for field, label in (
        ("start_date", "The term's first day"),
        ("end_date", "The term's last day"),
    ):
        if field in errors:
            continue
        message = date_error(
            getattr(term, field),
            year.start_date,
            year.end_date,
            label=label,
            why=f"the dates of {year.name}",
        )
        if message:
            errors[field] = [message]
    if errors.keys() & {"start_date", "end_date"}:
        return errors
    if term.end_date <= term.start_date:
        errors["end_date"] = ["A term must end after it starts."]
    elif "weeks" not in errors:
        ceiling, why = weeks_ceiling(
            term.start_date, term.end_date, year_weeks=year.weeks, year_name=year.name
        )
        message = TERM_WEEKS.error(term.weeks, high=ceiling, why=why)
        if message:
            errors["weeks"] = [message]
    return errors


def term_create(
    *,
    academic_year: AcademicYear,
    number: int,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    weeks: Decimal,
) -> Term:
    """Add a term to a school year."""
    if Term.objects.filter(academic_year=academic_year, number=number).exists():
        raise ValidationError({"number": f"{academic_year.name} already has a term {number}."})
    term = Term(
        school_id=academic_year.school_id,
        academic_year=academic_year,
        number=number,
        name=name,
        start_date=start_date,
        end_date=end_date,
        weeks=weeks,
    )
    errors = term_errors(term)
    if errors:
        raise ValidationError(errors)
    term.save()
    return term


def staff_member_create(
    *,
    school: School,
    name: str,
    role: str,
    hourly_rate: Decimal | None = None,
    is_external: bool = False,
) -> StaffMember:
    """Add a member of staff (blank rate: the school's rate for the role)."""
    if not name.strip():
        raise ValidationError({"name": "A member of staff needs a name."})
    staff = StaffMember(
        school=school,
        name=name.strip(),
        role=role,
        hourly_rate=hourly_rate,
        is_external=is_external,
    )
    staff.full_clean(exclude=["school"], validate_unique=False, validate_constraints=False)
    staff.save()
    return staff


def funding_stream_create(
    *, school: School, name: str, kind: str = FundingStream.Kind.OTHER
) -> FundingStream:
    """Add a funding stream (pupil premium, notional SEN budget, a grant...)."""
    if FundingStream.objects.filter(school=school, name=name).exists():
        raise ValidationError({"name": f"The school already has a funding stream '{name}'."})
    stream = FundingStream(school=school, name=name, kind=kind)
    stream.full_clean(exclude=["school"], validate_unique=False, validate_constraints=False)
    stream.save()
    return stream

"""Writes to schools, their calendar, staff and funding streams: one function per use case,
shared by imports, pages and the demo generator. Each validates before it saves.

Edits made from the set-up pages name the version of the row the page showed
(`read_version`): the row is claimed with `UPDATE ... WHERE version = read_version` before
anything is written, and the edit is refused (`ChangedElsewhere`) when someone else saved
in between. Deletes are refused, with what depends on the row counted, when anything else
(runs, budgets, general resources, review decisions) still points at it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.db.models import F

from provmap.formatting import counted
from provmap.schools.bounds import (
    HOURLY_RATE,
    TERM_WEEKS,
    YEAR_MAX_DAYS,
    YEAR_WEEKS,
    calendar_weeks,
    date_error,
    model_field_errors,
    show_date,
    weeks_ceiling,
)
from provmap.schools.models import (
    AcademicYear,
    FundingBudget,
    FundingStream,
    RoleRate,
    School,
    StaffMember,
    Term,
    Trust,
)
from provmap.schools.roles import ROLE_CODES, StaffRole

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
    contracted_hours: Decimal | None = None,
    expertise: str = "",
    active: bool = True,
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
        contracted_hours=contracted_hours,
        expertise=expertise.strip(),
        active=active,
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


# --- Versions: two people editing one row ---------------------------------------------------


class ChangedElsewhere(ValidationError):
    """Someone else changed (or deleted) a row after the user opened its page; nothing of
    theirs was saved."""


def _claim(instance: models.Model, read_version: int | None, what: str) -> None:
    """Move the row's version on, only if it is still the one the user read; refuse
    otherwise, saying what happened. Called inside the write's transaction."""
    model = type(instance)
    claim = model._default_manager.filter(pk=instance.pk)
    if read_version is not None:
        claim = claim.filter(version=read_version)
    if not claim.update(version=F("version") + 1):
        if not model._default_manager.filter(pk=instance.pk).exists():
            raise ChangedElsewhere(
                f"{what} was deleted by someone else after you opened this page."
            )
        raise ChangedElsewhere(
            f"Someone else changed {what} after you opened this page. Your changes were not "
            "saved: the page now shows it as it is, so make them again if they are still "
            "needed."
        )
    instance.refresh_from_db(fields=["version"])


def _apply(instance: models.Model, changes: dict[str, Any], allowed: Iterable[str]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ValueError(f"cannot change {', '.join(sorted(unknown))}")
    for field, value in changes.items():
        setattr(instance, field, value)


def _save(instance: models.Model, changes: dict[str, Any]) -> None:
    if changes:
        instance.save(update_fields=list(changes))


# --- What still points at a row -------------------------------------------------------------

# How the rows that can stop a delete are called, by model (other apps' tables are named by
# label so that `schools` imports nothing of theirs).
DEPENDANT_WORDS: dict[str, tuple[str, str]] = {
    "provision.provisionrun": ("run", "runs"),
    "provision.runstaff": ("place on a run's staff", "places on runs' staff"),
    "provision.generalresource": ("general resource", "general resources"),
    "schools.fundingbudget": ("budget", "budgets"),
    "schools.term": ("term", "terms"),
    "outcomes.reviewdecision": ("review decision", "review decisions"),
    "accounts.membership": ("sign-in account", "sign-in accounts"),
}


def dependants(
    instance: models.Model, *, going_with: Sequence[type[models.Model]] = ()
) -> tuple[str, int]:
    """What else points at a row, counted in words ("3 runs and 1 budget"), leaving out the
    rows that go with it (a year's terms), and how many rows in all; ("", 0) when nothing
    does. One count a relation."""
    counts: dict[str, int] = {}
    for relation in instance._meta.get_fields(include_hidden=True):
        if not (relation.auto_created and not relation.concrete):
            continue
        if not (relation.one_to_many or relation.one_to_one):
            continue
        related = relation.related_model
        if related in going_with or related is None:
            continue
        label = related._meta.label_lower
        field_name = relation.field.name  # type: ignore[union-attr]
        count = related._default_manager.filter(**{field_name: instance.pk}).count()
        if count:
            counts[label] = counts.get(label, 0) + count
    order = list(DEPENDANT_WORDS)
    parts = []
    for label, count in sorted(
        counts.items(), key=lambda item: order.index(item[0]) if item[0] in order else 99
    ):
        one, many = DEPENDANT_WORDS.get(label, (label.split(".")[1], label.split(".")[1] + "s"))
        parts.append(counted(count, one, many))
    total = sum(counts.values())
    if len(parts) > 1:
        return ", ".join(parts[:-1]) + " and " + parts[-1], total
    return (parts[0] if parts else ""), total


def _refuse_if_used(
    instance: models.Model,
    what: str,
    advice: str,
    *,
    going_with: Sequence[type[models.Model]] = (),
) -> None:
    used, total = dependants(instance, going_with=going_with)
    if total:
        verb = "depends" if total == 1 else "depend"
        raise ValidationError(f"{what} cannot be deleted: {used} {verb} on it. {advice}".strip())


def _delete(instance: models.Model, read_version: int | None, what: str) -> None:
    doomed = type(instance)._default_manager.filter(pk=instance.pk)
    if read_version is not None:
        doomed = doomed.filter(version=read_version)
    try:
        deleted, _ = doomed.delete()
    except models.ProtectedError:
        # Something came to depend on it after the count: say what.
        _refuse_if_used(instance, what, "")
        raise
    if not deleted:
        if type(instance)._default_manager.filter(pk=instance.pk).exists():
            raise ChangedElsewhere(
                f"Someone else changed {what} after you opened this page, so it was not "
                "deleted: look at it again and delete it then if it should still go."
            )
        raise ChangedElsewhere(f"{what} was already deleted by someone else.")


# --- The school's details -------------------------------------------------------------------

SCHOOL_FIELDS = ("name", "phase", "la_code", "estab_code")


@transaction.atomic
def school_update(*, school: School, read_version: int | None = None, **changes: Any) -> School:
    """Change the school's name, phase, LA number or establishment number."""
    _apply(school, changes, SCHOOL_FIELDS)
    if "name" in changes:
        school.name = str(school.name).strip()
        if not school.name:
            raise ValidationError({"name": "The school needs a name."})
    errors = model_field_errors(school, ["trust", "urn"])
    if errors:
        raise ValidationError(errors)
    _claim(school, read_version, "the school's details")
    _save(school, changes)
    return school


# --- School years and terms -----------------------------------------------------------------

YEAR_FIELDS = ("name", "start_date", "end_date", "weeks")
TERM_FIELDS = ("number", "name", "start_date", "end_date", "weeks")


@transaction.atomic
def academic_year_update(
    *, year: AcademicYear, read_version: int | None = None, **changes: Any
) -> AcademicYear:
    """Change a school year's name, dates or teaching weeks; refused when its terms would
    fall outside its new dates."""
    what = f"the year {year.name}"
    _apply(year, changes, YEAR_FIELDS)
    taken = AcademicYear.objects.filter(school_id=year.school_id, name=year.name)
    if taken.exclude(pk=year.pk).exists():
        raise ValidationError({"name": f"The school already has the year {year.name}."})
    errors = academic_year_errors(year)
    if not errors:
        outside = [
            term.name
            for term in Term.objects.filter(academic_year=year)
            if term.start_date < year.start_date or term.end_date > year.end_date
        ]
        if outside:
            errors["start_date"] = [
                f"The terms {', '.join(outside)} would fall outside {show_date(year.start_date)}"
                f" to {show_date(year.end_date)}: change their dates first."
            ]
    if errors:
        raise ValidationError(errors)
    _claim(year, read_version, what)
    _save(year, changes)
    return year


@transaction.atomic
def academic_year_delete(*, year: AcademicYear, read_version: int | None = None) -> None:
    """Delete a school year with its terms; refused while runs, budgets, general resources
    or review decisions belong to it (their history and costs would go with it)."""
    _refuse_if_used(
        year,
        f"The year {year.name}",
        "Delete or move them first, or keep the year.",
        going_with=[Term],
    )
    for term in Term.objects.filter(academic_year=year):
        _refuse_if_used(term, f"The year {year.name}", "Delete or move them first.")
    _delete(year, read_version, f"the year {year.name}")


@transaction.atomic
def term_update(*, term: Term, read_version: int | None = None, **changes: Any) -> Term:
    """Change a term's number, name, dates or teaching weeks."""
    what = f"the term {term.name}"
    _apply(term, changes, TERM_FIELDS)
    taken = Term.objects.filter(academic_year_id=term.academic_year_id, number=term.number)
    if taken.exclude(pk=term.pk).exists():
        raise ValidationError(
            {"number": f"{term.academic_year.name} already has a term {term.number}."}
        )
    errors = term_errors(term)
    if errors:
        raise ValidationError(errors)
    _claim(term, read_version, what)
    _save(term, changes)
    return term


@transaction.atomic
def term_delete(*, term: Term, read_version: int | None = None) -> None:
    """Delete a term; refused while runs are planned in it."""
    _refuse_if_used(
        term, f"The term {term.name}", "Move the runs to other dates or delete them first."
    )
    _delete(term, read_version, f"the term {term.name}")


@dataclass(frozen=True)
class TermPlan:
    number: int
    name: str
    start_date: dt.date
    end_date: dt.date
    weeks: Decimal


# The usual English school terms, as (name, first day, last day) by month and day, the first
# year's months from September and the next year's from January. Half terms make six.
THREE_TERMS = (
    ("Autumn", (9, 1), (12, 19)),
    ("Spring", (1, 5), (3, 27)),
    ("Summer", (4, 13), (7, 22)),
)
SIX_TERMS = (
    ("Autumn 1", (9, 1), (10, 23)),
    ("Autumn 2", (11, 2), (12, 18)),
    ("Spring 1", (1, 5), (2, 12)),
    ("Spring 2", (2, 22), (3, 26)),
    ("Summer 1", (4, 12), (5, 21)),
    ("Summer 2", (6, 1), (7, 21)),
)


def _share_weeks(total: Decimal, spans: list[int]) -> list[Decimal]:
    """The year's teaching weeks shared between its terms in proportion to their calendar
    weeks, in whole weeks (halves when the year has a half), adding up exactly."""
    step = Decimal("1") if total == total.to_integral_value() else Decimal("0.5")
    units = int(total / step)
    whole = sum(spans)
    exact = [Decimal(units) * span / whole for span in spans]
    floors = [int(value) for value in exact]
    for index in sorted(range(len(spans)), key=lambda i: (floors[i] - exact[i], i))[
        : units - sum(floors)
    ]:
        floors[index] += 1
    return [Decimal(units_) * step for units_ in floors]


def standard_terms(
    year_start: dt.date, year_end: dt.date, weeks: Decimal, count: int
) -> list[TermPlan]:
    """The usual three (or six) terms of a school year with sensible dates inside the year
    and its teaching weeks shared between them. A year that does not run from about
    September to July is cut into equal parts instead."""
    if count not in (3, 6):
        raise ValueError("a year has three or six usual terms")
    pattern = THREE_TERMS if count == 3 else SIX_TERMS
    dates = []
    for name, (first_month, first_day), (last_month, last_day) in pattern:
        first_year = year_start.year if first_month >= 8 else year_start.year + 1
        last_year = year_start.year if last_month >= 8 else year_start.year + 1
        start = max(dt.date(first_year, first_month, first_day), year_start)
        end = min(dt.date(last_year, last_month, last_day), year_end)
        dates.append((name, start, end))
    if any(end <= start for _, start, end in dates) or year_start.month not in (8, 9):
        span = (year_end - year_start).days + 1
        dates = []
        for index in range(count):
            start = year_start + dt.timedelta(days=span * index // count)
            end = year_start + dt.timedelta(days=span * (index + 1) // count - 1)
            dates.append((f"Term {index + 1}", start, end))
    shares = _share_weeks(Decimal(weeks), [calendar_weeks(start, end) for _, start, end in dates])
    return [
        TermPlan(number, name, start, end, share)
        for number, ((name, start, end), share) in enumerate(zip(dates, shares, strict=True), 1)
    ]


@transaction.atomic
def academic_year_create_with_terms(
    *,
    school: School,
    name: str,
    start_date: dt.date,
    end_date: dt.date,
    weeks: Decimal = STANDARD_WEEKS,
    terms: int = 0,
) -> AcademicYear:
    """Add a school year and, in the same step, its usual three or six terms (`terms`: 0
    for none). Nothing is saved if any of them is refused."""
    year = academic_year_create(
        school=school, name=name, start_date=start_date, end_date=end_date, weeks=weeks
    )
    if terms:
        for plan in standard_terms(start_date, end_date, year.weeks, terms):
            try:
                term_create(
                    academic_year=year,
                    number=plan.number,
                    name=plan.name,
                    start_date=plan.start_date,
                    end_date=plan.end_date,
                    weeks=plan.weeks,
                )
            except ValidationError as error:
                raise ValidationError(
                    f"The usual terms do not fit this year ({'; '.join(error.messages)}): "
                    "add the year without them, then add its terms one by one."
                ) from None
    return year


# --- Rates by role --------------------------------------------------------------------------


def role_rate_create(*, school: School, role: str, hourly_rate: Decimal) -> RoleRate:
    """Set the school's hourly rate for a role (used for staff with no rate of their own)."""
    if role not in StaffRole.values:
        raise ValidationError({"role": f"'{role}' is not a staff role."})
    if RoleRate.objects.filter(school=school, role=role).exists():
        raise ValidationError(
            {"role": f"The school already has a rate for {StaffRole(role).label}: change it."}
        )
    rate = RoleRate(school=school, role=role, hourly_rate=hourly_rate)
    errors = model_field_errors(rate, ["school"])
    if errors:
        raise ValidationError(errors)
    rate.save()
    return rate


@transaction.atomic
def role_rate_update(
    *, rate: RoleRate, read_version: int | None = None, hourly_rate: Decimal
) -> RoleRate:
    """Change the school's hourly rate for a role."""
    rate.hourly_rate = hourly_rate
    errors = model_field_errors(rate, ["school"])
    if errors:
        raise ValidationError(errors)
    _claim(rate, read_version, f"the rate for {rate.get_role_display()}")
    rate.save(update_fields=["hourly_rate"])
    return rate


@transaction.atomic
def role_rate_delete(*, rate: RoleRate, read_version: int | None = None) -> None:
    """Remove the school's rate for a role: staff in it with no own rate then cost nothing."""
    _delete(rate, read_version, f"the rate for {rate.get_role_display()}")


def role_named(text: str) -> str | None:
    """The role a sheet names: its map code (TA, LSA, T), its name ("Teaching assistant")
    or its key ("ta"), in any case; None when it names none."""
    wanted = " ".join(text.split()).casefold()
    for role in StaffRole:
        if wanted in {role.value, role.label.casefold(), ROLE_CODES[role].casefold()}:
            return role.value
    return None


@dataclass(frozen=True)
class RateRow:
    line: int
    role_text: str
    rate_text: str
    role: str | None = None
    hourly_rate: Decimal | None = None
    current: Decimal | None = None
    error: str = ""

    @property
    def role_label(self) -> str:
        return StaffRole(self.role).label if self.role else self.role_text

    @property
    def change(self) -> str:
        """What applying the row does: 'new', 'changed' or 'unchanged'."""
        if self.current is None:
            return "new"
        return "unchanged" if self.current == self.hourly_rate else "changed"


@dataclass(frozen=True)
class RatesPlan:
    rows: list[RateRow]
    error: str = ""

    @property
    def errors(self) -> list[str]:
        found = [f"Line {row.line}: {row.error}" for row in self.rows if row.error]
        return [self.error, *found] if self.error else found

    @property
    def ok(self) -> bool:
        return bool(self.rows) and not self.errors


RATE_TEXT_LIMIT = 20_000


def _rate(text: str) -> Decimal | None:
    cleaned = text.strip().replace("£", "").replace(",", "").removesuffix("/h").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def role_rates_plan(*, school: School, text: str) -> RatesPlan:
    """Read a pasted or uploaded list of "role,hourly rate" lines (a local authority's
    published rates) and say what applying it would do, row by row; writes nothing. A first
    line of headings is skipped."""
    if len(text) > RATE_TEXT_LIMIT:
        return RatesPlan([], "The list is too long: a list of rates by role is a few lines.")
    current = dict(RoleRate.objects.filter(school=school).values_list("role", "hourly_rate"))
    rows: list[RateRow] = []
    seen: dict[str, int] = {}
    for number, cells in enumerate(csv.reader(io.StringIO(text.strip())), 1):
        if not any(cell.strip() for cell in cells):
            continue
        role_text = cells[0].strip()
        rate_text = cells[1].strip() if len(cells) > 1 else ""
        if number == 1 and _rate(rate_text) is None and role_named(role_text) is None:
            continue  # headings
        role, rate = role_named(role_text), _rate(rate_text)
        error = ""
        if len(cells) != 2:
            error = f"Give a role and a rate, two cells (got {counted(len(cells), 'cell')})."
        elif role is None:
            error = f"'{role_text}' is not a staff role or a map code such as TA, LSA or T."
        elif rate is None:
            error = f"'{rate_text}' is not an hourly rate such as 21.50."
        elif role in seen:
            error = f"{StaffRole(role).label} is on line {seen[role]} already."
        if not error and rate is not None:
            error = HOURLY_RATE.error(rate) or ""
        if role and role not in seen:
            seen[role] = number
        rows.append(
            RateRow(
                line=number,
                role_text=role_text,
                rate_text=rate_text,
                role=role,
                hourly_rate=rate,
                current=current.get(role) if role else None,
                error=error,
            )
        )
    if not rows:
        return RatesPlan([], "The list is empty: give one role and its hourly rate a line.")
    return RatesPlan(rows)


@transaction.atomic
def role_rates_apply(*, school: School, text: str) -> RatesPlan:
    """Set every rate of the list at once, or none if any line is wrong."""
    plan = role_rates_plan(school=school, text=text)
    if not plan.ok:
        raise ValidationError(plan.errors or ["The list holds no rates."])
    for row in plan.rows:
        assert row.role is not None and row.hourly_rate is not None
        if row.change == "new":
            role_rate_create(school=school, role=row.role, hourly_rate=row.hourly_rate)
        elif row.change == "changed":
            RoleRate.objects.filter(school=school, role=row.role).update(
                hourly_rate=row.hourly_rate, version=F("version") + 1
            )
    return plan


# --- Staff ----------------------------------------------------------------------------------

STAFF_FIELDS = (
    "name",
    "role",
    "hourly_rate",
    "contracted_hours",
    "expertise",
    "is_external",
    "active",
)


@transaction.atomic
def staff_member_update(
    *, staff: StaffMember, read_version: int | None = None, **changes: Any
) -> StaffMember:
    """Change a member of staff (marking them as left: `active=False`)."""
    what = staff.name
    _apply(staff, changes, STAFF_FIELDS)
    staff.name = staff.name.strip()
    if not staff.name:
        raise ValidationError({"name": "A member of staff needs a name."})
    errors = model_field_errors(staff, ["school"])
    if errors:
        raise ValidationError(errors)
    _claim(staff, read_version, what)
    _save(staff, changes)
    return staff


@transaction.atomic
def staff_member_delete(*, staff: StaffMember, read_version: int | None = None) -> None:
    """Delete a member of staff entered by mistake; refused once runs, general resources or
    a sign-in account name them (their costs and history would go with them): mark them as
    left instead."""
    _refuse_if_used(
        staff,
        staff.name,
        "Untick 'Works here now' to mark them as left instead: they stay on past runs.",
    )
    _delete(staff, read_version, staff.name)


# --- Funding streams and their budgets ------------------------------------------------------


@transaction.atomic
def funding_stream_update(
    *, stream: FundingStream, read_version: int | None = None, **changes: Any
) -> FundingStream:
    """Rename a funding stream or change its kind."""
    what = f"the funding stream '{stream.name}'"
    _apply(stream, changes, ("name", "kind"))
    stream.name = stream.name.strip()
    taken = FundingStream.objects.filter(school_id=stream.school_id, name=stream.name)
    if taken.exclude(pk=stream.pk).exists():
        raise ValidationError({"name": f"The school already has a funding stream '{stream.name}'."})
    errors = model_field_errors(stream, ["school"])
    if errors:
        raise ValidationError(errors)
    _claim(stream, read_version, what)
    _save(stream, changes)
    return stream


@transaction.atomic
def funding_stream_delete(*, stream: FundingStream, read_version: int | None = None) -> None:
    """Delete a funding stream with its budgets; refused while runs or general resources
    are paid from it."""
    _refuse_if_used(
        stream,
        f"The funding stream '{stream.name}'",
        "Pay them from another stream first.",
        going_with=[FundingBudget],
    )
    _delete(stream, read_version, f"the funding stream '{stream.name}'")


def _budget_what(stream: FundingStream, year: AcademicYear) -> str:
    return f"the budget of '{stream.name}' for {year.name}"


@transaction.atomic
def funding_budget_set(
    *,
    stream: FundingStream,
    academic_year: AcademicYear,
    amount: Decimal,
    read_version: int | None = None,
) -> FundingBudget:
    """Set a stream's budget for a school year (adding it, or changing the one there).

    Given `read_version`, the version of the year's budget the user's page showed (0 if it
    showed none), a budget someone else set, changed or removed meanwhile is not replaced:
    ChangedElsewhere says so and nothing is saved."""
    if academic_year.school_id != stream.school_id:
        raise ValidationError({"academic_year": "Choose one of the school's years."})
    budget = FundingBudget.objects.filter(stream=stream, academic_year=academic_year).first()
    what = _budget_what(stream, academic_year)
    if budget is None:
        if read_version:
            raise ChangedElsewhere(
                f"{what[0].upper()}{what[1:]} was removed by someone else after you opened "
                "this page. Nothing was saved: the page now shows the budgets as they are, so "
                "set it again if it is still needed."
            )
        budget = FundingBudget(
            school_id=stream.school_id, stream=stream, academic_year=academic_year, amount=amount
        )
        errors = model_field_errors(budget, ["school", "stream", "academic_year"])
        if errors:
            raise ValidationError(errors)
        try:
            with transaction.atomic():
                budget.save()
        except IntegrityError as exc:
            # Someone else set the year's budget between the look above and this save.
            raise _budget_set_elsewhere(what) from exc
        return budget
    if read_version == 0:
        raise _budget_set_elsewhere(what)
    budget.amount = amount
    errors = model_field_errors(budget, ["school", "stream", "academic_year"])
    if errors:
        raise ValidationError(errors)
    _claim(budget, read_version, what)
    budget.save(update_fields=["amount"])
    return budget


def _budget_set_elsewhere(what: str) -> ChangedElsewhere:
    return ChangedElsewhere(
        f"Someone else set {what} after you opened this page. Yours was not saved: the page "
        "now shows the budget they set, so set it again if it should still change."
    )


@transaction.atomic
def funding_budget_delete(*, budget: FundingBudget, read_version: int | None = None) -> None:
    """Remove a stream's budget for a year (its spending stays on the map)."""
    _delete(budget, read_version, _budget_what(budget.stream, budget.academic_year))

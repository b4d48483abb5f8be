"""The lessons a week each year group has of each subject (`SubjectLessons`): what missed
lessons are counted against. Set all at once from lines of "year,subject,lessons" (pasted or
a CSV), all or nothing, each problem named by its line and column."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from provmap.planning.models import SubjectLessons
from provmap.pupils.models import NCYear
from provmap.schools.models import School

MAX_LESSONS = 40
SUBJECT_LENGTH = 60


@dataclass(frozen=True)
class LessonLine:
    nc_year: str
    subject: str
    lessons_per_week: int


def _year(text: str) -> str | None:
    """ "7", "Y7", "Year 7", "R", "Reception" to the NC year code."""
    value = " ".join(text.split()).casefold()
    for code, label in NCYear.choices:
        if value in (code.casefold(), label.casefold(), f"y{code}".casefold()):
            return code
    return None


def parse_lines(text: str) -> list[LessonLine]:
    """Lines of "year,subject,lessons"; a first line of headings is skipped. Raises a
    ValidationError naming every bad line and column."""
    rows = list(csv.reader(io.StringIO(text.strip())))
    problems: list[str] = []
    found: list[LessonLine] = []
    seen: dict[tuple[str, str], int] = {}
    for number, row in enumerate(rows, start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if number == 1 and cells[0].casefold() in ("year", "year group"):
            continue
        if len(cells) != 3:
            problems.append(
                f"Line {number}: give three columns, year, subject and lessons "
                f"(found {len(cells)})."
            )
            continue
        year = _year(cells[0])
        if year is None:
            problems.append(f"Line {number}, column 1: {cells[0]!r} is not a year group.")
        subject = " ".join(cells[1].split())
        if not subject:
            problems.append(f"Line {number}, column 2: give the subject.")
        elif len(subject) > SUBJECT_LENGTH:
            problems.append(
                f"Line {number}, column 2: give the subject in {SUBJECT_LENGTH} characters "
                "or fewer."
            )
        lessons = int(cells[2]) if cells[2].isdigit() else None
        if lessons is None or not 1 <= lessons <= MAX_LESSONS:
            problems.append(
                f"Line {number}, column 3: give the lessons a week as a whole number from 1 "
                f"to {MAX_LESSONS} (found {cells[2]!r})."
            )
        if year and subject and lessons:
            key = (year, subject.casefold())
            if key in seen:
                problems.append(
                    f"Line {number}: {subject} for {NCYear(year).label} is given already on "
                    f"line {seen[key]}."
                )
                continue
            seen[key] = number
            found.append(LessonLine(year, subject, lessons))
    if problems:
        raise ValidationError(problems)
    return found


def as_text(rows: list[SubjectLessons]) -> str:
    """The school's lessons as the lines the page's box takes."""
    return "\n".join(
        f"{row.nc_year},{row.subject},{row.lessons_per_week}"
        for row in sorted(rows, key=lambda r: (NCYear.values.index(r.nc_year), r.subject))
    )


def parse_grid(cells: dict[tuple[str, str], str]) -> list[LessonLine]:
    """A grid of year group x subject (each cell's text; blank: none). Raises a
    ValidationError naming every bad cell by its row and column."""
    problems: list[str] = []
    found: list[LessonLine] = []
    seen: set[tuple[str, str]] = set()
    for (year, subject), text in cells.items():
        value = text.strip()
        name = " ".join(subject.split())
        if not value:
            continue
        where = f"{NCYear(year).label}, {name or 'the new subject'}"
        if not name:
            problems.append(f"{where}: give the subject's name at the top of its column.")
            continue
        if len(name) > SUBJECT_LENGTH:
            problems.append(f"{where}: give the subject in {SUBJECT_LENGTH} characters or fewer.")
            continue
        if not value.isdigit() or not 1 <= int(value) <= MAX_LESSONS:
            problems.append(
                f"{where}: give the lessons a week as a whole number from 1 to {MAX_LESSONS} "
                f"(found {value!r})."
            )
            continue
        if (year, name.casefold()) in seen:
            problems.append(f"{where}: this subject has two columns.")
            continue
        seen.add((year, name.casefold()))
        found.append(LessonLine(year, name, int(value)))
    if problems:
        raise ValidationError(problems)
    return found


@transaction.atomic
def subject_lessons_set(
    *,
    school: School,
    text: str = "",
    grid: dict[tuple[str, str], str] | None = None,
    by: object = None,
) -> list[SubjectLessons]:
    """Replace the school's lessons a week with those in `text` (lines) or `grid` (all or
    nothing)."""
    lines = parse_grid(grid) if grid is not None else parse_lines(text)
    SubjectLessons.objects.filter(school=school).delete()
    return SubjectLessons.objects.bulk_create(
        [
            SubjectLessons(
                school=school,
                nc_year=line.nc_year,
                subject=line.subject,
                lessons_per_week=line.lessons_per_week,
            )
            for line in lines
        ]
    )

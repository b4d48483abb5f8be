"""One row of a spreadsheet provision map, read and checked cell by cell: each column's
parser gives its values one type, and a cell that cannot be read is reported once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import cast

from django.core.exceptions import ValidationError

from provmap.interchange.columns import RowReader
from provmap.interchange.mapsheet import parse_staff_line, parse_staff_lines
from provmap.interchange.values import (
    CellError,
    parse_amount,
    parse_areas,
    parse_bounded,
    parse_bounded_int,
    parse_need,
    parse_placement_status,
    parse_priority,
    parse_provision_type,
    parse_rating,
    parse_run_status,
    parse_school_date,
    parse_upn,
    parse_wave,
    shown,
    text,
)
from provmap.schools.bounds import (
    COST_PER_MINUTE,
    HOURLY_RATE,
    MINUTES_PER_SESSION,
    MINUTES_PER_WEEK,
    RUN_WEEKS,
    SCORE,
    SESSIONS_PER_WEEK,
)
from provmap.schools.services import standard_academic_year_named


def name_key(name: str) -> str:
    """A name as rows and provmap are matched on it: any case, any spacing."""
    return " ".join(name.lower().split())


def _academic_year_name(value: object) -> str:
    name = shown(value)
    try:
        start, _ = standard_academic_year_named(name)
    except ValidationError:
        raise CellError(f"expected a school year such as 2025-26, not '{name}'.") from None
    return f"{start.year}-{(start.year + 1) % 100:02d}"


def _midpoint(value: object) -> Decimal | str:
    """A mid-point score, or the words of a mid-intervention review ('on track')."""
    try:
        return parse_bounded(value, SCORE, places=2)
    except CellError:
        words = shown(value)
        if any(character.isalpha() for character in words):
            return words
        raise


@dataclass
class MapRow:
    """One row of the sheet, checked and converted (None: blank, or no such column)."""

    number: int
    headings: dict[str, str]
    values: dict[str, object] = field(default_factory=dict)
    # Columns whose cell could not be read (already reported): not reported again as blank.
    unreadable: set[str] = field(default_factory=set)

    def get(self, key: str) -> object:
        return self.values.get(key)

    # Each column's parser (_PARSERS) gives its values one type: these read them as that.

    def date(self, key: str) -> dt.date | None:
        return cast("dt.date | None", self.values.get(key))

    def decimal(self, key: str) -> Decimal | None:
        return cast("Decimal | None", self.values.get(key))

    def whole_number(self, key: str) -> int | None:
        return cast("int | None", self.values.get(key))

    def has(self, key: str) -> bool:
        return key in self.headings

    def heading(self, key: str) -> str:
        return self.headings.get(key, "")


_PARSERS: dict[str, Callable[[object], object]] = {
    "provision": lambda value: text(value, max_length=160),
    "academic_year": _academic_year_name,
    "term": lambda value: text(value, max_length=40),
    "wave": parse_wave,
    "provision_type": parse_provision_type,
    "areas": parse_areas,
    "group": lambda value: text(value, max_length=80),
    "group_ref": lambda value: text(value, max_length=40),
    "group_start": parse_school_date,
    "group_end": parse_school_date,
    "group_status": parse_run_status,
    "day_time": lambda value: text(value, max_length=80),
    "withdrawn_from": lambda value: text(value, max_length=80),
    "funding": lambda value: text(value, max_length=120),
    "lead_staff": lambda value: parse_staff_line(shown(value)),
    "reviewing_staff": lambda value: parse_staff_line(shown(value)),
    "staff_lines": parse_staff_lines,
    "sessions_per_week": lambda value: parse_bounded(value, SESSIONS_PER_WEEK, places=1),
    "minutes_per_session": lambda value: parse_bounded_int(value, MINUTES_PER_SESSION),
    "minutes_per_week": lambda value: parse_bounded(value, MINUTES_PER_WEEK, places=1),
    "weeks": lambda value: parse_bounded(value, RUN_WEEKS, places=1),
    "cost_per_minute": lambda value: parse_bounded(value, COST_PER_MINUTE, places=4),
    "hourly_rate": lambda value: parse_bounded(value, HOURLY_RATE, places=2),
    "total_cost": parse_amount,
    "pupil_cost": parse_amount,
    "group_notes": text,
    "upn": parse_upn,
    "mis_id": lambda value: text(value, max_length=40),
    "pupil": text,
    "surname": text,
    "forename": text,
    "start_date": parse_school_date,
    "exit_date": parse_school_date,
    "review_date": parse_school_date,
    "status": parse_placement_status,
    "priority": parse_priority,
    "need": parse_need,
    "measure": lambda value: text(value, max_length=120),
    "baseline": lambda value: parse_bounded(value, SCORE, places=2),
    "baseline_date": parse_school_date,
    "midpoint": _midpoint,
    "midpoint_date": parse_school_date,
    "exit": lambda value: parse_bounded(value, SCORE, places=2),
    "exit_score_date": parse_school_date,
    "rating": parse_rating,
    "notes": text,
}


def read_map_row(reader: RowReader) -> MapRow:
    row = MapRow(
        number=reader.number,
        headings={key: heading for key, (heading, _) in reader.cells.items()},
    )
    for key in reader.cells:
        parse = _PARSERS.get(key)
        if parse is None:
            continue
        required = "each row needs the name of its provision" if key == "provision" else None
        reported = len(reader.problems)
        value = reader.get(key, parse, required=required)
        if value is not None:
            row.values[key] = value
        elif len(reader.problems) > reported:
            row.unreadable.add(key)
    return row

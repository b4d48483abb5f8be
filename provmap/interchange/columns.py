"""Which column holds what: headings matched to fields by name and synonyms, whatever the MIS
or the spreadsheet's author called them, and whatever order they come in.

A school's confirmed choices are remembered (interchange.models.ColumnMapping) and win over
the synonyms the next time; the rest is matched automatically:

1. the heading exactly as a synonym, ignoring case, spaces and punctuation;
2. the same without a leading "Pupil", "Student", "Child" or "Learner" and without a trailing
   "code", "Y/N" or "flag" ("Student Surname", "Ethnicity code", "FSM (Y/N)").

When two columns claim one field, the one whose heading comes earlier in the field's synonyms
wins (so "Legal Surname" beats "Preferred Surname" for the surname) and the other is ignored.
The heading row need not be the first: title rows above it are skipped.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import TypeVar

from provmap.interchange.files import Sheet, SheetRow
from provmap.interchange.report import ImportRejected, Problem, file_problem
from provmap.interchange.values import CellError, check_readable, is_blank, shown

T = TypeVar("T")


@dataclass(frozen=True)
class Column:
    """A field an import can read, what people call its column, and how to describe it."""

    key: str
    label: str
    synonyms: tuple[str, ...]


def normalise_heading(heading: object) -> str:
    words = shown(heading).lower().replace("&", " and ")
    return re.sub(r"[^a-z0-9%]+", " ", words).strip()


_LEADING = re.compile(r"^(?:pupil|pupils|student|students|child|childs|learner)\s+")
_TRAILING = re.compile(r"\s+(?:code|y n|yes no|flag|indicator)$")


def _forms(heading: str) -> list[str]:
    """The heading, without its "Pupil"/"code" words, and each without spaces (DfE's joined-up
    names such as "NCyearActual" or "PreferredSurname" are written without them)."""
    forms = [heading]
    shorter = _TRAILING.sub("", _LEADING.sub("", heading))
    if shorter and shorter != heading:
        forms.append(shorter)
    for form in list(forms):
        joined = form.replace(" ", "")
        if joined not in forms:
            forms.append(joined)
    return forms


@dataclass
class ColumnMap:
    """The heading row of a table and the field each of its columns feeds."""

    header_row: int
    headings: tuple[str, ...]
    fields: dict[str, int] = field(default_factory=dict)

    def has(self, key: str) -> bool:
        return key in self.fields

    def heading(self, key: str) -> str:
        return self.headings[self.fields[key]]

    def raw(self, row: SheetRow, key: str) -> object:
        position = self.fields.get(key)
        if position is None or position >= len(row.cells):
            return None
        return row.cells[position]

    def layout(self) -> list[tuple[str, str, int]]:
        """(field, heading, position) of each column read, worked out once for a whole table
        rather than again for every row."""
        return [(key, self.headings[position], position) for key, position in self.fields.items()]

    @property
    def ignored(self) -> list[str]:
        used = set(self.fields.values())
        return [
            heading
            for position, heading in enumerate(self.headings)
            if position not in used and heading
        ]

    def remembered(self) -> dict[str, str]:
        """The choices to remember: each heading and its field ("" for ignored)."""
        chosen = {normalise_heading(self.heading(key)): key for key in self.fields}
        for heading in self.ignored:
            chosen.setdefault(normalise_heading(heading), "")
        return chosen


def match_columns(
    headings: Iterable[object],
    columns: Iterable[Column],
    *,
    header_row: int = 1,
    remembered: Mapping[str, str] | None = None,
) -> ColumnMap:
    """Assign each field the best column for it (see the module's description)."""
    texts = tuple(shown(heading) if not is_blank(heading) else "" for heading in headings)
    columns = list(columns)
    known = {column.key for column in columns}
    remembered = {
        heading: key for heading, key in (remembered or {}).items() if key in known or not key
    }
    ranks: dict[str, tuple[str, int]] = {}
    for column in columns:
        for rank, synonym in enumerate(column.synonyms):
            ranks.setdefault(normalise_heading(synonym), (column.key, rank))
    for column in columns:
        for rank, synonym in enumerate(column.synonyms):
            ranks.setdefault(normalise_heading(synonym).replace(" ", ""), (column.key, rank))
    # (field, position) -> rank; remembered choices rank before every synonym.
    candidates: dict[str, list[tuple[int, int]]] = {}
    for position, heading in enumerate(texts):
        if not heading:
            continue
        normal = normalise_heading(heading)
        if normal in remembered:
            if remembered[normal]:
                candidates.setdefault(remembered[normal], []).append((-1, position))
            continue
        for form in _forms(normal):
            if form in ranks:
                key, rank = ranks[form]
                candidates.setdefault(key, []).append((rank, position))
                break
    fields: dict[str, int] = {}
    taken: set[int] = set()
    for key, options in candidates.items():
        for _, position in sorted(options):
            if position not in taken:
                fields[key] = position
                taken.add(position)
                break
    return ColumnMap(header_row=header_row, headings=texts, fields=fields)


@dataclass
class Table:
    """The rows of data under a heading row, with the map of its columns."""

    sheet_name: str
    columns: ColumnMap
    rows: list[SheetRow]
    # Report footer lines under the data ("Total: 8 students"), left out of the rows.
    footer: list[SheetRow] = field(default_factory=list)

    def footer_note(self) -> str | None:
        if not self.footer:
            return None
        lines = "; ".join(f"row {row.number}: '{_row_text(row)}'" for row in self.footer)
        return f"Footer lines under the data were left out ({lines})."


def _row_text(row: SheetRow) -> str:
    return " ".join(shown(cell) for cell in row.cells if not is_blank(cell))


_FOOTER = re.compile(
    r"^(?:(?:grand\s+)?total|count|number of|no\.? of|printed|report|generated|produced|run on|"
    r"page\s+\d|end of|\d+\s+(?:students?|pupils?|records?|rows?|learners?|children)\b)",
    re.IGNORECASE,
)


def _is_footer(row: SheetRow) -> bool:
    """A report's closing line: one or two cells, the first saying "Total: 8 students",
    "Printed on ..." or "Page 1 of 1"."""
    filled = [cell for cell in row.cells if not is_blank(cell)]
    return (
        0 < len(filled) <= 2
        and isinstance(filled[0], str)
        and bool(_FOOTER.match(filled[0].strip()))
    )


def split_footer(rows: list[SheetRow]) -> tuple[list[SheetRow], list[SheetRow]]:
    """(the data rows, the footer lines at their end)."""
    end = len(rows)
    while end > 0 and _is_footer(rows[end - 1]):
        end -= 1
    return rows[:end], rows[end:]


HEADER_SEARCH_ROWS = 10


def find_table(
    sheets: list[Sheet],
    columns: list[Column],
    *,
    file_name: str,
    remembered: Mapping[str, str] | None = None,
    examples: Iterable[str] = (),
) -> Table:
    """The sheet and heading row that name the most known fields, and the rows below it."""
    best: tuple[int, Sheet, ColumnMap] | None = None
    for sheet in sheets:
        candidates = [row for row in sheet.rows if not row.is_blank][:HEADER_SEARCH_ROWS]
        for row in candidates:
            column_map = match_columns(
                row.cells, columns, header_row=row.number, remembered=remembered
            )
            score = len(column_map.fields)
            if score and (best is None or score > best[0]):
                best = (score, sheet, column_map)
    if best is None:
        wanted = ", ".join(f"'{example}'" for example in examples)
        raise file_problem(
            f"No row of headings was found in '{file_name}'. The first row should name the "
            f"columns, for example {wanted}."
        )
    _, sheet, column_map = best
    rows = [row for row in sheet.rows if row.number > column_map.header_row and not row.is_blank]
    rows, footer = split_footer(rows)
    if not rows:
        raise file_problem(f"'{file_name}' has headings but no rows of data.")
    return Table(sheet_name=sheet.name, columns=column_map, rows=rows, footer=footer)


def find_tables(
    sheets: list[Sheet],
    columns: list[Column],
    *,
    file_name: str,
    usable: Callable[[ColumnMap], bool],
    remembered: Mapping[str, str] | None = None,
    examples: Iterable[str] = (),
    chosen: Collection[str] | None = None,
) -> tuple[list[Table], Table, list[str], list[str]]:
    """Every sheet's table, for a workbook with one sheet per area of need or year group: the
    best table (as `find_table` finds it) and each other sheet whose headings are `usable`,
    in the workbook's order; the best; a warning for each sheet left out by `chosen` (sheet
    names: only those are read); and a note for each sheet with something else on it."""
    if chosen is not None:
        wanted = {name.strip().lower() for name in chosen}
        unknown = wanted - {sheet.name.lower() for sheet in sheets}
        if unknown:
            names = ", ".join(f"'{sheet.name}'" for sheet in sheets)
            missing = ", ".join(f"'{name}'" for name in sorted(unknown))
            raise file_problem(f"'{file_name}' has no sheet named {missing}; its sheets: {names}.")
        left_out = [sheet for sheet in sheets if sheet.name.lower() not in wanted]
        sheets = [sheet for sheet in sheets if sheet.name.lower() in wanted]
    else:
        left_out = []
    best = find_table(
        sheets, columns, file_name=file_name, remembered=remembered, examples=examples
    )
    tables: list[Table] = []
    warnings = [
        f"Sheet '{sheet.name}' was left out, as chosen: none of its rows were read."
        for sheet in left_out
    ]
    notes: list[str] = []
    for sheet in sheets:
        if sheet.name == best.sheet_name:
            tables.append(best)
            continue
        try:
            table = find_table([sheet], columns, file_name=file_name, remembered=remembered)
        except ImportRejected:
            table = None
        if table is None or not usable(table.columns):
            if any(not row.is_blank for row in sheet.rows):
                notes.append(
                    f"Sheet '{sheet.name}' was not read: it has no row of headings like those "
                    f"of sheet '{best.sheet_name}'."
                )
            continue
        tables.append(table)
    return tables, best, warnings, notes


def require_columns(table: Table, columns: list[Column], keys: Iterable[str]) -> None:
    """Refuse a table that lacks any of the columns `keys` (one problem for each)."""
    by_key = {column.key: column for column in columns}
    problems = []
    for key in keys:
        if not table.columns.has(key):
            column = by_key[key]
            examples = " or ".join(f"'{synonym}'" for synonym in column.synonyms[:3])
            problems.append(
                Problem(
                    None,
                    "",
                    f"There is no column for {column.label}: expected a heading such as "
                    f"{examples}.",
                )
            )
    if problems:
        raise ImportRejected(problems)


def first_upper(message: str) -> str:
    return message[:1].upper() + message[1:]


class RowReader:
    """Reads one record's cells, collecting problems instead of stopping at the first, so that
    every mistake in a file is reported at once.

    `cells` maps a field to (the heading or element it came from, what the file held): a
    spreadsheet row read through its column map, or a CTF pupil.
    """

    def __init__(
        self,
        number: int,
        cells: Mapping[str, tuple[str, object]],
        problems: list[Problem],
        record: str = "Row",
    ):
        self.number = number
        self.cells = cells
        self.problems = problems
        self.record = record
        self.failed = False

    @classmethod
    def for_row(cls, columns: ColumnMap, row: SheetRow, problems: list[Problem]) -> RowReader:
        cells = {key: (columns.heading(key), columns.raw(row, key)) for key in columns.fields}
        return cls(row.number, cells, problems)

    @classmethod
    def for_rows(
        cls, columns: ColumnMap, rows: Iterable[SheetRow], problems: list[Problem]
    ) -> Iterator[RowReader]:
        """A reader for each row of a table, the same as `for_row` gives, with the columns'
        positions and headings looked up once for the table instead of once a row."""
        layout = columns.layout()
        for row in rows:
            cells = row.cells
            width = len(cells)
            yield cls(
                row.number,
                {
                    key: (heading, cells[position] if position < width else None)
                    for key, heading, position in layout
                },
                problems,
            )

    def has(self, key: str) -> bool:
        return key in self.cells

    def heading(self, key: str) -> str:
        return self.cells[key][0] if key in self.cells else ""

    def raw(self, key: str) -> object:
        return self.cells[key][1] if key in self.cells else None

    def blank(self, key: str) -> bool:
        return is_blank(self.raw(key))

    def problem(self, key: str | None, message: str) -> None:
        heading = self.heading(key) if key else ""
        self.problems.append(Problem(self.number, heading, first_upper(message), self.record))
        self.failed = True

    def get(
        self, key: str, parse: Callable[[object], T], *, required: str | None = None
    ) -> T | None:
        """The parsed cell, or None if blank or wrong (reported). `required` says what the
        cell is needed for, making a blank cell a problem."""
        cell = self.cells.get(key)
        value = None if cell is None else cell[1]
        if is_blank(value):
            if required:
                self.problem(key, f"this cell is empty; {required}.")
            return None
        try:
            check_readable(value)
            return parse(value)
        except CellError as exc:
            self.problem(key, str(exc))
            return None

"""The rows of a large sheet written straight into XlsxWriter's row file, a row at a time.

In constant memory XlsxWriter keeps one row in a dict and, when the next row starts, writes
its XML to a temporary file, cell by cell: for every cell a decorated call, a bounds check, a
tuple, a list of attributes and several regular expressions. With tens of millions of cells
(a trust's map) that is most of an export's time. `InlineRows` writes each row's XML as one
string into the same file, with what is the same for every row (the cell references' column
letters, the style of each column) worked out once, and leaves anything unusual (text that
needs escaping, very long text) to XlsxWriter's own routines, so that the sheet is the one
XlsxWriter would write, byte for byte.

It relies on how XlsxWriter 3 writes a constant-memory sheet (`table`, `previous_row`, the
row file `fh`, `_write_single_row`, `_check_dimensions`, inline strings): the export's tests
compare it with the sheet written cell by cell.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, SupportsFloat, cast

from xlsxwriter.utility import _preserve_whitespace, xl_col_to_name
from xlsxwriter.worksheet import _utf16_len, _utf16_truncate

# Text XlsxWriter changes before writing it (XML escapes, control characters and its own
# "_xHHHH_" escapes, leading or trailing spaces) goes through its routines; other text is
# written as it is. Above half the cell limit it may need cutting: XlsxWriter checks.
_NEEDS_CARE = re.compile(r"[&<>\x00-\x1f]|_x|^\s|\s$")
_LONG_TEXT = 32767 // 2

# How a column's values are written: as text, as dates, as numbers, or as a number where the
# text is digits and as text where it is not (a year group: 7, but "R").
TEXT, DATE, NUMBER, DIGITS = "text", "date", "number", "digits"

# A column as `write` uses it: key, letters, how, style attribute, style attribute of numbers.
_Planned = tuple[str, str, str, str, str]


@dataclass(frozen=True)
class InlineColumn:
    """One column of the sheet: where it is, how its values are written (TEXT, DATE, NUMBER
    or DIGITS), and its cells' format (an XlsxWriter Format; None: the column's). A DIGITS
    column's numbers have `number_format`, its text the column's format."""

    key: str
    index: int
    how: str
    cell_format: Any = None
    number_format: Any = None


class InlineRows:
    """Rows of a constant-memory worksheet written as XML strings. Call `start` once the rows
    above (the headings) are written the usual way, `write` for each row in order (a row's
    values: a mapping read with `.get(column.key)`; None or "" is an empty cell), and `finish`
    before anything else is written to the sheet."""

    def __init__(
        self,
        sheet: Any,
        columns: Sequence[InlineColumn],
        text: Callable[[object], str] = str,
    ) -> None:
        if not sheet.constant_memory:
            raise ValueError("InlineRows writes only constant-memory worksheets")
        self.sheet = sheet
        self.columns = columns
        self.text = text
        self.last_row: int | None = None
        self._dates: dict[dt.date, str] = {}
        self._plan: list[_Planned] = []
        self._first = 0
        self._heads: list[str] = []
        self._last_values: list[object] = []
        self._last_tails: list[str] = []

    def _style(self, column: InlineColumn, cell_format: Any) -> str:
        if cell_format is None:
            info = self.sheet.col_info.get(column.index)
            cell_format = info.column_format if info is not None else None
        if cell_format is None:
            return ""
        return f' s="{cell_format._get_xf_index()}"'

    def start(self, first_row: int) -> None:
        """Flush the rows written before (XlsxWriter writes a row once the next one starts),
        then work out each column's letters and style: after the headings, so that the styles'
        numbers are given in the order XlsxWriter would give them."""
        sheet = self.sheet
        if first_row <= sheet.previous_row:
            raise ValueError("rows must come after those already written")
        sheet._write_single_row(first_row)
        self._plan = [
            (
                column.key,
                xl_col_to_name(column.index),
                column.how,
                self._style(column, column.cell_format),
                self._style(column, column.number_format),
            )
            for column in self.columns
        ]
        self._heads = [f'<c r="{letters}' for _, letters, *_ in self._plan]
        self._last_values = [None] * len(self._plan)
        self._last_tails = [""] * len(self._plan)
        self._first = first_row

    def _date(self, value: dt.date) -> str:
        serial = self._dates.get(value)
        if serial is None:
            number = self.sheet._convert_date_time(value)
            serial = self._dates[value] = f"{number:.16G}"
        return serial

    def _careful_text(self, parts: list[str], ref: str, style: str, text: str) -> None:
        """Text as XlsxWriter writes it in constant memory (_write_string, then _write_cell):
        cut to the cell limit, control characters escaped, rich text, spaces preserved."""
        sheet = self.sheet
        if len(text) > _LONG_TEXT and _utf16_len(text) > sheet.xls_strmax:
            # XlsxWriter's own check: it cuts text over Excel's limit.
            text = _utf16_truncate(text, sheet.xls_strmax)
        text = sheet._escape_control_characters(text)
        attributes = [("r", ref)]
        if style:
            # The style's number, from its attribute (' s="12"').
            attributes.append(("s", style[len(' s="') : -1]))
        sheet.fh.write("".join(parts))
        parts.clear()
        if text.startswith("<r>") and text.endswith("</r>"):
            sheet._xml_rich_inline_string(text, attributes)
        else:
            sheet._xml_inline_string(text, _preserve_whitespace(text), attributes)

    def _tail(
        self, parts: list[str], head: str, number: str, column: _Planned, value: object
    ) -> str:
        """What follows a cell's row number in its XML (`"` and the rest), or "" when the
        text was written the careful way (to the file, at once)."""
        _, _, how, style, number_style = column
        if how == DIGITS and str(value).isdigit():
            return f'"{number_style}><v>{int(str(value))}</v></c>'
        if how in (TEXT, DIGITS):
            text = self.text(value)
            if _NEEDS_CARE.search(text) or len(text) > _LONG_TEXT:
                self._careful_text(parts, head[len('<c r="') :] + number, style, text)
                return ""
            return f'"{style} t="inlineStr"><is><t>{text}</t></is></c>'
        if how == DATE:
            return f'"{style}><v>{self._date(cast(dt.date, value))}</v></c>'
        return f'"{style}><v>{float(cast(SupportsFloat, value)):.16G}</v></c>'

    def write(self, row: int, values: Any) -> None:
        """One row (0-based), after the last one written."""
        if row >= self.sheet.xls_rowmax:
            # Past Excel's last row: XlsxWriter ignores such cells.
            return
        number = str(row + 1)
        parts = [f'<row r="{number}">']
        append = parts.append
        get = values.get
        # A column's value is often the very object of the row before (a run's columns are
        # the same for each of its pupils, "Yes" is "Yes"): its XML after the row number is
        # the same, so it is made once.
        last_values = self._last_values
        last_tails = self._last_tails
        any_cell = False
        for index, column in enumerate(self._plan):
            value = get(column[0])
            if value is None or value == "":
                continue
            any_cell = True
            head = self._heads[index]
            if value is last_values[index]:
                tail = last_tails[index]
            else:
                tail = self._tail(parts, head, number, column, value)
                if not tail:
                    continue
                last_values[index] = value
                last_tails[index] = tail
            append(head + number + tail)
        if not any_cell:
            # XlsxWriter writes nothing for a row with no cells.
            return
        append("</row>")
        self.sheet.fh.write("".join(parts))
        self.last_row = row

    def finish(self) -> None:
        """Tell XlsxWriter where the rows ended: the sheet's dimensions, and the row after
        which it may go on writing."""
        if self.last_row is None:
            return
        sheet = self.sheet
        # The columns' range: the headings above cover every column.
        indexes = [column.index for column in self.columns]
        sheet._check_dimensions(self._first, min(indexes))
        sheet._check_dimensions(self.last_row, max(indexes))
        sheet.previous_row = self.last_row

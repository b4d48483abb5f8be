"""Rows written straight into a constant-memory sheet's row file are the rows XlsxWriter
writes cell by cell, byte for byte, whatever the text holds."""

import datetime as dt
import io
import zipfile
from decimal import Decimal

import pytest
import xlsxwriter

from provmap.interchange import xlsx_rows
from provmap.interchange.xlsx_rows import InlineColumn, InlineRows

COLUMNS = [
    ("name", xlsx_rows.TEXT),
    ("year", xlsx_rows.DIGITS),
    ("start", xlsx_rows.DATE),
    ("cost", xlsx_rows.NUMBER),
    ("count", xlsx_rows.NUMBER),
]
ROWS = [
    {"name": "Catch-up", "year": "7", "start": dt.date(2025, 9, 8), "cost": Decimal("12.5")},
    {"name": "Tom & Jerry <b>", "year": "R", "start": dt.date(1900, 1, 15), "count": 3},
    {"name": "  spaces around  ", "year": "", "cost": Decimal("0.0001"), "count": 0},
    {"name": "tab\tand\nnewline\x01control", "year": None, "start": None},
    {"name": "_x0041_ looks escaped", "cost": Decimal("-3.10")},
    {"name": "<r>rich-looking</r>"},
    {"name": "quotes \" and apostrophes '"},
    {"name": "é ü 中文 🙂"},
    {"name": "x" * 40000},
    {},
    {"count": 123456789012},
]
# Rows that repeat the very values of rows before (as a run's pupils repeat its columns).
ROWS += [dict(ROWS[0]), dict(ROWS[0]), dict(ROWS[1]), dict(ROWS[1]), dict(ROWS[3])]


def _workbook(write_rows) -> bytes:
    stream = io.BytesIO()
    book = xlsxwriter.Workbook(stream, {"constant_memory": True, "strings_to_numbers": False})
    formats = {
        "date": book.add_format({"num_format": "dd/mm/yyyy"}),
        "money": book.add_format({"num_format": "£#,##0.00"}),
        "int": book.add_format({"num_format": "0"}),
    }
    sheet = book.add_worksheet("Map")
    sheet.set_column(0, 0, 20, book.add_format({"text_wrap": False}))
    sheet.set_column(1, 1, 10, formats["int"])
    for index, (key, _) in enumerate(COLUMNS):
        sheet.write_string(0, index, key)
    write_rows(sheet, formats)
    sheet.write_string(len(ROWS) + 2, 0, "after the rows")
    book.close()
    with zipfile.ZipFile(io.BytesIO(stream.getvalue())) as archive:
        return archive.read("xl/worksheets/sheet1.xml") + archive.read("xl/styles.xml")


def _cell_formats(formats):
    return {
        "year": formats["int"],
        "start": formats["date"],
        "cost": formats["money"],
        "count": None,
    }


def by_cell(sheet, formats) -> None:
    cell_formats = _cell_formats(formats)
    for row_index, row in enumerate(ROWS, start=1):
        for column, (key, how) in enumerate(COLUMNS):
            value = row.get(key)
            if value is None or value == "":
                continue
            if how == xlsx_rows.DIGITS and value.isdigit():
                sheet.write_number(row_index, column, int(value), cell_formats[key])
            elif how in (xlsx_rows.TEXT, xlsx_rows.DIGITS):
                sheet.write_string(row_index, column, value)
            elif how == xlsx_rows.DATE:
                sheet.write_datetime(row_index, column, value, cell_formats[key])
            else:
                sheet.write_number(row_index, column, float(value), cell_formats[key])


def inline(sheet, formats) -> None:
    cell_formats = _cell_formats(formats)
    columns = [
        InlineColumn(key, index, how, None if how == xlsx_rows.DIGITS else cell_formats.get(key))
        for index, (key, how) in enumerate(COLUMNS)
    ]
    columns[1] = InlineColumn("year", 1, xlsx_rows.DIGITS, None, cell_formats["year"])
    rows = InlineRows(sheet, columns)
    rows.start(1)
    for row_index, row in enumerate(ROWS, start=1):
        rows.write(row_index, row)
    rows.finish()


def test_inline_rows_are_the_rows_xlsxwriter_writes_cell_by_cell():
    assert _workbook(inline) == _workbook(by_cell)


def test_inline_rows_only_write_a_constant_memory_sheet():
    book = xlsxwriter.Workbook(io.BytesIO(), {"in_memory": True})
    sheet = book.add_worksheet()
    with pytest.raises(ValueError):
        InlineRows(sheet, [InlineColumn("name", 0, xlsx_rows.TEXT)])
    book.close()

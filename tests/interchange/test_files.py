import datetime as dt
import io
import zipfile

import pytest
import xlsxwriter

from provmap.interchange.files import (
    FileKind,
    Upload,
    decode_text,
    detect_kind,
    read_csv,
    read_xlsx,
    sniff_delimiter,
)
from provmap.interchange.report import ImportRejected
from provmap.interchange.values import UncalculatedFormula
from tests.interchange.make_corpus import Formula, lying_zip, minimal_xlsx
from tests.interchange.samples import xlsx_bytes


@pytest.mark.parametrize(
    ("text", "delimiter"),
    [
        ("UPN,Surname,Forename\nA,B,C\n", ","),
        ("UPN;Surname;Forename\nA;B;C\n", ";"),
        ("UPN\tSurname\tForename\nA\tB\tC\n", "\t"),
        ("UPN|Surname|Forename\nA|B|C\n", "|"),
        ('Name;Notes\n"Smith, Sam";"a, b, c"\n', ";"),
        ('Name,Notes\n"Smith; Sam","x"\n', ","),
    ],
)
def test_the_delimiter_is_sniffed(text, delimiter):
    assert sniff_delimiter(text) == delimiter


@pytest.mark.parametrize(
    "data",
    [
        "Zoë Brontë".encode(),
        b"\xef\xbb\xbf" + "Zoë Brontë".encode(),
        "Zoë Brontë".encode("cp1252"),
        "Zoë Brontë".encode("utf-16"),
    ],
    ids=["utf8", "utf8-bom", "windows1252", "utf16"],
)
def test_text_is_decoded_whatever_excel_saved_it_as(data):
    assert decode_text(data, "list.csv") == "Zoë Brontë"


def test_quoted_cells_keep_their_commas_and_lines():
    upload = Upload("map.csv", b'Pupil,Notes\r\n"Adams, Amy","line one\r\nline two"\r\n')

    sheet = read_csv(upload)

    assert sheet.rows[1].cells == ("Adams, Amy", "line one\r\nline two")
    assert [row.number for row in sheet.rows] == [1, 2]


def test_a_csv_over_the_row_limit_is_refused(settings):
    settings.PROVMAP_IMPORT_MAX_ROWS = 3
    upload = Upload("list.csv", b"UPN\n1\n2\n3\n4\n")

    with pytest.raises(ImportRejected) as refused:
        read_csv(upload)
    assert refused.value.problems[0].message == (
        "'list.csv' has more than 3 rows, more than provmap reads from one file. Split it, or "
        "remove the rows you do not need."
    )


def test_a_workbook_that_understates_its_size_is_read_in_full():
    rows = [["UPN", "Surname", "Forename"], ["A", "B", "C"], ["D", "E", "F"]]

    sheets = read_xlsx(Upload("list.xlsx", minimal_xlsx(rows, dimension="A1")))

    assert [row.cells for row in sheets[0].rows] == [tuple(row) for row in rows]


def test_a_workbook_without_a_stated_size_is_still_limited(settings):
    settings.PROVMAP_IMPORT_MAX_ROWS = 2
    rows = [["UPN"], ["A"], ["B"], ["C"]]

    with pytest.raises(ImportRejected, match="has more than 2 rows"):
        read_xlsx(Upload("list.xlsx", minimal_xlsx(rows)))


def test_a_workbook_too_wide_is_refused(settings):
    settings.PROVMAP_IMPORT_MAX_COLUMNS = 3
    rows = [["UPN", "Surname", "Forename", "DOB"]]

    with pytest.raises(ImportRejected, match="this row has more than 3 columns"):
        read_xlsx(Upload("list.xlsx", minimal_xlsx(rows)))


def test_formulas_are_read_as_their_saved_values_and_marked_when_they_have_none():
    rows = [["Total", "Other"], [Formula("A1*2", cached=12.5), Formula("B1+1")]]

    sheet = read_xlsx(Upload("costs.xlsx", minimal_xlsx(rows)))[0]

    total, other = sheet.rows[1].cells
    assert total == 12.5
    assert isinstance(other, UncalculatedFormula) and other.formula == "=B1+1"


def test_excel_dates_come_back_as_dates_and_text_is_restored():
    data = xlsx_bytes([["Start date", "Notes"], [dt.date(2025, 9, 8), "'=1+1"]])

    sheet = read_xlsx(Upload("map.xlsx", data))[0]

    assert sheet.rows[1].cells == (dt.datetime(2025, 9, 8), "=1+1")


def test_every_sheet_of_a_workbook_is_read():
    stream = io.BytesIO()
    workbook = xlsxwriter.Workbook(stream, {"in_memory": True})
    workbook.add_worksheet("Key").write_string(0, 0, "R = no progress")
    workbook.add_worksheet("Map").write_string(0, 0, "Provision")
    workbook.close()

    sheets = read_xlsx(Upload("map.xlsx", stream.getvalue()))

    assert [sheet.name for sheet in sheets] == ["Key", "Map"]


@pytest.mark.parametrize(
    ("name", "data", "kind"),
    [
        ("list.csv", b"UPN\n", FileKind.CSV),
        ("LIST.TXT", b"UPN\n", FileKind.CSV),
        ("list.tsv", b"UPN\n", FileKind.CSV),
        ("list.xlsx", b"PK\x03\x04rest", FileKind.XLSX),
        ("ctf.XML", b"<CTfile/>", FileKind.XML),
    ],
)
def test_the_kind_of_file_comes_from_its_name_and_first_bytes(name, data, kind):
    assert detect_kind(Upload(name, data), tuple(FileKind)) == kind


def test_a_csv_that_is_really_a_workbook_is_named():
    with pytest.raises(ImportRejected) as refused:
        detect_kind(Upload("list.csv", b"PK\x03\x04rest"), (FileKind.CSV,))
    assert refused.value.problems[0].message == (
        "'list.csv' is named .csv but is a zip archive, probably an Excel workbook: name it "
        ".xlsx, or save it from Excel as CSV."
    )


def test_an_unknown_extension_is_refused():
    with pytest.raises(ImportRejected) as refused:
        detect_kind(Upload("list.docx", b"PK\x03\x04"), (FileKind.CSV, FileKind.XLSX))
    assert refused.value.problems[0].message == (
        "provmap reads CSV (.csv) or Excel workbook (.xlsx) files; 'list.docx' has .docx."
    )


def _stored_copy(data: bytes) -> bytes:
    """The same workbook with its parts stored uncompressed (as some programs write them)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as archive:
        for member in source.infolist():
            archive.writestr(member.filename, source.read(member))
    return buffer.getvalue()


def test_workbooks_with_stored_or_streamed_parts_are_read():
    rows = [["UPN", "Surname"], ["A", "B"]]
    stored = _stored_copy(minimal_xlsx(rows))
    # Written to a stream that cannot seek back: each part's sizes follow its data.
    source = zipfile.ZipFile(io.BytesIO(minimal_xlsx(rows)))
    streamed = io.BytesIO()
    with zipfile.ZipFile(_Unseekable(streamed), "w", zipfile.ZIP_DEFLATED) as archive:
        for member in source.infolist():
            archive.writestr(member.filename, source.read(member))

    for data in (stored, streamed.getvalue()):
        sheet = read_xlsx(Upload("list.xlsx", data))[0]
        assert [row.cells for row in sheet.rows] == [tuple(row) for row in rows]


class _Unseekable(io.RawIOBase):
    def __init__(self, target: io.BytesIO):
        self.target = target

    def writable(self) -> bool:
        return True

    def write(self, data) -> int:  # type: ignore[no-untyped-def]
        return self.target.write(data)


def test_a_stored_part_longer_than_it_declares_is_refused():
    lying = lying_zip(_stored_copy(minimal_xlsx([["UPN"], ["A"]])), central_size=10, local_size=10)

    with pytest.raises(ImportRejected) as refused:
        read_xlsx(Upload("list.xlsx", lying))

    assert refused.value.problems[0].message.startswith(
        "This file is not a valid Excel workbook: part of it ('xl/worksheets/sheet1.xml') "
        "unpacks to more than the 10 bytes the file says it holds"
    )

"""Writes the binary members of the bad-input corpus (tests/interchange/corpus/), and the two
that are too large to keep (a zip bomb and an oversized CSV), which the corpus test makes in a
temporary folder when it runs.

Run `python tests/interchange/make_corpus.py` from the project's root after changing a case
here; the text cases are plain files in the corpus, edited by hand.

Workbooks are assembled part by part (`minimal_xlsx`) rather than with a library, so that a
case can hold exactly what a hostile or broken file would: a false size, a formula without a
saved result, an XML entity. `lying_zip` then rewrites a part's headers or data the way a
damaged or hostile archive would: sizes that do not match what the part unpacks to, a wrong
checksum, compressed data that cannot be unpacked.
"""

from __future__ import annotations

import io
import struct
import sys
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

CORPUS = Path(__file__).resolve().parent / "corpus"

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/'
    'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)


class Formula:
    """A formula cell, with the result a calculating program saved (or None)."""

    def __init__(self, formula: str, cached: object = None):
        self.formula = formula
        self.cached = cached


class ErrorValue:
    """A cell showing an Excel error such as #DIV/0!."""

    def __init__(self, code: str):
        self.code = code


def _column(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _cell(reference: str, value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, Formula):
        cached = "" if value.cached is None else f"<v>{escape(str(value.cached))}</v>"
        return f'<c r="{reference}"><f>{escape(value.formula)}</f>{cached}</c>'
    if isinstance(value, ErrorValue):
        return f'<c r="{reference}" t="e"><v>{escape(value.code)}</v></c>'
    if isinstance(value, int | float):
        return f'<c r="{reference}"><v>{value}</v></c>'
    return f'<c r="{reference}" t="inlineStr"><is><t>{escape(str(value))}</t></is></c>'


def sheet_xml(rows: list[list[object]], *, dimension: str | None = None, prolog: str = "") -> str:
    body = "".join(
        f'<row r="{number}">'
        + "".join(_cell(f"{_column(index)}{number}", value) for index, value in enumerate(row))
        + "</row>"
        for number, row in enumerate(rows, start=1)
    )
    size = f'<dimension ref="{dimension}"/>' if dimension else ""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>{prolog}'
        '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        f"{size}<sheetData>{body}</sheetData></worksheet>"
    )


def _put(archive: zipfile.ZipFile, name: str, data: str) -> None:
    """Add a part with a fixed date, so that the same case always makes the same bytes."""
    info = zipfile.ZipInfo(name, date_time=(2025, 1, 1, 0, 0, 0))
    info.compress_type = zipfile.ZIP_DEFLATED
    archive.writestr(info, data)


def minimal_xlsx(
    rows: list[list[object]], *, dimension: str | None = None, prolog: str = ""
) -> bytes:
    """The smallest workbook Excel and openpyxl open: one sheet holding `rows`."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        _put(archive, "[Content_Types].xml", _CONTENT_TYPES)
        _put(archive, "_rels/.rels", _RELS)
        _put(archive, "xl/workbook.xml", _WORKBOOK)
        _put(archive, "xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        _put(
            archive, "xl/worksheets/sheet1.xml", sheet_xml(rows, dimension=dimension, prolog=prolog)
        )
    return buffer.getvalue()


SHEET = "xl/worksheets/sheet1.xml"
# Offsets of the fields rewritten, in a part's local header (PK 3 4) and in its entry in the
# central directory (PK 1 2), the archive's table of contents at its end.
_LOCAL = {"crc": 14, "size": 22}
_CENTRAL = {"crc": 16, "size": 24}


def _central_entry(data: bytes | bytearray, name: str) -> int:
    at = data.find(b"PK\x01\x02")
    while at != -1:
        length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + length] == name.encode():
            return at
        at = data.find(b"PK\x01\x02", at + 4)
    raise KeyError(name)


def lying_zip(
    data: bytes,
    name: str = SHEET,
    *,
    central_size: int | None = None,
    local_size: int | None = None,
    crc: int | None = None,
    damage_data: bool = False,
) -> bytes:
    """`data` (an archive) with part `name` rewritten: the unpacked size its table of contents
    and its own header declare, its checksum (in both), or its first compressed bytes."""
    patched = bytearray(data)
    central = _central_entry(patched, name)
    local = struct.unpack_from("<I", patched, central + 42)[0]
    if central_size is not None:
        struct.pack_into("<I", patched, central + _CENTRAL["size"], central_size)
    if local_size is not None:
        struct.pack_into("<I", patched, local + _LOCAL["size"], local_size)
    if crc is not None:
        struct.pack_into("<I", patched, central + _CENTRAL["crc"], crc)
        struct.pack_into("<I", patched, local + _LOCAL["crc"], crc)
    if damage_data:
        name_length, extra_length = struct.unpack_from("<HH", patched, local + 26)
        start = local + 30 + name_length + extra_length
        # 0xFF starts a deflate block of type 3, which does not exist.
        patched[start : start + 4] = b"\xff\xff\xff\xff"
    return bytes(patched)


def write_lying_zip_bomb(path: Path, unpacked_mb: int = 210) -> Path:
    """A workbook whose sheet unpacks to `unpacked_mb` megabytes while its headers declare
    1 KB: a zip bomb that passes a check of the declared sizes."""
    chunk = b" " * (1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open(SHEET, "w") as sheet:
            for _ in range(unpacked_mb):
                sheet.write(chunk)
    path.write_bytes(lying_zip(path.read_bytes(), central_size=1024, local_size=1024))
    return path


def write_zip_bomb(path: Path, unpacked_mb: int = 210) -> Path:
    """A workbook whose sheet unpacks to `unpacked_mb` megabytes (about 1000:1 compressed)."""
    chunk = b" " * (1024 * 1024)
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            for _ in range(unpacked_mb):
                sheet.write(chunk)
    return path


def write_oversized_csv(path: Path, megabytes: int = 21) -> Path:
    """A CSV file larger than the default upload limit (mostly empty space on disk)."""
    with path.open("wb") as handle:
        handle.write(b"UPN,Surname\n")
        handle.truncate(megabytes * 1024 * 1024)
    return path


HEADINGS = ["UPN", "Legal Surname", "Legal Forename", "DOB", "Gender", "Year"]


def binary_cases() -> dict[str, bytes]:
    """The corpus members that are not plain text, by file name."""
    entity_prolog = '<!DOCTYPE worksheet [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;">]>'
    docx_like = io.BytesIO()
    with zipfile.ZipFile(docx_like, "w") as archive:
        _put(archive, "word/document.xml", "<document/>")
    pupils = minimal_xlsx([HEADINGS, ["N801200022001", "Adams", "Amy", "01/09/2012", "F", "8"]])
    sheet_size = zipfile.ZipFile(io.BytesIO(pupils)).getinfo(SHEET).file_size
    return {
        "pupils_zip_size_lie.xlsx": lying_zip(pupils, central_size=100, local_size=100),
        "pupils_zip_cut_short.xlsx": lying_zip(
            pupils, central_size=sheet_size + 4096, local_size=sheet_size + 4096
        ),
        "pupils_zip_bad_checksum.xlsx": lying_zip(pupils, crc=0x12345678),
        "pupils_zip_damaged_part.xlsx": lying_zip(pupils, damage_data=True),
        "pupils_zip_headers_disagree.xlsx": lying_zip(pupils, central_size=100),
        "pupils_old_format.xls": b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 56,
        "pupils_undecodable.csv": (
            b"UPN,Legal Surname,Legal Forename,DOB,Gender,Year\r\n"
            b"N801200022001,Adams,Amy,01/09/2012,F,8\r\n"
            b"C801200022002,Br\x81wn,Ben,14/02/2013,M,7\r\n"
        ),
        "pupils_binary.csv": b"UPN,Surname\r\n\x00\x01\x02\x00binary\x00\r\n",
        "pupils_damaged.xlsx": b"PK\x03\x04" + b"\x14\x00not really a zip archive" * 4,
        "pupils_docx_renamed.xlsx": docx_like.getvalue(),
        "pupils_huge_dimensions.xlsx": minimal_xlsx(
            [HEADINGS, ["N801200022001", "Adams", "Amy", "01/09/2012", "F", "8"]],
            dimension="A1:XFD1048576",
        ),
        "pupils_entities.xlsx": minimal_xlsx(
            [HEADINGS, ["N801200022001", "Adams", "Amy", "01/09/2012", "F", "8"]],
            prolog=entity_prolog,
        ),
        "results_formula_without_value.xlsx": minimal_xlsx(
            [
                ["UPN", "Measure", "Date", "Score"],
                ["N801200022001", "Reading test", "01/10/2025", 101],
                ["C801200022002", "Reading test", "01/10/2025", Formula("B2+5")],
            ]
        ),
        "map_excel_error.xlsx": minimal_xlsx(
            [
                ["UPN", "Provision", "Start date", "Baseline score"],
                ["N801200022001", "Reading catch-up", "08/09/2025", ErrorValue("#DIV/0!")],
            ]
        ),
    }


def main() -> None:
    for name, data in binary_cases().items():
        (CORPUS / name).write_bytes(data)
        sys.stdout.write(f"wrote {name} ({len(data)} bytes)\n")


if __name__ == "__main__":
    main()

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


# Files as school systems export them ---------------------------------------------------------
# Written from the published CTF specification and the heading and value conventions of MIS
# student lists (SIMS-, Arbor- and Bromcom-style reports, DfE joined-up element names), so that
# each can be imported with a known result (tests/interchange/test_mis_files.py).

MIS_UPNS = ["N801200022001", "C801200022002", "R801200022003", "F801200022004"]


def _csv(rows: list[list[object]]) -> bytes:
    lines = []
    for row in rows:
        cells = []
        for cell in row:
            text = "" if cell is None else str(cell)
            if any(mark in text for mark in ',"\n'):
                text = '"' + text.replace('"', '""') + '"'
            cells.append(text)
        lines.append(",".join(cells))
    return ("\r\n".join(lines) + "\r\n").encode("utf-8")


def _xml(tag: str, value: object) -> str:
    return "" if value is None else f"<{tag}>{escape(str(value))}</{tag}>"


def ctf_document(
    pupils: list[str],
    *,
    source: tuple[str, str, str, str] = ("654321", "Riverside Primary", "802", "2100"),
    destination: tuple[str, str, str] = ("123456", "801", "2000"),
    stamp: str = "2025-10-01T09:30:00+01:00",
    qualifier: str = "full",
    version: str = "25.0",
) -> bytes:
    """A CTF: its header (the sending school, the school it is for) and its pupils."""
    urn, name, la, estab = source
    dest_urn, dest_la, dest_estab = destination
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<CTfile><Header>'
        f"<DocumentName>Common Transfer File</DocumentName>{_xml('CTFversion', version)}"
        f"{_xml('DateTime', stamp)}{_xml('DocumentQualifier', qualifier)}"
        "<SupplierID>MIS</SupplierID>"
        f"<SourceSchool>{_xml('LEA', la)}{_xml('Estab', estab)}{_xml('URN', urn)}"
        f"{_xml('SchoolName', name)}<AcademicYear>2025</AcademicYear></SourceSchool>"
        f"<DestSchool>{_xml('LEA', dest_la)}{_xml('Estab', dest_estab)}{_xml('URN', dest_urn)}"
        "</DestSchool></Header><CTFpupilData>" + "".join(pupils) + "</CTFpupilData></CTfile>"
    ).encode("utf-8")


def ctf_pupil_record(
    upn: str,
    surname: str | None = None,
    forename: str | None = None,
    *,
    dob: str | None = None,
    sex: str | None = None,
    year: str | None = None,
    preferred: str | None = None,
    sen: list[tuple[str, str | None, str]] | None = None,
    needs: list[tuple[str, str | None]] | None = None,
    schools: list[tuple[str, str, str, str]] | None = None,
    attendance: list[tuple[int, int, int]] | None = None,
    attainments: list[tuple[str, ...]] | None = None,
) -> str:
    """One <Pupil>: the elements given, in the specification's order; SEN periods are
    (start, end, provision), needs (type, end date), schools (URN, LA, estab, entry date),
    attainments (year, stage, subject, method, component, qualifier, result, date)."""
    parts = [_xml("UPN", upn), _xml("Surname", surname), _xml("Forename", forename)]
    parts += [_xml("DOB", dob), _xml("Sex", sex)]
    if year is not None or preferred is not None:
        parts.append(
            f"<BasicDetails>{_xml('PreferredForename', preferred)}{_xml('NCyearActual', year)}"
            "<Ethnicity>WBRI</Ethnicity><Languages><Type><LanguageType>F</LanguageType>"
            "<Language>ENG</Language></Type></Languages></BasicDetails>"
        )
    if sen is not None or needs is not None:
        parts.append("<SENhistory>")
        for start, end, code in sen or []:
            parts.append(
                f"<SEN>{_xml('StartDate', start)}{_xml('EndDate', end)}"
                f"{_xml('SENprovision', code)}</SEN>"
            )
        if needs:
            parts.append("<SENneeds>")
            for rank, (code, end) in enumerate(needs, start=1):
                parts.append(
                    f"<SENneed>{_xml('SENtypeRank', rank)}{_xml('SENtype', code)}"
                    f"{_xml('EndDate', end)}</SENneed>"
                )
            parts.append("</SENneeds>")
        parts.append("</SENhistory>")
    if attainments:
        parts.append("<Attainments>")
        names = ("Year", "Stage", "Subject", "Method", "Component", "ResultQualifier")
        for item in attainments:
            *fields, result, date = item
            parts.append(
                "<Attainment>"
                + "".join(
                    _xml(name, value or None) for name, value in zip(names, fields, strict=True)
                )
                + f"{_xml('Result', result)}{_xml('Date', date or None)}</Attainment>"
            )
        parts.append("</Attainments>")
    if attendance:
        parts.append("<Attendance>")
        for year_start, possible, attended in attendance:
            parts.append(
                f"<YearData>{_xml('Year', year_start)}{_xml('SessionsPossible', possible)}"
                f"{_xml('SessionsAttended', attended)}</YearData>"
            )
        parts.append("</Attendance>")
    if schools:
        parts.append("<SchoolHistory>")
        for urn, la, estab, entry in schools:
            parts.append(
                f"<School>{_xml('LEA', la)}{_xml('Estab', estab)}{_xml('URN', urn)}"
                f"{_xml('EntryDate', entry)}</School>"
            )
        parts.append("</SchoolHistory>")
    return "<Pupil>" + "".join(parts) + "</Pupil>"


def workbook(sheets: dict[str, list[list[object]]]) -> bytes:
    """A workbook of several sheets, as Excel saves it (written with openpyxl)."""
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for row in rows:
            sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


MAP_HEADINGS = [
    "UPN",
    "Provision",
    "Start date",
    "Sessions per week",
    "Session minutes",
    "Assessment",
    "Baseline score",
    "Baseline date",
]


def mis_files() -> dict[str, bytes]:
    """Student lists, results and CTFs as school systems write them, by file name."""
    upns = MIS_UPNS
    return {
        # SIMS-style student list: codes written out, "Year 7", a report footer.
        "sims_student_list.csv": _csv(
            [
                [
                    "Legal Surname",
                    "Legal Forename",
                    "Preferred Forename",
                    "UPN",
                    "Adno",
                    "DOB",
                    "Gender",
                    "Year",
                    "Reg Group",
                    "SEN Status",
                    "Primary Need",
                    "Pupil Premium Indicator",
                    "FSM Eligible",
                    "In Care",
                    "Ethnicity",
                    "First Language",
                    "Date of Admission",
                    "House",
                ],
                [
                    "Adams",
                    "Amy",
                    "Ami",
                    upns[0],
                    "001001",
                    "01/09/2012",
                    "Female",
                    "Year 8",
                    "8A",
                    "SEN Support",
                    "Specific Learning Difficulty",
                    "True",
                    "Y",
                    "no",
                    "White - British",
                    "English",
                    "03/09/2019",
                    "Red",
                ],
                [
                    "Brown",
                    "Ben",
                    "",
                    upns[1],
                    "001002",
                    "14/02/2013",
                    "Male",
                    "Y7",
                    "7B",
                    "EHC Plan",
                    "Autistic Spectrum Disorder",
                    "FALSE",
                    "n",
                    "YES",
                    "Asian or Asian British - Pakistani",
                    "Urdu",
                    "04/09/2024",
                    "Blue",
                ],
                [
                    "Clark",
                    "Cara",
                    "",
                    upns[2],
                    "001003",
                    "20/03/2013",
                    "F",
                    "7",
                    "7B",
                    "No SEN",
                    "",
                    "0",
                    "0",
                    "0",
                    "Any other white background",
                    "Polish",
                    "04/09/2024",
                    "Blue",
                ],
                [],
                ["Total: 3 students"],
            ]
        ),
        # Arbor-style: first and last names, "Is looked after", "Admission date".
        "arbor_students.csv": _csv(
            [
                [
                    "UPN",
                    "Admission Number",
                    "First Name",
                    "Last Name",
                    "Preferred First Name",
                    "Date of Birth",
                    "Gender",
                    "Year Group",
                    "Registration Form",
                    "SEN Status",
                    "Is Looked After",
                    "Pupil Premium",
                    "EAL",
                    "Start Date",
                ],
                [
                    upns[0],
                    "001001",
                    "Amy",
                    "Adams",
                    "Ami",
                    "2012-09-01",
                    "F",
                    "Year 8",
                    "8A",
                    "K",
                    "No",
                    "Yes",
                    "No",
                    "2019-09-03",
                ],
            ]
        ),
        # DfE joined-up CTF element names as CSV headings.
        "dfe_joined_up.csv": _csv(
            [
                [
                    "UPN",
                    "Surname",
                    "Forename",
                    "PreferredSurname",
                    "PreferredForename",
                    "DOB",
                    "Gender",
                    "NCyearActual",
                    "SENprovision",
                    "EntryDate",
                    "FSMeligible",
                ],
                [
                    upns[3],
                    "Davies",
                    "Dylan",
                    "Davis",
                    "Dyl",
                    "2014-05-05",
                    "M",
                    "6",
                    "N",
                    "2018-09-04",
                    "false",
                ],
            ]
        ),
        # Excel-touched: admission numbers kept as text with their leading zeros.
        "excel_students.xlsx": minimal_xlsx(
            [
                ["UPN", "Adno", "Surname", "Forename", "DOB", "Gender", "NC Year"],
                [upns[0], "000123", "Adams", "Amy", "01/09/2012", "F", "8"],
                [None, None, None, None, None, None, None],
                ["Printed on 01/10/2025"],
            ]
        ),
        # Results, one row per pupil and a column per assessment, a date per column.
        "results_wide.csv": _csv(
            [
                [
                    "UPN",
                    "Surname",
                    "Reading age",
                    "Reading age date",
                    "Standardised score",
                    "Standardised score date",
                ],
                [upns[0], "Adams", "9.04", "01/10/2025", "<70", "02/10/2025"],
                [upns[1], "Brown", "9y 11m", "01/10/2025", "131+", "02/10/2025"],
            ]
        ),
        # A provision map with a sheet per area of need, and a sheet of notes.
        "map_by_area.xlsx": workbook(
            {
                "Cognition and learning": [
                    ["Provision map 2025-26: cognition and learning"],
                    MAP_HEADINGS,
                    [
                        upns[0],
                        "Reading catch-up",
                        "08/09/2025",
                        2,
                        30,
                        "Reading test",
                        92,
                        "01/09/2025",
                    ],
                ],
                "SEMH": [
                    MAP_HEADINGS,
                    [upns[1], "Nurture group", "08/09/2025", 1, 45, "", None, None],
                    [upns[0], "Nurture group", "08/09/2025", 1, 45, "", None, None],
                ],
                "Notes": [["Reviewed termly by the SENCo."]],
            }
        ),
        # A transfer in from another school, addressed to this school by LA and estab.
        "ctf_transfer_in.xml": ctf_document(
            [
                ctf_pupil_record(
                    upns[3],
                    "Davies",
                    "Dylan",
                    dob="2014-05-05",
                    sex="M",
                    year="6",
                    preferred="Dyl",
                    sen=[("2020-09-01", "2021-07-20", "K"), ("2023-01-09", None, "K")],
                    needs=[("BESD", None), ("SPLD", "2024-07-19"), ("SLCN", None)],
                    schools=[
                        ("654321", "802", "2100", "2019-09-03"),
                        ("123456", "801", "2000", "2025-09-03"),
                    ],
                ),
            ],
            destination=("", "801", "2000"),
        ),
        # A partial CTF (attainment only) naming pupils by UPN and names.
        "ctf_partial.xml": ctf_document(
            [ctf_pupil_record(upns[0], "Adams", "Amy", attendance=[(2024, 300, 270)])],
            source=("123456", "Oakfield Academy", "801", "2000"),
            qualifier="partial",
        ),
        # A partial CTF with attainment only: KS2 tests, writing teacher assessment, the
        # phonics check, and results that are codes (A absent) rather than results.
        "ctf_attainment.xml": ctf_document(
            [
                ctf_pupil_record(
                    upns[0],
                    attainments=[
                        ("2025", "KS2", "MAT", "TT", "", "SS", "108", "2025-07-08"),
                        ("2025", "KS2", "REA", "TT", "", "SS", "96", ""),
                        ("2025", "KS2", "WRI", "TA", "", "", "EXS", "2025-06-27"),
                        ("2021", "PHON", "PC", "TT", "", "", "35", "2021-06-11"),
                        ("2025", "KS2", "GPS", "TT", "", "", "A", "2025-07-08"),
                    ],
                ),
                ctf_pupil_record(
                    upns[1],
                    attainments=[
                        ("2025", "KS2", "MAT", "TT", "", "SS", "99", "2025-07-08"),
                        ("2025", "KS2", "WRI", "TA", "", "", "WTS", "2025-06-27"),
                        ("2025", "KS2", "SCI", "TA", "", "", "D", "2025-06-27"),
                    ],
                ),
            ],
            source=("123456", "Oakfield Academy", "801", "2000"),
            qualifier="partial",
        ),
        # An older CTF with legacy codes: School Action Plus, and a special school's X.
        "ctf_old_version.xml": ctf_document(
            [
                ctf_pupil_record(
                    upns[2],
                    "Clark",
                    "Cara",
                    dob="2013-03-20",
                    sex="F",
                    year="X",
                    sen=[("2012-09-03", None, "P")],
                ),
            ],
            version="9.0",
            stamp="2025-10-01T08:00:00Z",
        ),
    }


def main() -> None:
    for name, data in binary_cases().items():
        (CORPUS / name).write_bytes(data)
        sys.stdout.write(f"wrote {name} ({len(data)} bytes)\n")


if __name__ == "__main__":
    main()

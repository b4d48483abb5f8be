"""Reading an uploaded file safely, before anything in it is trusted.

In order: the size (a setting, 20 MB unless changed), the type (from the name and the first
bytes, which must agree), then for text the encoding (UTF-8 with or without a byte-order mark,
UTF-16 with one, or Windows-1252; anything else is refused) and the delimiter (comma,
semicolon, tab or bar, sniffed from the first lines); for Excel the archive (the sizes its
parts would unpack to, before unpacking anything; then every part unpacked once, never beyond
the size it declares, and checked against its checksum and its own header, so that a zip with
lying headers, a damaged or cut-short part or a zip bomb declaring a small size is refused
with what is wrong before any XML is read) and each sheet's stated dimensions (before reading a
row), then the rows themselves, never more than the limits allow.

Formula cells in workbooks: provmap reads the value the formula shows (the result Excel saved
with the file), as a person looking at the sheet would, and never runs or stores the formula.
A formula with no saved result (a file written by a program that does not calculate) cannot be
read: it is refused, naming the cell, if its column is one the import uses.

The result is a list of sheets of rows of cell values (text from a CSV; text, numbers, dates
and booleans from a workbook), numbered as a spreadsheet program numbers them.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import struct
import zipfile
import zlib
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import openpyxl
from defusedxml import DefusedXmlException
from django.conf import settings

from provmap.interchange.report import ImportRejected, Problem, file_problem
from provmap.interchange.safety import restore
from provmap.interchange.values import UncalculatedFormula

MB = 1024 * 1024
DEFAULT_LIMITS = {
    # The largest upload accepted, in bytes.
    "PROVMAP_IMPORT_MAX_BYTES": 20 * MB,
    # The most a workbook may unpack to; a larger one is refused as a possible zip bomb.
    "PROVMAP_IMPORT_MAX_UNZIPPED_BYTES": 200 * MB,
    # Rows and columns read from one sheet (a secondary school has about 2,000 pupils).
    "PROVMAP_IMPORT_MAX_ROWS": 100_000,
    "PROVMAP_IMPORT_MAX_COLUMNS": 250,
}
MAX_ZIP_MEMBERS = 10_000
MAX_SHEETS = 20


def limit(name: str) -> int:
    """An import limit, from the settings if set there."""
    return int(getattr(settings, name, DEFAULT_LIMITS[name]))


def megabytes(size: int) -> str:
    """A size as people say it: '21.0 MB', '12 KB', '900 bytes'."""
    if size >= MB:
        return f"{size / MB:.1f} MB"
    if size >= 1024:
        return f"{size // 1024:,} KB"
    return f"{size:,} bytes"


class FileKind(StrEnum):
    CSV = "csv"
    XLSX = "xlsx"
    XML = "xml"


KIND_NAMES = {
    FileKind.CSV: "CSV (.csv)",
    FileKind.XLSX: "Excel workbook (.xlsx)",
    FileKind.XML: "CTF (.xml)",
}


@dataclass(frozen=True)
class Upload:
    """A file to import: its name (for its extension and for messages) and its bytes."""

    name: str
    data: bytes

    @classmethod
    def from_path(cls, path: str | Path) -> Upload:
        """Read a file from disk, refusing it by its size before reading it."""
        path = Path(path)
        try:
            size = path.stat().st_size
        except OSError as exc:
            raise file_problem(f"Cannot open '{path.name}': {exc.strerror}.") from exc
        check_size(size, path.name)
        return cls(name=path.name, data=path.read_bytes())


def check_size(size: int, name: str) -> None:
    largest = limit("PROVMAP_IMPORT_MAX_BYTES")
    if size > largest:
        raise file_problem(
            f"'{name}' is {megabytes(size)}; the largest file provmap accepts is "
            f"{megabytes(largest)}. Export only the columns and pupils you need."
        )


_ZIP = b"PK\x03\x04"
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_TEXT_EXTENSIONS = {".csv": FileKind.CSV, ".txt": FileKind.CSV, ".tsv": FileKind.CSV}
_XML_EXTENSIONS = {".xml", ".ctf"}
_OTHER_SPREADSHEETS = {".xlsm", ".xlsb", ".xltx", ".ods", ".numbers"}


def detect_kind(upload: Upload, allowed: tuple[FileKind, ...]) -> FileKind:
    """The file's type, from its extension checked against its first bytes."""
    check_size(len(upload.data), upload.name)
    if not upload.data:
        raise file_problem(f"'{upload.name}' is empty.")
    extension = Path(upload.name).suffix.lower()
    head = upload.data[:8]
    names = [KIND_NAMES[kind] for kind in allowed]
    accepted = names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"
    if head.startswith(_OLE) or extension == ".xls":
        raise file_problem(
            f"'{upload.name}' is an Excel 97-2003 (.xls) or password-protected workbook, which "
            "provmap cannot read. Open it in Excel and save it as an Excel Workbook (.xlsx) "
            "without a password, or as CSV."
        )
    if head.startswith(b"%PDF"):
        raise file_problem(
            f"'{upload.name}' is a PDF. provmap reads {accepted} files: export the data from "
            "your MIS in one of those."
        )
    if extension in _OTHER_SPREADSHEETS:
        raise file_problem(
            f"'{upload.name}' is a {extension} file. Save it as an Excel Workbook (.xlsx) or as "
            "CSV and import that."
        )
    if extension == ".xlsx":
        if not head.startswith(_ZIP):
            raise file_problem(
                f"'{upload.name}' is named .xlsx but is not an Excel workbook (it looks like "
                "text). If it is a CSV file, name it .csv."
            )
        kind = FileKind.XLSX
    elif extension in _TEXT_EXTENSIONS:
        if head.startswith(_ZIP):
            raise file_problem(
                f"'{upload.name}' is named {extension} but is a zip archive, probably an Excel "
                "workbook: name it .xlsx, or save it from Excel as CSV."
            )
        kind = FileKind.CSV
    elif extension in _XML_EXTENSIONS:
        kind = FileKind.XML
    else:
        shown = extension or "no extension"
        raise file_problem(f"provmap reads {accepted} files; '{upload.name}' has {shown}.")
    if kind not in allowed:
        raise file_problem(f"This import reads {accepted} files, not {KIND_NAMES[kind]}.")
    return kind


# Text ---------------------------------------------------------------------------------------


def decode_text(data: bytes, name: str) -> str:
    """The text of a CSV file: UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1252."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            text = data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise file_problem(
                f"'{name}' starts as UTF-16 text but is damaged: {exc.reason}."
            ) from None
    else:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1252")
            except UnicodeDecodeError as exc:
                line = data[: exc.start].count(b"\n") + 1
                raise ImportRejected(
                    [
                        Problem(
                            line,
                            "",
                            f"Byte 0x{data[exc.start]:02X} cannot be read as UTF-8 or "
                            "Windows-1252 text, so the file's encoding is unknown. Save it "
                            "from Excel as 'CSV UTF-8' and import that.",
                        )
                    ]
                ) from None
    if "\x00" in text:
        raise file_problem(
            f"'{name}' contains binary data, so it is not a CSV text file. Export the data "
            "from your MIS as CSV or as an Excel workbook (.xlsx)."
        )
    return text


DELIMITERS = (",", ";", "\t", "|")


def sniff_delimiter(text: str) -> str:
    """The delimiter that splits the first lines into the most consistent columns."""
    lines = [line for line in text.splitlines() if line.strip()][:20]
    if not lines:
        return ","
    best, best_score = ",", (0.0, 0)
    for delimiter in DELIMITERS:
        widths = [len(row) for row in csv.reader(lines, delimiter=delimiter)]
        if not widths or widths[0] < 2:
            continue
        consistent = sum(1 for width in widths if width == widths[0]) / len(widths)
        score = (consistent, widths[0])
        if score > best_score:
            best, best_score = delimiter, score
    return best


@dataclass(frozen=True)
class SheetRow:
    number: int
    cells: tuple[object, ...]

    @property
    def is_blank(self) -> bool:
        return all(cell is None or cell == "" for cell in self.cells)


@dataclass
class Sheet:
    name: str
    rows: list[SheetRow]


def _clean(value: object) -> object:
    if isinstance(value, str):
        return restore(value.strip())
    return value


def _trimmed(cells: list[object]) -> tuple[object, ...]:
    while cells and (cells[-1] is None or cells[-1] == ""):
        cells.pop()
    return tuple(cells)


def _too_many_rows(name: str) -> ImportRejected:
    return file_problem(
        f"'{name}' has more than {limit('PROVMAP_IMPORT_MAX_ROWS'):,} rows, more than provmap "
        "reads from one file. Split it, or remove the rows you do not need."
    )


def _too_many_columns(row: int) -> ImportRejected:
    most = limit("PROVMAP_IMPORT_MAX_COLUMNS")
    return ImportRejected(
        [
            Problem(
                row,
                "",
                f"this row has more than {most} columns, more than provmap reads. Remove the "
                "columns you do not need.",
            )
        ]
    )


def read_csv(upload: Upload) -> Sheet:
    text = decode_text(upload.data, upload.name)
    if not text.strip():
        raise file_problem(f"'{upload.name}' is empty.")
    delimiter = sniff_delimiter(text)
    max_rows = limit("PROVMAP_IMPORT_MAX_ROWS")
    max_columns = limit("PROVMAP_IMPORT_MAX_COLUMNS")
    rows: list[SheetRow] = []
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    number = 0
    try:
        for record in reader:
            number += 1
            if number > max_rows:
                raise _too_many_rows(upload.name)
            if len(record) > max_columns:
                raise _too_many_columns(number)
            rows.append(SheetRow(number, _trimmed([_clean(cell) for cell in record])))
    except csv.Error as exc:
        raise ImportRejected(
            [Problem(number + 1, "", f"this row cannot be read as CSV ({exc}).")]
        ) from None
    return Sheet(name=upload.name, rows=rows)


# Workbooks ----------------------------------------------------------------------------------

_FORMULA_TAG = re.compile(rb"<(?:[A-Za-z0-9_]+:)?f[\s>/]")


def _open_archive(upload: Upload) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(upload.data))
        members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        raise file_problem(
            f"'{upload.name}' is damaged or is not an Excel workbook: open it in Excel and "
            "save it again as an Excel Workbook (.xlsx)."
        ) from None
    if len(members) > MAX_ZIP_MEMBERS:
        raise file_problem(f"'{upload.name}' holds {len(members):,} parts; it is not a workbook.")
    unpacked = sum(member.file_size for member in members)
    largest = limit("PROVMAP_IMPORT_MAX_UNZIPPED_BYTES")
    if unpacked > largest:
        raise file_problem(
            f"'{upload.name}' would unpack to {megabytes(unpacked)}, more than the "
            f"{megabytes(largest)} provmap accepts: it is either a 'zip bomb' or far more than "
            "a school's data. Save only the sheet you need, as CSV or .xlsx."
        )
    if any(member.flag_bits & 0x1 for member in members):
        raise file_problem(f"'{upload.name}' is encrypted: save it without a password.")
    names = {member.filename for member in members}
    if "xl/workbook.xml" not in names:
        raise file_problem(
            f"'{upload.name}' is a zip archive but not an Excel workbook (it has no workbook "
            "inside). Save the data from Excel as an Excel Workbook (.xlsx)."
        )
    for member in members:
        _check_member(upload.data, member)
    return archive


# A part's own header, before its data: signature, version, flags, method, time, date,
# checksum, compressed size, unpacked size, name length, extra length.
_LOCAL_HEADER = struct.Struct("<4sHHHHHIIIHH")
_LOCAL_SIGNATURE = b"PK\x03\x04"
# Sizes kept in a zip64 extra field instead; a data descriptor after the data (flag bit 3)
# leaves the header's checksum and sizes at zero.
_ZIP64_SIZE = 0xFFFFFFFF
_DATA_DESCRIPTOR = 0x08
_UTF8_NAME = 0x800
_AGAIN = "Export it again, or open it in Excel and save it as an Excel Workbook (.xlsx)."


class _BadPart(Exception):
    """What is wrong with one part of a workbook's archive, in words."""


def _not_a_workbook(what: str) -> ImportRejected:
    return file_problem(f"This file is not a valid Excel workbook: {what} {_AGAIN}")


def _check_member(data: bytes, member: zipfile.ZipInfo) -> None:
    """Unpack one part of the archive once, without keeping it, and refuse the file if the
    part is not what the archive's table of contents (its central directory) says: a header
    that disagrees, data past the end of the file, more or less data than declared, a wrong
    checksum, or compressed data that cannot be unpacked.

    The declared sizes were checked against the limits already; unpacking stops as soon as a
    part gives more than it declares, so a zip bomb that declares a small size costs no more
    than that size. openpyxl then reads an archive known to be whole and honest."""
    try:
        _check_part(data, member)
    except _BadPart as bad:
        raise _not_a_workbook(str(bad)) from None


def _check_part(data: bytes, member: zipfile.ZipInfo) -> None:
    name = member.filename
    part = f"part of it ('{name}')"
    offset = member.header_offset
    if offset + _LOCAL_HEADER.size > len(data):
        raise _BadPart(f"{part} starts past the end of the file, so the file has been cut short.")
    (signature, _, flags, method, _, _, crc, packed, unpacked, name_length, extra_length) = (
        _LOCAL_HEADER.unpack_from(data, offset)
    )
    start = offset + _LOCAL_HEADER.size
    own_name = data[start : start + name_length]
    expected = member.orig_filename.encode("utf-8" if flags & _UTF8_NAME else "cp437")
    if signature != _LOCAL_SIGNATURE or own_name != expected:
        raise _BadPart(
            f"its table of contents points to '{name}' where there is no such part, so the "
            "file has been damaged or altered."
        )
    sizes_here = not flags & _DATA_DESCRIPTOR and _ZIP64_SIZE not in (packed, unpacked)
    if sizes_here and (crc, packed, unpacked) != (
        member.CRC,
        member.compress_size,
        member.file_size,
    ):
        raise _BadPart(
            f"its table of contents and the part '{name}' itself disagree about that "
            "part's size or checksum, so the file has been damaged or altered."
        )
    begin = start + name_length + extra_length
    end = begin + member.compress_size
    if end > len(data):
        raise _BadPart(f"{part} runs past the end of the file, so the file has been cut short.")
    raw = memoryview(data)[begin:end]
    if method == zipfile.ZIP_STORED:
        produced, checksum, whole = _stored(raw, member.file_size, part)
    elif method == zipfile.ZIP_DEFLATED:
        produced, checksum, whole = _inflated(raw, member.file_size, part)
    else:
        raise _BadPart(f"{part} is packed in a way Excel never uses (method {method}).")
    if produced < member.file_size or not whole:
        raise _BadPart(
            f"{part} stops after {megabytes(produced)} of the {megabytes(member.file_size)} the "
            "file says it holds, so the file has been cut short or damaged."
        )
    if checksum != member.CRC:
        raise _BadPart(
            f"{part} does not match the checksum stored with it, so the file has been "
            "damaged, perhaps while it was copied or downloaded."
        )


def _too_big(part: str, declared: int) -> _BadPart:
    return _BadPart(
        f"{part} unpacks to more than the {megabytes(declared)} the file says it holds, as "
        "'zip bombs' built to overload servers do."
    )


def _stored(raw: memoryview, declared: int, part: str) -> tuple[int, int, bool]:
    if len(raw) > declared:
        raise _too_big(part, declared)
    return len(raw), zlib.crc32(raw), True


def _inflated(raw: memoryview, declared: int, part: str) -> tuple[int, int, bool]:
    """Unpack deflated data a megabyte at a time, never more than `declared` bytes (plus the
    megabyte that shows it is more): its size, checksum and whether the data was complete."""
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    produced = checksum = position = 0
    pending: bytes | memoryview = b""
    try:
        while not inflater.eof:
            if not pending:
                if position >= len(raw):
                    break
                pending = raw[position : position + MB]
                position += MB
            out = inflater.decompress(pending, MB)
            pending = inflater.unconsumed_tail
            produced += len(out)
            if produced > declared:
                raise _too_big(part, declared)
            checksum = zlib.crc32(out, checksum)
    except zlib.error:
        raise _BadPart(f"{part} is damaged and cannot be unpacked.") from None
    return produced, checksum, inflater.eof


def _has_formulas(archive: zipfile.ZipFile) -> bool:
    """Whether any worksheet holds a formula, scanning the XML without parsing it."""
    try:
        return _scan_for_formulas(archive)
    except (zipfile.BadZipFile, zlib.error, EOFError, OSError):
        # Every part was unpacked and checked already; this is only a last guard.
        raise _not_a_workbook("part of it cannot be unpacked.") from None


def _scan_for_formulas(archive: zipfile.ZipFile) -> bool:
    for member in archive.infolist():
        if not member.filename.startswith("xl/worksheets/"):
            continue
        with archive.open(member) as stream:
            tail = b""
            while chunk := stream.read(MB):
                if _FORMULA_TAG.search(tail + chunk):
                    return True
                tail = chunk[-16:]
    return False


def _caused_by_unsafe_xml(exc: BaseException | None) -> bool:
    """Whether defusedxml refused some XML behind this error (openpyxl wraps it)."""
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, DefusedXmlException):
            return True
        exc = exc.__cause__ or exc.__context__
        seen += 1
    return False


def _load_workbook(upload: Upload, *, data_only: bool):
    try:
        return openpyxl.load_workbook(io.BytesIO(upload.data), read_only=True, data_only=data_only)
    except Exception as exc:  # openpyxl raises many types on a damaged workbook
        if _caused_by_unsafe_xml(exc):
            raise file_problem(
                f"'{upload.name}' contains XML entity declarations or external references. "
                "Real workbooks never do, and they are a way to attack servers, so provmap "
                "refuses it."
            ) from None
        raise file_problem(
            f"'{upload.name}' could not be read as an Excel workbook: open it in Excel and "
            "save it again as an Excel Workbook (.xlsx)."
        ) from None


def _check_dimensions(worksheet, name: str) -> None:
    """Refuse a sheet by the size it states, before reading any of it."""
    max_rows = limit("PROVMAP_IMPORT_MAX_ROWS")
    max_columns = limit("PROVMAP_IMPORT_MAX_COLUMNS")
    claimed_rows, claimed_columns = worksheet.max_row or 0, worksheet.max_column or 0
    if claimed_rows > max_rows or claimed_columns > max_columns:
        raise file_problem(
            f"The sheet '{worksheet.title}' in '{name}' claims {claimed_rows:,} rows and "
            f"{claimed_columns:,} columns; provmap reads at most {max_rows:,} rows and "
            f"{max_columns} columns. Delete the unused rows and columns, or save the data as "
            "CSV."
        )
    # The stated size can also be too small; read what is there, within the limits.
    worksheet.reset_dimensions()


def _bounded_rows(worksheet, name: str, *, values_only: bool):
    """The sheet's rows (numbered from 1), stopping at the row and column limits."""
    max_rows = limit("PROVMAP_IMPORT_MAX_ROWS")
    max_columns = limit("PROVMAP_IMPORT_MAX_COLUMNS")
    rows = worksheet.iter_rows(max_col=max_columns + 1, values_only=values_only)
    for number, cells in enumerate(rows, start=1):
        if number > max_rows:
            raise _too_many_rows(name)
        if len(cells) > max_columns:
            extra = cells[max_columns] if values_only else cells[max_columns].value
            if extra not in (None, ""):
                raise _too_many_columns(number)
        yield number, cells[:max_columns]


def _formula_cells(worksheet, name: str) -> dict[tuple[int, int], str]:
    """Where the sheet holds formulas (row, column from 0), and each formula."""
    _check_dimensions(worksheet, name)
    found: dict[tuple[int, int], str] = {}
    for number, cells in _bounded_rows(worksheet, name, values_only=False):
        for position, cell in enumerate(cells):
            if getattr(cell, "data_type", None) == "f":
                found[(number, position)] = str(cell.value)
    return found


def _sheet_rows(worksheet, name: str, formulas: dict[tuple[int, int], str]) -> list[SheetRow]:
    _check_dimensions(worksheet, name)
    rows: list[SheetRow] = []
    for number, cells in _bounded_rows(worksheet, name, values_only=True):
        values = [_clean(cell) for cell in cells]
        for position, value in enumerate(values):
            if value in (None, "") and (number, position) in formulas:
                values[position] = UncalculatedFormula(formulas[(number, position)])
        rows.append(SheetRow(number, _trimmed(values)))
    return rows


def read_xlsx(upload: Upload) -> list[Sheet]:
    """The workbook's sheets (at most MAX_SHEETS), each read within the limits."""
    with _open_archive(upload) as archive:
        has_formulas = _has_formulas(archive)
    formulas: list[dict[tuple[int, int], str]] = []
    if has_formulas:
        workbook = _load_workbook(upload, data_only=False)
        try:
            formulas = [
                _formula_cells(worksheet, upload.name)
                for worksheet in workbook.worksheets[:MAX_SHEETS]
            ]
        except ImportRejected:
            raise
        except Exception:  # damage is reported by the reading pass below
            formulas = []
        finally:
            workbook.close()
    workbook = _load_workbook(upload, data_only=True)
    try:
        sheets = _read_worksheets(upload, workbook, formulas)
    finally:
        workbook.close()
    if all(row.is_blank for sheet in sheets for row in sheet.rows):
        raise file_problem(f"'{upload.name}' is empty: its sheets hold no data.")
    return sheets


def _read_worksheets(
    upload: Upload, workbook, formulas: list[dict[tuple[int, int], str]]
) -> list[Sheet]:
    """Every sheet's rows. Sheets are parsed as they are read, so damage can surface here."""
    try:
        worksheets = workbook.worksheets[:MAX_SHEETS]
        if not worksheets:
            raise file_problem(f"'{upload.name}' has no worksheets.")
        sheets = [
            Sheet(
                name=worksheet.title,
                rows=_sheet_rows(worksheet, upload.name, formulas[index] if formulas else {}),
            )
            for index, worksheet in enumerate(worksheets)
        ]
    except ImportRejected:
        raise
    except Exception as exc:  # a sheet damaged part-way through
        if _caused_by_unsafe_xml(exc):
            raise file_problem(
                f"'{upload.name}' contains XML entity declarations or external references, "
                "which real workbooks never do; provmap refuses it."
            ) from None
        raise file_problem(
            f"'{upload.name}' is damaged part-way through: open it in Excel and save it again "
            "as an Excel Workbook (.xlsx)."
        ) from None
    return sheets


def read_sheets(upload: Upload, kind: FileKind) -> list[Sheet]:
    """The sheets of a CSV file (one) or a workbook, read safely."""
    if kind == FileKind.XLSX:
        return read_xlsx(upload)
    return [read_csv(upload)]

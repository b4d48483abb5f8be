"""The DfE Common Transfer File (CTF): the XML every English MIS exports.

Parsed with defusedxml, which refuses entity declarations (the "billion laughs" expansion) and
external references (reading the server's files or the network) before they can do harm.

What is read for each pupil (elements found anywhere under <Pupil>, no namespace):
UPN, Surname, Forename, PreferredForename, DOB, Sex (older files: Gender), BasicDetails
(NCyearActual, Ethnicity, Languages/Type with LanguageType F for the first language),
LookedAfter/InCare, FSMhistory/FSMinstance (FSM now, Ever-6 FSM), SENhistory/SEN (dated SEN
provision), SENneeds/SENneed (ranked need types), Attendance/YearData (sessions possible and
attended, or the absences to work attendance out from), and the pupil's entry date at the
school that sent the file (SchoolHistory). Other elements are left alone.

The simple fields come out as cells keyed like a spreadsheet's columns, so that a CTF and a CSV
student list are checked by the same code (interchange.pupil_import).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import fromstring

from provmap.interchange.files import Upload, limit
from provmap.interchange.report import Problem, file_problem
from provmap.interchange.values import (
    NOT_EAL_LANGUAGES,
    CellError,
    parse_date,
    parse_need,
    parse_school_date,
    parse_sen_status,
)

RECORD = "Pupil"


@dataclass(frozen=True)
class CTFSchool:
    urn: str
    name: str
    la_code: str
    estab_code: str


@dataclass(frozen=True)
class CTFHeader:
    version: str
    date: dt.date
    qualifier: str
    source: CTFSchool
    destination: CTFSchool


@dataclass
class CTFPupil:
    """One <Pupil>: its simple fields as (element name, text) cells keyed by field, and what
    needs more than one element (SEN history, needs, attendance) already read."""

    index: int
    cells: dict[str, tuple[str, object]] = field(default_factory=dict)
    sen_history: list[tuple[dt.date, str]] | None = None
    needs: tuple[str, ...] | None = None
    attendance: list[tuple[dt.date, Decimal]] = field(default_factory=list)


@dataclass
class CTFFile:
    header: CTFHeader
    pupils: list[CTFPupil]
    problems: list[Problem]


def _strip_namespaces(root: Element) -> None:
    for element in root.iter():
        if isinstance(element.tag, str) and "}" in element.tag:
            element.tag = element.tag.split("}", 1)[1]


def _text(element: Element | None, path: str) -> str | None:
    if element is None:
        return None
    found = element.find(path)
    if found is None or found.text is None or not found.text.strip():
        return None
    return found.text.strip()


def _school(element: Element | None) -> CTFSchool:
    return CTFSchool(
        urn=_text(element, "URN") or "",
        name=_text(element, "SchoolName") or "",
        la_code=_text(element, "LEA") or "",
        estab_code=_text(element, "Estab") or "",
    )


def _parse_xml(upload: Upload) -> Element:
    try:
        root = fromstring(upload.data, forbid_dtd=False, forbid_entities=True)
    except EntitiesForbidden as exc:
        if exc.sysid or exc.pubid:
            raise file_problem(
                f"'{upload.name}' declares an external XML entity, pointing at "
                f"'{exc.sysid or exc.pubid}'. A CTF never does, and such entities are used to "
                "read the server's files, so provmap refuses the file."
            ) from None
        raise file_problem(
            f"'{upload.name}' declares XML entities (<!ENTITY ...>). A CTF never does, and "
            "entities are used to attack servers (a few lines can expand to gigabytes), so "
            "provmap refuses the file."
        ) from None
    except (ExternalReferenceForbidden, DTDForbidden):
        raise file_problem(
            f"'{upload.name}' refers to an external document type or file. A CTF never does, "
            "and such references are used to attack servers, so provmap refuses the file."
        ) from None
    except ParseError as exc:
        line, column = exc.position
        raise file_problem(
            f"'{upload.name}' is not well-formed XML (line {line}, column {column + 1}): the "
            "file is damaged or is not a CTF."
        ) from None
    _strip_namespaces(root)
    if root.tag != "CTfile":
        raise file_problem(
            f"'{upload.name}' is XML but not a Common Transfer File: it starts with <{root.tag}>, "
            "not <CTfile>."
        )
    return root


def _header(root: Element, name: str) -> CTFHeader:
    header = root.find("Header")
    if header is None:
        raise file_problem(f"'{name}' has no <Header>, so it is not a complete CTF.")
    stamp = _text(header, "DateTime") or ""
    try:
        date = parse_date(stamp)
    except CellError:
        raise file_problem(
            f"The CTF header's <DateTime> should be a date and time such as "
            f"2025-10-01T09:30:00, not '{stamp}'."
        ) from None
    return CTFHeader(
        version=_text(header, "CTFversion") or "",
        date=date,
        qualifier=(_text(header, "DocumentQualifier") or "").lower(),
        source=_school(header.find("SourceSchool")),
        destination=_school(header.find("DestSchool")),
    )


def _date(
    value: str | None,
    pupil: CTFPupil,
    element: str,
    problems: list[Problem],
    parse: Callable[[object], dt.date] = parse_date,
) -> dt.date | None:
    if value is None:
        return None
    try:
        return parse(value)
    except CellError as exc:
        problems.append(Problem(pupil.index, element, _capital(str(exc)), RECORD))
        return None


def _capital(message: str) -> str:
    return message[:1].upper() + message[1:]


def _whole(value: str | None) -> int | None:
    if value is None:
        return None
    try:
        return int(Decimal(value))
    except (ArithmeticError, ValueError):
        return None


def _first_language(element: Element) -> str | None:
    for language in element.iterfind(".//Languages/Type"):
        if (_text(language, "LanguageType") or "").upper() == "F":
            return _text(language, "Language")
    return None


def _fsm(
    element: Element, pupil: CTFPupil, on: dt.date, problems: list[Problem]
) -> tuple[bool, bool] | None:
    """(FSM on the file's date, FSM at any time in the six years before it), or None if the
    file says nothing about FSM."""
    history = element.find(".//FSMhistory")
    if history is None:
        return None
    now = ever6 = False
    six_years_ago = (
        on.replace(year=on.year - 6)
        if not (on.month == 2 and on.day == 29)
        else (dt.date(on.year - 6, 2, 28))
    )
    for instance in history.iterfind("FSMinstance"):
        start = _date(_text(instance, "FSMstartDate"), pupil, "FSMstartDate", problems)
        end = _date(_text(instance, "FSMendDate"), pupil, "FSMendDate", problems)
        if start is None:
            continue
        if start <= on and (end is None or end >= on):
            now = True
        if start <= on and (end is None or end >= six_years_ago):
            ever6 = True
    return now, ever6


def _sen(element: Element, pupil: CTFPupil, problems: list[Problem]) -> None:
    history: list[tuple[dt.date, str]] = []
    for sen in element.iterfind(".//SENhistory/SEN"):
        # Kept as the pupil's SEN history, so within the dates a school records.
        start = _date(_text(sen, "StartDate"), pupil, "StartDate", problems, parse_school_date)
        code = _text(sen, "SENprovision")
        if start is None or code is None:
            continue
        try:
            history.append((start, parse_sen_status(code)))
        except CellError as exc:
            problems.append(Problem(pupil.index, "SENprovision", _capital(str(exc)), RECORD))
    if history:
        pupil.sen_history = sorted(set(history))
        starts = [start for start, _ in pupil.sen_history]
        if len(set(starts)) != len(starts):
            problems.append(
                Problem(
                    pupil.index,
                    "SENhistory",
                    "Two different SEN statuses start on the same day.",
                    RECORD,
                )
            )
    ranked: list[tuple[int, str]] = []
    needs_found = False
    for need in element.iterfind(".//SENneed"):
        needs_found = True
        code = _text(need, "SENtype")
        rank = _whole(_text(need, "SENtypeRank")) or 1
        if code is None:
            continue
        try:
            ranked.append((rank, parse_need(code)))
        except CellError as exc:
            problems.append(Problem(pupil.index, "SENtype", _capital(str(exc)), RECORD))
    if needs_found or pupil.sen_history is not None:
        needs = [code for _, code in sorted(ranked)]
        if len(set(needs)) != len(needs):
            problems.append(
                Problem(pupil.index, "SENneeds", "A need type is listed twice.", RECORD)
            )
        pupil.needs = tuple(needs)


def _attendance(element: Element, header: CTFHeader) -> list[tuple[dt.date, Decimal]]:
    """Attendance % for each school year in the file, dated at the end of that year's summer
    term or the file's date, whichever is earlier."""
    sessions: dict[int, list[int]] = {}
    for year_data in element.iterfind(".//Attendance/YearData"):
        year = _whole(_text(year_data, "Year"))
        possible = _whole(_text(year_data, "SessionsPossible"))
        if year is None or not possible:
            continue
        attended = _whole(_text(year_data, "SessionsAttended"))
        if attended is None:
            absent = sum(
                _whole(_text(year_data, name)) or 0
                for name in ("SessionsAuthorised", "SessionsUnauthorised")
            )
            attended = possible - absent
        totals = sessions.setdefault(year, [0, 0])
        totals[0] += possible
        totals[1] += max(0, min(attended, possible))
    results = []
    for year, (possible, attended) in sorted(sessions.items()):
        date = min(dt.date(year + 1, 7, 31), header.date)
        percent = (Decimal(attended) * 100 / Decimal(possible)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP
        )
        results.append((date, percent))
    return results


def _entry_date(element: Element, header: CTFHeader) -> str | None:
    """The date the pupil joined the school that sent the file, from its school history."""
    for school in element.iterfind(".//SchoolHistory/School"):
        same_urn = header.source.urn and _text(school, "URN") == header.source.urn
        same_estab = (
            header.source.la_code
            and _text(school, "LEA") == header.source.la_code
            and _text(school, "Estab") == header.source.estab_code
        )
        if same_urn or same_estab:
            return _text(school, "EntryDate")
    return None


# Simple elements and the pupil field each feeds.
_SIMPLE = (
    ("UPN", "upn"),
    ("Surname", "surname"),
    ("Forename", "legal_forename"),
    ("PreferredForename", "preferred_forename"),
    ("DOB", "date_of_birth"),
)
_BASIC = (("NCyearActual", "nc_year"), ("Ethnicity", "ethnicity"))


def _pupil(element: Element, index: int, header: CTFHeader, problems: list[Problem]) -> CTFPupil:
    pupil = CTFPupil(index=index)
    for name, key in _SIMPLE:
        value = _text(element, name)
        if value is not None or name in ("UPN", "Surname", "Forename", "DOB"):
            pupil.cells[key] = (name, value)
    sex_element = "Sex" if element.find("Sex") is not None else "Gender"
    pupil.cells["sex"] = (sex_element, _text(element, sex_element))
    basic = element.find("BasicDetails")
    for name, key in _BASIC:
        value = _text(basic, name)
        if value is not None or name == "NCyearActual":
            pupil.cells[key] = (name, value)
    language = _first_language(element)
    if language is not None:
        pupil.cells["first_language"] = ("Language", language)
        pupil.cells["eal"] = ("Language", language.upper() not in NOT_EAL_LANGUAGES)
    in_care = _text(element, ".//LookedAfter/InCare")
    if in_care is not None:
        pupil.cells["looked_after"] = ("InCare", in_care)
    fsm = _fsm(element, pupil, header.date, problems)
    if fsm is not None:
        pupil.cells["fsm"] = ("FSMhistory", fsm[0])
        pupil.cells["ever6_fsm"] = ("FSMhistory", fsm[1])
    entry = _entry_date(element, header)
    if entry is not None:
        pupil.cells["on_roll_from"] = ("EntryDate", entry)
    _sen(element, pupil, problems)
    pupil.attendance = _attendance(element, header)
    return pupil


def parse_ctf(upload: Upload) -> CTFFile:
    """The header and pupils of a CTF, or ImportRejected if the file cannot be one."""
    root = _parse_xml(upload)
    header = _header(root, upload.name)
    elements = root.findall("CTFpupilData/Pupil")
    if not elements:
        raise file_problem(f"'{upload.name}' is a CTF with no pupils in it.")
    if len(elements) > limit("PROVMAP_IMPORT_MAX_ROWS"):
        raise file_problem(f"'{upload.name}' holds more pupils than provmap reads from one file.")
    problems: list[Problem] = []
    pupils = [_pupil(element, index, header, problems) for index, element in enumerate(elements, 1)]
    return CTFFile(header=header, pupils=pupils, problems=problems)

"""The DfE Common Transfer File (CTF): the XML every English MIS exports.

Parsed with defusedxml, which refuses entity declarations (the "billion laughs" expansion) and
external references (reading the server's files or the network) before they can do harm.

The file is read a piece at a time (iterparse): each <Pupil> is read when it closes and then
dropped, so a whole-school CTF of thousands of pupils is read in bounded memory.

What is read for each pupil (elements found anywhere under <Pupil>, no namespace):
UPN, Surname, Forename, PreferredForename (with the names or in BasicDetails), DOB, Sex (older
files: Gender), BasicDetails (NCyearActual, Ethnicity, Languages/Type with LanguageType F for
the first language), LookedAfter/InCare, FSMhistory/FSMinstance (FSM now, Ever-6 FSM),
SENhistory/SEN (dated SEN provision, with an EndDate when it ended: No SEN follows until the
next period), SENneeds/SENneed (ranked need types, with their StartDate and EndDate: one that
ended by the file's date is history, not a current need, and one that ended and started again
is two periods), Attendance/YearData (sessions possible and attended, or the
absences to work attendance out from), Attainments/Attainment (key stage results, phonics and
teacher assessments: stage, subject, method, component and the result as written, dated by
<Date> or the summer of <Year>), and the pupil's entry date at each school of their
SchoolHistory (the importer takes the one at its own school). An element the file leaves out
is left out of the cells, so a partial CTF updates existing pupils without every field. Codes
of older versions (SEN provision A, P, S; need type BESD; year groups E1, E2, 14, X) are read
with a note. Other elements are left alone.

The simple fields come out as cells keyed like a spreadsheet's columns, so that a CTF and a CSV
student list are checked by the same code (interchange.pupil_import).
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from defusedxml.ElementTree import iterparse

from provmap.interchange.files import Upload, limit
from provmap.interchange.report import Problem, file_problem
from provmap.interchange.values import (
    NOT_EAL_LANGUAGES,
    CellError,
    parse_date,
    parse_need_with_note,
    parse_school_date,
    parse_sen_status,
)
from provmap.pupils.models import SENStatus
from provmap.pupils.needs import NeedType

LEGACY_SEN_CODES = frozenset(
    {SENStatus.SCHOOL_ACTION, SENStatus.SCHOOL_ACTION_PLUS, SENStatus.STATEMENT}
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


@dataclass(frozen=True)
class CTFAttainment:
    """One <Attainment> as the file writes it: the result is read (a number, a grade or a
    code such as A for absent) when the importer knows the measure it goes to."""

    stage: str
    subject: str
    method: str
    component: str
    qualifier: str
    result: str
    date: dt.date


@dataclass
class CTFPupil:
    """One <Pupil>: its simple fields as (element name, text) cells keyed by field, and what
    needs more than one element (SEN history, needs, attendance) already read."""

    index: int
    cells: dict[str, tuple[str, object]] = field(default_factory=dict)
    sen_history: list[tuple[dt.date, str]] | None = None
    needs: tuple[str, ...] | None = None
    # Every need period: (need type, rank in the file, start, end); an end only when the
    # need had ended by the file's date.
    need_history: list[tuple[str, int, dt.date | None, dt.date | None]] | None = None
    attendance: list[tuple[dt.date, Decimal]] = field(default_factory=list)
    attainments: list[CTFAttainment] = field(default_factory=list)
    # The pupil's entry date at each school of their history, keyed by ("urn", URN) and
    # ("estab", LA and establishment number).
    entry_dates: dict[tuple[str, str], str] = field(default_factory=dict)
    # How codes of older CTF versions were read.
    notes: list[str] = field(default_factory=list)

    def entry_date_at(self, school: CTFSchool) -> str | None:
        """The date the pupil joined `school`, if their school history says."""
        if school.urn and ("urn", school.urn) in self.entry_dates:
            return self.entry_dates[("urn", school.urn)]
        if school.la_code and school.estab_code:
            return self.entry_dates.get(("estab", school.la_code + school.estab_code))
        return None


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


def _local(tag: object) -> str:
    return tag.split("}", 1)[1] if isinstance(tag, str) and "}" in tag else str(tag)


def _events(upload: Upload) -> Iterator[tuple[str, Element]]:
    """The file's elements as they open and close, read a piece at a time (a whole-school CTF
    is never held in memory at once), refusing entities and external references."""
    try:
        yield from iterparse(
            io.BytesIO(upload.data),
            events=("start", "end"),
            forbid_dtd=False,
            forbid_entities=True,
        )
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


def _header(header: Element) -> CTFHeader:
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


LEGACY_SEN_NOTE = (
    "SEN provision codes from before 2014 (A School Action, P School Action Plus, "
    "S Statement) kept as historic statuses"
)


def _sen_history(
    element: Element, pupil: CTFPupil, header: CTFHeader, problems: list[Problem]
) -> None:
    """Dated SEN provision. A period with an end date is followed by No SEN from the next day
    until another starts, so an ended status is history and one that ended and started again
    is two periods."""
    periods: list[tuple[dt.date, dt.date | None, str]] = []
    for sen in element.iterfind(".//SENhistory/SEN"):
        # Kept as the pupil's SEN history, so within the dates a school records.
        start = _date(_text(sen, "StartDate"), pupil, "StartDate", problems, parse_school_date)
        end = _date(_text(sen, "EndDate"), pupil, "EndDate", problems, parse_school_date)
        code = _text(sen, "SENprovision")
        if start is None or code is None:
            continue
        try:
            status = parse_sen_status(code)
        except CellError as exc:
            problems.append(Problem(pupil.index, "SENprovision", _capital(str(exc)), RECORD))
            continue
        if status in LEGACY_SEN_CODES:
            pupil.notes.append(LEGACY_SEN_NOTE)
        if end is not None and end < start:
            problems.append(
                Problem(
                    pupil.index,
                    "EndDate",
                    f"The SEN provision {status} ends ({end:%d/%m/%Y}) before it starts "
                    f"({start:%d/%m/%Y}).",
                    RECORD,
                )
            )
            continue
        periods.append((start, end, status))
    if not periods:
        return
    periods.sort(key=lambda period: period[0])
    history: list[tuple[dt.date, str]] = []
    for index, (start, end, status) in enumerate(periods):
        history.append((start, status))
        following = periods[index + 1][0] if index + 1 < len(periods) else None
        if end is None or status == SENStatus.NONE:
            continue
        after = end + dt.timedelta(days=1)
        if after <= header.date and (following is None or following > after):
            history.append((after, SENStatus.NONE))
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


def _sen(element: Element, pupil: CTFPupil, header: CTFHeader, problems: list[Problem]) -> None:
    _sen_history(element, pupil, header, problems)
    ranked: list[tuple[int, str]] = []
    periods: list[tuple[str, int, dt.date | None, dt.date | None]] = []
    needs_found = False
    for need in element.iterfind(".//SENneed"):
        needs_found = True
        code = _text(need, "SENtype")
        rank = _whole(_text(need, "SENtypeRank")) or 1
        if code is None:
            continue
        started = _date(_text(need, "StartDate"), pupil, "StartDate", problems, parse_school_date)
        ended = _date(_text(need, "EndDate"), pupil, "EndDate", problems, parse_school_date)
        try:
            type_code, note = parse_need_with_note(code)
        except CellError as exc:
            problems.append(Problem(pupil.index, "SENtype", _capital(str(exc)), RECORD))
            continue
        if note:
            pupil.notes.append(note)
        # A need with an end date on or before the file's is history, not a current need.
        if ended is not None and ended <= header.date:
            if started is not None and ended < started:
                problems.append(
                    Problem(
                        pupil.index,
                        "EndDate",
                        f"The need {type_code} ends ({ended:%d/%m/%Y}) before it starts "
                        f"({started:%d/%m/%Y}).",
                        RECORD,
                    )
                )
                continue
            pupil.notes.append("Needs that had ended by the file's date kept as past needs")
            periods.append((type_code, max(1, min(rank, len(NeedType.values))), started, ended))
            continue
        periods.append((type_code, 0, started, None))
        ranked.append((rank, type_code))
    if needs_found or pupil.sen_history is not None:
        needs = [code for _, code in sorted(ranked)]
        if len(set(needs)) != len(needs):
            problems.append(
                Problem(pupil.index, "SENneeds", "A need type is listed twice.", RECORD)
            )
        pupil.needs = tuple(needs)
        # Current needs are ranked among themselves, primary first.
        starts = {code: start for code, _, start, end in periods if end is None}
        pupil.need_history = [
            (code, position, starts.get(code), None)
            for position, code in enumerate(dict.fromkeys(needs), start=1)
        ] + sorted(
            (period for period in periods if period[3] is not None),
            key=lambda period: (period[3] or header.date, period[1]),
        )


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


def _attainments(
    element: Element, pupil: CTFPupil, header: CTFHeader, problems: list[Problem]
) -> None:
    """Each <Attainment> with a stage, a subject and a result, dated by its <Date> or, without
    one, the end of the summer term of its <Year> (or the file's date, if earlier)."""
    for attainment in element.iterfind(".//Attainments/Attainment"):
        stage, subject, result = (
            _text(attainment, name) for name in ("Stage", "Subject", "Result")
        )
        if not (stage and subject and result):
            continue
        date = _date(_text(attainment, "Date"), pupil, "Date", problems, parse_school_date)
        if date is None:
            year = _whole(_text(attainment, "Year"))
            if year is None or not 2000 <= year <= 2100:
                problems.append(
                    Problem(
                        pupil.index,
                        "Attainment",
                        f"The {stage} {subject} result has neither a <Date> nor a <Year>, so "
                        "provmap cannot tell when it was given.",
                        RECORD,
                    )
                )
                continue
            date = min(dt.date(year, 7, 31), header.date)
        pupil.attainments.append(
            CTFAttainment(
                stage=stage.upper(),
                subject=subject.upper(),
                method=(_text(attainment, "Method") or "").upper(),
                component=(_text(attainment, "Component") or "").upper(),
                qualifier=(_text(attainment, "ResultQualifier") or "").upper(),
                result=result,
                date=date,
            )
        )


def _entry_dates(element: Element, pupil: CTFPupil) -> None:
    """The date the pupil joined each school of their history."""
    for school in element.iterfind(".//SchoolHistory/School"):
        entry = _text(school, "EntryDate")
        if entry is None:
            continue
        urn, la_code, estab = (_text(school, name) for name in ("URN", "LEA", "Estab"))
        if urn:
            pupil.entry_dates.setdefault(("urn", urn), entry)
        if la_code and estab:
            pupil.entry_dates.setdefault(("estab", la_code + estab), entry)


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
    """One pupil's cells. An element the file leaves out is left out of the cells too, so that
    a partial CTF (attainment only, say) updates the pupils it names without the rest; a new
    pupil still needs every field of the register (interchange.pupil_import says which)."""
    pupil = CTFPupil(index=index)
    basic = element.find("BasicDetails")
    for name, key in _SIMPLE:
        # Preferred names sit in BasicDetails in the specification; some MIS put them with
        # the legal names.
        value = _text(element, name)
        if value is None and name.startswith("Preferred"):
            value = _text(basic, name)
        if value is not None or (name == "UPN" and element.find(name) is not None):
            pupil.cells[key] = (name, value)
    for name in ("Sex", "Gender"):
        if element.find(name) is not None:
            pupil.cells["sex"] = (name, _text(element, name))
            break
    for name, key in _BASIC:
        if basic is not None and basic.find(name) is not None:
            pupil.cells[key] = (name, _text(basic, name))
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
    _entry_dates(element, pupil)
    _sen(element, pupil, header, problems)
    pupil.attendance = _attendance(element, header)
    _attainments(element, pupil, header, problems)
    return pupil


def parse_ctf(upload: Upload) -> CTFFile:
    """The header and pupils of a CTF, or ImportRejected if the file cannot be one. Each
    <Pupil> is read when it closes and then dropped, so memory stays bounded."""
    most = limit("PROVMAP_IMPORT_MAX_ROWS")
    problems: list[Problem] = []
    pupils: list[CTFPupil] = []
    header: CTFHeader | None = None
    path: list[str] = []
    for event, element in _events(upload):
        tag = _local(element.tag)
        if event == "start":
            if not path and tag != "CTfile":
                raise file_problem(
                    f"'{upload.name}' is XML but not a Common Transfer File: it starts with "
                    f"<{tag}>, not <CTfile>."
                )
            path.append(tag)
            continue
        path.pop()
        if path == ["CTfile"] and tag == "Header":
            _strip_namespaces(element)
            header = _header(element)
        elif path == ["CTfile", "CTFpupilData"] and tag == "Pupil":
            if header is None:
                raise file_problem(f"'{upload.name}' has no <Header>, so it is not a complete CTF.")
            if len(pupils) >= most:
                raise file_problem(
                    f"'{upload.name}' holds more pupils than provmap reads from one file."
                )
            _strip_namespaces(element)
            pupils.append(_pupil(element, len(pupils) + 1, header, problems))
            element.clear()
        elif path == ["CTfile"] and tag == "CTFpupilData":
            element.clear()
    if header is None:
        raise file_problem(f"'{upload.name}' has no <Header>, so it is not a complete CTF.")
    if not pupils:
        raise file_problem(f"'{upload.name}' is a CTF with no pupils in it.")
    return CTFFile(header=header, pupils=pupils, problems=problems)

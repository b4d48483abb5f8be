"""Pupils from the MIS: a CSV or XLSX student list (any column names) or a CTF.

Two steps, so that a page can show the preview and apply it after the user confirms:

* `plan_pupil_import` reads and checks the whole file and works out, without writing anything,
  which pupils would be created, updated (field by field), left unchanged, or marked as having
  left. Any problem rejects the file.
* `apply_pupil_import` writes a plan in one transaction, through the pupil services.

`import_pupils` does both in one transaction (the command line, and a page's confirmation,
which plans again from the stored file so that the preview cannot go stale).

Pupils are matched by UPN, then by MIS id (so a temporary UPN replaced by the permanent one
updates the same pupil). A column the file does not have leaves that field alone; a blank cell
in a column it has clears the field (flags become No). Leavers: when the file is the whole
roll, pupils on roll who are not in it get a leaving date (the file's date). A student list is
taken as the whole roll when it has the register's columns (UPN, names, date of birth, sex,
year); a CTF when it comes from the school itself. Either can be overridden, and a file that
would mark more than half the roll as leavers is refused unless the caller insists.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import transaction
from django.db.models import NOT_PROVIDED, CharField, Field
from django.utils import timezone

from provmap.formatting import counted
from provmap.interchange.attainment import (
    MeasureSpec,
    fits,
    measure_name,
    measure_spec,
    read_result,
)
from provmap.interchange.columns import Column, ColumnMap, RowReader, find_table
from provmap.interchange.ctf import CTFAttainment, CTFFile, CTFSchool, parse_ctf
from provmap.interchange.files import FileKind, Upload, detect_kind, read_sheets
from provmap.interchange.models import ImportKind
from provmap.interchange.report import (
    FieldChange,
    ImportRejected,
    ImportReport,
    Problem,
    RecordChange,
)
from provmap.interchange.services import column_mapping_for, column_mapping_remember
from provmap.interchange.values import (
    NOT_EAL_LANGUAGES,
    NOT_FOLLOWING_NC,
    CellError,
    nc_year_for_age,
    parse_bool,
    parse_census_nc_year,
    parse_date,
    parse_ethnicity,
    parse_language,
    parse_need_with_note,
    parse_sen_status,
    parse_sex,
    parse_upn,
    remembered,
    shown,
    text,
)
from provmap.interchange.writing import write_all_or_nothing
from provmap.memory import gc_paused
from provmap.pupils.models import (
    NC_YEAR_ORDER,
    VULNERABLE_GROUP_FIELDS,
    Measure,
    Pupil,
    PupilNeed,
    Result,
    SENStatus,
    SENStatusPeriod,
)
from provmap.pupils.score_range import measure_range_error
from provmap.pupils.services import (
    NeedPeriod,
    NewResult,
    measure_create,
    pupil_date_order_errors,
    pupil_errors,
    pupil_set_need_history,
    pupil_set_sen_history,
    pupil_update,
    pupils_bulk_add_checked,
    pupils_bulk_mark_left,
    pupils_bulk_update_checked,
    result_set_value,
    results_bulk_record,
)
from provmap.schools.models import School
from provmap.schools.services import school_create

PUPIL_COLUMNS = [
    Column("upn", "the UPN", ("UPN", "Unique Pupil Number", "Unique pupil no", "Pupil UPN")),
    Column(
        "mis_id",
        "the MIS id",
        (
            "MIS id",
            "Adno",
            "Admission Number",
            "Admission no",
            "Adm no",
            "Pupil id",
            "Student id",
            "Person id",
            "MIS number",
            "Admission No.",
            "AdNo",
            "Student number",
            "Roll number",
            "Reference",
            "MIS reference",
        ),
    ),
    Column(
        "surname",
        "the surname",
        (
            "Legal Surname",
            "Surname",
            "Last name",
            "Family name",
            "Lastname",
            "Legal last name",
            "Official surname",
            "Legal family name",
        ),
    ),
    Column(
        "legal_forename",
        "the forename",
        (
            "Legal Forename",
            "Forename",
            "First name",
            "Firstname",
            "Given name",
            "Legal first name",
            "Forenames",
            "Official forename",
            "Legal given name",
            "First names",
        ),
    ),
    Column(
        "preferred_forename",
        "the preferred forename",
        (
            "Preferred Forename",
            "Preferred name",
            "Known as",
            "Preferred first name",
            "Chosen name",
            "Preferred given name",
            "Known as forename",
            "Forename (preferred)",
        ),
    ),
    Column(
        "full_name",
        "the pupil's name",
        ("Name", "Full name", "Pupil name", "Pupil", "Student", "Student name", "Child"),
    ),
    Column(
        "date_of_birth",
        "the date of birth",
        (
            "DOB",
            "Date of Birth",
            "Birth date",
            "Birthdate",
            "D O B",
            "Date of birth (DOB)",
            "Birthday",
        ),
    ),
    Column("sex", "the sex", ("Gender", "Sex", "Legal sex", "Gender (legal)")),
    Column(
        "nc_year",
        "the year group",
        (
            "Year",
            "NC Year",
            "Year Group",
            "National Curriculum Year",
            "Curriculum year",
            "Yr",
            "Year grp",
            "NC Yr",
            "NC Year Actual",
            "Year taught in",
            "Curriculum year group",
            "National curriculum year group",
            "Year of study",
        ),
    ),
    Column(
        "form",
        "the form",
        (
            "Reg",
            "Form",
            "Tutor Group",
            "Reg Group",
            "Registration group",
            "Form group",
            "Reg grp",
            "Class",
            "Registration form",
            "Reg form",
            "Tutor group name",
            "Class name",
            "Registration class",
            "Form tutor group",
        ),
    ),
    Column(
        "sen_status",
        "the SEN status",
        (
            "SEN Status",
            "SEN Provision",
            "SEN",
            "SEND status",
            "SEN stage",
            "SEN code",
            "SEND",
            "SEN provision type",
            "Special educational needs",
            "SEN status code",
            "SEN category",
        ),
    ),
    Column(
        "primary_need",
        "the primary need",
        (
            "Primary Need",
            "SEN Need",
            "Primary SEN need",
            "SEN primary need",
            "Main need",
            "Need type",
            "SEN type",
            "Need",
            "Primary need type",
            "Primary SEN type",
            "SEN need type",
            "SEN primary need type",
            "Primary SEND need",
            "SEN type rank 1",
        ),
    ),
    Column(
        "secondary_need",
        "the secondary need",
        (
            "Secondary Need",
            "Secondary SEN need",
            "SEN secondary need",
            "Second need",
            "Secondary need type",
            "Secondary SEN type",
            "SEN type rank 2",
            "Secondary SEND need",
        ),
    ),
    Column(
        "pupil_premium",
        "pupil premium",
        (
            "Pupil Premium",
            "PP",
            "Pupil premium indicator",
            "PP eligible",
            "Disadvantaged",
            "Pupil premium eligible",
            "Pupil premium eligibility",
            "Pupil premium status",
            "PP indicator",
            "PP status",
            "PPG",
            "Is pupil premium",
            "Disadvantaged pupil",
            "Deprivation pupil premium",
            "Pupil premium (deprivation)",
        ),
    ),
    Column(
        "fsm",
        "FSM",
        (
            "FSM",
            "Free school meals",
            "FSM eligible",
            "FSM eligibility",
            "FSM now",
            "Eligible for FSM",
            "Free meals",
            "Free school meal eligibility",
            "FSM status",
            "Is FSM",
            "Free school meals eligible",
            "Current FSM",
        ),
    ),
    Column(
        "ever6_fsm",
        "Ever-6 FSM",
        (
            "Ever 6 FSM",
            "Ever6",
            "FSM6",
            "FSM ever 6",
            "Ever 6",
            "Ever 6 FSM eligible",
            "FSM in last 6 years",
            "Ever FSM 6",
            "FSM ever 6 years",
            "Ever 6 free school meals",
        ),
    ),
    Column(
        "eal",
        "EAL",
        (
            "EAL",
            "English as an additional language",
            "English as additional language",
            "EAL status",
            "Is EAL",
            "EAL flag",
        ),
    ),
    Column(
        "looked_after",
        "looked after",
        (
            "CLA",
            "Looked After",
            "LAC",
            "In care",
            "Looked after child",
            "Child looked after",
            "Looked after status",
            "Is looked after",
            "CiC",
            "Child in care",
            "Children looked after",
            "Looked after (CLA)",
            "In care (LAC)",
            "In LA care",
        ),
    ),
    Column(
        "previously_looked_after",
        "previously looked after",
        (
            "PLAC",
            "Previously looked after",
            "Post LAC",
            "Previously looked after child",
            "Post looked after",
            "Post looked after arrangements",
            "PLAC status",
            "Adopted from care",
            "Previously in care",
            "Formerly looked after",
            "Ever in care",
            "Is previously looked after",
        ),
    ),
    Column("young_carer", "young carer", ("Young carer",)),
    Column(
        "more_able",
        "more able",
        ("More able", "G and T", "Gifted and talented", "More able and talented", "HAP"),
    ),
    Column(
        "at_risk_of_exclusion", "at risk of exclusion", ("At risk of exclusion", "Exclusion risk")
    ),
    Column(
        "ethnicity",
        "the ethnicity",
        (
            "Ethnicity",
            "Ethnic group",
            "Ethnic code",
            "Ethnic origin",
            "Ethnicity description",
            "Ethnic background",
            "Ethnicity (census)",
        ),
    ),
    Column(
        "first_language",
        "the first language",
        (
            "First Language",
            "Home language",
            "Main language",
            "Language",
            "First lang",
            "First language code",
            "Mother tongue",
            "Language (first)",
            "Home language code",
        ),
    ),
    Column(
        "on_roll_from",
        "the admission date",
        (
            "Admission date",
            "Date of Admission",
            "Entry date",
            "Date of entry",
            "Admitted",
            "Date joined",
            "On roll from",
            "Start date",
            "Enrolment date",
            "Enrollment date",
            "Date started",
            "Join date",
            "Date joined school",
            "Admission date (current school)",
            "Date of admission to school",
            "Entry date (this school)",
        ),
    ),
    Column(
        "on_roll_to",
        "the leaving date",
        ("Leaving date", "Date of leaving", "Leave date", "Date left", "On roll to"),
    ),
]

# Without these, a row cannot add a pupil who is not on the register yet.
REGISTER_FIELDS = ("upn", "surname", "legal_forename", "date_of_birth", "sex", "nc_year")

FIELD_LABELS = {
    "upn": "UPN",
    "mis_id": "MIS id",
    "legal_forename": "forename",
    "preferred_forename": "preferred forename",
    "surname": "surname",
    "date_of_birth": "date of birth",
    "sex": "sex",
    "nc_year": "year group",
    "form": "form",
    "sen_status": "SEN status",
    "ethnicity": "ethnicity",
    "first_language": "first language",
    "pupil_premium": "pupil premium",
    "fsm": "FSM",
    "ever6_fsm": "Ever-6 FSM",
    "eal": "EAL",
    "looked_after": "looked after",
    "previously_looked_after": "previously looked after",
    "young_carer": "young carer",
    "more_able": "more able",
    "at_risk_of_exclusion": "at risk of exclusion",
    "on_roll_from": "admission date",
    "on_roll_to": "leaving date",
    "needs": "needs",
    "sen_history": "SEN history",
}

ATTENDANCE_MEASURE = "Attendance %"

# A whole-roll file that would mark more than this share of the roll as leavers is refused.
MOST_LEAVERS_SHARE = Decimal("0.5")
FEW_LEAVERS = 10


@dataclass(frozen=True)
class NewSchool:
    """A school to create with the first import of a fresh installation."""

    urn: str
    name: str
    phase: str = ""
    la_code: str = ""
    estab_code: str = ""


@dataclass
class PupilData:
    """One pupil as the file describes them, checked and converted."""

    number: int
    record: str
    headings: dict[str, str]
    values: dict[str, object] = field(default_factory=dict)
    needs: tuple[str, ...] | None = None
    # Every need period, current and ended (a CTF's), or None when the file gives only the
    # current needs.
    need_history: list[NeedPeriod] | None = None
    sen_history: list[tuple[dt.date, str]] | None = None
    attendance: list[tuple[dt.date, Decimal]] = field(default_factory=list)
    attainments: list[CTFAttainment] = field(default_factory=list)
    # How codes of older files or special schools were read ("E1 (early years) read as N1").
    notes: list[str] = field(default_factory=list)

    @property
    def label(self) -> str:
        name = " ".join(
            str(self.values[key]) for key in ("legal_forename", "surname") if key in self.values
        )
        upn = self.values.get("upn", "")
        return f"{name} ({upn})" if name and upn else name or str(upn)


@dataclass
class PupilAction:
    action: str
    label: str
    data: PupilData | None = None
    pupil: Pupil | None = None
    changes: dict[str, object] = field(default_factory=dict)
    field_changes: list[FieldChange] = field(default_factory=list)
    needs: tuple[str, ...] | None = None
    need_history: list[NeedPeriod] | None = None
    sen_history: list[tuple[dt.date, str]] | None = None
    left_on: dt.date | None = None
    # A new pupil as checked, unsaved: written as it is.
    candidate: Pupil | None = None


@dataclass
class AttendanceAction:
    upn: str
    date: dt.date
    value: Decimal
    result: Result | None = None  # the result to correct, or None to record a new one


@dataclass
class AttainmentAction:
    upn: str
    measure: str  # the measure's name
    date: dt.date
    value: Decimal
    result: Result | None = None  # the result to correct, or None to record a new one


@dataclass
class PupilImportPlan:
    report: ImportReport
    school: School | None
    new_school: NewSchool | None
    as_of: dt.date
    actions: list[PupilAction] = field(default_factory=list)
    attendance: list[AttendanceAction] = field(default_factory=list)
    attendance_measure: Measure | None = None
    # Attendance results already recorded, by (pupil id, the year its school year starts):
    # a CTF gives one attendance figure a school year, so two files covering the same
    # year store it once.
    attendance_results: dict[tuple[int, int], list[Result]] = field(default_factory=dict)
    # A CTF's attainment: the results to record, the school's measures they go to (by name)
    # and those to create, the results already recorded (by pupil id, measure id and date)
    # and how many results were left out, by the code the file wrote.
    attainment: list[AttainmentAction] = field(default_factory=list)
    measures: dict[str, Measure] = field(default_factory=dict)
    new_measures: dict[str, MeasureSpec] = field(default_factory=dict)
    recorded: dict[tuple[int, int, dt.date], Result] = field(default_factory=dict)
    left_out_results: dict[str, int] = field(default_factory=dict)
    remember: dict[str, str] = field(default_factory=dict)
    # The heading row of a student list and the field each column feeds (None for a CTF).
    columns: ColumnMap | None = None
    # The needs and SEN history of the school's pupils, by pupil id (read when the file
    # gives them).
    needs_of: dict[int, list[PupilNeed]] = field(default_factory=dict)
    history_of: dict[int, list[SENStatusPeriod]] = field(default_factory=dict)
    # (field, what its checks depend on: see _check_key) that passed the register's own
    # checks on that field.
    passed: set[tuple[str, tuple[object, ...]]] = field(default_factory=set)


def display(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    if isinstance(value, tuple | list):
        return ", ".join(display(item) for item in value)
    return str(value)


def _text(max_length: int) -> Callable[[object], str]:
    return lambda value: text(value, max_length=max_length)


def split_name(value: object) -> tuple[str, str]:
    """(forename, surname) from 'Smith, Sam', 'SMITH Sam' or 'Sam Smith'."""
    name = shown(value)
    if "," in name:
        surname, forename = (part.strip() for part in name.split(",", 1))
    else:
        words = name.split()
        if len(words) < 2:
            raise CellError(f"expected a forename and a surname, not '{name}'.")
        capitals = [word for word in words if word.isupper() and len(word) > 1]
        if capitals and len(capitals) < len(words) and words[0].isupper():
            surname = " ".join(capitals)
            forename = " ".join(word for word in words if word not in capitals)
        else:
            forename, surname = " ".join(words[:-1]), words[-1]
    if not forename or not surname:
        raise CellError(f"expected a forename and a surname, not '{name}'.")
    if len(forename) > 100 or len(surname) > 100:
        raise CellError("a name has at most 100 characters.")
    return forename, surname


# The parsers of cells that repeat from row to row, remembering what they read.
_DATE = remembered(parse_date)
_BOOL = remembered(parse_bool)
_SEX = remembered(parse_sex)
_SEN_STATUS = remembered(parse_sen_status)
_ETHNICITY = remembered(parse_ethnicity)
_LANGUAGE = remembered(parse_language)
_NC_YEAR = remembered(parse_census_nc_year)
_NEED = remembered(parse_need_with_note)

_REQUIRED = {
    "surname": ("every pupil needs a surname", _text(100)),
    "legal_forename": ("every pupil needs a forename", _text(100)),
    "date_of_birth": ("every pupil needs a date of birth", _DATE),
    "sex": ("every pupil needs a sex (M or F)", _SEX),
}
# Optional fields: their parser, and the value a blank cell stands for.
_OPTIONAL: dict[str, tuple[Callable[[object], object], object]] = {
    "mis_id": (_text(40), ""),
    "preferred_forename": (_text(100), ""),
    "form": (_text(20), ""),
    "sen_status": (_SEN_STATUS, SENStatus.NONE),
    "ethnicity": (_ETHNICITY, ""),
    "first_language": (_LANGUAGE, ""),
    "on_roll_to": (_DATE, None),
    **dict.fromkeys(VULNERABLE_GROUP_FIELDS, (_BOOL, False)),
}


def _noting(parse: Callable[[object], tuple[str, str]], data: PupilData) -> Callable[[object], str]:
    """A parser that returns (code, note) as one that returns the code, keeping the note."""

    def read(value: object) -> str:
        code, note = parse(value)
        if note:
            data.notes.append(note)
        return code

    return read


def _read_nc_year(reader: RowReader, data: PupilData, as_of: dt.date) -> None:
    """The year group; X (not following the National Curriculum, in special schools) is the
    year group of the pupil's age on the file's date."""
    year = reader.get("nc_year", _noting(_NC_YEAR, data), required="every pupil needs a year group")
    if year is None:
        return
    if year == NOT_FOLLOWING_NC:
        born = data.values.get("date_of_birth")
        by_age = nc_year_for_age(born, as_of) if isinstance(born, dt.date) else None
        if by_age is None:
            reader.problem(
                "nc_year",
                "X (not following the National Curriculum) is read as the year group of the "
                "pupil's age, which needs a date of birth that gives a year group from N1 to 13.",
            )
            return
        year = by_age
    data.values["nc_year"] = year


def read_pupil(reader: RowReader, as_of: dt.date | None = None) -> PupilData:
    """Check and convert one record's cells (a spreadsheet row or a CTF pupil)."""
    data = PupilData(
        number=reader.number,
        record=reader.record,
        headings={key: heading for key, (heading, _) in reader.cells.items()},
    )
    values = data.values
    as_of = as_of or timezone.localdate()
    upn = reader.get("upn", parse_upn)
    if upn:
        values["upn"] = upn
    if not (reader.has("surname") or reader.has("legal_forename")) and reader.has("full_name"):
        names = reader.get("full_name", split_name, required="every pupil needs a name")
        if names:
            values["legal_forename"], values["surname"] = names
            data.headings["legal_forename"] = data.headings["surname"] = reader.heading("full_name")
    for key, (needed_for, parse) in _REQUIRED.items():
        if reader.has(key):
            value = reader.get(key, parse, required=needed_for)
            if value is not None:
                values[key] = value
    for key, (parse, blank) in _OPTIONAL.items():
        if reader.has(key):
            value = reader.get(key, parse)
            if value is not None or reader.blank(key):
                values[key] = blank if value is None else value
    if reader.has("nc_year"):
        _read_nc_year(reader, data, as_of)
    if reader.has("on_roll_from"):
        value = reader.get("on_roll_from", _DATE)
        if value is not None:
            values["on_roll_from"] = value
    if reader.has("primary_need") or reader.has("secondary_need"):
        needs = [
            reader.get(key, _noting(_NEED, data)) for key in ("primary_need", "secondary_need")
        ]
        chosen = tuple(need for need in needs if need)
        if len(set(chosen)) != len(chosen):
            reader.problem("secondary_need", "the secondary need is the same as the primary.")
        data.needs = chosen
        data.headings["needs"] = reader.heading("primary_need") or reader.heading("secondary_need")
    language = values.get("first_language")
    if not reader.has("eal") and language:
        values["eal"] = language not in NOT_EAL_LANGUAGES
    return data


def _inputs_from_sheet(
    upload: Upload,
    kind: FileKind,
    plan: PupilImportPlan,
    problems: list[Problem],
    columns: Mapping[str, str] | None,
) -> tuple[list[PupilData], bool]:
    """Pupils of a student list, and whether it has the register's columns (so is taken as
    the whole roll). The columns found (`columns` choosing some of them, heading -> field) are
    kept on the plan, even when a column is missing, so that they can be corrected."""
    table = find_table(
        read_sheets(upload, kind),
        PUPIL_COLUMNS,
        file_name=upload.name,
        remembered={**column_mapping_for(plan.school, ImportKind.PUPILS), **(columns or {})},
        examples=("UPN", "Surname", "Forename", "DOB", "Year"),
    )
    found = plan.columns = table.columns
    plan.remember = found.remembered()
    if not (found.has("upn") or found.has("mis_id")):
        raise ImportRejected(
            [
                Problem(
                    None,
                    "",
                    "There is no column for the UPN: expected a heading such as 'UPN' or "
                    "'Unique Pupil Number' (or an MIS id such as 'Adno' to match pupils "
                    "already in provmap).",
                )
            ]
        )
    has_names = (found.has("surname") and found.has("legal_forename")) or found.has("full_name")
    whole_roll = has_names and all(
        found.has(key) for key in ("upn", "date_of_birth", "sex", "nc_year")
    )
    plan.report.ignored_columns = found.ignored
    footer = table.footer_note()
    if footer:
        plan.report.notes.append(footer)
    pupils = [
        read_pupil(reader, plan.as_of) for reader in RowReader.for_rows(found, table.rows, problems)
    ]
    return pupils, whole_roll


def _inputs_from_ctf(
    ctf: CTFFile, problems: list[Problem], as_of: dt.date, ours: CTFSchool
) -> list[PupilData]:
    """The CTF's pupils; their admission date is the one their school history gives for
    `ours` (the school importing), never the date they joined the school that sent it."""
    problems.extend(ctf.problems)
    pupils = []
    for item in ctf.pupils:
        entry = item.entry_date_at(ours)
        if entry is not None:
            item.cells["on_roll_from"] = ("EntryDate", entry)
        data = read_pupil(RowReader(item.index, item.cells, problems, record="Pupil"), as_of)
        data.attendance = item.attendance
        data.attainments = item.attainments
        data.notes.extend(item.notes)
        if item.needs is not None:
            data.needs = item.needs
            data.headings["needs"] = "SENneeds"
        if item.need_history is not None:
            data.need_history = [NeedPeriod(*period) for period in item.need_history]
        if item.sen_history is not None:
            data.sen_history = item.sen_history
            data.values["sen_status"] = item.sen_history[-1][1]
            data.headings["sen_history"] = data.headings["sen_status"] = "SENhistory"
        pupils.append(data)
    return pupils


def _ctf_is_for(ctf: CTFFile, school: School) -> bool:
    source, destination = ctf.header.source, ctf.header.destination
    if school.urn in (source.urn, destination.urn):
        return True
    if school.la_code and school.estab_code:
        ours = (school.la_code, school.estab_code)
        return ours in (
            (source.la_code, source.estab_code),
            (destination.la_code, destination.estab_code),
        )
    return False


def guess_phase(pupils: list[PupilData]) -> str:
    """A new school's phase from the year groups of its pupils."""
    orders = sorted(
        NC_YEAR_ORDER[str(data.values["nc_year"])] for data in pupils if "nc_year" in data.values
    )
    if not orders:
        return School.Phase.PRIMARY
    year_7 = NC_YEAR_ORDER["7"]
    reception = NC_YEAR_ORDER["R"]
    if orders[-1] < reception:
        return School.Phase.NURSERY
    if orders[-1] < year_7:
        return School.Phase.PRIMARY
    if orders[0] >= year_7:
        return School.Phase.SECONDARY
    return School.Phase.ALL_THROUGH


def _current_history(periods: list[SENStatusPeriod]) -> list[tuple[dt.date, str]]:
    merged: list[tuple[dt.date, str]] = []
    for period in sorted(periods, key=lambda period: period.start_date):
        if not merged or merged[-1][1] != period.status:
            merged.append((period.start_date, period.status))
    return merged


def _merged(history: list[tuple[dt.date, str]]) -> list[tuple[dt.date, str]]:
    merged: list[tuple[dt.date, str]] = []
    for start, status in sorted(history):
        if not merged or merged[-1][1] != status:
            merged.append((start, status))
    return merged


# The model's fields, for checking only those a row sets.
_PUPIL_FIELDS = tuple(model_field.name for model_field in Pupil._meta.concrete_fields)


def _plain_text_fields() -> frozenset[str]:
    """The pupil's text fields whose own checks look at nothing but the text's length and
    whether it holds a NUL character (no choices, no validators of their own): names, the
    MIS id, the form."""
    plain_validators = (MaxLengthValidator, ProhibitNullCharactersValidator)
    return frozenset(
        model_field.name
        for model_field in Pupil._meta.concrete_fields
        if isinstance(model_field, CharField)
        and not model_field.choices
        and all(type(validator) in plain_validators for validator in model_field.validators)
    )


_PLAIN_TEXT_FIELDS = _plain_text_fields()


def _check_key(name: str, value: object) -> tuple[object, ...]:
    """What a field's own checks depend on, so that a value like one that passed is not
    checked again: a plain text field's length and NUL characters (every pupil has a surname
    of their own, but the same few lengths), any other field's value itself."""
    if type(value) is str and name in _PLAIN_TEXT_FIELDS:
        return (str, len(value), "\x00" in value)
    return (type(value), value)


def _check_model(
    plan: PupilImportPlan,
    data: PupilData,
    candidate: Pupil,
    problems: list[Problem],
    *,
    fields: set[str],
) -> None:
    """The register's own checks (pupil_create's and pupil_update's) on the fields the file
    sets, reported against their columns: each field's bounds, born before joining, leaving
    after joining. The UPN was checked as it was read (parse_upn), so is not checked again,
    nor is a value another row gave the same field and passed (a field's own checks look at
    its value alone)."""
    passed = plan.passed
    keys = {
        name: _check_key(name, getattr(candidate, name))
        for name in fields
        if name != "upn" and name in _PUPIL_FIELDS
    }
    check = {name for name, key in keys.items() if (name, key) not in passed}
    if check:
        exclude = [name for name in _PUPIL_FIELDS if name not in check]
        errors = pupil_errors(candidate, exclude=exclude)
        passed.update((name, keys[name]) for name in check if name not in errors)
    else:
        # Every field set passed on its own before: only the dates against each other remain.
        errors = pupil_date_order_errors(candidate)
    for name, messages in errors.items():
        if name not in fields:
            continue
        for message in messages:
            problems.append(Problem(data.number, data.headings.get(name, ""), message, data.record))


def _plan_pupils(
    plan: PupilImportPlan,
    pupils: list[PupilData],
    problems: list[Problem],
    *,
    whole_roll: bool,
    insist: bool,
) -> None:
    school = plan.school
    existing: list[Pupil] = []
    if school is not None:
        existing = list(Pupil.objects.filter(school=school))
        # Needs and SEN history, read in one query each (and only when the file gives them),
        # grouped by pupil.
        if existing and any(
            data.needs is not None or data.need_history is not None for data in pupils
        ):
            for need in PupilNeed.objects.filter(school=school):
                plan.needs_of.setdefault(need.pupil_id, []).append(need)
        if existing and any(data.sen_history is not None for data in pupils):
            for period in SENStatusPeriod.objects.filter(school=school):
                plan.history_of.setdefault(period.pupil_id, []).append(period)
    by_upn = {pupil.upn: pupil for pupil in existing}
    by_mis: dict[str, list[Pupil]] = {}
    pupil: Pupil | None
    for pupil in existing:
        if pupil.mis_id:
            by_mis.setdefault(pupil.mis_id, []).append(pupil)
    first_row: dict[tuple[str, str], int] = {}
    matched: dict[int, int] = {}
    for data in pupils:
        repeated = False
        for key in ("upn", "mis_id"):
            value = data.values.get(key)
            if not value:
                continue
            seen = first_row.setdefault((key, str(value)), data.number)
            if seen != data.number:
                repeated = True
                problems.append(
                    Problem(
                        data.number,
                        data.headings[key],
                        f"{FIELD_LABELS[key]} {value} is also on {data.record.lower()} {seen}: "
                        "each pupil can be listed only once.",
                        data.record,
                    )
                )
        if repeated:
            continue
        pupil = by_upn.get(str(data.values.get("upn", "")))
        mis_id = str(data.values.get("mis_id") or "")
        if pupil is None and mis_id:
            candidates = by_mis.get(mis_id, [])
            if len(candidates) > 1:
                problems.append(
                    Problem(
                        data.number,
                        data.headings["mis_id"],
                        f"{len(candidates)} pupils in provmap have MIS id {mis_id}; give this "
                        "row a UPN.",
                        data.record,
                    )
                )
                continue
            pupil = candidates[0] if candidates else None
        if pupil is not None:
            if pupil.pk in matched:
                problems.append(
                    Problem(
                        data.number,
                        "",
                        f"This is the same pupil as {data.record.lower()} "
                        f"{matched[pupil.pk]} ({pupil.full_name}).",
                        data.record,
                    )
                )
                continue
            matched[pupil.pk] = data.number
            _plan_update(plan, data, pupil, problems)
        else:
            _plan_create(plan, data, problems)
    if whole_roll:
        _plan_leavers(plan, existing, matched, problems, insist=insist)


def _plan_update(
    plan: PupilImportPlan, data: PupilData, pupil: Pupil, problems: list[Problem]
) -> None:
    values = dict(data.values)
    if "on_roll_to" not in values and pupil.on_roll_to is not None:
        # Listed, so on roll again.
        values["on_roll_to"] = None
    history = None
    if data.sen_history is not None:
        values.pop("sen_status", None)
        if _merged(data.sen_history) != _current_history(plan.history_of.get(pupil.pk, [])):
            history = data.sen_history
    changes = {key: value for key, value in values.items() if getattr(pupil, key) != value}
    field_changes = [
        FieldChange(FIELD_LABELS[key], display(getattr(pupil, key)), display(value))
        for key, value in changes.items()
    ]
    needs = None
    need_history = None
    recorded_needs = plan.needs_of.get(pupil.pk, [])
    if data.needs is not None:
        current = tuple(
            need.need_type for need in sorted(recorded_needs, key=_rank) if need.end_date is None
        )
        if data.needs != current:
            needs = data.needs
            field_changes.append(FieldChange("needs", display(current), display(needs)))
    if data.need_history is not None:
        past = _past_needs(data.need_history)
        recorded = _past_needs(
            [
                NeedPeriod(need.need_type, need.rank, need.start_date, need.end_date)
                for need in recorded_needs
            ]
        )
        if past != recorded or needs is not None:
            need_history = data.need_history
        if past != recorded:
            field_changes.append(FieldChange("past needs", _need_text(recorded), _need_text(past)))
    if history is not None:
        field_changes.append(
            FieldChange(
                "SEN history",
                _history_text(_current_history(plan.history_of.get(pupil.pk, []))),
                _history_text(_merged(history)),
            )
        )
    if changes:
        # A copy of the pupil (built from positional values, Django's quicker way).
        candidate = Pupil(*[getattr(pupil, name) for name, _ in _NEW_PUPIL_LAYOUT])
        for key, value in changes.items():
            setattr(candidate, key, value)
        _check_model(plan, data, candidate, problems, fields=set(changes))
    action = "updated" if field_changes else "unchanged"
    plan.actions.append(
        PupilAction(
            action=action,
            label=data.label or pupil.full_name,
            data=data,
            pupil=pupil,
            changes=changes,
            field_changes=field_changes,
            needs=needs,
            need_history=need_history,
            sen_history=history,
        )
    )
    _plan_attendance(plan, data, pupil)
    _plan_attainment(plan, data, pupil, problems)


def _rank(need: PupilNeed) -> int:
    return need.rank


def _past_needs(periods: list[NeedPeriod]) -> list[NeedPeriod]:
    return sorted(
        (period for period in periods if period.end_date is not None),
        key=lambda period: (period.end_date, period.need_type, period.start_date or dt.date.min),
    )


def _need_text(periods: list[NeedPeriod]) -> str:
    return ", ".join(
        f"{period.need_type} to {period.end_date:%d/%m/%Y}"
        for period in periods
        if period.end_date is not None
    )


def _history_text(history: list[tuple[dt.date, str]]) -> str:
    return ", ".join(f"{status} from {start:%d/%m/%Y}" for start, status in history)


def _plan_create(plan: PupilImportPlan, data: PupilData, problems: list[Problem]) -> None:
    missing = [key for key in REGISTER_FIELDS if key not in data.values]
    # A missing value already reported against its cell is not reported twice.
    reported = (
        {problem.column for problem in problems if problem.row == data.number and problem.column}
        if missing
        else set()
    )
    unreported = [key for key in missing if data.headings.get(key) not in reported]
    if unreported:
        who = data.label or f"{data.record.lower()} {data.number}"
        if "upn" in unreported and "mis_id" in data.values:
            message = (
                f"No pupil in provmap has MIS id {data.values['mis_id']}, and there is no UPN "
                "to add them with."
            )
        else:
            labels = ", ".join(FIELD_LABELS[key] for key in unreported)
            message = f"{who} is not on the register yet, and adding a pupil needs their {labels}."
        problems.append(Problem(data.number, "", message, data.record))
        return
    if missing:
        return
    values = dict(data.values)
    values.setdefault("on_roll_from", plan.as_of)
    candidate = _new_pupil(values)
    _check_model(plan, data, candidate, problems, fields=set(values))
    plan.actions.append(
        PupilAction(
            action="created",
            label=data.label,
            data=data,
            needs=data.needs,
            need_history=data.need_history,
            sen_history=data.sen_history,
            changes=values,
            candidate=candidate,
        )
    )
    _plan_attendance(plan, data, None)
    _plan_attainment(plan, data, None, problems)


# Each of the pupil's columns and its default, in the model's order: worked out once while
# every default is a constant (flags False, texts blank, SEN status N).
_NEW_PUPIL_LAYOUT = tuple(
    (model_field.attname, model_field.get_default()) for model_field in Pupil._meta.concrete_fields
)
_NEW_PUPIL_NAMES = frozenset(name for name, _ in _NEW_PUPIL_LAYOUT)
_CONSTANT_DEFAULTS = not any(
    (model_field.has_default() and callable(model_field.default))
    or model_field.db_default is not NOT_PROVIDED
    for model_field in Pupil._meta.concrete_fields
)


def _new_pupil(values: Mapping[str, object]) -> Pupil:
    """The same unsaved pupil as `Pupil(**values)`, built from positional values, Django's
    quicker way, since a file adds as many as it has rows."""
    if not _CONSTANT_DEFAULTS or not values.keys() <= _NEW_PUPIL_NAMES:
        return Pupil(**values)
    return Pupil(*[values.get(name, default) for name, default in _NEW_PUPIL_LAYOUT])


def _plan_leavers(
    plan: PupilImportPlan,
    existing: list[Pupil],
    matched: dict[int, int],
    problems: list[Problem],
    *,
    insist: bool,
) -> None:
    on_roll = [pupil for pupil in existing if pupil.on_roll_to is None]
    leavers = [pupil for pupil in on_roll if pupil.pk not in matched]
    if (
        not insist
        and len(leavers) > FEW_LEAVERS
        and Decimal(len(leavers)) > MOST_LEAVERS_SHARE * len(on_roll)
    ):
        problems.append(
            Problem(
                None,
                "",
                f"This file would mark {len(leavers)} of the {len(on_roll)} pupils on roll as "
                "having left. If it lists only some pupils, import it as a partial list "
                "(--partial); if they really have left, say so (--full-roll).",
            )
        )
        return
    for pupil in leavers:
        left_on = max(plan.as_of, pupil.on_roll_from)
        plan.actions.append(
            PupilAction(
                action="left",
                label=f"{pupil.full_name} ({pupil.upn})",
                pupil=pupil,
                left_on=left_on,
                field_changes=[FieldChange("leaving date", "", display(left_on))],
            )
        )


def _school_year(date: dt.date) -> int:
    """The year in which the school year holding `date` starts (in September)."""
    return date.year if date.month >= 9 else date.year - 1


def _plan_attendance(plan: PupilImportPlan, data: PupilData, pupil: Pupil | None) -> None:
    if not data.attendance:
        return
    for date, value in data.attendance:
        results = plan.attendance_results.get((pupil.pk, _school_year(date)), []) if pupil else []
        if any(result.value == value for result in results):
            continue
        plan.attendance.append(
            AttendanceAction(
                upn=str(data.values.get("upn", pupil.upn if pupil else "")),
                date=date,
                value=value,
                result=results[0] if len(results) == 1 else None,
            )
        )


def _plan_attainment(
    plan: PupilImportPlan, data: PupilData, pupil: Pupil | None, problems: list[Problem]
) -> None:
    """Each attainment result on its measure: a result already recorded with the same value is
    left alone, one with another value corrected; a result that is not a number or a grade is
    counted by its code and left out."""
    for attainment in data.attainments:
        read = read_result(attainment)
        if read.value is None:
            plan.left_out_results[read.code] = plan.left_out_results.get(read.code, 0) + 1
            continue
        spec = measure_spec(attainment, read.scale)
        measure = plan.measures.get(spec.name)
        planned = plan.new_measures.get(spec.name)
        scale = measure.scale if measure else planned.scale if planned else spec.scale
        if not fits(scale, read.scale):
            code = attainment.result.strip()
            plan.left_out_results[code] = plan.left_out_results.get(code, 0) + 1
            continue
        if measure is None and planned is None:
            plan.new_measures[spec.name] = planned = spec
        ranged = measure or planned
        assert ranged is not None
        message = measure_range_error(ranged, read.value)
        if message:
            problems.append(Problem(data.number, "Result", message, data.record))
            continue
        result = None
        if measure is not None and pupil is not None:
            result = plan.recorded.get((pupil.pk, measure.pk, attainment.date))
            if result is not None and result.value == read.value:
                continue
        plan.attainment.append(
            AttainmentAction(
                upn=str(data.values.get("upn", pupil.upn if pupil else "")),
                measure=spec.name,
                date=attainment.date,
                value=read.value,
                result=result,
            )
        )


def _load_attainment(plan: PupilImportPlan, school: School, pupils: list[PupilData]) -> None:
    """The school's measures and results that a CTF's attainment may go to, read once."""
    names = {measure_name(item) for data in pupils for item in data.attainments}
    if not names:
        return
    plan.measures = {
        measure.name: measure for measure in Measure.objects.filter(school=school, name__in=names)
    }
    for result in Result.objects.filter(measure__in=plan.measures.values()):
        plan.recorded[(result.pupil_id, result.measure_id, result.date)] = result


@gc_paused()
def plan_pupil_import(
    upload: Upload,
    *,
    school: School | None,
    new_school: NewSchool | None = None,
    as_of: dt.date | None = None,
    whole_roll: bool | None = None,
    columns: Mapping[str, str] | None = None,
    skip_invalid_rows: bool = False,
) -> PupilImportPlan:
    """Check a file and work out what importing it would change, writing nothing.

    `whole_roll`: True marks pupils missing from the file as leavers, False never does, None
    decides from the file (see the module's description) and refuses mass leavers.
    `columns` (normalised heading -> field, "" to ignore) overrides the columns matched from
    the headings and those the school confirmed before.
    `skip_invalid_rows`: plan the rows without problems and leave out the others (listed in
    `report.skipped`) instead of refusing the file; nobody is then marked as a leaver, since
    a pupil whose row was left out is not missing from the roll. A problem with the file as a
    whole still refuses it.
    """
    if skip_invalid_rows:
        whole_roll = False
    report = ImportReport(kind=ImportKind.PUPILS, file_name=upload.name)
    plan = PupilImportPlan(
        report=report, school=school, new_school=new_school, as_of=as_of or timezone.localdate()
    )
    problems: list[Problem] = []
    try:
        kind = detect_kind(upload, (FileKind.CSV, FileKind.XLSX, FileKind.XML))
        if kind == FileKind.XML:
            ctf = parse_ctf(upload)
            if as_of is None:
                plan.as_of = ctf.header.date
            own_file = True
            if school is None and new_school is None:
                source = ctf.header.source
                plan.new_school = NewSchool(
                    urn=source.urn,
                    name=source.name,
                    la_code=source.la_code,
                    estab_code=source.estab_code,
                )
            elif school is not None:
                if not _ctf_is_for(ctf, school):
                    source = ctf.header.source
                    raise ImportRejected(
                        [
                            Problem(
                                None,
                                "",
                                f"This CTF comes from {source.name or 'a school'} (URN "
                                f"{source.urn or 'not given'}) and is not addressed to "
                                f"{school.name} (URN {school.urn}).",
                            )
                        ]
                    )
                own_file = ctf.header.source.urn == school.urn
            ours = (
                CTFSchool(
                    urn=school.urn,
                    name=school.name,
                    la_code=school.la_code,
                    estab_code=school.estab_code,
                )
                if school is not None
                else ctf.header.source
            )
            pupils = _inputs_from_ctf(ctf, problems, plan.as_of, ours)
            # A partial CTF (attainment only, say) never lists the whole roll.
            detected_whole_roll = own_file and ctf.header.qualifier != "partial"
        else:
            pupils, detected_whole_roll = _inputs_from_sheet(upload, kind, plan, problems, columns)
    except ImportRejected as rejected:
        report.reject(rejected.problems)
        return plan
    if school is None and plan.new_school is None:
        report.reject(
            [
                Problem(
                    None,
                    "",
                    "There is no school in provmap yet: give the school's name and URN "
                    "(--school-name and --urn) to create it with this import.",
                )
            ]
        )
        return plan
    if plan.new_school is not None and not plan.new_school.phase:
        plan.new_school = NewSchool(
            urn=plan.new_school.urn,
            name=plan.new_school.name,
            phase=guess_phase(pupils),
            la_code=plan.new_school.la_code,
            estab_code=plan.new_school.estab_code,
        )
    if plan.new_school is not None:
        problems.extend(_check_new_school(plan.new_school))
        report.school = plan.new_school.name
    elif school is not None:
        report.school = school.name
    if school is not None and any(data.attendance for data in pupils):
        plan.attendance_measure = Measure.objects.filter(
            school=school, name=ATTENDANCE_MEASURE
        ).first()
        if plan.attendance_measure is not None:
            for result in Result.objects.filter(measure=plan.attendance_measure):
                key = (result.pupil_id, _school_year(result.date))
                plan.attendance_results.setdefault(key, []).append(result)
    if school is not None:
        _load_attainment(plan, school, pupils)
    _plan_pupils(
        plan,
        pupils,
        problems,
        whole_roll=detected_whole_roll if whole_roll is None else whole_roll,
        insist=whole_roll is True,
    )
    report.rows = len(pupils)
    if problems:
        problems.sort(key=_problem_order)
        if not skip_invalid_rows:
            report.reject(problems)
            return plan
        left_out = report.skip_rows(problems)
        if left_out is None:
            return plan
        _leave_out(plan, left_out)
    report.records = [
        RecordChange(
            action=action.action,
            label=action.label,
            row=action.data.number if action.data else None,
            changes=action.field_changes,
        )
        for action in plan.actions
    ]
    if plan.new_school is not None:
        report.notes.append(f"New school: {plan.new_school.name} (URN {plan.new_school.urn}).")
    report.notes.extend(_code_notes(pupils))
    if plan.attendance:
        report.notes.append(f"New or corrected attendance results: {len(plan.attendance)}.")
    report.notes.extend(_attainment_notes(plan))
    return plan


def _attainment_notes(plan: PupilImportPlan) -> list[str]:
    notes = []
    if plan.attainment:
        notes.append(f"New or corrected attainment results: {len(plan.attainment)}.")
    if plan.new_measures:
        notes.append("New attainment measures: " + ", ".join(sorted(plan.new_measures)) + ".")
    if plan.left_out_results:
        codes = ", ".join(
            f"{code} ({count})" for code, count in sorted(plan.left_out_results.items())
        )
        total = sum(plan.left_out_results.values())
        notes.append(
            f"{counted(total, 'attainment result')} left out, not being a number or a "
            f"teacher assessment grade (A absent, D disapplied and the like): {codes}."
        )
    return notes


def _code_notes(pupils: list[PupilData]) -> list[str]:
    """One line for each way a code of an older file or a special school was read."""
    counts: dict[str, int] = {}
    for data in pupils:
        for note in dict.fromkeys(data.notes):
            counts[note] = counts.get(note, 0) + 1
    return [
        f"{note[:1].upper()}{note[1:]}: {counted(count, 'pupil')}."
        for note, count in counts.items()
    ]


def _leave_out(plan: PupilImportPlan, rows: set[int]) -> None:
    """Drop what the plan would do for these rows (and their attendance)."""
    dropped = [action for action in plan.actions if action.data and action.data.number in rows]
    upns = {str(action.data.values.get("upn", "")) for action in dropped if action.data}
    upns.update(action.pupil.upn for action in dropped if action.pupil is not None)
    gone = {id(action) for action in dropped}
    plan.actions = [action for action in plan.actions if id(action) not in gone]
    plan.attendance = [item for item in plan.attendance if item.upn not in upns]
    plan.attainment = [item for item in plan.attainment if item.upn not in upns]


def _problem_order(problem: Problem) -> tuple[int, int]:
    return (problem.row or 0, 0)


def _school_field_label(name: str) -> str:
    field = School._meta.get_field(name)
    assert isinstance(field, Field)  # full_clean() names the model's own fields
    return str(field.verbose_name)


def _check_new_school(new_school: NewSchool) -> list[Problem]:
    candidate = School(
        urn=new_school.urn,
        name=new_school.name,
        phase=new_school.phase,
        la_code=new_school.la_code,
        estab_code=new_school.estab_code,
    )
    try:
        candidate.full_clean()
    except ValidationError as exc:
        return [
            Problem(None, "", f"The new school's {_school_field_label(name)}: {message}")
            for name, messages in exc.message_dict.items()
            for message in messages
        ]
    return []


def _apply(plan: PupilImportPlan, progress: Callable[[int, int], None] | None) -> None:
    school = plan.school
    if school is None:
        assert plan.new_school is not None
        school = school_create(
            urn=plan.new_school.urn,
            name=plan.new_school.name,
            phase=plan.new_school.phase,
            la_code=plan.new_school.la_code,
            estab_code=plan.new_school.estab_code,
        )
        plan.school = school
    total = len(plan.actions) + len(plan.attendance) + len(plan.attainment)
    done = 0

    def step() -> None:
        nonlocal done
        done += 1
        if progress is not None and (done % 100 == 0 or done == total):
            progress(done, total)

    created = [action for action in plan.actions if action.action == "created"]
    by_upn: dict[str, Pupil] = {}
    # New pupils go in a batch at a time, so that the progress of a large file moves as they
    # do: each as the plan checked it, not checked again.
    written = 0

    def added(batch: Sequence[Pupil]) -> None:
        nonlocal written
        actions = created[written : written + len(batch)]
        written += len(batch)
        for added_pupil, action in zip(batch, actions, strict=True):
            by_upn[added_pupil.upn] = added_pupil
            if action.sen_history:
                pupil_set_sen_history(pupil=added_pupil, periods=action.sen_history)
            if action.need_history and any(
                period.start_date or period.end_date for period in action.need_history
            ):
                pupil_set_need_history(pupil=added_pupil, periods=action.need_history)
            step()

    if created:
        pupils_bulk_add_checked(
            school=school,
            pupils=[_candidate(action) for action in created],
            needs=[tuple(action.needs or ()) for action in created],
            added=added,
        )
    # Changes of plain details only (no UPN, SEN status or needs) are saved together, a
    # query a batch for each set of fields changed; the others through pupil_update.
    plain: dict[tuple[str, ...], list[Pupil]] = {}
    leavers: list[tuple[Pupil, dt.date]] = []
    for action in plan.actions:
        if action.action == "updated":
            assert action.pupil is not None
            if _plain_update(action):
                for key, value in action.changes.items():
                    setattr(action.pupil, key, value)
                plain.setdefault(tuple(sorted(action.changes)), []).append(action.pupil)
            else:
                pupil_update(
                    pupil=action.pupil,
                    changed_on=plan.as_of,
                    needs=action.needs if action.need_history is None else None,
                    **action.changes,
                )
                if action.need_history is not None:
                    pupil_set_need_history(pupil=action.pupil, periods=action.need_history)
                if action.sen_history:
                    pupil_set_sen_history(pupil=action.pupil, periods=action.sen_history)
        elif action.action == "left":
            assert action.pupil is not None and action.left_on is not None
            leavers.append((action.pupil, action.left_on))
        if action.action != "created":
            step()
        if action.pupil is not None:
            by_upn[action.pupil.upn] = action.pupil
    for fields, pupils in plain.items():
        pupils_bulk_update_checked(pupils=pupils, fields=fields)
    pupils_bulk_mark_left(leavers=leavers)
    _apply_attendance(plan, school, by_upn, step)
    _apply_attainment(plan, school, by_upn, step)
    if plan.remember:
        column_mapping_remember(school=school, kind=ImportKind.PUPILS, headings=plan.remember)


def _candidate(action: PupilAction) -> Pupil:
    """The new pupil the plan checked (built again if the plan was made without it)."""
    if action.candidate is not None:
        return action.candidate
    return Pupil(**action.changes)


def _plain_update(action: PupilAction) -> bool:
    return (
        action.needs is None
        and action.need_history is None
        and not action.sen_history
        and not {"upn", "sen_status"} & action.changes.keys()
    )


def _apply_attendance(
    plan: PupilImportPlan, school: School, by_upn: dict[str, Pupil], step: Callable[[], None]
) -> None:
    if not plan.attendance:
        return
    measure = plan.attendance_measure or measure_create(
        school=school,
        name=ATTENDANCE_MEASURE,
        scale=Measure.Scale.PERCENT,
        kind=Measure.Kind.ATTENDANCE,
        min_value=Decimal(0),
        max_value=Decimal(100),
        description="Sessions attended out of sessions possible, from CTF files.",
    )
    new = []
    for item in plan.attendance:
        if item.result is not None:
            result_set_value(result=item.result, value=item.value)
        else:
            new.append(NewResult(pupil_id=by_upn[item.upn].pk, date=item.date, value=item.value))
        step()
    results_bulk_record(school=school, measure=measure, results=new, source="CTF attendance")


def _apply_attainment(
    plan: PupilImportPlan, school: School, by_upn: dict[str, Pupil], step: Callable[[], None]
) -> None:
    if not plan.attainment:
        return
    measures = dict(plan.measures)
    for name, spec in plan.new_measures.items():
        measures[name] = measure_create(
            school=school,
            name=name,
            scale=spec.scale,
            kind=Measure.Kind.ATTAINMENT,
            min_value=spec.min_value,
            max_value=spec.max_value,
            description=spec.description,
        )
    new: dict[str, list[NewResult]] = {}
    for item in plan.attainment:
        if item.result is not None:
            result_set_value(result=item.result, value=item.value)
        else:
            new.setdefault(item.measure, []).append(
                NewResult(pupil_id=by_upn[item.upn].pk, date=item.date, value=item.value)
            )
        step()
    for name, results in new.items():
        results_bulk_record(
            school=school, measure=measures[name], results=results, source="CTF attainment"
        )


@gc_paused()
def apply_pupil_import(
    plan: PupilImportPlan, *, progress: Callable[[int, int], None] | None = None
) -> ImportReport:
    """Write a checked plan, all or nothing. `progress(done, total)` is called as it goes."""
    report = plan.report
    if report.errors:
        return report
    if not write_all_or_nothing(report, lambda: _apply(plan, progress)):
        return report
    if plan.school is not None:
        report.school = plan.school.name
    return report


def import_pupils(
    upload: Upload,
    *,
    school: School | None,
    new_school: NewSchool | None = None,
    as_of: dt.date | None = None,
    whole_roll: bool | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> tuple[ImportReport, School | None]:
    """Check and (unless `dry_run`) import a file in one transaction; the report, and the
    school (created from the file on a fresh installation)."""
    with transaction.atomic():
        plan = plan_pupil_import(
            upload, school=school, new_school=new_school, as_of=as_of, whole_roll=whole_roll
        )
        if plan.report.errors or dry_run:
            return plan.report, school
        report = apply_pupil_import(plan, progress=progress)
        return report, plan.school

"""Reading one cell: dates, numbers, yes/no flags and the codes English schools use, written
the many ways MIS exports and hand-made spreadsheets write them.

Each parser takes what the file held (text from a CSV; text, a number, a date or a boolean
from an Excel cell) and returns the value provmap stores, or raises CellError with a message
that says what was expected. Blank cells are handled by the caller, never here.
"""

from __future__ import annotations

import calendar
import datetime as dt
import functools
import re
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import TypeVar

from openpyxl.utils.datetime import from_excel

from provmap.interchange.census_codes import (
    ETHNICITY_CODES,
    ETHNICITY_MAIN_CODES,
    LANGUAGE_CODES,
    LANGUAGE_EXAMPLES,
)
from provmap.provision.models import Placement, ProvisionRun, ProvisionType, Wave
from provmap.pupils.models import NC_YEAR_ORDER, NCYear, SENStatus
from provmap.pupils.needs import Area, NeedType
from provmap.pupils.upn import UPNError, validate_upn
from provmap.schools.bounds import SCHOOL_DATES, Bound, date_error


class CellError(ValueError):
    """A cell that cannot be read as what its column holds."""


class UncalculatedFormula:
    """An Excel formula cell with no saved result (the file was never opened in a program
    that calculates). provmap reads the value a formula shows, never the formula itself."""

    def __init__(self, formula: str):
        self.formula = formula

    def __repr__(self) -> str:
        return f"UncalculatedFormula({self.formula!r})"


EXCEL_ERRORS = frozenset(
    {"#NULL!", "#DIV/0!", "#VALUE!", "#REF!", "#NAME?", "#NUM!", "#N/A", "#SPILL!", "#CALC!"}
)


def is_blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def check_readable(value: object) -> None:
    """Refuse what no column can use: an uncalculated formula or an Excel error value."""
    if isinstance(value, UncalculatedFormula):
        raise CellError(
            f"this cell holds a formula ({value.formula}) with no saved result, so there is "
            "no value to read. Open the file in Excel and save it again, or paste the values."
        )
    # Every Excel error value starts with "#": the cheap test first, as most cells are text.
    if isinstance(value, str) and "#" in value and value.strip().upper() in EXCEL_ERRORS:
        raise CellError(f"this cell shows the Excel error {value.strip()}, not a value.")


def shown(value: object) -> str:
    """A cell as a person would quote it in a message."""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, dt.datetime):
        return f"{value:%d/%m/%Y %H:%M}"
    if isinstance(value, dt.date):
        return f"{value:%d/%m/%Y}"
    return str(value).strip()


def parse_upn(value: object) -> str:
    """A UPN, checked (its check letter included) and in capitals."""
    try:
        return validate_upn(shown(value))
    except UPNError as exc:
        raise CellError(str(exc)) from None


def text(value: object, *, max_length: int | None = None) -> str:
    """A cell as text; whole numbers typed into Excel come back without '.0'."""
    result = shown(value)
    if max_length is not None and len(result) > max_length:
        raise CellError(f"at most {max_length} characters fit here; this has {len(result)}.")
    return result


# Dates -------------------------------------------------------------------------------------

_DAY_FIRST = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{2,4})$")
# A date, or a date and time with or without a time zone (2025-10-01T09:30:00+01:00, ...Z).
_ISO = re.compile(
    r"^(\d{4})-(\d{1,2})-(\d{1,2})"
    r"(?:[T ]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s*(?:Z|[+-]\d{2}:?\d{2}))?)?$"
)
_WORDY = re.compile(r"^(\d{1,2})[\s\-]+([A-Za-z]{3,9})[\s\-,]+(\d{4})$")
_MONTHS = {
    name.lower(): number
    for number in range(1, 13)
    for name in (calendar.month_name[number], calendar.month_abbr[number])
}
_MONTHS["sept"] = 9
_EXPECTED_DATE = "a date like 31/01/2014 or 2014-01-31"
# Excel's serial numbers for 01/01/1900 and 31/12/9999.
_EXCEL_SERIALS = (1, 2958465)


def _make_date(year: int, month: int, day: int, original: str) -> dt.date:
    if not 1900 <= year <= 2100:
        raise CellError(f"'{original}' is not a plausible date (the year is {year}).")
    if not 1 <= month <= 12:
        raise CellError(
            f"'{original}' is not a real date: there is no month {month} "
            "(dates are read day first, as in 31/01/2014)."
        )
    days_in_month = calendar.monthrange(year, month)[1]
    if not 1 <= day <= days_in_month:
        raise CellError(
            f"'{original}' is not a real date: {calendar.month_name[month]} {year} has "
            f"{days_in_month} days."
        )
    return dt.date(year, month, day)


def parse_date(value: object) -> dt.date:
    """dd/mm/yyyy (or with - or .), yyyy-mm-dd, '1 Sep 2025', or a real Excel date."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, bool):
        raise CellError(f"expected {_EXPECTED_DATE}, not {value}.")
    if isinstance(value, int | float):
        # An Excel date cell that lost its date format shows its serial number.
        if _EXCEL_SERIALS[0] <= value <= _EXCEL_SERIALS[1]:
            return from_excel(value).date()
        raise CellError(f"expected {_EXPECTED_DATE}, not the number {shown(value)}.")
    original = str(value).strip()
    if match := _ISO.match(original):
        year, month, day = (int(part) for part in match.groups())
        return _make_date(year, month, day, original)
    if match := _DAY_FIRST.match(original):
        day_text, month_text, year_text = match.groups()
        if len(year_text) != 4:
            raise CellError(f"expected {_EXPECTED_DATE} with a four-digit year, not '{original}'.")
        return _make_date(int(year_text), int(month_text), int(day_text), original)
    if match := _WORDY.match(original):
        day_text, month_name, year_text = match.groups()
        month_number = _MONTHS.get(month_name.lower())
        if month_number is not None:
            return _make_date(int(year_text), month_number, int(day_text), original)
    raise CellError(f"expected {_EXPECTED_DATE}, not '{original}'.")


def parse_school_date(value: object) -> dt.date:
    """A date a school records (a group's or a placement's, a result's): a date as
    `parse_date` reads it, within this century."""
    date = parse_date(value)
    message = date_error(date, SCHOOL_DATES.first, SCHOOL_DATES.last)
    if message:
        raise CellError(message)
    return date


# Numbers -----------------------------------------------------------------------------------

_NUMBER_NOISE = re.compile(r"[£,\s%]")


def parse_decimal(value: object) -> Decimal:
    """A number; '£1,234.50' and '85%' are read as 1234.50 and 85."""
    if isinstance(value, bool):
        raise CellError(f"expected a number, not {value}.")
    if isinstance(value, int | float):
        number = Decimal(str(value))
    else:
        original = str(value).strip()
        try:
            number = Decimal(_NUMBER_NOISE.sub("", original))
        except InvalidOperation:
            raise CellError(f"expected a number, not '{original}'.") from None
    if not number.is_finite():
        raise CellError(f"expected a number, not '{shown(value)}'.")
    return number


def parse_amount(value: object, *, places: int = 2, limit: int = 10_000_000) -> Decimal:
    """A number rounded to `places` decimal places, below `limit` either side of zero."""
    number = parse_decimal(value)
    if abs(number) >= limit:
        raise CellError(f"{shown(value)} is too large: provmap stores numbers below {limit:,}.")
    return number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def parse_positive_int(value: object, *, limit: int = 32767) -> int:
    number = parse_decimal(value)
    if number != number.to_integral_value() or not 0 < number <= limit:
        raise CellError(f"expected a whole number from 1 to {limit}, not '{shown(value)}'.")
    return int(number)


def parse_bounded(value: object, bound: Bound, *, places: int = 1) -> Decimal:
    """A number inside `bound` (the message gives the bound), rounded to `places`."""
    number = parse_decimal(value)
    message = bound.error(number)
    if message:
        raise CellError(message)
    rounded = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if bound.error(rounded):
        # 0.04 sessions a week would be stored as 0: refuse it as it was written.
        raise CellError(bound.message(number))
    return rounded


def parse_bounded_int(value: object, bound: Bound) -> int:
    """A whole number inside `bound`."""
    number = parse_decimal(value)
    message = bound.error(number)
    if message:
        raise CellError(message)
    if number != number.to_integral_value():
        raise CellError(f"expected a whole number, not '{shown(value)}'.")
    return int(number)


def parse_positive_decimal(value: object, *, places: int = 1, limit: int = 1000) -> Decimal:
    number = parse_amount(value, places=places, limit=limit)
    if number <= 0:
        raise CellError(f"expected a number above 0, not '{shown(value)}'.")
    return number


# Flags -------------------------------------------------------------------------------------

_TRUE = {"y", "yes", "true", "t", "1", "x", "✓", "✔", "eligible", "on", "1.0"}
_FALSE = {"n", "no", "false", "f", "0", "-", "not eligible", "off", "0.0"}


def parse_bool(value: object) -> bool:
    """Yes/No, Y/N, True/False, T/F, 1/0 or a tick."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float) and value in (0, 1):
        return bool(value)
    word = shown(value).lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise CellError(f"expected Yes or No, not '{shown(value)}'.")


# Codes -------------------------------------------------------------------------------------


T = TypeVar("T")
# How many different texts a remembered parser keeps, at most.
REMEMBERED_CELLS = 5000
_NOT_WORD = re.compile(r"[^a-z0-9]+")
_NC_YEAR_NUMBER = re.compile(r"(?:year|yr|y|nc year|ncy)?\s*0*(\d{1,2})")
# The codes, worked out once: an enumeration's `values` builds a new list at each call.
_NC_YEARS = tuple(NCYear.values)
_NC_YEAR_CODES = frozenset(_NC_YEARS)
_SEN_CODES = frozenset(SENStatus.values)
_NEED_CODES = frozenset(NeedType.values)


def remembered(parse: Callable[[object], T]) -> Callable[[object], T]:
    """The same parser, answering a text it has read before from memory: a file repeats its
    dates, year groups, codes and flags row after row. Only what it read is remembered, never
    a refusal, and only for text cells; the parser must depend on the cell alone."""
    memory: dict[str, T] = {}

    @functools.wraps(parse)
    def read(value: object) -> T:
        if type(value) is not str:
            return parse(value)
        if value in memory:
            return memory[value]
        result = parse(value)
        if len(memory) < REMEMBERED_CELLS:
            memory[value] = result
        return result

    return read


def _words(value: object) -> str:
    return _NOT_WORD.sub(" ", shown(value).lower()).strip()


def _code_before_dash(value: object) -> str:
    """'K - SEN Support' -> 'K': many MIS exports write a code, a dash and its meaning."""
    original = shown(value)
    if " - " in original:
        return original.split(" - ", 1)[0].strip()
    return original


_SEX = {"m": "M", "male": "M", "boy": "M", "b": "M", "f": "F", "female": "F", "girl": "F", "g": "F"}


def parse_sex(value: object) -> str:
    code = _SEX.get(_words(value))
    if code is None:
        raise CellError(f"expected M or F (or Male, Female), not '{shown(value)}'.")
    return code


_NC_YEAR_WORDS = {
    "r": NCYear.R,
    "yr": NCYear.R,
    "rec": NCYear.R,
    "reception": NCYear.R,
    "n1": NCYear.N1,
    "nursery 1": NCYear.N1,
    "n2": NCYear.N2,
    "nursery 2": NCYear.N2,
    "nursery": NCYear.N2,
}


def parse_nc_year(value: object) -> str:
    """'9', 'Year 9', 'Y9', 'Yr 9', '09', 'R', 'Reception', 'N1', 'Nursery 2'."""
    words = _words(value)
    if words in _NC_YEAR_WORDS:
        return _NC_YEAR_WORDS[words]
    match = _NC_YEAR_NUMBER.fullmatch(words)
    if match and match.group(1) in _NC_YEAR_CODES:
        return match.group(1)
    raise CellError(
        f"expected a National Curriculum year (N1, N2, R, or 1 to 13), not '{shown(value)}'."
    )


# Census year-group codes provmap does not keep as such, and what they are read as: E1 and E2
# (early years, before nursery) as N1, 14 (a special school's year 14) as 13, X (not
# following the National Curriculum) as the year group of the pupil's age.
NOT_FOLLOWING_NC = "X"
SPECIAL_NC_YEARS = {
    "e1": ("N1", "E1 (early years) read as N1"),
    "e2": ("N1", "E2 (early years) read as N1"),
    "14": ("13", "14 (a special school's year 14) read as 13"),
    "year 14": ("13", "14 (a special school's year 14) read as 13"),
    "y14": ("13", "14 (a special school's year 14) read as 13"),
    "x": (
        NOT_FOLLOWING_NC,
        "X (not following the National Curriculum) read as the year group of the pupil's age",
    ),
}


def parse_census_nc_year(value: object) -> tuple[str, str]:
    """A year group as `parse_nc_year` reads it, or one of the census codes of special
    schools and early years (E1, E2, 14, X): (the year group, a note saying how a special
    code was read, or ""). X comes back as X: its year group follows from the date of birth
    (`nc_year_for_age`)."""
    words = _words(value)
    if words in SPECIAL_NC_YEARS:
        return SPECIAL_NC_YEARS[words]
    try:
        return parse_nc_year(value), ""
    except CellError:
        raise CellError(
            "expected a National Curriculum year (N1, N2, R, 1 to 13, or the census codes E1, "
            f"E2, 14 and X), not '{shown(value)}'."
        ) from None


def nc_year_for_age(born: dt.date, on: dt.date) -> str | None:
    """The year group of a pupil born on `born`, in the school year that holds `on` (children
    start Reception in the September after they turn four), or None outside N1 to 13."""
    school_year = on.year if on.month >= 9 else on.year - 1
    cohort = born.year if born.month >= 9 else born.year - 1
    # Born September 2019 to August 2020: Reception in the school year starting September 2024.
    reception_offset = school_year - cohort - 5
    order = NC_YEAR_ORDER["R"] + reception_offset
    values = _NC_YEARS
    if 0 <= order < len(values):
        return values[order]
    return None


_SEN_WORDS = {
    "no sen": SENStatus.NONE,
    "none": SENStatus.NONE,
    "no": SENStatus.NONE,
    "not sen": SENStatus.NONE,
    "sen support": SENStatus.SUPPORT,
    "support": SENStatus.SUPPORT,
    "k sen support": SENStatus.SUPPORT,
    "ehc plan": SENStatus.EHC_PLAN,
    "ehcp": SENStatus.EHC_PLAN,
    "ehc": SENStatus.EHC_PLAN,
    "education health and care plan": SENStatus.EHC_PLAN,
    "school action": SENStatus.SCHOOL_ACTION,
    "school action plus": SENStatus.SCHOOL_ACTION_PLUS,
    "statement": SENStatus.STATEMENT,
    "statement of sen": SENStatus.STATEMENT,
    "statemented": SENStatus.STATEMENT,
    "statement of special educational needs": SENStatus.STATEMENT,
    "no special educational need": SENStatus.NONE,
    "no special educational needs": SENStatus.NONE,
    "non sen": SENStatus.NONE,
    "n a": SENStatus.NONE,
    "sen support k": SENStatus.SUPPORT,
    "send support": SENStatus.SUPPORT,
    "school support": SENStatus.SUPPORT,
    "e ehc plan": SENStatus.EHC_PLAN,
    "ehc plan e": SENStatus.EHC_PLAN,
    "education health care plan": SENStatus.EHC_PLAN,
    "education health and care plan ehcp": SENStatus.EHC_PLAN,
    "statement or ehc plan": SENStatus.EHC_PLAN,
    "ehcp statement": SENStatus.EHC_PLAN,
    "a school action": SENStatus.SCHOOL_ACTION,
    "p school action plus": SENStatus.SCHOOL_ACTION_PLUS,
}


def parse_sen_status(value: object) -> str:
    """N, K, E (and historic A, P, S), or their meanings ('SEN Support', 'EHC Plan'...)."""
    code = _code_before_dash(value).upper()
    if code in _SEN_CODES:
        return code
    words = _words(value)
    if words in _SEN_WORDS:
        return _SEN_WORDS[words]
    raise CellError(
        f"expected a SEN status: N (no SEN), K (SEN support) or E (EHC plan), or one written "
        f"out (No SEN, SEN Support, EHC Plan), not '{shown(value)}'."
    )


_NEED_WORDS = {
    **{_words(label): code for code, label in NeedType.choices},
    # The census descriptions, and the wordings MIS exports use for them.
    "specific learning difficulty": NeedType.SPLD,
    "specific learning difficulties": NeedType.SPLD,
    "moderate learning difficulty": NeedType.MLD,
    "moderate learning difficulties": NeedType.MLD,
    "severe learning difficulty": NeedType.SLD,
    "severe learning difficulties": NeedType.SLD,
    "profound multiple learning difficulty": NeedType.PMLD,
    "profound and multiple learning difficulties": NeedType.PMLD,
    "profound multiple learning difficulties": NeedType.PMLD,
    "social emotional and mental health": NeedType.SEMH,
    "social emotional mental health": NeedType.SEMH,
    "speech language and communication": NeedType.SLCN,
    "speech language and communication need": NeedType.SLCN,
    "speech language communication needs": NeedType.SLCN,
    "hearing impairment": NeedType.HI,
    "visual impairment": NeedType.VI,
    "multi sensory impairment": NeedType.MSI,
    "multisensory impairment": NeedType.MSI,
    "physical disability": NeedType.PD,
    "autism": NeedType.ASD,
    "asc": NeedType.ASD,
    "autistic spectrum disorder": NeedType.ASD,
    "autistic spectrum condition": NeedType.ASD,
    "autism spectrum disorder": NeedType.ASD,
    "autism spectrum condition": NeedType.ASD,
    "other difficulty disability": NeedType.OTH,
    "other difficulty or disability": NeedType.OTH,
    "sen support but no specialist assessment of type of need": NeedType.NSA,
    "no specialist assessment": NeedType.NSA,
    "dyslexia": NeedType.SPLD,
}

# Need types of older census and CTF versions, read as today's (a note says so).
LEGACY_NEEDS = {
    "BESD": (NeedType.SEMH, "BESD (behaviour, emotional and social difficulty) read as SEMH"),
    "behaviour emotional and social difficulty": (
        NeedType.SEMH,
        "BESD (behaviour, emotional and social difficulty) read as SEMH",
    ),
    "behaviour emotional and social difficulties": (
        NeedType.SEMH,
        "BESD (behaviour, emotional and social difficulty) read as SEMH",
    ),
}


def parse_need_with_note(value: object) -> tuple[str, str]:
    """A need type as `parse_need` reads it, or a legacy one (BESD): (code, note or "")."""
    code = _code_before_dash(value).upper()
    for key in (code, _words(value)):
        if key in LEGACY_NEEDS:
            return LEGACY_NEEDS[key]
    return parse_need(value), ""


def parse_need(value: object) -> str:
    """A census need type code (SPLD, ASD, SEMH...) or its meaning."""
    code = _code_before_dash(value).upper()
    if code in _NEED_CODES:
        return code
    words = _words(value)
    if words in _NEED_WORDS:
        return _NEED_WORDS[words]
    if code in LEGACY_NEEDS or words in LEGACY_NEEDS:
        return LEGACY_NEEDS[code if code in LEGACY_NEEDS else words][0]
    allowed = ", ".join(NeedType.values)
    raise CellError(
        f"expected a need type: one of the census codes {allowed}, or its description "
        f"(such as Specific Learning Difficulty), not '{shown(value)}'."
    )


_AREA_WORDS = {
    **{_words(label): code for code, label in Area.choices},
    **{code.lower(): code for code in Area.values},
    "sensory and physical": Area.SENSORY_PHYSICAL,
    "social emotional and mental health": Area.SEMH,
}


def parse_areas(value: object) -> tuple[str, ...]:
    """Broad areas of need, separated by ';' (codes CI, CL, SEMH, SP, OTH or their names)."""
    areas: list[str] = []
    for part in re.split(r"[;\n]", shown(value)):
        if not part.strip():
            continue
        area = _AREA_WORDS.get(_words(part))
        if area is None:
            raise CellError(
                "expected broad areas of need separated by ';' (Communication and "
                "interaction; Cognition and learning; Social, emotional and mental health; "
                f"Sensory and/or physical), not '{part.strip()}'."
            )
        if area not in areas:
            areas.append(area)
    return tuple(areas)


def _choice(value: object, choices: list[tuple[str, str]], expected: str) -> str:
    words = _words(value)
    for code, label in choices:
        if words in {_words(code), _words(label), _words(label.split(":")[0])}:
            return code
    raise CellError(f"expected {expected}, not '{shown(value)}'.")


def parse_rating(value: object) -> str:
    """R, A, G, B or Red, Amber, Green, Blue."""
    return _choice(value, Placement.Rating.choices, "a RAGB rating: Red, Amber, Green or Blue")


def parse_priority(value: object) -> str:
    return _choice(value, Placement.Priority.choices, "Must, Should or Could")


def parse_placement_status(value: object) -> str:
    return _choice(value, Placement.Status.choices, "Planned, Active, Completed or Withdrawn")


def parse_run_status(value: object) -> str:
    return _choice(value, ProvisionRun.Status.choices, "Planned, Running or Closed")


def parse_provision_type(value: object) -> str:
    expected = "a provision type such as " + ", ".join(
        label for _, label in ProvisionType.choices[:4]
    )
    return _choice(value, ProvisionType.choices, expected)


def parse_wave(value: object) -> int:
    match = re.fullmatch(r"(?:wave\s*)?([123])(?:\s.*)?", _words(value))
    if match is None:
        raise CellError(f"expected wave 1, 2 or 3, not '{shown(value)}'.")
    return Wave(int(match.group(1))).value


# Census codes for ethnicity and first language, and the descriptions MIS exports use (the
# main categories and the extended ones schools may record instead).
ETHNICITY_DESCRIPTIONS = {
    "white british": "WBRI",
    "white english": "WENG",
    "white scottish": "WSCO",
    "white welsh": "WWEL",
    "white cornish": "WCOR",
    "other white british": "WOWB",
    "white other white british": "WOWB",
    "white irish": "WIRI",
    "irish": "WIRI",
    "traveller of irish heritage": "WIRT",
    "white traveller of irish heritage": "WIRT",
    "any other white background": "WOTH",
    "white any other white background": "WOTH",
    "white other": "WOTH",
    "gypsy roma": "WROM",
    "white gypsy roma": "WROM",
    "gypsy": "WROG",
    "roma": "WROR",
    "white eastern european": "WEEU",
    "white western european": "WWEU",
    "white greek greek cypriot": "WGRE",
    "white turkish turkish cypriot": "WTUR",
    "white italian": "WITA",
    "white portuguese": "WPOR",
    "white albanian": "WALB",
    "white and black caribbean": "MWBC",
    "mixed white and black caribbean": "MWBC",
    "white and black african": "MWBA",
    "mixed white and black african": "MWBA",
    "white and asian": "MWAS",
    "mixed white and asian": "MWAS",
    "any other mixed background": "MOTH",
    "mixed any other mixed background": "MOTH",
    "indian": "AIND",
    "asian indian": "AIND",
    "pakistani": "APKN",
    "asian pakistani": "APKN",
    "mirpuri pakistani": "AMPK",
    "kashmiri pakistani": "AKPA",
    "bangladeshi": "ABAN",
    "asian bangladeshi": "ABAN",
    "nepali": "ANEP",
    "sri lankan tamil": "ASLT",
    "any other asian background": "AOTH",
    "asian any other asian background": "AOTH",
    "black caribbean": "BCRB",
    "caribbean": "BCRB",
    "black african": "BAFR",
    "african": "BAFR",
    "ghanaian": "BGHA",
    "nigerian": "BNGN",
    "somali": "BSOM",
    "sudanese": "BSUD",
    "any other black background": "BOTH",
    "black any other black background": "BOTH",
    "chinese": "CHNE",
    "hong kong chinese": "CHKC",
    "any other ethnic group": "OOTH",
    "other ethnic group": "OOTH",
    "afghan": "OAFG",
    "arab other": "OARA",
    "filipino": "OFIL",
    "iranian": "OIRN",
    "iraqi": "OIRQ",
    "kurdish": "OKRD",
    "latin south central american": "OLAM",
    "vietnamese": "OVIE",
    "thai": "OTHA",
    "japanese": "OJPN",
    "korean": "OKOR",
    "yemeni": "OYEM",
    "refused": "REFU",
    "information refused": "REFU",
    "information not yet obtained": "NOBT",
    "not obtained": "NOBT",
}

LANGUAGE_DESCRIPTIONS = {
    "english": "ENG",
    "english english": "ENG",
    "believed to be english": "ENB",
    "not known but believed to be english": "ENB",
    "other than english": "OTH",
    "believed to be other than english": "OTB",
    "not known but believed to be other than english": "OTB",
    "information not obtained": "NOT",
    "not obtained": "NOT",
    "refused": "REF",
    "information refused": "REF",
    "albanian": "ALB",
    "albanian shqip": "ALB",
    "arabic": "ARA",
    "bengali": "BNG",
    "bengali bangla": "BNG",
    "sylheti": "BNGS",
    "bengali sylheti": "BNGS",
    "british sign language": "BSL",
    "bulgarian": "BUL",
    "chinese": "CHI",
    "cantonese": "CHIC",
    "chinese cantonese": "CHIC",
    "mandarin": "CHIM",
    "chinese mandarin": "CHIM",
    "mandarin putonghua": "CHIM",
    "czech": "CZE",
    "dutch": "DUT",
    "dutch flemish": "DUT",
    "french": "FRN",
    "german": "GER",
    "greek": "GRE",
    "gujarati": "GUJ",
    "hindi": "HDI",
    "hungarian": "HUN",
    "italian": "ITA",
    "japanese": "JPN",
    "kurdish": "KUR",
    "lithuanian": "LIT",
    "nepali": "NEP",
    "panjabi": "PNJ",
    "punjabi": "PNJ",
    "pashto": "PAS",
    "pashto pakhto": "PAS",
    "polish": "POL",
    "portuguese": "POR",
    "romanian": "RMN",
    "russian": "RUS",
    "somali": "SOM",
    "spanish": "SPA",
    "tamil": "TAM",
    "turkish": "TUR",
    "ukrainian": "UKR",
    "urdu": "URD",
    "vietnamese": "VIE",
    "welsh": "WEL",
    "welsh cymraeg": "WEL",
    "yoruba": "YOR",
}

# First-language codes that do not make a pupil EAL.
NOT_EAL_LANGUAGES = frozenset({"ENG", "ENB", "NOT", "REF"})


# Every description of the DfE's lists is taken too, after the MIS wordings above.
ETHNICITY_WORDS = {
    **{_words(name): code for code, name in ETHNICITY_CODES.items()},
    **ETHNICITY_DESCRIPTIONS,
}
LANGUAGE_WORDS = {
    **{_words(name): code for code, name in LANGUAGE_CODES.items()},
    **LANGUAGE_DESCRIPTIONS,
}


def _census_code(
    value: object,
    descriptions: dict[str, str],
    codes: Mapping[str, str],
    what: str,
    example: str,
    names: str,
    allowed: str,
) -> str:
    """A census code, or its description. Descriptions are looked up first ("Thai" and
    "Urdu" are names, not codes); a word of three or four letters written in capitals (or
    all in small letters) is otherwise read as a code, and taken only if it is on the DfE's
    list (`codes`); `allowed` says which codes are."""
    original = shown(value)
    # "White - British", "White British", "Asian or Asian British - Indian" are all written.
    for key in (
        _words(original),
        _words(original.replace(" - ", " ")),
        _words(re.sub(r"^[A-Z]{3,4}\s+-\s+", "", original)),
        _words(re.sub(r"^.*\bor\b.*?\bbritish\s*-\s*", "", original, flags=re.IGNORECASE)),
    ):
        if key in descriptions:
            return descriptions[key]
    code = _code_before_dash(value)
    if re.fullmatch(r"[A-Za-z]{3,4}", code) and (code.isupper() or code.islower()):
        if code.upper() in codes:
            return code.upper()
        raise CellError(f"'{code}' is not one of the DfE's {what} codes: {allowed}")
    raise CellError(
        f"expected the census {what} code (for example {example}) or its description (such "
        f"as {names}), not '{original}'."
    )


ETHNICITY_ALLOWED = (
    "the main codes are "
    + ", ".join(ETHNICITY_MAIN_CODES)
    + ", and the extended codes of the school census (such as WENG, AMPK, BNGN) are taken too."
)
LANGUAGE_ALLOWED = (
    f"the school census's list of first languages ({len(LANGUAGE_CODES)} codes, such as "
    + ", ".join(LANGUAGE_EXAMPLES)
    + "), or the language's name."
)


def parse_ethnicity(value: object) -> str:
    return _census_code(
        value,
        ETHNICITY_WORDS,
        ETHNICITY_CODES,
        "ethnicity",
        "WBRI",
        "White - British, Black African",
        ETHNICITY_ALLOWED,
    )


def parse_language(value: object) -> str:
    return _census_code(
        value,
        LANGUAGE_WORDS,
        LANGUAGE_CODES,
        "language",
        "ENG",
        "English, Polish, Urdu",
        LANGUAGE_ALLOWED,
    )


# Results ------------------------------------------------------------------------------------

_BOUND_BELOW = re.compile(r"^(?:<|below|under|less than)\s*(.+)$", re.IGNORECASE)
_BOUND_ABOVE = re.compile(r"^(?:>|above|over|more than)\s*(.+)$|^(.+?)\s*\+$", re.IGNORECASE)
_BOUND_BELOW_AFTER = re.compile(r"^(.+?)\s*-$")


def split_bound(value: object) -> tuple[object, str]:
    """('<70' -> ('70', '<'), '131+' -> ('131', '>'), '70' -> ('70', '')): a score written as
    a bound of the test's range, and which side the pupil's score lies."""
    if not isinstance(value, str):
        return value, ""
    original = value.strip()
    if match := _BOUND_BELOW.match(original):
        return match.group(1).strip(), "<"
    if match := _BOUND_ABOVE.match(original):
        return (match.group(1) or match.group(2)).strip(), ">"
    match = _BOUND_BELOW_AFTER.match(original)
    if match and re.fullmatch(r"\d+(?:\.\d+)?", match.group(1)):
        return match.group(1).strip(), "<"
    return original, ""


_AGE_WORDS = re.compile(
    r"^(\d{1,2})\s*(?:y|yr|yrs|years?)\s*,?\s*(?:(\d{1,2})\s*(?:m|mth|mths|months?))?$",
    re.IGNORECASE,
)
_AGE_SEPARATED = re.compile(r"^(\d{1,2})\s*[.:;/]\s*(\d{1,2})$")
_EXPECTED_AGE = "an age in years and months, such as 9.04, 9:04, 9y 4m or 9 years 4 months"


def parse_age_months(value: object) -> Decimal:
    """A reading or spelling age as months: '9.04', '9:04', '9.4', '9y 4m', '9 years 4
    months' and '9 years' are 9 years and 4 months (112) or 108; a whole number above 20 is
    already months."""
    if isinstance(value, bool):
        raise CellError(f"expected {_EXPECTED_AGE}, not {value}.")
    original = shown(value)
    if isinstance(value, float) and not value.is_integer():
        # 9.04 typed into Excel comes back as the number 9.04; 9.10 as 9.1 (ten months).
        original = f"{value:.2f}"
    years: int
    months: int
    if match := _AGE_SEPARATED.match(original):
        years, months = int(match.group(1)), int(match.group(2))
    elif match := _AGE_WORDS.match(original):
        years, months = int(match.group(1)), int(match.group(2) or 0)
    elif re.fullmatch(r"\d{1,3}", original):
        number = int(original)
        if number > 20:
            return Decimal(number)
        years, months = number, 0
    else:
        raise CellError(f"expected {_EXPECTED_AGE}, not '{original}'.")
    if months > 11:
        raise CellError(
            f"'{original}' is not an age in years and months: a year has 12 months, so the "
            f"months run from 0 to 11 (expected {_EXPECTED_AGE})."
        )
    return Decimal(years * 12 + months)

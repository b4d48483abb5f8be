"""A CTF's attainment results as provmap keeps them: which measure each goes to, and its value.

Each stage, subject, method and component is one measure of the school ("KS2 MAT test",
"KS1 WRI teacher assessment", "PHON PC test"), created as an attainment measure the first time
a file brings results for it. Results are numbers (scaled scores, phonics marks) or teacher
assessment grades; grades are kept on an attainment-grade measure as their place in the order
below (so that progress from "working towards" to "expected" can be counted), which the
measure's description spells out. Codes that are not results (A absent, D disapplied, Wt/Wa,
and anything else) are not stored: the import's report counts them by code.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from provmap.interchange.ctf import CTFAttainment
from provmap.pupils.models import Measure

# Teacher assessment grades (the pre-key-stage standards and the key stage frameworks), in
# order, as the numbers an attainment-grade measure stores.
GRADES: dict[str, int] = {
    "BLW": 1,  # below the pre-key-stage standards
    "PKF": 2,  # foundations for the expected standard
    "PK1": 3,
    "PK2": 4,
    "PK3": 5,
    "PK4": 6,
    "PK5": 7,
    "PK6": 8,
    "HNM": 9,  # has not met the expected standard
    "WTS": 9,  # working towards the expected standard
    "EXS": 10,  # working at the expected standard
    "GDS": 11,  # working at greater depth
}
GRADE_DESCRIPTION = (
    "Teacher assessments from CTF files, kept as numbers in order: "
    + ", ".join(f"{code} {value}" for code, value in GRADES.items())
    + "."
)

_METHODS = {"TA": "teacher assessment", "TT": "test", "TS": "test", "EX": "test"}

# The marks of checks whose range is fixed.
_RANGES: dict[str, tuple[Decimal, Decimal]] = {
    "PHON": (Decimal(0), Decimal(40)),  # the phonics screening check: 40 words
    "MTC": (Decimal(0), Decimal(25)),  # the multiplication tables check: 25 questions
}


def measure_name(attainment: CTFAttainment) -> str:
    """The school's measure for this stage, subject, method and component."""
    words = [attainment.stage, attainment.subject]
    if attainment.method:
        words.append(_METHODS.get(attainment.method, attainment.method))
    if attainment.component:
        words.append(attainment.component)
    return " ".join(words)[:120]


@dataclass(frozen=True)
class AttainmentValue:
    """A result read: its value and the scale of measure it belongs on, or None (with the
    code) when it is not a result provmap can keep."""

    value: Decimal | None
    scale: str
    code: str = ""


def read_result(attainment: CTFAttainment) -> AttainmentValue:
    written = attainment.result.strip()
    grade = GRADES.get(written.upper())
    if grade is not None:
        return AttainmentValue(Decimal(grade), Measure.Scale.GRADE)
    try:
        number = Decimal(written)
    except InvalidOperation:
        return AttainmentValue(None, "", written)
    if not number.is_finite():
        return AttainmentValue(None, "", written)
    return AttainmentValue(number, Measure.Scale.RAW)


@dataclass(frozen=True)
class MeasureSpec:
    name: str
    scale: str
    min_value: Decimal | None
    max_value: Decimal | None
    description: str


def measure_spec(attainment: CTFAttainment, scale: str) -> MeasureSpec:
    """The measure to create for a result on `scale` (grade or raw)."""
    name = measure_name(attainment)
    if scale == Measure.Scale.GRADE:
        return MeasureSpec(
            name,
            scale,
            Decimal(min(GRADES.values())),
            Decimal(max(GRADES.values())),
            GRADE_DESCRIPTION,
        )
    low, high = _RANGES.get(attainment.stage, (None, None))
    return MeasureSpec(name, scale, low, high, "Results from CTF files.")


def fits(measure_scale: str, value_scale: str) -> bool:
    """A grade belongs on a grade measure, a number on any other."""
    return (measure_scale == Measure.Scale.GRADE) == (value_scale == Measure.Scale.GRADE)

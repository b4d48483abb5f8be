"""What a measure tells about, guessed from its name and scale when a measure is made from
a name alone (an imported spreadsheet's column heading); the school can correct it, and
the impact pages read the measure's `kind`, never its name.

Plain functions of strings: no database.
"""

from __future__ import annotations

ATTAINMENT = "attainment"
ATTENDANCE = "attendance"
BEHAVIOUR = "behaviour"
WELLBEING = "wellbeing"
OTHER = "other"

# Words in a measure's name, in the order they are looked for.
_BY_NAME = (
    (ATTENDANCE, ("attend", "absence")),
    (BEHAVIOUR, ("behav", "exclusion", "incident", "detention")),
    (WELLBEING, ("sdq", "wellbeing", "well-being", "boxall", "anxiety", "emotional", "mood")),
    (
        ATTAINMENT,
        ("reading", "spelling", "maths", "math", "writing", "phonics", "vocab", "comprehension"),
    ),
)
_ATTAINMENT_SCALES = ("standardised", "grade", "age_months")


def guess_kind(name: str, scale: str = "") -> str:
    """Attendance, behaviour, wellbeing or attainment by the words of the name; attainment
    for standardised scores, grades and reading or spelling ages; otherwise other."""
    lowered = name.lower()
    for kind, words in _BY_NAME:
        if any(word in lowered for word in words):
            return kind
    return ATTAINMENT if scale in _ATTAINMENT_SCALES else OTHER

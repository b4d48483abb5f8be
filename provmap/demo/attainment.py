"""How the demo pupils score: a hidden "true" level on each measure, observed with noise.

Every observed score is the pupil's true level plus measurement noise, so pupils picked for a
low score tend to score higher next time whatever is done (regression to the mean), exactly
the trap a school's impact figures must expose. Provision changes the true level by its
effect; part of the gain lasts (later cohort tests show it), part fades.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass, field
from decimal import Decimal

from provmap.demo.school_calendar import age_in_months
from provmap.pupils.needs import NeedType

# Noise of one observation, in each measure's units.
NOISE = {
    "reading": 5.0,
    "maths": 5.0,
    "reading_age": 4.0,
    "spelling_age": 4.0,
    "sdq": 2.0,
    "boxall": 5.0,
    "attendance": 1.8,
    "behaviour": 2.5,
    "speech": 1.0,
    "eal": 0.3,
    "handwriting": 1.2,
    "typing": 2.0,
}
# Lowest and highest value a test can report (floors and ceilings of real tests).
LIMITS = {
    "reading": (55, 145),
    "maths": (55, 145),
    "reading_age": (60, 204),
    "spelling_age": (60, 204),
    "sdq": (0, 40),
    "boxall": (0, 100),
    "attendance": (20, 100),
    "behaviour": (0, 120),
    "speech": (0, 20),
    "eal": (1, 5),
    "handwriting": (2, 45),
    "typing": (2, 80),
}
LOWER_IS_BETTER = frozenset({"sdq", "behaviour"})
# Share of a provision's effect still there in later terms.
PERSISTENCE = 0.6
# Standardised points per month of reading or spelling age, for a secondary pupil.
POINTS_PER_MONTH = 15 / 20


@dataclass
class Traits:
    """What shapes a pupil's scores: flags, needs and hidden levels."""

    date_of_birth: dt.date
    needs: tuple[str, ...]
    male: bool
    disadvantaged: bool
    eal_stage: int | None  # 1-5 for EAL pupils, None otherwise
    at_risk: bool
    young_carer: bool
    looked_after: bool
    general: float  # latent general ability, mean 0, SD 1
    reading: float = 100.0  # true standardised reading score
    maths: float = 100.0
    absence: float = 5.0  # true absence rate, %
    levels: dict[str, float] = field(default_factory=dict)  # other measures, set on first use

    def has(self, *needs: str) -> bool:
        return any(need in self.needs for need in needs)


def set_initial_levels(traits: Traits, rng: random.Random) -> None:
    """Give a pupil their true reading, maths and attendance from their profile."""
    reading_gap = 0.0
    maths_gap = 0.0
    if traits.has(NeedType.SPLD):
        reading_gap -= 0.9
        maths_gap -= 0.2
    if traits.has(NeedType.MLD, NeedType.SLD):
        reading_gap -= 0.5
        maths_gap -= 0.6
    if traits.has(NeedType.SLCN):
        reading_gap -= 0.5
        maths_gap -= 0.3
    if traits.has(NeedType.SEMH):
        reading_gap -= 0.2
        maths_gap -= 0.3
    if traits.has(NeedType.NSA, NeedType.HI):
        reading_gap -= 0.3
        maths_gap -= 0.2
    if traits.disadvantaged:
        reading_gap -= 0.15
        maths_gap -= 0.15
    if traits.eal_stage is not None and traits.eal_stage <= 2:
        reading_gap -= 0.9
        maths_gap -= 0.3
    traits.reading = 100 + 13 * (traits.general + reading_gap) + rng.gauss(0, 5)
    traits.maths = 100 + 13 * (traits.general + maths_gap) + rng.gauss(0, 5)
    absence = math.exp(rng.gauss(math.log(4.0), 0.6))
    absence += 1.5 * bool(traits.needs) + 2.5 * traits.disadvantaged
    absence += 3.0 * traits.has(NeedType.SEMH) + 3.0 * traits.at_risk + 3.0 * traits.young_carer
    traits.absence = min(absence, 60.0)


def _initial_level(traits: Traits, key: str, rng: random.Random) -> float:
    has = traits.has
    if key == "reading_age":
        return (traits.reading - 100) / POINTS_PER_MONTH + rng.gauss(0, 4)
    if key == "spelling_age":
        return (traits.reading - 100) / POINTS_PER_MONTH - 6 * has(NeedType.SPLD) + rng.gauss(0, 6)
    if key == "sdq":
        level: float = 7 + 8 * has(NeedType.SEMH) + 4 * has(NeedType.ASD) + 2 * has(NeedType.SLCN)
        level += 3 * traits.at_risk + 2 * traits.looked_after + 1.5 * traits.young_carer
        return level + rng.gauss(0, 3.5)
    if key == "boxall":
        level = 78 - 16 * has(NeedType.SEMH) - 8 * has(NeedType.ASD) - 5 * has(NeedType.MLD)
        return level - 6 * traits.looked_after + rng.gauss(0, 8)
    if key == "behaviour":
        level = 2 + 9 * traits.at_risk + 5 * has(NeedType.SEMH) + 2 * traits.male
        return max(0.0, level + 2 * traits.disadvantaged + rng.gauss(0, 3))
    if key == "speech":
        level = 13 - 4 * has(NeedType.SLCN) - 3 * has(NeedType.ASD) - 2 * has(NeedType.MLD)
        level -= 2 * (traits.eal_stage is not None and traits.eal_stage <= 2)
        return level + rng.gauss(0, 2)
    if key == "eal":
        return float(traits.eal_stage or 5) + rng.uniform(-0.3, 0.3)
    if key == "handwriting":
        level = 14 - 4 * has(NeedType.PD, NeedType.SPLD) - 2 * has(NeedType.MLD)
        return level + rng.gauss(0, 2.5)
    if key == "typing":
        return 14 - 3 * has(NeedType.PD, NeedType.VI) + rng.gauss(0, 4)
    raise ValueError(f"no model for measure '{key}'")


def true_level(traits: Traits, key: str, on: dt.date, rng: random.Random) -> float:
    """The pupil's true level on a measure on a date (reading ages grow with the pupil)."""
    if key == "reading":
        return traits.reading
    if key == "maths":
        return traits.maths
    if key == "attendance":
        return 100 - traits.absence
    if key not in traits.levels:
        traits.levels[key] = _initial_level(traits, key, rng)
    level = traits.levels[key]
    if key in ("reading_age", "spelling_age"):
        # Stored as the gap from chronological age, so the age itself rises month by month.
        return age_in_months(traits.date_of_birth, on) + level
    return level


def observe(traits: Traits, key: str, on: dt.date, rng: random.Random) -> Decimal:
    """One test result: the true level plus noise, within the test's floor and ceiling."""
    value = true_level(traits, key, on, rng) + rng.gauss(0, NOISE[key])
    low, high = LIMITS[key]
    value = min(max(value, low), high)
    if key == "attendance":
        return Decimal(str(round(value, 1)))
    return Decimal(round(value))


def improve(traits: Traits, key: str, amount: float) -> None:
    """Move the pupil's true level by `amount` in the better direction."""
    if key in LOWER_IS_BETTER:
        amount = -amount
    if key == "reading":
        traits.reading += amount
    elif key == "maths":
        traits.maths += amount
    elif key == "attendance":
        traits.absence = max(0.0, traits.absence - amount)
    else:
        # Only measured levels move: observe() has set the level before any provision ends.
        traits.levels[key] += amount
    # Reading ages and standardised reading scores measure the same skill.
    if key in ("reading_age", "spelling_age"):
        traits.reading += amount * POINTS_PER_MONTH * 0.5
    elif key == "reading" and "reading_age" in traits.levels:
        traits.levels["reading_age"] += amount / POINTS_PER_MONTH


def term_passes(traits: Traits, rng: random.Random) -> None:
    """A term's change without provision: scores wander a little, EAL pupils pick up
    English."""
    traits.reading += rng.gauss(0, 1.2)
    traits.maths += rng.gauss(0, 1.2)
    if "eal" in traits.levels:
        traits.levels["eal"] = min(5.0, traits.levels["eal"] + 0.25)

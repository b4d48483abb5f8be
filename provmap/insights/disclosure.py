"""The small-number rule: what those who see the school's figures but no pupil are shown.

Governors and trust leaders without pupil access see figures about children they may not
see, so a count of one to four pupils (or a mean, share, effect or cost worked out from so
few) could single a child out: "At risk of exclusion: 3" in a school of 400 is a list of
names to anyone who knows the school. For them, everywhere:

* a count of 1 to SMALL_NUMBER - 1 pupils is shown as "fewer than 5" (0 is shown: it names
  nobody);
* where a line of counts has a total that is shown (or can be worked out, as the peers of a
  group can), the withheld counts must add up to SMALL_NUMBER or more, so that none of them
  can be worked out by subtraction: the next smallest count is withheld too, until they do
  (a lone small count always takes another with it);
* a figure worked out from fewer than SMALL_NUMBER pupils is not shown.

Those who see pupils (whole-school readers, heads of year, staff) see exact figures.
Plain functions and values: no database, no web framework. Views build one `Disclosure`
from the user's scope and use it for every count and figure they pass to a page.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from provmap.insights import wording

# The smallest number of pupils a figure shown to aggregate-only viewers may be about. Five
# is the threshold of the DfE's own school statistics and of the verdicts (MIN_PUPILS).
SMALL_NUMBER = 5
FEWER_THAN = f"fewer than {SMALL_NUMBER}"
# A count that is not small itself but would give a small one away by subtraction.
WITHHELD = "withheld"
# Said where a figure, a group or a chart is held back.
WHY = (
    f"Numbers of {FEWER_THAN} pupils, and figures worked out from them, are not shown: with so "
    "few, a figure could single a child out. Where a small number could be worked out from a "
    f"total, the next smallest is {WITHHELD} too."
)
FROM_FEW = f"{FEWER_THAN} pupils"

T = TypeVar("T")


def is_small(count: int) -> bool:
    """1 to 4 pupils (0 names nobody)."""
    return 0 < count < SMALL_NUMBER


def withheld_cells(
    cells: Sequence[int], *, total: int | None, total_first: bool = False
) -> tuple[set[int], bool]:
    """Which cells of a line of counts to withhold (their indexes), and whether its total is.

    Small cells are withheld. When the line has a total that is shown (`total` given), the
    withheld cells must add up to SMALL_NUMBER or more, else the next smallest non-zero cell
    is withheld too; a total above the cells' sum counts its remainder as one more cell (not
    shown, but it could be worked out). With `total_first`, the total is withheld instead of
    further cells."""
    hidden = {index for index, count in enumerate(cells) if is_small(count)}
    if total is None:
        return hidden, False
    every = [*cells, max(total - sum(cells), 0)]
    hidden_all = {index for index, count in enumerate(every) if is_small(count)}
    if total_first and hidden_all and sum(every[i] for i in hidden_all) < SMALL_NUMBER:
        # Withholding the total protects the small cells without losing any other.
        return {index for index in hidden_all if index < len(cells)}, True
    while hidden_all and sum(every[index] for index in hidden_all) < SMALL_NUMBER:
        left = [index for index, count in enumerate(every) if count and index not in hidden_all]
        if not left:
            break
        hidden_all.add(min(left, key=lambda index: (every[index], index)))
    return {index for index in hidden_all if index < len(cells)}, is_small(total)


@dataclass(frozen=True)
class Cell:
    """A count as a page shows it: the number, or why it is not shown."""

    value: int
    shown: bool = True
    secondary: bool = False

    def __str__(self) -> str:
        if self.shown:
            return str(self.value)
        return WITHHELD if self.secondary else FEWER_THAN

    def __html__(self) -> str:
        return str(self)

    @property
    def words(self) -> str:
        """Why a figure worked out from these pupils is not shown ('' when it is)."""
        if self.shown:
            return ""
        return WITHHELD if self.secondary else FROM_FEW


@dataclass(frozen=True)
class Line:
    cells: list[Cell]
    total: Cell | None = None

    @property
    def hidden(self) -> set[int]:
        return {index for index, cell in enumerate(self.cells) if not cell.shown}

    @property
    def any_hidden(self) -> bool:
        return any(not cell.shown for cell in self.cells)


# Sentences that carry a count of pupils, with the count as (?P<n>...).
_COUNTED = [
    re.escape(template)
    .replace(re.escape("{n}"), r"(?P<n>\d+)")
    .replace(re.escape("{minimum}"), r"\d+")
    for template in (wording.REASON_TOO_FEW_PUPILS, wording.REASON_TOO_FEW_COMPARISON)
]


@dataclass(frozen=True)
class Disclosure:
    """How exactly one viewer may see counts of pupils: `exact` for those who see pupils,
    the small-number rule for those who see figures only."""

    exact: bool

    @classmethod
    def for_scope(cls, scope: Any) -> Disclosure:
        """From a PupilScope (read by its attribute: this module imports no models)."""
        return cls(exact=bool(scope.sees_any_pupil))

    @property
    def why(self) -> str:
        return "" if self.exact else WHY

    @property
    def from_few(self) -> str:
        return FROM_FEW

    def hides(self, count: int) -> bool:
        """Is a count of pupils, or a figure worked out from that many, held back?"""
        return not self.exact and is_small(count)

    def count(self, count: int) -> Cell:
        return Cell(count, shown=not self.hides(count))

    def line(
        self, cells: Sequence[int], *, total: int | None = None, total_first: bool = False
    ) -> Line:
        """A line of counts whose total (when given) is shown or could be worked out."""
        if self.exact:
            return Line(
                [Cell(value) for value in cells], Cell(total) if total is not None else None
            )
        hidden, total_hidden = withheld_cells(cells, total=total, total_first=total_first)
        shown = [
            Cell(value, shown=index not in hidden, secondary=not is_small(value))
            for index, value in enumerate(cells)
        ]
        if total is None:
            return Line(shown)
        return Line(shown, Cell(total, shown=not total_hidden, secondary=not is_small(total)))

    def figure(self, value: T, *, pupils: int) -> T | None:
        """A mean, share, effect or cost worked out from `pupils` pupils, or None."""
        return None if self.hides(pupils) else value

    def share(self, value: float | None, *, of: int) -> float | None:
        """A share of `of` pupils, or None: withheld when `of` is small, and when the pupils
        it counts (or those it leaves out) are 1 to 4, since "12% of 8" is one child."""
        if value is None or self.exact:
            return value
        counted = round(value * of)
        if is_small(of) or is_small(counted) or is_small(of - counted):
            return None
        return value

    def text(self, sentence: str) -> str:
        """A sentence with any small count of pupils in it written as 'fewer than 5'."""
        if self.exact or not sentence:
            return sentence

        def replace(match: re.Match[str]) -> str:
            whole, count = match.group(0), int(match.group("n"))
            if not is_small(count):
                return whole
            start, end = match.span("n")
            offset = match.start()
            return whole[: start - offset] + FEWER_THAN + whole[end - offset :]

        for pattern in _COUNTED:
            sentence = re.sub(pattern, replace, sentence)
        return sentence


EXACT = Disclosure(exact=True)
AGGREGATE = Disclosure(exact=False)

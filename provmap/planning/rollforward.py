"""Rolling the map forward: which of this term's runs go on into the next term, with which
pupils, and what is left behind and why. Pure rules on plain data (no models): the selector
(planning/rolling.py) reads the school, the service writes what this decides.

A run is copied when it is planned or running, its provision is still offered, the latest
review decision on its provision this year is not "stop", and it ends before the target term
begins (a run that goes on into the target term needs no copy). Its pupils are carried when
their place is planned or active and they are still on roll when the target term starts; in
a new academic year each moves up a year group, and those in the school's final year group
(Year 6 in a primary, Year 11, or Year 13 with a sixth form) leave.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

# The NC year groups in order (pupils.models.NCYear's values; kept here as plain text).
YEAR_ORDER: tuple[str, ...] = (
    "N1",
    "N2",
    "R",
    "1",
    "2",
    "3",
    "4",
    "5",
    "6",
    "7",
    "8",
    "9",
    "10",
    "11",
    "12",
    "13",
)

RUN_STATUSES_CARRIED = frozenset({"planned", "running"})
PLACE_STATUSES_CARRIED = frozenset({"planned", "active"})
LEAVING_WORDS = {
    "completed": "completed",
    "withdrawn": "withdrawn",
    "moved": "moved to another group",
    "left_school": "left the school",
}


def long_date(value: dt.date) -> str:
    """ "3 Dec 2026"."""
    return f"{value.day} {value:%b %Y}"


def year_words(year: str) -> str:
    """ "Year 7", "Reception", "Nursery 2"."""
    if year == "R":
        return "Reception"
    if year.startswith("N"):
        return f"Nursery {year[1:]}"
    return f"Year {year}"


def next_year(year: str) -> str | None:
    """The year group after `year` (None after Year 13 or for an unknown year)."""
    if year not in YEAR_ORDER:
        return None
    index = YEAR_ORDER.index(year) + 1
    return YEAR_ORDER[index] if index < len(YEAR_ORDER) else None


def final_year(phase: str, years_on_roll: Iterable[str]) -> str:
    """The school's last year group, whose pupils leave at the end of the year: Year 6 in a
    primary school, otherwise the highest year group on roll (Year 11, or Year 13 with a
    sixth form; a middle school's own top year), Year 11 when nobody is on roll."""
    if phase == "primary":
        return "6"
    known = [year for year in years_on_roll if year in YEAR_ORDER]
    if not known:
        return "11"
    return max(known, key=YEAR_ORDER.index)


@dataclass(frozen=True)
class Place:
    """A pupil's place in a run this term."""

    pupil_id: int
    year: str
    status: str
    leaving_reason: str = ""
    # The last day on roll (None while on roll) and whether the record is archived.
    on_roll_to: dt.date | None = None
    archived: bool = False


@dataclass(frozen=True)
class Run:
    """A run this term, with its provision's state and its pupils."""

    run_id: int
    provision_id: int
    status: str
    end_date: dt.date
    usual_years: frozenset[str] = frozenset()
    provision_active: bool = True
    places: tuple[Place, ...] = ()


@dataclass(frozen=True)
class Decision:
    """A review decision on a provision (continue, change or stop) and its date."""

    provision_id: int
    decision: str
    decided_on: dt.date
    # Ties on a day: the later recorded wins (a higher sequence).
    sequence: int = 0


@dataclass(frozen=True)
class Target:
    """The term being rolled into."""

    start_date: dt.date
    new_year: bool
    final_year: str = "11"


@dataclass(frozen=True)
class Carried:
    pupil_id: int
    from_year: str
    to_year: str
    warning: str = ""

    @property
    def years(self) -> str:
        """ "Year 7 to Year 8", or "Year 7" in the same year."""
        if self.from_year == self.to_year:
            return year_words(self.to_year)
        return f"{year_words(self.from_year)} to {year_words(self.to_year)}"


@dataclass(frozen=True)
class LeftPupil:
    pupil_id: int
    reason: str


@dataclass(frozen=True)
class Copy:
    """A run to copy into the target term, its pupils carried and those left behind."""

    run_id: int
    carried: tuple[Carried, ...]
    left: tuple[LeftPupil, ...]
    # What the SENCO should look at (a change decided at review).
    note: str = ""


@dataclass(frozen=True)
class LeftRun:
    run_id: int
    reason: str


@dataclass(frozen=True)
class Roll:
    copies: tuple[Copy, ...]
    left: tuple[LeftRun, ...]

    @property
    def places(self) -> int:
        return sum(len(copy.carried) for copy in self.copies)


@dataclass(frozen=True)
class Choices:
    """What the SENCO leaves behind on the preview: whole runs, or pupils in a run."""

    leave_runs: frozenset[int] = frozenset()
    leave_places: frozenset[tuple[int, int]] = field(default_factory=frozenset)


def latest_decisions(decisions: Iterable[Decision]) -> dict[int, Decision]:
    """Each provision's latest decision (by date, then by the order they were recorded)."""
    latest: dict[int, Decision] = {}
    for decision in decisions:
        current = latest.get(decision.provision_id)
        if current is None or (decision.decided_on, decision.sequence) > (
            current.decided_on,
            current.sequence,
        ):
            latest[decision.provision_id] = decision
    return latest


def run_left_reason(run: Run, decision: Decision | None, target: Target) -> str | None:
    """Why a run is not copied (None: it is)."""
    if run.status == "closed":
        return "completed"
    if run.status not in RUN_STATUSES_CARRIED:
        return f"its status is {run.status}"
    if decision is not None and decision.decision == "stop":
        return f"stopped at the review on {long_date(decision.decided_on)}"
    if not run.provision_active:
        return "the provision is no longer offered"
    if run.end_date >= target.start_date:
        return f"it runs on into the next term (to {long_date(run.end_date)})"
    return None


def place_left_reason(place: Place, target: Target) -> str | None:
    """Why a pupil is not carried (None: they are)."""
    if place.status not in PLACE_STATUSES_CARRIED:
        return LEAVING_WORDS.get(place.leaving_reason) or LEAVING_WORDS.get(
            place.status, place.status
        )
    if place.archived or (place.on_roll_to is not None and place.on_roll_to < target.start_date):
        return "left the school"
    if target.new_year and (place.year == target.final_year or next_year(place.year) is None):
        return f"finished {year_words(place.year)}"
    return None


def _carry(place: Place, run: Run, target: Target) -> Carried:
    to_year = (next_year(place.year) or place.year) if target.new_year else place.year
    warning = ""
    if run.usual_years and to_year not in run.usual_years:
        usual = ", ".join(year_words(year) for year in sorted(run.usual_years, key=_year_key))
        warning = f"now in {year_words(to_year)}: the provision is usually for {usual}"
    return Carried(pupil_id=place.pupil_id, from_year=place.year, to_year=to_year, warning=warning)


def _year_key(year: str) -> int:
    return YEAR_ORDER.index(year) if year in YEAR_ORDER else len(YEAR_ORDER)


def plan_roll(runs: Sequence[Run], decisions: Iterable[Decision], target: Target) -> Roll:
    """What rolling `runs` forward into `target` would create, and what it leaves behind."""
    latest = latest_decisions(decisions)
    copies: list[Copy] = []
    left_runs: list[LeftRun] = []
    for run in runs:
        decision = latest.get(run.provision_id)
        reason = run_left_reason(run, decision, target)
        if reason is not None:
            left_runs.append(LeftRun(run_id=run.run_id, reason=reason))
            continue
        carried: list[Carried] = []
        left: list[LeftPupil] = []
        for place in run.places:
            why = place_left_reason(place, target)
            if why is None:
                carried.append(_carry(place, run, target))
            else:
                left.append(LeftPupil(pupil_id=place.pupil_id, reason=why))
        note = ""
        if decision is not None and decision.decision == "change":
            note = f"to change, decided at the review on {long_date(decision.decided_on)}"
        copies.append(Copy(run.run_id, tuple(carried), tuple(left), note))
    return Roll(copies=tuple(copies), left=tuple(left_runs))


def apply_choices(roll: Roll, choices: Choices) -> Roll:
    """The roll with the runs and pupils the SENCO chose to leave behind moved to `left`."""
    copies: list[Copy] = []
    left_runs = list(roll.left)
    for copy in roll.copies:
        if copy.run_id in choices.leave_runs:
            left_runs.append(LeftRun(run_id=copy.run_id, reason="left behind by choice"))
            continue
        carried = [c for c in copy.carried if (copy.run_id, c.pupil_id) not in choices.leave_places]
        chosen = [
            LeftPupil(pupil_id=c.pupil_id, reason="left behind by choice")
            for c in copy.carried
            if (copy.run_id, c.pupil_id) in choices.leave_places
        ]
        copies.append(Copy(copy.run_id, tuple(carried), copy.left + tuple(chosen), copy.note))
    return Roll(copies=tuple(copies), left=tuple(left_runs))

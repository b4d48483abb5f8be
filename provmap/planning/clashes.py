"""Clashes in a term's timetable, worked out from plain values (no models).

Four kinds, each from the runs' timetable slots (`Slot`: a run, a weekday, start and end
times, the lesson withdrawn from), who is placed in them and when (`Place`), and who
delivers them (`StaffTime`):

(a) a pupil in two runs at once: two of their places whose dates overlap, in runs with slots
    on the same weekday whose times overlap (a slot ending at 09:30 and one starting at 09:30
    do not clash);
(b) a member of staff in two places at once: the same rule for two runs they deliver (the
    lead and every staff line count as delivering);
(c) staff weekly hours on runs against their contracted hours: the busiest week's minutes
    (the runs running on the same day, counted at each day a run starts, the only days the
    load can rise) as a share of their contract, over when above 100%;
(d) missed lessons: for each pupil and subject, the lessons a week withdrawn from across all
    their runs at once (the busiest day, as in (c)) against the lessons their year group has
    of it (`SubjectLessons`). Flagged when a pupil misses half or more of the subject's
    lessons a week ("misses 2 of 4 English lessons a week" is flagged; 1 of 4 is not).
    Subjects are matched without regard to case or surrounding spaces; a subject the school
    has not given lessons for is listed without a flag (there is nothing to count against).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import Decimal

from provmap.formatting import plural

DAYS = {1: "Mon", 2: "Tue", 3: "Wed", 4: "Thu", 5: "Fri"}


@dataclass(frozen=True)
class Slot:
    run: int
    weekday: int
    start: dt.time
    end: dt.time
    subject: str = ""


@dataclass(frozen=True)
class Place:
    """A pupil in a run from `start` to `end` (inclusive)."""

    pupil: int
    run: int
    start: dt.date
    end: dt.date


@dataclass(frozen=True)
class StaffTime:
    """A member of staff delivering a run from `start` to `end`, `minutes` a week."""

    staff: int
    run: int
    start: dt.date
    end: dt.date
    minutes: int


@dataclass(frozen=True)
class Clash:
    """`who` (a pupil or a member of staff) expected in `runs` at once on `weekday` from
    `start` to `end` (where the two slots overlap)."""

    who: int
    weekday: int
    start: dt.time
    end: dt.time
    runs: tuple[int, int]

    @property
    def when(self) -> str:
        return f"{DAYS.get(self.weekday, '?')} {self.start:%H:%M}"


@dataclass(frozen=True)
class StaffLoad:
    staff: int
    minutes: int
    contracted_minutes: int | None

    @property
    def share(self) -> int | None:
        """The busiest week's minutes as a whole percentage of the contract."""
        if not self.contracted_minutes:
            return None
        return round(100 * self.minutes / self.contracted_minutes)

    @property
    def over(self) -> bool:
        return self.contracted_minutes is not None and self.minutes > self.contracted_minutes

    @property
    def over_by(self) -> int:
        """Minutes a week beyond the contract (0 when within it or none is set)."""
        if self.contracted_minutes is None:
            return 0
        return max(0, self.minutes - self.contracted_minutes)


@dataclass(frozen=True)
class Missed:
    pupil: int
    subject: str
    missed: int
    per_week: int | None

    @property
    def flagged(self) -> bool:
        return self.per_week is not None and 2 * self.missed >= self.per_week

    @property
    def sentence(self) -> str:
        if self.per_week is None:
            return f"Misses {self.missed} {self.subject} {plural(self.missed, 'lesson')} a week"
        return (
            f"Misses {self.missed} of {self.per_week} {self.subject} "
            f"{plural(self.per_week, 'lesson')} a week"
        )


def subject_key(subject: str) -> str:
    return " ".join(subject.split()).casefold()


def _overlap(a: Slot, b: Slot) -> tuple[dt.time, dt.time] | None:
    if a.weekday != b.weekday:
        return None
    start, end = max(a.start, b.start), min(a.end, b.end)
    return (start, end) if start < end else None


def _dates_overlap(a_start: dt.date, a_end: dt.date, b_start: dt.date, b_end: dt.date) -> bool:
    return a_start <= b_end and b_start <= a_end


def _by_run(slots: Iterable[Slot]) -> dict[int, list[Slot]]:
    out: dict[int, list[Slot]] = defaultdict(list)
    for slot in slots:
        out[slot.run].append(slot)
    return out


def _clashes(
    spans: Mapping[int, list[tuple[int, dt.date, dt.date]]], slots: Mapping[int, list[Slot]]
) -> list[Clash]:
    """For each person, their (run, start, end) spans: the overlapping slots of any two."""
    found: set[Clash] = set()
    for who, runs in spans.items():
        for index, (run_a, start_a, end_a) in enumerate(runs):
            for run_b, start_b, end_b in runs[index + 1 :]:
                if run_a == run_b or not _dates_overlap(start_a, end_a, start_b, end_b):
                    continue
                for slot_a in slots.get(run_a, []):
                    for slot_b in slots.get(run_b, []):
                        times = _overlap(slot_a, slot_b)
                        if times:
                            pair = (min(run_a, run_b), max(run_a, run_b))
                            found.add(Clash(who, slot_a.weekday, *times, runs=pair))
    return sorted(found, key=lambda c: (c.who, c.weekday, c.start, c.runs))


def pupil_clashes(slots: Iterable[Slot], places: Iterable[Place]) -> list[Clash]:
    """(a) Pupils in two runs at overlapping times while both places last."""
    spans: dict[int, list[tuple[int, dt.date, dt.date]]] = defaultdict(list)
    for place in places:
        spans[place.pupil].append((place.run, place.start, place.end))
    return _clashes(spans, _by_run(slots))


def staff_clashes(slots: Iterable[Slot], staff: Iterable[StaffTime]) -> list[Clash]:
    """(b) Staff delivering two runs at overlapping times while both run."""
    spans: dict[int, list[tuple[int, dt.date, dt.date]]] = defaultdict(list)
    for line in staff:
        spans[line.staff].append((line.run, line.start, line.end))
    return _clashes(spans, _by_run(slots))


def _peak(spans: list[tuple[dt.date, dt.date, int]]) -> int:
    """The most `amount` running at once: the load only rises on a day something starts."""
    return max(
        (sum(amount for start, end, amount in spans if start <= day <= end) for day, _, _ in spans),
        default=0,
    )


def staff_loads(
    staff: Iterable[StaffTime], contracted_hours: Mapping[int, Decimal | None]
) -> list[StaffLoad]:
    """(c) Each member of staff's busiest week on runs against their contracted hours."""
    spans: dict[int, list[tuple[dt.date, dt.date, int]]] = defaultdict(list)
    for line in staff:
        spans[line.staff].append((line.start, line.end, line.minutes))
    loads = []
    for who, lines in spans.items():
        hours = contracted_hours.get(who)
        contract = round(hours * 60) if hours else None
        loads.append(StaffLoad(who, _peak(lines), contract))
    return sorted(loads, key=lambda load: load.staff)


def missed_lessons(
    slots: Iterable[Slot],
    places: Iterable[Place],
    years: Mapping[int, str],
    lessons: Mapping[tuple[str, str], int],
) -> list[Missed]:
    """(d) For each pupil and subject withdrawn from: lessons a week missed at the busiest
    time, against their year group's lessons of it (`lessons` keyed by year group and
    `subject_key`)."""
    by_run: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    names: dict[str, str] = {}
    for slot in slots:
        if slot.subject.strip():
            key = subject_key(slot.subject)
            names.setdefault(key, " ".join(slot.subject.split()))
            by_run[slot.run][key] += 1
    spans: dict[tuple[int, str], list[tuple[dt.date, dt.date, int]]] = defaultdict(list)
    for place in places:
        for key, count in by_run.get(place.run, {}).items():
            spans[place.pupil, key].append((place.start, place.end, count))
    out = []
    for (pupil, key), lines in spans.items():
        per_week = lessons.get((years.get(pupil, ""), key))
        out.append(Missed(pupil, names[key], _peak(lines), per_week))
    return sorted(out, key=lambda m: (m.pupil, subject_key(m.subject)))


def slot_text(weekday: int, start: dt.time, end: dt.time, subject: str = "") -> str:
    """ "Mon 09:00-09:30 (English)"."""
    text = f"{DAYS.get(weekday, '?')} {start:%H:%M}-{end:%H:%M}"
    return f"{text} ({subject})" if subject else text

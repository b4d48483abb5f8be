"""Gaps, over-provision and duplication (Kent's step 3, Guidance Sheet 8): the needs audit
set against the term's planned provision. Plain data in, plain results out: no models.

- A placement *meets* a kind of need when its catalogue entry is one of the kind's entries
  (`NeedKind.provisions`); a kind with no entries listed is met by a placement whose entry
  addresses the kind's broad area, or whose need addressed belongs to it.
- (a) `unmet_needs`: each audit cell (pupil, kind, level) with no placement meeting it, must
  first, then should, then could.
- (b) `over_provision`: placements meeting no need of their pupil in the audit (or of a pupil
  the audit leaves out).
- (c) `duplications`: a pupil in two or more runs meeting the same kind, addressing the same
  need type, or of the same catalogue entry.
- (d) `areas_without_provision`: kinds and broad areas with need in the audit and no wave-2/3
  entry meeting them in the catalogue, or none planned in the term.
- (e) `totals`: by year group and kind or broad area, the pupils with a need of each level,
  met and unmet.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property

MUST, SHOULD, COULD = "must", "should", "could"
LEVELS = (MUST, SHOULD, COULD)
LEVEL_RANK = {MUST: 0, SHOULD: 1, COULD: 2}
# Waves of targeted provision (wave 1 is quality-first teaching).
TARGETED_WAVES = frozenset({2, 3})


@dataclass(frozen=True)
class Cell:
    """One pupil's need for one kind of provision in the audit."""

    pupil: int
    kind: int
    level: str


@dataclass(frozen=True)
class Kind:
    """A column of the audit: its broad area ('' for none) and the catalogue entries that
    meet it."""

    id: int
    name: str
    area: str = ""
    provisions: frozenset[int] = frozenset()
    position: int = 0


@dataclass(frozen=True)
class Entry:
    """A catalogue entry: its wave, the broad areas it addresses and whether it is offered."""

    id: int
    name: str
    wave: int
    areas: frozenset[str] = frozenset()
    active: bool = True


@dataclass(frozen=True)
class Place:
    """A pupil's placement in one of the term's runs, with the need it addresses (a census
    need type, '' for none) and that need's broad area."""

    placement: int
    pupil: int
    run: int
    provision: int
    wave: int
    need_type: str = ""
    need_area: str = ""


@dataclass(frozen=True)
class World:
    """What the rules read: the audit's cells, its kinds, the catalogue, the term's
    placements and runs (run id to catalogue entry id; a run with nobody in it yet is
    planned provision too) and each pupil's year group."""

    cells: Sequence[Cell]
    kinds: Sequence[Kind]
    entries: Sequence[Entry]
    places: Sequence[Place]
    runs: Mapping[int, int] = field(default_factory=dict)
    years: Mapping[int, str] = field(default_factory=dict)

    @cached_property
    def kind_map(self) -> dict[int, Kind]:
        return {kind.id: kind for kind in self.kinds}

    @cached_property
    def entry_map(self) -> dict[int, Entry]:
        return {entry.id: entry for entry in self.entries}


def entry_meets(kind: Kind, entry_id: int, entries: Mapping[int, Entry]) -> bool:
    """Does the catalogue entry meet the kind? Its listed entries when it lists any, else
    an entry addressing its broad area."""
    if kind.provisions:
        return entry_id in kind.provisions
    entry = entries.get(entry_id)
    return bool(kind.area) and entry is not None and kind.area in entry.areas


def place_meets(kind: Kind, place: Place, entries: Mapping[int, Entry]) -> bool:
    """Does the placement meet the kind (its entry, or for a kind listing no entries, the
    need it addresses being of the kind's area)?"""
    if entry_meets(kind, place.provision, entries):
        return True
    return not kind.provisions and bool(kind.area) and place.need_area == kind.area


def _places_by_pupil(places: Iterable[Place]) -> dict[int, list[Place]]:
    found: dict[int, list[Place]] = defaultdict(list)
    for place in places:
        found[place.pupil].append(place)
    return found


# --- (a) needs with no planned provision ---------------------------------------------------


@dataclass(frozen=True)
class Need:
    """An audit cell with the placements meeting it (none: unmet)."""

    pupil: int
    kind: int
    level: str
    meeting: tuple[Place, ...] = ()

    @property
    def met(self) -> bool:
        return bool(self.meeting)


def needs(world: World) -> list[Need]:
    """Every audit cell with the placements that meet it, must first, then should, then
    could; within a level by the kind's position, then pupil."""
    kinds, entries = world.kind_map, world.entry_map
    by_pupil = _places_by_pupil(world.places)
    found = []
    for cell in world.cells:
        kind = kinds.get(cell.kind)
        if kind is None:
            continue
        meeting = tuple(
            place for place in by_pupil.get(cell.pupil, []) if place_meets(kind, place, entries)
        )
        found.append(Need(cell.pupil, cell.kind, cell.level, meeting))
    found.sort(
        key=lambda need: (
            LEVEL_RANK.get(need.level, 9),
            kinds[need.kind].position,
            kinds[need.kind].name,
            need.pupil,
        )
    )
    return found


def unmet_needs(world: World) -> list[Need]:
    """The audit's cells no planned placement meets: must, then should, then could."""
    return [need for need in needs(world) if not need.met]


# --- (b) provision with no matching need -------------------------------------------------

NOT_AUDITED = "not_audited"
NO_MATCHING_NEED = "no_matching_need"


@dataclass(frozen=True)
class Excess:
    """A placement meeting no need of its pupil in the audit: `reason` NOT_AUDITED when the
    audit has no cell for the pupil, NO_MATCHING_NEED when their needs are of other kinds."""

    place: Place
    reason: str


def over_provision(world: World) -> list[Excess]:
    """Placements that meet none of their pupil's needs in the audit."""
    kinds, entries = world.kind_map, world.entry_map
    cells_by_pupil: dict[int, list[Cell]] = defaultdict(list)
    for cell in world.cells:
        if cell.kind in kinds:
            cells_by_pupil[cell.pupil].append(cell)
    found = []
    for place in world.places:
        cells = cells_by_pupil.get(place.pupil, [])
        if not cells:
            found.append(Excess(place, NOT_AUDITED))
        elif not any(place_meets(kinds[cell.kind], place, entries) for cell in cells):
            found.append(Excess(place, NO_MATCHING_NEED))
    found.sort(key=lambda item: (item.reason != NO_MATCHING_NEED, item.place.pupil, item.place.run))
    return found


# --- (c) several provisions for one need -------------------------------------------------


@dataclass(frozen=True)
class Duplication:
    """A pupil in two or more runs for one need: the runs (their placements), the kinds
    they all meet, the need type they all address and whether they are of one entry."""

    pupil: int
    places: tuple[Place, ...]
    kinds: tuple[int, ...] = ()
    need_types: tuple[str, ...] = ()
    same_entry: bool = False

    @property
    def runs(self) -> tuple[int, ...]:
        return tuple(place.run for place in self.places)


def duplications(world: World) -> list[Duplication]:
    """Pupils with several placements meeting the same kind, addressing the same need type
    or of the same catalogue entry; the same set of runs is reported once, with every
    reason it is a duplication."""
    kinds, entries = world.kind_map, world.entry_map
    found = []
    for pupil, places in sorted(_places_by_pupil(world.places).items()):
        if len(places) < 2:
            continue
        groups: dict[str, dict[object, list[Place]]] = {
            "kind": defaultdict(list),
            "need": defaultdict(list),
            "entry": defaultdict(list),
        }
        for place in places:
            for kind in world.kinds:
                if place_meets(kind, place, entries):
                    groups["kind"][kind.id].append(place)
            if place.need_type:
                groups["need"][place.need_type].append(place)
            groups["entry"][place.provision].append(place)
        merged: dict[frozenset[int], dict[str, list[object]]] = {}
        for basis, keyed in groups.items():
            for key, grouped in keyed.items():
                runs = frozenset(place.placement for place in grouped)
                if len(runs) < 2:
                    continue
                merged.setdefault(runs, {"kind": [], "need": [], "entry": []})[basis].append(key)
        for placement_ids, reasons in merged.items():
            chosen = tuple(
                sorted(
                    (place for place in places if place.placement in placement_ids),
                    key=lambda place: place.run,
                )
            )
            ordered_kinds = sorted(
                (kinds[key] for key in reasons["kind"] if isinstance(key, int)),
                key=lambda kind: (kind.position, kind.name),
            )
            found.append(
                Duplication(
                    pupil=pupil,
                    places=chosen,
                    kinds=tuple(kind.id for kind in ordered_kinds),
                    need_types=tuple(sorted(str(key) for key in reasons["need"])),
                    same_entry=bool(reasons["entry"]),
                )
            )
    found.sort(key=lambda item: (item.pupil, item.runs))
    return found


# --- (d) need areas with no wave-2/3 provision -------------------------------------------

KIND = "kind"
AREA = "area"


@dataclass(frozen=True)
class AreaProvision:
    """A kind or a broad area with need in the audit: how many cells of each level, the
    wave-2/3 catalogue entries meeting it and those planned in the term."""

    scope: str  # KIND or AREA
    key: str  # the kind's id (as text) or the area's code
    name: str
    counts: Mapping[str, int]
    catalogue: tuple[int, ...]
    planned: tuple[int, ...]

    @property
    def in_catalogue(self) -> bool:
        return bool(self.catalogue)

    @property
    def in_term(self) -> bool:
        return bool(self.planned)


def _targeted(entries: Iterable[Entry]) -> list[Entry]:
    return [entry for entry in entries if entry.active and entry.wave in TARGETED_WAVES]


def area_provision(world: World, area_names: Mapping[str, str]) -> list[AreaProvision]:
    """Every kind, then every broad area, with need in the audit: its counts by level, the
    active wave-2/3 entries meeting it and which of them the term's runs deliver. An area's
    entries are those addressing it or meeting one of its kinds. `area_names` gives each
    area's name, in the order to show them."""
    kinds, entries = world.kind_map, world.entry_map
    targeted = _targeted(world.entries)
    planned_entries = set(world.runs.values()) | {place.provision for place in world.places}
    kind_counts: dict[int, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LEVELS, 0))
    area_counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys(LEVELS, 0))
    for cell in world.cells:
        kind = kinds.get(cell.kind)
        if kind is None or cell.level not in LEVEL_RANK:
            continue
        kind_counts[kind.id][cell.level] += 1
        if kind.area:
            area_counts[kind.area][cell.level] += 1
    rows = []
    kind_entries: dict[int, set[int]] = {}
    for kind in sorted(world.kinds, key=lambda kind: (kind.position, kind.name)):
        meeting = {entry.id for entry in targeted if entry_meets(kind, entry.id, entries)}
        kind_entries[kind.id] = meeting
        if kind.id not in kind_counts:
            continue
        rows.append(
            AreaProvision(
                KIND,
                str(kind.id),
                kind.name,
                kind_counts[kind.id],
                tuple(sorted(meeting)),
                tuple(sorted(meeting & planned_entries)),
            )
        )
    for code, name in area_names.items():
        if code not in area_counts:
            continue
        meeting = {entry.id for entry in targeted if code in entry.areas}
        for kind in world.kinds:
            if kind.area == code:
                meeting |= kind_entries.get(kind.id, set())
        rows.append(
            AreaProvision(
                AREA,
                code,
                name,
                area_counts[code],
                tuple(sorted(meeting)),
                tuple(sorted(meeting & planned_entries)),
            )
        )
    return rows


def areas_without_provision(world: World, area_names: Mapping[str, str]) -> list[AreaProvision]:
    """Kinds and broad areas with need in the audit and no wave-2/3 provision: none in the
    catalogue, or none of the catalogue's planned in the term."""
    return [row for row in area_provision(world, area_names) if not row.in_term]


# --- (e) totals by year group and kind or area -------------------------------------------


@dataclass
class Total:
    """Pupils of a year group with a need in a column (a kind or a broad area): by level,
    those with a need of that level met, and unmet; and those all of whose needs in the
    column are met (covered). A pupil with two must needs in an area, one met and one not,
    counts among both."""

    met: dict[str, set[int]] = field(default_factory=lambda: {level: set() for level in LEVELS})
    unmet: dict[str, set[int]] = field(default_factory=lambda: {level: set() for level in LEVELS})
    pupils: set[int] = field(default_factory=set)

    @property
    def covered(self) -> set[int]:
        uncovered = set().union(*self.unmet.values())
        return self.pupils - uncovered

    def count(self, state: str, level: str) -> int:
        return len((self.met if state == "met" else self.unmet)[level])

    def add(self, other: Total) -> None:
        for level in LEVELS:
            self.met[level] |= other.met[level]
            self.unmet[level] |= other.unmet[level]
        self.pupils |= other.pupils


@dataclass
class Totals:
    """The table: year groups (rows) by columns, with the row, column and grand totals."""

    years: list[str]
    columns: list[tuple[str, str]]  # (key, name)
    cells: dict[tuple[str, str], Total]
    by_year: dict[str, Total]
    by_column: dict[str, Total]
    overall: Total

    def cell(self, year: str, column: str) -> Total:
        return self.cells.get((year, column)) or Total()


# The column of kinds with no broad area, in totals by area.
NO_AREA = "none"


def column_of(kind: Kind, by: str) -> str:
    """A kind's column: its id (as text), or its broad area (NO_AREA for none)."""
    return str(kind.id) if by == KIND else kind.area or NO_AREA


def totals(
    world: World,
    *,
    by: str = AREA,
    area_names: Mapping[str, str] | None = None,
    year_order: Sequence[str] = (),
) -> Totals:
    """Pupils with needs by year group and kind (`by=KIND`) or broad area (`by=AREA`; a kind
    with no area under NO_AREA), by level, met and unmet. Year groups in `year_order` (others
    after, by name), columns in the kinds' order or `area_names`' order."""
    kinds = world.kind_map
    cells: dict[tuple[str, str], Total] = defaultdict(Total)
    for need in needs(world):
        kind = kinds[need.kind]
        if need.level not in LEVEL_RANK:
            continue
        key = (world.years.get(need.pupil, ""), column_of(kind, by))
        total = cells[key]
        total.pupils.add(need.pupil)
        (total.met if need.met else total.unmet)[need.level].add(need.pupil)
    rank = {year: index for index, year in enumerate(year_order)}
    years = sorted({year for year, _ in cells}, key=lambda year: (rank.get(year, 99), year))
    used = {column for _, column in cells}
    if by == KIND:
        ordered = sorted(world.kinds, key=lambda kind: (kind.position, kind.name))
        columns = [(str(kind.id), kind.name) for kind in ordered if str(kind.id) in used]
    else:
        names = dict(area_names or {})
        columns = [(code, name) for code, name in names.items() if code in used]
        columns += [
            (code, "No area" if code == NO_AREA else code) for code in sorted(used - set(names))
        ]
    by_year: dict[str, Total] = defaultdict(Total)
    by_column: dict[str, Total] = defaultdict(Total)
    overall = Total()
    for (year, column), total in cells.items():
        by_year[year].add(total)
        by_column[column].add(total)
        overall.add(total)
    return Totals(years, columns, dict(cells), dict(by_year), dict(by_column), overall)

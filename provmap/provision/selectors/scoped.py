"""The map as one user sees it: runs cut to what their role reaches, then narrowed by their
filters without another query."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Exists, OuterRef, Q

from provmap.provision.models import Placement, ProvisionRun, RunStaff, Wave
from provmap.provision.selectors.costed import (
    CostedPlacement,
    CostedRun,
    costed_runs,
    delivered_by,
)
from provmap.provision.selectors.filters import MapFilters, MapOptions, sen_counts
from provmap.provision.selectors.visibility import Visibility, visible_placements
from provmap.pupils.models import NC_YEAR_ORDER, Pupil, SENStatus
from provmap.pupils.needs import Area
from provmap.schools.models import School, StaffMember, Term


@dataclass
class MapRow:
    """A costed run with the placements shown: those the user may see (`in_scope` of them)
    that also match the filters."""

    costed: CostedRun
    placements: list[CostedPlacement]
    in_scope: int

    @property
    def run(self) -> ProvisionRun:
        return self.costed.run

    @property
    def hidden(self) -> int:
        """Pupils of the run outside the user's groups (counted, never named)."""
        return self.costed.pupil_count - self.in_scope

    @property
    def filtered_out(self) -> int:
        return self.in_scope - len(self.placements)

    @property
    def share(self) -> Decimal:
        """The part of the run's cost carried by the pupils shown."""
        return sum((item.share for item in self.placements), Decimal(0))

    @property
    def sen_counts(self) -> list[tuple[str, str, int]]:
        return sen_counts([item.placement.pupil for item in self.placements])

    @property
    def rating_counts(self) -> list[tuple[str, str, int]]:
        """RAGB ratings of the pupils shown, for the colours that occur."""
        counts = Counter(item.placement.rating for item in self.placements)
        return [
            (code, label.split(":")[0], counts[code])
            for code, label in Placement.Rating.choices
            if counts[code]
        ]

    @property
    def composition(self) -> list[str]:
        """Who is in the group, as the waves map's "type of group" column asks: "3 SEN
        support", "1 EHC plan", "2 EAL", "1 girl"..."""
        pupils = [item.placement.pupil for item in self.placements]
        parts = [
            ("SEN support", "SEN support", sum(p.sen_status == SENStatus.SUPPORT for p in pupils)),
            ("EHC plan", "EHC plans", sum(p.sen_status == SENStatus.EHC_PLAN for p in pupils)),
            ("pupil premium", "pupil premium", sum(p.pupil_premium for p in pupils)),
            ("EAL", "EAL", sum(p.eal for p in pupils)),
            ("looked after", "looked after", sum(p.looked_after for p in pupils)),
            ("more able", "more able", sum(p.more_able for p in pupils)),
            ("girl", "girls", sum(p.sex == "F" for p in pupils)),
            ("boy", "boys", sum(p.sex == "M" for p in pupils)),
        ]
        return [f"{count} {one if count == 1 else many}" for one, many, count in parts if count]


@dataclass
class PupilLine:
    """A pupil behind a figure of the map, with the runs of theirs that are shown."""

    pupil: Pupil
    items: list[tuple[MapRow, CostedPlacement]]

    @property
    def share(self) -> Decimal:
        return sum((item.share for _, item in self.items), Decimal(0))


@dataclass
class ScopedMap:
    """A map (of a term, or a year) as one user sees it, with the totals of what is shown."""

    rows: list[MapRow]
    as_of: dt.date
    whole_school: bool
    filters: MapFilters = field(default_factory=MapFilters)
    # Runs the user could see before the filters, to say "12 of 40 runs".
    runs_in_view: int = 0
    # What narrows a partial map, to say so on the page.
    year_groups: list[str] = field(default_factory=list)
    delivers: bool = False

    @property
    def total_cost(self) -> Decimal:
        return sum((row.costed.cost for row in self.rows), Decimal(0))

    @property
    def total_cost_to_date(self) -> Decimal:
        return sum((row.costed.cost_to_date for row in self.rows), Decimal(0))

    @property
    def total_share(self) -> Decimal:
        return sum((row.share for row in self.rows), Decimal(0))

    @property
    def weekly_minutes(self) -> Decimal:
        return sum((row.costed.weekly_minutes for row in self.rows), Decimal(0))

    @property
    def places(self) -> int:
        return sum(len(row.placements) for row in self.rows)

    def _pupils(self) -> dict[int, Pupil]:
        return {
            item.placement.pupil_id: item.placement.pupil
            for row in self.rows
            for item in row.placements
        }

    @property
    def pupils_by_sen_status(self) -> list[tuple[str, str, int]]:
        """Distinct pupils shown, by SEN status (a pupil in two groups counts once)."""
        return sen_counts(list(self._pupils().values()))

    @property
    def pupil_count(self) -> int:
        return len(self._pupils())

    @property
    def staff_key(self) -> list[tuple[str, str, list[str]]]:
        """Codes used on the map, with the role and the people behind each (Kent's key)."""
        people: dict[str, dict[str, str]] = {}
        for row in self.rows:
            for line in row.costed.staff:
                staff = line.line.staff
                people.setdefault(staff.code, {})[staff.name] = staff.get_role_display()
        return [
            (code, ", ".join(sorted(set(names.values()))), sorted(names))
            for code, names in sorted(people.items())
        ]

    @property
    def area_key(self) -> list[tuple[str, str]]:
        used = {area.area for row in self.rows for area in row.run.provision.areas.all()}
        return [(area.value, area.label) for area in Area if area.value in used]

    @property
    def by_wave(self) -> list[tuple[int, str, list[MapRow]]]:
        """Rows under wave 1, 2 and 3 (every wave, even one with nothing in it)."""
        return [
            (wave.value, wave.label, [row for row in self.rows if row.run.provision.wave == wave])
            for wave in Wave
        ]

    @property
    def staff_involved(self) -> list[StaffMember]:
        people = {
            line.line.staff.pk: line.line.staff for row in self.rows for line in row.costed.staff
        }
        return sorted(people.values(), key=lambda staff: staff.name)

    def pupil_lines(self, *, run_id: int | None = None, sen_status: str = "") -> list[PupilLine]:
        """The pupils behind a figure: of one run and/or one SEN status, or all shown."""
        lines: dict[int, PupilLine] = {}
        for row in self.rows:
            if run_id is not None and row.run.pk != run_id:
                continue
            for item in row.placements:
                pupil = item.placement.pupil
                if sen_status and pupil.sen_status != sen_status:
                    continue
                lines.setdefault(pupil.pk, PupilLine(pupil, [])).items.append((row, item))
        return sorted(
            lines.values(),
            key=lambda line: (line.pupil.surname, line.pupil.forename, line.pupil.pk),
        )


@dataclass
class InView:
    """A run the user may see, with the placements they may see in it."""

    costed: CostedRun
    placements: list[CostedPlacement]


@dataclass
class ScopedRuns:
    """Runs cut to what one user may see, before any filter."""

    items: list[InView]
    as_of: dt.date
    whole_school: bool
    year_groups: list[str]
    delivers: bool

    def options(self) -> MapOptions:
        staff: dict[int, StaffMember] = {}
        provisions: dict[int, str] = {}
        streams: dict[int, str] = {}
        forms: set[str] = set()
        for item in self.items:
            run = item.costed.run
            for line in item.costed.staff:
                staff[line.line.staff_id] = line.line.staff
            if run.lead_staff is not None:
                staff[run.lead_staff.pk] = run.lead_staff
            provisions[run.provision_id] = run.provision.name
            if run.funding_stream is not None:
                streams[run.funding_stream.pk] = run.funding_stream.name
            forms.update(p.placement.pupil.form for p in item.placements if p.placement.pupil.form)
        return MapOptions(
            staff=sorted(
                ((pk, f"{member.name} ({member.code})") for pk, member in staff.items()),
                key=lambda pair: pair[1],
            ),
            provisions=sorted(provisions.items(), key=lambda pair: pair[1]),
            funding_streams=sorted(streams.items(), key=lambda pair: pair[1]),
            forms=sorted(forms),
        )

    def filter(self, filters: MapFilters | None = None) -> ScopedMap:
        """The map narrowed by `filters`: no query, everything is already fetched."""
        filters = filters or MapFilters()
        rows = []
        for item in self.items:
            if not filters.run_matches(item.costed):
                continue
            shown = [p for p in item.placements if filters.placement_matches(p.placement)]
            if filters.on_pupils and not shown:
                continue
            rows.append(MapRow(item.costed, shown, len(item.placements)))
        return ScopedMap(
            rows=rows,
            as_of=self.as_of,
            whole_school=self.whole_school,
            filters=filters,
            runs_in_view=len(self.items),
            year_groups=self.year_groups,
            delivers=self.delivers,
        )


def scope_runs(
    school: School,
    runs: list[CostedRun],
    scope: Visibility,
    *,
    as_of: dt.date,
    asked: Callable[[Placement], bool] | None = None,
) -> ScopedRuns:
    """Keep the runs and placements `scope` may see: those with a placement seen in full,
    and for staff the runs they lead or deliver (even before any pupil is placed). A run's
    cost still counts every pupil it was shared between; those not shown are counted as
    hidden, never named. With `asked`, only the placements it accepts count (the pupils a
    part of the map is of: one pupil, a year group)."""
    visible = visible_placements(school, runs, scope)
    items = []
    for costed in runs:
        placements = [
            p
            for p in costed.placements
            if p.placement.pk in visible and (asked is None or asked(p.placement))
        ]
        if placements or scope.everyone or delivered_by(costed, scope.staff_ids):
            items.append(InView(costed, placements))
    return ScopedRuns(
        items=items,
        as_of=as_of,
        whole_school=scope.everyone,
        year_groups=sorted(scope.year_groups, key=lambda year: NC_YEAR_ORDER.get(year, 99)),
        delivers=bool(scope.staff_ids),
    )


def scoped_map(
    school: School,
    runs: list[CostedRun],
    scope: Visibility,
    *,
    as_of: dt.date,
    filters: MapFilters | None = None,
) -> ScopedMap:
    """The runs `scope` may see, narrowed by `filters`."""
    return scope_runs(school, runs, scope, as_of=as_of).filter(filters)


def term_runs(school: School, term: Term, scope: Visibility, *, as_of: dt.date) -> ScopedRuns:
    """The runs of a term as `scope` sees them, ready to be filtered."""
    runs = costed_runs(
        school,
        start=term.start_date,
        end=term.end_date,
        as_of=as_of,
        slots=True,
        among=runs_within_reach(school, scope),
    )
    return scope_runs(school, runs, scope, as_of=as_of)


def runs_within_reach(school: School, scope: Visibility) -> Q | None:
    """The runs `scope_runs` could keep for `scope`, as a filter of runs (None: every run):
    those with a placement it sees in full, and those its staff lead or deliver. A teacher's
    map then costs their few runs, not the whole school's."""
    if scope.everyone:
        return None
    seen = Placement.objects.filter(school=school, run=OuterRef("pk")).filter(
        scope.placement_filter()
    )
    reach = Q(Exists(seen))
    if scope.staff_ids:
        delivered = RunStaff.objects.filter(
            school=school, run=OuterRef("pk"), staff_id__in=scope.staff_ids
        )
        reach |= Q(lead_staff_id__in=scope.staff_ids) | Q(Exists(delivered))
    return reach


def term_view(
    school: School,
    term: Term,
    scope: Visibility,
    *,
    as_of: dt.date,
    filters: MapFilters | None = None,
) -> ScopedMap:
    """The runs of a term as `scope` sees them, narrowed by `filters`."""
    return term_runs(school, term, scope, as_of=as_of).filter(filters)

"""The week of those who deliver provision (teachers, TAs, mentors): the runs they lead or
deliver that run this week, the results due in them, and the pupils whose results are still
to be recorded. Two queries, whatever the number of runs and pupils."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q

from provmap.provision.models import Placement, ProvisionRun
from provmap.provision.selectors.visibility import Visibility
from provmap.pupils.models import Pupil

# Exit results fall due when a run ends within this many days...
EXIT_DUE_WITHIN = dt.timedelta(days=14)
# ...and stay due this long after it ended, until they are recorded or the run is closed.
EXIT_OVERDUE_FOR = dt.timedelta(weeks=12)


def week_of(day: dt.date) -> tuple[dt.date, dt.date]:
    """Monday to Sunday of the week `day` falls in."""
    monday = day - dt.timedelta(days=day.weekday())
    return monday, monday + dt.timedelta(days=6)


@dataclass
class WeekRun:
    """One of the user's runs, with the placements of theirs they see in full."""

    run: ProvisionRun
    placements: list[Placement]
    as_of: dt.date
    week_start: dt.date
    week_end: dt.date

    @property
    def this_week(self) -> list[Placement]:
        """The pupils in the group this week."""
        return [
            p
            for p in self.placements
            if p.start_date <= self.week_end
            and (p.end_date is None or p.end_date >= self.week_start)
        ]

    @property
    def measured(self) -> bool:
        """Results are asked for only where the provision names a measure."""
        return self.run.provision.measure_id is not None

    @property
    def ends_soon(self) -> bool:
        return self.as_of <= self.run.end_date <= self.as_of + EXIT_DUE_WITHIN

    @property
    def ended(self) -> bool:
        return self.run.end_date < self.as_of

    @property
    def missing_entry(self) -> list[Placement]:
        """Pupils started without an entry result."""
        if not self.measured or self.run.start_date > self.as_of:
            return []
        return [p for p in self.placements if p.baseline_id is None and p.start_date <= self.as_of]

    @property
    def missing_exit(self) -> list[Placement]:
        """Pupils without an exit result, in a run that ends within two weeks or has ended."""
        if not self.measured or not (self.ends_soon or self.ended):
            return []
        return [p for p in self.placements if p.exit_id is None]


@dataclass
class ToRecord:
    """A pupil with results to record, and where."""

    pupil: Pupil
    runs: list[tuple[WeekRun, str]] = field(default_factory=list)


@dataclass
class DelivererWeek:
    """What one who delivers provision has to do this week."""

    week_start: dt.date
    week_end: dt.date
    runs: list[WeekRun]

    @property
    def this_week(self) -> list[WeekRun]:
        """Runs that meet this week (not closed), in the order they started."""
        return [
            item
            for item in self.runs
            if item.run.start_date <= self.week_end
            and item.run.end_date >= self.week_start
            and item.run.status != ProvisionRun.Status.CLOSED
        ]

    @property
    def entry_due(self) -> list[WeekRun]:
        return [item for item in self.runs if item.missing_entry]

    @property
    def exit_due(self) -> list[WeekRun]:
        return [item for item in self.runs if item.missing_exit]

    @property
    def to_record(self) -> list[ToRecord]:
        """Every pupil with an entry or exit result missing, by name."""
        pupils: dict[int, ToRecord] = {}
        for item in self.runs:
            for placement, what in [(p, "entry") for p in item.missing_entry] + [
                (p, "exit") for p in item.missing_exit
            ]:
                entry = pupils.setdefault(placement.pupil_id, ToRecord(placement.pupil))
                entry.runs.append((item, what))
        return sorted(
            pupils.values(),
            key=lambda entry: (entry.pupil.surname, entry.pupil.forename, entry.pupil.pk),
        )

    @property
    def pupils(self) -> list[Pupil]:
        """Every pupil the page names (for the audit trail)."""
        named: dict[int, Pupil] = {}
        for item in self.this_week + self.entry_due + self.exit_due:
            for placement in item.placements:
                named.setdefault(placement.pupil_id, placement.pupil)
        return list(named.values())


def deliverer_week(school_id: int, scope: Visibility, *, as_of: dt.date) -> DelivererWeek:
    """The runs `scope`'s staff lead or deliver that meet this week or still wait for
    results, each with the placements the user sees in full (`placement_filter`; never a
    withdrawn pupil or an archived leaver). Two queries."""
    week_start, week_end = week_of(as_of)
    staff = sorted(scope.staff_ids)
    if not staff:
        return DelivererWeek(week_start, week_end, [])
    runs = list(
        ProvisionRun.objects.filter(school_id=school_id)
        .filter(Q(lead_staff__in=staff) | Q(staff_lines__staff__in=staff))
        .exclude(status=ProvisionRun.Status.CLOSED)
        .filter(start_date__lte=week_end, end_date__gte=as_of - EXIT_OVERDUE_FOR)
        .select_related("provision", "lead_staff")
        .distinct()
        .order_by("start_date", "provision__name", "label", "pk")
    )
    placements: dict[int, list[Placement]] = {run.pk: [] for run in runs}
    found = (
        Placement.objects.filter(school_id=school_id, run__in=[run.pk for run in runs])
        .filter(scope.placement_filter())
        .exclude(status=Placement.Status.WITHDRAWN)
        .select_related("pupil")
        .distinct()
        .order_by("pupil__surname", "pupil__legal_forename", "pk")
    )
    for placement in found:
        placements[placement.run_id].append(placement)
    return DelivererWeek(
        week_start,
        week_end,
        [WeekRun(run, placements[run.pk], as_of, week_start, week_end) for run in runs],
    )

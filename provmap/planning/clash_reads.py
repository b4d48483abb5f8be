"""Reads for the clash rules (`planning.clashes`): the runs meeting in a period, their slots,
who is placed in them and who delivers them, in a fixed number of queries (five) whatever
the number of rows, worked out and named for the pages.

`period_clashes` reads a whole period (the clashes page, a run's page); `pupil_clashes`
reads only one pupil's runs (their page). Withdrawn places count until their last day.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Q, QuerySet

from provmap.planning import clashes
from provmap.planning.models import SubjectLessons
from provmap.provision.models import Placement, ProvisionRun, RunSlot, RunStaff
from provmap.pupils.models import Pupil
from provmap.schools.models import School, StaffMember


@dataclass
class ClashReport:
    pupil_clashes: list[clashes.Clash]
    staff_clashes: list[clashes.Clash]
    loads: list[clashes.StaffLoad]
    missed: list[clashes.Missed]
    runs: dict[int, ProvisionRun] = field(default_factory=dict)
    pupils: dict[int, Pupil] = field(default_factory=dict)
    staff: dict[int, StaffMember] = field(default_factory=dict)

    @property
    def over_hours(self) -> list[clashes.StaffLoad]:
        return [load for load in self.loads if load.over]

    @property
    def flagged_missed(self) -> list[clashes.Missed]:
        return [item for item in self.missed if item.flagged]

    @property
    def empty(self) -> bool:
        return not (
            self.pupil_clashes or self.staff_clashes or self.over_hours or self.flagged_missed
        )

    def run_names(self, clash: clashes.Clash) -> tuple[str, str]:
        first, second = (self.runs.get(run) for run in clash.runs)
        return str(first or "a run"), str(second or "a run")

    def clash_text(self, clash: clashes.Clash) -> str:
        """ "Tue 09:00 in Lexia and Maths catch-up"."""
        first, second = self.run_names(clash)
        return f"{clash.when} in {first} and {second}"

    def clash_sentence(self, clash: clashes.Clash) -> str:
        return f"Clash: {self.clash_text(clash)}"

    def for_run(self, run_id: int) -> ClashReport:
        """Only what concerns one run: its pupils' and staff's clashes with it."""
        return ClashReport(
            pupil_clashes=[c for c in self.pupil_clashes if run_id in c.runs],
            staff_clashes=[c for c in self.staff_clashes if run_id in c.runs],
            loads=[],
            missed=[],
            runs=self.runs,
            pupils=self.pupils,
            staff=self.staff,
        )


def _minutes(sessions: Decimal, minutes: int) -> int:
    return round(sessions * minutes)


def _report(
    school: School,
    start: dt.date,
    end: dt.date,
    runs_qs: QuerySet[ProvisionRun],
    places_filter: Q,
) -> ClashReport:
    runs = {
        run.pk: run for run in runs_qs.select_related("provision", "lead_staff").order_by("pk")
    }  # 1
    slot_rows = list(
        RunSlot.objects.filter(school=school, run__in=runs_qs.values("pk")).values_list(
            "run_id", "weekday", "start_time", "end_time", "subject"
        )
    )  # 2
    slots = [clashes.Slot(*row) for row in slot_rows]
    placements = list(
        Placement.objects.filter(school=school, run__in=runs_qs.values("pk"))
        .filter(places_filter)
        .select_related("pupil")
    )  # 3
    lines = list(
        RunStaff.objects.filter(school=school, run__in=runs_qs.values("pk")).select_related("staff")
    )  # 4
    lessons = {
        (row.nc_year, clashes.subject_key(row.subject)): row.lessons_per_week
        for row in SubjectLessons.objects.filter(school=school)
    }  # 5
    places = []
    pupils: dict[int, Pupil] = {}
    for placement in placements:
        run = runs.get(placement.run_id)
        if run is None:
            continue
        first = max(placement.start_date, run.start_date, start)
        last = min(placement.end_date or run.end_date, run.end_date, end)
        if first > last:
            continue
        pupils[placement.pupil_id] = placement.pupil
        places.append(clashes.Place(placement.pupil_id, run.pk, first, last))
    staff: dict[int, StaffMember] = {}
    times = []
    lined: set[tuple[int, int]] = set()
    for line in lines:
        run = runs[line.run_id]
        line.run = run
        lined.add((line.staff_id, run.pk))
        staff[line.staff_id] = line.staff
        minutes = _minutes(line.effective_sessions, line.effective_minutes)
        times.append(_time(line.staff_id, run, start, end, minutes))
    for run in runs.values():
        if run.lead_staff_id and (run.lead_staff_id, run.pk) not in lined:
            assert run.lead_staff is not None
            staff[run.lead_staff_id] = run.lead_staff
            minutes = _minutes(run.sessions_per_week, run.minutes_per_session)
            times.append(_time(run.lead_staff_id, run, start, end, minutes))
    times = [time for time in times if time.start <= time.end]
    years = {pk: pupil.nc_year for pk, pupil in pupils.items()}
    contracted = {pk: member.contracted_hours for pk, member in staff.items()}
    return ClashReport(
        pupil_clashes=clashes.pupil_clashes(slots, places),
        staff_clashes=clashes.staff_clashes(slots, times),
        loads=clashes.staff_loads(times, contracted),
        missed=clashes.missed_lessons(slots, places, years, lessons),
        runs=runs,
        pupils=pupils,
        staff=staff,
    )


def _time(staff: int, run: ProvisionRun, start: dt.date, end: dt.date, minutes: int):
    return clashes.StaffTime(
        staff, run.pk, max(run.start_date, start), min(run.end_date, end), minutes
    )


def _meeting(school: School, start: dt.date, end: dt.date) -> QuerySet[ProvisionRun]:
    return ProvisionRun.objects.filter(school=school, start_date__lte=end, end_date__gte=start)


_IN_RUN = ~Q(status=Placement.Status.WITHDRAWN) | Q(end_date__isnull=False)


def period_clashes(school: School, start: dt.date, end: dt.date) -> ClashReport:
    """Every clash among the runs meeting between `start` and `end` (five queries)."""
    return _report(school, start, end, _meeting(school, start, end), _IN_RUN)


@dataclass(frozen=True)
class PupilFlags:
    clashes: list[str]
    missed: list[str]


def pupil_flags(
    school: School,
    pupil: Pupil,
    placements: list[tuple[Placement, ProvisionRun]],
    start: dt.date,
    end: dt.date,
) -> PupilFlags:
    """One pupil's clashes and flagged missed lessons between `start` and `end`, from their
    placements and runs as the pupil page has them (each run's slots prefetched): one query,
    for their year group's lessons."""
    lessons = {
        (row.nc_year, clashes.subject_key(row.subject)): row.lessons_per_week
        for row in SubjectLessons.objects.filter(school=school, nc_year=pupil.nc_year)
    }
    runs = {run.pk: run for _, run in placements}
    slots = [
        clashes.Slot(run.pk, slot.weekday, slot.start_time, slot.end_time, slot.subject)
        for run in runs.values()
        for slot in run.slots.all()
    ]
    places = []
    for placement, run in placements:
        first = max(placement.start_date, start)
        last = min(placement.end_date or run.end_date, run.end_date, end)
        if first <= last:
            places.append(clashes.Place(pupil.pk, run.pk, first, last))
    report = ClashReport(
        pupil_clashes=clashes.pupil_clashes(slots, places),
        staff_clashes=[],
        loads=[],
        missed=clashes.missed_lessons(slots, places, {pupil.pk: pupil.nc_year}, lessons),
        runs=runs,
    )
    return PupilFlags(
        clashes=[report.clash_sentence(clash) for clash in report.pupil_clashes],
        missed=[item.sentence for item in report.flagged_missed],
    )

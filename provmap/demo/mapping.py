"""The demo school's provision map, term by term: screening, choosing pupils, forming groups,
and their entry and exit results.

Each term that has begun starts with a whole-cohort reading and maths test (and a reading age
for Key Stage 3), and each term that has ended closes with the same tests, as schools do with
termly standardised tests: so pupils in no provision sit every measure a reading or maths
group is judged on, on the groups' dates, and form the comparison the impact pages need.
Pupils are then
matched to provision the way a SENCO would: pupils with an EHC plan first, then SEN support,
then others the school tracks (disadvantaged pupils with low scores, new arrivals learning
English, the more able, those at risk of exclusion). Reading and maths groups take the
lowest scorers, and that low score is their baseline. Runs in past terms are closed with exit
results and a RAGB rating; the current term's are running; the next term's are planned.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from provmap.demo.attainment import (
    PERSISTENCE,
    improve,
    observe,
    term_passes,
)
from provmap.demo.catalogue import LESSONS_KS3, LESSONS_KS4, PROVISIONS, ProvisionSpec
from provmap.demo.register import DemoPupil
from provmap.demo.school_calendar import TermDates, YearDates
from provmap.demo.staffing import StaffRoom
from provmap.provision.models import Placement, Provision, ProvisionRun
from provmap.provision.ratings import suggest_rating
from provmap.provision.services import (
    NewPlacement,
    PreparedRun,
    StaffAssignment,
    StageResult,
    placements_bulk_create,
    run_prepare,
    runs_bulk_create,
)
from provmap.pupils.models import Measure, SENStatus
from provmap.pupils.services import NewResult, results_bulk_record
from provmap.schools.models import AcademicYear, FundingStream, School, StaffMember, Term

DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri")
PERIODS = 6
COHORT_MEASURES = ("reading", "maths", "reading_age", "attendance")
# The termly tests everyone sits; Key Stage 3 also sits a reading age.
TERMLY_TESTS = ("reading", "maths")
KS3_TESTS = ("reading_age",)
# The end-of-term tests are sat this many days before the term ends (its last full week).
END_TEST_BEFORE = dt.timedelta(days=10)
WITHDRAWAL_REASONS = (
    "Timetable clash with GCSE option lessons.",
    "Refused to attend; parent agreed to stop.",
    "Moved to a different group better matched to need.",
    "Left the group after a managed move.",
    "Long-term absence (medical).",
)
Priority = Placement.Priority
Status = Placement.Status
# Groups of one provision in a band are lettered as schools letter sets (no I or O).
GROUP_LETTERS = "ABCDEFGHJKLMNPQRSTUVWXYZ"


def group_letter(number: int) -> str:
    """The letter of a provision's group `number` (from 0) in a band, then numbers: the
    largest schools have more groups of one provision in a term than letters."""
    return GROUP_LETTERS[number] if number < len(GROUP_LETTERS) else str(number + 1)


@dataclass
class MapTerm:
    """One term of the map with its database rows."""

    term: Term
    dates: TermDates
    year: AcademicYear
    year_dates: YearDates


@dataclass
class Choice:
    pupil: DemoPupil
    need_type: str
    priority: str
    score: float


@dataclass
class Screening:
    """A cohort result waiting to be written; a placement may take it as its baseline."""

    date: dt.date
    value: Decimal
    taken: bool = False


@dataclass
class BuiltRun:
    """A run as built, with its staff and the pupils still in it."""

    run: ProvisionRun
    spec: ProvisionSpec
    staff: list[StaffMember]
    pupils: list[DemoPupil]


@dataclass
class MapBuilder:
    """Builds one school's map term by term, keeping what carries over between terms: the
    latest scores, last term's outcomes (pupils who did not meet their targets tend to
    continue, those who did move on), and the runs built for each term."""

    school: School
    rng: random.Random
    today: dt.date
    pupils: list[DemoPupil]
    measures: dict[str, Measure]
    catalogue: dict[str, Provision]
    streams: dict[str, FundingStream]
    staff: StaffRoom
    # (pupil index, measure key) -> this term's screening; reset each term.
    screening: dict[tuple[int, str], Screening] = field(default_factory=dict)
    cohort_results: dict[str, list[tuple[DemoPupil, Screening]]] = field(
        default_factory=lambda: defaultdict(list)
    )
    last_attendance: dict[int, Decimal] = field(default_factory=dict)
    entry_tests: dict[tuple[int, str, dt.date], Decimal] = field(default_factory=dict)
    latest_scores: dict[tuple[int, str], Decimal] = field(default_factory=dict)
    # pupil index -> {provision key: outcome last term ("R", "A", "G", "B" or "open")}
    last_outcomes: dict[int, dict[str, str]] = field(default_factory=dict)
    runs: dict[int, list[BuiltRun]] = field(default_factory=lambda: defaultdict(list))
    # This term's runs and placements, saved together at the end of the term.
    pending_runs: list[PreparedRun] = field(default_factory=list)
    pending: list[NewPlacement] = field(default_factory=list)
    placement_count: int = 0
    terms_built: int = 0
    start_year: int = 0  # of the academic year being built

    # Terms -------------------------------------------------------------------------------

    def build_term(self, map_term: MapTerm) -> None:
        """Test the cohort (if the term has begun), choose pupils, form and save the runs and
        placements, then record the term's attendance."""
        dates = map_term.dates
        started = dates.start <= self.today
        self.start_year = map_term.year_dates.start_year
        if self.terms_built:
            for pupil in self.pupils:
                term_passes(pupil.traits, self.rng)
        roster = [pupil for pupil in self.pupils if pupil.on_roll(dates.start)]
        if started:
            self._screen(roster, min(dates.start + dt.timedelta(days=9), self.today))
        choices = self._allocate(map_term, roster)
        outcomes: dict[int, dict[str, str]] = defaultdict(dict)
        self.staff.reset_load()
        for spec in PROVISIONS:
            for label, staff_count, group in self._groups(spec, choices.get(spec.key, [])):
                self._build_run(map_term, spec, label, staff_count, group, outcomes)
        runs_bulk_create(school=self.school, runs=self.pending_runs)
        self.pending_runs = []
        placements_bulk_create(school=self.school, placements=self.pending)
        self.placement_count += len(self.pending)
        self.pending = []
        if started:
            self._end_of_term_tests(dates)
            self._record_attendance(roster, min(dates.end, self.today))
        self.last_outcomes = outcomes
        self.terms_built += 1

    def _tests_for(self, pupil: DemoPupil) -> tuple[str, ...]:
        """The termly tests a pupil sits: reading and maths, and a reading age in KS3."""
        return TERMLY_TESTS + KS3_TESTS if self._year(pupil) <= 9 else TERMLY_TESTS

    def _screen(self, roster: list[DemoPupil], day: dt.date) -> None:
        """The start-of-term tests, for everyone on roll at the start of term or on the day
        of the test; reading and maths groups choose on them."""
        self.screening = {}
        on_roll = {pupil.index for pupil in roster}
        for pupil in self.pupils:
            if pupil.index not in on_roll and not pupil.on_roll(day):
                continue
            for key in self._tests_for(pupil):
                entry = Screening(day, observe(pupil.traits, key, day, self.rng))
                self.screening[(pupil.index, key)] = entry
                if key in TERMLY_TESTS:
                    self.latest_scores[(pupil.index, key)] = entry.value
                self.cohort_results[key].append((pupil, entry))

    def _end_of_term_tests(self, dates: TermDates) -> None:
        """The same tests in the term's last full week (once that day has come), for
        everyone on roll that day: the comparison for the term's groups."""
        day = dates.end - END_TEST_BEFORE
        day -= dt.timedelta(days=max(0, day.weekday() - 4))  # a weekday
        if day > self.today:
            return
        for pupil in self.pupils:
            if not pupil.on_roll(day):
                continue
            for key in self._tests_for(pupil):
                value = observe(pupil.traits, key, day, self.rng)
                self.cohort_results[key].append((pupil, Screening(day, value)))

    def _record_attendance(self, roster: list[DemoPupil], day: dt.date) -> None:
        on_roll = {pupil.index for pupil in roster}
        for pupil in self.pupils:
            if pupil.index not in on_roll and not pupil.on_roll(day):
                continue
            value = observe(pupil.traits, "attendance", day, self.rng)
            self.last_attendance[pupil.index] = value
            self.cohort_results["attendance"].append((pupil, Screening(day, value)))

    # Choosing pupils ---------------------------------------------------------------------

    def _flag(self, pupil: DemoPupil, name: str) -> bool:
        if name == "eal_new":
            return pupil.traits.eal_stage is not None and pupil.traits.eal_stage <= 2
        if name == "looked_after":
            return pupil.flag("looked_after") or pupil.flag("previously_looked_after")
        return pupil.flag(name)

    def _screen_value(self, index: int, pupil: DemoPupil, key: str) -> float:
        if key == "attendance":
            known = self.last_attendance.get(index)
            return float(known) if known is not None else 100 - pupil.traits.absence
        known = self.latest_scores.get((index, key))
        return float(known) if known is not None else 100.0

    def _score(
        self, spec: ProvisionSpec, index: int, pupil: DemoPupil, needs: tuple[str, ...]
    ) -> tuple[float, str]:
        """How strongly a provision suits a pupil now (0: not at all), and the need it meets."""
        score, need_type = 0.0, ""
        if needs and needs[0] in spec.needs:
            score, need_type = 3.0, needs[0]
        else:
            for need in needs[1:]:
                if need in spec.needs:
                    score, need_type = 2.0, need
                    break
        flagged = any(self._flag(pupil, name) for name in spec.flags)
        if flagged:
            score += 2.0
        if spec.screen:
            value = self._screen_value(index, pupil, spec.screen)
            if spec.below is not None:
                if value >= spec.below:
                    return 0.0, ""
                score += 1 + (spec.below - value) / 8
            if spec.above is not None:
                if value < spec.above:
                    return 0.0, ""
                score += 1 + (value - spec.above) / 8
            if not needs and not flagged and not pupil.flag("pupil_premium"):
                score *= 0.5
        elif score == 0:
            return 0.0, ""
        score += spec.first_choice
        before = self.last_outcomes.get(index, {}).get(spec.key)
        if before in ("R", "A", "open"):
            score += 1.5
        elif before in ("G", "B"):
            score -= 3.0
        return score, need_type

    def _how_many(self, status: str, has_options: bool) -> int:
        """How many provisions a pupil gets this term: one to three with SEN, else often
        none."""
        roll = self.rng.random()
        if status == SENStatus.EHC_PLAN:  # besides their in-class support
            return 1 if roll < 0.3 else 2 if roll < 0.85 else 3
        if status == SENStatus.SUPPORT:
            return 1 if roll < 0.4 else 2 if roll < 0.85 else 3
        if not has_options:
            return 0
        return 0 if roll < 0.45 else 1 if roll < 0.93 else 2

    def _priority(self, status: str) -> str:
        """Must, should or could, as the SENCO's audit of need would rank it."""
        roll = self.rng.random()
        if status == SENStatus.EHC_PLAN:
            return Priority.MUST if roll < 0.7 else Priority.SHOULD
        if status == SENStatus.SUPPORT:
            if roll < 0.25:
                return Priority.MUST
            return Priority.SHOULD if roll < 0.85 else Priority.COULD
        return Priority.COULD if roll < 0.6 else Priority.SHOULD

    def _allocate(self, map_term: MapTerm, roster: list[DemoPupil]) -> dict[str, list[Choice]]:
        """Who goes in what this term, keyed by provision. Pupils with an EHC plan choose
        first, then SEN support, then everyone else, while places last; each takes their
        best-suited provisions, at most one of those that pick on a test score."""
        day = map_term.dates.start
        start_year = map_term.year_dates.start_year
        capacity = {
            spec.key: max(1, math.ceil(spec.capacity * len(roster) / 1000)) for spec in PROVISIONS
        }
        taken: dict[str, int] = defaultdict(int)
        choices: dict[str, list[Choice]] = defaultdict(list)
        order = list(roster)
        self.rng.shuffle(order)
        rank: dict[str, int] = {SENStatus.EHC_PLAN: 0, SENStatus.SUPPORT: 1}
        order.sort(key=lambda pupil: rank.get(pupil.status_on(day), 2))
        for pupil in order:
            index = pupil.index
            status = pupil.status_on(day)
            needs = pupil.needs if status != SENStatus.NONE else ()
            year = pupil.year_in(start_year)
            if status == SENStatus.EHC_PLAN:
                in_class = next(spec for spec in PROVISIONS if spec.ehc_all)
                choices[in_class.key].append(Choice(pupil, needs[0], Priority.MUST, 10.0))
            scored = []
            for position, spec in enumerate(PROVISIONS):
                if spec.ehc_all or year not in spec.years or taken[spec.key] >= capacity[spec.key]:
                    continue
                score, need_type = self._score(spec, index, pupil, needs)
                if score > 0:
                    scored.append((score + self.rng.random() * 1.5, position, spec, need_type))
            scored.sort(key=lambda item: (-item[0], item[1]))
            wanted = self._how_many(status, bool(scored))
            screens_used: set[str] = set()
            for score, _, spec, need_type in scored:
                if wanted <= 0:
                    break
                if spec.screen and spec.screen in screens_used:
                    continue
                if spec.screen:
                    screens_used.add(spec.screen)
                choices[spec.key].append(Choice(pupil, need_type, self._priority(status), score))
                taken[spec.key] += 1
                wanted -= 1
        return choices

    # Forming runs ------------------------------------------------------------------------

    def _groups(
        self, spec: ProvisionSpec, chosen: list[Choice]
    ) -> list[tuple[str, int, list[Choice]]]:
        """(label, staff count, pupils) for each run of a provision this term."""
        if not chosen:
            return []
        by_band: dict[str, list[Choice]] = defaultdict(list)
        for choice in chosen:
            year = self._year(choice.pupil)
            # Curriculum groups are timetabled within a year group; others mix years.
            by_year = spec.slot == "lesson" and spec.screen in ("reading", "maths")
            if spec.ehc_all or spec.one_to_one or by_year:
                band = f"Y{year}"
            else:
                band = "KS3" if year <= 9 else "KS4"
            by_band[band].append(choice)
        groups: list[tuple[str, int, list[Choice]]] = []
        for band in sorted(by_band, key=lambda name: (name[0] == "K", len(name), name)):
            members = sorted(by_band[band], key=lambda choice: (-choice.score, choice.pupil.upn))
            if spec.ehc_all:
                staff = max(1, math.ceil(len(members) / spec.pupils))
                groups.append((f"Year {band[1:]}", staff, members))
            elif spec.one_to_one:
                for number, choice in enumerate(members, start=1):
                    groups.append((f"{band} 1:1 #{number}", spec.staff, [choice]))
            else:
                count = math.ceil(len(members) / spec.pupils)
                for number in range(count):
                    part = members[number::count]
                    groups.append((f"{band} group {group_letter(number)}", spec.staff, part))
        return groups

    def _year(self, pupil: DemoPupil) -> int:
        return pupil.year_in(self.start_year)

    def _timing(self, map_term: MapTerm, spec: ProvisionSpec) -> tuple[dt.date, dt.date, Decimal]:
        """Start, end and teaching weeks of a run: the whole term for in-class support,
        otherwise from the third week (after the screening tests), or a later week for 1:1s
        and short pieces of work, so they spread over the term."""
        dates = map_term.dates
        term_weeks = int(dates.weeks)
        if spec.ehc_all:
            return dates.start, dates.end, Decimal(term_weeks)
        offset = 2
        if spec.staggered and term_weeks - spec.weeks > 2:
            offset = self.rng.randint(2, term_weeks - spec.weeks)
        weeks = max(1, min(spec.weeks, term_weeks - offset))
        # Calendar days per teaching week: the term's span includes its half-term holiday.
        per_week = ((dates.end - dates.start).days + 3) / term_weeks
        week_one = dates.start - dt.timedelta(days=dates.start.weekday())
        start = week_one + dt.timedelta(days=round(offset * per_week))
        start += dt.timedelta(days=(7 - start.weekday()) % 7)  # a Monday
        end = start + dt.timedelta(days=round(weeks * per_week) - 3)
        end -= dt.timedelta(days=max(0, end.weekday() - 4))  # a weekday
        start, end = min(start, dates.end), min(end, dates.end)
        return start, max(start, end), Decimal(weeks)

    def _day_time(self, spec: ProvisionSpec) -> str:
        """When it happens, as maps write it: "Tue P3", "Daily lunch", "Alternate Wed P2"."""
        sessions = Decimal(spec.sessions)
        if spec.ehc_all:
            return "Core lessons (see timetable)"
        where = {
            "tutor": "tutor time",
            "morning": "8:30",
            "lunch": "lunch",
            "after": "after school",
        }
        if sessions >= 5:
            period = f"P{self.rng.randint(1, PERIODS)}"
            return f"Daily {where.get(spec.slot, period)}"
        if sessions < 1:
            day = self.rng.choice(DAYS)
            period = f"P{self.rng.randint(1, PERIODS)}"
            return f"Alternate {day} {where.get(spec.slot, period)}"
        days = sorted(self.rng.sample(range(5), int(sessions)))
        if spec.slot in where:
            return ", ".join(f"{DAYS[day]} {where[spec.slot]}" for day in days)
        return ", ".join(f"{DAYS[day]} P{self.rng.randint(1, PERIODS)}" for day in days)

    def _withdrawn_from(self, spec: ProvisionSpec, year: int) -> str:
        """The lesson pupils miss (blank outside lessons or for in-class support)."""
        if not spec.withdrawn:
            return ""
        lessons = spec.withdrawn
        if year >= 10 and lessons == LESSONS_KS3:
            lessons = LESSONS_KS4
        return self.rng.choice(lessons)

    def _funding(self, spec: ProvisionSpec, group: list[Choice], day: dt.date) -> FundingStream:
        """The catalogue's stream if it names one; else mostly SEN pupils: the notional SEN
        budget; mostly disadvantaged: pupil premium; otherwise the core budget."""
        kinds = FundingStream.Kind
        if spec.fund:
            return self.streams[spec.fund]
        sen = sum(choice.pupil.status_on(day) != SENStatus.NONE for choice in group)
        disadvantaged = sum(choice.pupil.flag("pupil_premium") for choice in group)
        if sen * 2 >= len(group):
            return self.streams[kinds.NOTIONAL_SEN]
        if disadvantaged * 2 >= len(group):
            return self.streams[kinds.PUPIL_PREMIUM]
        return self.streams[kinds.CORE]

    def _build_run(
        self,
        map_term: MapTerm,
        spec: ProvisionSpec,
        label: str,
        staff_count: int,
        group: list[Choice],
        outcomes: dict[int, dict[str, str]],
    ) -> None:
        start, end, weeks = self._timing(map_term, spec)
        if end < self.today:
            status = ProvisionRun.Status.CLOSED
        elif start <= self.today:
            status = ProvisionRun.Status.RUNNING
        else:
            status = ProvisionRun.Status.PLANNED
        members = self.staff.least_busy(spec.roles, staff_count)
        weekly = float(Decimal(spec.sessions) * spec.minutes)
        for member in members:
            self.staff.book(member, weekly)
        with_plan = any(choice.pupil.status_on(start) == SENStatus.EHC_PLAN for choice in group)
        reviewer = self.staff.posts["senco" if spec.wave == 3 or with_plan else "assistant_senco"]
        first_year = self._year(group[0].pupil)
        assignments = [StaffAssignment(staff=member) for member in members]
        run = run_prepare(
            provision=self.catalogue[spec.key],
            academic_year=map_term.year,
            term=map_term.term,
            start_date=start,
            end_date=end,
            weeks=weeks,
            staff=assignments,
            label=label,
            status=status,
            day_time=self._day_time(spec),
            withdrawn_from=self._withdrawn_from(spec, first_year),
            funding_stream=self._funding(spec, group, start),
            lead_staff=members[0] if members else None,
            reviewing_staff=reviewer,
            look_up_links=False,  # the school's own rows, just made
        )
        self.pending_runs.append(PreparedRun(run, assignments))
        new = [self._placement(run, spec, choice, outcomes) for choice in group]
        self.pending.extend(new)
        in_group = [
            choice.pupil
            for choice, placement in zip(group, new, strict=True)
            if placement.status != Status.WITHDRAWN
        ]
        self.runs[map_term.term.pk].append(BuiltRun(run, spec, members, in_group))

    # Placements and their results --------------------------------------------------------

    def _placement(
        self,
        run: ProvisionRun,
        spec: ProvisionSpec,
        choice: Choice,
        outcomes: dict[int, dict[str, str]],
    ) -> NewPlacement:
        """A pupil's place in a run with the results it has by today: planned places none,
        running ones a baseline (and some an interim check), finished ones an exit result
        and a rating. The provision's effect moves the pupil's true level; part of it lasts."""
        pupil = choice.pupil
        assert pupil.record is not None  # the register was saved before the map
        index = pupil.index
        start = max(run.start_date, pupil.on_roll_from)
        if run.status == ProvisionRun.Status.PLANNED:
            outcomes[index][spec.key] = "open"
            return NewPlacement(
                run=run,
                pupil=pupil.record,
                start_date=start,
                need_type=choice.need_type,
                priority=choice.priority,
                status=Status.PLANNED,
            )
        closed = run.status == ProvisionRun.Status.CLOSED
        end_date = None
        notes = ""
        length = (run.end_date - start).days
        # A few pupils leave a group early (before today, for a group still running).
        window = ((run.end_date if closed else self.today) - start).days - 1
        if self.rng.random() < (0.05 if closed else 0.03) and window > 10:
            end_date = start + dt.timedelta(days=self.rng.randint(7, window - 3))
            notes = self.rng.choice(WITHDRAWAL_REASONS)
        status = Status.WITHDRAWN if end_date else Status.COMPLETED if closed else Status.ACTIVE
        key = spec.measure
        if key is None:
            outcomes[index][spec.key] = "open"
            return NewPlacement(
                run=run,
                pupil=pupil.record,
                start_date=start,
                end_date=end_date,
                need_type=choice.need_type,
                priority=choice.priority,
                status=status,
                notes=notes,
            )
        results = [StageResult("baseline", *self._baseline(index, pupil, key, start))]
        baseline = results[0].value
        effect = spec.effect * self.rng.uniform(0.2, 1.8) + self.rng.gauss(0, 0.3)
        midpoint_day = start + dt.timedelta(days=length // 2)
        stop = end_date or (run.end_date if closed else self.today)
        if midpoint_day > stop and not closed and (stop - start).days >= 14:
            # Not half-way yet: the interim check after the first fortnight.
            midpoint_day = start + dt.timedelta(days=14)
        if midpoint_day <= stop and self.rng.random() < (0.35 if closed else 0.6):
            so_far = effect * (midpoint_day - start).days / max(length, 1)
            improve(pupil.traits, key, so_far)
            value = observe(pupil.traits, key, midpoint_day, self.rng)
            improve(pupil.traits, key, -so_far)
            results.append(StageResult("midpoint", midpoint_day, value))
        rating = ""
        if status == Status.COMPLETED:
            improve(pupil.traits, key, effect)
            exit_value = observe(pupil.traits, key, run.end_date, self.rng)
            improve(pupil.traits, key, -effect * (1 - PERSISTENCE))
            results.append(StageResult("exit", run.end_date, exit_value))
            rating = suggest_rating(
                baseline,
                exit_value,
                success_gain=Decimal(spec.gain) if spec.gain else None,
                higher_is_better=self.measures[key].higher_is_better,
            )
            if key in ("reading", "maths"):
                self.latest_scores[(index, key)] = exit_value
        outcomes[index][spec.key] = rating or "open"
        return NewPlacement(
            run=run,
            pupil=pupil.record,
            start_date=start,
            end_date=end_date,
            need_type=choice.need_type,
            priority=choice.priority,
            status=status,
            rating=rating,
            notes=notes,
            results=tuple(results),
        )

    def _baseline(
        self, index: int, pupil: DemoPupil, key: str, start: dt.date
    ) -> tuple[dt.date, Decimal]:
        """Reading and maths groups take the term's screening test as the baseline (the score
        the pupil was chosen on); attendance uses last term's; anything else is tested at
        the start."""
        entry = self.screening.get((index, key))
        if entry is not None and not entry.taken and entry.date <= start:
            entry.taken = True
            return entry.date, entry.value
        if key == "attendance" and index in self.last_attendance:
            return start, self.last_attendance[index]
        # Two groups starting the same day share one assessment (e.g. one SDQ for both).
        if (index, key, start) not in self.entry_tests:
            self.entry_tests[(index, key, start)] = observe(pupil.traits, key, start, self.rng)
        return start, self.entry_tests[(index, key, start)]

    # Cohort results ----------------------------------------------------------------------

    def write_cohort_results(self) -> int:
        """Save the termly whole-cohort results not already saved as placement baselines."""
        written = 0
        for key in COHORT_MEASURES:
            rows = [
                NewResult(pupil_id=pupil.record.pk, date=entry.date, value=entry.value)
                for pupil, entry in self.cohort_results[key]
                if not entry.taken and pupil.record is not None
            ]
            source = "Termly attendance" if key == "attendance" else "Termly cohort test"
            written += results_bulk_record(
                school=self.school, measure=self.measures[key], results=rows, source=source
            )
        return written

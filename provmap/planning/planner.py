"""The planner: gather a term's needs audit, the catalogue, staff hours and budgets from the
database, solve the model (`planning.model`), keep the answer as a `Plan` with its runs,
places and unmet needs (each with why), and accept a plan into planned runs.

Where the inputs come from:

* needs: the cells of the term's needs audit (pupils on roll on the term's first day);
* candidate runs: for each kind of need and year group, each active catalogue entry meeting
  it (`NeedKind.provisions`) and usual for the year (`Provision.usual_years`), as many copies
  as the year's needs of the kind could fill (at most `MOST_COPIES`), each with its
  group size (the usual ratio's pupils), time, weeks (the usual length, at most the term's),
  cost (staff time x rate, or the price) and evidence (`evidence_of`: the school's own
  measured effect, the lower end of its interval in months, where it has one to rank, else
  the EEF months of the catalogue entry); each copy is given a
  member of staff (those who led the entry before, else any internal member of staff with
  contracted hours) and a slot of the week (`SLOTS`), spread so that no one is offered a
  slot they already teach in;
* staff hours free: contracted hours less the weekly hours of their runs in the term;
* budgets: each stream's budget for the year (times the share asked for) less what the map
  already plans to spend from it (`selectors/budget.year_budget`); the stream of a
  candidate is the one its entry's runs were paid from most, else the stream with most left;
* pupils' busy slots: the slots of the runs they are placed in that term.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from provmap.planning import model
from provmap.planning.models import (
    LEVEL_ORDER,
    AuditCell,
    Level,
    NeedKind,
    Plan,
    PlanPlace,
    PlanRun,
)
from provmap.provision import costing, services
from provmap.provision.models import (
    Placement,
    Provision,
    ProvisionRun,
    RunSlot,
    RunStaff,
)
from provmap.provision.selectors.budget import year_budget
from provmap.pupils.models import Pupil
from provmap.schools.models import FundingStream, RoleRate, School, StaffMember, Term

# The times of the week the planner offers (weekday 1-5, start): five a day.
SLOT_TIMES = (dt.time(9, 0), dt.time(10, 0), dt.time(11, 20), dt.time(13, 30), dt.time(14, 30))
SLOTS: tuple[tuple[int, dt.time], ...] = tuple(
    (day, start) for day in range(1, 6) for start in SLOT_TIMES
)
SLOT_MINUTES = 60
# At most this many copies of one entry for one kind in one year group.
MOST_COPIES = 20
# At most this many entries for one kind in one year group (the best-evidenced), and the one
# with the largest groups.
MOST_ENTRIES = 3
TIME_LIMIT = 20.0


def _minutes(value: dt.time) -> int:
    return value.hour * 60 + value.minute


def _slot_index(weekday: int, start: dt.time, end: dt.time) -> list[int]:
    """The planner's slots that a meeting from start to end on weekday overlaps."""
    first, last = _minutes(start), _minutes(end)
    return [
        index
        for index, (day, at) in enumerate(SLOTS)
        if day == weekday and _minutes(at) < last and first < _minutes(at) + SLOT_MINUTES
    ]


def money(amount: Decimal | float) -> str:
    value = Decimal(str(amount)).quantize(Decimal("1"))
    return f"£{value:,}"


@dataclass
class Gathered:
    """The model's problem and what its keys stand for."""

    problem: model.Problem
    provisions: dict[int, Provision]
    kinds: dict[int, NeedKind]
    staff: dict[int, StaffMember]
    streams: dict[int, FundingStream]
    # candidate key -> (provision id, member of staff, slot index, stream), all ids or None
    details: dict[int, tuple[int, int | None, int | None, int | None]]
    budgets: dict[int, Decimal]
    # kind id -> the ids of the catalogue entries meeting it
    meets: dict[int, list[int]]
    # provision id -> (months of progress, "measured" or "EEF")
    evidence: dict[int, tuple[int | None, str]]


def evidence_of(
    school: School, provisions: dict[int, Provision], *, measured: bool = True
) -> dict[int, tuple[int | None, str]]:
    """Each entry's months of additional progress and where they come from: the school's own
    measured effect (the lower end of its interval, in EEF months) where it has enough pupils
    to judge it, the better evidence of its own pupils; else the entry's EEF months."""
    found: dict[int, tuple[int | None, str]] = {
        pk: (provision.evidence_months, "EEF") for pk, provision in provisions.items()
    }
    if not measured or not provisions:
        return found
    from provmap.insights.effects import eef_months
    from provmap.insights.ranking import rankable
    from provmap.insights.selectors import provision_impacts

    for impact in provision_impacts(school, as_of=timezone.localdate(), only=list(provisions)):
        if impact.provision.pk in found and rankable(impact) and impact.effect is not None:
            found[impact.provision.pk] = (eef_months(impact.effect.low), "measured")
    return found


def _weeks(provision: Provision, term: Term) -> Decimal:
    return min(Decimal(provision.usual_weeks), Decimal(term.weeks))


def gather(
    school: School, term: Term, *, share: Decimal = Decimal(1), measured: bool = True
) -> Gathered:
    """The problem for the term (the module's docstring says where each input comes from)."""
    cells = list(
        AuditCell.objects.filter(
            school=school, audit__term=term, audit__school=school, kind__active=True
        )
        .filter(Q(pupil__on_roll_to__isnull=True) | Q(pupil__on_roll_to__gte=term.start_date))
        .values_list("pupil_id", "kind_id", "level", "pupil__nc_year")
        .order_by("kind_id", "pupil_id")
    )
    needs = [model.Need(pupil, kind, level, year) for pupil, kind, level, year in cells]
    kinds = {kind.pk: kind for kind in NeedKind.objects.filter(school=school, active=True)}
    meets: dict[int, list[int]] = defaultdict(list)
    for kind_id, provision_id in NeedKind.provisions.through.objects.filter(
        needkind__school=school, needkind__active=True, provision__active=True
    ).values_list("needkind_id", "provision_id"):
        meets[kind_id].append(provision_id)
    provisions = {
        provision.pk: provision
        for provision in Provision.objects.filter(
            school=school, pk__in={p for ids in meets.values() for p in ids}
        )
    }
    evidence = evidence_of(school, provisions, measured=measured)
    staff = {
        person.pk: person
        for person in StaffMember.objects.filter(school=school, active=True, is_external=False)
    }
    rates = dict(RoleRate.objects.filter(school=school).values_list("role", "hourly_rate"))
    streams = {stream.pk: stream for stream in FundingStream.objects.filter(school=school)}

    # Staff hours taken in the term, and the slots staff and pupils are already busy in.
    term_runs = ProvisionRun.objects.filter(school=school, term=term).exclude(
        status=ProvisionRun.Status.CLOSED
    )
    taken: dict[int, Decimal] = defaultdict(Decimal)
    for staff_id, own_sessions, own_minutes, sessions, minutes in RunStaff.objects.filter(
        school=school, run__in=term_runs
    ).values_list(
        "staff_id",
        "sessions_per_week",
        "minutes_per_session",
        "run__sessions_per_week",
        "run__minutes_per_session",
    ):
        taken[staff_id] += costing.weekly_hours(own_sessions or sessions, own_minutes or minutes)
    free = {
        pk: float(max(person.contracted_hours - taken[pk], Decimal(0)))
        for pk, person in staff.items()
        if person.contracted_hours is not None
    }
    run_slots: dict[int, list[int]] = defaultdict(list)
    for run_id, weekday, start, end in RunSlot.objects.filter(
        school=school, run__in=term_runs
    ).values_list("run_id", "weekday", "start_time", "end_time"):
        run_slots[run_id].extend(_slot_index(weekday, start, end))
    busy: dict[int, set[int]] = defaultdict(set)
    for pupil_id, run_id in (
        Placement.objects.filter(school=school, run__in=term_runs)
        .exclude(status__in=[Placement.Status.WITHDRAWN, Placement.Status.COMPLETED])
        .values_list("pupil_id", "run_id")
    ):
        busy[pupil_id].update(run_slots.get(run_id, ()))
    staff_busy: dict[int, set[int]] = defaultdict(set)
    for staff_id, run_id in RunStaff.objects.filter(school=school, run__in=term_runs).values_list(
        "staff_id", "run_id"
    ):
        staff_busy[staff_id].update(run_slots.get(run_id, ()))

    # Who led each entry before, and which stream paid for it most.
    led: dict[int, Counter[int]] = defaultdict(Counter)
    paid: dict[int, Counter[int]] = defaultdict(Counter)
    for provision_id, staff_id, stream_id in ProvisionRun.objects.filter(
        school=school, provision_id__in=list(provisions)
    ).values_list("provision_id", "staff_lines__staff_id", "funding_stream_id"):
        if staff_id in staff:
            led[provision_id][staff_id] += 1
        if stream_id is not None:
            paid[provision_id][stream_id] += 1

    # What is left to plan with in each stream this year.
    budget = year_budget(school, term.academic_year, as_of=timezone.localdate())
    by_name = {stream.name: pk for pk, stream in streams.items()}
    budgets: dict[int, Decimal] = {}
    for line in budget.lines:
        if line.budget is not None and line.name in by_name:
            budgets[by_name[line.name]] = max(
                Decimal(line.budget) * share - line.planned, Decimal(0)
            )
    richest = max(budgets, key=lambda pk: budgets[pk], default=None)

    per_year = Counter((need.kind, need.cohort) for need in needs)

    def rate_of(pk: int) -> Decimal:
        return costing.hourly_rate_for(staff[pk].hourly_rate, rates.get(staff[pk].role))

    # The cheapest first: the first copies of an entry are given the cheapest staff.
    anyone = sorted(
        (pk for pk in staff if pk in free and free[pk] > 0), key=lambda pk: (rate_of(pk), pk)
    )
    candidates: list[model.Candidate] = []
    details: dict[int, tuple[int, int | None, int | None, int | None]] = {}
    turn = 0
    key = 0
    for kind_id, year in sorted(per_year, key=lambda item: (item[0], str(item[1]))):
        for provision_id in _offered(provisions, evidence, meets.get(kind_id, []), str(year)):
            provision = provisions[provision_id]
            size = max(int(provision.default_pupils), 1)
            copies = model.runs_to_cover(per_year[(kind_id, year)], size, most=MOST_COPIES)
            weeks = _weeks(provision, term)
            sessions, minutes = provision.sessions_per_week, provision.minutes_per_session
            hours = costing.weekly_hours(sessions, minutes) * int(provision.default_staff)
            leaders = [pk for pk, _count in led[provision_id].most_common() if pk in free]
            team = leaders or anyone
            stream = paid[provision_id].most_common(1)[0][0] if paid[provision_id] else richest
            for copy in range(copies):
                person = team[(turn + copy) % len(team)] if team else None
                slot = turn % len(SLOTS)
                if person is not None:
                    for step in range(len(SLOTS)):
                        if (turn + step) % len(SLOTS) not in staff_busy[person]:
                            slot = (turn + step) % len(SLOTS)
                            break
                turn += 1
                fixed = costing.service_cost(
                    provision.cost_basis,
                    provision.price,
                    sessions_per_week=sessions,
                    weeks=weeks,
                    year_weeks=_year_weeks(term),
                    pupils=0,
                )
                if person is not None and provision.cost_basis != costing.NO_COST:
                    rate = rate_of(person)
                    fixed += costing.staff_cost(
                        costing.StaffTime(sessions, minutes, rate), weeks
                    ) * int(provision.default_staff)
                key += 1
                # Paid from the stream that paid for the entry before while it has room for
                # these copies, else from the stream with most left.
                paid_from = stream
                if paid_from in budgets and budgets[paid_from] < fixed * (copy + 1):
                    paid_from = richest
                candidates.append(
                    model.Candidate(
                        key=key,
                        kind=kind_id,
                        size=size,
                        cost=float(fixed),
                        cost_per_pupil=float(
                            costing.each_pupil_price(provision.cost_basis, provision.price)
                        ),
                        evidence=float(evidence[provision_id][0] or 0),
                        staff=person,
                        hours=float(hours),
                        slot=slot,
                        stream=paid_from,
                        group=None,
                        cohort=year,
                    )
                )
                details[key] = (provision_id, person, slot, paid_from)
    problem = model.Problem(
        needs=needs,
        candidates=candidates,
        budgets={pk: float(amount) for pk, amount in budgets.items()},
        staff_hours=free,
        busy={pupil: frozenset(slots) for pupil, slots in busy.items()},
    )
    return Gathered(problem, provisions, kinds, staff, streams, details, budgets, meets, evidence)


def _offered(
    provisions: dict[int, Provision],
    evidence: dict[int, tuple[int | None, str]],
    ids: Sequence[int],
    year: str,
) -> list[int]:
    """The entries offered for a kind in a year group: those usual for the year, the
    `MOST_ENTRIES` best-evidenced and the one with the largest groups (the cheapest a place
    on staff time)."""
    usual = []
    for pk in ids:
        years = {part.strip() for part in provisions[pk].usual_years.split(",") if part.strip()}
        if not years or year in years:
            usual.append(pk)
    best = sorted(
        usual,
        key=lambda pk: (-(evidence[pk][0] or 0), -provisions[pk].default_pupils, pk),
    )[:MOST_ENTRIES]
    biggest = max(usual, key=lambda pk: (provisions[pk].default_pupils, -pk), default=None)
    if biggest is not None and biggest not in best:
        best.append(biggest)
    return sorted(best)


def _year_weeks(term: Term) -> Decimal:
    weeks = sum(
        (t.weeks for t in Term.objects.filter(academic_year_id=term.academic_year_id)),
        Decimal(0),
    )
    return weeks or Decimal(39)


def _why(
    kind: NeedKind,
    provision: Provision,
    levels: Counter[str],
    others: Sequence[int],
    evidence: dict[int, tuple[int | None, str]],
    cost: Decimal,
) -> str:
    said = [
        f"{count} {'pupil' if count == 1 else 'pupils'} {level} have {kind.name.lower()}"
        for level in (Level.MUST, Level.SHOULD, Level.COULD)
        if (count := levels[level])
    ]
    months, source = evidence.get(provision.pk, (None, "EEF"))
    best = max((evidence.get(pk, (None, ""))[0] or 0 for pk in others), default=0)
    shown = f"{months:+d} months" if months is not None else ""
    if source == "measured":
        shown += ", at the least, as measured in this school"
    if months is not None and months >= best and len(others) > 1:
        words = f"{provision.name} is the best-evidenced ({shown})"
    elif months is not None:
        words = f"{provision.name} ({shown})"
    else:
        words = f"{provision.name} (no evidence recorded)"
    return f"{'; '.join(said)}; {words} at {money(cost)}."


def plan_make(
    *,
    school: School,
    term: Term,
    name: str,
    share: Decimal = Decimal(1),
    by: AbstractBaseUser | None = None,
) -> Plan:
    """Run the planner for the term and keep its proposal as a draft plan."""
    if term.school_id != school.pk:
        raise ValidationError("That term is not one of this school's.")
    if not Decimal("0.1") <= share <= Decimal("2"):
        raise ValidationError("The budget share must be between 10% and 200%.")
    gathered = gather(school, term, share=share)
    if not gathered.problem.needs:
        raise ValidationError(
            "The needs audit for this term has no needs yet: audit the term's needs first."
        )
    solution = model.solve(gathered.problem, time_limit=TIME_LIMIT)
    # Solved outside the transaction; the proposal is written all or nothing.
    with transaction.atomic():
        return _keep(school, term, name, share, by, gathered, solution)


def _keep(
    school: School,
    term: Term,
    name: str,
    share: Decimal,
    by: AbstractBaseUser | None,
    gathered: Gathered,
    solution: model.Solution,
) -> Plan:
    plan = Plan.objects.create(
        school=school,
        term=term,
        name=name.strip() or f"Plan at {int(share * 100)}% of the budget",
        budget_share=share,
        solver_status=solution.status[:120],
        created_by=by,
        settings_note=(
            f"Made within {int(share * 100)}% of each stream's budget; "
            f"{len(gathered.problem.candidates)} possible groups considered."
        ),
        unmet=[
            {
                "pupil": item.need.pupil,
                "kind": item.need.kind,
                "level": item.need.level,
                "reason": item.words,
            }
            for item in solution.unmet
        ],
    )
    members: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for pupil, key, level in solution.places:
        members[key].append((pupil, level))
    rows: list[PlanRun] = []
    for cand in solution.runs:
        provision_id, person, slot, stream = gathered.details[cand.key]
        provision = gathered.provisions[provision_id]
        kind = gathered.kinds[cand.kind]
        weekday, start = SLOTS[slot] if slot is not None else (None, None)
        cost = costing.to_pennies(
            Decimal(str(cand.cost)) + Decimal(str(cand.cost_per_pupil)) * len(members[cand.key])
        )
        others = gathered.meets.get(kind.pk, [])
        rows.append(
            PlanRun(
                school=school,
                plan=plan,
                provision=provision,
                kind=kind,
                staff_id=person,
                funding_stream_id=stream,
                weekday=weekday,
                start_time=start,
                cost=cost,
                why=_why(
                    kind,
                    provision,
                    Counter(level for _p, level in members[cand.key]),
                    others,
                    gathered.evidence,
                    cost,
                ),
            )
        )
    PlanRun.objects.bulk_create(rows)
    PlanPlace.objects.bulk_create(
        PlanPlace(school=school, plan_run=row, pupil_id=pupil, level=level)
        for cand, row in zip(solution.runs, rows, strict=True)
        for pupil, level in members[cand.key]
    )
    return plan


# --- Editing and accepting a plan -------------------------------------------------------------


def _check_draft(plan: Plan, read_version: int | None) -> None:
    if plan.status != Plan.Status.DRAFT:
        raise ValidationError(f"“{plan.name}” was accepted already: it can no longer change.")
    if read_version is not None and read_version != plan.version:
        raise ValidationError(
            f"“{plan.name}” was changed by someone else since you opened it: look again."
        )


def _unmet_entry(place: PlanPlace, kind_id: int | None, why: str) -> dict[str, object]:
    return {"pupil": place.pupil_id, "kind": kind_id, "level": place.level, "reason": why}


def _bump(plan: Plan) -> None:
    plan.version += 1
    plan.save(update_fields=["version", "unmet"])


@transaction.atomic
def plan_remove_place(*, plan: Plan, place: PlanPlace, read_version: int | None = None) -> None:
    """Take a pupil out of one of a draft plan's runs (their need becomes unmet)."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    _check_draft(plan, read_version)
    if place.plan_run.plan_id != plan.pk:
        raise ValidationError("That pupil is not in this plan.")
    plan.unmet = [
        *plan.unmet,
        _unmet_entry(place, place.plan_run.kind_id, "Taken out of the plan by hand."),
    ]
    run = place.plan_run
    place.delete()
    if not run.places.exists():
        run.delete()
    _bump(plan)


@transaction.atomic
def plan_remove_run(*, plan: Plan, plan_run: PlanRun, read_version: int | None = None) -> None:
    """Take a run out of a draft plan (its pupils' needs become unmet)."""
    plan = Plan.objects.select_for_update().get(pk=plan.pk)
    _check_draft(plan, read_version)
    if plan_run.plan_id != plan.pk:
        raise ValidationError("That group is not in this plan.")
    plan.unmet = [
        *plan.unmet,
        *(
            _unmet_entry(place, plan_run.kind_id, "Its group was taken out of the plan by hand.")
            for place in plan_run.places.all()
        ),
    ]
    plan_run.delete()
    _bump(plan)


@transaction.atomic
def plan_copy(*, plan: Plan, name: str, by: AbstractBaseUser | None = None) -> Plan:
    """A draft copy of a plan (to edit without losing the original)."""
    copy = Plan.objects.create(
        school_id=plan.school_id,
        term_id=plan.term_id,
        name=name.strip() or f"Copy of {plan.name}"[:120],
        budget_share=plan.budget_share,
        settings_note=plan.settings_note,
        solver_status=plan.solver_status,
        unmet=list(plan.unmet),
        created_by=by,
    )
    for run in plan.runs.prefetch_related("places"):
        places = list(run.places.all())
        run.pk = None
        run.plan = copy
        run.run = None
        run.save()
        PlanPlace.objects.bulk_create(
            PlanPlace(school_id=plan.school_id, plan_run=run, pupil_id=p.pupil_id, level=p.level)
            for p in places
        )
    return copy


@transaction.atomic
def plan_accept(
    *, plan: Plan, by: AbstractBaseUser | None = None, read_version: int | None = None
) -> list[ProvisionRun]:
    """Make a draft plan's runs planned runs of its term, with its pupils placed (planned),
    and each run's slot; a plan is accepted once."""
    plan = Plan.objects.select_for_update().select_related("term__academic_year").get(pk=plan.pk)
    _check_draft(plan, read_version)
    term = plan.term
    plan_runs = list(
        plan.runs.select_related("provision", "staff", "funding_stream").prefetch_related(
            "places__pupil"
        )
    )
    if not plan_runs:
        raise ValidationError(f"“{plan.name}” has no groups to accept.")
    made: list[ProvisionRun] = []
    new_places: list[services.NewPlacement] = []
    slots: list[RunSlot] = []
    for number, plan_run in enumerate(plan_runs, start=1):
        staff = [services.StaffAssignment(plan_run.staff)] if plan_run.staff else []
        run = services.run_create(
            provision=plan_run.provision,
            academic_year=term.academic_year,
            term=term,
            staff=staff,
            label=f"Planned {number}",
            status=ProvisionRun.Status.PLANNED,
            lead_staff=plan_run.staff,
            funding_stream=plan_run.funding_stream,
            withdrawn_from=plan_run.withdrawn_from,
        )
        if plan_run.weekday and plan_run.start_time:
            start = plan_run.start_time
            end_minutes = min(_minutes(start) + run.minutes_per_session, 23 * 60 + 59)
            slots.append(
                RunSlot(
                    school_id=plan.school_id,
                    run=run,
                    weekday=plan_run.weekday,
                    start_time=start,
                    end_time=dt.time(end_minutes // 60, end_minutes % 60),
                    subject=plan_run.withdrawn_from,
                )
            )
        plan_run.run = run
        made.append(run)
        for place in plan_run.places.all():
            new_places.append(
                services.NewPlacement(
                    run=run,
                    pupil=place.pupil,
                    priority=place.level,
                    status=Placement.Status.PLANNED,
                    notes=f"From the plan “{plan.name}”."[:200],
                )
            )
    RunSlot.objects.bulk_create(slots)
    PlanRun.objects.bulk_update(plan_runs, ["run"])
    services.placements_bulk_create(school=plan.school, placements=new_places)
    plan.status = Plan.Status.ACCEPTED
    plan.accepted_at = timezone.now()
    plan.version += 1
    plan.save(update_fields=["status", "accepted_at", "version"])
    return made


def plan_pupils(plan: Plan) -> list[Pupil]:
    """Every pupil the plan names (placed or unmet)."""
    ids = set(PlanPlace.objects.filter(plan_run__plan=plan).values_list("pupil_id", flat=True))
    ids |= {int(item["pupil"]) for item in plan.unmet}
    return list(Pupil.objects.filter(school_id=plan.school_id, pk__in=ids))


def level_order(level: str) -> int:
    return LEVEL_ORDER.get(Level(level), 9)

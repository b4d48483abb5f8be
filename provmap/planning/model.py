"""The planner's model: which runs to open next term and who goes in each, as a mixed-integer
linear programme solved by HiGHS through `scipy.optimize.milp` (plain numbers, no database).

Formulation
-----------
Given needs n = (pupil p, kind k, level), candidate runs r (each meeting one kind, with a
group size s_r, a fixed cost c_r for the term plus a price per pupil placed q_r, weekly staff
hours h_r for its member of staff, a slot t_r in the week, a funding stream f_r and an
evidence value e_r in months of progress), the budget B_f left in each stream, the hours H_m
each member of staff has free, and the slots each pupil is already busy in:

* variables: y_r in {0, 1} (run r is opened); x_nr in {0, 1} (need n is met by placing its
  pupil in run r), created only where r meets n's kind and the pupil is not already busy in
  r's slot;
* place only in an open run:             x_nr <= y_r;
* group size:                            sum_n x_nr <= s_r y_r;
* a need met at most once:               sum_r x_nr <= 1;
* a pupil in at most one run per slot:   sum_{n of p, r at slot t} x_nr <= 1;
* a member of staff in one place a slot: sum_{r led by m at slot t} y_r <= 1;
* budget per stream:                     sum_{r of f} (c_r y_r + q_r sum_n x_nr) <= B_f;
* staff hours:                           sum_{r led by m} h_r y_r <= H_m;
* candidates the caller marks as copies of one another (`group`) are opened in order
  (y_r >= y_r+1), which removes symmetric solutions; only for copies truly alike (the
  planner's differ in staff and time, so it marks none).

Must first, then should, then could (lexicographic), in three stages: the first stage places
only the musts, maximising how many are met (each worth 1), plus an evidence bonus (below 1/2
in all) for better-evidenced runs, less a cost tie-break (below 1/100 in all); the second
places the shoulds in what is left (the runs already opened, with their room left and no
more fixed cost; budgets, staff hours and pupils' and staff's slots less what the first
took); the third the coulds. HiGHS is asked for an answer within less than one need of the
best at each stage, so the number of musts met is the most there can be, and the number of
shoulds the most there can be once they are. (`level_weights` gives the weights that would
do the same in one model; one model of the whole school proved far slower to solve.)

The caller keeps the model small: it offers for each kind only as many candidate runs of
each provision as the kind's needs could fill. A need left unmet carries the reason found
after solving: no catalogue entry for its kind; its pupil busy at every time offered; the
budget; staff hours; the groups full; or a clash with the pupil's other places.
"""

from __future__ import annotations

import itertools
import math
from collections import defaultdict
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import coo_array

DEBUG = False
MUST, SHOULD, COULD = "must", "should", "could"
LEVELS = (MUST, SHOULD, COULD)

# Why a need is left unmet.
NO_PROVISION = "no_provision"
BUSY = "busy"
BUDGET = "budget"
STAFF_HOURS = "staff_hours"
GROUP_FULL = "group_full"
CLASH = "clash"
NOT_CHOSEN = "not_chosen"

REASONS = {
    NO_PROVISION: "No catalogue entry meets this kind of need.",
    BUSY: "Already in other provision at every time offered.",
    BUDGET: "Not enough budget left for another group.",
    STAFF_HOURS: "No member of staff has the hours for another group.",
    GROUP_FULL: "The groups offered are full, of pupils with the same or greater need.",
    CLASH: "Every group offered clashes with the pupil's other places.",
    NOT_CHOSEN: "Not chosen within the time allowed.",
}


@dataclass(frozen=True)
class Need:
    pupil: int
    kind: int
    level: str
    # The pupil's year group: only candidates for it (or for any) are offered.
    cohort: Hashable | None = None


@dataclass(frozen=True)
class Candidate:
    """A run the planner may open. `key` is the caller's; `group` ties candidates that are
    copies alike of one provision for one kind (opened in order)."""

    key: int
    kind: int
    size: int
    cost: float = 0.0
    cost_per_pupil: float = 0.0
    evidence: float = 0.0
    staff: Hashable | None = None
    hours: float = 0.0
    slot: Hashable | None = None
    stream: Hashable | None = None
    group: Hashable | None = None
    # The year group it is for (None: any).
    cohort: Hashable | None = None


@dataclass(frozen=True)
class Problem:
    needs: Sequence[Need]
    candidates: Sequence[Candidate]
    # Money left in each stream; a stream not named has no limit.
    budgets: Mapping[Hashable, float] = field(default_factory=dict)
    # Weekly hours each member of staff has free; a member of staff not named has no limit.
    staff_hours: Mapping[Hashable, float] = field(default_factory=dict)
    # The slots each pupil is already busy in.
    busy: Mapping[int, frozenset] = field(default_factory=dict)


@dataclass(frozen=True)
class Unmet:
    need: Need
    reason: str

    @property
    def words(self) -> str:
        return REASONS[self.reason]


@dataclass
class Solution:
    status: str
    optimal: bool
    runs: list[Candidate]
    # (pupil, candidate key, level) for each place.
    places: list[tuple[int, int, str]]
    unmet: list[Unmet]
    cost: float = 0.0
    met: dict[str, int] = field(default_factory=dict)
    needs: dict[str, int] = field(default_factory=dict)


def level_weights(needs: Sequence[Need]) -> dict[str, float]:
    """could = 1; should = 1 + every could; must = 1 + every should and could."""
    count = {level: sum(1 for need in needs if need.level == level) for level in LEVELS}
    could = 1.0
    should = count[COULD] * could + 1
    must = count[SHOULD] * should + count[COULD] * could + 1
    return {MUST: must, SHOULD: should, COULD: could}


def _place_cost(candidate: Candidate, pupils: int) -> float:
    return candidate.cost + candidate.cost_per_pupil * pupils


def solve(problem: Problem, *, time_limit: float = 20.0) -> Solution:
    """Choose runs and places (the module's docstring gives the formulation): the musts
    first, then the shoulds in what is left, then the coulds."""
    import dataclasses
    import time

    needs = list(problem.needs)
    cands = list(problem.candidates)
    started = time.perf_counter()
    filled: dict[int, int] = defaultdict(int)
    spent: dict[Hashable, float] = defaultdict(float)
    used: dict[Hashable, float] = defaultdict(float)
    busy: dict[int, set] = defaultdict(set)
    for pupil, slots in problem.busy.items():
        busy[pupil] |= set(slots)
    staff_taken: set[tuple[Hashable, Hashable]] = set()
    chosen: list[tuple[int, int]] = []
    statuses: list[str] = []
    optimal = True
    for stage, level in enumerate(LEVELS):
        index = [n for n, need in enumerate(needs) if need.level == level]
        if not index:
            continue
        offered: list[int] = []
        stage_cands: list[Candidate] = []
        for r, cand in enumerate(cands):
            if r in filled:
                left = cand.size - filled[r]
                if left <= 0:
                    continue
                cand = dataclasses.replace(cand, size=left, cost=0.0, hours=0.0, staff=None)
                cand = dataclasses.replace(cand, group=None)
            elif cand.staff is not None and (cand.staff, cand.slot) in staff_taken:
                continue
            offered.append(r)
            stage_cands.append(cand)
        sub = Problem(
            needs=[needs[n] for n in index],
            candidates=stage_cands,
            budgets={key: value - spent[key] for key, value in problem.budgets.items()},
            staff_hours={key: value - used[key] for key, value in problem.staff_hours.items()},
            busy={pupil: frozenset(slots) for pupil, slots in busy.items()},
        )
        left_time = max(time_limit - (time.perf_counter() - started), 1.0)
        pairs, status, exact = _solve_one(sub, time_limit=left_time / (len(LEVELS) - stage))
        statuses.append(f"{level}: {status}")
        optimal = optimal and exact
        newly: set[int] = set()
        for n, r in pairs:
            need, real = needs[index[n]], offered[r]
            cand = cands[real]
            chosen.append((index[n], real))
            if real not in filled:
                newly.add(real)
            filled[real] += 1
            if cand.slot is not None:
                busy[need.pupil].add(cand.slot)
            if cand.stream is not None:
                spent[cand.stream] += cand.cost_per_pupil
        for real in newly:
            cand = cands[real]
            if cand.stream is not None:
                spent[cand.stream] += cand.cost
            if cand.staff is not None:
                used[cand.staff] += cand.hours
                if cand.slot is not None:
                    staff_taken.add((cand.staff, cand.slot))
    return _result(
        problem, needs, cands, chosen, "; ".join(statuses) or "Nothing to place.", optimal
    )


def _solve_one(problem: Problem, *, time_limit: float) -> tuple[list[tuple[int, int]], str, bool]:
    """One stage: the places (need index, candidate index) that meet most needs."""
    needs = list(problem.needs)
    cands = list(problem.candidates)
    by_kind: dict[int, list[int]] = defaultdict(list)
    for index, cand in enumerate(cands):
        by_kind[cand.kind].append(index)
    # Pairs (need, candidate) that may be chosen.
    pairs: list[tuple[int, int]] = []
    for n, need in enumerate(needs):
        busy = problem.busy.get(need.pupil, frozenset())
        for r in by_kind.get(need.kind, ()):
            cand = cands[r]
            if cand.cohort is not None and cand.cohort != need.cohort:
                continue
            if cand.slot is None or cand.slot not in busy:
                pairs.append((n, r))
    n_y, n_x = len(cands), len(pairs)
    total = n_y + n_x
    if not pairs:
        return [], "nothing to place", True

    weights = level_weights(needs)
    top_evidence = max([cand.evidence for cand in cands] + [1.0])
    evidence_step = 0.5 / (top_evidence * max(len(needs), 1))
    all_cost = sum(_place_cost(cand, cand.size) for cand in cands) + 1.0
    cost_step = 0.01 / all_cost
    c = np.zeros(total)
    for r, cand in enumerate(cands):
        c[r] = cost_step * cand.cost
    for j, (n, r) in enumerate(pairs):
        cand = cands[r]
        value = weights[needs[n].level] + evidence_step * max(cand.evidence, 0.0)
        c[n_y + j] = -value + cost_step * cand.cost_per_pupil

    rows: list[int] = []
    cols: list[int] = []
    vals: list[float] = []
    upper: list[float] = []
    row = 0

    def add(entries: Sequence[tuple[int, float]], ub: float) -> None:
        nonlocal row
        for col, val in entries:
            rows.append(row)
            cols.append(col)
            vals.append(val)
        upper.append(ub)
        row += 1

    in_run: dict[int, list[int]] = defaultdict(list)
    of_need: dict[int, list[int]] = defaultdict(list)
    pupil_slot: dict[tuple[int, Hashable], list[int]] = defaultdict(list)
    for j, (n, r) in enumerate(pairs):
        in_run[r].append(j)
        of_need[n].append(j)
        if cands[r].slot is not None:
            pupil_slot[(needs[n].pupil, cands[r].slot)].append(j)
    for j, (_n, r) in enumerate(pairs):
        add([(n_y + j, 1.0), (r, -1.0)], 0.0)
    for r, members in in_run.items():
        add([(n_y + j, 1.0) for j in members] + [(r, -float(cands[r].size))], 0.0)
    for members in of_need.values():
        if len(members) > 1:
            add([(n_y + j, 1.0) for j in members], 1.0)
    for members in pupil_slot.values():
        if len(members) > 1:
            add([(n_y + j, 1.0) for j in members], 1.0)
    staff_slot: dict[tuple[Hashable, Hashable], list[int]] = defaultdict(list)
    staff_runs: dict[Hashable, list[int]] = defaultdict(list)
    stream_runs: dict[Hashable, list[int]] = defaultdict(list)
    groups: dict[Hashable, list[int]] = defaultdict(list)
    for r, cand in enumerate(cands):
        if cand.staff is not None:
            staff_runs[cand.staff].append(r)
            if cand.slot is not None:
                staff_slot[(cand.staff, cand.slot)].append(r)
        if cand.stream is not None:
            stream_runs[cand.stream].append(r)
        if cand.group is not None:
            groups[cand.group].append(r)
    for members in staff_slot.values():
        if len(members) > 1:
            add([(r, 1.0) for r in members], 1.0)
    for stream, members in stream_runs.items():
        if stream not in problem.budgets:
            continue
        entries = [(r, cands[r].cost) for r in members]
        entries += [
            (n_y + j, cands[r].cost_per_pupil)
            for r in members
            for j in in_run.get(r, ())
            if cands[r].cost_per_pupil
        ]
        add(entries, float(problem.budgets[stream]))
    for person, members in staff_runs.items():
        if person in problem.staff_hours:
            add([(r, cands[r].hours) for r in members], float(problem.staff_hours[person]))
    for members in groups.values():
        for first, second in itertools.pairwise(members):
            add([(second, 1.0), (first, -1.0)], 0.0)

    matrix = coo_array((vals, (rows, cols)), shape=(row, total)).tocsr()
    result = milp(
        c,
        constraints=[LinearConstraint(matrix, -np.inf, np.array(upper))],
        integrality=np.ones(total),
        bounds=Bounds(0, 1),
        # Within less than one need of the best: every count is the best there is.
        options={
            "time_limit": time_limit,
            "mip_rel_gap": min(1e-4, 0.3 / (len(needs) + 1)),
            "presolve": True,
            "disp": bool(DEBUG),
        },
    )
    if result.x is None:
        return [], _said(result), False
    chosen = [pair for j, pair in enumerate(pairs) if result.x[n_y + j] > 0.5]
    return chosen, _said(result), result.status == 0


def _said(result: object) -> str:
    status = getattr(result, "status", None)
    return {0: "best found", 1: "time limit reached", 2: "infeasible"}.get(
        status if isinstance(status, int) else -1, "not solved"
    )


def _result(
    problem: Problem,
    needs: list[Need],
    cands: list[Candidate],
    chosen: list[tuple[int, int]],
    status: str,
    optimal: bool,
) -> Solution:
    opened: set[int] = set()
    filled: dict[int, int] = defaultdict(int)
    met: set[int] = set()
    taken_slots: dict[int, set] = defaultdict(set)
    for n, r in chosen:
        opened.add(r)
        filled[r] += 1
        met.add(n)
        if cands[r].slot is not None:
            taken_slots[needs[n].pupil].add(cands[r].slot)
    # Some runs may be opened by the solver with no pupils (never useful): leave them out.
    opened = {r for r in opened if filled[r]}
    spent: dict[Hashable, float] = defaultdict(float)
    hours: dict[Hashable, float] = defaultdict(float)
    for r in opened:
        cand = cands[r]
        if cand.stream is not None:
            spent[cand.stream] += _place_cost(cand, filled[r])
        if cand.staff is not None:
            hours[cand.staff] += cand.hours
    by_kind: dict[int, list[int]] = defaultdict(list)
    for r, cand in enumerate(cands):
        by_kind[cand.kind].append(r)

    def reason(need: Need) -> str:
        offered = [
            r
            for r in by_kind.get(need.kind, [])
            if cands[r].cohort is None or cands[r].cohort == need.cohort
        ]
        if not offered:
            return NO_PROVISION
        busy = problem.busy.get(need.pupil, frozenset())
        free = [r for r in offered if cands[r].slot is None or cands[r].slot not in busy]
        if not free:
            return BUSY
        reachable = [
            r for r in free if cands[r].slot is None or cands[r].slot not in taken_slots[need.pupil]
        ]
        if not reachable:
            return CLASH
        shut = [r for r in reachable if r not in opened]

        def over_budget(r: int) -> bool:
            cand = cands[r]
            if cand.stream is None or cand.stream not in problem.budgets:
                return False
            left = problem.budgets[cand.stream] - spent[cand.stream]
            return _place_cost(cand, 1) > left + 1e-6

        def over_hours(r: int) -> bool:
            cand = cands[r]
            if cand.staff is None or cand.staff not in problem.staff_hours:
                return False
            return cand.hours > problem.staff_hours[cand.staff] - hours[cand.staff] + 1e-6

        if shut and all(over_budget(r) or over_hours(r) for r in shut):
            return BUDGET if any(over_budget(r) for r in shut) else STAFF_HOURS
        if len(shut) < len(reachable):
            return GROUP_FULL
        return NOT_CHOSEN

    unmet = [Unmet(need, reason(need)) for n, need in enumerate(needs) if n not in met]
    return Solution(
        status=str(status),
        optimal=optimal,
        runs=[cands[r] for r in sorted(opened)],
        places=[(needs[n].pupil, cands[r].key, needs[n].level) for n, r in chosen],
        unmet=unmet,
        cost=sum(_place_cost(cands[r], filled[r]) for r in opened),
        met={level: sum(1 for n in met if needs[n].level == level) for level in LEVELS},
        needs={level: sum(1 for need in needs if need.level == level) for level in LEVELS},
    )


def runs_to_cover(needs: int, size: int, *, most: int = 60) -> int:
    """How many copies of a run of `size` pupils could be filled by `needs` needs."""
    if needs <= 0 or size <= 0:
        return 0
    return min(math.ceil(needs / size), most)

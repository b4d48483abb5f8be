"""A run's registers: the register for one date (the pupils due, the marks saved), its last
sessions, and its fidelity, pupils' doses and cost to date. Two queries whatever the number
of sessions and pupils (the sessions, and their marks)."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from provmap.provision import fidelity
from provmap.provision.models import Placement, ProvisionRun, RunSession, SessionAttendance
from provmap.provision.registers import due_on
from provmap.provision.selectors.costed import CostedRun

RECENT_SESSIONS = 8
ATTENDED = SessionAttendance.Mark.ATTENDED


@dataclass(frozen=True)
class PupilDose:
    placement: Placement
    dose: fidelity.Dose

    @property
    def bar_percent(self) -> int:
        """The bar's length: delivered against planned, 0 to 100."""
        share = self.dose.share_of_plan
        if share is None:
            return 0
        return int(min(share, Decimal(1)) * 100)


@dataclass(frozen=True)
class SessionLine:
    session: RunSession
    attended: int
    marked: int


@dataclass(frozen=True)
class RunFidelity:
    fidelity: fidelity.Fidelity
    doses: list[PupilDose]
    cost_to_date: Decimal
    sessions: list[RunSession]
    # Each session's marks, by the session's id.
    marks: dict[int, list[SessionAttendance]]
    # Each not-held reason in words, with its count.
    not_held: list[tuple[str, int]] = field(default_factory=list)

    @property
    def recent(self) -> list[SessionLine]:
        """The last sessions recorded, the latest first, with how many pupils attended."""
        return [
            SessionLine(
                session,
                attended=sum(1 for m in self.marks.get(session.pk, []) if m.mark == ATTENDED),
                marked=len(self.marks.get(session.pk, [])),
            )
            for session in reversed(self.sessions[-RECENT_SESSIONS:])
        ]

    @property
    def recorded_dates(self) -> set[dt.date]:
        return {session.date for session in self.sessions}

    @property
    def attendance(self) -> Decimal | None:
        attended = sum(item.dose.attended for item in self.doses)
        marked = sum(item.dose.marked for item in self.doses)
        return Decimal(attended) / Decimal(marked) if marked else None


@dataclass(frozen=True)
class Register:
    run: ProvisionRun
    date: dt.date
    due: list[Placement]
    session: RunSession | None
    # placement id: (mark, reason), from the saved register.
    marks: dict[int, tuple[str, str]]


def _sessions(run: ProvisionRun) -> tuple[list[RunSession], dict[int, list[SessionAttendance]]]:
    sessions = list(RunSession.objects.filter(run=run).order_by("date"))
    marks: dict[int, list[SessionAttendance]] = defaultdict(list)
    for mark in SessionAttendance.objects.filter(session__run=run):
        marks[mark.session_id].append(mark)
    return sessions, dict(marks)


def run_fidelity(costed: CostedRun, placements: list[Placement], *, as_of: dt.date) -> RunFidelity:
    """The run's sessions held against planned to `as_of`, each of `placements`' (the pupils
    the user sees) dose, and the cost to date from sessions held."""
    run = costed.run
    span = (run.start_date, run.end_date)
    sessions, marks = _sessions(run)
    found = fidelity.fidelity(
        sessions_per_week=run.sessions_per_week,
        weeks=run.weeks,
        run=span,
        sessions=[fidelity.Held(s.date, s.held, s.minutes, s.not_held_reason) for s in sessions],
        as_of=as_of,
    )
    by_placement: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for session in sessions:
        if session.held and session.date <= as_of:
            for mark in marks.get(session.pk, []):
                by_placement[mark.placement_id].append((session.minutes, mark.mark))
    doses = [
        PupilDose(
            placement,
            fidelity.dose(
                fidelity.PupilMarks(
                    start=placement.start_date,
                    end=placement.end_date or run.end_date,
                    marks=tuple(by_placement.get(placement.pk, [])),
                ),
                sessions_per_week=run.sessions_per_week,
                weeks=run.weeks,
                minutes_per_session=run.minutes_per_session,
                run=span,
                as_of=as_of,
            ),
        )
        for placement in placements
    ]
    words = dict(RunSession.NotHeld.choices)
    return RunFidelity(
        fidelity=found,
        doses=doses,
        cost_to_date=fidelity.cost_to_date(costed.cost, found.planned_total, found.held),
        sessions=sessions,
        marks=marks,
        not_held=[(words.get(k, k), n) for k, n in sorted(found.not_held_reasons.items())],
    )


def run_register(run: ProvisionRun, placements: list[Placement], day: dt.date) -> Register:
    """The register of `run` on `day`: the pupils of `placements` due then, and what was saved."""
    session = RunSession.objects.filter(run=run, date=day).first()
    marks: dict[int, tuple[str, str]] = {}
    if session is not None:
        marks = {
            row.placement_id: (row.mark, row.absence_reason)
            for row in SessionAttendance.objects.filter(session=session)
        }
    return Register(
        run=run, date=day, due=due_on(placements, run, day), session=session, marks=marks
    )

"""A school with this term's runs to roll forward: the map world's Autumn 2025 term, then a
Spring term in the same year and an Autumn term of the next year."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from provmap.outcomes.models import ReviewDecision
from provmap.provision.models import Provision, ProvisionRun, RunSlot
from provmap.schools.models import Term
from tests.factories import AcademicYearFactory, TermFactory
from tests.web.map_world import World, add_run, build_world, pupils


@dataclass
class RollWorld:
    world: World
    spring: Term
    next_autumn: Term

    @property
    def autumn(self) -> Term:
        return self.world.term


def build_roll_world() -> RollWorld:
    world = build_world()
    spring = TermFactory(
        academic_year=world.term.academic_year,
        number=2,
        name="Spring",
        start_date=dt.date(2026, 1, 5),
        end_date=dt.date(2026, 3, 27),
        weeks=Decimal("12"),
    )
    next_year = AcademicYearFactory(
        school=world.school,
        name="2026-27",
        start_date=dt.date(2026, 9, 1),
        end_date=dt.date(2027, 7, 21),
    )
    next_autumn = TermFactory(
        academic_year=next_year,
        number=1,
        name="Autumn",
        start_date=dt.date(2026, 9, 2),
        end_date=dt.date(2026, 12, 18),
        weeks=Decimal("15"),
    )
    return RollWorld(world, spring, next_autumn)


def add_slotted_run(world: World, count: int = 2, **details: object) -> ProvisionRun:
    """A running group of `count` Year 7 pupils meeting on Mondays in English."""
    run = add_run(world, pupils=pupils(world, count), **details)
    RunSlot.objects.create(
        school=world.school,
        run=run,
        weekday=1,
        start_time=dt.time(9, 0),
        end_time=dt.time(9, 30),
        subject="English",
    )
    return run


def decide(world: World, provision: Provision, decision: str, on: dt.date) -> ReviewDecision:
    return ReviewDecision.objects.create(
        school=world.school,
        provision=provision,
        academic_year=world.term.academic_year,
        decision=decision,
        verdict="As shown",
        decided_by_name="Sam Reed",
        decided_on=on,
    )

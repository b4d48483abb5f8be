"""The planner at school scale: how long `planner.plan_make` takes for the demo school and for a
school of 1,500 pupils (the issue asks within 10 s and 30 s). Run by `make bench` through
bench/run.py, or alone with `python -m bench.planner` (a fresh SQLite database, or
BENCH_DATABASE_URL).

The demo has no needs audit yet: when the term being planned has none, one is built the
simple way: a kind of need for each area (its catalogue entries of waves 2 and 3 meeting it),
and a cell for each need of each pupil with SEN (must for an EHC plan, should for SEN
support), and a "could" for structured literacy for each pupil premium pupil without SEN.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

TODAY = dt.date(2026, 11, 24)
BIG_SCHOOL_PUPILS = 1500

KINDS = (
    ("CL", "Structured literacy"),
    ("CI", "Language"),
    ("SEMH", "SEMH group work"),
    ("SP", "Coordination"),
)


def next_term(school: Any, today: dt.date) -> Any:
    from provmap.provision.selectors.terms import current_term
    from provmap.schools.models import Term

    current = current_term(school, today)
    return (
        Term.objects.filter(school=school, start_date__gt=current.start_date)
        .order_by("start_date")
        .first()
    )


def simple_audit(school: Any, term: Any) -> int:
    """Build the audit described in the module's docstring, unless the term has one: the
    number of cells."""
    from django.db.models import Q

    from provmap.planning.models import AuditCell, NeedKind, NeedsAudit
    from provmap.provision.models import Provision
    from provmap.pupils.models import Pupil, PupilNeed, SENStatus
    from provmap.pupils.needs import area_of

    audit, made = NeedsAudit.objects.get_or_create(school=school, term=term)
    if not made and audit.cells.exists():
        return audit.cells.count()
    kinds = {}
    for position, (area, name) in enumerate(KINDS):
        kind, _ = NeedKind.objects.get_or_create(
            school=school, name=name, defaults={"area": area, "position": position}
        )
        kind.provisions.set(
            Provision.objects.filter(school=school, active=True, wave__in=[2, 3], areas__area=area)
        )
        kinds[area] = kind
    on_roll = Pupil.objects.filter(school=school, on_roll_from__lte=term.start_date).filter(
        Q(on_roll_to__isnull=True) | Q(on_roll_to__gte=term.start_date)
    )
    status = dict(on_roll.values_list("pk", "sen_status"))
    cells: dict[tuple[int, int], AuditCell] = {}
    for pupil_id, need_type in PupilNeed.objects.filter(
        school=school, pupil_id__in=list(status)
    ).values_list("pupil_id", "need_type"):
        kind = kinds.get(area_of(need_type))
        if kind is None or status[pupil_id] == SENStatus.NONE:
            continue
        level = "must" if status[pupil_id] == SENStatus.EHC_PLAN else "should"
        cells[(pupil_id, kind.pk)] = AuditCell(
            school=school, audit=audit, pupil_id=pupil_id, kind=kind, level=level
        )
    literacy = kinds["CL"]
    for pupil_id in on_roll.filter(pupil_premium=True, sen_status=SENStatus.NONE).values_list(
        "pk", flat=True
    ):
        cells.setdefault(
            (pupil_id, literacy.pk),
            AuditCell(school=school, audit=audit, pupil_id=pupil_id, kind=literacy, level="could"),
        )
    AuditCell.objects.bulk_create(cells.values(), batch_size=1000)
    return len(cells)


def time_planner(school: Any, label: str) -> tuple[str, str, str]:
    from decimal import Decimal

    from provmap.planning import planner
    from provmap.planning.models import PlanPlace

    term = next_term(school, TODAY)
    cells = simple_audit(school, term)
    started = time.perf_counter()
    plan = planner.plan_make(school=school, term=term, name="Bench", share=Decimal(1))
    seconds = time.perf_counter() - started
    places = PlanPlace.objects.filter(plan_run__plan=plan).count()
    musts = sum(1 for item in plan.unmet if item["level"] == "must")
    return (
        f"The planner for {label} (`plan_make`, {term.name})",
        f"{seconds:.1f} s",
        f"{cells:,} needs; {plan.runs.count()} runs, {places:,} places, "
        f"{len(plan.unmet):,} needs unmet, {musts} of them musts; {plan.solver_status}",
    )


def planner_rows(demo_school: Any, *, seed: int = 7) -> list[tuple[str, str, str]]:
    """The planner timed on the demo school and on a fresh school of 1,500 pupils."""
    from provmap.demo.generator import build_school
    from provmap.pupils.models import Pupil
    from provmap.schools.models import School, Trust

    pupils = Pupil.objects.filter(school=demo_school).count()
    rows = [time_planner(demo_school, f"the demo school ({pupils:,} pupil records)")]
    trust = Trust.objects.create(name="Bench planning trust")
    index = School.objects.count() + 5
    big = build_school(
        trust=trust, index=index, seed=seed, today=TODAY, pupils=BIG_SCHOOL_PUPILS
    ).school
    rows.append(time_planner(big, f"a school of {BIG_SCHOOL_PUPILS:,} pupils"))
    return rows


def main() -> None:
    import sys

    from bench.run import _configure

    _configure()
    from django.core.management import call_command

    from provmap.schools.models import School
    from provmap.schools.scoping import all_schools

    with all_schools():
        call_command("migrate", verbosity=0)
        call_command(
            "seed_demo", "--schools", "1", "--seed", "7", "--today", TODAY.isoformat(), verbosity=0
        )
        school = School.objects.order_by("pk").first()
        for what, took, scale in planner_rows(school):
            sys.stdout.write(f"| {what} | {took} | {scale} |\n")


if __name__ == "__main__":
    main()

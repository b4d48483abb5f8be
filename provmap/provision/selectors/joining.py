"""Reads for changing a group: what to warn about before pupils join a run, and what deleting
a run would remove."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from provmap.provision.models import Placement, ProvisionRun
from provmap.pupils.models import NCYear, Pupil


def _long_date(value: dt.date) -> str:
    return f"{value.day} {value:%b %Y}"


def usual_years_words(text: str) -> str:
    labels = dict(NCYear.choices)
    return ", ".join(labels.get(year, year) for year in text.split(",") if year)


@dataclass(frozen=True)
class JoiningWarning:
    pupil: Pupil
    warnings: list[str]


def joining_warnings(
    run: ProvisionRun, pupils: Sequence[Pupil], start_date: dt.date | None
) -> list[JoiningWarning]:
    """What a SENCO should know before these pupils join `run` from `start_date` (blank:
    the run's start): a pupil outside the provision's usual year groups, already in this
    provision (another group of it) at the same time, or missing the same lesson again (the
    same lesson withdrawn from in another run of theirs at the same time). Two queries."""
    first = start_date or run.start_date
    last = run.end_date
    usual = [year for year in run.provision.usual_years.split(",") if year]
    lesson = run.withdrawn_from.strip().casefold()
    others: dict[int, list[Placement]] = {}
    for placement in (
        Placement.objects.filter(pupil__in=[pupil.pk for pupil in pupils])
        .exclude(run=run)
        .filter(start_date__lte=last, run__end_date__gte=first)
        .select_related("run__provision")
    ):
        ends = placement.end_date or placement.run.end_date
        if ends >= first:
            others.setdefault(placement.pupil_id, []).append(placement)
    found = []
    for pupil in pupils:
        warnings = []
        if usual and pupil.nc_year not in usual:
            warnings.append(
                f"In {pupil.get_nc_year_display()}: {run.provision.name} is usually for "
                f"{usual_years_words(run.provision.usual_years)}."
            )
        for placement in others.get(pupil.pk, []):
            other = placement.run
            span = f"{_long_date(max(placement.start_date, other.start_date))} to "
            span += _long_date(placement.end_date or other.end_date)
            if other.provision_id == run.provision_id:
                warnings.append(f"Already in {other} ({span}), a group of the same provision.")
            if lesson and other.withdrawn_from.strip().casefold() == lesson:
                warnings.append(
                    f"Would miss {run.withdrawn_from} again: already withdrawn from it for "
                    f"{other} ({span})."
                )
        if warnings:
            found.append(JoiningWarning(pupil=pupil, warnings=warnings))
    return found


@dataclass(frozen=True)
class RunRemoval:
    """What deleting a run removes (and what stays)."""

    run: ProvisionRun
    pupils: list[Pupil]
    results: int
    staff: list[str]


def run_removal(run: ProvisionRun) -> RunRemoval:
    placements = list(Placement.objects.filter(run=run).select_related("pupil"))
    results = sum(
        1
        for placement in placements
        for link in (placement.baseline_id, placement.midpoint_id, placement.exit_id)
        if link
    )
    staff = [line.staff.name for line in run.staff_lines.select_related("staff")]
    return RunRemoval(
        run=run,
        pupils=sorted(
            (placement.pupil for placement in placements),
            key=lambda pupil: (pupil.surname, pupil.forename),
        ),
        results=results,
        staff=sorted(staff),
    )

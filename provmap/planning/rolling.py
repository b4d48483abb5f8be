"""Rolling the map forward into the next term: the preview (read in bulk, a fixed number of
queries whatever the runs and pupils) and the one write, `roll_forward`, all or nothing.

The rules of what is copied are pure, in planning/rollforward.py; this module reads the
school into them and writes what they decide through the provision services."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Prefetch, Q
from django.utils import timezone

from provmap.formatting import counted
from provmap.outcomes.models import ReviewDecision
from provmap.planning import rollforward as rules
from provmap.provision import services
from provmap.provision.models import Placement, ProvisionRun, RunSlot, RunStaff
from provmap.pupils.models import Pupil
from provmap.schools.models import StaffMember, Term


@dataclass(frozen=True)
class RunPreview:
    """A run of the source term as the page shows it, with what the roll does to it."""

    run: ProvisionRun
    copy: rules.Copy | None
    reason: str = ""
    # Staff no longer at the school: not copied with the run.
    staff_gone: tuple[str, ...] = ()
    # The target term already has a run of this provision and label.
    already: bool = False
    # The pupils carried and left, with their records (None: an archived leaver, unnamed).
    carried: tuple[tuple[rules.Carried, Pupil | None], ...] = ()
    left: tuple[tuple[rules.LeftPupil, Pupil | None], ...] = ()

    @property
    def unnamed(self) -> int:
        return sum(1 for _, pupil in self.carried + self.left if pupil is None)


@dataclass(frozen=True)
class Preview:
    source: Term
    target: Term
    new_year: bool
    final_year: str
    roll: rules.Roll
    runs: dict[int, ProvisionRun]
    pupils: dict[int, Pupil]
    places: dict[tuple[int, int], Placement]
    # (provision id, label) of the target term's runs.
    taken: frozenset[tuple[int, str]] = field(default_factory=frozenset)

    def rows(self) -> list[RunPreview]:
        """Every run of the source term in the map's order: those copied, then those left."""
        copies = {copy.run_id: copy for copy in self.roll.copies}
        left = {item.run_id: item.reason for item in self.roll.left}
        rows = []
        for run_id, run in self.runs.items():
            gone = tuple(line.staff.name for line in run.staff_lines.all() if not line.staff.active)
            copy = copies.get(run_id)
            rows.append(
                RunPreview(
                    run=run,
                    copy=copy,
                    carried=tuple((c, self.pupils.get(c.pupil_id)) for c in copy.carried)
                    if copy
                    else (),
                    left=tuple((c, self.pupils.get(c.pupil_id)) for c in copy.left) if copy else (),
                    reason=left.get(run_id, ""),
                    staff_gone=gone,
                    already=(run.provision_id, run.label) in self.taken,
                )
            )
        return rows

    @property
    def shown_pupils(self) -> list[Pupil]:
        return list(self.pupils.values())


def _places(run: ProvisionRun) -> list[Placement]:
    return list(run.placements.all())


def roll_preview(*, source: Term, target: Term) -> Preview:
    """What rolling `source`'s runs into `target` would create (nothing written)."""
    school_id = source.school_id
    runs = list(
        # The term's runs as its map shows them: those meeting in its dates.
        ProvisionRun.objects.filter(
            school_id=school_id, start_date__lte=source.end_date, end_date__gte=source.start_date
        )
        .select_related("provision", "funding_stream", "lead_staff", "reviewing_staff")
        .prefetch_related(
            Prefetch("staff_lines", queryset=RunStaff.objects.select_related("staff")),
            "slots",
            Prefetch(
                "placements",
                queryset=Placement.objects.select_related("pupil").order_by(
                    "pupil__surname", "pupil__legal_forename"
                ),
            ),
        )
        .order_by("provision__name", "label", "pk")
    )
    decisions = ReviewDecision.objects.filter(
        school_id=school_id,
        academic_year_id=source.academic_year_id,
        provision_id__in={run.provision_id for run in runs},
    ).values_list("provision_id", "decision", "decided_on", "pk")
    years_on_roll = (
        Pupil.objects.filter(school_id=school_id, archived_at__isnull=True)
        .filter(Q(on_roll_to__isnull=True) | Q(on_roll_to__gte=target.start_date))
        .values_list("nc_year", flat=True)
        .distinct()
    )
    taken = frozenset(
        ProvisionRun.objects.filter(
            school_id=school_id, start_date__lte=target.end_date, end_date__gte=target.start_date
        ).values_list("provision_id", "label")
    )
    new_year = target.academic_year_id != source.academic_year_id
    final = rules.final_year(source.school.phase, years_on_roll)
    plain_runs = [
        rules.Run(
            run_id=run.pk,
            provision_id=run.provision_id,
            status=run.status,
            end_date=run.end_date,
            usual_years=frozenset(
                year.strip() for year in run.provision.usual_years.split(",") if year.strip()
            ),
            provision_active=run.provision.active,
            places=tuple(
                rules.Place(
                    pupil_id=place.pupil_id,
                    year=place.pupil.nc_year,
                    status=place.status,
                    leaving_reason=place.leaving_reason,
                    on_roll_to=place.pupil.on_roll_to,
                    archived=place.pupil.archived_at is not None,
                )
                for place in _places(run)
            ),
        )
        for run in runs
    ]
    roll = rules.plan_roll(
        plain_runs,
        [
            rules.Decision(provision_id=p, decision=d, decided_on=on, sequence=pk)
            for p, d, on, pk in decisions
        ],
        rules.Target(start_date=target.start_date, new_year=new_year, final_year=final),
    )
    places = {(run.pk, place.pupil_id): place for run in runs for place in _places(run)}
    return Preview(
        source=source,
        target=target,
        new_year=new_year,
        final_year=final,
        roll=roll,
        runs={run.pk: run for run in runs},
        # Archived leavers are never named.
        pupils={
            place.pupil_id: place.pupil
            for place in places.values()
            if place.pupil.archived_at is None
        },
        places=places,
        taken=taken,
    )


def roll_fingerprint(roll: rules.Roll) -> str:
    """What the preview proposed, compact: a confirm made against another preview (the map
    changed in between) is refused rather than written blind."""
    parts = [
        f"{copy.run_id}:" + ",".join(str(c.pupil_id) for c in copy.carried) for copy in roll.copies
    ]
    return ";".join(parts)


@dataclass(frozen=True)
class Rolled:
    runs: list[ProvisionRun]
    places: list[Placement]

    @property
    def summary(self) -> str:
        return f"{counted(len(self.runs), 'run')} and {counted(len(self.places), 'place')} created"


def _check_terms(source: Term, target: Term) -> None:
    if source.school_id != target.school_id:
        raise ValidationError({"to": "That term belongs to another school."})
    if target.start_date <= source.end_date:
        raise ValidationError(
            {"to": f"Roll forward into a term after {source} (it ends {_day(source.end_date)})."}
        )


def _day(value: dt.date) -> str:
    return rules.long_date(value)


def _still(staff: StaffMember | None) -> StaffMember | None:
    """A member of staff still at the school (those gone are not copied with the run)."""
    return staff if staff is not None and staff.active else None


@transaction.atomic
def roll_forward(
    *,
    source_term: Term,
    target_term: Term,
    choices: rules.Choices,
    by: str,
    expected: str | None = None,
) -> Rolled:
    """Copy the source term's continuing runs into the target term with their continuing
    pupils (staff, time, slots and funding as they were; the target term's dates; weeks the
    term's teaching weeks, no more than the provision's usual length), leaving behind what the
    rules and `choices` leave. All or nothing. Refused when the target term already has a run
    of the same provision and label as one to copy (it was rolled already, or made by hand),
    and when `expected` (the preview's fingerprint) no longer matches."""
    _check_terms(source_term, target_term)
    # One roll at a time into a term: the second waits here, then finds the first's runs.
    Term.objects.select_for_update().filter(pk=target_term.pk).first()
    preview = roll_preview(source=source_term, target=target_term)
    if expected is not None and roll_fingerprint(preview.roll) != expected:
        raise ValidationError(
            "The map changed since the preview was shown: check the preview again."
        )
    roll = rules.apply_choices(preview.roll, choices)
    if not roll.copies:
        raise ValidationError(f"Nothing to roll forward: no run of {source_term} goes on.")
    already = [
        str(preview.runs[copy.run_id])
        for copy in roll.copies
        if (preview.runs[copy.run_id].provision_id, preview.runs[copy.run_id].label)
        in preview.taken
    ]
    if already:
        raise ValidationError(
            f"{target_term} already has {', '.join(already)}: "
            f"{'it was' if len(already) == 1 else 'they were'} rolled forward already or "
            "made by hand. Leave them behind here, or delete them from that term first."
        )
    note = f"Rolled forward from {source_term} by {by} on {_day(timezone.localdate())}."
    created: list[ProvisionRun] = []
    slots: list[RunSlot] = []
    new_places: list[services.NewPlacement] = []
    for copy in roll.copies:
        old = preview.runs[copy.run_id]

        run = services.run_create(
            provision=old.provision,
            academic_year=target_term.academic_year,
            term=target_term,
            sessions_per_week=old.sessions_per_week,
            minutes_per_session=old.minutes_per_session,
            staff=[
                services.StaffAssignment(
                    staff=line.staff,
                    sessions_per_week=line.sessions_per_week,
                    minutes_per_session=line.minutes_per_session,
                )
                for line in old.staff_lines.all()
                if line.staff.active
            ],
            label=old.label,
            status=ProvisionRun.Status.PLANNED,
            day_time=old.day_time,
            withdrawn_from=old.withdrawn_from,
            funding_stream=old.funding_stream,
            lead_staff=_still(old.lead_staff),
            reviewing_staff=_still(old.reviewing_staff),
            notes=note,
        )
        created.append(run)
        # Slots have no service of their own yet: copied as they are (already checked).
        slots.extend(
            RunSlot(
                school_id=run.school_id,
                run=run,
                weekday=slot.weekday,
                start_time=slot.start_time,
                end_time=slot.end_time,
                subject=slot.subject,
            )
            for slot in old.slots.all()
        )
        for carried in copy.carried:
            place = preview.places[(old.pk, carried.pupil_id)]
            new_places.append(
                services.NewPlacement(
                    run=run,
                    pupil=place.pupil,
                    need_type=place.need_type,
                    priority=place.priority,
                    status=Placement.Status.PLANNED,
                )
            )
    RunSlot.objects.bulk_create(slots)
    places = services.placements_bulk_create(school=source_term.school, placements=new_places)
    return Rolled(runs=created, places=places)

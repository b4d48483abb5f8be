"""Reads for the gaps and training pages: the term being planned, its needs audit (cells,
kinds), the catalogue and the term's runs and placements, fetched in a fixed number of
queries and handed to the pure rules (`planning.gaps`, `planning.training`) as plain data."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import Prefetch, Q

from provmap.planning import gaps, training
from provmap.planning.models import AuditCell, NeedKind, NeedsAudit
from provmap.provision.models import Placement, Provision, ProvisionArea, ProvisionRun, RunStaff
from provmap.provision.selectors.unmet import provision_in_term
from provmap.provision.selectors.visibility import Visibility
from provmap.pupils.models import NC_YEAR_ORDER, NCYear, Pupil
from provmap.pupils.needs import Area, area_of
from provmap.pupils.selectors import on_roll_between
from provmap.schools.models import School, StaffMember, Term

# The broad areas in the order pages show them, with their names.
AREA_NAMES: dict[str, str] = dict(Area.choices)
YEAR_ORDER: tuple[str, ...] = tuple(sorted(NC_YEAR_ORDER, key=NC_YEAR_ORDER.__getitem__))
YEAR_NAMES: dict[str, str] = dict(NCYear.choices)


@dataclass
class GapData:
    """What the gaps pages read: the audit (None when the term has none), its kinds, the
    pupils the cells and placements name, the term's runs and the catalogue, and the same as
    plain data for the rules (`world`)."""

    term: Term
    audit: NeedsAudit | None
    kinds: dict[int, NeedKind]
    pupils: dict[int, Pupil]
    runs: dict[int, ProvisionRun]
    provisions: dict[int, Provision]
    world: gaps.World
    year: str = ""
    staff: list[StaffMember] = field(default_factory=list)
    deliverers: dict[int, set[int]] = field(default_factory=dict)


def _pupils_condition(term: Term, scope: Visibility, year: str) -> Q:
    condition = scope.pupil_filter() & on_roll_between(term.start_date, term.end_date)
    if year:
        condition &= Q(nc_year=year)
    return condition


def load(school: School, term: Term, scope: Visibility, *, year: str = "") -> GapData:
    """The audit of `term` and the term's planned provision, of the pupils `scope` may see
    who are on roll in the term (of one year group with `year`). Nine queries."""
    audit = NeedsAudit.objects.filter(school=school, term=term).first()
    kinds = {
        kind.pk: kind
        for kind in NeedKind.objects.filter(school=school, active=True).prefetch_related(
            Prefetch("provisions", queryset=Provision.objects.only("pk"))
        )
    }
    visible = Pupil.objects.filter(school=school).filter(_pupils_condition(term, scope, year))
    cells = []
    if audit is not None:
        cells = list(
            AuditCell.objects.filter(
                school=school, audit=audit, kind__in=list(kinds), pupil__in=visible.values("pk")
            ).values_list("pupil_id", "kind_id", "level")
        )
    provisions = {
        provision.pk: provision
        for provision in Provision.objects.filter(school=school).order_by("wave", "name")
    }
    areas: dict[int, set[str]] = defaultdict(set)
    for provision_id, area in ProvisionArea.objects.filter(school=school).values_list(
        "provision_id", "area"
    ):
        areas[provision_id].add(area)
    runs = {
        run.pk: run
        for run in ProvisionRun.objects.filter(
            school=school, start_date__lte=term.end_date, end_date__gte=term.start_date
        )
        .select_related("provision", "lead_staff")
        .order_by("provision__name", "label", "pk")
    }
    placements = list(
        Placement.objects.filter(school=school, run__in=list(runs))
        .filter(provision_in_term(term))
        .filter(pupil__in=visible.values("pk"))
        .values_list("pk", "pupil_id", "run_id", "need_type")
        .order_by("pk")
    )
    wanted = {pupil for pupil, _, _ in cells} | {row[1] for row in placements}
    pupils = {
        pupil.pk: pupil
        for pupil in visible.filter(pk__in=sorted(wanted)).order_by(
            "surname", "legal_forename", "pk"
        )
    }
    world = gaps.World(
        cells=[gaps.Cell(pupil, kind, level) for pupil, kind, level in cells],
        kinds=[
            gaps.Kind(
                kind.pk,
                kind.name,
                kind.area,
                frozenset(entry.pk for entry in kind.provisions.all()),
                kind.position,
            )
            for kind in kinds.values()
        ],
        entries=[
            gaps.Entry(
                provision.pk,
                provision.name,
                provision.wave,
                frozenset(areas.get(provision.pk, set())),
                provision.active,
            )
            for provision in provisions.values()
        ],
        places=[
            gaps.Place(
                placement=pk,
                pupil=pupil,
                run=run,
                provision=runs[run].provision_id,
                wave=runs[run].provision.wave,
                need_type=need_type,
                need_area=area_of(need_type),
            )
            for pk, pupil, run, need_type in placements
        ],
        runs={run.pk: run.provision_id for run in runs.values()},
        years={pupil.pk: pupil.nc_year for pupil in pupils.values()},
    )
    return GapData(term, audit, kinds, pupils, runs, provisions, world, year)


def load_training(school: School, term: Term, scope: Visibility) -> GapData:
    """`load`, with the school's active staff and who delivers each of the term's runs (its
    lead and its staff lines). Eleven queries."""
    data = load(school, term, scope)
    data.staff = list(StaffMember.objects.filter(school=school, active=True).order_by("name"))
    deliverers: dict[int, set[int]] = defaultdict(set)
    for run in data.runs.values():
        if run.lead_staff_id:
            deliverers[run.pk].add(run.lead_staff_id)
    for run_id, staff_id in RunStaff.objects.filter(
        school=school, run__in=list(data.runs)
    ).values_list("run_id", "staff_id"):
        deliverers[run_id].add(staff_id)
    data.deliverers = dict(deliverers)
    return data


def need_areas(data: GapData) -> list[training.NeedArea]:
    """The audit's kinds and broad areas as the training rule reads them: pupils who must,
    should, could have each (a pupil counted once an area, at their highest level), the
    catalogue's wave-2/3 options and the staff delivering the term's runs meeting each."""
    world = data.world
    rows = gaps.area_provision(world, AREA_NAMES)
    by_kind: dict[str, dict[int, str]] = defaultdict(dict)
    by_area: dict[str, dict[int, str]] = defaultdict(dict)
    for cell in world.cells:
        kind = world.kind_map.get(cell.kind)
        if kind is None or cell.level not in gaps.LEVEL_RANK:
            continue
        for store, key in ((by_kind, str(kind.id)), (by_area, kind.area)):
            if not key:
                continue
            held = store[key].get(cell.pupil)
            if held is None or gaps.LEVEL_RANK[cell.level] < gaps.LEVEL_RANK[held]:
                store[key][cell.pupil] = cell.level
    found = []
    for row in rows:
        levels = list((by_kind if row.scope == gaps.KIND else by_area)[row.key].values())
        options = tuple(
            training.Option(
                provision=pk,
                staff=data.provisions[pk].default_staff,
                pupils=data.provisions[pk].default_pupils,
                sessions=Decimal(data.provisions[pk].sessions_per_week),
                minutes=data.provisions[pk].minutes_per_session,
            )
            for pk in row.catalogue
            if pk in data.provisions
        )
        delivering: set[int] = set()
        for run_id, provision_id in world.runs.items():
            if provision_id in row.catalogue:
                delivering |= data.deliverers.get(run_id, set())
        kind = world.kind_map.get(int(row.key)) if row.scope == gaps.KIND else None
        found.append(
            training.NeedArea(
                scope=row.scope,
                key=row.key,
                name=row.name,
                must=levels.count(gaps.MUST),
                should=levels.count(gaps.SHOULD),
                could=levels.count(gaps.COULD),
                area=kind.area if kind is not None else row.key,
                options=options,
                deliverers=frozenset(delivering),
            )
        )
    return found


def staff_of(data: GapData) -> list[training.Staff]:
    return [
        training.Staff(
            member.pk,
            member.name,
            member.expertise,
            member.contracted_hours,
            member.is_external,
        )
        for member in data.staff
    ]

"""Reads behind the map pages: filters, the busiest week, cohorts across years, the costed
year map's staff lines, and a pupil's provision over the years."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from provmap.accounts.permissions import PupilScope
from provmap.provision import costing, selectors
from provmap.provision.models import Placement
from provmap.provision.selectors.costed import costed_runs
from provmap.pupils.models import SENStatus
from provmap.schools.roles import StaffRole
from tests.factories import ProvisionFactory, StaffMemberFactory
from tests.web.map_world import add_run, build_world, pupils


def Everyone() -> PupilScope:
    """A whole-school reader's scope (SENCO, senior leader)."""
    return PupilScope(everyone=True, figures=True)


def test_busiest_week_adds_only_what_runs_at_once():
    monday = dt.date(2025, 9, 8)
    spans = [
        (monday, monday + dt.timedelta(days=39), Decimal(90)),  # weeks 1-6
        (monday + dt.timedelta(days=42), monday + dt.timedelta(days=81), Decimal(90)),  # 7-12
        (monday, monday + dt.timedelta(days=11), Decimal(60)),  # weeks 1-2
    ]
    assert costing.busiest_week_minutes(spans, monday, monday + dt.timedelta(days=90)) == 150
    assert costing.busiest_week_minutes([], monday, monday) == 0


def test_a_cohort_moves_up_a_year_group_each_year():
    assert selectors.nc_year_after("7", 1) == "8"
    assert selectors.nc_year_after("R", 1) == "1"
    assert selectors.nc_year_after("13", 1) is None
    assert selectors.nc_year_after("7", 0) == "7"
    assert selectors.nc_year_after("N1", -1) is None


@pytest.mark.django_db
def test_filters_pick_placements_and_drop_runs_left_empty():
    world = build_world()
    year7 = pupils(world, 2, nc_year="7", sen_status=SENStatus.SUPPORT)
    year9 = pupils(world, 1, nc_year="9")
    mixed = add_run(world, pupils=year7 + year9)
    add_run(world, pupils=pupils(world, 1, nc_year="9"))
    runs = selectors.term_runs(world.school, world.term, Everyone(), as_of=dt.date(2025, 10, 1))
    view = runs.filter(selectors.MapFilters(nc_year="7"))
    (row,) = view.rows
    assert row.run == mixed
    assert [item.placement.pupil for item in row.placements] == sorted(
        year7, key=lambda p: p.surname
    )
    assert (row.in_scope, row.filtered_out) == (3, 1)
    # The pupils shown carry two thirds of the run's cost.
    assert row.share == row.costed.cost - row.costed.placements[-1].share
    assert [line.pupil for line in view.pupil_lines(sen_status="K")] == row_pupils(row)
    options = runs.options()
    assert [name for _, name in options.staff] == ["Jo Bloggs (TA)", "Sam Reed (S)"]
    assert options.funding_streams == [(world.fund.pk, "Notional SEN budget")]


def row_pupils(row):
    return [item.placement.pupil for item in row.placements]


@pytest.mark.django_db
def test_year_map_lines_add_up_staff_codes_and_share_costs():
    world = build_world()
    workshop = ProvisionFactory(school=world.school, name="Workshop")
    for _ in range(2):
        add_run(
            world,
            provision=workshop,
            pupils=pupils(world, 2, nc_year="7"),
            sessions_per_week=Decimal("2"),
            minutes_per_session=45,
        )
    year_map = selectors.year_group_map(
        world.school,
        world.term.academic_year,
        "7",
        Everyone(),
        as_of=dt.date(2025, 10, 1),
        current_year=world.term.academic_year,
    )
    (row,) = year_map.rows
    assert row.groups == 2
    lines = {line.code: line for line in row.lines}
    assert (lines["S"].count, lines["S"].each_minutes) == (2, Decimal(90))
    # 1.5 h a week x 10 weeks: SENCO £45 an hour, TA £20, in each of two groups.
    assert lines["S"].cost == Decimal("1350.00")
    assert lines["TA"].cost == Decimal("600.00")
    assert row.cost == year_map.total_cost == Decimal("1950.00")
    assert year_map.roll is not None
    assert [(code, on_roll, placed) for code, _, on_roll, placed in year_map.roll] == [
        ("N", 4, 4),
        ("K", 0, 0),
        ("E", 0, 0),
    ]


@pytest.mark.django_db
def test_a_pupils_provision_by_term_and_area():
    world = build_world()
    (pupil,) = pupils(world, 1, nc_year="7")
    run = add_run(world, pupils=[pupil])
    Placement.objects.filter(run=run).update(need_type="SEMH")
    found = selectors.pupil_provision(world.school, pupil, Everyone(), as_of=dt.date(2025, 10, 1))
    assert [item.run for item in found.placements] == [run]
    assert found.cost_this_year == found.placements[0].costed.cost
    ((code, _, cells),) = found.key_stage.rows
    assert code == "SEMH"  # the need the placement addresses
    assert [len(cell) for cell in cells] == [1]
    assert found.key_stage.years == [("2025-26", 1)]


@pytest.mark.django_db
def test_a_users_map_costs_only_their_runs_and_keeps_every_run_they_may_see():
    """The term map asks the database only for the runs within the user's reach; what it
    keeps is what scoping every run of the school kept."""
    world = build_world()
    teacher = StaffMemberFactory(school=world.school, name="Ann Lee", role=StaffRole.TEACHER)
    year7, year8 = pupils(world, 2, nc_year="7"), pupils(world, 2, nc_year="8")
    led = add_run(world, pupils=year7[:1], lead_staff=teacher, staff=[])
    helped = add_run(world, pupils=year8[:1], staff=[teacher])
    empty = add_run(world, lead_staff=teacher, staff=[])
    add_run(world, pupils=year8[1:])
    add_run(world, pupils=year7[1:])
    gone = pupils(world, 1, nc_year="8", archived_at=timezone.now())
    add_run(world, pupils=gone)
    as_of = dt.date(2025, 10, 1)
    every_run = costed_runs(
        world.school, start=world.term.start_date, end=world.term.end_date, as_of=as_of
    )

    def kept(runs):
        return sorted(item.costed.run.pk for item in runs.items)

    scopes = {
        "teacher": PupilScope(staff_ids=frozenset({teacher.pk})),
        "head of year 8": PupilScope(year_groups=frozenset({"8"})),
        "parent": PupilScope(pupil_ids=frozenset({year7[1].pk})),
        "nobody": PupilScope(),
    }
    for who, scope in scopes.items():
        narrowed = selectors.term_runs(world.school, world.term, scope, as_of=as_of)
        scoped_whole = selectors.scope_runs(world.school, every_run, scope, as_of=as_of)
        assert kept(narrowed) == kept(scoped_whole), who
    teachers = selectors.term_runs(world.school, world.term, scopes["teacher"], as_of=as_of)
    assert kept(teachers) == sorted([led.pk, helped.pk, empty.pk])
    # Each run is still costed whole: the teacher's run shares its cost with every pupil.
    (helped_item,) = [item for item in teachers.items if item.costed.run == helped]
    assert helped_item.costed.cost == next(c.cost for c in every_run if c.run == helped)

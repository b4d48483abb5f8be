"""Every main page costs the same, exact number of queries with one row or three.

The numbers are pinned: a change that adds a query to a page shows up here and has to be
argued for. The first request of a session is made before counting (it writes the session
and the last-seen time; later requests do not)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from provmap.accounts.models import Role, User
from provmap.provision.models import Placement
from provmap.pupils.models import Result
from tests.web.map_world import World, add_run, build_world, get_counted, member, pupils

pytestmark = pytest.mark.django_db

# (page, role): queries. Each page is opened with one run of five pupils, then three runs.
PINNED: dict[tuple[str, str], int] = {
    # One of them: the reviews due among the pupils of those who see plans (the reminder).
    # One of them on the maps: the runs' timetable slots.
    ("term_map", Role.SENCO): 16,
    ("term_map", Role.TEACHER): 15,
    ("map_pupils", Role.SENCO): 15,
    ("year_map", Role.SENCO): 15,
    ("waves", Role.SENCO): 17,
    # Two for the register's fidelity; six for the run's slots and the clashes while it runs
    # (runs, slots, places, staff lines, lessons a week).
    ("run_detail", Role.SENCO): 22,
    ("run_detail", Role.TEACHER): 21,
    # The run as its page reads it (with its slots), its register for the day and the last
    # sessions.
    ("run_register", Role.SENCO): 17,
    ("run_register", Role.TEACHER): 17,
    # Three of them: the runs' slots, the current term and the year group's lessons a week.
    ("pupil_detail", Role.SENCO): 22,
    ("pupil_detail", Role.TEACHER): 22,
    ("catalogue", Role.SENCO): 6,
    ("provision_detail", Role.SENCO): 13,
    ("staff_load", Role.SENCO): 13,
    # One of them: the year's reviews, to say how many were held on time.
    ("school_figures", Role.GOVERNOR): 15,
    ("impact_overview", Role.SENCO): 15,
    ("impact_overview", Role.GOVERNOR): 15,
    # One of them: the SEN status history of the pupils placed, for the groups at the run.
    ("impact_provision", Role.SENCO): 22,
    ("impact_provision", Role.GOVERNOR): 20,
    ("impact_method", Role.SENCO): 4,
    ("impact_groups", Role.SENCO): 10,
    ("impact_not_progressing", Role.SENCO): 17,
    ("impact_not_progressing_pupils", Role.SENCO): 17,
    ("imports", Role.SENCO): 5,
    ("audit_log", Role.SENCO): 6,
    ("people", Role.SENCO): 5,
    # Three of them: how many placements (to decide on the background), the runs' ids and
    # their sizes (read a chunk at a time: a chunk's queries again for each further chunk).
    ("export_map", Role.SENCO): 17,
    ("school_setup", Role.SENCO): 13,
    ("setup_staff", Role.SENCO): 6,
    ("funding_streams", Role.SENCO): 6,
    ("school_budget", Role.SENCO): 15,
    ("general_resources", Role.SENCO): 8,
    ("pupil_search", Role.SENCO): 9,
    ("pupil_search", Role.TEACHER): 9,
    ("unmet_need", Role.SENCO): 8,
    ("my_week", Role.TEACHER): 5,
    ("reviews_due", Role.SENCO): 7,
    ("reviews_due_export", Role.SENCO): 7,
}


def _world(rows: int) -> World:
    world = build_world(name=f"School of {rows}")
    world.provision.measure = world.measure
    world.provision.save()
    for index in range(rows):
        group = pupils(world, 5, nc_year="9", form="9A", sen_status="K")
        run = add_run(world, pupils=group, label=f"G{index}")
        for offset, placement in enumerate(Placement.objects.filter(run=run)):
            entry = Result.objects.create(
                school=world.school,
                pupil=placement.pupil,
                measure=world.measure,
                date=run.start_date,
                value=Decimal(80 + offset),
            )
            leave = Result.objects.create(
                school=world.school,
                pupil=placement.pupil,
                measure=world.measure,
                date=run.end_date,
                value=Decimal(88 + 2 * offset),
            )
            Placement.objects.filter(pk=placement.pk).update(baseline=entry, exit=leave)
    return world


def _user(world: World, role: str) -> User:
    if role == Role.SENCO:
        return world.senco
    if role == Role.TEACHER:
        return member(world.school, role, staff_member=world.ta_staff, teaching_groups="9A")
    return member(world.school, role)


def _url(world: World, page: str) -> str:
    school = world.school
    run = world.provision.runs.order_by("pk").first()
    pupil = Placement.objects.filter(run=run).order_by("pk").first().pupil
    by_id = {
        "run_detail": [school.urn, run.pk],
        "run_register": [school.urn, run.pk],
        "pupil_detail": [school.urn, pupil.pk],
        "provision_detail": [school.urn, world.provision.pk],
        "impact_provision": [school.urn, world.provision.pk],
        "export_map": [school.urn, "csv"],
    }
    url = reverse(page, args=by_id.get(page, [school.urn]))
    if page == "pupil_search":
        url += "?q=surname"
    return url


def _count(page: str, role: str, rows: int) -> int:
    world = _world(rows)
    client = Client()
    client.force_login(_user(world, role))
    url = _url(world, page)
    assert client.get(url).status_code == 200
    queries, response = get_counted(client, url)
    assert response.status_code == 200
    return queries


PAGES = list(PINNED)


@pytest.mark.parametrize(("page", "role"), PAGES, ids=[f"{p}-{r}" for p, r in PAGES])
def test_a_page_costs_a_pinned_number_of_queries(page, role):
    assert (_count(page, role, 1), _count(page, role, 3)) == (PINNED[page, role],) * 2

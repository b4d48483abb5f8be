"""Runs in the browser: start one, find and add pupils, take them out, close the run."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.urls import reverse

from provmap.accounts.models import Role
from provmap.provision.models import Placement, ProvisionRun, RunStaff
from provmap.pupils.models import PupilNeed, Result, SENStatus
from tests.factories import PupilFactory, SchoolFactory
from tests.web.map_world import (
    HTMX,
    World,
    add_run,
    build_world,
    get_counted,
    member,
    outsider,
    pupils,
)

pytestmark = pytest.mark.django_db


def new_run_url(world: World, provision_id: int | None = None) -> str:
    url = reverse("run_new", args=[world.school.urn])
    return f"{url}?provision={provision_id}" if provision_id else url


def run_url(world: World, run: ProvisionRun, query: str = "") -> str:
    url = reverse("run_detail", args=[world.school.urn, run.pk])
    return f"{url}?{query}" if query else url


def add_url(world: World, run: ProvisionRun) -> str:
    return reverse("run_add_pupils", args=[world.school.urn, run.pk])


def remove_url(world: World, placement: Placement) -> str:
    return reverse("run_remove_pupil", args=[world.school.urn, placement.run_id, placement.pk])


def messages_of(response) -> list[str]:
    return [str(message) for message in response.context["messages"]]


# --- Starting a run -----------------------------------------------------------------------


def test_starting_a_run_offers_the_catalogue_then_prefills_the_provision(client):
    world = build_world()
    client.force_login(world.senco)
    picker = client.get(new_run_url(world)).content.decode()
    assert "Reading catch-up" in picker
    assert f"?provision={world.provision.pk}" in picker
    form = client.get(new_run_url(world, world.provision.pk)).content.decode()
    assert "Start a run of Reading catch-up" in form
    assert 'name="sessions_per_week" value="3"' in form
    assert 'name="minutes_per_session" value="30"' in form
    assert f'<option value="term-{world.term.pk}" selected>Autumn 2025-26</option>' in form


def test_a_new_run_takes_the_defaults_and_costs_its_lead(client):
    world = build_world()
    client.force_login(world.senco)
    response = client.post(
        new_run_url(world, world.provision.pk),
        {
            "when": f"term-{world.term.pk}",
            "label": "Group B",
            "lead_staff": world.senco_staff.pk,
            "staff": [world.ta_staff.pk],
            "sessions_per_week": "3",
            "minutes_per_session": "30",
            "funding_stream": world.fund.pk,
            "status": "running",
        },
        follow=True,
    )
    run = ProvisionRun.objects.get(label="Group B")
    assert response.redirect_chain[-1][0] == run_url(world, run) + "#add"
    assert (run.start_date, run.end_date) == (world.term.start_date, world.term.end_date)
    assert run.weeks == Decimal("10")  # the provision's usual length, within the 14-week term
    staff = set(RunStaff.objects.filter(run=run).values_list("staff_id", flat=True))
    assert staff == {world.senco_staff.pk, world.ta_staff.pk}
    assert "Reading catch-up Group B is on the map. Now add its pupils." in messages_of(response)


def test_a_new_run_for_the_whole_year(client):
    world = build_world()
    client.force_login(world.senco)
    client.post(
        new_run_url(world, world.provision.pk),
        {
            "when": f"year-{world.term.academic_year_id}",
            "sessions_per_week": "1",
            "minutes_per_session": "60",
            "weeks": "38",
            "status": "planned",
        },
    )
    run = ProvisionRun.objects.get()
    assert run.term is None
    assert run.weeks == Decimal("38")
    assert run.end_date == world.term.academic_year.end_date


def test_a_new_run_explains_what_is_wrong(client):
    world = build_world()
    client.force_login(world.senco)
    response = client.post(
        new_run_url(world, world.provision.pk),
        {
            "when": f"term-{world.term.pk}",
            "sessions_per_week": "0",
            "minutes_per_session": "",
            "start_date": "2025-10-10",
            "end_date": "2025-10-01",
            "status": "running",
        },
    )
    assert response.status_code == 200
    content = response.content.decode()
    assert "There are problems" in content
    assert "The run must end on or after the day it starts." in content
    assert "Sessions a week must be between 0.1 and 25 (got 0)." in content
    assert "This field is required." in content
    assert ProvisionRun.objects.count() == 0


def test_only_editors_start_runs_and_outsiders_are_not_told(client):
    world = build_world()
    for role in (Role.TEACHER, Role.HEAD_OF_YEAR, Role.SENIOR_LEADER, Role.GOVERNOR):
        client.force_login(member(world.school, role, year_groups="7"))
        assert client.get(new_run_url(world, world.provision.pk)).status_code == 403
    client.force_login(outsider())
    assert client.get(new_run_url(world, world.provision.pk)).status_code == 404
    client.force_login(world.senco)
    other = build_world(name="Other School")
    assert client.get(new_run_url(world, other.provision.pk)).status_code == 404


# --- Finding and adding pupils ------------------------------------------------------------


@pytest.fixture
def run_with_register():
    """An empty running run and a register of Year 7 and Year 8 pupils."""
    world = build_world()
    run = add_run(world)
    year7_support = pupils(world, 3, nc_year="7", sen_status=SENStatus.SUPPORT, form="7A")
    for pupil in year7_support:
        PupilNeed.objects.create(school=world.school, pupil=pupil, need_type="SPLD", rank=1)
    year7_none = pupils(world, 2, nc_year="7", sen_status=SENStatus.NONE, form="7B")
    year8 = pupils(world, 2, nc_year="8", sen_status=SENStatus.SUPPORT, form="8A")
    return world, run, year7_support, year7_none, year8


def test_searching_lists_pupils_to_add(client, run_with_register):
    world, run, year7_support, year7_none, year8 = run_with_register
    client.force_login(world.senco)
    content = client.get(run_url(world, run, "nc_year=7&sen_status=K")).content.decode()
    assert "3 pupils found" in content
    for pupil in year7_support:
        # Nobody is ticked: each pupil who joins is chosen.
        assert f'name="pupils" value="{pupil.pk}" id="add-{pupil.pk}">' in content
    for pupil in year7_none + year8:
        assert f'id="add-{pupil.pk}"' not in content
    by_name = client.get(run_url(world, run, f"q={year8[0].surname}")).content.decode()
    assert "1 pupil found" in by_name
    by_upn = client.get(run_url(world, run, f"q={year8[1].upn.lower()}")).content.decode()
    assert f'id="add-{year8[1].pk}"' in by_upn
    by_need = client.get(run_url(world, run, "need_type=SPLD")).content.decode()
    assert "3 pupils found" in by_need


def test_search_with_htmx_answers_only_the_list(client, run_with_register):
    world, run, *_ = run_with_register
    client.force_login(world.senco)
    response = client.get(run_url(world, run, "nc_year=8"), HTTP_HX_TARGET="candidates", **HTMX)
    body = response.content.decode()
    assert "<html" not in body
    assert "2 pupils found" in body
    assert 'id="candidates-status" hx-swap-oob="innerHTML"' in body


def test_adding_a_filtered_list_at_once(client, run_with_register):
    world, run, year7_support, *_ = run_with_register
    client.force_login(world.senco)
    response = client.post(
        add_url(world, run),
        {"pupils": [p.pk for p in year7_support], "search": "nc_year=7&sen_status=K"},
        follow=True,
    )
    assert response.redirect_chain[-1][0] == run_url(world, run) + "#pupils"
    placed = Placement.objects.filter(run=run)
    assert sorted(placed.values_list("pupil_id", flat=True)) == sorted(
        pupil.pk for pupil in year7_support
    )
    assert set(placed.values_list("status", flat=True)) == {Placement.Status.ACTIVE}
    assert set(placed.values_list("start_date", flat=True)) == {run.start_date}
    assert messages_of(response)[0].startswith("Added 3 pupils to Reading catch-up")
    # Placed pupils are no longer offered.
    again = client.get(run_url(world, run, "nc_year=7&sen_status=K")).content.decode()
    assert "No pupils match who are not in the group already." in again


def test_adding_pupils_from_a_date(client, run_with_register):
    world, run, year7_support, *_ = run_with_register
    client.force_login(world.senco)
    client.post(add_url(world, run), {"pupils": [year7_support[0].pk], "start_date": "2025-10-06"})
    assert Placement.objects.get(run=run).start_date == dt.date(2025, 10, 6)
    response = client.post(
        add_url(world, run),
        {"pupils": [year7_support[1].pk], "start_date": "2026-03-01"},
        follow=True,
    )
    assert "Pupils can join between 08/09/2025 and 12/12/2025, the dates of the run." in (
        messages_of(response)
    )


def test_adding_nobody_or_a_stranger_is_refused(client, run_with_register):
    world, run, *_ = run_with_register
    client.force_login(world.senco)
    response = client.post(add_url(world, run), {"pupils": []}, follow=True)
    assert "Tick at least one pupil to add." in messages_of(response)
    stranger = PupilFactory(school=SchoolFactory())
    client.post(add_url(world, run), {"pupils": [stranger.pk]})
    assert Placement.objects.count() == 0


def test_only_editors_add_or_remove_pupils(client, run_with_register):
    world, run, year7_support, *_ = run_with_register
    placement = Placement.objects.create(
        school=world.school, run=run, pupil=year7_support[0], start_date=run.start_date
    )
    teacher = member(world.school, Role.TEACHER, staff_member=world.ta_staff)
    client.force_login(teacher)
    assert client.post(add_url(world, run), {"pupils": [year7_support[1].pk]}).status_code == 403
    assert client.post(remove_url(world, placement), {"version": 1}).status_code == 403
    assert "Add pupils" not in client.get(run_url(world, run)).content.decode()
    client.force_login(outsider())
    assert client.post(add_url(world, run), {"pupils": [year7_support[1].pk]}).status_code == 404
    assert Placement.objects.count() == 1


def test_changes_need_a_post(client, run_with_register):
    world, run, year7_support, *_ = run_with_register
    placement = Placement.objects.create(
        school=world.school, run=run, pupil=year7_support[0], start_date=run.start_date
    )
    client.force_login(world.senco)
    assert client.get(add_url(world, run)).status_code == 405
    assert client.get(remove_url(world, placement)).status_code == 405
    assert client.get(reverse("run_results", args=[world.school.urn, run.pk])).status_code == 405


# --- Taking pupils out ----------------------------------------------------------------------


def test_removing_a_pupil_without_results_deletes_the_placement(client, run_with_register):
    world, run, year7_support, *_ = run_with_register
    placement = Placement.objects.create(
        school=world.school, run=run, pupil=year7_support[0], start_date=run.start_date
    )
    client.force_login(world.senco)
    response = client.post(remove_url(world, placement), {"version": 1}, follow=True)
    assert not Placement.objects.filter(pk=placement.pk).exists()
    assert f"{year7_support[0].full_name} is no longer in Reading catch-up." in messages_of(
        response
    )
    # The page offers to put them back.
    assert f"You took {year7_support[0].full_name} out of the group." in response.content.decode()
    client.post(reverse("run_undo", args=[world.school.urn, run.pk]), {"version": 2})
    assert Placement.objects.filter(pk=placement.pk).exists()


def test_removing_a_pupil_with_results_withdraws_them(client, run_with_register):
    world, run, year7_support, *_ = run_with_register
    result = Result.objects.create(
        school=world.school,
        pupil=year7_support[0],
        measure=world.measure,
        date=dt.date(2025, 9, 10),
        value=80,
    )
    placement = Placement.objects.create(
        school=world.school,
        run=run,
        pupil=year7_support[0],
        start_date=run.start_date,
        baseline=result,
        status=Placement.Status.ACTIVE,
    )
    client.force_login(world.senco)
    response = client.post(remove_url(world, placement), {"version": 1}, follow=True)
    placement.refresh_from_db()
    assert placement.status == Placement.Status.WITHDRAWN
    assert placement.end_date is not None and placement.version == 2
    assert placement.baseline_id == result.pk
    assert (
        "withdrawn from Reading catch-up from today; their results are kept."
        in (messages_of(response)[0])
    )


def test_removing_refuses_a_placement_changed_meanwhile(client, run_with_register):
    world, run, year7_support, *_ = run_with_register
    placement = Placement.objects.create(
        school=world.school,
        run=run,
        pupil=year7_support[0],
        start_date=run.start_date,
        version=4,
        rating="A",
    )
    client.force_login(world.senco)
    response = client.post(remove_url(world, placement), {"version": 3}, follow=True)
    assert Placement.objects.filter(pk=placement.pk).exists()
    (message,) = messages_of(response)
    assert message.startswith(f"Someone else changed {year7_support[0].full_name}'s placement")


# --- Closing a run --------------------------------------------------------------------------


def test_closing_a_run_completes_its_pupils(client, run_with_register):
    world, run, year7_support, *_ = run_with_register
    for pupil in year7_support:
        Placement.objects.create(
            school=world.school,
            run=run,
            pupil=pupil,
            start_date=run.start_date,
            status=Placement.Status.ACTIVE,
        )
    Placement.objects.filter(pupil=year7_support[2]).update(status=Placement.Status.WITHDRAWN)
    client.force_login(world.senco)
    close_url = reverse("run_close", args=[world.school.urn, run.pk])
    asked = client.get(close_url).content.decode()
    assert "Close Reading catch-up?" in asked
    assert "the 2 pupils still in the group complete it" in asked
    response = client.post(close_url, {"version": 1, "on": "2025-12-12"}, follow=True)
    run.refresh_from_db()
    assert run.status == ProvisionRun.Status.CLOSED
    statuses = sorted(Placement.objects.filter(run=run).values_list("status", flat=True))
    assert statuses == ["completed", "completed", "withdrawn"]
    assert (
        "Reading catch-up is closed; 2 pupils completed it. 2 pupils have no exit result yet: "
        "you can still record it." in messages_of(response)
    )
    # A closed run's group no longer changes.
    again = client.post(
        add_url(world, run), {"pupils": [PupilFactory(school=world.school).pk]}, follow=True
    )
    assert "Reading catch-up is closed: its group can no longer change." in messages_of(again)
    assert "Close the run" not in client.get(run_url(world, run)).content.decode()


# --- Who sees a run -------------------------------------------------------------------------


def test_head_of_year_sees_their_pupils_of_a_run_only(client, run_with_register):
    world, run, year7_support, _, year8 = run_with_register
    for pupil in (year7_support[0], year8[0]):
        Placement.objects.create(
            school=world.school, run=run, pupil=pupil, start_date=run.start_date
        )
    client.force_login(member(world.school, Role.HEAD_OF_YEAR, year_groups="8"))
    content = client.get(run_url(world, run)).content.decode()
    assert year8[0].surname in content
    assert year7_support[0].surname not in content
    assert "1 other pupil in this group is not in your groups." in content
    assert "Save results" not in content
    client.force_login(member(world.school, Role.HEAD_OF_YEAR, year_groups="11"))
    assert client.get(run_url(world, run)).status_code == 404
    client.force_login(member(world.school, Role.GOVERNOR))
    assert client.get(run_url(world, run)).status_code == 403
    client.force_login(outsider())
    assert client.get(run_url(world, run)).status_code == 404


def test_run_page_query_count_is_fixed(client):
    def count(placed: int) -> int:
        world = build_world(name=f"Run school {placed}")
        run = add_run(world, pupils=pupils(world, placed, nc_year="7"))
        pupils(world, placed, nc_year="7")  # candidates too
        client.force_login(world.senco)
        queries, response = get_counted(client, run_url(world, run, "nc_year=7"))
        assert response.status_code == 200
        assert f"{placed} pupil{'s' if placed > 1 else ''} found" in response.content.decode()
        client.logout()
        return queries

    assert count(1) == count(8)


def test_a_new_run_refuses_absurd_time_and_dates_with_their_bounds(client):
    world = build_world()
    client.force_login(world.senco)
    response = client.post(
        new_run_url(world, world.provision.pk),
        {
            "when": f"year-{world.term.academic_year_id}",
            "sessions_per_week": "999.9",
            "minutes_per_session": "600",
            "weeks": "999.9",
            "start_date": "1900-01-01",
            "end_date": "9999-12-31",
            "status": "planned",
        },
    )
    content = response.content.decode()
    assert response.status_code == 200
    for message in (
        "Sessions a week must be between 0.1 and 25 (got 999.9).",
        "Minutes a session must be between 1 and 480 (got 600).",
        "Weeks must be between 0.1 and 38, the teaching weeks of 2025-26 (got 999.9).",
        "The run&#x27;s start date must be between 01/09/2025 and 22/07/2026, the dates of "
        "2025-26 (got 01/01/1900).",
        "The run&#x27;s end date must be between 01/09/2025 and 22/07/2026, the dates of "
        "2025-26 (got 31/12/9999).",
    ):
        assert message in content
    assert ProvisionRun.objects.count() == 0

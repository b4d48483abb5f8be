"""The roll-forward page: a preview that writes nothing, a confirm that writes, only for the
SENCO and the SEND administrator, at a fixed number of queries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from provmap.accounts.models import AuditEvent, Role
from provmap.provision.models import Placement, ProvisionRun
from tests.factories import AcademicYearFactory, ProvisionFactory, PupilFactory, TermFactory
from tests.planning.rollforward_world import (
    RollWorld,
    add_slotted_run,
    build_roll_world,
    decide,
)
from tests.web.map_world import add_run, build_world, get_counted, member, outsider, pupils

pytestmark = pytest.mark.django_db


@pytest.fixture
def roll() -> RollWorld:
    return build_roll_world()


def url(roll: RollWorld, source=None, target=None) -> str:
    base = reverse("roll_forward", args=[roll.world.school.urn])
    source, target = source or roll.autumn, target or roll.spring
    return f"{base}?from={source.pk}&to={target.pk}"


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_preview_shows_what_goes_on_and_what_is_left_and_writes_nothing(roll):
    world = roll.world
    run = add_slotted_run(world, 2, label="Group A")
    carried = run.placements.order_by("pk").first().pupil
    leaver = PupilFactory(
        school=world.school, surname="Gone", on_roll_to=dt.date(2025, 12, 19), nc_year="8"
    )
    Placement.objects.create(
        school=world.school, run=run, pupil=leaver, start_date=run.start_date, status="active"
    )
    stopped = ProvisionFactory(school=world.school, name="Social skills")
    add_run(world, provision=stopped, pupils=pupils(world, 1))
    decide(world, stopped, "stop", dt.date(2025, 12, 3))
    runs, places = ProvisionRun.objects.count(), Placement.objects.count()

    response = client_for(world.senco).get(url(roll))

    assert response.status_code == 200
    text = response.content.decode()
    assert "Reading catch-up Group A" in text
    assert f"{carried.surname}, {carried.forename}" in text
    assert "Gone, " in text and "left the school" in text
    assert "Social skills: stopped at the review on 3 Dec 2025" in text
    assert "Create next term's map" in text
    assert (ProvisionRun.objects.count(), Placement.objects.count()) == (runs, places)
    event = AuditEvent.objects.filter(action="view").latest("pk")
    assert event.summary.startswith("Roll-forward preview from Autumn 2025-26 to Spring")
    assert event.listed.count() == 4


def test_confirming_creates_the_map_and_goes_to_it(roll):
    world = roll.world
    kept = add_slotted_run(world, 2, label="A")
    left = add_slotted_run(world, 1, label="B")
    client = client_for(world.senco)
    page = client.get(url(roll))
    first, second = kept.placements.order_by("pk")
    response = client.post(
        reverse("roll_forward", args=[world.school.urn]),
        {
            "from": roll.autumn.pk,
            "to": roll.spring.pk,
            "fingerprint": page.context["fingerprint"],
            "run": [kept.pk],
            "place": [f"{kept.pk}:{first.pupil_id}", f"{left.pk}:0"],
        },
    )
    assert response.status_code == 302
    assert response["Location"] == (
        f"{reverse('term_map', args=[world.school.urn])}?term={roll.spring.pk}"
    )
    assert [str(m) for m in get_messages(response.wsgi_request)] == ["1 run and 1 place created."]
    new = ProvisionRun.objects.get(term=roll.spring)
    assert new.label == "A"
    assert list(new.placements.values_list("pupil_id", flat=True)) == [first.pupil_id]
    event = AuditEvent.objects.filter(action="create").latest("pk")
    assert "1 run and 1 place created" in event.summary
    assert event.listed.count() == 1
    assert second.pupil_id not in new.placements.values_list("pupil_id", flat=True)


def test_a_refused_confirm_says_why_and_writes_nothing(roll):
    world = roll.world
    run = add_slotted_run(world, 2, label="A")
    client = client_for(world.senco)
    data = {"from": roll.autumn.pk, "to": roll.spring.pk, "run": [run.pk], "fingerprint": "0:1"}
    response = client.post(reverse("roll_forward", args=[world.school.urn]), data)
    assert response.status_code == 400
    assert "changed since the preview" in response.content.decode()
    assert not ProvisionRun.objects.filter(term=roll.spring).exists()


def test_a_school_with_no_next_term_is_sent_to_set_up_its_years(roll):
    add_slotted_run(roll.world, 1)
    response = client_for(roll.world.senco).get(
        reverse("roll_forward", args=[roll.world.school.urn]) + f"?from={roll.next_autumn.pk}"
    )
    assert response.status_code == 200
    assert reverse("setup_years", args=[roll.world.school.urn]) in response.content.decode()


def test_an_unknown_term_is_not_found(roll):
    client = client_for(roll.world.senco)
    base = reverse("roll_forward", args=[roll.world.school.urn])
    assert client.get(f"{base}?from=999999").status_code == 404
    assert client.get(f"{base}?from=x").status_code == 404


@pytest.mark.parametrize("role", [Role.TEACHER, Role.GOVERNOR, Role.PARENT])
def test_others_are_refused(roll, role):
    add_slotted_run(roll.world, 2, label="A")
    client = client_for(member(roll.world.school, role))
    assert client.get(url(roll)).status_code == 403
    data = {"from": roll.autumn.pk, "to": roll.spring.pk}
    assert (
        client.post(reverse("roll_forward", args=[roll.world.school.urn]), data).status_code == 403
    )
    assert not ProvisionRun.objects.filter(term=roll.spring).exists()


def test_the_send_administrator_may_and_another_school_does_not_see_it(roll):
    assert client_for(member(roll.world.school, Role.SEND_ADMIN)).get(url(roll)).status_code == 200
    assert client_for(outsider()).get(url(roll)).status_code == 404


# The preview's queries whatever the runs and pupils: the session and user, the school and
# access, the terms, the runs with their staff, slots and pupils, the decisions, the year
# groups on roll, the target's runs, and the audit event with its pupils.
PREVIEW_QUERIES = 15


@pytest.mark.parametrize("runs", [1, 3])
def test_the_preview_costs_a_fixed_number_of_queries(roll, runs):
    for number in range(runs):
        add_slotted_run(roll.world, 5, label=f"Group {number}")
    client = client_for(roll.world.senco)
    assert client.get(url(roll)).status_code == 200
    queries, response = get_counted(client, url(roll))
    assert response.status_code == 200
    assert queries == PREVIEW_QUERIES


def test_the_page_defaults_to_the_current_term_into_the_next():
    world = build_world()
    today = timezone.localdate()
    year = AcademicYearFactory(
        school=world.school,
        name="This year",
        start_date=today - dt.timedelta(days=60),
        end_date=today + dt.timedelta(days=200),
    )
    current = TermFactory(
        academic_year=year,
        number=1,
        start_date=today - dt.timedelta(days=10),
        end_date=today + dt.timedelta(days=10),
    )
    following = TermFactory(
        academic_year=year,
        number=2,
        name="Spring",
        start_date=today + dt.timedelta(days=20),
        end_date=today + dt.timedelta(days=80),
    )
    response = client_for(world.senco).get(reverse("roll_forward", args=[world.school.urn]))
    assert response.status_code == 200
    assert (response.context["source"], response.context["target"]) == (current, following)


def test_a_target_before_the_source_is_explained(roll):
    response = client_for(roll.world.senco).get(url(roll, roll.spring, roll.autumn))
    assert response.status_code == 200
    assert "Choose a term that starts after Spring 2025-26 ends" in response.content.decode()

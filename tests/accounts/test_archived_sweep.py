"""An archived leaver appears nowhere but on the SENCO's data-protection pages.

Every page of the URLconf that answers a GET is opened by every role with an archived pupil
in the school, who took part in the own school's run, has results on its measure and is the
parent's child; the archived pupil's names and UPN must be on none of them (downloads are
read as text, a workbook cell by cell). The pupil's own pages are not found; a run's pupil
search does not offer them; adding them to a run by hand is refused.
"""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from provmap.accounts.models import Role
from provmap.accounts.policies import POLICIES, Outcome, Rule
from provmap.provision.models import Placement
from provmap.pupils.models import Pupil, Result
from tests.accounts.test_access_matrix import _matrix_routes
from tests.accounts.world import ANONYMOUS, OWN_CHILD, ROLES, World, build_world
from tests.factories import PlacementFactory, PupilFactory

FORENAME, SURNAME = "Quentessa", "Zarchivedperson"
# The SENCO's data-protection pages are where archived records are found and erased.
KEPT_FOR_THE_SENCO = {"data_protection", "pupil_data", "pupil_sar_export", "pupil_erase"}


def _scored(world: World, pupil: Pupil, entry: int, leave: int) -> None:
    data = world.own
    start, end = data.run.start_date, data.run.end_date
    placement = Placement.objects.get(run=data.run, pupil=pupil)
    placement.baseline = Result.objects.create(
        school=data.school, pupil=pupil, measure=data.measure, date=start, value=Decimal(entry)
    )
    placement.exit = Result.objects.create(
        school=data.school, pupil=pupil, measure=data.measure, date=end, value=Decimal(leave)
    )
    placement.rating = "G"
    placement.save()


def _world_with_an_archived_leaver() -> tuple[World, Pupil]:
    world = build_world()
    data = world.own
    data.provision.measure = data.measure
    data.provision.save()
    archived = PupilFactory(
        school=data.school,
        nc_year="9",
        form="9A",
        legal_forename=FORENAME,
        surname=SURNAME,
        on_roll_to=data.run.end_date,
    )
    PlacementFactory(run=data.run, pupil=archived, notes=f"{FORENAME} worked well.")
    for pupil, entry, leave in (
        (archived, 80, 95),
        (data.pupil, 82, 90),
        (world.child, 85, 88),
    ):
        _scored(world, pupil, entry, leave)
    world.users[Role.PARENT].memberships.get().children.add(archived)
    Pupil.objects.filter(pk=archived.pk).update(archived_at=timezone.now() - dt.timedelta(days=1))
    archived.refresh_from_db()
    return world, archived


def _text(response) -> str:
    content_type = response.get("Content-Type", "")
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in content_type:
        book = load_workbook(io.BytesIO(body), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    return body.decode("utf-8", errors="replace")


def _named(text: str, pupil: Pupil) -> list[str]:
    return [value for value in (FORENAME, SURNAME, pupil.upn) if value in text]


def _pages() -> list:
    return [
        route
        for route in _matrix_routes()
        if route.name in POLICIES
        and POLICIES[route.name].on_get == Outcome.OK
        and POLICIES[route.name].rule not in (Rule.PUBLIC, Rule.GUEST)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("route", _pages(), ids=lambda route: route.name)
def test_an_archived_leaver_is_on_no_page_for_any_role(route):
    world, archived = _world_with_an_archived_leaver()
    wrong = []
    for role in ROLES:
        if role == ANONYMOUS:
            continue
        client = Client()
        client.force_login(world.users[role])
        kwargs = world.url_kwargs(list(route.kwargs), OWN_CHILD)
        if "pupil_id" in kwargs:
            # The archived pupil's own page: only the SENCO's data-protection pages open it.
            response = client.get(reverse(route.name, kwargs={**kwargs, "pupil_id": archived.pk}))
            opened = response.status_code == 200
            if opened and not (route.name in KEPT_FOR_THE_SENCO and role == Role.SENCO):
                wrong.append(f"{role}: the archived pupil's own page answered 200")
        response = client.get(reverse(route.name, kwargs=kwargs))
        shown = response.status_code == 200 and route.name not in KEPT_FOR_THE_SENCO
        if shown and (named := _named(_text(response), archived)):
            wrong.append(f"{role}: shows {named}")
    assert wrong == [], f"{route.name}:\n" + "\n".join(wrong)


@pytest.mark.django_db
@pytest.mark.parametrize("query", [SURNAME, FORENAME, "nc_year=9", "sen_status=N"])
def test_a_runs_pupil_search_does_not_offer_an_archived_leaver(query):
    world, archived = _world_with_an_archived_leaver()
    Placement.objects.filter(pupil=archived).delete()
    client = Client()
    client.force_login(world.users[Role.SENCO])
    url = reverse("run_detail", args=[world.own.school.urn, world.own.run.pk])
    params = dict([query.split("=")]) if "=" in query else {"q": query}
    for extra in ({}, {"HTTP_HX_REQUEST": "true", "HTTP_HX_TARGET": "candidates"}):
        response = client.get(url, params, **extra)
        assert response.status_code == 200
        text = _text(response)
        # The page repeats what was typed; it must offer no such pupil.
        assert f'name="pupils" value="{archived.pk}"' not in text
        assert [name for name in _named(text, archived) if name not in query] == []


@pytest.mark.django_db
def test_an_archived_leaver_cannot_be_added_to_a_run_by_hand():
    world, archived = _world_with_an_archived_leaver()
    Placement.objects.filter(pupil=archived).delete()
    client = Client()
    client.force_login(world.users[Role.SENCO])
    url = reverse("run_add_pupils", args=[world.own.school.urn, world.own.run.pk])
    client.post(url, {"pupils": [archived.pk]})
    assert not Placement.objects.filter(pupil=archived).exists()

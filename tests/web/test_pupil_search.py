"""Finding a pupil from any school page: the header's box, its htmx list and the results page
it falls back to, only ever among the pupils the user may see."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from provmap.accounts.models import AuditAction, AuditEvent, AuditEventPupil, Role
from tests.factories import PupilFactory
from tests.web.map_world import HTMX, World, add_run, build_world, member

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


def search_url(world: World, text: str) -> str:
    return f"{reverse('pupil_search', args=[world.school.urn])}?q={text}"


def test_the_search_box_is_in_the_header_of_every_page_for_those_who_see_pupils(client, world):
    client.force_login(world.senco)
    for name in ("term_map", "catalogue", "year_map"):
        content = client.get(reverse(name, args=[world.school.urn])).content.decode()
        assert 'id="pupil-search-box"' in content, name
        assert f'action="{reverse("pupil_search", args=[world.school.urn])}"' in content
        assert 'role="search"' in content
    client.force_login(member(world.school, Role.GOVERNOR))
    content = client.get(reverse("school_figures", args=[world.school.urn])).content.decode()
    assert 'id="pupil-search-box"' not in content


def test_a_pupil_is_found_by_surname_forename_or_upn(client, world):
    ada = PupilFactory(school=world.school, legal_forename="Ada", surname="Lovelace")
    PupilFactory(school=world.school, legal_forename="Bob", surname="Babbage")
    client.force_login(world.senco)
    for text in ("love", "Ada", ada.upn, ada.upn[:6].lower()):
        content = client.get(search_url(world, text)).content.decode()
        assert reverse("pupil_detail", args=[world.school.urn, ada.pk]) in content, text
        assert "Babbage" not in content or text == ada.upn[:6].lower()


def test_the_search_finds_only_the_pupils_the_user_may_see_and_never_an_archived_leaver(
    client, world
):
    mine = PupilFactory(school=world.school, surname="Mine", form="8B")
    theirs = PupilFactory(school=world.school, surname="Minerva", form="9C")
    gone = PupilFactory(school=world.school, surname="Minter", archived_at=timezone.now())
    add_run(world, pupils=[mine, theirs], staff=[world.senco_staff])
    client.force_login(member(world.school, Role.TEACHER, teaching_groups="8B"))
    content = client.get(search_url(world, "min")).content.decode()
    assert "Mine, " in content
    assert "Minerva" not in content and "Minter" not in content
    client.force_login(world.senco)
    content = client.get(search_url(world, "min")).content.decode()
    assert "Minerva" in content and "Minter" not in content
    assert gone.pk  # an archived leaver is in the register but never found


def test_as_one_types_the_box_gets_a_short_list_of_links_and_the_count(client, world):
    for index in range(12):
        PupilFactory(school=world.school, surname=f"Smith{index:02d}")
    client.force_login(world.senco)
    response = client.get(search_url(world, "smith"), HTTP_HX_TARGET="pupil-search-results", **HTMX)
    content = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in content
    assert content.count('<li><a href="') == 8
    assert "12 pupils found: the first 8 are listed." in content
    assert 'hx-swap-oob="innerHTML"' in content
    assert "See all 12 pupils found" in content
    assert "HX-Request" in response["Vary"]


def test_without_a_script_the_box_leads_to_a_page_of_results(client, world):
    PupilFactory(school=world.school, surname="Okafor")
    client.force_login(world.senco)
    response = client.get(search_url(world, "okafor"))
    content = response.content.decode()
    assert "<h1>Find a pupil</h1>" in content
    assert "1 pupil found." in content
    assert client.get(search_url(world, "x")).content.decode().count("at least 2 letters") == 1
    assert "No pupil you may see matches" in client.get(search_url(world, "zzzz")).content.decode()


def test_the_search_records_the_pupils_it_showed(client, world):
    ada = PupilFactory(school=world.school, surname="Audited")
    client.force_login(world.senco)
    client.get(search_url(world, "audited"), HTTP_HX_TARGET="pupil-search-results", **HTMX)
    event = AuditEvent.objects.get(action=AuditAction.VIEW)
    assert "Pupil search" in event.summary and "Audited" not in event.summary
    assert list(AuditEventPupil.objects.filter(event=event).values_list("pupil", flat=True)) == [
        ada.pk
    ]
    client.get(search_url(world, "nobody-at-all"))
    assert AuditEvent.objects.filter(action=AuditAction.VIEW).count() == 1

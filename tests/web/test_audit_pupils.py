"""Every page and export that lists pupils records which pupils it showed (one event, its
pupils written in one INSERT), so that a subject access request finds each of them."""

from __future__ import annotations

import pytest
from django.urls import reverse

from provmap.accounts.audit import pupil_reference
from provmap.accounts.models import AuditAction, AuditEvent, AuditEventPupil, Role
from provmap.pupils.models import Pupil
from tests.factories import PupilFactory
from tests.web.map_world import HTMX, World, add_run, build_world, member, pupils

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


@pytest.fixture
def groups(world):
    """Two runs: three Year 7 pupils in 7A, two Year 8 pupils in 8B."""
    sevens = pupils(world, 3, nc_year="7", form="7A")
    eights = pupils(world, 2, nc_year="8", form="8B")
    first = add_run(world, pupils=sevens, label="A")
    second = add_run(world, pupils=eights, label="B")
    return first, second, sevens, eights


def last_event(action: str = AuditAction.VIEW) -> AuditEvent:
    event = AuditEvent.objects.filter(action=action).order_by("-pk").first()
    assert event is not None, f"no {action} event"
    return event


def listed(event: AuditEvent) -> set[int]:
    rows = AuditEventPupil.objects.filter(event=event)
    for row in rows.select_related("pupil__school"):
        assert row.pupil_ref == pupil_reference(row.pupil.school.urn, row.pupil.upn)
    return set(rows.values_list("pupil_id", flat=True))


def ids(found: list[Pupil]) -> set[int]:
    return {pupil.pk for pupil in found}


def test_the_term_map_and_its_fragment_record_every_pupil_named(client, world, groups):
    _, _, sevens, eights = groups
    client.force_login(world.senco)
    url = reverse("term_map", args=[world.school.urn])
    assert client.get(url, {"term": world.term.pk}).status_code == 200
    assert listed(last_event()) == ids(sevens + eights)
    assert client.get(url, {"term": world.term.pk, "nc_year": "8"}, **HTMX).status_code == 200
    assert listed(last_event()) == ids(eights)


def test_the_pupils_behind_a_figure_are_recorded(client, world, groups):
    first, _, sevens, _ = groups
    client.force_login(world.senco)
    url = reverse("map_pupils", args=[world.school.urn])
    assert client.get(url, {"term": world.term.pk, "run": first.pk}).status_code == 200
    assert listed(last_event()) == ids(sevens)


def test_the_waves_page_records_its_pupils(client, world, groups):
    _, _, _, eights = groups
    client.force_login(world.senco)
    url = reverse("waves", args=[world.school.urn])
    assert client.get(url, {"term": world.term.pk, "group": "form-8B"}).status_code == 200
    assert listed(last_event()) == ids(eights)


def test_the_run_page_and_its_search_record_what_they_showed(client, world, groups):
    first, _, sevens, eights = groups
    client.force_login(world.senco)
    url = reverse("run_detail", args=[world.school.urn, first.pk])

    assert client.get(url).status_code == 200
    assert listed(last_event()) == ids(sevens)

    # The search inside the run: the whole page, then only the list of pupils found.
    assert client.get(url, {"nc_year": "8"}).status_code == 200
    assert listed(last_event()) == ids(sevens + eights)
    before = AuditEvent.objects.count()
    response = client.get(url, {"nc_year": "8"}, HTTP_HX_TARGET="candidates", **HTMX)
    assert response.status_code == 200
    assert AuditEvent.objects.count() == before + 1
    event = last_event()
    assert listed(event) == ids(eights)
    assert eights[0].surname not in event.summary


def test_the_data_protection_search_records_the_pupils_found(client, world):
    wanted = PupilFactory(school=world.school, surname="Quennell")
    PupilFactory(school=world.school, surname="Quenby")
    other = PupilFactory(school=world.school, surname="Adams")
    client.force_login(world.senco)
    response = client.get(reverse("data_protection", args=[world.school.urn]), {"q": "Quen"})
    assert response.status_code == 200
    event = last_event()
    found = listed(event)
    assert wanted.pk in found and other.pk not in found and len(found) == 2
    # What was typed is a name: the trail keeps which pupils were shown, not the text.
    assert "Quen" not in event.path and "Quen" not in event.summary


@pytest.mark.parametrize(
    "name",
    ["export_map", "export_run", "export_pupil"],
)
def test_exports_record_every_pupil_that_left(client, world, groups, name):
    first, _, sevens, eights = groups
    client.force_login(world.senco)
    args = {
        "export_map": [],
        "export_run": [first.pk],
        "export_pupil": [eights[0].pk],
    }[name]
    expected = {
        "export_map": sevens + eights,
        "export_run": sevens,
        "export_pupil": eights[:1],
    }[name]
    response = client.get(reverse(name, args=[world.school.urn, *args, "csv"]))
    assert response.status_code == 200
    event = last_event(AuditAction.EXPORT)
    assert listed(event) == ids(expected)
    for pupil in expected:
        assert pupil.surname not in event.summary and pupil.upn not in event.summary
        assert pupil.legal_forename not in event.summary


def test_an_export_names_no_pupil_in_the_summary_even_for_one_pupil(client, world, groups):
    _, _, sevens, _ = groups
    pupil = sevens[0]
    client.force_login(world.senco)
    client.get(reverse("export_pupil", args=[world.school.urn, pupil.pk, "xlsx"]))
    event = last_event(AuditAction.EXPORT)
    assert event.pupil == pupil
    assert pupil.full_name not in event.summary and pupil.surname not in str(event.details)


def test_the_not_progressing_list_and_impact_page_record_their_pupils(client):
    from tests.web.test_impact import School

    impact = School(participants=[(80, 80), (81, 81), (76, 82), (80, 89), (82, 88)])
    client.force_login(impact.senco)
    response = client.get(impact.provision_page())
    assert response.status_code == 200
    assert listed(last_event()) == ids(impact.participants)

    response = client.get(impact.url("impact_not_progressing_pupils", f"year={impact.year.pk}"))
    assert response.status_code == 200
    stuck = listed(last_event())
    assert stuck and stuck <= ids(impact.participants)


def test_a_head_of_year_export_lists_only_their_pupils(client, world, groups):
    _, _, _, eights = groups
    client.force_login(member(world.school, Role.HEAD_OF_YEAR, year_groups="8"))
    assert client.get(reverse("export_map", args=[world.school.urn, "csv"])).status_code == 200
    assert listed(last_event(AuditAction.EXPORT)) == ids(eights)

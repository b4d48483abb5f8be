"""The waves view of a class or year group (Kent's appendix 3b)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from provmap.accounts.models import Role
from tests.factories import ProvisionFactory
from tests.web.map_world import World, add_run, build_world, get_counted, member, outsider, pupils

pytestmark = pytest.mark.django_db


def waves_url(world: World, query: str = "") -> str:
    return reverse("waves", args=[world.school.urn]) + (f"?{query}" if query else "")


def wave_section(content: str, wave: int) -> str:
    start = content.index(f'id="wave-{wave}"')
    end = content.find('class="wave-section"', start)
    return content[start : end if end > 0 else None]


@pytest.fixture
def waves():
    world = build_world()
    class_7a = pupils(world, 3, nc_year="7", form="7A", eal=True)
    class_7b = pupils(world, 2, nc_year="7", form="7B")
    in_class = ProvisionFactory(school=world.school, name="Visual timetables", wave=1)
    add_run(world, provision=in_class, pupils=class_7a + class_7b, staff=[world.ta_staff])
    add_run(world, pupils=class_7a[:2])  # reading catch-up, wave 2
    speech = ProvisionFactory(school=world.school, name="Speech therapy", wave=3)
    add_run(world, provision=speech, pupils=class_7b[:1], staff=[world.senco_staff])
    return world


def test_a_year_group_by_wave(client, waves):
    client.force_login(waves.senco)
    content = client.get(waves_url(waves, "group=year-7")).content.decode()
    assert "Waves of intervention: Year 7" in content
    assert "Visual timetables" in wave_section(content, 1)
    assert "Reading catch-up" in wave_section(content, 2)
    assert "Speech therapy" in wave_section(content, 3)
    assert "Reading test" in wave_section(content, 2)  # how progress is measured
    assert re.search(r"2 pupils: 2 EAL, 2 girls", wave_section(content, 2))
    assert "Sam Reed (S), Jo Bloggs (TA)" in content or "Jo Bloggs (TA), Sam Reed (S)" in content


def test_a_class(client, waves):
    client.force_login(waves.senco)
    content = client.get(waves_url(waves, "group=form-7B")).content.decode()
    assert "Waves of intervention: Form 7B" in content
    assert "No wave 2 provision for Form 7B this term." in content
    assert "Speech therapy" in wave_section(content, 3)
    assert client.get(waves_url(waves, "group=form-9Z")).status_code == 404
    assert client.get(waves_url(waves, "group=nonsense")).status_code == 404


def test_roles(client, waves):
    for role in (Role.GOVERNOR, Role.PARENT):
        client.force_login(member(waves.school, role))
        assert client.get(waves_url(waves)).status_code == 403
    client.force_login(member(waves.school, Role.HEAD_OF_YEAR, year_groups="8"))
    content = client.get(waves_url(waves, "group=year-7")).content.decode()
    assert "Visual timetables" not in content
    client.force_login(outsider())
    assert client.get(waves_url(waves)).status_code == 404


def test_waves_query_count_is_fixed(client):
    def count(runs: int) -> int:
        world = build_world(name=f"Waves school {runs}")
        for index in range(runs):
            provision = ProvisionFactory(school=world.school, name=f"P{index}", wave=index % 3 + 1)
            add_run(world, provision=provision, pupils=pupils(world, 2, nc_year="7", form="7A"))
        client.force_login(world.senco)
        queries, response = get_counted(client, waves_url(world, "group=form-7A"))
        assert response.status_code == 200
        client.logout()
        return queries

    assert count(1) == count(6)

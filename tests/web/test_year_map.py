"""The costed map of a year group, laid out like Kent's appendix 3c."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from provmap.accounts.models import Role
from provmap.pupils.models import SENStatus
from provmap.schools.models import RoleRate
from provmap.schools.roles import StaffRole
from tests.factories import ProvisionFactory, StaffMemberFactory
from tests.web.map_world import World, add_run, build_world, get_counted, member, outsider, pupils

pytestmark = pytest.mark.django_db


def year_url(world: World, query: str = "") -> str:
    return reverse("year_map", args=[world.school.urn]) + (f"?{query}" if query else "")


@pytest.fixture
def kent():
    """Kent's appendix 3c rows for Year 7: 'Individual literacy programmes (4 groups x 38
    weeks), 1:1, S, 4 x 1 hour: £7600' and 'Literacy workshops (2 groups x 10 weeks), S and
    TA, 2 x 1.5 hours: £1500 and £600', with the SENCO at £50 and TAs at £20 an hour."""
    world = build_world()
    world.senco_staff.hourly_rate = None
    world.senco_staff.save()
    world.ta_staff.hourly_rate = None
    world.ta_staff.save()
    RoleRate.objects.create(school=world.school, role=StaffRole.SENCO, hourly_rate=Decimal(50))
    RoleRate.objects.create(school=world.school, role=StaffRole.TA, hourly_rate=Decimal(20))
    individual = ProvisionFactory(school=world.school, name="Individual literacy programme")
    for _ in range(4):
        add_run(
            world,
            provision=individual,
            pupils=pupils(world, 1, nc_year="7", sen_status=SENStatus.EHC_PLAN),
            staff=[world.senco_staff],
            sessions_per_week=Decimal("1"),
            minutes_per_session=60,
            weeks=Decimal("38"),
        )
    workshop = ProvisionFactory(school=world.school, name="Literacy workshop")
    for _ in range(2):
        add_run(
            world,
            provision=workshop,
            pupils=pupils(world, 10, nc_year="7", sen_status=SENStatus.SUPPORT),
            staff=[world.senco_staff, world.ta_staff],
            sessions_per_week=Decimal("1"),
            minutes_per_session=90,
            weeks=Decimal("10"),
        )
    pupils(world, 5, nc_year="7")  # on roll, in no provision
    return world


def test_rows_read_like_appendix_3c(client, kent):
    client.force_login(kent.senco)
    response = client.get(year_url(kent, "nc_year=7"))
    assert response.status_code == 200
    content = re.sub(r"\s+", " ", response.content.decode())
    assert "Provision map: Year 7, 2025-26" in content
    assert (
        'Individual literacy programme</a> <span class="sub">(4 groups x 38 weeks)</span>'
        in content
    )
    assert 'Literacy workshop</a> <span class="sub">(2 groups x 10 weeks)</span>' in content
    assert "<li>4 x 1 hour</li>" in content
    assert content.count("<li>2 x 1.5 hours</li>") == 2
    assert "<li>£7,600.00</li>" in content
    assert "<li>£1,500.00</li>" in content and "<li>£600.00</li>" in content
    assert "1:1" in content and "2:10" in content
    assert "Total for Year 7" in content and "£9,700.00" in content


def test_counts_pupils_by_status_and_keys_the_staff_codes(client, kent):
    client.force_login(kent.senco)
    content = re.sub(r"\s+", " ", client.get(year_url(kent, "nc_year=7")).content.decode())
    assert (
        '<th scope="row">EHC plan (E)</th><td class="num">4</td><td class="num">4</td>' in content
    )
    assert (
        '<th scope="row">SEN support (K)</th><td class="num">20</td><td class="num">20</td>'
        in content
    )
    assert '<th scope="row">No SEN (N)</th><td class="num">5</td><td class="num">0</td>' in content
    assert "<dt>S</dt><dd>SENCO: Sam Reed</dd>" in content
    assert "<dt>TA</dt><dd>Teaching assistant: Jo Bloggs</dd>" in content


def test_a_mixed_group_counts_the_year_groups_share(client):
    world = build_world()
    add_run(world, pupils=pupils(world, 1, nc_year="7") + pupils(world, 1, nc_year="8"))
    client.force_login(world.senco)
    content = client.get(year_url(world, "nc_year=7")).content.decode()
    # 3 x 30 min x 10 weeks: SENCO £45 + TA £20 = £975, half of it carried by Year 7.
    assert "£487.50" in content
    assert "of £975.00 for the whole group" in content


def test_another_year_group_and_an_empty_one(client, kent):
    client.force_login(kent.senco)
    content = client.get(year_url(kent, "nc_year=9")).content.decode()
    assert "No provision for Year 9 pupils in 2025-26." in content
    assert client.get(year_url(kent, "nc_year=99")).status_code == 404
    assert client.get(year_url(kent, "year=0")).status_code == 404


def test_a_head_of_year_starts_on_their_year(client, kent):
    add_run(kent, pupils=pupils(kent, 2, nc_year="9"))
    client.force_login(member(kent.school, Role.HEAD_OF_YEAR, year_groups="9"))
    content = client.get(year_url(kent)).content.decode()
    assert "Provision map: Year 9, 2025-26" in content
    assert "Reading catch-up" in content


def test_roles_that_may_not_see_the_map_are_refused(client, kent):
    for role in (Role.GOVERNOR, Role.PARENT):
        client.force_login(member(kent.school, role))
        assert client.get(year_url(kent)).status_code == 403
    client.force_login(outsider())
    assert client.get(year_url(kent)).status_code == 404


def test_year_map_query_count_is_fixed(client):
    def count(runs: int) -> int:
        world = build_world(name=f"Year school {runs}")
        mentor = StaffMemberFactory(school=world.school, role=StaffRole.LEARNING_MENTOR)
        for index in range(runs):
            provision = ProvisionFactory(school=world.school, name=f"Provision {index}")
            add_run(
                world,
                provision=provision,
                pupils=pupils(world, 2, nc_year="7"),
                staff=[world.senco_staff, mentor],
            )
        client.force_login(world.senco)
        queries, response = get_counted(client, year_url(world, "nc_year=7"))
        assert response.status_code == 200
        client.logout()
        return queries

    assert count(1) == count(6)

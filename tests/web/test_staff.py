"""Staff time: each person's weekly hours across runs against their contracted hours."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.urls import reverse

from provmap.accounts.models import Role
from provmap.provision.models import GeneralResource
from provmap.schools.roles import StaffRole
from tests.factories import ProvisionFactory, StaffMemberFactory
from tests.web.map_world import World, add_run, build_world, get_counted, member, outsider, pupils

pytestmark = pytest.mark.django_db


def staff_url(world: World) -> str:
    return reverse("staff_load", args=[world.school.urn])


def row_of(content: str, name: str) -> str:
    content = re.sub(r"\s+", " ", content)
    start = content.index(f'<th scope="row">{name}')
    return content[start : content.index("</tr>", start)]


def test_hours_against_contract_with_the_busiest_week(client):
    world = build_world()
    world.ta_staff.contracted_hours = Decimal("2")
    world.ta_staff.save()
    # Two 6-week groups one after the other, and one alongside the first: the TA's busiest
    # week has two groups (3 h), not three.
    first = {"start_date": dt.date(2025, 9, 8), "end_date": dt.date(2025, 10, 17)}
    second = {"start_date": dt.date(2025, 11, 3), "end_date": dt.date(2025, 12, 12)}
    for dates in (first, second, first):
        add_run(world, pupils=pupils(world, 1), staff=[world.ta_staff], **dates)
    GeneralResource.objects.create(
        school=world.school,
        academic_year=world.term.academic_year,
        name="Paperwork",
        kind="admin",
        staff=world.senco_staff,
        hours_per_week=Decimal("2"),
    )
    client.force_login(world.senco)
    response = client.get(staff_url(world))
    assert response.status_code == 200
    ta = row_of(response.content.decode(), "Jo Bloggs")
    assert '<td class="num">2</td>' in ta  # contracted
    assert '<td class="num">3</td>' in ta  # busiest week
    assert "150% \N{EN DASH} over" in ta
    assert "£900.00" in ta  # 3 runs x 1.5 h x 10 weeks x £20
    senco = row_of(response.content.decode(), "Sam Reed")
    assert "Paperwork" in senco
    assert "None" in senco


def test_only_those_who_deploy_staff_see_the_page(client):
    world = build_world()
    client.force_login(member(world.school, Role.SEND_ADMIN))
    assert client.get(staff_url(world)).status_code == 200
    for role in (Role.SENIOR_LEADER, Role.TEACHER, Role.HEAD_OF_YEAR, Role.GOVERNOR, Role.PARENT):
        client.force_login(member(world.school, role, year_groups="7"))
        assert client.get(staff_url(world)).status_code == 403
    client.force_login(outsider())
    assert client.get(staff_url(world)).status_code == 404


def test_staff_page_query_count_is_fixed(client):
    def count(people: int) -> int:
        world = build_world(name=f"Staff school {people}")
        for index in range(people):
            person = StaffMemberFactory(school=world.school, role=StaffRole.TA, name=f"TA {index}")
            provision = ProvisionFactory(school=world.school, name=f"P{index}")
            add_run(world, provision=provision, pupils=pupils(world, 1), staff=[person])
            GeneralResource.objects.create(
                school=world.school,
                academic_year=world.term.academic_year,
                name=f"Admin {index}",
                kind="admin",
                staff=person,
                hours_per_week=Decimal("1"),
            )
        client.force_login(world.senco)
        queries, response = get_counted(client, staff_url(world))
        assert response.status_code == 200
        client.logout()
        return queries

    assert count(1) == count(6)

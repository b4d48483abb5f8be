"""A pupil's page: everything about one pupil on one screen, and printable."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from provmap.accounts.models import Role
from provmap.provision.models import Placement
from provmap.provision.services import placement_record_result
from provmap.pupils.models import PupilNeed, Result, SENStatus, SENStatusPeriod
from tests.factories import AcademicYearFactory, ProvisionFactory, TermFactory
from tests.web.map_world import World, add_run, build_world, get_counted, member, outsider, pupils

pytestmark = pytest.mark.django_db


def pupil_url(world: World, pupil) -> str:
    return reverse("pupil_detail", args=[world.school.urn, pupil.pk])


def last_year(world: World):
    year = AcademicYearFactory(
        school=world.school,
        name="2024-25",
        start_date=dt.date(2024, 9, 1),
        end_date=dt.date(2025, 7, 22),
    )
    return TermFactory(
        academic_year=year,
        number=3,
        name="Summer",
        start_date=dt.date(2025, 4, 22),
        end_date=dt.date(2025, 7, 22),
    )


@pytest.fixture
def amelia():
    world = build_world()
    (pupil,) = pupils(
        world,
        1,
        nc_year="7",
        form="7A",
        legal_forename="Amelia",
        surname="Hughes",
        sen_status=SENStatus.SUPPORT,
        pupil_premium=True,
        eal=True,
    )
    PupilNeed.objects.create(school=world.school, pupil=pupil, need_type="SPLD", rank=1)
    PupilNeed.objects.create(school=world.school, pupil=pupil, need_type="SLCN", rank=2)
    SENStatusPeriod.objects.create(
        school=world.school,
        pupil=pupil,
        status="N",
        start_date=dt.date(2019, 9, 1),
        end_date=dt.date(2024, 1, 31),
    )
    SENStatusPeriod.objects.create(
        school=world.school, pupil=pupil, status="K", start_date=dt.date(2024, 2, 1)
    )
    # This year: reading catch-up with a classmate, results and a note.
    run = add_run(world, pupils=[pupil, *pupils(world, 1, nc_year="7")])
    placement = Placement.objects.get(run=run, pupil=pupil)
    placement_record_result(
        placement=placement, stage="baseline", value=82, date=dt.date(2025, 9, 10)
    )
    placement.refresh_from_db()
    placement_record_result(placement=placement, stage="exit", value=90, date=dt.date(2025, 12, 10))
    Placement.objects.filter(pk=placement.pk).update(
        rating="G", notes="Reads aloud with confidence now."
    )
    # Last summer: a speech group in the year before.
    speech = ProvisionFactory(school=world.school, name="Talk boost", wave=2)
    summer = last_year(world)
    add_run(
        world,
        provision=speech,
        pupils=[pupil],
        academic_year=summer.academic_year,
        term=summer,
        start_date=summer.start_date,
        end_date=summer.end_date,
    )
    Result.objects.create(
        school=world.school,
        pupil=pupil,
        measure=world.measure,
        date=dt.date(2025, 7, 1),
        value=79,
        source="Termly cohort test",
    )
    return world, pupil


def test_everything_about_one_pupil(client, amelia):
    world, pupil = amelia
    client.force_login(world.senco)
    response = client.get(pupil_url(world, pupil))
    assert response.status_code == 200
    content = re.sub(r"\s+", " ", response.content.decode())
    assert "<h1>Amelia Hughes</h1>" in content
    assert pupil.upn in content
    assert (
        '<strong>SPLD</strong> Specific learning difficulty <span class="muted">(primary)</span>'
        in content
    )
    assert "Speech, language and communication needs" in content
    assert (
        "Pupil premium (disadvantaged)" in content
        and "English as an additional language" in content
    )
    # SEN history, newest first.
    assert content.index("SEN support (K)</th><td>1 Feb 2024") < content.index(
        "No SEN (N)</th><td>1 Sep 2019"
    )
    # Placements across years and the key-stage map.
    assert "Reading catch-up" in content and "Talk boost" in content
    assert '<th scope="colgroup" colspan="1">2024-25</th>' in content
    assert '<th scope="colgroup" colspan="1">2025-26</th>' in content
    assert content.count('class="ragb ragb--G"') >= 2
    # Results, with the cohort test, and the note.
    assert "Termly cohort test" in content
    assert "baseline of Reading catch-up" in content
    assert "Reads aloud with confidence now." in content
    # Her share of this year's group (£975 for two pupils) and of last year's.
    assert "£487.50" in content


def test_the_page_prints(client, amelia):
    world, pupil = amelia
    client.force_login(world.senco)
    content = client.get(pupil_url(world, pupil)).content.decode()
    assert re.search(r"<button [^>]*data-print data-needs-js hidden>Print</button>", content)
    assert "provmap/app.js" in content
    assert 'class="print-only small"' in content


def test_cost_this_year_counts_this_year_only(client, amelia):
    world, pupil = amelia
    client.force_login(world.senco)
    content = re.sub(r"\s+", " ", client.get(pupil_url(world, pupil)).content.decode())
    this_year = re.search(
        r"Cost of provision this year</span><span class=\"stat__value\">([^<]+)<", content
    )
    assert this_year.group(1) == "£487.50"
    assert 'All years</th><td class="num">£1,462.50</td>' in content  # + Talk boost £975


def test_who_may_see_a_pupil(client, amelia):
    world, pupil = amelia
    client.force_login(member(world.school, Role.HEAD_OF_YEAR, year_groups="7"))
    assert client.get(pupil_url(world, pupil)).status_code == 200
    client.force_login(member(world.school, Role.HEAD_OF_YEAR, year_groups="9"))
    assert client.get(pupil_url(world, pupil)).status_code == 404
    client.force_login(member(world.school, Role.TA, staff_member=world.ta_staff))
    assert client.get(pupil_url(world, pupil)).status_code == 200
    parent = member(world.school, Role.PARENT)
    parent.memberships.get().children.add(pupil)
    for user in (parent, member(world.school, Role.GOVERNOR)):
        client.force_login(user)
        assert client.get(pupil_url(world, pupil)).status_code == 403
    client.force_login(outsider())
    assert client.get(pupil_url(world, pupil)).status_code == 404
    client.force_login(world.senco)
    other = build_world(name="Other School")
    stranger = pupils(other, 1)[0]
    assert client.get(pupil_url(world, stranger)).status_code == 404


def test_pupil_page_query_count_is_fixed(client):
    def count(placements: int) -> int:
        world = build_world(name=f"Pupil school {placements}")
        (pupil,) = pupils(world, 1, nc_year="7")
        for index in range(placements):
            provision = ProvisionFactory(
                school=world.school, name=f"P{index}", measure=world.measure
            )
            run = add_run(world, provision=provision, pupils=[pupil, *pupils(world, 1)])
            placement = Placement.objects.get(run=run, pupil=pupil)
            placement_record_result(
                placement=placement, stage="baseline", value=80, date=dt.date(2025, 9, 10)
            )
        client.force_login(world.senco)
        queries, response = get_counted(client, pupil_url(world, pupil))
        assert response.status_code == 200
        client.logout()
        return queries

    assert count(1) == count(6)


def test_a_pupil_with_nothing_yet(client):
    world = build_world()
    (pupil,) = pupils(world, 1)
    client.force_login(world.senco)
    content = client.get(pupil_url(world, pupil)).content.decode()
    assert "No provision recorded for" in content
    assert "No results recorded." in content


def test_a_past_need_is_history_not_the_primary_need(client, amelia):
    world, pupil = amelia
    PupilNeed.objects.filter(pupil=pupil, need_type="SPLD").update(
        start_date=dt.date(2021, 9, 1), end_date=dt.date(2024, 7, 19)
    )
    PupilNeed.objects.create(
        school=world.school,
        pupil=pupil,
        need_type="SEMH",
        rank=1,
        end_date=dt.date(2023, 3, 31),
    )
    client.force_login(world.senco)
    content = re.sub(r"\s+", " ", client.get(pupil_url(world, pupil)).content.decode())

    primary = content.split('stat__label">Primary need</span>', 1)[1].split("</li>", 1)[0]
    assert "SLCN" in primary and "SPLD" not in primary
    past = content.split("<h3>Past needs</h3>", 1)[1].split("</ul>", 1)[0]
    assert "<strong>SPLD</strong> Specific learning difficulty" in past
    assert "(1 Sep 2021 to 19 Jul 2024)" in past
    assert "(ended 31 Mar 2023)" in past
    # Latest ended first.
    assert past.index("SPLD") < past.index("SEMH")

"""Running the map day to day: the week of those who deliver provision, and the pupils with a
need and no provision in a term."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from provmap.accounts.models import AuditAction, AuditEvent, Role
from provmap.provision import selectors
from provmap.provision.models import Placement, ProvisionRun
from provmap.pupils.models import PupilNeed, Result, SENStatus
from tests.factories import PupilFactory, TermFactory
from tests.web.map_world import World, add_run, build_world, member, pupils

pytestmark = pytest.mark.django_db


@pytest.fixture
def world() -> World:
    return build_world()


# --- A deliverer's week ----------------------------------------------------------------------


def _dates(start: int, end: int) -> dict[str, dt.date]:
    today = timezone.localdate()
    return {
        "start_date": today + dt.timedelta(days=start),
        "end_date": today + dt.timedelta(days=end),
    }


def _place_from_start(run: ProvisionRun) -> None:
    Placement.objects.filter(run=run).update(start_date=run.start_date)


@pytest.fixture
def week(world):
    """A TA's runs: one meeting this week and ending in ten days, one started with an entry
    result for its only pupil; and the SENCO's run the TA does not deliver."""
    ta = member(world.school, Role.TA, staff_member=world.ta_staff)
    ending = add_run(
        world,
        pupils=pupils(world, 2, surname="Ending"),
        label="Group A",
        day_time="Tuesday 10:40",
        withdrawn_from="French",
        **_dates(-20, 10),
    )
    started = add_run(
        world, pupils=pupils(world, 1, surname="Started"), label="Group B", **_dates(-3, 60)
    )
    other = add_run(
        world,
        pupils=pupils(world, 1, surname="Elsewhere"),
        label="Group C",
        staff=[world.senco_staff],
        lead_staff=None,
        **_dates(-3, 60),
    )
    for run in (ending, started, other):
        _place_from_start(run)
    placement = Placement.objects.get(run=started)
    entry = Result.objects.create(
        school=world.school,
        pupil=placement.pupil,
        measure=world.measure,
        date=started.start_date,
        value=Decimal(90),
    )
    Placement.objects.filter(pk=placement.pk).update(baseline=entry)
    return ta, ending, started, other


def test_a_teaching_assistant_is_sent_home_to_their_week(client, world, week):
    ta, *_ = week
    client.force_login(ta)
    assert client.get(reverse("home"))["Location"] == reverse("my_week", args=[world.school.urn])
    client.force_login(world.senco)
    assert client.get(reverse("home"))["Location"] == reverse("term_map", args=[world.school.urn])


def test_the_week_shows_only_their_own_runs_with_time_pupils_and_lesson(client, world, week):
    ta, ending, started, other = week
    client.force_login(ta)
    content = client.get(reverse("my_week", args=[world.school.urn])).content.decode()
    assert "<h1>My groups this week</h1>" in content
    assert str(ending) in content and str(started) in content
    assert str(other) not in content and "Elsewhere" not in content
    assert "Tuesday 10:40" in content and "French" in content
    assert 'aria-current="page">My week<' in content
    event = AuditEvent.objects.get(action=AuditAction.VIEW)
    assert event.listed.count() == 3


def test_results_due_and_pupils_to_record(client, world, week):
    ta, *_ = week
    client.force_login(ta)
    content = client.get(reverse("my_week", args=[world.school.urn])).content.decode()
    # Group A started three weeks ago with no entry results, and ends within two weeks.
    assert "entry results missing for 2 pupils" in content
    assert "exit results missing for 2 pupils" in content
    # Group B has its entry result and ends later: nothing due.
    assert "entry results missing for 1 pupil" not in content
    assert content.count("Entry result in ") == 2 and content.count("Exit result in ") == 2
    assert "Started" not in content.split('id="record-heading"')[1]


def test_the_week_reads_a_fixed_number_of_queries(world, week):
    ta, *_ = week
    from provmap.accounts.permissions import pupil_scope

    scope = pupil_scope(ta, world.school)
    with CaptureQueriesContext(connection) as context:
        found = selectors.deliverer_week(world.school.pk, scope, as_of=timezone.localdate())
        assert found.to_record and found.this_week
    assert len(context.captured_queries) == 2


def test_one_who_delivers_nothing_is_told_so(client, world):
    client.force_login(world.senco)
    content = client.get(reverse("my_week", args=[world.school.urn])).content.decode()
    assert "You do not lead or deliver any run" in content


# --- Pupils with a need and no provision -----------------------------------------------------


@pytest.fixture
def needs(world):
    """On SEN support with a group, on SEN support without, an EHC plan without, no SEN with
    a recorded need, no SEN at all, and an archived leaver on SEN support."""
    provided = PupilFactory(school=world.school, surname="Provided", sen_status="K", nc_year="7")
    support = PupilFactory(school=world.school, surname="Support", sen_status="K", nc_year="7")
    plan = PupilFactory(
        school=world.school, surname="Plan", sen_status="E", nc_year="9", pupil_premium=True
    )
    needing = PupilFactory(school=world.school, surname="Needing", sen_status="N", nc_year="8")
    PupilNeed.objects.create(school=world.school, pupil=needing, need_type="SPLD", rank=1)
    PupilFactory(school=world.school, surname="Nothing", sen_status="N")
    PupilFactory(
        school=world.school, surname="Archived", sen_status="K", archived_at=timezone.now()
    )
    add_run(world, pupils=[provided])
    return provided, support, plan, needing


def unmet_url(world: World, query: str = "") -> str:
    return f"{reverse('unmet_need', args=[world.school.urn])}?term={world.term.pk}{query}"


def names(content: str) -> set[str]:
    return {
        name
        for name in ("Provided", "Support", "Plan", "Needing", "Nothing", "Archived")
        if f">{name}, " in content
    }


def test_pupils_on_the_register_with_no_group_in_the_term_are_listed(client, world, needs):
    client.force_login(world.senco)
    content = client.get(unmet_url(world)).content.decode()
    assert names(content) == {"Support", "Plan"}
    assert "2 pupils with no provision" in content
    assert '<th scope="row">Year 7</th><td class="num">1</td>' in content
    assert AuditEvent.objects.get(action=AuditAction.VIEW).listed.count() == 2


def test_the_filters_narrow_the_list(client, world, needs):
    client.force_login(world.senco)
    assert names(client.get(unmet_url(world, "&need=E")).content.decode()) == {"Plan"}
    assert names(client.get(unmet_url(world, "&nc_year=7")).content.decode()) == {"Support"}
    assert names(client.get(unmet_url(world, "&group=pupil_premium")).content.decode()) == {"Plan"}
    assert names(client.get(unmet_url(world, "&need=any")).content.decode()) == {
        "Support",
        "Plan",
        "Needing",
    }


def test_the_year_filter_offers_only_the_schools_years(client, world, needs):
    client.force_login(world.senco)
    content = client.get(unmet_url(world)).content.decode()
    assert '<option value="7">Year 7</option>' in content
    assert "Nursery 1" not in content and "Reception" not in content


def test_a_need_that_has_ended_is_not_a_need_now(client, world, needs):
    del needs
    ended = PupilFactory(school=world.school, surname="Ended", sen_status="N", nc_year="8")
    PupilNeed.objects.create(
        school=world.school, pupil=ended, need_type="SEMH", rank=1, end_date=dt.date(2024, 7, 19)
    )
    client.force_login(world.senco)
    content = client.get(unmet_url(world, "&need=any")).content.decode()
    assert ">Ended, " not in content
    assert names(content) == {"Support", "Plan", "Needing"}


def test_a_group_in_another_term_is_no_provision_in_this_one(client, world, needs):
    spring = TermFactory(
        academic_year=world.term.academic_year,
        number=2,
        name="Spring",
        start_date=dt.date(2026, 1, 5),
        end_date=dt.date(2026, 3, 27),
    )
    client.force_login(world.senco)
    url = f"{reverse('unmet_need', args=[world.school.urn])}?term={spring.pk}"
    assert "Provided" in names(client.get(url).content.decode())


def test_editors_may_add_each_pupil_to_a_run_of_the_term(client, world, needs):
    _, support, *_ = needs
    run = ProvisionRun.objects.get()
    client.force_login(world.senco)
    content = client.get(unmet_url(world)).content.decode()
    assert (
        f"{reverse('run_detail', args=[world.school.urn, run.pk])}?q={support.upn}#add" in content
    )
    client.force_login(member(world.school, Role.HEAD_OF_YEAR, year_groups="7"))
    content = client.get(unmet_url(world)).content.decode()
    assert names(content) == {"Support"}
    assert "Add to a run" not in content


def test_the_term_map_links_to_the_list(client, world):
    client.force_login(world.senco)
    content = client.get(reverse("term_map", args=[world.school.urn])).content.decode()
    assert f'href="{unmet_url(world)}"' in content


def test_the_list_reads_a_fixed_number_of_queries(world, needs):
    with CaptureQueriesContext(connection) as context:
        found = selectors.pupils_without_provision(
            world.school, world.term, selectors.WholeSchool(), with_runs=True
        )
    assert [pupil.surname for pupil in found.pupils] == ["Plan", "Support"]
    assert found.by_year_group == [("7", "Year 7", 1), ("9", "Year 9", 1)]
    assert len(context.captured_queries) == 3
    assert SENStatus.SUPPORT == "K"

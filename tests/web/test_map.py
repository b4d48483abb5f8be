"""The whole-school term map: filters that combine, htmx updates, totals of what is shown,
and the pupils behind every figure."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from provmap.accounts.models import Role
from provmap.provision.models import Placement, ProvisionArea
from provmap.pupils.models import SENStatus
from provmap.schools.roles import StaffRole
from tests.factories import FundingStreamFactory, ProvisionFactory, StaffMemberFactory
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


def map_url(world: World, query: str = "") -> str:
    return reverse("term_map", args=[world.school.urn]) + (f"?{query}" if query else "")


def pupils_url(world: World, query: str = "") -> str:
    return reverse("map_pupils", args=[world.school.urn]) + (f"?{query}" if query else "")


def run_names(content: str) -> list[str]:
    return re.findall(r'class="run-name" href="[^"]+">([^<]+)</a>', content)


@pytest.fixture
def mapped():
    """Three runs: reading (Year 7, SEN support, pupil premium), social skills (Year 9, no
    SEN, led by a mentor, pupil premium funding) and a wave 3 speech programme (one Year 7
    pupil with an EHC plan, rated green, no funding stream)."""
    world = build_world()
    year7 = pupils(world, 2, nc_year="7", form="7A", sen_status=SENStatus.SUPPORT)
    year7[0].pupil_premium = True
    year7[0].save()
    year9 = pupils(world, 3, nc_year="9", form="9B", sen_status=SENStatus.NONE, sex="M")
    ehc = pupils(world, 1, nc_year="7", form="7C", sen_status=SENStatus.EHC_PLAN)[0]
    reading = add_run(world, pupils=year7, label="Group A")
    mentor = StaffMemberFactory(
        school=world.school, name="Ada Mentor", role=StaffRole.LEARNING_MENTOR
    )
    social = ProvisionFactory(school=world.school, name="Social skills", wave=2)
    ProvisionArea.objects.create(school=world.school, provision=social, area="SEMH")
    premium = FundingStreamFactory(school=world.school, name="Pupil premium", kind="pupil_premium")
    add_run(
        world,
        provision=social,
        pupils=year9,
        staff=[mentor],
        lead_staff=mentor,
        funding_stream=premium,
    )
    speech = ProvisionFactory(school=world.school, name="Speech programme", wave=3)
    speech_run = add_run(
        world, provision=speech, pupils=[ehc], staff=[world.ta_staff], funding_stream=None
    )
    Placement.objects.filter(run=speech_run).update(rating="G")
    return world, reading, mentor, premium


def test_senco_sees_every_run_with_its_figures(client, mapped):
    world, *_ = mapped
    client.force_login(world.senco)
    response = client.get(map_url(world))
    assert response.status_code == 200
    content = response.content.decode()
    assert run_names(content) == ["Reading catch-up", "Social skills", "Speech programme"]
    # The reading group: 2 staff, 2 pupils, 3 x 30 min; SENCO £45 and TA £20 for 10 weeks.
    assert "2:2" in content
    assert "3 x 30 min" in content
    assert "£975.00" in content  # 1.5 h x 10 weeks x (£45 + £20)
    assert 'class="ragb ragb--G" title="Green">G&nbsp;1</abbr>' in content


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("nc_year=7", ["Reading catch-up", "Speech programme"]),
        ("nc_year=7&sen_status=K", ["Reading catch-up"]),
        ("form=9B", ["Social skills"]),
        ("sex=M", ["Social skills"]),
        ("need_type=", ["Reading catch-up", "Social skills", "Speech programme"]),
        ("group=pupil_premium", ["Reading catch-up"]),
        ("group=pupil_premium&nc_year=9", []),
        ("wave=3", ["Speech programme"]),
        ("area=SEMH", ["Social skills"]),
        ("funding=none", ["Speech programme"]),
        ("rating=G", ["Speech programme"]),
        ("rating=none&nc_year=7", ["Reading catch-up"]),
    ],
)
def test_filters_combine(client, mapped, query, expected):
    world, *_ = mapped
    client.force_login(world.senco)
    content = client.get(map_url(world, query)).content.decode()
    assert run_names(content) == expected


def test_filters_by_provision_staff_and_funding_stream(client, mapped):
    world, reading, mentor, premium = mapped
    client.force_login(world.senco)
    by_provision = client.get(map_url(world, f"provision={reading.provision_id}"))
    assert run_names(by_provision.content.decode()) == ["Reading catch-up"]
    by_staff = client.get(map_url(world, f"staff={mentor.pk}"))
    assert run_names(by_staff.content.decode()) == ["Social skills"]
    by_ta = client.get(map_url(world, f"staff={world.ta_staff.pk}"))
    assert run_names(by_ta.content.decode()) == ["Reading catch-up", "Speech programme"]
    by_fund = client.get(map_url(world, f"funding={premium.pk}"))
    assert run_names(by_fund.content.decode()) == ["Social skills"]


def test_filters_offer_only_what_the_term_holds(client, mapped):
    world, *_ = mapped
    ProvisionFactory(school=world.school, name="Never run")
    client.force_login(world.senco)
    content = client.get(map_url(world)).content.decode()
    assert ">Social skills</option>" in content
    assert "Never run" not in content


def test_totals_and_counts_follow_the_filters(client, mapped):
    world, *_ = mapped
    client.force_login(world.senco)
    content = client.get(map_url(world, "nc_year=7")).content.decode()
    assert "Filtered:</strong> 2 of 3 runs" in content
    # Pupils shown: two SEN support, one EHC plan, nobody without SEN.
    assert re.search(r'<abbr title="SEN support">K</abbr> 2<', content)
    assert re.search(r'<abbr title="EHC plan">E</abbr> 1<', content)
    assert re.search(r'<abbr title="No SEN">N</abbr> 0 ', content)
    assert "Share for pupils shown" in content
    assert "Total: 2 runs<" in content


def test_an_unknown_filter_value_is_left_out_and_said(client, mapped):
    world, *_ = mapped
    client.force_login(world.senco)
    response = client.get(map_url(world, "wave=9&nc_year=7"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Some filters were not understood" in content
    assert run_names(content) == ["Reading catch-up", "Speech programme"]


def test_htmx_answers_only_the_region_and_the_same_url_the_whole_page(client, mapped):
    world, *_ = mapped
    client.force_login(world.senco)
    fragment = client.get(map_url(world, "nc_year=9"), **HTMX)
    assert fragment.status_code == 200
    assert "HX-Request" in fragment["Vary"]
    body = fragment.content.decode()
    assert "<html" not in body
    assert run_names(body) == ["Social skills"]
    assert 'id="map-status" hx-swap-oob="innerHTML"' in body
    assert "Showing 1 run and 3 pupils." in body
    whole = client.get(map_url(world, "nc_year=9")).content.decode()
    assert whole.startswith("<!doctype html>")
    assert 'hx-get="' in whole and 'hx-push-url="true"' in whole
    assert run_names(whole) == ["Social skills"]
    # A history restore needs the whole page again.
    restored = client.get(
        map_url(world, "nc_year=9"), HTTP_HX_HISTORY_RESTORE_REQUEST="true", **HTMX
    )
    assert restored.content.decode().startswith("<!doctype html>")


def test_every_figure_links_to_the_pupils_behind_it(client, mapped):
    world, reading, *_ = mapped
    client.force_login(world.senco)
    content = client.get(map_url(world, "nc_year=7")).content.decode()
    term = world.term.pk
    assert (
        f'href="{pupils_url(world, f"nc_year=7&amp;term={term}&amp;run={reading.pk}")}"' in content
    )
    assert (
        f'href="{pupils_url(world, f"nc_year=7&amp;term={term}&amp;run={reading.pk}&amp;sen=K")}"'
        in content
    )
    assert f'href="{pupils_url(world, f"nc_year=7&amp;term={term}&amp;sen=E")}"' in content


def test_the_pupils_behind_a_run_and_a_status(client, mapped):
    world, reading, *_ = mapped
    client.force_login(world.senco)
    response = client.get(pupils_url(world, f"run={reading.pk}"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Pupils in Reading catch-up Group A" in content
    placed = [p.pupil for p in reading.placements.select_related("pupil")]
    for pupil in placed:
        assert reverse("pupil_detail", args=[world.school.urn, pupil.pk]) in content
        assert pupil.upn in content
    assert "2 pupils</caption>" in content
    ehc = client.get(pupils_url(world, "sen=E")).content.decode()
    assert "Pupils on the map: EHC plan" in ehc
    assert "1 pupil</caption>" in ehc
    all_year7 = client.get(pupils_url(world, "nc_year=7")).content.decode()
    assert "3 pupils</caption>" in all_year7
    assert "Year group: Year 7" in all_year7


def test_the_pupils_page_refuses_nonsense(client, mapped):
    world, *_ = mapped
    client.force_login(world.senco)
    assert client.get(pupils_url(world, "sen=X")).status_code == 404
    assert client.get(pupils_url(world, "run=abc")).status_code == 404


def test_head_of_year_sees_and_lists_only_their_pupils(client, mapped):
    world, reading, *_ = mapped
    head = member(world.school, Role.HEAD_OF_YEAR, year_groups="9")
    client.force_login(head)
    content = client.get(map_url(world)).content.decode()
    assert run_names(content) == ["Social skills"]
    listed = client.get(pupils_url(world, f"run={reading.pk}")).content.decode()
    assert "0 pupils</caption>" in listed
    everyone = client.get(pupils_url(world)).content.decode()
    assert "3 pupils</caption>" in everyone


def test_governors_and_parents_are_refused_and_outsiders_not_told(client, mapped):
    world, *_ = mapped
    for user in (member(world.school, Role.GOVERNOR), member(world.school, Role.PARENT)):
        client.force_login(user)
        assert client.get(map_url(world)).status_code == 403
        assert client.get(pupils_url(world)).status_code == 403
    client.force_login(outsider())
    assert client.get(map_url(world)).status_code == 404
    assert client.get(pupils_url(world)).status_code == 404


def _world_with_runs(runs: int, tag: str) -> World:
    world = build_world(name=f"School {tag}")
    for index in range(runs):
        group = pupils(world, 3, nc_year="7", sen_status=SENStatus.SUPPORT, pupil_premium=True)
        run = add_run(world, pupils=group, label=f"G{index}")
        Placement.objects.filter(run=run).update(rating="A")
    return world


@pytest.mark.parametrize(
    "query",
    ["", "nc_year=7&sen_status=K&group=pupil_premium&rating=A", "wave=2&funding=none"],
)
def test_map_query_count_is_fixed(client, query):
    def count(runs: int, extra: dict) -> int:
        world = _world_with_runs(runs, f"{runs}-{len(extra)}")
        client.force_login(world.senco)
        queries, response = get_counted(client, map_url(world, query), **extra)
        assert response.status_code == 200
        client.logout()
        return queries

    assert count(1, {}) == count(6, {})
    assert count(1, HTMX) == count(6, HTMX)


def test_pupils_page_query_count_is_fixed(client):
    def count(runs: int) -> int:
        world = _world_with_runs(runs, f"pupils-{runs}")
        client.force_login(world.senco)
        queries, response = get_counted(client, pupils_url(world, "sen=K"))
        assert response.status_code == 200
        assert f"{runs * 3} pupils</caption>" in response.content.decode()
        client.logout()
        return queries

    assert count(1) == count(6)


def test_share_for_pupils_shown_adds_up_to_the_run_cost(client, mapped):
    world, *_ = mapped
    client.force_login(world.senco)
    content = client.get(map_url(world, "form=7A")).content.decode()
    # Both reading pupils are in 7A: their shares are the whole run's cost.
    assert content.count("£975.00") >= 2


def test_names_and_labels_written_in_python_are_escaped_and_linked(client):
    """The cells built once per row in Python escape what schools typed, as the template
    would, and link each pupil, run and figure as the template's tags do."""
    world = build_world()
    pupil = pupils(world, 1, surname="O'Neil <b>", legal_forename="Ann & Co", nc_year="8")[0]
    staff = StaffMemberFactory(school=world.school, name='Lee "Q" <i>', role=StaffRole.TA)
    run = add_run(world, pupils=[pupil], staff=[staff], day_time="Tues <p.m.>")
    client.force_login(world.senco)
    content = client.get(map_url(world, f"term={world.term.pk}&nc_year=8")).content.decode()
    pupil_link = reverse("pupil_detail", args=[world.school.urn, pupil.pk])
    assert (
        f'<li><a href="{pupil_link}">O&#x27;Neil &lt;b&gt;, Ann &amp; Co</a> '
        f'<span class="muted">Y8 · {pupil.sen_status}</span></li>'
    ) in content
    assert 'title="Lee &quot;Q&quot; &lt;i&gt;, ' in content
    assert "<b>" not in content and "<i>" not in content
    assert f'class="run-name" href="{reverse("run_detail", args=[world.school.urn, run.pk])}"' in (
        content
    )
    figure = pupils_url(world, f"term={world.term.pk}&amp;nc_year=8&amp;run={run.pk}")
    assert f'class="pupil-count" href="{figure}"' in content

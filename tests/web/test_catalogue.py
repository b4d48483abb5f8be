"""The catalogue of provision: list, add, read, change and delete, with clear messages."""

from __future__ import annotations

import re
import zlib
from decimal import Decimal

import pytest
from django.core import signing
from django.db.models import F
from django.test import Client
from django.urls import reverse

from provmap.accounts.models import Role
from provmap.provision.models import Provision, ProvisionArea
from tests.factories import ProvisionFactory
from tests.web.map_world import World, add_run, build_world, get_counted, member, outsider

pytestmark = pytest.mark.django_db


def url(world: World, name: str, provision: Provision | None = None) -> str:
    args = [world.school.urn] + ([provision.pk] if provision else [])
    return reverse(name, args=args)


def read_fields(page: str) -> dict[str, str]:
    """The version of the entry a page showed, and its signed copy of what it showed."""
    return dict(re.findall(r'name="(version|read)" value="([^"]+)"', page))


def valid_data(**changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "name": "Lego therapy",
        "wave": 2,
        "provision_type": "group",
        "description": "Building in threes: engineer, supplier, builder.",
        "areas": ["CI", "SEMH"],
        "default_staff": 1,
        "default_pupils": 3,
        "sessions_per_week": "1",
        "minutes_per_session": 45,
        "usual_weeks": 12,
        "success_criteria": "Fewer playground incidents.",
        "evidence_strand": "Social and emotional learning",
        "evidence_months": 4,
        "active": "on",
    }
    data.update(changes)
    return data


def test_the_catalogue_lists_provision_for_every_map_reader(client):
    world = build_world()
    add_run(world)
    ProvisionFactory(school=world.school, name="Retired group", active=False)
    for user in (world.senco, member(world.school, Role.HEAD_OF_YEAR, year_groups="7")):
        client.force_login(user)
        content = client.get(url(world, "catalogue")).content.decode()
        assert "Reading catch-up" in content
        assert "Not offered" in content
        assert "Reading test" in content
    # Editors get the actions; readers do not.
    assert "Add a provision" not in content
    client.force_login(world.senco)
    content = client.get(url(world, "catalogue")).content.decode()
    assert "Add a provision" in content
    assert f"?provision={world.provision.pk}" in content


def test_governors_parents_and_outsiders_do_not_see_the_catalogue(client):
    world = build_world()
    for role in (Role.GOVERNOR, Role.PARENT):
        client.force_login(member(world.school, role))
        assert client.get(url(world, "catalogue")).status_code == 403
        assert client.get(url(world, "provision_detail", world.provision)).status_code == 403
    client.force_login(outsider())
    assert client.get(url(world, "catalogue")).status_code == 404
    assert client.get(url(world, "provision_detail", world.provision)).status_code == 404


def test_adding_a_provision(client):
    world = build_world()
    client.force_login(world.senco)
    data = valid_data(measure=world.measure.pk, success_gain="2")
    response = client.post(url(world, "provision_new"), data, follow=True)
    provision = Provision.objects.get(name="Lego therapy")
    assert response.redirect_chain[-1][0] == url(world, "provision_detail", provision)
    assert provision.school == world.school
    assert provision.default_ratio == "1:3"
    assert provision.measure == world.measure
    assert provision.success_gain == Decimal("2")
    assert sorted(provision.areas.values_list("area", flat=True)) == ["CI", "SEMH"]
    assert "&#x27;Lego therapy&#x27; is in the catalogue." in response.content.decode()


def test_adding_explains_every_problem(client):
    world = build_world()
    client.force_login(world.senco)
    response = client.post(
        url(world, "provision_new"),
        valid_data(name="Reading catch-up", minutes_per_session=0, wave=""),
    )
    content = response.content.decode()
    assert response.status_code == 200
    assert "There are problems" in content
    assert "This field is required." in content
    assert "Minutes a session must be between 1 and 480 (got 0)." in content
    assert Provision.objects.filter(school=world.school).count() == 1
    duplicate = client.post(url(world, "provision_new"), valid_data(name="Reading catch-up"))
    assert "The catalogue already has a provision called &#x27;Reading catch-up&#x27;." in (
        duplicate.content.decode()
    )


def test_a_measure_of_another_school_is_not_offered(client):
    world = build_world()
    other = build_world(name="Other School")
    client.force_login(world.senco)
    response = client.post(url(world, "provision_new"), valid_data(measure=other.measure.pk))
    assert "Select a valid choice." in response.content.decode()


def test_editing_a_provision_replaces_its_areas(client):
    world = build_world()
    client.force_login(world.senco)
    form = client.get(url(world, "provision_edit", world.provision)).content.decode()
    assert re.search(r'value="CL"[^>]*checked', form)
    assert not re.search(r'value="SEMH"[^>]*checked', form)
    data = valid_data(
        name="Reading catch-up (KS3)", areas=["CI"], measure=world.measure.pk, **read_fields(form)
    )
    response = client.post(url(world, "provision_edit", world.provision), data, follow=True)
    world.provision.refresh_from_db()
    assert world.provision.name == "Reading catch-up (KS3)"
    assert list(world.provision.areas.values_list("area", flat=True)) == ["CI"]
    assert "is saved" in response.content.decode()


def test_deleting_is_refused_once_a_provision_has_runs(client):
    world = build_world()
    add_run(world)
    unused = ProvisionFactory(school=world.school, name="Never run")
    client.force_login(world.senco)
    # Each with the version its page showed.
    refused = client.post(
        url(world, "provision_delete", world.provision), {"version": 1}, follow=True
    )
    assert Provision.objects.filter(pk=world.provision.pk).exists()
    assert "has 1 run on the map, so it cannot be deleted" in refused.content.decode()
    page = client.get(url(world, "provision_detail", unused)).content.decode()
    done = client.post(url(world, "provision_delete", unused), read_fields(page), follow=True)
    assert not Provision.objects.filter(pk=unused.pk).exists()
    assert done.redirect_chain[-1][0] == url(world, "catalogue")
    assert client.get(url(world, "provision_delete", world.provision)).status_code == 405


def test_only_editors_change_the_catalogue(client):
    world = build_world()
    for role in (Role.SENIOR_LEADER, Role.TEACHER, Role.HEAD_OF_YEAR):
        client.force_login(member(world.school, role, year_groups="7"))
        assert client.get(url(world, "provision_new")).status_code == 403
        assert client.get(url(world, "provision_edit", world.provision)).status_code == 403
        assert client.post(url(world, "provision_delete", world.provision)).status_code == 403
    client.force_login(outsider())
    assert (
        client.post(url(world, "provision_edit", world.provision), valid_data()).status_code == 404
    )
    world.provision.refresh_from_db()
    assert world.provision.name == "Reading catch-up"


def test_the_provision_page_lists_its_runs(client):
    world = build_world()
    add_run(world, label="Group A")
    add_run(world, label="Group B")
    client.force_login(world.senco)
    content = client.get(url(world, "provision_detail", world.provision)).content.decode()
    assert "Group A" in content and "Group B" in content
    assert "Standardised score up by 6 or more." in content
    assert "Delete" not in content  # it has runs


@pytest.mark.parametrize("name", ["catalogue", "provision_detail"])
def test_catalogue_query_counts_are_fixed(client, name):
    def count(items: int) -> int:
        world = build_world(name=f"Catalogue {name} {items}")
        for index in range(items):
            provision = ProvisionFactory(school=world.school, name=f"Provision {index}")
            ProvisionArea.objects.create(school=world.school, provision=provision, area="CL")
            add_run(world, provision=world.provision, label=f"Run {index}")
        client.force_login(world.senco)
        target = url(world, name, world.provision if name != "catalogue" else None)
        queries, response = get_counted(client, target)
        assert response.status_code == 200
        client.logout()
        return queries

    assert count(1) == count(6)


def test_absurd_numbers_are_refused_with_their_bounds(client):
    world = build_world()
    client.force_login(world.senco)
    response = client.post(
        url(world, "provision_new"),
        valid_data(
            sessions_per_week="999.9",
            minutes_per_session=32767,
            usual_weeks=999,
            default_pupils=500,
            evidence_months=99,
        ),
    )
    content = response.content.decode()
    assert response.status_code == 200
    for message in (
        "Sessions a week must be between 0.1 and 25 (got 999.9).",
        "Minutes a session must be between 1 and 480 (got 32,767).",
        "Usual length in weeks must be between 1 and 52 (got 999).",
        "Pupils in the usual ratio must be between 1 and 40 (got 500).",
        "Expected months of additional progress must be between -12 and 12 (got 99).",
    ):
        assert message in content
    # The browser is told the bounds too, so most slips never leave the page.
    assert re.search(r'name="sessions_per_week"[^>]*max="25"', content)
    assert Provision.objects.filter(school=world.school).count() == 1


def test_a_success_gain_beyond_the_measures_range_is_refused(client):
    world = build_world()
    client.force_login(world.senco)
    edit = url(world, "provision_edit", world.provision)
    response = client.post(
        edit,
        valid_data(
            name="Reading catch-up",
            measure=world.measure.pk,
            success_gain="600",
            **read_fields(client.get(edit).content.decode()),
        ),
    )
    assert (
        "The gain that meets the success criteria must be between -120 and 120, the width of "
        "Reading test&#x27;s range from 40 to 160 (got 600)." in response.content.decode()
    )
    world.provision.refresh_from_db()
    assert world.provision.success_gain == Decimal("6")


def test_an_edit_someone_else_saved_first_is_refused_and_the_current_entry_shown(client):
    world = build_world()
    client.force_login(world.senco)
    # The entry as valid_data describes it, so that each save below changes one thing.
    Provision.objects.filter(pk=world.provision.pk).update(
        description="Building in threes: engineer, supplier, builder.",
        default_pupils=3,
        minutes_per_session=45,
        usual_weeks=12,
        success_criteria="Fewer playground incidents.",
        evidence_strand="Social and emotional learning",
        evidence_months=4,
    )
    same = {"name": "Reading catch-up", "measure": world.measure.pk, "success_gain": "6"}
    edit = url(world, "provision_edit", world.provision)
    seen = read_fields(client.get(edit).content.decode())
    # A colleague opens the same page and saves first.
    other = Client()
    other.force_login(member(world.school, Role.SEND_ADMIN))
    theirs = valid_data(
        sessions_per_week="4", areas=["CL"], **same, **read_fields(other.get(edit).content.decode())
    )
    assert other.post(edit, theirs).status_code == 302

    mine = valid_data(usual_weeks=20, areas=["CL"], **same, **seen)
    response = client.post(edit, mine)

    content = response.content.decode()
    assert response.status_code == 200
    assert (
        "Someone else changed &#x27;Reading catch-up&#x27; after you opened this page "
        "(sessions a week now 4 (was 3)). Your changes were not saved" in content
    )
    # The form shows the entry as it is now, at its new version, ready to be changed again.
    assert re.search(r'name="sessions_per_week" value="4(\.0)?"', content)
    assert 'name="usual_weeks" value="12"' in content
    assert read_fields(content)["version"] == "2"
    world.provision.refresh_from_db()
    assert (world.provision.sessions_per_week, world.provision.usual_weeks) == (Decimal("4"), 12)


def test_an_edit_without_the_version_it_read_is_refused(client):
    world = build_world()
    client.force_login(world.senco)
    response = client.post(
        url(world, "provision_edit", world.provision),
        valid_data(name="Reading catch-up", usual_weeks=20),
    )
    assert "The page was out of date: open it again and make your changes." in (
        response.content.decode()
    )
    world.provision.refresh_from_db()
    assert world.provision.usual_weeks == 10


def test_a_delete_after_someone_else_changed_the_entry_is_refused(client):
    world = build_world()
    unused = ProvisionFactory(school=world.school, name="Never run")
    client.force_login(world.senco)
    page = client.get(url(world, "provision_detail", unused)).content.decode()
    form = re.search(r'<form method="post" action="[^"]*/delete/">.*?</form>', page, re.S).group(0)
    fields = read_fields(form)
    assert set(fields) == {"version", "read"}
    Provision.objects.filter(pk=unused.pk).update(version=5, usual_weeks=12)

    response = client.post(url(world, "provision_delete", unused), fields, follow=True)

    assert Provision.objects.filter(pk=unused.pk).exists()
    assert response.redirect_chain[-1][0] == url(world, "provision_detail", unused)
    content = response.content.decode()
    assert "Someone else changed &#x27;Never run&#x27; after you opened this page" in content
    assert "It was not deleted" in content
    assert "for 12 weeks" in content


def _unsigned(token: str) -> str:
    """What a signed copy says to anyone who has it: signing is not encryption."""
    payload = token.split(":")[0]
    compressed = payload.startswith(".")
    raw = signing.b64_decode(payload.lstrip(".").encode())
    return (zlib.decompress(raw) if compressed else raw).decode()


def test_an_editor_without_the_finance_right_is_never_sent_the_price(client):
    world = build_world()
    priced = ProvisionFactory(
        school=world.school, name="Speech therapy", cost_basis="per_session", price="987.65"
    )
    administrator = member(world.school, Role.SEND_ADMIN, finance=False)
    client.force_login(administrator)
    edit = url(world, "provision_edit", priced)
    for page in (
        client.get(edit).content.decode(),
        client.get(url(world, "provision_detail", priced)).content.decode(),
    ):
        tokens = re.findall(r'name="read" value="([^"]+)"', page)
        assert tokens
        for text in (page, *(_unsigned(token) for token in tokens)):
            assert "987" not in text
            assert "A price per session" not in text and '"per_session"' not in text
        assert '"price"' not in _unsigned(tokens[0])
    # Someone who sees costs changes the price meanwhile: the refusal does not say to what.
    seen = read_fields(client.get(edit).content.decode())
    Provision.objects.filter(pk=priced.pk).update(
        price=Decimal("1234.50"), version=F("version") + 1
    )
    data = valid_data(name="Speech therapy", **seen)
    content = client.post(edit, data).content.decode()
    assert "Someone else changed &#x27;Speech therapy&#x27;" in content
    assert "other details changed" in content
    assert "1234" not in content and "1,234" not in content and "987" not in content
    # The finance right still sees and is told about the price.
    client.force_login(world.senco)
    assert '"price"' in _unsigned(read_fields(client.get(edit).content.decode())["read"])

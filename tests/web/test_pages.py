"""The first pages: sign-in, home routing, the term map, school figures and a parent's view.

Every page is tried by an allowed user, a user whose role does not reach it, and an outsider
from another school whose data could leak.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from provmap.accounts.models import Membership, Role, User
from provmap.provision import selectors
from provmap.provision.models import ProvisionRun
from provmap.pupils.models import Pupil
from provmap.schools.models import School, StaffMember, Term
from provmap.schools.roles import StaffRole
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    PlacementFactory,
    ProvisionFactory,
    ProvisionRunFactory,
    PupilFactory,
    RunStaffFactory,
    SchoolFactory,
    StaffMemberFactory,
    TermFactory,
    TrustFactory,
    UserFactory,
    totp_code,
)


@dataclass
class MapWorld:
    school: School
    term: Term
    senco: User
    staff: StaffMember


def build_school(*, username: str = "senco") -> MapWorld:
    school = SchoolFactory(name="Oakfield Academy")
    term = TermFactory(academic_year__school=school)
    senco = UserFactory(username=username, first_name="Sam", last_name="Reed")
    MembershipFactory(user=senco, school=school, role=Role.SENCO)
    staff = StaffMemberFactory(
        school=school, name="Sam Reed", role=StaffRole.SENCO, hourly_rate=Decimal("45.50")
    )
    return MapWorld(school=school, term=term, senco=senco, staff=staff)


def build_run(
    world: MapWorld, *, pupils: list[Pupil] | None = None, name: str | None = None
) -> ProvisionRun:
    """A run of 4 x 60 min over 38 weeks led by the SENCO (Kent's 'individual literacy')
    with a TA alongside, and the given pupils placed in it."""
    provision = ProvisionFactory(school=world.school, **({"name": name} if name else {}))
    run = ProvisionRunFactory(
        provision=provision,
        academic_year=world.term.academic_year,
        term=world.term,
        sessions_per_week=Decimal("4"),
        minutes_per_session=60,
        weeks=Decimal("38"),
        lead_staff=world.staff,
        status=ProvisionRun.Status.RUNNING,
    )
    RunStaffFactory(run=run, staff=world.staff)
    RunStaffFactory(
        run=run,
        staff=StaffMemberFactory(school=world.school, role=StaffRole.TA, name="Jo Bloggs"),
    )
    for pupil in (
        pupils if pupils is not None else PupilFactory.create_batch(3, school=world.school)
    ):
        PlacementFactory(run=run, pupil=pupil)
    return run


def map_url(school: School, **query: object) -> str:
    url = reverse("term_map", args=[school.urn])
    if query:
        url += "?" + "&".join(f"{key}={value}" for key, value in query.items())
    return url


def member(school: School, role: str, **extra: object) -> User:
    user = UserFactory()
    MembershipFactory(user=user, school=school, role=role, **extra)
    return user


# --- Sign-in and sign-out ----------------------------------------------------------------


@pytest.mark.django_db
def test_login_page_renders_without_demo_box(client, settings):
    settings.PROVMAP_DEMO = False
    response = client.get(reverse("account_login"))
    assert response.status_code == 200
    content = response.content.decode()
    assert '<h1 id="sign-in-heading">Sign in</h1>' in content
    assert "Demo logins" not in content


@pytest.mark.django_db
def test_login_page_shows_demo_logins_in_the_demo(client, settings):
    settings.PROVMAP_DEMO = True
    content = client.get(reverse("account_login")).content.decode()
    assert "Demo logins" in content
    for username in (
        "senco",
        "admin",
        "teacher",
        "ta",
        "hoy",
        "leader",
        "governor",
        "parent",
        "trust",
    ):
        assert f"<code>{username}</code>" in content
    assert "make run" in content


@pytest.mark.django_db
def test_signing_in_lands_the_senco_on_the_map(client):
    world = build_school()
    response = client.post(reverse("account_login"), {"login": "senco", "password": PASSWORD})
    assert response["Location"] == reverse("mfa_authenticate")
    response = client.post(reverse("mfa_authenticate"), {"code": totp_code()}, follow=True)
    assert response.redirect_chain[-1][0] == map_url(world.school)
    assert response.status_code == 200


@pytest.mark.django_db
def test_wrong_password_is_refused(client):
    build_school()
    response = client.post(reverse("account_login"), {"login": "senco", "password": "wrong"})
    assert response.status_code == 200
    assert "There is a problem" in response.content.decode()
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_anonymous_user_is_sent_to_login(client):
    world = build_school()
    for url in (reverse("home"), map_url(world.school)):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login") + "?next=")


@pytest.mark.django_db
def test_logout_refuses_get_and_accepts_post(client):
    world = build_school()
    client.force_login(world.senco)
    assert client.get(reverse("account_logout")).status_code == 405
    assert "_auth_user_id" in client.session
    response = client.post(reverse("account_logout"))
    assert response.status_code == 302
    assert response["Location"] == reverse("account_login")
    assert "_auth_user_id" not in client.session


# --- Home: routed by role ----------------------------------------------------------------


@pytest.mark.django_db
def test_home_routes_each_role_to_its_page(client):
    world = build_school()
    child = PupilFactory(school=world.school)
    parent = member(world.school, Role.PARENT)
    parent.memberships.get().children.add(child)
    expected = {
        world.senco: map_url(world.school),
        member(world.school, Role.HEAD_OF_YEAR, year_groups="9"): map_url(world.school),
        member(world.school, Role.GOVERNOR): reverse("school_figures", args=[world.school.urn]),
        parent: reverse("my_children", args=[world.school.urn]),
    }
    for user, url in expected.items():
        client.force_login(user)
        response = client.get(reverse("home"))
        assert response.status_code == 302, user
        assert response["Location"] == url


@pytest.mark.django_db
def test_home_lists_the_schools_of_a_trust_leader(client):
    trust = TrustFactory()
    world = build_school()
    School.objects.filter(pk=world.school.pk).update(trust=trust)
    other = SchoolFactory(name="Beech Hill School", trust=trust)
    SchoolFactory(name="Not In The Trust")
    leader = UserFactory()
    Membership.objects.create(user=leader, role=Role.TRUST_LEADER, trust=trust)
    client.force_login(leader)
    response = client.get(reverse("home"))
    assert response.status_code == 200
    content = response.content.decode()
    assert "Oakfield Academy" in content and "Beech Hill School" in content
    assert reverse("school_figures", args=[other.urn]) in content
    assert map_url(other) not in content
    assert "Not In The Trust" not in content


@pytest.mark.django_db
def test_home_without_a_school_explains_what_to_do(client):
    client.force_login(UserFactory())
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "not linked to any school" in response.content.decode()


# --- The term map ------------------------------------------------------------------------


@pytest.mark.django_db
def test_senco_sees_the_run_and_its_cost(client):
    world = build_school()
    run = build_run(world, name="Individual literacy programme")
    client.force_login(world.senco)

    response = client.get(map_url(world.school))

    assert response.status_code == 200
    content = response.content.decode()
    costed = selectors.term_map(world.school, world.term, as_of=timezone.localdate()).runs[0]
    assert costed.run == run
    # SENCO 4 x 1 hour x 38 weeks x £45.50 plus a TA at £20 on the same pattern (Kent 3c).
    assert costed.cost == Decimal("6916.00") + Decimal("3040.00")
    assert "£9,956.00" in content
    assert f"£{costed.cost_to_date:,.2f}" in content
    assert "Individual literacy programme" in content
    assert "4 x 60 min" in content
    assert "2:3" in content
    assert 'title="Sam Reed, SENCO">S</abbr>' in content
    assert 'title="Jo Bloggs, Teaching assistant">TA</abbr>' in content
    for pupil in run.placements.all():
        assert pupil.pupil.surname in content


@pytest.mark.django_db
def test_map_of_another_school_is_not_found(client):
    world = build_school()
    build_run(world)
    outsider = member(SchoolFactory(), Role.SENCO)
    client.force_login(outsider)
    assert client.get(map_url(world.school)).status_code == 404
    assert client.get(reverse("school_figures", args=[world.school.urn])).status_code == 404
    assert client.get(reverse("my_children", args=[world.school.urn])).status_code == 404
    assert client.get(map_url(SchoolFactory.build(urn="999999"))).status_code == 404


@pytest.mark.django_db
def test_map_shows_the_chosen_term_and_refuses_unknown_terms(client):
    world = build_school()
    spring = TermFactory(
        academic_year=world.term.academic_year,
        number=2,
        name="Spring",
        start_date=world.term.end_date.replace(year=2026, month=1, day=5),
        end_date=world.term.end_date.replace(year=2026, month=3, day=27),
    )
    build_run(world, name="Autumn phonics")
    client.force_login(world.senco)

    content = client.get(map_url(world.school, term=spring.pk)).content.decode()
    assert "Provision map: Spring 2025-26" in content
    assert "Autumn phonics" not in content
    assert f'<option value="{world.term.pk}">' in content

    other_term = TermFactory()
    assert client.get(map_url(world.school, term=other_term.pk)).status_code == 404
    assert client.get(map_url(world.school, term="nonsense")).status_code == 404


@pytest.mark.django_db
def test_governor_is_refused_the_map_and_sees_figures_without_pupils(client):
    world = build_school()
    run = build_run(world)
    governor = member(world.school, Role.GOVERNOR)
    client.force_login(governor)

    assert client.get(map_url(world.school)).status_code == 403
    response = client.get(reverse("school_figures", args=[world.school.urn]))

    assert response.status_code == 200
    content = response.content.decode()
    assert "£9,956.00" in content
    assert "Cost by funding stream" in content
    assert "Cost by area of need" in content
    assert "Cost by year group" in content
    for placement in run.placements.select_related("pupil"):
        assert placement.pupil.surname not in content
        assert placement.pupil.legal_forename not in content
        assert placement.pupil.upn not in content


@pytest.mark.django_db
def test_parent_sees_their_childs_provision_and_no_one_else(client):
    world = build_school()
    child, classmate = PupilFactory.create_batch(2, school=world.school)
    run = build_run(world, pupils=[child, classmate], name="Lego therapy")
    parent = member(world.school, Role.PARENT)
    parent.memberships.get().children.add(child)
    client.force_login(parent)

    response = client.get(reverse("my_children", args=[world.school.urn]))

    assert response.status_code == 200
    content = response.content.decode()
    assert child.full_name in content
    assert "Lego therapy" in content
    assert "4 sessions a week of 60 minutes" in content
    assert "Sam Reed (SENCO)" in content
    assert classmate.surname not in content
    assert classmate.upn not in content and child.upn not in content
    assert "£" not in content
    assert client.get(map_url(world.school)).status_code == 403
    assert client.get(reverse("school_figures", args=[world.school.urn])).status_code == 403
    assert run.placements.count() == 2


@pytest.mark.django_db
def test_parent_cannot_see_a_child_of_another_school(client):
    world = build_school()
    elsewhere = PupilFactory(school=SchoolFactory())
    parent = member(world.school, Role.PARENT)
    parent.memberships.get().children.add(elsewhere, PupilFactory(school=world.school))
    client.force_login(parent)
    content = client.get(reverse("my_children", args=[world.school.urn])).content.decode()
    assert elsewhere.surname not in content


@pytest.mark.django_db
def test_head_of_year_sees_only_their_years_runs(client):
    world = build_school()
    year9 = PupilFactory(school=world.school, nc_year="9", surname="Ninth")
    year7 = PupilFactory(school=world.school, nc_year="7", surname="Seventh")
    build_run(world, pupils=[year9, year7], name="Mixed reading group")
    build_run(world, pupils=[PupilFactory(school=world.school, nc_year="7")], name="Year 7 only")
    head = member(world.school, Role.HEAD_OF_YEAR, year_groups="9")
    client.force_login(head)

    response = client.get(map_url(world.school))

    assert response.status_code == 200
    content = response.content.decode()
    assert "Mixed reading group" in content
    assert "Year 7 only" not in content
    assert "Ninth" in content
    assert "Seventh" not in content
    assert "and 1 not in your groups" in content
    # Totals cover what they see: one run, one pupil of theirs.
    assert "Total: 1 run<" in content


@pytest.mark.django_db
def test_teaching_assistant_sees_the_runs_they_deliver(client):
    world = build_school()
    ta_staff = StaffMemberFactory(school=world.school, role=StaffRole.TA, name="Ali Khan")
    theirs = build_run(world, name="Precision teaching")
    RunStaffFactory(run=theirs, staff=ta_staff)
    build_run(world, name="Social skills group")
    ta = member(world.school, Role.TA, staff_member=ta_staff)
    client.force_login(ta)

    content = client.get(map_url(world.school)).content.decode()

    assert "Precision teaching" in content
    assert "Social skills group" not in content


@pytest.mark.django_db
@pytest.mark.parametrize("role", [Role.SENCO, Role.HEAD_OF_YEAR])
def test_map_query_count_does_not_grow_with_the_map(client, role):
    def queries_for(runs: int) -> int:
        world = build_school(username=f"senco-{runs}")
        for _ in range(runs):
            pupils = PupilFactory.create_batch(4, school=world.school, nc_year="9")
            build_run(world, pupils=pupils)
        user = member(world.school, role, year_groups="9") if role != Role.SENCO else world.senco
        client.force_login(user)
        with CaptureQueriesContext(connection) as context:
            response = client.get(map_url(world.school))
        assert response.status_code == 200
        assert response.content.decode().count('<tr class="map-row">') == runs
        client.logout()
        return len(context.captured_queries)

    assert queries_for(1) == queries_for(5)


@pytest.mark.django_db
def test_figures_query_count_does_not_grow_with_the_map(client):
    def queries_for(runs: int) -> int:
        world = build_school(username=f"senco-{runs}")
        for _ in range(runs):
            build_run(world)
        client.force_login(member(world.school, Role.GOVERNOR))
        with CaptureQueriesContext(connection) as context:
            assert client.get(reverse("school_figures", args=[world.school.urn])).status_code == 200
        return len(context.captured_queries)

    assert queries_for(1) == queries_for(5)


@pytest.mark.django_db
def test_parent_page_query_count_does_not_grow_with_provision(client):
    def queries_for(runs: int) -> int:
        world = build_school(username=f"senco-{runs}")
        child = PupilFactory(school=world.school)
        for _ in range(runs):
            build_run(world, pupils=[child, PupilFactory(school=world.school)])
        parent = member(world.school, Role.PARENT)
        parent.memberships.get().children.add(child)
        client.force_login(parent)
        with CaptureQueriesContext(connection) as context:
            response = client.get(reverse("my_children", args=[world.school.urn]))
        assert response.status_code == 200
        assert response.content.decode().count('class="card provision-card"') == runs
        return len(context.captured_queries)

    assert queries_for(1) == queries_for(3)

"""The access matrix: every URL in the URLconf x every role x every target, with the exact
answer each cell must give.

The URLs come from walking the URLconf, so a new page cannot escape: a URL without an entry
in provmap.accounts.policies fails `test_every_url_has_a_policy` and its own matrix test.
The expected answer is worked out here from the URL's policy and the spec below of which
roles each rule admits and which pupils each role sees; the application decides the same
thing from memberships (provmap.accounts.permissions). The two must agree in every cell.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from provmap.accounts.models import Membership, Role
from provmap.accounts.policies import POLICIES, Outcome, Policy, Rule
from provmap.interchange.models import ImportJob
from provmap.outcomes.models import Review, SupportPlan, Target
from provmap.planning.models import Plan
from provmap.provision.models import Placement, Provision, ProvisionRun, RunSession
from provmap.pupils.models import Pupil
from tests.accounts.world import (
    ANONYMOUS,
    ANOTHER_CHILD,
    OTHER_TRUST,
    OWN_CHILD,
    OWN_SCHOOL,
    PUPIL_TARGETS,
    ROLES,
    SCHOOL_TARGETS,
    SISTER_SCHOOL,
    World,
    build_world,
)

# URL patterns that belong to the framework rather than to provmap: none so far (static
# files are served by whitenoise before the URLconf; there is no admin).
FRAMEWORK_URLS: frozenset[str] = frozenset()


@dataclass(frozen=True)
class Route:
    route: str
    name: str | None
    kwargs: tuple[str, ...]


def _walk(patterns: list, prefix: str = "", kwargs: tuple[str, ...] = ()) -> Iterator[Route]:
    for entry in patterns:
        names = kwargs + tuple(entry.pattern.regex.groupindex)
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry.url_patterns, route, names)
        elif isinstance(entry, URLPattern):
            yield Route(route, entry.name, names)


def all_routes() -> list[Route]:
    return [
        route for route in _walk(get_resolver().url_patterns) if route.name not in FRAMEWORK_URLS
    ]


# --- The spec: which roles each rule admits, which pupils each role sees ------------------

WHOLE_SCHOOL = {Role.SENCO, Role.SEND_ADMIN, Role.SENIOR_LEADER, Role.PUPIL_PREMIUM_LEAD}
DELIVERERS = {Role.TEACHER, Role.TA, Role.LEARNING_MENTOR}
TRUST_PUPILS = "trust_leader_pupils"
TRUST_ROLES = {Role.TRUST_LEADER, TRUST_PUPILS}

ADMITS: dict[Rule, set[str]] = {
    Rule.SCHOOL_MAP: WHOLE_SCHOOL | DELIVERERS | {Role.HEAD_OF_YEAR, TRUST_PUPILS},
    Rule.PUPIL_READ: WHOLE_SCHOOL | DELIVERERS | {Role.HEAD_OF_YEAR, TRUST_PUPILS},
    Rule.PLAN_READ: WHOLE_SCHOOL | {Role.HEAD_OF_YEAR, TRUST_PUPILS},
    Rule.SCHOOL_FIGURES: WHOLE_SCHOOL | TRUST_ROLES | {Role.HEAD_OF_YEAR, Role.GOVERNOR},
    Rule.PARENT_CHILD: {Role.PARENT},
    Rule.SCHOOL_EDIT: {Role.SENCO, Role.SEND_ADMIN},
    Rule.SENCO: {Role.SENCO},
}


def reaches_school(role: str, target: str) -> bool:
    """Every role is held in the own school; trust leaders reach the sister school too."""
    if target == OTHER_TRUST:
        return False
    if target == SISTER_SCHOOL:
        return role in TRUST_ROLES
    return True


def sees_pupil(role: str, target: str) -> bool:
    """The world's pupils: `own school` and `own child` are Year 9 pupils in the run the
    deliverers run; `another child` is in Year 7 and in no run."""
    if role in WHOLE_SCHOOL or role == TRUST_PUPILS:
        return True
    if role == Role.HEAD_OF_YEAR or role in DELIVERERS:
        return target in (OWN_SCHOOL, OWN_CHILD)
    if role == Role.PARENT:
        return target == OWN_CHILD
    return False


# Pages of a background export: only the user who asked for it finds it.
ASKERS_ONLY = frozenset({"export_job", "export_job_download"})


def expected(
    name: str, policy: Policy, role: str, target: str | None, *, names_pupil: bool
) -> Outcome:
    if role == ANONYMOUS:
        if policy.rule in (Rule.PUBLIC, Rule.GUEST):
            return policy.anonymous_get or policy.on_get
        return Outcome.LOGIN
    if name == "home" and role in TRUST_ROLES:
        # Home sends a user with one school straight to it; trust leaders have two.
        return Outcome.OK
    if policy.rule == Rule.TRUST:
        # The users' own trust: its leaders open it; to anyone else it does not exist.
        return policy.on_get if role in TRUST_ROLES else Outcome.NOT_FOUND
    if not policy.school_scoped:
        return policy.on_get
    assert target is not None
    if not reaches_school(role, target):
        return Outcome.NOT_FOUND
    if role not in ADMITS[policy.rule]:
        return Outcome.FORBIDDEN
    if name in ASKERS_ONLY:
        # The world's export was asked for by none of its users: to each it does not exist.
        return Outcome.NOT_FOUND
    if names_pupil:
        if policy.rule == Rule.SENCO:
            visible = True  # any pupil of the school, archived ones too
        elif policy.rule == Rule.PARENT_CHILD:
            visible = role == Role.PARENT and target == OWN_CHILD
        else:
            visible = sees_pupil(role, target)
        if not visible:
            return Outcome.NOT_FOUND
    return policy.on_get


def outcome_of(response) -> Outcome | str:
    if response.status_code in (301, 302):
        location = response["Location"].split("?")[0]
        return Outcome.LOGIN if location == reverse("account_login") else Outcome.REDIRECT
    try:
        return Outcome(str(response.status_code))
    except ValueError:
        return str(response.status_code)


# --- The tests ------------------------------------------------------------------------------


def test_every_url_has_a_policy():
    routes = all_routes()
    unnamed = [route.route for route in routes if not route.name]
    uncovered = sorted(
        {route.name for route in routes if route.name and route.name not in POLICIES}
    )
    stale = sorted(set(POLICIES) - {route.name for route in routes})
    assert unnamed == [], "every URL needs a name, so that it can have a policy"
    assert uncovered == [], "give these URLs an entry in provmap.accounts.policies.POLICIES"
    assert stale == [], "these policies name URLs that no longer exist"


def _matrix_routes() -> list[Route]:
    seen: set[str] = set()
    unique = []
    for route in all_routes():
        if route.name and route.name not in seen:
            seen.add(route.name)
            unique.append(route)
    return unique


@pytest.mark.django_db
@pytest.mark.parametrize("route", _matrix_routes(), ids=lambda route: route.name)
def test_access_matrix(route: Route):
    policy = POLICIES.get(route.name)
    if policy is None:
        pytest.fail(f"{route.name} ({route.route}) has no access policy")
    world: World = build_world()
    names_pupil = "pupil_id" in route.kwargs
    if names_pupil:
        targets: tuple[str | None, ...] = PUPIL_TARGETS
    elif "urn" in route.kwargs:
        targets = SCHOOL_TARGETS
    else:
        targets = (None,)

    wrong = []
    for role in ROLES:
        client = Client()
        if role != ANONYMOUS:
            client.force_login(world.users[role])
        for target in targets:
            kwargs = world.url_kwargs(list(route.kwargs), target or OWN_SCHOOL)
            url = reverse(route.name, kwargs=kwargs)
            want = expected(route.name, policy, role, target, names_pupil=names_pupil)
            got = outcome_of(client.get(url))
            if got != want:
                wrong.append(f"{role:20} {target or '-':28} expected {want}, got {got}")
    assert wrong == [], f"{route.name} {route.route}:\n" + "\n".join(wrong)


def test_targets_cover_the_five_kinds_of_data():
    assert set(PUPIL_TARGETS) == {
        OWN_SCHOOL,
        SISTER_SCHOOL,
        OTHER_TRUST,
        OWN_CHILD,
        ANOTHER_CHILD,
    }


@pytest.mark.django_db
def test_roles_in_several_schools_are_each_kept_to_their_school(client):
    """The SENCO of one school who is a parent at another: the map at the first, only their
    child at the second, nothing at a third."""
    world = build_world()
    user = world.users[Role.SENCO]
    sister = world.sister.school
    parent = Membership.objects.create(user=user, role=Role.PARENT, school=sister)
    parent.children.add(world.sister.pupil)
    client.force_login(user)

    def status(name: str, school) -> int:
        return client.get(reverse(name, args=[school.urn])).status_code

    assert status("term_map", world.own.school) == 200
    assert status("audit_log", world.own.school) == 200
    assert status("term_map", sister) == 403
    assert status("audit_log", sister) == 403
    assert status("my_children", sister) == 200
    assert status("term_map", world.other.school) == 404
    pupil_page = reverse("pupil_data", args=[sister.urn, world.sister.pupil.pk])
    assert client.get(pupil_page).status_code == 403


# --- Object ids: another school's id under the user's own school's URL --------------------

# URL keyword arguments that name one object of a school.
OBJECT_KWARGS = (
    "pupil_id",
    "run_id",
    "placement_id",
    "provision_id",
    "job_id",
    "export_id",
    "membership_id",
    "plan_id",
    "proposal_id",
    "review_id",
    "target_id",
    "session_id",
)
# One user for each rule, holding it in the own school (the SENCO holds all but a parent's).
HOLDER_OF = {
    Rule.SCHOOL_MAP: (Role.SENCO, Role.TEACHER, Role.HEAD_OF_YEAR, TRUST_PUPILS),
    Rule.PUPIL_READ: (Role.SENCO, Role.TA, Role.HEAD_OF_YEAR, TRUST_PUPILS),
    Rule.PLAN_READ: (Role.SENCO, Role.HEAD_OF_YEAR, TRUST_PUPILS),
    Rule.SCHOOL_FIGURES: (Role.SENCO, Role.GOVERNOR, Role.TRUST_LEADER),
    Rule.PARENT_CHILD: (Role.PARENT,),
    Rule.SCHOOL_EDIT: (Role.SENCO, Role.SEND_ADMIN),
    Rule.SENCO: (Role.SENCO,),
}


def _object_routes() -> list[Route]:
    return [
        route
        for route in _matrix_routes()
        if "urn" in route.kwargs and any(name in route.kwargs for name in OBJECT_KWARGS)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("route", _object_routes(), ids=lambda route: route.name)
def test_an_id_of_another_school_under_the_own_schools_url_is_not_found(route: Route):
    """Each object id of the URL in turn is taken from the sister school (of the same trust,
    which trust leaders also reach) and from a school of another trust, the rest from the
    user's own school: the page is not found, by GET or, for actions, by POST (an action may
    instead send the user back saying the object is gone, having changed nothing)."""
    policy = POLICIES[route.name]
    world = build_world()
    method = "post" if policy.on_get == Outcome.NOT_ALLOWED else "get"
    refused = {404, 302} if method == "post" else {404}
    before = _other_schools_rows(world)
    wrong = []
    for role in HOLDER_OF[policy.rule]:
        client = Client()
        client.force_login(world.users[role])
        own = world.url_kwargs(list(route.kwargs), OWN_CHILD)
        for name in (kwarg for kwarg in route.kwargs if kwarg in OBJECT_KWARGS):
            for foreign in (SISTER_SCHOOL, OTHER_TRUST):
                kwargs = {**own, name: world.url_kwargs([name], foreign)[name]}
                response = getattr(client, method)(reverse(route.name, kwargs=kwargs))
                if response.status_code not in refused:
                    wrong.append(f"{role:20} {name} of {foreign}: {response.status_code}")
    assert wrong == [], f"{route.name} {route.route}:\n" + "\n".join(wrong)
    assert _other_schools_rows(world) == before


def _other_schools_rows(world: World) -> list[tuple]:
    """Every row an action could change in the two other schools."""
    schools = [world.sister.school, world.other.school]
    return [
        *Placement.objects.filter(school__in=schools).order_by("pk").values_list(),
        *ProvisionRun.objects.filter(school__in=schools).order_by("pk").values_list(),
        *Provision.objects.filter(school__in=schools).order_by("pk").values_list(),
        *ImportJob.objects.filter(school__in=schools)
        .order_by("pk")
        .values_list("pk", "status", "task"),
        *Pupil.objects.filter(school__in=schools).order_by("pk").values_list(),
        *Membership.objects.filter(school__in=schools).order_by("pk").values_list(),
        *SupportPlan.objects.filter(school__in=schools).order_by("pk").values_list(),
        *Target.objects.filter(school__in=schools).order_by("pk").values_list(),
        *Review.objects.filter(school__in=schools).order_by("pk").values_list(),
        *RunSession.objects.filter(school__in=schools).order_by("pk").values_list(),
        *Plan.objects.filter(school__in=schools).order_by("pk").values_list(),
    ]

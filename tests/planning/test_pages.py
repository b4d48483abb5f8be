"""The planner's pages: make a plan, look it over, edit, accept, compare; for editors only."""

from __future__ import annotations

import pytest
from django.urls import reverse

from provmap.accounts.models import AuditAction, AuditEvent, Role
from provmap.planning.models import Plan, PlanPlace
from provmap.provision.models import Placement, ProvisionRun
from tests.planning.test_planner import planning_world
from tests.web.map_world import HTMX, get_counted, member, outsider

pytestmark = pytest.mark.django_db


def url(world, name: str, *args: object) -> str:
    return reverse(name, args=[world.school.urn, *args])


def planner_url(world) -> str:
    return url(world, "planner") + f"?term={world.term.pk}"


def test_the_senco_makes_looks_over_edits_and_accepts_a_plan(client):
    world, _kind, children = planning_world()
    client.force_login(world.senco)
    page = client.get(planner_url(world)).content.decode()
    assert "Plan Spring 2025-26" in page
    assert "No plans for this term yet." in page
    response = client.post(planner_url(world), {"name": "Full", "share": "100"})
    plan = Plan.objects.get(name="Full")
    assert response.status_code == 302
    assert response["Location"] == url(world, "plan_detail", plan.pk)
    detail = client.get(url(world, "plan_detail", plan.pk)).content.decode()
    assert "Lexia for structured literacy" in detail
    assert "Lexia is the best-evidenced (+5 months)" in detail
    assert "Must needs met: 3 of 3." in detail
    assert "Could needs met: 2 of 2." in detail
    assert children[0].full_name in detail
    assert AuditEvent.objects.filter(action=AuditAction.VIEW, object_id=str(plan.pk)).exists()

    place = PlanPlace.objects.filter(plan_run__plan=plan, level="could").first()
    client.post(
        url(world, "plan_detail", plan.pk),
        {"action": "remove_place", "place": place.pk, "version": plan.version},
    )
    plan.refresh_from_db()
    detail = client.get(url(world, "plan_detail", plan.pk)).content.decode()
    assert "Could needs met: 1 of 2." in detail
    assert "Taken out of the plan by hand." in detail

    response = client.post(
        url(world, "plan_detail", plan.pk), {"action": "accept", "version": plan.version}
    )
    plan.refresh_from_db()
    assert plan.status == Plan.Status.ACCEPTED
    runs = ProvisionRun.objects.filter(term=world.term, status=ProvisionRun.Status.PLANNED)
    assert Placement.objects.filter(run__in=runs).count() == 4
    accepted = client.get(url(world, "plan_detail", plan.pk)).content.decode()
    assert url(world, "run_detail", runs.first().pk) in accepted
    assert "Take out" not in accepted
    again = client.post(
        url(world, "plan_detail", plan.pk),
        {"action": "accept", "version": plan.version},
        follow=True,
    ).content.decode()
    assert "was accepted already" in again
    assert Placement.objects.filter(run__in=runs).count() == 4


def test_an_htmx_request_is_sent_to_the_plan_and_errors_stay_on_the_form(client):
    world, _kind, _children = planning_world()
    client.force_login(world.senco)
    response = client.post(planner_url(world), {"name": "Quick", "share": "100"}, **HTMX)
    plan = Plan.objects.get(name="Quick")
    assert response["HX-Redirect"] == url(world, "plan_detail", plan.pk)
    refused = client.post(planner_url(world), {"name": "", "share": "5"}, **HTMX)
    assert "Ensure this value is greater than or equal to 10" in refused.content.decode()
    assert "<html" not in refused.content.decode()


def test_comparing_a_full_and_a_cut_budget(client):
    from decimal import Decimal

    from provmap.planning import planner
    from provmap.schools.models import FundingBudget

    world, _kind, _children = planning_world()
    FundingBudget.objects.create(
        school=world.school,
        stream=world.fund,
        academic_year=world.term.academic_year,
        amount=Decimal("600"),
    )
    full = planner.plan_make(school=world.school, term=world.term, name="Full budget")
    cut = planner.plan_make(school=world.school, term=world.term, name="Cut", share=Decimal("0.9"))
    client.force_login(world.senco)
    page = client.get(url(world, "plans_compare") + f"?a={full.pk}&b={cut.pk}").content.decode()
    assert "Unmet in “Full budget” but met in “Cut” (0)" in page
    assert "Unmet in “Cut” but met in “Full budget” (2)" in page
    assert "Not enough budget left for another group." in page
    assert client.get(url(world, "plans_compare")).status_code == 200
    assert client.get(url(world, "plans_compare") + "?a=999999&b=1").status_code == 404


def test_teachers_governors_and_other_schools_are_refused(client):
    world, _kind, _children = planning_world()
    from provmap.planning import planner

    plan = planner.plan_make(school=world.school, term=world.term, name="Private")
    for user in (
        member(world.school, Role.TEACHER),
        member(world.school, Role.GOVERNOR),
        outsider(),
    ):
        client.force_login(user)
        for address in (
            planner_url(world),
            url(world, "plan_detail", plan.pk),
            url(world, "plans_compare") + f"?a={plan.pk}&b={plan.pk}",
        ):
            response = client.get(address)
            assert response.status_code in (403, 404), address
            assert "Private" not in response.content.decode()
        response = client.post(url(world, "plan_detail", plan.pk), {"action": "accept"})
        assert response.status_code in (403, 404)
    plan.refresh_from_db()
    assert plan.status == Plan.Status.DRAFT


def test_a_school_with_no_next_term_is_told_so(client):
    world, _kind, _children = planning_world()
    client.force_login(world.senco)
    # Today is after the world's last term (spring 2026): there is no term after it.
    page = client.get(url(world, "planner")).content.decode()
    assert "The school has no term after this one yet." in page


def test_the_plan_page_costs_the_same_queries_whatever_its_size(client):
    from provmap.planning import planner
    from tests.web.map_world import pupils

    world, kind, _children = planning_world()
    small = planner.plan_make(school=world.school, term=world.term, name="Small")
    audit = kind.cells.first().audit
    for pupil in pupils(world, 12):
        audit.cells.create(school=world.school, pupil=pupil, kind=kind, level="should")
    big = planner.plan_make(school=world.school, term=world.term, name="Big")
    assert PlanPlace.objects.filter(plan_run__plan=big).count() > 10
    client.force_login(world.senco)
    few, _ = get_counted(client, url(world, "plan_detail", small.pk))
    many, response = get_counted(client, url(world, "plan_detail", big.pk))
    assert response.status_code == 200
    assert few == many, (few, many)
    # Session, user and access; the plan, its runs, places, kinds and unmet pupils; the
    # year's budget (its runs' costs totalled by the database); the audit event and its pupils.
    assert many == 19

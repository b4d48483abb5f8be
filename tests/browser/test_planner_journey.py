"""The SENCO plans next term with the planner, from the browser.

Make a plan within the whole budget (the page shows it is working, then opens the plan),
look over its groups and why each was chosen, take a pupil out, make a second plan with the
budget cut, compare the two, and accept the first into planned runs. Every page is checked
with axe-core.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from provmap.planning.models import Plan
from provmap.provision.models import Placement, ProvisionRun
from provmap.schools.models import FundingBudget
from tests.browser.checks import check_accessibility, screenshot
from tests.browser.signin import sign_in
from tests.planning.test_planner import planning_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_senco_plans_next_term(live_server, page: Page):
    world, _kind, children = planning_world()
    FundingBudget.objects.create(
        school=world.school,
        stream=world.fund,
        academic_year=world.term.academic_year,
        amount=Decimal("600"),
    )
    base = live_server.url
    sign_in(page, base, world.senco.username)
    page.goto(f"{base}/school/{world.school.urn}/planning/planner/?term={world.term.pk}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Plan Spring 2025-26")
    check_accessibility(page, "planner")
    page.get_by_label("Name of the plan").fill("Full budget")
    page.get_by_role("button", name="Make the plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Full budget")
    expect(page.locator("main")).to_contain_text("Must needs met: 3 of 3.")
    expect(page.locator("main")).to_contain_text("Lexia is the best-evidenced (+5 months)")
    check_accessibility(page, "a plan")
    screenshot(page, "planner-plan.png")

    # The factories number pupils across the whole run of tests: take out the last by name.
    page.get_by_role("button", name=f"Take out {children[-1].full_name}").first.click()
    expect(page.locator(".messages")).to_contain_text("is taken out of the plan")
    expect(page.locator("main")).to_contain_text("Taken out of the plan by hand.")

    # A second plan with the budget cut to half: the coulds go unmet.
    page.get_by_role("link", name="Back to the planner").click()
    page.get_by_label("Name of the plan").fill("Half budget")
    page.get_by_label("Share of the budget to plan within (%)").fill("50")
    page.get_by_role("button", name="Make the plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Half budget")
    page.get_by_role("link", name="Back to the planner").click()
    page.get_by_role("link", name="Compare the last two plans").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Compare two plans")
    expect(page.locator("main")).to_contain_text("Not enough budget left for another group.")
    check_accessibility(page, "two plans compared")
    screenshot(page, "planner-compare.png")

    full = Plan.objects.get(name="Full budget")
    page.goto(f"{base}/school/{world.school.urn}/planning/plans/{full.pk}/")
    page.get_by_role("button", name="Accept: make these planned runs").click()
    expect(page.locator(".messages")).to_contain_text("is accepted")
    runs = ProvisionRun.objects.filter(term=world.term, status=ProvisionRun.Status.PLANNED)
    assert runs.count() >= 1
    assert Placement.objects.filter(run__in=runs).count() == 4
    check_accessibility(page, "an accepted plan")

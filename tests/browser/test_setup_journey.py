"""A SENCO sets a new school up in the browser: signed in, they land on the set-up
checklist; they add this school year with its usual terms, a rate for teaching assistants,
a member of staff, a funding stream with its budget, and see the budget page. Every page is
checked with axe-core."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from provmap.accounts.models import Role
from provmap.schools.models import AcademicYear, FundingBudget, RoleRate, StaffMember, Term
from tests.browser.checks import check_accessibility, screenshot
from tests.browser.signin import sign_in
from tests.factories import MembershipFactory, SchoolFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_senco_sets_the_school_up(live_server, page: Page):
    school = SchoolFactory(name="Brookside Primary", urn="138001")
    MembershipFactory(user=UserFactory(username="senco"), school=school, role=Role.SENCO)
    sign_in(page, live_server.url, "senco")

    # No school year yet: the set-up checklist first.
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up Brookside Primary")
    check_accessibility(page, "set-up")
    screenshot(page, "setup.png")

    page.get_by_role("link", name="School years and terms").click()
    page.get_by_role("link", name="Add a school year").click()
    check_accessibility(page, "new year")
    year_name = page.get_by_label("Name").input_value()
    page.get_by_label("The usual three terms").check()
    page.get_by_role("button", name="Add the year").click()
    expect(page.get_by_role("status")).to_contain_text(f"{year_name} is added with 3 terms.")
    check_accessibility(page, "year")
    year = AcademicYear.objects.get(school=school)
    assert Term.objects.filter(academic_year=year).count() == 3

    page.get_by_role("link", name="Set-up", exact=True).click()
    page.get_by_role("link", name="Rates by role").click()
    check_accessibility(page, "rates")
    page.get_by_role("link", name="Set a rate for Teaching assistant").click()
    page.get_by_label("Hourly rate (£)").fill("21.50")
    page.get_by_role("button", name="Save the rate").click()
    expect(page.get_by_role("status")).to_contain_text("The rate for Teaching assistant is saved.")
    assert RoleRate.objects.get(school=school).hourly_rate == 21.5
    # The local authority's published rates, pasted: previewed, then set at once.
    page.get_by_role("link", name="Take the local authority's rates").click()
    page.get_by_label("Rates, one role a line").fill("Role,Hourly rate\nTA,21.50\nLSA,19.75")
    page.get_by_role("button", name="Check the list").click()
    expect(page.get_by_role("row", name=re.compile("Learning support assistant"))).to_contain_text(
        "Set"
    )
    check_accessibility(page, "rates preview")
    page.get_by_role("button", name="Set these rates").click()
    expect(page.get_by_role("status")).to_contain_text("1 rate set from the list.")
    assert RoleRate.objects.get(school=school, role="lsa").hourly_rate == Decimal("19.75")

    page.get_by_role("link", name="Set-up", exact=True).click()
    page.get_by_role("link", name="Staff", exact=True).last.click()
    page.get_by_role("link", name="Add a member of staff").click()
    check_accessibility(page, "new member of staff")
    page.get_by_label("Name").fill("Dan Evans")
    page.get_by_label("Role").select_option(label="Teaching assistant")
    page.get_by_label("Contracted hours a week").fill("32.5")
    page.get_by_role("button", name="Add to the staff").click()
    expect(page.get_by_role("status")).to_contain_text("Dan Evans is added to the staff.")
    expect(page.get_by_role("row", name=re.compile("Dan Evans"))).to_contain_text("£21.50")
    check_accessibility(page, "staff")
    assert StaffMember.objects.get(school=school).hourly_rate is None

    page.get_by_role("link", name="Set-up", exact=True).click()
    page.get_by_role("link", name="Funding streams and budgets").click()
    page.get_by_role("link", name="Add a funding stream").click()
    page.get_by_label("Name").fill("Notional SEN budget")
    page.get_by_label("Kind").select_option(label="Notional SEN budget")
    page.get_by_role("button", name="Add the stream").click()
    check_accessibility(page, "funding stream")
    page.get_by_label("Budget (£)").fill("12000")
    page.get_by_role("button", name="Save the budget").click()
    expect(page.get_by_role("status")).to_contain_text("is saved")
    assert FundingBudget.objects.get(school=school).amount == 12000
    screenshot(page, "setup-stream.png")

    page.get_by_role("link", name="Back to funding streams").click()
    page.get_by_role("link", name="See the budget against spending").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Budget {year_name}")
    expect(page.get_by_role("row", name=re.compile("Notional SEN budget"))).to_contain_text(
        "£12,000.00"
    )
    expect(page.get_by_role("img", name=re.compile("Funding streams in"))).to_be_visible()
    check_accessibility(page, "budget")
    screenshot(page, "budget.png")

"""The SENCO records that a provision is bought in at a price, and its run is costed at it.

The catalogue form (with its error summary), the provision's page and the run's page are
checked with axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from provmap.provision.models import Provision, ProvisionRun
from tests.browser.checks import check_accessibility, screenshot
from tests.browser.signin import sign_in
from tests.browser.test_map_journey import school_now, stat

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_senco_prices_a_bought_in_service(live_server, page: Page):
    school = school_now()
    base = live_server.url
    social = Provision.objects.get(school=school, name="Social skills group")
    run = ProvisionRun.objects.get(provision=social)
    sign_in(page, base, "senco")

    page.goto(f"{base}/school/{school.urn}/provisions/{social.pk}/edit/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit Social skills group")
    page.get_by_label("How it is costed").select_option(label="A price per session")
    page.get_by_role("button", name="Save changes").click()
    # No price given: the summary says so and links to the field.
    summary = page.locator("#provision-errors")
    expect(summary).to_contain_text("Give the price")
    check_accessibility(page, "catalogue entry, price missing")
    page.get_by_label("Price (£)").fill("40")
    screenshot(page, "provision-priced.png")
    page.get_by_role("button", name="Save changes").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Social skills group")
    expect(page.locator(".facts").first).to_contain_text("£40 a session")
    check_accessibility(page, "priced provision")

    # 3 sessions a week for 10 weeks at £40 (£1,200), and the school's own mentor,
    # 1.5 hours a week x £22 x 10 weeks (£330).
    page.goto(f"{base}/school/{school.urn}/runs/{run.pk}/")
    assert stat(page, "Planned cost") == "£1,530.00"
    expect(page.get_by_role("row", name="Bought-in service")).to_contain_text("£1,200.00")
    check_accessibility(page, "run of a bought-in service")

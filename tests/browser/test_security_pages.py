"""A new SENCO's first sign-in in a real browser: two-factor set-up, recovery codes, then the
audit trail and the data-protection pages. Each page is checked with axe-core and against
the Content Security Policy (see conftest); screenshots go to test-results/screenshots/."""

from __future__ import annotations

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from provmap.accounts.models import Role
from tests.browser.checks import SCREENSHOTS
from tests.factories import (
    PASSWORD,
    MembershipFactory,
    PupilFactory,
    SchoolFactory,
    UserFactory,
    totp_code,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def check_page(page: Page, name: str, screenshot: str | None = None) -> None:
    results = Axe().run(page)
    blocking = [
        f"{violation['id']}: {[node['target'] for node in violation['nodes']]}"
        for violation in results.response["violations"]
        if violation.get("impact") in {"serious", "critical"}
    ]
    assert blocking == [], f"axe found serious or critical issues on the {name} page"
    if screenshot:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / screenshot), full_page=True)


def test_a_new_senco_sets_up_two_factor_then_reads_the_audit_trail(live_server, page: Page):
    school = SchoolFactory(name="Oakfield Academy", urn="137001")
    MembershipFactory(
        school=school,
        role=Role.SENCO,
        user=UserFactory(username="senco", first_name="Priya", last_name="Shah", totp=False),
    )
    pupil = PupilFactory(school=school, legal_forename="Amelia", surname="Hughes")
    base = live_server.url

    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill("senco")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    # Straight to set-up; allauth asks for the password once more before changing sign-in.
    page.wait_for_url(f"{base}/account/reauthenticate/**")
    check_page(page, "confirm password")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    page.wait_for_url(f"{base}/account/mfa/totp/activate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    expect(page.get_by_role("img", name="QR code for your authenticator app")).to_be_visible()
    check_page(page, "two-factor set-up", "mfa-setup.png")
    secret = page.locator("#authenticator-secret").inner_text()
    page.get_by_label("Code from your app").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()

    page.wait_for_url(f"{base}/account/mfa/recovery-codes/")
    check_page(page, "recovery codes")

    page.goto(f"{base}/school/{school.urn}/data-protection/")
    page.get_by_label("UPN or surname").fill("Hugh")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="Hughes, Amelia").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Data held on Amelia Hughes")
    check_page(page, "pupil data", "pupil-data.png")

    page.get_by_role("link", name="Audit trail").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Audit trail")
    rows = page.get_by_role("row")
    expect(rows.filter(has_text="Amelia Hughes").filter(has_text="Viewed")).to_have_count(1)
    check_page(page, "audit trail", "audit-trail.png")
    assert pupil.upn not in page.get_by_role("table").inner_text()

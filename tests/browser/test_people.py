"""The SENCO invites a teaching assistant from the People page; the TA follows the emailed
link, chooses a password, signs in and is taken to two-factor set-up. Each page is checked
with axe-core and against the Content Security Policy (see conftest)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from provmap.accounts.models import Membership, Role
from tests.browser.checks import check_accessibility, screenshot
from tests.browser.signin import sign_in
from tests.factories import MembershipFactory, SchoolFactory, StaffMemberFactory, UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NEW_PASSWORD = "a-long-new-passphrase-for-jo"


def test_a_senco_invites_a_ta_who_sets_a_password_then_two_factor(
    live_server, page: Page, browser: Browser, mailoutbox
):
    school = SchoolFactory(name="Oakfield Academy", urn="137002")
    MembershipFactory(
        school=school,
        role=Role.SENCO,
        user=UserFactory(username="senco", first_name="Priya", last_name="Shah"),
    )
    StaffMemberFactory(school=school, name="Jo Bloggs")
    base = live_server.url

    sign_in(page, base, "senco")
    page.goto(f"{base}/school/{school.urn}/people/")
    expect(page.get_by_role("heading", level=1)).to_have_text("People")
    check_accessibility(page, "people")
    page.get_by_role("link", name="Invite someone").click()
    check_accessibility(page, "invite")
    page.get_by_label("Email address").fill("jo.bloggs@oakfield.sch.uk")
    page.get_by_label("First name").fill("Jo")
    page.get_by_label("Last name").fill("Bloggs")
    page.get_by_label("Role", exact=True).select_option(label="Teaching assistant")
    page.get_by_label("Their record on the staff list").select_option(label="Jo Bloggs (TA)")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Invitation sent to jo.bloggs@oakfield.sch.uk"
    )
    expect(page.get_by_role("row").filter(has_text="Jo Bloggs")).to_contain_text("Invited")
    screenshot(page, "people.png")
    page.get_by_role("link", name="Jo Bloggs").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Jo Bloggs")
    check_accessibility(page, "a person's role")
    membership = Membership.objects.get(user__email="jo.bloggs@oakfield.sch.uk")
    assert membership.staff_member is not None and membership.staff_member.name == "Jo Bloggs"

    (message,) = mailoutbox
    link = next(word for word in message.body.split() if "/account/password/reset/key/" in word)
    assert link.startswith(base)

    # The TA, in a browser of their own.
    context = browser.new_context(locale="en-GB", timezone_id="Europe/London")
    ta = context.new_page()
    try:
        ta.goto(link)
        expect(ta.get_by_role("heading", level=1)).to_have_text("Choose your password")
        check_accessibility(ta, "choose a password")
        ta.get_by_label("New password", exact=True).fill(NEW_PASSWORD)
        ta.get_by_label("New password (again)").fill(NEW_PASSWORD)
        ta.get_by_role("button", name="Save my password").click()
        ta.wait_for_load_state()
        sign_in(ta, base, "jo.bloggs@oakfield.sch.uk", NEW_PASSWORD)
        ta.wait_for_url(f"{base}/account/reauthenticate/**")
        ta.get_by_label("Password").fill(NEW_PASSWORD)
        ta.get_by_role("button", name="Confirm").click()
        ta.wait_for_url(f"{base}/account/mfa/totp/activate/")
        expect(ta.get_by_role("heading", level=1)).to_have_text("Set up two-factor sign-in")
    finally:
        context.close()

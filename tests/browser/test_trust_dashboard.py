"""A trust leader opens the trust's dashboard from their home page: every school side by side,
then the provision both schools run compared across them, on a desktop and on a phone-sized
screen, checked with axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from provmap.accounts.models import Membership, Role
from tests.browser.checks import check_accessibility
from tests.browser.signin import sign_in
from tests.factories import TrustFactory, UserFactory
from tests.provision.test_trust_dashboard import add_school

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_trust_leader_sees_the_schools_side_by_side(live_server, page: Page):
    trust = TrustFactory(name="Northfield Learning Trust")
    add_school(trust, "Oakfield Academy")
    add_school(trust, "Beech Hill School")
    leader = UserFactory(username="trustlead")
    Membership.objects.create(user=leader, role=Role.TRUST_LEADER, trust=trust)
    base = live_server.url
    sign_in(page, base, "trustlead")
    page.goto(f"{base}/trust/{trust.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Northfield Learning Trust")
    main = page.locator("main")
    expect(main).to_contain_text("Oakfield Academy")
    expect(main).to_contain_text("Beech Hill School")
    # Both schools run "Reading group": the second table compares it across them.
    expect(page.get_by_role("heading", name="The same provision across schools")).to_be_visible()
    shared = page.get_by_role("table", name="1 provision run by two or more schools this year")
    expect(shared).to_be_visible()
    expect(shared.get_by_role("columnheader", name="Mean gain, entry to exit")).to_contain_text(
        "not adjusted"
    )
    expect(shared.locator('th[scope="rowgroup"]')).to_contain_text("Reading group")
    expect(shared.locator('th[scope="row"]')).to_have_count(2)
    # Five pupils each, every one 4 points up: shown, and linked to the school's impact page.
    gains = shared.get_by_role("link", name="+4 points")
    expect(gains).to_have_count(2)
    gains.first.click()
    expect(page).to_have_url(re.compile(r"/impact/provisions/\d+/$"))
    page.go_back()
    check_accessibility(page, "trust dashboard")
    page.set_viewport_size({"width": 390, "height": 844})
    check_accessibility(page, "trust dashboard, phone")

"""A trust leader opens the trust's dashboard from their home page: every school side by side,
on a desktop and on a phone-sized screen, checked with axe-core."""

from __future__ import annotations

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
    check_accessibility(page, "trust dashboard")
    page.set_viewport_size({"width": 390, "height": 844})
    check_accessibility(page, "trust dashboard, phone")

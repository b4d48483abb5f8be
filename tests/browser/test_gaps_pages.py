"""The gaps and training pages in a real browser: the SENCO reads the gaps of the term being
planned, follows a figure to the pupils behind it with the keyboard, and opens the training
needs; each page is checked with axe, on a desktop and on a phone-sized screen."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from provmap.accounts.models import Role
from tests.browser.checks import check_accessibility, screenshot
from tests.browser.signin import sign_in
from tests.planning.test_gap_pages import build
from tests.web.map_world import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_gaps_drill_down_and_training_needs(live_server, page: Page) -> None:
    world = build()
    senco = member(world.school, Role.SENCO)
    senco.username = "senco"
    senco.save()
    base = live_server.url
    urn = world.school.urn

    sign_in(page, base, "senco")
    page.goto(f"{base}/school/{urn}/planning/gaps/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Gaps and duplication: Next This year"
    )
    expect(page.get_by_role("heading", name="Several provisions for one need (1)")).to_be_visible()
    check_accessibility(page, "gaps and duplication")
    screenshot(page, "planning-gaps.png")

    # The must-unmet figure for Year 7, reached with the keyboard.
    link = page.get_by_role("link", name="1 pupils, Year 7, Cognition and learning, must unmet")
    link.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Needs with no planned provision")
    expect(page.get_by_role("link", name="Bennett, Pupil", exact=False)).to_be_visible()
    check_accessibility(page, "pupils behind a gap")

    page.goto(f"{base}/school/{urn}/planning/training/")
    expect(
        page.get_by_text("Structured literacy: 2 pupils must, 0 staff with expertise")
    ).to_be_visible()
    check_accessibility(page, "training needs")
    screenshot(page, "planning-training.png")

    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}/school/{urn}/planning/gaps/")
    check_accessibility(page, "gaps and duplication on a phone")
    screenshot(page, "planning-gaps-phone.png")

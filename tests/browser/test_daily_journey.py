"""Day to day in a real browser: the SENCO finds a pupil from the header of two pages (as
they type, then with the keyboard; and without waiting for the list, through the results
page), and a teaching assistant signs in to their week. Each page is checked with axe."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from provmap.accounts.models import Role
from provmap.provision.models import Placement
from tests.browser.checks import check_accessibility, screenshot
from tests.browser.signin import sign_in
from tests.factories import MembershipFactory, PupilFactory, UserFactory
from tests.web.map_world import add_run, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_search_box_from_two_pages_and_a_teaching_assistants_week(live_server, page: Page):
    world = build_world()
    school = world.school
    world.senco.username = "senco"
    world.senco.save()
    isla = PupilFactory(school=school, legal_forename="Isla", surname="Okafor", nc_year="8")
    PupilFactory(school=school, legal_forename="Leo", surname="Okonjo", nc_year="9")
    PupilFactory(school=school, legal_forename="Ruby", surname="Walsh", nc_year="9")
    today = timezone.localdate()
    run = add_run(
        world,
        pupils=[isla],
        label="Group A",
        day_time="Tuesday 10:40",
        withdrawn_from="French",
        start_date=today - dt.timedelta(days=14),
        end_date=today + dt.timedelta(days=10),
    )
    Placement.objects.filter(run=run).update(start_date=run.start_date)
    ta = UserFactory(username="ta", first_name="Dan", last_name="Evans")
    MembershipFactory(user=ta, school=school, role=Role.TA, staff_member=world.ta_staff)
    base = live_server.url

    # From the term map: type, see the list, reach the first pupil with the keyboard.
    sign_in(page, base, "senco")
    page.goto(f"{base}/school/{school.urn}/map/")
    box = page.get_by_role("searchbox", name="Find a pupil")
    box.fill("oka")
    results = page.locator("#pupil-search-results")
    expect(results.get_by_role("link", name="Okafor, Isla")).to_be_visible()
    expect(results.get_by_role("link")).to_have_count(1)
    expect(page.locator("#pupil-search-status")).to_have_text("1 pupil found.")
    check_accessibility(page, "pupil search as one types")
    screenshot(page, "pupil-search.png")
    box.press("ArrowDown")
    expect(results.get_by_role("link", name="Okafor, Isla")).to_be_focused()
    page.keyboard.press("ArrowUp")
    expect(box).to_be_focused()
    # Tab: past the Search button to the list.
    box.press("Tab")
    page.keyboard.press("Tab")
    expect(results.get_by_role("link", name="Okafor, Isla")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Isla")

    # From the catalogue: Enter at once sends the search to the results page.
    page.goto(f"{base}/school/{school.urn}/provisions/")
    box = page.get_by_role("searchbox", name="Find a pupil")
    box.fill("ok")
    box.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a pupil")
    main = page.locator("main")
    expect(main.get_by_text("2 pupils found.")).to_be_visible()
    expect(main.get_by_role("link", name="Okonjo, Leo")).to_be_visible()
    check_accessibility(page, "pupil search results")

    # A teaching assistant lands on their week.
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_load_state()
    sign_in(page, base, "ta")
    page.goto(f"{base}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("My groups this week")
    expect(page.get_by_role("link", name=str(run)).first).to_be_visible()
    expect(page.get_by_text("Tuesday 10:40")).to_be_visible()
    expect(page.get_by_text("exit results missing for 1 pupil")).to_be_visible()
    check_accessibility(page, "my week")
    screenshot(page, "my-week.png")

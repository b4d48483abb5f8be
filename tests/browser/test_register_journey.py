"""A teaching assistant takes a session's register on a phone-sized screen: one pupil with a
tap, the other with the keyboard, a note, saved; the page is checked with axe."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from provmap.accounts.models import Role
from provmap.provision.models import Placement, RunSession, SessionAttendance
from tests.browser.checks import check_accessibility, screenshot
from tests.browser.signin import sign_in
from tests.factories import MembershipFactory, PupilFactory, UserFactory
from tests.web.map_world import add_run, build_world

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_teaching_assistant_takes_the_register_on_a_phone(live_server, page: Page):
    world = build_world()
    school = world.school
    isla = PupilFactory(school=school, legal_forename="Isla", surname="Okafor", nc_year="8")
    leo = PupilFactory(school=school, legal_forename="Leo", surname="Okonjo", nc_year="8")
    today = timezone.localdate()
    run = add_run(
        world,
        pupils=[isla, leo],
        label="Group A",
        start_date=today - dt.timedelta(days=14),
        end_date=today + dt.timedelta(days=10),
    )
    Placement.objects.filter(run=run).update(start_date=run.start_date)
    ta = UserFactory(username="ta", first_name="Dan", last_name="Evans")
    MembershipFactory(user=ta, school=school, role=Role.TA, staff_member=world.ta_staff)
    base = live_server.url
    page.set_viewport_size({"width": 375, "height": 667})

    sign_in(page, base, "ta")
    page.goto(f"{base}/school/{school.urn}/my-week/")
    page.get_by_role("link", name=f"Register for {run}").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Register")
    check_accessibility(page, "register")
    screenshot(page, "register-phone.png")

    # Isla with a tap on "Attended".
    isla_group = page.get_by_role("group", name=isla.full_name)
    isla_group.get_by_text("Attended").click()
    expect(isla_group.get_by_role("radio", name="Attended")).to_be_checked()
    # Leo with the keyboard: into his choices, across to "Absent", on to the reason.
    leo_group = page.get_by_role("group", name=leo.full_name)
    isla_reason = page.get_by_label(f"Reason if absent: {isla.full_name}")
    isla_reason.focus()
    page.keyboard.press("Tab")
    expect(leo_group.get_by_role("radio", name="Attended")).to_be_focused()
    page.keyboard.press("ArrowRight")
    expect(leo_group.get_by_role("radio", name="Absent")).to_be_checked()
    page.keyboard.press("Tab")
    reason = page.get_by_label(f"Reason if absent: {leo.full_name}")
    expect(reason).to_be_focused()
    reason.select_option("off_school")
    page.keyboard.press("Tab")
    page.keyboard.type("Isla read a page aloud.")
    page.keyboard.press("Tab")
    expect(page.get_by_role("button", name="Save the register")).to_be_focused()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.get_by_text(f"Saved the register of {today.day} {today:%b %Y}.")).to_be_visible()
    check_accessibility(page, "register saved")

    # The run's page shows what was delivered.
    page.goto(f"{base}/school/{school.urn}/runs/{run.pk}/")
    panel = page.locator("#sessions")
    expect(panel.get_by_role("heading", name="Sessions and fidelity")).to_be_visible()
    expect(panel.get_by_role("link", name="Take the register")).to_be_visible()
    check_accessibility(page, "run page with its sessions")
    screenshot(page, "run-sessions-phone.png")

    session = RunSession.objects.get(run=run)
    assert (session.date, session.held, session.note) == (today, True, "Isla read a page aloud.")
    marks = {
        row.placement.pupil_id: (row.mark, row.absence_reason)
        for row in SessionAttendance.objects.select_related("placement")
    }
    assert marks == {isla.pk: ("attended", ""), leo.pk: ("absent", "off_school")}

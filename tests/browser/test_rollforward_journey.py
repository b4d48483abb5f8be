"""The SENCO rolls the autumn map into the spring term from the browser, with the keyboard:
the preview names who goes on and who is left and why, one pupil is left behind by unticking
them, and the new map opens with its message. The preview is checked with axe-core, on a
desktop and on a phone-sized screen."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from playwright.sync_api import Page, expect

from provmap.provision.models import Placement, ProvisionRun
from tests.browser.checks import check_accessibility, screenshot
from tests.browser.signin import sign_in
from tests.factories import ProvisionFactory, PupilFactory
from tests.planning.rollforward_world import add_slotted_run, build_roll_world, decide
from tests.web.map_world import add_run, pupils

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_senco_rolls_the_map_forward(live_server, page: Page):
    roll = build_roll_world()
    world = roll.world
    run = add_slotted_run(world, 2, label="Group A")
    first, second = run.placements.order_by("pk").select_related("pupil")
    leaver = PupilFactory(school=world.school, surname="Gone", on_roll_to=dt.date(2025, 12, 19))
    Placement.objects.create(
        school=world.school, run=run, pupil=leaver, start_date=run.start_date, status="active"
    )
    stopped = ProvisionFactory(school=world.school, name="Social skills")
    add_run(world, provision=stopped, pupils=pupils(world, 1))
    decide(world, stopped, "stop", dt.date(2025, 12, 3))
    base = live_server.url
    sign_in(page, base, world.senco.username)
    url = reverse("roll_forward", args=[world.school.urn])
    page.goto(f"{base}{url}?from={roll.autumn.pk}&to={roll.spring.pk}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Roll the map forward")
    main = page.locator("main")
    expect(main).to_contain_text("1 run to copy with 2 pupil places; 1 run left behind")
    expect(main).to_contain_text("Gone, Pupil")
    expect(main).to_contain_text("left the school")
    expect(main).to_contain_text("Social skills: stopped at the review on 3 Dec 2025")
    check_accessibility(page, "roll-forward preview")
    screenshot(page, "roll-forward.png")

    # Leave the second pupil behind, with the keyboard.
    name = f"{second.pupil.surname}, {second.pupil.forename}"
    box = page.get_by_label(name)
    box.focus()
    page.keyboard.press("Space")
    expect(box).not_to_be_checked()
    page.get_by_role("button", name="Create next term's map").focus()
    page.keyboard.press("Enter")
    page.wait_for_load_state()
    expect(page.locator(".messages")).to_contain_text("1 run and 1 place created.")
    assert page.url.endswith(f"?term={roll.spring.pk}")
    new = ProvisionRun.objects.get(term=roll.spring)
    assert list(Placement.objects.filter(run=new).values_list("pupil_id", flat=True)) == [
        first.pupil_id
    ]

    # On a phone-sized screen the preview (now refusing a second roll) still passes axe.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{base}{url}?from={roll.autumn.pk}&to={roll.spring.pk}")
    expect(page.locator("main")).to_contain_text("already has Reading catch-up Group A")
    check_accessibility(page, "roll-forward preview, phone")

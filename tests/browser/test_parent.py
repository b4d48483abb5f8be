"""A parent signs in (no second step: optional for parents) and sees their own child's
highlighted map, and nothing of other children, other families or staff costs."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Page, expect

from provmap.accounts.models import Role
from provmap.provision.models import ProvisionRun
from provmap.pupils.models import Result
from provmap.schools.roles import StaffRole
from tests.browser.checks import SCREENSHOTS
from tests.browser.signin import sign_in
from tests.factories import (
    MeasureFactory,
    MembershipFactory,
    PlacementFactory,
    ProvisionFactory,
    ProvisionRunFactory,
    PupilFactory,
    RunStaffFactory,
    SchoolFactory,
    StaffMemberFactory,
    TermFactory,
    UserFactory,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def run_of(school, term, name: str, staff, pupils, description: str = "") -> ProvisionRun:
    run = ProvisionRunFactory(
        provision=ProvisionFactory(school=school, name=name, description=description),
        academic_year=term.academic_year,
        term=term,
        lead_staff=staff,
        sessions_per_week=Decimal("3"),
        minutes_per_session=30,
        status=ProvisionRun.Status.RUNNING,
    )
    RunStaffFactory(run=run, staff=staff)
    for pupil in pupils:
        PlacementFactory(run=run, pupil=pupil)
    return run


def test_a_parent_sees_only_their_childs_highlighted_map(live_server, page: Page):
    school = SchoolFactory(name="Oakfield Academy", urn="137001")
    term = TermFactory(academic_year__school=school)
    ta = StaffMemberFactory(school=school, name="Dan Evans", role=StaffRole.TA)
    mentor = StaffMemberFactory(school=school, name="Grace Adeyemi", role=StaffRole.LEARNING_MENTOR)
    child = PupilFactory(school=school, legal_forename="Isla", surname="Okafor", nc_year="8")
    classmate = PupilFactory(school=school, legal_forename="Leo", surname="Nowak", nc_year="8")
    other_family = PupilFactory(school=school, legal_forename="Ruby", surname="Walsh")
    phonics = run_of(
        school,
        term,
        "Phonics catch-up",
        ta,
        [child, classmate],
        "Short daily sessions to close gaps in phonics, checked with a reading test.",
    )
    run_of(school, term, "Anger management group", mentor, [other_family])
    reading = MeasureFactory(school=school, name="Reading (standardised score)")
    placement = phonics.placements.get(pupil=child)
    placement.baseline = Result.objects.create(
        school=school, pupil=child, measure=reading, date=dt.date(2025, 9, 10), value=84
    )
    placement.save(update_fields=["baseline"])
    parent = MembershipFactory(
        school=school,
        role=Role.PARENT,
        user=UserFactory(username="parent", first_name="Ada", last_name="Okafor", totp=False),
    )
    parent.children.add(child)
    other_parent = MembershipFactory(school=school, role=Role.PARENT)
    other_parent.children.add(other_family)

    sign_in(page, live_server.url, "parent")

    page.wait_for_url(f"{live_server.url}/school/{school.urn}/my-child/")
    main = page.get_by_role("main")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your child's provision")
    expect(main.get_by_role("heading", level=2)).to_have_count(1)
    expect(main.get_by_role("heading", level=2)).to_contain_text("Isla Okafor")
    card = main.locator(".provision-card")
    expect(card).to_have_count(1)
    expect(card).to_contain_text("Phonics catch-up")
    expect(card).to_contain_text("3 sessions a week of 30 minutes")
    expect(card).to_contain_text("Dan Evans (Teaching assistant)")
    expect(card).to_contain_text("Reading (standardised score): 84 on 10 Sep 2025")
    for hidden in ("Nowak", "Walsh", "Ruby", "Anger management", "£", child.upn):
        expect(main).not_to_contain_text(hidden)
    # Only the parent's pages are offered; the school's map and figures are not.
    nav = page.get_by_role("navigation", name="Main")
    expect(nav).to_contain_text("My child's provision")
    expect(nav).not_to_contain_text("Term map")
    expect(nav).not_to_contain_text("School figures")

    results = Axe().run(page)
    blocking = [
        violation
        for violation in results.response["violations"]
        if violation.get("impact") in {"serious", "critical"}
    ]
    assert blocking == [], [violation["id"] for violation in blocking]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "parent.png"), full_page=True)

    # The school's map is refused, and another family's child is not reachable.
    response = page.goto(f"{live_server.url}/school/{school.urn}/map/")
    assert response is not None and response.status == 403

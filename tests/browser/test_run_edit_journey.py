"""The SENCO corrects a run from the browser.

Edit the run's staff and weeks (too many weeks for its dates are refused with a message
saying how many fit, then fixed), withdraw a pupil from a chosen day, undo that, and close
the run after its confirmation page. Every page is checked with axe-core.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from provmap.accounts.models import Role
from provmap.provision.models import Placement, ProvisionRun, RunStaff
from provmap.schools.models import School
from provmap.schools.roles import StaffRole
from tests.browser.checks import check_accessibility, screenshot
from tests.browser.signin import sign_in
from tests.factories import (
    AcademicYearFactory,
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


def running_group() -> tuple[School, ProvisionRun]:
    """A run of this term, running, with two pupils and the SENCO on its staff."""
    today = timezone.localdate()
    first = today.year if today.month >= 9 else today.year - 1
    school = SchoolFactory(name="Oakfield Academy", urn="137003")
    year = AcademicYearFactory(
        school=school,
        name=f"{first}-{(first + 1) % 100:02d}",
        start_date=dt.date(first, 9, 1),
        end_date=dt.date(first + 1, 8, 31),
    )
    term = TermFactory(
        academic_year=year,
        name="This term",
        start_date=max(today - dt.timedelta(days=35), year.start_date),
        end_date=min(today + dt.timedelta(days=49), year.end_date),
        weeks=Decimal("12"),
    )
    MembershipFactory(
        user=UserFactory(username="senco", first_name="Priya", last_name="Shah"),
        school=school,
        role=Role.SENCO,
    )
    senco = StaffMemberFactory(school=school, name="Priya Shah", role=StaffRole.SENCO)
    StaffMemberFactory(school=school, name="Dan Evans", role=StaffRole.TA)
    provision = ProvisionFactory(school=school, name="Precision reading", wave=2)
    run = ProvisionRunFactory(
        provision=provision,
        academic_year=year,
        term=term,
        label="Group R",
        start_date=term.start_date,
        end_date=term.end_date,
        weeks=Decimal("10"),
        lead_staff=senco,
        status=ProvisionRun.Status.RUNNING,
    )
    RunStaffFactory(run=run, staff=senco)
    for first_name, surname in (("Amelia", "Hughes"), ("Noah", "Patel")):
        pupil = PupilFactory(
            school=school, legal_forename=first_name, surname=surname, on_roll_from=year.start_date
        )
        PlacementFactory(run=run, pupil=pupil)
    return school, run


def test_senco_corrects_a_run(live_server, page: Page):
    school, run = running_group()
    base = live_server.url
    today = timezone.localdate()
    sign_in(page, base, "senco")
    page.goto(f"{base}/school/{school.urn}/runs/{run.pk}/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Precision reading")

    # Edit: Dan Evans joins the staff for 20 minutes a session; 30 weeks do not fit.
    page.get_by_role("link", name="Edit the run").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Edit Precision reading Group R")
    check_accessibility(page, "run edit")
    page.get_by_label("Who, row 2").select_option(label="Dan Evans (TA)")
    page.get_by_label("Minutes a session, row 2").fill("20")
    page.get_by_label("Weeks").fill("30")
    page.get_by_role("button", name="Save changes").click()
    errors = page.get_by_role("alert")
    expect(errors).to_contain_text("30 weeks do not fit between")
    expect(errors).to_contain_text("13 weeks")
    check_accessibility(page, "run edit, refused")
    screenshot(page, "run-edit-refused.png")
    page.get_by_label("Weeks").fill("8")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".messages")).to_contain_text("Precision reading Group R is saved.")
    expect(page.locator("#undo")).to_contain_text("You edited Precision reading Group R.")
    lines = dict(RunStaff.objects.filter(run=run).values_list("staff__name", "minutes_per_session"))
    assert lines == {"Priya Shah": None, "Dan Evans": 20}
    check_accessibility(page, "run after an edit")

    # Withdraw Noah from a chosen day, a week ago.
    page.get_by_role("link", name="Change Noah Patel's place").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Noah Patel in Precision reading Group R"
    )
    check_accessibility(page, "a pupil's place")
    last_day = today - dt.timedelta(days=7)
    page.get_by_label("Last day in the group").fill(last_day.isoformat())
    page.get_by_role("button", name="Withdraw Noah Patel").click()
    expect(page.locator(".messages")).to_contain_text("Noah Patel is withdrawn from")
    noah = Placement.objects.get(run=run, pupil__surname="Patel")
    assert (noah.status, noah.end_date) == ("withdrawn", last_day)

    # Undo it: Noah is back in the group.
    page.locator("#undo").get_by_role("button", name="Undo this change").click()
    expect(page.locator(".messages")).to_contain_text("Undone:")
    noah.refresh_from_db()
    assert (noah.status, noah.end_date) == ("active", None)
    expect(page.locator("#undo")).to_have_count(0)

    # Close the run, after its confirmation page.
    page.get_by_role("link", name="Close the run").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Close Precision reading Group R?")
    expect(page.locator("main")).to_contain_text("the 2 pupils still in the group complete it")
    check_accessibility(page, "closing a run")
    screenshot(page, "run-close.png")
    page.get_by_role("button", name="Close the run").click()
    expect(page.locator(".messages")).to_contain_text("is closed; 2 pupils completed it.")
    run.refresh_from_db()
    assert run.status == ProvisionRun.Status.CLOSED
    assert set(Placement.objects.filter(run=run).values_list("end_date", flat=True)) == {today}

"""Assess, plan, do, review with a pupil and their parent, in the browser.

The SENCO writes Sam's support plan (the one-page profile in Sam's words, the parent's view,
two targets, one served by the reading group) and agrees it; a teaching assistant takes three
sessions' registers of that group on a phone-sized screen; the SENCO records the review, which
finds one target met and sets a new one; Sam's parent signs in, sees the updated plan in plain
English, gives their view before the next review and downloads the plan, whose PDF holds the
same text as the page. axe-core checks every page visited.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from io import BytesIO

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect
from pypdf import PdfReader

from provmap.accounts.models import Role
from provmap.outcomes.models import Contribution, SupportPlan, Target
from provmap.provision.models import ProvisionRun, RunSession
from provmap.pupils.models import SENStatus
from provmap.schools.roles import StaffRole
from tests.browser.checks import check_accessibility, screenshot
from tests.browser.signin import sign_in
from tests.factories import (
    MembershipFactory,
    PlacementFactory,
    ProvisionFactory,
    ProvisionRunFactory,
    PupilFactory,
    RunStaffFactory,
    SchoolFactory,
    StaffMemberFactory,
    UserFactory,
    term_around_today,
    this_school_year,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HELPS_ME = "Having the words I need written on a card before we start."
DOES_WELL = "I am good at drawing and I remember stories."
FINDS_HARD = "Reading long words out loud in front of the class."
PARENT_VIEW = "Sam reads with us every night and is proud of his reading log."
FIRST_TARGET = "Read aloud 40 common exception words without help"
SECOND_TARGET = "Ask for help in lessons using the help card"
NEW_TARGET = "Read a short chapter book to an adult each week"


def a_school_with_a_reading_group():
    school = SchoolFactory(name="Oakfield Academy", urn="137014")
    year = this_school_year(school)
    term = term_around_today(year)
    senco_staff = StaffMemberFactory(school=school, name="Priya Shah", role=StaffRole.SENCO)
    ta_staff = StaffMemberFactory(school=school, name="Dan Evans", role=StaffRole.TA)
    MembershipFactory(
        user=UserFactory(username="senco", first_name="Priya", last_name="Shah"),
        school=school,
        role=Role.SENCO,
        staff_member=senco_staff,
    )
    MembershipFactory(
        user=UserFactory(username="ta", first_name="Dan", last_name="Evans"),
        school=school,
        role=Role.TA,
        staff_member=ta_staff,
    )
    sam = PupilFactory(
        school=school,
        legal_forename="Sam",
        surname="Patel",
        nc_year="7",
        sen_status=SENStatus.SUPPORT,
    )
    ava = PupilFactory(school=school, legal_forename="Ava", surname="Brown", nc_year="7")
    run = ProvisionRunFactory(
        provision=ProvisionFactory(school=school, name="Reading group"),
        academic_year=year,
        term=term,
        label="Group A",
        start_date=term.start_date,
        end_date=term.end_date,
        lead_staff=ta_staff,
        sessions_per_week=Decimal("3"),
        minutes_per_session=30,
        status=ProvisionRun.Status.RUNNING,
    )
    RunStaffFactory(run=run, staff=ta_staff)
    for pupil in (sam, ava):
        PlacementFactory(run=run, pupil=pupil, start_date=run.start_date)
    parent = MembershipFactory(
        user=UserFactory(username="parent", first_name="Anita", last_name="Patel", totp=False),
        school=school,
        role=Role.PARENT,
    )
    parent.children.add(sam)
    return school, term, run, sam


def senco_writes_and_agrees_the_plan(page: Page, base: str, school, run, sam, term) -> None:
    sign_in(page, base, "senco")
    page.goto(f"{base}/school/{school.urn}/pupils/{sam.pk}/")
    page.get_by_role("link", name="Support plan").first.click()
    check_accessibility(page, "no plan yet")
    page.get_by_role("button", name="Start a support plan").first.click()
    page.wait_for_load_state()
    page.get_by_label("What I do well").fill(DOES_WELL)
    page.get_by_label("What I find hard").fill(FINDS_HARD)
    page.get_by_label("What helps me").fill(HELPS_ME)
    page.get_by_label("The parent's view").fill(PARENT_VIEW)
    page.get_by_label("Who is involved").fill("Mrs Patel (mother)\nPriya Shah (SENCO)")
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_load_state()
    check_accessibility(page, "the draft plan")

    # A change to the text left unsaved is not lost without a question.
    page.get_by_label("Who is involved").fill("Mrs Patel (mother)\nPriya Shah (SENCO)\nDan Evans")
    asked: list[str] = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.locator("#new-target").get_by_role("button", name="Add the target").click()
    assert asked and "not saved" in asked[0]
    page.get_by_role("button", name="Save the draft").click()
    page.wait_for_load_state()
    assert "Dan Evans" in SupportPlan.objects.get(pupil=sam).involved

    for description, served_by_run in ((FIRST_TARGET, True), (SECOND_TARGET, False)):
        new = page.locator("#new-target")
        new.get_by_label("Target", exact=True).fill(description)
        new.get_by_label("How we will know (achievement criteria)").fill("Checked by the TA")
        if served_by_run:
            new.get_by_label("Provision that serves it").select_option(str(run.pk))
        new.get_by_label("Starts").fill(f"{term.start_date:%Y-%m-%d}")
        new.get_by_label("Review by").fill(f"{term.end_date:%Y-%m-%d}")
        new.get_by_role("button", name="Add the target").click()
        page.wait_for_load_state()
        expect(page.get_by_text(description).first).to_be_visible()

    agree = page.locator("#agree")
    agree.get_by_label("Agreed with").fill("Mrs Patel (mother), Sam")
    agree.get_by_role("button", name="Agree version 1").click()
    page.wait_for_load_state()
    expect(page.get_by_text("agreed on").first).to_be_visible()
    expect(page.get_by_text(HELPS_ME)).to_be_visible()
    check_accessibility(page, "the agreed plan")
    plan = SupportPlan.objects.get(pupil=sam)
    assert plan.status == SupportPlan.Status.AGREED
    assert plan.parent_view == PARENT_VIEW
    assert Target.objects.filter(pupil=sam, run=run).count() == 1


def ta_takes_three_registers_on_a_phone(browser: Browser, base: str, school, run, sam) -> None:
    context = browser.new_context(
        viewport={"width": 375, "height": 667}, locale="en-GB", timezone_id="Europe/London"
    )
    phone = context.new_page()
    phone.set_default_timeout(15_000)
    sign_in(phone, base, "ta")
    today = timezone.localdate()
    # Three school days of this term before today.
    days = [today - dt.timedelta(days=n) for n in range(1, 15)]
    days = [day for day in days if day.weekday() < 5 and day >= run.start_date][:3]
    for number, day in enumerate(reversed(days)):
        phone.goto(f"{base}/school/{school.urn}/runs/{run.pk}/register/?date={day:%Y-%m-%d}")
        sam_marks = phone.get_by_role("group", name=sam.full_name)
        sam_marks.get_by_text("Attended").click()
        ava_marks = phone.get_by_role("group", name="Ava Brown")
        if number == 1:
            ava_marks.get_by_text("Absent").click()
            phone.get_by_label("Reason if absent: Ava Brown").select_option("off_school")
        else:
            ava_marks.get_by_text("Attended").click()
        phone.get_by_role("button", name="Save the register").click()
        phone.wait_for_load_state()
        expect(phone.get_by_text(f"Saved the register of {day.day} {day:%b %Y}.")).to_be_visible()
        if number == 0:
            check_accessibility(phone, "a register on a phone")
            screenshot(phone, "plan-journey-register-phone.png")
    assert RunSession.objects.filter(run=run, held=True).count() == 3
    phone.goto(f"{base}/school/{school.urn}/runs/{run.pk}/")
    expect(phone.locator("#sessions")).to_contain_text("3")
    context.close()


def senco_records_the_review(page: Page, base: str, school, sam, term) -> None:
    page.goto(f"{base}/school/{school.urn}/pupils/{sam.pk}/plan/")
    page.get_by_role("link", name="Record a review").click()
    page.wait_for_load_state()
    check_accessibility(page, "the review form")
    page.get_by_label("Who took part").fill("Mrs Patel, Sam, Priya Shah")
    first = page.locator("fieldset", has_text=FIRST_TARGET).first
    first.get_by_label("Met", exact=True).check()
    first.get_by_label("Comment").fill("Sam read all 40 words to Mr Evans.")
    second = page.locator("fieldset", has_text=SECOND_TARGET).first
    second.get_by_label("Partly met").check()
    page.get_by_label("The pupil's view").fill("I like the reading group.")
    page.get_by_label("The parent's view").fill("We have seen his confidence grow.")
    new = page.locator("#new-1")
    new.get_by_label("Target (optional)", exact=True).fill(NEW_TARGET)
    new.get_by_label("Starts").fill(f"{timezone.localdate():%Y-%m-%d}")
    new.get_by_label("Review by").fill(f"{term.end_date:%Y-%m-%d}")
    page.get_by_role("button", name="Record the review").click()
    page.wait_for_load_state()
    check_accessibility(page, "the review recorded")
    met = Target.objects.get(pupil=sam, description=FIRST_TARGET)
    assert met.status == Target.Status.MET
    assert Target.objects.filter(pupil=sam, description=NEW_TARGET, status="open").exists()


def parent_reads_the_updated_plan(page: Page, base: str, school, sam) -> None:
    page.context.clear_cookies()
    sign_in(page, base, "parent")
    page.goto(f"{base}/school/{school.urn}/my-child/")
    page.get_by_role(
        "link", name="Sam's support plan, and your views before the next review"
    ).click()
    page.wait_for_load_state()
    check_accessibility(page, "a parent's view of the plan")
    screenshot(page, "plan-journey-parent.png")
    main = page.locator("main")
    for text in (HELPS_ME, DOES_WELL, SECOND_TARGET, NEW_TARGET, FIRST_TARGET):
        expect(main).to_contain_text(text)
    review = page.locator(
        "section", has=page.get_by_role("heading", name="How it went at the last review")
    )
    expect(review).to_contain_text("Met")
    # A parent's view before the next review.
    page.get_by_role("textbox", name="Your views").fill(
        "He would like to read comics in the group too."
    )
    page.get_by_role("button", name="Send your views").click()
    page.wait_for_load_state()
    assert Contribution.objects.filter(pupil=sam, voice="parent").count() == 1

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the plan (PDF)").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".pdf")
    with open(download.path(), "rb") as file:
        pdf = PdfReader(BytesIO(file.read()))
    text = " ".join(page_.extract_text() for page_ in pdf.pages)
    flat = " ".join(text.split())
    for sentence in (HELPS_ME, DOES_WELL, SECOND_TARGET, NEW_TARGET):
        assert " ".join(sentence.split()) in flat, f"{sentence!r} not in the PDF"


def test_a_plan_is_written_delivered_reviewed_and_read_by_the_parent(
    live_server, page: Page, browser: Browser
):
    school, term, run, sam = a_school_with_a_reading_group()
    base = live_server.url
    senco_writes_and_agrees_the_plan(page, base, school, run, sam, term)
    ta_takes_three_registers_on_a_phone(browser, base, school, run, sam)
    senco_records_the_review(page, base, school, sam, term)
    parent_reads_the_updated_plan(page, base, school, sam)

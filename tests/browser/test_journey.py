"""The SENCO's first journey in a real browser: sign in, land on the term map, read a cost.

Both pages are checked with axe-core (serious and critical issues fail the test), and
full-page screenshots are saved to test-results/screenshots/ on every run.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.utils import timezone
from playwright.sync_api import Page, expect

from provmap.accounts.models import Role
from provmap.provision import selectors
from provmap.provision.models import ProvisionArea, ProvisionRun
from provmap.pupils.models import PupilNeed, Result, SENStatus
from provmap.pupils.needs import Area, NeedType
from provmap.schools.models import School
from provmap.schools.roles import StaffRole
from tests.browser.checks import SCREENSHOTS
from tests.browser.signin import sign_in
from tests.factories import (
    PASSWORD,
    FundingStreamFactory,
    MeasureFactory,
    MembershipFactory,
    PlacementFactory,
    ProvisionFactory,
    ProvisionRunFactory,
    PupilFactory,
    RoleRateFactory,
    RunStaffFactory,
    SchoolFactory,
    StaffMemberFactory,
    TermFactory,
    UserFactory,
    totp_code,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


BLOCKING_IMPACTS = {"serious", "critical"}


def small_school() -> tuple[School, ProvisionRun]:
    """A school with a SENCO and an autumn map of four runs; returns the school and the run
    the journey looks for (a group of three pupils with a SENCO and a TA)."""
    school = SchoolFactory(name="Oakfield Academy", urn="137001")
    term = TermFactory(academic_year__school=school)
    year = term.academic_year
    MembershipFactory(
        user=UserFactory(username="senco", first_name="Priya", last_name="Shah"),
        school=school,
        role=Role.SENCO,
    )
    senco = StaffMemberFactory(
        school=school, name="Priya Shah", role=StaffRole.SENCO, hourly_rate=Decimal("45.00")
    )
    ta = StaffMemberFactory(
        school=school, name="Dan Evans", role=StaffRole.TA, hourly_rate=Decimal("19.50")
    )
    mentor = StaffMemberFactory(
        school=school, name="Grace Adeyemi", role=StaffRole.LEARNING_MENTOR, hourly_rate=None
    )
    teacher = StaffMemberFactory(
        school=school, name="Tom Hughes", role=StaffRole.TEACHER, hourly_rate=Decimal("38.00")
    )
    RoleRateFactory(school=school, role=StaffRole.LEARNING_MENTOR, hourly_rate=Decimal("22.00"))
    notional = FundingStreamFactory(school=school, name="Notional SEN budget")
    premium = FundingStreamFactory(school=school, name="Pupil premium", kind="pupil_premium")

    names = [
        ("Amelia", "Hughes", "7", SENStatus.SUPPORT, NeedType.SPLD),
        ("Noah", "Patel", "7", SENStatus.EHC_PLAN, NeedType.MLD),
        ("Isla", "Okafor", "8", SENStatus.SUPPORT, NeedType.SPLD),
        ("Leo", "Nowak", "8", SENStatus.NONE, ""),
        ("Freya", "Campbell", "9", SENStatus.SUPPORT, NeedType.SEMH),
        ("Yusuf", "Begum", "9", SENStatus.NONE, ""),
        ("Ruby", "Walsh", "7", SENStatus.NONE, ""),
    ]
    pupils = []
    for first, last, year_group, status, need in names:
        pupil = PupilFactory(
            school=school,
            legal_forename=first,
            surname=last,
            nc_year=year_group,
            sen_status=status,
        )
        if need:
            PupilNeed.objects.create(school=school, pupil=pupil, need_type=need, rank=1)
        pupils.append(pupil)

    def run(
        name,
        wave,
        areas,
        staff,
        placed,
        *,
        sessions,
        minutes,
        weeks,
        fund,
        label="",
        description="",
        status=ProvisionRun.Status.RUNNING,
    ):
        provision = ProvisionFactory(school=school, name=name, wave=wave, description=description)
        ProvisionArea.objects.bulk_create(
            ProvisionArea(school=school, provision=provision, area=area) for area in areas
        )
        made = ProvisionRunFactory(
            provision=provision,
            academic_year=year,
            term=term,
            label=label,
            sessions_per_week=Decimal(sessions),
            minutes_per_session=minutes,
            weeks=Decimal(weeks),
            funding_stream=fund,
            lead_staff=staff[0],
            status=status,
        )
        for member in staff:
            RunStaffFactory(run=made, staff=member)
        for pupil in placed:
            PlacementFactory(run=made, pupil=pupil)
        return made

    literacy = run(
        "Literacy workshop",
        2,
        [Area.COGNITION],
        [senco, ta],
        pupils[:3],
        sessions="2",
        minutes=90,
        weeks="10",
        fund=notional,
        label="Group A",
        description="Small-group sessions on reading fluency and spelling, checked with a "
        "standardised reading test at the start and the end.",
    )
    run(
        "Precision teaching",
        3,
        [Area.COGNITION],
        [ta],
        pupils[1:2],
        sessions="5",
        minutes=15,
        weeks="12",
        fund=notional,
    )
    run(
        "Social skills group",
        2,
        [Area.SEMH, Area.COMMUNICATION],
        [mentor],
        pupils[3:6],
        sessions="1",
        minutes=60,
        weeks="10",
        fund=premium,
    )
    run(
        "Reading booster class",
        1,
        [Area.COGNITION],
        [teacher],
        pupils[4:7],
        sessions="4",
        minutes=60,
        weeks="10",
        fund=None,
        status=ProvisionRun.Status.PLANNED,
    )
    return school, literacy


def check_accessibility(page: Page, name: str) -> None:
    results = Axe().run(page)
    blocking = [
        violation
        for violation in results.response["violations"]
        if violation.get("impact") in BLOCKING_IMPACTS
    ]
    for violation in results.response["violations"]:
        if violation.get("impact") not in BLOCKING_IMPACTS:
            print(f"[{name}] note, {violation['impact']}: {violation['id']} - {violation['help']}")
    for violation in blocking:
        targets = [node["target"] for node in violation["nodes"]]
        print(f"[{name}] {violation['impact']}: {violation['id']} - {violation['help']} {targets}")
    assert blocking == [], f"axe found serious or critical issues on the {name} page"


def screenshot(page: Page, filename: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / filename), full_page=True)


def test_senco_signs_in_and_reads_the_term_map(live_server, page: Page, settings):
    settings.PROVMAP_DEMO = True
    school, literacy = small_school()
    costed = next(
        item
        for item in selectors.term_map(school, literacy.term, as_of=timezone.localdate()).runs
        if item.run.pk == literacy.pk
    )
    # 2 x 90 min a week for 10 weeks: the SENCO at £45.00 and the TA at £19.50 an hour.
    assert costed.cost == Decimal("1350.00") + Decimal("585.00")

    page.goto(f"{live_server.url}/login/")
    expect(page).to_have_title(re.compile(r"^Sign in\b.*provmap$"))
    expect(page.get_by_role("heading", name="Demo logins")).to_be_visible()
    check_accessibility(page, "login")
    screenshot(page, "login.png")

    page.get_by_label("Username").fill("senco")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # Staff sign in with a second step: the code from their authenticator app.
    page.wait_for_url(f"{live_server.url}/account/mfa/authenticate/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Enter your code")
    check_accessibility(page, "authenticator code")
    page.get_by_label("Code from your app").fill(totp_code())
    page.get_by_role("button", name="Continue").click()

    page.wait_for_url(f"{live_server.url}/school/{school.urn}/map/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Provision map: Autumn 2025-26")
    row = page.get_by_role("row").filter(has_text="Literacy workshop")
    expect(row).to_contain_text("Group A")
    expect(row).to_contain_text("2:3")
    expect(row).to_contain_text("2 x 90 min")
    expect(row).to_contain_text("£1,935.00")
    expect(page.get_by_role("banner")).to_contain_text("Priya Shah")
    expect(page.get_by_role("banner")).to_contain_text("Oakfield Academy")
    check_accessibility(page, "term map")
    screenshot(page, "term-map.png")

    # The names behind a run open on demand.
    row.get_by_text("Names").click()
    expect(row).to_contain_text("Hughes, Amelia")

    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url(f"{live_server.url}/login/")


def test_governor_and_parent_pages_are_accessible(live_server, page: Page):
    school, literacy = small_school()
    MembershipFactory(
        user=UserFactory(username="governor", first_name="Helen", last_name="Price"),
        school=school,
        role=Role.GOVERNOR,
    )
    child = literacy.placements.select_related("pupil").first().pupil
    parent = MembershipFactory(
        user=UserFactory(username="parent", first_name="Sara", last_name="Hughes"),
        school=school,
        role=Role.PARENT,
    )
    parent.children.add(child)
    reading = MeasureFactory(school=school, name="Reading (standardised score)")
    placement = literacy.placements.get(pupil=child)
    placement.baseline = Result.objects.create(
        school=school, pupil=child, measure=reading, date=dt.date(2025, 9, 10), value=82
    )
    placement.save(update_fields=["baseline"])

    sign_in(page, live_server.url, "governor")
    page.wait_for_url(f"{live_server.url}/school/{school.urn}/figures/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("School figures: 2025-26")
    expect(page.get_by_role("main")).not_to_contain_text(child.surname)
    check_accessibility(page, "school figures")
    screenshot(page, "figures.png")
    page.get_by_role("button", name="Sign out").click()

    sign_in(page, live_server.url, "parent")
    page.wait_for_url(f"{live_server.url}/school/{school.urn}/my-child/")
    expect(page.get_by_role("main")).to_contain_text("Literacy workshop")
    expect(page.get_by_role("main")).to_contain_text(
        "Reading (standardised score): 82 on 10 Sep 2025"
    )
    expect(page.get_by_role("main")).not_to_contain_text("£")
    check_accessibility(page, "my child")
    screenshot(page, "my-child.png")

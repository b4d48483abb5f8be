"""The SENCO runs the provision map from the browser.

Sign in; start a run of a provision from the catalogue; add three pupils from a filtered
list; enter their baseline and exit results; then see the run on the term map (filtered
without a reload), the pupils behind its figures, a pupil's page (and its print version),
the year group's costed map, the waves view and the staff page, with the costs changed.

Every page is checked with axe-core (serious and critical issues fail the test), and a
full-page screenshot of each is written to test-results/screenshots/ on every run.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from provmap.accounts.models import Role
from provmap.provision.models import Placement, ProvisionArea, ProvisionRun
from provmap.pupils.models import PupilNeed, SENStatus
from provmap.schools.models import School
from provmap.schools.roles import StaffRole
from tests.browser.checks import check_accessibility, screenshot
from tests.browser.signin import sign_in
from tests.factories import (
    AcademicYearFactory,
    FundingStreamFactory,
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

TARGETS = [("Amelia", "Hughes"), ("Noah", "Patel"), ("Isla", "Okafor")]


def school_now() -> School:
    """A school whose current term contains today, with a catalogue, a register and one run
    already on the map."""
    today = timezone.localdate()
    first = today.year if today.month >= 9 else today.year - 1
    school = SchoolFactory(name="Oakfield Academy", urn="137002")
    year = AcademicYearFactory(
        school=school,
        name=f"{first}-{(first + 1) % 100:02d}",
        start_date=dt.date(first, 9, 1),
        end_date=dt.date(first + 1, 8, 31),
    )
    # A run lies inside its school year, so the term does too, whatever the day.
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
    StaffMemberFactory(
        school=school, name="Priya Shah", role=StaffRole.SENCO, hourly_rate=Decimal("45.00")
    )
    StaffMemberFactory(
        school=school,
        name="Dan Evans",
        role=StaffRole.TA,
        hourly_rate=Decimal("19.50"),
        contracted_hours=Decimal("30"),
    )
    mentor = StaffMemberFactory(
        school=school,
        name="Grace Adeyemi",
        role=StaffRole.LEARNING_MENTOR,
        hourly_rate=Decimal("22.00"),
    )
    FundingStreamFactory(school=school, name="Notional SEN budget")
    reading = MeasureFactory(school=school, name="Reading (standardised score)")
    precision = ProvisionFactory(
        school=school,
        name="Precision reading",
        wave=2,
        measure=reading,
        success_gain=Decimal("6"),
        success_criteria="Standardised reading score up by 6 or more.",
        description="Short daily sessions on the words a pupil does not yet read on sight.",
        sessions_per_week=Decimal("3"),
        minutes_per_session=30,
        usual_weeks=10,
    )
    ProvisionArea.objects.create(school=school, provision=precision, area="CL")
    social = ProvisionFactory(school=school, name="Social skills group", wave=2)
    ProvisionArea.objects.create(school=school, provision=social, area="SEMH")

    for (first_name, surname), form in zip(TARGETS, ["7A", "7A", "7B"], strict=True):
        pupil = PupilFactory(
            school=school,
            legal_forename=first_name,
            surname=surname,
            nc_year="7",
            form=form,
            sen_status=SENStatus.SUPPORT,
            on_roll_from=year.start_date,
        )
        PupilNeed.objects.create(school=school, pupil=pupil, need_type="SPLD", rank=1)
    others = [
        PupilFactory(
            school=school,
            legal_forename=first_name,
            surname=surname,
            nc_year=nc_year,
            sen_status=status,
            on_roll_from=year.start_date,
        )
        for first_name, surname, nc_year, status in [
            ("Ruby", "Walsh", "7", SENStatus.NONE),
            ("Leo", "Nowak", "8", SENStatus.SUPPORT),
            ("Freya", "Campbell", "9", SENStatus.EHC_PLAN),
        ]
    ]
    run = ProvisionRunFactory(
        provision=social,
        academic_year=year,
        term=term,
        label="Lunch club",
        start_date=term.start_date,
        end_date=term.end_date,
        lead_staff=mentor,
        status=ProvisionRun.Status.RUNNING,
    )
    RunStaffFactory(run=run, staff=mentor)
    for pupil in others:
        PlacementFactory(run=run, pupil=pupil)
    return school


def stat(page: Page, label: str) -> str:
    card = page.locator(".stat").filter(has=page.locator(".stat__label", has_text=label))
    return card.locator(".stat__value").inner_text().strip()


def money(text: str) -> Decimal:
    return Decimal(re.sub(r"[^0-9.]", "", text))


def test_senco_runs_the_map_from_the_browser(live_server, page: Page):
    school = school_now()
    base = live_server.url
    map_url = f"{base}/school/{school.urn}/map/"

    # Sign in and land on the whole-school map of the current term.
    sign_in(page, base, "senco")
    page.wait_for_url(map_url)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Provision map: This term")
    cost_before = money(stat(page, "Planned cost"))
    check_accessibility(page, "term map")
    screenshot(page, "map.png")

    # From the catalogue, start a run of an existing provision with its usual pattern.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalogue").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Catalogue of provision")
    check_accessibility(page, "catalogue")
    screenshot(page, "catalogue.png")
    page.get_by_role("link", name="Start a run of Precision reading").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Start a run of Precision reading")
    expect(page.get_by_label("Sessions a week")).to_have_value("3")
    page.get_by_label("Group name").fill("Group R")
    page.get_by_label("Led by").select_option(label="Priya Shah (S)")
    page.get_by_label("Dan Evans (TA)").check()
    check_accessibility(page, "new run")
    screenshot(page, "run-new.png")
    page.get_by_role("button", name="Start the run").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Precision reading")
    expect(page.locator(".messages")).to_contain_text("Now add its pupils.")

    # Add three pupils from a filtered list: Year 7 with SEN support (htmx fills the list).
    search = page.locator("#add form")
    search.get_by_label("Year group").select_option("7")
    search.get_by_label("SEN status").select_option("K")
    candidates = page.locator("#candidates")
    expect(candidates).to_contain_text("3 pupils found")
    for first_name, surname in TARGETS:
        # Nobody is ticked for the SENCO: each pupil who joins is chosen.
        expect(candidates.get_by_label(f"{surname}, {first_name}")).not_to_be_checked()
        candidates.get_by_label(f"{surname}, {first_name}").check()
    expect(candidates).not_to_contain_text("Walsh")
    check_accessibility(page, "run, finding pupils")
    screenshot(page, "run-add.png")
    candidates.get_by_role("button", name="Add the ticked pupils").click()
    expect(page.locator(".messages")).to_contain_text("Added 3 pupils to Precision reading")

    # Enter baseline and exit results for the whole group in one table.
    today = timezone.localdate()
    page.get_by_label("Date of the baselines").fill((today - dt.timedelta(days=30)).isoformat())
    page.get_by_label("Date of the exit results").fill(today.isoformat())
    for (first_name, surname), (baseline, exit_value) in zip(
        TARGETS, [(80, 83), (85, 92), (90, 100)], strict=True
    ):
        page.get_by_label(f"Baseline for {first_name} {surname}").fill(str(baseline))
        page.get_by_label(f"Exit result for {first_name} {surname}").fill(str(exit_value))
    page.get_by_role("button", name="Save results").click()
    expect(page.locator(".messages")).to_contain_text("Saved the results of 3 pupils.")
    rows = page.locator(".results-table tbody tr")
    expect(rows.filter(has_text="Hughes, Amelia")).to_contain_text("Amber")
    expect(rows.filter(has_text="Patel, Noah")).to_contain_text("Green")
    expect(rows.filter(has_text="Okafor, Isla")).to_contain_text("Blue")
    check_accessibility(page, "run")
    screenshot(page, "run.png")
    run = ProvisionRun.objects.get(label="Group R")
    assert Placement.objects.filter(run=run, exit__isnull=False).count() == 3

    # The map shows the new run and its cost; filters narrow it without a reload.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Term map").click()
    row = page.get_by_role("row").filter(has_text="Precision reading")
    expect(row).to_contain_text("Group R")
    expect(row).to_contain_text("2:3")
    # 3 x 30 min for 10 weeks: the SENCO at £45.00 and the TA at £19.50 an hour.
    expect(row).to_contain_text("£967.50")
    assert money(stat(page, "Planned cost")) == cost_before + Decimal("967.50")
    filters = page.locator("form.map-filters")
    with page.expect_response(lambda response: "nc_year=7" in response.url):
        filters.get_by_label("Year group").select_option("7")
    with page.expect_response(lambda response: "sen_status=K" in response.url):
        filters.get_by_label("SEN status").select_option("K")
    expect(page).to_have_url(re.compile(r"nc_year=7.*sen_status=K"))
    expect(page.locator("#map-region")).to_contain_text("Filtered: 1 of 2 runs")
    expect(page.get_by_role("row").filter(has_text="Social skills group")).to_have_count(0)
    expect(page.locator("#map-status")).to_have_text("Showing 1 run and 3 pupils.")
    check_accessibility(page, "term map, filtered")
    screenshot(page, "map-filtered.png")

    # Drill down from the run's pupil count to the pupils behind it, then to one pupil.
    page.get_by_role("link", name="3 pupils in Precision reading Group R: list them").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Pupils in Precision reading Group R")
    expect(page.get_by_role("table")).to_contain_text("3 pupils")
    check_accessibility(page, "pupils behind a figure")
    screenshot(page, "map-pupils.png")
    page.get_by_role("link", name="Hughes, Amelia").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Amelia Hughes")
    main = page.get_by_role("main")
    expect(main).to_contain_text("Precision reading")
    expect(main).to_contain_text("Specific learning difficulty")
    # Her share of the group's cost (a third of £967.50) is this year's cost.
    assert stat(page, "Cost of provision this year") == "£322.50"
    expect(page.get_by_role("button", name="Print")).to_be_visible()
    check_accessibility(page, "pupil")
    screenshot(page, "pupil.png")
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="Print")).to_be_hidden()
    screenshot(page, "pupil-print.png")
    page.emulate_media(media="screen")

    # The year group's costed map and the waves view of Year 7.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Year groups").click()
    page.get_by_label("Year group").select_option("7")
    page.get_by_role("button", name="Show").click()
    year_row = page.get_by_role("row").filter(has_text="Precision reading")
    expect(year_row).to_contain_text("(1 group x 10 weeks)")
    expect(year_row).to_contain_text("3 x 30 min")
    expect(year_row).to_contain_text("£675.00")  # the SENCO's line: 1.5 h x 10 x £45
    check_accessibility(page, "year group map")
    screenshot(page, "year-map.png")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Waves").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Waves of intervention: Year 7")
    expect(page.locator("#wave-2").locator("xpath=..")).to_contain_text("Precision reading")
    check_accessibility(page, "waves")
    screenshot(page, "waves.png")

    # Staff time: the TA's hours now include the new group.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Staff").click()
    ta_row = page.get_by_role("row").filter(has_text="Dan Evans")
    expect(ta_row).to_contain_text("Precision reading Group R")
    expect(ta_row).to_contain_text("£292.50")  # 1.5 h x 10 weeks x £19.50
    check_accessibility(page, "staff")
    screenshot(page, "staff.png")

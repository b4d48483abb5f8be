"""Planning next term from the browser, end to end.

The SENCO audits Year 7's need for the spring term (three pupils must have structured
literacy), sees the gaps, rolls the autumn map forward (the reading group goes on with its two
pupils), runs the planner within the budget, accepts its plan, and opens the spring term's map:
the new groups are there, and the clashes page finds none. axe-core checks every page.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from provmap.accounts.models import Role
from provmap.planning.kinds import kinds_for
from provmap.planning.models import AuditCell, Plan
from provmap.provision.models import Placement, ProvisionRun, RunSlot
from provmap.pupils.models import SENStatus
from provmap.schools.models import FundingBudget
from provmap.schools.roles import StaffRole
from tests.browser.checks import check_accessibility, screenshot
from tests.browser.signin import sign_in
from tests.factories import (
    FundingStreamFactory,
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


def a_school_planning_its_next_term():
    school = SchoolFactory(name="Oakfield Academy", urn="137021")
    year = this_school_year(school)
    now = term_around_today(year, before=60, after=14, number=1, weeks=Decimal("10"))
    spring = term_around_today(
        year, before=-28, after=110, number=2, name="Next term", weeks=Decimal("11")
    )
    senco_staff = StaffMemberFactory(
        school=school, name="Priya Shah", role=StaffRole.SENCO, hourly_rate=Decimal("45")
    )
    ta = StaffMemberFactory(
        school=school,
        name="Dan Evans",
        role=StaffRole.TA,
        hourly_rate=Decimal("20"),
        contracted_hours=Decimal("30"),
        expertise="Structured literacy",
    )
    MembershipFactory(
        user=UserFactory(username="senco", first_name="Priya", last_name="Shah"),
        school=school,
        role=Role.SENCO,
        staff_member=senco_staff,
    )
    fund = FundingStreamFactory(school=school, name="Notional SEN budget")
    FundingBudget.objects.create(
        school=school, stream=fund, academic_year=year, amount=Decimal("1500")
    )
    reading = ProvisionFactory(
        school=school, name="Reading catch-up", evidence_months=2, default_pupils=4
    )
    lexia = ProvisionFactory(
        school=school,
        name="Lexia",
        evidence_months=5,
        default_pupils=3,
        sessions_per_week=Decimal("3"),
        minutes_per_session=30,
        usual_weeks=10,
    )
    literacy = next(kind for kind in kinds_for(school) if kind.name == "Structured literacy")
    literacy.provisions.set([reading, lexia])
    carried = [
        PupilFactory(school=school, nc_year="7", legal_forename=name, surname="Reader")
        for name in ("Amy", "Ben")
    ]
    autumn_run = ProvisionRunFactory(
        provision=reading,
        academic_year=year,
        term=now,
        label="Group A",
        start_date=now.start_date,
        end_date=now.end_date,
        lead_staff=ta,
        funding_stream=fund,
        sessions_per_week=Decimal("2"),
        minutes_per_session=30,
        status=ProvisionRun.Status.RUNNING,
    )
    RunStaffFactory(run=autumn_run, staff=ta)
    RunSlot.objects.create(
        school=school,
        run=autumn_run,
        weekday=1,
        start_time=dt.time(9, 0),
        end_time=dt.time(9, 30),
        subject="English",
    )
    for pupil in carried:
        PlacementFactory(run=autumn_run, pupil=pupil, start_date=now.start_date, status="active")
    needing = [
        PupilFactory(
            school=school,
            nc_year="7",
            legal_forename=name,
            surname="Newcomb",
            sen_status=SENStatus.SUPPORT,
        )
        for name in ("Cara", "Dev", "Eli")
    ]
    return school, spring, needing


def test_senco_plans_next_term_from_audit_to_accepted_map(live_server, page: Page):
    school, spring, needing = a_school_planning_its_next_term()
    base = live_server.url
    sign_in(page, base, "senco")

    # The planning page leads to each step.
    page.get_by_role("link", name="Planning", exact=True).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Plan Next term")
    check_accessibility(page, "planning")

    # 1. Audit Year 7: three pupils must have structured literacy.
    page.get_by_role("link", name="1. Audit the need").click()
    page.goto(page.url + "&year=7&show=all")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Needs audit")
    for pupil in needing:
        cell = page.get_by_label(f"{pupil.full_name}: Structured literacy")
        # Each cell is saved as it changes: wait for one save before the next change.
        with page.expect_response(lambda response: "/planning/audit/cell/" in response.url):
            cell.select_option("must")
        expect(cell).to_have_value("must")
    check_accessibility(page, "needs audit, Year 7")
    screenshot(page, "planning-journey-audit.png")
    assert AuditCell.objects.filter(audit__term=spring, level="must").count() == 3

    # 2. The gaps: three pupils with a must and nothing planned yet.
    page.goto(f"{base}/school/{school.urn}/planning/gaps/?term={spring.pk}")
    gaps = page.get_by_role("list", name="Needs with no planned provision")
    expect(gaps).to_contain_text("3 pupils with a")
    check_accessibility(page, "gaps")

    # 3. Roll the term forward: the reading group goes on with Amy and Ben.
    page.goto(f"{base}/school/{school.urn}/planning/")
    page.get_by_role("link", name="4. Roll the map forward").click()
    expect(page.locator("main")).to_contain_text("1 run to copy with 2 pupil places")
    check_accessibility(page, "roll forward")
    page.get_by_role("button", name="Create next term's map").click()
    page.wait_for_load_state()
    expect(page.locator(".messages")).to_contain_text("1 run and 2 places created.")

    # 4. The planner, within the budget: Lexia for the three who must have it.
    page.goto(f"{base}/school/{school.urn}/planning/planner/?term={spring.pk}")
    check_accessibility(page, "planner")
    page.get_by_label("Name of the plan").fill("Spring within budget")
    page.get_by_role("button", name="Make the plan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Spring within budget")
    expect(page.locator("main")).to_contain_text("Must needs met: 3 of 3.")
    check_accessibility(page, "the plan")
    screenshot(page, "planning-journey-plan.png")
    page.get_by_role("button", name="Accept: make these planned runs").click()
    page.wait_for_load_state()
    assert Plan.objects.get(name="Spring within budget").status == Plan.Status.ACCEPTED
    planned = Placement.objects.filter(run__term=spring, run__provision__name="Lexia")
    assert set(planned.values_list("pupil_id", flat=True)) == {pupil.pk for pupil in needing}

    # 5. The new term's map holds both groups, and nothing clashes.
    page.goto(f"{base}/school/{school.urn}/map/?term={spring.pk}")
    main = page.locator("main")
    expect(main).to_contain_text("Lexia")
    expect(main).to_contain_text("Reading catch-up")
    check_accessibility(page, "next term's map")
    page.goto(f"{base}/school/{school.urn}/planning/clashes/?term={spring.pk}")
    expect(page.locator("main")).to_contain_text("No clashes in this term")
    check_accessibility(page, "clashes")

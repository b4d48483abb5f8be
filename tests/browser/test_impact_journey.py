"""The SENCO of the demo school reviews the impact of its provision in the browser.

Build the demo school (a small one, from a fixed seed and day); sign in; open the ranked
overview of last year's provision and rank it by cost-effectiveness; open the top provision's
impact page and record the review's decision; then the groups and gaps page, who is not
progressing, and the list of those pupils.

Every page is checked with axe-core (serious and critical issues fail the test) and for
Content Security Policy violations (the charts are inline SVG with no inline style);
full-page screenshots of the overview, a provision and the groups page are written to
test-results/screenshots/ on every run.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from playwright.sync_api import Page, expect

from provmap.accounts.models import User
from provmap.demo.generator import SCHOOLS, build_demo
from provmap.outcomes.models import ReviewDecision
from tests.browser.checks import check_accessibility, screenshot
from tests.browser.signin import sign_in
from tests.factories import PASSWORD, give_totp

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

DEMO_DAY = dt.date(2026, 11, 24)
LAST_YEAR = "2025-26"


def test_senco_reviews_the_impact_of_provision(live_server, page: Page):
    build_demo(seed=7, today=DEMO_DAY, pupils_per_school=300, password=PASSWORD)
    give_totp(User.objects.get(username="senco"))
    urn = SCHOOLS[0][1]
    base = live_server.url

    sign_in(page, base, "senco")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Impact").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Impact of provision")

    # Last year's provision compared with pupils in no provision on the same test, ranked by
    # verdict and the interval's lower end, its uncertainty drawn.
    page.get_by_label("Academic year").select_option(label=LAST_YEAR)
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Impact of provision: {LAST_YEAR}")
    ranking = page.locator("table.impact-table").first
    rows = ranking.locator("tbody tr")
    assert rows.count() >= 5
    expect(rows.first.locator("svg.chart--interval")).to_be_visible()
    expect(ranking).to_contain_text("Not enough evidence")
    # Provisions whose pupils alone sat their test are listed apart, with what to do.
    expect(page.get_by_role("heading", name="Not enough evidence to rank")).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("test pupils who are not in provision")
    check_accessibility(page, "impact overview")
    screenshot(page, "impact-overview.png")

    # The same provisions by what a month of extra progress cost.
    page.get_by_role("navigation", name="Rank by").get_by_role(
        "link", name="Cost-effectiveness"
    ).click()
    expect(
        page.get_by_role("heading", level=2, name=re.compile("cost-effectiveness"))
    ).to_be_visible()
    check_accessibility(page, "impact overview by cost")

    # The top provision: its figures in words and charts.
    page.get_by_role("navigation", name="Rank by").get_by_role(
        "link", name="Effect", exact=True
    ).click()
    top = page.locator("table.impact-table tbody tr").first.get_by_role("link").first
    name = top.inner_text().strip()
    top.click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"{name}: impact, {LAST_YEAR}")
    main = page.get_by_role("main")
    expect(main.locator(".verdict-panel")).to_contain_text("Recommendation:")
    expect(main.locator("svg.chart--scatter")).to_be_visible()
    expect(main.locator("svg.chart--histogram")).to_be_visible()
    expect(main).to_contain_text("Results by group")
    expect(main).to_contain_text("Wider outcomes")
    check_accessibility(page, "provision impact")

    # Record the review's decision; it joins the history with the evidence it rested on.
    form = page.locator("#decisions form")
    form.get_by_label("Continue").check()
    form.get_by_label("Note").fill("Keep three sessions a week; look again at the spring review.")
    form.get_by_role("button", name="Record the decision").click()
    expect(page.locator(".messages")).to_contain_text(f"Recorded: continue {name}")
    history = page.locator(".decision-list")
    expect(history).to_contain_text("Keep three sessions a week")
    expect(history).to_contain_text(LAST_YEAR)
    decision = ReviewDecision.objects.get()
    assert decision.provision.name == name
    assert decision.decided_by.username == "senco"
    check_accessibility(page, "provision impact, decision recorded")
    screenshot(page, "impact-provision.png")

    # Gaps between groups of pupils, term by term.
    page.get_by_role("navigation", name="Impact pages").get_by_role(
        "link", name="Groups and gaps"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Groups and gaps")
    expect(page.locator("svg.chart--lines").first).to_be_visible()
    expect(page.get_by_role("main")).to_contain_text("the gap is")
    check_accessibility(page, "groups and gaps")
    screenshot(page, "impact-groups.png")

    # Who is not progressing, and the pupils behind it.
    page.get_by_role("navigation", name="Impact pages").get_by_role(
        "link", name="Who is not progressing"
    ).click()
    page.get_by_label("Academic year").select_option(label=LAST_YEAR)
    page.get_by_role("button", name="Show").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Who is not progressing: {LAST_YEAR}"
    )
    expect(page.locator("svg.chart--shares").first).to_be_visible()
    check_accessibility(page, "who is not progressing")
    page.get_by_role("link", name="List the pupils not progressing").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Pupils not progressing: {LAST_YEAR}"
    )
    listed = page.locator("table tbody tr")
    assert listed.count() >= 1
    expect(listed.first.get_by_role("link").first).to_have_attribute(
        "href", re.compile(rf"/school/{urn}/pupils/\d+/")
    )
    check_accessibility(page, "pupils not progressing")

    # How impact is worked out, and what makes it trustworthy.
    page.get_by_role("navigation", name="Impact pages").get_by_role(
        "link", name="How impact is worked out"
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text("How impact is worked out")
    expect(page.get_by_role("main")).to_contain_text("Test a comparison group on the same dates")
    check_accessibility(page, "how impact is worked out")

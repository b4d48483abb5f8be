"""The SENCO audits next term's need from the browser: pre-fills the audit, changes a cell
(saved as it changes, the column's count following) and saves a page without a script's
help. Every page is checked with axe-core."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from provmap.planning.models import AuditCell
from provmap.pupils.models import PupilNeed
from provmap.web.pages import today
from tests.browser.checks import check_accessibility, screenshot
from tests.browser.signin import sign_in
from tests.factories import PupilFactory
from tests.planning.world import build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_senco_audits_next_terms_need(live_server, page: Page):
    world = build(today())
    world.senco.username = "senco"
    world.senco.save()
    pupil = PupilFactory(school=world.school, sen_status="E", nc_year="8", surname="Ashworth")
    PupilNeed.objects.create(school=world.school, pupil=pupil, need_type="SLCN", rank=1)
    base = live_server.url
    sign_in(page, base, "senco")
    page.goto(f"{base}/school/{world.school.urn}/planning/audit/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Needs audit")
    page.get_by_role("button", name="Pre-fill").click()
    expect(page.get_by_text("Looked at 1 pupil: 1 cell must.")).to_be_visible()
    check_accessibility(page, "needs audit")
    screenshot(page, "needs-audit.png")
    numeracy = page.get_by_label(f"{pupil.full_name}: Numeracy")
    numeracy.select_option("should")
    expect(page.get_by_text("Saved")).to_be_visible()
    cell = AuditCell.objects.get(pupil=pupil, kind__name="Numeracy")
    assert (cell.level, cell.set_by_hand) == ("should", True)
    expect(page.locator(f"#count-{cell.kind_id}-should")).to_have_text("1")
    page.goto(f"{base}/school/{world.school.urn}/planning/kinds/")
    check_accessibility(page, "needs audit columns")

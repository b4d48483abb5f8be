"""The SENCO imports the school's student list from the browser.

Sign in; upload a CSV student list whose UPN column has a name provmap does not know; see the
problem and the columns it was read with; say which column holds the UPN and check again; see
the preview of the pupils to add; confirm; watch the import's progress bar complete; open a
pupil just imported.

The queued tasks run when the test says (no worker runs beside the tests), so each stage of
the page is seen as it is. Every page is checked with axe-core, and the preview and progress
pages are saved to test-results/screenshots/.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from provmap.accounts.models import Role
from provmap.interchange import jobs
from provmap.interchange.models import ImportJob
from provmap.pupils.models import Pupil
from provmap.pupils.upn import make_upn
from tests.browser.checks import check_accessibility, screenshot
from tests.browser.signin import sign_in
from tests.factories import MembershipFactory, SchoolFactory, TermFactory, UserFactory
from tests.interchange.samples import csv_bytes

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PUPILS = [
    ("Hughes", "Amelia", "14/03/2013", "F", "Year 7", "7H"),
    ("Patel", "Noah", "02/11/2012", "M", "Year 8", "8P"),
    ("Okafor", "Isla", "27/06/2012", "F", "Year 8", "8P"),
    ("Nowak", "Leo", "09/01/2011", "M", "Year 9", "9N"),
    ("Evans", "Maisie", "30/08/2010", "F", "Year 10", "10E"),
]


def student_list() -> bytes:
    """The MIS's export, with the UPN under the school's own heading 'Pupil Ref'."""
    rows = [
        [make_upn("801", "2000", 22, number), *pupil]
        for number, pupil in enumerate(PUPILS, start=1)
    ]
    return csv_bytes([["Pupil Ref", "Surname", "Forename", "DOB", "Gender", "Year", "Reg"], *rows])


def wait_for_heading(page: Page, name: str) -> None:
    expect(page.get_by_role("heading", name=name)).to_be_visible()


def test_senco_imports_a_student_list(live_server, page: Page):
    school = SchoolFactory(name="Oakfield Academy", urn="137002", la_code="801", estab_code="2000")
    TermFactory(academic_year__school=school)
    MembershipFactory(
        user=UserFactory(username="senco", first_name="Priya", last_name="Shah"),
        school=school,
        role=Role.SENCO,
    )
    base = live_server.url
    sign_in(page, base, "senco")

    # The Imports page: choose the kind of file and upload it.
    page.goto(f"{base}/school/{school.urn}/imports/")
    expect(page.get_by_role("heading", name="Imports", exact=True)).to_be_visible()
    check_accessibility(page, "imports")
    page.get_by_label("Pupils from the MIS").check()
    page.get_by_label("File", exact=True).set_input_files(
        files=[{"name": "students.csv", "mimeType": "text/csv", "buffer": student_list()}]
    )
    page.get_by_role("button", name="Upload and check").click()
    wait_for_heading(page, "Waiting to start")
    check_accessibility(page, "import waiting")

    # A worker checks the file; the page, asking every second, shows what it found.
    assert jobs.run_pending() == 1
    wait_for_heading(page, "Columns")
    expect(page.get_by_text("There is no column for the UPN")).to_be_visible()
    expect(page.get_by_role("status")).to_contain_text("problem")
    check_accessibility(page, "import problems")

    # The UPN is under 'Pupil Ref': say so, and check again.
    pupil_ref = page.get_by_label("Pupil Ref")
    expect(pupil_ref).to_have_value("")
    pupil_ref.select_option("upn")
    page.get_by_role("button", name="Check again with these columns").click()
    wait_for_heading(page, "Waiting to start")
    assert jobs.run_pending() == 1
    wait_for_heading(page, "What this file would change")
    expect(page.get_by_role("row", name="Amelia Hughes")).to_contain_text("created")
    expect(page.get_by_label("Pupil Ref")).to_have_value("upn")
    assert not Pupil.objects.exists()
    check_accessibility(page, "import preview")
    screenshot(page, "import-preview.png")

    # Confirm: the import waits for a worker, then runs while the page follows it (the two
    # steps of the queued task: take the job, then import its file).
    page.get_by_role("button", name="Confirm and import").click()
    wait_for_heading(page, "Waiting to start")
    job = jobs.take(ImportJob.objects.latest("pk").pk, ImportJob.Task.IMPORT)
    assert job is not None and job.task == ImportJob.Task.IMPORT
    wait_for_heading(page, "Importing")
    progress = page.locator("#job-progress-bar")
    expect(progress).to_be_visible()
    check_accessibility(page, "import progress")
    screenshot(page, "import-progress.png")
    jobs.run_job(job)
    wait_for_heading(page, "Imported")
    expect(progress).to_have_attribute("max", "5")
    expect(progress).to_have_attribute("value", "5")
    expect(page.get_by_role("status")).to_have_text("Imported.")
    check_accessibility(page, "import done")
    assert Pupil.objects.filter(school=school).count() == 5
    # The task the queue held finds its job done, and leaves it so.
    assert jobs.run_pending() == 1
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE

    # The pupils imported link to their pages.
    page.get_by_role("link", name="See the pupils imported").click()
    page.get_by_role("link", name="Noah Patel").click()
    expect(page.get_by_role("heading", name="Noah Patel", level=1)).to_be_visible()
    check_accessibility(page, "imported pupil")

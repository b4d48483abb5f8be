"""A new school from nothing, in the browser.

The person who installs provmap runs `manage.py create_school`; the SENCO follows the emailed
link, chooses a password and sets up two-factor sign-in; then sets up the school year and
its terms, a rate, the staff and a budget; invites a teaching assistant; adds a provision to
the catalogue and starts a run of it; adds pupils; corrects the run's staff and weeks;
withdraws a pupil from a chosen day; closes the run; downloads the term's map as XLSX. The
run's cost on the page, in the download and on the budget page agree. axe-core checks every
page visited.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from io import BytesIO, StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.utils import timezone
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from provmap.accounts.models import Membership, Role
from provmap.provision.models import Placement, ProvisionRun, RunStaff
from provmap.pupils.models import SENStatus
from provmap.schools.models import School, Term
from provmap.schools.scoping import all_schools
from tests.browser.checks import check_accessibility
from tests.factories import PupilFactory, totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "a-long-passphrase-for-the-senco"
PUPILS = (("Amelia", "Hughes"), ("Noah", "Patel"), ("Isla", "Okafor"))


def money(text: str) -> Decimal:
    """The first sum of money in a piece of text: "£1,234.50" is 1234.50."""
    found = re.search(r"£([\d,]+\.\d\d)", text)
    assert found, f"no sum of money in {text!r}"
    return Decimal(found.group(1).replace(",", ""))


def install_the_school(mailoutbox: list) -> tuple[School, str]:
    """`create_school` as the installer runs it; the SENCO's set-password link."""
    out = StringIO()
    call_command(
        "create_school",
        urn="139412",
        name="Hillcrest Academy",
        phase="secondary",
        la="886",
        estab="4012",
        senco_email="p.shah@hillcrest.sch.uk",
        senco_name="Priya Shah",
        stdout=out,
    )
    assert "Hillcrest Academy" in out.getvalue()
    (message,) = mailoutbox
    link = next(word for word in message.body.split() if "/account/password/reset/key/" in word)
    with all_schools():
        return School.objects.get(urn="139412"), link


def senco_signs_in_for_the_first_time(page: Page, base: str, link: str) -> None:
    page.goto(link.replace("http://localhost:8000", base))
    check_accessibility(page, "choose a password")
    page.get_by_label("New password", exact=True).fill(PASSWORD)
    page.get_by_label("New password (again)").fill(PASSWORD)
    page.get_by_role("button", name="Save my password").click()
    page.wait_for_load_state()
    page.goto(f"{base}/login/")
    page.get_by_label("Username").fill("p.shah@hillcrest.sch.uk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/account/reauthenticate/**")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()
    page.wait_for_url(f"{base}/account/mfa/totp/activate/")
    check_accessibility(page, "two-factor set-up")
    secret = page.locator("#authenticator-secret").inner_text()
    page.get_by_label("Code from your app").fill(totp_code(secret))
    page.get_by_role("button", name="Turn on two-factor sign-in").click()
    page.wait_for_url(f"{base}/account/mfa/recovery-codes/")
    page.goto(f"{base}/")


def set_up_the_school(page: Page, school: School) -> str:
    """Year and terms, a rate for TAs, two staff, a funding stream with its budget."""
    expect(page.get_by_role("heading", level=1)).to_have_text("Set up Hillcrest Academy")
    check_accessibility(page, "set-up checklist")
    page.get_by_role("link", name="School years and terms").click()
    page.get_by_role("link", name="Add a school year").click()
    year_name = page.get_by_label("Name").input_value()
    page.get_by_label("The usual three terms").check()
    page.get_by_role("button", name="Add the year").click()
    expect(page.get_by_role("status")).to_contain_text(f"{year_name} is added with 3 terms.")
    check_accessibility(page, "years and terms")

    page.get_by_role("link", name="Set-up", exact=True).click()
    page.get_by_role("link", name="Rates by role").click()
    page.get_by_role("link", name="Set a rate for Teaching assistant").click()
    page.get_by_label("Hourly rate (£)").fill("20.00")
    page.get_by_role("button", name="Save the rate").click()
    expect(page.get_by_role("status")).to_contain_text("The rate for Teaching assistant is saved.")

    for name, role, rate in (
        ("Priya Shah", "SENCO", "40.00"),
        ("Dan Evans", "Teaching assistant", ""),
    ):
        page.get_by_role("link", name="Set-up", exact=True).click()
        page.get_by_role("link", name="Staff", exact=True).last.click()
        page.get_by_role("link", name="Add a member of staff").click()
        page.get_by_label("Name").fill(name)
        page.get_by_label("Role").select_option(label=role)
        if rate:
            page.get_by_label(re.compile("Own hourly rate")).fill(rate)
        page.get_by_role("button", name="Add to the staff").click()
        expect(page.get_by_role("status")).to_contain_text(f"{name} is added to the staff.")
    check_accessibility(page, "staff")

    page.get_by_role("link", name="Set-up", exact=True).click()
    page.get_by_role("link", name="Funding streams and budgets").click()
    page.get_by_role("link", name="Add a funding stream").click()
    page.get_by_label("Name").fill("Notional SEN budget")
    page.get_by_label("Kind").select_option(label="Notional SEN budget")
    page.get_by_role("button", name="Add the stream").click()
    page.get_by_label("Budget (£)").fill("6000")
    page.get_by_role("button", name="Save the budget").click()
    expect(page.get_by_role("status")).to_contain_text("is saved")
    check_accessibility(page, "funding stream")
    return year_name


def invite_the_ta(page: Page, mailoutbox: list) -> None:
    page.get_by_role("link", name="People", exact=True).click()
    page.get_by_role("link", name="Invite someone").click()
    page.get_by_label("Email address").fill("d.evans@hillcrest.sch.uk")
    page.get_by_label("First name").fill("Dan")
    page.get_by_label("Last name").fill("Evans")
    page.get_by_label("Role", exact=True).select_option(label="Teaching assistant")
    page.get_by_label("Their record on the staff list").select_option(label="Dan Evans (TA)")
    page.get_by_role("button", name="Send the invitation").click()
    expect(page.get_by_role("status")).to_contain_text(
        "Invitation sent to d.evans@hillcrest.sch.uk"
    )
    expect(page.get_by_role("row").filter(has_text="Dan Evans")).to_contain_text("Invited")
    check_accessibility(page, "people")
    assert len(mailoutbox) == 2


def add_a_provision_and_start_a_run(page: Page) -> None:
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalogue").click()
    page.get_by_role("link", name="Add a provision").click()
    check_accessibility(page, "new provision")
    page.get_by_label("Name", exact=True).fill("Precision reading")
    page.get_by_label("Wave").select_option("2")
    page.get_by_label("Type").select_option(label="Small-group intervention")
    page.get_by_label("Pupils in the usual ratio").fill("3")
    page.get_by_label("Sessions a week").fill("3")
    page.get_by_label("Minutes a session").fill("30")
    page.get_by_role("button", name=re.compile("Add")).last.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Precision reading")

    page.get_by_role("navigation", name="Main").get_by_role("link", name="Catalogue").click()
    page.get_by_role("link", name="Start a run of Precision reading").click()
    check_accessibility(page, "start a run")
    page.get_by_label("Group name").fill("Group R")
    page.get_by_label("Led by").select_option(label="Priya Shah (S)")
    page.get_by_label("Dan Evans (TA)").check()
    page.get_by_label("Funding stream").select_option(label="Notional SEN budget")
    page.get_by_role("button", name="Start the run").click()
    expect(page.locator(".messages")).to_contain_text("Now add its pupils.")


def add_the_pupils(page: Page, joining: dt.date) -> None:
    page.locator("#add form").get_by_label("Year group").select_option("7")
    candidates = page.locator("#candidates")
    expect(candidates).to_contain_text("3 pupils found")
    for first_name, surname in PUPILS:
        box = candidates.get_by_label(f"{surname}, {first_name}")
        expect(box).not_to_be_checked()
        box.check()
    # The group has met since the start of term: they join from its first day, not today.
    candidates.get_by_label("Joining from").fill(joining.isoformat())
    candidates.get_by_role("button", name="Add the ticked pupils").click()
    expect(page.locator(".messages")).to_contain_text("Added 3 pupils to Precision reading")
    check_accessibility(page, "run with pupils")


def correct_the_run(page: Page, run: ProvisionRun) -> None:
    page.get_by_role("link", name="Edit the run").click()
    # The TA's time is cut to 20 minutes a session; the SENCO's stays the run's.
    dans_row = next(
        row
        for row in (1, 2)
        if "Dan Evans"
        in page.get_by_label(f"Who, row {row}").locator("option:checked").inner_text()
    )
    page.get_by_label(f"Minutes a session, row {dans_row}").fill("20")
    page.get_by_label("Weeks").fill("20")
    page.get_by_role("button", name="Save changes").click()
    expect(page.get_by_role("alert")).to_contain_text("20 weeks do not fit between")
    check_accessibility(page, "run edit refused")
    page.get_by_label("Weeks").fill("10")
    page.get_by_role("button", name="Save changes").click()
    expect(page.locator(".messages")).to_contain_text("Precision reading Group R is saved.")
    lines = dict(RunStaff.objects.filter(run=run).values_list("staff__name", "minutes_per_session"))
    assert lines == {"Priya Shah": None, "Dan Evans": 20}


def test_a_new_school_from_nothing(live_server, page: Page, mailoutbox):
    base = live_server.url
    school, link = install_the_school(mailoutbox)
    with all_schools():
        for index, (first_name, surname) in enumerate(PUPILS):
            # Stand-ins for the school's MIS import (its own journey is test_import_journey).
            PupilFactory(
                school=school,
                legal_forename=first_name,
                surname=surname,
                nc_year="7",
                sen_status=SENStatus.SUPPORT if index else SENStatus.EHC_PLAN,
                on_roll_from=dt.date(2020, 9, 1),
            )

    senco_signs_in_for_the_first_time(page, base, link)
    year_name = set_up_the_school(page, school)
    invite_the_ta(page, mailoutbox)
    add_a_provision_and_start_a_run(page)
    with all_schools():
        run = ProvisionRun.objects.get(school=school)
        term = Term.objects.get(pk=run.term_id)
    add_the_pupils(page, run.start_date)
    correct_the_run(page, run)

    # Noah leaves the group from a chosen day: the day before today, or the run's first.
    today = timezone.localdate()
    last_day = max(run.start_date, today - dt.timedelta(days=1))
    page.get_by_role("link", name="Change Noah Patel's place").click()
    check_accessibility(page, "a pupil's place")
    page.get_by_label("Last day in the group").fill(last_day.isoformat())
    page.get_by_role("button", name="Withdraw Noah Patel").click()
    expect(page.locator(".messages")).to_contain_text("Noah Patel is withdrawn from")
    with all_schools():
        noah = Placement.objects.get(run=run, pupil__surname="Patel")
    assert (noah.status, noah.end_date) == ("withdrawn", last_day)

    page.get_by_role("link", name="Close the run").click()
    check_accessibility(page, "closing the run")
    page.get_by_role("button", name="Close the run").click()
    expect(page.locator(".messages")).to_contain_text("is closed; 2 pupils completed it.")
    run.refresh_from_db()
    assert run.status == ProvisionRun.Status.CLOSED

    # The term's map, its download and the budget page say the same.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Term map").click()
    check_accessibility(page, "term map")
    row = page.get_by_role("row").filter(has_text="Precision reading")
    on_the_map = money(row.inner_text())
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download the map as shown as XLSX").click()
    download = download_info.value
    assert term.name.lower().split()[0] in download.suggested_filename.lower()
    workbook = load_workbook(BytesIO(Path(download.path()).read_bytes()), data_only=True)
    sheet = workbook.worksheets[0]
    header = [cell.value for cell in next(sheet.iter_rows(max_row=1))]
    share = header.index("Cost for this pupil")
    exported = sum(
        (Decimal(str(line[share])) for line in sheet.iter_rows(min_row=2, values_only=True)),
        Decimal(0),
    )
    totals = {line[0]: line[1] for line in workbook["Totals"].iter_rows(values_only=True)}
    assert Decimal(str(totals["Cost of the groups listed"])) == on_the_map
    assert exported == on_the_map

    page.goto(f"{base}/school/{school.urn}/setup/")
    page.get_by_role("link", name="Funding streams and budgets").click()
    page.get_by_role("link", name="See the budget against spending").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Budget {year_name}")
    stream = page.get_by_role("row", name=re.compile("Notional SEN budget"))
    expect(stream).to_contain_text("£6,000.00")
    expect(stream).to_contain_text(f"£{on_the_map:,.2f}")
    check_accessibility(page, "budget")
    with all_schools():
        assert Membership.objects.filter(school=school, role=Role.TA).count() == 1

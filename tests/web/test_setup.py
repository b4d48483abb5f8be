"""The school set-up pages: each opens for an editor, is refused to teachers, governors and
parents, and every change is recorded in the audit trail."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from provmap.accounts.models import AuditAction, AuditEvent, Role
from provmap.provision.models import GeneralResource
from provmap.provision.resources import general_resource_create, general_resource_update
from provmap.schools.models import (
    AcademicYear,
    FundingBudget,
    FundingStream,
    RoleRate,
    StaffMember,
    Term,
)
from provmap.schools.views.setup import setup_steps
from tests.factories import MembershipFactory, SchoolFactory, UserFactory
from tests.web.map_world import World, add_run, build_world, member

pytestmark = pytest.mark.django_db


def url(world: World, name: str, *args: object) -> str:
    return reverse(name, args=[world.school.urn, *args])


def events(world: World, action: str) -> list[str]:
    return list(
        AuditEvent.objects.filter(school=world.school, action=action).values_list(
            "summary", flat=True
        )
    )


def version_of(page: str) -> str:
    found = re.search(r'name="version" value="(\d+)"', page)
    assert found is not None
    return found.group(1)


PAGES = [
    ("school_setup", ()),
    ("school_details", ()),
    ("setup_years", ()),
    ("year_new", ()),
    ("role_rates", ()),
    ("role_rate_new", ()),
    ("role_rates_import", ()),
    ("setup_staff", ()),
    ("staff_member_new", ()),
    ("funding_streams", ()),
    ("funding_stream_new", ()),
    ("school_budget", ()),
    ("general_resources", ()),
    ("general_resource_new", ()),
]


def test_every_page_opens_for_editors_and_no_one_else(client: Client):
    world = build_world()
    add_run(world)
    year = world.term.academic_year
    rate = RoleRate.objects.create(school=world.school, role="ta", hourly_rate=Decimal(20))
    resource = GeneralResource.objects.create(
        school=world.school, academic_year=year, name="Books", kind="materials", fixed_cost=1
    )
    pages = [
        *PAGES,
        ("year_edit", (year.pk,)),
        ("term_new", (year.pk,)),
        ("term_edit", (world.term.pk,)),
        ("role_rate_edit", (rate.pk,)),
        ("staff_member_edit", (world.ta_staff.pk,)),
        ("funding_stream_edit", (world.fund.pk,)),
        ("general_resource_edit", (resource.pk,)),
    ]
    editors = [world.senco, member(world.school, Role.SEND_ADMIN)]
    for user in editors:
        client.force_login(user)
        for name, args in pages:
            response = client.get(url(world, name, *args))
            assert response.status_code == 200, name
            assert 'aria-current="page">Set-up</a>' in response.content.decode(), name
    for role in (Role.TEACHER, Role.GOVERNOR, Role.PARENT, Role.SENIOR_LEADER):
        client.force_login(member(world.school, role))
        for name, args in pages:
            assert client.get(url(world, name, *args)).status_code == 403, (role, name)


def test_the_set_up_link_is_for_editors(client: Client):
    world = build_world()
    client.force_login(world.senco)
    assert "Set-up</a>" in client.get(url(world, "catalogue")).content.decode()
    client.force_login(member(world.school, Role.HEAD_OF_YEAR, year_groups="7"))
    assert "Set-up</a>" not in client.get(url(world, "catalogue")).content.decode()


def test_a_senco_of_a_school_with_no_year_lands_on_set_up(client: Client):
    school = SchoolFactory()
    senco = UserFactory()
    MembershipFactory(user=senco, school=school, role=Role.SENCO)
    client.force_login(senco)
    response = client.get(reverse("home"))
    assert response["Location"] == reverse("school_setup", args=[school.urn])
    page = client.get(response["Location"]).content.decode()
    assert "0 years, 0 terms" in page
    assert "Not done yet" in page
    # Once the school has a year, the map again.
    world = build_world()
    client.force_login(world.senco)
    assert client.get(reverse("home"))["Location"] == url(world, "term_map")


def test_the_checklist_counts_what_is_there(client: Client):
    world = build_world()
    client.force_login(world.senco)
    page = client.get(url(world, "school_setup")).content.decode()
    assert "1 year, 1 term" in page
    assert "2 members of staff" in page
    assert "1 stream, 0 budgets" in page
    assert "1 provision" in page
    assert url(world, "catalogue") in page


def test_school_details_are_saved_and_audited(client: Client):
    world = build_world()
    client.force_login(world.senco)
    page = client.get(url(world, "school_details")).content.decode()
    data = {
        "name": "Oakfield Primary",
        "phase": "primary",
        "la_code": "886",
        "estab_code": "2001",
        "version": version_of(page),
    }
    response = client.post(url(world, "school_details"), data)
    assert response.status_code == 302
    world.school.refresh_from_db()
    assert world.school.name == "Oakfield Primary"
    assert events(world, AuditAction.CHANGE) == ["School details."]
    bad = client.post(url(world, "school_details"), {**data, "la_code": "12", "version": "2"})
    assert "An LA number is three digits, for example 886." in bad.content.decode()


def test_a_year_is_added_with_its_terms(client: Client):
    world = build_world()
    client.force_login(world.senco)
    page = client.get(url(world, "year_new")).content.decode()
    assert 'value="2026-27"' in page
    response = client.post(
        url(world, "year_new"),
        {
            "name": "2026-27",
            "start_date": "2026-09-01",
            "end_date": "2027-08-31",
            "weeks": "39",
            "terms": "6",
        },
        follow=True,
    )
    year = AcademicYear.objects.get(school=world.school, name="2026-27")
    assert Term.objects.filter(academic_year=year).count() == 6
    assert "2026-27 is added with 6 terms." in response.content.decode()
    assert events(world, AuditAction.CREATE) == ["School year 2026-27 with 6 terms."]


def test_a_year_in_use_is_not_deleted(client: Client):
    world = build_world()
    add_run(world)
    year = world.term.academic_year
    client.force_login(world.senco)
    response = client.post(
        url(world, "year_delete", year.pk), {"version": str(year.version)}, follow=True
    )
    assert "cannot be deleted: 1 run depends on it." in response.content.decode()
    assert AcademicYear.objects.filter(pk=year.pk).exists()
    assert events(world, AuditAction.DELETE) == []


def test_a_stale_term_edit_is_refused_and_the_term_shown_as_it_is(client: Client):
    world = build_world()
    client.force_login(world.senco)
    term = world.term
    data = {
        "number": "1",
        "name": "Autumn term",
        "start_date": "2025-09-01",
        "end_date": "2025-12-19",
        "weeks": "14",
        "version": "1",
    }
    assert client.post(url(world, "term_edit", term.pk), data).status_code == 302
    stale = client.post(url(world, "term_edit", term.pk), {**data, "name": "Michaelmas"})
    content = stale.content.decode()
    assert "Someone else changed the term Autumn term after you opened this page." in content
    assert 'value="Autumn term"' in content
    assert Term.objects.get(pk=term.pk).name == "Autumn term"


def test_rates_are_taken_from_a_list_after_a_preview(client: Client):
    world = build_world()
    client.force_login(world.senco)
    text = "Role,Rate\nTA,21.50\nLSA,19.00"
    preview = client.post(url(world, "role_rates_import"), {"text": text, "step": "preview"})
    content = preview.content.decode()
    assert "Set these rates" in content
    assert not RoleRate.objects.filter(school=world.school).exists()
    response = client.post(url(world, "role_rates_import"), {"text": text, "step": "apply"})
    assert response.status_code == 302
    rates = dict(RoleRate.objects.filter(school=world.school).values_list("role", "hourly_rate"))
    assert rates == {"ta": Decimal("21.50"), "lsa": Decimal("19.00")}
    assert events(world, AuditAction.CHANGE) == ["Rates by role from a list: 2 rates set."]
    wrong = client.post(
        url(world, "role_rates_import"), {"text": "TA,22\nJanitor,9", "step": "apply"}
    )
    assert "Line 2: &#x27;Janitor&#x27; is not a staff role" in wrong.content.decode()
    assert RoleRate.objects.get(school=world.school, role="ta").hourly_rate == Decimal("21.50")


def test_staff_are_added_and_one_on_runs_is_not_deleted(client: Client):
    world = build_world()
    add_run(world)
    client.force_login(world.senco)
    response = client.post(
        url(world, "staff_member_new"),
        {"name": "Ann Lee", "role": "hlta", "contracted_hours": "30", "active": "on"},
    )
    assert response.status_code == 302
    ann = StaffMember.objects.get(school=world.school, name="Ann Lee")
    assert ann.active and ann.hourly_rate is None
    refused = client.post(
        url(world, "staff_member_delete", world.ta_staff.pk), {"version": "1"}, follow=True
    )
    assert "Untick" in refused.content.decode()
    assert StaffMember.objects.filter(pk=world.ta_staff.pk).exists()
    assert events(world, AuditAction.CREATE) == [
        "Member of staff (Higher level teaching assistant)."
    ]


def test_a_stream_with_a_budget_and_the_budget_page(client: Client):
    world = build_world()
    add_run(world)
    year = world.term.academic_year
    client.force_login(world.senco)
    response = client.post(
        url(world, "funding_stream_new"), {"name": "Pupil premium", "kind": "pupil_premium"}
    )
    stream = FundingStream.objects.get(school=world.school, name="Pupil premium")
    assert response["Location"] == url(world, "funding_stream_edit", stream.pk)
    client.post(
        url(world, "funding_budget_set", world.fund.pk),
        {"academic_year": year.pk, "amount": "2500", **budgets_read(client, world)},
    )
    assert FundingBudget.objects.get(stream=world.fund, academic_year=year).amount == 2500
    page = client.get(url(world, "school_budget"), {"year": year.pk}).content.decode()
    assert "£2,500.00" in page
    assert "No budget set" in page
    assert '<svg class="chart chart--budget"' in page
    assert "Remaining" in page
    summaries = events(world, AuditAction.CREATE)
    assert "Budget of 'Notional SEN budget' for 2025-26." in summaries


def budgets_read(client: Client, world: World) -> dict[str, str]:
    """The budgets the stream's page showed, as its budget form sends them back."""
    page = client.get(url(world, "funding_stream_edit", world.fund.pk)).content.decode()
    found = re.search(r'<input type="hidden" name="read"(?: value="([^"]*)")?', page)
    assert found is not None
    return {"read": found.group(1) or ""}


def test_two_people_setting_a_budget_at_once(client: Client):
    world = build_world()
    year = world.term.academic_year
    client.force_login(world.senco)
    set_budget = url(world, "funding_budget_set", world.fund.pk)
    mine = budgets_read(client, world)
    assert mine == {"read": ""}
    # A colleague sets the year's budget after I opened the page, and before I save.
    other = Client()
    other.force_login(member(world.school, Role.SEND_ADMIN))
    theirs = budgets_read(other, world)
    assert (
        other.post(set_budget, {"academic_year": year.pk, "amount": "3000", **theirs}).status_code
        == 302
    )
    response = client.post(
        set_budget, {"academic_year": year.pk, "amount": "2500", **mine}, follow=True
    )
    content = response.content.decode()
    assert (
        "Someone else set the budget of &#x27;Notional SEN budget&#x27; for 2025-26 after you "
        "opened this page." in content
    )
    budget = FundingBudget.objects.get(stream=world.fund, academic_year=year)
    assert budget.amount == 3000
    # They change it again; my page, read before that, is refused too.
    mine = budgets_read(client, world)
    assert mine == {"read": f"{year.pk}:{budget.version}"}
    assert (
        other.post(
            set_budget,
            {"academic_year": year.pk, "amount": "3500", **budgets_read(other, world)},
        ).status_code
        == 302
    )
    content = client.post(
        set_budget, {"academic_year": year.pk, "amount": "2500", **mine}, follow=True
    ).content.decode()
    assert "Someone else changed the budget of &#x27;Notional SEN budget&#x27;" in content
    # Read afresh, mine is saved; a form without what the page showed is refused.
    fresh = budgets_read(client, world)
    assert (
        client.post(set_budget, {"academic_year": year.pk, "amount": "2500", **fresh}).status_code
        == 302
    )
    assert FundingBudget.objects.get(pk=budget.pk).amount == 2500
    stale = client.post(set_budget, {"academic_year": year.pk, "amount": "1"})
    assert stale.status_code == 400
    assert "The page was out of date" in stale.content.decode()
    assert FundingBudget.objects.get(pk=budget.pk).amount == 2500


def test_the_budget_page_is_refused_without_costs(client: Client):
    world = build_world()
    admin = UserFactory()
    MembershipFactory(user=admin, school=world.school, role=Role.SEND_ADMIN, finance=False)
    client.force_login(admin)
    assert client.get(url(world, "school_budget")).status_code == 403


def test_a_general_resource_is_added_and_costed(client: Client):
    world = build_world()
    year = world.term.academic_year
    client.force_login(world.senco)
    response = client.post(
        url(world, "general_resource_new"),
        {
            "academic_year": year.pk,
            "name": "SENCO admin time",
            "kind": "admin",
            "funding_stream": world.fund.pk,
            "staff": world.senco_staff.pk,
            "hours_per_week": "2",
        },
    )
    assert response.status_code == 302
    page = client.get(url(world, "general_resources"), {"year": year.pk}).content.decode()
    # 2 hours x £45 x the year's 38 weeks.
    assert "£3,420.00" in page
    assert events(world, AuditAction.CREATE) == ["General resource 'SENCO admin time'."]
    both = client.post(
        url(world, "general_resource_new"),
        {
            "academic_year": year.pk,
            "name": "Odd",
            "kind": "other",
            "fixed_cost": "10",
            "staff": world.senco_staff.pk,
            "hours_per_week": "1",
        },
    )
    assert "not both" in both.content.decode()


def test_an_editor_without_costs_edits_a_general_resource_but_not_its_fixed_cost(
    client: Client,
):
    world = build_world()
    year = world.term.academic_year
    resource = GeneralResource.objects.create(
        school=world.school,
        academic_year=year,
        name="Training day",
        kind="training",
        fixed_cost=Decimal("876.50"),
    )
    admin = UserFactory()
    MembershipFactory(user=admin, school=world.school, role=Role.SEND_ADMIN, finance=False)
    client.force_login(admin)
    edit = url(world, "general_resource_edit", resource.pk)
    for page in (
        client.get(edit).content.decode(),
        client.get(url(world, "general_resources"), {"year": year.pk}).content.decode(),
    ):
        assert "876.50" not in page and "876.5" not in page and "£" not in page
    assert 'name="fixed_cost"' not in client.get(edit).content.decode()
    # Names and notes still change; a fixed cost sent all the same is left as it was.
    page = client.get(edit).content.decode()
    response = client.post(
        edit,
        {
            "version": version_of(page),
            "academic_year": year.pk,
            "name": "Autism training day",
            "kind": "training",
            "fixed_cost": "1",
            "notes": "Whole staff, INSET day.",
        },
    )
    assert response.status_code == 302
    resource.refresh_from_db()
    assert (resource.name, resource.notes) == ("Autism training day", "Whole staff, INSET day.")
    assert resource.fixed_cost == Decimal("876.50")
    # The service refuses a fixed cost from someone who does not see costs.
    with pytest.raises(ValidationError, match="Only someone who sees the school's costs"):
        general_resource_update(
            resource=resource, read_version=resource.version, finance=False, fixed_cost=1
        )
    with pytest.raises(ValidationError, match="Only someone who sees the school's costs"):
        general_resource_create(
            school=world.school,
            academic_year=year,
            name="Books",
            kind="materials",
            fixed_cost=Decimal(50),
            finance=False,
        )
    # A new resource from them is staff time.
    response = client.post(
        url(world, "general_resource_new"),
        {
            "academic_year": year.pk,
            "name": "Admin time",
            "kind": "admin",
            "staff": world.senco_staff.pk,
            "hours_per_week": "1",
            "fixed_cost": "99",
        },
    )
    assert response.status_code == 302
    assert GeneralResource.objects.get(name="Admin time").fixed_cost is None


def test_another_schools_rows_are_not_found(client: Client):
    world = build_world()
    other = build_world(name="Other School")
    client.force_login(world.senco)
    assert client.get(url(world, "funding_stream_edit", other.fund.pk)).status_code == 404
    assert client.get(url(world, "term_edit", other.term.pk)).status_code == 404
    assert (
        client.get(url(world, "school_budget"), {"year": other.term.academic_year_id}).status_code
        == 404
    )


def test_the_checklist_links_to_the_people_page():
    world = build_world()
    people = next(step for step in setup_steps(world.school) if step.title == "People")
    assert people.url == f"/school/{world.school.urn}/people/"
    assert people.found == "1 person with a role in the school" and not people.done

"""Who sees costs and who sees pay rates, on every page and in every export.

Costs (a run's cost, a pupil's share, totals, cost per pupil) go to those with the finance
right: the SENCO, the SEND administrator, senior leaders, pupil premium leads, governors and
trust leaders by default, heads of year only when their school says so, never teachers, TAs,
mentors or parents. Pay rates ("£20.00/h") go only to those who see the staff page.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from decimal import Decimal

import openpyxl
import pytest
from django.urls import reverse

from provmap.accounts.models import Membership, Role, User
from provmap.provision.models import ProvisionRun
from provmap.pupils.models import Pupil
from provmap.schools.roles import StaffRole
from tests.factories import StaffMemberFactory, TrustFactory, UserFactory
from tests.web.map_world import World, add_run, build_world, member, pupils

pytestmark = pytest.mark.django_db

# Run A: Sam Reed (£45/h) and Jo Bloggs (£20/h), 3 x 30 min for 10 weeks: £675 + £300.
RUN_A_COST = "£975.00"
# Run B: Kim Lee (£38/h) alone: £570, which would give away Kim's rate.
RUN_B_COST = "£570.00"
RATES = ("£45.00/h", "£20.00/h", "£38.00/h")

# role: (sees costs, sees pay rates, runs on the map)
EXPECTED = {
    "senco": (True, True, {"A", "B"}),
    "send_admin": (True, True, {"A", "B"}),
    "leader": (True, False, {"A", "B"}),
    "pp_lead": (True, False, {"A", "B"}),
    "head_of_year": (False, False, {"A", "B"}),
    "teacher": (False, False, {"B"}),
    "ta": (False, False, {"A"}),
    "learning_mentor": (False, False, set()),
    "trust_leader_pupils": (True, False, {"A", "B"}),
}


@dataclass
class Costed:
    world: World
    run_a: ProvisionRun
    run_b: ProvisionRun
    pupil: Pupil
    users: dict[str, User]


@pytest.fixture
def costed() -> Costed:
    world = build_world()
    trust = TrustFactory()
    world.school.trust = trust
    world.school.save()
    kim = StaffMemberFactory(
        school=world.school, name="Kim Lee", role=StaffRole.TEACHER, hourly_rate=Decimal("38")
    )
    mentor = StaffMemberFactory(school=world.school, name="Max Moss", role=StaffRole.TA)
    group = pupils(world, 2, nc_year="7", form="7A")
    run_a = add_run(world, pupils=group, label="A")
    run_b = add_run(world, pupils=group[:1], label="B", lead_staff=kim, staff=[kim])
    school = world.school
    users = {
        "senco": world.senco,
        "send_admin": member(school, Role.SEND_ADMIN),
        "leader": member(school, Role.SENIOR_LEADER),
        "pp_lead": member(school, Role.PUPIL_PREMIUM_LEAD),
        "head_of_year": member(school, Role.HEAD_OF_YEAR, year_groups="7"),
        "teacher": member(school, Role.TEACHER, staff_member=kim, teaching_groups="7A"),
        "ta": member(school, Role.TA, staff_member=world.ta_staff, teaching_groups="7A"),
        "learning_mentor": member(
            school, Role.LEARNING_MENTOR, staff_member=mentor, teaching_groups="7A"
        ),
        "governor": member(school, Role.GOVERNOR),
    }
    for name, pupil_access in (("trust_leader", False), ("trust_leader_pupils", True)):
        users[name] = UserFactory()
        Membership.objects.create(
            user=users[name],
            role=Role.TRUST_LEADER,
            trust=trust,
            trust_pupil_access=pupil_access,
        )
    return Costed(world, run_a, run_b, group[0], users)


def _pages(data: Costed) -> dict[str, str]:
    urn = data.world.school.urn
    return {
        "term map": reverse("term_map", args=[urn]),
        "pupils behind the map": reverse("map_pupils", args=[urn]),
        "year map": reverse("year_map", args=[urn]) + "?nc_year=7",
        "waves": reverse("waves", args=[urn]) + "?group=year-7",
        "provision": reverse("provision_detail", args=[urn, data.world.provision.pk]),
        "pupil": reverse("pupil_detail", args=[urn, data.pupil.pk]),
    }


def _xlsx_rows(content: bytes) -> list[dict[str, object]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Map"]
    rows = list(sheet.iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def _xlsx_totals(content: bytes) -> list[tuple[object, ...]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Totals"]
    return [row for row in sheet.iter_rows(values_only=True) if any(row)]


def _csv_rows(content: bytes) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(content.decode("utf-8-sig"))))


COST_HEADINGS = ("Cost per minute", "Total cost for provision", "Cost for this pupil")


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_pages_show_costs_and_rates_only_to_those_with_the_right(client, costed, role):
    finance, rates, _ = EXPECTED[role]
    client.force_login(costed.users[role])
    pages = _pages(costed)
    for name, url in pages.items():
        response = client.get(url)
        if response.status_code == 404 and name == "pupil":
            continue  # the learning mentor teaches 7A but delivers nothing: still opens it
        assert response.status_code == 200, (role, name)
        content = response.content.decode()
        assert ("£" in content) == (finance and name != "waves"), (role, name)
        assert not any(rate in content for rate in RATES), (role, name)
    for run, cost in ((costed.run_a, RUN_A_COST), (costed.run_b, RUN_B_COST)):
        response = client.get(reverse("run_detail", args=[costed.world.school.urn, run.pk]))
        if response.status_code == 404:
            continue
        content = response.content.decode()
        assert (cost in content) == finance, role
        assert ("£" in content) == finance, role
        assert any(rate in content for rate in RATES) == rates, role


@pytest.mark.parametrize("role", sorted(EXPECTED))
def test_exports_carry_costs_and_rates_only_to_those_with_the_right(client, costed, role):
    finance, rates, runs = EXPECTED[role]
    client.force_login(costed.users[role])
    urn = costed.world.school.urn
    response = client.get(reverse("export_map", args=[urn, "xlsx"]))
    assert response.status_code == 200
    xlsx = response.getvalue()
    rows = _xlsx_rows(xlsx)
    assert {row["Group"] for row in rows} == runs
    headings = set(rows[0]) if rows else set(_xlsx_rows_headings(xlsx))
    assert all((heading in headings) == finance for heading in COST_HEADINGS), role
    staff = " ".join(str(row["Staff delivering"] or "") for row in rows)
    assert ("/h" in staff) == (rates and bool(rows)), role
    totals = " ".join(str(cell) for row in _xlsx_totals(xlsx) for cell in row)
    assert ("Cost" in totals) == finance, role

    listed = _csv_rows(client.get(reverse("export_map", args=[urn, "csv"])).getvalue())
    assert {row["Group"] for row in listed} == runs
    if listed:
        assert all((heading in listed[0]) == finance for heading in COST_HEADINGS), role
        assert ("/h" in " ".join(row["Staff delivering"] for row in listed)) == rates, role

    for run in (costed.run_a, costed.run_b):
        response = client.get(reverse("export_run", args=[urn, run.pk, "csv"]))
        assert response.status_code == (200 if run.label in runs else 404), (role, run.label)
        if response.status_code == 200:
            text = response.getvalue().decode("utf-8-sig")
            assert ("Total cost for provision" in text) == finance
            assert any(rate in text for rate in RATES) == rates

    response = client.get(reverse("export_pupil", args=[urn, costed.pupil.pk, "xlsx"]))
    if response.status_code == 200:
        pupil_rows = _xlsx_rows(response.getvalue())
        assert {row["Group"] for row in pupil_rows} == runs
        assert all(("Cost for this pupil" in row) == finance for row in pupil_rows)


def _xlsx_rows_headings(content: bytes) -> tuple[object, ...]:
    sheet = openpyxl.load_workbook(io.BytesIO(content))["Map"]
    return next(sheet.iter_rows(values_only=True))


@pytest.mark.parametrize(
    ("role", "finance"), [("governor", True), ("trust_leader", True), ("head_of_year", False)]
)
def test_the_school_figures_show_money_only_with_the_finance_right(client, costed, role, finance):
    client.force_login(costed.users[role])
    response = client.get(reverse("school_figures", args=[costed.world.school.urn]))
    assert response.status_code == 200
    assert ("£" in response.content.decode()) == finance


def _set_finance(user: User, value: bool | None) -> None:
    Membership.objects.filter(user=user).update(finance=value)


def test_a_school_may_give_a_head_of_year_the_finance_right(client, costed):
    user = costed.users["head_of_year"]
    _set_finance(user, True)
    client.force_login(user)
    assert RUN_A_COST in client.get(_pages(costed)["term map"]).content.decode()
    rows = _csv_rows(
        client.get(reverse("export_map", args=[costed.world.school.urn, "csv"])).getvalue()
    )
    assert "Total cost for provision" in rows[0]
    assert "/h" not in " ".join(row["Staff delivering"] for row in rows)


def test_a_school_may_take_the_finance_right_from_a_leader(client, costed):
    user = costed.users["leader"]
    _set_finance(user, False)
    client.force_login(user)
    assert "£" not in client.get(_pages(costed)["term map"]).content.decode()


@pytest.mark.parametrize("role", ["teacher", "ta", "learning_mentor"])
def test_the_finance_right_is_never_given_to_those_who_deliver(client, costed, role):
    user = costed.users[role]
    _set_finance(user, True)
    client.force_login(user)
    for name, url in _pages(costed).items():
        response = client.get(url)
        assert "£" not in response.content.decode(), (role, name)


@pytest.mark.parametrize(("role", "finance"), [("head_of_year", False), ("leader", True)])
def test_the_impact_pages_show_costs_only_with_the_finance_right(client, role, finance):
    from tests.web.test_impact import School

    world = School()
    extra = {"year_groups": "9"} if role == "head_of_year" else {}
    client.force_login(member(world.school, role, **extra))
    for url in (world.overview(), world.provision_page()):
        content = client.get(url).content.decode()
        assert ("Cost per pupil" in content) == finance, url
        assert ("£60.00" in content) == finance, url
    # The price of a month of progress (here: none, the interval includes no gain).
    overview = client.get(world.overview()).content.decode()
    assert ("Cost per month of progress" in overview) == finance

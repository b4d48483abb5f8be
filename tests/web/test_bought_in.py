"""Bought-in and free services on every page and export that shows a cost: each figure is
the price rule's (provision/costing.py), worked by hand here."""

from __future__ import annotations

import csv
import datetime as dt
import io
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from provmap.provision.models import CostBasis, Provision, ProvisionRun
from provmap.provision.selectors import cost_summary
from provmap.pupils.models import Pupil
from provmap.schools.roles import StaffRole
from tests.factories import ProvisionFactory, StaffMemberFactory
from tests.web.map_world import World, add_run, build_world, pupils

pytestmark = pytest.mark.django_db


@dataclass
class Services:
    world: World
    counselling: ProvisionRun
    nhs: ProvisionRun
    agreement: ProvisionRun
    licences: ProvisionRun
    counselled: Pupil


@pytest.fixture
def services() -> Services:
    world = build_world()
    school = world.school
    counsellor = StaffMemberFactory(
        school=school,
        name="Pat Kerr",
        role=StaffRole.COUNSELLOR,
        hourly_rate=Decimal("42"),
        is_external=True,
    )
    therapist = StaffMemberFactory(
        school=school,
        name="Lee Shaw",
        role=StaffRole.SALT,
        hourly_rate=Decimal("60"),
        is_external=True,
    )

    def priced(name: str, basis: str, price: str | None) -> Provision:
        return ProvisionFactory(
            school=school,
            name=name,
            cost_basis=basis,
            price=Decimal(price) if price else None,
        )

    placed = pupils(world, 2)
    # £45 a session x 1 a week x 10 weeks = £450; the counsellor is in the price; the TA
    # who sits in, 30 min x £20/h x 10 weeks = £100, is the school's: £550, £275 a pupil.
    counselling = add_run(
        world,
        provision=priced("Counselling", CostBasis.PER_SESSION, "45"),
        staff=[counsellor, world.ta_staff],
        pupils=placed,
        sessions_per_week=Decimal("1"),
    )
    # NHS therapy: the therapist's £60/h costs the school nothing.
    nhs = add_run(
        world,
        provision=priced("NHS speech therapy", CostBasis.NO_COST, None),
        staff=[therapist],
        pupils=pupils(world, 1),
    )
    # A £3,800 yearly agreement; a 10-week run of a 38-week year carries £1,000.
    agreement = add_run(
        world,
        provision=priced("Outreach agreement", CostBasis.PER_YEAR, "3800"),
        staff=[],
        pupils=pupils(world, 2),
    )
    # £30 a pupil's licence x 3, and the TA 3 x 30 min x £20/h x 10 weeks = £300: £390, each
    # pupil £30 + £100.
    licences = add_run(
        world,
        provision=priced("Typing licences", CostBasis.PER_PUPIL, "30"),
        staff=[world.ta_staff],
        pupils=pupils(world, 3),
    )
    return Services(world, counselling, nhs, agreement, licences, placed[0])


def test_the_year_is_costed_by_each_rule(services: Services) -> None:
    world = services.world
    summary = cost_summary(world.school, world.term.academic_year, as_of=dt.date(2026, 8, 1))
    assert summary.by_provision() == {
        "Counselling": Decimal("550.00"),
        "NHS speech therapy": Decimal("0.00"),
        "Outreach agreement": Decimal("1000.00"),
        "Typing licences": Decimal("390.00"),
    }
    runs = {item.run.provision.name: item for item in summary.runs}
    assert [p.share for p in runs["Counselling"].placements] == [Decimal("275.00")] * 2
    assert [p.share for p in runs["Typing licences"].placements] == [Decimal("130.00")] * 3
    assert [line.in_price for line in runs["Counselling"].staff] == [True, False]
    assert runs["NHS speech therapy"].no_cost
    assert summary.provision_total == Decimal("1940.00")
    assert sum(summary.by_year_group().values(), Decimal(0)) == Decimal("1940.00")


def _client(world: World) -> Client:
    client = Client()
    client.force_login(world.senco)
    return client


def test_the_pages_show_the_prices(services: Services) -> None:
    world = services.world
    urn = world.school.urn
    client = _client(world)
    term_map = client.get(reverse("term_map", args=[urn])).content.decode()
    for figure in ("£550.00", "£1,000.00", "£390.00"):
        assert figure in term_map
    run = client.get(reverse("run_detail", args=[urn, services.counselling.pk])).content.decode()
    assert "In the price" in run and "£450.00" in run and "£550.00" in run
    assert "£45 a session" in run
    nhs = client.get(reverse("run_detail", args=[urn, services.nhs.pk])).content.decode()
    assert "No cost to the school" in nhs
    pupil = client.get(reverse("pupil_detail", args=[urn, services.counselled.pk]))
    assert "£275.00" in pupil.content.decode()
    detail = client.get(
        reverse("provision_detail", args=[urn, services.licences.provision_id])
    ).content.decode()
    assert "£30 a pupil placed" in detail
    year_map = client.get(reverse("year_map", args=[urn]) + "?nc_year=7").content.decode()
    assert "Price" in year_map
    # Staff time still counts the counsellor's hours, though they cost the school nothing.
    staff = client.get(reverse("staff_load", args=[urn])).content.decode()
    assert "Pat Kerr" in staff and "Lee Shaw" in staff


def test_the_export_carries_the_same_costs(services: Services) -> None:
    world = services.world
    client = _client(world)
    response = client.get(reverse("export_map", args=[world.school.urn, "csv"]))
    rows = csv.DictReader(io.StringIO(response.getvalue().decode("utf-8-sig")))
    totals = {row["Provision"]: row["Total cost for provision"] for row in rows}
    assert Decimal(totals["Counselling"]) == Decimal("550")
    assert Decimal(totals["NHS speech therapy"]) == Decimal("0")
    assert Decimal(totals["Outreach agreement"]) == Decimal("1000")
    assert Decimal(totals["Typing licences"]) == Decimal("390")


def test_the_catalogue_form_saves_a_price_and_drops_one_without_a_basis(
    services: Services,
) -> None:
    world = services.world
    client = _client(world)
    provision = world.provision
    url = reverse("provision_edit", args=[world.school.urn, provision.pk])
    form = client.get(url).context["form"]
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if name in form.fields and name != "areas"
    }
    data.update(cost_basis=CostBasis.PER_RUN, price="600", areas=["CL"])
    response = client.post(url, data)
    assert response.status_code == 302, response.content.decode()[:2000]
    provision.refresh_from_db()
    assert (provision.cost_basis, provision.price) == (CostBasis.PER_RUN, Decimal("600.00"))
    assert provision.version == 2

    form = client.get(url).context["form"]
    data = {
        name: ("" if value is None else value)
        for name, value in form.initial.items()
        if name in form.fields and name != "areas"
    }
    data.update(cost_basis=CostBasis.PER_RUN, price="", areas=["CL"])
    response = client.post(url, data)
    assert response.status_code == 200
    assert "Give the price" in response.content.decode()

    data.update(cost_basis=CostBasis.NO_COST, price="600")
    assert client.post(url, data).status_code == 302
    provision.refresh_from_db()
    assert (provision.cost_basis, provision.price) == (CostBasis.NO_COST, None)

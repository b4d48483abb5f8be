"""The trust dashboard: each school of the trust side by side, the same costs as each school's
own figures, from a fixed number of queries, for the trust's leaders only."""

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from provmap.accounts.models import Membership, Role
from provmap.provision.models import CostBasis, GeneralResource
from provmap.provision.selectors.costed import cost_summary
from provmap.provision.selectors.trust import trust_figures
from provmap.pupils.models import Result, SENStatus
from provmap.schools.models import FundingBudget
from tests.factories import (
    FundingStreamFactory,
    MeasureFactory,
    MembershipFactory,
    PlacementFactory,
    ProvisionFactory,
    ProvisionRunFactory,
    PupilFactory,
    RunStaffFactory,
    SchoolFactory,
    TermFactory,
    TrustFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 10, 1)
# The session, the user and their memberships, then the figures: schools, terms, roll,
# three cost aggregates (with runs and pupils placed), rates, general resources, budgets,
# and the same provision across schools: three cost aggregates by provision, one of counts.
PINNED = 17


def add_school(trust, name: str, *, pupils: int = 6):
    school = SchoolFactory(name=name, trust=trust)
    term = TermFactory(academic_year__school=school)
    year = term.academic_year
    people = [
        PupilFactory(school=school, sen_status=SENStatus.SUPPORT if i % 2 else SENStatus.NONE)
        for i in range(pupils)
    ]
    PupilFactory(school=school, sen_status=SENStatus.EHC_PLAN)
    # Every school runs "Reading group" (the same provision across schools), with results.
    measure = MeasureFactory(school=school)
    run = ProvisionRunFactory(
        provision__school=school,
        provision__name="Reading group",
        provision__measure=measure,
        academic_year=year,
    )
    RunStaffFactory(run=run)
    for pupil in people[:5]:
        entry, leave = (
            Result.objects.create(
                school=school, pupil=pupil, measure=measure, date=day, value=value
            )
            for day, value in ((dt.date(2025, 9, 10), 95), (dt.date(2025, 12, 10), 99))
        )
        PlacementFactory(run=run, pupil=pupil, baseline=entry, exit=leave)
    bought = ProvisionRunFactory(
        provision=ProvisionFactory(school=school, cost_basis=CostBasis.PER_PUPIL, price=120),
        academic_year=year,
    )
    PlacementFactory(run=bought, pupil=people[0])
    stream = FundingStreamFactory(school=school)
    FundingBudget.objects.create(school=school, academic_year=year, stream=stream, amount=5000)
    GeneralResource.objects.create(
        school=school,
        academic_year=year,
        name="Training",
        kind=GeneralResource.Kind.TRAINING,
        fixed_cost=Decimal("250"),
    )
    return school, year


def leader_of(trust) -> Client:
    user = UserFactory()
    Membership.objects.create(user=user, role=Role.TRUST_LEADER, trust=trust)
    client = Client()
    client.force_login(user)
    return client


def test_each_school_has_its_own_figures_costed_as_its_figures_page():
    trust = TrustFactory()
    built = [add_school(trust, "Beech"), add_school(trust, "Ash", pupils=8)]
    figures = trust_figures(trust, TODAY)
    assert [line.school.name for line in figures.schools] == ["Ash", "Beech"]
    for school, year in built:
        line = next(item for item in figures.schools if item.school == school)
        summary = cost_summary(school, year, as_of=TODAY)
        assert line.cost == summary.school_total
        assert line.budget == Decimal("5000.00")
        assert line.runs == 2
        assert line.receiving == 5
        assert line.ehc_plans == 1
    ash = figures.schools[0]
    assert (ash.roll, ash.sen_support) == (9, 4)


def test_the_page_costs_the_same_queries_whatever_the_number_of_schools():
    def queries(trust) -> int:
        client = leader_of(trust)
        url = reverse("trust_dashboard", args=[trust.pk])
        client.get(url)  # the session and the user's memberships, read once
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    one = TrustFactory()
    add_school(one, "Alone")
    three = TrustFactory()
    for name in ("One", "Two", "Three"):
        add_school(three, name)
    assert queries(one) == queries(three)
    assert queries(three) == PINNED
    # Three schools sharing a provision, with results: the second table, in no more queries.
    assert len(trust_figures(three, TODAY).shared) == 1


def test_small_counts_are_withheld_and_costs_shown():
    trust = TrustFactory()
    add_school(trust, "Small", pupils=2)
    page = leader_of(trust).get(reverse("trust_dashboard", args=[trust.pk])).content.decode()
    assert "Small" in page
    assert "fewer than 5" in page
    assert "£5,000.00" in page


def test_only_the_trusts_leaders_open_it():
    trust = TrustFactory()
    school, _ = add_school(trust, "Oakfield")
    url = reverse("trust_dashboard", args=[trust.pk])
    assert leader_of(trust).get(url).status_code == 200
    assert leader_of(TrustFactory()).get(url).status_code == 404
    senco = MembershipFactory(school=school, role=Role.SENCO).user
    client = Client()
    client.force_login(senco)
    assert client.get(url).status_code == 404


def test_trust_leaders_find_it_from_home_and_the_leaders_page():
    trust = TrustFactory()
    add_school(trust, "Oak")
    add_school(trust, "Elm")
    client = leader_of(trust)
    url = reverse("trust_dashboard", args=[trust.pk])
    assert url in client.get(reverse("home")).content.decode()
    assert url in client.get(reverse("trust_people", args=[trust.pk])).content.decode()

"""The trust dashboard's second table: the same provision across the trust's schools, with
each school's runs, pupils placed, cost per pupil placed and mean gain from entry to exit,
worked out here by hand on a small trust."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from provmap.accounts.models import Membership, Role
from provmap.provision.models import CostBasis, Placement
from provmap.provision.selectors.shared_provision import name_key
from provmap.provision.selectors.trust import trust_figures
from provmap.pupils.models import Measure, Result
from tests.factories import (
    AcademicYearFactory,
    MeasureFactory,
    PlacementFactory,
    ProvisionFactory,
    ProvisionRunFactory,
    PupilFactory,
    RunStaffFactory,
    SchoolFactory,
    StaffMemberFactory,
    TermFactory,
    TrustFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

TODAY = dt.date(2025, 10, 1)
ENTRY, EXIT = dt.date(2025, 9, 10), dt.date(2025, 12, 10)


def placed_with(run, measure, entry=None, leave=None, *, exit_measure=None) -> Placement:
    """A new pupil placed in `run` with entry and exit results on `measure` (either may be
    missing; the exit on `exit_measure` when given)."""
    pupil = PupilFactory(school=run.school)
    placement = PlacementFactory(run=run, pupil=pupil)
    if entry is not None:
        placement.baseline = Result.objects.create(
            school=run.school, pupil=pupil, measure=measure, date=ENTRY, value=entry
        )
    if leave is not None:
        placement.exit = Result.objects.create(
            school=run.school,
            pupil=pupil,
            measure=exit_measure or measure,
            date=EXIT,
            value=leave,
        )
    placement.save()
    return placement


def school_with_year(trust, name: str):
    school = SchoolFactory(name=name, trust=trust)
    term = TermFactory(academic_year__school=school)
    return school, term.academic_year


def staffed_run(provision, year, *, rate: str = "20"):
    """A run of 3 sessions of 30 minutes for 10 weeks (15 hours) with one person at `rate`
    an hour: £300 at £20."""
    run = ProvisionRunFactory(provision=provision, academic_year=year)
    RunStaffFactory(
        run=run, staff=StaffMemberFactory(school=provision.school, hourly_rate=Decimal(rate))
    )
    return run


def small_trust():
    """Ash and Beech both run Reading Boost (Beech writes it ' reading  BOOST'); only Ash
    runs Chess Club. Results, costs and the pupils behind them are worked out by hand in
    the tests."""
    trust = TrustFactory()
    ash, ash_year = school_with_year(trust, "Ash")
    beech, beech_year = school_with_year(trust, "Beech")

    reading = MeasureFactory(school=ash, name="Reading score")
    boost = ProvisionFactory(school=ash, name="Reading Boost", measure=reading)
    run = staffed_run(boost, ash_year)  # £300
    # Six pupils, entry 90 and exits 92 to 102: gains 2, 4, 6, 8, 10, 12, mean 7.
    for leave in (92, 94, 96, 98, 100, 102):
        placed_with(run, reading, 90, leave)
    ProvisionRunFactory(
        provision=ProvisionFactory(school=ash, name="Chess club"), academic_year=ash_year
    )

    spelling = MeasureFactory(
        school=beech, name="Spelling age", scale=Measure.Scale.AGE_MONTHS, max_value=200
    )
    other = MeasureFactory(school=beech, name="Another test")
    beech_boost = ProvisionFactory(school=beech, name=" reading  BOOST", measure=spelling)
    first = staffed_run(beech_boost, beech_year, rate="24")  # 15 hours x £24 = £360
    # Gains 1, 2 and 6 (mean 3) from three pupils; one with no exit result, one whose exit
    # is on another measure: five placed, three with both results.
    for entry, leave in ((100, 101), (100, 102), (94, 100)):
        placed_with(first, spelling, entry, leave)
    placed_with(first, spelling, 100)
    placed_with(first, spelling, 100, 130, exit_measure=other)
    # A second run, with one of the same pupils again and one new; the provision is bought
    # in at £40 a pupil placed (in either run), its own staff's time costed as well.
    priced = ProvisionRunFactory(
        provision=beech_boost, academic_year=beech_year, sessions_per_week=Decimal("1")
    )
    beech_boost.cost_basis, beech_boost.price = CostBasis.PER_PUPIL, Decimal("40")
    beech_boost.save()
    PlacementFactory(run=priced, pupil=first.placements.first().pupil)
    placed_with(priced, spelling)
    # Last year's run of it is not this year's figures.
    last_year = AcademicYearFactory(
        school=beech,
        name="2024-25",
        start_date=dt.date(2024, 9, 1),
        end_date=dt.date(2025, 7, 22),
    )
    staffed_run(beech_boost, last_year)
    return trust, ash, beech


def leader_of(trust) -> Client:
    user = UserFactory()
    Membership.objects.create(user=user, role=Role.TRUST_LEADER, trust=trust)
    client = Client()
    client.force_login(user)
    return client


def test_names_match_with_case_and_spacing_ignored():
    assert name_key(" reading  BOOST") == name_key("Reading Boost") == "reading boost"
    assert name_key("Reading Boost+") != name_key("Reading Boost")


def test_the_figures_are_those_worked_out_by_hand():
    trust, ash, beech = small_trust()
    shared = trust_figures(trust, TODAY).shared
    # Chess club is run by Ash alone: not shared.
    assert [item.name for item in shared] == ["Reading Boost"]
    boost = shared[0]
    assert boost.schools == 2
    at_ash, at_beech = boost.lines
    assert at_ash.school == ash
    assert (at_ash.runs, at_ash.placed, at_ash.cost) == (1, 6, Decimal("300.00"))
    assert at_ash.cost_per_pupil == Decimal("50.00")
    assert (at_ash.paired, at_ash.mean_gain) == (6, Decimal("7.00"))
    assert at_beech.school == beech
    # £360 of staff time and £40 for each of the seven placements in its two runs: six
    # pupils placed (one of them in both runs), 640 / 6 = 106.67.
    assert (at_beech.runs, at_beech.placed, at_beech.cost) == (2, 6, Decimal("640.00"))
    assert at_beech.cost_per_pupil == Decimal("106.67")
    assert (at_beech.paired, at_beech.mean_gain) == (3, Decimal("3.00"))
    assert (at_beech.measure_name, at_beech.measure_scale) == ("Spelling age", "age_months")


def test_the_page_shows_each_school_gain_or_too_few_pupils_and_links_to_impact():
    trust, _, _ = small_trust()
    page = leader_of(trust).get(reverse("trust_dashboard", args=[trust.pk])).content.decode()
    assert "The same provision across schools" in page
    assert (
        "Mean gain, entry to exit (not adjusted: see each school&#x27;s impact page for the "
        "comparison with similar pupils)"
    ) in page
    shared = page.split('id="shared-caption"')[1]
    assert "Chess club" not in shared
    rows = re.findall(r"<tr>(.*?)</tr>", shared, re.S)
    text = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows[1:]]
    assert text[0] == "Reading Boost 2 schools"
    # Ash: six pupils, a gain of 7 points from six.
    assert text[1].startswith("Ash 1 6 £50.00 +7 points")
    assert text[1].endswith("Reading score 6")
    # Beech: six placed, but its gain is from three pupils: too few to show.
    assert text[2].startswith("Beech as reading BOOST 2 6 £106.67 Too few pupils")
    assert text[2].endswith("Spelling age fewer than 5")
    boost = trust_figures(trust, TODAY).shared[0]
    for line in boost.lines:
        url = reverse("impact_provision", args=[line.school.urn, line.provision_id])
        assert f'href="{url}"' in shared


def test_small_numbers_of_pupils_placed_withhold_the_cost_per_pupil():
    trust = TrustFactory()
    for name, pupils in (("Elm", 3), ("Oak", 7)):
        school, year = school_with_year(trust, name)
        measure = MeasureFactory(school=school)
        run = staffed_run(ProvisionFactory(school=school, name="Talk time", measure=measure), year)
        for _ in range(pupils):
            placed_with(run, measure, 100, 104)
    page = leader_of(trust).get(reverse("trust_dashboard", args=[trust.pk])).content.decode()
    shared = page.split('id="shared-caption"')[1]
    rows = re.findall(r"<tr>(.*?)</tr>", shared, re.S)
    text = [re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", row)).strip() for row in rows[2:]]
    # Elm's three pupils: their count, cost per pupil and gain are all held back.
    assert text[0].startswith("Elm 1 fewer than 5 fewer than 5 pupils Too few pupils")
    assert "£" not in text[0] and "+4" not in text[0]
    # Oak's seven: £300 / 7 = £42.86 and a gain of 4 points.
    assert text[1].startswith("Oak 1 7 £42.86 +4 points")


def test_a_leader_of_another_trust_is_refused():
    trust, _, _ = small_trust()
    url = reverse("trust_dashboard", args=[trust.pk])
    assert leader_of(TrustFactory()).get(url).status_code == 404
    assert leader_of(trust).get(url).status_code == 200


def test_a_provision_without_a_measure_says_so_and_a_falling_measure_is_named():
    trust = TrustFactory()
    for name in ("Fir", "Yew"):
        school, year = school_with_year(trust, name)
        staffed_run(ProvisionFactory(school=school, name="Nurture group"), year)
        incidents = MeasureFactory(
            school=school, name="Incidents", scale=Measure.Scale.COUNT, higher_is_better=False
        )
        run = staffed_run(ProvisionFactory(school=school, name="Calm", measure=incidents), year)
        for _ in range(5):
            placed_with(run, incidents, 9, 6)
    page = leader_of(trust).get(reverse("trust_dashboard", args=[trust.pk])).content.decode()
    shared = page.split('id="shared-caption"')[1]
    calm, nurture = shared.split('colspan="6">Nurture group')
    # Incidents fall by 3 on average: shown as the change it is, the measure's direction named.
    assert calm.count("-3 points") == 2
    assert calm.count("Incidents (lower is better)") == 2
    assert nurture.count("No measure set") == 2
    assert "Too few pupils" not in nurture

"""The impact pages: the ranked overview, one provision's impact with its review decisions,
groups and gaps, and who is not progressing; what each role sees; fixed query counts."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.urls import reverse
from django.utils import timezone

from provmap.accounts.models import AuditAction, AuditEvent, Role
from provmap.insights import wording
from provmap.outcomes.models import ReviewDecision
from provmap.provision.models import Placement, Provision
from provmap.pupils.models import Pupil, SENStatus
from provmap.pupils.services import result_record
from tests.factories import (
    AcademicYearFactory,
    MeasureFactory,
    ProvisionFactory,
    ProvisionRunFactory,
    PupilFactory,
    TermFactory,
)
from tests.insights.school_data import (
    COMPARISON,
    PARTICIPANTS,
    cohort_results,
    reading_group,
)
from tests.web.map_world import get_counted, member, outsider

pytestmark = pytest.mark.django_db


class School:
    """The hand-worked reading group of tests/insights, in two runs: five pupils gained 6, 9,
    5, 9 and 6 points (mean 7); five comparison pupils; adjusted 6 points = 0.40 SD, interval
    -0.27 to +1.07 (-4 to +12 months); £300 for 5 pupils = £60 each, no price per month
    while the interval includes zero."""

    def __init__(self, *, comparison: bool = True, participants=PARTICIPANTS) -> None:
        self.term = TermFactory()
        self.school = self.term.school
        self.year = self.term.academic_year
        self.provision = reading_group(self.term, results=participants)
        self.comparison = (
            cohort_results(self.term, self.provision.measure, COMPARISON) if comparison else []
        )
        self.senco = member(self.school, Role.SENCO)
        self.participants = list(
            Pupil.objects.filter(placements__run__provision=self.provision).order_by("pk")
        )

    def url(self, name: str, query: str = "", **kwargs: object) -> str:
        address = reverse(name, kwargs={"urn": self.school.urn, **kwargs})
        return f"{address}?{query}" if query else address

    def overview(self, query: str = "") -> str:
        return self.url("impact_overview", query or f"year={self.year.pk}")

    def provision_page(self, provision=None, query: str = "") -> str:
        provision = provision or self.provision
        return self.url(
            "impact_provision", query or f"year={self.year.pk}", provision_id=provision.pk
        )

    def decision_url(self) -> str:
        return self.url("impact_decision_record", provision_id=self.provision.pk)


@pytest.fixture
def world() -> School:
    return School()


def text_of(response) -> str:
    return response.content.decode()


def plain(content: str) -> str:
    """The page's text without tags, spaces squeezed."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", content))


# --- The overview --------------------------------------------------------------------------


def test_overview_ranks_the_provision_with_its_figures(client, world):
    client.force_login(world.senco)
    response = client.get(world.overview())

    assert response.status_code == 200
    content = text_of(response)
    assert "Reading boost" in content
    # Adjusted 0.40 SD, interval -0.27 to +1.07: -4 to +12 months; £60 a pupil, no price a
    # month (the interval includes no gain).
    assert "+0.40 (-0.27 to +1.07)" in content
    assert "-4 to +12" in content
    assert "£60.00" in content
    assert "not priced: the interval includes no gain" in content
    assert "How impact is worked out" in content
    assert wording.HEADLINE_UNCLEAR_CHANCE in content
    assert "Not enough evidence" in content
    # The interval is drawn server-side as SVG, with no inline style anywhere.
    assert '<svg class="chart chart--interval"' in content
    assert 'aria-label="Reading boost: Adjusted effect +0.40 SD' in content
    assert "style=" not in content


def test_without_a_comparison_group_the_overview_gives_no_verdict_or_rank(client):
    world = School(comparison=False)
    client.force_login(world.senco)
    content = text_of(client.get(world.overview()))

    ranked, _, unranked = content.partition("Not enough evidence to rank")
    assert "Reading boost" not in ranked
    assert "Reading boost" in unranked
    assert "rebound of pupils picked for low scores" in unranked
    assert "Likely helping" not in unranked
    assert "chart__estimate--raw" not in content
    assert "£10.00" not in content


def test_overview_ranks_by_verdict_then_by_the_lower_end_or_by_cost(client, world):
    # Ten pupils in two runs on the same test, each 12 points up where the comparison pupils
    # at the same entry stay level: likely helping, so ranked first and priced.
    big = reading_group(
        world.term,
        name="Big group",
        measure=world.provision.measure,
        results=[(80 + i, 92 + i + (i % 3 - 1)) for i in range(10)],
    )
    client.force_login(world.senco)

    by_effect = text_of(client.get(world.overview()))
    by_cost = text_of(client.get(world.overview(f"year={world.year.pk}&sort=cost")))

    assert 'aria-current="true">Effect<' in by_effect
    assert 'aria-current="true">Cost-effectiveness<' in by_cost
    assert by_effect.index(big.name) < by_effect.index("Reading boost")
    assert "Likely helping: between" in by_effect
    assert by_cost.index(big.name) < by_cost.index("Reading boost")


def test_provisions_with_too_few_pupils_are_listed_apart(client, world):
    reading_group(world.term, name="Tiny group", results=[(80, 85), (82, 84)])
    client.force_login(world.senco)
    content = text_of(client.get(world.overview()))

    ranked, _, unranked = content.partition("Not enough evidence to rank")
    assert "Tiny group" not in ranked
    assert "Tiny group" in unranked


def test_until_this_year_can_be_judged_the_overview_shows_last_year(client, world):
    today = timezone.localdate()
    this_year = AcademicYearFactory(
        school=world.school,
        name="This year",
        start_date=today - dt.timedelta(days=30),
        end_date=today + dt.timedelta(days=200),
    )
    ProvisionRunFactory(
        provision=world.provision,
        academic_year=this_year,
        start_date=today - dt.timedelta(days=20),
        end_date=today + dt.timedelta(days=40),
    )
    client.force_login(world.senco)

    content = plain(text_of(client.get(world.url("impact_overview"))))
    assert (
        "There are not yet enough exit results in This year to judge, so this shows 2025-26."
    ) in content
    assert "Impact of provision: 2025-26" in content
    assert "+0.40 (-0.27 to +1.07)" in content
    chosen = plain(text_of(client.get(world.overview(f"year={this_year.pk}"))))
    assert "Impact of provision: This year" in chosen
    assert "There are not yet enough" not in chosen


def test_an_unknown_year_is_not_found(client, world):
    client.force_login(world.senco)
    assert client.get(world.overview("year=999999")).status_code == 404
    assert client.get(world.overview("year=all")).status_code == 200


# --- One provision ---------------------------------------------------------------------------


def test_provision_page_explains_the_figures_in_words_and_charts(client, world):
    client.force_login(world.senco)
    response = client.get(world.provision_page())

    assert response.status_code == 200
    content = text_of(response)
    words = plain(content)
    assert (
        "Pupils in this group gained 7 points on average. Compared with pupils in no provision "
        "on this measure with the same entry result and tested at the same times, the "
        "difference was +6 points (95% interval -4.1 to +16.1; -0.27 to +1.07 SD, from 4 "
        "months less to 12 months on the EEF&#x27;s scale). The interval includes no difference at "
        "all, so the difference could be down to chance."
    ) in words
    assert "about 6" not in words
    assert "-4 to +12 mo" in words
    assert wording.HEADLINE_UNCLEAR_CHANCE in content
    assert "chart--scatter" in content and "no change" in content
    assert "chart--histogram" in content
    assert "chart--ragb" in content
    # Everyone met the criterion of 5; one of five withdrew; ratings G 3, B 2.
    assert "100%" in words and "80%" in words
    assert "G 3" in content and "B 2" in content
    # The SENCO sees who the pupils are, in the scatter's tooltips and the table.
    first = world.participants[0]
    assert f"<title>{first.full_name}, group: 76 to 82</title>" in content
    assert f"{first.surname}, {first.forename}" in content
    assert "style=" not in content


def test_without_a_comparison_group_the_provision_page_describes_and_advises(client):
    world = School(comparison=False)
    client.force_login(world.senco)
    words = plain(text_of(client.get(world.provision_page())))

    assert wording.HEADLINE_NO_COMPARISON in words
    assert (
        "Pupils in this group gained 7 points on average between entry and exit. This is a "
        "description, not a measure of impact:"
    ) in words
    assert "test pupils who are not in provision on this measure on the same dates" in words
    assert "Likely helping" not in words
    assert "no comparison that allows it" in words
    assert "each month of extra progress" not in words


def test_many_pupils_without_a_result_after_the_group_are_flagged(client, world):
    for placement in Placement.objects.filter(run__provision=world.provision)[:2]:
        placement.exit.delete()
    client.force_login(world.senco)
    words = plain(text_of(client.get(world.provision_page())))

    assert ("2 of the 5 pupils placed have no entry result or no result after the group") in words


def test_provision_page_records_who_was_named_in_the_audit_trail(client, world):
    client.force_login(world.senco)
    client.get(world.provision_page())

    event = AuditEvent.objects.get(action=AuditAction.VIEW, user=world.senco)
    assert "5 pupils named" in event.summary
    assert event.school == world.school


def test_results_by_group_and_wider_outcomes(client, world):
    attendance = MeasureFactory(
        school=world.school, name="Attendance %", scale="percent", min_value=0, max_value=100
    )
    for pupil in world.participants:
        result_record(pupil=pupil, measure=attendance, date=dt.date(2025, 7, 18), value=90)
        result_record(pupil=pupil, measure=attendance, date=dt.date(2026, 2, 13), value=94)
    Pupil.objects.filter(pk=world.participants[0].pk).update(sen_status=SENStatus.SUPPORT)
    client.force_login(world.senco)
    words = plain(text_of(client.get(world.provision_page())))

    assert "Results by group" in words
    assert "SEN support 1 +6" in words
    assert "Attendance Attendance % 5 0 others 90 94 +4" in words


def test_a_provision_not_run_that_year_says_so(client, world):
    other = ProvisionFactory(school=world.school, name="Maths boost")
    client.force_login(world.senco)
    response = client.get(world.provision_page(other))

    assert response.status_code == 200
    assert "was not run in 2025-26" in plain(text_of(response))


def test_another_schools_provision_is_not_found(client, world):
    elsewhere = School()
    client.force_login(world.senco)
    assert client.get(world.provision_page(elsewhere.provision)).status_code == 404


# --- Review decisions ------------------------------------------------------------------------


def decide(client, world, **fields):
    data = {
        "year": world.year.pk,
        "decision": "change",
        "decided_on": timezone.localdate().isoformat(),
        "note": "Move to three sessions a week; review at Easter.",
        **fields,
    }
    return client.post(world.decision_url(), data)


def test_a_decision_is_recorded_with_its_evidence_and_listed(client, world):
    client.force_login(world.senco)
    response = decide(client, world)

    assert response.status_code == 302
    assert response["Location"].endswith(f"?year={world.year.pk}#decisions")
    decision = ReviewDecision.objects.get()
    assert decision.decision == "change"
    assert decision.school == world.school
    assert decision.academic_year == world.year
    assert decision.decided_by == world.senco
    assert decision.verdict == wording.HEADLINE_UNCLEAR_CHANCE
    assert decision.recommendation == wording.NOT_ENOUGH_EVIDENCE
    # The months kept are the low end of the interval's: what the evidence safely said.
    assert (decision.effect, decision.effect_basis, decision.months) == (
        Decimal("0.400"),
        "adjusted",
        -4,
    )
    assert (decision.pupils, decision.cost_per_pupil) == (5, Decimal("60.00"))
    event = AuditEvent.objects.get(action=AuditAction.CREATE)
    assert event.object_id == str(decision.pk)
    assert "change" in event.summary

    page = plain(text_of(client.get(world.provision_page())))
    assert "Decisions so far" in page
    assert "Change 2025-26" in page
    assert world.senco.get_full_name() in page
    assert "Move to three sessions a week; review at Easter." in page
    overview = plain(text_of(client.get(world.overview())))
    assert "Change" in overview.split("Reading boost", 1)[1]


def test_a_decision_dated_in_the_future_is_refused_on_the_page(client, world):
    client.force_login(world.senco)
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = decide(client, world, decided_on=tomorrow.isoformat())

    assert response.status_code == 400
    assert "A decision cannot be dated in the future." in text_of(response)
    assert not ReviewDecision.objects.exists()


def test_recording_a_decision_needs_an_editor(client, world):
    for role in (Role.SENIOR_LEADER, Role.GOVERNOR, Role.PUPIL_PREMIUM_LEAD):
        client.force_login(member(world.school, role))
        assert decide(client, world).status_code == 403
    assert not ReviewDecision.objects.exists()
    client.force_login(world.senco)
    assert client.get(world.decision_url()).status_code == 405


def test_a_reader_sees_decisions_but_no_form(client, world):
    client.force_login(world.senco)
    decide(client, world, decision="continue")
    client.force_login(member(world.school, Role.SENIOR_LEADER))
    content = text_of(client.get(world.provision_page()))

    assert "Record the decision" not in content
    assert "Decisions so far" in content
    assert 'class="decision decision--continue">Continue<' in content


# --- Who sees what ---------------------------------------------------------------------------


def test_a_governor_sees_the_figures_but_no_pupil(client, world):
    governor = member(world.school, Role.GOVERNOR)
    client.force_login(governor)
    pages = [
        world.overview(),
        world.provision_page(),
        world.url("impact_groups"),
        world.url("impact_not_progressing", f"year={world.year.pk}"),
    ]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        content = text_of(response)
        for pupil in [*world.participants, *world.comparison]:
            assert pupil.surname not in content, url
            assert pupil.upn not in content, url
        assert "/pupils/" not in content
    provision = text_of(client.get(world.provision_page()))
    # No dot a pupil (the small-number rule): the means at entry and exit instead.
    assert "chart--scatter" not in provision
    assert "Entry and exit on average" in provision
    assert "behind these figures" not in provision
    # A one-to-one run would show one pupil's result: not shown on its own.
    reading_group(world.term, name="One to one", results=[(80, 95)])
    one = text_of(client.get(world.provision_page(Provision.objects.get(name="One to one"))))
    assert "Too few pupils to show on their own." in one
    assert "their figures are not shown on their own" in one
    assert "+15" not in one and "chart--scatter" not in one
    assert "SD so far" not in text_of(client.get(world.overview()))
    assert "Record the decision" not in provision
    assert "List the pupils not progressing" not in text_of(client.get(pages[3]))
    assert client.get(world.url("impact_not_progressing_pupils")).status_code == 403
    assert not AuditEvent.objects.filter(user=governor, action=AuditAction.VIEW).exists()


def test_a_head_of_year_sees_figures_only_and_their_years_on_the_cohort_pages(client, world):
    head = member(world.school, Role.HEAD_OF_YEAR, year_groups="9")
    client.force_login(head)

    provision = text_of(client.get(world.provision_page()))
    assert world.participants[0].surname not in provision
    groups = client.get(world.url("impact_groups"))
    assert groups.status_code == 200
    assert "Pupils of Year 9 only." in text_of(groups)
    stuck = client.get(world.url("impact_not_progressing", f"year={world.year.pk}"))
    assert "Pupils of Year 9 only." in text_of(stuck)


@pytest.mark.parametrize("role", [Role.TEACHER, Role.TA, Role.PARENT])
def test_roles_without_the_schools_figures_are_refused(client, world, role):
    client.force_login(member(world.school, role))
    for name in ("impact_overview", "impact_groups", "impact_not_progressing"):
        assert client.get(world.url(name)).status_code == 403, name
    assert client.get(world.provision_page()).status_code == 403


def test_an_outsider_finds_nothing(client, world):
    client.force_login(outsider())
    assert client.get(world.overview()).status_code == 404
    assert client.get(world.provision_page()).status_code == 404
    assert client.get(world.url("impact_groups")).status_code == 404
    assert decide(client, world).status_code == 404


# --- Groups and gaps, who is not progressing -------------------------------------------------


def cohort_over_two_terms(world: School, *, disadvantaged: int = 5, others: int = 5):
    """A reading test the whole school sits in autumn and spring. Disadvantaged pupils score
    90 in autumn and 97 in spring; everyone else 100 both times: the gap closes from 10
    points to 3."""
    spring = TermFactory(
        academic_year=world.year,
        number=2,
        name="Spring",
        start_date=dt.date(2026, 1, 5),
        end_date=dt.date(2026, 3, 27),
        weeks=Decimal("12"),
    )
    measure = MeasureFactory(school=world.school, name="Cohort reading test")
    Pupil.objects.filter(school=world.school).update(pupil_premium=False)
    pupils = [
        *PupilFactory.create_batch(disadvantaged, school=world.school, pupil_premium=True),
        *PupilFactory.create_batch(others, school=world.school),
    ]
    for pupil in [*pupils, *world.participants, *world.comparison]:
        behind = pupil.pupil_premium
        result_record(
            pupil=pupil,
            measure=measure,
            date=dt.date(2025, 9, 20),
            value=90 if behind else 100,
        )
        result_record(
            pupil=pupil,
            measure=measure,
            date=spring.start_date,
            value=97 if behind else 100,
        )
    return measure


def test_groups_page_draws_each_gap_and_says_where_it_is_going(client, world):
    measure = cohort_over_two_terms(world)
    client.force_login(world.senco)
    response = client.get(world.url("impact_groups", f"measure={measure.pk}"))

    assert response.status_code == 200
    content = text_of(response)
    assert "chart--lines" in content
    assert (
        "Disadvantaged pupils were 10 points behind other pupils in Autumn 2025-26 and 3 behind "
        "in Spring 2025-26: the gap is narrowing."
    ) in plain(content)
    assert 'class="trend trend--narrowing">Narrowing<' in content


def test_not_progressing_traits_and_the_list_of_pupils(client, world):
    # Two pupils' exits fall back to their entries: no gain, so the criterion of 5 is not met.
    slow = world.participants[:2]
    for pupil in slow:
        placement = Placement.objects.get(pupil=pupil)
        placement.exit.value = placement.baseline.value
        placement.exit.save()
    Pupil.objects.filter(pk__in=[pupil.pk for pupil in slow]).update(eal=True)
    client.force_login(world.senco)

    stuck = client.get(world.url("impact_not_progressing", f"year={world.year.pk}"))
    words = plain(text_of(stuck))
    assert "Not progressing 2" in words
    assert "EAL: yes 2 100% 0 0% +100 percentage points" in words
    assert "chart--shares" in text_of(stuck)

    listing = client.get(
        world.url("impact_not_progressing_pupils", f"year={world.year.pk}&trait=EAL: yes")
    )
    content = text_of(listing)
    for pupil in slow:
        assert f"{pupil.surname}, {pupil.forename}" in content
    for pupil in world.participants[2:]:
        assert pupil.surname not in content
    event = AuditEvent.objects.get(action=AuditAction.VIEW, user=world.senco)
    assert "2 pupils named" in event.summary


# --- A fixed number of queries ---------------------------------------------------------------


def more_pairs(count: int) -> list[tuple[int, int]]:
    return [(76 + index % 9, 82 + index % 11) for index in range(count)]


def test_overview_queries_do_not_grow_with_provisions(client):
    one = School()
    client.force_login(one.senco)
    few, _ = get_counted(client, one.overview())

    for number in (2, 3, 4):
        provision = reading_group(one.term, name=f"Group {number}")
        cohort_results(one.term, provision.measure, COMPARISON)
    many, response = get_counted(client, one.overview())

    assert response.status_code == 200
    assert few == many


def test_provision_page_queries_do_not_grow_with_pupils(client):
    small, large = School(), School(participants=more_pairs(25))
    counts = []
    for world in (small, large):
        client.force_login(world.senco)
        count, response = get_counted(client, world.provision_page())
        assert response.status_code == 200
        counts.append(count)
    assert counts[0] == counts[1]


@pytest.mark.parametrize("name", ["impact_groups", "impact_not_progressing"])
def test_cohort_pages_queries_do_not_grow_with_pupils(client, name):
    counts = []
    for pairs, size in ((PARTICIPANTS, 5), (more_pairs(25), 15)):
        world = School(participants=pairs)
        cohort_over_two_terms(world, disadvantaged=size, others=size)
        client.force_login(world.senco)
        query = "" if name == "impact_groups" else f"year={world.year.pk}"
        count, response = get_counted(client, world.url(name, query))
        assert response.status_code == 200
        counts.append(count)
    assert counts[0] == counts[1]


def test_not_progressing_list_queries_do_not_grow_with_pupils(client):
    counts = []
    for pairs in (PARTICIPANTS, more_pairs(25)):
        world = School(participants=[(entry, entry) for entry, _ in pairs])
        client.force_login(world.senco)
        count, response = get_counted(
            client, world.url("impact_not_progressing_pupils", f"year={world.year.pk}")
        )
        assert response.status_code == 200
        assert world.participants[0].surname in text_of(response)
        counts.append(count)
    assert counts[0] == counts[1]


# --- How impact is worked out -------------------------------------------------------------


def test_the_method_page_says_what_docs_impact_md_says(client, world):
    client.force_login(world.senco)
    response = client.get(world.url("impact_method"))

    assert response.status_code == 200
    words = plain(text_of(response))
    doc = (Path(__file__).resolve().parents[2] / "docs" / "impact.md").read_text()
    headings = [line[3:] for line in doc.splitlines() if line.startswith("## ")]
    for heading in headings:
        if heading != "Where it is in the code":
            assert heading.replace("'", "&#x27;") in words or heading in words, heading
    assert "Test a comparison group on the same dates" in words
    assert "80% of what was planned" in words
    provision_page = text_of(client.get(world.provision_page()))
    assert world.url("impact_method") in provision_page

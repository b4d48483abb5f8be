"""Small numbers: governors and trust leaders without pupil access never see a count of one
to four pupils, a figure worked out from so few, one pupil's scores, or a label naming a small
group, on any page their role opens; the SENCO sees the exact numbers."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse

from provmap.accounts.models import Membership, Role
from provmap.insights.disclosure import FEWER_THAN
from provmap.pupils.models import Pupil, SENStatus
from tests.factories import TrustFactory, UserFactory
from tests.insights.school_data import reading_group
from tests.web.map_world import member
from tests.web.test_impact import School, cohort_over_two_terms, plain

pytestmark = pytest.mark.django_db

GOVERNOR, TRUST_LEADER, SENCO = "governor", "trust leader", "senco"
AGGREGATE_ONLY = [GOVERNOR, TRUST_LEADER]


class SmallGroups(School):
    """The reading group of tests/web/test_impact.py (five pupils, three of them with an EHC
    plan), and beside it:

    - Maths boost: ten pupils who each gained 4 points, short of its criterion of 5, so none
      is progressing; three of them are at risk of exclusion;
    - Small group: four pupils (gains 5, 2, 8 and 2), £300 shared by four is £75 each;
    - a cohort test sat by everyone, on which three pupils are disadvantaged.
    """

    def __init__(self) -> None:
        super().__init__()
        self.maths = reading_group(
            self.term, name="Maths boost", results=[(80 + i, 84 + i) for i in range(10)]
        )
        self.small = reading_group(
            self.term, name="Small group", results=[(80, 85), (82, 84), (78, 86), (81, 83)]
        )
        at_risk = Pupil.objects.filter(placements__run__provision=self.maths).order_by("pk")[:3]
        Pupil.objects.filter(pk__in=[pupil.pk for pupil in at_risk]).update(
            at_risk_of_exclusion=True
        )
        Pupil.objects.filter(pk__in=[pupil.pk for pupil in self.participants[:3]]).update(
            sen_status=SENStatus.EHC_PLAN
        )
        self.cohort_measure = cohort_over_two_terms(self, disadvantaged=3, others=8)
        trust = TrustFactory()
        self.school.trust = trust
        self.school.save()
        self.users = {SENCO: self.senco, GOVERNOR: member(self.school, Role.GOVERNOR)}
        leader = self.users[TRUST_LEADER] = UserFactory()
        Membership.objects.create(user=leader, role=Role.TRUST_LEADER, trust=trust)

    def pages(self) -> dict[str, str]:
        year = f"year={self.year.pk}"
        return {
            "figures": reverse("school_figures", args=[self.school.urn]),
            "overview": self.overview(),
            "reading": self.provision_page(),
            "small": self.provision_page(self.small),
            "groups": self.url("impact_groups", f"measure={self.cohort_measure.pk}"),
            "not progressing": self.url("impact_not_progressing", year),
        }


@pytest.fixture
def school() -> SmallGroups:
    return SmallGroups()


def pages_as(client, school: SmallGroups, who: str) -> dict[str, str]:
    client.force_login(school.users[who])
    found = {}
    for name, url in school.pages().items():
        response = client.get(url)
        assert response.status_code == 200, (who, name)
        found[name] = response.content.decode()
    return found


class Counts(HTMLParser):
    """The text of every cell, figure and chart mark that holds a number of pupils: table cells
    of numbers, the headline figures, bar and dot counts, and what charts say of themselves."""

    COUNTED = ("num", "stat__value", "chart__count", "chart__stack", "chart__ragb-label")

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[bool] = []
        self.found: list[str] = []
        self.labels: list[str] = []

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        classes = (values.get("class") or "").split()
        counted = any(name in classes for name in self.COUNTED)
        if tag in ("td", "text", "span", "th") or counted:
            self.stack.append(counted)
        if values.get("aria-label"):
            self.labels.append(values["aria-label"])

    def handle_endtag(self, tag):
        if tag in ("td", "text", "span", "th") and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if self.stack and self.stack[-1] and data.strip():
            self.found.append(data.strip())


def small_counts(content: str) -> list[str]:
    """Cells reading 1 to 4 (a rank or a count of provisions is not a number of pupils, so the
    ranked table's first column is left out), and sentences saying '3 pupils' and the like."""
    parser = Counts()
    # Ranks, and headline figures that count provisions rather than pupils, are left out.
    content = re.sub(r'<td class="num">\d+</td>\s*<th scope="row">', "<th>", content)
    content = re.sub(
        r'<li class="stat[^"]*"><span class="stat__label">(?:(?!upil|rogress)[^<])*</span>.*?</li>',
        "",
        content,
    )
    parser.feed(content)
    cells = [text for text in parser.found if re.fullmatch(r"[1-4]|[RAGB] [1-4]", text)]
    words = plain(content) + " " + " ".join(parser.labels)
    sentences = re.findall(
        r"(?<![\d.,£+-])[1-4] (?:pupils?|placed|comparison|others|made|rated|suggested)\b|"
        r"\((?:[1-4]); at least",
        words,
    )
    return cells + sentences


def test_the_senco_sees_the_exact_small_numbers(client, school):
    pages = pages_as(client, school, SENCO)

    figures = plain(pages["figures"])
    assert "EHC plan (E) 3 3" in figures
    assert "Small group" in pages["overview"]
    # Placed and measured: the exact small numbers.
    assert "Small group 4 4" in plain(pages["overview"])
    assert "G 3" in pages["reading"] and "B 2" in pages["reading"]
    assert "EHC plan 3" in plain(pages["reading"])
    assert "chart--scatter" in pages["reading"]
    assert "£75.00" in pages["small"]
    assert "Disadvantaged (pupil premium) 3 pupils" in plain(pages["groups"])
    assert "At risk of exclusion" in pages["not progressing"]
    assert "withheld" not in " ".join(pages.values())


@pytest.mark.parametrize("who", AGGREGATE_ONLY)
def test_no_count_under_five_reaches_an_aggregate_only_viewer(client, school, who):
    pages = pages_as(client, school, who)

    for name, content in pages.items():
        assert small_counts(content) == [], name
    assert "EHC plan (E) fewer than 5" in plain(pages["figures"])
    assert FEWER_THAN in plain(pages["overview"])


@pytest.mark.parametrize("who", AGGREGATE_ONLY)
def test_no_pupils_scores_or_small_group_labels_reach_an_aggregate_only_viewer(client, school, who):
    pages = pages_as(client, school, who)

    reading = pages["reading"]
    # No dot a pupil: the means are drawn instead, and the page says why.
    assert "chart--scatter" not in reading
    assert "chart--before-after" in reading
    assert "76 to 82" not in reading and '<circle class="chart__point' not in reading
    # Ratings of fewer than five pupils are neither counted nor drawn.
    assert "G 3" not in reading and "B 2" not in reading and "chart--ragb" not in reading
    # Groups of fewer than five are not named.
    assert "EHC plan" not in reading
    assert "Disadvantaged" not in pages["groups"]
    assert "EHC plan" not in pages["groups"]
    assert "At risk of exclusion" not in pages["not progressing"]
    # A cost shared by four pupils is one pupil's cost.
    assert "£75" not in pages["small"] and "£75" not in pages["overview"]
    assert "single a child out" in reading


@pytest.mark.parametrize("who", [*AGGREGATE_ONLY, SENCO])
def test_a_funding_stream_paying_for_few_pupils_shows_no_amount(client, school, who):
    """A stream that pays for four pupils' provision would tell what each one's costs; the
    SENCO still sees it."""
    from provmap.provision.models import ProvisionRun
    from tests.factories import FundingStreamFactory

    tiny = FundingStreamFactory(school=school.school, name="Tiny fund")
    ProvisionRun.objects.filter(provision=school.small).update(funding_stream=tiny)
    client.force_login(school.users[who])
    page = client.get(reverse("school_figures", args=[school.school.urn])).content.decode()
    row = re.search(r"<tr><th scope=\"row\">Tiny fund</th>(.*?)</tr>", page, re.S)
    assert row is not None
    if who == SENCO:
        assert "£300.00" in row.group(1)
    else:
        assert "£" not in row.group(1) and FEWER_THAN in row.group(1)

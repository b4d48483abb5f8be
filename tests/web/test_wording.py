"""The English of the main pages, read as a person reads them: every main page of a demo
school, opened by the people who use it, has no "1 pupils", no word written twice in a row
("score score"), no space before a full stop or a comma and no empty brackets."""

from __future__ import annotations

import re
from collections.abc import Iterator
from html.parser import HTMLParser

import pytest
from django.db import transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from pytest_django import DjangoDbBlocker

from provmap.accounts.models import User
from provmap.demo.generator import build_demo
from provmap.provision.models import Placement, Provision, ProvisionRun
from provmap.pupils.models import Pupil
from provmap.schools.models import School
from provmap.schools.scoping import all_schools
from tests.factories import give_totp

# Elements that start a new line of text; others (links, abbreviations, emphasis) run on.
BLOCKS = {
    "address", "article", "aside", "blockquote", "br", "button", "caption", "dd", "details",
    "div", "dl", "dt", "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3",
    "h4", "h5", "h6", "header", "hr", "label", "legend", "li", "main", "nav", "ol", "optgroup",
    "option", "p", "section", "select", "summary", "table", "tbody", "td", "tfoot", "th",
    "thead", "tr", "ul", "svg", "title", "input", "textarea",
}  # fmt: skip
UNSEEN = {"script", "style", "template", "head"}

COUNTED = (
    "pupils|runs|groups|results|placements|weeks|sessions|hours|minutes|provisions|people|"
    "years|terms|months|days|rows|changes|decisions|needs|members of staff|staff members"
)
ONE_PLURAL = re.compile(rf"(?<![\d.,£/-])\b1 ({COUNTED})\b")
# "score score", "the the": a word of letters written twice (not "N 0 · K 0", not "A A").
REPEATED = re.compile(r"\b([A-Za-z][a-z]+) \1\b")
SPACE_BEFORE = re.compile(r"\w \.(?!\w)| ,|\( | \)|\(\)")


class VisibleText(HTMLParser):
    """The lines of text a page shows, whitespace as a browser collapses it."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = [""]
        self.hidden = 0
        # For each open <span>: whether it is a line of its own (`.sub`).
        self.spans: list[bool] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in UNSEEN:
            self.hidden += 1
        elif tag == "span":
            # `.sub` is a line of its own on the page.
            self.spans.append("sub" in (dict(attrs).get("class") or "").split())
            if self.spans[-1]:
                self.lines.append("")
        elif tag in BLOCKS:
            self.lines.append("")

    def handle_endtag(self, tag: str) -> None:
        if tag in UNSEEN:
            self.hidden = max(0, self.hidden - 1)
        elif tag == "span":
            if self.spans and self.spans.pop():
                self.lines.append("")
        elif tag in BLOCKS:
            self.lines.append("")

    def handle_data(self, data: str) -> None:
        if not self.hidden:
            self.lines[-1] += data

    def text(self) -> list[str]:
        return [" ".join(line.split()) for line in self.lines if line.strip()]


def visible_lines(content: str) -> list[str]:
    parser = VisibleText()
    parser.feed(content)
    return parser.text()


def wording_faults(content: str) -> list[str]:
    faults = []
    for line in visible_lines(content):
        for pattern in (ONE_PLURAL, REPEATED, SPACE_BEFORE):
            match = pattern.search(line)
            if match:
                faults.append(f"{match.group(0)!r} in {line!r}")
    return faults


def test_the_checks_catch_what_they_are_for():
    assert wording_faults("<p>1 pupils</p>")
    assert wording_faults("<p>Entry score score</p>")
    assert wording_faults("<p>Saved .</p>") and wording_faults("<p>Ann , Bob</p>")
    assert not wording_faults("<p><a>Okafor</a>, Isla</p><td>1</td><td>pupils</td>")
    assert not wording_faults("<p>11 pupils, 1 pupil, £1 runs, N 0 · K 0</p>")
    assert not wording_faults('<td>Reading<span class="sub">+1 month</span></td>')
    assert wording_faults('<td>3<span class="visually-hidden"> pupils with SEN</span></td>') == []
    assert wording_faults('<td>1<span class="visually-hidden"> pupils in A</span></td>')


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: DjangoDbBlocker) -> Iterator[School]:
    """A small demo school, built once for the module and rolled back after it."""
    with django_db_blocker.unblock(), transaction.atomic():
        summary = build_demo(seed=7, today=timezone.localdate(), pupils_per_school=160)
        with all_schools():
            yield School.objects.get(pk=summary.school_ids[0])
        transaction.set_rollback(True)


def _pages(school: School) -> dict[str, list[str]]:
    """Each demo user's main pages."""
    urn = school.urn
    with all_schools():
        run = (
            ProvisionRun.objects.filter(school=school, placements__isnull=False)
            .order_by("-start_date", "pk")
            .first()
        )
        provision = Provision.objects.filter(school=school).order_by("pk").first()
        placed = Placement.objects.filter(school=school).order_by("pk").values("pupil")
        pupils = list(Pupil.objects.filter(pk__in=placed).order_by("pk")[:3])
    assert run is not None and provision is not None and pupils
    school_pages = [
        reverse(name, args=[urn])
        for name in (
            "term_map",
            "map_pupils",
            "year_map",
            "waves",
            "unmet_need",
            "catalogue",
            "staff_load",
            "school_figures",
            "impact_overview",
            "impact_groups",
            "impact_not_progressing",
            "imports",
            "audit_log",
            "data_protection",
        )
    ]
    school_pages += [
        reverse("run_detail", args=[urn, run.pk]),
        reverse("provision_detail", args=[urn, provision.pk]),
        reverse("impact_provision", args=[urn, provision.pk]),
        f"{reverse('pupil_search', args=[urn])}?q=an",
        *(reverse("pupil_detail", args=[urn, pupil.pk]) for pupil in pupils),
    ]
    return {
        "senco": school_pages,
        "teacher": [reverse("my_week", args=[urn]), reverse("term_map", args=[urn])],
        "ta": [reverse("my_week", args=[urn])],
        "governor": [reverse("school_figures", args=[urn]), reverse("impact_overview", args=[urn])],
        "parent": [reverse("my_children", args=[urn])],
    }


@pytest.mark.django_db
def test_the_main_pages_read_as_plain_english(demo):
    faults: list[str] = []
    for username, urls in _pages(demo).items():
        client = Client()
        user = User.objects.get(username=username)
        if username != "parent":
            give_totp(user)
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, (username, url)
            faults += [
                f"{username} {url}: {fault}" for fault in wording_faults(response.content.decode())
            ]
    assert faults == [], "\n".join(faults)

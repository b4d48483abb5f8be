"""Reviews due: the reads (one query), the page and its download, who may see them, and the
reminder on the staff home pages."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from provmap.accounts.models import AuditEvent, Role
from provmap.accounts.permissions import PupilScope
from provmap.outcomes import due
from provmap.outcomes.models import Review, SupportPlan
from provmap.pupils.models import Pupil
from tests.factories import PupilFactory
from tests.web.map_world import World, add_run, build_world, member

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


def days(n: int) -> dt.date:
    return TODAY + dt.timedelta(days=n)


def _pupil(world: World, surname: str, nc_year: str, sen_status: str) -> Pupil:
    return PupilFactory(
        school=world.school,
        surname=surname,
        nc_year=nc_year,
        form=f"{nc_year}A",
        sen_status=sen_status,
    )


def _plan(pupil: Pupil, agreed_on: dt.date | None, review_due: dt.date | None = None) -> None:
    SupportPlan.objects.create(
        school=pupil.school,
        pupil=pupil,
        status=SupportPlan.Status.AGREED if agreed_on else SupportPlan.Status.DRAFT,
        agreed_on=agreed_on,
        review_due=review_due,
    )


def _review(pupil: Pupil, held_on: dt.date, kind: str = Review.Kind.SEN_SUPPORT) -> None:
    Review.objects.create(school=pupil.school, pupil=pupil, kind=kind, held_on=held_on)


@pytest.fixture
def world() -> World:
    world = build_world()
    # Year 9, SEN support: agreed 200 days ago, never reviewed: very late.
    _plan(_pupil(world, "Ashby", "9", "K"), days(-200))
    # Year 9, SEN support: the plan's date in 10 days.
    _plan(_pupil(world, "Brown", "9", "K"), days(-100), days(10))
    # Year 7, EHC plan, no plan recorded.
    _pupil(world, "Carter", "7", "E")
    # Year 7, EHC plan agreed a month ago: the annual review is months away.
    _plan(_pupil(world, "Dunn", "7", "E"), days(-30))
    # Year 9, no SEN: never listed.
    _pupil(world, "Evans", "9", "N")
    # Year 7, SEN support: reviewed 130 days ago, so a few days late.
    fox = _pupil(world, "Fox", "7", "K")
    _plan(fox, days(-300))
    _review(fox, days(-130))
    # Year 9, SEN support: a draft plan only.
    _plan(_pupil(world, "Grey", "9", "K"), None)
    return world


def _names(rows: list[due.DueRow]) -> list[str]:
    return [row.pupil.surname for row in rows]


def test_every_pupil_on_the_register_judged_in_one_query(world):
    with CaptureQueriesContext(connection) as queries:
        found = due.reviews_due(world.school, PupilScope(everyone=True), today=TODAY)
    assert len(queries.captured_queries) == 1
    assert _names(found.overdue) == ["Ashby", "Fox"]  # most late first
    assert found.overdue[0].judgement.days_late > found.overdue[1].judgement.days_late > 0
    assert _names(found.due_soon) == ["Brown"]
    assert found.due_soon[0].judgement.due == days(10)
    assert _names(found.no_plan) == ["Carter", "Grey"]
    assert _names(found.later) == ["Dunn"]
    assert found.later[0].judgement.annual_first
    assert found.overdue[1].last_review_on == days(-130)


def test_a_head_of_years_scope_and_a_deliverers_scope(world):
    years = due.reviews_due(world.school, PupilScope(year_groups=frozenset({"9"})), today=TODAY)
    assert _names(years.rows) == ["Ashby", "Brown", "Grey"]
    # Reached through two runs, a pupil is still listed once.
    fox = Pupil.objects.get(surname="Fox")
    add_run(world, pupils=[fox], label="G1")
    add_run(world, pupils=[fox], label="G2")
    runs = due.reviews_due(
        world.school, PupilScope(staff_ids=frozenset({world.ta_staff.pk})), today=TODAY
    )
    assert _names(runs.rows) == ["Fox"]


def test_counts_and_their_sentence(world):
    counts = due.due_counts(world.school, PupilScope(everyone=True), today=TODAY)
    assert (counts.overdue, counts.due_soon) == (2, 1)
    assert counts.sentence == "2 reviews are overdue and 1 is due in the next 4 weeks."
    assert due.DueCounts(1, 0).sentence == "1 review is overdue."
    assert due.DueCounts(0, 3).sentence == "3 reviews are due in the next 4 weeks."
    assert due.DueCounts(0, 0).sentence == ""


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def _page_names(response) -> list[str]:
    return [row.pupil.surname for row in response.context["found"].rows]


def test_the_senco_sees_every_section_and_the_pupils_shown_are_audited(world):
    response = _client(world.senco).get(reverse("reviews_due", args=[world.school.urn]))
    assert response.status_code == 200
    assert _page_names(response) == ["Ashby", "Fox", "Brown", "Carter", "Grey", "Dunn"]
    html = response.content.decode()
    for heading in (
        "Overdue (2)",
        "Due in the next 4 weeks (1)",
        "No agreed plan (2)",
        "Later (1)",
    ):
        assert heading in html
    assert "Evans" not in html
    assert f'href="{reverse("reviews_due", args=[world.school.urn])}" aria-current="page"' in html
    event = AuditEvent.objects.filter(summary__startswith="Reviews due (page)").get()
    assert event.listed.count() == 6


def test_filters_by_year_group_and_kind(world):
    url = reverse("reviews_due", args=[world.school.urn])
    client = _client(world.senco)
    assert _page_names(client.get(url, {"nc_year": "7"})) == ["Fox", "Carter", "Dunn"]
    assert _page_names(client.get(url, {"kind": "ehc_plan"})) == ["Carter", "Dunn"]
    assert _page_names(client.get(url, {"nc_year": "7", "kind": "sen_support"})) == ["Fox"]


def test_a_head_of_year_sees_only_their_years(world):
    head = member(world.school, Role.HEAD_OF_YEAR, year_groups="9")
    response = _client(head).get(reverse("reviews_due", args=[world.school.urn]))
    assert response.status_code == 200
    assert _page_names(response) == ["Ashby", "Brown", "Grey"]
    assert "Fox" not in response.content.decode()


@pytest.mark.parametrize("page", ["reviews_due", "reviews_due_export"])
def test_a_teacher_and_a_governor_are_refused(world, page):
    teacher = member(world.school, Role.TEACHER, staff_member=world.ta_staff, teaching_groups="9A")
    governor = member(world.school, Role.GOVERNOR)
    url = reverse(page, args=[world.school.urn])
    for user in (teacher, governor):
        assert _client(user).get(url).status_code == 403
    assert not AuditEvent.objects.filter(summary__startswith="Reviews due").exists()


def test_the_csv_has_the_pages_rows(world):
    client = _client(world.senco)
    query = {"nc_year": "9"}
    page = client.get(reverse("reviews_due", args=[world.school.urn]), query)
    response = client.get(reverse("reviews_due_export", args=[world.school.urn]), query)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["Surname", "Forename", "UPN"]
    assert [row[0] for row in rows[1:]] == _page_names(page) == ["Ashby", "Brown", "Grey"]
    ashby = dict(zip(rows[0], rows[1], strict=True))
    assert ashby["Status"] == "Overdue"
    assert ashby["SEN status"] == "SEN support"
    assert int(ashby["Days late"]) > 0
    assert dict(zip(rows[0], rows[3], strict=True))["Status"] == "No agreed plan"
    assert AuditEvent.objects.filter(summary__startswith="Reviews due (CSV download)").exists()


def test_the_reminder_on_the_term_map(world):
    url = reverse("term_map", args=[world.school.urn])
    senco_page = _client(world.senco).get(url).content.decode()
    assert "2 reviews are overdue and 1 is due in the next 4 weeks." in senco_page
    assert reverse("reviews_due", args=[world.school.urn]) in senco_page

    head = member(world.school, Role.HEAD_OF_YEAR, year_groups="7")
    head_page = _client(head).get(url).content.decode()
    assert "1 review is overdue." in head_page

    teacher = member(world.school, Role.TEACHER, staff_member=world.ta_staff, teaching_groups="9A")
    for page in ("term_map", "my_week"):
        html = _client(teacher).get(reverse(page, args=[world.school.urn])).content.decode()
        assert "See reviews due" not in html
        assert "Reviews</a>" not in html


def test_no_reminder_when_nothing_is_due():
    world = build_world()
    _plan(_pupil(world, "Hale", "9", "K"), days(-10))
    html = _client(world.senco).get(reverse("term_map", args=[world.school.urn])).content
    assert b"See reviews due" not in html


def _reviewed(world: World, count: int, *, late_again: int) -> None:
    """`count` pupils agreed plans on 1 Sep 2025 and were reviewed on 1 Dec (on time);
    `late_again` of them again on 1 May 2026 (due by 1 Apr: late)."""
    for index in range(count):
        pupil = _pupil(world, f"Reviewed{index}", "8", "K")
        SupportPlan.objects.create(
            school=world.school,
            pupil=pupil,
            number=1,
            status=SupportPlan.Status.SUPERSEDED,
            agreed_on=dt.date(2025, 9, 1),
        )
        _review(pupil, dt.date(2025, 12, 1))
        if index < late_again:
            _review(pupil, dt.date(2026, 5, 1))


def test_reviews_held_on_time_this_year_in_one_query():
    world = build_world()
    _reviewed(world, 6, late_again=5)
    with CaptureQueriesContext(connection) as queries:
        found = due.reviews_held_on_time(
            world.school, start=dt.date(2025, 9, 1), end=dt.date(2026, 7, 22)
        )
    assert len(queries.captured_queries) == 1
    assert (found.on_time, found.held, found.pupils) == (6, 11, 6)


def test_governors_see_the_share_held_on_time_and_no_pupil():
    world = build_world()
    _reviewed(world, 6, late_again=5)
    governor = member(world.school, Role.GOVERNOR)
    html = _client(governor).get(reverse("school_figures", args=[world.school.urn])).content
    text = html.decode()
    assert "Reviews held on time this year: <strong>55%</strong> (6 of 11)" in text
    assert "Reviewed0" not in text


def test_the_small_number_rule_holds_back_reviews_of_few_pupils():
    world = build_world()
    _reviewed(world, 6, late_again=2)  # 2 late reviews: two children picked out
    url = reverse("school_figures", args=[world.school.urn])
    governor = member(world.school, Role.GOVERNOR)
    text = _client(governor).get(url).content.decode()
    assert "Reviews held on time this year: not shown" in text
    assert "(6 of 8)" not in text
    # Those who see pupils see the exact figure.
    senco_page = _client(world.senco).get(url).content.decode()
    assert "Reviews held on time this year: <strong>75%</strong> (6 of 8)" in senco_page


def test_leavers_and_archived_pupils_are_not_listed(world):
    left = _pupil(world, "Hart", "9", "K")
    Pupil.objects.filter(pk=left.pk).update(on_roll_to=days(-1))
    archived = _pupil(world, "Ives", "9", "K")
    Pupil.objects.filter(pk=archived.pk).update(archived_at=timezone.now())
    found = due.reviews_due(world.school, PupilScope(everyone=True), today=TODAY)
    assert not {"Hart", "Ives"} & set(_names(found.rows))


def test_the_csv_cannot_carry_a_formula(world):
    Pupil.objects.filter(surname="Ashby").update(surname="=HYPERLINK(1)")
    response = _client(world.senco).get(reverse("reviews_due_export", args=[world.school.urn]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][0] == "'=HYPERLINK(1)"

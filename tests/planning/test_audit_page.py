"""The needs audit's pages: the SENCO sees and edits the grid (a cell with htmx, the page
with "Save"), pre-fills it and edits its columns; a teacher and a governor are refused; the
grid's page costs a pinned number of queries."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from provmap.accounts.models import AuditEvent, Role
from provmap.planning.models import AuditCell, NeedKind, NeedsAudit
from provmap.pupils.models import PupilNeed
from provmap.schools.models import Term
from provmap.web.pages import today
from tests.factories import PupilFactory
from tests.planning.world import build
from tests.web.map_world import HTMX, get_counted, member

pytestmark = pytest.mark.django_db


def _senco(world) -> Client:
    client = Client()
    client.force_login(world.senco)
    return client


def _audit_url(world, **query: str) -> str:
    url = reverse("needs_audit", args=[world.school.urn])
    return url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def _ehc_pupil(world, **fields):
    pupil = PupilFactory(school=world.school, sen_status="E", nc_year="8", **fields)
    PupilNeed.objects.create(school=world.school, pupil=pupil, need_type="SLCN", rank=1)
    return pupil


def _prefill(client: Client, world) -> None:
    response = client.post(
        reverse("needs_audit_prefill", args=[world.school.urn]),
        {"measure": "", "threshold": ""},
    )
    assert response.status_code == 302


def test_the_senco_pre_fills_the_audit_of_the_next_term_and_sees_the_grid():
    world = build(today())
    pupil = _ehc_pupil(world, surname="Ashworth")
    client = _senco(world)
    response = client.get(_audit_url(world))
    assert response.status_code == 200
    assert b"No pupil has a cell yet" in response.content
    _prefill(client, world)
    page = client.get(_audit_url(world)).content.decode()
    assert f"Needs audit: {world.terms[1]}" in page
    assert "Ashworth" in page
    assert "Looked at 1 pupil: 1 cell must." in page
    audit = NeedsAudit.objects.get(school=world.school)
    assert audit.term == world.terms[1]
    cell = AuditCell.objects.get(audit=audit)
    assert (cell.kind.name, cell.level) == ("Language (speech, language and communication)", "must")
    event = AuditEvent.objects.filter(action="view", object_type="planning.needsaudit").get()
    assert list(event.listed.values_list("pupil_id", flat=True)) == [pupil.pk]


def test_the_senco_sets_a_cell_with_htmx_and_the_page_with_save():
    world = build(today())
    pupil = _ehc_pupil(world)
    client = _senco(world)
    _prefill(client, world)
    numeracy = NeedKind.objects.get(school=world.school, name="Numeracy")
    name = f"c-{pupil.pk}-{numeracy.pk}"
    response = client.post(
        reverse("needs_audit_cell", args=[world.school.urn]),
        {name: "could", "was": "", "term": world.terms[1].pk},
        HTTP_HX_TRIGGER_NAME=name,
        **HTMX,
    )
    assert response.status_code == 200
    assert b"Saved" in response.content
    # The column's counts in the page's foot are sent again with the cell.
    assert f'id="count-{numeracy.pk}-could" hx-swap-oob="true">1<' in response.content.decode()
    cell = AuditCell.objects.get(pupil=pupil, kind=numeracy)
    assert (cell.level, cell.set_by_hand) == ("could", True)
    # The plain form: the language cell emptied, numeracy up to should.
    language = NeedKind.objects.get(school=world.school, name__startswith="Language")
    response = client.post(
        _audit_url(world),
        {
            "term": world.terms[1].pk,
            "rows": str(pupil.pk),
            "read": f"{pupil.pk}.{language.pk}.must;{pupil.pk}.{numeracy.pk}.could",
            f"c-{pupil.pk}-{language.pk}": "",
            name: "should",
        },
    )
    assert response.status_code == 302
    assert list(AuditCell.objects.values_list("kind__name", "level", "set_by_hand")) == [
        ("Numeracy", "should", True)
    ]
    # A save made from a page read before that change is refused, and nothing is written.
    response = client.post(
        _audit_url(world),
        {
            "term": world.terms[1].pk,
            "rows": str(pupil.pk),
            "read": f"{pupil.pk}.{numeracy.pk}.could",
            name: "must",
        },
        follow=True,
    )
    assert "someone changed it" in response.content.decode()
    assert AuditCell.objects.get(pupil=pupil, kind=numeracy).level == "should"


@pytest.mark.parametrize("role", [Role.TEACHER, Role.GOVERNOR])
def test_a_teacher_and_a_governor_are_refused(role):
    world = build(today())
    pupil = _ehc_pupil(world)
    client = Client()
    client.force_login(member(world.school, role))
    assert client.get(_audit_url(world)).status_code == 403
    assert client.get(reverse("need_kinds", args=[world.school.urn])).status_code == 403
    kind = NeedKind.objects.create(school=world.school, name="Numeracy", area="CL")
    name = f"c-{pupil.pk}-{kind.pk}"
    response = client.post(
        reverse("needs_audit_cell", args=[world.school.urn]),
        {name: "must", "term": world.terms[1].pk},
        HTTP_HX_TRIGGER_NAME=name,
        **HTMX,
    )
    assert response.status_code == 403
    response = client.post(reverse("needs_audit_prefill", args=[world.school.urn]), {})
    assert response.status_code == 403
    assert not AuditCell.objects.exists()


def test_the_senco_renames_a_column_and_sets_its_catalogue_entries():
    world = build(today())
    client = _senco(world)
    url = reverse("need_kinds", args=[world.school.urn])
    page = client.get(url)
    assert page.status_code == 200
    assert b"Phonics catch-up" in page.content
    kind = NeedKind.objects.get(school=world.school, name="Structured literacy")
    response = client.post(
        url,
        {
            "action": "save",
            "kind": kind.pk,
            "name": "Reading and spelling",
            "area": "CL",
            "active": "on",
            "provisions": [],
        },
    )
    assert response.status_code == 302
    kind.refresh_from_db()
    assert (kind.name, list(kind.provisions.all())) == ("Reading and spelling", [])


def test_without_a_next_term_the_page_says_so():
    world = build(today())
    Term.objects.filter(school=world.school, start_date__gt=today()).delete()
    response = _senco(world).get(_audit_url(world))
    assert b"There is no term after this one to plan yet" in response.content


def _count(pupils: int) -> int:
    world = build(today())
    client = _senco(world)
    for _ in range(pupils):
        _ehc_pupil(world)
    _prefill(client, world)
    url = _audit_url(world, year="8")
    assert client.get(url).status_code == 200
    queries, response = get_counted(client, url)
    assert response.status_code == 200
    assert response.content.decode().count('<th scope="row"><a') == pupils
    return queries


def test_the_audit_page_costs_a_pinned_number_of_queries():
    assert (_count(1), _count(3)) == (20, 20)

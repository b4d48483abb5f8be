"""A parent's pages: their child's agreed plan in plain English, their views before the next
review, the plan and the highlighted provision map as PDFs; never another child's."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from provmap.accounts.models import AuditAction, AuditEvent
from provmap.outcomes.contributions import TEXT_MAX_LENGTH, contribution_add
from provmap.outcomes.models import Contribution, SupportPlan, Target
from tests.outcomes.plan_world import (
    ABOUT_ME,
    HELPS_ME,
    MET_TARGET,
    OPEN_TARGET,
    OTHER_NAME,
    PROGRESS_COMMENT,
    build_plan_world,
)
from tests.outcomes.test_documents import client_for, filename, pdf_text
from tests.web.map_world import get_counted

pytestmark = pytest.mark.django_db


def _url(name: str, world) -> str:
    return reverse(name, args=[world.school.urn, world.sam.pk])


def test_a_parent_reads_the_agreed_plan_in_plain_english():
    world = build_plan_world()
    response = client_for(world, "parent").get(_url("child_plan", world))
    assert response.status_code == 200
    page = response.content.decode()
    for expected in (
        "About me",
        ABOUT_ME,
        HELPS_ME,
        "What we are working on",
        OPEN_TARGET,
        "Working on it",
        "How it went at the last review",
        PROGRESS_COMMENT,
        MET_TARGET,
        "The help Sam gets",
        "Reading group",
        "2 sessions a week, 30 minutes each (Tuesday period 3)",
        "Ms Lee (Teacher)",
        f"Next review: {world.plan.review_due:%-d %b %Y}",
        "Your views before the next review",
    ):
        assert expected in page, expected
    assert "Lego therapy" not in page
    assert OTHER_NAME not in page
    assert "£" not in page
    event = AuditEvent.objects.get(action=AuditAction.VIEW)
    assert event.pupil == world.sam


def test_a_draft_plan_is_being_written_with_the_parent_and_not_shown():
    world = build_plan_world()
    SupportPlan.objects.filter(pk=world.plan.pk).update(status=SupportPlan.Status.DRAFT)
    parent = client_for(world, "parent")
    page = parent.get(_url("child_plan", world)).content.decode()
    assert "being written with you" in page
    assert HELPS_ME not in page
    assert parent.get(_url("child_plan_pdf", world)).status_code == 404


def test_a_parent_adds_their_views_and_sees_them_waiting_for_the_next_review():
    world = build_plan_world()
    parent = client_for(world, "parent")
    url = _url("child_plan", world)
    response = parent.post(url, {"text": "  Sam is happier about reading.  "}, follow=True)
    assert response.redirect_chain == [(url, 302)]
    page = response.content.decode()
    assert "Your views are saved" in page
    assert "Sam is happier about reading." in page
    assert "Read at the last review." not in page
    view = Contribution.objects.get(review__isnull=True)
    assert (view.pupil, view.voice, view.text) == (
        world.sam,
        "parent",
        "Sam is happier about reading.",
    )
    assert view.author == world.users["parent"]
    assert view.author_name == "Parent X"
    assert AuditEvent.objects.filter(action=AuditAction.CREATE, pupil=world.sam).count() == 1


def test_an_empty_view_is_refused_with_a_message():
    world = build_plan_world()
    response = client_for(world, "parent").post(_url("child_plan", world), {"text": "   "})
    assert response.status_code == 400
    assert not Contribution.objects.filter(review__isnull=True).exists()


def test_the_service_trims_and_refuses_empty_or_too_long_views():
    world = build_plan_world()
    parent = world.users["parent"]
    with pytest.raises(ValidationError, match="Write your views"):
        contribution_add(pupil=world.sam, voice="parent", text=" \n ", by=parent)
    with pytest.raises(ValidationError, match="at most 4,000 characters"):
        contribution_add(
            pupil=world.sam, voice="parent", text="x" * (TEXT_MAX_LENGTH + 1), by=parent
        )
    with pytest.raises(ValidationError):
        contribution_add(pupil=world.sam, voice="teacher", text="Hello", by=parent)
    view = contribution_add(pupil=world.sam, voice="pupil", text=" I like maths. ", by=parent)
    assert (view.text, view.school_id, view.author_name) == (
        "I like maths.",
        world.school.pk,
        "Parent X",
    )


def test_the_parents_plan_pdf_has_the_pages_text():
    world = build_plan_world()
    response = client_for(world, "parent").get(_url("child_plan_pdf", world))
    text = pdf_text(response)
    for expected in (ABOUT_ME, HELPS_ME, OPEN_TARGET, PROGRESS_COMMENT, MET_TARGET):
        assert expected in text
    assert filename(response) == "support-plan-patel-sam-v2.pdf"
    assert AuditEvent.objects.filter(action=AuditAction.EXPORT, pupil=world.sam).exists()


def test_the_parents_provision_map_highlights_the_child_and_names_no_other_pupil():
    world = build_plan_world()
    response = client_for(world, "parent").get(_url("child_map_pdf", world))
    text = pdf_text(response)
    assert "Provision map: Sam Patel" in text
    assert "Reading group" in text and "Lego therapy" in text
    assert "Year 7 nurture" not in text
    assert "2 pupils" in text
    assert OTHER_NAME not in text
    assert "£" not in text
    assert filename(response) == "provision-map-patel-sam-2026-27-autumn.pdf"


@pytest.mark.parametrize("name", ["child_plan", "child_plan_pdf", "child_map_pdf"])
def test_another_parent_and_staff_cannot_open_a_childs_pages(name):
    world = build_plan_world()
    url = _url(name, world)
    assert client_for(world, "other_parent").get(url).status_code == 404
    assert client_for(world, "senco").get(url).status_code == 403
    assert client_for(world, "governor").get(url).status_code == 403
    assert client_for(world, "other_parent").post(url, {"text": "Hello"}).status_code in (404, 405)
    assert not Contribution.objects.filter(review__isnull=True).exists()


def test_my_children_links_each_child_to_their_plan():
    world = build_plan_world()
    page = client_for(world, "parent").get(reverse("my_children", args=[world.school.urn]))
    assert _url("child_plan", world) in page.content.decode()


@pytest.mark.parametrize("targets", [1, 3])
def test_the_childs_plan_page_costs_a_pinned_number_of_queries(targets):
    world = build_plan_world(targets=targets)
    client = client_for(world, "parent")
    url = _url("child_plan", world)
    client.get(url)
    queries, response = get_counted(client, url)
    assert response.status_code == 200
    assert queries == 15


def test_a_target_ended_without_being_met_reads_stopped_to_a_parent():
    world = build_plan_world()
    Target.objects.filter(pk=world.met_target.pk).update(status=Target.Status.ENDED)
    parent = client_for(world, "parent")
    assert "Stopped" in parent.get(_url("child_plan", world)).content.decode()
    assert "Stopped" in pdf_text(parent.get(_url("child_plan_pdf", world)))
    staff_url = reverse("plan_pdf", args=[world.school.urn, world.sam.pk, world.plan.pk])
    assert "Ended, not met" in pdf_text(client_for(world, "senco").get(staff_url))

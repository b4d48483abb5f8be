"""The documents: what a plan, a review record, a parent's provision map and the one-page
profiles show, read back from the PDFs a school downloads; who may open them."""

from __future__ import annotations

import io

import pytest
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from provmap.accounts.models import AuditAction, AuditEvent
from provmap.outcomes import documents
from provmap.outcomes.models import SupportPlan, Target
from tests.outcomes.plan_world import (
    ABOUT_ME,
    HELPS_ME,
    MET_TARGET,
    OPEN_TARGET,
    PROGRESS_COMMENT,
    PlanWorld,
    build_plan_world,
)
from tests.web.map_world import get_counted

pytestmark = pytest.mark.django_db


def pdf_text(response) -> str:
    """The text of a PDF download, as a PDF text extractor reads it, spaces evened out."""
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "no-store" in response["Cache-Control"]
    reader = PdfReader(io.BytesIO(response.content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return " ".join(text.split())


def client_for(world: PlanWorld, name: str) -> Client:
    client = Client()
    client.force_login(world.users[name])
    return client


def filename(response) -> str:
    return response["Content-Disposition"].split('filename="')[1].rstrip('"')


# --- The reads ------------------------------------------------------------------------------


def test_a_plan_document_is_the_agreed_plan_with_open_and_closed_targets():
    world = build_plan_world()
    document = documents.plan_document(world.sam)
    assert document.plan == world.plan
    assert [line.target for line in document.open_targets] == [world.open_target]
    assert [line.target for line in document.closed_targets] == [world.met_target]
    assert document.last_review == world.review
    assert [(line.target, line.progress.progress) for line in document.progress] == [
        (world.open_target, "partly"),
        (world.met_target, "met"),
    ]
    line = document.open_targets[0]
    assert (line.provision, line.led_by) == ("Reading group", "Ms Lee (Teacher)")
    assert line.how_often == "2 sessions a week, 30 minutes each (Tuesday period 3)"
    assert document.closed_targets[0].parent_status == "Met"
    assert document.next_review == world.plan.review_due
    assert document.involved == ["Ms Lee (teacher)", "Mrs Patel (mother)"]


def test_with_only_a_draft_a_plan_document_has_no_plan_but_says_one_is_written():
    world = build_plan_world()
    SupportPlan.objects.filter(pk=world.plan.pk).update(status=SupportPlan.Status.DRAFT)
    document = documents.plan_document(world.sam)
    assert document.plan is None
    assert document.draft == world.plan


def test_a_childs_map_shows_the_year_groups_provision_and_marks_the_childs_own():
    world = build_plan_world()
    child_map = documents.child_map(world.sam, world.term)
    rows = [(row.run.provision.name, row.group_size, row.own) for row in child_map.rows]
    assert rows == [("Lego therapy", 2, False), ("Reading group", 2, True)]


def test_the_queries_of_a_plan_document_do_not_grow_with_its_targets(django_assert_num_queries):
    few, many = build_plan_world(targets=1), build_plan_world(targets=4)
    with django_assert_num_queries(5):
        documents.plan_document(few.sam)
    with django_assert_num_queries(5):
        assert len(documents.plan_document(many.sam).open_targets) == 4


# --- The PDFs -------------------------------------------------------------------------------


def test_the_plan_pdf_shows_the_plan_its_targets_and_the_last_reviews_progress():
    world = build_plan_world()
    url = reverse("plan_pdf", args=[world.school.urn, world.sam.pk, world.plan.pk])
    response = client_for(world, "senco").get(url)
    text = pdf_text(response)
    for expected in (
        "Support plan: Sam Patel",
        ABOUT_ME,
        HELPS_ME,
        "Reading difficulties.",
        OPEN_TARGET,
        "Reading group: 2 sessions a week, 30 minutes each",
        MET_TARGET,
        PROGRESS_COMMENT,
        "Partly met",
        "Next review",
    ):
        assert expected in text
    assert "Superseded" not in text and "Draft" not in text
    assert "£" not in text
    assert filename(response) == "support-plan-patel-sam-v2.pdf"
    event = AuditEvent.objects.get(action=AuditAction.EXPORT)
    assert event.pupil == world.sam


def test_an_earlier_version_of_the_plan_is_marked_superseded():
    world = build_plan_world()
    url = reverse("plan_pdf", args=[world.school.urn, world.sam.pk, world.old_plan.pk])
    response = client_for(world, "head_of_year").get(url)
    text = pdf_text(response)
    assert "Superseded" in text
    assert "An old version of what helps." in text
    assert filename(response) == "support-plan-patel-sam-v1.pdf"


def test_the_review_pdf_shows_progress_views_and_next_steps():
    world = build_plan_world()
    url = reverse("review_pdf", args=[world.school.urn, world.sam.pk, world.review.pk])
    response = client_for(world, "senco").get(url)
    text = pdf_text(response)
    for expected in (
        "Review record: Sam Patel",
        OPEN_TARGET,
        PROGRESS_COMMENT,
        MET_TARGET,
        "Read at the last review.",
        "Keep the reading group going.",
        "Ms Lee, Mrs Patel, Sam",
    ):
        assert expected in text
    assert filename(response) == f"review-patel-sam-{world.review.held_on.isoformat()}.pdf"


def test_staff_documents_are_refused_to_those_who_do_not_read_plans():
    world = build_plan_world()
    plan = reverse("plan_pdf", args=[world.school.urn, world.sam.pk, world.plan.pk])
    review = reverse("review_pdf", args=[world.school.urn, world.sam.pk, world.review.pk])
    for url in (plan, review):
        assert client_for(world, "form_teacher").get(url).status_code == 403
        assert client_for(world, "governor").get(url).status_code == 403
        assert client_for(world, "parent").get(url).status_code == 403


def test_a_plan_of_another_pupil_under_this_pupils_url_is_not_found():
    world = build_plan_world()
    other = build_plan_world()
    url = reverse("plan_pdf", args=[world.school.urn, world.sam.pk, other.plan.pk])
    assert client_for(world, "senco").get(url).status_code == 404


# --- One-page profiles ----------------------------------------------------------------------


def test_a_teacher_sees_what_helps_the_pupil_and_not_the_targets():
    world = build_plan_world()
    url = reverse("pupil_profile", args=[world.school.urn, world.sam.pk])
    response = client_for(world, "form_teacher").get(url)
    assert response.status_code == 200
    page = response.content.decode()
    assert HELPS_ME in page and ABOUT_ME in page
    for hidden in (OPEN_TARGET, MET_TARGET, "Reading difficulties.", PROGRESS_COMMENT):
        assert hidden not in page
    event = AuditEvent.objects.get(action=AuditAction.VIEW)
    assert event.pupil == world.sam


def test_a_teacher_who_does_not_teach_the_pupil_cannot_open_their_profile():
    world = build_plan_world()
    url = reverse("pupil_profile", args=[world.school.urn, world.sam.pk])
    assert client_for(world, "other_teacher").get(url).status_code == 404
    assert client_for(world, "governor").get(url).status_code == 403


def test_a_teachers_profiles_are_those_of_the_pupils_they_teach_with_an_agreed_plan():
    world = build_plan_world()
    url = reverse("my_pupils_profiles", args=[world.school.urn])
    page = client_for(world, "form_teacher").get(url).content.decode()
    assert "Sam Patel" in page and HELPS_ME in page
    assert OPEN_TARGET not in page
    assert "Sam Patel" not in client_for(world, "other_teacher").get(url).content.decode()
    event = AuditEvent.objects.get(action=AuditAction.VIEW, user=world.users["form_teacher"])
    assert list(event.listed.values_list("pupil_id", flat=True)) == [world.sam.pk]


def test_the_profiles_pdf_holds_each_profile_and_can_be_narrowed_to_a_form():
    world = build_plan_world()
    url = reverse("profiles_pdf", args=[world.school.urn])
    senco = client_for(world, "senco")
    text = pdf_text(senco.get(url + "?form=9A"))
    assert "Sam Patel" in text and HELPS_ME in text
    assert OPEN_TARGET not in text
    assert filename(senco.get(url + "?form=9A")) == "one-page-profiles-9a.pdf"
    assert "Sam Patel" not in pdf_text(senco.get(url + "?form=9B"))


@pytest.mark.parametrize("targets", [1, 3])
def test_the_profile_page_costs_a_pinned_number_of_queries(targets):
    world = build_plan_world(targets=targets)
    client = client_for(world, "form_teacher")
    url = reverse("pupil_profile", args=[world.school.urn, world.sam.pk])
    client.get(url)
    queries, response = get_counted(client, url)
    assert response.status_code == 200
    assert queries == 7


def test_targets_closed_elsewhere_are_not_in_the_plan_document():
    world = build_plan_world()
    Target.objects.filter(pk=world.met_target.pk).update(closed_by=None)
    assert documents.plan_document(world.sam).closed_targets == []

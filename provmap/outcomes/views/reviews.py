"""Reviews of a pupil's support plan: recording one (progress on each open target, views,
next steps, new targets, places ended and runs joined, in one step) and reading one back.

Recording is for the SENCO and the SEND administrator (Rule.SCHOOL_EDIT); reading for those
who see plans (Rule.PLAN_READ).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.forms import Form
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse

from provmap.accounts.access import SchoolRequest
from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction
from provmap.outcomes import reviews, selectors
from provmap.outcomes.forms import (
    END,
    JoinForm,
    OptionalTargetForm,
    PlacementChoiceForm,
    ProgressForm,
    ReviewMeetingForm,
)
from provmap.outcomes.models import Target
from provmap.outcomes.views.plans import PLAN, pupil_runs
from provmap.provision.models import Placement
from provmap.provision.selectors import term_on
from provmap.web.pages import render_school_page, school_terms, today

NEW_TARGET_ROWS = 3


def review_new(request: SchoolRequest, urn: str, pupil_id: int) -> HttpResponse:
    pupil = request.access.named_pupil
    school = request.access.school
    day = today()
    terms = school_terms(school)
    term = term_on(terms, day)
    data = selectors.review_form_data(pupil, day, term)
    post = request.POST if request.method == "POST" else None
    kind = reviews.review_kind_for(pupil.sen_status)
    meeting = ReviewMeetingForm(
        post,
        prefix="review",
        initial={
            "held_on": day,
            "kind": kind,
            "participants": data.plan.involved if data.plan else "",
            "next_review_due": reviews.next_review_for(kind, day),
        },
    )
    progress_forms = [
        (target, ProgressForm(post, prefix=f"t{target.pk}")) for target in data.open_targets
    ]
    runs = pupil_runs(pupil) + data.joinable
    new_forms = [
        OptionalTargetForm(post, prefix=f"new{n}", runs=runs) for n in range(1, NEW_TARGET_ROWS + 1)
    ]
    place_forms = [
        (placement, PlacementChoiceForm(post, prefix=f"p{placement.pk}"))
        for placement in data.placements
    ]
    join_form = JoinForm(post, prefix="join", runs=data.joinable)
    forms_valid = all(
        form.is_valid()
        for form in [
            meeting,
            join_form,
            *(f for _, f in progress_forms),
            *new_forms,
            *(f for _, f in place_forms),
        ]
    )
    problems: list[str] = []
    if post is not None and forms_valid:
        held_on = meeting.cleaned_data["held_on"]
        try:
            review = reviews.review_record(
                pupil=pupil,
                by=request.user,
                held_on=held_on,
                kind=meeting.cleaned_data["kind"],
                participants=meeting.cleaned_data["participants"],
                pupil_view=meeting.cleaned_data["pupil_view"],
                parent_view=meeting.cleaned_data["parent_view"],
                next_steps=meeting.cleaned_data["next_steps"],
                next_review_due=meeting.cleaned_data["next_review_due"],
                progress=[
                    reviews.ProgressEntry(
                        target,
                        form.cleaned_data["progress"],
                        form.cleaned_data["comment"],
                        form.cleaned_data["close"],
                    )
                    for target, form in progress_forms
                ],
                new_targets=[
                    reviews.NewTarget(
                        description=form.cleaned_data["description"],
                        start_date=form.cleaned_data["start_date"],
                        review_date=form.cleaned_data["review_date"],
                        criteria=form.cleaned_data["criteria"],
                        strategies=form.cleaned_data["strategies"],
                        need_area=form.cleaned_data["need_area"],
                        run=form.cleaned_data["run"],
                    )
                    for form in new_forms
                    if form.filled
                ],
                leave=[
                    reviews.Leaving(placement, held_on, form.cleaned_data["reason"] or "completed")
                    for placement, form in place_forms
                    if form.cleaned_data["action"] == END
                ],
                join=join_form.chosen(),
            )
        except ValidationError as error:
            for field, field_messages in error.message_dict.items():
                if field in meeting.fields:
                    meeting.add_error(field, field_messages)
                else:
                    problems.extend(field_messages)
        else:
            audit_record(
                request,
                AuditAction.CREATE,
                pupil=pupil,
                obj=review,
                summary=f"Recorded a review held on {held_on:%d/%m/%Y}.",
            )
            messages.success(request, "The review is recorded.")
            return redirect(reverse("review_detail", args=[school.urn, pupil.pk, review.pk]))
    audit_record(request, AuditAction.VIEW, pupil=pupil, summary="Opened the review form.")
    invalid = post is not None
    row_errors = _row_errors(progress_forms, new_forms, place_forms) if invalid else []
    return render_school_page(
        request,
        "outcomes/review_new.html",
        "map",
        status=400 if invalid else 200,
        pupil=pupil,
        data=data,
        meeting=meeting,
        progress_forms=progress_forms,
        new_forms=new_forms,
        place_forms=place_forms,
        join_form=join_form,
        problems=problems,
        row_errors=row_errors,
        term=term,
    )


def _errors(form: Form) -> list[str]:
    return [str(message) for messages in form.errors.values() for message in messages]


def _row_errors(
    progress_forms: list[tuple[Target, ProgressForm]],
    new_forms: list[OptionalTargetForm],
    place_forms: list[tuple[Placement, PlacementChoiceForm]],
) -> list[tuple[str, str]]:
    """Each row's problems, summed up above the form, each linking to its row."""
    rows: list[tuple[str, str]] = []
    for number, (target, form) in enumerate(progress_forms, start=1):
        rows += [(f"progress-{target.pk}", f"Target {number}: {e}") for e in _errors(form)]
    for number, new in enumerate(new_forms, start=1):
        rows += [(f"new-{number}", f"New target {number}: {e}") for e in _errors(new)]
    for placement, place in place_forms:
        rows += [(f"place-{placement.pk}", f"{placement.run}: {e}") for e in _errors(place)]
    return rows


def review_detail(request: SchoolRequest, urn: str, pupil_id: int, review_id: int) -> HttpResponse:
    pupil = request.access.named_pupil
    page = selectors.review_page(pupil, review_id)
    if page is None:
        raise Http404("No such review.")
    audit_record(
        request,
        AuditAction.VIEW,
        pupil=pupil,
        obj=page.review,
        summary=f"Viewed the review held on {page.review.held_on:%d/%m/%Y}.",
    )
    return render_school_page(request, "outcomes/review_detail.html", "map", pupil=pupil, page=page)


urlpatterns = [
    path(f"{PLAN}reviews/new/", review_new, name="review_new"),
    path(f"{PLAN}reviews/<int:review_id>/", review_detail, name="review_detail"),
]

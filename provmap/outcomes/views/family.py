"""A parent's pages about their own child's support: the agreed plan in plain English, their
views before the next review, and the plan and the highlighted provision map as PDFs.

Rule.PARENT_CHILD: the access check has found the child among the parent's own children
(404 for any other pupil). Never costs, never another pupil's name.
"""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path
from django.utils.text import slugify

from provmap.accounts.access import SchoolRequest
from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction
from provmap.outcomes import documents
from provmap.outcomes.contributions import TEXT_MAX_LENGTH, contribution_add, waiting_views
from provmap.outcomes.models import Contribution
from provmap.pupils.models import Pupil
from provmap.schools.models import Term
from provmap.web.forms import add_service_errors
from provmap.web.pages import chosen_term, render_school_page, school_terms, today
from provmap.web.pdf import pdf_response


class ViewsForm(forms.Form):
    text = forms.CharField(
        label="Your views before the next review",
        help_text=(
            "How things are going at home and at school, what is helping, what worries you, "
            "what you would like the review to talk about."
        ),
        max_length=TEXT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


def pupil_slug(pupil: Pupil) -> str:
    """'patel-sam': how a file about a pupil is named."""
    return slugify(f"{pupil.surname} {pupil.forename}") or "pupil"


def term_shown(request: SchoolRequest) -> Term | None:
    """The term asked for (?term=), else today's, else (in a holiday) the last one begun."""
    terms = school_terms(request.access.school)
    term = chosen_term(request, terms)
    if term is None:
        begun = [term for term in terms if term.start_date <= today()]
        term = begun[-1] if begun else None
    return term


def child_plan(request: SchoolRequest, urn: str, pupil_id: int) -> HttpResponse:
    """The child's agreed plan in plain English, and a form for the parent's views."""
    school, pupil = request.access.school, request.access.named_pupil
    form = ViewsForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            view = contribution_add(
                pupil=pupil,
                voice=Contribution.Voice.PARENT,
                text=form.cleaned_data["text"],
                by=request.user,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            audit_record(
                request,
                AuditAction.CREATE,
                pupil=pupil,
                obj=view,
                summary="A parent's views before a review.",
            )
            messages.success(
                request, "Thank you. Your views are saved and will be read at the next review."
            )
            return redirect("child_plan", urn=school.urn, pupil_id=pupil.pk)
    document = documents.plan_document(pupil)
    term = term_shown(request)
    help_lines = documents.help_this_term(pupil, term)
    given = list(waiting_views(pupil, voice=Contribution.Voice.PARENT, by=request.user))
    audit_record(request, AuditAction.VIEW, pupil=pupil, summary="A parent's view of the plan.")
    return render_school_page(
        request,
        "outcomes/child_plan.html",
        "children",
        status=400 if form.errors else 200,
        pupil=pupil,
        document=document,
        term=term,
        help_lines=help_lines,
        given=given,
        form=form,
    )


def child_plan_pdf(request: SchoolRequest, urn: str, pupil_id: int) -> HttpResponse:
    """The agreed plan as a PDF, for a parent (none while only a draft exists)."""
    school, pupil = request.access.school, request.access.named_pupil
    document = documents.plan_document(pupil)
    if document.plan is None:
        raise Http404("There is no agreed plan yet.")
    audit_record(
        request,
        AuditAction.EXPORT,
        pupil=pupil,
        obj=document.plan,
        summary="A parent downloaded the support plan (PDF).",
    )
    return pdf_response(
        "outcomes/pdf/plan.html",
        {"school": school, "document": document, "today": today(), "parent": True},
        filename=f"support-plan-{pupil_slug(pupil)}-v{document.plan.number}.pdf",
        request=request,
    )


def child_map_pdf(request: SchoolRequest, urn: str, pupil_id: int) -> HttpResponse:
    """The provision the school runs for the child's year group this term (or ?term=), the
    child's own rows highlighted."""
    school, pupil = request.access.school, request.access.named_pupil
    term = term_shown(request)
    if term is None:
        raise Http404("The school has no terms yet.")
    child_map = documents.child_map(pupil, term)
    audit_record(
        request,
        AuditAction.EXPORT,
        pupil=pupil,
        summary="A parent downloaded the provision map (PDF).",
    )
    period = slugify(f"{term.academic_year.name} {term.name}")
    return pdf_response(
        "outcomes/pdf/child_map.html",
        {"school": school, "map": child_map, "today": today()},
        filename=f"provision-map-{pupil_slug(pupil)}-{period}.pdf",
        request=request,
    )


CHILD = "school/<str:urn>/my-child/<int:pupil_id>/"

urlpatterns: list = [
    path(f"{CHILD}plan/", child_plan, name="child_plan"),
    path(f"{CHILD}plan/plan.pdf", child_plan_pdf, name="child_plan_pdf"),
    path(f"{CHILD}provision-map.pdf", child_map_pdf, name="child_map_pdf"),
]

"""Documents staff print or send, and the one-page profiles for those who teach.

- `plan_pdf`, `review_pdf` (Rule.PLAN_READ): a plan of any version (marked "Draft" or
  "Superseded" when not the agreed one) and a review record, as PDFs.
- `pupil_profile` (Rule.PUPIL_READ): the one-page profile of a pupil's agreed plan (about
  me, what I do well, what I find hard, what helps me) and nothing else of the plan.
- `my_pupils_profiles`, `profiles_pdf` (Rule.SCHOOL_MAP): the profiles of the pupils in the
  user's reach with an agreed plan, narrowed to a form or teaching group.
"""

from __future__ import annotations

from django.http import Http404, HttpResponse
from django.urls import path
from django.utils.text import slugify

from provmap.accounts.access import SchoolRequest
from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction
from provmap.formatting import counted
from provmap.outcomes import documents
from provmap.outcomes.models import Review, SupportPlan
from provmap.outcomes.views.family import pupil_slug
from provmap.web.pages import render_school_page, today
from provmap.web.pdf import pdf_response


def plan_pdf(request: SchoolRequest, urn: str, pupil_id: int, plan_id: int) -> HttpResponse:
    school, pupil = request.access.school, request.access.named_pupil
    plan = SupportPlan.objects.filter(pupil=pupil, pk=plan_id).first()
    if plan is None:
        raise Http404("No such plan.")
    document = documents.plan_document(pupil, plan)
    audit_record(
        request,
        AuditAction.EXPORT,
        pupil=pupil,
        obj=plan,
        summary=f"Support plan version {plan.number} ({plan.get_status_display()}) as a PDF.",
    )
    return pdf_response(
        "outcomes/pdf/plan.html",
        {"school": school, "document": document, "today": today(), "staff": True},
        filename=f"support-plan-{pupil_slug(pupil)}-v{plan.number}.pdf",
        request=request,
    )


def review_pdf(request: SchoolRequest, urn: str, pupil_id: int, review_id: int) -> HttpResponse:
    school, pupil = request.access.school, request.access.named_pupil
    review = Review.objects.filter(pupil=pupil, pk=review_id).select_related("plan").first()
    if review is None:
        raise Http404("No such review.")
    document = documents.review_document(review)
    audit_record(
        request,
        AuditAction.EXPORT,
        pupil=pupil,
        obj=review,
        summary="A review record as a PDF.",
    )
    return pdf_response(
        "outcomes/pdf/review.html",
        {"school": school, "pupil": pupil, "document": document, "today": today()},
        filename=f"review-{pupil_slug(pupil)}-{review.held_on.isoformat()}.pdf",
        request=request,
    )


def pupil_profile(request: SchoolRequest, urn: str, pupil_id: int) -> HttpResponse:
    pupil = request.access.named_pupil
    plan = documents.agreed_plan(pupil)
    audit_record(request, AuditAction.VIEW, pupil=pupil, summary="One-page profile.")
    return render_school_page(request, "outcomes/profile.html", "pupils", pupil=pupil, plan=plan)


def my_pupils_profiles(request: SchoolRequest, urn: str) -> HttpResponse:
    page = documents.profiles(request.access.scope, form=request.GET.get("form", "").strip())
    audit_record(
        request,
        AuditAction.VIEW,
        pupils=[plan.pupil for plan in page.plans],
        summary=f"One-page profiles of {counted(len(page.plans), 'pupil')}.",
    )
    return render_school_page(request, "outcomes/profiles.html", "profiles", page=page)


def profiles_pdf(request: SchoolRequest, urn: str) -> HttpResponse:
    page = documents.profiles(request.access.scope, form=request.GET.get("form", "").strip())
    audit_record(
        request,
        AuditAction.EXPORT,
        pupils=[plan.pupil for plan in page.plans],
        summary=f"One-page profiles of {counted(len(page.plans), 'pupil')} as a PDF.",
    )
    name = "-".join(filter(None, ["one-page-profiles", slugify(page.form)]))
    return pdf_response(
        "outcomes/pdf/profiles.html",
        {"school": request.access.school, "page": page, "today": today()},
        filename=f"{name}.pdf",
        request=request,
    )


PUPIL = "school/<str:urn>/pupils/<int:pupil_id>/"

urlpatterns: list = [
    path(f"{PUPIL}plans/<int:plan_id>/plan.pdf", plan_pdf, name="plan_pdf"),
    path(f"{PUPIL}reviews/<int:review_id>/review.pdf", review_pdf, name="review_pdf"),
    path(f"{PUPIL}profile/", pupil_profile, name="pupil_profile"),
    path("school/<str:urn>/profiles/", my_pupils_profiles, name="my_pupils_profiles"),
    path("school/<str:urn>/profiles/profiles.pdf", profiles_pdf, name="profiles_pdf"),
]

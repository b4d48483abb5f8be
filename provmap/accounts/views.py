"""The home page, signing out, and the SENCO's pages: the audit trail and data protection.

Access to each page is decided by its policy (provmap.accounts.policies) before the view
runs; school pages read what was found from `request.access`.
"""

from __future__ import annotations

from allauth.account.views import LogoutView as AllauthLogoutView
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST, require_safe

from provmap.accounts.access import SchoolPages, SchoolRequest, SignedInRequest, pages_for
from provmap.accounts.audit import audit_record
from provmap.accounts.data_protection import (
    KEPT_ON_ERASURE,
    held_counts,
    is_erased,
    pupil_erase,
    pupil_subject_access_export,
    pupil_trail,
    pupils_due_for_erasure,
)
from provmap.accounts.forms import AuditFilterForm, ErasureForm, PupilSearchForm
from provmap.accounts.models import AuditAction, AuditEvent
from provmap.accounts.permissions import memberships
from provmap.formatting import counted
from provmap.pupils.models import Pupil
from provmap.schools.models import AcademicYear, School
from provmap.schools.scoping import school_scope
from provmap.web.pages import render_school_page, today

AUDIT_PAGE_SIZE = 50
SEARCH_LIMIT = 25
DUE_LIMIT = 100
# Events listed on a pupil's data page (the subject access export holds them all).
TRAIL_SHOWN = 50


def landing_url(pages: SchoolPages) -> str:
    """The first page worth opening for one school: its set-up for a SENCO whose school has
    no school year yet; the week of those who deliver provision; else the map, a parent's
    children, figures."""
    if pages.senco and not _has_a_year(pages.school):
        return reverse("school_setup", args=[pages.school.urn])
    if pages.my_week and not pages.scope.everyone:
        return reverse("my_week", args=[pages.school.urn])
    if pages.term_map:
        return reverse("term_map", args=[pages.school.urn])
    if pages.children:
        return reverse("my_children", args=[pages.school.urn])
    return reverse("school_figures", args=[pages.school.urn])


def _has_a_year(school: School) -> bool:
    with school_scope(school):
        return AcademicYear.objects.filter(school=school).exists()


def home(request: SignedInRequest) -> HttpResponse:
    schools = [pages for pages in pages_for(request.user) if pages.any]
    # One school and something to see there: save the click and go straight to it.
    if len(schools) == 1:
        return redirect(landing_url(schools[0]))

    held = memberships(request.user)
    rows = []
    for pages in schools:
        school = pages.school
        roles = sorted(
            {
                membership.get_role_display()
                for membership in held
                if membership.school_id == school.pk
                or (membership.trust_id is not None and membership.trust_id == school.trust_id)
            }
        )
        rows.append({"pages": pages, "roles": roles})
    return render(request, "accounts/home.html", {"rows": rows, "active": "home"})


class LogoutView(AllauthLogoutView):
    """allauth's sign-out, POST only: a link or an image tag cannot sign anyone out. The
    account adapter ends the user's sessions on every device."""

    http_method_names = ["post", "options"]


logout = LogoutView.as_view()


# --- The audit trail (SENCO) --------------------------------------------------------------


@require_safe
def audit_log(request: SchoolRequest, urn: str) -> HttpResponse:
    """The school's trail, filtered and paginated; read-only (nothing here changes it)."""
    access = request.access
    form = AuditFilterForm(request.GET or None)
    events: QuerySet[AuditEvent] = AuditEvent.objects.filter(school=access.school).select_related(
        "pupil"
    )
    if form.is_bound and form.is_valid():
        events = form.filter(events, access.school)
    page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render_school_page(
        request,
        "accounts/audit_log.html",
        "audit",
        form=form,
        page=page,
        query=query.urlencode(),
    )


# --- Data protection (SENCO) --------------------------------------------------------------


def data_protection(request: SchoolRequest, urn: str) -> HttpResponse:
    access = request.access
    school = access.school
    form = PupilSearchForm(request.GET or None)
    found = None
    if form.is_bound and form.is_valid():
        found = list(form.search(school)[:SEARCH_LIMIT])
    due = list(pupils_due_for_erasure(today=today(), school=school)[:DUE_LIMIT])
    if found or due:
        audit_record(
            request,
            AuditAction.VIEW,
            summary=f"Data protection: {counted(len(found or []), 'pupil')} found by a search, "
            f"{len(due)} due for erasure.",
            pupils=[*(found or []), *due],
        )
    return render_school_page(
        request,
        "accounts/data_protection.html",
        "data_protection",
        form=form,
        found=found,
        due=due,
        archived_count=Pupil.objects.filter(school=school, archived_at__isnull=False).count(),
        archive_days=settings.PROVMAP_ARCHIVE_AFTER_DAYS,
        retention_years=settings.PROVMAP_RETENTION_YEARS,
    )


def _pupil_data_page(
    request: SchoolRequest, pupil: Pupil, erase_form: ErasureForm, *, status: int = 200
) -> HttpResponse:
    events, listing = pupil_trail(pupil)
    seen = list(events[:TRAIL_SHOWN])
    for event in seen:
        # Read by the template only: not a field, so the model's type cannot declare it.
        event.in_list = event.pk in listing  # type: ignore[attr-defined]
    return render_school_page(
        request,
        "accounts/pupil_data.html",
        "data_protection",
        status=status,
        pupil=pupil,
        erased=is_erased(pupil),
        held=held_counts(pupil),
        erase_form=erase_form,
        kept=KEPT_ON_ERASURE,
        seen=seen,
        seen_more=len(seen) == TRAIL_SHOWN,
    )


def pupil_data(request: SchoolRequest, urn: str, pupil_id: int) -> HttpResponse:
    pupil = request.access.named_pupil
    audit_record(request, AuditAction.VIEW, pupil=pupil, summary="Data-protection page.")
    return _pupil_data_page(request, pupil, ErasureForm(pupil=pupil))


@require_POST
def pupil_sar_export(request: SchoolRequest, urn: str, pupil_id: int) -> HttpResponse:
    access = request.access
    pupil = access.named_pupil
    content = pupil_subject_access_export(pupil, by=request.user, request=request)
    response = HttpResponse(content, content_type="application/zip")
    filename = f"subject-access-{access.school.urn}-{pupil.pk}.zip"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_POST
def pupil_erase_view(request: SchoolRequest, urn: str, pupil_id: int) -> HttpResponse:
    pupil = request.access.named_pupil
    form = ErasureForm(request.POST, pupil=pupil)
    if not form.is_valid():
        return _pupil_data_page(request, pupil, form, status=400)
    try:
        pupil_erase(
            pupil=pupil, by=request.user, reason=form.cleaned_data["reason"], request=request
        )
    except ValidationError as error:
        form.add_error(None, error)
        return _pupil_data_page(request, pupil, form, status=400)
    messages.success(request, "The pupil's personal data has been erased.")
    return redirect("pupil_data", urn=urn, pupil_id=pupil.pk)

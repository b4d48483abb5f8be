"""The SENCO's People page: everyone with a role in the school, inviting someone, changing
or removing a role, deactivating and reactivating an account. Access (the SENCO only) is
decided by the policies before the views run; the writes are provmap.accounts.people's."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from provmap.accounts.access import SchoolRequest, TrustRequest
from provmap.accounts.audit import audit_record
from provmap.accounts.forms import (
    InviteForm,
    MembershipEditForm,
    MembershipForm,
    PeopleFilterForm,
    PupilFindForm,
    TrustInviteForm,
)
from provmap.accounts.models import AuditAction, Membership, Role
from provmap.accounts.people import (
    MembershipChanged,
    RoleDetails,
    invitation_resend,
    invite_person,
    is_pending,
    membership_remove,
    membership_update,
    people_of,
    person_deactivate,
    person_reactivate,
    trust_leaders_of,
)
from provmap.pupils.models import Pupil
from provmap.web.forms import add_service_errors
from provmap.web.pages import render_school_page

FOUND_LIMIT = 20


def _membership(request: SchoolRequest, membership_id: int) -> Membership:
    """A role in this school (a role elsewhere is not found)."""
    found = (
        Membership.objects.filter(pk=membership_id, school=request.access.school)
        .select_related("user", "school", "staff_member")
        .first()
    )
    if found is None:
        raise Http404("No such role in this school.")
    return found


def _ticked_children(request: SchoolRequest, form: MembershipForm) -> list[Pupil]:
    """The children a form shows ticked: those sent back, else those it started with."""
    if form.is_bound:
        ids = [value for value in request.POST.getlist("children") if value.isdigit()]
    else:
        ids = [str(pk) for pk in form.initial.get("children", [])]
    if not ids:
        return []
    return list(
        Pupil.objects.filter(school=request.access.school, pk__in=ids, archived_at__isnull=True)
    )


@require_safe
def people(request: SchoolRequest, urn: str) -> HttpResponse:
    school = request.access.school
    form = PeopleFilterForm(request.GET or None)
    role = form.cleaned_data["role"] if form.is_bound and form.is_valid() else ""
    return render_school_page(
        request,
        "accounts/people/people.html",
        "people",
        form=form,
        people=people_of(school, role=role),
        filtered=bool(role),
    )


def _invite_page(request: SchoolRequest, form: InviteForm, *, status: int = 200) -> HttpResponse:
    children = _ticked_children(request, form)
    if children:
        audit_record(
            request,
            AuditAction.VIEW,
            summary=f"Inviting a parent: {len(children)} pupil(s) shown.",
            pupils=children,
        )
    return render_school_page(
        request,
        "accounts/people/invite.html",
        "people",
        status=status,
        form=form,
        children=children,
        find=PupilFindForm(),
    )


def invite(request: SchoolRequest, urn: str) -> HttpResponse:
    school = request.access.school
    if request.method != "POST":
        return _invite_page(request, InviteForm(school=school))
    form = InviteForm(request.POST, school=school)
    if not form.is_valid():
        return _invite_page(request, form, status=400)
    data = form.cleaned_data
    try:
        invitation = invite_person(
            email=data["email"],
            first_name=data["first_name"],
            last_name=data["last_name"],
            role=data["role"],
            school=school,
            details=form.details(),
            by=request.user,
            request=request,
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _invite_page(request, form, status=400)
    user = invitation.membership.user
    if invitation.link:
        messages.success(request, f"Invitation sent to {user.email}.")
    else:
        messages.success(
            request,
            f"{user.email} already has an account: they now have the role "
            f"{invitation.membership.get_role_display().lower()} here too.",
        )
    return redirect("people", urn=urn)


@require_safe
def pupil_find(request: SchoolRequest, urn: str) -> HttpResponse:
    """Pupils found by name or UPN, to tick as a parent's children (an htmx fragment)."""
    form = PupilFindForm(request.GET or None)
    found: list[Pupil] = []
    if form.is_bound and form.is_valid():
        found = list(form.search(request.access.school)[:FOUND_LIMIT])
        if found:
            audit_record(
                request,
                AuditAction.VIEW,
                summary=f"People: {len(found)} pupil(s) found to link to a parent.",
                pupils=found,
            )
    return render_school_page(
        request,
        "accounts/people/_found.html",
        "people",
        form=form,
        found=found,
        limit=FOUND_LIMIT,
    )


def _edit_page(
    request: SchoolRequest,
    membership: Membership,
    form: MembershipEditForm,
    *,
    status: int = 200,
    conflict: str = "",
) -> HttpResponse:
    children = _ticked_children(request, form)
    if children:
        audit_record(
            request,
            AuditAction.VIEW,
            obj=membership,
            summary=f"A parent's role: {len(children)} child(ren) shown.",
            pupils=children,
        )
    return render_school_page(
        request,
        "accounts/people/edit.html",
        "people",
        status=status,
        membership=membership,
        person=membership.user,
        pending=is_pending(membership.user),
        form=form,
        children=children,
        find=PupilFindForm(),
        is_self=membership.user_id == request.user.pk,
        conflict=conflict,
    )


def _edit_form(request: SchoolRequest, membership: Membership) -> MembershipEditForm:
    form = MembershipEditForm(school=request.access.school)
    form.initial = {
        **MembershipForm.initial_for(membership, form.known_forms),
        "version": membership.version,
        "children": [pupil.pk for pupil in membership.children.all()],
    }
    return form


def membership_edit(request: SchoolRequest, urn: str, membership_id: int) -> HttpResponse:
    membership = _membership(request, membership_id)
    if request.method != "POST":
        return _edit_page(request, membership, _edit_form(request, membership))
    form = MembershipEditForm(request.POST, school=request.access.school)
    if not form.is_valid():
        return _edit_page(request, membership, form, status=400)
    try:
        membership_update(
            membership=membership,
            role=form.cleaned_data["role"],
            details=form.details(),
            read_version=form.cleaned_data["version"],
            by=request.user,
            request=request,
        )
    except MembershipChanged as error:
        membership.refresh_from_db()
        return _edit_page(
            request,
            membership,
            _edit_form(request, membership),
            status=409,
            conflict=" ".join(error.messages),
        )
    except ValidationError as error:
        add_service_errors(form, error)
        return _edit_page(request, membership, form, status=400)
    messages.success(request, f"Saved the role of {_name(membership)}.")
    return redirect("people", urn=urn)


def _name(membership: Membership) -> str:
    user = membership.user
    return user.get_full_name() or user.get_username()


def _action(request: SchoolRequest, urn: str, membership_id: int, act: str) -> HttpResponse:
    membership = _membership(request, membership_id)
    school = request.access.school
    name = _name(membership)
    try:
        if act == "remove":
            membership_remove(membership=membership, by=request.user, request=request)
            done = f"{name} no longer has the role {membership.get_role_display().lower()}."
        elif act == "resend":
            invitation_resend(membership=membership, by=request.user, request=request)
            done = f"The invitation was sent to {membership.user.email} again."
        elif act == "deactivate":
            person_deactivate(user=membership.user, school=school, by=request.user, request=request)
            done = f"{name} can no longer sign in; they were signed out everywhere."
        else:
            person_reactivate(user=membership.user, school=school, by=request.user, request=request)
            done = f"{name} can sign in again."
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("membership_edit", urn=urn, membership_id=membership_id)
    messages.success(request, done)
    return redirect("people", urn=urn)


@require_POST
def membership_delete(request: SchoolRequest, urn: str, membership_id: int) -> HttpResponse:
    return _action(request, urn, membership_id, "remove")


@require_POST
def invitation_send_again(request: SchoolRequest, urn: str, membership_id: int) -> HttpResponse:
    return _action(request, urn, membership_id, "resend")


@require_POST
def person_deactivate_view(request: SchoolRequest, urn: str, membership_id: int) -> HttpResponse:
    return _action(request, urn, membership_id, "deactivate")


@require_POST
def person_reactivate_view(request: SchoolRequest, urn: str, membership_id: int) -> HttpResponse:
    return _action(request, urn, membership_id, "reactivate")


# --- A trust's leaders (trust leaders) ----------------------------------------------------


def trust_people(request: TrustRequest, trust_id: int) -> HttpResponse:
    """The trust's leaders, and inviting another: only a leader of the trust opens it."""
    trust = request.trust
    form = TrustInviteForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            invitation = invite_person(
                email=data["email"],
                first_name=data["first_name"],
                last_name=data["last_name"],
                role=Role.TRUST_LEADER,
                trust=trust,
                details=RoleDetails(trust_pupil_access=data["trust_pupil_access"]),
                by=request.user,
                request=request,
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            user = invitation.membership.user
            messages.success(
                request,
                f"Invitation sent to {user.email}."
                if invitation.link
                else f"{user.email} already has an account: they now lead {trust.name} too.",
            )
            return redirect("trust_people", trust_id=trust.pk)
    return render(
        request,
        "accounts/people/trust.html",
        {
            "trust": trust,
            "current_trust": trust,
            "leaders": trust_leaders_of(trust),
            "form": form,
            "active": "trust_people",
        },
        status=400 if form.is_bound and form.errors else 200,
    )

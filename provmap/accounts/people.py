"""People and their roles in a school (or a trust): inviting someone, changing, removing a
role, deactivating and reactivating an account. One keyword-only function per use case; each
validates, refuses with a message a school can act on, records the change in the audit trail
and writes nothing when it refuses.

An invitation is an account with no usable password and a role, and an email with a link to
set a password (allauth's password reset from key: the link stops working once a password is
set, or after PASSWORD_RESET_TIMEOUT). Having set one, the person signs in and is asked to
set up two-factor sign-in as their role requires (provmap.accounts.middleware).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from allauth.account.forms import default_token_generator
from allauth.account.utils import user_pk_to_url_str
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.http import HttpRequest
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction, Membership, Role, User
from provmap.accounts.permissions import DELIVERERS, NEVER_FINANCE
from provmap.accounts.services import user_deactivate
from provmap.pupils.models import NCYear, Pupil
from provmap.schools.models import School, StaffMember, Trust

NAME_MAX = 150
YEAR_GROUPS_MAX: int = Membership._meta.get_field("year_groups").max_length or 60
TEACHING_GROUPS_MAX: int = Membership._meta.get_field("teaching_groups").max_length or 200
GROUP_NAME = re.compile(r"^[\w ./-]{1,20}$")


class MembershipChanged(ValidationError):
    """Someone else saved the role since the page was read."""


@dataclass(frozen=True)
class RoleDetails:
    """What a role carries besides its name: the year groups of a head of year, the staff
    record and teaching groups of a teacher, TA or mentor, a parent's children, and whether
    costs are shown (None: the role's default)."""

    year_groups: tuple[str, ...] = ()
    staff_member: StaffMember | None = None
    teaching_groups: tuple[str, ...] = ()
    children: tuple[Pupil, ...] = ()
    finance: bool | None = None
    trust_pupil_access: bool = False


# --- Checks shared by inviting and editing ------------------------------------------------


def _role_errors(
    role: str, details: RoleDetails, *, school: School | None, trust: Trust | None
) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    if role not in Role.values:
        return {"role": [f"'{role}' is not a role provmap knows."]}
    if role == Role.TRUST_LEADER:
        if trust is None:
            errors["role"] = ["A trust leader is invited to a trust, not to one school."]
        return errors
    if school is None:
        return {"role": [f"The role {Role(role).label} is held in a school: choose one."]}
    if role == Role.HEAD_OF_YEAR:
        if not details.year_groups:
            errors["year_groups"] = ["Choose the year groups this head of year looks after."]
        unknown = [year for year in details.year_groups if year not in NCYear.values]
        if unknown:
            errors["year_groups"] = [f"{', '.join(unknown)} is not a year group (R to 13)."]
        elif len(",".join(details.year_groups)) > YEAR_GROUPS_MAX:
            errors["year_groups"] = [f"At most {YEAR_GROUPS_MAX} characters of year groups."]
    if details.staff_member is not None and details.staff_member.school_id != school.pk:
        errors["staff_member"] = [
            "That staff record belongs to another school: link a record of "
            f"{school.name}'s own staff list."
        ]
    if details.teaching_groups:
        bad = [group for group in details.teaching_groups if not GROUP_NAME.match(group)]
        if bad:
            errors["teaching_groups"] = [
                f"'{bad[0]}' is not a form or group name: up to 20 letters, digits, spaces, "
                "full stops, slashes or hyphens."
            ]
        elif len(",".join(details.teaching_groups)) > TEACHING_GROUPS_MAX:
            errors["teaching_groups"] = [
                f"The teaching groups come to more than {TEACHING_GROUPS_MAX} characters: "
                "list fewer."
            ]
    if role == Role.PARENT:
        if not details.children:
            errors["children"] = [
                "A parent or carer must be linked to at least one child: find and tick their child."
            ]
        elif any(child.school_id != school.pk for child in details.children):
            errors["children"] = [f"Every child must be a pupil of {school.name}."]
    return errors


def _apply_details(membership: Membership, details: RoleDetails) -> None:
    """Keep only what the role uses: a parent has no staff record, a TA no year groups."""
    role = membership.role
    membership.year_groups = ",".join(details.year_groups) if role == Role.HEAD_OF_YEAR else ""
    delivers = role in DELIVERERS
    membership.staff_member = details.staff_member if delivers else None
    membership.teaching_groups = ",".join(details.teaching_groups) if delivers else ""
    membership.finance = None if role in NEVER_FINANCE else details.finance
    membership.trust_pupil_access = role == Role.TRUST_LEADER and details.trust_pupil_access


def _other_sencos(school: School, *, besides: Membership) -> QuerySet[Membership]:
    return Membership.objects.filter(school=school, role=Role.SENCO, user__is_active=True).exclude(
        pk=besides.pk
    )


def _refuse_last_senco(membership: Membership, what: str) -> None:
    school = membership.school
    if (
        membership.role == Role.SENCO
        and school is not None
        and not _other_sencos(school, besides=membership).exists()
    ):
        raise ValidationError(
            f"{what} would leave {school.name} with no SENCO: give someone else the SENCO "
            "role first."
        )


def _describe(membership: Membership) -> str:
    where = membership.school or membership.trust
    return f"{membership.user.get_username()} as {membership.get_role_display()} at {where}"


# --- The invitation email -----------------------------------------------------------------


def invitation_link(user: User, *, request: HttpRequest | None = None) -> str:
    """The link that lets `user` set their password (allauth's reset-from-key page)."""
    path = reverse(
        "account_reset_password_from_key",
        kwargs={
            "uidb36": user_pk_to_url_str(user),
            "key": default_token_generator.make_token(user),
        },
    )
    if request is not None:
        return request.build_absolute_uri(path)
    return f"{settings.PROVMAP_BASE_URL}{path}"


def _send_invitation(
    membership: Membership, *, by: User | None, request: HttpRequest | None
) -> str:
    user = membership.user
    link = invitation_link(user, request=request)
    context = {
        "user": user,
        "membership": membership,
        "where": membership.school or membership.trust,
        "inviter": (by.get_full_name() or by.get_username()) if by is not None else "",
        "link": link,
        "days": max(1, settings.PASSWORD_RESET_TIMEOUT // 86400),
        "mfa": membership.role != Role.PARENT,
    }
    subject = render_to_string("accounts/people/invitation_subject.txt", context).strip()
    body = render_to_string("accounts/people/invitation_email.txt", context)
    send_mail(
        f"{settings.ACCOUNT_EMAIL_SUBJECT_PREFIX}{subject}",
        body,
        settings.DEFAULT_FROM_EMAIL,
        [user.email],
    )
    return link


def _username_for(email: str) -> str:
    """People sign in with a username: their email address, numbered if already taken."""
    base = email.lower()[:140]
    name, number = base, 1
    while User.objects.filter(username__iexact=name).exists():
        number += 1
        name = f"{base}-{number}"
    return name


@dataclass(frozen=True)
class Invitation:
    membership: Membership
    link: str
    new_account: bool


# --- The use cases ------------------------------------------------------------------------


@transaction.atomic
def invite_person(
    *,
    email: str,
    first_name: str,
    last_name: str,
    role: str,
    school: School | None = None,
    trust: Trust | None = None,
    details: RoleDetails | None = None,
    by: User | None,
    request: HttpRequest | None = None,
) -> Invitation:
    """Give someone a role in `school` (or, for a trust leader, over `trust`) and email them
    a link to set their password. An existing account with this email address (compared
    without case) is given the role; otherwise an account is made with no usable password."""
    details = details or RoleDetails()
    email = email.strip()
    first_name, last_name = first_name.strip(), last_name.strip()
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except ValidationError:
        errors["email"] = [f"'{email}' is not an email address, such as j.smith@school.org.uk."]
    for field, value, label in (
        ("first_name", first_name, "First name"),
        ("last_name", last_name, "Last name"),
    ):
        if len(value) > NAME_MAX:
            errors[field] = [f"{label}: at most {NAME_MAX} characters."]
    errors.update(_role_errors(role, details, school=school, trust=trust))
    if errors:
        raise ValidationError(errors)

    users = list(User.objects.filter(email__iexact=email).order_by("pk")[:2])
    if len(users) > 1:
        raise ValidationError(
            {"email": [f"More than one account has the address {email}: ask for help."]}
        )
    user = users[0] if users else None
    new_account = user is None
    if user is None:
        user = User(
            username=_username_for(email), email=email, first_name=first_name, last_name=last_name
        )
        user.set_unusable_password()
        user.save()
    else:
        if not user.is_active:
            raise ValidationError(
                {"email": [f"The account of {email} is deactivated: reactivate it first."]}
            )
        held = Membership.objects.filter(user=user, role=role)
        held = held.filter(trust=trust) if role == Role.TRUST_LEADER else held.filter(school=school)
        if held.exists():
            where = trust if role == Role.TRUST_LEADER else school
            raise ValidationError(
                {"email": [f"{email} already has the role {Role(role).label} at {where}."]}
            )
    membership = Membership(
        user=user,
        role=role,
        school=None if role == Role.TRUST_LEADER else school,
        trust=trust if role == Role.TRUST_LEADER else None,
        invited_by=by,
        invited_at=timezone.now(),
    )
    _apply_details(membership, details)
    membership.save()
    if role == Role.PARENT:
        membership.children.set(details.children)
    link = ""
    if new_account or not user.has_usable_password():
        link = _send_invitation(membership, by=by, request=request)
    audit_record(
        request,
        AuditAction.CREATE,
        obj=membership,
        school=school,
        summary=f"Invited {_describe(membership)}"
        + ("" if link else " (an existing account: no email sent)")
        + ".",
        pupils=list(details.children) if role == Role.PARENT else None,
        actor=by,
    )
    return Invitation(membership=membership, link=link, new_account=new_account)


def is_pending(user: User) -> bool:
    """Invited but has not yet set a password."""
    return user.is_active and not user.has_usable_password()


@transaction.atomic
def invitation_resend(
    *, membership: Membership, by: User | None, request: HttpRequest | None = None
) -> str:
    """Email the set-a-password link again (a new one) to someone who has not used it."""
    user = membership.user
    if not is_pending(user):
        raise ValidationError(
            f"{user.get_full_name() or user.get_username()} has already set a password: "
            "there is no invitation to send again."
        )
    link = _send_invitation(membership, by=by, request=request)
    Membership.objects.filter(pk=membership.pk).update(invited_at=timezone.now())
    audit_record(
        request,
        AuditAction.CHANGE,
        obj=membership,
        school=membership.school,
        summary=f"Sent the invitation to {_describe(membership)} again.",
        actor=by,
    )
    return link


@transaction.atomic
def membership_update(
    *,
    membership: Membership,
    role: str,
    details: RoleDetails,
    read_version: int | None = None,
    by: User | None,
    request: HttpRequest | None = None,
) -> Membership:
    """Change a role and what it carries. Given the version the page read, refuses when
    someone else has saved the role since (MembershipChanged)."""
    if Role.TRUST_LEADER in (role, membership.role) and role != membership.role:
        raise ValidationError({"role": ["A trust role cannot become a school role."]})
    errors = _role_errors(role, details, school=membership.school, trust=membership.trust)
    if errors:
        raise ValidationError(errors)
    if role != Role.SENCO:
        _refuse_last_senco(membership, "Changing this role")
    claim = Membership.objects.filter(pk=membership.pk)
    if read_version is not None:
        claim = claim.filter(version=read_version)
    if not claim.update(version=F("version") + 1):
        raise MembershipChanged(
            "Someone else changed this person's role while you were editing it. Their "
            "changes are shown below: make yours again and save."
        )
    before_children = set(membership.children.all()) if membership.role == Role.PARENT else set()
    before = {
        "role": membership.role,
        "year_groups": membership.year_groups,
        "staff_member": membership.staff_member_id,
        "teaching_groups": membership.teaching_groups,
        "finance": membership.finance,
    }
    membership.role = role
    _apply_details(membership, details)
    membership.version = Membership.objects.values_list("version", flat=True).get(pk=membership.pk)
    membership.save()
    after_children = set(details.children) if role == Role.PARENT else set()
    membership.children.set(after_children)
    after = {
        "role": membership.role,
        "year_groups": membership.year_groups,
        "staff_member": membership.staff_member_id,
        "teaching_groups": membership.teaching_groups,
        "finance": membership.finance,
    }
    changed = sorted(key for key in after if after[key] != before[key])
    if before_children != after_children:
        changed.append("children")
    audit_record(
        request,
        AuditAction.CHANGE,
        obj=membership,
        school=membership.school,
        summary=f"Changed the role of {_describe(membership)}: {', '.join(changed) or 'nothing'}.",
        details={"changed": changed},
        pupils=sorted(before_children | after_children, key=lambda pupil: pupil.pk) or None,
        actor=by,
    )
    return membership


@transaction.atomic
def membership_remove(
    *, membership: Membership, by: User | None, request: HttpRequest | None = None
) -> None:
    """Take a role away. The account stays (it may hold roles elsewhere, and its trail)."""
    _refuse_last_senco(membership, "Removing this role")
    children = list(membership.children.all()) if membership.role == Role.PARENT else []
    summary = f"Removed the role of {_describe(membership)}."
    school = membership.school
    pk = membership.pk
    membership.delete()
    audit_record(
        request,
        AuditAction.DELETE,
        school=school,
        summary=summary,
        details={"membership": pk},
        pupils=children or None,
        actor=by,
    )


def _other_places(user: User, school: School) -> bool:
    return (
        Membership.objects.filter(user=user)
        .filter(Q(school__isnull=True) | ~Q(school=school))
        .exists()
    )


@transaction.atomic
def person_deactivate(
    *, user: User, school: School, by: User, request: HttpRequest | None = None
) -> int:
    """Stop someone signing in and end their sessions (their roles stay, so the account can
    be reactivated). Refused for one's own account, and for an account that also holds a
    role elsewhere (remove the role here instead)."""
    if user.pk == by.pk:
        raise ValidationError(
            "You cannot deactivate your own account: another SENCO of the school can."
        )
    if not user.is_active:
        raise ValidationError(f"{user.get_username()}'s account is already deactivated.")
    if _other_places(user, school):
        raise ValidationError(
            f"{user.get_full_name() or user.get_username()} also holds a role at another school "
            "or trust: remove their role here instead of deactivating the account."
        )
    return user_deactivate(user=user, by=by, request=request)


@transaction.atomic
def person_reactivate(
    *, user: User, school: School, by: User, request: HttpRequest | None = None
) -> None:
    """Let a deactivated account sign in again."""
    if user.is_active:
        raise ValidationError(f"{user.get_username()}'s account is already active.")
    user.is_active = True
    user.save(update_fields=["is_active"])
    audit_record(
        request,
        AuditAction.CHANGE,
        obj=user,
        school=school,
        summary=f"Reactivated the account {user.get_username()}.",
        actor=by,
    )


def split_groups(text: str) -> tuple[str, ...]:
    """'7A, 8B;9C' -> ('7A', '8B', '9C'), each once, in order."""
    seen: dict[str, None] = {}
    for item in re.split(r"[,;]", text):
        item = item.strip()
        if item:
            seen.setdefault(item, None)
    return tuple(seen)


def pupils_of(school: School, ids: Iterable[int]) -> tuple[Pupil, ...]:
    return tuple(Pupil.objects.filter(school=school, pk__in=list(ids)))


# --- Reads for the People page ------------------------------------------------------------


@dataclass(frozen=True)
class Person:
    membership: Membership

    @property
    def user(self) -> User:
        return self.membership.user

    @property
    def status(self) -> str:
        if not self.user.is_active:
            return "Deactivated"
        if not self.user.has_usable_password():
            return "Invited"
        return "Active"


def people_of(school: School, *, role: str = "") -> list[Person]:
    """Everyone with a role in the school, by name; one query."""
    held = Membership.objects.filter(school=school).select_related("user", "staff_member")
    if role:
        held = held.filter(role=role)
    held = held.order_by("user__last_name", "user__first_name", "user__username", "role")
    return [Person(membership) for membership in held]


def trust_leaders_of(trust: Trust) -> list[Person]:
    """The trust's leaders, by name; one query."""
    held = (
        Membership.objects.filter(trust=trust, role=Role.TRUST_LEADER)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    return [Person(membership) for membership in held]

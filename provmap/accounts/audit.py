"""The audit trail: one helper, `audit_record`, for every read and write worth recording.

Every page that shows pupil-level data calls it once per request, after the access check:

- a page about one pupil: `audit_record(request, AuditAction.VIEW, pupil=pupil)`;
- a page listing pupils (the term map's names, a search's results): one event for the page,
  saying what was shown and how many pupils, with `pupils=` the pupils it showed (written in
  one INSERT as AuditEventPupil rows, so a subject access request finds every list that
  included a child);
- a write: `AuditAction.CREATE / CHANGE / DELETE` with the pupil and the object changed;
- a download: `AuditAction.EXPORT` with a summary of what left the building and `pupils=`
  every pupil in it.

A summary or details never hold a pupil's name, UPN or date of birth: the event names pupils
only by their keyed reference (`pupil_ref`, and AuditEventPupil.pupil_ref). What was typed
into a search (`q`) is not kept in the recorded address either; the pupils it found are.

Sign-ins, failed sign-ins, wrong codes at the second step, refused (throttled) attempts and
sign-outs go through `audit_sign_in`, called by provmap.accounts.signals, the account adapter
and provmap.accounts.signin_limits: each is recorded in the trail of every school where the
account holds a role, so that school's SENCO finds it. Events are append-only (AuditEvent
refuses updates and deletes).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from provmap.accounts.models import AuditAction, AuditEvent, AuditEventPupil, User
from provmap.pupils.models import Pupil
from provmap.schools.models import School

_PUPIL_REF_SALT = "provmap.accounts.audit.pupil_reference"
# Query parameters holding what someone typed to find pupils (a name or a UPN).
SEARCH_PARAMETERS = frozenset({"q"})
SEARCH_KEPT_AS = "(search)"


def pupil_reference(school_urn: str, upn: str) -> str:
    """A keyed hash naming one pupil in the trail without holding their UPN.

    Keyed with SECRET_KEY: a school that still knows a UPN can find its events after the
    record was erased; someone reading the table alone cannot reverse it.
    """
    value = f"{school_urn}:{upn.strip().upper()}"
    return salted_hmac(_PUPIL_REF_SALT, value, secret=settings.SECRET_KEY).hexdigest()[:24]


def client_ip(request: HttpRequest | None) -> str | None:
    """The client's address as allauth sees it (honouring ALLAUTH_TRUSTED_PROXY_COUNT)."""
    if request is None:
        return None
    from allauth.account.adapter import get_adapter

    try:
        return get_adapter().get_client_ip(request)
    except (PermissionDenied, ImproperlyConfigured):
        return None


def account_named(login: str) -> User | None:
    """The account a typed username names, compared without case as the sign-in backend
    does; None when it names no one (or, in a database that allows it, more than one)."""
    login = login.strip()
    if not login:
        return None
    users = [
        user
        for user in User.objects.filter(username__iexact=login)[:2]
        if user.username.lower() == login.lower()
    ]
    return users[0] if len(users) == 1 else None


def recorded_path(request: HttpRequest) -> str:
    """The page's address as the trail keeps it: what was typed into a search is replaced."""
    if not SEARCH_PARAMETERS & set(request.GET):
        return request.get_full_path()
    query = request.GET.copy()
    for key in SEARCH_PARAMETERS & set(query):
        query.setlist(key, [SEARCH_KEPT_AS for _ in query.getlist(key)])
    return f"{request.path}?{query.urlencode(safe='()')}"


def _listed(event: AuditEvent, school: School | None, pupils: Iterable[Pupil]) -> None:
    """The pupils a list or an export showed, each once, in one INSERT."""
    rows: dict[int, AuditEventPupil] = {}
    for pupil in pupils:
        if pupil.pk in rows:
            continue
        urn = school.urn if school is not None and pupil.school_id == school.pk else None
        rows[pupil.pk] = AuditEventPupil(
            event=event,
            pupil_id=pupil.pk,
            pupil_ref=pupil_reference(urn or pupil.school.urn, pupil.upn),
        )
    if rows:
        AuditEventPupil.objects.bulk_create(rows.values())


def _school_of(
    request: HttpRequest | None, pupil: Pupil | None, obj: models.Model | None
) -> School | None:
    access = getattr(request, "access", None)
    page_school: School | None = getattr(access, "school", None)
    for item in (pupil, obj):
        if isinstance(item, School):
            return item
        school_id = getattr(item, "school_id", None)
        if school_id is not None:
            # The page's school is already loaded: no query to follow the foreign key.
            if page_school is not None and page_school.pk == school_id:
                return page_school
            # Any model with a school_id (found above) has its school beside it.
            return item.school  # type: ignore[union-attr]
    return page_school


def audit_record(
    request: HttpRequest | None,
    action: str,
    *,
    pupil: Pupil | None = None,
    pupils: Iterable[Pupil] | None = None,
    obj: models.Model | None = None,
    summary: str = "",
    school: School | None = None,
    details: dict[str, Any] | None = None,
    actor: User | None = None,
) -> AuditEvent:
    """Add one event to the trail. Side effect: one INSERT, and one more for `pupils` (the
    pupils a list or an export showed; the event's `pupil` is the one pupil it is about).

    `request` may be None (management commands): then there is no address or path, and
    `actor` says who acted (None for the system itself). The school comes from `school`, the
    pupil, the object, or the page's access check, in that order.
    """
    if actor is None and request is not None and request.user.is_authenticated:
        actor = request.user
    school = school or _school_of(request, pupil, obj)
    meta = request.META if request is not None else {}
    event = AuditEvent.objects.create(
        user=actor,
        username=actor.get_username() if actor is not None else "",
        school=school,
        action=AuditAction(action),
        pupil=pupil,
        pupil_ref=pupil_reference(pupil.school.urn, pupil.upn) if pupil is not None else "",
        object_type=obj._meta.label_lower if obj is not None else "",
        object_id=str(obj.pk) if obj is not None and obj.pk is not None else "",
        summary=summary[:300],
        details=details or {},
        ip=client_ip(request),
        user_agent=str(meta.get("HTTP_USER_AGENT", ""))[:300],
        path=recorded_path(request)[:500] if request is not None else "",
    )
    if pupils is not None:
        _listed(event, school, pupils)
    return event


def audit_sign_in(
    request: HttpRequest | None,
    action: str,
    *,
    account: User | None,
    summary: str = "",
    details: dict[str, Any] | None = None,
    actor: User | None = None,
) -> list[AuditEvent]:
    """Record a sign-in event about `account` once in the trail of each school where it holds
    a role, so that each school's SENCO sees who signed in to their staff's (and parents')
    accounts, who failed to and from where. The schools are those of the moment: a SENCO sees
    what happened while the person was theirs, not what they did before they joined.

    `account` is the account concerned (None for a username that is no one's: the event then
    has no school). `actor` is who acted: the account once it has signed in; nobody for an
    attempt that did not get in, unless a signed-in user was asked for their password or code
    again (the request's user, as in `audit_record`).
    """
    schools: list[School | None] = []
    if account is not None:
        schools.extend(School.objects.filter(memberships__user=account).distinct().order_by("pk"))
    # Trust leaders hold their role over a trust, not a school; unknown usernames, nothing.
    return [
        audit_record(
            request,
            action,
            school=school,
            summary=summary,
            details=details,
            actor=actor,
        )
        for school in schools or [None]
    ]

"""What the set-up views share: finding a row of the school, the version a form sent back,
and saying what was done (in the audit trail and to the user)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import models
from django.forms import BaseForm
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect

from provmap.accounts.access import SchoolRequest
from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction
from provmap.schools.forms import VersionedForm
from provmap.schools.models import School
from provmap.schools.services import ChangedElsewhere
from provmap.web.forms import add_service_errors

_M = TypeVar("_M", bound=models.Model)


def find(model: type[_M], school: School, pk: int, what: str = "row") -> _M:
    """The school's row with this id (the request's school scope also holds to it); 404."""
    found = model._default_manager.filter(school=school, pk=pk).first()
    if found is None:
        raise Http404(f"No such {what}.")
    return found


def posted_version(request: HttpRequest) -> int | None:
    """The version a delete button sent back; None when it is missing or not a number (the
    delete is then refused as out of date by `version_or_refuse`)."""
    value = request.POST.get("version", "")
    return int(value) if value.isdigit() else None


OUT_OF_DATE = "The page was out of date: look again and try once more."


def done(
    request: SchoolRequest,
    action: str,
    *,
    summary: str,
    message: str,
    obj: models.Model | None = None,
    details: dict[str, Any] | None = None,
) -> None:
    """Record a change in the audit trail and tell the user it is done."""
    audit_record(
        request,
        action,
        obj=obj,
        school=request.access.school,
        summary=summary,
        details=details,
    )
    messages.success(request, message)


def refused(request: HttpRequest, error: ValidationError) -> None:
    """A service's refusal, said at the top of the page the user is sent back to."""
    for message in error.messages:
        messages.error(request, message)


_F = TypeVar("_F", bound=BaseForm)


def save_form(
    request: HttpRequest, form: _F, save: Callable[[], object], *, fresh: Callable[[], _F]
) -> tuple[bool, _F]:
    """Call a service with a valid form's values: (True, form) once saved; a refusal shown
    on the form; when someone else saved first, their version shown afresh (`fresh`) with
    what happened said above it."""
    try:
        save()
    except ChangedElsewhere as changed:
        refused(request, changed)
        return False, fresh()
    except ValidationError as error:
        add_service_errors(form, error)
        return False, form
    return True, form


_V = TypeVar("_V", bound=VersionedForm)


def edit_row(
    request: SchoolRequest,
    row: _M,
    make_form: Callable[..., _V],
    update: Callable[..., object],
    *,
    said: Callable[[_M], tuple[str, str]],
) -> tuple[bool, _V]:
    """An edit page's form for `row` (`make_form(data, instance=row)`) and, on a valid POST,
    its changes saved by `update` (given a fresh copy of the row, the version the form sent
    back and the changes). Saved: the row read again, the change audited and said (`said`
    gives the trail's summary and the user's message). Refused: said on the form, or, when
    someone else saved first, their version shown afresh."""
    form = make_form(request.POST or None, instance=row)
    if request.method != "POST" or not form.is_valid():
        return False, form

    def fresh_row() -> _M:
        return type(row)._default_manager.get(pk=row.pk)

    saved, form = save_form(
        request,
        form,
        lambda: update(fresh_row(), read_version=form.read_version(), **form.changes()),
        fresh=lambda: make_form(None, instance=fresh_row()),
    )
    if saved:
        row.refresh_from_db()
        summary, message = said(row)
        done(request, AuditAction.CHANGE, obj=row, summary=summary, message=message)
    return saved, form


def delete_row(
    request: SchoolRequest,
    delete: Callable[[int], object],
    *,
    refused_to: str,
    then: str,
    summary: str,
    message: str,
) -> HttpResponse:
    """A delete button's POST: `delete` (a service, given the version the button sent back)
    refused is said on the row's page (`refused_to`); done, it is audited and the user goes
    on to `then`. A button that sent no version is refused as out of date."""
    version = posted_version(request)
    try:
        if version is None:
            raise ValidationError(OUT_OF_DATE)
        delete(version)
    except ValidationError as error:
        refused(request, error)
        return redirect(refused_to)
    done(request, AuditAction.DELETE, summary=summary, message=message)
    return redirect(then)

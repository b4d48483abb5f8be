"""A pupil's page: everything about one pupil on one screen, and printable."""

from __future__ import annotations

from django.http import Http404, HttpResponse

from provmap.accounts.access import SchoolRequest
from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction
from provmap.provision import selectors as provision_selectors
from provmap.pupils import selectors
from provmap.web.pages import render_school_page, today


def pupil_page(request: SchoolRequest, urn: str, pupil_id: int) -> HttpResponse:
    """Needs, groups, SEN history, every placement across terms and years (the key-stage
    map), results and ratings, this year's cost and notes. A pupil outside the user's
    scope is not found; placements the user does not see in full (other staff's runs, for a
    teacher of the pupil) show only when and with whom, and costs need the finance right."""
    school, scope = request.access.school, request.access.scope
    record = selectors.pupil_record(school.pk, pupil_id, scope.pupil_filter())
    if record is None:
        raise Http404("No such pupil.")
    provision = provision_selectors.pupil_provision(school, record.pupil, scope, as_of=today())
    # Results recorded in other staff's runs stay with those runs.
    record = record.without_results(provision.withheld_results)
    audit_record(request, AuditAction.VIEW, pupil=record.pupil, summary="Pupil page.")
    return render_school_page(
        request,
        "pupils/pupil.html",
        "map",
        record=record,
        pupil=record.pupil,
        provision=provision,
    )

"""A parent's page: the provision each of their children receives, never costs or other
pupils."""

from __future__ import annotations

from django.http import HttpResponse

from provmap.accounts.access import SchoolRequest
from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction
from provmap.provision import selectors
from provmap.web.pages import render_school_page


def children_page(request: SchoolRequest, urn: str) -> HttpResponse:
    school, scope = request.access.school, request.access.scope
    children = list(selectors.children_with_provision(school, scope.pupil_ids))
    for child in children:
        audit_record(request, AuditAction.VIEW, pupil=child, summary="Parent's page.")
    return render_school_page(request, "provision/children.html", "children", children=children)

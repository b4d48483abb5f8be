"""The staff page: each member of staff's weekly hours across runs against their contracted
hours, and what their time on the map costs."""

from __future__ import annotations

from django.http import HttpResponse

from provmap.accounts.access import SchoolRequest
from provmap.provision import selectors
from provmap.provision.views.common import chosen_term, page, school_terms, today


def staff_page(request: SchoolRequest, urn: str) -> HttpResponse:
    school, scope = request.access.school, request.access.scope
    terms = school_terms(school)
    term = chosen_term(request, terms)
    staff_term = selectors.staff_term(school, term, as_of=today()) if term else None
    return page(
        request,
        "schools/staff.html",
        school,
        scope,
        "staff",
        terms=terms,
        term=term,
        staff_term=staff_term,
    )

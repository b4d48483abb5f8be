"""The staff page: each member of staff's weekly hours across runs against their contracted
hours, and what their time on the map costs."""

from __future__ import annotations

from django.http import HttpResponse

from provmap.accounts.access import SchoolRequest
from provmap.provision import selectors
from provmap.web.pages import chosen_term, render_school_page, school_terms, today


def staff_page(request: SchoolRequest, urn: str) -> HttpResponse:
    school = request.access.school
    terms = school_terms(school)
    term = chosen_term(request, terms)
    staff_term = selectors.staff_term(school, term, as_of=today()) if term else None
    return render_school_page(
        request,
        "provision/staff.html",
        "staff",
        terms=terms,
        term=term,
        staff_term=staff_term,
    )

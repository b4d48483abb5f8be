"""Rendering a school page, and what every page's view asks of its request: today's date,
the term or id in the query string, whether htmx wants a fragment."""

from __future__ import annotations

import datetime as dt

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django_htmx.middleware import HtmxDetails

from provmap.accounts.access import SchoolRequest
from provmap.provision import selectors
from provmap.schools.models import School, Term


def today() -> dt.date:
    """The school's date today (in the project's time zone)."""
    return timezone.localdate()


def render_school_page(
    request: SchoolRequest,
    template: str,
    active: str,
    *,
    status: int = 200,
    **context: object,
) -> HttpResponse:
    """Render a school page with what the header and navigation need: the school and the
    pages the user may open there (`request.access`), and which of them is this one."""
    access = request.access
    return render(
        request,
        template,
        {"school": access.school, "school_pages": access.pages, "active": active, **context},
        status=status,
    )


def school_terms(school: School) -> list[Term]:
    """The school's terms, in date order, with their academic years."""
    return list(Term.objects.filter(school=school).select_related("academic_year"))


def chosen_term(request: HttpRequest, terms: list[Term]) -> Term | None:
    """The term asked for in ?term=, else the current one; an unknown term is a 404."""
    wanted = request.GET.get("term")
    if not wanted:
        return selectors.term_on(terms, today())
    term = next((term for term in terms if str(term.pk) == wanted), None)
    if term is None:
        raise Http404("No such term.")
    return term


def id_param(request: HttpRequest, name: str) -> int | None:
    """An id from the query string (None when absent; a 404 when it is not a number)."""
    value = request.GET.get(name, "")
    if not value:
        return None
    if not value.isdigit():
        raise Http404(f"No such {name}.")
    return int(value)


def wants_fragment(request: HttpRequest) -> bool:
    """An htmx request for part of a page (a history restore needs the whole page)."""
    htmx: HtmxDetails | None = getattr(request, "htmx", None)
    if htmx is None:
        return False
    return bool(htmx) and not htmx.history_restore_request


def vary_on_htmx(response: HttpResponse) -> HttpResponse:
    """The same URL answers a whole page or a fragment: caches must tell them apart."""
    patch_vary_headers(response, ["HX-Request"])
    return response

"""A pupil's page: everything about one pupil on one screen, and printable; finding a pupil
from any page."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpResponse

from provmap.accounts.access import SchoolRequest
from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction
from provmap.formatting import counted
from provmap.planning import clash_reads
from provmap.provision import selectors as provision_selectors
from provmap.pupils import selectors
from provmap.pupils.models import Pupil
from provmap.web.pages import render_school_page, today, vary_on_htmx, wants_fragment


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
        flags=_timetable_flags(request, record.pupil, provision),
    )


def _timetable_flags(
    request: SchoolRequest, pupil: Pupil, provision: provision_selectors.PupilProvision
) -> clash_reads.PupilFlags | None:
    """This term's timetable clashes and lessons missed (two queries)."""
    school = request.access.school
    term = provision_selectors.current_term(school, today())
    if term is None:
        return clash_reads.pupil_flags(school, pupil, [], today(), today())
    placements = [(item.placement, item.run) for item in provision.placements]
    return clash_reads.pupil_flags(school, pupil, placements, term.start_date, term.end_date)


# --- Finding a pupil from any page ------------------------------------------------------------

# Pupils listed as one types (the header's box), and on the results page.
SEARCH_SUGGESTED = 8
SEARCH_LISTED = 50
# Fewer characters than this find too many pupils to be of use.
SEARCH_MIN_LENGTH = 2


def pupil_search(request: SchoolRequest, urn: str) -> HttpResponse:
    """Find a pupil by name or UPN among the pupils the user may see (never an archived
    leaver). The header's box asks with htmx as one types and shows a short list of links
    under it; without a script the box sends the user here, a page of results."""
    school, scope = request.access.school, request.access.scope
    text = request.GET.get("q", "").strip()[:80]
    suggesting = wants_fragment(request) and request.htmx.target == "pupil-search-results"
    limit = SEARCH_SUGGESTED if suggesting else SEARCH_LISTED
    found: list[Pupil] = []
    total = 0
    too_short = bool(text) and len(text) < SEARCH_MIN_LENGTH
    if text and not too_short:
        visible = Pupil.objects.filter(school=school).visible_to(scope).values("pk")
        found, total = selectors.search_pupils(
            Pupil.objects.filter(school=school, pk__in=visible),
            selectors.PupilSearch(text=text),
            limit=limit,
        )
    if found:
        where = "as typed in the header" if suggesting else "results page"
        audit_record(
            request,
            AuditAction.VIEW,
            summary=f"Pupil search ({where}): {len(found)} of {counted(total, 'pupil')} shown.",
            pupils=found,
        )
    context: dict[str, Any] = {
        "query": text,
        "found": found,
        "total": total,
        "more": total - len(found),
        "too_short": too_short,
        "min_length": SEARCH_MIN_LENGTH,
    }
    if suggesting:
        return vary_on_htmx(
            render_school_page(request, "pupils/_search_results.html", "search", **context)
        )
    return vary_on_htmx(render_school_page(request, "pupils/search.html", "search", **context))

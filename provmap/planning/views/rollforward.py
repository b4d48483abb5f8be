"""Rolling the map forward: a preview of next term's map made from this term's (every run to
copy with the pupils carried and left, what is left behind and why), then one button that
creates it. For the SENCO and the SEND administrator (Rule.SCHOOL_EDIT); nothing is written
before the button is pressed."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse, QueryDict
from django.shortcuts import redirect
from django.urls import path, reverse

from provmap.accounts.access import SchoolRequest
from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction
from provmap.formatting import counted
from provmap.planning import rollforward as rules
from provmap.planning.rolling import Preview, roll_fingerprint, roll_forward, roll_preview
from provmap.provision import selectors
from provmap.schools.models import Term
from provmap.web.pages import render_school_page, school_terms, today


def _term(terms: list[Term], wanted: str | None) -> Term | None:
    if not wanted:
        return None
    if not wanted.isdigit():
        raise Http404("No such term.")
    term = next((term for term in terms if term.pk == int(wanted)), None)
    if term is None:
        raise Http404("No such term.")
    return term


def _after(terms: list[Term], term: Term) -> Term | None:
    return next((other for other in terms if other.start_date > term.end_date), None)


def _choices(data: QueryDict, preview: Preview) -> rules.Choices:
    """The runs and pupils the form leaves behind: those proposed and not ticked."""
    kept_runs = set(data.getlist("run"))
    kept_places = set(data.getlist("place"))
    leave_runs = frozenset(
        copy.run_id for copy in preview.roll.copies if str(copy.run_id) not in kept_runs
    )
    leave_places = frozenset(
        (copy.run_id, carried.pupil_id)
        for copy in preview.roll.copies
        for carried in copy.carried
        if f"{copy.run_id}:{carried.pupil_id}" not in kept_places
    )
    return rules.Choices(leave_runs=leave_runs, leave_places=leave_places)


def roll_forward_page(request: SchoolRequest, urn: str) -> HttpResponse:
    school = request.access.school
    terms = school_terms(school)
    params = request.POST if request.method == "POST" else request.GET
    source = _term(terms, params.get("from")) or selectors.term_on(terms, today())
    target = _term(terms, params.get("to")) or (_after(terms, source) if source else None)
    if source is None or target is None:
        return render_school_page(
            request,
            "planning/roll_forward.html",
            "map",
            no_next=True,
            terms=terms,
            source=source,
            target=target,
        )
    if target.start_date <= source.end_date:
        return render_school_page(
            request,
            "planning/roll_forward.html",
            "map",
            wrong_order=True,
            terms=terms,
            source=source,
            target=target,
        )
    preview = roll_preview(source=source, target=target)
    errors: list[str] = []
    if request.method == "POST":
        try:
            rolled = roll_forward(
                source_term=source,
                target_term=target,
                choices=_choices(request.POST, preview),
                by=request.user.get_full_name() or request.user.get_username(),
                expected=request.POST.get("fingerprint", ""),
            )
        except ValidationError as error:
            errors = list(error.messages)
            preview = roll_preview(source=source, target=target)
        else:
            pupils = [place.pupil for place in rolled.places]
            audit_record(
                request,
                AuditAction.CREATE,
                school=school,
                summary=f"Rolled {source} forward to {target}: {rolled.summary}.",
                pupils=pupils,
                details={"runs": [run.pk for run in rolled.runs]},
            )
            messages.success(request, f"{rolled.summary[:1].upper()}{rolled.summary[1:]}.")
            return redirect(f"{reverse('term_map', args=[school.urn])}?term={target.pk}")
    shown = preview.shown_pupils
    if shown:
        audit_record(
            request,
            AuditAction.VIEW,
            school=school,
            summary=f"Roll-forward preview from {source} to {target}: "
            f"{counted(len(shown), 'pupil')} named.",
            pupils=shown,
        )
    return render_school_page(
        request,
        "planning/roll_forward.html",
        "map",
        status=400 if errors else 200,
        preview=preview,
        rows=preview.rows(),
        fingerprint=roll_fingerprint(preview.roll),
        errors=errors,
        final_year=rules.year_words(preview.final_year),
        terms=terms,
        source=source,
        target=target,
    )


urlpatterns: list = [
    path(
        "school/<str:urn>/planning/roll-forward/",
        roll_forward_page,
        name="roll_forward",
    ),
]

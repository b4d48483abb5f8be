"""The needs audit (Kent's appendix 2): the grid of pupils against kinds of provision for a
year group or the whole school, each cell must, should or could; its pre-fill from what the
school knows; and the page of its columns (kinds) and their catalogue entries.

For the SENCO and the SEND administrator (Rule.SCHOOL_EDIT). Each cell saves on change with
htmx; the "Save" button saves the whole page without a script."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from provmap.accounts.access import SchoolRequest
from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction
from provmap.formatting import counted
from provmap.planning import audit as audits
from provmap.planning import kinds as kind_services
from provmap.planning import terms as terms_rule
from provmap.planning.models import AuditCell, Level, NeedKind, NeedsAudit
from provmap.provision.models import Provision
from provmap.pupils.models import Measure, NCYear, Pupil
from provmap.pupils.needs import Area
from provmap.schools.models import School, Term
from provmap.web.pages import render_school_page, school_terms, today, wants_fragment


def planned_term(request: SchoolRequest, terms: list[Term]) -> Term | None:
    """The term asked for (?term= or a form's `term`), else the first term to start after
    today: the term being planned."""
    wanted = request.POST.get("term") or request.GET.get("term")
    if wanted:
        term = next((term for term in terms if str(term.pk) == wanted), None)
        if term is None:
            raise Http404("No such term.")
        return term
    return terms_rule.planned_term(terms, today())


def _year(request: SchoolRequest) -> str | None:
    year = request.POST.get("year") or request.GET.get("year") or ""
    if year and year not in NCYear.values:
        raise Http404("No such year group.")
    return year or None


def _audit_url(school: School, term: Term, year: str | None, everyone: bool, page: int = 1) -> str:
    url = reverse("needs_audit", args=[school.urn])
    query = f"?term={term.pk}"
    if year:
        query += f"&year={year}"
    if everyone:
        query += "&show=all"
    if page > 1:
        query += f"&page={page}"
    return url + query


def _read_state(grid: audits.Grid) -> str:
    """What the page shows, sent back with "Save": pupil.kind.level for each filled cell."""
    return ";".join(
        f"{row.pupil.pk}.{kind.pk}.{cell.level}"
        for row in grid.rows
        for kind, cell in zip(grid.kinds, row.cells, strict=True)
        if cell is not None
    )


def _page_number(request: SchoolRequest) -> int:
    value = request.GET.get("page", "1")
    return int(value) if value.isdigit() else 1


def needs_audit(request: SchoolRequest, urn: str) -> HttpResponse:
    school = request.access.school
    terms = school_terms(school)
    term = planned_term(request, terms)
    if term is None:
        return render_school_page(request, "planning/needs_audit.html", "planning", term=None)
    year = _year(request)
    everyone = (request.POST.get("show") or request.GET.get("show")) == "all"
    audit = audits.audit_for(term, by=request.user)
    if request.method == "POST":
        return _save_page(request, school, audit, year, everyone)
    grid = audits.audit_grid(
        audit,
        today=today(),
        scope=request.access.scope,
        year=year,
        everyone=everyone,
        page=_page_number(request),
    )
    if grid.rows:
        where = f"Year group {audits.year_label(year)}" if year else "Whole school"
        audit_record(
            request,
            AuditAction.VIEW,
            obj=audit,
            summary=f"Needs audit for {term}: {where}, {counted(len(grid.rows), 'pupil')} shown.",
            pupils=[row.pupil for row in grid.rows],
        )
    measures = Measure.objects.filter(school=school).order_by("name")
    return render_school_page(
        request,
        "planning/needs_audit.html",
        "planning",
        term=term,
        terms=terms,
        audit=audit,
        grid=grid,
        year=year or "",
        year_name=audits.year_label(year) if year else "",
        everyone=everyone,
        years=NCYear.choices,
        levels=Level.choices,
        read_state=_read_state(grid),
        measures=measures,
        prev_url=_audit_url(school, term, year, everyone, grid.page - 1),
        next_url=_audit_url(school, term, year, everyone, grid.page + 1),
    )


def _parse_state(text: str) -> dict[tuple[int, int], str]:
    state: dict[tuple[int, int], str] = {}
    for item in text.split(";"):
        parts = item.split(".")
        if len(parts) == 3 and parts[0].isdigit() and parts[1].isdigit():
            state[int(parts[0]), int(parts[1])] = parts[2]
    return state


def _save_page(
    request: SchoolRequest, school: School, audit: NeedsAudit, year: str | None, everyone: bool
) -> HttpResponse:
    """The "Save" button: every select on the page against what the page showed."""
    read = _parse_state(request.POST.get("read", ""))
    ids = [int(value) for value in request.POST.get("rows", "").split(",") if value.isdigit()]
    pupils = {
        pupil.pk: pupil
        for pupil in audits.projected_pupils(school, audit.term, today())
        .visible_to(request.access.scope)
        .filter(pk__in=ids)
    }
    kinds = [kind for kind in NeedKind.objects.filter(school=school) if kind.active]
    changes = []
    for pupil_id, pupil in pupils.items():
        for kind in kinds:
            name = f"c-{pupil_id}-{kind.pk}"
            if name not in request.POST:
                continue
            level = request.POST[name] or None
            if level is not None and level not in Level.values:
                continue
            was = read.get((pupil_id, kind.pk))
            if level != was:
                changes.append(audits.CellChange(pupil, kind, level, was))
    if changes:
        try:
            audits.cells_set(audit=audit, changes=changes, by=request.user, today=today())
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            touched = {change.pupil.pk: change.pupil for change in changes}
            audit_record(
                request,
                AuditAction.CHANGE,
                obj=audit,
                summary=f"Needs audit for {audit.term}: {counted(len(changes), 'cell')} set.",
                pupils=list(touched.values()),
            )
            messages.success(request, f"{counted(len(changes), 'cell')} saved.")
    else:
        messages.info(request, "Nothing had changed.")
    return redirect(_audit_url(school, audit.term, year, everyone, _page_number(request)))


@require_POST
def needs_audit_cell(request: SchoolRequest, urn: str) -> HttpResponse:
    """One cell saved as it changes (htmx): answers the cell again, saying it was saved."""
    school = request.access.school
    term = planned_term(request, school_terms(school))
    if term is None:
        raise Http404("No term to plan.")
    name = request.headers.get("HX-Trigger-Name", "") or request.POST.get("cell", "")
    parts = name.split("-")
    if len(parts) != 3 or parts[0] != "c" or not (parts[1].isdigit() and parts[2].isdigit()):
        raise Http404("No such cell.")
    pupil = (
        audits.projected_pupils(school, term, today())
        .visible_to(request.access.scope)
        .filter(pk=int(parts[1]))
        .first()
    )
    kind = NeedKind.objects.filter(school=school, pk=int(parts[2]), active=True).first()
    if pupil is None or kind is None:
        raise Http404("No such cell.")
    level = request.POST.get(name) or None
    if level is not None and level not in Level.values:
        raise Http404("No such level.")
    was = request.POST.get("was") or None
    audit = audits.audit_for(term, by=request.user)
    error = ""
    try:
        cell = audits.cell_set(
            audit=audit,
            pupil=pupil,
            kind=kind,
            level=level,
            by=request.user,
            today=today(),
            was=was,
        )
    except ValidationError as refusal:
        error = " ".join(refusal.messages)
        cell = AuditCell.objects.filter(audit=audit, pupil=pupil, kind=kind).first()
    else:
        audit_record(
            request,
            AuditAction.CHANGE,
            pupil=pupil,
            obj=audit,
            summary=f"Needs audit for {term}: {kind.name} set to {level or 'empty'}.",
        )
    counts = audits.column_counts(audit, kind, today=today(), year=_year(request))
    context = {
        "counts": counts,
        "school": school,
        "pupil": pupil,
        "kind": kind,
        "cell": cell,
        "term": term,
        "levels": Level.choices,
        "saved": not error,
        "error": error,
    }
    if not wants_fragment(request):
        if error:
            messages.error(request, error)
        return redirect(_audit_url(school, term, None, False))
    return render(request, "planning/_audit_cell.html", context)


@require_POST
def needs_audit_prefill(request: SchoolRequest, urn: str) -> HttpResponse:
    """Pre-fill the audit from what the school knows; the summary shown on the audit."""
    school = request.access.school
    term = planned_term(request, school_terms(school))
    if term is None:
        raise Http404("No term to plan.")
    year = _year(request)
    everyone = request.POST.get("show") == "all"
    measure = None
    threshold = None
    kind = None
    measure_id = request.POST.get("measure", "")
    if measure_id.isdigit():
        measure = Measure.objects.filter(school=school, pk=int(measure_id)).first()
    raw = request.POST.get("threshold", "").strip()
    if raw:
        try:
            threshold = Decimal(raw)
        except InvalidOperation:
            messages.error(request, "Give the threshold as a number, for example 85.")
            return redirect(_audit_url(school, term, year, everyone))
    kind_id = request.POST.get("kind", "")
    if kind_id.isdigit():
        kind = NeedKind.objects.filter(school=school, pk=int(kind_id)).first()
    audit = audits.audit_for(term, by=request.user)
    try:
        summary = audits.audit_prefill(
            audit=audit,
            measure=measure,
            threshold=threshold,
            kind=kind,
            by=request.user,
            today=today(),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        touched = list(Pupil.objects.filter(school=school, pk__in=summary.touched))
        audit_record(
            request,
            AuditAction.CHANGE,
            obj=audit,
            summary=f"Needs audit for {term} pre-filled: " + " ".join(summary.lines[:2]),
            pupils=touched,
        )
        for line in summary.lines:
            messages.success(request, line)
    return redirect(_audit_url(school, term, year, everyone))


# --- The columns ------------------------------------------------------------------------


def need_kinds(request: SchoolRequest, urn: str) -> HttpResponse:
    """The audit's columns: add, rename, move, switch off, and the catalogue entries that
    meet each (what the planner may propose for it)."""
    school = request.access.school
    kinds = kind_services.kinds_for(school)
    if request.method == "POST":
        action = request.POST.get("action", "")
        kind = None
        kind_id = request.POST.get("kind", "")
        if kind_id.isdigit():
            kind = next((k for k in kinds if k.pk == int(kind_id)), None)
        try:
            if action == "add":
                made = kind_services.kind_create(
                    school=school,
                    name=request.POST.get("name", ""),
                    area=request.POST.get("area", ""),
                )
                messages.success(request, f"{made.name} is added.")
            elif kind is None:
                raise Http404("No such column.")
            elif action in ("up", "down"):
                kind_services.kind_move(kind=kind, up=action == "up")
                messages.success(request, f"{kind.name} is moved.")
            elif action == "save":
                ids = [int(v) for v in request.POST.getlist("provisions") if v.isdigit()]
                kind_services.kind_update(
                    kind=kind,
                    name=request.POST.get("name", ""),
                    area=request.POST.get("area", ""),
                    active=request.POST.get("active") == "on",
                )
                kind_services.kind_set_provisions(
                    kind=kind,
                    provisions=Provision.objects.filter(school=school, pk__in=ids),
                )
                messages.success(request, f"{kind.name} is saved.")
            else:
                raise Http404("No such action.")
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        url = reverse("need_kinds", args=[school.urn])
        return redirect(f"{url}#kind-{kind.pk}" if kind is not None else url)
    chosen: dict[int, set[int]] = {kind.pk: set() for kind in kinds}
    for column_id, provision_id in NeedKind.provisions.through.objects.filter(
        needkind__school=school
    ).values_list("needkind_id", "provision_id"):
        chosen.setdefault(column_id, set()).add(provision_id)
    catalogue = list(Provision.objects.filter(school=school).order_by("wave", "name"))
    return render_school_page(
        request,
        "planning/need_kinds.html",
        "planning",
        kinds=[(kind, chosen.get(kind.pk, set())) for kind in kinds],
        catalogue=catalogue,
        areas=Area.choices,
    )


urlpatterns: list = [
    path("school/<str:urn>/planning/audit/", needs_audit, name="needs_audit"),
    path("school/<str:urn>/planning/audit/cell/", needs_audit_cell, name="needs_audit_cell"),
    path(
        "school/<str:urn>/planning/audit/prefill/",
        needs_audit_prefill,
        name="needs_audit_prefill",
    ),
    path("school/<str:urn>/planning/kinds/", need_kinds, name="need_kinds"),
]

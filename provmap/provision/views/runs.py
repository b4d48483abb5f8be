"""Runs: start one, see it, change its group, record its results, close it.

Starting runs and changing groups is for the SENCO and the SEND administrator; the staff who
lead or deliver a run may also record its results.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from provmap.accounts.access import SchoolRequest, may_record_results, require
from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction
from provmap.accounts.permissions import PupilScope
from provmap.formatting import counted
from provmap.planning import clash_reads
from provmap.provision import run_editing, selectors, services
from provmap.provision.forms import (
    AddPupilsForm,
    PupilSearchForm,
    ResultsForm,
    RunForm,
    read_snapshot,
)
from provmap.provision.models import Placement, Provision, ProvisionRun
from provmap.provision.views.run_edit import offer_undo, undo_offer
from provmap.pupils.models import Pupil
from provmap.pupils.selectors import on_roll_between
from provmap.schools.models import AcademicYear, FundingStream, School, StaffMember
from provmap.web.forms import add_service_errors
from provmap.web.pages import (
    id_param,
    render_school_page,
    school_terms,
    today,
    vary_on_htmx,
    wants_fragment,
)

CANDIDATES_SHOWN = 100


def _run(school: School, run_id: int) -> ProvisionRun:
    run = (
        ProvisionRun.objects.filter(school=school, pk=run_id)
        .select_related("provision", "school")
        .first()
    )
    if run is None:
        raise Http404("No such run.")
    return run


def _run_url(school: School, run_id: int, anchor: str = "") -> str:
    url = reverse("run_detail", args=[school.urn, run_id])
    return f"{url}#{anchor}" if anchor else url


# --- Starting a run -----------------------------------------------------------------------


def run_new(request: SchoolRequest, urn: str) -> HttpResponse:
    """Start a run of a provision: pick the provision (if not given), then its term, staff
    and time, prefilled with the provision's usual pattern and the current term."""
    school = request.access.school
    provision_id = id_param(request, "provision")
    if provision_id is None:
        provisions = Provision.objects.filter(school=school, active=True).prefetch_related("areas")
        return render_school_page(
            request, "provision/run_pick.html", "catalogue", provisions=provisions
        )
    provision = Provision.objects.filter(school=school, pk=provision_id).first()
    if provision is None:
        raise Http404("No such provision.")
    terms = school_terms(school)
    current = selectors.term_on(terms, today())
    staff = StaffMember.objects.filter(school=school, active=True)
    form = RunForm(
        request.POST or None,
        terms=terms,
        years=list(AcademicYear.objects.filter(school=school)),
        staff=staff,
        funding_streams=FundingStream.objects.filter(school=school),
        initial={
            "when": f"term-{current.pk}" if current else "",
            # As people write it: 3, not 3.0.
            "sessions_per_week": provision.sessions_per_week.normalize(),
            "minutes_per_session": provision.minutes_per_session,
            "status": ProvisionRun.Status.RUNNING
            if current and current.start_date <= today()
            else ProvisionRun.Status.PLANNED,
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        academic_year, term = form.period()
        lead = data["lead_staff"]
        team = list(data["staff"])
        if lead is not None and lead not in team:
            team.insert(0, lead)
        try:
            run = services.run_create(
                provision=provision,
                academic_year=academic_year,
                term=term,
                start_date=data["start_date"],
                end_date=data["end_date"],
                weeks=data["weeks"],
                sessions_per_week=data["sessions_per_week"],
                minutes_per_session=data["minutes_per_session"],
                staff=[services.StaffAssignment(member) for member in team],
                label=data["label"],
                status=data["status"],
                lead_staff=lead,
                funding_stream=data["funding_stream"],
                day_time=data["day_time"],
                withdrawn_from=data["withdrawn_from"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            audit_record(request, AuditAction.CREATE, obj=run, summary=f"Started {run}.")
            messages.success(request, f"{run} is on the map. Now add its pupils.")
            return redirect(_run_url(school, run.pk, "add"))
    return render_school_page(
        request,
        "provision/run_new.html",
        "catalogue",
        provision=provision,
        form=form,
    )


# --- One run --------------------------------------------------------------------------------


def _may_record(scope: PupilScope, run_page: selectors.RunPage) -> bool:
    return may_record_results(
        scope,
        lead_id=run_page.run.lead_staff_id,
        staff_ids={line.line.staff_id for line in run_page.costed.staff},
    )


def _found(school: School, run_id: int, scope: PupilScope) -> selectors.RunPage:
    found = selectors.run_page(school, run_id, scope, as_of=today())
    if found is None:
        raise Http404("No such run.")
    return found


def run_page(request: SchoolRequest, urn: str, run_id: int) -> HttpResponse:
    """The run: staff, time and cost; its pupils and their results; for editors, finding
    pupils to add (with htmx, the search answers only the list of pupils found)."""
    school, scope = request.access.school, request.access.scope
    found = _found(school, run_id, scope)
    return _render_run(request, school, scope, found)


def _render_run(
    request: SchoolRequest,
    school: School,
    scope: PupilScope,
    found: selectors.RunPage,
    results_form: ResultsForm | None = None,
) -> HttpResponse:
    run = found.run
    adding = scope.can_edit and run.status != ProvisionRun.Status.CLOSED
    search = PupilSearchForm(
        request.GET, forms_list=selectors.school_forms(school) if adding else []
    )
    candidates: list[Pupil] = []
    total = 0
    searched = adding and search.is_valid() and not search.search().empty
    if searched:
        candidates, total = selectors.run_candidates(
            school, run, search.search(), scope, limit=CANDIDATES_SHOWN
        )
    only_found = wants_fragment(request) and request.htmx.target == "candidates"
    _audit_run_page(request, found, candidates, total, only_found=only_found)
    context: dict[str, Any] = {
        "run_page": found,
        "run": run,
        "search": search,
        "searched": searched,
        "candidates": candidates,
        "candidate_total": total,
        "candidates_shown": CANDIDATES_SHOWN,
        "adding": adding,
        "may_record": _may_record(scope, found),
        "undo": undo_offer(request, run) if scope.can_edit else None,
        "join_from": _join_from(run),
        "results_form": results_form or ResultsForm(page=found, today=today()),
        "fidelity": None
        if only_found
        else selectors.run_fidelity(
            found.costed, [line.placement for line in found.lines], as_of=today()
        ),
        "clash_flags": _clash_flags(school, found),
    }
    if only_found:
        return vary_on_htmx(
            render_school_page(request, "provision/_candidates.html", "map", **context)
        )
    return vary_on_htmx(render_school_page(request, "provision/run_detail.html", "map", **context))


def _clash_flags(school: School, found: selectors.RunPage) -> dict[str, list[str]]:
    """The run's pupils (those shown) in another run at the same time, and its staff
    double-booked, while it runs (five queries)."""
    run = found.run
    report = clash_reads.period_clashes(school, run.start_date, run.end_date).for_run(run.pk)
    shown = {line.placement.pupil_id: line.placement.pupil for line in found.lines}
    pupils = [
        f"{shown[clash.who].full_name}: {report.clash_text(clash)}"
        for clash in report.pupil_clashes
        if clash.who in shown
    ]
    staff = [
        f"{report.staff[clash.who].name}: {report.clash_text(clash)}"
        for clash in report.staff_clashes
    ]
    return {"pupils": pupils, "staff": staff}


def _join_from(run: ProvisionRun) -> dt.date | None:
    """The day pupils join a group from unless told otherwise: today, once it is running
    (blank before it starts: from its first day)."""
    day = today()
    if run.status == ProvisionRun.Status.RUNNING and run.start_date <= day <= run.end_date:
        return day
    return None


def _audit_run_page(
    request: HttpRequest,
    found: selectors.RunPage,
    candidates: list[Pupil],
    total: int,
    *,
    only_found: bool,
) -> None:
    """One event for the pupils the page (or, with htmx, the search's list alone) shows."""
    if only_found:
        summary = f"Pupils found to add to {found.run}: {len(candidates)} of {total} shown."
        shown = list(candidates)
    else:
        summary = f"Run {found.run}: {counted(len(found.lines), 'pupil')} named"
        if candidates:
            summary += f", {len(candidates)} of {total} found to add"
        summary += "."
        shown = [line.placement.pupil for line in found.lines] + list(candidates)
    if shown:
        audit_record(request, AuditAction.VIEW, obj=found.run, summary=summary, pupils=shown)


@require_POST
def run_add_pupils(request: SchoolRequest, urn: str, run_id: int) -> HttpResponse:
    school = request.access.school
    run = _run(school, run_id)
    # Only pupils the user may see can be added: an archived leaver's id posted by hand is
    # refused like any pupil not offered.
    candidates = (
        Pupil.objects.filter(school=school)
        .visible_to(request.access.scope)
        .filter(on_roll_between(run.start_date, run.end_date))
        .exclude(placements__run=run)
    )
    form = AddPupilsForm(request.POST, candidates=candidates)
    back = request.POST.get("search", "")
    target = reverse("run_detail", args=[school.urn, run.pk]) + (f"?{back}" if back else "")
    if not form.is_valid():
        for errors in form.errors.values():
            for message in errors:
                # ErrorList yields the messages (its __getitem__ unwraps each ValidationError);
                # django-stubs types its items as they are stored.
                messages.error(request, message)  # type: ignore[arg-type]
        return redirect(f"{target}#add")
    pupils = list(form.cleaned_data["pupils"])
    start_date = form.cleaned_data["start_date"]
    warnings = selectors.joining_warnings(run, pupils, start_date)
    if warnings and not request.POST.get("confirmed"):
        # Said before anything is saved: the user adds them anyway, or goes back.
        audit_record(
            request,
            AuditAction.VIEW,
            obj=run,
            summary=f"Warnings before adding {counted(len(pupils), 'pupil')} to {run}.",
            pupils=pupils,
        )
        return render_school_page(
            request,
            "provision/run_add_confirm.html",
            "map",
            run=run,
            pupils=pupils,
            warnings=warnings,
            start_date=start_date,
            back=back,
            target=target,
        )
    try:
        run_editing.run_pupils_add(run=run, pupils=pupils, start_date=start_date)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(f"{target}#add")
    for pupil in pupils:
        audit_record(request, AuditAction.CREATE, pupil=pupil, obj=run, summary=f"Added to {run}.")
    names = ", ".join(pupil.full_name for pupil in pupils[:5])
    more = f" and {len(pupils) - 5} more" if len(pupils) > 5 else ""
    offer_undo(request, run, f"You added {counted(len(pupils), 'pupil')}.")
    messages.success(
        request,
        f"Added {counted(len(pupils), 'pupil')} to {run}: {names}{more}.",
    )
    return redirect(_run_url(school, run.pk, "pupils"))


@require_POST
def run_remove_pupil(
    request: SchoolRequest, urn: str, run_id: int, placement_id: int
) -> HttpResponse:
    school = request.access.school
    run = _run(school, run_id)
    placement = (
        Placement.objects.filter(school=school, run=run, pk=placement_id)
        .select_related("pupil", "run__provision")
        .first()
    )
    if placement is None:
        messages.error(request, "That pupil is no longer in this group.")
        return redirect(_run_url(school, run.pk, "pupils"))
    version = request.POST.get("version", "")
    if not version.isdigit():
        messages.error(request, "The page was out of date: look again and try once more.")
        return redirect(_run_url(school, run.pk, "pupils"))
    try:
        outcome = run_editing.run_pupil_remove(
            placement=placement,
            read_version=int(version),
            read=read_snapshot(request.POST.get("read", "")),
            on=today(),
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        who = placement.pupil.full_name
        # The service moved the run's version on in the placement's copy of the run.
        offer_undo(request, placement.run, f"You took {who} out of the group.")
        audit_record(
            request,
            AuditAction.DELETE if outcome == "removed" else AuditAction.CHANGE,
            pupil=placement.pupil,
            obj=run,
            summary=f"{outcome.capitalize()} from {run}.",
        )
        if outcome == "removed":
            messages.success(request, f"{who} is no longer in {run}.")
        else:
            messages.success(
                request,
                f"{who} is withdrawn from {run} from today; their results are kept.",
            )
    return redirect(_run_url(school, run.pk, "pupils"))


@require_POST
def run_results(request: SchoolRequest, urn: str, run_id: int) -> HttpResponse:
    """Save the results table. Rows someone else changed meanwhile are refused, by name."""
    school, scope = request.access.school, request.access.scope
    found = _found(school, run_id, scope)
    require(_may_record(scope, found))
    form = ResultsForm(request.POST, page=found, today=today())
    if form.is_valid():
        try:
            outcome = services.run_record_results(
                run=found.run,
                entries=form.entries(),
                dates=form.stage_dates(),
                today=today(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            for pupil in outcome.saved:
                audit_record(
                    request,
                    AuditAction.CHANGE,
                    pupil=pupil,
                    obj=found.run,
                    summary=f"Results and rating in {found.run}.",
                )
            if outcome.saved:
                count = len(outcome.saved)
                messages.success(request, f"Saved the results of {counted(count, 'pupil')}.")
            for conflict in outcome.conflicts:
                messages.error(request, conflict)
            if not outcome.saved and not outcome.conflicts:
                messages.info(request, "Nothing had changed, so nothing was saved.")
            return redirect(_run_url(school, found.run.pk, "results"))
    return _render_run(request, school, scope, found, results_form=form)

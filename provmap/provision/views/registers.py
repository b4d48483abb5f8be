"""A run's session register: today's (or a chosen day's) session, held or not, with each
pupil's attendance; the last sessions, to change them.

Everyone who sees the run may read its registers; editors and the staff who lead or deliver
the run record them (as they record its results).
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from provmap.accounts.access import SchoolRequest, may_record_results, require
from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction
from provmap.formatting import counted
from provmap.provision import fidelity, registers, selectors
from provmap.provision.models import ProvisionRun, RunSession
from provmap.provision.register_forms import RegisterForm
from provmap.web.forms import add_service_errors
from provmap.web.pages import render_school_page, today


def _day(request: SchoolRequest, run: ProvisionRun) -> dt.date:
    """The day asked for (`?date=`), else today within the run's dates."""
    text = request.GET.get("date", "") or request.POST.get("date", "")
    if text:
        try:
            return dt.date.fromisoformat(text)
        except ValueError:
            pass
    return max(run.start_date, min(today(), run.end_date))


def _next_day(day: dt.date, run: ProvisionRun, recorded: set[dt.date]) -> dt.date | None:
    """The next school day (Monday to Friday) after `day`, up to today and the run's end,
    with no register yet."""
    last = min(today(), run.end_date)
    step = day + dt.timedelta(days=1)
    while step <= last:
        if step.weekday() < 5 and step not in recorded:
            return step
        step += dt.timedelta(days=1)
    return None


def _url(urn: str, run_id: int, day: dt.date | None = None) -> str:
    url = reverse("run_register", args=[urn, run_id])
    return f"{url}?date={day.isoformat()}" if day else url


def run_register(request: SchoolRequest, urn: str, run_id: int) -> HttpResponse:
    """GET: the register of a day (today unless `?date=`). POST: record it."""
    school, scope = request.access.school, request.access.scope
    found = selectors.run_page(school, run_id, scope, as_of=today())
    if found is None:
        raise Http404("No such run.")
    run = found.run
    may_record = may_record_results(
        scope,
        lead_id=run.lead_staff_id,
        staff_ids={line.line.staff_id for line in found.costed.staff},
    )
    if request.method == "POST":
        require(may_record)
    day = _day(request, run)
    placements = [line.placement for line in found.lines]
    register = selectors.run_register(run, placements, day)
    session = register.session
    initial: dict[str, object] = {
        "held": "held" if session is None or session.held else "not_held",
        "not_held_reason": session.not_held_reason if session else "",
        "minutes": session.minutes
        if session
        else fidelity.minutes_a_day(run.sessions_per_week, run.minutes_per_session),
        "note": session.note if session else "",
        "version": session.version if session else None,
    }
    for pk, (mark, reason) in register.marks.items():
        initial[f"mark-{pk}"] = mark
        initial[f"reason-{pk}"] = reason
    form = RegisterForm(
        request.POST if request.method == "POST" else None, due=register.due, initial=initial
    )
    pupils = [placement.pupil for placement in register.due]
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            saved = registers.session_record(
                run=run,
                date=day,
                held=form.is_held,
                not_held_reason=data["not_held_reason"] if not form.is_held else "",
                minutes=data["minutes"],
                note=data["note"],
                marks=form.marks(),
                by=request.user,
                version=data["version"],
                today=today(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            when = registers.long_date(day)
            for pupil in pupils if saved.held else []:
                audit_record(
                    request,
                    AuditAction.CHANGE,
                    pupil=pupil,
                    obj=saved,
                    summary=f"Attendance at {run} on {when}.",
                )
            if not saved.held or not pupils:
                audit_record(
                    request, AuditAction.CHANGE, obj=saved, summary=f"Register of {run} on {when}."
                )
            messages.success(request, f"Saved the register of {when}.")
            recorded = selectors.run_fidelity(found.costed, [], as_of=today()).recorded_dates
            following = _next_day(day, run, recorded)
            return redirect(_url(school.urn, run.pk, following or day))
    summary = selectors.run_fidelity(found.costed, placements, as_of=today())
    if pupils:
        audit_record(
            request,
            AuditAction.VIEW,
            obj=run,
            summary=f"Register of {run} on {registers.long_date(day)}: "
            f"{counted(len(pupils), 'pupil')} named.",
            pupils=pupils,
        )
    return render_school_page(
        request,
        "provision/run_register.html",
        "map",
        run=run,
        register=register,
        form=form,
        may_record=may_record,
        summary=summary,
        day=day,
        future=day > today(),
        outside=day < run.start_date or day > run.end_date,
        next_day=_next_day(day, run, summary.recorded_dates),
    )


@require_POST
def run_session_delete(
    request: SchoolRequest, urn: str, run_id: int, session_id: int
) -> HttpResponse:
    """Delete a register recorded by mistake (a day the run did not meet), with its marks."""
    school, scope = request.access.school, request.access.scope
    found = selectors.run_page(school, run_id, scope, as_of=today())
    if found is None:
        raise Http404("No such run.")
    run = found.run
    session = RunSession.objects.filter(school=school, run=run, pk=session_id).first()
    if session is None:
        raise Http404("No such register.")
    require(
        may_record_results(
            scope,
            lead_id=run.lead_staff_id,
            staff_ids={line.line.staff_id for line in found.costed.staff},
        )
    )
    version = request.POST.get("version", "")
    if not version.isdigit():
        messages.error(request, "The page was out of date: look again and try once more.")
        return redirect(_url(school.urn, run.pk, session.date))
    placements = [line.placement for line in found.lines]
    pupils = [p.pupil for p in selectors.run_register(run, placements, session.date).due]
    when = registers.long_date(session.date)
    try:
        registers.session_delete(session=session, version=int(version), by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(_url(school.urn, run.pk, session.date))
    audit_record(
        request,
        AuditAction.DELETE,
        obj=run,
        summary=f"Deleted the register of {run} on {when}.",
        pupils=pupils,
    )
    messages.success(request, f"Deleted the register of {when}.")
    return redirect(_url(school.urn, run.pk, session.date))

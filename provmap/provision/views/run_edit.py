"""Changing a run after it started: edit its details and staff, delete it, undo its last
change, change or withdraw one pupil's place, close it on a chosen day.

All for the SENCO and the SEND administrator (Rule.SCHOOL_EDIT). Each change is recorded in
the audit trail with the pupils it concerns; after a change the run page offers to undo it.
"""

from __future__ import annotations

import datetime as dt
from typing import cast

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from provmap.accounts.access import SchoolRequest
from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction
from provmap.formatting import counted, plural
from provmap.planning.models import SubjectLessons
from provmap.provision import run_editing, selectors, services, slots
from provmap.provision.models import Placement, Provision, ProvisionRun, RunSlot
from provmap.provision.run_forms import (
    BaseStaffLines,
    CloseForm,
    DeleteForm,
    PlacementEditForm,
    RunEditForm,
    RunStaffFormSet,
    WithdrawForm,
    staff_initial,
)
from provmap.pupils.models import Pupil
from provmap.schools.models import AcademicYear, FundingStream, School, StaffMember, Term
from provmap.web.forms import add_service_errors
from provmap.web.pages import render_school_page, today

# The session key of the undo the run page offers after a change: {run, version, summary}.
UNDO_OFFER = "run_undo_offer"


def _run(school: School, run_id: int) -> ProvisionRun:
    run = (
        ProvisionRun.objects.filter(school=school, pk=run_id)
        .select_related(
            "provision__measure",
            "academic_year",
            "term",
            "funding_stream",
            "lead_staff",
            "reviewing_staff",
            "school",
        )
        .first()
    )
    if run is None:
        raise Http404("No such run.")
    return run


def _run_url(school: School, run_id: int, anchor: str = "") -> str:
    url = reverse("run_detail", args=[school.urn, run_id])
    return f"{url}#{anchor}" if anchor else url


def offer_undo(request: SchoolRequest, run: ProvisionRun, summary: str) -> None:
    """After a change, the run page offers to undo it (while the run is at this version)."""
    request.session[UNDO_OFFER] = {"run": run.pk, "version": run.version, "summary": summary}


def undo_offer(request: SchoolRequest, run: ProvisionRun) -> dict[str, object] | None:
    """The undo to offer on the run page: the user's own last change, if nothing came after."""
    offer = request.session.get(UNDO_OFFER)
    if offer and offer.get("run") == run.pk and offer.get("version") == run.version:
        return dict(offer)
    return None


def _pupils_of(run: ProvisionRun) -> list[Pupil]:
    return list(Pupil.objects.filter(placements__run=run))


# --- Editing a run ------------------------------------------------------------------------


def run_edit(request: SchoolRequest, urn: str, run_id: int) -> HttpResponse:
    school = request.access.school
    run = _run(school, run_id)
    staff = StaffMember.objects.filter(school=school).order_by("name")
    options = {
        "provisions": Provision.objects.filter(school=school),
        "years": AcademicYear.objects.filter(school=school),
        "terms": Term.objects.filter(school=school).select_related("academic_year"),
        "staff": staff,
        "funding_streams": FundingStream.objects.filter(school=school),
    }
    data = request.POST if request.method == "POST" else None
    form = RunEditForm(data, run=run, **options)
    lines = RunStaffFormSet(
        data, prefix="staff", initial=staff_initial(run), form_kwargs={"staff": staff}
    )
    if request.method == "POST" and form.is_valid() and lines.is_valid():
        try:
            run_editing.run_update(
                run=run,
                read_version=form.cleaned_data["version"],
                read=form.read_snapshot(),
                staff=cast(BaseStaffLines, lines).assignments(),
                **form.changes(),
            )
        except run_editing.RunChanged as changed:
            for message in changed.messages:
                messages.error(request, message)
            run = _run(school, run_id)
            form = RunEditForm(run=run, **options)
            lines = RunStaffFormSet(
                prefix="staff", initial=staff_initial(run), form_kwargs={"staff": staff}
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            audit_record(
                request,
                AuditAction.CHANGE,
                obj=run,
                summary=f"Edited {run}.",
                pupils=_pupils_of(run),
            )
            offer_undo(request, run, f"You edited {run}.")
            messages.success(request, f"{run} is saved.")
            return redirect(_run_url(school, run.pk))
    return render_school_page(
        request,
        "provision/run_edit.html",
        "map",
        run=run,
        form=form,
        lines=lines,
        slots=RunSlot.objects.filter(run=run),
        weekdays=RunSlot.Weekday.choices,
        subjects=_subjects(school),
    )


# --- When it meets: its timetable slots ------------------------------------------------------


def _subjects(school: School) -> list[str]:
    """The school's subjects, offered for the lesson a slot withdraws pupils from."""
    names = SubjectLessons.objects.filter(school=school).values_list("subject", flat=True)
    return sorted(set(names), key=str.casefold)


def _time(value: str) -> dt.time | None:
    try:
        return dt.time.fromisoformat(value.strip()) if value.strip() else None
    except ValueError:
        return None


@require_POST
def run_slot_add(request: SchoolRequest, urn: str, run_id: int) -> HttpResponse:
    school = request.access.school
    run = _run(school, run_id)
    weekday = request.POST.get("weekday", "")
    start, end = _time(request.POST.get("start_time", "")), _time(request.POST.get("end_time", ""))
    if not weekday.isdigit() or start is None or end is None:
        messages.error(request, "Choose a day and give a start and an end time, like 09:00.")
        return redirect(reverse("run_edit", args=[school.urn, run.pk]) + "#slots")
    try:
        slot = slots.slot_add(
            run=run,
            weekday=int(weekday),
            start_time=start,
            end_time=end,
            subject=request.POST.get("subject", ""),
            by=request.user,
        )
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        audit_record(request, AuditAction.CHANGE, obj=run, summary=f"{run} meets {slot.text}.")
        messages.success(request, f"{run} meets {slot.text}.")
        count = RunSlot.objects.filter(run=run).count()
        for warning in slots.slot_warnings(run, count):
            messages.warning(request, warning)
    return redirect(reverse("run_edit", args=[school.urn, run.pk]) + "#slots")


@require_POST
def run_slot_remove(request: SchoolRequest, urn: str, run_id: int) -> HttpResponse:
    school = request.access.school
    run = _run(school, run_id)
    wanted = request.POST.get("slot", "")
    slot = RunSlot.objects.filter(run=run, pk=int(wanted)).first() if wanted.isdigit() else None
    if slot is None:
        messages.error(request, "That time was removed already: look again.")
    else:
        text = slot.text
        slots.slot_remove(slot=slot, by=request.user)
        audit_record(request, AuditAction.CHANGE, obj=run, summary=f"{run} no longer meets {text}.")
        messages.success(request, f"{run} no longer meets {text}.")
    return redirect(reverse("run_edit", args=[school.urn, run.pk]) + "#slots")


# --- Deleting a run -----------------------------------------------------------------------


def run_delete(request: SchoolRequest, urn: str, run_id: int) -> HttpResponse:
    """GET: what deleting the run removes, and a button to confirm; POST: delete it."""
    school = request.access.school
    run = _run(school, run_id)
    removal = selectors.run_removal(run)
    # Named on the page: only the pupils the user may open (never an archived leaver).
    visible = set(
        Pupil.objects.filter(pk__in=[pupil.pk for pupil in removal.pupils])
        .visible_to(request.access.scope)
        .values_list("pk", flat=True)
    )
    named = [pupil for pupil in removal.pupils if pupil.pk in visible]
    form = DeleteForm(request.POST if request.method == "POST" else None, run=run)
    if request.method == "POST" and form.is_valid():
        name = str(run)
        try:
            run_editing.run_delete(
                run=run, read_version=form.cleaned_data["version"], read=form.read_snapshot()
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            if not ProvisionRun.objects.filter(pk=run_id).exists():
                return redirect(reverse("term_map", args=[school.urn]))
            return redirect(reverse("run_delete", args=[school.urn, run_id]))
        audit_record(
            request,
            AuditAction.DELETE,
            school=school,
            summary=f"Deleted the run {name}: {counted(len(removal.pupils), 'pupil')} "
            "taken out of it; their results stay on their records.",
            pupils=removal.pupils,
        )
        messages.success(request, f"{name} is deleted.")
        url = reverse("term_map", args=[school.urn])
        return redirect(f"{url}?term={run.term_id}" if run.term_id else url)
    if named:
        audit_record(
            request,
            AuditAction.VIEW,
            obj=run,
            summary=f"Deleting {run}: {counted(len(named), 'pupil')} named.",
            pupils=named,
        )
    return render_school_page(
        request,
        "provision/run_delete.html",
        "map",
        run=run,
        removal=removal,
        named=named,
        unnamed=len(removal.pupils) - len(named),
        form=form,
    )


# --- Undoing the last change ------------------------------------------------------------------


@require_POST
def run_undo(request: SchoolRequest, urn: str, run_id: int) -> HttpResponse:
    school = request.access.school
    run = _run(school, run_id)
    version = request.POST.get("version", "")
    if not version.isdigit():
        messages.error(request, "The page was out of date: look again and try once more.")
        return redirect(_run_url(school, run.pk))
    try:
        undone = run_editing.run_undo(run=run, read_version=int(version))
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        request.session.pop(UNDO_OFFER, None)
        audit_record(
            request,
            AuditAction.CHANGE,
            obj=run,
            summary=f"Undid the last change to {run} ({undone.summary}).",
            pupils=undone.pupils,
        )
        messages.success(request, f"Undone: {run} is back as it was before you {undone.summary}.")
    return redirect(_run_url(school, run.pk))


# --- One pupil's place --------------------------------------------------------------------


def _placement(request: SchoolRequest, run: ProvisionRun, placement_id: int) -> Placement:
    """One pupil's place in the run, if the user may open the pupil (never an archived
    leaver's)."""
    placement = (
        Placement.objects.filter(school=request.access.school, run=run, pk=placement_id)
        .filter(pupil__in=Pupil.objects.visible_to(request.access.scope))
        .select_related("pupil", "baseline", "midpoint", "exit")
        .first()
    )
    if placement is None:
        raise Http404("That pupil is not in this group.")
    placement.run = run
    return placement


def _placement_page(
    request: SchoolRequest,
    run: ProvisionRun,
    placement: Placement,
    form: PlacementEditForm,
    withdraw: WithdrawForm,
) -> HttpResponse:
    audit_record(
        request,
        AuditAction.VIEW,
        pupil=placement.pupil,
        obj=run,
        summary=f"Their place in {run}.",
    )
    return render_school_page(
        request,
        "provision/placement_edit.html",
        "map",
        run=run,
        placement=placement,
        form=form,
        withdraw=withdraw,
    )


def placement_edit(
    request: SchoolRequest, urn: str, run_id: int, placement_id: int
) -> HttpResponse:
    school = request.access.school
    run = _run(school, run_id)
    placement = _placement(request, run, placement_id)
    data = request.POST if request.method == "POST" else None
    form = PlacementEditForm(data, placement=placement)
    if request.method == "POST" and form.is_valid():
        try:
            run_editing.placement_edit(
                placement=placement,
                read_version=form.cleaned_data["version"],
                read=form.read_snapshot(),
                **form.changes(),
            )
        except ValidationError as error:
            if isinstance(error, services.PlacementChanged):
                placement = _placement(request, run, placement_id)
                form = PlacementEditForm(placement=placement)
            add_service_errors(form, error)
        else:
            run.refresh_from_db(fields=["version"])
            audit_record(
                request,
                AuditAction.CHANGE,
                pupil=placement.pupil,
                obj=run,
                summary=f"Their place in {run} changed.",
            )
            offer_undo(request, run, f"You changed {placement.pupil.full_name}'s place.")
            messages.success(request, f"{placement.pupil.full_name}'s place is saved.")
            return redirect(_run_url(school, run.pk, "pupils"))
    withdraw = WithdrawForm(placement=placement, today=today())
    return _placement_page(request, run, placement, form, withdraw)


@require_POST
def placement_withdraw(
    request: SchoolRequest, urn: str, run_id: int, placement_id: int
) -> HttpResponse:
    school = request.access.school
    run = _run(school, run_id)
    placement = _placement(request, run, placement_id)
    withdraw = WithdrawForm(request.POST, placement=placement, today=today())
    if withdraw.is_valid():
        try:
            run_editing.placement_withdraw(
                placement=placement,
                read_version=withdraw.cleaned_data["version"],
                read=withdraw.read_snapshot(),
                on=withdraw.cleaned_data["on"],
                reason=withdraw.cleaned_data["reason"],
            )
        except ValidationError as error:
            if isinstance(error, services.PlacementChanged):
                placement = _placement(request, run, placement_id)
                withdraw = WithdrawForm(placement=placement, today=today())
            add_service_errors(withdraw, error)
        else:
            run.refresh_from_db(fields=["version"])
            who = placement.pupil.full_name
            audit_record(
                request,
                AuditAction.CHANGE,
                pupil=placement.pupil,
                obj=run,
                summary=f"Withdrawn from {run}.",
            )
            last = placement.end_date
            assert last is not None  # a withdrawal sets the last day
            offer_undo(request, run, f"You withdrew {who}.")
            messages.success(
                request,
                f"{who} is withdrawn from {run}; their last day was {last.day} "
                f"{last:%b %Y}. Their results are kept.",
            )
            return redirect(_run_url(school, run.pk, "pupils"))
    form = PlacementEditForm(placement=placement)
    return _placement_page(request, run, placement, form, withdraw)


# --- Closing a run --------------------------------------------------------------------------


def run_close(request: SchoolRequest, urn: str, run_id: int) -> HttpResponse:
    """GET: what closing the run does, with its last day to choose; POST: close it."""
    school = request.access.school
    run = _run(school, run_id)
    if run.status == ProvisionRun.Status.CLOSED:
        messages.info(request, f"{run} is already closed.")
        return redirect(_run_url(school, run.pk))
    form = CloseForm(request.POST if request.method == "POST" else None, run=run, today=today())
    if request.method == "POST" and form.is_valid():
        try:
            closed = run_editing.run_close_on(
                run=run,
                read_version=form.cleaned_data["version"],
                read=form.read_snapshot(),
                on=form.cleaned_data["on"],
                today=today(),
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            audit_record(
                request,
                AuditAction.CHANGE,
                obj=run,
                summary=f"Closed {run}.",
                pupils=closed.completed,
            )
            missing = closed.missing_exit
            note = (
                f" {counted(missing, 'pupil')} {plural(missing, 'has', 'have')} no exit "
                "result yet: you can still record it."
                if missing
                else ""
            )
            offer_undo(request, run, f"You closed {run}.")
            completed = len(closed.completed)
            messages.success(
                request, f"{run} is closed; {counted(completed, 'pupil')} completed it." + note
            )
            return redirect(_run_url(school, run.pk))
    still_in = Placement.objects.filter(
        run=run, status__in=[Placement.Status.PLANNED, Placement.Status.ACTIVE]
    ).count()
    return render_school_page(
        request, "provision/run_close.html", "map", run=run, form=form, still_in=still_in
    )

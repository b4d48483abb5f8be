"""A pupil's support plan: the plan page (the current plan, its targets, reviews, views not
yet read and the plans before it), one earlier version, and the draft's editing page (its
text and targets on one page, without a script), agreeing and discarding a draft.

Reading is for those who see plans (Rule.PLAN_READ); writing for the SENCO and the SEND
administrator (Rule.SCHOOL_EDIT). Every page records what it showed in the audit trail.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect
from django.urls import path, reverse
from django.views.decorators.http import require_POST

from provmap.accounts.access import SchoolRequest
from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction
from provmap.outcomes import plans, selectors
from provmap.outcomes.forms import AgreeForm, PlanForm, TargetForm, VersionForm
from provmap.outcomes.models import SupportPlan, Target
from provmap.provision.models import ProvisionRun
from provmap.pupils.models import Pupil
from provmap.web.forms import add_service_errors
from provmap.web.pages import render_school_page, today

PLAN = "school/<str:urn>/pupils/<int:pupil_id>/plan/"


def plan_url(pupil: Pupil, name: str = "support_plan", **kwargs: int) -> str:
    return reverse(name, kwargs={"urn": pupil.school.urn, "pupil_id": pupil.pk, **kwargs})


def _pupil(request: SchoolRequest) -> Pupil:
    return request.access.named_pupil


def _plan(pupil: Pupil, plan_id: int) -> SupportPlan:
    plan = SupportPlan.objects.filter(pupil=pupil, pk=plan_id).first()
    if plan is None:
        raise Http404("No such plan.")
    return plan


def pupil_runs(pupil: Pupil) -> list[ProvisionRun]:
    """The runs the pupil is placed in: the provision a target can name."""
    return list(
        ProvisionRun.objects.filter(placements__pupil=pupil)
        .select_related("provision")
        .order_by("-start_date", "provision__name")
        .distinct()
    )


def plan_sections(plan: SupportPlan | None) -> dict[str, Any]:
    """The plan's text as (label, text) pairs: the profile, then the rest."""
    if plan is None:
        return {"plan_profile": [], "plan_rest": []}

    def pairs(fields: tuple[str, ...]) -> list[tuple[str, str]]:
        labels = [plans.field_label(SupportPlan, field) for field in fields]
        return [
            (label[:1].upper() + label[1:], getattr(plan, field))
            for label, field in zip(labels, fields, strict=True)
        ]

    return {
        "plan_profile": pairs(plans.PROFILE_FIELDS),
        "plan_rest": pairs(("needs", "outcomes", "pupil_view", "parent_view", "involved")),
    }


# --- Reading ----------------------------------------------------------------------------------


def support_plan(request: SchoolRequest, urn: str, pupil_id: int) -> HttpResponse:
    pupil = _pupil(request)
    page = selectors.plan_page(pupil)
    audit_record(
        request,
        AuditAction.VIEW,
        pupil=pupil,
        obj=page.current,
        summary="Viewed the support plan." if page.current else "Viewed: no support plan yet.",
    )
    return render_school_page(
        request,
        "outcomes/plan.html",
        "map",
        pupil=pupil,
        page=page,
        plan=page.current,
        can_edit=request.access.scope.can_edit,
        **plan_sections(page.current),
    )


def support_plan_version(
    request: SchoolRequest, urn: str, pupil_id: int, plan_id: int
) -> HttpResponse:
    pupil = _pupil(request)
    found = selectors.plan_version(pupil, plan_id)
    if found is None:
        raise Http404("No such plan.")
    plan, targets = found
    audit_record(
        request,
        AuditAction.VIEW,
        pupil=pupil,
        obj=plan,
        summary=f"Viewed support plan version {plan.number}.",
    )
    return render_school_page(
        request,
        "outcomes/plan_version.html",
        "map",
        pupil=pupil,
        plan=plan,
        targets=targets,
        **plan_sections(plan),
    )


# --- Editing the draft ----------------------------------------------------------------------


def _edit_page(
    request: SchoolRequest,
    pupil: Pupil,
    *,
    plan_form: PlanForm | None = None,
    new_target: TargetForm | None = None,
    failed_target: TargetForm | None = None,
    agree_form: AgreeForm | None = None,
    status: int = 200,
) -> HttpResponse:
    draft = SupportPlan.objects.filter(pupil=pupil, status=SupportPlan.Status.DRAFT).first()
    runs = pupil_runs(pupil)
    target_forms = []
    if draft is not None:
        targets = list(
            Target.objects.filter(pupil=pupil, status=Target.Status.OPEN).select_related(
                "plan", "run__provision"
            )
        )
        for target in targets:
            form = TargetForm.for_target(target, runs)
            if failed_target is not None and failed_target.prefix == form.prefix:
                form = failed_target
            removable = target.plan_id == draft.pk
            target_forms.append((target, form, removable))
        plan_form = plan_form or PlanForm.for_plan(draft)
        new_target = new_target or TargetForm(prefix="new", runs=runs)
        agree_form = agree_form or AgreeForm(
            initial={"agreed_on": today(), "version": draft.version}, prefix="agree"
        )
    audit_record(
        request,
        AuditAction.VIEW,
        pupil=pupil,
        obj=draft,
        summary="Editing the draft support plan." if draft else "Starting a support plan.",
    )
    return render_school_page(
        request,
        "outcomes/plan_edit.html",
        "map",
        status=status,
        pupil=pupil,
        draft=draft,
        agreed=SupportPlan.objects.filter(pupil=pupil, status=SupportPlan.Status.AGREED).first(),
        plan_form=plan_form,
        target_forms=target_forms,
        new_target=new_target,
        agree_form=agree_form,
        discard_form=VersionForm(initial={"version": draft.version}) if draft else None,
    )


def support_plan_edit(request: SchoolRequest, urn: str, pupil_id: int) -> HttpResponse:
    """GET: the draft's page (or the offer to start one). POST `action`: start, save the
    text, or add a target."""
    pupil = _pupil(request)
    edit_url = plan_url(pupil, "support_plan_edit")
    if request.method != "POST":
        return _edit_page(request, pupil)
    action = request.POST.get("action")
    if action == "start":
        try:
            plan = plans.plan_start(pupil=pupil, by=request.user)
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            audit_record(
                request,
                AuditAction.CREATE,
                pupil=pupil,
                obj=plan,
                summary=f"Started support plan version {plan.number}.",
            )
            messages.success(request, f"Draft support plan version {plan.number} started.")
        return redirect(edit_url)
    draft = SupportPlan.objects.filter(pupil=pupil, status=SupportPlan.Status.DRAFT).first()
    if draft is None:
        messages.error(request, "There is no draft plan: start one first.")
        return redirect(edit_url)
    if action == "save":
        form = PlanForm(request.POST, prefix="plan")
        if form.is_valid():
            try:
                plans.plan_update(
                    plan=draft,
                    version=form.cleaned_data["version"],
                    by=request.user,
                    **form.changes(),
                )
            except plans.PlanChanged as changed:
                for message in changed.messages:
                    messages.error(request, message)
                return redirect(edit_url)
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                audit_record(
                    request,
                    AuditAction.CHANGE,
                    pupil=pupil,
                    obj=draft,
                    summary=f"Changed draft support plan version {draft.number}.",
                )
                messages.success(request, "The draft plan is saved.")
                return redirect(edit_url)
        return _edit_page(request, pupil, plan_form=form, status=400)
    if action == "add_target":
        target_form = TargetForm(request.POST, prefix="new", runs=pupil_runs(pupil))
        if target_form.is_valid():
            try:
                target = plans.target_add(plan=draft, by=request.user, **target_form.changes())
            except ValidationError as error:
                add_service_errors(target_form, error)
            else:
                audit_record(
                    request,
                    AuditAction.CREATE,
                    pupil=pupil,
                    obj=target,
                    summary=f"Added a target to draft support plan version {draft.number}.",
                )
                messages.success(request, "The target is added.")
                return redirect(f"{edit_url}#targets")
        return _edit_page(request, pupil, new_target=target_form, status=400)
    raise Http404("No such action.")


@require_POST
def support_plan_target(
    request: SchoolRequest, urn: str, pupil_id: int, target_id: int
) -> HttpResponse:
    """Save or remove one target of the draft page (POST `action`: save or remove)."""
    pupil = _pupil(request)
    target = Target.objects.filter(pupil=pupil, pk=target_id).select_related("plan").first()
    if target is None:
        raise Http404("No such target.")
    edit_url = plan_url(pupil, "support_plan_edit")
    if request.POST.get("action") == "remove":
        form = VersionForm(request.POST, prefix=f"t{target.pk}")
        try:
            if not form.is_valid():
                raise ValidationError("The page was out of date: open it again.")
            plans.target_remove(
                target=target, version=form.cleaned_data["version"], by=request.user
            )
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
        else:
            audit_record(
                request, AuditAction.DELETE, pupil=pupil, summary="Removed a draft target."
            )
            messages.success(request, "The target is removed.")
        return redirect(f"{edit_url}#targets")
    target_form = TargetForm.for_target(target, pupil_runs(pupil), data=request.POST)
    if target_form.is_valid():
        try:
            plans.target_update(
                target=target,
                version=target_form.cleaned_data["version"] or 0,
                by=request.user,
                **target_form.changes(),
            )
        except plans.PlanChanged as changed:
            for message in changed.messages:
                messages.error(request, message)
            return redirect(f"{edit_url}#targets")
        except ValidationError as error:
            add_service_errors(target_form, error)
        else:
            audit_record(
                request, AuditAction.CHANGE, pupil=pupil, obj=target, summary="Changed a target."
            )
            messages.success(request, "The target is saved.")
            return redirect(f"{edit_url}#target-{target.pk}")
    return _edit_page(request, pupil, failed_target=target_form, status=400)


@require_POST
def support_plan_agree(
    request: SchoolRequest, urn: str, pupil_id: int, plan_id: int
) -> HttpResponse:
    pupil = _pupil(request)
    plan = _plan(pupil, plan_id)
    form = AgreeForm(request.POST, prefix="agree")
    if form.is_valid():
        try:
            plans.plan_agree(
                plan=plan,
                version=form.cleaned_data["version"],
                agreed_on=form.cleaned_data["agreed_on"],
                agreed_with=form.cleaned_data["agreed_with"],
                by=request.user,
            )
        except plans.PlanChanged as changed:
            for message in changed.messages:
                messages.error(request, message)
            return redirect(plan_url(pupil, "support_plan_edit"))
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            audit_record(
                request,
                AuditAction.CHANGE,
                pupil=pupil,
                obj=plan,
                summary=f"Agreed support plan version {plan.number}.",
            )
            messages.success(request, f"Support plan version {plan.number} is agreed.")
            return redirect(plan_url(pupil))
    return _edit_page(request, pupil, agree_form=form, status=400)


@require_POST
def support_plan_discard(
    request: SchoolRequest, urn: str, pupil_id: int, plan_id: int
) -> HttpResponse:
    pupil = _pupil(request)
    plan = _plan(pupil, plan_id)
    form = VersionForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("The page was out of date: open it again.")
        plans.plan_discard(plan=plan, version=form.cleaned_data["version"], by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
        return redirect(plan_url(pupil, "support_plan_edit"))
    audit_record(
        request,
        AuditAction.DELETE,
        pupil=pupil,
        summary=f"Discarded draft support plan version {plan.number}.",
    )
    messages.success(request, f"Draft version {plan.number} is discarded.")
    return redirect(plan_url(pupil))


urlpatterns = [
    path(PLAN, support_plan, name="support_plan"),
    path(f"{PLAN}edit/", support_plan_edit, name="support_plan_edit"),
    path(f"{PLAN}targets/<int:target_id>/", support_plan_target, name="support_plan_target"),
    path(f"{PLAN}<int:plan_id>/", support_plan_version, name="support_plan_version"),
    path(f"{PLAN}<int:plan_id>/agree/", support_plan_agree, name="support_plan_agree"),
    path(f"{PLAN}<int:plan_id>/discard/", support_plan_discard, name="support_plan_discard"),
]

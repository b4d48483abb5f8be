"""Writes about support plans and their targets: one function per use case, validating before
it saves and raising ValidationError with a message a school can act on.

A pupil has at most one draft and one agreed plan; agreeing a draft supersedes the agreed
one. Targets are the pupil's and name the plan they were set in: open targets stay open
across versions until a review closes them (provmap.outcomes.reviews).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max
from django.utils import timezone

from provmap.outcomes.models import Review, SupportPlan, Target
from provmap.provision.models import Placement, ProvisionRun
from provmap.pupils.models import Pupil
from provmap.schools.bounds import model_field_errors

# The profile in the pupil's own words: a plan with any of these can be agreed.
PROFILE_FIELDS = ("about_me", "does_well", "finds_hard", "helps_me")
# What a draft's page changes, and what a new draft copies from the agreed plan.
PLAN_TEXT_FIELDS = (
    *PROFILE_FIELDS,
    "needs",
    "outcomes",
    "pupil_view",
    "parent_view",
    "involved",
)
PLAN_FIELDS = frozenset({*PLAN_TEXT_FIELDS, "review_due"})
TARGET_FIELDS = frozenset(
    {"description", "criteria", "strategies", "need_area", "run", "start_date", "review_date"}
)
TEXT_MAX_LENGTH = 5000
AGREED_WITH_MAX_LENGTH = 300


def long_date(value: dt.date) -> str:
    """A date as schools write it: 3 Nov 2026."""
    return f"{value.day} {value:%b %Y}"


def field_label(model: Any, field: str) -> str:
    return str(model._meta.get_field(field).verbose_name)


class PlanChanged(ValidationError):
    """Someone else saved the plan (or target) since the user opened it."""


def _plan_changed(plan: SupportPlan, mine: dict[str, Any]) -> PlanChanged:
    fresh = SupportPlan.objects.filter(pk=plan.pk).first()
    if fresh is None:
        return PlanChanged("Someone else discarded this draft while you were editing it.")
    if fresh.status != SupportPlan.Status.DRAFT:
        return PlanChanged(
            f"Someone else marked this plan {fresh.get_status_display().lower()} while you "
            "were editing it; your changes are not saved."
        )
    differ = [
        field_label(SupportPlan, field)
        for field, value in mine.items()
        if field in PLAN_FIELDS and getattr(fresh, field) != value
    ]
    detail = f" It now differs from yours in: {', '.join(differ)}." if differ else ""
    return PlanChanged(
        "Someone else saved this plan while you were editing it; your changes are not saved."
        + detail
        + " Check the plan as it is now and make your changes again."
    )


def _claim_plan(plan: SupportPlan, version: int, mine: dict[str, Any]) -> None:
    claimed = SupportPlan.objects.filter(
        pk=plan.pk, version=version, status=SupportPlan.Status.DRAFT
    ).update(version=F("version") + 1)
    if not claimed:
        raise _plan_changed(plan, mine)
    plan.version = version + 1


def _check_draft(plan: SupportPlan, doing: str) -> None:
    if plan.status != SupportPlan.Status.DRAFT:
        raise ValidationError(
            f"Only a draft plan can be {doing}: version {plan.number} is "
            f"{plan.get_status_display().lower()}."
        )


def _clean_text(value: object, label: str, errors: dict[str, list[str]], field: str) -> str:
    text = str(value or "").strip()
    if len(text) > TEXT_MAX_LENGTH:
        errors.setdefault(field, []).append(
            f"Keep {label} to {TEXT_MAX_LENGTH} characters ({len(text)} now)."
        )
    return text


# --- Plans ----------------------------------------------------------------------------------


@transaction.atomic
def plan_start(*, pupil: Pupil, by: AbstractBaseUser | None) -> SupportPlan:
    """Start a new draft plan: the pupil's first is empty; a later one copies the agreed
    plan's text. A pupil has one draft at a time."""
    plans = SupportPlan.objects.select_for_update().filter(pupil=pupil)
    draft = plans.filter(status=SupportPlan.Status.DRAFT).first()
    if draft is not None:
        raise ValidationError(
            f"{pupil.full_name} already has a draft plan (version {draft.number}): carry on "
            "with it, or discard it before starting another."
        )
    last = plans.aggregate(last=Max("number"))["last"] or 0
    plan = SupportPlan(
        school_id=pupil.school_id,
        pupil=pupil,
        number=last + 1,
        status=SupportPlan.Status.DRAFT,
        created_by_id=by.pk if by is not None else None,
    )
    agreed = plans.filter(status=SupportPlan.Status.AGREED).first()
    if agreed is not None:
        for field in (*PLAN_TEXT_FIELDS, "review_due"):
            setattr(plan, field, getattr(agreed, field))
    plan.save()
    return plan


@transaction.atomic
def plan_update(
    *, plan: SupportPlan, version: int, by: AbstractBaseUser | None, **fields: Any
) -> SupportPlan:
    """Change a draft plan's profile, needs, outcomes, views, who is involved and the next
    review date. Refused if someone else saved it since `version` was read."""
    unknown = set(fields) - PLAN_FIELDS
    if unknown:
        raise ValueError(f"plan_update cannot change {', '.join(sorted(unknown))}")
    _check_draft(plan, "edited")
    errors: dict[str, list[str]] = {}
    for field in PLAN_TEXT_FIELDS:
        if field in fields:
            fields[field] = _clean_text(
                fields[field], field_label(SupportPlan, field), errors, field
            )
    for field, value in fields.items():
        setattr(plan, field, value)
    for field, messages in model_field_errors(
        plan, exclude=["pupil", "created_by", "agreed_by", "school"]
    ).items():
        errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)
    _claim_plan(plan, version, fields)
    SupportPlan.objects.filter(pk=plan.pk).update(**fields)
    plan.refresh_from_db()
    return plan


def _has_profile(plan: SupportPlan) -> bool:
    return any(getattr(plan, field).strip() for field in PROFILE_FIELDS)


@transaction.atomic
def plan_agree(
    *,
    plan: SupportPlan,
    version: int,
    agreed_on: dt.date,
    agreed_with: str,
    by: AbstractBaseUser | None,
) -> SupportPlan:
    """Agree a draft plan (on a day, with whom): the plan agreed before becomes superseded.
    A plan needs the pupil's profile or at least one open target to be agreed."""
    _check_draft(plan, "agreed")
    errors: dict[str, list[str]] = {}
    if agreed_on > timezone.localdate():
        errors["agreed_on"] = ["A plan cannot be agreed on a day still to come."]
    else:
        earlier = (
            SupportPlan.objects.filter(pupil_id=plan.pupil_id, status=SupportPlan.Status.AGREED)
            .values_list("agreed_on", flat=True)
            .first()
        )
        if earlier is not None and agreed_on < earlier:
            errors["agreed_on"] = [
                f"The plan before this one was agreed on {long_date(earlier)}: this one cannot "
                "be agreed earlier."
            ]
    agreed_with = (agreed_with or "").strip()
    if not agreed_with:
        errors["agreed_with"] = ["Say who agreed the plan, e.g. 'Mrs Patel (mother), Sam'."]
    elif len(agreed_with) > AGREED_WITH_MAX_LENGTH:
        errors["agreed_with"] = [
            f"Keep who agreed it to {AGREED_WITH_MAX_LENGTH} characters ({len(agreed_with)} now)."
        ]
    open_targets = Target.objects.filter(pupil_id=plan.pupil_id, status=Target.Status.OPEN)
    if not _has_profile(plan) and not open_targets.exists():
        errors.setdefault("__all__", []).append(
            "A plan needs the pupil's profile (what I do well, what I find hard, what helps "
            "me) or at least one target before it can be agreed."
        )
    if errors:
        raise ValidationError(errors)
    _claim_plan(plan, version, {})
    SupportPlan.objects.filter(pupil_id=plan.pupil_id, status=SupportPlan.Status.AGREED).update(
        status=SupportPlan.Status.SUPERSEDED
    )
    SupportPlan.objects.filter(pk=plan.pk).update(
        status=SupportPlan.Status.AGREED,
        agreed_on=agreed_on,
        agreed_with=agreed_with,
        agreed_by=by,
    )
    plan.refresh_from_db()
    return plan


@transaction.atomic
def plan_discard(*, plan: SupportPlan, version: int, by: AbstractBaseUser | None) -> None:
    """Throw away a draft plan and the targets set in it (never one a review has read)."""
    _check_draft(plan, "discarded")
    reviewed = Target.objects.filter(plan=plan).filter(progress__isnull=False).exists()
    if reviewed or Target.objects.filter(plan=plan, set_at_review__isnull=False).exists():
        raise ValidationError(
            "This draft holds targets a review has set or read, so it is kept: agree it "
            "instead, or end those targets at the next review."
        )
    _claim_plan(plan, version, {})
    plan.delete()


# --- Targets -------------------------------------------------------------------------------


def _target_errors(target: Target) -> dict[str, list[str]]:
    errors: dict[str, list[str]] = {}
    target.description = _clean_text(target.description, "the target", errors, "description")
    if not target.description:
        errors["description"] = ["Write the target: what the pupil will achieve."]
    target.criteria = _clean_text(target.criteria, "how we will know", errors, "criteria")
    target.strategies = _clean_text(target.strategies, "the strategies", errors, "strategies")
    if target.start_date is None:
        errors["start_date"] = ["Give the date the target starts."]
    if target.review_date is None:
        errors["review_date"] = ["Give the date the target will be reviewed."]
    if target.start_date and target.review_date and target.review_date < target.start_date:
        errors["review_date"] = [
            f"The review date must not be before the start date ({long_date(target.start_date)})."
        ]
    run: ProvisionRun | None = target.run
    if run is not None and (
        run.school_id != target.school_id
        or not Placement.objects.filter(run=run, pupil_id=target.pupil_id).exists()
    ):
        errors["run"] = [
            "Choose a provision the pupil is placed in, or leave it blank; add them to the "
            "group on the run's page first."
        ]
    for field, messages in model_field_errors(
        target,
        exclude=["pupil", "plan", "set_at_review", "run", "closed_by", "school", "description"],
    ).items():
        errors.setdefault(field, messages)
    return errors


def target_add(
    *,
    plan: SupportPlan,
    by: AbstractBaseUser | None,
    description: str,
    start_date: dt.date | None,
    review_date: dt.date | None,
    criteria: str = "",
    strategies: str = "",
    need_area: str = "",
    run: ProvisionRun | None = None,
    set_at_review: Review | None = None,
) -> Target:
    """Set a target in a draft plan (or, from a review, in the plan the review read)."""
    if set_at_review is None:
        _check_draft(plan, "given new targets outside a review")
    elif plan.status == SupportPlan.Status.SUPERSEDED:
        raise ValidationError("New targets go on the current plan, not a superseded one.")
    last = Target.objects.filter(pupil_id=plan.pupil_id).aggregate(last=Max("position"))["last"]
    target = Target(
        school_id=plan.school_id,
        pupil_id=plan.pupil_id,
        plan=plan,
        set_at_review=set_at_review,
        description=description,
        criteria=criteria,
        strategies=strategies,
        need_area=need_area,
        run=run,
        start_date=start_date,
        review_date=review_date,  # type: ignore[misc]
        position=(last or 0) + 1,
    )
    errors = _target_errors(target)
    if errors:
        raise ValidationError(errors)
    target.save()
    return target


def _target_changed(target: Target) -> ValidationError:
    fresh = Target.objects.filter(pk=target.pk).first()
    if fresh is None:
        return PlanChanged("Someone else removed this target while you were editing it.")
    if fresh.status != Target.Status.OPEN:
        return PlanChanged(
            f"A review closed this target ({fresh.get_status_display().lower()}) while you "
            "were editing it; your changes are not saved."
        )
    return PlanChanged(
        f"Someone else saved the target '{fresh}' while you were editing it; your changes are "
        "not saved. Check it as it is now and make your changes again."
    )


@transaction.atomic
def target_update(
    *, target: Target, version: int, by: AbstractBaseUser | None, **fields: Any
) -> Target:
    """Change an open target (its wording, criteria, strategies, provision, dates)."""
    unknown = set(fields) - TARGET_FIELDS
    if unknown:
        raise ValueError(f"target_update cannot change {', '.join(sorted(unknown))}")
    if target.status != Target.Status.OPEN:
        raise ValidationError(
            f"This target is {target.get_status_display().lower()}: only open targets change."
        )
    for field, value in fields.items():
        setattr(target, field, value)
    errors = _target_errors(target)
    if errors:
        raise ValidationError(errors)
    claimed = Target.objects.filter(
        pk=target.pk, version=version, status=Target.Status.OPEN
    ).update(version=F("version") + 1)
    if not claimed:
        raise _target_changed(target)
    target.version = version + 1
    target.save()
    return target


@transaction.atomic
def target_remove(*, target: Target, version: int, by: AbstractBaseUser | None) -> None:
    """Take a target out of a draft plan: only one no review has read."""
    if target.plan.status != SupportPlan.Status.DRAFT:
        raise ValidationError(
            "Only a draft's targets can be removed; end a target of an agreed plan at a review."
        )
    if target.progress.exists():
        raise ValidationError(
            "A review has recorded progress on this target, so it is kept: end it at the "
            "next review instead."
        )
    deleted, _ = Target.objects.filter(pk=target.pk, version=version).delete()
    if not deleted:
        raise _target_changed(target)

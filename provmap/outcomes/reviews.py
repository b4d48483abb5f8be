"""Recording a review of a pupil's support plan (Kent's appendix 3e): who took part, progress
on each open target, the pupil's and the parent's views, next steps; the review can close
targets, set new ones and change the pupil's provision, which updates the map. All of it in
one transaction: a refused row leaves nothing written."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from provmap.outcomes.models import Contribution, Review, SupportPlan, Target, TargetProgress
from provmap.outcomes.plans import TEXT_MAX_LENGTH, long_date, target_add
from provmap.outcomes.rhythm import ANNUAL_MONTHS, TERMLY_MONTHS, add_months
from provmap.provision import run_editing
from provmap.provision.models import Placement, ProvisionRun
from provmap.pupils.models import Pupil, SENStatus
from provmap.schools.bounds import model_field_errors

# How long until the next review, by kind: SEN support three times a year, an EHC plan yearly
# (the rhythm's own rules, which the reviews due page judges by).
MONTHS_TO_NEXT: dict[str, int] = {
    Review.Kind.SEN_SUPPORT: TERMLY_MONTHS,
    Review.Kind.ANNUAL: ANNUAL_MONTHS,
    Review.Kind.INTERIM: TERMLY_MONTHS,
}


def review_kind_for(sen_status: str) -> str:
    """The usual review for a pupil's SEN status: an EHC plan's annual review, else a review
    of SEN support."""
    return Review.Kind.ANNUAL if sen_status == SENStatus.EHC_PLAN else Review.Kind.SEN_SUPPORT


def next_review_for(kind: str, held_on: dt.date) -> dt.date:
    return add_months(held_on, MONTHS_TO_NEXT.get(kind, 4))


@dataclass(frozen=True)
class ProgressEntry:
    """Progress on one open target: met closes it as met; `close` with partly or not yet
    ends it."""

    target: Target
    progress: str
    comment: str = ""
    close: bool = False


@dataclass(frozen=True)
class NewTarget:
    description: str
    start_date: dt.date | None
    review_date: dt.date | None
    criteria: str = ""
    strategies: str = ""
    need_area: str = ""
    run: ProvisionRun | None = None


@dataclass(frozen=True)
class Leaving:
    """A placement the review ends: the pupil's last day in the group and why."""

    placement: Placement
    end_date: dt.date
    reason: str = Placement.Leaving.COMPLETED


def current_plan(pupil: Pupil) -> SupportPlan | None:
    """The pupil's plan now: the agreed one, else the draft."""
    plans = {
        plan.status: plan
        for plan in SupportPlan.objects.filter(
            pupil=pupil, status__in=[SupportPlan.Status.AGREED, SupportPlan.Status.DRAFT]
        )
    }
    return plans.get(SupportPlan.Status.AGREED) or plans.get(SupportPlan.Status.DRAFT)


def _add(errors: dict[str, list[str]], field: str, message: str) -> None:
    errors.setdefault(field, []).append(message)


def _clean(text: str, label: str, field: str, errors: dict[str, list[str]]) -> str:
    text = (text or "").strip()
    if len(text) > TEXT_MAX_LENGTH:
        _add(errors, field, f"Keep {label} to {TEXT_MAX_LENGTH} characters ({len(text)} now).")
    return text


def _check_progress(
    pupil: Pupil, progress: Sequence[ProgressEntry], errors: dict[str, list[str]]
) -> None:
    open_ids = set(
        Target.objects.filter(pupil=pupil, status=Target.Status.OPEN).values_list("pk", flat=True)
    )
    seen: set[int] = set()
    for entry in progress:
        name = f"'{entry.target}'"
        if entry.target.pk not in open_ids:
            _add(errors, "progress", f"The target {name} is not open for this pupil.")
            continue
        if entry.target.pk in seen:
            _add(errors, "progress", f"Progress on the target {name} is given twice.")
        seen.add(entry.target.pk)
        if entry.progress not in TargetProgress.Progress.values:
            _add(errors, "progress", f"Choose met, partly met or not yet for the target {name}.")
        if len(entry.comment or "") > TEXT_MAX_LENGTH:
            _add(errors, "progress", f"Keep the comment on {name} to {TEXT_MAX_LENGTH} characters.")
    for target in Target.objects.filter(pk__in=open_ids - seen):
        _add(errors, "progress", f"Record progress on the target '{target}'.")


@transaction.atomic
def review_record(
    *,
    pupil: Pupil,
    by: AbstractBaseUser | None,
    held_on: dt.date,
    kind: str = "",
    participants: str = "",
    pupil_view: str = "",
    parent_view: str = "",
    next_steps: str = "",
    next_review_due: dt.date | None = None,
    progress: Sequence[ProgressEntry] = (),
    new_targets: Sequence[NewTarget] = (),
    leave: Sequence[Leaving] = (),
    join: Sequence[ProvisionRun] = (),
) -> Review:
    """Record a review: its progress on every open target (closing the met ones and those it
    ends), new targets on the current plan, placements ended and runs joined (through the
    provision app's services, so the map changes), the views given since the last review
    marked read, and the plan's next review date. All or nothing."""
    errors: dict[str, list[str]] = {}
    kind = kind or review_kind_for(pupil.sen_status)
    if kind not in Review.Kind.values:
        _add(errors, "kind", "Choose the kind of review.")
    if held_on > timezone.localdate():
        _add(errors, "held_on", "A review cannot be recorded before it is held: check the date.")
    if next_review_due is not None and next_review_due <= held_on:
        _add(
            errors,
            "next_review_due",
            f"The next review must be after this one ({long_date(held_on)}).",
        )
    texts = {
        "participants": _clean(participants, "who took part", "participants", errors),
        "pupil_view": _clean(pupil_view, "the pupil's view", "pupil_view", errors),
        "parent_view": _clean(parent_view, "the parent's view", "parent_view", errors),
        "next_steps": _clean(next_steps, "the next steps", "next_steps", errors),
    }
    _check_progress(pupil, progress, errors)
    plan = current_plan(pupil)
    if new_targets and plan is None:
        _add(errors, "new_targets", "Start a support plan before setting targets.")
    for placement in (entry.placement for entry in leave):
        if placement.pupil_id != pupil.pk:
            _add(errors, "leave", "That place in a group is not this pupil's.")
    for run in join:
        if run.school_id != pupil.school_id:
            _add(errors, "join", "That run belongs to another school.")
    review = Review(
        school_id=pupil.school_id,
        pupil=pupil,
        plan=plan,
        kind=kind,
        held_on=held_on,
        next_review_due=next_review_due,
        recorded_by_id=by.pk if by is not None else None,
        recorded_by_name=_name(by)[:150],
        **texts,
    )
    for field, messages in model_field_errors(
        review, exclude=["pupil", "plan", "recorded_by", "school"]
    ).items():
        errors.setdefault(field, messages)
    if errors:
        raise ValidationError(errors)
    review.save()

    _record_progress(review, progress)
    # Places ended before runs joined: a pupil moving groups leaves one and joins the other.
    for entry in leave:
        try:
            run_editing.placement_withdraw(
                placement=entry.placement,
                read_version=entry.placement.version,
                on=entry.end_date,
                reason=entry.reason,
            )
        except ValidationError as error:
            for message in error.messages:
                _add(errors, "leave", f"{entry.placement.run}: {message}")
    for run in join:
        start = max(held_on, run.start_date)
        if start > run.end_date:
            _add(errors, "join", f"{run} ended on {long_date(run.end_date)}: choose a later run.")
            continue
        try:
            run_editing.run_pupils_add(run=run, pupils=[pupil], start_date=start)
        except ValidationError as error:
            for message in error.messages:
                _add(errors, "join", f"{run}: {message}")
    # New targets last: they may name a run joined at this review.
    for number, row in enumerate(new_targets, start=1):
        assert plan is not None
        try:
            target_add(
                plan=plan,
                by=by,
                set_at_review=review,
                description=row.description,
                criteria=row.criteria,
                strategies=row.strategies,
                need_area=row.need_area,
                run=row.run,
                start_date=row.start_date,
                review_date=row.review_date,
            )
        except ValidationError as error:
            for message in error.messages:
                _add(errors, "new_targets", f"New target {number}: {message}")
    if errors:
        # Raising inside the transaction undoes everything written above.
        raise ValidationError(errors)

    Contribution.objects.filter(pupil=pupil, review__isnull=True).update(review=review)
    if plan is not None and next_review_due is not None:
        SupportPlan.objects.filter(pk=plan.pk).update(
            review_due=next_review_due, version=F("version") + 1
        )
    return review


def _record_progress(review: Review, progress: Sequence[ProgressEntry]) -> None:
    TargetProgress.objects.bulk_create(
        TargetProgress(
            school_id=review.school_id,
            review=review,
            target=entry.target,
            progress=entry.progress,
            comment=(entry.comment or "").strip(),
        )
        for entry in progress
    )
    for status, ids in (
        (
            Target.Status.MET,
            [e.target.pk for e in progress if e.progress == TargetProgress.Progress.MET],
        ),
        (
            Target.Status.ENDED,
            [
                e.target.pk
                for e in progress
                if e.close and e.progress != TargetProgress.Progress.MET
            ],
        ),
    ):
        if ids:
            Target.objects.filter(pk__in=ids).update(
                status=status,
                closed_on=review.held_on,
                closed_by=review,
                version=F("version") + 1,
            )
    # A target the review keeps open is worked on until the next review: its review date
    # moves there, so the plan never shows an open target as due by a date already past.
    if review.next_review_due is not None:
        kept = [
            e.target.pk
            for e in progress
            if e.progress != TargetProgress.Progress.MET and not e.close
        ]
        Target.objects.filter(pk__in=kept, review_date__lt=review.next_review_due).update(
            review_date=review.next_review_due, version=F("version") + 1
        )


def _name(user: AbstractBaseUser | None) -> str:
    if user is None:
        return ""
    return getattr(user, "get_full_name", lambda: "")() or user.get_username()

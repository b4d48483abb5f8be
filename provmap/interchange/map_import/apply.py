"""Applying a checked map import: everything the plan creates, through the school, pupil
and provision services, in one transaction (all or nothing), with progress as it goes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Collection
from typing import cast

from django.db import transaction

from provmap.interchange.files import Upload
from provmap.interchange.map_import.plan import plan_map_import
from provmap.interchange.map_import.planner import MapImportPlan, PlannedProvision, PlannedRun
from provmap.interchange.models import ImportKind
from provmap.interchange.report import ImportReport
from provmap.interchange.services import column_mapping_remember
from provmap.interchange.writing import write_all_or_nothing
from provmap.provision.models import Placement, ProvisionType
from provmap.provision.services import (
    RESULT_STAGES,
    NewPlacement,
    StaffAssignment,
    StageResult,
    placement_record_result,
    placement_update,
    placements_bulk_create,
    provision_create,
    provision_set_measure,
    run_create,
)
from provmap.pupils.measure_kinds import guess_kind
from provmap.pupils.models import Measure
from provmap.pupils.services import measure_create
from provmap.schools.models import School, Term
from provmap.schools.services import (
    academic_year_create,
    funding_stream_create,
    staff_member_create,
)


def _provision_type(provision: PlannedProvision, runs: list[PlannedRun]) -> str:
    if provision.provision_type:
        return provision.provision_type
    sizes = [len(run.rows) for run in runs if run.provision is provision]
    return ProvisionType.ONE_TO_ONE if sizes and max(sizes) == 1 else ProvisionType.GROUP


def _apply(plan: MapImportPlan, progress: Callable[[int, int], None] | None) -> None:
    school = plan.school
    for year in plan.years:
        year.instance = academic_year_create(
            school=school, name=year.name, start_date=year.start_date, end_date=year.end_date
        )
    for staff in plan.staff:
        staff.instance = staff_member_create(
            school=school, name=staff.name, role=staff.role, hourly_rate=staff.hourly_rate
        )
    for stream in plan.funding:
        stream.instance = funding_stream_create(school=school, name=stream.name)
    for measure in plan.measures:
        measure.instance = measure_create(
            school=school,
            name=measure.name,
            scale=Measure.Scale.RAW,
            kind=guess_kind(measure.name, Measure.Scale.RAW),
            description="Created by importing a spreadsheet provision map.",
        )
    for provision in plan.provisions:
        if provision.existing is None:
            first_run = next(run for run in plan.runs if run.provision is provision)
            details: dict[str, object] = {}
            if first_run.sessions_per_week is not None:
                details["sessions_per_week"] = first_run.sessions_per_week
            if first_run.minutes_per_session is not None:
                details["minutes_per_session"] = first_run.minutes_per_session
            if first_run.weeks is not None:
                details["usual_weeks"] = max(1, int(first_run.weeks))
            if provision.measure is not None:
                details["measure"] = provision.measure.obj
            provision.instance = provision_create(
                school=school,
                name=provision.name,
                wave=provision.wave,
                provision_type=_provision_type(provision, plan.runs),
                areas=provision.areas,
                **details,
            )
        elif provision.set_measure and provision.measure is not None:
            provision_set_measure(provision=provision.existing, measure=provision.measure.obj)
    total = len(plan.runs) + len(plan.placements)
    done = 0
    for run in plan.runs:
        if run.existing is None:
            details = {}
            if run.funding is not None:
                details["funding_stream"] = run.funding.obj
            if run.lead is not None:
                details["lead_staff"] = run.lead.staff
            if run.reviewer is not None:
                details["reviewing_staff"] = run.reviewer.staff
            run.instance = run_create(
                provision=run.provision.provision,
                academic_year=run.year.year,
                term=_term(run.term_id),
                start_date=run.start_date,
                end_date=run.end_date,
                weeks=run.weeks,
                sessions_per_week=run.sessions_per_week,
                minutes_per_session=run.minutes_per_session,
                staff=[
                    StaffAssignment(planned.staff, sessions, minutes)
                    for planned, sessions, minutes in run.staff
                ],
                label=run.label,
                status=run.status,
                day_time=run.day_time,
                withdrawn_from=run.withdrawn_from,
                notes=run.notes,
                **details,
            )
        done += 1
    new = [item for item in plan.placements if item.existing is None]
    placements_bulk_create(
        school=school,
        placements=[
            NewPlacement(
                run=item.run.run,
                pupil=item.pupil,
                start_date=item.start_date,
                end_date=cast("dt.date | None", item.fields.get("end_date")),
                need_type=str(item.fields.get("need_type") or ""),
                priority=str(item.fields.get("priority") or Placement.Priority.SHOULD),
                status=str(item.fields.get("status") or Placement.Status.PLANNED),
                rating=str(item.fields.get("rating") or ""),
                notes=str(item.fields.get("notes") or ""),
                results=tuple(
                    StageResult(stage, date, value) for stage, (value, date) in item.results.items()
                ),
            )
            for item in new
        ],
    )
    done += len(new)
    if progress is not None:
        progress(done, total)
    for item in plan.placements:
        if item.existing is None or item.action != "updated":
            continue
        if item.fields:
            placement_update(placement=item.existing, **item.fields)
        for stage in RESULT_STAGES:
            if stage in item.results:
                value, date = item.results[stage]
                placement_record_result(
                    placement=item.existing, stage=stage, value=value, date=date
                )
        done += 1
        if progress is not None and done % 100 == 0:
            progress(done, total)
    if progress is not None:
        progress(total, total)
    column_mapping_remember(school=school, kind=ImportKind.MAP, headings=plan.remember)


def _term(term_id: int | None) -> Term | None:
    if term_id is None:
        return None
    return Term.objects.select_related("academic_year").get(pk=term_id)


def apply_map_import(
    plan: MapImportPlan, *, progress: Callable[[int, int], None] | None = None
) -> ImportReport:
    """Write a checked plan, all or nothing."""
    report = plan.report
    if report.errors:
        return report
    write_all_or_nothing(report, lambda: _apply(plan, progress))
    return report


def import_map(
    upload: Upload,
    *,
    school: School,
    as_of: dt.date | None = None,
    dry_run: bool = False,
    progress: Callable[[int, int], None] | None = None,
    sheets: Collection[str] | None = None,
) -> ImportReport:
    """Check and (unless `dry_run`) import a spreadsheet map in one transaction; `sheets`
    (names) reads only those sheets of a workbook."""
    with transaction.atomic():
        plan = plan_map_import(upload, school=school, as_of=as_of, sheets=sheets)
        if plan.report.errors or dry_run:
            return plan.report
        return apply_map_import(plan, progress=progress)

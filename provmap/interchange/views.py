"""Imports and exports in the browser.

Imports (the SENCO and the SEND administrator): upload a file, see in the background what it
would change (the columns it was read with, every problem by row and column, each change
field by field), correct the columns if need be, then confirm; the import runs in the
background while the page shows its progress (provmap.interchange.jobs).

Exports (whoever sees the map, or the pupil): the whole map, a school year or a year group, a
run or a pupil, as XLSX or CSV, cut to what the user may see, and recorded in the audit trail.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from provmap.accounts.access import SchoolAccess, SchoolRequest
from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction
from provmap.formatting import counted
from provmap.interchange import jobs
from provmap.interchange.exports import (
    MapExport,
    map_csv_bytes,
    map_export,
    map_xlsx_bytes,
    term_export,
)
from provmap.interchange.forms import KINDS, ColumnsForm, UploadForm, accepted_types
from provmap.interchange.models import ImportJob, ImportKind
from provmap.provision import selectors
from provmap.provision.forms import MapFilterForm
from provmap.provision.models import ProvisionRun
from provmap.pupils.models import NCYear, Pupil
from provmap.schools.models import AcademicYear, Term
from provmap.web.pages import id_param, render_school_page, today, vary_on_htmx, wants_fragment

RECENT_JOBS = 20
# Changes listed on the page; the counts cover them all.
RECORDS_SHOWN = 200


# --- Imports ----------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def imports_page(request: SchoolRequest, urn: str) -> HttpResponse:
    """Choose the kind of file and upload it; the school's recent imports below."""
    access = request.access
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid() and form.upload is not None:
        job = jobs.job_create(
            school=access.school,
            kind=form.cleaned_data["kind"],
            upload=form.upload,
            user=request.user,
        )
        return redirect("import_job", urn=urn, job_id=job.pk)
    recent = (
        ImportJob.objects.filter(school=access.school)
        .select_related("created_by")
        .defer("data", "summary", "options")[:RECENT_JOBS]
    )
    kinds = [
        {"value": value, "label": label, "help": KINDS[value][0], "types": accepted_types(value)}
        for value, label in ImportKind.choices
    ]
    return render_school_page(
        request,
        "interchange/imports.html",
        "imports",
        status=400 if form.errors else 200,
        form=form,
        kinds=kinds,
        recent=recent,
    )


def _job(access: SchoolAccess, job_id: int) -> ImportJob:
    job = (
        ImportJob.objects.filter(school=access.school, pk=job_id)
        .select_related("created_by")
        .defer("data")
        .first()
    )
    if job is None:
        raise Http404("No such import.")
    return job


def _columns_form(job: ImportJob, data: Any = None) -> ColumnsForm | None:
    columns = (job.summary or {}).get("columns")
    if not job.checked or not columns:
        return None
    return ColumnsForm(
        data,
        kind=job.kind,
        headings=columns["headings"],
        whole_roll=job.options.get("whole_roll"),
        sheets=(job.summary or {}).get("sheets"),
    )


def _shows_pupils(job: ImportJob) -> int:
    """How many records (or problems) about pupils the page lists for this job."""
    if job.in_progress:
        return 0
    summary = job.summary or {}
    return min(len(summary.get("records", [])), RECORDS_SHOWN) + len(summary.get("errors", []))


def _job_page(
    request: SchoolRequest,
    access: SchoolAccess,
    job: ImportJob,
    *,
    columns_form: ColumnsForm | None = None,
    confirm_error: str = "",
    status: int = 200,
) -> HttpResponse:
    if job.status == ImportJob.Status.RUNNING and jobs.recover_interrupted([job]):
        job = _job(access, job.pk)
    fragment = wants_fragment(request)
    shown = _shows_pupils(job)
    summary = job.summary or {}
    records = summary.get("records", [])
    if shown:
        named = [item["pupil"] for item in records[:RECORDS_SHOWN] if item.get("pupil")]
        audit_record(
            request,
            AuditAction.VIEW,
            obj=job,
            summary=f"Import of '{job.file_name}' ({job.get_status_display()}): "
            f"{counted(shown, 'row')} about pupils shown.",
            pupils=Pupil.objects.filter(school=access.school, pk__in=named).only(
                "pk", "upn", "school_id"
            )
            if named
            else [],
        )
    context = {
        "job": job,
        "summary": summary,
        "records": records[:RECORDS_SHOWN],
        "records_hidden": max(summary.get("record_count", 0) - RECORDS_SHOWN, 0),
        "columns_form": columns_form or _columns_form(job),
        "confirm_error": confirm_error,
        "waiting_for": jobs.pending_before(job) if job.status == ImportJob.Status.QUEUED else 0,
        "kind_label": job.get_kind_display(),
        "done": job.status == ImportJob.Status.DONE,
    }
    template = "interchange/_job_fragment.html" if fragment else "interchange/job.html"
    return vary_on_htmx(render_school_page(request, template, "imports", status=status, **context))


@require_safe
def job_page(request: SchoolRequest, urn: str, job_id: int) -> HttpResponse:
    """A job: waiting or working (with progress, asked again every second with htmx), the
    preview to confirm, or what was imported."""
    access = request.access
    return _job_page(request, access, _job(access, job_id))


@require_POST
def job_recheck(request: SchoolRequest, urn: str, job_id: int) -> HttpResponse:
    """Check the file again with the columns (and, for pupils, the roll; for a map workbook,
    the sheets) chosen."""
    access = request.access
    job = _job(access, job_id)
    form = _columns_form(job, request.POST)
    if form is None:
        messages.error(request, "This file can no longer be checked again: upload it again.")
        return redirect("import_job", urn=urn, job_id=job.pk)
    if not form.is_valid():
        return _job_page(request, access, job, columns_form=form, status=400)
    try:
        jobs.job_check_again(
            job, columns=form.columns(), whole_roll=form.whole_roll(), sheets=form.sheets()
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("import_job", urn=urn, job_id=job.pk)


@require_POST
def job_confirm(request: SchoolRequest, urn: str, job_id: int) -> HttpResponse:
    """Import the file checked: all of it, or (ticked as understood) only its valid rows."""
    access = request.access
    job = _job(access, job_id)
    valid_rows_only = request.POST.get("rows") == "valid"
    if valid_rows_only and not request.POST.get("understood"):
        return _job_page(
            request,
            access,
            job,
            confirm_error="Tick the box to confirm that the rows with problems are left out.",
            status=400,
        )
    try:
        jobs.job_confirm(job, valid_rows_only=valid_rows_only)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("import_job", urn=urn, job_id=job.pk)


@require_POST
def job_cancel(request: SchoolRequest, urn: str, job_id: int) -> HttpResponse:
    """Give up an import before it runs; its file is deleted."""
    access = request.access
    job = _job(access, job_id)
    if jobs.job_cancel(job):
        messages.success(request, f"The import of '{job.file_name}' was cancelled and deleted.")
        return redirect("imports", urn=urn)
    messages.error(request, "This import is under way or finished, so it cannot be cancelled.")
    return redirect("import_job", urn=urn, job_id=job.pk)


# --- Exports ----------------------------------------------------------------------------------

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = {
    "xlsx": (map_xlsx_bytes, XLSX),
    "csv": (map_csv_bytes, "text/csv; charset=utf-8"),
}


def _download(
    request: HttpRequest,
    export: MapExport,
    fmt: str,
    stem: str,
    what: str,
    **audit: Any,
) -> HttpResponse:
    write, content_type = FORMATS[fmt]
    data = write(export)
    # The title names a pupil's export after them: the trail says what, not who.
    audit_record(
        request,
        AuditAction.EXPORT,
        summary=f"Exported {what} as {fmt.upper()}: {counted(len(export.rows), 'row')}, "
        f"{counted(export.pupil_count, 'pupil')}.",
        details={"format": fmt, "rows": len(export.rows), "pupils": export.pupil_count},
        pupils=export.pupils,
        **audit,
    )
    response = HttpResponse(data, content_type=content_type)
    # "2025/26" as "2025-26": a slash cannot be in a file name.
    filename = slugify(stem.replace("/", "-"))
    response["Content-Disposition"] = f'attachment; filename="{filename}.{fmt}"'
    return response


def _term_filters(request: HttpRequest) -> Callable[[selectors.MapOptions], selectors.MapFilters]:
    """The term map's filters from the query string, checked as the page checks them."""

    def choose(options: selectors.MapOptions) -> selectors.MapFilters:
        form = MapFilterForm(request.GET, options=options)
        form.is_valid()
        return form.filters()

    return choose


@require_safe
def export_map(request: SchoolRequest, urn: str, fmt: str) -> HttpResponse:
    """What a map page shows: a term (?term=) with the term map's filters, or the whole map,
    one school year (?year=) and/or one year group (?nc_year=). Named after the term or the
    year: provision-map-2025-26-autumn.xlsx."""
    access = request.access
    school = access.school
    term_id = id_param(request, "term")
    if term_id is not None:
        term = (
            Term.objects.filter(school=school, pk=term_id).select_related("academic_year").first()
        )
        if term is None:
            raise Http404("No such term.")
        export = term_export(
            school, term, scope=access.scope, choose_filters=_term_filters(request), as_of=today()
        )
        stem = f"provision-map-{term.academic_year.name}-{term.name}"
        return _download(request, export, fmt, stem, f"the map of {term}", obj=term)
    year = None
    wanted = request.GET.get("year", "")
    if wanted:
        if wanted.isdigit():
            year = AcademicYear.objects.filter(school=school, pk=int(wanted)).first()
        if year is None:
            raise Http404("No such academic year.")
    nc_year = request.GET.get("nc_year") or None
    if nc_year is not None and nc_year not in NCYear.values:
        raise Http404("No such year group.")
    export = map_export(
        school, academic_year=year, year_group=nc_year, scope=access.scope, as_of=today()
    )
    parts = ["provision-map"]
    if year is not None:
        parts.append(year.name)
    if nc_year is not None:
        parts.append(f"year-{nc_year}")
    what = " ".join(
        ["the map", *([year.name] if year else []), *([f"Year {nc_year}"] if nc_year else [])]
    )
    return _download(request, export, fmt, "-".join(parts), what, obj=year or school)


@require_safe
def export_run(request: SchoolRequest, urn: str, run_id: int, fmt: str) -> HttpResponse:
    """One run with its pupils (those the user may see)."""
    access = request.access
    run = ProvisionRun.objects.filter(school=access.school, pk=run_id).first()
    if run is None:
        raise Http404("No such run.")
    export = map_export(access.school, run=run, scope=access.scope)
    if not export.runs:
        raise Http404("No such run.")
    stem = f"provmap-{access.school.urn}-run-{run.pk}"
    return _download(request, export, fmt, stem, f"the run {run}", obj=run)


@require_safe
def export_pupil(request: SchoolRequest, urn: str, pupil_id: int, fmt: str) -> HttpResponse:
    """Every placement of one pupil, across terms and years."""
    access = request.access
    pupil = access.named_pupil
    assert pupil is not None
    export = map_export(access.school, pupil=pupil, scope=access.scope)
    stem = f"provmap-{access.school.urn}-pupil-{pupil.pk}"
    return _download(request, export, fmt, stem, "one pupil's provision", pupil=pupil)

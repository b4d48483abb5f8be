"""Imports and exports in the browser.

Imports (the SENCO and the SEND administrator): upload a file, see in the background what it
would change (the columns it was read with, every problem by row and column, each change
field by field), correct the columns if need be, then confirm; the import runs in the
background while the page shows its progress (provmap.interchange.jobs).

Exports (whoever sees the map, or the pupil): the whole map, a school year or a year group, a
run or a pupil, as XLSX or CSV, cut to what the user may see, and recorded in the audit trail.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect
from django.utils.text import slugify
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from provmap.accounts.access import SchoolAccess, SchoolRequest
from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction, User
from provmap.formatting import counted
from provmap.interchange import export_jobs, jobs
from provmap.interchange.export_jobs import audit_export
from provmap.interchange.exports import (
    Export,
    map_export,
    stream_export,
    stream_term_export,
    write_export,
)
from provmap.interchange.forms import KINDS, ColumnsForm, UploadForm, accepted_types
from provmap.interchange.models import ExportJob, ImportJob, ImportKind
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
CONTENT_TYPES = {"xlsx": XLSX, "csv": "text/csv; charset=utf-8"}


def _filename(stem: str, fmt: str) -> str:
    # "2025/26" as "2025-26": a slash cannot be in a file name.
    return f"{slugify(stem.replace('/', '-'))}.{fmt}"


def _download(
    request: HttpRequest,
    export: Export,
    fmt: str,
    stem: str,
    what: str,
    **audit: Any,
) -> HttpResponseBase:
    """The export written a row at a time to a temporary file, recorded in the audit trail,
    then streamed from the file (deleted once sent): memory does not grow with the rows."""
    stream = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes (and so deletes) it
    try:
        write_export(export, fmt, stream)
    except BaseException:
        stream.close()
        raise
    stream.seek(0)
    # The title names a pupil's export after them: the trail says what, not who.
    audit_export(request, export, fmt, what, **audit)
    return FileResponse(
        stream,
        as_attachment=True,
        filename=_filename(stem, fmt),
        content_type=CONTENT_TYPES[fmt],
    )


def _term_filters(request: HttpRequest) -> Callable[[selectors.MapOptions], selectors.MapFilters]:
    """The term map's filters from the query string, checked as the page checks them."""

    def choose(options: selectors.MapOptions) -> selectors.MapFilters:
        form = MapFilterForm(request.GET, options=options)
        form.is_valid()
        return form.filters()

    return choose


def _filter_query(request: HttpRequest) -> str:
    """The term map's filters in the query string (what a background export keeps)."""
    query = request.GET.copy()
    query.pop("term", None)
    return query.urlencode()


def _in_background(
    request: SchoolRequest, fmt: str, stem: str, what: str, options: dict[str, Any]
) -> HttpResponseBase:
    access = request.access
    assert isinstance(request.user, User)
    job = export_jobs.export_job_create(
        school=access.school,
        user=request.user,
        fmt=fmt,
        what=what,
        file_stem=stem,
        options=options,
    )
    return redirect("export_job", urn=access.school.urn, export_id=job.pk)


@require_safe
def export_map(request: SchoolRequest, urn: str, fmt: str) -> HttpResponseBase:
    """What a map page shows: a term (?term=) with the term map's filters, or the whole map,
    one school year (?year=) and/or one year group (?nc_year=). Named after the term or the
    year: provision-map-2025-26-autumn.xlsx. An export of more rows than
    settings.EXPORT_IN_BACKGROUND_ROWS is written in the background: the user is sent to its
    page, which shows the progress and then the download."""
    access = request.access
    school = access.school
    term_id = id_param(request, "term")
    if term_id is not None:
        term = (
            Term.objects.filter(school=school, pk=term_id).select_related("academic_year").first()
        )
        if term is None:
            raise Http404("No such term.")
        stem = f"provision-map-{term.academic_year.name}-{term.name}"
        what = f"the map of {term}"
        query = _filter_query(request)
        if export_jobs.in_background(selectors.slice_placement_count(school, term=term)):
            return _in_background(request, fmt, stem, what, {"term": term.pk, "query": query})
        export = stream_term_export(
            school,
            term,
            scope=access.scope,
            choose_filters=_term_filters(request) if query else None,
            as_of=today(),
        )
        return _download(request, export, fmt, stem, what, obj=term)
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
    parts = ["provision-map"]
    if year is not None:
        parts.append(year.name)
    if nc_year is not None:
        parts.append(f"year-{nc_year}")
    what = " ".join(
        ["the map", *([year.name] if year else []), *([f"Year {nc_year}"] if nc_year else [])]
    )
    stem = "-".join(parts)
    rows = selectors.slice_placement_count(school, academic_year=year, nc_year=nc_year)
    if export_jobs.in_background(rows):
        options = {"academic_year": year.pk if year else None, "nc_year": nc_year}
        return _in_background(request, fmt, stem, what, options)
    export = stream_export(
        school, academic_year=year, year_group=nc_year, scope=access.scope, as_of=today()
    )
    return _download(request, export, fmt, stem, what, obj=year or school)


@require_safe
def export_run(request: SchoolRequest, urn: str, run_id: int, fmt: str) -> HttpResponseBase:
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
def export_pupil(request: SchoolRequest, urn: str, pupil_id: int, fmt: str) -> HttpResponseBase:
    """Every placement of one pupil, across terms and years."""
    access = request.access
    pupil = access.named_pupil
    assert pupil is not None
    export = map_export(access.school, pupil=pupil, scope=access.scope)
    stem = f"provmap-{access.school.urn}-pupil-{pupil.pk}"
    return _download(request, export, fmt, stem, "one pupil's provision", pupil=pupil)


def _export_job(request: SchoolRequest, export_id: int) -> ExportJob:
    """An export of the school asked for by this user: nobody else's is found."""
    job = (
        ExportJob.objects.filter(
            school=request.access.school, pk=export_id, created_by_id=request.user.pk
        )
        .select_related("created_by")
        .first()
    )
    if job is None:
        raise Http404("No such export.")
    return job


@require_safe
def export_job_page(request: SchoolRequest, urn: str, export_id: int) -> HttpResponse:
    """A large export: waiting or being written (its progress, asked again every second with
    htmx), then the download; only for the user who asked for it. One whose worker died is
    shown as failed (it is marked so here, without waiting for the worker's chores)."""
    job = _export_job(request, export_id)
    if export_jobs.is_interrupted(job):
        export_jobs.recover_interrupted_exports()
        job.refresh_from_db()
    template = (
        "interchange/_export_job_body.html"
        if wants_fragment(request)
        else "interchange/export_job.html"
    )
    return vary_on_htmx(
        render_school_page(
            request,
            template,
            "map",
            job=job,
            filename=_filename(job.file_stem, job.fmt),
        )
    )


@require_POST
def export_job_again(request: SchoolRequest, urn: str, export_id: int) -> HttpResponseBase:
    """Start a failed (or deleted) export again, as a new job: only its user may."""
    job = _export_job(request, export_id)
    assert isinstance(request.user, User)
    try:
        again = export_jobs.export_job_again(job, request.user)
    except ValueError as error:
        messages.error(request, str(error))
        return redirect("export_job", urn=urn, export_id=job.pk)
    return redirect("export_job", urn=urn, export_id=again.pk)


@require_safe
def export_job_download(request: SchoolRequest, urn: str, export_id: int) -> HttpResponseBase:
    """The file of a finished export, streamed; only for the user who asked for it. The
    export was recorded in the audit trail when it was written."""
    job = _export_job(request, export_id)
    if job.status != ExportJob.Status.DONE or not job.file_path:
        raise Http404("This export is not ready, or its file has been deleted.")
    try:
        stream = open(job.file_path, "rb")  # noqa: SIM115 - the response closes it
    except FileNotFoundError:
        raise Http404("This export's file has been deleted.") from None
    return FileResponse(
        stream,
        as_attachment=True,
        filename=_filename(job.file_stem, job.fmt),
        content_type=CONTENT_TYPES[job.fmt],
    )

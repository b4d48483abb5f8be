"""Benchmarks: how long provmap takes at trust scale. Run with `make bench`.

Builds the demo trust of 25 schools of about 1,200 pupils (BENCH_SCHOOLS, BENCH_PUPILS) in a
fresh PostgreSQL database (BENCH_DATABASE_URL; its name must begin with `provmap_bench`, as it
is dropped and made again; a `sqlite:///` address gives a quick run on a temporary file), and
beside it one school alone in a database of its own (the same name with `_alone`). Then it
times the generator, the costed reads behind the map pages, every page of one school through
the whole request, in the trust and alone (bench/pages.py), the trust dashboard against the
raw SQL of its figures (bench/costs.py), imports a student list of 30,000 pupils
(BENCH_IMPORT_PUPILS) into a fresh school (the check alone, the whole import, the same file
again, and the same file through a browser import's background job), exports streamed and held
in memory (bench/exports.py), the planner (bench/planner.py), `seed_demo` at its maximum
school size (in a database of its own, the trust's name with `_largest`), the load test of 50 users
against gunicorn (bench/load.py; BENCH_LOAD=0 leaves it out), and writes the figures to
docs/benchmarks.md.
Timings live here, never in the test suite.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.timing import REPEATS

SCHOOLS = int(os.environ.get("BENCH_SCHOOLS", "25"))
PUPILS = int(os.environ.get("BENCH_PUPILS", "1200"))
IMPORT_PUPILS = int(os.environ.get("BENCH_IMPORT_PUPILS", "30000"))
# Exports: streamed at this many rows, against the export held in memory at the baseline's.
EXPORT_ROWS = int(os.environ.get("BENCH_EXPORT_ROWS", "225000"))
EXPORT_BASELINE_ROWS = int(os.environ.get("BENCH_EXPORT_BASELINE_ROWS", "40000"))
MIS_SECTION = "## MIS files"
TODAY = dt.date(2026, 11, 24)
ROOT = Path(__file__).resolve().parent.parent


def _fresh_postgres(url: str) -> None:
    """Drop and make again the benchmark's own database (never any other)."""
    import psycopg

    name = url.rsplit("/", 1)[1]
    if not name.startswith("provmap_bench"):
        raise SystemExit(f"The benchmark drops its database: {name!r} must begin provmap_bench.")
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}"')
        server.execute(f'CREATE DATABASE "{name}"')


def _configure() -> str:
    database = os.environ.get("BENCH_DATABASE_URL")
    if not database:
        folder = tempfile.mkdtemp(prefix="provmap-bench-")
        database = f"sqlite:///{folder}/bench.sqlite3"
    if database.startswith("postgres"):
        _fresh_postgres(database)
    os.environ["DATABASE_URL"] = database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "provmap.test_settings")
    import django

    django.setup()
    from provmap.memory import settle_after_start

    # As the serving processes do (provmap/wsgi.py), so that pages are timed as served.
    settle_after_start()
    return database.split(":", 1)[0]


def _alone_database() -> str:
    """The address of the database for one school alone, beside the trust's."""
    database = os.environ["DATABASE_URL"]
    if database.startswith("postgres"):
        return database + "_alone"
    return database.replace(".sqlite3", "-alone.sqlite3")


def _school_alone_rows() -> list[dict[str, object]]:
    """One school of the same size built alone in a database of its own, and its pages timed
    there, in processes of their own (a process holds one database)."""
    alone = _alone_database()
    if alone.startswith("postgres"):
        _fresh_postgres(alone)
    environment = {**os.environ, "DATABASE_URL": alone}
    python = sys.executable
    seed = ["seed_demo", "--pupils", str(PUPILS), "--seed", "7", "--today", TODAY.isoformat()]
    for command in (["migrate"], seed):
        subprocess.run(
            [python, "manage.py", *command, "-v0"], env=environment, cwd=ROOT, check=True
        )
    printed = subprocess.run(
        [python, "-m", "bench.pages", "--json"],
        env={**environment, "BENCH_TODAY": TODAY.isoformat()},
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    import json

    return [json.loads(line) for line in printed.splitlines() if line.startswith("{")]


def _largest_school_row() -> tuple[str, str, str]:
    """`seed_demo` at its documented maximum: one school of MAX_PUPILS_PER_SCHOOL pupils, in
    a database of its own (the trust's name with `_largest`), by the command as a school's
    administrator would run it."""
    from provmap.demo.management.commands.seed_demo import MAX_PUPILS_PER_SCHOOL

    database = os.environ["DATABASE_URL"]
    if database.startswith("postgres"):
        database += "_largest"
        _fresh_postgres(database)
    else:
        database = database.replace(".sqlite3", "-largest.sqlite3")
    environment = {**os.environ, "DATABASE_URL": database}
    seed = ["seed_demo", "--pupils", str(MAX_PUPILS_PER_SCHOOL), "--today", TODAY.isoformat()]
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "-v0"], env=environment, cwd=ROOT, check=True
    )
    started = time.perf_counter()
    built = subprocess.run(
        [sys.executable, "manage.py", *seed], env=environment, cwd=ROOT, capture_output=True
    )
    seconds = time.perf_counter() - started
    outcome = "built" if built.returncode == 0 else f"failed (exit {built.returncode})"
    return (
        f"`seed_demo --pupils {MAX_PUPILS_PER_SCHOOL:,}` (its documented maximum), one school",
        f"{seconds:.0f} s",
        f"{outcome}; goal: works up to its maximum",
    )


def _median_seconds(work: Callable[[], object]) -> float:
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def _seconds(work: Callable[[], Any]) -> tuple[float, Any]:
    """One run of something too big to repeat: its time and its result."""
    started = time.perf_counter()
    result = work()
    return time.perf_counter() - started, result


def _timed(work: Callable[[], Any]) -> tuple[float, float, Any]:
    """One run: its wall time, this process's CPU time (the database's is not in it) and its
    result."""
    started, cpu = time.perf_counter(), time.process_time()
    result = work()
    return time.perf_counter() - started, time.process_time() - cpu, result


def _bulk_insert_seconds(school: Any) -> tuple[float, float]:
    """The baseline of an import: the pupils of `school` built again as objects for another
    school (not timed), then written by one plain `Pupil.objects.bulk_create` (timed), rolled
    back. Its wall and CPU seconds."""
    from django.db import transaction

    from provmap.pupils.models import Pupil
    from provmap.schools.services import school_create

    names = [
        model_field.attname
        for model_field in Pupil._meta.concrete_fields
        if model_field.attname not in ("id", "school_id")
    ]
    with transaction.atomic():
        other = school_create(urn="990009", name="Bench Baseline", phase="secondary")
        pupils = [
            Pupil(school=other, **dict(zip(names, values, strict=True)))
            for values in Pupil.objects.filter(school=school).values_list(*names)
        ]
        seconds, cpu, _ = _timed(lambda: Pupil.objects.bulk_create(pupils, batch_size=500))
        transaction.set_rollback(True)
    return seconds, cpu


def _student_list(folder: Path, count: int) -> Path:
    """A CSV student list of `count` pupils as an MIS exports one (Years 7 to 11)."""
    import csv

    from provmap.pupils.upn import make_upn

    path = folder / f"students-{count}.csv"
    sen = ["", "", "", "", "K - SEN Support", "", "", "", "", "E - EHC Plan"]
    needs = ["", "", "", "", "SPLD", "", "", "", "", "ASD"]
    with path.open("w", newline="", encoding="utf-8") as stream:
        writer = csv.writer(stream)
        writer.writerow(
            [
                *("UPN", "Adno", "Legal Surname", "Legal Forename", "DOB", "Gender", "Year"),
                *("Reg", "SEN Status", "Primary Need", "FSM", "EAL", "Date of Admission"),
            ]
        )
        for number in range(count):
            year = 7 + number % 5
            writer.writerow(
                [
                    make_upn("801", "2000", number // 1000, number % 1000),
                    f"{100000 + number}",
                    f"Surname{number}",
                    f"Forename{number}",
                    f"{1 + number % 28:02d}/{1 + number % 12:02d}/{2026 - year - 5}",
                    "F" if number % 2 else "M",
                    f"Year {year}",
                    f"{year}{'ABCDEFGH'[number % 8]}",
                    sen[number % 10],
                    needs[number % 10],
                    "Yes" if number % 4 == 0 else "No",
                    "Yes" if number % 6 == 0 else "No",
                    "01/09/2025",
                ]
            )
    return path


def _imports(demo_school: Any) -> list[tuple[str, str, str]]:
    """Import timings: the check, the import, the same file again, the browser's job, and
    exports of the demo school's whole map."""
    from provmap.interchange import jobs
    from provmap.interchange.exports import map_csv_bytes, map_export, map_xlsx_bytes
    from provmap.interchange.files import Upload
    from provmap.interchange.models import ImportJob, ImportKind
    from provmap.interchange.pupil_import import NewSchool, import_pupils
    from provmap.schools.services import school_create

    folder = Path(tempfile.mkdtemp(prefix="provmap-bench-import-"))
    path = _student_list(folder, IMPORT_PUPILS)
    upload = Upload.from_path(path)
    size = f"{path.stat().st_size / 1024 / 1024:.1f} MB"
    fresh = NewSchool(urn="990001", name="Bench Academy")

    def rate(seconds: float) -> str:
        return f"{IMPORT_PUPILS / seconds:,.0f} rows/s"

    plan_seconds, plan_cpu, (plan_report, _) = _timed(
        lambda: import_pupils(upload, school=None, new_school=fresh, dry_run=True)
    )
    assert plan_report.count("created") == IMPORT_PUPILS, plan_report.errors[:3]
    apply_seconds, apply_cpu, (report, school) = _timed(
        lambda: import_pupils(upload, school=None, new_school=fresh)
    )
    assert report.applied and report.count("created") == IMPORT_PUPILS, report.errors[:3]
    again_seconds, again_cpu, (again, _) = _timed(lambda: import_pupils(upload, school=school))
    assert again.count("unchanged") == IMPORT_PUPILS, again.errors[:3]
    bulk_seconds, bulk_cpu = _bulk_insert_seconds(school)

    # The browser's way: a job checked, confirmed, then imported by a worker.
    target = school_create(urn="990002", name="Bench Academy Two", phase="secondary")
    job = jobs.job_create(school=target, kind=ImportKind.PUPILS, upload=upload, user=None)
    check_seconds, _ = _seconds(jobs.run_pending)
    job.refresh_from_db()
    jobs.job_confirm(job)
    job_seconds, _ = _seconds(jobs.run_pending)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.message or job.summary.get("errors")

    path.unlink()
    pupils = f"{IMPORT_PUPILS:,} pupils"

    def against_bulk(seconds: float, cpu: float) -> str:
        return f"{seconds / bulk_seconds:.1f}x the bulk insert (CPU {cpu:.1f} s)"

    import_rows = [
        (
            f"Student list checked, nothing written (`import_pupils --dry-run`, {size} CSV)",
            f"{plan_seconds:.1f} s",
            f"{rate(plan_seconds)}; {pupils} to create; CPU {plan_cpu:.1f} s",
        ),
        (
            "Student list imported into a fresh school (`import_pupils`: check and write)",
            f"{apply_seconds:.1f} s",
            f"{rate(apply_seconds)}; {pupils} created in one transaction; "
            f"{against_bulk(apply_seconds, apply_cpu)}; goal >= 3,000 rows/s and <= 3x",
        ),
        (
            "Baseline: the same pupils by a plain `Pupil.objects.bulk_create` of prebuilt "
            "objects (no check, no SEN period or need)",
            f"{bulk_seconds:.1f} s",
            f"{rate(bulk_seconds)}; CPU {bulk_cpu:.1f} s; rolled back",
        ),
        (
            "The same file again (every pupil unchanged)",
            f"{again_seconds:.1f} s",
            f"{rate(again_seconds)}; nothing written; {against_bulk(again_seconds, again_cpu)}; "
            f"{again_seconds / apply_seconds:.2f}x the first import",
        ),
        (
            "The same file from the browser: the background check (preview)",
            f"{check_seconds:.1f} s",
            f"{rate(check_seconds)}; preview of {pupils}",
        ),
        (
            "... then, once confirmed, the background import (checks again, then writes)",
            f"{job_seconds:.1f} s",
            f"{rate(job_seconds)}; progress written as it goes on PostgreSQL, at the end on SQLite",
        ),
    ]
    if demo_school is None:
        return import_rows
    export = map_export(demo_school)
    xlsx_seconds = _median_seconds(lambda: map_xlsx_bytes(map_export(demo_school)))
    csv_seconds = _median_seconds(lambda: map_csv_bytes(map_export(demo_school)))
    return [
        *import_rows,
        (
            "Whole map of one demo school exported as XLSX (`map_export` + writer)",
            f"{xlsx_seconds * 1000:.0f} ms",
            f"{len(export.rows):,} rows, {len(export.runs):,} runs, a totals sheet",
        ),
        (
            "The same as CSV",
            f"{csv_seconds * 1000:.0f} ms",
            f"{len(export.rows):,} rows",
        ),
    ]


def _measure(engine: str) -> None:
    from django.core.management import call_command
    from django.db import connection, reset_queries
    from django.test.utils import CaptureQueriesContext

    from provmap.provision.models import Placement
    from provmap.provision.selectors import cost_summary, current_term, term_map
    from provmap.pupils.models import Pupil, Result
    from provmap.schools.models import AcademicYear, School

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command(
        "seed_demo",
        "--schools",
        str(SCHOOLS),
        "--pupils",
        str(PUPILS),
        "--seed",
        "7",
        "--today",
        TODAY.isoformat(),
        verbosity=0,
    )
    build_seconds = time.perf_counter() - started
    pupils, results, placements = (
        Pupil.objects.count(),
        Result.objects.count(),
        (Placement.objects.count()),
    )

    school = School.objects.order_by("pk").first()
    term = current_term(school, TODAY)
    year = AcademicYear.objects.get(pk=term.academic_year_id)
    reset_queries()
    with CaptureQueriesContext(connection) as map_queries:
        current_map = term_map(school, term, as_of=TODAY)
    # Counted now: a request made later (the pages below) clears the connection's log.
    map_query_count = len(map_queries)
    map_seconds = _median_seconds(lambda: term_map(school, term, as_of=TODAY))
    with CaptureQueriesContext(connection) as summary_queries:
        summary = cost_summary(school, year, as_of=TODAY)
    summary_query_count = len(summary_queries)
    summary_seconds = _median_seconds(lambda: cost_summary(school, year, as_of=TODAY))

    from bench.pages import page_rows

    # The whole request, as the school's SENCO opens it (middleware, audit, template), in
    # the trust and in a database of its own.
    map_page_rows = page_rows(school, TODAY, alone=_school_alone_rows())
    from bench.costs import cost_rows

    trust_rows = cost_rows(school)
    import_rows = _imports(school)
    from bench.exports import table_rows

    export_rows = table_rows(EXPORT_ROWS, EXPORT_BASELINE_ROWS)
    from bench.planner import planner_rows

    planning_rows = planner_rows(school)
    load_rows = []
    # On PostgreSQL the load test runs unless BENCH_LOAD=0 (SQLite is not for many users).
    if os.environ.get("BENCH_LOAD", "1") != "0" and engine.startswith("postgres"):
        from bench.load import run_load, summary_rows
        from provmap.demo.users import DEFAULT_PASSWORD

        # The trust above was seeded with the demo password.
        os.environ.setdefault("LOAD_PASSWORD", DEFAULT_PASSWORD)
        users = int(os.environ.get("BENCH_LOAD_USERS", "50"))
        answers, took = run_load(users, float(os.environ.get("BENCH_LOAD_SECONDS", "60")))
        load_rows = summary_rows(answers, users, took)

    rows = [
        (
            "Demo trust built (`seed_demo`)",
            f"{build_seconds:.1f} s",
            f"{pupils / build_seconds:,.0f} pupils/s; {results:,} results, "
            f"{placements:,} placements",
        ),
        (
            "Term map of one school (`term_map`)",
            f"{map_seconds * 1000:.0f} ms",
            f"{len(current_map.runs)} runs, {current_map.pupil_count} pupils, "
            f"{map_query_count} queries",
        ),
        (
            "Year's costed summary (`cost_summary`)",
            f"{summary_seconds * 1000:.0f} ms",
            f"{len(summary.runs)} runs, £{summary.school_total:,.2f}, "
            f"{summary_query_count} queries",
        ),
        *map_page_rows,
        *trust_rows,
        *import_rows,
        *export_rows,
        *planning_rows,
        _largest_school_row(),
        *load_rows,
    ]
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/run.py`); timings of reads and exports are medians "
        f"of {REPEATS} runs after one warm-up, imports and the demo build are one run each, "
        "on the machine below. Tests never time anything: they fix query counts instead.",
        "",
        f"- Trust: {SCHOOLS} schools of about {PUPILS:,} pupils ({pupils:,} pupil records "
        f"over two academic years, {results:,} results, {placements:,} placements), seed 7, "
        f"today {TODAY.isoformat()}; built afresh by each run, in the PostgreSQL database "
        "`provmap_bench` (dropped and made again), by `manage.py seed_demo --schools "
        f"{SCHOOLS} --pupils {PUPILS} --seed 7 --today {TODAY.isoformat()}`, which refreshes "
        "PostgreSQL's statistics when it ends",
        "- Pages: the first school of the trust, as its SENCO opens each page through the "
        "whole request (middleware, access check, audit, template) with the test client; "
        "the baselines are the page's own SQL, a page that reads next to nothing, and the "
        "same page of a school of the same size built alone in a database of its own",
        f"- Imports: a CSV student list of {IMPORT_PUPILS:,} pupils (UPN, admission number, "
        "names, date of birth, sex, year, form, SEN status and need, FSM, EAL, admission "
        "date), each pupil checked and added through the pupil services",
        "- Planner: the term after the current one, with the simple needs audit of "
        "`bench/planner.py` where the term has none (must for an EHC plan, should for SEN "
        "support, could for pupil premium pupils without SEN); the 1,500-pupil school is built "
        "by the demo generator; one run each",
        f"- Database: {engine}; Python {platform.python_version()}; "
        f"{os.cpu_count()} cores; {platform.machine()}",
        "",
        "| what | time | scale |",
        "| --- | --- | --- |",
        *[f"| {what} | {took} | {scale} |" for what, took, scale in rows],
        "",
    ]
    out = ROOT / "docs" / "benchmarks.md"
    # The MIS files' section is written by bench/mis_files.py: kept as it is.
    kept = out.read_text().partition(MIS_SECTION)
    if kept[1]:
        lines += [kept[1] + kept[2].rstrip("\n"), ""]
    out.write_text("\n".join(lines))
    sys.stdout.write("\n".join(lines) + f"\nWritten to {out.relative_to(ROOT)}\n")


def _import_rows_only() -> None:
    """`python -m bench.run imports`: only the student list's rows, printed (not written to
    docs/benchmarks.md), with no trust built and no export."""
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    rows = _imports(None)
    sys.stdout.write("\n".join(f"| {what} | {took} | {scale} |" for what, took, scale in rows))
    sys.stdout.write("\n")


def main() -> None:
    engine = _configure()
    from provmap.schools.scoping import all_schools

    # The benchmark builds and reads a whole trust, as a command does: every school is open.
    with all_schools():
        if sys.argv[1:] == ["imports"]:
            _import_rows_only()
        else:
            _measure(engine)


if __name__ == "__main__":
    main()

"""Benchmarks: how long provmap takes at trust scale. Run with `make bench`.

Builds a demo trust in a fresh database (a temporary SQLite file unless BENCH_DATABASE_URL
names another), times the generator and the costed reads behind the map pages, and writes the
figures to docs/benchmarks.md. Timings live here, never in the test suite.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

SCHOOLS = int(os.environ.get("BENCH_SCHOOLS", "3"))
PUPILS = int(os.environ.get("BENCH_PUPILS", "1000"))
REPEATS = 5
TODAY = dt.date(2026, 11, 24)
ROOT = Path(__file__).resolve().parent.parent


def _configure() -> str:
    database = os.environ.get("BENCH_DATABASE_URL")
    if not database:
        folder = tempfile.mkdtemp(prefix="provmap-bench-")
        database = f"sqlite:///{folder}/bench.sqlite3"
    os.environ["DATABASE_URL"] = database
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "provmap.test_settings")
    import django

    django.setup()
    return database.split(":", 1)[0]


def _median_seconds(work: Callable[[], object]) -> float:
    timings = []
    for _ in range(REPEATS):
        started = time.perf_counter()
        work()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


def main() -> None:
    engine = _configure()
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
        "seed_demo", "--schools", str(SCHOOLS), "--pupils", str(PUPILS), "--seed", "7",
        "--today", TODAY.isoformat(), verbosity=0,
    )
    build_seconds = time.perf_counter() - started
    pupils, results, placements = Pupil.objects.count(), Result.objects.count(), (
        Placement.objects.count()
    )

    school = School.objects.order_by("pk").first()
    term = current_term(school, TODAY)
    year = AcademicYear.objects.get(pk=term.academic_year_id)
    reset_queries()
    with CaptureQueriesContext(connection) as map_queries:
        current_map = term_map(school, term, as_of=TODAY)
    map_seconds = _median_seconds(lambda: term_map(school, term, as_of=TODAY))
    with CaptureQueriesContext(connection) as summary_queries:
        summary = cost_summary(school, year, as_of=TODAY)
    summary_seconds = _median_seconds(lambda: cost_summary(school, year, as_of=TODAY))

    rows = [
        ("Demo trust built (`seed_demo`)", f"{build_seconds:.1f} s",
         f"{pupils / build_seconds:,.0f} pupils/s; {results:,} results, "
         f"{placements:,} placements"),
        ("Term map of one school (`term_map`)", f"{map_seconds * 1000:.0f} ms",
         f"{len(current_map.runs)} runs, {current_map.pupil_count} pupils, "
         f"{len(map_queries)} queries"),
        ("Year's costed summary (`cost_summary`)", f"{summary_seconds * 1000:.0f} ms",
         f"{len(summary.runs)} runs, £{summary.school_total:,.2f}, "
         f"{len(summary_queries)} queries"),
    ]
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`bench/run.py`); timings are medians of "
        f"{REPEATS} runs after one warm-up, on the machine below. Tests never time anything: "
        "they fix query counts instead.",
        "",
        f"- Trust: {SCHOOLS} schools of about {PUPILS:,} pupils ({pupils:,} pupil records "
        "over two academic years), seed 7, today "
        f"{TODAY.isoformat()}",
        f"- Database: {engine}; Python {platform.python_version()}; "
        f"{os.cpu_count()} cores; {platform.machine()}",
        "",
        "| what | time | scale |",
        "| --- | --- | --- |",
        *[f"| {what} | {took} | {scale} |" for what, took, scale in rows],
        "",
    ]
    out = ROOT / "docs" / "benchmarks.md"
    out.write_text("\n".join(lines))
    sys.stdout.write("\n".join(lines) + f"\nWritten to {out.relative_to(ROOT)}\n")


if __name__ == "__main__":
    main()

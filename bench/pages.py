"""How long one school's pages take through the whole stack (middleware, access check, audit,
selectors, template), as the test client asks for them: part of `make bench` (bench/run.py),
or alone on a database that already holds a demo school:

    DATABASE_URL=postgres://... python -m bench.pages [--urn URN] [--profile PAGE] [--json]

Each page is timed as the median of a few requests after one warm-up: wall time and the
process's CPU time (`time.process_time`, steadier on a busy machine), with its queries, their
time and the page's size. Two baselines are measured in the same run: the time the database
spends on the page's own queries (what no Python can take away), and a page that reads next to
nothing through the same stack (the user's own email addresses: middleware, session, audit).

`--profile PAGE` (a page's key, such as `impact` or `term_map`) prints cProfile's 40 costliest
calls of one request instead; `--json` prints each page's measures as a line of JSON (for
bench/run.py, which times a school alone in a database of its own that way).
"""

from __future__ import annotations

import datetime as dt
import os
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench.timing import median_wall_and_cpu


@dataclass(frozen=True)
class Page:
    key: str
    label: str
    url_name: str
    # The page's arguments after the school's URN, found in the school's data.
    args: Callable[[Any, dt.date], list[Any]]


def _no_args(school: Any, today: dt.date) -> list[Any]:
    return []


def _busiest(model_path: str, related: str, **chosen: Any) -> Callable[[Any, dt.date], list[Any]]:
    """The page's argument: the school's row of `model_path` (app.Model) matching `chosen`
    with the most `related` rows (the fullest such page); `today` fills a value of "today"."""

    def argument(school: Any, today: dt.date) -> list[Any]:
        from django.apps import apps
        from django.db.models import Count

        model = apps.get_model(model_path)
        wanted = {key: today if value == "today" else value for key, value in chosen.items()}
        row = (
            model.objects.filter(school=school, **wanted)
            .annotate(count=Count(related))
            .order_by("-count", "pk")
            .first()
        )
        return [row.pk]

    return argument


PAGES = [
    Page("term_map", "Term map", "term_map", _no_args),
    Page("year_map", "Year map", "year_map", _no_args),
    Page("waves", "Waves of provision", "waves", _no_args),
    Page(
        "pupil",
        "Pupil (the pupil with most provision)",
        "pupil_detail",
        _busiest("pupils.Pupil", "placements", archived_at__isnull=True),
    ),
    Page(
        "run",
        "Run (the biggest group running)",
        "run_detail",
        _busiest("provision.ProvisionRun", "placements", start_date__lte="today"),
    ),
    Page("staff", "Staff load", "staff_load", _no_args),
    Page("figures", "Figures (costs and budget)", "school_figures", _no_args),
    Page("impact", "Impact overview", "impact_overview", _no_args),
    Page(
        "impact_provision",
        "Impact of one provision (the one with most runs)",
        "impact_provision",
        _busiest("provision.Provision", "runs", measure__isnull=False),
    ),
    Page("groups", "Impact by group of pupils", "impact_groups", _no_args),
    Page("not_progressing", "Pupils not progressing", "impact_not_progressing", _no_args),
]
# The baseline page: the same stack (middleware, session, audit) with next to nothing read.
LANDING = Page("account", "Baseline: the user's own email addresses", "account_email", _no_args)


def _senco_client(school: Any) -> Any:
    from django.test import Client

    from provmap.accounts.models import Membership, Role

    membership = (
        Membership.objects.filter(school=school, role=Role.SENCO).select_related("user").first()
    )
    if membership is None:
        raise SystemExit(f"{school} has no SENCO to sign in as.")
    client = Client()
    client.force_login(membership.user)
    return client


def _url(page: Page, school: Any, today: dt.date) -> str:
    from django.urls import reverse

    from provmap.schools.scoping import school_scope

    if page is LANDING:
        return reverse(LANDING.url_name)
    with school_scope(school):
        return reverse(page.url_name, args=[school.urn, *page.args(school, today)])


def _measure(client: Any, url: str) -> dict[str, Any]:
    from django.db import connection

    response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    queries: list[float] = []

    def timed_query(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            queries.append(time.perf_counter() - started)

    with connection.execute_wrapper(timed_query):
        response = client.get(url)
    wall, cpu = median_wall_and_cpu(lambda: client.get(url))
    return {
        "wall": wall,
        "cpu": cpu,
        "queries": len(queries),
        "sql": sum(queries),
        "bytes": len(response.content),
    }


def _settings() -> Any:
    from django.test.utils import override_settings

    # Demo accounts skip two-factor set-up here as on a demo installation.
    return override_settings(PROVMAP_DEMO_SKIP_MFA=True, ALLOWED_HOSTS=["*"])


def page_measures(school: Any, today: dt.date) -> list[dict[str, Any]]:
    """Every page of `school` as its SENCO sees it, and the baseline page, each timed."""
    client = _senco_client(school)
    measures = []
    with _settings():
        for page in [LANDING, *PAGES]:
            measure = _measure(client, _url(page, school, today))
            measures.append({"page": page, **measure})
    return measures


def page_rows(
    school: Any, today: dt.date, *, alone: list[dict[str, Any]] | None = None
) -> list[tuple[str, str, str]]:
    """Rows for docs/benchmarks.md: what, time, scale (with the baselines and the ratios).
    `alone`: the same pages of a school alone in its database (`--json` lines), if measured."""
    measures = page_measures(school, today)
    landing = measures[0]
    alone_by_key = {item["key"]: item for item in alone or []}
    rows = []
    for measure in measures:
        page = measure["page"]
        sql_ms = measure["sql"] * 1000
        scale = (
            f"{measure['bytes'] / 1024:,.0f} KB, {measure['queries']} queries "
            f"({sql_ms:.0f} ms in the database)"
        )
        if page is not LANDING:
            scale += (
                f"; {measure['wall'] / max(measure['sql'], 1e-6):.1f}x its own SQL, "
                f"{measure['wall'] / landing['wall']:.1f}x the baseline page"
            )
        by_itself = alone_by_key.get(page.key)
        if by_itself:
            scale += (
                f"; the school alone: {by_itself['wall'] * 1000:.0f} ms "
                f"(CPU {by_itself['cpu'] * 1000:.0f} ms), in the trust "
                f"{measure['wall'] / by_itself['wall']:.2f}x that"
            )
        if page is not LANDING:
            scale += "; goal p50 <= 150 ms"
        rows.append(
            (
                f"{page.label} (`{page.url_name}`)",
                f"{measure['wall'] * 1000:.0f} ms (CPU {measure['cpu'] * 1000:.0f} ms)",
                scale,
            )
        )
    return rows


def _profile(school: Any, today: dt.date, key: str) -> None:
    import cProfile
    import pstats

    page = next((page for page in [LANDING, *PAGES] if page.key == key), None)
    if page is None:
        raise SystemExit(f"No page {key!r}: one of {', '.join(p.key for p in PAGES)}.")
    client = _senco_client(school)
    with _settings():
        url = _url(page, school, today)
        client.get(url)
        profiler = cProfile.Profile()
        profiler.enable()
        client.get(url)
        profiler.disable()
    pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)


def _argument(name: str) -> str | None:
    if name in sys.argv:
        return sys.argv[sys.argv.index(name) + 1]
    return None


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "provmap.test_settings")
    import django

    django.setup()
    from provmap.memory import settle_after_start
    from provmap.schools.models import School

    # As the serving processes do (provmap/wsgi.py).
    settle_after_start()
    from provmap.schools.scoping import all_schools

    today = dt.date.fromisoformat(os.environ.get("BENCH_TODAY", dt.date.today().isoformat()))
    with all_schools():
        schools = School.objects.order_by("pk")
        urn = _argument("--urn")
        school = schools.get(urn=urn) if urn else schools.first()
        key = _argument("--profile")
        if key:
            _profile(school, today, key)
            return
        if "--json" in sys.argv:
            import json

            for measure in page_measures(school, today):
                measure["key"] = measure.pop("page").key
                sys.stdout.write(json.dumps(measure) + "\n")
            return
        for what, took, scale in page_rows(school, today):
            sys.stdout.write(f"{what}: {took}; {scale}\n")


if __name__ == "__main__":
    main()

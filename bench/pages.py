"""How long one school's pages take through the whole stack (middleware, access check, audit,
selectors, template), as the test client asks for them: part of `make bench` (bench/run.py),
or alone on a database that already holds a demo school:

    DATABASE_URL=postgres://... python -m bench.pages [--profile]

Each page is timed as the median of a few requests after one warm-up: wall time and the
process's CPU time (`time.process_time`, steadier on a busy machine), with its queries, their
time and the page's size. The baseline, measured in the same run, is the selectors alone (the
reads the page shows, without middleware or template): the ratio says what the page adds.
"""

from __future__ import annotations

import datetime as dt
import os
import statistics
import sys
import time
from typing import Any

REPEATS = 5


def _timed(work: Any) -> tuple[float, float]:
    """Median wall and CPU seconds of `work` over REPEATS runs after one warm-up."""
    work()
    walls, cpus = [], []
    for _ in range(REPEATS):
        wall, cpu = time.perf_counter(), time.process_time()
        work()
        cpus.append(time.process_time() - cpu)
        walls.append(time.perf_counter() - wall)
    return statistics.median(walls), statistics.median(cpus)


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


def page_measures(school: Any, today: dt.date) -> list[dict[str, Any]]:
    """The term map of `school` as its SENCO sees it: page and baseline, each timed."""
    from django.db import connection
    from django.test.utils import override_settings
    from django.urls import reverse

    from provmap.accounts.permissions import pupil_scope
    from provmap.provision import selectors
    from provmap.schools.scoping import school_scope

    client = _senco_client(school)
    user = client.session.get("_auth_user_id")
    url = reverse("term_map", args=[school.urn])
    measures = []
    # Demo accounts skip two-factor set-up here as on a demo installation.
    with override_settings(PROVMAP_DEMO_SKIP_MFA=True, ALLOWED_HOSTS=["*"]):
        response = client.get(url)
        assert response.status_code == 200, response.status_code
        queries: list[float] = []

        def timed_query(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
            started = time.perf_counter()
            try:
                return execute(sql, params, many, context)
            finally:
                queries.append(time.perf_counter() - started)

        with connection.execute_wrapper(timed_query):
            response = client.get(url)
        sql = sum(queries)
        wall, cpu = _timed(lambda: client.get(url))

        from provmap.accounts.models import User

        member = User.objects.get(pk=user)

        def selectors_alone() -> None:
            with school_scope(school):
                term = selectors.current_term(school, today)
                scope = pupil_scope(member, school)
                view = selectors.term_view(school, term, scope, as_of=today)
                [item.placement.pupil for row in view.rows for item in row.placements]

        base_wall, base_cpu = _timed(selectors_alone)
        measures.append(
            {
                "page": "Term map (SENCO)",
                "wall": wall,
                "cpu": cpu,
                "queries": len(queries),
                "sql": sql,
                "bytes": len(response.content),
                "base_wall": base_wall,
                "base_cpu": base_cpu,
            }
        )
    return measures


def page_rows(school: Any, today: dt.date) -> list[tuple[str, str, str]]:
    """Rows for docs/benchmarks.md: what, time, scale (with the baseline and the ratio)."""
    rows = []
    for measure in page_measures(school, today):
        rows.append(
            (
                f"{measure['page']}, whole request (`term_map_page`)",
                f"{measure['wall'] * 1000:.0f} ms (CPU {measure['cpu'] * 1000:.0f} ms)",
                f"{measure['bytes'] / 1024:,.0f} KB, {measure['queries']} queries "
                f"({measure['sql'] * 1000:.0f} ms SQL); baseline its selectors alone "
                f"{measure['base_wall'] * 1000:.0f} ms (CPU {measure['base_cpu'] * 1000:.0f} ms)"
                f", ratio {measure['wall'] / measure['base_wall']:.1f}x",
            )
        )
    return rows


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "provmap.test_settings")
    import django

    django.setup()
    from provmap.schools.models import School
    from provmap.schools.scoping import all_schools

    today = dt.date.fromisoformat(os.environ.get("BENCH_TODAY", dt.date.today().isoformat()))
    with all_schools():
        school = School.objects.order_by("pk").first()
    if "--profile" in sys.argv:
        import cProfile
        import pstats

        from django.test.utils import override_settings
        from django.urls import reverse

        client = _senco_client(school)
        url = reverse("term_map", args=[school.urn])
        with override_settings(PROVMAP_DEMO_SKIP_MFA=True, ALLOWED_HOSTS=["*"]):
            client.get(url)
            profiler = cProfile.Profile()
            profiler.enable()
            client.get(url)
            profiler.disable()
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        return
    for what, took, scale in page_rows(school, today):
        sys.stdout.write(f"{what}: {took}; {scale}\n")


if __name__ == "__main__":
    main()

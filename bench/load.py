"""A load test: N users signed in as the demo roles, each opening a realistic mix of one
school's pages with 1-3 s of think time between them, against gunicorn with 4 workers on
127.0.0.1. Reports each kind of page's p50 and p95 and the errors (any answer of 400 or more,
or no answer), leaving out the first WARM_UP seconds (errors there still count).

    DATABASE_URL=postgres://... python -m bench.load [--users 50] [--seconds 60]

The database must hold a demo school made by `seed_demo --password PASSWORD` (LOAD_PASSWORD,
default "x"). The server is started here (bench/load_settings.py) and stopped at the end; it
listens on 127.0.0.1 only, and the users ask nothing but that address. A thread per user,
standard library only: bounded by --users (at most 200) and --seconds (at most 600).
`make bench` runs it on PostgreSQL unless BENCH_LOAD=0 (bench/run.py).
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import random
import re
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
MAX_USERS = 200
MAX_SECONDS = 600
WORKERS = 4
THINK = (1.0, 3.0)
# Seconds at the start not counted (at most a quarter of the run).
WARM_UP = 10.0
# Who signs in, how many of each in a hundred users, and the pages each opens (kind: weight).
# "pupil" and "run" are links the user found on the pages they opened (as one clicks through).
ROLES: dict[str, tuple[int, dict[str, int]]] = {
    "senco": (
        16,
        {
            "map": 4,
            "year": 1,
            "waves": 1,
            "figures": 1,
            "staff": 1,
            "impact": 1,
            "home": 1,
            "pupil": 3,
            "run": 2,
        },
    ),
    "admin": (12, {"map": 4, "year": 1, "waves": 1, "staff": 1, "home": 1, "pupil": 2, "run": 3}),
    "leader": (12, {"map": 2, "figures": 2, "impact": 1, "year": 1, "home": 1, "pupil": 2}),
    "teacher": (24, {"home": 1, "week": 2, "map": 2, "pupil": 3, "run": 2}),
    "ta": (16, {"home": 1, "week": 3, "map": 1, "pupil": 2, "run": 2}),
    "hoy": (10, {"home": 1, "map": 2, "year": 2, "pupil": 3}),
    "parent": (6, {"home": 1, "children": 3}),
    "governor": (4, {"home": 1, "figures": 2}),
}
PAGES = {
    "home": "/",
    "map": "/school/{urn}/map/",
    "year": "/school/{urn}/map/year/",
    "waves": "/school/{urn}/map/waves/",
    "figures": "/school/{urn}/figures/",
    "staff": "/school/{urn}/staff/",
    "impact": "/school/{urn}/impact/",
    "week": "/school/{urn}/my-week/",
    "children": "/school/{urn}/my-child/",
}
FOUND = {
    "pupil": re.compile(r'href="(/school/[^/"]+/pupils/\d+/)"'),
    "run": re.compile(r'href="(/school/[^/"]+/runs/\d+/)"'),
}


@dataclass
class Results:
    """Every request's time by kind of page, and what went wrong."""

    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    lock: threading.Lock = field(default_factory=threading.Lock)

    # Requests begun before this (time.monotonic()) are not counted: the users arrive and
    # each server process reads its templates for the first time.
    counted_from: float = 0.0

    def add(self, kind: str, seconds: float, error: str | None, began: float) -> None:
        if began < self.counted_from and not error:
            return
        with self.lock:
            self.times[kind].append(seconds)
            if error:
                self.errors[f"{kind}: {error}"] += 1


def _percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


class User:
    """One person: signs in, then opens pages until the time is up."""

    def __init__(self, base: str, urn: str, role: str, password: str, results: Results) -> None:
        self.base, self.urn, self.role, self.password = base, urn, role, password
        self.results = results
        self.mix = ROLES[role][1]
        self.found: dict[str, set[str]] = {"pupil": set(), "run": set()}
        self.opener = urllib.request.build_opener(
            urllib.request.HTTPCookieProcessor(http.cookiejar.CookieJar())
        )
        self.rng = random.Random(f"{role}-{id(self)}")

    def _open(self, kind: str, path: str, data: dict[str, str] | None = None) -> str:
        body = urllib.parse.urlencode(data).encode() if data is not None else None
        request = urllib.request.Request(self.base + path, data=body)
        if data is not None:
            request.add_header("Referer", self.base + path)
        began, started = time.monotonic(), time.perf_counter()
        error = None
        text = ""
        try:
            with self.opener.open(request, timeout=30) as response:
                text = response.read().decode()
        except urllib.error.HTTPError as refused:
            error = str(refused.code)
        except OSError as failed:
            error = type(failed).__name__
        self.results.add(kind, time.perf_counter() - started, error, began)
        return text

    def sign_in(self) -> bool:
        form = self._open("sign-in", "/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form)
        if token is None:
            return False
        data = {"csrfmiddlewaretoken": token[1], "login": self.role, "password": self.password}
        page = self._open("sign-in", "/login/", data)
        return 'action="/logout/"' in page or "Sign out" in page

    def visit(self) -> None:
        kinds = [kind for kind in self.mix if kind in PAGES or self.found.get(kind)]
        kind = self.rng.choices(kinds, weights=[self.mix[kind] for kind in kinds])[0]
        if kind in PAGES:
            path = PAGES[kind].format(urn=self.urn)
        else:
            path = self.rng.choice(sorted(self.found[kind]))
        page = self._open(kind, path)
        for found, pattern in FOUND.items():
            if found in self.mix and len(self.found[found]) < 200:
                self.found[found].update(pattern.findall(page))

    def run(self, until: float) -> None:
        if not self.sign_in():
            self.results.add("sign-in", 0.0, "not signed in", time.monotonic())
            return
        while time.monotonic() < until:
            self.visit()
            time.sleep(min(self.rng.uniform(*THINK), max(0.0, until - time.monotonic())))


def _roles(users: int) -> list[str]:
    """`users` roles in the proportions of ROLES (largest remainders first)."""
    total = sum(share for share, _ in ROLES.values())
    counts = {role: users * share // total for role, (share, _) in ROLES.items()}
    by_remainder = sorted(ROLES, key=lambda role: -(users * ROLES[role][0] % total))
    for role in by_remainder[: users - sum(counts.values())]:
        counts[role] += 1
    return [role for role, count in counts.items() for _ in range(count)]


def _school_urn() -> str:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.load_settings")
    import django

    django.setup()
    from provmap.accounts.models import Membership, Role

    membership = Membership.objects.filter(role=Role.SENCO, user__username="senco").first()
    if membership is None or membership.school is None:
        raise SystemExit("No demo school: run seed_demo --password ... first.")
    return membership.school.urn


def _start_server(port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "bench.load_settings",
        "PYTHONPATH": str(ROOT),
        # Connections kept between requests, as an installation behind gunicorn would.
        "DB_CONN_MAX_AGE": os.environ.get("DB_CONN_MAX_AGE", "60"),
    }
    command = [
        str(Path(sys.executable).parent / "gunicorn"),
        "provmap.wsgi",
        f"--workers={WORKERS}",
        f"--bind={HOST}:{port}",
        "--log-level=warning",
        "--timeout=60",
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env)
    for _ in range(100):
        try:
            urllib.request.urlopen(f"http://{HOST}:{port}/login/", timeout=2).read()
            return server
        except OSError:
            if server.poll() is not None:
                raise SystemExit("The server did not start.") from None
            time.sleep(0.3)
    server.terminate()
    raise SystemExit("The server did not answer.")


def run_load(users: int, seconds: float, port: int = 8765) -> tuple[Results, float]:
    """Start the server, run `users` users for `seconds`, stop it; the results and the time
    the users ran."""
    users, seconds = min(users, MAX_USERS), min(seconds, MAX_SECONDS)
    urn = _school_urn()
    password = os.environ.get("LOAD_PASSWORD", "x")
    server = _start_server(port)
    results = Results()
    try:
        base = f"http://{HOST}:{port}"
        roles = _roles(users)
        random.Random(16).shuffle(roles)
        started = time.monotonic()
        until = started + seconds
        results.counted_from = started + min(WARM_UP, seconds / 4)
        threads = []
        for number, role in enumerate(roles):
            person = User(base, urn, role, password, results)
            thread = threading.Thread(target=person.run, args=(until,), daemon=True)
            # Users arrive over the first few seconds, not all in the same instant.
            time.sleep(min(5.0, seconds / 10) / max(1, users) if number else 0)
            thread.start()
            threads.append(thread)
        for thread in threads:
            thread.join(timeout=seconds + 60)
        took = time.monotonic() - started
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(timeout=30)
    return results, took


def summary_rows(results: Results, users: int, took: float) -> list[tuple[str, str, str]]:
    """Rows for docs/benchmarks.md: what, time, scale."""
    pages = [t for kind, times in results.times.items() if kind != "sign-in" for t in times]
    errors = sum(results.errors.values())
    if not pages:
        return [(f"{users} users at once", "no page answered", f"{errors} errors")]
    rows = [
        (
            f"{users} users at once, 1-3 s think time, gunicorn {WORKERS} workers "
            "(`bench/load.py`)",
            f"p50 {statistics.median(pages) * 1000:.0f} ms, p95 "
            f"{_percentile(pages, 0.95) * 1000:.0f} ms",
            f"{len(pages):,} pages in {took:.0f} s ({len(pages) / took:.1f}/s), "
            f"{errors} errors; goal p95 <= 500 ms, 0 errors",
        )
    ]
    for kind, times in sorted(results.times.items()):
        rows.append(
            (
                f"- {kind}",
                f"p50 {statistics.median(times) * 1000:.0f} ms, p95 "
                f"{_percentile(times, 0.95) * 1000:.0f} ms",
                f"{len(times):,} requests",
            )
        )
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--users", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--port", type=int, default=8765)
    arguments = parser.parse_args()
    results, took = run_load(arguments.users, arguments.seconds, arguments.port)
    for what, took_text, scale in summary_rows(results, arguments.users, took):
        sys.stdout.write(f"| {what} | {took_text} | {scale} |\n")
    for error, count in sorted(results.errors.items()):
        sys.stdout.write(f"error {error}: {count}\n")


if __name__ == "__main__":
    main()

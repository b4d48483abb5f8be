"""manage.py seed_demo: fill the database with the demo trust, school(s) and sign-ins."""

from __future__ import annotations

import argparse
import datetime as dt
import time
from typing import Any

from django.core.management.base import CommandError, CommandParser
from django.db import connection

from provmap.demo.generator import DemoAlreadyBuilt, build_demo
from provmap.demo.users import DEFAULT_PASSWORD, LOGINS
from provmap.schools.commands import AllSchoolsCommand
from provmap.schools.models import School

MAX_PUPILS_PER_SCHOOL = 4500


def _date(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"a date as YYYY-MM-DD, not '{value}'") from exc


class Command(AllSchoolsCommand):
    help = (
        "Create a demo trust with realistic secondary school(s): every pupil, two years of "
        "provision map with results and costs, and demo sign-ins. The same --seed and --today "
        "always give the same data."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--seed", type=int, default=42, help="Random seed (default 42).")
        parser.add_argument(
            "--today",
            type=_date,
            default=None,
            help="The date the demo treats as today, YYYY-MM-DD (default: today).",
        )
        parser.add_argument("--schools", type=int, default=1, help="Schools in the trust.")
        parser.add_argument(
            "--pupils", type=int, default=1000, help="Pupils on roll per school (about)."
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing if the database already has a school.",
        )
        parser.add_argument(
            "--password",
            default=DEFAULT_PASSWORD,
            help="Password of every demo sign-in (default: %(default)s).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["if_empty"] and School.objects.exists():
            self.stdout.write("The database already has schools: no demo data added.")
            return
        schools, pupils = options["schools"], options["pupils"]
        if schools < 1:
            raise CommandError("--schools must be at least 1.")
        if not 50 <= pupils <= MAX_PUPILS_PER_SCHOOL:
            raise CommandError(f"--pupils must be between 50 and {MAX_PUPILS_PER_SCHOOL}.")
        today = options["today"] or dt.date.today()
        started = time.perf_counter()

        def progress(done: int, seconds: float) -> None:
            if schools > 1 and options["verbosity"] >= 1:
                self.stdout.write(f"School {done} of {schools} built in {seconds:.1f} s.")
                self.stdout.flush()

        try:
            summary = build_demo(
                seed=options["seed"],
                today=today,
                schools=schools,
                pupils_per_school=pupils,
                password=options["password"],
                progress=progress,
            )
        except DemoAlreadyBuilt as exc:
            raise CommandError(
                f"{exc} Use a fresh database, or --if-empty to skip when it has data."
            ) from exc
        _refresh_statistics()
        seconds = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(f"Demo data for {today:%d/%m/%Y} created:"))
        for line in summary.lines():
            self.stdout.write(f"  {line}")
        self.stdout.write(f"Took {seconds:.1f} s.")
        if options["password"] == DEFAULT_PASSWORD:
            self.stdout.write(f"Demo sign-ins (password {DEFAULT_PASSWORD}):")
        else:
            self.stdout.write("Demo sign-ins (with the password given):")
        for login in LOGINS:
            self.stdout.write(f"  {login.username:<9} {login.description}")


def _refresh_statistics() -> None:
    """Tell PostgreSQL's planner what was just loaded. Until its statistics catch up with a
    bulk load, it plans for nearly empty tables and a map page's queries run ten times
    slower (measured on a trust of 25 schools); SQLite plans without them."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")

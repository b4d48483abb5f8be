"""manage.py run_jobs: the worker that checks and imports files uploaded from the browser."""

from __future__ import annotations

import signal
import threading
from typing import Any

from django.core.management.base import CommandParser

from provmap.formatting import counted
from provmap.interchange import jobs
from provmap.schools.commands import AllSchoolsCommand


class Command(AllSchoolsCommand):
    help = (
        "Check and import the files uploaded on the Imports page, one job after another, "
        "until stopped (Ctrl-C or SIGTERM lets the job under way finish first). With --once, "
        "run what is queued and stop."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--once", action="store_true", help="Run the queued jobs, then stop (for cron)."
        )
        parser.add_argument(
            "--idle",
            type=float,
            default=1.0,
            help="Seconds to wait between looks at an empty queue (default 1).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["once"]:
            jobs.expire_files()
            ran = jobs.run_pending()
            self.stdout.write(f"Ran {counted(ran, 'job')}.")
            return
        stop = threading.Event()

        def finish(signum: int, frame: object) -> None:
            if stop.is_set():
                # A job cut short is rolled back and later marked as interrupted.
                raise SystemExit(1)
            stop.set()

        signal.signal(signal.SIGINT, finish)
        signal.signal(signal.SIGTERM, finish)
        self.stdout.write("Waiting for import jobs (Ctrl-C to stop).")
        jobs.work(stop, idle_seconds=float(options["idle"]))

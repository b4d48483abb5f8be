"""manage.py run_jobs: the worker that checks and imports files uploaded from the browser.

It is django-tasks-db's worker (`manage.py db_worker`, whose options it takes) with the import
jobs' chores beside it: every minute it deletes the files past their day, queues again a job
whose task was lost, and deletes the queue's finished tasks (provmap.interchange.jobs)."""

from __future__ import annotations

import logging
import threading
from argparse import ArgumentParser
from typing import Any

from django.db import DatabaseError, connection
from django_tasks_db.management.commands.db_worker import Command as DBWorkerCommand
from django_tasks_db.management.commands.db_worker import valid_interval

from provmap.formatting import counted
from provmap.interchange import jobs

logger = logging.getLogger(__name__)

CHORES_EVERY = 60.0


def _chores() -> None:
    try:
        jobs.housekeeping()
    except DatabaseError:
        # SQLite, busy with an import, or the database restarting: next time.
        logger.warning("The import jobs' chores could not reach the database; trying again")
    finally:
        connection.close()


def _chores_every(seconds: float, stop: threading.Event) -> None:
    while not stop.wait(seconds):
        _chores()


class Command(DBWorkerCommand):
    help = (
        "Check and import the files uploaded on the Imports page, one task after another, "
        "until stopped (Ctrl-C or SIGTERM lets the task under way finish first): "
        "django-tasks-db's worker, with the import jobs' chores. With --once, run what is "
        "queued and stop."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--once", action="store_true", help="Run the queued tasks, then stop (for cron)."
        )
        parser.add_argument(
            "--idle",
            type=valid_interval,
            dest="interval",
            help="Seconds to wait between looks at an empty queue (default 1).",
        )
        # One process that stops when told to (make run stops it by its id): no reloader.
        parser.set_defaults(reload=False)

    def handle(self, *args: Any, **options: Any) -> None:
        if options.pop("once"):
            jobs.housekeeping()
            ran = jobs.run_pending()
            self.stdout.write(f"Ran {counted(ran, 'job')}.")
            return
        _chores()
        stop = threading.Event()
        threading.Thread(
            target=_chores_every, args=(CHORES_EVERY, stop), name="provmap-chores", daemon=True
        ).start()
        self.stdout.write("Waiting for import jobs (Ctrl-C to stop).")
        try:
            super().handle(*args, **options)
        finally:
            stop.set()

"""Archive pupils who left more than PROVMAP_ARCHIVE_AFTER_DAYS ago, and list (or, with
--erase-expired, erase) archived records past PROVMAP_RETENTION_YEARS. Run it nightly."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.management.base import CommandParser
from django.utils import timezone

from provmap.accounts.data_protection import (
    leavers_to_archive,
    pupil_erase,
    pupils_archive,
    pupils_due_for_erasure,
)
from provmap.schools.commands import AllSchoolsCommand


class Command(AllSchoolsCommand):
    help = "Archive leavers; report or erase records past the retention period."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true", help="Say what would be done.")
        parser.add_argument(
            "--erase-expired",
            action="store_true",
            help="Also erase archived records past the retention period.",
        )
        parser.add_argument("--today", type=dt.date.fromisoformat, help="YYYY-MM-DD")

    def handle(self, *args: Any, **options: Any) -> None:
        today = options["today"] or timezone.localdate()
        dry_run = options["dry_run"]
        leavers = leavers_to_archive(today=today)
        archived = leavers.count() if dry_run else pupils_archive(pupils=leavers)
        verb = "would archive" if dry_run else "archived"
        self.stdout.write(
            f"{verb} {archived} pupil(s) who left over "
            f"{settings.PROVMAP_ARCHIVE_AFTER_DAYS} days ago"
        )

        due = list(pupils_due_for_erasure(today=today).select_related("school"))
        years = settings.PROVMAP_RETENTION_YEARS
        if not options["erase_expired"] or dry_run:
            self.stdout.write(f"{len(due)} archived record(s) past {years} years after leaving")
            return
        for pupil in due:
            pupil_erase(pupil=pupil, by=None, reason=f"Retention period of {years} years ended.")
        self.stdout.write(f"erased {len(due)} record(s) past {years} years after leaving")

"""A subject access export from the command line:
`manage.py export_pupil UPN --school URN --output FILE.zip`. The export is audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from provmap.accounts.data_protection import pupil_subject_access_export
from provmap.pupils.models import Pupil
from provmap.schools.commands import AllSchoolsCommand


class Command(AllSchoolsCommand):
    help = "Write everything held on one pupil to a ZIP file (subject access request)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("upn")
        parser.add_argument("--school", required=True, help="The school's URN.")
        parser.add_argument("--output", required=True, type=Path, help="The ZIP file to write.")

    def handle(self, *args: Any, upn: str, school: str, output: Path, **options: Any) -> None:
        pupil = (
            Pupil.objects.filter(school__urn=school, upn=upn.strip().upper())
            .select_related("school")
            .first()
        )
        if pupil is None:
            raise CommandError(f"No pupil with UPN {upn} at school {school}.")
        output.write_bytes(pupil_subject_access_export(pupil))
        self.stdout.write(f"Wrote {output}")

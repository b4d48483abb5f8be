"""manage.py import_pupils FILE: pupils from an MIS student list (CSV, XLSX) or a CTF."""

from __future__ import annotations

from typing import Any

from django.core.management.base import CommandError, CommandParser

from provmap.interchange.cli import add_import_arguments, find_school, finish, read_upload
from provmap.interchange.pupil_import import NewSchool, import_pupils
from provmap.interchange.report import ImportReport
from provmap.interchange.values import CellError, parse_date
from provmap.schools.commands import AllSchoolsCommand
from provmap.schools.models import School


class Command(AllSchoolsCommand):
    help = (
        "Import pupils from an MIS student list (CSV or XLSX, any column names) or a Common "
        "Transfer File. Updates pupils already in provmap, marks leavers when the file is "
        "the whole roll, and writes nothing if any row is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_import_arguments(parser)
        parser.add_argument("--school-name", help="On a fresh installation: the school's name.")
        parser.add_argument("--urn", help="On a fresh installation: the school's URN.")
        parser.add_argument(
            "--phase", choices=School.Phase.values, help="On a fresh installation: its phase."
        )
        roll = parser.add_mutually_exclusive_group()
        roll.add_argument(
            "--full-roll",
            action="store_true",
            help="The file lists every pupil on roll: mark the others as leavers.",
        )
        roll.add_argument(
            "--partial",
            action="store_true",
            help="The file lists only some pupils: mark nobody as a leaver.",
        )
        parser.add_argument(
            "--date", help="The date the file describes (default: today, or the CTF's date)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        upload = read_upload(str(options["file"]))
        dry_run, as_json = bool(options["dry_run"]), bool(options["json"])
        if isinstance(upload, ImportReport):
            finish(self, upload, as_json=as_json, dry_run=dry_run)
            return
        school = find_school(options["school"], allow_none=True)
        new_school = None
        if school is None and (options["school_name"] or options["urn"]):
            if not (options["school_name"] and options["urn"]):
                raise CommandError("Give both --school-name and --urn to create the school.")
            new_school = NewSchool(
                urn=str(options["urn"]),
                name=str(options["school_name"]),
                phase=str(options["phase"] or ""),
            )
        as_of = None
        if options["date"]:
            try:
                as_of = parse_date(options["date"])
            except CellError as exc:
                raise CommandError(f"--date: {exc}") from None
        whole_roll = True if options["full_roll"] else False if options["partial"] else None
        report, _ = import_pupils(
            upload,
            school=school,
            new_school=new_school,
            as_of=as_of,
            whole_roll=whole_roll,
            dry_run=dry_run,
        )
        finish(self, report, as_json=as_json, dry_run=dry_run)

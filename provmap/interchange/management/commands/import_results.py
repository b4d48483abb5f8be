"""manage.py import_results FILE: pupils' results (UPN or MIS id, measure, date, value)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from provmap.interchange.cli import add_import_arguments, find_school, finish, read_upload
from provmap.interchange.report import ImportReport
from provmap.interchange.results_import import import_results


class Command(BaseCommand):
    help = (
        "Import pupils' results from CSV or XLSX (a row per result: UPN or MIS id, measure, "
        "date, value); writes nothing if any row is wrong."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        add_import_arguments(parser)

    def handle(self, *args: object, **options: object) -> None:
        upload = read_upload(str(options["file"]))
        dry_run, as_json = bool(options["dry_run"]), bool(options["json"])
        if isinstance(upload, ImportReport):
            finish(self, upload, as_json=as_json, dry_run=dry_run)
            return
        school = find_school(options["school"])  # type: ignore[arg-type]
        assert school is not None
        report = import_results(upload, school=school, dry_run=dry_run)
        finish(self, report, as_json=as_json, dry_run=dry_run)

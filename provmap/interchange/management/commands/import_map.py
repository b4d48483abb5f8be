"""manage.py import_map FILE: an existing spreadsheet provision map (CSV or XLSX)."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandParser

from provmap.interchange.cli import add_import_arguments, find_school, finish, read_upload
from provmap.interchange.map_import import import_map
from provmap.interchange.report import ImportReport


class Command(BaseCommand):
    help = (
        "Import a spreadsheet provision map (a row per pupil per provision): creates the "
        "catalogue entries, groups and placements it implies, checks its costs against "
        "provmap's, and writes nothing if any row is wrong."
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
        report = import_map(upload, school=school, dry_run=dry_run)
        finish(self, report, as_json=as_json, dry_run=dry_run)

"""manage.py import_map FILE: an existing spreadsheet provision map (CSV or XLSX)."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from provmap.interchange.cli import SchoolFileImportCommand
from provmap.interchange.files import Upload
from provmap.interchange.map_import import import_map
from provmap.interchange.report import ImportReport
from provmap.schools.models import School


class Command(SchoolFileImportCommand):
    help = (
        "Import a spreadsheet provision map (a row per pupil per provision): creates the "
        "catalogue entries, groups and placements it implies, checks its costs against "
        "provmap's, and writes nothing if any row is wrong."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--sheet",
            action="append",
            metavar="NAME",
            help="Read only this sheet of the workbook (repeat for several); by default every "
            "sheet with a provision map is read.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self.sheets = options.get("sheet")
        super().handle(*args, **options)

    def run_import(self, upload: Upload, *, school: School, dry_run: bool) -> ImportReport:
        return import_map(upload, school=school, dry_run=dry_run, sheets=self.sheets)

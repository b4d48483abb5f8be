"""manage.py import_results FILE: pupils' results (UPN or MIS id, measure, date, value)."""

from __future__ import annotations

from provmap.interchange.cli import SchoolFileImportCommand
from provmap.interchange.files import Upload
from provmap.interchange.report import ImportReport
from provmap.interchange.results_import import import_results
from provmap.schools.models import School


class Command(SchoolFileImportCommand):
    help = (
        "Import pupils' results from CSV or XLSX (a row per result: UPN or MIS id, measure, "
        "date, value); writes nothing if any row is wrong."
    )

    def run_import(self, upload: Upload, *, school: School, dry_run: bool) -> ImportReport:
        return import_results(upload, school=school, dry_run=dry_run)

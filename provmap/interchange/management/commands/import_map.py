"""manage.py import_map FILE: an existing spreadsheet provision map (CSV or XLSX)."""

from __future__ import annotations

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

    def run_import(self, upload: Upload, *, school: School, dry_run: bool) -> ImportReport:
        return import_map(upload, school=school, dry_run=dry_run)

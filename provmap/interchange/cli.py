"""What the import and export commands share: finding the school, reading the file, and
printing a report (or its JSON) with an exit status that says whether the file was taken."""

from __future__ import annotations

import json
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from provmap.interchange.files import Upload
from provmap.interchange.report import ImportRejected, ImportReport
from provmap.schools.commands import AllSchoolsCommand
from provmap.schools.models import School

REJECTED_STATUS = 1


def add_import_arguments(parser: ArgumentParser) -> None:
    parser.add_argument("file", help="The file to import.")
    parser.add_argument("--school", metavar="URN", help="The school's URN (if there are several).")
    parser.add_argument(
        "--dry-run", action="store_true", help="Check the file and show what would change."
    )
    parser.add_argument(
        "--json", action="store_true", help="Print the summary as JSON (for scripts)."
    )


def find_school(urn: str | None, *, allow_none: bool = False) -> School | None:
    """The school named by URN, else the installation's only school."""
    if urn:
        school = School.objects.filter(urn=urn).first()
        if school is None:
            raise CommandError(f"There is no school with URN {urn}.")
        return school
    schools = list(School.objects.all()[:2])
    if len(schools) == 1:
        return schools[0]
    if not schools:
        if allow_none:
            return None
        raise CommandError("There is no school yet: import the school's pupils first.")
    count = School.objects.count()
    raise CommandError(f"This installation has {count} schools: say which with --school URN.")


def read_upload(path: str) -> Upload | ImportReport:
    """The file, or a report rejecting it (missing, too large)."""
    try:
        return Upload.from_path(Path(path))
    except ImportRejected as rejected:
        report = ImportReport(kind="", file_name=Path(path).name)
        report.reject(rejected.problems)
        return report


def finish(command: BaseCommand, report: ImportReport, *, as_json: bool, dry_run: bool) -> None:
    """Print the report; refuse (exit status 1) if the file was rejected."""
    if as_json:
        command.stdout.write(json.dumps(report.as_dict(), indent=2, ensure_ascii=False))
    else:
        _print(command, report, dry_run=dry_run)
    if report.errors:
        raise CommandError(
            f"'{report.file_name}' was rejected; nothing was written.", returncode=REJECTED_STATUS
        )


def _print(command: BaseCommand, report: ImportReport, *, dry_run: bool) -> None:
    out, err = command.stdout, command.stderr
    if report.errors:
        for problem in report.errors:
            err.write(str(problem))
        return
    where = f" for {report.school}" if report.school else ""
    out.write(f"{report.file_name}{where}: {report.summary_line()}")
    for record in report.records:
        if record.action == "unchanged":
            continue
        row = f"row {record.row}: " if record.row else ""
        out.write(f"  {record.action:<8} {row}{record}")
    if report.ignored_columns:
        columns = ", ".join(f"'{heading}'" for heading in report.ignored_columns)
        out.write(f"  Columns not read: {columns}.")
    for note in report.notes:
        out.write(f"  {note}")
    for warning in report.warnings:
        out.write(command.style.WARNING(f"  Warning: {warning}"))
    if dry_run:
        out.write("Dry run: nothing was written.")


class SchoolFileImportCommand(AllSchoolsCommand):
    """A command that imports one file into an existing school: the shared shape of
    `import_map` and `import_results` (each names its importer)."""

    def run_import(self, upload: Upload, *, school: School, dry_run: bool) -> ImportReport:
        raise NotImplementedError

    def add_arguments(self, parser: ArgumentParser) -> None:
        add_import_arguments(parser)

    def handle(self, *args: Any, **options: Any) -> None:
        upload = read_upload(str(options["file"]))
        dry_run, as_json = bool(options["dry_run"]), bool(options["json"])
        if isinstance(upload, ImportReport):
            finish(self, upload, as_json=as_json, dry_run=dry_run)
            return
        school = find_school(options["school"])
        assert school is not None
        report = self.run_import(upload, school=school, dry_run=dry_run)
        finish(self, report, as_json=as_json, dry_run=dry_run)

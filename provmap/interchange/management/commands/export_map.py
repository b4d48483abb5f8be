"""manage.py export_map --format xlsx|csv --output FILE: the provision map as a spreadsheet."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import CommandError, CommandParser

from provmap.interchange.cli import find_school
from provmap.interchange.exports import Export, map_export, stream_export, write_export
from provmap.provision.models import ProvisionRun
from provmap.pupils.models import NCYear, Pupil
from provmap.pupils.upn import normalise_upn
from provmap.schools.commands import AllSchoolsCommand
from provmap.schools.models import AcademicYear


class Command(AllSchoolsCommand):
    help = (
        "Export the provision map (or a school year, a year group, a group or a pupil) as "
        "XLSX (an Excel table with a totals sheet) or CSV: a row per pupil per group."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", metavar="URN", help="The school's URN (if several).")
        parser.add_argument("--year", metavar="2025-26", help="Only this school year.")
        parser.add_argument(
            "--year-group", choices=NCYear.values, help="Only pupils in this year group."
        )
        parser.add_argument("--run", type=int, metavar="ID", help="Only this group (its id).")
        parser.add_argument("--pupil", metavar="UPN", help="Only this pupil.")
        parser.add_argument("--format", choices=("xlsx", "csv"), required=True)
        parser.add_argument("--output", required=True, help="The file to write.")

    def handle(self, *args: Any, **options: Any) -> None:
        school = find_school(options["school"])
        assert school is not None
        year = run = pupil = None
        if options["year"]:
            year = AcademicYear.objects.filter(school=school, name=options["year"]).first()
            if year is None:
                raise CommandError(f"{school.name} has no school year {options['year']}.")
        if options["run"]:
            run = ProvisionRun.objects.filter(school=school, pk=options["run"]).first()
            if run is None:
                raise CommandError(f"{school.name} has no group with id {options['run']}.")
        if options["pupil"]:
            upn = normalise_upn(str(options["pupil"]))
            pupil = Pupil.objects.filter(school=school, upn=upn).first()
            if pupil is None:
                raise CommandError(f"{school.name} has no pupil with UPN {upn}.")
        export: Export
        if run is None and pupil is None:
            # The whole map, a year or a year group: read a chunk at a time, written row by row.
            export = stream_export(school, academic_year=year, year_group=options["year_group"])
        else:
            export = map_export(
                school, academic_year=year, year_group=options["year_group"], run=run, pupil=pupil
            )
        output = Path(str(options["output"]))
        write_export(export, options["format"], str(output))
        self.stdout.write(f"Wrote {export.row_count} row(s) of {export.title} to {output.name}.")

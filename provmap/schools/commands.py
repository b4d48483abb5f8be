"""The base of provmap's management commands."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from provmap.schools.scoping import all_schools


class AllSchoolsCommand(BaseCommand):
    """A command run by whoever runs the installation: it acts across schools on purpose
    (the nightly data-protection run, the demo, imports naming their school with --school),
    so school-scoped queries are open to it. Pages never are (provmap.schools.scoping)."""

    def execute(self, *args: Any, **options: Any) -> Any:
        with all_schools():
            return super().execute(*args, **options)

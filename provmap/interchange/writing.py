"""Writing a checked plan: all of it in one transaction, or nothing at all."""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError
from django.db import transaction

from provmap.interchange.report import ImportReport, Problem


def write_all_or_nothing(report: ImportReport, write: Callable[[], None]) -> bool:
    """Run `write` in one transaction and mark the report applied.

    A ValidationError raised part-way (a rule only the services could check, such as a date
    another row made impossible) rolls everything back and refuses the file with its message.
    """
    try:
        with transaction.atomic():
            write()
    except ValidationError as exc:
        report.reject(
            [
                Problem(None, "", f"The import stopped and nothing was written: {message}")
                for message in exc.messages
            ]
        )
        return False
    report.applied = True
    return True

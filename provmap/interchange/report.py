"""What an import says back: the problems found (with the row and column they are in), and
what was, or in a preview would be, created, updated, left unchanged or marked as left.

One structure for the command line (`--json` prints `ImportReport.as_dict()`) and, later,
the upload pages and the background job record.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# A file with thousands of bad rows is reported with the first of them; the count says the rest.
MAX_REPORTED_PROBLEMS = 200


@dataclass(frozen=True)
class Problem:
    """Something wrong (an error) or worth knowing (a warning) about a file.

    `row` is the row number a spreadsheet program shows (the heading row is usually 1), or for
    a CTF the pupil's position in the file; None when the problem is with the file as a whole.
    `column` is the heading as the file spells it ("" when no column is involved).
    """

    row: int | None
    column: str
    message: str
    record: str = "Row"

    def __str__(self) -> str:
        if self.row is None and not self.column:
            return self.message
        if self.row is None:
            return f"Column '{self.column}': {self.message}"
        if not self.column:
            return f"{self.record} {self.row}: {self.message}"
        return f"{self.record} {self.row}, column '{self.column}': {self.message}"

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "message": self.message}


class ImportRejected(Exception):
    """The file cannot be imported; nothing has been written."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(str(problem) for problem in problems[:3]))
        self.problems = problems


def file_problem(message: str) -> ImportRejected:
    """A rejection of the file as a whole (type, size, encoding, safety)."""
    return ImportRejected([Problem(None, "", message)])


@dataclass(frozen=True)
class FieldChange:
    """One field of one record, before and after, as text a person can read."""

    field: str
    old: str
    new: str

    def __str__(self) -> str:
        return f"{self.field}: {self.old or '(blank)'} -> {self.new or '(blank)'}"


@dataclass
class RecordChange:
    """What happens to one record (a pupil, a placement, a result) in the import."""

    action: str  # created, updated, unchanged or left
    label: str
    row: int | None = None
    changes: list[FieldChange] = field(default_factory=list)

    def __str__(self) -> str:
        detail = "; ".join(str(change) for change in self.changes)
        return f"{self.label}: {detail}" if detail else self.label


ACTIONS = ("created", "updated", "unchanged", "left")


@dataclass
class ImportReport:
    """The outcome of checking (and, unless it was a preview or rejected, applying) a file."""

    kind: str
    file_name: str = ""
    school: str = ""
    records: list[RecordChange] = field(default_factory=list)
    errors: list[Problem] = field(default_factory=list)
    warnings: list[Problem] = field(default_factory=list)
    # Other things the import creates along the way (catalogue entries, staff, measures...).
    notes: list[str] = field(default_factory=list)
    applied: bool = False
    # How many rows (or CTF pupils) the file holds, once it could be read.
    rows: int = 0
    # Rows left out because they had problems, when the caller chose to import only the
    # valid rows (pupils and results); the rest of the file is planned as usual.
    skipped: list[Problem] = field(default_factory=list)
    # Headings of columns the file has that nothing reads (shown so that a misread column
    # is noticed).
    ignored_columns: list[str] = field(default_factory=list)

    def count(self, action: str) -> int:
        return sum(1 for record in self.records if record.action == action)

    @property
    def is_rejected(self) -> bool:
        return bool(self.errors)

    @property
    def rejected(self) -> int:
        """How many rows were refused (a file refused as a whole counts as one); non-zero
        means nothing was written."""
        rows = {problem.row for problem in self.errors if problem.row is not None}
        if rows:
            return len(rows)
        return 1 if self.errors else 0

    def skip_rows(self, problems: list[Problem]) -> set[int] | None:
        """Leave out the rows these problems are in rather than refuse the file; the rows
        left out, or None when a problem concerns the whole file (which is then refused)."""
        if any(problem.row is None for problem in problems):
            self.reject(problems)
            return None
        self.skipped = list(problems)
        return {problem.row for problem in problems if problem.row is not None}

    def reject(self, problems: list[Problem]) -> None:
        """Record the problems that refuse the file; a refused file changes nothing."""
        self.errors = list(problems)
        self.records = []
        self.notes = []
        self.applied = False

    def as_dict(self) -> dict[str, Any]:
        counts = {action: 0 if self.errors else self.count(action) for action in ACTIONS}
        return {
            **counts,
            "rejected": self.rejected,
            "errors": [problem.as_dict() for problem in self.errors[:MAX_REPORTED_PROBLEMS]],
            "warnings": [problem.as_dict() for problem in self.warnings[:MAX_REPORTED_PROBLEMS]],
            "ignored_columns": list(self.ignored_columns),
            "notes": list(self.notes),
        }

    def summary_line(self) -> str:
        if self.errors:
            return (
                f"Rejected: {len(self.errors)} problem(s) in {self.rejected} row(s). "
                "Nothing was written."
            )
        verb = "" if self.applied else "would be "
        parts = [f"{self.count(action)} {verb}{action}" for action in ACTIONS]
        return ", ".join(parts) + "."

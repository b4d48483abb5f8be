"""The forms of the Imports pages: the upload, the columns of a file, and the confirmation of
an import of only the valid rows."""

from __future__ import annotations

from typing import Any

from django import forms

from provmap.interchange.columns import Column, normalise_heading
from provmap.interchange.files import (
    KIND_NAMES,
    FileKind,
    Upload,
    check_size,
    detect_kind,
    limit,
    megabytes,
)
from provmap.interchange.mapsheet import MAP_COLUMNS
from provmap.interchange.models import ImportKind
from provmap.interchange.pupil_import import PUPIL_COLUMNS
from provmap.interchange.report import ImportRejected
from provmap.interchange.results_import import RESULT_COLUMNS

# Each kind of import: what the file holds, the types it may be, the fields it can feed.
KINDS: dict[str, tuple[str, tuple[FileKind, ...], list[Column]]] = {
    ImportKind.PUPILS: (
        "A student list exported from your MIS (SIMS, Arbor, Bromcom...), whatever its "
        "column names, or a Common Transfer File. Adds and updates pupils; when it lists "
        "every pupil on roll, those missing from it are marked as having left.",
        (FileKind.CSV, FileKind.XLSX, FileKind.XML),
        PUPIL_COLUMNS,
    ),
    ImportKind.MAP: (
        "The provision map you keep now, one row per pupil per provision (or a map "
        "exported from provmap). Adds the provisions, groups, staff and results it names.",
        (FileKind.CSV, FileKind.XLSX),
        MAP_COLUMNS,
    ),
    ImportKind.RESULTS: (
        "One row per result: the pupil's UPN (or admission number), the measure, the date "
        "and the score, such as a year group's reading test.",
        (FileKind.CSV, FileKind.XLSX),
        RESULT_COLUMNS,
    ),
}
ACCEPT = ".csv,.txt,.tsv,.xlsx,.xml,.ctf"


def accepted_types(kind: str) -> str:
    names = [KIND_NAMES[file_kind] for file_kind in KINDS[kind][1]]
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} or {names[-1]}"


def field_label(column: Column) -> str:
    """'the UPN' -> 'UPN', "the pupil's name" -> "Pupil's name"."""
    words = column.label.removeprefix("the ")
    return words[:1].upper() + words[1:]


class UploadForm(forms.Form):
    kind = forms.ChoiceField(
        label="What is in the file?",
        choices=ImportKind.choices,
        widget=forms.RadioSelect,
        error_messages={"required": "Choose what the file holds."},
    )
    file = forms.FileField(
        label="File",
        error_messages={"required": "Choose the file to import.", "empty": "The file is empty."},
        widget=forms.ClearableFileInput(attrs={"accept": ACCEPT}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        largest = megabytes(limit("PROVMAP_IMPORT_MAX_BYTES"))
        self.fields["file"].help_text = (
            f"CSV (.csv), Excel workbook (.xlsx) or, for pupils, a CTF (.xml); up to {largest}. "
            "Nothing is written until you have seen what the file would change and confirmed."
        )
        self.upload: Upload | None = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Django's clean() returns cleaned_data
        kind, file = cleaned.get("kind"), cleaned.get("file")
        if not kind or not file:
            return cleaned
        try:
            check_size(file.size, file.name)
            upload = Upload(name=file.name, data=file.read())
            detect_kind(upload, KINDS[kind][1])
        except ImportRejected as rejected:
            self.add_error("file", str(rejected.problems[0]))
        else:
            self.upload = upload
        return cleaned


ROLL_CHOICES = [
    ("auto", "Decide from the file: a list with every register column is the whole roll"),
    ("whole", "Every pupil on roll: mark pupils not in it as having left"),
    ("some", "Only some pupils: mark nobody as having left"),
]
ROLL_VALUES = {"auto": None, "whole": True, "some": False}


class ColumnsForm(forms.Form):
    """Which field each column of the file feeds, one choice per heading; for pupils, also
    whether the file is the whole roll."""

    def __init__(
        self,
        data: Any = None,
        *,
        kind: str,
        headings: list[dict[str, Any]],
        whole_roll: bool | None = None,
        sheets: dict[str, list[str]] | None = None,
    ) -> None:
        super().__init__(data)
        self.headings = headings
        choices = [("", "Not imported")] + [
            (column.key, field_label(column)) for column in KINDS[kind][2]
        ]
        for item in headings:
            self.fields[self.name_for(item)] = forms.ChoiceField(
                label=item["heading"], choices=choices, required=False, initial=item["field"]
            )
        if kind == ImportKind.PUPILS:
            initial = next(code for code, value in ROLL_VALUES.items() if value == whole_roll)
            self.fields["roll"] = forms.ChoiceField(
                label="Which pupils does the file list?",
                choices=ROLL_CHOICES,
                widget=forms.RadioSelect,
                initial=initial,
            )
        if sheets:
            self.fields["sheets"] = forms.MultipleChoiceField(
                label="Which sheets of the workbook to read?",
                help_text="Every sheet with a provision map is read unless you choose some; "
                "a sheet left out is named under 'Worth knowing'.",
                choices=[(name, name) for name in sheets["all"]],
                widget=forms.CheckboxSelectMultiple,
                initial=sheets["read"],
                error_messages={"required": "Choose at least one sheet to read."},
            )

    @property
    def has_sheets(self) -> bool:
        return "sheets" in self.fields

    def sheets(self) -> list[str] | None:
        """The sheets chosen, or None (every sheet) when the form has no choice of them."""
        return list(self.cleaned_data["sheets"]) if self.has_sheets else None

    @staticmethod
    def name_for(item: dict[str, Any]) -> str:
        return f"column_{item['position']}"

    @property
    def has_roll(self) -> bool:
        return "roll" in self.fields

    @property
    def column_fields(self) -> list[forms.BoundField]:
        return [self[self.name_for(item)] for item in self.headings]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        assert cleaned is not None  # Django's clean() returns cleaned_data
        taken: dict[str, str] = {}
        for item in self.headings:
            chosen = cleaned.get(self.name_for(item))
            if not chosen:
                continue
            if chosen in taken:
                self.add_error(
                    self.name_for(item),
                    f"Column '{taken[chosen]}' already feeds this field: choose one of them.",
                )
            else:
                taken[chosen] = item["heading"]
        return cleaned

    def columns(self) -> dict[str, str]:
        """Normalised heading -> field ("" not imported), for every heading of the file."""
        return {
            normalise_heading(item["heading"]): self.cleaned_data.get(self.name_for(item)) or ""
            for item in self.headings
        }

    def whole_roll(self) -> bool | None:
        return ROLL_VALUES.get(self.cleaned_data.get("roll") or "auto")

"""Reviews due: the pupils whose review is overdue, due in the next 4 weeks or who have no
agreed plan, then the rest; and the same rows as a CSV download."""

from __future__ import annotations

import csv
import io
from typing import Any, cast

from django import forms
from django.http import HttpResponse
from django.urls import path

from provmap.accounts.access import SchoolRequest
from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction
from provmap.formatting import counted
from provmap.interchange.safety import neutralise
from provmap.outcomes import due
from provmap.pupils.models import NCYear
from provmap.web.pages import render_school_page, today


class DueFilterForm(forms.Form):
    """Which pupils: a year group and a kind of review, both optional."""

    nc_year = forms.ChoiceField(label="Year group", required=False)
    kind = forms.ChoiceField(
        label="SEN status", required=False, choices=[("", "Any"), *due.KIND_CHOICES]
    )

    def __init__(self, *args: Any, years: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        labels = dict(NCYear.choices)
        cast(forms.ChoiceField, self.fields["nc_year"]).choices = [
            ("", "Any year"),
            *[(year, labels.get(year, year)) for year in years],
        ]

    def chosen(self) -> dict[str, str]:
        data = self.cleaned_data if self.is_valid() else {}
        return {"nc_year": data.get("nc_year") or "", "kind": data.get("kind") or ""}


def _found(request: SchoolRequest) -> tuple[due.ReviewsDue, DueFilterForm]:
    access = request.access
    everyone = due.reviews_due(access.school, access.scope, today=today())
    form = DueFilterForm(request.GET or None, years=everyone.year_groups)
    return everyone.narrowed(**form.chosen()), form


def _audit(request: SchoolRequest, found: due.ReviewsDue, what: str) -> None:
    if found.rows:
        audit_record(
            request,
            AuditAction.VIEW if what == "page" else AuditAction.EXPORT,
            summary=f"Reviews due ({what}): {counted(len(found.rows), 'pupil')} named.",
            pupils=found.pupils,
        )


def reviews_due_page(request: SchoolRequest, urn: str) -> HttpResponse:
    """Overdue (most late first), due in the next 4 weeks, no agreed plan, then later."""
    found, form = _found(request)
    _audit(request, found, "page")
    return render_school_page(
        request,
        "outcomes/reviews_due.html",
        "reviews",
        found=found,
        form=form,
        query=request.GET.urlencode(),
        today=today(),
    )


HEADINGS = [
    "Surname",
    "Forename",
    "UPN",
    "Year",
    "Form",
    "SEN status",
    "Status",
    "Review due",
    "Last review",
    "Last review kind",
    "Due date",
    "Annual review due",
    "Days late",
]


def _csv_row(row: due.DueRow) -> list[str]:
    judgement = row.judgement
    pupil = row.pupil

    def day(value: Any) -> str:
        return f"{value:%d/%m/%Y}" if value is not None else ""

    cells = [
        pupil.surname,
        pupil.forename,
        pupil.upn,
        pupil.nc_year,
        pupil.form,
        row.kind_label,
        judgement.label,
        row.review_label if judgement.due else "",
        day(row.last_review_on),
        row.last_review_label,
        day(judgement.due),
        day(judgement.annual_due),
        str(judgement.days_late) if judgement.days_late else "",
    ]
    return [neutralise(cell) for cell in cells]


def reviews_due_export(request: SchoolRequest, urn: str) -> HttpResponse:
    """The page's rows, in its order and with its filters, as CSV."""
    found, _ = _found(request)
    _audit(request, found, "CSV download")
    stream = io.StringIO()
    writer = csv.writer(stream, lineterminator="\r\n")
    writer.writerow(HEADINGS)
    for row in found.rows:
        writer.writerow(_csv_row(row))
    response = HttpResponse(
        ("\ufeff" + stream.getvalue()).encode("utf-8"), content_type="text/csv; charset=utf-8"
    )
    filename = f"reviews-due-{request.access.school.urn}-{today():%Y-%m-%d}.csv"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


urlpatterns = [
    path("school/<str:urn>/reviews/", reviews_due_page, name="reviews_due"),
    path("school/<str:urn>/reviews/export.csv", reviews_due_export, name="reviews_due_export"),
]

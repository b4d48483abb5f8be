"""Reads of the pupil register for pages: finding pupils, and everything the register holds
about one pupil. Each function costs a fixed number of queries.

Who may see which pupil is decided by the caller (accounts.permissions), which passes the
resulting filter in as `visible`: this app does not know about users and roles.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from itertools import groupby

from django.db.models import Prefetch, Q, QuerySet

from provmap.pupils.models import (
    VULNERABLE_GROUP_FLAGS,
    Measure,
    Pupil,
    PupilNeed,
    Result,
    SENStatusPeriod,
)

GROUP_LABELS = dict(VULNERABLE_GROUP_FLAGS)


def on_roll_between(start: dt.date, end: dt.date) -> Q:
    """Pupils on roll at some point between `start` and `end`."""
    return Q(on_roll_from__lte=end) & (Q(on_roll_to__isnull=True) | Q(on_roll_to__gte=start))


@dataclass(frozen=True)
class PupilSearch:
    """What a user typed and chose to find pupils: words of a name or a UPN, and the groups
    a SENCO picks pupils by. Empty means 'any'; every flag in `groups` must hold."""

    text: str = ""
    nc_year: str = ""
    form: str = ""
    sex: str = ""
    sen_status: str = ""
    need_type: str = ""
    groups: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not (
            self.text.strip()
            or self.nc_year
            or self.form
            or self.sex
            or self.sen_status
            or self.need_type
            or self.groups
        )

    def condition(self) -> Q:
        condition = Q()
        for word in self.text.split():
            condition &= (
                Q(legal_forename__icontains=word)
                | Q(preferred_forename__icontains=word)
                | Q(surname__icontains=word)
                | Q(upn__icontains=word)
            )
        for name in ("nc_year", "form", "sex", "sen_status"):
            value = getattr(self, name)
            if value:
                condition &= Q(**{name: value})
        if self.need_type:
            condition &= Q(
                pk__in=PupilNeed.objects.current().filter(need_type=self.need_type).values("pupil")
            )
        for flag in self.groups:
            if flag in GROUP_LABELS:
                condition &= Q(**{flag: True})
        return condition


def search_pupils(
    pupils: QuerySet[Pupil], search: PupilSearch, *, limit: int
) -> tuple[list[Pupil], int]:
    """The first `limit` pupils of `pupils` matching `search` (by name), with their needs,
    and how many match in all. Two or three queries, whatever the number of pupils."""
    matching = pupils.filter(search.condition())
    total = matching.count()
    found = list(
        matching.order_by("surname", "legal_forename", "pk").prefetch_related(
            Prefetch("needs", queryset=PupilNeed.objects.current().order_by("rank"))
        )[:limit]
    )
    return found, total


@dataclass
class PupilRecord:
    """What the register holds about one pupil: needs, SEN history, flags and results."""

    pupil: Pupil
    needs: list[PupilNeed]  # current, primary first
    sen_history: list[SENStatusPeriod]
    results: list[Result]
    flags: list[str] = field(default_factory=list)
    past_needs: list[PupilNeed] = field(default_factory=list)  # ended, latest first

    def without_results(self, result_ids: set[int]) -> PupilRecord:
        """The record without the results `result_ids` (those of runs not seen in full)."""
        if not result_ids:
            return self
        kept = [result for result in self.results if result.pk not in result_ids]
        return replace(self, results=kept)

    @property
    def results_by_measure(self) -> list[tuple[Measure, list[Result]]]:
        """Results grouped by measure (measures by name, results oldest first)."""
        ordered = sorted(self.results, key=lambda r: (r.measure.name, r.date, r.pk))
        return [
            (measure, list(items))
            for measure, items in groupby(ordered, key=lambda result: result.measure)
        ]


def pupil_record(school_id: int, pupil_id: int, visible: Q) -> PupilRecord | None:
    """One pupil of the school, if `visible` lets the caller see them. Four queries."""
    pupil = (
        Pupil.objects.filter(school_id=school_id, pk=pupil_id)
        .filter(pk__in=Pupil.objects.filter(school_id=school_id).filter(visible).values("pk"))
        .first()
    )
    if pupil is None:
        return None
    all_needs = list(PupilNeed.objects.filter(pupil=pupil).order_by("rank"))
    needs = [need for need in all_needs if need.end_date is None]
    past = sorted(
        (need for need in all_needs if need.end_date is not None),
        key=lambda need: need.end_date or dt.date.min,
        reverse=True,
    )
    history = list(SENStatusPeriod.objects.filter(pupil=pupil).order_by("-start_date"))
    results = list(
        Result.objects.filter(pupil=pupil).select_related("measure").order_by("measure__name")
    )
    flags = [label for name, label in VULNERABLE_GROUP_FLAGS if getattr(pupil, name)]
    return PupilRecord(
        pupil=pupil,
        needs=needs,
        sen_history=history,
        results=results,
        flags=flags,
        past_needs=past,
    )

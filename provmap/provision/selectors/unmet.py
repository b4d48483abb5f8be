"""Pupils with a need and no provision in a term: those on SEN support or with an EHC plan
(or, if asked, anyone with a recorded need) who were on roll in the term and have no
placement overlapping it. Three queries, whatever the number of pupils."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from django.db.models import Prefetch, Q

from provmap.provision.models import Placement, ProvisionRun
from provmap.provision.selectors.visibility import Visibility
from provmap.pupils.models import (
    NC_YEAR_ORDER,
    VULNERABLE_GROUP_FLAGS,
    NCYear,
    Pupil,
    PupilNeed,
    SENStatus,
)
from provmap.pupils.selectors import on_roll_between
from provmap.schools.models import School, Term

# Who counts as having a need, as the page offers it.
ON_THE_REGISTER = "register"
ANY_NEED = "any"
NEED_CHOICES = [
    (ON_THE_REGISTER, "SEN support or EHC plan"),
    (SENStatus.SUPPORT.value, "SEN support"),
    (SENStatus.EHC_PLAN.value, "EHC plan"),
    (ANY_NEED, "Any recorded need or SEN status"),
]
GROUP_FLAGS = dict(VULNERABLE_GROUP_FLAGS)


@dataclass(frozen=True)
class UnmetFilters:
    """Which pupils with a need to look for: `need` one of NEED_CHOICES' codes, a year
    group, and flags that must all hold."""

    need: str = ON_THE_REGISTER
    nc_year: str = ""
    groups: tuple[str, ...] = ()

    def condition(self) -> Q:
        registered = Q(sen_status__in=[SENStatus.SUPPORT, SENStatus.EHC_PLAN])
        if self.need == ANY_NEED:
            condition = registered | Q(pk__in=PupilNeed.objects.current().values("pupil"))
        elif self.need in (SENStatus.SUPPORT, SENStatus.EHC_PLAN):
            condition = Q(sen_status=self.need)
        else:
            condition = registered
        if self.nc_year:
            condition &= Q(nc_year=self.nc_year)
        for flag in self.groups:
            if flag in GROUP_FLAGS:
                condition &= Q(**{flag: True})
        return condition


@dataclass
class UnmetNeed:
    """The pupils found, by name, and the runs of the term they could join."""

    term: Term
    pupils: list[Pupil]
    runs: list[ProvisionRun] = field(default_factory=list)

    @property
    def by_year_group(self) -> list[tuple[str, str, int]]:
        """(year group, its name, how many pupils), in school order."""
        counts = Counter(pupil.nc_year for pupil in self.pupils)
        labels = dict(NCYear.choices)
        return [
            (code, labels.get(code, code), count)
            for code, count in sorted(
                counts.items(), key=lambda pair: NC_YEAR_ORDER.get(pair[0], 99)
            )
        ]


def provision_in_term(term: Term) -> Q:
    """Placements (not withdrawn) whose dates, and their run's, overlap the term."""
    return (
        Q(start_date__lte=term.end_date)
        & (Q(end_date__isnull=True) | Q(end_date__gte=term.start_date))
        & Q(run__start_date__lte=term.end_date, run__end_date__gte=term.start_date)
        & ~Q(status=Placement.Status.WITHDRAWN)
    )


def pupils_without_provision(
    school: School,
    term: Term,
    scope: Visibility,
    *,
    filters: UnmetFilters | None = None,
    with_runs: bool = False,
) -> UnmetNeed:
    """The pupils `scope` may see (never an archived leaver) on roll in `term` who match
    `filters` and have no placement overlapping the term, with their needs; with
    `with_runs`, the term's runs not closed (to add them to). Three queries at most."""
    filters = filters or UnmetFilters()
    visible = Pupil.objects.filter(school=school).visible_to(scope).values("pk")
    provided = Placement.objects.filter(school=school).filter(provision_in_term(term))
    pupils = list(
        Pupil.objects.filter(school=school, pk__in=visible)
        .filter(on_roll_between(term.start_date, term.end_date))
        .filter(filters.condition())
        .exclude(pk__in=provided.values("pupil"))
        .prefetch_related(Prefetch("needs", queryset=PupilNeed.objects.current().order_by("rank")))
        .order_by("surname", "legal_forename", "pk")
    )
    runs: list[ProvisionRun] = []
    if with_runs:
        runs = list(
            ProvisionRun.objects.filter(
                school=school, start_date__lte=term.end_date, end_date__gte=term.start_date
            )
            .exclude(status=ProvisionRun.Status.CLOSED)
            .select_related("provision")
            .order_by("provision__name", "label", "pk")
        )
    return UnmetNeed(term=term, pupils=pupils, runs=runs)

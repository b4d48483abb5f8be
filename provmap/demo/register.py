"""The demo school's register: every pupil, this year's and last year's leavers.

Proportions follow national figures for English secondary schools: about 13.5% on SEN
support, 4.5% with an EHC plan, a quarter disadvantaged, a fifth with English as an
additional language. Group sizes are drawn as exact quotas per year group (so the figures hold
for any seed), and who falls in each group is weighted by a hidden general ability, so that
SEN and disadvantaged pupils score lower on average, as they do nationally.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from provmap.demo.attainment import Traits, set_initial_levels
from provmap.demo.names import ETHNICITIES, SHORT_FORMS, Heritage
from provmap.demo.school_calendar import YearDates, year_dates, year_group_birth_range
from provmap.pupils.models import VULNERABLE_GROUP_FIELDS, Pupil, SENStatus
from provmap.pupils.needs import NeedType
from provmap.pupils.services import (
    NewPupil,
    pupil_set_needs,
    pupil_set_sen_status,
    pupils_bulk_create,
)
from provmap.pupils.upn import make_upn
from provmap.schools.models import School

N = NeedType
T = TypeVar("T")
SECONDARY_YEARS = (7, 8, 9, 10, 11)
# Relative sizes of the year groups (a growing school: slightly larger lower years).
YEAR_GROUP_SIZE = {7: 1.04, 8: 1.02, 9: 1.0, 10: 0.98, 11: 0.96}
LEAVERS_SIZE = 0.95
PUPILS_PER_FORM = 27
FORM_LETTERS = "ABCDEFGHJKLMNPRSTUVW"
# Each year group's UPN serials are three digits.
MAX_YEAR_GROUP = 999

# Shares of each year group (the national picture for secondary schools).
EHC_SHARE = 0.045
SEN_SUPPORT_SHARE = 0.136
EVER6_SHARE = 0.235
LOOKED_AFTER_SHARE = 0.0075
PREVIOUSLY_LOOKED_AFTER_SHARE = 0.005
YOUNG_CARER_SHARE = 0.02
MORE_ABLE_SHARE = 0.10
AT_RISK_SHARE = 0.03
JOINED_LATE_SHARE = 0.03

# Primary needs, as (need, weight): secondary-school mix, autism more common with a plan.
SUPPORT_NEEDS = (
    (N.SEMH, 24),
    (N.SPLD, 16),
    (N.SLCN, 15),
    (N.ASD, 17),
    (N.MLD, 13),
    (N.NSA, 6),
    (N.OTH, 3),
    (N.PD, 2),
    (N.HI, 1.5),
    (N.VI, 1),
    (N.MSI, 0.3),
    (N.SLD, 0.7),
)
EHC_NEEDS = (
    (N.ASD, 38),
    (N.SEMH, 19),
    (N.SLCN, 12),
    (N.MLD, 9),
    (N.SPLD, 4),
    (N.SLD, 4),
    (N.PD, 5),
    (N.HI, 3),
    (N.VI, 2),
    (N.OTH, 2.5),
    (N.PMLD, 0.5),
    (N.MSI, 1),
)
# Needs that often come second, given the first.
SECOND_NEEDS: dict[str, tuple[str, ...]] = {
    N.ASD: (N.SEMH, N.SLCN, N.MLD),
    N.SEMH: (N.SLCN, N.ASD, N.SPLD),
    N.SLCN: (N.MLD, N.SPLD, N.SEMH),
    N.SPLD: (N.SLCN, N.SEMH),
    N.MLD: (N.SLCN, N.SEMH, N.PD),
    N.SLD: (N.SLCN, N.PD),
    N.PD: (N.MLD, N.SEMH),
    N.HI: (N.SLCN,),
    N.VI: (N.PD,),
    N.PMLD: (N.PD, N.VI),
    N.MSI: (N.SLCN,),
    N.OTH: (N.SEMH,),
}
EAL_STAGES = ((1, 6), (2, 10), (3, 20), (4, 30), (5, 34))


@dataclass(eq=False)
class DemoPupil:
    """A pupil as the generator sees them: register fields, SEN history and hidden levels."""

    upn: str
    mis_id: str
    legal_forename: str
    preferred_forename: str
    surname: str
    date_of_birth: dt.date
    sex: str
    nc_year: int  # in `record_year` (this year, or the year a leaver left)
    record_year: int
    form: str
    ethnicity: str
    first_language: str
    flags: dict[str, bool]
    on_roll_from: dt.date
    on_roll_to: dt.date | None
    status: SENStatus  # now, or when they left
    needs: tuple[str, ...]  # ranked needs while on the SEN register
    traits: Traits
    first_status: str = SENStatus.NONE
    changes: list[tuple[dt.date, str]] = field(default_factory=list)
    index: int = -1  # position in the school's list of pupils
    record: Pupil | None = None

    @property
    def needs_now(self) -> tuple[str, ...]:
        return self.needs if self.status != SENStatus.NONE else ()

    def flag(self, name: str) -> bool:
        return self.flags.get(name, False)

    def status_on(self, day: dt.date) -> str:
        status = self.first_status
        for start, new in self.changes:
            if start <= day:
                status = new
        return status

    def on_roll(self, day: dt.date) -> bool:
        return self.on_roll_from <= day and (self.on_roll_to is None or day <= self.on_roll_to)

    def year_in(self, start_year: int) -> int:
        return self.nc_year - (self.record_year - start_year)


def weighted_sample(rng: random.Random, weights: Sequence[float], k: int) -> list[int]:
    """Indices of `k` items drawn without replacement, each with chance growing with its
    weight (Efraimidis and Spirakis: the k largest u ** (1 / w))."""
    keys = [
        (math.log(rng.random() or 1e-12) / weight if weight > 0 else -math.inf, index)
        for index, weight in enumerate(weights)
    ]
    keys.sort(reverse=True)
    return sorted(index for _, index in keys[:k])


def weighted_choice(rng: random.Random, options: Sequence[tuple[T, float]]) -> T:
    total = sum(weight for _, weight in options)
    point = rng.random() * total
    for value, weight in options:
        point -= weight
        if point < 0:
            return value
    return options[-1][0]


def year_group_sizes(total: int) -> dict[int, int]:
    """Sizes of Years 7-11 adding up to `total`."""
    scale = total / sum(YEAR_GROUP_SIZE.values())
    sizes = {year: round(share * scale) for year, share in YEAR_GROUP_SIZE.items()}
    sizes[9] += total - sum(sizes.values())
    return sizes


@dataclass
class _Draft:
    """A pupil before the group quotas have been drawn."""

    sex: str
    general: float
    heritage: Heritage
    ethnicity: str
    eal_stage: int | None
    language: str
    flags: dict[str, bool] = field(default_factory=dict)
    status: SENStatus = SENStatus.NONE
    needs: tuple[str, ...] = ()


def _draft(rng: random.Random) -> _Draft:
    ethnicity, heritage, eal_chance = weighted_choice(
        rng, [((code, heritage, eal), weight) for code, heritage, weight, eal in ETHNICITIES]
    )
    eal_stage: int | None = None
    language = "ENG"
    if rng.random() < eal_chance:
        eal_stage = weighted_choice(rng, EAL_STAGES)
        # "OTB": believed to be other than English, where the family has not said which.
        language = weighted_choice(rng, heritage.languages) if heritage.languages else "OTB"
    return _Draft(
        sex="F" if rng.random() < 0.5 else "M",
        general=rng.gauss(0, 1),
        heritage=heritage,
        ethnicity=ethnicity,
        eal_stage=eal_stage,
        language=language,
    )


def _needs(rng: random.Random, status: str) -> tuple[str, ...]:
    primary: str = weighted_choice(
        rng, EHC_NEEDS if status == SENStatus.EHC_PLAN else SUPPORT_NEEDS
    )
    second_chance = 0.55 if status == SENStatus.EHC_PLAN else 0.3
    if primary == N.NSA or primary not in SECOND_NEEDS or rng.random() >= second_chance:
        return (primary,)
    return (primary, rng.choice(SECOND_NEEDS[primary]))


def _draw_groups(rng: random.Random, drafts: list[_Draft]) -> None:
    """Draw SEN status, needs and vulnerable groups as exact quotas of one year group."""
    n = len(drafts)

    def quota(share: float) -> int:
        return round(share * n)

    boys = [1.0 + 0.8 * (draft.sex == "M") for draft in drafts]
    for index in weighted_sample(
        rng,
        [math.exp(-1.1 * d.general) * b for d, b in zip(drafts, boys, strict=True)],
        quota(EHC_SHARE),
    ):
        drafts[index].status = SENStatus.EHC_PLAN
    weights = [
        0.0 if d.status != SENStatus.NONE else math.exp(-0.9 * d.general) * b
        for d, b in zip(drafts, boys, strict=True)
    ]
    for index in weighted_sample(rng, weights, quota(SEN_SUPPORT_SHARE)):
        drafts[index].status = SENStatus.SUPPORT
    for draft in drafts:
        if draft.status != SENStatus.NONE:
            draft.needs = _needs(rng, draft.status)

    def draw(name: str, share: float, weight_of: Callable[[_Draft], float]) -> None:
        weights = [weight_of(d) for d in drafts]
        for index in weighted_sample(rng, weights, quota(share)):
            drafts[index].flags[name] = True

    sen = {SENStatus.SUPPORT: 1.8, SENStatus.EHC_PLAN: 2.0}
    draw("ever6_fsm", EVER6_SHARE, lambda d: math.exp(-0.45 * d.general) * sen.get(d.status, 1))
    draw("looked_after", LOOKED_AFTER_SHARE, lambda d: sen.get(d.status, 1) ** 2)
    draw(
        "previously_looked_after",
        PREVIOUSLY_LOOKED_AFTER_SHARE,
        lambda d: 0.0 if d.flags.get("looked_after") else sen.get(d.status, 1),
    )
    draw("young_carer", YOUNG_CARER_SHARE, lambda d: 1 + d.flags.get("ever6_fsm", False))
    draw(
        "more_able",
        MORE_ABLE_SHARE,
        lambda d: math.exp(2.2 * d.general) * (0.2 if d.status != SENStatus.NONE else 1),
    )
    draw(
        "at_risk_of_exclusion",
        AT_RISK_SHARE,
        lambda d: (
            (6 if N.SEMH in d.needs else 1)
            * (2 if d.sex == "M" else 1)
            * (2 if d.flags.get("ever6_fsm") else 1)
            * math.exp(-0.3 * d.general)
        ),
    )
    for draft in drafts:
        flags = draft.flags
        flags["fsm"] = flags.get("ever6_fsm", False) and rng.random() < 0.78
        flags["pupil_premium"] = any(
            flags.get(name, False)
            for name in ("ever6_fsm", "looked_after", "previously_looked_after")
        )
        flags["eal"] = draft.eal_stage is not None


@dataclass(frozen=True)
class Cohort:
    nc_year: int
    record_year: int  # the academic year in which they are in `nc_year`
    size: int
    leaving: dt.date | None  # last day on roll, for last year's Year 11


def plan_register(
    rng: random.Random,
    *,
    la_code: str,
    estab_code: str,
    pupils: int,
    current: YearDates,
    previous: YearDates,
    today: dt.date,
) -> list[DemoPupil]:
    """Every pupil of one school: Years 7-11 now (about `pupils`), and last year's Year 11,
    who left at the end of that year."""
    sizes = year_group_sizes(pupils)
    cohorts = [Cohort(year, current.start_year, sizes[year], None) for year in SECONDARY_YEARS] + [
        Cohort(11, previous.start_year, round(sizes[11] * LEAVERS_SIZE), previous.end)
    ]
    if max(cohort.size for cohort in cohorts) > MAX_YEAR_GROUP:
        raise ValueError(
            f"At most {MAX_YEAR_GROUP} pupils a year group (about "
            f"{MAX_YEAR_GROUP * 5} a school): UPN serials have three digits."
        )
    plans: list[DemoPupil] = []
    for cohort in cohorts:
        plans.extend(
            _plan_cohort(
                rng,
                cohort,
                la_code=la_code,
                estab_code=estab_code,
                previous=previous,
                today=today,
                first_mis_id=10001 + len(plans),
            )
        )
    _plan_sen_history(rng, plans, previous)
    for index, plan in enumerate(plans):
        plan.index = index
    return plans


def _plan_cohort(
    rng: random.Random,
    cohort: Cohort,
    *,
    la_code: str,
    estab_code: str,
    previous: YearDates,
    today: dt.date,
    first_mis_id: int,
) -> list[DemoPupil]:
    drafts = [_draft(rng) for _ in range(cohort.size)]
    _draw_groups(rng, drafts)
    born_from, born_to = year_group_birth_range(cohort.nc_year, cohort.record_year)
    days_of_births = (born_to - born_from).days
    year7_start = cohort.record_year - (cohort.nc_year - 7)
    joined = year_dates(year7_start).terms[0].start
    reception_year = cohort.record_year - cohort.nc_year
    # One letter a form: a year group larger than the letters allow has larger forms.
    forms = min(len(FORM_LETTERS), max(1, round(cohort.size / PUPILS_PER_FORM)))
    form_order = list(range(cohort.size))
    rng.shuffle(form_order)
    late = set()
    if cohort.leaving is None and cohort.nc_year > 7:
        late = set(rng.sample(range(cohort.size), round(JOINED_LATE_SHARE * cohort.size)))
    late_from = previous.terms[0].start + dt.timedelta(days=21)
    late_to = today - dt.timedelta(days=1)
    plans = []
    for index, draft in enumerate(drafts):
        girls = draft.sex == "F"
        forename = rng.choice(draft.heritage.girls if girls else draft.heritage.boys)
        preferred = SHORT_FORMS.get(forename, "") if rng.random() < 0.35 else ""
        on_roll_from = joined
        if index in late and late_to > late_from:
            on_roll_from = _school_day(
                late_from + dt.timedelta(days=rng.randrange((late_to - late_from).days)),
                earliest=late_from,
                latest=late_to,
            )
        traits = Traits(
            date_of_birth=born_from + dt.timedelta(days=rng.randrange(days_of_births + 1)),
            needs=draft.needs,
            male=not girls,
            disadvantaged=draft.flags["pupil_premium"],
            eal_stage=draft.eal_stage,
            at_risk=draft.flags.get("at_risk_of_exclusion", False),
            young_carer=draft.flags.get("young_carer", False),
            looked_after=draft.flags.get("looked_after", False)
            or draft.flags.get("previously_looked_after", False),
            general=draft.general,
        )
        set_initial_levels(traits, rng)
        plans.append(
            DemoPupil(
                upn=make_upn(la_code, estab_code, reception_year, index + 1),
                mis_id=str(first_mis_id + index),
                legal_forename=forename,
                preferred_forename=preferred,
                surname=rng.choice(draft.heritage.surnames),
                date_of_birth=traits.date_of_birth,
                sex=draft.sex,
                nc_year=cohort.nc_year,
                record_year=cohort.record_year,
                form=f"{cohort.nc_year}{FORM_LETTERS[form_order[index] % forms]}",
                ethnicity=draft.ethnicity,
                first_language=draft.language,
                flags=dict(draft.flags),
                on_roll_from=on_roll_from,
                on_roll_to=cohort.leaving,
                status=draft.status,
                needs=draft.needs,
                traits=traits,
                first_status=draft.status,
            )
        )
    return plans


def _school_day(day: dt.date, *, earliest: dt.date, latest: dt.date) -> dt.date:
    """The first weekday in term time on or after `day`, kept within earliest..latest."""
    if day.month == 8:
        day = year_dates(day.year).terms[0].start
    while day.weekday() > 4:
        day += dt.timedelta(days=1)
    return day if earliest <= day <= latest else earliest


def _plan_sen_history(rng: random.Random, plans: list[DemoPupil], previous: YearDates) -> None:
    """Changes of SEN status during last year: some pupils were identified (N to K), some
    were issued an EHC plan (K to E), a few no longer needed support (K to N)."""
    window_start = previous.terms[0].start + dt.timedelta(days=35)
    window_days = (previous.end - dt.timedelta(days=20) - window_start).days

    def change_day(pupil: DemoPupil) -> dt.date | None:
        day = window_start + dt.timedelta(days=rng.randrange(window_days))
        while day.weekday() > 4:
            day += dt.timedelta(days=1)
        return day if day > pupil.on_roll_from else None

    for pupil in plans:
        if pupil.on_roll_to is not None or pupil.nc_year == 7:
            continue
        chance, before = {
            SENStatus.SUPPORT: (0.10, SENStatus.NONE),
            SENStatus.EHC_PLAN: (0.15, SENStatus.SUPPORT),
            SENStatus.NONE: (0.02, SENStatus.SUPPORT),
        }[pupil.status]
        if rng.random() >= chance:
            continue
        day = change_day(pupil)
        if day is None:
            continue
        if before == SENStatus.SUPPORT and not pupil.needs:
            pupil.needs = _needs(rng, SENStatus.SUPPORT)
            pupil.traits.needs = pupil.needs
        pupil.first_status = before
        pupil.changes.append((day, pupil.status))


def write_register(school: School, plans: list[DemoPupil]) -> list[Pupil]:
    """Save the planned pupils and replay their SEN history through the pupil services."""
    records = pupils_bulk_create(
        school=school,
        pupils=[
            NewPupil(
                upn=plan.upn,
                legal_forename=plan.legal_forename,
                surname=plan.surname,
                date_of_birth=plan.date_of_birth,
                sex=plan.sex,
                nc_year=str(plan.nc_year),
                on_roll_from=plan.on_roll_from,
                sen_status=plan.first_status,
                needs=plan.needs if plan.first_status != SENStatus.NONE or plan.changes else (),
                details={
                    "mis_id": plan.mis_id,
                    "preferred_forename": plan.preferred_forename,
                    "form": plan.form,
                    "ethnicity": plan.ethnicity,
                    "first_language": plan.first_language,
                    "on_roll_to": plan.on_roll_to,
                    **{name: plan.flag(name) for name in VULNERABLE_GROUP_FIELDS},
                },
            )
            for plan in plans
        ],
    )
    for plan, record in zip(plans, records, strict=True):
        plan.record = record
        for day, status in plan.changes:
            pupil_set_sen_status(pupil=record, status=status, start_date=day)
        if plan.changes and plan.status == SENStatus.NONE:
            pupil_set_needs(pupil=record, need_types=[])
    return records

"""The demo school's money: funding streams with a budget each year, and the costs that
belong to no pupil (management time, administration, training, materials)."""

from __future__ import annotations

import random
from collections.abc import Iterable
from decimal import Decimal

from provmap.demo.register import DemoPupil
from provmap.demo.school_calendar import YearDates
from provmap.demo.staffing import StaffRoom
from provmap.provision.models import GeneralResource
from provmap.provision.services import general_resource_create
from provmap.pupils.models import SENStatus
from provmap.schools.models import AcademicYear, FundingBudget, FundingStream, School
from provmap.schools.services import funding_stream_create

Kind = FundingStream.Kind

STREAMS: tuple[tuple[FundingStream.Kind, str], ...] = (
    (Kind.NOTIONAL_SEN, "Notional SEN budget"),
    (Kind.PUPIL_PREMIUM, "Pupil premium"),
    (Kind.HIGH_NEEDS, "High-needs top-up (element 3)"),
    (Kind.CORE, "Core school budget"),
)
# Secondary pupil premium per Ever-6 FSM pupil, and per looked-after or previously
# looked-after child, by the September the year starts (latest known rates carry forward).
PUPIL_PREMIUM_RATES: dict[int, tuple[int, int]] = {
    2023: (1035, 2570),
    2024: (1050, 2570),
    2025: (1075, 2630),
}
# Notional SEN budget per pupil on roll (formula funding varies by LA; this is typical).
NOTIONAL_SEN_PER_PUPIL = 390
# Annual element 3 top-up bands a local authority might pay for a pupil with an EHC plan.
TOP_UP_BANDS = (2100, 3600, 5300, 7400, 9900)
CORE_CONTRIBUTION = 45000


def create_streams(school: School) -> dict[str, FundingStream]:
    return {
        kind: funding_stream_create(school=school, name=name, kind=kind) for kind, name in STREAMS
    }


def _pupil_premium_rates(start_year: int) -> tuple[int, int]:
    known = [year for year in PUPIL_PREMIUM_RATES if year <= start_year]
    return PUPIL_PREMIUM_RATES[max(known) if known else min(PUPIL_PREMIUM_RATES)]


def create_budgets(
    school: School,
    rng: random.Random,
    *,
    streams: dict[str, FundingStream],
    year: AcademicYear,
    dates: YearDates,
    pupils: Iterable[DemoPupil],
) -> None:
    """A budget for each stream, worked out from the pupils on roll at the start of the
    year, as the funding itself is."""
    census_day = dates.terms[0].start
    roll = [pupil for pupil in pupils if pupil.on_roll(census_day)]
    per_pupil, per_child_in_care = _pupil_premium_rates(dates.start_year)
    ever6 = sum(
        pupil.flag("ever6_fsm")
        and not (pupil.flag("looked_after") or pupil.flag("previously_looked_after"))
        for pupil in roll
    )
    in_care = sum(
        pupil.flag("looked_after") or pupil.flag("previously_looked_after") for pupil in roll
    )
    with_plan = sum(pupil.status_on(census_day) == SENStatus.EHC_PLAN for pupil in roll)
    amounts = {
        Kind.NOTIONAL_SEN: round(len(roll) * NOTIONAL_SEN_PER_PUPIL, -3),
        Kind.PUPIL_PREMIUM: ever6 * per_pupil + in_care * per_child_in_care,
        Kind.HIGH_NEEDS: sum(rng.choice(TOP_UP_BANDS) for _ in range(with_plan)),
        Kind.CORE: CORE_CONTRIBUTION,
    }
    FundingBudget.objects.bulk_create(
        FundingBudget(
            school=school,
            stream=streams[kind],
            academic_year=year,
            amount=Decimal(amounts[kind]),
        )
        for kind, _ in STREAMS
    )


def create_general_resources(
    school: School,
    *,
    year: AcademicYear,
    streams: dict[str, FundingStream],
    staff: StaffRoom,
    inflation: Decimal,
) -> None:
    """Costs of running SEND that belong to no pupil, for one year."""
    sen = streams[Kind.NOTIONAL_SEN]
    posts = staff.posts

    def money(amount: int) -> Decimal:
        return (Decimal(amount) * inflation).quantize(Decimal("1"))

    Kind_ = GeneralResource.Kind
    general_resource_create(
        school=school,
        academic_year=year,
        name="SENCO management and strategic time",
        kind=Kind_.MANAGEMENT,
        funding_stream=sen,
        staff=posts["senco"],
        hours_per_week=Decimal("12"),
        notes="Planning, line management of support staff, liaison with the local authority.",
    )
    general_resource_create(
        school=school,
        academic_year=year,
        name="Assistant SENCO coordination",
        kind=Kind_.MANAGEMENT,
        funding_stream=sen,
        staff=posts["assistant_senco"],
        hours_per_week=Decimal("5"),
    )
    general_resource_create(
        school=school,
        academic_year=year,
        name="Deputy head: inclusion leadership",
        kind=Kind_.MANAGEMENT,
        funding_stream=streams[Kind.CORE],
        staff=posts["leader"],
        hours_per_week=Decimal("2"),
    )
    general_resource_create(
        school=school,
        academic_year=year,
        name="SEND administrator (0.6 FTE)",
        kind=Kind_.ADMIN,
        funding_stream=sen,
        fixed_cost=money(15800),
        notes="Annual review paperwork, provision map upkeep, parents' meetings.",
    )
    general_resource_create(
        school=school,
        academic_year=year,
        name="Training: ELSA, precision teaching and Zones of regulation",
        kind=Kind_.TRAINING,
        funding_stream=sen,
        fixed_cost=money(3400),
    )
    general_resource_create(
        school=school,
        academic_year=year,
        name="Whole-staff SEND training (INSET)",
        kind=Kind_.TRAINING,
        funding_stream=streams[Kind.CORE],
        fixed_cost=money(1200),
    )
    general_resource_create(
        school=school,
        academic_year=year,
        name="Assessment materials (reading tests, SDQ, Boxall)",
        kind=Kind_.MATERIALS,
        funding_stream=sen,
        fixed_cost=money(2600),
    )
    general_resource_create(
        school=school,
        academic_year=year,
        name="Intervention resources and software licences",
        kind=Kind_.MATERIALS,
        funding_stream=streams[Kind.PUPIL_PREMIUM],
        fixed_cost=money(4100),
    )

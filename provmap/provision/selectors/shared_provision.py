"""The same provision across a trust's schools: for each provision (matched by its name, case
and spacing ignored) run by two or more of the schools in their current year, each school's
runs, pupils placed, cost and mean gain from entry to exit, from a fixed number of aggregate
queries whatever the number of schools, provisions or pupils (decision 75).

The gain is a plain SQL average of exit minus entry result over the placements with both on
the provision's measure (the exit not before the entry, as the impact pages keep them): a
description, not the impact estimator's comparison with similar pupils, which would cost a
model fit per provision and school. Costs are the database's totals (`totals_by`), held to
the Python costing by their own tests."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, DecimalField, ExpressionWrapper, F, Q

from provmap.provision.models import Provision
from provmap.provision.selectors.cost_totals import PENNY, totals_by
from provmap.schools.models import School

# Placements whose entry and exit results are both on the provision's measure, the exit not
# before the entry: the pairs the impact pages count (insights.selectors._with_results).
PAIRED = Q(
    baseline__measure_id=F("run__provision__measure_id"),
    exit__measure_id=F("run__provision__measure_id"),
    exit__date__gte=F("baseline__date"),
)
GAIN = ExpressionWrapper(
    F("exit__value") - F("baseline__value"),
    output_field=DecimalField(max_digits=10, decimal_places=2),
)
# Shared means run by at least this many of the trust's schools.
SHARED_BY = 2


def name_key(name: str) -> str:
    """How provisions are matched across schools: their names with case and spacing ignored
    ('Lexia  reading' and 'lexia Reading' are one provision)."""
    return " ".join(name.split()).casefold()


@dataclass(frozen=True)
class SchoolProvision:
    """One school's provision of that name in its current year."""

    school: School
    provision_id: int
    name: str
    runs: int
    placed: int
    cost: Decimal
    # Placements with entry and exit results on the measure, and the mean of exit - entry.
    paired: int
    mean_gain: Decimal | None
    measure_name: str
    measure_scale: str
    higher_is_better: bool

    @property
    def cost_per_pupil(self) -> Decimal | None:
        """The year's cost of its runs per pupil placed in them (None when nobody is)."""
        if not self.placed:
            return None
        return (self.cost / self.placed).quantize(PENNY, rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class SharedProvision:
    """A provision run by two or more schools: each school's line, by school name."""

    name: str
    lines: list[SchoolProvision]

    @property
    def schools(self) -> int:
        return len({line.school.pk for line in self.lines})


def _mean(value: object) -> Decimal | None:
    """The database's average to the hundredth (SQLite gives a float, PostgreSQL a numeric)."""
    if value is None:
        return None
    return Decimal(str(value)).quantize(PENNY, rounding=ROUND_HALF_UP)


def school_provisions(schools: Sequence[School], year_ids: Sequence[int]) -> list[SchoolProvision]:
    """Every provision with a run in its school's current year (`year_ids`), with its figures:
    the database's totals by provision with the gain taken in their pass over the placements
    (three aggregate queries, `totals_by`), then the provisions' names and measures (one)."""
    by_pk = {school.pk: school for school in schools}
    in_years = {"academic_year_id__in": list(year_ids), "school_id__in": list(by_pk)}
    totals = totals_by(
        in_years,
        by="provision",
        placement_figures={
            "paired": Count("pk", filter=PAIRED),
            "gain": Avg(GAIN, filter=PAIRED),
        },
    )
    provisions = Provision.objects.filter(pk__in=list(totals)).values_list(
        "pk",
        "name",
        "school_id",
        "measure__name",
        "measure__scale",
        "measure__higher_is_better",
    )
    lines = []
    for pk, name, school_id, measure, scale, higher in provisions:
        found = totals[pk]
        paired = found.figures["paired"] or 0
        lines.append(
            SchoolProvision(
                school=by_pk[school_id],
                provision_id=pk,
                name=name,
                runs=found.runs,
                placed=found.placed,
                cost=found.cost,
                paired=paired,
                mean_gain=_mean(found.figures["gain"]) if paired else None,
                measure_name=measure or "",
                measure_scale=scale or "",
                higher_is_better=higher is not False,
            )
        )
    return lines


def shared_provisions(schools: Sequence[School], year_ids: Sequence[int]) -> list[SharedProvision]:
    """The provisions run by at least two of `schools` in their current years, those run by
    the most schools first (then by name), each with its schools' lines by school name."""
    found: dict[str, list[SchoolProvision]] = defaultdict(list)
    for line in school_provisions(schools, year_ids):
        found[name_key(line.name)].append(line)
    shared = []
    for lines in found.values():
        lines.sort(key=lambda line: (line.school.name, line.school.pk, line.provision_id))
        item = SharedProvision(name=" ".join(lines[0].name.split()), lines=lines)
        if item.schools >= SHARED_BY:
            shared.append(item)
    shared.sort(key=lambda item: (-item.schools, name_key(item.name)))
    return shared

"""`manage.py impact`: what works, per provision, as a table or as JSON.

Figures only (no pupil is named), so the output may be shared with leaders and governors.
"""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

from django.core.management.base import CommandError, CommandParser

from provmap.insights.effects import EffectSize
from provmap.insights.selectors import ProvisionImpact, provision_impacts
from provmap.schools.commands import AllSchoolsCommand
from provmap.schools.models import AcademicYear, School


def _number(value: float | None, places: int = 3) -> float | None:
    return None if value is None else round(value, places)


def _interval(effect: EffectSize | None) -> list[float | None]:
    if effect is None:
        return [None, None]
    return [_number(effect.low), _number(effect.high)]


def _money(amount: Decimal | None) -> str | None:
    return None if amount is None else str(amount)


def _months(value: tuple[int, int] | None) -> list[int] | None:
    return None if value is None else list(value)


def _price(value: tuple[Decimal, Decimal | None] | None) -> list[str | None] | None:
    return None if value is None else [_money(value[0]), _money(value[1])]


def impact_figures(impact: ProvisionImpact) -> dict[str, Any]:
    """One provision's figures as plain JSON values (money as strings, to the penny).

    The pupils' own gains ("raw_*") describe; only the measure's model ("adjusted_*", against
    pupils in no provision on the measure, intervals by group) judges. Months and the price
    of a month are ranges from the interval's ends: [low, high], the price [cheapest,
    dearest] (dearest null: no upper limit), and only when the whole interval is above zero.
    """
    raw, adjusted = impact.raw, impact.adjusted
    return {
        "provision": impact.provision.name,
        "measure": impact.measure.name if impact.measure else None,
        "runs": len(impact.runs),
        "placed": impact.placed,
        "n": raw.n,
        "comparison_n": adjusted.n_comparison,
        "mean_gain": _number(raw.mean_gain, 2),
        "raw_effect": _number(raw.effect.value) if raw.effect else None,
        "raw_ci": _interval(raw.effect),
        "raw_sd_basis": raw.effect.sd_basis if raw.effect else None,
        "adjusted_difference": _number(adjusted.difference, 2),
        "adjusted_effect": _number(adjusted.effect.value) if adjusted.effect else None,
        "adjusted_ci": _interval(adjusted.effect),
        "adjusted_sd_basis": adjusted.effect.sd_basis if adjusted.effect else None,
        "adjusted_reason": adjusted.reason,
        "adjusted_groups": adjusted.groups,
        "adjusted_df": _number(adjusted.df, 2),
        "months": _months(impact.months_range),
        "months_basis": impact.months_basis,
        "expected": impact.expected,
        "missing": impact.missing,
        "attrition": _number(impact.attrition),
        "success_share": _number(raw.success_share),
        "ratings": raw.ratings,
        "completion_share": _number(raw.completion_share),
        "total_cost": _money(impact.total_cost),
        "cost_per_pupil": _money(impact.cost_per_pupil),
        "cost_per_month": _price(impact.cost_per_month),
        "verdict": impact.verdict.headline,
        "recommendation": impact.verdict.recommendation,
        "caveat": impact.verdict.caveat,
    }


def _effect_text(effect: EffectSize | None) -> str:
    if effect is None:
        return "-"
    return f"{effect.value:+.2f} ({effect.low:+.2f} to {effect.high:+.2f})"


def _cell(value: object) -> str:
    return "-" if value is None else str(value)


def _range(value: tuple[object, object | None] | None) -> str:
    if value is None:
        return "-"
    low, high = value
    return f"{low} to {high}" if high is not None else f"{low}+"


COLUMNS = (
    ("Provision", 28),
    ("n", 4),
    ("Gain", 6),
    ("Effect vs comparison (95% CI)", 30),
    ("Months", 9),
    ("Success", 8),
    ("£/pupil", 10),
    ("£/month", 18),
)


def _row(cells: list[str]) -> str:
    return "  ".join(
        cell[:width].ljust(width) for cell, (_, width) in zip(cells, COLUMNS, strict=True)
    ).rstrip()


class Command(AllSchoolsCommand):
    help = "Print the impact of each provision: effects, months of progress, cost and verdict."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--school", metavar="URN", help="Only this school (by URN).")
        parser.add_argument("--year", metavar="2025-26", help="Only runs of this academic year.")
        parser.add_argument("--json", action="store_true", help="Print JSON instead of a table.")

    def handle(self, *args: Any, **options: Any) -> None:
        schools = School.objects.order_by("name")
        if options["school"]:
            schools = schools.filter(urn=options["school"])
            if not schools:
                raise CommandError(f"No school has the URN {options['school']}.")

        report = []
        for school in schools:
            year = None
            if options["year"]:
                year = AcademicYear.objects.filter(school=school, name=options["year"]).first()
                if year is None:
                    if options["school"]:
                        raise CommandError(f"{school.name} has no academic year {options['year']}.")
                    continue
            impacts = provision_impacts(school, academic_year=year)
            report.append((school, year, impacts))

        if options["json"]:
            self.stdout.write(json.dumps({"schools": [self._school_json(*r) for r in report]}))
        else:
            for entry in report:
                self._print_table(*entry)

    def _school_json(
        self, school: School, year: AcademicYear | None, impacts: list[ProvisionImpact]
    ) -> dict[str, Any]:
        return {
            "urn": school.urn,
            "name": school.name,
            "academic_year": year.name if year else None,
            "provisions": [impact_figures(impact) for impact in impacts],
        }

    def _print_table(
        self, school: School, year: AcademicYear | None, impacts: list[ProvisionImpact]
    ) -> None:
        period = year.name if year else "all years"
        self.stdout.write(f"{school.name} ({school.urn}), {period}")
        if not impacts:
            self.stdout.write("  No provision was run.\n")
            return
        self.stdout.write(_row([title for title, _ in COLUMNS]))
        for impact in impacts:
            success = impact.raw.success_share
            self.stdout.write(
                _row(
                    [
                        impact.provision.name,
                        str(impact.raw.n),
                        _cell(
                            None if impact.raw.mean_gain is None else round(impact.raw.mean_gain, 1)
                        ),
                        _effect_text(impact.adjusted.effect),
                        _range(impact.months_range),
                        "-" if success is None else f"{success:.0%}",
                        _cell(impact.cost_per_pupil),
                        _range(impact.cost_per_month),
                    ]
                )
            )
            self.stdout.write(f"    {impact.verdict.headline} -> {impact.verdict.recommendation}")
            if impact.verdict.caveat:
                self.stdout.write(f"    {impact.verdict.caveat}")
        self.stdout.write("")

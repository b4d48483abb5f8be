"""A trust's schools side by side (trust leaders): pupils, SEN, provision and the year's cost
against budget, then the same provision across its schools. Counts of pupils follow the
small-number rule: a trust page is for figures, whoever reads it."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from provmap.accounts.access import TrustRequest
from provmap.accounts.models import User
from provmap.accounts.permissions import pupil_scope
from provmap.accounts.policies import Rule, rule_allows
from provmap.formatting import NOT_RECORDED
from provmap.insights import wording
from provmap.insights.disclosure import AGGREGATE, SMALL_NUMBER
from provmap.provision.selectors.shared_provision import SchoolProvision, SharedProvision
from provmap.provision.selectors.trust import trust_figures
from provmap.schools.models import School
from provmap.web.pages import today
from provmap.web.templatetags.provmap_format import gbp

# The heading of the effect column: what the figure is, and what it is not.
GAIN_HEADING = (
    "Mean gain, entry to exit (not adjusted: see each school's impact page for the "
    "comparison with similar pupils)"
)
TOO_FEW = "Too few pupils"
NO_MEASURE = "No measure set"


@dataclass(frozen=True)
class SharedCell:
    """One school's line of a shared provision as the page writes it (text made here, so
    that a trust's hundreds of lines cost the template little)."""

    school: str
    # The school's own name for the provision, when it writes it differently.
    written_as: str
    runs: int
    placed: str
    # '£50.00', 'fewer than 5 pupils' (worked out from too few), or a dash (nobody placed).
    cost_per_pupil: str
    # '+3.5 points' (to a tenth, as the impact pages), TOO_FEW when fewer than
    # SMALL_NUMBER pupils have both results, NO_MEASURE when the provision has none.
    gain: str
    gain_from: str
    measure: str
    impact_url: str | None


def _gain_words(line: SchoolProvision) -> str:
    """The mean gain in the measure's units, or TOO_FEW (one pupil's gain is theirs)."""
    if not line.measure_name:
        return NO_MEASURE
    if line.mean_gain is None or line.paired < SMALL_NUMBER:
        return TOO_FEW
    unit = wording.unit_of(line.measure_scale)
    return wording.units(wording.signed_figure(float(line.mean_gain)), unit)


def _measure_words(line: SchoolProvision) -> str:
    if not line.measure_name:
        return ""
    return line.measure_name if line.higher_is_better else f"{line.measure_name} (lower is better)"


def _cost_words(line: SchoolProvision) -> str:
    if not line.placed:
        return NOT_RECORDED
    cost = AGGREGATE.figure(line.cost_per_pupil, pupils=line.placed)
    return AGGREGATE.from_few if cost is None else gbp(cost)


def _shared_cells(
    shared: list[SharedProvision], user: User
) -> list[tuple[SharedProvision, list[SharedCell]]]:
    """Each shared provision with its schools' cells; a figure links to the school's impact
    page of the provision when the user's roles open it there (no query: the memberships
    were read once for the request)."""
    opens: dict[int, bool] = {}

    def may_open(school: School) -> bool:
        if school.pk not in opens:
            opens[school.pk] = rule_allows(Rule.SCHOOL_FIGURES, pupil_scope(user, school))
        return opens[school.pk]

    table = []
    for item in shared:
        cells = []
        for line in item.lines:
            written = " ".join(line.name.split())
            cells.append(
                SharedCell(
                    school=line.school.name,
                    written_as=written if written != item.name else "",
                    runs=line.runs,
                    placed=str(AGGREGATE.count(line.placed)),
                    cost_per_pupil=_cost_words(line),
                    gain=_gain_words(line),
                    gain_from=str(AGGREGATE.count(line.paired)),
                    measure=_measure_words(line),
                    impact_url=(
                        reverse("impact_provision", args=[line.school.urn, line.provision_id])
                        if may_open(line.school)
                        else None
                    ),
                )
            )
        table.append((item, cells))
    return table


@require_safe
def trust_dashboard(request: TrustRequest, trust_id: int) -> HttpResponse:
    trust = request.trust
    figures = trust_figures(trust, today())
    rows = []
    for line in figures.schools:
        sen = AGGREGATE.line([line.sen_support, line.ehc_plans], total=line.roll)
        rows.append(
            {
                "line": line,
                "roll": sen.total,
                "sen_support": sen.cells[0],
                "ehc_plans": sen.cells[1],
                "receiving": AGGREGATE.count(line.receiving),
            }
        )
    return render(
        request,
        "provision/trust_dashboard.html",
        {
            "trust": trust,
            "current_trust": trust,
            "figures": figures,
            "rows": rows,
            "shared": _shared_cells(figures.shared, request.user),
            "gain_heading": GAIN_HEADING,
            "too_few_minimum": SMALL_NUMBER,
            "disclosure": AGGREGATE,
            "active": "trust_dashboard",
        },
    )

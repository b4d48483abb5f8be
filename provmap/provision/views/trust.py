"""A trust's schools side by side (trust leaders): pupils, SEN, provision and the year's cost
against budget. Counts of pupils follow the small-number rule: a trust page is for figures,
whoever reads it."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from provmap.accounts.access import TrustRequest
from provmap.insights.disclosure import AGGREGATE
from provmap.provision.selectors.trust import trust_figures
from provmap.web.pages import today


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
            "disclosure": AGGREGATE,
            "active": "trust_dashboard",
        },
    )

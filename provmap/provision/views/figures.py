"""The school's figures: the year's costs cut every way, and counts of pupils; never a
pupil (governors and trust leaders see this page). Counts of fewer than five pupils, and
costs shared by so few, are written by the small-number rule for those who see no pupil."""

from __future__ import annotations

from collections import defaultdict

from django.http import HttpResponse

from provmap.accounts.access import SchoolRequest
from provmap.insights.disclosure import Cell, Disclosure
from provmap.outcomes import due
from provmap.provision import selectors
from provmap.pupils.models import NCYear
from provmap.pupils.needs import Area
from provmap.schools.models import School
from provmap.web.pages import render_school_page, today


def _sen_rows(figures: selectors.Figures, disclosure: Disclosure):
    """(code, label, on roll, in provision) with each column's counts and its total."""
    rows = figures.by_sen_status
    roll = disclosure.line([row[2] for row in rows], total=figures.roll_total)
    receiving = disclosure.line([row[3] for row in rows], total=figures.receiving_total)
    table = [
        (code, label, on_roll, placed)
        for (code, label, _, _), on_roll, placed in zip(
            rows, roll.cells, receiving.cells, strict=True
        )
    ]
    return table, roll.total, receiving.total


def _pupils_by(
    figures: selectors.Figures,
) -> tuple[dict[str, int], dict[str, int], dict[str, int]]:
    """How many pupils each area of need's, each year group's and each funding stream's cost
    is shared between (a stream's general resources belong to no pupil)."""
    areas: dict[str, set[int]] = defaultdict(set)
    years: dict[str, set[int]] = defaultdict(set)
    streams: dict[str, set[int]] = defaultdict(set)
    for share in figures.summary.shares if figures.summary else []:
        if share.area in Area.values:
            areas[Area(share.area).label].add(share.pupil_id)
        if share.nc_year in NCYear.values:
            years[NCYear(share.nc_year).label].add(share.pupil_id)
        streams[share.stream].add(share.pupil_id)
    return (
        {label: len(ids) for label, ids in areas.items()},
        {label: len(ids) for label, ids in years.items()},
        {label: len(ids) for label, ids in streams.items()},
    )


def _cost_rows(rows, pupils: dict[str, int], disclosure: Disclosure) -> list[tuple]:
    """(label, amount, share, cell): a row's cost is withheld with its count of pupils."""
    counts = [pupils.get(label, 0) for label, _, _ in rows]
    line = disclosure.line(counts, total=sum(counts))
    cells: list[Cell] = line.cells
    return [(*row, cell) for row, cell in zip(rows, cells, strict=True)]


def _reviews_on_time(
    school: School, figures: selectors.Figures, disclosure: Disclosure
) -> dict[str, object] | None:
    """The year's reviews held on time so far, under the small-number rule: not shown when
    they are about fewer than five pupils, nor when the late (or on-time) ones are so few
    that a child could be picked out."""
    if figures.summary is None:
        return None
    year = figures.summary.academic_year
    found = due.reviews_held_on_time(
        school,
        start=year.start_date,
        end=min(year.end_date, today()),
    )
    share = found.on_time / found.held if found.held else None
    shown = (
        found.held > 0
        and disclosure.figure(found, pupils=found.pupils) is not None
        and disclosure.share(share, of=found.held) is not None
    )
    return {"found": found, "shown": shown}


def figures_page(request: SchoolRequest, urn: str) -> HttpResponse:
    school, scope = request.access.school, request.access.scope
    figures = selectors.school_figures(school, today())
    disclosure = Disclosure.for_scope(scope)
    sen_rows, roll_total, receiving_total = _sen_rows(figures, disclosure)
    by_area, by_year, by_stream = _pupils_by(figures)
    return render_school_page(
        request,
        "provision/figures.html",
        "figures",
        figures=figures,
        disclosure=disclosure,
        sen_rows=sen_rows,
        roll_total=roll_total,
        receiving_total=receiving_total,
        # A stream that pays for one child's provision would give that child's cost away.
        stream_rows=_cost_rows(figures.by_stream, by_stream, disclosure),
        area_rows=_cost_rows(figures.by_area, by_area, disclosure),
        year_rows=_cost_rows(figures.by_year, by_year, disclosure),
        reviews_on_time=_reviews_on_time(school, figures, disclosure),
    )

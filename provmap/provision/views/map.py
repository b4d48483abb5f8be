"""The maps: the whole-school map of a term with its filters and the pupils behind each
figure, the costed map of a year group (Kent's appendix 3c) and the waves view of a class or
year (appendix 3b)."""

from __future__ import annotations

import html
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.template.defaultfilters import date as date_filter
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString

from provmap.accounts.access import SchoolRequest
from provmap.accounts.audit import audit_record
from provmap.accounts.models import AuditAction
from provmap.formatting import counted, plural
from provmap.outcomes import due
from provmap.provision import selectors
from provmap.provision.forms import MapFilterForm
from provmap.provision.models import ProvisionRun
from provmap.pupils.models import NC_YEAR_ORDER, NCYear, Pupil
from provmap.schools.models import AcademicYear, School, Term
from provmap.web.links import QueryLinks, id_url
from provmap.web.pages import (
    chosen_term,
    id_param,
    render_school_page,
    school_terms,
    today,
    vary_on_htmx,
    wants_fragment,
)
from provmap.web.templatetags.provmap_format import gbp, minutes, sessions


def _text(value: object) -> str:
    """`value` escaped for HTML, as Django's `escape` does (the same function underneath),
    without its check for lazy text: called some 9,000 times on a school's map."""
    return html.escape(str(value))


@dataclass(frozen=True)
class MapLine:
    """A row of the term map with what its cells link to, built once per row in Python: a
    map of a whole school has a link for each run, each of its SEN figures and each pupil
    named, too many for a `{% url %}` each."""

    row: selectors.MapRow
    run_url: str
    pupils_url: str
    # The run's pupils, each a list item linking to their page.
    names: SafeString
    # The cells' repeated parts, written once here: the run's dates, its areas of need, its
    # staff, its timetable slots and its pupils by SEN status (with their links).
    dates: str
    areas: SafeString
    staff: SafeString
    slots: SafeString
    sen_split: SafeString
    # The cost columns are shown; the map is filtered on pupils (the second cost column is
    # then their share, not the cost to date).
    finance: bool = False
    on_pupils: bool = False

    @property
    def pupil_word(self) -> str:
        return plural(len(self.row.placements), "pupil")

    @property
    def html(self) -> SafeString:
        """The row as the map's table shows it. Written here rather than in the template:
        at a school's hundreds of runs the template engine was the larger part of the page's
        time (decision 69)."""
        row, run, costed = self.row, self.row.run, self.row.costed
        provision = run.provision
        label = f'<span class="run-label">{_text(run.label)}</span>' if run.label else ""
        whole = f"{_text(provision.name)} {_text(run.label)}"
        notes = ""
        if row.filtered_out:
            notes += f'<span class="sub">of {row.in_scope} in the group</span>'
        if row.hidden:
            notes += f'<span class="sub">and {row.hidden} not in your groups</span>'
        if row.rating_counts:
            notes += '<span class="ragb-counts">{}</span>'.format(
                "".join(
                    f'<abbr class="ragb ragb--{_text(code)}" title="{_text(title)}">'
                    f"{_text(code)}&nbsp;{count}</abbr>"
                    for code, title, count in row.rating_counts
                )
            )
        if row.placements:
            notes += (
                '<details class="pupils"><summary>Names<span class="visually-hidden"> of '
                f"pupils in {whole}</span></summary><ul>{self.names}</ul></details>"
            )
        costs = ""
        if self.finance:
            second = row.share if self.on_pupils else costed.cost_to_date
            costs = f'<td class="num">{gbp(costed.cost)}</td><td class="num">{gbp(second)}</td>'
        stream = run.funding_stream
        funding = _text(stream.name) if stream else '<span class="muted">Not assigned</span>'
        return SafeString(
            '<tr class="map-row"><th scope="row" class="map-table__run">'
            f'<a class="run-name" href="{_text(self.run_url)}">{_text(provision.name)}</a>'
            f'{label}<span class="run-dates">{_text(self.dates)}</span></th>'
            f'<td><abbr class="wave wave--{_text(provision.wave)}" '
            f'title="{_text(provision.get_wave_display())}">{_text(provision.wave)}</abbr></td>'
            f'<td><ul class="tags">{self.areas}</ul></td>'
            f'<td><ul class="tags">{self.staff}</ul></td>'
            f'<td class="num">{_text(costed.ratio)}</td>'
            f'<td><span class="nowrap">{_text(sessions(run))}</span>{self.slots}'
            f'<span class="sub">{_text(minutes(costed.weekly_minutes))} staff time</span></td>'
            f'<td><a class="pupil-count" href="{_text(self.pupils_url)}">{len(row.placements)}'
            f'<span class="visually-hidden"> {self.pupil_word} in {whole}: list them</span></a>'
            f'<span class="sen-split">{self.sen_split}</span>{notes}</td>'
            f"{costs}<td>{funding}</td>"
            f'<td><span class="status status--{_text(run.status)}">'
            f"{_text(run.get_status_display())}</span></td></tr>"
        )


def map_lines(
    request: SchoolRequest, school: School, term: Term | None, view: selectors.ScopedMap | None
) -> list[MapLine]:
    """The rows of the term map with their links (the same the template's tags would write)."""
    if view is None or term is None:
        return []
    run_url = id_url("run_detail", school.urn)
    pupil_url = id_url("pupil_detail", school.urn)
    figure_url = QueryLinks(request, "map_pupils", school.urn)
    finance = request.access.pages.finance
    # Runs mostly share their dates and lengths (a term's): each written once.
    day_month = cache(lambda day: date_filter(day, "j M"))
    weeks = cache(lambda count: counted(count, "week"))
    lines = []
    for row in view.rows:
        run = row.run
        pupils = [item.placement.pupil for item in row.placements]
        sen_links = [
            (code, label, count, figure_url(term=term.pk, run=run.pk, sen=code) if count else "")
            for code, label, count in row.sen_counts
        ]
        lines.append(
            MapLine(
                row=row,
                run_url=run_url(run.pk),
                pupils_url=figure_url(term=term.pk, run=run.pk),
                names=_names(pupils, pupil_url),
                dates=(
                    f"{day_month(run.start_date)} to {day_month(run.end_date)} · {weeks(run.weeks)}"
                ),
                areas=_tags(
                    '<li><abbr class="tag" title="{}">{}</abbr></li>',
                    [(area.get_area_display(), area.area) for area in run.provision.areas.all()],
                    "\u2013",  # an en dash: none
                ),
                staff=_tags(
                    '<li><abbr class="tag tag--staff" title="{}, {}">{}</abbr></li>',
                    [
                        (
                            line.line.staff.name,
                            line.line.staff.get_role_display(),
                            line.line.staff.code,
                        )
                        for line in row.costed.staff
                    ],
                    "None yet",
                ),
                slots=_slots(run),
                sen_split=_sen_split(sen_links),
                finance=finance,
                on_pupils=view.filters.on_pupils,
            )
        )
    return lines


def _names(pupils: list[Pupil], pupil_url: Callable[[object], str]) -> SafeString:
    """Each pupil as a list item linking to their page (escaped as the template would: the
    same as format_html, written out for the thousand or so names of a school's map)."""
    return SafeString(
        "".join(
            f'<li><a href="{_text(pupil_url(pupil.pk))}">{_text(pupil.surname)}, '
            f'{_text(pupil.forename)}</a> <span class="muted">Y{_text(pupil.nc_year)} · '
            f"{_text(pupil.sen_status)}</span></li>"
            for pupil in pupils
        )
    )


def _tags(item: str, values: list[tuple[object, ...]], empty: str) -> SafeString:
    """A list's items, or one muted item saying there are none."""
    if not values:
        return format_html('<li class="muted">{}</li>', empty)
    return format_html_join("", item, values)


def _slots(run: ProvisionRun) -> SafeString:
    """The run's timetable slots, else the day and time typed for it."""
    slots = run.slots.all()
    if slots:
        return format_html_join(
            "", '<span class="sub nowrap">{}</span>', ((s.text,) for s in slots)
        )
    if run.day_time:
        return format_html('<span class="sub">{}</span>', run.day_time)
    return SafeString("")


def _sen_split(sen_links: list[tuple[str, str, int, str]]) -> SafeString:
    """Each SEN status's count of the run's pupils shown, linked to those pupils."""
    parts = [
        format_html(
            '<a href="{}"><abbr title="{}">{}</abbr>&nbsp;{}'
            '<span class="visually-hidden"> with {}</span></a>',
            url,
            label,
            code,
            count,
            label,
        )
        if count
        else format_html('<abbr title="{}">{}</abbr>&nbsp;0', label, code)
        for code, label, count, url in sen_links
    ]
    return SafeString(" · ".join(parts))


def _named(view: selectors.ScopedMap) -> list[Pupil]:
    """The pupils a map names (for the audit trail)."""
    return [item.placement.pupil for row in view.rows for item in row.placements]


def _filtered_term_map(
    request: HttpRequest, school: School, scope
) -> tuple[list[Term], Term | None, MapFilterForm, selectors.ScopedMap | None]:
    terms = school_terms(school)
    term = chosen_term(request, terms)
    if term is None:
        form = MapFilterForm(request.GET, options=selectors.MapOptions([], [], [], []))
        form.is_valid()
        return terms, term, form, None
    # The filters offer what the term holds, so the runs are read before the filters apply.
    runs = selectors.term_runs(school, term, scope, as_of=today())
    form = MapFilterForm(request.GET, options=runs.options())
    form.is_valid()
    return terms, term, form, runs.filter(form.filters())


def _export_query(request: HttpRequest, term: Term | None, form: MapFilterForm) -> str:
    """The query string of the map's downloads: the term and the filters the page shows."""
    query = QueryDict(mutable=True)
    if term is not None:
        query["term"] = str(term.pk)
    for name in form.fields:
        values = [value for value in request.GET.getlist(name) if value]
        if values:
            query.setlist(name, values)
    return query.urlencode()


def term_map_page(request: SchoolRequest, urn: str) -> HttpResponse:
    """Every run of a term, filtered; with htmx, only the region under the filters (with
    its downloads, which carry the term and the filters)."""
    school, scope = request.access.school, request.access.scope
    terms, term, form, view = _filtered_term_map(request, school, scope)
    if view is not None and view.pupil_count:
        summary = f"Term map {term}: {counted(view.pupil_count, 'pupil')} named."
        audit_record(request, AuditAction.VIEW, obj=term, summary=summary, pupils=_named(view))
    fragment = wants_fragment(request)
    template = "provision/_map_region.html" if fragment else "provision/term_map.html"
    # Those who see plans are reminded of the reviews due among their pupils (not in the
    # htmx fragment, which redraws only the map under the filters).
    reviews = (
        due.due_counts(school, scope, today=today()) if scope.sees_plans and not fragment else None
    )
    response = render_school_page(
        request,
        template,
        "map",
        terms=terms,
        term=term,
        form=form,
        map=view,
        map_lines=map_lines(request, school, term, view),
        export_query=_export_query(request, term, form),
        reviews_reminder=reviews,
    )
    return vary_on_htmx(response)


def map_pupils_page(request: SchoolRequest, urn: str) -> HttpResponse:
    """The pupils behind a figure of the term map: a run's pupils, an SEN status count, or
    everyone the filters show."""
    school, scope = request.access.school, request.access.scope
    run_id = id_param(request, "run")
    sen = request.GET.get("sen", "")
    if sen and sen not in {code for code, _ in selectors.CURRENT_SEN_CHOICES}:
        raise Http404("No such SEN status.")
    _, term, form, view = _filtered_term_map(request, school, scope)
    lines = view.pupil_lines(run_id=run_id, sen_status=sen) if view else []
    run = None
    if view is not None and run_id is not None:
        run = next((row.run for row in view.rows if row.run.pk == run_id), None)
    if lines:
        summary = (
            f"Pupils behind a figure of the map of {term}: {counted(len(lines), 'pupil')} named."
        )
        audit_record(
            request,
            AuditAction.VIEW,
            obj=run or term,
            summary=summary,
            pupils=[line.pupil for line in lines],
        )
    return render_school_page(
        request,
        "provision/map_pupils.html",
        "map",
        term=term,
        form=form,
        map=view,
        lines=lines,
        total_share=sum((line.share for line in lines), Decimal(0)),
        run=run,
        run_id=run_id,
        sen_label=dict(selectors.CURRENT_SEN_CHOICES).get(sen, ""),
        described=form.describe(),
    )


def _chosen_year(request: HttpRequest, years: list[AcademicYear], current: AcademicYear | None):
    wanted = request.GET.get("year")
    if not wanted:
        return current or (years[-1] if years else None)
    year = next((year for year in years if str(year.pk) == wanted), None)
    if year is None:
        raise Http404("No such academic year.")
    return year


def _chosen_nc_year(request: HttpRequest, scope, year_groups: list[str]) -> str:
    wanted = request.GET.get("nc_year", "")
    if wanted:
        if wanted not in NCYear.values:
            raise Http404("No such year group.")
        return wanted
    mine = sorted(scope.year_groups, key=lambda year: NC_YEAR_ORDER.get(year, 99))
    return (mine or year_groups or ["7"])[0]


def year_map_page(request: SchoolRequest, urn: str) -> HttpResponse:
    """A year group's costed map for an academic year, laid out like Kent's appendix 3c."""
    school, scope = request.access.school, request.access.scope
    terms = school_terms(school)
    current = selectors.term_on(terms, today())
    years = list(AcademicYear.objects.filter(school=school))
    year = _chosen_year(request, years, current.academic_year if current else None)
    year_groups = selectors.year_groups_of(school)
    nc_year = _chosen_nc_year(request, scope, year_groups)
    year_map = None
    if year is not None:
        year_map = selectors.year_group_map(
            school,
            year,
            nc_year,
            scope,
            as_of=today(),
            current_year=current.academic_year if current else None,
        )
    return render_school_page(
        request,
        "provision/year_map.html",
        "year_map",
        years=years,
        year=year,
        year_groups=[(code, NCYear(code).label) for code in year_groups],
        nc_year=nc_year,
        year_map=year_map,
    )


def waves_page(request: SchoolRequest, urn: str) -> HttpResponse:
    """Wave 1, 2 and 3 provision of one class or year group in a term (appendix 3b)."""
    school, scope = request.access.school, request.access.scope
    terms = school_terms(school)
    term = chosen_term(request, terms)
    year_groups = selectors.year_groups_of(school)
    forms_list = selectors.school_forms(school)
    group = request.GET.get("group", "")
    kind, _, value = group.partition("-")
    if not group:
        kind, value = "year", _chosen_nc_year(request, scope, year_groups)
    elif not (
        (kind == "year" and value in NCYear.values) or (kind == "form" and value in forms_list)
    ):
        raise Http404("No such class or year group.")
    filters = (
        selectors.MapFilters(nc_year=value) if kind == "year" else selectors.MapFilters(form=value)
    )
    view = None
    if term is not None:
        view = selectors.term_view(school, term, scope, as_of=today(), filters=filters)
        if view.pupil_count:
            summary = (
                f"Waves of {kind} {value} in {term}: {counted(view.pupil_count, 'pupil')} named."
            )
            audit_record(request, AuditAction.VIEW, obj=term, summary=summary, pupils=_named(view))
    return render_school_page(
        request,
        "provision/waves.html",
        "waves",
        terms=terms,
        term=term,
        group=f"{kind}-{value}",
        group_label=NCYear(value).label if kind == "year" else f"Form {value}",
        year_groups=[(code, NCYear(code).label) for code in year_groups],
        forms_list=forms_list,
        map=view,
    )

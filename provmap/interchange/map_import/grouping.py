"""How the rows of a spreadsheet map become groups (runs).

Rows with the same provision and group name (and group start date, when the sheet has one)
are one group, and must agree about the group (its time, weeks, staff...). A sheet with no
group column, like most hand-made maps, groups the rows that agree on everything about the
delivery: provision, staff, day and time, sessions, minutes, weeks. A group's dates are the
sheet's group dates, else its pupils' earliest start and latest exit or review date; they must
fall inside its school year. A group already in provmap (same provision, group name and start
date, or the export's group reference) is found rather than created again."""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import cast

from django.db.models import Prefetch

from provmap.interchange.map_import.planner import (
    PlannedRun,
    PlannedStaff,
    PlannedYear,
    Planner,
)
from provmap.interchange.map_import.rows import MapRow, name_key
from provmap.interchange.mapsheet import StaffLine
from provmap.interchange.pupil_import import display
from provmap.provision.models import Placement, ProvisionRun, RunStaff
from provmap.schools.bounds import (
    MINUTES_PER_SESSION,
    RUN_WEEKS,
    date_error,
    show_number,
    weekly_time_error,
)
from provmap.schools.models import School

PENNY = Decimal("0.01")
RUN_FIELDS = (
    "term",
    "group_end",
    "group_status",
    "day_time",
    "withdrawn_from",
    "funding",
    "lead_staff",
    "reviewing_staff",
    "staff_lines",
    "sessions_per_week",
    "minutes_per_session",
    "minutes_per_week",
    "weeks",
    "hourly_rate",
    "cost_per_minute",
    "group_notes",
    "academic_year",
)


def _run_time(planner: Planner, row: MapRow) -> tuple[Decimal | None, int | None]:
    """A row's sessions per week and minutes per session, checked against its minutes per
    week."""
    sessions = row.decimal("sessions_per_week")
    minutes = row.whole_number("minutes_per_session")
    weekly = row.decimal("minutes_per_week")
    if sessions is not None and minutes is not None:
        if weekly is not None and abs(Decimal(sessions) * minutes - Decimal(weekly)) >= 1:
            planner.problem(
                row,
                "minutes_per_week",
                f"{weekly} minutes per week is not {sessions} sessions of {minutes} minutes "
                f"({Decimal(sessions) * minutes} minutes).",
            )
        too_long = weekly_time_error(sessions, minutes)
        if too_long:
            planner.problem(row, "minutes_per_session", too_long)
            return None, None
        return Decimal(sessions), int(minutes)
    if weekly is not None:
        sessions = Decimal(sessions) if sessions is not None else Decimal(1)
        each = Decimal(weekly) / sessions
        if each != each.to_integral_value():
            planner.problem(
                row,
                "minutes_per_week",
                f"{weekly} minutes per week in {sessions} session(s) is not a whole number of "
                "minutes per session: give 'Minutes per session' too.",
            )
            return None, None
        too_long = MINUTES_PER_SESSION.error(each)
        if too_long:
            planner.problem(
                row,
                "minutes_per_week",
                f"{weekly} minutes per week in {sessions} session(s) makes sessions of "
                f"{show_number(each)} minutes. {too_long}",
            )
            return None, None
        return sessions, int(each)
    if minutes is not None:
        return Decimal(sessions) if sessions is not None else Decimal(1), int(minutes)
    return (Decimal(sessions) if sessions is not None else None), None


def _rate_from_row(row: MapRow) -> Decimal | None:
    hourly_rate = row.decimal("hourly_rate")
    if hourly_rate is not None:
        return Decimal(hourly_rate)
    cost_per_minute = row.decimal("cost_per_minute")
    if cost_per_minute is not None:
        return (Decimal(cost_per_minute) * 60).quantize(PENNY, rounding=ROUND_HALF_UP)
    return None


def _signature(row: MapRow) -> tuple[object, ...]:
    """What makes two rows the same group when the sheet names no groups."""
    return (
        name_key(str(row.get("provision"))),
        row.get("academic_year"),
        *(
            repr(row.get(key))
            for key in RUN_FIELDS
            if key not in ("group_end", "group_status", "group_notes")
        ),
    )


def _dates_in_order(planner: Planner, row: MapRow) -> bool:
    """A row's own exit and review dates must not come before its start."""
    start = row.date("start_date")
    if start is None:
        return True
    for key, what in (("exit_date", "exit date"), ("review_date", "review date")):
        date = row.date(key)
        if date is not None and date < start:
            planner.problem(
                row,
                key,
                f"The {what} {display(date)} is before the start date {display(start)}.",
            )
            return False
    return True


def group_rows(planner: Planner, rows: list[MapRow], labelled: bool) -> list[list[MapRow]]:
    groups: dict[tuple[object, ...], list[MapRow]] = {}
    for row in rows:
        if row.get("provision") is None or not _dates_in_order(planner, row):
            continue
        if labelled:
            key: tuple[object, ...] = (
                name_key(str(row.get("provision"))),
                row.get("academic_year"),
                name_key(str(row.get("group") or "")),
                row.get("group_start"),
                row.get("group_ref"),
            )
        else:
            key = _signature(row)
        groups.setdefault(key, []).append(row)
    if labelled:
        for members in groups.values():
            first = members[0]
            for row in members[1:]:
                for name in RUN_FIELDS:
                    if name == "academic_year":
                        continue
                    mine, theirs = row.get(name), first.get(name)
                    if mine is not None and theirs is not None and mine != theirs:
                        planner.problem(
                            row,
                            name,
                            f"Row {first.number} puts this pupil's group "
                            f"('{first.get('group') or first.get('provision')}') at "
                            f"{_show(theirs)}, this row at {_show(mine)}: the rows of one group "
                            "must agree.",
                        )
                        break
    return list(groups.values())


def _show(value: object) -> str:
    if isinstance(value, tuple):
        return "; ".join(str(item) for item in value) or "(none)"
    if isinstance(value, StaffLine):
        return value.name
    return display(value)


def _first(rows: list[MapRow], key: str) -> object:
    for row in rows:
        if row.get(key) is not None:
            return row.get(key)
    return None


def _dates(rows: list[MapRow], *keys: str) -> list[dt.date]:
    """The dates the rows give in these columns, row by row."""
    return [date for row in rows for key in keys if (date := row.date(key)) is not None]


def plan_run(planner: Planner, rows: list[MapRow]) -> PlannedRun | None:
    first = rows[0]
    provision = planner.provision(first)
    starts = _dates(rows, "start_date")
    # Each column's parser (_PARSERS) gives its values one type.
    group_start = cast("dt.date | None", _first(rows, "group_start"))
    start = group_start or (min(starts) if starts else None)
    if start is None:
        for row in rows:
            if row.unreadable & {"start_date", "group_start"}:
                continue  # its date was reported as it could not be read
            planner.problem(
                row,
                "start_date",
                "provmap needs a start date for this provision: fill in 'Start date' "
                "(or give the group's dates in 'Group start' and 'Group end').",
            )
        return None
    year = planner.year(cast("str | None", _first(rows, "academic_year")), start)
    term_name = _first(rows, "term")
    term_id = None
    if term_name is not None:
        terms = [
            term
            for term in planner.terms
            if term.academic_year.name == year.name
            and name_key(term.name) == name_key(str(term_name))
        ]
        if terms:
            term_id = terms[0].pk
        else:
            planner.warn(
                first,
                "term",
                f"{year.name} has no term called '{term_name}' in provmap; the group is kept "
                "without a term.",
            )
    group_end = cast("dt.date | None", _first(rows, "group_end"))
    weeks = cast("Decimal | None", _first(rows, "weeks"))
    # Without the group's own end: its latest exit or review, its weeks from its start, and
    # never before a pupil joins; the end of the school year if the sheet says none of these.
    ends = _dates(rows, "exit_date", "review_date")
    if weeks is not None:
        ends.append(start + dt.timedelta(days=int(Decimal(weeks) * 7) - 1))
    if group_end is not None:
        end = group_end
    elif ends:
        end = max([*ends, *starts])
    else:
        end = year.end_date
    if end < start:
        planner.problem(
            first,
            "group_end" if group_end is not None else "start_date",
            f"The group ends on {display(end)}, before it starts on {display(start)}.",
        )
        return None
    if not _inside_year(planner, rows, year, start, end, weeks):
        return None
    sessions, minutes = _run_time(planner, first)
    rate = _rate_from_row(first)
    staff: list[tuple[PlannedStaff, Decimal | None, int | None]] = []
    lines = cast("tuple[StaffLine, ...] | None", _first(rows, "staff_lines"))
    lead_line = cast("StaffLine | None", _first(rows, "lead_staff"))
    # A sheet that lists who delivers each group says so even when a cell is blank; one that
    # does not (most hand-made maps) is delivered by the member of staff leading it.
    lists_staff = first.has("staff_lines")
    if lines:
        for line in lines:
            staff.append(
                (planner.staff(line, None), line.sessions_per_week, line.minutes_per_session)
            )
    elif lead_line is not None and not lists_staff:
        staff.append((planner.staff(lead_line, rate), None, None))
    lead_rate = None if lists_staff else rate
    reviewer_line = cast("StaffLine | None", _first(rows, "reviewing_staff"))
    funding = _first(rows, "funding")
    today = planner.plan.as_of
    status = _first(rows, "group_status")
    if status is None:
        if start > today:
            status = ProvisionRun.Status.PLANNED
        elif end < today:
            status = ProvisionRun.Status.CLOSED
        else:
            status = ProvisionRun.Status.RUNNING
    if term_id is None and term_name is None and not first.has("term"):
        for term in planner.terms:
            if (
                term.academic_year.name == year.name
                and term.start_date <= start
                and end <= term.end_date
            ):
                term_id = term.pk
                break
    return PlannedRun(
        provision=provision,
        year=year,
        label=str(_first(rows, "group") or ""),
        ref=str(_first(rows, "group_ref") or ""),
        start_date=start,
        end_date=end,
        rows=rows,
        term_id=term_id,
        status=str(status),
        sessions_per_week=sessions,
        minutes_per_session=minutes,
        weeks=Decimal(weeks) if weeks is not None else None,
        day_time=str(_first(rows, "day_time") or ""),
        withdrawn_from=str(_first(rows, "withdrawn_from") or ""),
        notes=str(_first(rows, "group_notes") or ""),
        funding=planner.funding(str(funding)) if funding else None,
        lead=planner.staff(lead_line, lead_rate) if lead_line is not None else None,
        reviewer=planner.staff(reviewer_line, None) if reviewer_line is not None else None,
        staff=staff,
    )


def _row_with(rows: list[MapRow], key: str, value: object) -> MapRow:
    return next((row for row in rows if row.get(key) == value), rows[0])


def _inside_year(
    planner: Planner,
    rows: list[MapRow],
    year: PlannedYear,
    start: dt.date,
    end: dt.date,
    weeks: Decimal | None,
) -> bool:
    """A group's dates inside its school year and its weeks within the year's teaching weeks
    (run_create's rules), reported on the row and column the value came from."""
    why = f"the dates of {year.name}"
    ok = True
    start_key = "group_start" if _first(rows, "group_start") is not None else "start_date"
    message = date_error(
        start, year.start_date, year.end_date, label="The run's start date", why=why
    )
    if message:
        planner.problem(_row_with(rows, start_key, start), start_key, message)
        ok = False
    message = date_error(end, year.start_date, year.end_date, label="The run's end date", why=why)
    if message:
        source = next(
            (
                key
                for key in ("group_end", "exit_date", "review_date")
                if any(row.get(key) == end for row in rows)
            ),
            "weeks",
        )
        planner.problem(
            _row_with(rows, source, end if source != "weeks" else weeks), source, message
        )
        ok = False
    if weeks is not None:
        message = RUN_WEEKS.error(
            weeks,
            high=year.weeks,
            why=f"the teaching weeks of {year.name}",
        )
        if message:
            planner.problem(_row_with(rows, "weeks", weeks), "weeks", message)
            ok = False
    return ok


def existing_runs(school: School) -> list[ProvisionRun]:
    runs = (
        ProvisionRun.objects.filter(school=school)
        .select_related("provision", "provision__measure")
        .prefetch_related(
            Prefetch("staff_lines", queryset=RunStaff.objects.select_related("staff")),
            # Joined, not fetched by id: a large map would list thousands of result ids.
            Prefetch(
                "placements",
                queryset=Placement.objects.select_related("baseline", "midpoint", "exit"),
            ),
        )
    )
    return list(runs)


class RunMatcher:
    """Finds the group already in provmap that a planned group is: by its reference (an
    export's "Group ref"), else by provision, name and start date; each found at most once."""

    def __init__(self, runs: list[ProvisionRun]):
        self.by_pk = {run.pk: run for run in runs}
        self.by_key: dict[tuple[int, str, dt.date], list[ProvisionRun]] = {}
        for run in runs:
            self.by_key.setdefault(
                (run.provision_id, name_key(run.label), run.start_date), []
            ).append(run)
        self.claimed: set[int] = set()

    def find(self, planned: PlannedRun) -> ProvisionRun | None:
        provision = planned.provision.existing
        if provision is None:
            return None
        found = None
        if planned.ref.isdigit():
            candidate = self.by_pk.get(int(planned.ref))
            if candidate is not None and candidate.provision_id == provision.pk:
                found = candidate if candidate.pk not in self.claimed else None
        if found is None:
            key = (provision.pk, name_key(planned.label), planned.start_date)
            free = [run for run in self.by_key.get(key, []) if run.pk not in self.claimed]
            found = free[0] if free else None
        if found is not None:
            self.claimed.add(found.pk)
        return found


def warn_if_run_differs(planner: Planner, planned: PlannedRun) -> None:
    run = planned.existing
    if run is None:
        return
    stated = {
        "start": (run.start_date, planned.start_date),
        "end": (run.end_date, planned.end_date),
        "weeks": (run.weeks, planned.weeks),
        "sessions per week": (run.sessions_per_week, planned.sessions_per_week),
        "minutes per session": (run.minutes_per_session, planned.minutes_per_session),
    }
    differences = [
        f"{what} {display(ours)} (the sheet: {display(theirs)})"
        for what, (ours, theirs) in stated.items()
        if theirs is not None and ours != theirs
    ]
    if differences:
        planner.warn(
            planned.rows[0],
            "provision",
            f"provmap already has {planned.description} with {'; '.join(differences)}. The "
            "group was left as it is; change it in provmap if the sheet is right.",
        )

"""The provision map as one sheet: a row per pupil per group (and a row for a group with no
pupils yet), the headings provmap writes, and the headings it reads.

The export's headings are the first synonym of each column the import reads, so an exported
map imports back unchanged; the other synonyms are what practitioners' own spreadsheets call
the same columns (seed 004's "Baseline score", "Mid intervention review", "Staff member leading
intervention", "Cost per minute", "No. minutes per week", "Total cost for provision"...).

"Group ref" is the group's number in provmap: rows with the same reference are one group even
when two groups share a name and a start date, and importing an export back into the school it
came from finds each group exactly.

A group's staff are written in one cell as "Name (CODE, £20.00/h)" separated by "; ", with
", 2 x 45 min" added when someone's time differs from the group's sessions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal

from provmap.interchange.columns import Column
from provmap.interchange.values import CellError
from provmap.schools.bounds import (
    HOURLY_RATE,
    MINUTES_PER_SESSION,
    SESSIONS_PER_WEEK,
    weekly_time_error,
)
from provmap.schools.roles import ROLE_CODES, StaffRole

MAP_COLUMNS = [
    Column("academic_year", "the academic year", ("Academic year", "School year")),
    Column("term", "the term", ("Term",)),
    Column(
        "provision",
        "the provision",
        (
            "Provision",
            "Intervention",
            "Provision name",
            "Intervention name",
            "Programme",
            "Support",
            "Provision or intervention",
        ),
    ),
    Column("wave", "the wave", ("Wave",)),
    Column("provision_type", "the type of provision", ("Provision type", "Type")),
    Column(
        "areas",
        "the areas of need",
        ("Areas of need", "Area of need addressed", "Broad areas of need"),
    ),
    Column("group", "the group", ("Group", "Group name", "Teaching group", "Run")),
    Column("group_ref", "the group's reference", ("Group ref", "Group reference")),
    Column("group_start", "the group's start date", ("Group start", "Group start date")),
    Column("group_end", "the group's end date", ("Group end", "Group end date")),
    Column("group_status", "the group's status", ("Group status",)),
    Column(
        "day_time",
        "the day and time",
        (
            "Day and time",
            "Day/ time/ lesson withdrawn from",
            "Day/time/lesson withdrawn from",
            "Day/time",
            "Day and time and lesson withdrawn from",
            "When",
            "Timetable",
        ),
    ),
    Column(
        "withdrawn_from",
        "the lesson withdrawn from",
        ("Lesson withdrawn from", "Lesson missed", "Withdrawn from"),
    ),
    Column("funding", "the funding stream", ("Funding stream", "Funding", "Funded by")),
    Column(
        "lead_staff",
        "the staff member leading",
        (
            "Staff member leading intervention",
            "Staff member leading",
            "Lead staff",
            "Led by",
            "Delivered by",
            "Staff",
        ),
    ),
    Column(
        "reviewing_staff",
        "the staff member reviewing",
        ("Staff member reviewing", "Reviewed by", "Reviewer"),
    ),
    Column("staff_lines", "the staff delivering", ("Staff delivering",)),
    Column(
        "sessions_per_week",
        "the sessions per week",
        ("Sessions per week", "Sessions a week", "Frequency"),
    ),
    Column(
        "minutes_per_session",
        "the minutes per session",
        ("Minutes per session", "Session length", "Minutes a session"),
    ),
    Column(
        "minutes_per_week",
        "the minutes per week",
        (
            "No. minutes per week",
            "Minutes per week",
            "Number of minutes per week",
            "Mins per week",
            "Minutes a week",
            "Weekly minutes",
        ),
    ),
    Column(
        "weeks",
        "the number of weeks",
        ("No. weeks", "Number of weeks", "Weeks", "No of weeks", "Duration in weeks"),
    ),
    Column(
        "cost_per_minute", "the cost per minute", ("Cost per minute", "Cost/minute", "£ per minute")
    ),
    Column("hourly_rate", "the hourly rate", ("Hourly rate", "Rate per hour", "Cost per hour")),
    Column(
        "total_cost",
        "the total cost",
        ("Total cost for provision", "Total cost", "Cost of provision", "Group cost"),
    ),
    Column("pupil_cost", "the cost for the pupil", ("Cost for this pupil", "Cost per pupil")),
    Column("group_notes", "the group's notes", ("Group notes",)),
    Column("upn", "the UPN", ("UPN", "Unique Pupil Number")),
    Column("mis_id", "the MIS id", ("MIS id", "Adno", "Admission number")),
    Column(
        "pupil",
        "the pupil",
        ("Pupil", "Pupil name", "Name", "Student", "Student name", "Child", "Full name"),
    ),
    Column("surname", "the surname", ("Surname", "Legal surname", "Last name")),
    Column("forename", "the forename", ("Forename", "Legal forename", "First name")),
    Column("start_date", "the start date", ("Start date", "Date started", "Start")),
    Column(
        "exit_date",
        "the exit date",
        ("Exit date", "Date exited", "End date", "Finish date", "Date ended"),
    ),
    Column("review_date", "the review date", ("Review date", "Date of review", "Planned review")),
    Column("status", "the placement's status", ("Placement status", "Status")),
    Column("priority", "the priority", ("Priority", "Must should could")),
    Column("need", "the need addressed", ("Need addressed", "Need", "SEN need addressed")),
    Column(
        "measure",
        "the measure",
        (
            "Measure",
            "Assessment",
            "Outcome measure",
            "Test",
            "Assessment name",
            "Assessment used",
            "Test used",
            "Measure name",
            "Outcome assessment",
            "Impact measure",
        ),
    ),
    Column(
        "baseline",
        "the baseline score",
        ("Baseline score", "Baseline", "Entry score", "Entry data", "Test on", "Score on entry"),
    ),
    Column("baseline_date", "the baseline date", ("Baseline date", "Date of baseline")),
    Column(
        "midpoint",
        "the mid-point score",
        (
            "Mid intervention review",
            "Mid intervention score",
            "Mid-point score",
            "Midpoint",
            "Mid review",
            "Mid review score",
        ),
    ),
    Column(
        "midpoint_date",
        "the mid-point date",
        ("Mid review date", "Mid-point date", "Midpoint date"),
    ),
    Column(
        "exit",
        "the exit score",
        ("Exit score", "Exit data", "Test off", "Score on exit", "End score"),
    ),
    Column("exit_score_date", "the date of the exit score", ("Exit score date",)),
    Column(
        "rating",
        "the RAGB rating",
        ("RAGB rating", "RAGB", "Rating", "RAG", "Progress rating", "Progress (RAGB)"),
    ),
    Column("notes", "the notes", ("Notes", "Comments", "Comment")),
]

MAP_HEADINGS = {column.key: column.synonyms[0] for column in MAP_COLUMNS}

# Columns the export adds for filtering and pivot tables; the import does not need them.
EXTRA_HEADINGS = {
    "ratio": "Ratio (staff:pupils)",
    "year_group": "Year group",
    "form": "Form",
    "sex": "Sex",
    "sen_status": "SEN status",
    "primary_need": "Primary need",
    "pupil_premium": "Pupil premium",
    "fsm": "FSM",
    "eal": "EAL",
    "looked_after": "Looked after",
    "area": "Area of need",
    "gain": "Gain",
}

CODE_ROLES = {code: role for role, code in ROLE_CODES.items()}


@dataclass(frozen=True)
class StaffLine:
    """A member of staff on a group as a map cell describes them."""

    name: str
    role: str | None = None
    hourly_rate: Decimal | None = None
    sessions_per_week: Decimal | None = None
    minutes_per_session: int | None = None


def format_money(amount: Decimal) -> str:
    return f"£{amount:,.2f}"


def format_staff_line(line: StaffLine) -> str:
    details = []
    if line.role:
        details.append(StaffRole(line.role).code)
    if line.hourly_rate is not None:
        details.append(f"{format_money(line.hourly_rate)}/h")
    if line.sessions_per_week is not None and line.minutes_per_session is not None:
        details.append(f"{line.sessions_per_week.normalize():f} x {line.minutes_per_session} min")
    return f"{line.name} ({', '.join(details)})" if details else line.name


_LINE = re.compile(r"^(?P<name>[^()]+?)\s*(?:\((?P<details>[^()]*)\))?$")
_RATE = re.compile(r"^£?\s*(?P<rate>[\d,]+(?:\.\d+)?)\s*(?:/\s*h|an hour|per hour)$", re.I)
_TIME = re.compile(r"^(?P<sessions>\d+(?:\.\d+)?)\s*x\s*(?P<minutes>\d+)\s*min", re.I)


def parse_staff_line(text: str) -> StaffLine:
    """'Jo Bloggs', 'Jo Bloggs (TA)', 'Jo Bloggs (TA, £20.00/h, 2 x 45 min)'."""
    match = _LINE.match(text.strip())
    if match is None or not match.group("name").strip():
        raise CellError(
            f"expected a member of staff such as 'Jo Bloggs (TA, £20.00/h)', not '{text}'."
        )
    role = rate = sessions = minutes = None
    for detail in (match.group("details") or "").split(","):
        detail = detail.strip()
        if not detail:
            continue
        if detail.upper() in CODE_ROLES:
            role = CODE_ROLES[detail.upper()].value
        elif rate_match := _RATE.match(detail):
            rate = Decimal(rate_match.group("rate").replace(",", ""))
        elif time_match := _TIME.match(detail):
            sessions = Decimal(time_match.group("sessions"))
            minutes = int(time_match.group("minutes"))
        else:
            codes = ", ".join(sorted(CODE_ROLES))
            raise CellError(
                f"'{detail}' in '{text}' is not a role code ({codes}), an hourly rate "
                "(£20.00/h) or a time (2 x 45 min)."
            )
    name = match.group("name").strip()
    for message in (
        HOURLY_RATE.error(rate) if rate is not None else None,
        SESSIONS_PER_WEEK.error(sessions) if sessions is not None else None,
        MINUTES_PER_SESSION.error(minutes) if minutes is not None else None,
        weekly_time_error(sessions, minutes),
    ):
        if message:
            raise CellError(f"{name}: {message}")
    return StaffLine(name, role, rate, sessions, minutes)


def parse_staff_lines(value: object) -> tuple[StaffLine, ...]:
    lines = tuple(parse_staff_line(part) for part in re.split(r"[;\n]", str(value)) if part.strip())
    names = [line.name.lower() for line in lines]
    if len(set(names)) != len(names):
        raise CellError("a member of staff is listed twice.")
    return lines

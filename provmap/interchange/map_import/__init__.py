"""An existing spreadsheet provision map: one sheet, a row per pupil per provision.

What a sheet implies is worked out first (`plan_map_import`, in `plan`), writing nothing: the
catalogue entries, school years, staff, funding streams and measures it names that provmap
does not have yet (`planner`), the groups (runs) its rows form (`grouping`), and each pupil's
placement with their baseline, mid-point and exit results. Then `apply_map_import` (in
`apply`) creates them through the provision, pupil and school services, in one transaction.

How rows become groups: rows with the same provision and group name (and group start date,
when the sheet has one) are one group, and must agree about the group (its time, weeks,
staff...). A sheet with no group column, like most hand-made maps, groups the rows that agree
on everything about the delivery: provision, staff, day and time, sessions, minutes, weeks.
A group's dates are the sheet's group dates, else its pupils' earliest start and latest exit
or review date.

A group already in provmap (same provision, group name and start date) is not created again:
its placements are compared with the rows and updated where the sheet differs, so importing
the same sheet twice changes nothing. A column the sheet does not have leaves that part of a
placement alone.

Time and cost: "Sessions per week" x "Minutes per session" must make "No. minutes per week"
when all three are given; a sheet with minutes per week only is read as one session of that
length. A new member of staff's hourly rate comes from "Hourly rate", else "Cost per minute"
x 60. provmap then costs each group itself (staff time x rate x weeks, shared day by day
between the pupils in the group, as the pages share it) and reports, as warnings, rows whose
"Total cost for provision" matches neither the group's cost nor the pupil's share.
"""

from provmap.interchange.map_import.apply import apply_map_import, import_map
from provmap.interchange.map_import.plan import plan_map_import
from provmap.interchange.map_import.planner import MapImportPlan
from provmap.interchange.map_import.rows import MapRow, read_map_row

__all__ = [
    "MapImportPlan",
    "MapRow",
    "apply_map_import",
    "import_map",
    "plan_map_import",
    "read_map_row",
]

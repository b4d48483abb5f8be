"""Reads of the provision map, costed. Each function costs a fixed number of queries however
many runs and pupils there are (everything it needs is fetched in bulk and joined in Python).

One module a subject; callers import from here:

- `costed`: each run costed (staff lines, pupils' shares), a term's or a year's costs totalled
- `terms`: which term a date falls in
- `filters`: what a map can be narrowed to, and what its filter form offers
- `visibility`: what the selectors know of a user's reach
- `scoped`: the map as one user sees it (cut to their scope, then filtered)
- `slices`: a year, a run, a pupil's or a year group's runs, costed and cut (the exports)
- `year_map`: one year group's costed map over a school year
- `staff`: staff time across runs against contracted hours
- `joining`: warnings before pupils join a run, what deleting a run removes
- `runs`: the catalogue, a provision's runs, one run with its results, who could join it
- `pupil`: one pupil's provision over the years, a parent's children's provision
- `figures`: the school's figures, aggregates only
- `budget`: a year's funding streams, their budgets against planned spend and spend to date
- `my_week`: a teacher's, TA's or mentor's runs this week and the results due in them
- `unmet`: pupils with a need and no provision in a term
- `registers`: a run's register for a date, its sessions, fidelity, doses and cost to date
"""

from provmap.provision.selectors.budget import YearBudget, year_budget
from provmap.provision.selectors.costed import (
    NOT_ASSIGNED,
    CostedPlacement,
    CostedRun,
    CostedStaffLine,
    CostSummary,
    TermMap,
    cost_run,
    cost_summary,
    costed_runs,
    delivered_by,
    term_map,
)
from provmap.provision.selectors.figures import Figures, school_figures
from provmap.provision.selectors.filters import (
    CURRENT_SEN_CHOICES,
    CURRENT_SEN_STATUSES,
    NONE,
    MapFilters,
    MapOptions,
    school_forms,
    year_groups_of,
)
from provmap.provision.selectors.joining import (
    JoiningWarning,
    RunRemoval,
    joining_warnings,
    run_removal,
    usual_years_words,
)
from provmap.provision.selectors.my_week import (
    DelivererWeek,
    ToRecord,
    WeekRun,
    deliverer_week,
)
from provmap.provision.selectors.pupil import (
    KeyStageMap,
    PupilPlacement,
    PupilProvision,
    children_with_provision,
    pupil_provision,
)
from provmap.provision.selectors.registers import (
    PupilDose,
    Register,
    RunFidelity,
    run_fidelity,
    run_register,
)
from provmap.provision.selectors.runs import (
    ProvisionPage,
    ResultLine,
    RunPage,
    catalogue,
    provision_page,
    run_candidates,
    run_page,
)
from provmap.provision.selectors.scoped import (
    InView,
    MapRow,
    PupilLine,
    ScopedMap,
    ScopedRuns,
    scope_runs,
    scoped_map,
    term_runs,
    term_view,
)
from provmap.provision.selectors.slices import (
    MapSlice,
    map_slice,
    slice_placement_count,
    slice_run_ids,
    slice_run_sizes,
)
from provmap.provision.selectors.staff import StaffLoad, StaffRunLine, StaffTerm, staff_term
from provmap.provision.selectors.terms import current_term, term_on
from provmap.provision.selectors.unmet import (
    ANY_NEED,
    NEED_CHOICES,
    ON_THE_REGISTER,
    UnmetFilters,
    UnmetNeed,
    pupils_without_provision,
)
from provmap.provision.selectors.visibility import Visibility, WholeSchool, visible_placements
from provmap.provision.selectors.year_map import (
    YearGroupMap,
    YearMapLine,
    YearMapRow,
    nc_year_after,
    year_group_map,
)

__all__ = [
    "ANY_NEED",
    "CURRENT_SEN_CHOICES",
    "CURRENT_SEN_STATUSES",
    "NEED_CHOICES",
    "NONE",
    "NOT_ASSIGNED",
    "ON_THE_REGISTER",
    "CostSummary",
    "CostedPlacement",
    "CostedRun",
    "CostedStaffLine",
    "DelivererWeek",
    "Figures",
    "InView",
    "JoiningWarning",
    "KeyStageMap",
    "MapFilters",
    "MapOptions",
    "MapRow",
    "MapSlice",
    "ProvisionPage",
    "PupilDose",
    "PupilLine",
    "PupilPlacement",
    "PupilProvision",
    "Register",
    "ResultLine",
    "RunFidelity",
    "RunPage",
    "RunRemoval",
    "ScopedMap",
    "ScopedRuns",
    "StaffLoad",
    "StaffRunLine",
    "StaffTerm",
    "TermMap",
    "ToRecord",
    "UnmetFilters",
    "UnmetNeed",
    "Visibility",
    "WeekRun",
    "WholeSchool",
    "YearBudget",
    "YearGroupMap",
    "YearMapLine",
    "YearMapRow",
    "catalogue",
    "children_with_provision",
    "cost_run",
    "cost_summary",
    "costed_runs",
    "current_term",
    "delivered_by",
    "deliverer_week",
    "joining_warnings",
    "map_slice",
    "nc_year_after",
    "provision_page",
    "pupil_provision",
    "pupils_without_provision",
    "run_candidates",
    "run_fidelity",
    "run_page",
    "run_register",
    "run_removal",
    "school_figures",
    "school_forms",
    "scope_runs",
    "scoped_map",
    "slice_placement_count",
    "slice_run_ids",
    "slice_run_sizes",
    "staff_term",
    "term_map",
    "term_on",
    "term_runs",
    "term_view",
    "usual_years_words",
    "visible_placements",
    "year_budget",
    "year_group_map",
    "year_groups_of",
]

"""What the selectors know of a user's reach (accounts decides it; `PupilScope` has every
property asked here), and the reach of one acting for the whole school."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from django.db.models import Q

from provmap.provision.models import Placement
from provmap.provision.selectors.costed import CostedRun
from provmap.schools.models import School


class Visibility(Protocol):
    """What the selectors need to know of a user's reach (accounts' PupilScope has it)."""

    @property
    def everyone(self) -> bool: ...

    @property
    def year_groups(self) -> frozenset[str]: ...

    @property
    def staff_ids(self) -> frozenset[int]: ...

    @property
    def figures(self) -> bool: ...

    @property
    def finance(self) -> bool: ...

    @property
    def pay_rates(self) -> bool: ...

    def pupil_filter(self, prefix: str = "") -> Q: ...

    def placement_filter(self, prefix: str = "") -> Q: ...


@dataclass(frozen=True)
class WholeSchool:
    """The reach of one acting for the whole school rather than as a user (the command line):
    every pupil but archived leavers, with figures, costs and pay rates."""

    everyone: bool = True
    year_groups: frozenset[str] = frozenset()
    staff_ids: frozenset[int] = frozenset()
    figures: bool = True
    finance: bool = True
    pay_rates: bool = True

    def pupil_filter(self, prefix: str = "") -> Q:
        return Q(**{f"{prefix}archived_at__isnull": True})

    def placement_filter(self, prefix: str = "") -> Q:
        return Q(**{f"{prefix}pupil__archived_at__isnull": True})


def visible_placements(school: School, runs: list[CostedRun], scope: Visibility) -> set[int]:
    """The ids of the placements of `runs` that `scope` sees in full. One query: the scope's
    own placement filter decides (never an archived leaver's, even for whole-school readers:
    there is no shortcut past it). Teachers, TAs and mentors see those of the runs they lead
    or deliver, not the other runs of the pupils they teach."""
    return set(
        Placement.objects.filter(school=school, run_id__in=[item.run.pk for item in runs])
        .filter(scope.placement_filter())
        .order_by()
        .values_list("pk", flat=True)
    )

"""What a map can be narrowed to, and the choices its filter form offers."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from provmap.provision.models import Placement
from provmap.provision.selectors.costed import CostedRun, current_needs, delivered_by
from provmap.pupils.models import NC_YEAR_ORDER, Pupil, SENStatus
from provmap.schools.models import School

# The statuses schools report on today (historic codes only appear in old history).
CURRENT_SEN_STATUSES = (SENStatus.NONE, SENStatus.SUPPORT, SENStatus.EHC_PLAN)
CURRENT_SEN_CHOICES = [(status.value, status.label) for status in CURRENT_SEN_STATUSES]
# A filter value meaning "none": a placement not rated yet, a run with no funding stream.
NONE = "none"


@dataclass(frozen=True)
class MapFilters:
    """What a map is narrowed to; empty means "any".

    Pupil filters (year, form, sex, SEN status, need, groups, rating) pick the placements
    shown, and a run left with none of them drops out. Run filters (wave, area the provision
    addresses, provision, member of staff, funding stream) pick the runs."""

    nc_year: str = ""
    form: str = ""
    sex: str = ""
    sen_status: str = ""
    need_type: str = ""
    groups: tuple[str, ...] = ()
    rating: str = ""
    wave: int | None = None
    area: str = ""
    provision_id: int | None = None
    staff_id: int | None = None
    funding: str = ""

    @property
    def on_pupils(self) -> bool:
        return bool(
            self.nc_year
            or self.form
            or self.sex
            or self.sen_status
            or self.need_type
            or self.groups
            or self.rating
        )

    @property
    def on_runs(self) -> bool:
        return bool(
            self.wave is not None
            or self.area
            or self.provision_id is not None
            or self.staff_id is not None
            or self.funding
        )

    @property
    def active(self) -> bool:
        return self.on_pupils or self.on_runs

    def run_matches(self, costed: CostedRun) -> bool:
        run = costed.run
        if self.wave is not None and run.provision.wave != self.wave:
            return False
        if self.area and self.area not in {item.area for item in run.provision.areas.all()}:
            return False
        if self.provision_id is not None and run.provision_id != self.provision_id:
            return False
        if self.staff_id is not None and not delivered_by(costed, {self.staff_id}):
            return False
        if self.funding == NONE:
            return run.funding_stream_id is None
        return not self.funding or str(run.funding_stream_id) == self.funding

    def placement_matches(self, placement: Placement) -> bool:
        pupil = placement.pupil
        for name in ("nc_year", "form", "sex", "sen_status"):
            wanted = getattr(self, name)
            if wanted and getattr(pupil, name) != wanted:
                return False
        if self.need_type and self.need_type not in {
            placement.need_type,
            *(need.need_type for need in current_needs(pupil)),
        }:
            return False
        if any(not getattr(pupil, flag, False) for flag in self.groups):
            return False
        if self.rating == NONE:
            return placement.rating == ""
        return not self.rating or placement.rating == self.rating


@dataclass
class MapOptions:
    """The choices a map's filters offer: the staff, provisions, funding streams and forms
    found on the runs in view (so a filter never offers what cannot match)."""

    staff: list[tuple[int, str]]
    provisions: list[tuple[int, str]]
    funding_streams: list[tuple[int, str]]
    forms: list[str]


def sen_counts(pupils: list[Pupil]) -> list[tuple[str, str, int]]:
    """(code, label, how many of `pupils`) for each SEN status schools report on today."""
    counts = Counter(pupil.sen_status for pupil in pupils)
    return [(status.value, status.label, counts[status]) for status in CURRENT_SEN_STATUSES]


def school_forms(school: School) -> list[str]:
    """The forms (tutor groups) of the school's pupils, in order."""
    return list(
        Pupil.objects.filter(school=school)
        .exclude(form="")
        .order_by("form")
        .values_list("form", flat=True)
        .distinct()
    )


def year_groups_of(school: School) -> list[str]:
    """The NC years the school's pupils are in, youngest first."""
    years = set(Pupil.objects.filter(school=school).values_list("nc_year", flat=True).distinct())
    return sorted(years, key=lambda year: NC_YEAR_ORDER.get(year, 99))

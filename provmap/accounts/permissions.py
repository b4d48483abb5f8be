"""Who may see what: every page asks here, never decides for itself.

Roles are data (Membership rows); these predicates turn them into answers. Pages, exports and
the API use the same functions, so a rule changes in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.contrib.auth.models import AnonymousUser
from django.db.models import Q

from provmap.accounts.models import Membership, Role, User
from provmap.schools.models import School

# Roles that read every pupil of their school.
WHOLE_SCHOOL_READERS = frozenset(
    {Role.SENCO, Role.SEND_ADMIN, Role.SENIOR_LEADER, Role.PUPIL_PREMIUM_LEAD}
)
# Roles that change the catalogue and the map.
EDITORS = frozenset({Role.SENCO, Role.SEND_ADMIN})
# Roles that see the pupils of the runs they lead or deliver.
DELIVERERS = frozenset({Role.TEACHER, Role.TA, Role.LEARNING_MENTOR})
# Roles that see figures about the school but never a pupil.
AGGREGATE_ONLY = frozenset({Role.GOVERNOR})
# Roles that see costs (run costs, pupils' shares, totals, budgets) unless their school says
# otherwise on the membership; governors and trust leaders see them as school totals.
FINANCE_BY_DEFAULT = frozenset(
    {
        Role.SENCO,
        Role.SEND_ADMIN,
        Role.SENIOR_LEADER,
        Role.PUPIL_PREMIUM_LEAD,
        Role.GOVERNOR,
        Role.TRUST_LEADER,
    }
)
# Roles never given costs, whatever the membership says: a run's cost shown to the one person
# who delivers it is their pay rate.
NEVER_FINANCE = frozenset({*DELIVERERS, Role.PARENT})
# Every role but a parent's signs in with a second factor (TOTP); for parents it is optional.
MFA_OPTIONAL = frozenset({Role.PARENT})


# Where a request's user carries the memberships read once for the whole request.
_HELD = "_provmap_memberships"


def memberships(user: User) -> list[Membership]:
    if not user.is_authenticated or not user.is_active:
        return []
    held = user.__dict__.get(_HELD)
    if held is not None:
        return held
    return list(
        Membership.objects.filter(user=user).select_related("school", "trust", "staff_member")
    )


def remember_memberships(user: User) -> None:
    """Read the signed-in user's memberships once for the request: the two-factor check,
    the school look-up and the scope all ask. Only the request's own user object carries
    them, so nothing outlives the request."""
    if user.is_authenticated and _HELD not in user.__dict__:
        user.__dict__[_HELD] = memberships(user)


def requires_mfa(user: User | AnonymousUser) -> bool:
    """Staff, governors and trust leaders must use two-factor sign-in; parents may."""
    if not user.is_authenticated:
        return False
    return any(membership.role not in MFA_OPTIONAL for membership in memberships(user))


def schools_for(user: User) -> list[School]:
    """Every school the user holds any role in, directly or through their trust."""
    held = memberships(user)
    trusts = [m.trust_id for m in held if m.trust_id]
    return list(School.objects.filter(Q(memberships__in=held) | Q(trust_id__in=trusts)).distinct())


@dataclass(frozen=True)
class PupilScope:
    """Which pupils' data a user may see in one school.

    `everyone` wins; otherwise a pupil is visible if in one of `year_groups`, in one of
    `forms` (the groups a teacher teaches), in a run led or delivered by one of `staff_ids`,
    or one of `pupil_ids` (a parent's children). `figures`
    means school-level aggregates may be shown even where no pupil is visible. `senco` opens
    the pages kept for the SENCO: the audit trail and the data-protection tools. Archived
    pupils (leavers past PROVMAP_ARCHIVE_AFTER_DAYS) are visible to nobody through a scope.

    Opening a pupil is not seeing all their provision: `placement_filter` picks the
    placements shown in full (with results, notes and the run they lead to). A teacher, TA
    or mentor sees in full only the placements of the runs they lead or deliver; of the
    pupils they teach, the other placements are shown as a class teacher needs them (which
    provision, when, led by whom), never their results or notes.

    `finance` means costs may be shown (a run's cost, pupils' shares, totals);
    `pay_rates` (the hourly rate of a named person) only to those who see the staff page.
    """

    everyone: bool = False
    year_groups: frozenset[str] = field(default_factory=frozenset)
    staff_ids: frozenset[int] = field(default_factory=frozenset)
    forms: frozenset[str] = field(default_factory=frozenset)
    pupil_ids: frozenset[int] = field(default_factory=frozenset)
    figures: bool = False
    can_edit: bool = False
    senco: bool = False
    finance: bool = False

    @property
    def sees_any_pupil(self) -> bool:
        return bool(
            self.everyone or self.year_groups or self.forms or self.staff_ids or self.pupil_ids
        )

    @property
    def sees_map(self) -> bool:
        """The school's map of runs (staff, ratios, times, counts, costs)."""
        return bool(self.everyone or self.year_groups or self.forms or self.staff_ids)

    @property
    def sees_plans(self) -> bool:
        """Pupils' support plans, targets and reviews in full: whole-school readers and heads
        of year (their year groups' pupils). Those who teach or deliver see only the one-page
        profile of the pupils they teach; parents their own child's plan, on their own pages."""
        return bool(self.everyone or self.year_groups)

    @property
    def pay_rates(self) -> bool:
        """Individual hourly rates ("£21.50/h"): for those who see the staff page, where
        everyone's rates are (the SENCO and the SEND administrator)."""
        return self.can_edit

    def placement_filter(self, prefix: str = "") -> Q:
        """A filter for querysets reaching placements through `prefix` (e.g. 'placements__'):
        the placements seen in full, which also decide the runs one sees. Whole-school readers:
        every pupil's; heads of year: their year groups' pupils'; teachers, TAs and mentors:
        those of the runs they lead or deliver (not their taught forms' other runs); parents
        their children's. Never an archived leaver's."""
        current = Q(**{f"{prefix}pupil__archived_at__isnull": True})
        if self.everyone:
            return current
        condition = Q(pk__in=[])
        if self.year_groups:
            condition |= Q(**{f"{prefix}pupil__nc_year__in": sorted(self.year_groups)})
        if self.pupil_ids:
            condition |= Q(**{f"{prefix}pupil_id__in": sorted(self.pupil_ids)})
        if self.staff_ids:
            staff = sorted(self.staff_ids)
            condition |= Q(**{f"{prefix}run__lead_staff__in": staff}) | Q(
                **{f"{prefix}run__staff_lines__staff__in": staff}
            )
        return condition & current

    def delivers(self, lead_id: int | None, staff_ids: set[int] | frozenset[int]) -> bool:
        """Whether the user leads (`lead_id`) or is on the staff (`staff_ids`) of a run."""
        return (lead_id is not None and lead_id in self.staff_ids) or bool(
            set(staff_ids) & self.staff_ids
        )

    def pupil_filter(self, prefix: str = "") -> Q:
        """A filter for querysets reaching pupils through `prefix` (e.g. 'pupil__')."""
        current = Q(**{f"{prefix}archived_at__isnull": True})
        if self.everyone:
            return current
        condition = Q(pk__in=[])
        if self.year_groups:
            condition |= Q(**{f"{prefix}nc_year__in": sorted(self.year_groups)})
        if self.forms:
            condition |= Q(**{f"{prefix}form__in": sorted(self.forms)})
        if self.pupil_ids:
            condition |= Q(**{f"{prefix}pk__in": sorted(self.pupil_ids)})
        if self.staff_ids:
            runs = sorted(self.staff_ids)
            condition |= Q(**{f"{prefix}placements__run__lead_staff__in": runs}) | Q(
                **{f"{prefix}placements__run__staff_lines__staff__in": runs}
            )
        return condition & current


NO_ACCESS = PupilScope()


def _children_of(membership: Membership) -> list[int]:
    """A parent's children's ids, read from the link table: it is not school-scoped, so this
    works on pages of any school (the pupil filter still applies when they are shown)."""
    links = Membership.children.through.objects.filter(membership=membership)
    return list(links.values_list("pupil_id", flat=True))


def pupil_scope(user: User, school: School) -> PupilScope:
    """What `user` may see of `school`'s pupils, from all their memberships there."""
    everyone = figures = can_edit = senco = finance = False
    years: set[str] = set()
    staff: set[int] = set()
    forms: set[str] = set()
    children: set[int] = set()
    for membership in memberships(user):
        in_school = membership.school_id == school.pk
        in_trust = membership.trust_id is not None and membership.trust_id == school.trust_id
        if not (in_school or in_trust):
            continue
        role = membership.role
        finance = finance or _finance(membership)
        if role in WHOLE_SCHOOL_READERS:
            everyone = figures = True
            can_edit = can_edit or role in EDITORS
            senco = senco or (role == Role.SENCO and in_school)
        elif role == Role.HEAD_OF_YEAR:
            years.update(membership.year_group_list)
            figures = True
        elif role in DELIVERERS:
            if membership.staff_member_id:
                staff.add(membership.staff_member_id)
            forms.update(membership.teaching_group_list)
        elif role in AGGREGATE_ONLY:
            figures = True
        elif role == Role.PARENT:
            children.update(_children_of(membership))
        elif role == Role.TRUST_LEADER:
            figures = True
            everyone = everyone or membership.trust_pupil_access
    return PupilScope(
        everyone=everyone,
        year_groups=frozenset(years),
        staff_ids=frozenset(staff),
        forms=frozenset(forms),
        pupil_ids=frozenset(children),
        figures=figures,
        can_edit=can_edit,
        senco=senco,
        finance=finance,
    )


def _finance(membership: Membership) -> bool:
    """Whether a membership gives the right to see costs: the school's choice on the
    membership, else the role's default; never for those who deliver, nor for parents."""
    if membership.role in NEVER_FINANCE:
        return False
    if membership.finance is not None:
        return membership.finance
    return membership.role in FINANCE_BY_DEFAULT

"""Access helpers for views: find the school a request names, only among the user's own.

Views call these first, so a page cannot forget to check: a school the user holds no role in
is answered with 404 (its existence is not leaked), a school they belong to but whose page
their role does not cover with 403.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.http import Http404, HttpRequest

from provmap.accounts.models import User
from provmap.accounts.permissions import PupilScope, pupil_scope, schools_for
from provmap.accounts.policies import Policy, Rule, rule_allows
from provmap.pupils.models import Pupil
from provmap.schools.models import School


def school_for_user(user: User, urn: str) -> tuple[School, PupilScope]:
    """The school with this URN among the user's schools, and what the user may see there."""
    school = next((school for school in schools_for(user) if school.urn == urn), None)
    if school is None:
        raise Http404("No such school.")
    return school, pupil_scope(user, school)


def require(allowed: bool) -> None:
    """Refuse the page (403) unless the user's scope allows it."""
    if not allowed:
        raise PermissionDenied


@dataclass(frozen=True)
class SchoolPages:
    """The pages a user may open for one school, in the order the home page offers them."""

    school: School
    scope: PupilScope

    @property
    def term_map(self) -> bool:
        return self.scope.sees_map

    @property
    def children(self) -> bool:
        return bool(self.scope.pupil_ids)

    @property
    def figures(self) -> bool:
        return self.scope.figures

    @property
    def catalogue(self) -> bool:
        return self.scope.sees_map

    @property
    def staff(self) -> bool:
        return sees_staff_page(self.scope)

    @property
    def edit(self) -> bool:
        return self.scope.can_edit

    @property
    def senco(self) -> bool:
        """The SENCO's own pages: the audit trail and data protection."""
        return self.scope.senco

    @property
    def any(self) -> bool:
        return self.term_map or self.children or self.figures


def pages_for(user: User) -> list[SchoolPages]:
    """Every school of the user with the pages their roles open there."""
    return [SchoolPages(school, pupil_scope(user, school)) for school in schools_for(user)]


@dataclass(frozen=True)
class SchoolAccess:
    """What the access check found for a school page: views read it from `request.access`."""

    school: School
    scope: PupilScope
    pupil: Pupil | None = None


def _pupil_in_reach(policy: Policy, school: School, scope: PupilScope, pupil_id: Any) -> Pupil:
    try:
        pk = int(pupil_id)
    except (TypeError, ValueError):
        raise Http404("No such pupil.") from None
    pupils = Pupil.objects.filter(school=school, pk=pk).select_related("school")
    if policy.rule == Rule.PARENT_CHILD:
        pupils = pupils.filter(pk__in=sorted(scope.pupil_ids)).filter(scope.pupil_filter())
    elif policy.rule != Rule.SENCO:
        # The SENCO's data-protection pages reach archived pupils too; nothing else does.
        pupils = pupils.filter(scope.pupil_filter())
    pupil = pupils.first()
    if pupil is None:
        raise Http404("No such pupil.")
    return pupil


def enforce_policy(policy: Policy, user: User, kwargs: Mapping[str, Any]) -> SchoolAccess | None:
    """Apply a school rule to a signed-in user: 404 outside their schools, 403 where their
    role does not reach, 404 for a pupil out of reach. Returns what was found."""
    if not policy.school_scoped:
        return None
    school, scope = school_for_user(user, str(kwargs.get("urn", "")))
    require(rule_allows(policy.rule, scope))
    pupil = None
    if "pupil_id" in kwargs:
        pupil = _pupil_in_reach(policy, school, scope, kwargs["pupil_id"])
    return SchoolAccess(school=school, scope=scope, pupil=pupil)


# --- Small predicates for the provision pages (additive: nothing above depends on them) ----


def may_record_results(scope: PupilScope, *, lead_id: int | None, staff_ids: set[int]) -> bool:
    """Editors record any run's results; teachers, TAs and mentors those of the runs they
    lead (`lead_id`) or deliver (`staff_ids`, the run's staff)."""
    return scope.can_edit or bool(
        (lead_id is not None and lead_id in scope.staff_ids) or staff_ids & scope.staff_ids
    )


def sees_staff_page(scope: PupilScope) -> bool:
    """Everyone's hours, pay rates and costs: for those who deploy staff on the map (the
    SENCO and the SEND administrator)."""
    return scope.can_edit


def school_access(request: HttpRequest) -> SchoolAccess:
    """What AccessPolicyMiddleware found for this school page (its policy must name a school
    rule). Fails loudly rather than let a page run unchecked."""
    access = getattr(request, "access", None)
    if not isinstance(access, SchoolAccess):
        raise ImproperlyConfigured(
            f"{request.path} has no school access check: give its URL a school rule in "
            "provmap.accounts.policies."
        )
    return access

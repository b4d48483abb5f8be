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
from django_htmx.middleware import HtmxDetails

from provmap.accounts.models import Role, User
from provmap.accounts.permissions import PupilScope, memberships, pupil_scope, schools_for
from provmap.accounts.policies import Policy, Rule, rule_allows
from provmap.pupils.models import Pupil
from provmap.schools.models import School, Trust


def require(allowed: bool) -> None:
    """Refuse (403) an action on one object that the page's policy let through but the
    object does not allow (a run's results by staff who do not deliver it)."""
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
    def my_week(self) -> bool:
        """A teacher's, TA's or mentor's week: the runs they lead or deliver."""
        return self.scope.sees_map and bool(self.scope.staff_ids)

    @property
    def children(self) -> bool:
        return bool(self.scope.pupil_ids)

    @property
    def figures(self) -> bool:
        return self.scope.figures

    @property
    def plans(self) -> bool:
        """Pupils' support plans and reviews, and the reviews due."""
        return self.scope.sees_plans

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
    def finance(self) -> bool:
        """Costs may be shown: runs' costs, pupils' shares, totals (templates ask here)."""
        return self.scope.finance

    @property
    def pay_rates(self) -> bool:
        """A named person's hourly rate may be shown."""
        return self.scope.pay_rates

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


def find_school(user: User, urn: str) -> School:
    """The school with this URN among the user's schools; 404 otherwise, so that a school
    the user holds no role in is not revealed to exist. No query for a school the user
    belongs to (its membership brought it); one for a school of their trust."""
    held = memberships(user)
    for membership in held:
        if membership.school is not None and membership.school.urn == urn:
            return membership.school
    trusts = {membership.trust_id for membership in held if membership.trust_id}
    school = School.objects.filter(urn=urn, trust_id__in=trusts).first() if trusts else None
    if school is None:
        raise Http404("No such school.")
    return school


def find_trust(user: User, trust_id: Any) -> Trust:
    """A trust the user leads; 404 for any other (its existence is not revealed)."""
    for membership in memberships(user):
        if (
            membership.role == Role.TRUST_LEADER
            and membership.trust is not None
            and str(membership.trust_id) == str(trust_id)
        ):
            return membership.trust
    raise Http404("No such trust.")


def led_trusts(user: User) -> list[Trust]:
    """The trusts the user leads (from the memberships read once for the request)."""
    return [
        membership.trust
        for membership in memberships(user)
        if membership.role == Role.TRUST_LEADER and membership.trust is not None
    ]


@dataclass(frozen=True)
class SchoolAccess:
    """What the access check found for a school page: the school, what the user may see
    there, and the pupil the URL names (if any)."""

    school: School
    scope: PupilScope
    pupil: Pupil | None = None

    @property
    def pages(self) -> SchoolPages:
        return SchoolPages(self.school, self.scope)

    @property
    def named_pupil(self) -> Pupil:
        """The pupil of a page whose URL names one (its policy found them in reach)."""
        if self.pupil is None:
            raise ImproperlyConfigured("This page's URL names no pupil.")
        return self.pupil


class SignedInRequest(HttpRequest):
    """The request a view for any signed-in user receives: AccessPolicyMiddleware sends
    everyone else to sign in before the view runs."""

    user: User


class SchoolRequest(HttpRequest):
    """The request a school page's view receives: AccessPolicyMiddleware has checked the
    URL's policy and set `access` before the view runs (and opened the school's query
    scope), so views read the school and the user's rights from here and never decide
    again."""

    access: SchoolAccess
    user: User
    # Set by django-htmx's middleware, which runs for every request.
    htmx: HtmxDetails


class TrustRequest(HttpRequest):
    """The request a trust page's view receives: AccessPolicyMiddleware has found the trust
    the URL names among those the user leads (404 otherwise) and set it here."""

    trust: Trust
    user: User


def _pupil_in_reach(policy: Policy, school: School, scope: PupilScope, pupil_id: Any) -> Pupil:
    try:
        pk = int(pupil_id)
    except (TypeError, ValueError):
        raise Http404("No such pupil.") from None
    pupils = Pupil.objects.filter(school=school, pk=pk).select_related("school")
    if policy.rule == Rule.PARENT_CHILD:
        pupils = pupils.filter(pk__in=sorted(scope.pupil_ids)).visible_to(scope)
    elif policy.rule == Rule.PLAN_READ and not scope.everyone:
        # Plans in full: a head of year's own year groups only, not the forms they teach or
        # the runs they deliver (those show the one-page profile, elsewhere).
        pupils = pupils.filter(nc_year__in=sorted(scope.year_groups)).visible_to(scope)
    elif policy.rule != Rule.SENCO:
        # The SENCO's data-protection pages reach archived pupils too; nothing else does.
        pupils = pupils.visible_to(scope)
    pupil = pupils.first()
    if pupil is None:
        raise Http404("No such pupil.")
    return pupil


def enforce_policy(
    policy: Policy, user: User, school: School, kwargs: Mapping[str, Any]
) -> SchoolAccess:
    """Apply a school rule to a signed-in user of `school` (inside its query scope): 403
    where their role does not reach, 404 for a pupil out of reach. Returns what was found."""
    scope = pupil_scope(user, school)
    require(rule_allows(policy.rule, scope))
    pupil = None
    if "pupil_id" in kwargs:
        pupil = _pupil_in_reach(policy, school, scope, kwargs["pupil_id"])
    return SchoolAccess(school=school, scope=scope, pupil=pupil)


# --- Small predicates for the provision pages ---------------------------------------------


def may_record_results(scope: PupilScope, *, lead_id: int | None, staff_ids: set[int]) -> bool:
    """Editors record any run's results; teachers, TAs and mentors those of the runs they
    lead (`lead_id`) or deliver (`staff_ids`, the run's staff)."""
    return scope.can_edit or scope.delivers(lead_id, staff_ids)


def sees_staff_page(scope: PupilScope) -> bool:
    """Everyone's hours, pay rates and costs: for those who deploy staff on the map (the
    SENCO and the SEND administrator)."""
    return scope.pay_rates

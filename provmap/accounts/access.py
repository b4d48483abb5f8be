"""Access helpers for views: find the school a request names, only among the user's own.

Views call these first, so a page cannot forget to check: a school the user holds no role in
is answered with 404 (its existence is not leaked), a school they belong to but whose page
their role does not cover with 403.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404

from provmap.accounts.models import User
from provmap.accounts.permissions import PupilScope, pupil_scope, schools_for
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
    def any(self) -> bool:
        return self.term_map or self.children or self.figures


def pages_for(user: User) -> list[SchoolPages]:
    """Every school of the user with the pages their roles open there."""
    return [SchoolPages(school, pupil_scope(user, school)) for school in schools_for(user)]

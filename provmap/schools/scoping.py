"""School scoping of queries: a query on a school's table that forgets the school raises.

Every school-owned table (`SchoolOwned`) is reached through a manager built by django-scopes.
Inside `school_scope(school)` its queries are filtered to that school automatically; with no
school in scope they raise `ScopeError` when evaluated instead of returning every school's
rows. The access middleware opens the scope of the school a page names, so a view, selector
or template that forgets `school=` still cannot read another school's data, and an id from
another school under the user's own school's URL is simply not found.

Work that is not a page names its reach explicitly:
- a management command, the demo generator or the nightly data-protection run act for every
  school knowingly: `all_schools()`;
- an import job acts for its own school: `school_scope(job.school)`.

Forward foreign keys (`placement.pupil`) and deletion use the plain base manager: following
a row already fetched under a scope cannot reach another school's table rows by id guessing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from django.db import models
from django_scopes import ScopedManager, ScopeError, get_scope, scope, scopes_disabled

if TYPE_CHECKING:
    from provmap.schools.models import School

__all__ = [
    "ScopeError",
    "all_schools",
    "no_school",
    "school_in_scope",
    "school_scope",
    "school_scoped_manager",
]


def school_scoped_manager(manager_class: type[models.Manager[Any]] = models.Manager) -> Any:
    """A manager whose queries are filtered to the school in scope, and refused without one."""
    return ScopedManager(_manager_class=manager_class, school="school")


@contextmanager
def school_scope(school: School | int) -> Iterator[None]:
    """Queries of school-owned tables inside see only this school."""
    pk = school if isinstance(school, int) else school.pk
    if pk is None:
        raise ValueError("A school scope needs a saved school.")
    with scope(school=pk):
        yield


@contextmanager
def no_school() -> Iterator[None]:
    """Queries of school-owned tables inside raise: pages that name no school."""
    with scope():
        yield


def all_schools() -> Any:
    """Every school's rows, for commands and jobs that act across schools on purpose."""
    return scopes_disabled()


def school_in_scope() -> int | None:
    """The pk of the school in scope, if any."""
    current = get_scope()
    return current.get("school") if current.get("_enabled", True) else None

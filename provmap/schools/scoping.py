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

import functools
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from django.db import models
from django_scopes import ScopeError, get_scope, scope, scopes_disabled
from django_scopes.manager import DisabledQuerySet

if TYPE_CHECKING:
    from provmap.schools.models import School

__all__ = [
    "SchoolScopedManager",
    "ScopeError",
    "all_schools",
    "no_school",
    "school_in_scope",
    "school_scope",
]

_M = TypeVar("_M", bound=models.Model)


class SchoolScopedManager(models.Manager[_M]):
    """The default manager of every school-owned table: its queries are filtered to the
    school in scope, and refused without one. (django-scopes' ScopedManager does the same,
    built as a class at run time; spelt out here so that type checking sees the manager.)"""

    def get_queryset(self) -> models.QuerySet[_M]:
        current = get_scope()
        if not current.get("_enabled", True):
            return super().get_queryset()
        if "school" not in current:
            # Refuses every read when evaluated (building a query is still allowed, so that
            # forms and querysets declared at import time do not fail).
            # Set by Manager.from_queryset(); django-stubs does not declare it.
            refusing = _refusing(self._queryset_class)  # type: ignore[attr-defined]
            return refusing(self.model, using=self._db, missing_scopes={"school"})
        return super().get_queryset().filter(school=current["school"])


@functools.cache
def _refusing(queryset_class: type[models.QuerySet[Any]]) -> type[DisabledQuerySet]:
    """A queryset class that refuses every read, with the model's own queryset methods
    (`Pupil.objects.visible_to(...)`) refusing too, rather than missing."""
    if issubclass(queryset_class, DisabledQuerySet):
        return queryset_class
    return type(f"Refusing{queryset_class.__name__}", (DisabledQuerySet, queryset_class), {})


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

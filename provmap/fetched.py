"""Related rows fetched in one query and handed to each instance, as `prefetch_related` does,
at a fraction of its cost on the map's hundreds of runs and pupils (decision 71).

Django's prefetch builds, for every instance, a queryset filtered to that instance (a clone
and a WHERE clause each) only to hold the rows it already has. On a school's term map that was
a good part of the page's time. Here the rows are grouped in Python and each instance gets a
`FetchedRows` holding them: `instance.relation.all()`, iterating, `len`, `count()`, `exists()`
and `first()` answer from the rows, exactly as after `prefetch_related`; anything that asks
the database something new (`filter`, `order_by`, ...) is built as the relation's own query,
as if nothing had been fetched.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import models


class FetchedRows(models.QuerySet[Any]):
    """One instance's related rows, already fetched."""

    # The instance, the relation's name on it and the key of its rows in the instance's cache.
    _fetched_for: tuple[Any, str, str]
    _prefetch_done: bool

    def _chain(self) -> models.QuerySet:
        # A new question for the database: the relation's own query, built as it would be
        # with nothing fetched (the rows are put back for the next `.all()`).
        instance, name, cache = self._fetched_for
        held = instance._prefetched_objects_cache.pop(cache, None)
        try:
            own = getattr(instance, name).all()
        finally:
            if held is not None:  # (none when the instance's rows were let go meanwhile)
                instance._prefetched_objects_cache[cache] = held
        return own._chain()


def attach_related(instances: Sequence[Any], name: str, rows: Iterable[models.Model]) -> None:
    """Give each of `instances` its reverse relation `name` (e.g. a run's "placements") from
    `rows`, fetched once for all of them. The rows' order is kept, and each row knows its
    instance without a query (`placement.run`), as after `prefetch_related`."""
    if not instances:
        return
    relation: Any = instances[0]._meta.get_field(name)
    model, cache, pointer = relation.related_model, relation.cache_name, relation.field
    by_pk = {instance.pk: instance for instance in instances}
    grouped: dict[Any, list[models.Model]] = defaultdict(list)
    for row in rows:
        owner = getattr(row, pointer.attname)
        grouped[owner].append(row)
        pointer.set_cached_value(row, by_pk[owner])
    for instance in instances:
        fetched: FetchedRows = FetchedRows(model=model)
        fetched._result_cache = grouped.get(instance.pk, [])
        fetched._prefetch_done = True
        fetched._fetched_for = (instance, name, cache)
        if not hasattr(instance, "_prefetched_objects_cache"):
            instance._prefetched_objects_cache = {}
        instance._prefetched_objects_cache[cache] = fetched

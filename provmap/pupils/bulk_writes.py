"""Many rows written at once: in PostgreSQL's quicker ways where the database is PostgreSQL
(new rows by COPY, changes by one UPDATE from arrays), by Django's `bulk_create` and
`bulk_update` elsewhere.

Django's bulk writers turn every value into SQL in Python (`bulk_update` a CASE clause per
row and field), which is most of the time an import of a whole trust's pupils spends writing;
COPY sends the rows as they are, and an UPDATE joined to arrays (one a column) sends each
column's values as one. New rows' ids are taken from the table's sequence first, so that each
object knows its id afterwards, as after `bulk_create`. The database checks the rows as it
checks any INSERT or UPDATE (constraints, foreign keys), and a refusal is the same
IntegrityError.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator, Sequence
from typing import Any, TypeVar

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorDebugWrapper
from django.db.models import NOT_PROVIDED, Field, Model

M = TypeVar("M", bound=Model)

# Fields whose Python values COPY sends as they are: the same text Django's own preparation
# would give (anything else, a date and time among them for its time zone, is prepared by
# its field first).
_PLAIN_TYPES = frozenset(
    {
        "AutoField",
        "BigAutoField",
        "BigIntegerField",
        "BooleanField",
        "CharField",
        "DateField",
        "DecimalField",
        "ForeignKey",
        "IntegerField",
        "PositiveIntegerField",
        "PositiveSmallIntegerField",
        "SmallIntegerField",
        "TextField",
    }
)


def insert_new(model: type[M], objects: Sequence[M], *, batch_size: int = 1000) -> Sequence[M]:
    """Insert unsaved objects of `model` and give each its id, as `bulk_create` does (no
    signals, no `save()`); COPY on PostgreSQL, `bulk_create` in batches elsewhere or where a
    field needs the database or `save()` to fill it in."""
    if not objects:
        return objects
    using = router.db_for_write(model)
    connection = connections[using]
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    if connection.vendor != "postgresql" or not _copyable(model, fields, objects):
        return model._default_manager.using(using).bulk_create(objects, batch_size=batch_size)
    meta = model._meta
    primary_key = meta.pk
    assert primary_key is not None and primary_key.column
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    columns = ", ".join(quote(str(field.column)) for field in [primary_key, *fields])
    read = [(field.attname, _preparer(field, connection)) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s)",
            # The table's name is read as SQL reads a name (so quoted), the column's as it is.
            [table, primary_key.column, len(objects)],
        )
        ids = [row[0] for row in cursor.fetchall()]
        sql = f"COPY {table} ({columns}) FROM STDIN"
        with (
            _logged(cursor, sql),
            connection.wrap_database_errors,
            cursor.cursor.copy(sql) as copy,
        ):
            for new_id, instance in zip(ids, objects, strict=True):
                copy.write_row(
                    [new_id, *[prepare(getattr(instance, name)) for name, prepare in read]]
                )
    for new_id, instance in zip(ids, objects, strict=True):
        instance.pk = new_id
        instance._state.adding = False
        instance._state.db = using
    return objects


def update_fields(
    model: type[M], objects: Sequence[M], fields: Sequence[str], *, batch_size: int = 5000
) -> int:
    """Save `fields` of saved objects, as `bulk_update` does (no signals, no `save()`): on
    PostgreSQL one UPDATE a batch, joined to the new values sent as one array a column. The
    number of rows matched."""
    if not objects or not fields:
        return 0
    using = router.db_for_write(model)
    connection = connections[using]
    meta = model._meta
    changed = [meta.get_field(name) for name in fields]
    if connection.vendor != "postgresql" or not all(
        isinstance(field, Field) and field.concrete and not field.primary_key for field in changed
    ):
        return model._default_manager.using(using).bulk_update(objects, fields, batch_size=500)
    primary_key = meta.pk
    assert primary_key is not None
    columns = [primary_key, *(field for field in changed if isinstance(field, Field))]
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    names = {field: quote(str(field.column)) for field in columns}
    arrays = ", ".join(
        f"unnest(%s::{field.db_type(connection)}[]) AS {names[field]}" for field in columns
    )
    sets = ", ".join(f"{names[field]} = changed.{names[field]}" for field in columns[1:])
    key = names[primary_key]
    sql = (
        f"UPDATE {table} SET {sets} FROM (SELECT {arrays}) AS changed "
        f"WHERE {table}.{key} = changed.{key}"
    )
    # Each column's values are prepared by its field, as bulk_update prepares them: an array
    # is sent with one type, whatever was set on the objects.
    read = [
        (field.attname, functools.partial(field.get_db_prep_save, connection=connection))
        for field in columns
    ]
    matched = 0
    with connection.cursor() as cursor:
        for start in range(0, len(objects), batch_size):
            batch = objects[start : start + batch_size]
            cursor.execute(
                sql,
                [[prepare(getattr(item, name)) for item in batch] for name, prepare in read],
            )
            matched += cursor.rowcount
    return matched


def _copyable(model: type[Model], fields: list[Field[Any, Any]], objects: Sequence[Model]) -> bool:
    """Whether every value is already in the objects: no field is filled in by the database
    (a database default) or when saved (dates set on saving), and no object has an id yet."""
    for field in fields:
        if getattr(field, "db_default", NOT_PROVIDED) is not NOT_PROVIDED:
            return False
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            return False
    return all(instance.pk is None for instance in objects)


def _preparer(field: Field[Any, Any], connection: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    if field.get_internal_type() in _PLAIN_TYPES:
        return _as_it_is
    return lambda value: field.get_db_prep_save(value, connection)


def _as_it_is(value: object) -> object:
    return value


@contextlib.contextmanager
def _logged(cursor: Any, sql: str) -> Iterator[None]:
    """Record the COPY among the connection's queries when they are being recorded (in
    DEBUG and in tests that count queries), as Django records its own."""
    if isinstance(cursor, CursorDebugWrapper):
        with cursor.debug_sql(sql):
            yield
    else:
        yield

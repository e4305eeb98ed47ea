"""Row writes the ORM spells in several statements, in one.

``get_or_create`` on a unique key is a SELECT, a SAVEPOINT, the INSERT and a RELEASE (four
statements) when the row is new. Where the caller only needs to know whether *it* made the
row — an invitation, a subscription, a once-only marker — :func:`insert_unless_exists` is one
``INSERT … ON CONFLICT DO NOTHING RETURNING`` (PostgreSQL and SQLite ≥ 3.35 alike): a
conflicting row, committed or being written by a concurrent transaction, makes it a no-op
instead of an error, so the caller's transaction is never broken by it.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models import AutoField, BigAutoField, Model, SmallAutoField

from zhengwu.kernel.fastread import quote

_AUTO = (AutoField, BigAutoField, SmallAutoField)


def insert_statement(instance: Model, *, using: str = "default") -> tuple[str, list[Any]]:
    """``INSERT INTO … (…) VALUES (…)`` of ``instance`` as ``save()`` would write it (its
    fields' ``pre_save`` and database preparation), without a ``RETURNING`` clause; the
    auto primary key is left to the database unless set."""
    meta = instance._meta
    connection = connections[using]
    fields = [
        f
        for f in meta.concrete_fields
        if not (f.primary_key and isinstance(f, _AUTO) and getattr(instance, f.attname) is None)
    ]
    columns = ", ".join(quote(str(f.column), using=using) for f in fields)
    values = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    placeholders = ", ".join(["%s"] * len(fields))
    # Only quoted names from the model's metadata are interpolated; values are bound.
    sql = (
        f"INSERT INTO {quote(str(meta.db_table), using=using)} ({columns}) "  # noqa: S608
        f"VALUES ({placeholders})"
    )
    return sql, values


def inserted(instance: Model, pk_value: Any, *, using: str = "default") -> None:
    """Mark ``instance`` as stored under ``pk_value`` (after a hand-written INSERT)."""
    pk = instance._meta.pk
    assert pk is not None
    setattr(instance, pk.attname, pk_value)
    instance._state.adding = False
    instance._state.db = using


def insert_unless_exists(instance: Model, *, using: str = "default") -> bool:
    """Insert ``instance`` unless a row with the same value of any unique constraint exists.

    Returns True (and sets the instance's primary key) when this call inserted it, False when
    an existing row took precedence (the instance is then left unsaved).
    """
    pk = instance._meta.pk
    assert pk is not None
    sql, values = insert_statement(instance, using=using)
    sql += f" ON CONFLICT DO NOTHING RETURNING {quote(str(pk.column), using=using)}"
    with connections[using].cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return False
    inserted(instance, row[0], using=using)
    return True

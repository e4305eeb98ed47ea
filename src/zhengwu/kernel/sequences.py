"""Numbered sequences kept in counter rows: one ``UPDATE … RETURNING`` per number.

Case, notice and ticket numbers run per day or per year, so they are rows of a counter table
(one row per scope and period) rather than database sequences. Taking a number is a single
statement: the row is incremented and its new value returned, and the row lock lasts until
the caller's transaction ends (or for the statement alone, outside a transaction). Numbers
never repeat. A transaction that takes a number and then fails rolls the increment back with
it, so inside a transaction the numbers have no gaps; outside, a failure after taking a
number leaves one, as a sequence would.

The period's first number makes its row (``INSERT … ON CONFLICT DO NOTHING``: a concurrent
first caller may win, and either way the row exists for the second try) — no savepoint and
no error inside the caller's transaction.
"""

from __future__ import annotations

from typing import Any

from django.db import connections
from django.db.models import Model

from zhengwu.kernel.fastread import quote, quoted_column
from zhengwu.kernel.rows import insert_unless_exists


def next_value(
    model: type[Model], key: dict[str, Any], *, field: str = "last", using: str = "default"
) -> int:
    """Increment ``field`` of the ``model`` row matching ``key`` (made at 0 if missing) and
    return the new value."""
    meta = model._meta
    connection = connections[using]
    column = quoted_column(model, field, using=using)
    where: list[str] = []
    params: list[Any] = []
    for name, value in key.items():
        key_field = meta.get_field(name)
        where.append(f"{quoted_column(model, name, using=using)} = %s")
        params.append(key_field.get_db_prep_value(value, connection))  # type: ignore[union-attr]
    # Only quoted names from the model's metadata are interpolated; values are bound.
    sql = (
        f"UPDATE {quote(str(meta.db_table), using=using)} SET {column} = {column} + 1 "  # noqa: S608
        f"WHERE {' AND '.join(where)} RETURNING {column}"
    )
    for _ in range(2):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            row = cursor.fetchone()
        if row is not None:
            return int(row[0])
        insert_unless_exists(model(**key, **{field: 0}), using=using)
    raise RuntimeError(f"could not take a number from {meta.label} {key}")

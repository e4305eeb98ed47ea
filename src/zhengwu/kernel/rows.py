"""Row writes the ORM spells in several statements, in one.

``get_or_create`` on a unique key is a SELECT, a SAVEPOINT, the INSERT and a RELEASE (four
statements) when the row is new. Where the caller only needs to know whether *it* made the
row — an invitation, a subscription, a once-only marker — :func:`insert_unless_exists` is one
``INSERT … ON CONFLICT DO NOTHING RETURNING`` (PostgreSQL and SQLite ≥ 3.35 alike): a
conflicting row, committed or being written by a concurrent transaction, makes it a no-op
instead of an error, so the caller's transaction is never broken by it.

``save()`` of a row read earlier writes every column again — on a case, ≈ 70 of them, five of
them encrypted — and compiles that UPDATE on every call. :func:`save_changed` writes only what
changed since the row was read (:func:`remember`), in a statement written once per set of
columns.
"""

from __future__ import annotations

import copy
from typing import Any, TypeVar

from django.db import DatabaseError, connections
from django.db.models import AutoField, BigAutoField, JSONField, Model, SmallAutoField, signals

from zhengwu.kernel.fastread import quote

_AUTO = (AutoField, BigAutoField, SmallAutoField)
_UNSET = object()
M = TypeVar("M", bound=Model)


_INSERT_SQL: dict[tuple[type[Model], tuple[str, ...], str], str] = {}


def _insert_fields(instance: Model) -> list[Any]:
    return [
        f
        for f in instance._meta.concrete_fields
        if not (f.primary_key and isinstance(f, _AUTO) and getattr(instance, f.attname) is None)
    ]


def insert_statement(instance: Model, *, using: str = "default") -> tuple[str, list[Any]]:
    """``INSERT INTO … (…) VALUES (…)`` of ``instance`` as ``save()`` would write it (its
    fields' ``pre_save`` and database preparation), without a ``RETURNING`` clause; the
    auto primary key is left to the database unless set. The text is kept per model and
    set of columns."""
    meta = instance._meta
    connection = connections[using]
    fields = _insert_fields(instance)
    key = (type(instance), tuple(f.attname for f in fields), using)
    sql = _INSERT_SQL.get(key)
    if sql is None:
        columns = ", ".join(quote(str(f.column), using=using) for f in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        # Only quoted names from the model's metadata are interpolated; values are bound.
        sql = _INSERT_SQL[key] = (
            f"INSERT INTO {quote(str(meta.db_table), using=using)} ({columns}) "  # noqa: S608
            f"VALUES ({placeholders})"
        )
    values = [f.get_db_prep_save(f.pre_save(instance, True), connection) for f in fields]
    return sql, values


def _listened(model: type[Model]) -> bool:
    return bool(signals.pre_save.has_listeners(model) or signals.post_save.has_listeners(model))


def add(instance: Model, *, using: str = "default") -> Model:
    """Insert the new ``instance`` in one ``INSERT … RETURNING pk`` — what ``save()`` does for
    a new row, without compiling the statement each time. ``pre_save`` and ``post_save`` are
    sent as ``save()`` sends them when the model has receivers (a library's, such as
    django-tasks-db's; zhengwu's domains use events instead). Returns the instance, stored
    and remembered (:func:`remember`)."""
    model = type(instance)
    pk = instance._meta.pk
    assert pk is not None
    listened = _listened(model)
    if listened:
        signals.pre_save.send(
            sender=model, instance=instance, raw=False, using=using, update_fields=None
        )
    sql, values = insert_statement(instance, using=using)
    with connections[using].cursor() as cursor:
        cursor.execute(f"{sql} RETURNING {quote(str(pk.column), using=using)}", values)
        row = cursor.fetchone()
    inserted(instance, row[0], using=using)
    if listened:
        signals.post_save.send(
            sender=model,
            instance=instance,
            created=True,
            update_fields=None,
            raw=False,
            using=using,
        )
    remember(instance)
    return instance


def create(model: type[M], /, *, using: str = "default", **values: Any) -> M:
    """``model.objects.create(**values)`` as :func:`add` writes it."""
    instance = model(**values)
    add(instance, using=using)
    return instance


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


# --- updates of what changed ------------------------------------------------------------------

_LOADED = "_zw_loaded"  # instance attribute: the field values as read (see remember)
_UPDATE_SQL: dict[tuple[type[Model], tuple[str, ...], str], str] = {}


_MUTABLE: dict[type[Model], tuple[str, ...]] = {}


def _mutable_attnames(model: type[Model]) -> tuple[str, ...]:
    # JSON values (dicts, lists) may be changed in place: those are copied to compare with.
    # Every other field's value (text, numbers, dates, keys) is immutable.
    names = _MUTABLE.get(model)
    if names is None:
        names = _MUTABLE[model] = tuple(
            f.attname for f in model._meta.concrete_fields if isinstance(f, JSONField)
        )
    return names


def remember(instance: Model) -> None:
    """Note ``instance``'s field values as they are now (just read, or just written), so that
    :func:`save_changed` writes only the fields changed after this."""
    state = instance.__dict__
    loaded = state.copy()  # fields not read (deferred) are simply absent
    loaded.pop(_LOADED, None)
    for name in _mutable_attnames(type(instance)):
        if name in loaded:
            loaded[name] = copy.deepcopy(loaded[name])
    state[_LOADED] = loaded


def save_changed(instance: Model, *, using: str = "default") -> list[str]:
    """Write the fields changed since :func:`remember` in one ``UPDATE … WHERE pk = %s``.

    Returns the attribute names written. ``auto_now`` fields are always written (their
    ``pre_save`` stamps them), as ``save()`` does. Fields not read (deferred) are never
    written. An instance that was not remembered — made by the ORM, or not yet stored — is
    saved with ``save()``, every field. Meant for rows the caller has locked
    (``SELECT … FOR UPDATE``): nobody else can have changed the fields it leaves alone.

    The statement text is kept per model and set of fields. ``pre_save`` and ``post_save``
    are sent (with ``update_fields``) when the model has receivers, as ``save()`` sends them.
    An UPDATE that matches no row raises ``DatabaseError``, as ``save(update_fields=…)`` does.
    """
    loaded = instance.__dict__.get(_LOADED)
    meta = instance._meta
    if loaded is None or instance._state.adding:
        instance.save(using=using)
        remember(instance)
        return [f.attname for f in meta.concrete_fields if not f.primary_key]
    state = instance.__dict__
    fields = [
        f
        for f in meta.concrete_fields
        if not f.primary_key
        and f.attname in state
        and (getattr(f, "auto_now", False) or state[f.attname] != loaded.get(f.attname, _UNSET))
    ]
    names = tuple(f.attname for f in fields)
    listened = bool(fields) and _listened(type(instance))
    if listened:
        signals.pre_save.send(
            sender=type(instance),
            instance=instance,
            raw=False,
            using=using,
            update_fields=frozenset(f.name for f in fields),
        )
    if fields:
        connection = connections[using]
        key = (type(instance), names, using)
        sql = _UPDATE_SQL.get(key)
        if sql is None:
            assignments = ", ".join(f"{quote(str(f.column), using=using)} = %s" for f in fields)
            pk_column = quote(str(meta.pk.column), using=using)  # type: ignore[union-attr]
            # Quoted names from the model's metadata only; every value is bound.
            sql = _UPDATE_SQL[key] = (
                f"UPDATE {quote(str(meta.db_table), using=using)} "  # noqa: S608
                f"SET {assignments} WHERE {pk_column} = %s"
            )
        values = [f.get_db_prep_save(f.pre_save(instance, False), connection) for f in fields]
        values.append(meta.pk.get_db_prep_value(instance.pk, connection))  # type: ignore[union-attr]
        with connection.cursor() as cursor:
            cursor.execute(sql, values)
            if cursor.rowcount != 1:
                raise DatabaseError(f"{meta.label} {instance.pk}: the update matched no row")
    if listened:
        signals.post_save.send(
            sender=type(instance),
            instance=instance,
            created=False,
            update_fields=frozenset(f.name for f in fields),
            raw=False,
            using=using,
        )
    remember(instance)
    return list(names)

"""Fixed single-statement reads that skip Django's SQL compiler, for the hottest paths.

Measured here, building a query through the ORM costs 0.4–0.9 ms, several times what
PostgreSQL needs to run it (≈ 0.06 ms for a primary-key read through a cursor). For reads that
nearly every request makes — API-token authentication above all — :class:`RowReader` writes
the column list once per process from the model's metadata (names quoted by the backend),
and turns the row back into a model instance through the fields' own database converters,
exactly as the ORM would; fields not read stay deferred and load lazily if touched.

Use it only where a benchmark shows the compiler dominates; everywhere else the ORM is the
clearer tool.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connections
from django.db.models import Model, signals
from django.db.models.base import ModelState

Converter = Callable[[Any, Any, Any], Any]


class RowReader:
    """Columns of one model in a hand-written SELECT, and the way back to an instance."""

    def __init__(self, model: type[Model], field_names: Iterable[str]) -> None:
        wanted = set(field_names)
        pk = model._meta.pk
        assert pk is not None
        wanted.add(pk.name)
        concrete = [f for f in model._meta.concrete_fields if f.name in wanted]
        unknown = wanted - {f.name for f in concrete}
        if unknown:
            raise ValueError(f"{model.__name__} has no concrete fields {sorted(unknown)}")
        # Model.from_db expects values in concrete-field order: keep that order here.
        self.model = model
        self.fields = concrete
        self.attnames = tuple(f.attname for f in concrete)
        self.width = len(concrete)
        # Per database alias: (column index, [(converter, column expression), …]) for the
        # columns that have converters at all — on PostgreSQL only a few (encrypted fields,
        # JSON), so the others are taken as psycopg gave them.
        self.pk_index = [f.primary_key for f in concrete].index(True)
        self._converters: dict[str, tuple[tuple[int, tuple[tuple[Converter, Any], ...]], ...]] = {}
        self._plain: bool | None = None

    @property
    def table(self) -> str:
        return str(self.model._meta.db_table)

    def column(self, name: str) -> str:
        """The column name of concrete field ``name`` (the ``…_id`` column for a foreign key)."""
        field = self.model._meta.get_field(name)
        column = getattr(field, "column", None)
        if not column:
            raise ValueError(f"{self.model.__name__}.{name} has no column")
        return str(column)

    def select_list(self, alias: str, *, using: str = "default") -> str:
        quote = connections[using].ops.quote_name
        return ", ".join(f"{quote(alias)}.{quote(str(f.column))}" for f in self.fields)

    def _converters_for(
        self, using: str
    ) -> tuple[tuple[int, tuple[tuple[Converter, Any], ...]], ...]:
        cached = self._converters.get(using)
        if cached is None:
            connection = connections[using]
            found = []
            for index, field in enumerate(self.fields):
                col = field.get_col(self.table)
                chain = (
                    *connection.ops.get_db_converters(col),
                    *col.get_db_converters(connection),
                )
                if chain:
                    found.append((index, tuple((conv, col) for conv in chain)))
            cached = self._converters[using] = tuple(found)
        return cached

    def build(self, values: Sequence[Any], *, using: str = "default") -> Model:
        """A model instance from this reader's slice of a row (fields not read are deferred)."""
        if len(values) != self.width:
            raise ValueError(
                f"{self.model.__name__}: {len(values)} values for {self.width} columns"
            )
        converters = self._converters_for(using)
        converted: Sequence[Any] = values
        if converters:
            connection = connections[using]
            converted = list(values)
            for index, chain in converters:
                value = converted[index]
                for converter, col in chain:
                    value = converter(value, col, connection)
                converted[index] = value
        if self._plain is None:
            # Model.from_db runs __init__ and its signals; with no init receivers on this model
            # an instance is just its field values and a state, which is 3× cheaper to make.
            self._plain = not (
                signals.pre_init.has_listeners(self.model)
                or signals.post_init.has_listeners(self.model)
            )
        if not self._plain:
            return self.model.from_db(using, self.attnames, converted)
        instance = self.model.__new__(self.model)
        # Fields not read stay out of __dict__, which is how Django marks them deferred.
        instance.__dict__.update(zip(self.attnames, converted, strict=True))
        instance._state = ModelState()
        instance._state.adding = False
        instance._state.db = using
        return instance


def _all_fields(model: Any) -> list[str]:
    return [f.name for f in model._meta.concrete_fields]


class JoinedReader:
    """A row of ``model`` with some of its forward foreign keys joined, as ``select_related``
    reads them — the statement written once per process.

    ``related`` maps each foreign key to the fields to read of its model (``None``: all).
    The main table is aliased ``m`` in the ``where`` clause given to :meth:`sql`; each
    related row is ``LEFT JOIN``-ed, and :meth:`build` sets it (or None) as the instance's
    cached related object, so reading ``instance.<fk>`` costs no query.
    """

    def __init__(
        self,
        model: type[Model],
        related: dict[str, Sequence[str] | None],
        fields: Iterable[str] | None = None,
    ) -> None:
        names = list(fields) if fields is not None else _all_fields(model)
        names += [n for n in related if n not in names]  # the join needs the key column
        self.main = RowReader(model, names)
        self.joins: list[tuple[Any, RowReader, str]] = []
        for index, (name, wanted) in enumerate(related.items()):
            field = model._meta.get_field(name)
            target = field.related_model
            if not getattr(field, "many_to_one", False) and not getattr(field, "one_to_one", False):
                raise ValueError(f"{model.__name__}.{name} is not a forward foreign key")
            assert isinstance(target, type)
            columns = wanted if wanted is not None else _all_fields(target)
            self.joins.append((field, RowReader(target, columns), f"j{index}"))
        self._sql: dict[tuple[str, str, str], str] = {}

    def sql(self, where: str, *, suffix: str = "", using: str = "default") -> str:
        """``SELECT … FROM <model> m LEFT JOIN … WHERE <where> <suffix>``.

        ``where`` and ``suffix`` must be fixed text with ``%s`` placeholders for the values:
        the statement is kept per text (never interpolate a value into them)."""
        key = (where, suffix, using)
        cached = self._sql.get(key)
        if cached is None:
            select = [self.main.select_list("m", using=using)]
            joins = []
            for field, reader, alias in self.joins:
                select.append(reader.select_list(alias, using=using))
                target_pk = quote(str(reader.fields[reader.pk_index].column), using=using)
                joins.append(
                    f"LEFT JOIN {quote(reader.table, using=using)} {alias} "
                    f"ON {alias}.{target_pk} = m.{quote(str(field.column), using=using)}"
                )
            table = quote(self.main.table, using=using)
            # Quoted names from model metadata and the caller's fixed clauses only.
            sql = f"SELECT {', '.join(select)} FROM {table} m {' '.join(joins)} WHERE {where}"  # noqa: S608
            cached = self._sql[key] = f"{sql} {suffix}".strip()
        return cached

    def one(
        self, where: str, params: Sequence[Any], *, suffix: str = "", using: str = "default"
    ) -> Any:
        """The first matching instance, or None."""
        row = fetch_one(self.sql(where, suffix=suffix, using=using), params, using=using)
        return None if row is None else self.build(row, using=using)

    def all(
        self,
        where: str,
        params: Sequence[Any],
        *,
        suffix: str = "",
        parent: tuple[str, Model] | None = None,
        using: str = "default",
    ) -> list[Any]:
        """Every matching instance; ``parent`` = (foreign key, instance) the rows all point
        to, set as each one's cached related object (as a related manager does)."""
        field = self.main.model._meta.get_field(parent[0]) if parent else None
        out = []
        for row in fetch_all(self.sql(where, suffix=suffix, using=using), params, using=using):
            instance = self.build(row, using=using)
            if field is not None and parent is not None:
                field.set_cached_value(instance, parent[1])  # type: ignore[union-attr]
            out.append(instance)
        return out

    def build(self, row: Sequence[Any], *, using: str = "default") -> Model:
        instance = self.main.build(row[: self.main.width], using=using)
        at = self.main.width
        for field, reader, _alias in self.joins:
            part = row[at : at + reader.width]
            at += reader.width
            # a LEFT JOIN that found no row gives NULL for every column, the key included
            missing = part[reader.pk_index] is None
            related = None if missing else reader.build(part, using=using)
            field.set_cached_value(instance, related)
        return instance


def fetch_one(sql: str, params: Sequence[Any], *, using: str = "default") -> tuple | None:
    """The first row of a fixed statement (``%s`` placeholders), or ``None``.

    On PostgreSQL with server-side binding (``ZHENGWU_DB_PREPARED_STATEMENTS``, decision 0009)
    the statement is prepared on its first run on a connection and then only executed — no
    parsing or planning per request — through a psycopg cursor opened directly on Django's
    connection, with Django's checks and error translation. When queries are being recorded
    (``DEBUG``, ``assertNumQueries``), watched (``connection.execute_wrapper``) or on SQLite,
    it goes through Django's cursor instead.
    """
    return _fetch(sql, params, using, many=False)  # type: ignore[no-any-return]


def fetch_all(sql: str, params: Sequence[Any], *, using: str = "default") -> list[tuple]:
    """Every row of a fixed statement, run as :func:`fetch_one` runs it."""
    return _fetch(sql, params, using, many=True)  # type: ignore[no-any-return]


def _fetch(sql: str, params: Sequence[Any], using: str, *, many: bool) -> Any:
    connection = connections[using]
    if (
        connection.queries_logged
        or connection.execute_wrappers
        or not connection.settings_dict.get("OPTIONS", {}).get("server_side_binding")
    ):
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall() if many else cursor.fetchone()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    connection.validate_thread_sharing()
    connection.validate_no_broken_transaction()
    with connection.wrap_database_errors:
        cursor = _reusable_cursor(connection)
        cursor.execute(sql, params, prepare=True)
        return cursor.fetchall() if many else cursor.fetchone()


def _reusable_cursor(connection: Any) -> Any:
    """One client-side psycopg cursor per database connection, kept for the next read.

    Opening a cursor (and Django's time-zone check on it) costs about as much as the rest of
    the client side of a prepared primary-key read. A psycopg cursor holds no server state
    once its result is fetched, and Django's connection wrapper is per thread, so keeping
    one on the wrapper is safe; it is replaced when Django reconnects.
    """
    raw = connection.connection
    cursor = getattr(connection, "_fastread_cursor", None)
    if cursor is None or cursor.closed or cursor.connection is not raw:
        cursor = connection.create_cursor()
        connection._fastread_cursor = cursor
    return cursor


def is_bigint(value: Any) -> bool:
    """Whether ``value`` can be a BIGINT key: larger numbers match no row (and SQLite could not
    even bind them), so a fixed read answers "not found" for them without asking."""
    return isinstance(value, int) and not isinstance(value, bool) and -(2**63) <= value < 2**63


def quote(name: str, *, using: str = "default") -> str:
    return str(connections[using].ops.quote_name(name))


def in_clause(column: str, values: Sequence[Any], *, using: str = "default") -> tuple[str, list]:
    """``<column>`` among ``values``, as (clause, parameters) for a fixed statement: one array
    parameter on PostgreSQL (``= ANY(%s)``: one statement text, so one prepared statement, for
    any number of values), a placeholder per value elsewhere. ``column`` is quoted SQL."""
    if connections[using].vendor == "postgresql":
        return f"{column} = ANY(%s)", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


@functools.lru_cache(maxsize=1024)
def quoted_column(model: type[Model], name: str, *, using: str = "default") -> str:
    """The quoted column of ``model``'s concrete field ``name`` (``…_id`` for a foreign key);
    kept per process (fixed statements spell their clauses with it on every call)."""
    column = getattr(model._meta.get_field(name), "column", None)
    if not column:
        raise ValueError(f"{model.__name__}.{name} has no column")
    return quote(str(column), using=using)


_PK_READERS: dict[type[Model], JoinedReader] = {}


def related(instance: Model, name: str, *, using: str = "default") -> Any:
    """``instance.<name>`` (a forward foreign key) read as a fixed primary-key statement and
    cached on the instance as the ORM's lazy load caches it (None for a null key). Once
    cached — by this, ``select_related`` or an assignment — no statement is run."""
    field: Any = instance._meta.get_field(name)
    if field.is_cached(instance):
        return field.get_cached_value(instance)
    key = getattr(instance, field.attname)
    found = None
    if key is not None:
        target = field.related_model
        reader = _PK_READERS.get(target)
        if reader is None:
            reader = _PK_READERS[target] = JoinedReader(target, {})
        pk_column = quoted_column(target, target._meta.pk.name, using=using)
        found = reader.one(f"m.{pk_column} = %s", [key], using=using)
    field.set_cached_value(instance, found)
    return found

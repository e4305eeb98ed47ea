"""timestamptz columns are read by psycopg's compiled loader, with Django's exact results."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader

from tests.factories import UserFactory
from zhengwu.accounts import services
from zhengwu.accounts.models import ApiToken

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="psycopg loaders: PostgreSQL"),
]

SQL = (
    "SELECT %s::timestamptz, '2026-01-01 08:00:00.123456+08'::timestamptz, "
    "'1999-12-31 23:59:59-05:30'::timestamptz, NULL::timestamptz"
)
VALUE = datetime.datetime(2026, 11, 28, 9, 30, 15, 250, tzinfo=datetime.UTC)


def _loader_name() -> str:
    from psycopg.pq import Format

    connection.ensure_connection()
    oid = connection.connection.adapters.types["timestamptz"].oid
    return connection.connection.adapters.get_loader(oid, Format.TEXT).__name__


def _read() -> tuple:
    with connection.cursor() as cursor:
        cursor.execute(SQL, [VALUE])
        row = cursor.fetchone()
        loader = cursor.cursor._tx.get_loader(1184, 0)
    return row, type(loader)


def test_the_compiled_loader_is_registered_and_gives_what_djangos_gives():
    assert _loader_name() == "UtcTimestamptzLoader"
    fast, loader_type = _read()
    assert loader_type.__module__.startswith(("psycopg_binary", "psycopg_c"))
    register_tzloader(datetime.UTC, connection.connection)  # Django's own, for comparison
    try:
        django_row, django_type = _read()
    finally:
        connection.close()  # the next connection gets the compiled loader again
    assert django_type.__module__.startswith("django")
    assert fast == django_row
    assert fast[0] == VALUE and fast[3] is None
    assert fast[1] == datetime.datetime(2026, 1, 1, 0, 0, 0, 123456, tzinfo=datetime.UTC)
    assert fast[2] == datetime.datetime(2000, 1, 1, 5, 29, 59, tzinfo=datetime.UTC)
    assert all(v.tzinfo is datetime.UTC for v in fast[:3])


def test_orm_date_times_round_trip_through_the_compiled_loader():
    assert _loader_name() == "UtcTimestamptzLoader"
    token, _secret = services.token_create(user=UserFactory(), name="t", scopes=["read"])
    fresh = ApiToken.objects.get(pk=token.pk)
    assert fresh.expires_at == token.expires_at and fresh.expires_at.tzinfo is datetime.UTC
    assert fresh.created_at == token.created_at
    assert _loader_name() == "UtcTimestamptzLoader"  # Django's create_cursor left it in place

"""RowReader: a hand-written read must give exactly what the ORM gives."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory
from zhengwu.accounts import selectors, services
from zhengwu.accounts.models import ApiToken, User
from zhengwu.kernel.fastread import RowReader, fetch_one, quote

pytestmark = pytest.mark.django_db


def test_row_reader_builds_the_same_instance_as_the_orm():
    user = UserFactory(display_name="李四", elderly_mode=True, language="en")
    user.phone = "13912345678"
    user.save()
    reader = RowReader(User, [f.name for f in User._meta.concrete_fields])
    sql = f"SELECT {reader.select_list('u')} FROM {quote(reader.table)} u WHERE u.id = %s"
    built = reader.build(fetch_one(sql, [user.pk]))
    fresh = User.objects.get(pk=user.pk)
    for field in User._meta.concrete_fields:
        assert getattr(built, field.attname) == getattr(fresh, field.attname), field.name
    assert built.phone == "13912345678"  # the encrypted field went through its converter
    assert built._state.adding is False and built._state.db == "default"


def test_fields_not_read_are_deferred_and_load_lazily():
    user = UserFactory(display_name="王五")
    reader = RowReader(User, ["username"])
    sql = f"SELECT {reader.select_list('u')} FROM {quote(reader.table)} u WHERE u.id = %s"
    built = reader.build(fetch_one(sql, [user.pk]))
    assert "display_name" in built.get_deferred_fields()
    with CaptureQueriesContext(connection) as queries:
        assert built.display_name == "王五"
    assert len(queries) == 1


def test_unknown_field_is_refused():
    with pytest.raises(ValueError, match="no concrete fields"):
        RowReader(User, ["no_such_field"])


def test_token_and_user_are_read_in_one_statement():
    user = UserFactory()
    token, _secret = services.token_create(user=user, name="t", scopes=["read"])
    found = selectors.token_with_user_by_hash(token.token_hash)
    assert found is not None and found.pk == token.pk
    assert found.user.pk == user.pk and found.user.username == user.username
    assert found.scopes == ["read"] and found.expires_at == token.expires_at
    assert "password" in found.user.get_deferred_fields()  # never read on this path
    assert selectors.token_with_user_by_hash("0" * 64) is None


def test_token_user_reads_only_request_columns_and_loads_the_rest_on_access():
    user = UserFactory(email="a@example.cn", first_name="伟")
    User.objects.filter(pk=user.pk).update(failed_login_count=2)
    token, _secret = services.token_create(user=user, name="t", scopes=["read"])
    found = selectors.token_with_user_by_hash(token.token_hash)
    deferred = found.user.get_deferred_fields()
    assert {"email", "first_name", "failed_login_count", "locked_until", "password"} <= deferred
    assert not deferred & set(selectors.TOKEN_USER_FIELDS)
    with CaptureQueriesContext(connection) as queries:
        assert found.user.email == "a@example.cn"
    assert len(queries) == 1
    # Saving the request's account writes only what it read: nothing deferred is blanked.
    found.user.display_name = "新名字"
    found.user.save()
    fresh = User.objects.get(pk=user.pk)
    assert fresh.display_name == "新名字" and fresh.failed_login_count == 2
    assert fresh.first_name == "伟" and fresh.password == user.password


def test_token_authenticated_me_costs_one_query(client):
    user = UserFactory()
    _, secret = services.token_create(user=user, name="t", scopes=["read"])
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    client.get("/api/v1/accounts/me", **bearer)  # first use writes last_used_at once
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/api/v1/accounts/me", **bearer)
    assert response.status_code == 200
    assert response.json()["username"] == user.username
    assert len(queries) == 1, [q["sql"] for q in queries]
    assert ApiToken.objects.get(user=user).last_used_at is not None


def test_a_model_with_init_receivers_is_built_through_from_db():
    from django.db.models import signals

    seen: list[int] = []

    def receiver(sender, instance, **kwargs):
        seen.append(instance.pk)

    user = UserFactory()
    reader = RowReader(User, ["username"])
    sql = f"SELECT {reader.select_list('u')} FROM {quote(reader.table)} u WHERE u.id = %s"
    signals.post_init.connect(receiver, sender=User)
    try:
        built = reader.build(fetch_one(sql, [user.pk]))
    finally:
        signals.post_init.disconnect(receiver, sender=User)
    assert seen == [user.pk] and built.username == user.username


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_fixed_reads_are_prepared_on_postgresql():
    user = UserFactory()
    token, _secret = services.token_create(user=user, name="t", scopes=["read"])
    sql = selectors._token_sql("default")
    assert connection.settings_dict["OPTIONS"]["server_side_binding"] is True
    assert selectors.token_with_user_by_hash(token.token_hash).user.pk == user.pk
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any(text.replace("$1", "%s") == sql for text in prepared), prepared


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_a_prepared_read_in_a_broken_transaction_is_refused_like_any_query():
    from django.db import DatabaseError, transaction
    from django.db.transaction import TransactionManagementError

    user = UserFactory()
    with transaction.atomic():
        with (
            pytest.raises(DatabaseError),
            transaction.atomic(savepoint=False),
            connection.cursor() as cursor,
        ):
            cursor.execute("SELECT 1/0")
        with pytest.raises(TransactionManagementError):
            selectors.token_with_user_by_hash("0" * 64)
        transaction.set_rollback(True)
    assert User.objects.filter(pk=user.pk).exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_errors_of_a_prepared_read_arrive_as_djangos():
    from django.db import ProgrammingError, transaction

    with pytest.raises(ProgrammingError, match="no_such_column"), transaction.atomic():
        fetch_one("SELECT no_such_column FROM accounts_user WHERE id = %s", [1])


def test_execute_wrappers_still_see_a_fixed_read():
    seen: list[str] = []

    def watch(execute, sql, params, many, context):
        seen.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(watch):
        selectors.token_with_user_by_hash("0" * 64)
    assert seen == [selectors._token_sql("default")]


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_one_cursor_serves_the_fixed_reads_of_a_connection():
    from django.db import ProgrammingError, transaction

    user = UserFactory()
    sql = "SELECT username FROM accounts_user WHERE id = %s"
    assert fetch_one(sql, [user.pk]) == (user.username,)
    cursor = connection._fastread_cursor
    assert fetch_one(sql, [user.pk]) == (user.username,)
    assert connection._fastread_cursor is cursor
    # A failed read leaves the cursor usable once the transaction is rolled back.
    with pytest.raises(ProgrammingError), transaction.atomic():
        fetch_one("SELECT no_such_column FROM accounts_user WHERE id = %s", [user.pk])
    assert fetch_one(sql, [user.pk]) == (user.username,)
    # A closed one (as after a reconnect) is replaced.
    cursor.close()
    assert fetch_one(sql, [user.pk]) == (user.username,)
    assert connection._fastread_cursor is not cursor


def test_a_joined_read_is_the_orms_select_related():
    from tests.factories import DepartmentFactory
    from zhengwu.accounts.models import StaffProfile
    from zhengwu.kernel.fastread import JoinedReader, quoted_column
    from zhengwu.org.models import Department

    parent = DepartmentFactory(name="区上级局")
    child = DepartmentFactory(name="区下级局", parent=parent)
    orphan = DepartmentFactory(name="区独立局")
    reader = JoinedReader(Department, {"parent": None, "region": ("code",)})
    sql = reader.sql(f"m.{quoted_column(Department, 'id')} = %s")
    for department in (child, orphan):
        built = reader.build(fetch_one(sql, [department.pk]))
        fresh = Department.objects.select_related("parent", "region").get(pk=department.pk)
        for field in Department._meta.concrete_fields:
            assert getattr(built, field.attname) == getattr(fresh, field.attname), field.name
        with CaptureQueriesContext(connection) as queries:
            parent_of = built.parent
            region_code = built.region.code
        assert len(queries) == 0  # both came with the row
        assert region_code == "610111"
        assert (parent_of.name if parent_of else None) == (
            fresh.parent.name if fresh.parent else None
        )
    assert reader.build(fetch_one(sql, [orphan.pk])).parent is None  # LEFT JOIN, no row
    # fields not read stay deferred on the related row
    region = reader.build(fetch_one(sql, [child.pk])).region
    assert "name" in region.get_deferred_fields()
    # only forward foreign keys can be joined
    with pytest.raises(ValueError):
        JoinedReader(StaffProfile, {"role_grants": None})


@pytest.mark.skipif(connection.vendor != "postgresql", reason="prepared statements: PostgreSQL")
def test_connections_with_prepared_statements_do_not_jit_compile():
    # a generic plan's averaged estimates must not switch on JIT for a short query (0009)
    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone()[0] == "off"

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

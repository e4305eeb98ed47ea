"""Permission matrix: every actor × endpoint, asserting the status AND, for writes, that a
denied call changed nothing.

This is the pattern to copy for a new domain:

1. ``world`` builds the actors once per test through the real services (two departments, so
   "right role, wrong department" is covered).
2. ``MATRIX`` is a table: endpoint → expected status per actor. Reading a row answers
   "who may do this?" without reading code.
3. Each write row names a ``snapshot`` function; for a denied call the snapshot taken before
   and after must be equal.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import (
    PASSWORD,
    DepartmentFactory,
    make_citizen,
    make_enterprise_member,
    make_staff,
)
from zhengwu.accounts.models import User
from zhengwu.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db

ACTORS = ("anonymous", "citizen", "enterprise", "clerk_a", "approver_b", "admin")


@dataclass
class World:
    users: dict[str, User]
    dept_a: Any
    dept_b: Any
    target: User  # a citizen nobody but an administrator (and themself) may see

    def client(self, actor: str) -> Client:
        client = Client()
        if actor != "anonymous":
            response = client.post(
                "/api/v1/accounts/login",
                {"username": self.users[actor].username, "password": PASSWORD},
                content_type="application/json",
            )
            assert response.status_code == 200
        return client


@pytest.fixture
def world() -> World:
    dept_a = DepartmentFactory(name="区行政审批服务局(测试)")
    dept_b = DepartmentFactory(name="区市场监管局(测试)")
    users = {
        "citizen": make_citizen(),
        "enterprise": make_enterprise_member(role="legal_representative"),
        "clerk_a": make_staff(department=dept_a, roles=["window_clerk"]),
        "approver_b": make_staff(department=dept_b, roles=["approver"]),
        "admin": make_staff(department=dept_a, roles=["administrator"]),
    }
    target = make_citizen(real_name="目标")
    User.objects.filter(pk=target.pk).update(locked_until=timezone.now() + timedelta(minutes=10))
    return World(users, dept_a, dept_b, target)


def snapshot_users(world: World) -> Any:
    return sorted(User.objects.values_list("id", "username", "locked_until", "kind"))


def new_staff_body(world: World) -> dict[str, Any]:
    return {
        "username": "newclerk",
        "password": PASSWORD,
        "display_name": "新同事",
        "kind": "staff",
        "department_id": world.dept_a.pk,
        "roles": ["window_clerk"],
    }


# (name, method, path(world), body(world) or None, snapshot or None, {actor: status})
MATRIX = [
    (
        "list departments",
        "get",
        lambda w: "/api/v1/org/departments",
        None,
        None,
        dict.fromkeys(ACTORS, 200),
    ),
    (
        "me",
        "get",
        lambda w: "/api/v1/accounts/me",
        None,
        None,
        {"anonymous": 401, **dict.fromkeys(ACTORS[1:], 200)},
    ),
    (
        "another user's record",
        "get",
        lambda w: f"/api/v1/accounts/users/{w.target.pk}",
        None,
        None,
        {
            "anonymous": 401,
            "citizen": 404,
            "enterprise": 404,
            "clerk_a": 404,
            "approver_b": 404,
            "admin": 200,
        },
    ),
    (
        "a user id that does not exist",
        "get",
        lambda w: "/api/v1/accounts/users/999999",
        None,
        None,
        {
            "anonymous": 401,
            "citizen": 404,
            "enterprise": 404,
            "clerk_a": 404,
            "approver_b": 404,
            "admin": 404,
        },
    ),
    (
        "staff of department A",
        "get",
        lambda w: f"/api/v1/org/departments/{w.dept_a.pk}/staff",
        None,
        None,
        {
            "anonymous": 401,
            "citizen": 403,
            "enterprise": 403,
            "clerk_a": 200,
            "approver_b": 403,
            "admin": 200,
        },
    ),
    (
        "clerk certification",
        "get",
        lambda w: "/api/v1/accounts/certification",
        None,
        None,
        {
            "anonymous": 401,
            "citizen": 403,
            "enterprise": 403,
            "clerk_a": 403,
            "approver_b": 403,
            "admin": 200,
        },
    ),
    (
        "create a staff user",
        "post",
        lambda w: "/api/v1/accounts/users",
        new_staff_body,
        snapshot_users,
        {
            "anonymous": 401,
            "citizen": 403,
            "enterprise": 403,
            "clerk_a": 403,
            "approver_b": 403,
            "admin": 201,
        },
    ),
    (
        "unlock a user",
        "post",
        lambda w: f"/api/v1/accounts/users/{w.target.pk}/unlock",
        None,
        snapshot_users,
        {
            "anonymous": 401,
            "citizen": 404,
            "enterprise": 404,
            "clerk_a": 404,
            "approver_b": 404,
            "admin": 200,
        },
    ),
]


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    ("name", "method", "path", "body", "snapshot", "expected"), MATRIX, ids=[m[0] for m in MATRIX]
)
def test_permission_matrix(world, actor, name, method, path, body, snapshot, expected):
    client = world.client(actor)
    before = snapshot(world) if snapshot else None
    audit_before = AuditEntry.objects.exclude(action__startswith="login.").count()
    kwargs: dict[str, Any] = {}
    if body is not None:
        kwargs = {"data": json.dumps(body(world)), "content_type": "application/json"}
    response = getattr(client, method)(path(world), **kwargs)
    assert response.status_code == expected[actor], (name, actor, response.content)
    if response.status_code >= 400:
        assert response.json()["code"]  # the uniform error body
        if snapshot:
            assert snapshot(world) == before, f"denied {name} by {actor} changed data"
            assert AuditEntry.objects.exclude(action__startswith="login.").count() == audit_before
    elif snapshot:
        assert snapshot(world) != before, f"allowed {name} by {actor} changed nothing"

"""Permission matrix of the catalogue change-control API: actor × endpoint, asserting the
status and that a denied write changed nothing (tests/accounts/test_permission_matrix.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from tests.catalog import helpers_manage as h
from tests.factories import PASSWORD, DepartmentFactory, make_citizen, make_staff
from zhengwu.catalog.models import ItemVersion, Material, VersionEvent
from zhengwu.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db

ACTORS = ("anonymous", "citizen", "clerk_a", "approver_a", "approver_b", "admin")
BASE = "/api/v1/catalog/manage"


@dataclass
class World:
    users: dict[str, Any]
    dept_a: Any
    dept_b: Any
    published: ItemVersion  # dept A, published
    draft: ItemVersion  # dept A, open draft of another list
    submitted: ItemVersion  # dept A, submitted

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
    dept_a = DepartmentFactory(name="区市场监督管理局(测试)")
    dept_b = DepartmentFactory(name="区卫生健康局(测试)")
    users = {
        "citizen": make_citizen(),
        "clerk_a": make_staff(department=dept_a, roles=["window_clerk"]),
        "approver_a": make_staff(department=dept_a, roles=["approver"]),
        "approver_b": make_staff(department=dept_b, roles=["approver"]),
        "admin": make_staff(department=dept_b, roles=["administrator"]),
    }
    published = h.published_list(dept_a, situations=False)
    draft = h.new_draft(dept_a, name="食品经营许可变更")
    submitted = h.new_draft(dept_a, name="食品经营许可注销")
    from zhengwu.catalog import services
    from zhengwu.kernel.actors import SYSTEM

    services.version_submit(version_id=submitted.pk, user=None, actor=SYSTEM)
    return World(users, dept_a, dept_b, published, draft, submitted)


def snapshot(world: World) -> Any:
    return (
        sorted(ItemVersion.objects.values_list("id", "status", "promised_limit", "hours")),
        sorted(Material.objects.values_list("id", "key", "name")),
        VersionEvent.objects.count(),
    )


def create_body(world: World) -> dict[str, Any]:
    return {
        "department_id": world.dept_a.pk,
        "item": {"basic_code": "000999000001", "name": "出版物零售业务经营许可",
                 "item_type": "01", "legal_basis": "《出版管理条例》"},
        "fields": {**h.BASE_FIELDS, "name": "出版物零售业务经营许可"},
    }  # fmt: skip


DENY_READ = {"citizen": 404, "clerk_a": 404, "approver_b": 404}
EDIT = {"anonymous": 401, "citizen": 403, "clerk_a": 403, "approver_a": 200,
        "approver_b": 403, "admin": 200}  # fmt: skip
EDIT_DRAFT = {"anonymous": 401, **DENY_READ, "approver_a": 200, "admin": 200}
REVIEW_ONLY = {"anonymous": 401, **DENY_READ, "approver_a": 403, "admin": 200}

# (name, method, path(world), body(world) or None, snapshot?, {actor: status})
MATRIX = [
    ("history of a published list", "get",
     lambda w: f"{BASE}/versions?implementation_code={w.published.implementation_code}",
     None, False, {"anonymous": 401, **dict.fromkeys(ACTORS[1:], 200)}),
    ("history of a draft-only list", "get",
     lambda w: f"{BASE}/versions?implementation_code={w.draft.implementation_code}",
     None, False, {"anonymous": 401, **DENY_READ, "approver_a": 200, "admin": 200}),
    ("get a published version", "get", lambda w: f"{BASE}/versions/{w.published.pk}",
     None, False, {"anonymous": 401, **dict.fromkeys(ACTORS[1:], 200)}),
    ("get a draft", "get", lambda w: f"{BASE}/versions/{w.draft.pk}",
     None, False, {"anonymous": 401, **DENY_READ, "approver_a": 200, "admin": 200}),
    ("diff draft vs published", "get",
     lambda w: f"{BASE}/diff?from={w.published.pk}&to={w.draft.pk}",
     None, False, {"anonymous": 401, **DENY_READ, "approver_a": 200, "admin": 200}),
    ("review queue", "get", lambda w: f"{BASE}/review-queue", None, False,
     {"anonymous": 401, "citizen": 403, "clerk_a": 403, "approver_a": 403, "approver_b": 403,
      "admin": 200}),
    ("quality of department A", "get",
     lambda w: f"{BASE}/quality?department_id={w.dept_a.pk}", None, False,
     {"anonymous": 401, "citizen": 403, "clerk_a": 403, "approver_a": 200, "approver_b": 403,
      "admin": 200}),
    ("create a new list in A", "post", lambda w: f"{BASE}/versions", create_body, True,
     {**EDIT, "approver_a": 201, "admin": 201}),
    ("open a change of the published list", "post", lambda w: f"{BASE}/versions",
     lambda w: {"implementation_code": w.published.implementation_code}, True,
     {**EDIT, "approver_a": 201, "admin": 201}),
    ("update a draft", "patch", lambda w: f"{BASE}/versions/{w.draft.pk}",
     lambda w: {"changes": {"hours": "全天"}}, True, EDIT_DRAFT),
    ("update the published version", "patch", lambda w: f"{BASE}/versions/{w.published.pk}",
     lambda w: {"changes": {"hours": "全天"}}, True,
     {"anonymous": 401, "citizen": 403, "clerk_a": 403, "approver_a": 409, "approver_b": 403,
      "admin": 409}),
    ("add a material", "put", lambda w: f"{BASE}/versions/{w.draft.pk}/materials/licence",
     lambda w: {"data": {"name": "营业执照", "issuing_body": "市场监管局"}}, True, EDIT_DRAFT),
    ("submit a draft", "post", lambda w: f"{BASE}/versions/{w.draft.pk}/submit",
     lambda w: {}, True, EDIT_DRAFT),
    ("approve", "post", lambda w: f"{BASE}/versions/{w.submitted.pk}/review",
     lambda w: {"approve": True, "comment": "同意"}, True, REVIEW_ONLY),
    ("return", "post", lambda w: f"{BASE}/versions/{w.submitted.pk}/review",
     lambda w: {"approve": False, "comment": "补充材料"}, True, REVIEW_ONLY),
    ("request withdrawal", "post", lambda w: f"{BASE}/withdrawals",
     lambda w: {"implementation_code": w.published.implementation_code, "reason": "法律废止"},
     True, {**EDIT, "approver_a": 201, "admin": 201}),
]  # fmt: skip


@pytest.mark.parametrize("actor", ACTORS)
@pytest.mark.parametrize(
    ("name", "method", "path", "body", "check", "expected"), MATRIX, ids=[m[0] for m in MATRIX]
)
def test_permission_matrix(world, actor, name, method, path, body, check, expected):
    client = world.client(actor)
    before = snapshot(world)
    audit_before = AuditEntry.objects.exclude(action__startswith="login.").count()
    kwargs: dict[str, Any] = {}
    if body is not None:
        kwargs = {"data": json.dumps(body(world)), "content_type": "application/json"}
    response = getattr(client, method)(path(world), **kwargs)
    assert response.status_code == expected[actor], (name, actor, response.content)
    if response.status_code >= 400:
        assert response.json()["code"]
        if check:
            assert snapshot(world) == before, f"denied {name} by {actor} changed data"
            assert AuditEntry.objects.exclude(action__startswith="login.").count() == audit_before
    elif check:
        assert snapshot(world) != before, f"allowed {name} by {actor} changed nothing"

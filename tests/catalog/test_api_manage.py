"""The change-control API end to end: draft → edit → submit → review → published, diff,
bad input, quality report."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.catalog import helpers_manage as h
from tests.factories import PASSWORD, DepartmentFactory, make_staff

pytestmark = pytest.mark.django_db
BASE = "/api/v1/catalog/manage"


def login(user) -> Client:
    client = Client()
    response = client.post(
        "/api/v1/accounts/login",
        {"username": user.username, "password": PASSWORD},
        content_type="application/json",
    )
    assert response.status_code == 200
    return client


def call(client, method, path, body=None):
    kwargs = (
        {"data": json.dumps(body), "content_type": "application/json"} if body is not None else {}
    )
    return getattr(client, method)(path, **kwargs)


def test_change_cycle_through_the_api():
    dept = DepartmentFactory()
    v1 = h.published_list(dept)
    editor = login(make_staff(department=dept, roles=["department_head"]))
    admin = login(make_staff(department=dept, roles=["administrator"]))

    r = call(
        editor,
        "post",
        f"{BASE}/versions",
        {"implementation_code": v1.implementation_code, "change_reason": "缩短时限"},
    )
    assert r.status_code == 201, r.content
    draft = r.json()
    assert draft["version"] == 2 and draft["status"] == "draft" and draft["based_on_id"] == v1.pk
    r = call(editor, "patch", f"{BASE}/versions/{draft['id']}", {"changes": {"promised_limit": 50}})
    assert r.status_code == 422 and r.json()["field"] == "promised_limit"
    r = call(editor, "patch", f"{BASE}/versions/{draft['id']}", {"changes": {"promised_limit": 5}})
    assert r.status_code == 200 and r.json()["content"]["fields"]["promised_limit"] == 5
    r = call(
        editor,
        "put",
        f"{BASE}/versions/{draft['id']}/situations/premises",
        {"question": "q", "parent_option": "agent.yes"},
    )
    assert r.status_code == 422 and r.json()["code"] == "situation_cycle"

    r = call(editor, "get", f"{BASE}/diff?from={v1.pk}&to={draft['id']}")
    assert r.status_code == 200
    assert [c["path"] for c in r.json()["changes"]] == ["promised_limit"]

    assert call(editor, "post", f"{BASE}/versions/{draft['id']}/submit", {}).status_code == 200
    r = call(admin, "post", f"{BASE}/versions/{draft['id']}/review", {"approve": False})
    assert r.status_code == 422 and r.json()["field"] == "comment"
    r = call(
        admin, "post", f"{BASE}/versions/{draft['id']}/review", {"approve": True, "comment": "同意"}
    )
    assert r.status_code == 200 and r.json()["status"] == "published"
    assert r.json()["content_digest"]
    assert [e["action"] for e in r.json()["events"]][-2:] == ["approved", "published"]
    r = call(
        editor, "post", f"{BASE}/versions/{draft['id']}/review", {"approve": True, "comment": "x"}
    )
    assert r.status_code == 403

    r = call(editor, "get", f"{BASE}/versions?implementation_code={v1.implementation_code}")
    assert [(v["version"], v["status"]) for v in r.json()] == [(2, "published"), (1, "superseded")]
    r = call(editor, "patch", f"{BASE}/versions/{draft['id']}", {"changes": {"hours": "x"}})
    assert r.status_code == 409 and r.json()["code"] == "version_immutable"

    r = call(editor, "get", f"{BASE}/quality")
    assert r.status_code == 200
    assert r.json()["departments"][0]["department_id"] == dept.pk


def test_bad_input_is_422():
    dept = DepartmentFactory()
    editor = login(make_staff(department=dept, roles=["approver"]))
    r = call(
        editor,
        "post",
        f"{BASE}/versions",
        {"department_id": dept.pk, "item": {"basic_code": "x" * 13}},
    )
    assert r.status_code == 422
    r = call(
        editor,
        "post",
        f"{BASE}/versions",
        {
            "department_id": dept.pk,
            "item": {
                "basic_code": "000555000001",
                "name": "x",
                "item_type": "01",
                "legal_basis": "法",
            },
            "fields": {**h.BASE_FIELDS, "promised_limit": 99},
        },
    )
    assert r.status_code == 422 and r.json()["field"] == "fields.promised_limit"
    r = call(editor, "post", f"{BASE}/withdrawals", {"implementation_code": "X", "reason": ""})
    assert r.status_code == 422
    r = call(editor, "get", f"{BASE}/diff?from=1")
    assert r.status_code == 422

"""The wallet and licence-use API (``/api/v1/licences/wallet|codes|grants|scan``)."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from zhengwu.licences import access
from zhengwu.licences.models import LicenceRead, LicenceView, TokenUse, UseGrant

pytestmark = pytest.mark.django_db
BASE = "/api/v1/licences"


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def call(client: Client, method: str, path: str, body: Any = None, **headers: str) -> Any:
    kwargs: dict[str, Any] = {"headers": headers} if headers else {}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    return getattr(client, method)(f"{BASE}{path}", **kwargs)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()[:2000]
    return response.json()


def error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()[:2000]
    body = response.json()
    assert {"code", "message", "message_en", "field"} <= set(body)
    return body


def test_wallet_flow_token_scan_and_read_log(lw):
    licence = lw.issue()
    other = lw.issue(holder=lw.citizen_holder(lw.stranger))
    citizen = login(lw.citizen)

    listed = ok(call(citizen, "get", "/wallet"))
    assert [row["id"] for row in listed] == [licence.pk]
    assert listed[0]["status"] == "valid" and listed[0]["valid_now"]
    detail = ok(call(citizen, "get", f"/wallet/{licence.pk}", **{"User-Agent": "Android Mobile"}))
    assert detail["metadata"]["premises"].startswith("西安市")
    assert list(LicenceView.objects.values_list("channel", flat=True)) == ["mobile"]
    error(call(citizen, "get", f"/wallet/{other.pk}"), 404)
    error(call(citizen, "post", f"/wallet/{other.pk}/token"), 404)

    token = ok(call(citizen, "post", f"/wallet/{licence.pk}/token"), 201)
    assert token["purpose"] == "licence" and token["ttl"] == 60

    clerk = login(lw.clerk)
    scanned = ok(call(clerk, "post", "/scan", {"token": token["token"]}))
    assert scanned["purpose"] == "licence"
    (live,) = scanned["licences"]
    assert live["id"] == licence.pk and live["signature_valid"] and live["valid_now"]
    again = error(call(clerk, "post", "/scan", {"token": token["token"]}), 409)
    assert again["code"] == "token_used" and again["field"] == "token"

    reads = ok(call(citizen, "get", f"/wallet/{licence.pk}/reads"))
    assert [r["via"] for r in reads] == ["qr"]
    assert reads[0]["department"] == lw.market.name and reads[0]["reader"] == "李*"
    error(call(login(lw.stranger), "get", f"/wallet/{licence.pk}/reads"), 404)


def test_scan_errors(lw):
    licence = lw.issue()
    clerk = login(lw.clerk)
    old = access.issue_licence_token(
        lw.citizen, licence.pk, now=timezone.now() - timedelta(minutes=2)
    )
    expired = error(call(clerk, "post", "/scan", {"token": old.token}), 422)
    assert expired["code"] == "token_expired" and expired["message"] == "二维码已过期，请持证人刷新"
    forged = error(call(clerk, "post", "/scan", {"token": old.token[:-3] + "abc"}), 422)
    assert forged["code"] == "token_invalid"
    error(call(clerk, "post", "/scan", {"token": ""}), 422)
    error(call(clerk, "post", "/scan", {"token": "x", "extra": 1}), 422)
    bad_json = clerk.post(f"{BASE}/scan", data="{nope", content_type="application/json")
    assert 400 <= bad_json.status_code < 500
    fresh = access.issue_licence_token(lw.citizen, licence.pk)
    error(call(login(lw.citizen), "post", "/scan", {"token": fresh.token}), 403)
    assert not TokenUse.objects.exists() and not LicenceRead.objects.exists()
    assert (
        Client().post(f"{BASE}/scan", data="{}", content_type="application/json").status_code == 401
    )


def test_personal_code_through_the_api(lw):
    lw.issue()
    token = ok(call(login(lw.citizen), "post", "/codes/token", {}), 201)
    assert token["purpose"] == "code"
    scanned = ok(call(login(lw.clerk), "post", "/scan", {"token": token["token"]}))
    assert scanned["purpose"] == "code" and len(scanned["licences"]) == 1
    assert "*" in scanned["holder_code"]
    error(call(login(lw.citizen), "post", "/codes/token", {"enterprise_id": 99999}), 404)
    error(call(login(lw.citizen), "post", "/codes/token", {"enterprise_id": "x"}), 422)


def _grant_body(lw, licence, **change):
    body = {
        "licence_ids": [licence.pk],
        "grantee_kind": "department",
        "department_id": lw.other_department.pk,
        "purpose": "公积金提取",
        "valid_until": (timezone.now() + timedelta(days=10)).isoformat(),
    }
    body.update(change)
    return body


def test_grants_crud_and_granted_reads(lw):
    licence = lw.issue()
    citizen = login(lw.citizen)
    made = ok(call(citizen, "post", "/grants", _grant_body(lw, licence)), 201)
    assert made["active"] and made["licence_ids"] == [licence.pk]
    assert [g["id"] for g in ok(call(citizen, "get", "/grants"))] == [made["id"]]
    assert ok(call(citizen, "get", f"/grants/{made['id']}"))["purpose"] == "公积金提取"
    error(call(login(lw.stranger), "get", f"/grants/{made['id']}"), 404)

    staff = login(lw.other_clerk)
    assert [g["id"] for g in ok(call(staff, "get", "/scan/granted"))] == [made["id"]]
    read = ok(call(staff, "get", f"/scan/granted/{made['id']}/licences/{licence.pk}"))
    assert read["id"] == licence.pk and read["read_id"]
    error(call(login(lw.clerk), "get", f"/scan/granted/{made['id']}/licences/{licence.pk}"), 404)
    error(call(citizen, "get", "/scan/granted"), 403)

    revoked = ok(call(citizen, "post", f"/grants/{made['id']}/revoke"))
    assert revoked["revoked_at"] and not revoked["active"]
    error(call(citizen, "post", f"/grants/{made['id']}/revoke"), 409)
    refused = error(call(staff, "get", f"/scan/granted/{made['id']}/licences/{licence.pk}"), 403)
    assert refused["field"] == "grant_id"
    reads = ok(call(citizen, "get", f"/wallet/{licence.pk}/reads"))
    assert [(r["via"], r["purpose"]) for r in reads] == [("grant", "公积金提取")]


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"valid_until": "2001-01-01T00:00:00+08:00"}, 422, "valid_until"),
        ({"purpose": ""}, 422, "purpose"),
        ({"grantee_kind": "world"}, 422, "grantee_kind"),
        ({"department_id": 999999}, 404, "department_id"),
        ({"licence_ids": ["1"]}, 422, "licence_ids"),
        ({"grantee_kind": "case", "department_id": None, "case_number": "ZZ1"}, 404, "case_number"),
    ],
)
def test_bad_grants_name_the_field(lw, change, status, field):
    licence = lw.issue()
    body = error(
        call(login(lw.citizen), "post", "/grants", _grant_body(lw, licence, **change)), status
    )
    assert field in (body["field"] or "") or any(
        field in (e.get("field") or "") for e in body.get("errors", [])
    )
    assert not UseGrant.objects.exists()


def test_granting_another_holders_licence_is_404(lw):
    other = lw.issue(holder=lw.citizen_holder(lw.stranger))
    error(call(login(lw.citizen), "post", "/grants", _grant_body(lw, other)), 404)
    assert not UseGrant.objects.exists()

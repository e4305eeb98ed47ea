"""The staff API of the register (``/api/v1/licences``): types, direct issuance, search,
status changes, renewal, change, xlsx import, keys, foreign keys and imports — error shapes
and a permission matrix that also checks a refused call changed nothing."""

from __future__ import annotations

import base64
import io
import json
from datetime import date
from typing import Any

import pytest
from django.test import Client
from openpyxl import Workbook, load_workbook

from zhengwu.kernel.crypto import Sm2KeyPair, sm2_sign
from zhengwu.kernel.identifiers import make_licence_identifier, make_uscc
from zhengwu.kernel.models import OutboxMessage
from zhengwu.licences import signing
from zhengwu.licences.models import IssuerKey, Licence, LicenceType, StatusChange

pytestmark = pytest.mark.django_db
BASE = "/api/v1/licences"


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def call(client: Client, method: str, path: str, body: Any = None) -> Any:
    kwargs: dict[str, Any] = {}
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


def issue_body(lw, **kw):
    body = {
        "type_code": lw.food.code,
        "holder_name": lw.citizen.citizen_profile.real_name,
        "holder_code": lw.citizen.citizen_profile.id_number,
        "number": "JY-API-1",
        "metadata": {"business_scope": "热食类食品制售", "premises": "灞桥区 1 号"},
    }
    body.update(kw)
    return body


def test_issue_search_and_read(lw):
    approver = login(lw.approver)
    created = ok(call(approver, "post", "/issued", issue_body(lw)), 201)
    assert created["number"] == "JY-API-1" and created["status"] == "valid"
    assert created["holder_code"] == lw.citizen.citizen_profile.id_number  # level-4 clearance
    assert created["history"] == [] and created["signature"]
    listed = ok(call(approver, "get", "/issued?q=JY-API"))
    assert listed["count"] == 1
    row = listed["results"][0]
    assert "*" in row["holder_code"] and row["holder_code"] != created["holder_code"]
    by_holder = ok(call(approver, "get", f"/issued?q={created['holder_code']}"))
    assert by_holder["count"] == 1
    by_id = ok(call(approver, "get", f"/issued?q={created['identifier']}&status=valid"))
    assert by_id["count"] == 1
    assert ok(call(approver, "get", "/issued?status=revoked"))["count"] == 0
    clerk = login(lw.clerk)  # same department: reads, masked
    detail = ok(call(clerk, "get", f"/issued/{created['id']}"))
    assert "*" in detail["holder_code"]
    other = login(lw.other_clerk)
    error(call(other, "get", f"/issued/{created['id']}"), 404)
    assert ok(call(other, "get", "/issued"))["count"] == 0


def test_bad_input_names_the_field_and_writes_nothing(lw):
    approver = login(lw.approver)
    cases = [
        (issue_body(lw, holder_code="610111199003151230"), 422, "holder_code"),
        (issue_body(lw, metadata={"business_scope": "x"}), 422, "metadata.premises"),
        (issue_body(lw, type_code="nope"), 422, "type_code"),
        (issue_body(lw, issue_date="2020-02-30"), 422, "issue_date"),
        (issue_body(lw, colour="red"), 422, "colour"),
    ]
    for body, status, field in cases:
        assert error(call(approver, "post", "/issued", body), status)["field"] == field
    response = approver.post(f"{BASE}/issued", data="{broken", content_type="application/json")
    assert error(response, 400)["field"] == "body"
    error(call(approver, "get", "/issued?status=lost"), 422)
    assert not Licence.objects.exists()


def test_permission_matrix_for_issuing(lw):
    for user, status in ((lw.clerk, 403), (lw.other_clerk, 403), (lw.citizen, 403)):
        error(call(login(user), "post", "/issued", issue_body(lw)), status)
    assert Client().post(f"{BASE}/issued").status_code == 401
    assert not Licence.objects.exists()
    ok(call(login(lw.head), "post", "/issued", issue_body(lw)), 201)


def test_status_renew_change_through_the_api(lw):
    approver = login(lw.approver)
    licence = lw.issue()
    clerk = login(lw.clerk)
    error(call(clerk, "post", f"/{licence.pk}/status", {"status": "revoked", "reason": "x"}), 403)
    assert not StatusChange.objects.exists()
    body = error(
        call(approver, "post", f"/{licence.pk}/status", {"status": "valid", "reason": "x"}), 409
    )
    assert body["field"] == "status"
    error(call(approver, "post", f"/{licence.pk}/status", {"status": "revoked", "reason": ""}), 422)
    done = ok(
        call(approver, "post", f"/{licence.pk}/status", {"status": "suspended", "reason": "暂扣"})
    )
    assert done["status"] == "suspended" and done["history"][0]["reason"] == "暂扣"
    assert OutboxMessage.objects.filter(topic="licence.status_changed").count() == 1
    error(call(approver, "post", f"/{licence.pk}/renew", {}), 409)  # suspended
    ok(call(approver, "post", f"/{licence.pk}/status", {"status": "valid", "reason": "期满"}))
    renewed = ok(call(approver, "post", f"/{licence.pk}/renew", {"reason": "延续"}), 201)
    assert renewed["version"] == 2 and renewed["previous"] == licence.identifier
    assert renewed["relation"] == "renewal"
    changed = ok(
        call(
            approver,
            "post",
            f"/{renewed['id']}/change",
            {"reason": "地址变更", "metadata": {"premises": "灞桥区 9 号"}},
        ),
        201,
    )
    assert changed["metadata"]["premises"] == "灞桥区 9 号" and changed["version"] == 3
    old = ok(call(approver, "get", f"/issued/{licence.pk}"))
    assert old["status"] == "cancelled" and old["successors"] == [renewed["identifier"]]
    error(call(approver, "post", "/999999/status", {"status": "revoked", "reason": "x"}), 404)


def test_types_read_by_staff_edited_by_administrators(lw):
    clerk = login(lw.clerk)
    listed = ok(call(clerk, "get", "/types"))
    assert [t["code"] for t in listed] == [lw.food.code]
    assert ok(call(clerk, "get", f"/types/{lw.food.code}"))["name"] == "食品经营许可证"
    error(call(clerk, "get", "/types/11610111MB2961A368999"), 404)
    error(call(clerk, "patch", f"/types/{lw.food.code}", {"validity_years": 3}), 403)
    error(call(login(lw.citizen), "get", "/types"), 403)
    admin = login(lw.administrator)
    body = error(
        call(admin, "patch", f"/types/{lw.food.code}", {"metadata_schema": [{"key": "A"}]}), 422
    )
    assert body["field"] == "metadata_schema[0].key"
    updated = ok(call(admin, "patch", f"/types/{lw.food.code}", {"validity_years": 3}))
    assert updated["validity_years"] == 3
    new_type = {
        "code": lw.food.code[:18] + "009",
        "name": "测试证",
        "defining_body": "市场监管局",
        "metadata_schema": [{"key": "note", "label": "备注"}],
    }
    created = ok(call(admin, "post", "/types", new_type), 201)
    assert created["metadata_schema"][0]["type"] == "text"
    error(call(admin, "post", "/types", new_type), 409)
    assert LicenceType.objects.count() == 2


def _xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(
        [
            "type_code",
            "holder_name",
            "holder_code",
            "number",
            "issue_date",
            "business_scope",
            "premises",
        ]
    )
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_xlsx_import_and_template(lw):
    profile = lw.citizen.citizen_profile
    content = _xlsx(
        [
            [
                lw.food.code,
                profile.real_name,
                profile.id_number,
                "JY-X1",
                "2022-01-05",
                "热食",
                "灞桥 1 号",
            ],
            [lw.food.code, profile.real_name, "123", "JY-X2", "2022-01-05", "热食", "灞桥 2 号"],
        ]
    )
    approver = login(lw.approver)
    upload = io.BytesIO(content)
    upload.name = "licences.xlsx"
    report = ok(approver.post(f"{BASE}/import", {"file": upload}))
    assert report["imported"] == 1 and report["failed"] == 1
    assert report["rows"][1]["errors"][0]["column"] == "holder_code"
    assert report["rows"][1]["errors"][0]["letter"] == "C"
    bad = io.BytesIO(b"hello")
    bad.name = "x.xlsx"
    assert error(approver.post(f"{BASE}/import", {"file": bad}), 422)["field"] == "file"
    again = io.BytesIO(content)
    again.name = "licences.xlsx"
    error(login(lw.clerk).post(f"{BASE}/import", {"file": again}), 403)
    template = approver.get(f"{BASE}/import/template?type_code={lw.food.code}")
    assert template.status_code == 200
    sheet = load_workbook(io.BytesIO(template.content)).worksheets[0]
    assert "premises" in [c.value for c in sheet[1]]
    error(approver.get(f"{BASE}/import/template?type_code=nope"), 422)


def test_keys_rotation_and_foreign_import(lw):
    licence = lw.issue()
    admin = login(lw.administrator)
    keys = ok(call(admin, "get", "/keys"))
    assert keys and all("private" not in k for key in keys for k in key)
    error(call(login(lw.approver), "get", "/keys"), 403)
    error(call(login(lw.approver), "post", "/keys/rotate", {"issuer_code": lw.issuer_code}), 403)
    rotated = ok(call(login(lw.head), "post", "/keys/rotate", {"issuer_code": lw.issuer_code}), 201)
    assert rotated["active"] and rotated["key_id"] != licence.key_id
    Licence.objects.filter(pk=licence.pk).update(verified_seal="")
    assert signing.verify_stored(Licence.objects.get(pk=licence.pk)).valid

    province = make_uscc("1", "1", "610000", "MB2961Q1")
    pair = Sm2KeyPair.generate()
    body = {"issuer_code": province, "issuer_name": "省局", "public_key_pem": "garbage"}
    assert error(call(admin, "post", "/keys/foreign", body), 422)["field"] == "public_key_pem"
    body["public_key_pem"] = pair.public_pem()
    error(call(login(lw.head), "post", "/keys/foreign", body), 403)
    registered = ok(call(admin, "post", "/keys/foreign", body), 201)
    assert registered["foreign"] and IssuerKey.objects.filter(foreign=True).count() == 1

    type_code = province + "001"
    fields = {
        "identifier": make_licence_identifier(type_code, province, "77", "001"),
        "number": "SX77",
        "type_code": type_code,
        "type_name": "药品经营许可证",
        "issuer_code": province,
        "issuer_name": "省局",
        "holder_name": "王小明",
        "holder_code": lw.citizen.citizen_profile.id_number,
        "holder_code_type": "111",
        "region": "",
        "issue_date": date(2024, 1, 2),
        "valid_from": date(2024, 1, 2),
        "valid_until": "",
        "metadata": {},
        "previous": "",
        "relation": "",
        "version": 1,
        "key_id": pair.key_id(),
    }
    signature = base64.b64encode(sm2_sign(pair, signing.canonical_bytes(fields))).decode()
    doc = {
        "format": "zhengwu.licence/1",
        "licence": signing.canonical_dict(fields),
        "signature": signature,
        "key_id": pair.key_id(),
        "public_key": "ignored: the registered key is used",
    }
    tampered = json.loads(json.dumps(doc))
    tampered["licence"]["number"] = "SX78"
    body = error(call(admin, "post", "/foreign-import", tampered), 422)
    assert body["code"] == "bad_signature" and body["field"] == "signature"
    error(call(login(lw.head), "post", "/foreign-import", doc), 403)
    imported = ok(call(admin, "post", "/foreign-import", doc), 201)
    assert imported["source"] == "foreign" and imported["valid_until"] is None
    assert Licence.objects.filter(source="foreign").count() == 1

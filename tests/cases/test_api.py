"""The case API end to end: the whole life of a case through HTTP (session and API token),
online payment with the gateway's signed notice, the public progress lookup, and bad input
(400 for malformed JSON, 422 naming the field, 409 naming the current state)."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import orjson
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from tests.cases.conftest import (
    FOOD,
    ID_CARD,
    NEWBORN,
    NEWBORN_FORM,
    food_answers,
    pdf_bytes,
    png_bytes,
)
from zhengwu.accounts import services as account_services
from zhengwu.accounts.models import EnterpriseMembership
from zhengwu.cases.choices import CaseStatus
from zhengwu.cases.models import Case, CaseMaterial, Message, Payment
from zhengwu.cases.payments import NOTICE_SIGNATURE_HEADER, signature
from zhengwu.catalog.models import ItemVersion

pytestmark = pytest.mark.django_db

BASE = "/api/v1/cases"
SECRET = "gateway-shared-secret"


# --- helpers -------------------------------------------------------------------------------


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def call(client: Client, method: str, path: str, body: Any = None, **headers: str) -> Any:
    kwargs: dict[str, Any] = {"headers": headers} if headers else {}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    elif method in ("post", "patch"):  # no body at all (the test client would send multipart)
        kwargs.update(data=b"", content_type="application/json")
    return getattr(client, method)(f"{BASE}{path}", **kwargs)


def upload(client: Client, case_id: int, key: str, content: bytes, name: str = "f.pdf") -> Any:
    return client.post(
        f"{BASE}/{case_id}/materials/{key}/files",
        {"file": SimpleUploadedFile(name, content, content_type="application/octet-stream")},
    )


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()[:2000]
    return response.json() if response.content else None


def error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()[:2000]
    body = response.json()
    assert {"code", "message", "message_en", "field", "request_id"} <= set(body)
    return body


def new_food_draft(client: Client, world: Any) -> dict[str, Any]:
    return ok(
        call(
            client,
            "post",
            "",
            {
                "implementation_code": world.code(FOOD),
                "answers": food_answers(world.version(FOOD)),
                "form": {"shop_name": "老孙家泡馍"},
            },
        ),
        201,
    )


def upload_everything(client: Client, case: dict[str, Any]) -> None:
    for material in case["materials"]:
        ok(upload(client, case["id"], material["key"], pdf_bytes(material["key"])), 201)


def submitted_food_case(world: Any, client: Client | None = None) -> dict[str, Any]:
    client = client or login(world.citizen)
    case = new_food_draft(client, world)
    upload_everything(client, case)
    return ok(call(client, "post", f"/{case['id']}/submit", {}, **{"Idempotency-Key": "k-1"}))


# --- the whole journey -------------------------------------------------------------------------


def test_lifecycle_through_the_api(world):
    citizen, clerk = login(world.citizen), login(world.clerk)
    approver, head = login(world.approver), login(world.head)

    draft = new_food_draft(citizen, world)
    assert draft["status"] == "draft" and draft["number"] is None
    assert draft["form"] == {"shop_name": "老孙家泡馍"}
    material = draft["materials"][0]
    assert {"key", "name", "required", "allowed_types", "max_size_kb", "source", "files"} <= set(
        material
    )
    assert material["allowed_types"] == ["pdf", "jpg", "png"] and material["files"] == []
    case_id = draft["id"]

    # upload (one PNG, the rest PDF), remove one file and put it back
    keys = [m["key"] for m in draft["materials"]]
    stored = ok(upload(citizen, case_id, keys[0], png_bytes(), "照片.png"), 201)
    assert stored["source"] == "upload" and stored["files"][0]["file_type"] == "png"
    ok(call(citizen, "delete", f"/{case_id}/files/{stored['files'][0]['id']}"), 204)
    for key in keys:
        ok(upload(citizen, case_id, key, pdf_bytes(key), f"{key}.pdf"), 201)

    # submit twice with the same key: the same case, the same body
    first = call(citizen, "post", f"/{case_id}/submit", {}, **{"Idempotency-Key": "sub-1"})
    again = call(citizen, "post", f"/{case_id}/submit", {}, **{"Idempotency-Key": "sub-1"})
    body = ok(first)
    assert ok(again) == body
    assert body["id"] == case_id and body["status"] == "submitted"
    assert body["number"] and len(body["number"]) == 20
    assert Case.objects.exclude(status="draft").count() == 1
    assert body["due"]["received_on"] is not None

    # the clerk asks for one correction, the citizen uploads it again and resubmits
    staff_view = ok(
        call(
            clerk,
            "post",
            f"/staff/cases/{case_id}/correction",
            {"items": [{"material_key": keys[0], "reason": "签字不清晰"}]},
        )
    )
    assert staff_view["status"] == "correction"
    assert staff_view["notices"][-1]["kind"] == "correction"
    ok(upload(citizen, case_id, keys[0], pdf_bytes("again"), "重签.pdf"), 201)
    assert ok(call(citizen, "post", f"/{case_id}/resubmit"))["status"] == "submitted"

    # accepted: numbered notice, promised date, the review task in the market department
    accepted = ok(call(clerk, "post", f"/staff/cases/{case_id}/accept", {"opinion": "材料齐全"}))
    assert accepted["status"] == "in_progress"
    assert accepted["due"]["promised_due"] and isinstance(accepted["due"]["provisional"], bool)
    [task] = accepted["tasks"]
    assert task["step"] == "review" and task["role"] == "approver"

    claimed = ok(call(approver, "post", f"/staff/cases/{case_id}/claim"))
    assert claimed["tasks"][0]["assignee_id"] == world.approver.pk
    passed = ok(
        call(
            approver,
            "post",
            f"/staff/cases/{case_id}/steps",
            {"action": "pass", "opinion": "材料齐全，符合条件"},
        )
    )
    assert passed["current_step"] == "decide"
    decided = ok(
        call(
            head,
            "post",
            f"/staff/cases/{case_id}/steps",
            {"action": "pass", "decision": "approve", "opinion": "同意"},
        )
    )
    assert decided["status"] == "decided" and decided["result_number"]
    delivered = ok(
        call(
            clerk,
            "post",
            f"/staff/cases/{case_id}/deliver",
            {"method": "window", "identity_checked": True},
        )
    )
    assert delivered["status"] == "concluded"
    assert [s["action"] for s in delivered["steps"]] == [
        "submit",
        "correction",
        "submit",
        "accept",
        "pass",
        "pass",
        "deliver",
    ]
    assert {s["channel"] for s in delivered["steps"]} == {"api"}

    # the applicant's view: public timeline, notices with their PDF, next step
    mine = ok(call(citizen, "get", f"/{case_id}"))
    assert mine["status"] == "concluded" and mine["next_step"]["text"] == "办理已结束"
    codes = [e["code"] for e in mine["timeline"]]
    assert codes[0] == "submitted" and codes[-1] == "concluded" and "draft" not in codes
    assert [n["kind"] for n in mine["notices"]] == ["correction", "acceptance", "approval"]
    pdf = citizen.get(mine["notices"][-1]["pdf_url"])
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    assert "*" in mine["applicant"]["id_number"]  # masked even for the owner's screen

    listing = ok(call(citizen, "get", "?limit=10&offset=0"))
    assert listing["count"] == 1 and listing["items"][0]["id"] == case_id
    assert ok(call(login(world.citizen2), "get", ""))["count"] == 0

    # messages
    messages = ok(call(citizen, "get", "/messages"))
    assert messages["unread"] >= 5 and messages["items"][0]["case_id"] == case_id
    ok(call(citizen, "post", f"/messages/{messages['items'][0]['id']}/read"), 204)
    assert ok(call(citizen, "get", "/messages"))["unread"] == messages["unread"] - 1


def test_api_token_journey_and_scopes(world):
    _token, secret = account_services.token_create(
        user=world.citizen, name="手机客户端", scopes=["write"]
    )
    auth = {"Authorization": f"Bearer {secret}"}
    app = Client()
    created = ok(
        call(app, "post", "", {"implementation_code": world.code(FOOD)}, **auth),
        201,
    )
    assert created["channel"] == "api"
    case_id = created["id"]
    ok(call(app, "patch", f"/{case_id}", {"answers": food_answers(world.version(FOOD))}, **auth))
    case = Case.objects.get(pk=case_id)
    for material in case.materials.all():
        response = app.post(
            f"{BASE}/{case_id}/materials/{material.key}/files",
            {"file": SimpleUploadedFile("a.pdf", pdf_bytes(material.key))},
            headers=auth,
        )
        ok(response, 201)
    submitted = ok(call(app, "post", f"/{case_id}/submit", **auth, **{"Idempotency-Key": "t-1"}))
    assert submitted["status"] == "submitted"
    assert ok(call(app, "get", f"/{case_id}", **auth))["number"] == submitted["number"]

    _read, read_secret = account_services.token_create(
        user=world.citizen, name="只读", scopes=["read"]
    )
    read_only = {"Authorization": f"Bearer {read_secret}"}
    assert ok(call(app, "get", "", **read_only))["count"] == 1
    refused = error(call(app, "post", f"/{case_id}/withdraw", {}, **read_only), 403)
    assert refused["code"] == "insufficient_scope"
    assert Case.objects.get(pk=case_id).status == CaseStatus.SUBMITTED
    error(call(app, "get", "", Authorization="Bearer zw_nope_nope"), 401)


def test_enterprise_and_agent_applications(world):
    membership = EnterpriseMembership.objects.get(user=world.enterprise_member)
    member = login(world.enterprise_member)
    case = ok(
        call(
            member,
            "post",
            "",
            {"implementation_code": world.code(FOOD), "enterprise_id": membership.enterprise_id},
        ),
        201,
    )
    assert case["applicant"]["kind"] == "enterprise"
    assert case["applicant"]["enterprise_id"] == membership.enterprise_id
    # not a member: the enterprise does not exist for them
    error(
        call(
            login(world.citizen),
            "post",
            "",
            {"implementation_code": world.code(FOOD), "enterprise_id": membership.enterprise_id},
        ),
        404,
    )
    # an agent (代办人) files for someone else; the case is in the agent's list
    agent = login(world.citizen2)
    filed = ok(
        call(
            agent,
            "post",
            "",
            {
                "implementation_code": world.code(FOOD),
                "applicant": {"kind": "citizen", "name": "王芳", "id_number": "11010519491231002X"},
            },
        ),
        201,
    )
    assert filed["applicant"]["name"] == "王芳"
    assert Case.objects.get(pk=filed["id"]).agent_user_id == world.citizen2.pk
    assert [c["id"] for c in ok(call(agent, "get", ""))["items"]] == [filed["id"]]
    # staff do not use the applicant entry
    assert error(call(login(world.clerk), "post", "", {"implementation_code": "x"}), 403)


def test_bundle_submit_creates_the_member_cases(world):
    citizen = login(world.citizen)
    draft = ok(
        call(citizen, "post", "", {"bundle_code": NEWBORN, "form": {"child_name": "小明"}}), 201
    )
    assert draft["kind"] == "bundle" and draft["materials"]
    upload_everything(citizen, draft)
    # The one form's required fields are checked at submission, each named; nothing changes.
    refused = call(citizen, "post", f"/{draft['id']}/submit", **{"Idempotency-Key": "newborn-0"})
    assert refused.status_code == 422
    named = {e["field"] for e in refused.json()["errors"]}
    assert {"form.mother_name", "form.birth_date", "form.household_follow"} <= named
    assert "form.child_name" not in named and not any(f.startswith("materials.") for f in named)
    assert all(e["message"] and e["message_en"] for e in refused.json()["errors"])
    assert Case.objects.get(pk=draft["id"]).status == CaseStatus.DRAFT
    assert not Case.objects.filter(parent_id=draft["id"]).exists()
    ok(call(citizen, "patch", f"/{draft['id']}", {"form": {**NEWBORN_FORM, "child_name": "小明"}}))
    submitted = ok(
        call(citizen, "post", f"/{draft['id']}/submit", **{"Idempotency-Key": "newborn-1"})
    )
    assert submitted["status"] == "submitted" and len(submitted["children"]) >= 2
    assert all(c["status"] == "submitted" for c in submitted["children"])
    again = ok(call(citizen, "post", f"/{draft['id']}/submit", **{"Idempotency-Key": "newborn-1"}))
    assert again == submitted
    assert ok(call(citizen, "get", ""))["count"] == 1  # members are shown inside the bundle


def test_walk_in_entry_with_masked_personal_data(world):
    clerk, approver = login(world.clerk), login(world.approver)
    id_number = "11010519491231002X"
    entered = ok(
        call(
            clerk,
            "post",
            "/staff/cases",
            {
                "implementation_code": world.code(FOOD),
                "channel": "window",
                "applicant": {
                    "kind": "citizen",
                    "name": "王芳",
                    "id_number": id_number,
                    "phone": "13812345678",
                    "address": "陕西省西安市灞桥区纺织城正街1号",
                },
            },
        ),
        201,
    )
    case_id = entered["id"]
    assert entered["channel"] == "window" and entered["first_responder_id"] == world.clerk.pk
    assert entered["clearance"] == 3
    assert entered["applicant"]["id_number"] == "110105********002X"
    assert entered["applicant"]["phone"] == "13812345678"  # clerks check applicants in person
    assert entered["applicant"]["name"] == "王芳"
    key = entered["materials"][0]["key"]
    papered = ok(
        call(
            clerk,
            "post",
            f"/staff/cases/{case_id}/materials/{key}/paper",
            {"originals": 1, "copies": 2},
        )
    )
    assert papered["materials"][0]["source"] == "paper"
    # the clerk submits the walk-in file (paper is never refused: missing materials are fine)
    submitted = ok(call(clerk, "post", f"/{case_id}/submit", **{"Idempotency-Key": "walk-in-1"}))
    assert submitted["status"] == "submitted"
    full = ok(call(approver, "get", f"/staff/cases/{case_id}"))
    assert full["clearance"] == 4 and full["applicant"]["id_number"] == id_number
    found = ok(call(clerk, "get", f"/staff/search?applicant_id={id_number}"))
    assert [c["id"] for c in found] == [case_id]
    queue = ok(call(login(world.clerk2), "get", "/staff/queue?kind=acceptance"))
    assert [e["case"]["id"] for e in queue] == [case_id] and queue[0]["task"] is None
    # a clerk of another venue may open and accept it (综合窗口)
    assert ok(call(login(world.clerk2), "get", f"/staff/cases/{case_id}"))["id"] == case_id


# --- payments ---------------------------------------------------------------------------------


def _accepted_id_card_case(world) -> int:
    ItemVersion.objects.filter(name=ID_CARD, status="published").update(online_payment=True)
    citizen = login(world.citizen)
    draft = ok(
        call(
            citizen,
            "post",
            "",
            {
                "implementation_code": world.code(ID_CARD),
                "answers": {"kind": "renew", "place": "local"},
            },
        ),
        201,
    )
    upload_everything(citizen, draft)
    ok(call(citizen, "post", f"/{draft['id']}/submit", **{"Idempotency-Key": "id-1"}))
    accepted = ok(call(login(world.clerk), "post", f"/staff/cases/{draft['id']}/accept", {}))
    assert accepted["fee"] == {"amount": "20.00", "assessed": True, "paid": False}
    return draft["id"]


def _notice(order_no: str, amount: str = "20.00", status: str = "paid") -> bytes:
    return orjson.dumps(
        {
            "order_no": order_no,
            "gateway_ref": "G-1",
            "status": status,
            "amount": amount,
            "receipt_no": "R-20250001",
        }
    )


def _notify(body: bytes, secret: str = SECRET) -> Any:
    return Client().post(
        f"{BASE}/payments/notify",
        data=body,
        content_type="application/json",
        headers={NOTICE_SIGNATURE_HEADER: signature(secret, body)},
    )


def test_online_payment_start_and_signed_notice(world, settings, http_receiver):
    settings.PAYMENT_GATEWAY_URL = http_receiver.url
    settings.PAYMENT_GATEWAY_SECRET = SECRET
    settings.PAYMENT_GATEWAY_TIMEOUT = 5
    http_receiver.reply_json({"pay_url": "https://pay.example.cn/p/1", "gateway_ref": "G-1"})
    case_id = _accepted_id_card_case(world)
    citizen = login(world.citizen)

    error(call(citizen, "post", f"/{case_id}/payments/online", {"return_url": "javascript:x"}), 422)
    started = ok(
        call(
            citizen,
            "post",
            f"/{case_id}/payments/online",
            {"return_url": "https://app.example.cn/paid"},
        ),
        201,
    )
    assert started["pay_url"] == "https://pay.example.cn/p/1" and started["amount"] == "20.00"
    [sent] = http_receiver.requests
    assert sent.json()["notify_url"].endswith("/api/v1/cases/payments/notify")

    wrong_amount = error(_notify(_notice(started["order_no"], amount="2.00")), 422)
    assert wrong_amount["code"] == "amount_mismatch"
    body = _notice(started["order_no"])
    forged = error(_notify(body, secret="wrong"), 422)
    assert forged["code"] == "payment_signature"
    assert not Case.objects.get(pk=case_id).fee_paid
    assert ok(_notify(body)) == {"order_no": started["order_no"], "status": "paid"}
    assert ok(_notify(body)) == {"order_no": started["order_no"], "status": "paid"}  # repeated
    assert Payment.objects.filter(case_id=case_id, status="paid").count() == 1
    mine = ok(call(citizen, "get", f"/{case_id}"))
    assert mine["fee"]["paid"] is True


def test_payment_notice_without_the_gateway_round_trip(world, settings):
    settings.PAYMENT_GATEWAY_URL = "http://127.0.0.1:9"  # never called: notices come to us
    settings.PAYMENT_GATEWAY_SECRET = SECRET
    case_id = _accepted_id_card_case(world)
    payment = Payment.objects.create(
        case_id=case_id, amount=Decimal("20.00"), method="online", order_no="PAYTEST0001"
    )
    error(
        Client().post(f"{BASE}/payments/notify", data=b"{}", content_type="application/json"), 422
    )
    assert ok(_notify(_notice(payment.order_no))) == {"order_no": "PAYTEST0001", "status": "paid"}
    case = Case.objects.get(pk=case_id)
    assert case.fee_paid
    payment.refresh_from_db()
    assert payment.receipt_no == "R-20250001"
    error(_notify(_notice("PAYNOSUCHORDER")), 404)


def test_window_payment_and_online_payment_refused_for_window_only_items(world, settings):
    settings.PAYMENT_GATEWAY_URL = "http://127.0.0.1:9"
    settings.PAYMENT_GATEWAY_SECRET = SECRET
    case_id = _accepted_id_card_case(world)
    ItemVersion.objects.filter(name=ID_CARD, status="published").update(online_payment=False)
    refused = error(
        call(
            login(world.citizen),
            "post",
            f"/{case_id}/payments/online",
            {"return_url": "https://app.example.cn/paid"},
        ),
        409,
    )
    assert refused["code"] == "online_payment_unavailable"
    paid = ok(
        call(
            login(world.clerk),
            "post",
            f"/staff/cases/{case_id}/payments",
            {"method": "cash", "receipt_no": "NO.0001"},
        ),
        201,
    )
    assert paid["fee"]["paid"] is True and paid["payments"][0]["status"] == "paid"


# --- public progress ------------------------------------------------------------------------


def test_public_progress_lookup_has_no_personal_data(world):
    case = submitted_food_case(world)
    anonymous = Client()
    found = ok(call(anonymous, "get", f"/progress?number={case['number']}&name=张伟"))
    assert found["number"] == case["number"] and found["status"] == "submitted"
    assert found["events"][0]["code"] == "submitted" and found["next_step"]["text"]
    text = json.dumps(found, ensure_ascii=False)
    stored = Case.objects.get(pk=case["id"])
    assert stored.applicant_id_number not in text and "张伟" not in text
    assert "applicant" not in found
    error(call(anonymous, "get", f"/progress?number={case['number']}&name=李娜"), 404)
    missing = error(call(anonymous, "get", f"/progress?number={case['number']}"), 422)
    assert missing["field"] == "name"


# --- bad input --------------------------------------------------------------------------------


def test_malformed_json_is_400(world):
    citizen = login(world.citizen)
    response = citizen.post(BASE, data="{not json", content_type="application/json")
    assert error(response, 400)["code"] == "malformed_json"
    response = citizen.post(BASE, data="[1, 2]", content_type="application/json")
    assert error(response, 400)["code"] == "malformed_json"
    assert not Case.objects.exists()


def test_wrong_types_are_422_naming_the_field(world):
    citizen = login(world.citizen)
    assert error(call(citizen, "post", "", {"implementation_code": 123}), 422)["field"] == (
        "implementation_code"
    )
    unknown = error(call(citizen, "post", "", {"implementation_code": "x", "anwsers": {}}), 422)
    assert unknown["field"] == "anwsers" and unknown["code"] == "extra_forbidden"
    draft = new_food_draft(citizen, world)
    assert error(call(citizen, "patch", f"/{draft['id']}", {"answers": "yes"}), 422)["field"] == (
        "answers"
    )
    assert (
        error(call(citizen, "patch", f"/{draft['id']}", {"answers": {"scope": 1}}), 422)["field"]
        == "answers.scope"
    )
    case = submitted_food_case(world, login(world.citizen2))
    clerk = login(world.clerk)
    bad_days = error(
        call(
            clerk,
            "post",
            f"/staff/cases/{case['id']}/accept",
            {"deficiency": [{"material_key": "food-safety-officer", "days": "5"}]},
        ),
        422,
    )
    assert bad_days["field"] == "deficiency.0.days"
    bad_bool = error(
        call(
            clerk,
            "post",
            f"/staff/cases/{case['id']}/deliver",
            {"method": "window", "identity_checked": "yes"},
        ),
        422,
    )
    assert bad_bool["field"] == "identity_checked"
    assert Case.objects.get(pk=case["id"]).status == CaseStatus.SUBMITTED


def test_situation_answer_outside_the_options_is_422(world):
    citizen = login(world.citizen)
    draft = new_food_draft(citizen, world)
    refused = error(call(citizen, "patch", f"/{draft['id']}", {"answers": {"scope": "moon"}}), 422)
    assert refused["field"] == "answers.scope"
    unchanged = Case.objects.get(pk=draft["id"]).answers
    assert unchanged == food_answers(world.version(FOOD))
    # at creation too, and then no draft is left behind
    before = Case.objects.count()
    error(
        call(
            citizen,
            "post",
            "",
            {"implementation_code": world.code(FOOD), "answers": {"scope": "moon"}},
        ),
        422,
    )
    assert Case.objects.count() == before


def test_upload_checks(world):
    citizen = login(world.citizen)
    draft = new_food_draft(citizen, world)
    case_id, key = draft["id"], draft["materials"][0]["key"]
    unknown = error(upload(citizen, case_id, "no-such-material", pdf_bytes()), 422)
    assert unknown["field"] == "material_key" and unknown["code"] == "unknown_material"
    forged = error(upload(citizen, case_id, key, b"MZ\x90\x00 not a pdf at all", "scan.pdf"), 422)
    assert forged["field"] == f"materials.{key}"
    CaseMaterial.objects.filter(case_id=case_id, key=key).update(max_size_kb=1)
    big = pdf_bytes("x" * 3000)
    oversize = error(upload(citizen, case_id, key, big, "big.pdf"), 422)
    assert oversize["field"] == f"materials.{key}" and oversize["code"] == "upload_too_large"
    assert error(citizen.post(f"{BASE}/{case_id}/materials/{key}/files", {}), 422)["field"] == (
        "file"
    )
    assert not CaseMaterial.objects.get(case_id=case_id, key=key).files.exists()


def test_submit_needs_an_idempotency_key_and_complete_materials(world):
    citizen = login(world.citizen)
    draft = new_food_draft(citizen, world)
    missing_key = error(call(citizen, "post", f"/{draft['id']}/submit", {}), 422)
    assert missing_key["field"] == "Idempotency-Key"
    incomplete = error(
        call(citizen, "post", f"/{draft['id']}/submit", {}, **{"Idempotency-Key": "k"}), 422
    )
    assert all(e["field"].startswith("materials.") for e in incomplete["errors"])
    assert Case.objects.get(pk=draft["id"]).status == CaseStatus.DRAFT


def test_illegal_transitions_are_409_naming_the_state(world):
    case = submitted_food_case(world)
    clerk, head = login(world.clerk), login(world.head)
    path = f"/staff/cases/{case['id']}"
    decide = error(
        call(head, "post", f"{path}/steps", {"action": "pass", "decision": "approve"}), 409
    )
    assert decide["details"]["status"] == "submitted" and "待受理" in decide["message"]
    ok(call(clerk, "post", f"{path}/accept", {}))
    twice = error(call(clerk, "post", f"{path}/accept", {}), 409)
    assert twice["details"]["status"] == "in_progress" and "办理中" in twice["message"]
    # the review task is the market department's: the clerk (who sees the case) may not claim
    other = error(call(clerk, "post", f"{path}/claim"), 409)
    assert other["code"] == "task_other_department"
    # another department's approver does not even see it
    error(call(login(world.other_approver), "post", f"{path}/claim"), 404)
    # the citizen cannot withdraw a concluded case
    assert Case.objects.get(pk=case["id"]).status == CaseStatus.IN_PROGRESS
    assert not Message.objects.filter(user=world.other_approver).exists()


def test_another_users_case_is_404(world):
    case = submitted_food_case(world)
    stranger = login(world.citizen2)
    for method, path, body in [
        ("get", f"/{case['id']}", None),
        ("patch", f"/{case['id']}", {"form": {}}),
        ("post", f"/{case['id']}/withdraw", {}),
        ("post", f"/{case['id']}/complaints", {"text": "太慢"}),
    ]:
        assert error(call(stranger, method, path, body), 404)["code"] == "not_found"
    assert error(call(stranger, "get", "/999999"), 404)["code"] == "not_found"
    assert Case.objects.get(pk=case["id"]).status == CaseStatus.SUBMITTED


def test_complaint_and_answer(world):
    case = submitted_food_case(world)
    opened = ok(
        call(login(world.citizen), "post", f"/{case['id']}/complaints", {"text": "太慢"}), 201
    )
    assert opened["status"] == "open" and opened["case_number"] == case["number"]
    supervisor = login(world.supervisor)
    listed = ok(call(supervisor, "get", "/staff/complaints"))
    assert [c["id"] for c in listed] == [opened["id"]]
    answered = ok(
        call(supervisor, "post", f"/staff/complaints/{opened['id']}/answer", {"answer": "已督办"})
    )
    assert answered["status"] == "answered"
    again = error(
        call(supervisor, "post", f"/staff/complaints/{opened['id']}/answer", {"answer": "x"}), 409
    )
    assert again["details"]["status"] == "answered"


def test_ids_and_queue_kinds_out_of_range_are_422(world):
    citizen = login(world.citizen)
    assert error(call(citizen, "get", "/99999999999999999999999"), 422)["field"] == "case_id"
    assert error(call(citizen, "get", "/0"), 422)["field"] == "case_id"
    assert error(call(login(world.clerk), "get", "/staff/queue?kind=all"), 422)["field"] == "kind"
    assert error(call(login(world.clerk), "get", "/staff/search?status=lost"), 422)["field"] == (
        "status"
    )


def test_the_same_key_on_another_draft_returns_the_first_case(world):
    citizen = login(world.citizen)
    first = submitted_food_case(world, citizen)  # key k-1
    second = new_food_draft(citizen, world)
    upload_everything(citizen, second)
    again = ok(call(citizen, "post", f"/{second['id']}/submit", **{"Idempotency-Key": "k-1"}))
    assert again["id"] == first["id"]
    assert Case.objects.get(pk=second["id"]).status == CaseStatus.DRAFT

"""The hotline API (``/api/v1/hotline``) through HTTP with tokens and sessions: routing,
intake (idempotent), the centre's actions, departments' work orders, 110 transfers in, the
knowledge search; permission failures (another department's order is 404) and malformed
input (4xx naming the field in Chinese and English) with nothing changed."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client

from tests.factories import make_staff
from tests.hotline.core_helpers import (
    HEATING_TEXT,
    NOISE_TEXT,
    counts,
    dispatched,
    phone_ticket,
    routing_rules,
)
from zhengwu.accounts import services as account_services
from zhengwu.hotline.choices import EMERGENCY_DEPARTMENT
from zhengwu.hotline.models import Extension, KnowledgeEntry, Ticket, WorkOrder

pytestmark = pytest.mark.django_db

BASE = "/api/v1/hotline"
CALLER = "13912345678"


# --- helpers -------------------------------------------------------------------------------------


def login(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def token_client(user: Any, scopes: tuple[str, ...] = ("write",)) -> tuple[Client, dict[str, str]]:
    _token, secret = account_services.token_create(user=user, name="程序", scopes=list(scopes))
    return Client(), {"Authorization": f"Bearer {secret}"}


def call(client: Client, method: str, path: str, body: Any = None, **headers: str) -> Any:
    kwargs: dict[str, Any] = {"headers": headers} if headers else {}
    if body is not None:
        kwargs.update(data=json.dumps(body), content_type="application/json")
    elif method == "post":
        kwargs.update(data=b"", content_type="application/json")
    return getattr(client, method)(f"{BASE}{path}", **kwargs)


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.content.decode()[:2000]
    return response.json()


def error(response: Any, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.content.decode()[:2000]
    body = response.json()
    assert {"code", "message", "message_en", "field", "request_id"} <= set(body)
    return body


@pytest.fixture
def api(hl):
    routing_rules(hl)
    return hl


# --- routing -------------------------------------------------------------------------------------


def test_route_proposes_a_department(api):
    agent = login(api.agent)
    body = ok(call(agent, "post", "/route", {"text": NOISE_TEXT, "address": "纺织城街道"}))
    assert body["department"] == "区城管局"
    assert body["department_id"] == api.urban.pk
    assert body["emergency_line"] == ""
    assert body["category"] == "complaint"
    assert body["confidence"] == 1.0
    assert body["routed_by"] == "rule"
    assert set(body) == {
        "department",
        "department_id",
        "emergency_line",
        "category",
        "confidence",
        "routed_by",
        "needs_dispatcher",
        "model_version",
    }
    fire = ok(call(agent, "post", "/route", {"text": "楼下着火了，浓烟很大"}))
    assert (fire["department"], fire["emergency_line"]) == (EMERGENCY_DEPARTMENT, "119")
    assert fire["department_id"] is None


def test_route_refuses_citizens_and_bad_input(api):
    error(call(login(api.citizen), "post", "/route", {"text": NOISE_TEXT}), 403)
    missing = error(call(login(api.agent), "post", "/route", {"address": "x"}), 422)
    assert missing["field"] == "text"
    assert missing["message"] == "缺少必填项" and missing["message_en"] == "This field is required"
    too_long = error(call(login(api.agent), "post", "/route", {"text": "噪" * 4001}), 422)
    assert too_long["field"] == "text" and "4000" in too_long["message_en"]
    error(call(Client(), "post", "/route", {"text": NOISE_TEXT}), 401)


# --- intake --------------------------------------------------------------------------------------


def test_agent_takes_a_call_with_a_token_idempotently(api):
    app, auth = token_client(api.agent)
    payload = {
        "text": NOISE_TEXT,
        "channel": "phone",
        "caller_phone": CALLER,
        "caller_name": "李强",
        "address": "灞桥区纺织城街道纺正街12号",
    }
    first = ok(call(app, "post", "/tickets", payload, **auth, **{"Idempotency-Key": "k1"}), 201)
    before = counts()
    again = ok(call(app, "post", "/tickets", payload, **auth, **{"Idempotency-Key": "k1"}), 201)
    assert again["number"] == first["number"]
    assert counts() == before
    assert first["channel"] == "phone"
    assert first["status"] == "received"  # phone tickets wait for the dispatcher
    assert first["caller_phone"] == CALLER and first["caller_name"] == "李强"  # the centre
    assert first["proposed_department_id"] == api.urban.pk
    assert first["street_name"]  # resolved from the address
    assert [e["kind"] for e in first["events"]] == ["received", "routed"]


def test_citizen_submits_and_sees_only_their_own(api):
    citizen = login(api.citizen)
    mine = ok(
        call(citizen, "post", "/tickets", {"text": HEATING_TEXT, "address": "半坡路小区"}), 201
    )
    assert mine["channel"] == "api"
    assert mine["caller_phone"] == "13800138000"  # from the account: their own data
    # Confident rule: dispatched at once to 区住建局; citizens see no orders, public events.
    assert mine["status"] == "dispatched" and mine["department_name"] == "区住建局"
    assert mine["orders"] == [] and all(e["public"] for e in mine["events"])
    other = phone_ticket(api)
    listing = ok(call(citizen, "get", "/tickets"))
    assert [t["number"] for t in listing["items"]] == [mine["number"]]
    assert listing["count"] == 1
    error(call(citizen, "get", f"/tickets/{other.number}"), 404)
    error(call(citizen, "post", f"/tickets/{other.number}/close", {}), 404)
    phone = error(call(citizen, "post", "/tickets", {"text": "x", "channel": "phone"}), 403)
    assert phone["field"] == "channel"


def test_intake_bad_input_names_the_field_and_writes_nothing(api):
    agent = login(api.agent)
    before = counts()
    malformed = api_post_raw(agent, "/tickets", b'{"text": "unterminated')
    body = error(malformed, 400)
    assert body["code"] == "malformed_json" and body["field"] == "body"
    assert body["message"] and body["message_en"]
    body = error(call(agent, "post", "/tickets", {"text": ""}), 422)
    assert body["field"] == "text" and body["message"] == "长度不足"
    body = error(call(agent, "post", "/tickets", {"text": "x", "category": "gossip"}), 422)
    assert body["field"] == "category" and body["message_en"] == "Not one of the allowed values"
    body = error(call(agent, "post", "/tickets", {"text": "x", "colour": "red"}), 422)
    assert body["field"] == "colour" and body["message"] == "不允许的字段"
    body = error(call(agent, "post", "/tickets", {"text": "x", "anonymous": "yes"}), 422)
    assert body["field"] == "anonymous"
    body = error(
        call(agent, "post", "/tickets", {"text": "x", "channel": "phone", "caller_phone": "1"}),
        422,
    )
    assert body["field"] == "caller_phone" and "电话" in body["message"]
    assert counts() == before


def api_post_raw(client: Client, path: str, raw: bytes) -> Any:
    return client.post(f"{BASE}{path}", data=raw, content_type="application/json")


# --- the life of a ticket ------------------------------------------------------------------------


def test_dispatch_sign_reply_close_callback(api):
    ticket = phone_ticket(api)
    dispatcher, handler, agent = login(api.dispatcher), login(api.urban_handler), login(api.agent)
    body = ok(
        call(
            dispatcher,
            "post",
            f"/tickets/{ticket.number}/dispatch",
            {"department_id": api.urban.pk, "note": "请尽快处理"},
        )
    )
    assert body["status"] == "dispatched" and body["department_name"] == "区城管局"
    (order,) = body["orders"]

    orders = ok(call(handler, "get", "/orders"))
    assert [o["id"] for o in orders] == [order["id"]]
    assert orders[0]["text"] == NOISE_TEXT
    seen = ok(call(handler, "get", f"/tickets/{ticket.number}"))
    assert seen["caller_phone"] == "139****5678" and seen["caller_name"] == "李*"  # masked
    assert ok(call(login(api.housing_handler), "get", "/orders")) == []

    # Another department's order: 404 for every action, nothing changed.
    other = login(api.housing_handler)
    before = counts()
    for action, payload in [
        ("sign", None),
        ("return", {"reason": "不归我们管"}),
        ("reply", {"reply": "已处理"}),
        ("extensions", {"days": 2, "reason": "需要时间"}),
    ]:
        error(call(other, "post", f"/orders/{order['id']}/{action}", payload), 404)
    error(call(other, "get", f"/tickets/{ticket.number}"), 404)
    assert counts() == before
    assert WorkOrder.objects.get(pk=order["id"]).status == "dispatched"

    signed = ok(call(handler, "post", f"/orders/{order['id']}/sign"))
    assert signed["status"] == "signed" and signed["signed_at"]
    replied = ok(
        call(handler, "post", f"/orders/{order['id']}/reply", {"reply": "已责令夜间停工。"})
    )
    assert replied["status"] == "replied"
    closed = ok(call(agent, "post", f"/tickets/{ticket.number}/close", {}))
    assert closed["status"] == "closed" and closed["answer"] == "已责令夜间停工。"
    callback = ok(
        call(agent, "post", f"/tickets/{ticket.number}/callback", {"result": "satisfied"}), 201
    )
    assert callback["result"] == "satisfied" and callback["ticket_status"] == "closed"
    assert ok(call(agent, "get", "/tickets", None))["count"] == 1
    assert ok(call(agent, "get", "/tickets?status=closed"))["count"] == 1
    assert ok(call(agent, "get", "/tickets?status=received"))["count"] == 0
    assert error(call(agent, "get", "/tickets?status=lost"), 422)["field"] == "status"


def test_not_satisfied_callback_and_reopen(api):
    ticket, order = dispatched(api)
    handler, agent = login(api.urban_handler), login(api.agent)
    ok(call(handler, "post", f"/orders/{order.pk}/sign"))
    ok(call(handler, "post", f"/orders/{order.pk}/reply", {"reply": "已处理"}))
    ok(call(agent, "post", f"/tickets/{ticket.number}/close", {}))
    callback = ok(
        call(
            agent,
            "post",
            f"/tickets/{ticket.number}/callback",
            {"result": "not_satisfied", "note": "仍在施工"},
        ),
        201,
    )
    assert callback["ticket_status"] == "dispatched"  # reopened to the department
    assert ok(call(agent, "get", f"/tickets/{ticket.number}"))["reopen_count"] == 1
    before = counts()
    error(call(agent, "post", f"/tickets/{ticket.number}/reopen", {"reason": "再次"}), 409)
    error(call(agent, "post", f"/tickets/{ticket.number}/reopen", {}), 422)
    assert counts() == before


def test_return_and_extension(api):
    ticket, order = dispatched(api)
    handler = login(api.urban_handler)
    returned = ok(call(handler, "post", f"/orders/{order.pk}/return", {"reason": "不属于本局职责"}))
    assert returned["status"] == "returned" and returned["return_reason"] == "不属于本局职责"
    assert Ticket.objects.get(pk=ticket.pk).status == "received"

    ticket2, order2 = dispatched(api, text=NOISE_TEXT + "（二）")
    ok(call(handler, "post", f"/orders/{order2.pk}/sign"))
    extension = ok(
        call(handler, "post", f"/orders/{order2.pk}/extensions", {"days": 2, "reason": "需协调"}),
        201,
    )
    assert extension["status"] == "pending" and extension["ticket_number"] == ticket2.number
    error(call(handler, "post", f"/extensions/{extension['id']}/decide", {"approve": True}), 403)
    assert Extension.objects.get(pk=extension["id"]).status == "pending"
    bad = error(
        call(
            login(api.dispatcher),
            "post",
            f"/extensions/{extension['id']}/decide",
            {"approve": "yes"},
        ),
        422,
    )
    assert bad["field"] == "approve"
    decided = ok(
        call(
            login(api.dispatcher),
            "post",
            f"/extensions/{extension['id']}/decide",
            {"approve": True, "note": "同意"},
        )
    )
    assert decided["status"] == "approved" and decided["decided_at"]
    error(call(login(api.dispatcher), "post", "/extensions/999999/decide", {"approve": True}), 404)


def test_direct_answer_merge_and_emergency(api):
    agent = login(api.agent)
    consult = phone_ticket(api, text="请问居住证在哪里办理？")
    answered = ok(
        call(
            agent,
            "post",
            f"/tickets/{consult.number}/answer",
            {"answer": "到户籍所在地派出所办理。"},
        )
    )
    assert answered["status"] == "closed" and answered["answered_directly"] is True

    first = phone_ticket(api)
    second = phone_ticket(api, text=NOISE_TEXT + "，再次反映")
    merged = ok(call(agent, "post", f"/tickets/{second.number}/merge", {"into": first.number}))
    assert merged["status"] == "merged" and merged["merged_into"] == first.number

    fire = phone_ticket(api, text="楼下着火了，浓烟很大")
    transfer = ok(
        call(
            agent,
            "post",
            f"/tickets/{fire.number}/emergency-transfer",
            {"line": "119", "note": "已转 119"},
        ),
        201,
    )
    assert transfer["line"] == "119" and transfer["ticket_status"] == "transferred"
    call_log = ok(
        call(
            agent,
            "post",
            f"/tickets/{fire.number}/three-way-calls",
            {"participants": ["12345 孙悦", "119 指挥中心", "来电人"], "outcome": "119 已出警"},
        ),
        201,
    )
    assert call_log["participants"][1] == "119 指挥中心"
    taken = ok(
        call(agent, "post", f"/tickets/{fire.number}/take-back", {"note": "119 称不属其职责"})
    )
    assert taken["status"] == "received" and taken["emergency_line"] == ""
    bad = error(
        call(agent, "post", f"/tickets/{fire.number}/emergency-transfer", {"line": "999"}), 422
    )
    assert bad["field"] == "line"
    one = error(
        call(
            agent,
            "post",
            f"/tickets/{fire.number}/three-way-calls",
            {"participants": ["只有一方"], "outcome": "x"},
        ),
        422,
    )
    assert one["field"] == "participants"


def test_department_staff_may_not_act_for_the_centre(api):
    ticket = phone_ticket(api)
    handler = login(api.urban_handler)
    before = counts()
    # Not yet dispatched to them: they do not see it.
    error(call(handler, "post", f"/tickets/{ticket.number}/close", {}), 404)
    ticket2, _order = dispatched(api, text=NOISE_TEXT + "（三）")
    before = counts()
    error(call(handler, "post", f"/tickets/{ticket2.number}/close", {}), 403)
    error(
        call(
            handler,
            "post",
            f"/tickets/{ticket2.number}/dispatch",
            {"department_id": api.housing.pk},
        ),
        403,
    )
    error(
        call(login(api.agent), "post", f"/tickets/{ticket.number}/dispatch",
             {"department_id": api.urban.pk}),
        403,
    )  # fmt: skip
    assert counts() == before


# --- caller lookup and transfers in --------------------------------------------------------------


def test_caller_lookup(api):
    phone_ticket(api)
    phone_ticket(api, text=HEATING_TEXT)
    rows = ok(call(login(api.agent), "get", f"/callers/{CALLER}/tickets"))
    assert len(rows) == 2 and {r["caller_phone"] for r in rows} == {CALLER}
    error(call(login(api.urban_handler), "get", f"/callers/{CALLER}/tickets"), 403)
    bad = error(call(login(api.agent), "get", "/callers/12345/tickets"), 422)
    assert bad["field"] == "caller_phone"


def test_transfers_in_from_110(api):
    app, auth = token_client(api.dispatcher)
    payload = {
        "origin_ref": "JJ20261127-0042",
        "text": "报警人称小区门口占道经营，非警情，转 12345",
        "caller_phone": "13700001111",
        "address": "灞桥区纺织城",
    }
    created = ok(call(app, "post", "/transfers-in", payload, **auth), 201)
    assert created["channel"] == "transfer_110"
    assert (created["origin"], created["origin_ref"]) == ("110", "JJ20261127-0042")
    before = counts()
    again = ok(call(app, "post", "/transfers-in", payload, **auth), 201)
    assert again["number"] == created["number"] and counts() == before

    agent_app, agent_auth = token_client(api.agent)
    error(call(agent_app, "post", "/transfers-in", payload, **agent_auth), 403)
    admin = make_staff(department=api.centre, roles=["administrator"], display_name="管理员")
    admin_app, admin_auth = token_client(admin)
    other = ok(
        call(admin_app, "post", "/transfers-in", {**payload, "origin_ref": "JJ-2"}, **admin_auth),
        201,
    )
    assert other["number"] != created["number"]
    read_app, read_auth = token_client(api.dispatcher, scopes=("read",))
    refused = error(call(read_app, "post", "/transfers-in", payload, **read_auth), 403)
    assert refused["code"] == "insufficient_scope"


# --- knowledge -----------------------------------------------------------------------------------


def test_knowledge_search_is_for_staff(api):
    entry = KnowledgeEntry.objects.create(
        department=api.urban,
        question="居住证在哪里办理？",
        answer="到居住地派出所办理，带身份证和居住证明。",
        keywords="居住证,办理",
        status="published",
    )
    rows = ok(call(login(api.agent), "get", "/knowledge?q=居住证"))
    faq = [r for r in rows if r["kind"] == "faq"]
    assert faq and faq[0]["id"] == entry.pk and faq[0]["answer"].startswith("到居住地派出所")
    assert set(rows[0]) == {
        "kind", "id", "code", "title", "answer", "department", "score", "url", "version",
    }  # fmt: skip
    error(call(login(api.citizen), "get", "/knowledge?q=居住证"), 403)
    assert error(call(login(api.agent), "get", "/knowledge"), 422)["field"] == "q"


# --- attachments after a JSON intake -------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.4\n%test\n"


def attach(client: Client, number: str, *files: tuple[str, bytes], **headers: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    uploads = [
        SimpleUploadedFile(name, content, "application/octet-stream") for name, content in files
    ]
    return client.post(
        f"{BASE}/tickets/{number}/attachments", {"attachments": uploads}, headers=headers
    )


def test_a_json_intake_sends_its_files_next(api):
    client, auth = token_client(api.citizen)
    created = ok(
        call(client, "post", "/tickets", {"text": HEATING_TEXT, "address": "半坡路小区"}, **auth),
        201,
    )
    assert created["attachments"] == []
    number = created["number"]
    body = ok(attach(client, number, ("楼道.png", PNG), ("说明.pdf", PDF), **auth), 201)
    assert [(a["name"], a["content_type"], a["size"]) for a in body["attachments"]] == [
        ("楼道.png", "image/png", len(PNG)),
        ("说明.pdf", "application/pdf", len(PDF)),
    ]
    assert body["events"][-1]["kind"] == "attached" and body["events"][-1]["public"]
    assert (
        ok(call(client, "get", f"/tickets/{number}", **auth))["attachments"] == body["attachments"]
    )
    first = body["attachments"][0]
    download = client.get(f"{BASE}/tickets/{number}/attachments/{first['id']}", headers=auth)
    assert download.status_code == 200 and download["Content-Type"] == "image/png"
    assert download["X-Content-Type-Options"] == "nosniff"
    assert b"".join(download.streaming_content) == PNG
    # the department the ticket was dispatched to sees them; another department does not
    assert (
        len(ok(call(login(api.housing_handler), "get", f"/tickets/{number}"))["attachments"]) == 2
    )
    error(
        call(login(api.urban_handler), "get", f"/tickets/{number}/attachments/{first['id']}"), 404
    )
    # the centre adds one for the caller; the department may read but not add
    ok(attach(login(api.agent), number, ("现场.png", PNG)), 201)
    refused = error(attach(login(api.housing_handler), number, ("x.png", PNG)), 403)
    assert refused["message_en"] == "Only the caller or the 12345 centre may add attachments"
    assert Ticket.objects.get(number=number).attachments.count() == 3


def test_attachments_bad_input_names_the_field_and_writes_nothing(api):
    citizen = login(api.citizen)
    number = ok(call(citizen, "post", "/tickets", {"text": HEATING_TEXT}), 201)["number"]
    other = phone_ticket(api)
    before = counts()
    forged = error(attach(citizen, number, ("ok.png", PNG), ("photo.png", b"MZ\x90\x00" * 8)), 422)
    assert forged["field"] == "attachments.1" and forged["code"] == "upload_type_not_allowed"
    assert error(attach(citizen, number), 422)["field"] == "attachments"
    too_many = [(f"p{n}.png", PNG) for n in range(6)]
    assert error(attach(citizen, number, *too_many), 422)["field"] == "attachments"
    error(attach(citizen, other.number, ("x.png", PNG)), 404)  # another caller's ticket
    error(attach(citizen, "HL-NOPE", ("x.png", PNG)), 404)
    error(attach(Client(), number, ("x.png", PNG)), 401)
    # a department that may see the ticket may not add to it: refused before storing
    handler = login(api.housing_handler)
    ticket = Ticket.objects.get(number=number)
    assert ticket.department_id == api.housing.pk
    unique = PNG + b"refused"
    error(attach(handler, number, ("y.png", unique)), 403)
    digest = hashlib.sha256(unique).hexdigest()
    assert not default_storage.exists(f"hotline/{digest[:2]}/{digest}")
    assert counts() == before
    # five in all: three now, then two more fit and a sixth does not
    ok(attach(citizen, number, *[(f"a{n}.png", PNG) for n in range(3)]), 201)
    ok(attach(citizen, number, ("b.pdf", PDF), ("c.pdf", PDF)), 201)
    full = error(attach(citizen, number, ("d.pdf", PDF)), 422)
    assert full["code"] == "too_many_attachments" and "5" in full["message"]
    # a closed ticket's record is complete
    Ticket.objects.filter(number=number).update(status="closed")
    closed = error(attach(login(api.agent), number, ("e.png", PNG)), 409)
    assert closed["field"] == "status" and closed["details"]["status"] == "closed"

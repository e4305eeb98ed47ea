"""Permission matrix of the case API: every endpoint × every kind of actor, asserting the
status and, for writes, that a refused call changed nothing (and an allowed one did).

Read a row as "who may do this?". The rules behind it:

- applicant side: the owner (and for an enterprise case every member of the enterprise);
  anybody else gets 404 — another user's case does not exist for them;
- staff side: non-staff 403; staff who may not see the case 404 (another venue's clerk,
  another department's approver); staff who see it but lack the role 403; the right role
  while the current step is another department's, or the state forbids it, 409.

The state each row needs (a draft, a submitted case, one in review, decided …) is built
through the services for that row only (tests/cases/conftest.py's ``world``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import orjson
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.test import Client

from tests.cases.conftest import FOOD, food_answers, pdf_bytes, upload_all
from tests.factories import make_enterprise_member
from zhengwu.accounts.models import EnterpriseMembership
from zhengwu.cases import services
from zhengwu.cases.models import (
    Case,
    CaseFile,
    CaseMaterial,
    CaseTask,
    Commitment,
    Complaint,
    Correction,
    Delivery,
    Extension,
    Handover,
    Message,
    Payment,
    SpecialProcedure,
    Transfer,
)
from zhengwu.cases.payments import NOTICE_SIGNATURE_HEADER, signature
from zhengwu.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db

BASE = "/api/v1/cases"
SECRET = "matrix-gateway-secret"
ACTORS = (
    "anonymous",
    "owner",
    "other_citizen",
    "enterprise",
    "clerk",
    "clerk2",
    "approver",
    "other_approver",
    "head",
    "supervisor",
)
USERS = {
    "owner": "citizen",
    "other_citizen": "citizen2",
    "enterprise": "enterprise_member",
    "clerk": "clerk",
    "clerk2": "clerk2",
    "approver": "approver",
    "other_approver": "other_approver",
    "head": "head",
    "supervisor": "supervisor",
}
STAFF = ("clerk", "clerk2", "approver", "other_approver", "head", "supervisor")


# --- states -------------------------------------------------------------------------------------


def _draft(w: Any, user: Any = None, **kwargs: Any) -> Case:
    case = services.draft_create(user=user or w.citizen, implementation_code=w.code(FOOD), **kwargs)
    services.draft_update(
        case_id=case.pk, user=user or w.citizen, answers=food_answers(w.version(FOOD))
    )
    case.refresh_from_db()
    return case


def draft(w: Any) -> dict[str, Any]:
    case = _draft(w)
    services.material_upload(
        case_id=case.pk,
        material_key=case.materials.first().key,
        user=w.citizen,
        filename="a.pdf",
        content=pdf_bytes("first"),
    )
    return {
        "case": case,
        "key": case.materials.first().key,
        "file_id": CaseFile.objects.get(material__case=case).pk,
    }


def complete_draft(w: Any) -> dict[str, Any]:
    case = _draft(w)
    upload_all(case, w.citizen)
    return {"case": case}


def submitted(w: Any, *, commitment: str = "") -> dict[str, Any]:
    case = _draft(w)
    upload_all(case, w.citizen)
    services.submit(
        case_id=case.pk, user=w.citizen, idempotency_key="k", commitment_signed_name=commitment
    )
    case.refresh_from_db()
    return {"case": case, "key": case.materials.first().key}


def correction(w: Any) -> dict[str, Any]:
    ctx = submitted(w)
    services.request_correction(
        case_id=ctx["case"].pk, user=w.clerk, items=[{"material_key": ctx["key"], "reason": "不清"}]
    )
    services.material_upload(
        case_id=ctx["case"].pk,
        material_key=ctx["key"],
        user=w.citizen,
        filename="again.pdf",
        content=pdf_bytes("again"),
    )
    return ctx


def in_progress(w: Any) -> dict[str, Any]:
    ctx = submitted(w)
    services.accept(case_id=ctx["case"].pk, user=w.clerk)
    ctx["notice_id"] = ctx["case"].notices.get().pk
    ctx["message_id"] = Message.objects.filter(user=w.citizen).order_by("id").first().pk
    return ctx


def claimed(w: Any) -> dict[str, Any]:
    ctx = in_progress(w)
    services.claim(case_id=ctx["case"].pk, user=w.approver)
    return ctx


def suspended(w: Any) -> dict[str, Any]:
    ctx = in_progress(w)
    services.special_procedure_start(
        case_id=ctx["case"].pk, user=w.approver, kind="inspection", reason="现场核查"
    )
    return ctx


def with_extension(w: Any) -> dict[str, Any]:
    ctx = in_progress(w)
    ctx["extension_id"] = services.extension_request(
        case_id=ctx["case"].pk, user=w.approver, reason="需要补充调查"
    ).pk
    return ctx


def with_fee(w: Any) -> dict[str, Any]:
    ctx = in_progress(w)
    services.fee_assess(case_id=ctx["case"].pk, user=w.clerk, amount="50", basis="按核定标准")
    return ctx


def with_online_order(w: Any) -> dict[str, Any]:
    ctx = with_fee(w)
    order = Payment.objects.create(
        case=ctx["case"], amount=Decimal("50.00"), method="online", order_no="PAYMATRIX1"
    )
    ctx["notice_body"] = orjson.dumps(
        {
            "order_no": order.order_no,
            "gateway_ref": "G-9",
            "status": "paid",
            "amount": "50.00",
            "receipt_no": "R-9",
        }
    )
    return ctx


def decided(w: Any, *, commitment: str = "") -> dict[str, Any]:
    ctx = submitted(w, commitment=commitment)
    case_id = ctx["case"].pk
    services.accept(case_id=case_id, user=w.clerk)
    services.complete_step(case_id=case_id, user=w.approver, action="pass", opinion="符合")
    services.complete_step(
        case_id=case_id, user=w.head, action="pass", decision="approve", opinion="同意"
    )
    return ctx


def with_commitment(w: Any) -> dict[str, Any]:
    return decided(w, commitment="张伟")


def with_transfer(w: Any) -> dict[str, Any]:
    ctx = in_progress(w)
    ctx["transfer_id"] = services.transfer_send(
        case_id=ctx["case"].pk, user=w.clerk, tracking_no="EMS0001"
    ).pk
    return ctx


def with_complaint(w: Any) -> dict[str, Any]:
    ctx = submitted(w)
    ctx["complaint_id"] = services.complaint_open(
        user=w.citizen, text="窗口说材料不齐但没说缺什么", case_id=ctx["case"].pk
    ).pk
    return ctx


def enterprise_draft(w: Any) -> dict[str, Any]:
    """A draft of world.enterprise_member's enterprise, filed by a colleague."""
    membership = EnterpriseMembership.objects.get(user=w.enterprise_member)
    colleague = make_enterprise_member(enterprise=membership.enterprise, role="manager")
    case = services.draft_create(
        user=colleague,
        implementation_code=w.code(FOOD),
        channel="api",
        enterprise_id=membership.enterprise_id,
    )
    return {"case": case, "enterprise_id": membership.enterprise_id}


def _business_licence(w: Any) -> Any:
    """免证办: the citizen holds an e-licence of the type the food item's business-licence
    material accepts (tests/cases/test_exemption.py covers the rules)."""
    from tests.cases.test_exemption import BUSINESS_TYPE, _type
    from zhengwu.kernel.actors import SYSTEM
    from zhengwu.licences import services as licence_services

    profile = w.citizen.citizen_profile
    return licence_services.issue_licence(
        licence_type=_type(BUSINESS_TYPE, "营业执照", "either"),
        holder=licence_services.parse_holder(profile.real_name, profile.id_number),
        issuer_code=BUSINESS_TYPE[:18],
        issuer_name="西安市灞桥区市场监督管理局",
        actor=SYSTEM,
    )


def licence_draft(w: Any) -> dict[str, Any]:
    licence = _business_licence(w)
    case = _draft(w)
    assert case.materials.get(key="business-licence").source == "licence"
    return {"case": case, "key": "business-licence", "identifier": licence.identifier}


def declined_licence_draft(w: Any) -> dict[str, Any]:
    ctx = licence_draft(w)
    services.material_decline_licence(
        case_id=ctx["case"].pk, material_key=ctx["key"], user=w.citizen
    )
    return ctx


def reusable_draft(w: Any) -> dict[str, Any]:
    accepted = in_progress(w)["case"]
    earlier = CaseFile.objects.filter(material__case=accepted).order_by("id").first()
    return {"case": _draft(w), "key": earlier.material.key, "file_id": earlier.pk}


def nothing(w: Any) -> dict[str, Any]:
    return {
        "enterprise_id": EnterpriseMembership.objects.get(user=w.enterprise_member).enterprise_id
    }


# --- expectations ------------------------------------------------------------------------------


def owner_only(status: int) -> dict[str, int]:
    return {"anonymous": 401, **dict.fromkeys(ACTORS[1:], 404), "owner": status}


def everyone(status: int) -> dict[str, int]:
    return dict.fromkeys(ACTORS, status)


def signed_in(status: int) -> dict[str, int]:
    return {**dict.fromkeys(ACTORS, status), "anonymous": 401}


def staff(**statuses: int) -> dict[str, int]:
    """Non-staff are refused before anything is looked up; staff as given."""
    assert set(statuses) == set(STAFF), statuses
    return {"anonymous": 401, "owner": 403, "other_citizen": 403, "enterprise": 403, **statuses}


SEES_IN_PROGRESS = {"clerk2": 404, "other_approver": 404}  # another venue / department
CLERKS_ONLY = staff(
    clerk=200, clerk2=200, approver=403, other_approver=404, head=403, supervisor=403
)
DEPARTMENT = staff(  # approver or head of the handling department
    clerk=403, clerk2=404, approver=200, other_approver=404, head=200, supervisor=403
)
TASK_OF_APPROVER = staff(
    clerk=409, clerk2=404, approver=200, other_approver=404, head=200, supervisor=409
)
RECEIVING_CLERK = staff(
    clerk=200, clerk2=404, approver=403, other_approver=404, head=403, supervisor=403
)


def created(expected: dict[str, int]) -> dict[str, int]:
    return {actor: 201 if status == 200 else status for actor, status in expected.items()}


@dataclass
class Row:
    name: str
    method: str
    setup: Callable[[Any], dict[str, Any]]
    path: Callable[[dict[str, Any]], str]
    expected: dict[str, int]
    body: Callable[[dict[str, Any]], Any] | None = None
    headers: dict[str, str] = field(default_factory=dict)
    multipart: bool = False
    raw: bool = False  # body is bytes signed for the payment gateway
    check: bool = True  # a write: refused changes nothing, allowed changes something


def c(ctx: dict[str, Any]) -> int:
    return ctx["case"].pk


MATRIX = [
    # --- applicant side ---------------------------------------------------------------------
    Row("create a draft", "post", nothing, lambda x: "",
        {"anonymous": 401, "owner": 201, "other_citizen": 201,
         # an enterprise account has no personal identity to apply with
         "enterprise": 422, **dict.fromkeys(STAFF, 403)},
        body=lambda x: {"implementation_code": x["food_code"]}),
    Row("create a draft for the enterprise", "post", nothing, lambda x: "",
        {"anonymous": 401, "owner": 404, "other_citizen": 404, "enterprise": 201,
         **dict.fromkeys(STAFF, 403)},
        body=lambda x: {"implementation_code": x["food_code"],
                        "enterprise_id": x["enterprise_id"]}),
    Row("list my cases", "get", submitted, lambda x: "", signed_in(200), check=False),
    Row("my case", "get", submitted, lambda x: f"/{c(x)}", owner_only(200), check=False),
    Row("the enterprise's case", "get", enterprise_draft, lambda x: f"/{c(x)}",
        {**owner_only(404), "enterprise": 200}, check=False),
    Row("update my draft", "patch", draft, lambda x: f"/{c(x)}", owner_only(200),
        body=lambda x: {"form": {"shop_name": "新店名"}}),
    Row("update the enterprise's draft", "patch", enterprise_draft, lambda x: f"/{c(x)}",
        {**owner_only(404), "enterprise": 200}, body=lambda x: {"form": {"x": "y"}}),
    Row("upload a file", "post", draft, lambda x: f"/{c(x)}/materials/{x['key']}/files",
        owner_only(201), body=lambda x: {"file": SimpleUploadedFile("b.pdf", pdf_bytes("b"))},
        multipart=True),
    Row("remove a file", "delete", draft, lambda x: f"/{c(x)}/files/{x['file_id']}",
        owner_only(204)),
    Row("use an e-licence for a material", "put", declined_licence_draft,
        lambda x: f"/{c(x)}/materials/{x['key']}/licence", owner_only(200),
        body=lambda x: {"licence_identifier": x["identifier"]}),
    Row("upload instead of the e-licence", "delete", licence_draft,
        lambda x: f"/{c(x)}/materials/{x['key']}/licence", owner_only(200)),
    Row("reuse an accepted material", "post", reusable_draft,
        lambda x: f"/{c(x)}/materials/{x['key']}/reuse", owner_only(201),
        body=lambda x: {"file_id": x["file_id"]}),
    Row("submit", "post", complete_draft, lambda x: f"/{c(x)}/submit", owner_only(200),
        body=lambda x: {}, headers={"Idempotency-Key": "matrix-1"}),
    Row("resubmit after correction", "post", correction, lambda x: f"/{c(x)}/resubmit",
        owner_only(200)),
    Row("withdraw", "post", submitted, lambda x: f"/{c(x)}/withdraw", owner_only(200),
        body=lambda x: {"reason": "不办了"}),
    Row("a notice PDF", "get", in_progress,
        lambda x: f"/{c(x)}/notices/{x['notice_id']}.pdf", owner_only(200), check=False),
    Row("complain about a case", "post", submitted, lambda x: f"/{c(x)}/complaints",
        owner_only(201), body=lambda x: {"text": "等了很久"}),
    Row("my messages", "get", in_progress, lambda x: "/messages", signed_in(200), check=False),
    Row("read my message", "post", in_progress, lambda x: f"/messages/{x['message_id']}/read",
        owner_only(204)),
    Row("start online payment (window-only item)", "post", with_fee,
        lambda x: f"/{c(x)}/payments/online", owner_only(409),
        body=lambda x: {"return_url": "https://app.example.cn/paid"}),
    Row("payment notice, signed", "post", with_online_order, lambda x: "/payments/notify",
        everyone(200), body=lambda x: x["notice_body"], raw=True),
    Row("payment notice, forged", "post", with_online_order, lambda x: "/payments/notify",
        everyone(422), body=lambda x: x["notice_body"].replace(b"50.00", b"0.01"), raw=True),
    Row("progress lookup", "get", submitted,
        lambda x: f"/progress?number={x['case'].number}&name=张伟", everyone(200), check=False),
    Row("progress lookup, wrong name", "get", submitted,
        lambda x: f"/progress?number={x['case'].number}&name=李娜", everyone(404), check=False),
    # --- staff side ---------------------------------------------------------------------------
    Row("acceptance queue", "get", submitted, lambda x: "/staff/queue?kind=acceptance",
        staff(**dict.fromkeys(STAFF, 200)), check=False),
    Row("my task queue", "get", claimed, lambda x: "/staff/queue?kind=mine",
        staff(**dict.fromkeys(STAFF, 200)), check=False),
    Row("search by number", "get", in_progress,
        lambda x: f"/staff/search?number={x['case'].number}",
        staff(**dict.fromkeys(STAFF, 200)), check=False),
    Row("a case in review, in full", "get", in_progress, lambda x: f"/staff/cases/{c(x)}",
        staff(**{**dict.fromkeys(STAFF, 200), **SEES_IN_PROGRESS}), check=False),
    Row("a case awaiting acceptance, in full", "get", submitted,
        lambda x: f"/staff/cases/{c(x)}",
        staff(**{**dict.fromkeys(STAFF, 200), "other_approver": 404}), check=False),
    Row("a notice PDF (staff)", "get", in_progress,
        lambda x: f"/staff/cases/{c(x)}/notices/{x['notice_id']}.pdf",
        staff(**{**dict.fromkeys(STAFF, 200), **SEES_IN_PROGRESS}), check=False),
    Row("enter a walk-in application", "post", nothing, lambda x: "/staff/cases",
        staff(clerk=201, clerk2=201, approver=403, other_approver=403, head=403,
              supervisor=403),
        body=lambda x: {"implementation_code": x["food_code"],
                        "channel": "window",
                        "applicant": {"kind": "citizen", "name": "王芳",
                                      "id_number": "11010519491231002X"}}),
    Row("accept", "post", submitted, lambda x: f"/staff/cases/{c(x)}/accept", CLERKS_ONLY,
        body=lambda x: {}),
    Row("request a correction", "post", submitted, lambda x: f"/staff/cases/{c(x)}/correction",
        CLERKS_ONLY, body=lambda x: {"items": [{"material_key": x["key"], "reason": "模糊"}]}),
    Row("refuse", "post", submitted, lambda x: f"/staff/cases/{c(x)}/refuse", CLERKS_ONLY,
        body=lambda x: {"reasons": "不属于本机关职权范围"}),
    Row("record paper materials", "post", submitted,
        lambda x: f"/staff/cases/{c(x)}/materials/{x['key']}/paper", CLERKS_ONLY,
        body=lambda x: {"originals": 1, "copies": 1}),
    Row("claim the review task", "post", in_progress, lambda x: f"/staff/cases/{c(x)}/claim",
        TASK_OF_APPROVER),
    Row("release a claimed task", "post", claimed, lambda x: f"/staff/cases/{c(x)}/release",
        {**TASK_OF_APPROVER, "head": 409}),
    Row("pass the review step", "post", in_progress, lambda x: f"/staff/cases/{c(x)}/steps",
        TASK_OF_APPROVER, body=lambda x: {"action": "pass", "opinion": "符合条件"}),
    Row("start a special procedure", "post", in_progress,
        lambda x: f"/staff/cases/{c(x)}/special-procedures", created(DEPARTMENT),
        body=lambda x: {"kind": "inspection", "reason": "现场核查"}),
    Row("end the special procedure", "post", suspended,
        lambda x: f"/staff/cases/{c(x)}/special-procedures/end", DEPARTMENT,
        body=lambda x: {"result": "核查完毕"}),
    Row("ask for an extension", "post", in_progress,
        lambda x: f"/staff/cases/{c(x)}/extensions", created(DEPARTMENT),
        body=lambda x: {"reason": "需要补充调查"}),
    Row("decide an extension", "post", with_extension,
        lambda x: f"/staff/extensions/{x['extension_id']}/decide",
        {**DEPARTMENT, "approver": 403}, body=lambda x: {"approve": True, "note": "同意"}),
    Row("terminate", "post", in_progress, lambda x: f"/staff/cases/{c(x)}/terminate",
        DEPARTMENT, body=lambda x: {"reason": "申请人死亡"}),
    Row("assess the fee", "post", in_progress, lambda x: f"/staff/cases/{c(x)}/fee",
        RECEIVING_CLERK, body=lambda x: {"amount": "30.00", "basis": "按核定标准"}),
    Row("record a window payment", "post", with_fee,
        lambda x: f"/staff/cases/{c(x)}/payments", created(RECEIVING_CLERK),
        body=lambda x: {"method": "cash", "receipt_no": "NO.1"}),
    Row("deliver", "post", decided, lambda x: f"/staff/cases/{c(x)}/deliver",
        staff(clerk=200, clerk2=404, approver=409, other_approver=404, head=409,
              supervisor=409),
        body=lambda x: {"method": "window", "identity_checked": True}),
    Row("forward the paper file", "post", in_progress,
        lambda x: f"/staff/cases/{c(x)}/transfers",
        # only the receiving venue's window clerks (the supervisor works there but is no clerk)
        staff(clerk=201, clerk2=404, approver=403, other_approver=404, head=403,
              supervisor=403),
        body=lambda x: {"tracking_no": "EMS0002"}),
    Row("sign for a forwarded file", "post", with_transfer,
        lambda x: f"/staff/transfers/{x['transfer_id']}/receive",
        staff(clerk=404, clerk2=404, approver=200, other_approver=404, head=200,
              supervisor=404)),
    Row("verify a commitment", "post", with_commitment,
        lambda x: f"/staff/cases/{c(x)}/commitment",
        staff(clerk=404, clerk2=404, approver=200, other_approver=404, head=200,
              supervisor=404),
        body=lambda x: {"passed": True, "finding": "经现场核查属实"}),
    Row("hand over (首问负责)", "post", in_progress, lambda x: f"/staff/cases/{c(x)}/handover",
        created(RECEIVING_CLERK), body=lambda x: {"to_user_id": x["clerk2_id"], "reason": "调岗"}),
    Row("supervision records", "get", in_progress, lambda x: "/staff/supervision",
        staff(**dict.fromkeys(STAFF, 200)), check=False),
    Row("open complaints", "get", with_complaint, lambda x: "/staff/complaints",
        staff(**{**dict.fromkeys(STAFF, 403), "supervisor": 200}), check=False),
    Row("answer a complaint", "post", with_complaint,
        lambda x: f"/staff/complaints/{x['complaint_id']}/answer",
        staff(**{**dict.fromkeys(STAFF, 403), "supervisor": 200}),
        body=lambda x: {"answer": "已督促窗口一次性告知"}),
]  # fmt: skip


def snapshot() -> Any:
    return (
        sorted(
            Case.objects.values_list(
                "id",
                "status",
                "assignee_id",
                "fee_amount",
                "fee_paid",
                "first_responder_id",
                "receiving_department_id",
                "promised_due",
                "form_encrypted",
            )
        ),
        sorted(CaseMaterial.objects.values_list("id", "source", "paper_originals")),
        CaseFile.objects.count(),
        sorted(CaseTask.objects.values_list("id", "assignee_id", "closed_at")),
        sorted(Extension.objects.values_list("id", "status")),
        sorted(SpecialProcedure.objects.values_list("id", "ended_on")),
        sorted(Payment.objects.values_list("id", "status")),
        sorted(Transfer.objects.values_list("id", "status")),
        sorted(Commitment.objects.values_list("id", "status")),
        sorted(Complaint.objects.values_list("id", "status")),
        sorted(Message.objects.values_list("id", "read_at")),
        Handover.objects.count(),
        Correction.objects.count(),
        Delivery.objects.count(),
    )


@pytest.fixture
def matrix_settings(settings):
    settings.PAYMENT_GATEWAY_URL = "http://127.0.0.1:9"  # never called by these rows
    settings.PAYMENT_GATEWAY_SECRET = SECRET
    return settings


def _request(client: Client, row: Row, ctx: dict[str, Any]) -> Any:
    path = f"{BASE}{row.path(ctx)}"
    kwargs: dict[str, Any] = {"headers": dict(row.headers)}
    if row.raw:  # the gateway signed ctx["notice_body"]; the row may send something else
        kwargs["headers"][NOTICE_SIGNATURE_HEADER] = signature(SECRET, ctx["notice_body"])
        kwargs.update(data=row.body(ctx) if row.body else b"", content_type="application/json")
    elif row.multipart:
        kwargs["data"] = row.body(ctx) if row.body else {}
    elif row.body is not None:
        kwargs.update(data=json.dumps(row.body(ctx)), content_type="application/json")
    elif row.method in ("post", "patch"):
        kwargs.update(data=b"", content_type="application/json")
    return getattr(client, row.method)(path, **kwargs)


def _problem(world: Any, row: Row, ctx: dict[str, Any], actor: str) -> str | None:
    """What is wrong with ``actor`` calling ``row`` (None: as the table says)."""
    client = Client()
    if actor != "anonymous":
        client.force_login(getattr(world, USERS[actor]))
    before = snapshot()
    audit_before = AuditEntry.objects.exclude(action__startswith="login.").count()
    response = _request(client, row, ctx)
    status, expected = response.status_code, row.expected[actor]
    if status != expected:
        return f"{actor}: {status}, expected {expected}: {response.content[:300]!r}"
    if status >= 400:
        if not response.json().get("code"):
            return f"{actor}: error without a code"
        if row.check and (
            snapshot() != before
            or AuditEntry.objects.exclude(action__startswith="login.").count() != audit_before
        ):
            return f"{actor}: refused with {status} but data changed"
    elif row.check and snapshot() == before:
        return f"{actor}: allowed but nothing changed"
    return None


@pytest.mark.parametrize("row", MATRIX, ids=[r.name for r in MATRIX])
def test_permission_matrix(world, matrix_settings, row):
    """One row, every actor. The row's state is built once; each actor's call runs inside
    a savepoint that is rolled back, so every actor meets the same state."""
    ctx = row.setup(world)
    ctx.update(clerk2_id=world.clerk2.pk, food_code=world.code(FOOD))
    problems = []
    for actor in ACTORS:
        savepoint = transaction.savepoint()
        try:
            problems.append(_problem(world, row, ctx, actor))
        finally:
            transaction.savepoint_rollback(savepoint)
    wrong = [p for p in problems if p]
    assert not wrong, f"{row.name}:\n" + "\n".join(wrong)


def test_every_endpoint_is_in_the_matrix():
    """A new endpoint must get a row: compare the router's operations with the table."""
    from zhengwu.cases.api import router

    operations = {
        (method.lower(), path)
        for path, view in router.path_operations.items()
        for operation in view.operations
        for method in operation.methods
    }
    covered = {(r.method, _template(r)) for r in MATRIX}
    missing = {op for op in operations if op not in covered}
    assert not missing, sorted(missing)


def _template(row: Row) -> str:
    """The router path a row calls, from a probe context of recognisable ids."""
    probe = _Probe()
    path = row.path(probe).split("?")[0]
    for name in _Probe.NAMES:
        path = path.replace(f"/{_Probe.value(name)}", f"/{{int:{name}}}")
    path = path.replace("/KEY/", "/{key}/")
    return path


class _Probe(dict):
    NAMES = ("case_id", "file_id", "notice_id", "message_id", "extension_id", "transfer_id",
             "complaint_id")  # fmt: skip

    @staticmethod
    def value(name: str) -> int:
        return 900001 + _Probe.NAMES.index(name)

    def __getitem__(self, key: str) -> Any:
        if key == "case":
            return _ProbeCase()
        if key == "key":
            return "KEY"
        if key == "clerk2_id":
            return 1
        return _Probe.value(key)


class _ProbeCase:
    pk = 900001
    number = "N"

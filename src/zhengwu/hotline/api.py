"""12345 hotline API, mounted at ``/api/v1/hotline`` (see ``docs/api.md``).

- ``POST /route``: the routing proposal while an agent types (staff).
- Tickets: ``POST /tickets`` (staff or citizens; ``Idempotency-Key`` header), ``GET /tickets``
  (what the caller may see), ``GET /tickets/{number}``, ``GET /callers/{phone}/tickets``
  (centre staff), and the centre's actions on a ticket (``answer``, ``dispatch``, ``close``,
  ``callback``, ``reopen``, ``merge``, ``emergency-transfer``, ``take-back``,
  ``three-way-calls``).
- ``POST /transfers-in``: demands transferred from 110 (dispatchers and administrators).
- Work orders of one's department: ``GET /orders``, ``POST /orders/{id}/sign``, ``/return``,
  ``/reply``, ``/extensions``; ``POST /extensions/{id}/decide`` (centre).
- ``GET /knowledge?q=``: the knowledge base and the catalogue's guides (staff).

Handlers parse, call one service or selector, and shape the answer. Who may do what is
decided by the services and ``hotline.policies``; a ticket or order the caller may not see
is 404. Caller phone and name are masked for the viewer.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Annotated, Any

from django.http import FileResponse, HttpRequest
from ninja import File, Header, Path, Query, Router, Status
from ninja.files import UploadedFile
from pydantic import Field

from zhengwu.accounts import policies as account_policies
from zhengwu.accounts.choices import StaffRole
from zhengwu.hotline import knowledge as knowledge_base
from zhengwu.hotline import routing, selectors, services
from zhengwu.hotline.attachments import attachment_response
from zhengwu.hotline.choices import (
    Category,
    EventKind,
    OrderStatus,
    TicketStatus,
)
from zhengwu.hotline.models import (
    Attachment,
    Callback,
    EmergencyTransfer,
    Extension,
    ThreeWayCall,
    Ticket,
    WorkOrder,
)
from zhengwu.hotline.schemas import (
    AnswerIn,
    CallbackIn,
    CallbackOut,
    CloseIn,
    DepartmentOrderOut,
    DispatchIn,
    EmergencyTransferIn,
    EmergencyTransferOut,
    ExtensionDecideIn,
    ExtensionIn,
    ExtensionOut,
    KnowledgeHitOut,
    MergeIn,
    OrderOut,
    ReasonIn,
    ReplyIn,
    RouteIn,
    RouteOut,
    TakeBackIn,
    ThreeWayCallIn,
    ThreeWayCallOut,
    TicketCreateIn,
    TicketOut,
    TicketPageOut,
    TicketSummaryOut,
    TransferInIn,
)
from zhengwu.kernel.errors import InvalidInput, NotAllowed, NotFound

router = Router(tags=["hotline"])

DbId = Annotated[int, Field(ge=1, le=2**63 - 1)]
NUMBER = Path(..., min_length=1, max_length=32, pattern=r"^[0-9A-Za-z-]+$")
PHONE = Path(..., min_length=3, max_length=32)
IDEMPOTENCY_KEY = Header(
    None,
    alias="Idempotency-Key",
    min_length=1,
    max_length=64,
    description="重复提交返回同一工单 / the same key returns the same ticket",
)
ORDER_NOT_FOUND = ("未找到该派单", "No such work order")


# --- helpers: who is asking ----------------------------------------------------------------------


def _staff(request: HttpRequest) -> Any:
    user = request.user
    if not (account_policies.is_staff_member(user) or account_policies.is_administrator(user)):
        raise NotAllowed("仅限工作人员使用", "Staff only")
    return user


def _ticket(request: HttpRequest, number: str) -> Ticket:
    """The ticket if the caller may see it (404 otherwise) — checked before any action."""
    return selectors.ticket_for(request.user, number)


def _order(request: HttpRequest, order_id: int) -> WorkOrder:
    """A work order of the caller's department (the centre sees all); another's is 404."""
    return selectors.order_for(request.user, order_id)


# --- helpers: shaping ----------------------------------------------------------------------------


def _label(choices: Any, value: str) -> str:
    return str(dict(choices.choices).get(value, value)).partition(" / ")[0]


def _summary(user: Any, ticket: Ticket) -> dict[str, Any]:
    return {
        "id": ticket.pk,
        "number": ticket.number,
        "channel": ticket.channel,
        "category": ticket.category,
        "priority": ticket.priority,
        "status": ticket.status,
        "status_label": _label(TicketStatus, ticket.status),
        "topic_code": ticket.topic.code if ticket.topic else "",
        "address": ticket.address,
        "department_id": ticket.department_id,
        "department_name": ticket.department.name if ticket.department else "",
        "received_at": ticket.received_at,
        "due_at": ticket.due_at,
        "closed_at": ticket.closed_at,
        "caller_phone": selectors.caller_phone_for(user, ticket),
        "caller_name": selectors.caller_name_for(user, ticket),
        "anonymous": ticket.anonymous,
    }


def _order_out(order: WorkOrder) -> dict[str, Any]:
    return {
        "id": order.pk,
        "ticket_number": order.ticket.number,
        "department_id": order.department_id,
        "department_name": order.department.name,
        "role": order.role,
        "round": order.round,
        "status": order.status,
        "status_label": _label(OrderStatus, order.status),
        "dispatched_at": order.dispatched_at,
        "sign_due_at": order.sign_due_at,
        "due_at": order.due_at,
        "signed_at": order.signed_at,
        "returned_at": order.returned_at,
        "return_reason": order.return_reason,
        "reply": order.reply,
        "replied_at": order.replied_at,
        "extended_days": order.extended_days,
    }


def _department_order_out(order: WorkOrder) -> dict[str, Any]:
    ticket = order.ticket
    return {
        **_order_out(order),
        "category": ticket.category,
        "text": ticket.text,
        "address": ticket.address,
        "ticket_due_at": ticket.due_at,
    }


def _reload_order(order_id: int) -> WorkOrder:
    return WorkOrder.objects.select_related("ticket", "department").get(pk=order_id)


def _attachment_out(row: Attachment) -> dict[str, Any]:
    return {
        "id": row.pk,
        "name": row.name,
        "content_type": row.content_type,
        "size": row.size,
        "sha256": row.sha256,
        "created_at": row.created_at,
    }


def _ticket_out(
    user: Any, ticket_id: int, *, attachments: list[Attachment] | None = None
) -> dict[str, Any]:
    """The ticket as ``TicketOut``; ``attachments`` when the caller knows them already (a
    JSON intake has none), else they are read."""
    ticket = selectors.ticket_for(user, ticket_id)
    if attachments is None:
        attachments = list(ticket.attachments.order_by("id"))
    street, community = ticket.street, ticket.community
    return {
        **_summary(user, ticket),
        "text": ticket.text,
        "attributes": ticket.attributes or {},
        "latitude": float(ticket.latitude) if ticket.latitude is not None else None,
        "longitude": float(ticket.longitude) if ticket.longitude is not None else None,
        "street_code": street.code if street else "",
        "street_name": street.name if street else "",
        "community_code": community.code if community else "",
        "community_name": community.name if community else "",
        "proposed_department_id": ticket.proposed_department_id,
        "proposed_emergency": ticket.proposed_emergency,
        "route_confidence": ticket.route_confidence,
        "routed_by": ticket.routed_by,
        "due_provisional": ticket.due_provisional,
        "answer": ticket.answer,
        "answered_directly": ticket.answered_directly,
        "callback_result": ticket.callback_result,
        "callback_due_at": ticket.callback_due_at,
        "reopen_count": ticket.reopen_count,
        "return_count": ticket.return_count,
        "merged_into": ticket.merged_into.number if ticket.merged_into else None,
        "emergency_line": ticket.emergency_line,
        "origin": ticket.origin,
        "origin_ref": ticket.origin_ref,
        "orders": [_order_out(o) for o in selectors.ticket_orders(ticket)]
        if account_policies.is_staff_member(user) or account_policies.is_administrator(user)
        else [],
        "events": [
            {
                "kind": e.kind,
                "kind_label": _label(EventKind, e.kind),
                "at": e.at,
                "actor_label": e.actor_label,
                "department_name": e.department.name if e.department else "",
                "note": e.note,
                "public": e.public,
            }
            for e in selectors.ticket_events(user, ticket)
        ],
        "attachments": [_attachment_out(a) for a in attachments],
    }


def _extension_out(extension: Extension) -> dict[str, Any]:
    extension = Extension.objects.select_related("order__ticket").get(pk=extension.pk)
    return {
        "id": extension.pk,
        "order_id": extension.order_id,
        "ticket_number": extension.order.ticket.number,
        "days": extension.days,
        "reason": extension.reason,
        "status": extension.status,
        "requested_at": extension.requested_at,
        "decided_at": extension.decided_at,
        "decision_note": extension.decision_note,
    }


# === routing ======================================================================================


@router.post("/route", response=RouteOut, summary="Routing proposal for a demand")
def route(request: HttpRequest, payload: RouteIn) -> dict[str, Any]:
    """The department (exact registry name, or ``紧急转办`` with the emergency line), the
    category and a confidence; ``needs_dispatcher`` when it is below the auto-dispatch
    threshold. Nothing is stored."""
    _staff(request)
    proposal = routing.propose_route(
        text=payload.text, address=payload.address, street_code=payload.street_code
    )
    return {
        "department": proposal.department_name,
        "department_id": proposal.department_id,
        "emergency_line": proposal.emergency_line,
        "category": proposal.category,
        "confidence": proposal.confidence,
        "routed_by": proposal.routed_by,
        "needs_dispatcher": proposal.needs_dispatcher,
        "model_version": proposal.model_version,
    }


# === tickets ======================================================================================


@router.post("/tickets", response={201: TicketOut}, summary="Take a ticket (staff or citizen)")
def create_ticket(
    request: HttpRequest, payload: TicketCreateIn, idempotency_key: str | None = IDEMPOTENCY_KEY
) -> Status:
    """Citizens submit their own demands (their account is the caller); hotline staff enter
    calls (``channel=phone``) and other programs' demands. The same ``Idempotency-Key``
    returns the same ticket."""
    user = request.user
    key = f"api:{user.pk}:{idempotency_key}" if idempotency_key else None
    ticket = services.intake_ticket(
        by=user,
        channel=payload.channel,
        text=payload.text,
        category=payload.category,
        priority=payload.priority,
        topic_code=payload.topic_code,
        attributes=payload.attributes,
        caller_phone=payload.caller_phone,
        caller_name=payload.caller_name,
        anonymous=payload.anonymous,
        address=payload.address,
        latitude=payload.latitude,
        longitude=payload.longitude,
        street_code=payload.street_code,
        community_code=payload.community_code,
        idempotency_key=key,
    )
    # A JSON intake carries no files (they follow: POST /tickets/{number}/attachments); the
    # ticket an idempotent retry returns may have some by now.
    known = [] if ticket.taken_now else None
    return Status(201, _ticket_out(user, ticket.pk, attachments=known))


@router.get("/tickets", response=TicketPageOut, summary="Tickets I may see (limit/offset)")
def list_tickets(
    request: HttpRequest,
    status: str | None = Query(None, max_length=16, description="工单状态 / ticket status"),
    department: int | None = Query(None, ge=1, le=2**63 - 1, description="主办部门 id"),
    category: str | None = Query(None, max_length=16, description="类别 / category"),
    since: datetime | None = Query(None, description="受理时间不早于 / received since"),  # noqa: B008
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> dict[str, Any]:
    """The centre sees every ticket, a department those with an order for it, a citizen
    their own; newest first."""
    if status is not None and status not in TicketStatus.values:
        raise InvalidInput("工单状态不正确", "Unknown ticket status", field="status")
    if category is not None and category not in Category.values:
        raise InvalidInput("类别不正确", "Unknown category", field="category")
    qs = selectors.visible_tickets(request.user)
    if status:
        qs = qs.filter(status=status)
    if department:
        qs = qs.filter(department_id=department)
    if category:
        qs = qs.filter(category=category)
    if since:
        qs = qs.filter(received_at__gte=since)
    qs = qs.order_by("-received_at", "-id")
    return {
        "items": [_summary(request.user, t) for t in qs[offset : offset + limit]],
        "count": qs.count(),
    }


@router.get("/tickets/{number}", response=TicketOut, summary="One ticket")
def get_ticket(request: HttpRequest, number: str = NUMBER) -> dict[str, Any]:
    return _ticket_out(request.user, _ticket(request, number).pk)


@router.post(
    "/tickets/{number}/attachments",
    response={201: TicketOut},
    summary="Add attachments (multipart, field attachments)",
)
def add_ticket_attachments(
    request: HttpRequest,
    number: str = NUMBER,
    attachments: list[UploadedFile] = File(default_factory=list),  # noqa: B008 - ninja parameter
) -> Status:
    """补充附件 — JPEG, PNG or PDF, judged by the content, ≤ 10 MB each, at most 5 per ticket:
    by the ticket's caller or the 12345 centre, while the ticket is being handled. A JSON
    intake (``POST /tickets``) sends its files here next. All files are stored or none (422
    naming ``attachments.<n>``)."""
    ticket = _ticket(request, number)
    services.add_attachments(ticket_id=ticket.pk, by=request.user, attachments=attachments)
    return Status(201, _ticket_out(request.user, ticket.pk))


@router.get(
    "/tickets/{number}/attachments/{int:attachment_id}",
    response={200: None},
    summary="One attachment (the file)",
    openapi_extra={
        "responses": {
            200: {
                "description": "The file, with the type sniffed at upload",
                "content": {"application/octet-stream": {"schema": {"type": "string"}}},
            }
        }
    },
)
def get_ticket_attachment(
    request: HttpRequest, attachment_id: DbId, number: str = NUMBER
) -> FileResponse:
    """Whoever may see the ticket may read its attachments (404 otherwise)."""
    ticket = _ticket(request, number)
    row = ticket.attachments.filter(pk=attachment_id).first()
    if row is None:
        raise NotFound(*selectors.NOT_FOUND, field="attachment_id")
    return attachment_response(row)


@router.get(
    "/callers/{phone}/tickets",
    response=list[TicketSummaryOut],
    summary="A caller's earlier tickets",
)
def caller_tickets(
    request: HttpRequest, phone: str = PHONE, limit: int = Query(20, ge=1, le=100)
) -> list[dict[str, Any]]:
    """The agent console's caller lookup (centre staff), newest first."""
    user = request.user
    return [_summary(user, t) for t in selectors.caller_history(user, phone, limit=limit)]


@router.post("/tickets/{number}/answer", response=TicketOut, summary="Answer directly and close")
def answer_ticket(request: HttpRequest, payload: AnswerIn, number: str = NUMBER) -> dict[str, Any]:
    ticket = _ticket(request, number)
    services.answer_directly(
        ticket_id=ticket.pk,
        by=request.user,
        answer=payload.answer,
        knowledge_entry_id=payload.knowledge_entry_id,
    )
    return _ticket_out(request.user, ticket.pk)


@router.post("/tickets/{number}/dispatch", response=TicketOut, summary="Dispatch (派单)")
def dispatch_ticket(
    request: HttpRequest, payload: DispatchIn, number: str = NUMBER
) -> dict[str, Any]:
    ticket = _ticket(request, number)
    services.dispatch(
        ticket_id=ticket.pk,
        by=request.user,
        department_id=payload.department_id,
        assisting_department_ids=tuple(payload.assisting_department_ids),
        note=payload.note,
    )
    return _ticket_out(request.user, ticket.pk)


@router.post("/tickets/{number}/close", response=TicketOut, summary="Close (办结)")
def close_ticket(request: HttpRequest, payload: CloseIn, number: str = NUMBER) -> dict[str, Any]:
    ticket = _ticket(request, number)
    services.close_ticket(ticket_id=ticket.pk, by=request.user, answer=payload.answer)
    return _ticket_out(request.user, ticket.pk)


@router.post(
    "/tickets/{number}/callback", response={201: CallbackOut}, summary="Record a callback (回访)"
)
def callback_ticket(request: HttpRequest, payload: CallbackIn, number: str = NUMBER) -> Status:
    """Not satisfied reopens the ticket."""
    ticket = _ticket(request, number)
    callback = services.record_callback(
        ticket_id=ticket.pk, by=request.user, result=payload.result, note=payload.note
    )
    callback = Callback.objects.select_related("ticket").get(pk=callback.pk)
    return Status(
        201,
        {
            "id": callback.pk,
            "ticket_number": callback.ticket.number,
            "round": callback.round,
            "result": callback.result,
            "note": callback.note,
            "at": callback.at,
            "on_time": callback.on_time,
            "ticket_status": callback.ticket.status,
        },
    )


@router.post("/tickets/{number}/reopen", response=TicketOut, summary="Reopen (重办)")
def reopen_ticket(request: HttpRequest, payload: ReasonIn, number: str = NUMBER) -> dict[str, Any]:
    ticket = _ticket(request, number)
    services.reopen_ticket(ticket_id=ticket.pk, by=request.user, reason=payload.reason)
    return _ticket_out(request.user, ticket.pk)


@router.post("/tickets/{number}/merge", response=TicketOut, summary="Merge into another ticket")
def merge_ticket(request: HttpRequest, payload: MergeIn, number: str = NUMBER) -> dict[str, Any]:
    ticket = _ticket(request, number)
    into = selectors.ticket_for(request.user, payload.into)
    services.merge_tickets(ticket_id=ticket.pk, into_ticket_id=into.pk, by=request.user)
    return _ticket_out(request.user, ticket.pk)


@router.post(
    "/tickets/{number}/emergency-transfer",
    response={201: EmergencyTransferOut},
    summary="One-key transfer to 110/119/120/122",
)
def emergency_transfer(
    request: HttpRequest, payload: EmergencyTransferIn, number: str = NUMBER
) -> Status:
    ticket = _ticket(request, number)
    transfer = services.transfer_emergency(
        ticket_id=ticket.pk, by=request.user, line=payload.line, note=payload.note
    )
    transfer = EmergencyTransfer.objects.select_related("ticket").get(pk=transfer.pk)
    return Status(
        201,
        {
            "id": transfer.pk,
            "ticket_number": transfer.ticket.number,
            "line": transfer.line,
            "note": transfer.note,
            "at": transfer.at,
            "ticket_status": transfer.ticket.status,
        },
    )


@router.post("/tickets/{number}/take-back", response=TicketOut, summary="首接负责: take back")
def take_back(request: HttpRequest, payload: TakeBackIn, number: str = NUMBER) -> dict[str, Any]:
    ticket = _ticket(request, number)
    services.take_back(ticket_id=ticket.pk, by=request.user, note=payload.note)
    return _ticket_out(request.user, ticket.pk)


@router.post(
    "/tickets/{number}/three-way-calls",
    response={201: ThreeWayCallOut},
    summary="Log a three-way call",
)
def three_way_call(request: HttpRequest, payload: ThreeWayCallIn, number: str = NUMBER) -> Status:
    ticket = _ticket(request, number)
    for i, participant in enumerate(payload.participants):
        if not participant.strip() or len(participant) > 100:
            raise InvalidInput(
                "参与方须为 1–100 个字",
                "Each participant must be 1–100 characters",
                field=f"participants.{i}",
            )
    call = services.log_three_way_call(
        ticket_id=ticket.pk,
        by=request.user,
        participants=[p.strip() for p in payload.participants],
        outcome=payload.outcome,
        started_at=payload.started_at,
        ended_at=payload.ended_at,
    )
    call = ThreeWayCall.objects.select_related("ticket").get(pk=call.pk)
    return Status(
        201,
        {
            "id": call.pk,
            "ticket_number": call.ticket.number,
            "participants": list(call.participants),
            "outcome": call.outcome,
            "started_at": call.started_at,
            "ended_at": call.ended_at,
        },
    )


@router.post("/transfers-in", response={201: TicketOut}, summary="A demand transferred from 110")
def transfer_in(request: HttpRequest, payload: TransferInIn) -> Status:
    """For the 110 command centre's interface: the token of a dispatcher's account or of an
    administrator. The same ``origin_ref`` returns the same ticket."""
    user = request.user
    if not (
        account_policies.has_role(user, StaffRole.DISPATCHER)
        or account_policies.is_administrator(user)
    ):
        raise NotAllowed(
            "仅派单员或系统管理员的令牌可转入 110 工单",
            "Only a dispatcher's or an administrator's token may transfer in from 110",
        )
    ticket = services.receive_transfer_in(
        by=user,
        origin="110",
        origin_ref=payload.origin_ref,
        text=payload.text,
        caller_phone=payload.caller_phone,
        address=payload.address,
    )
    return Status(201, _ticket_out(user, ticket.pk))


# === work orders ==================================================================================


@router.get("/orders", response=list[DepartmentOrderOut], summary="My department's work orders")
def list_orders(
    request: HttpRequest,
    status: str | None = Query(
        None, max_length=16, description="派单状态或 all（默认未办结的）/ order status or all"
    ),
    limit: int = Query(100, ge=1, le=500),
) -> list[dict[str, Any]]:
    if status is not None and status != "all" and status not in OrderStatus.values:
        raise InvalidInput("派单状态不正确", "Unknown order status", field="status")
    orders = selectors.department_orders(_staff(request), status=status)
    return [_department_order_out(o) for o in orders[:limit]]


@router.post("/orders/{int:order_id}/sign", response=OrderOut, summary="Sign for (签收)")
def sign_order(request: HttpRequest, order_id: DbId) -> dict[str, Any]:
    order = _order(request, order_id)
    services.sign_order(order_id=order.pk, by=request.user)
    return _order_out(_reload_order(order.pk))


@router.post("/orders/{int:order_id}/return", response=OrderOut, summary="Return (退单)")
def return_order(request: HttpRequest, order_id: DbId, payload: ReasonIn) -> dict[str, Any]:
    order = _order(request, order_id)
    services.return_order(order_id=order.pk, by=request.user, reason=payload.reason)
    return _order_out(_reload_order(order.pk))


@router.post("/orders/{int:order_id}/reply", response=OrderOut, summary="Reply (答复)")
def reply_order(request: HttpRequest, order_id: DbId, payload: ReplyIn) -> dict[str, Any]:
    order = _order(request, order_id)
    services.reply_order(
        order_id=order.pk, by=request.user, reply=payload.reply, internal_note=payload.internal_note
    )
    return _order_out(_reload_order(order.pk))


@router.post(
    "/orders/{int:order_id}/extensions",
    response={201: ExtensionOut},
    summary="Request an extension (延期)",
)
def request_extension(request: HttpRequest, order_id: DbId, payload: ExtensionIn) -> Status:
    order = _order(request, order_id)
    extension = services.request_extension(
        order_id=order.pk, by=request.user, days=payload.days, reason=payload.reason
    )
    return Status(201, _extension_out(extension))


@router.post(
    "/extensions/{int:extension_id}/decide", response=ExtensionOut, summary="Decide an extension"
)
def decide_extension(
    request: HttpRequest, extension_id: DbId, payload: ExtensionDecideIn
) -> dict[str, Any]:
    extension = services.decide_extension(
        extension_id=extension_id, by=_staff(request), approve=payload.approve, note=payload.note
    )
    return _extension_out(extension)


# === knowledge ====================================================================================


@router.get("/knowledge", response=list[KnowledgeHitOut], summary="Search the knowledge base")
def knowledge(
    request: HttpRequest,
    q: str = Query(..., min_length=1, max_length=200, description="检索词 / query"),
    limit: int = Query(10, ge=1, le=50),
) -> list[dict[str, Any]]:
    """Published FAQ entries and the catalogue's guides, best first (staff)."""
    _staff(request)
    return [dataclasses.asdict(h) for h in knowledge_base.knowledge_search(query=q, limit=limit)]

"""Hotline services: every state change of a ticket and its work orders.

Each service takes keyword arguments (``by``: the acting user, or None for an anonymous
form or an Open311 client without an account), locks the rows it changes (the ticket first,
then its orders), checks the transition tables of :mod:`zhengwu.hotline.choices`, writes
everything in one transaction with an audit entry and a :class:`TicketEvent`, and emits
events after commit. Bad input raises the kernel's typed errors with nothing written.

The flow (DOMAIN.md §8): 受理 (:func:`intake_ticket`) → 派单 (:func:`dispatch`, automatic
for confident proposals from channels without an agent) → 签收 (:func:`sign_order`) →
办理 → 答复 (:func:`reply_order`) → 办结 (:func:`close_ticket`) → 回访
(:func:`record_callback`; not satisfied reopens). Around it: 退单 (:func:`return_order`),
延期 (:func:`request_extension`, :func:`decide_extension`), 督办 (:func:`supervise_orders`),
direct answers (:func:`answer_directly`), merging duplicates (:func:`merge_tickets`) and the
emergency lines (:func:`transfer_emergency`, :func:`take_back`, :func:`receive_transfer_in`).
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.utils import timezone

from zhengwu.accounts import policies as account_policies
from zhengwu.accounts import selectors as account_selectors
from zhengwu.accounts.choices import StaffRole
from zhengwu.hotline import limits, policies, selectors
from zhengwu.hotline.choices import (
    OPEN_ORDER_STATES,
    ORDER_TRANSITIONS,
    TICKET_TRANSITIONS,
    CallbackResult,
    Category,
    Channel,
    EmergencyLine,
    EventKind,
    ExtensionStatus,
    KnowledgeStatus,
    OrderRole,
    OrderStatus,
    Priority,
    RoutedBy,
    SupervisionKind,
    TicketStatus,
    emergency_endpoint,
)
from zhengwu.hotline.models import (
    Attachment,
    Callback,
    EmergencyTransfer,
    Extension,
    KnowledgeEntry,
    Supervision,
    ThreeWayCall,
    Ticket,
    TicketCounter,
    TicketEvent,
    WorkOrder,
)
from zhengwu.kernel import rows, sequences
from zhengwu.kernel.actors import SYSTEM, Actor
from zhengwu.kernel.audit import audit_record
from zhengwu.kernel.errors import Conflict, ErrorCollector, InvalidInput, NotAllowed, NotFound
from zhengwu.kernel.events import emit
from zhengwu.kernel.masking import MaskKind, mask
from zhengwu.kernel.outbox import outbox_enqueue
from zhengwu.org import selectors as org_selectors

logger = logging.getLogger(__name__)

NUMBER_PREFIX = "12345"
MAX_TEXT = 4000
MAX_NOTE = 2000
MAX_ADDRESS = 255
MAX_ATTACHMENTS = 5
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024
MAX_EXTENSION_DAYS = 15
AGENTLESS_CHANNELS = frozenset({Channel.WEB, Channel.MOBILE, Channel.API, Channel.OPEN311})
CHANNEL = "hotline"
TICKET_LABELS = dict(TicketStatus.choices)
ORDER_LABELS = dict(OrderStatus.choices)
ATTACHMENT_TYPES: tuple[tuple[bytes, str, str], ...] = (
    (b"\xff\xd8\xff", "image/jpeg", "jpg"),
    (b"\x89PNG\r\n\x1a\n", "image/png", "png"),
    (b"%PDF-", "application/pdf", "pdf"),
)


# --- small helpers ------------------------------------------------------------------------


def _now() -> datetime:
    return timezone.now()


def _actor(by: Any) -> Actor:
    return account_selectors.actor_for(by, channel=CHANNEL)


def _user_or_none(by: Any) -> Any:
    return by if account_policies.is_authenticated(by) else None


def _label(by: Any) -> str:
    if not account_policies.is_authenticated(by):
        return ""
    return str(getattr(by, "display_name", "") or by.username)[:100]


def _zh_en(label: str) -> tuple[str, str]:
    zh, _, en = label.partition(" / ")
    return zh, en or zh


def _ticket_state_conflict(ticket: Ticket, doing: str, doing_en: str) -> Conflict:
    zh, en = _zh_en(TICKET_LABELS.get(ticket.status, ticket.status))
    return Conflict(
        f"工单当前状态为“{zh}”，不能{doing}",
        f"The ticket is {en} ({ticket.status}); it cannot be {doing_en}",
        field="status",
        code="ticket_state",
        details={"status": ticket.status},
    )


def _order_state_conflict(order: WorkOrder, doing: str, doing_en: str) -> Conflict:
    zh, en = _zh_en(ORDER_LABELS.get(order.status, order.status))
    return Conflict(
        f"派单当前状态为“{zh}”，不能{doing}",
        f"The work order is {en} ({order.status}); it cannot be {doing_en}",
        field="status",
        code="order_state",
        details={"status": order.status},
    )


def _move_ticket(ticket: Ticket, target: str, doing: str, doing_en: str) -> None:
    if target not in TICKET_TRANSITIONS.get(ticket.status, frozenset()):
        raise _ticket_state_conflict(ticket, doing, doing_en)
    ticket.status = target


def _check_ticket(ticket: Ticket, target: str, doing: str, doing_en: str) -> None:
    if target not in TICKET_TRANSITIONS.get(ticket.status, frozenset()):
        raise _ticket_state_conflict(ticket, doing, doing_en)


def _move_order(order: WorkOrder, target: str, doing: str, doing_en: str) -> None:
    if target not in ORDER_TRANSITIONS.get(order.status, frozenset()):
        raise _order_state_conflict(order, doing, doing_en)
    order.status = target


def _lock_ticket(ticket_id: Any) -> Ticket:
    try:
        pk = int(ticket_id)
    except (TypeError, ValueError):
        raise NotFound(*selectors.NOT_FOUND, field="ticket_id") from None
    ticket = Ticket.objects.select_for_update().filter(pk=pk).first()
    if ticket is None:
        raise NotFound(*selectors.NOT_FOUND, field="ticket_id")
    return ticket


def _lock_order(order_id: Any) -> tuple[Ticket, WorkOrder]:
    """The order and its ticket, both locked (ticket first: one lock order everywhere)."""
    try:
        pk = int(order_id)
    except (TypeError, ValueError):
        raise NotFound("未找到该派单", "No such work order", field="order_id") from None
    ticket_id = WorkOrder.objects.filter(pk=pk).values_list("ticket_id", flat=True).first()
    if ticket_id is None:
        raise NotFound("未找到该派单", "No such work order", field="order_id")
    ticket = _lock_ticket(ticket_id)
    order = WorkOrder.objects.select_for_update().get(pk=pk)
    return ticket, order


def _snapshot(ticket: Ticket) -> dict[str, Any]:
    return {
        "number": ticket.number,
        "status": ticket.status,
        "category": ticket.category,
        "priority": ticket.priority,
        "department_id": ticket.department_id,
        "due_at": ticket.due_at.isoformat() if ticket.due_at else None,
        "reopen_count": ticket.reopen_count,
        "return_count": ticket.return_count,
    }


def _order_snapshot(order: WorkOrder) -> dict[str, Any]:
    return {
        "ticket_id": order.ticket_id,
        "department_id": order.department_id,
        "role": order.role,
        "round": order.round,
        "status": order.status,
        "due_at": order.due_at.isoformat() if order.due_at else None,
    }


def _audit_ticket(
    ticket: Ticket, action: str, actor: Actor | None, before: dict[str, Any] | None, **extra: Any
) -> None:
    audit_record(
        action=f"hotline.{action}",
        object_type="hotline.ticket",
        object_id=ticket.pk,
        actor=actor,
        before=before,
        after={**_snapshot(ticket), **extra},
    )


def _audit_order(
    order: WorkOrder, action: str, actor: Actor | None, before: dict[str, Any] | None, **extra: Any
) -> None:
    audit_record(
        action=f"hotline.order.{action}",
        object_type="hotline.order",
        object_id=order.pk,
        actor=actor,
        before=before,
        after={**_order_snapshot(order), **extra},
        # The ticket's chain: an intake or dispatch then locks one chain head, not two.
        chain_of=("hotline.ticket", order.ticket_id),
    )


def _event(
    ticket: Ticket,
    kind: str,
    by: Any,
    *,
    order: WorkOrder | None = None,
    department_id: int | None = None,
    note: str = "",
    public: bool = False,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> TicketEvent:
    user = _user_or_none(by)
    return rows.create(
        TicketEvent,
        ticket=ticket,
        order=order,
        kind=kind,
        at=at or _now(),
        actor=user,
        actor_label=_label(user) if user else "系统",
        department_id=department_id
        if department_id is not None
        else (order.department_id if order is not None else None),
        note=note,
        public=public,
        data=data or {},
    )


def _clean_text(
    value: Any, *, field: str, label: str, label_en: str, max_length: int, required: bool = True
) -> str:
    text = str(value or "").strip()
    if required and not text:
        raise InvalidInput(
            f"请填写{label}", f"{label_en} is required", field=field, code="required"
        )
    if len(text) > max_length:
        raise InvalidInput(
            f"{label}不能超过 {max_length} 个字（现有 {len(text)} 个）",
            f"{label_en} must be at most {max_length} characters (it has {len(text)})",
            field=field,
            code="too_long",
        )
    return text


def _require(condition: bool, message: str, message_en: str) -> None:
    if not condition:
        raise NotAllowed(message, message_en, field=None)


def _require_operator(by: Any) -> None:
    _require(
        policies.is_operator(by),
        "仅 12345 话务员或派单员可以办理此操作",
        "Only hotline agents and dispatchers may do this",
    )


def _department(department_id: Any, field: str) -> Any:
    try:
        pk = int(department_id)
    except (TypeError, ValueError):
        raise InvalidInput("承办部门不正确", "Invalid department", field=field) from None
    department = org_selectors.department_by_id(pk)
    if department is None or not department.active:
        raise InvalidInput("承办部门不存在", "No such department", field=field)
    return department


def _next_sequence(day: date) -> int:
    """The next ticket number of ``day``: one ``UPDATE … RETURNING`` of the day's counter row.

    Every intake of the day writes this one row, so it must not stay locked while the rest of
    an intake is written: ``intake_ticket`` takes its number before its transaction opens,
    where the statement is a transaction of its own and the lock lasts for that statement
    only. The price is the one a database sequence has — an intake that fails after taking
    its number leaves a gap in the day's numbers. Called inside a caller's transaction, the
    row stays locked until that commits, and numbers never repeat either way.
    """
    return sequences.next_value(TicketCounter, {"day": day})


def ticket_number(day: date) -> str:
    """12345 + yyyymmdd (local date) + 6-digit daily sequence."""
    return f"{NUMBER_PREFIX}{day:%Y%m%d}{_next_sequence(day):06d}"


# --- intake -------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Upload:
    name: str
    content: bytes
    content_type: str
    sha256: str

    @property
    def storage_name(self) -> str:
        return f"hotline/{self.sha256[:2]}/{self.sha256}"


def sniff_attachment(content: bytes) -> tuple[str, str] | None:
    """(content type, extension) of a JPEG, PNG or PDF by its magic bytes, else None."""
    for magic, content_type, ext in ATTACHMENT_TYPES:
        if content.startswith(magic):
            return content_type, ext
    return None


def _check_attachments(attachments: Sequence[Any]) -> list[_Upload]:
    files = list(attachments or ())
    if len(files) > MAX_ATTACHMENTS:
        raise InvalidInput(
            f"附件最多 {MAX_ATTACHMENTS} 个",
            f"At most {MAX_ATTACHMENTS} attachments",
            field="attachments",
            code="too_many_files",
        )
    uploads = []
    for n, upload in enumerate(files):
        field = f"attachments.{n}"
        name = str(getattr(upload, "name", "") or f"attachment-{n + 1}").replace("\\", "/")
        name = name.rsplit("/", 1)[-1][:255] or f"attachment-{n + 1}"
        size = getattr(upload, "size", None)
        if size is not None and size > MAX_ATTACHMENT_BYTES:
            raise InvalidInput(
                "附件不能超过 10 MB",
                "An attachment must be at most 10 MB",
                field=field,
                code="upload_too_large",
            )
        if hasattr(upload, "seek"):
            upload.seek(0)
        content = upload.read() if hasattr(upload, "read") else bytes(upload)
        if len(content) == 0:
            raise InvalidInput(
                "附件为空", "The attachment is empty", field=field, code="upload_empty"
            )
        if len(content) > MAX_ATTACHMENT_BYTES:
            raise InvalidInput(
                "附件不能超过 10 MB",
                "An attachment must be at most 10 MB",
                field=field,
                code="upload_too_large",
            )
        kind = sniff_attachment(content)
        if kind is None:
            raise InvalidInput(
                "附件只能是 JPEG、PNG 图片或 PDF 文件",
                "Attachments must be JPEG or PNG images or PDF files",
                field=field,
                code="upload_type_not_allowed",
            )
        uploads.append(_Upload(name, content, kind[0], hashlib.sha256(content).hexdigest()))
    return uploads


def _store(upload: _Upload) -> None:
    name = upload.storage_name
    if default_storage.exists(name) and default_storage.size(name) == len(upload.content):
        return
    if default_storage.exists(name):
        default_storage.delete(name)
    saved = default_storage.save(name, ContentFile(upload.content))
    if saved != name:  # stored concurrently under the same name: ours is redundant
        default_storage.delete(saved)


def _coordinate(value: Any, *, field: str, low: int, high: int) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        number = None
    if number is None or not number.is_finite() or not (low <= number <= high):
        label = "纬度" if field == "latitude" else "经度"
        raise InvalidInput(
            f"{label}应在 {low} 到 {high} 之间",
            f"{field} must be between {low} and {high}",
            field=field,
            code="invalid_coordinate",
        )
    return number.quantize(Decimal("0.000001"))


def _choice(value: Any, choices: Iterable[str], *, field: str, label: str, label_en: str) -> str:
    text = str(value or "").strip()
    if text not in set(choices):
        raise InvalidInput(f"{label}不正确：{text}", f"Unknown {label_en}: {text}", field=field)
    return text


@dataclass
class _Intake:
    channel: str
    text: str
    category: str | None
    priority: str
    topic: Any
    attributes: dict[str, Any]
    caller_phone: str
    caller_name: str
    anonymous: bool
    address: str
    latitude: Decimal | None
    longitude: Decimal | None
    location: selectors.Location
    origin: str
    origin_ref: str
    uploads: list[_Upload]


def _validate_intake(
    *,
    channel: Any,
    text: Any,
    category: Any,
    priority: Any,
    topic_code: Any,
    attributes: Any,
    caller_phone: Any,
    caller_name: Any,
    anonymous: bool,
    address: Any,
    latitude: Any,
    longitude: Any,
    street_code: Any,
    community_code: Any,
    origin: Any,
    origin_ref: Any,
    attachments: Sequence[Any],
) -> _Intake:
    errors = ErrorCollector()

    def check(fn: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except InvalidInput as exc:
            errors.add_error(exc)
            return None

    channel_value = check(
        _choice, channel, Channel.values, field="channel", label="受理渠道", label_en="channel"
    )
    text_value = check(
        _clean_text,
        text,
        field="text",
        label="诉求内容",
        label_en="The text",
        max_length=MAX_TEXT,
    )
    category_value = None
    if category not in (None, ""):
        category_value = check(
            _choice,
            category,
            Category.values,
            field="category",
            label="类别",
            label_en="category",
        )
    priority_value = check(
        _choice,
        priority or Priority.NORMAL,
        Priority.values,
        field="priority",
        label="紧急程度",
        label_en="priority",
    )
    topic = None
    if topic_code:
        topic = selectors.topic_by_code(str(topic_code).strip())
        if topic is None:
            errors.add("topic_code", "unknown_topic", "诉求主题不存在", "Unknown service code")
        elif category_value is None:
            category_value = topic.category
    if attributes is None:
        attributes = {}
    if not isinstance(attributes, dict):
        errors.add("attributes", "invalid", "附加字段格式不正确", "Attributes must be an object")
        attributes = {}
    phone = ""
    if str(caller_phone or "").strip():
        phone = check(selectors.normalise_phone, str(caller_phone)) or ""
    name = (
        check(
            _clean_text,
            caller_name,
            field="caller_name",
            label="来电人姓名",
            label_en="The caller's name",
            max_length=50,
            required=False,
        )
        or ""
    )
    address_value = (
        check(
            _clean_text,
            address,
            field="address",
            label="地址",
            label_en="The address",
            max_length=MAX_ADDRESS,
            required=False,
        )
        or ""
    )
    lat = check(_coordinate, latitude, field="latitude", low=-90, high=90)
    lon = check(_coordinate, longitude, field="longitude", low=-180, high=180)
    if (lat is None) != (lon is None) and not errors.errors:
        errors.add(
            "longitude" if lon is None else "latitude",
            "incomplete",
            "经纬度须同时提供",
            "Give both latitude and longitude",
        )
    location = check(
        selectors.resolve_location,
        address_value,
        str(street_code or "").strip(),
        str(community_code or "").strip(),
    )
    origin_value = (
        check(
            _clean_text,
            origin,
            field="origin",
            label="来源系统",
            label_en="The origin",
            max_length=16,
            required=False,
        )
        or ""
    )
    origin_ref_value = (
        check(
            _clean_text,
            origin_ref,
            field="origin_ref",
            label="来源编号",
            label_en="The origin reference",
            max_length=64,
            required=False,
        )
        or ""
    )
    uploads = check(_check_attachments, attachments) or []
    errors.raise_if_any()
    return _Intake(
        channel=channel_value,
        text=text_value,
        category=category_value,
        priority=priority_value,
        topic=topic,
        attributes=attributes,
        caller_phone=phone,
        caller_name=name,
        anonymous=bool(anonymous),
        address=address_value,
        latitude=lat,
        longitude=lon,
        location=location or selectors.Location(None, None),
        origin=origin_value,
        origin_ref=origin_ref_value,
        uploads=uploads,
    )


def _propose(text: str, address: str, street_code: str) -> Any:
    from zhengwu.hotline import routing

    return routing.propose_route(text=text, address=address, street_code=street_code)


def intake_ticket(
    *,
    by: Any,
    channel: str,
    text: str,
    category: str | None = None,
    priority: str = Priority.NORMAL,
    topic_code: str = "",
    attributes: dict[str, Any] | None = None,
    caller_phone: str = "",
    caller_name: str = "",
    anonymous: bool = False,
    address: str = "",
    latitude: Any = None,
    longitude: Any = None,
    street_code: str = "",
    community_code: str = "",
    origin: str = "",
    origin_ref: str = "",
    idempotency_key: str | None = None,
    attachments: Sequence[Any] = (),
) -> Ticket:
    """受理: number, route and store a ticket; dispatch it at once when it came without an
    agent (web, mobile, API, Open311) and routing is confident and not an emergency.

    The same ``idempotency_key`` returns the ticket it created the first time.
    """
    key = (idempotency_key or "").strip() or None
    if key is not None:
        if len(key) > 128:
            raise InvalidInput(
                "幂等键不能超过 128 个字符",
                "The idempotency key must be at most 128 characters",
                field="idempotency_key",
            )
        existing = _ticket_by_idempotency_key(key)
        if existing is not None:
            return existing
    data = _validate_intake(
        channel=channel, text=text, category=category, priority=priority,
        topic_code=topic_code, attributes=attributes, caller_phone=caller_phone,
        caller_name=caller_name, anonymous=anonymous, address=address, latitude=latitude,
        longitude=longitude, street_code=street_code, community_code=community_code,
        origin=origin, origin_ref=origin_ref, attachments=attachments,
    )  # fmt: skip
    user = _user_or_none(by)
    is_citizen = user is not None and not account_policies.is_staff_member(user)
    if data.channel == Channel.PHONE and not policies.is_operator(user):
        raise NotAllowed(
            "电话受理仅限 12345 话务员", "Only hotline agents take phone calls", field="channel"
        )
    if is_citizen and not data.caller_phone and not data.anonymous:
        try:  # the account's phone, when it is a number the hotline can call back
            data.caller_phone = selectors.normalise_phone(user.phone) if user.phone else ""
        except InvalidInput:
            data.caller_phone = ""
    street = data.location.street
    proposal = _propose(data.text, data.address, street.code if street is not None else "")
    category_value = data.category or proposal.category or Category.OTHER
    if data.anonymous and category_value != Category.REPORT:
        raise InvalidInput(
            "仅举报类诉求可以匿名",
            "Only reports (举报) may be anonymous",
            field="anonymous",
            code="anonymous_not_allowed",
        )
    if not data.anonymous and not data.caller_phone and data.channel == Channel.PHONE:
        raise InvalidInput(
            "请填写来电号码",
            "The caller's phone number is required",
            field="caller_phone",
            code="required",
        )
    proposed_department_id = proposal.department_id
    routed_by = proposal.routed_by or RoutedBy.NONE
    if routed_by == RoutedBy.STREET and street is not None:
        office = selectors.street_office_for(street)
        if office is not None:
            proposed_department_id = office.pk
    if proposed_department_id is None and not proposal.emergency_line and data.topic is not None:
        proposed_department_id = data.topic.department_id
    for upload in data.uploads:  # content-addressed: a rolled-back intake leaves no row
        _store(upload)
    actor = _actor(user)
    now = _now()
    # Before the transaction, so that the day's counter row is not held by this intake's
    # writes (see _next_sequence).
    number = ticket_number(timezone.localdate(now))
    try:
        with transaction.atomic():
            ticket = Ticket(
                number=number,
                idempotency_key=key,
                channel=data.channel,
                category=category_value,
                priority=data.priority,
                topic=data.topic,
                attributes=data.attributes,
                text=data.text,
                anonymous=data.anonymous,
                caller_phone=data.caller_phone,
                caller_phone_index=(
                    selectors.phone_index(data.caller_phone) if data.caller_phone else ""
                ),
                caller_name=data.caller_name,
                caller_user=user if is_citizen else None,
                address=data.address,
                latitude=data.latitude,
                longitude=data.longitude,
                street=street,
                community=data.location.community,
                status=TicketStatus.RECEIVED,
                origin=data.origin,
                origin_ref=data.origin_ref,
                proposed_department_id=proposed_department_id,
                proposed_emergency=proposal.emergency_line or "",
                route_confidence=proposal.confidence,
                routed_by=routed_by,
                model_version=proposal.model_version or "",
                received_at=now,
                first_receiver=user if policies.is_operator(user) else None,
            )
            rows.add(ticket)
            ticket.taken_now = True
            for upload in data.uploads:
                _attachment_row(ticket, upload)
            _event(
                ticket, EventKind.RECEIVED, user, public=True, at=now,
                note=f"{Channel(data.channel).label}",
                data={"channel": data.channel, "attachments": len(data.uploads)},
            )  # fmt: skip
            _event(
                ticket, EventKind.ROUTED, None, at=now,
                department_id=proposed_department_id,
                note=proposal.department_name or "",
                data={
                    "department_name": proposal.department_name,
                    "emergency_line": proposal.emergency_line,
                    "category": proposal.category,
                    "confidence": proposal.confidence,
                    "routed_by": proposal.routed_by,
                    "model_version": proposal.model_version,
                    "needs_dispatcher": proposal.needs_dispatcher,
                },
            )  # fmt: skip
            _audit_ticket(
                ticket, "received", actor, None, channel=data.channel,
                caller_phone=mask(data.caller_phone, MaskKind.PHONE) if data.caller_phone else "",
            )  # fmt: skip
            if (
                data.channel in AGENTLESS_CHANNELS
                and proposed_department_id is not None
                and not proposal.emergency_line
                and not proposal.needs_dispatcher
                and data.priority != Priority.EMERGENCY
            ):
                _dispatch_locked(
                    ticket, by=None, lead=org_selectors.department_by_id(proposed_department_id),
                    assisting=[], note="", routed_by=routed_by, now=now,
                )  # fmt: skip
    except IntegrityError:
        if key is not None:
            existing = _ticket_by_idempotency_key(key)
            if existing is not None:
                return existing
        raise
    return ticket


def _ticket_by_idempotency_key(key: str) -> Ticket | None:
    """The ticket an earlier intake made under ``key``: its id in one fixed statement (nearly
    every intake finds none), the ticket itself only when there is one."""
    pk = selectors.ticket_id_by_idempotency_key(key)
    return Ticket.objects.get(pk=pk) if pk is not None else None


# Tickets that are still being handled take further attachments; a closed or merged ticket's
# record is complete (a new demand is a new ticket, an unsatisfied caller's a reopening).
ATTACHABLE_STATUSES = frozenset(
    {
        TicketStatus.RECEIVED,
        TicketStatus.DISPATCHED,
        TicketStatus.HANDLING,
        TicketStatus.REPLIED,
        TicketStatus.TRANSFERRED,
    }
)


def add_attachments(*, ticket_id: Any, by: Any, attachments: Sequence[Any]) -> list[Attachment]:
    """补充附件: photos or PDFs added to a ticket after intake — what the API's callers, who
    submit JSON, send next (``POST /tickets/{number}/attachments``). The same checks as at
    intake (type by content, ≤ 10 MB each, at most 5 on the ticket in all); all of them are
    stored or none."""
    uploads = _check_attachments(attachments)
    if not uploads:
        raise InvalidInput(
            "请选择附件", "Choose at least one file", field="attachments", code="required"
        )
    with transaction.atomic():  # refused before anything is stored …
        _check_attachable(_lock_ticket(ticket_id), by, len(uploads))
    for upload in uploads:  # content-addressed: a rolled-back call leaves no row
        _store(upload)
    with transaction.atomic():
        ticket = _lock_ticket(ticket_id)
        _check_attachable(ticket, by, len(uploads))  # … and again under the lock
        stored = [_attachment_row(ticket, upload) for upload in uploads]
        _event(
            ticket, EventKind.ATTACHED, by, public=True,
            note="、".join(upload.name for upload in uploads)[:500],
            data={"attachments": [row.pk for row in stored]},
        )  # fmt: skip
        files = [{"sha256": a.sha256, "size": a.size, "type": a.content_type} for a in stored]
        _audit_ticket(ticket, "attached", _actor(by), None, attachments=files)
    return stored


def _check_attachable(ticket: Ticket, by: Any, adding: int) -> None:
    _require(
        policies.may_add_attachments(by, ticket),
        "只有来电人本人或 12345 中心可以补充附件",
        "Only the caller or the 12345 centre may add attachments",
    )
    if ticket.status not in ATTACHABLE_STATUSES:
        raise _ticket_state_conflict(ticket, "补充附件", "given attachments")
    held = ticket.attachments.count()
    if held + adding > MAX_ATTACHMENTS:
        raise InvalidInput(
            f"每件工单最多 {MAX_ATTACHMENTS} 个附件（已有 {held} 个）",
            f"A ticket holds at most {MAX_ATTACHMENTS} attachments (it has {held})",
            field="attachments",
            code="too_many_attachments",
        )


def _attachment_row(ticket: Ticket, upload: _Upload) -> Attachment:
    return rows.create(
        Attachment,
        ticket=ticket,
        sha256=upload.sha256,
        name=upload.name,
        content_type=upload.content_type,
        size=len(upload.content),
        storage_name=upload.storage_name,
    )


# --- direct answers ---------------------------------------------------------------------------


def _published_entry(knowledge_entry_id: Any) -> KnowledgeEntry | None:
    if knowledge_entry_id in (None, ""):
        return None
    try:
        pk = int(knowledge_entry_id)
    except (TypeError, ValueError):
        pk = 0
    entry = KnowledgeEntry.objects.filter(pk=pk, status=KnowledgeStatus.PUBLISHED).first()
    if entry is None:
        raise InvalidInput(
            "知识库条目不存在或未发布",
            "No such published knowledge entry",
            field="knowledge_entry_id",
        )
    return entry


def _closed_payload(ticket: Ticket) -> dict[str, Any]:
    return {"ticket_id": ticket.pk, "number": ticket.number}


def answer_directly(
    *, ticket_id: int, by: Any, answer: str, knowledge_entry_id: int | None = None
) -> Ticket:
    """直接答复: the agent answers (from the knowledge base) and closes at once."""
    _require_operator(by)
    text = _clean_text(
        answer, field="answer", label="答复内容", label_en="The answer", max_length=MAX_TEXT
    )
    entry = _published_entry(knowledge_entry_id)
    actor = _actor(by)
    with transaction.atomic():
        ticket = _lock_ticket(ticket_id)
        if ticket.status != TicketStatus.RECEIVED:
            raise _ticket_state_conflict(ticket, "直接答复", "answered directly")
        before = _snapshot(ticket)
        _move_ticket(ticket, TicketStatus.CLOSED, "直接答复", "answered directly")
        now = _now()
        ticket.answer = text
        ticket.answered_directly = True
        ticket.knowledge_entry = entry
        ticket.closed_at = now
        ticket.closed_on_time = True
        ticket.first_receiver_id = ticket.first_receiver_id or by.pk
        ticket.save()
        if entry is not None:
            from zhengwu.hotline import knowledge

            knowledge.knowledge_used(entry_id=entry.pk)
        _event(
            ticket, EventKind.ANSWERED, by, note=text, public=True, at=now,
            data={"knowledge_entry_id": entry.pk if entry else None},
        )  # fmt: skip
        _audit_ticket(ticket, "answered", actor, before, knowledge_entry_id=entry and entry.pk)
        emit("hotline.ticket_closed", **_closed_payload(ticket))
    return ticket


# --- dispatch ---------------------------------------------------------------------------------


def _open_orders(ticket: Ticket) -> list[WorkOrder]:
    return list(
        WorkOrder.objects.select_for_update()
        .filter(ticket_id=ticket.pk, status__in=OPEN_ORDER_STATES)
        .order_by("id")
    )


def _cancel_open_orders(ticket: Ticket, by: Any, reason: str, now: datetime) -> int:
    n = 0
    for order in _open_orders(ticket):
        before = _order_snapshot(order)
        _move_order(order, OrderStatus.CANCELLED, "撤回", "cancelled")
        order.save(update_fields=["status", "updated_at"])
        _audit_order(order, "cancelled", _actor(by) if by else SYSTEM, before, reason=reason)
        n += 1
    return n


def _dispatch_locked(
    ticket: Ticket,
    *,
    by: Any,
    lead: Any,
    assisting: Sequence[Any],
    note: str,
    routed_by: str,
    now: datetime,
) -> list[WorkOrder]:
    """Create the orders of the ticket's current round (ticket already locked)."""
    before = _snapshot(ticket)
    redispatch = ticket.status == TicketStatus.DISPATCHED
    _move_ticket(ticket, TicketStatus.DISPATCHED, "派单", "dispatched")
    if redispatch:
        _cancel_open_orders(ticket, by, "re-dispatched", now)
    sign_due_at, due_at, provisional = limits.order_dues(
        now, category=ticket.category, priority=ticket.priority
    )
    round_no = ticket.reopen_count + 1
    user = _user_or_none(by)
    orders = []
    for department, role in [(lead, OrderRole.LEAD)] + [(d, OrderRole.ASSIST) for d in assisting]:
        order = rows.create(
            WorkOrder,
            ticket=ticket,
            department=department,
            role=role,
            round=round_no,
            status=OrderStatus.DISPATCHED,
            dispatched_at=now,
            dispatched_by=user,
            sign_due_at=sign_due_at,
            due_at=due_at,
        )
        orders.append(order)
        _event(
            ticket, EventKind.DISPATCHED, user, order=order, at=now,
            public=role == OrderRole.LEAD,
            note=note if role == OrderRole.LEAD else "",
            data={"role": role, "round": round_no, "department": department.name},
        )  # fmt: skip
        _audit_order(order, "dispatched", _actor(user) if user else SYSTEM, None)
    ticket.department = lead
    ticket.due_at = due_at
    ticket.due_provisional = provisional
    if routed_by:
        ticket.routed_by = routed_by
    rows.save_changed(ticket)  # the ticket is locked (or was just written by this intake)
    _audit_ticket(
        ticket, "dispatched", _actor(user) if user else SYSTEM, before,
        assisting=[d.pk for d in assisting], round=round_no,
    )  # fmt: skip
    return orders


def dispatch(
    *,
    ticket_id: int,
    by: Any,
    department_id: int,
    assisting_department_ids: Sequence[int] = (),
    note: str = "",
) -> Ticket:
    """派单 (or re-route a dispatched ticket): one lead order and any assisting ones."""
    _require(policies.may_dispatch(by), "仅派单员可以派单", "Only dispatchers may dispatch")
    lead = _department(department_id, "department_id")
    assisting = []
    seen = {lead.pk}
    for n, pk in enumerate(assisting_department_ids or ()):
        department = _department(pk, f"assisting_department_ids.{n}")
        if department.pk in seen:
            raise InvalidInput(
                "协办部门不能与主办部门或彼此重复",
                "An assisting department is repeated or is the lead department",
                field=f"assisting_department_ids.{n}",
            )
        seen.add(department.pk)
        assisting.append(department)
    note = _clean_text(
        note, field="note", label="派单说明", label_en="The note", max_length=MAX_NOTE,
        required=False,
    )  # fmt: skip
    with transaction.atomic():
        ticket = _lock_ticket(ticket_id)
        if ticket.status not in (TicketStatus.RECEIVED, TicketStatus.DISPATCHED):
            raise _ticket_state_conflict(ticket, "派单", "dispatched")
        routed_by = (
            ticket.routed_by
            if ticket.proposed_department_id == lead.pk and ticket.routed_by
            else RoutedBy.DISPATCHER
        )
        _dispatch_locked(
            ticket, by=by, lead=lead, assisting=assisting, note=note, routed_by=routed_by,
            now=_now(),
        )  # fmt: skip
    return ticket


# --- the department's side ----------------------------------------------------------------


def _require_handler(by: Any, order: WorkOrder) -> None:
    _require(
        policies.may_handle_order(by, order),
        "只能办理本部门的派单",
        "Only staff of the order's department may act on it",
    )


def sign_order(*, order_id: int, by: Any) -> WorkOrder:
    """签收: the department takes the order in hand."""
    with transaction.atomic():
        ticket, order = _lock_order(order_id)
        _require_handler(by, order)
        before = _order_snapshot(order)
        _move_order(order, OrderStatus.SIGNED, "签收", "signed for")
        now = _now()
        order.signed_at = now
        order.signed_by = by
        order.save()
        if order.role == OrderRole.LEAD and ticket.status == TicketStatus.DISPATCHED:
            ticket_before = _snapshot(ticket)
            _move_ticket(ticket, TicketStatus.HANDLING, "签收", "signed for")
            ticket.save()
            _audit_ticket(ticket, "handling", _actor(by), ticket_before)
        _event(
            ticket, EventKind.SIGNED, by, order=order, at=now, public=order.role == OrderRole.LEAD,
            data={"on_time": now <= order.sign_due_at},
        )  # fmt: skip
        _audit_order(order, "signed", _actor(by), before)
    return order


def return_order(*, order_id: int, by: Any, reason: str) -> WorkOrder:
    """退单: a misrouted order goes back within the sign-for limit, with reasons. Returning
    the lead order sends the ticket back to the dispatcher (RECEIVED)."""
    text = _clean_text(
        reason, field="reason", label="退单理由", label_en="The reason", max_length=MAX_NOTE
    )
    with transaction.atomic():
        ticket, order = _lock_order(order_id)
        _require_handler(by, order)
        if order.status != OrderStatus.DISPATCHED:
            raise _order_state_conflict(order, "退单（已签收的派单不能退回）", "returned")
        now = _now()
        if now > order.sign_due_at:
            raise Conflict(
                "已超过签收时限，不能退单",
                "The sign-for limit has passed; the order can no longer be returned",
                field="order_id",
                code="return_after_limit",
            )
        before = _order_snapshot(order)
        _move_order(order, OrderStatus.RETURNED, "退单", "returned")
        order.returned_at = now
        order.return_reason = text
        order.save()
        _event(ticket, EventKind.RETURNED, by, order=order, note=text, at=now)
        _audit_order(order, "returned", _actor(by), before, reason=text)
        if order.role == OrderRole.LEAD:
            ticket_before = _snapshot(ticket)
            _cancel_open_orders(ticket, by, "lead order returned", now)
            _move_ticket(ticket, TicketStatus.RECEIVED, "退回派单员", "sent back for dispatch")
            ticket.return_count += 1
            ticket.department = None
            ticket.due_at = None
            ticket.due_provisional = False
            ticket.save()
            _audit_ticket(ticket, "returned", _actor(by), ticket_before, reason=text)
    return order


def reply_order(*, order_id: int, by: Any, reply: str, internal_note: str = "") -> WorkOrder:
    """答复: the department's public reply (the lead's becomes the ticket's answer)."""
    text = _clean_text(
        reply, field="reply", label="答复内容", label_en="The reply", max_length=MAX_TEXT
    )
    note = _clean_text(
        internal_note, field="internal_note", label="办理情况", label_en="The internal note",
        max_length=MAX_TEXT, required=False,
    )  # fmt: skip
    with transaction.atomic():
        ticket, order = _lock_order(order_id)
        _require_handler(by, order)
        before = _order_snapshot(order)
        _move_order(order, OrderStatus.REPLIED, "答复（请先签收）", "replied to")
        if order.role == OrderRole.LEAD:
            _check_ticket(ticket, TicketStatus.REPLIED, "答复", "replied to")
        now = _now()
        order.reply = text
        order.internal_note = note
        order.replied_at = now
        order.replied_by = by
        order.save()
        if order.role == OrderRole.LEAD:
            ticket_before = _snapshot(ticket)
            _move_ticket(ticket, TicketStatus.REPLIED, "答复", "replied to")
            ticket.save()
            _audit_ticket(ticket, "replied", _actor(by), ticket_before)
        _event(
            ticket, EventKind.REPLIED, by, order=order, note=text, at=now,
            public=order.role == OrderRole.LEAD,
            data={"on_time": now <= order.due_at, "internal_note": bool(note)},
        )  # fmt: skip
        _audit_order(order, "replied", _actor(by), before)
    return order


def request_extension(*, order_id: int, by: Any, days: int, reason: str) -> Extension:
    """延期申请: before the order's limit, 1–15 working days, one pending at a time."""
    try:
        n_days = int(days)
    except (TypeError, ValueError):
        n_days = 0
    if not 1 <= n_days <= MAX_EXTENSION_DAYS:
        raise InvalidInput(
            f"延期天数应为 1 到 {MAX_EXTENSION_DAYS} 个工作日",
            f"An extension is 1 to {MAX_EXTENSION_DAYS} working days",
            field="days",
        )
    text = _clean_text(
        reason, field="reason", label="延期理由", label_en="The reason", max_length=MAX_NOTE
    )
    with transaction.atomic():
        ticket, order = _lock_order(order_id)
        _require_handler(by, order)
        if order.status not in OPEN_ORDER_STATES:
            raise _order_state_conflict(order, "申请延期", "extended")
        now = _now()
        if now >= order.due_at:
            raise Conflict(
                "办理时限已过，不能再申请延期",
                "The order's limit has passed: extending after expiry is not possible",
                field="order_id",
                code="extension_after_expiry",
            )
        if order.extensions.filter(status=ExtensionStatus.PENDING).exists():
            raise Conflict(
                "已有待审批的延期申请", "An extension request is already pending",
                field="order_id", code="extension_pending",
            )  # fmt: skip
        extension = Extension.objects.create(
            order=order, days=n_days, reason=text, requested_at=now, requested_by=by
        )
        _event(
            ticket, EventKind.EXTENSION_REQUESTED, by, order=order, note=text, at=now,
            data={"extension_id": extension.pk, "days": n_days},
        )  # fmt: skip
        _audit_order(order, "extension_requested", _actor(by), None, days=n_days)
    return extension


def decide_extension(*, extension_id: int, by: Any, approve: bool, note: str = "") -> Extension:
    """延期审批 (dispatcher or supervisor): approval moves the order's (and for the lead
    order the ticket's) limit by that many working days."""
    _require(
        policies.may_decide_extension(by),
        "仅派单员或督办人员可以审批延期",
        "Only dispatchers and supervisors decide extensions",
    )
    text = _clean_text(
        note, field="note", label="审批意见", label_en="The note", max_length=MAX_NOTE,
        required=False,
    )  # fmt: skip
    try:
        pk = int(extension_id)
    except (TypeError, ValueError):
        pk = 0
    order_id = Extension.objects.filter(pk=pk).values_list("order_id", flat=True).first()
    if order_id is None:
        raise NotFound("未找到该延期申请", "No such extension request", field="extension_id")
    with transaction.atomic():
        ticket, order = _lock_order(order_id)
        extension = Extension.objects.select_for_update().get(pk=pk)
        if extension.status != ExtensionStatus.PENDING:
            raise Conflict(
                "该延期申请已审批", "The extension request was already decided",
                field="extension_id", code="extension_decided",
            )  # fmt: skip
        if approve and order.status not in OPEN_ORDER_STATES:
            raise _order_state_conflict(order, "延期", "extended")
        now = _now()
        before = _order_snapshot(order)
        extension.status = ExtensionStatus.APPROVED if approve else ExtensionStatus.REJECTED
        extension.decided_at = now
        extension.decided_by = by
        extension.decision_note = text
        extension.save()
        if approve:
            order.due_at, provisional = limits.extend_due(order.due_at, extension.days)
            order.extended_days += extension.days
            # A later limit may have put the order out of "due soon"/"overdue" range.
            order.save()
            if order.role == OrderRole.LEAD:
                ticket_before = _snapshot(ticket)
                ticket.due_at = order.due_at
                ticket.due_provisional = ticket.due_provisional or provisional
                ticket.save()
                _audit_ticket(ticket, "extended", _actor(by), ticket_before)
        _event(
            ticket, EventKind.EXTENSION_DECIDED, by, order=order, note=text, at=now,
            data={"extension_id": extension.pk, "approved": bool(approve), "days": extension.days},
        )  # fmt: skip
        _audit_order(
            order, "extension_decided", _actor(by), before, approved=bool(approve),
            days=extension.days,
        )  # fmt: skip
    return extension


# --- closing and calling back -----------------------------------------------------------------


def _lead_reply(ticket: Ticket) -> str:
    order = (
        WorkOrder.objects.filter(
            ticket_id=ticket.pk,
            role=OrderRole.LEAD,
            round=ticket.reopen_count + 1,
            status=OrderStatus.REPLIED,
        )
        .order_by("-replied_at", "-id")
        .first()
    )
    return order.reply if order else ""


def close_ticket(*, ticket_id: int, by: Any, answer: str = "") -> Ticket:
    """办结: a replied ticket is closed with an answer (the lead reply by default); merged
    tickets are closed with it, so that each caller is answered and called back."""
    _require_operator(by)
    given = _clean_text(
        answer, field="answer", label="答复内容", label_en="The answer", max_length=MAX_TEXT,
        required=False,
    )  # fmt: skip
    with transaction.atomic():
        ticket = _lock_ticket(ticket_id)
        if ticket.status == TicketStatus.RECEIVED and given:
            pass  # a direct answer given at closing
        elif ticket.status != TicketStatus.REPLIED:
            raise _ticket_state_conflict(
                ticket, "办结（须先答复）", "closed (it needs a reply first)"
            )
        text = given or _lead_reply(ticket)
        if not text:
            raise InvalidInput(
                "没有答复内容，不能办结", "A ticket cannot be closed without an answer",
                field="answer", code="answer_required",
            )  # fmt: skip
        before = _snapshot(ticket)
        direct = ticket.status == TicketStatus.RECEIVED
        _move_ticket(ticket, TicketStatus.CLOSED, "办结", "closed")
        now = _now()
        ticket.answer = text
        ticket.closed_at = now
        ticket.closed_on_time = ticket.due_at is None or now <= ticket.due_at
        if direct:
            ticket.answered_directly = True
            ticket.first_receiver_id = ticket.first_receiver_id or by.pk
        else:
            ticket.callback_due_at = _callback_due(ticket, now)
        ticket.callback_result = ""  # a new round awaits its own callback
        ticket.save()
        for order in WorkOrder.objects.select_for_update().filter(
            ticket_id=ticket.pk, status=OrderStatus.REPLIED
        ):
            order_before = _order_snapshot(order)
            _move_order(order, OrderStatus.CLOSED, "办结", "closed")
            order.save(update_fields=["status", "updated_at"])
            _audit_order(order, "closed", _actor(by), order_before)
        _cancel_open_orders(ticket, by, "ticket closed", now)
        _event(
            ticket, EventKind.ANSWERED if direct else EventKind.CLOSED, by, note=text,
            public=True, at=now, data={"on_time": ticket.closed_on_time},
        )  # fmt: skip
        _audit_ticket(ticket, "closed", _actor(by), before)
        emit("hotline.ticket_closed", **_closed_payload(ticket))
        for merged in Ticket.objects.select_for_update().filter(
            merged_into_id=ticket.pk, status=TicketStatus.MERGED
        ):
            merged_before = _snapshot(merged)
            merged.answer = text
            merged.closed_at = now
            merged.closed_on_time = True if merged.due_at is None else now <= merged.due_at
            merged.callback_due_at = _callback_due(merged, now)
            merged.callback_result = ""
            merged.department = ticket.department
            merged.save()
            _event(
                merged, EventKind.CLOSED, by, note=text, public=True, at=now,
                data={"with_ticket": ticket.number},
            )  # fmt: skip
            _audit_ticket(merged, "closed", _actor(by), merged_before, with_ticket=ticket.pk)
            emit("hotline.ticket_closed", **_closed_payload(merged))
    return ticket


def _callback_due(ticket: Ticket, now: datetime) -> datetime:
    limit = limits.limit_for(category=ticket.category, priority=ticket.priority)
    return limits.callback_due(now, callback_days=limit.callback_days)


def _latest_callback(ticket: Ticket) -> Callback | None:
    return Callback.objects.filter(ticket_id=ticket.pk).order_by("-round", "-id").first()


def record_callback(*, ticket_id: int, by: Any, result: str, note: str = "") -> Callback:
    """回访: once per round, for closed tickets (and merged ones, each caller is asked). Not
    satisfied reopens the ticket to its lead department (a new round)."""
    _require_operator(by)
    value = _choice(
        result, CallbackResult.values, field="result", label="回访结果", label_en="result"
    )
    text = _clean_text(
        note, field="note", label="回访记录", label_en="The note", max_length=MAX_NOTE,
        required=False,
    )  # fmt: skip
    with transaction.atomic():
        ticket = _lock_ticket(ticket_id)
        closed = ticket.status == TicketStatus.CLOSED or (
            ticket.status == TicketStatus.MERGED and ticket.closed_at is not None
        )
        if not closed:
            raise _ticket_state_conflict(ticket, "回访（须先办结）", "called back (close it first)")
        round_no = ticket.reopen_count + 1
        if Callback.objects.filter(ticket_id=ticket.pk, round=round_no).exists():
            raise Conflict(
                "本轮已回访", "The caller was already called back for this round",
                field="ticket_id", code="callback_done",
            )  # fmt: skip
        before = _snapshot(ticket)
        now = _now()
        callback = Callback.objects.create(
            ticket=ticket, round=round_no, result=value, note=text, at=now, by=by,
            on_time=ticket.callback_due_at is None or now <= ticket.callback_due_at,
        )  # fmt: skip
        ticket.callback_result = value
        ticket.save(update_fields=["callback_result", "updated_at"])
        _event(
            ticket, EventKind.CALLBACK, by, note=text, at=now,
            data={"result": value, "round": round_no, "on_time": callback.on_time},
        )  # fmt: skip
        _audit_ticket(ticket, "callback", _actor(by), before, result=value, round=round_no)
        emit("hotline.callback_recorded", ticket_id=ticket.pk, number=ticket.number, result=value)
        if (
            value == CallbackResult.NOT_SATISFIED
            and ticket.status == TicketStatus.CLOSED
            and ticket.department_id is not None
        ):
            _reopen_locked(ticket, by, text or "回访不满意，重新办理", now)
    return callback


def _reopen_locked(ticket: Ticket, by: Any, reason: str, now: datetime) -> None:
    before = _snapshot(ticket)
    department_id = ticket.department_id or ticket.proposed_department_id
    lead = org_selectors.department_by_id(department_id) if department_id else None
    if lead is None or not lead.active:
        raise Conflict(
            "没有可重新派单的承办部门", "There is no department to reopen the ticket to",
            field="ticket_id", code="no_department",
        )  # fmt: skip
    _check_ticket(ticket, TicketStatus.DISPATCHED, "重办", "reopened")
    ticket.reopen_count += 1
    ticket.closed_at = None
    ticket.closed_on_time = None
    ticket.callback_due_at = None
    ticket.answered_directly = False
    _event(ticket, EventKind.REOPENED, by, note=reason, public=True, at=now,
           data={"round": ticket.reopen_count + 1})  # fmt: skip
    _dispatch_locked(
        ticket, by=by, lead=lead, assisting=[], note=reason,
        routed_by=ticket.routed_by or RoutedBy.DISPATCHER, now=now,
    )  # fmt: skip
    _audit_ticket(ticket, "reopened", _actor(by), before, reason=reason)


def reopen_ticket(*, ticket_id: int, by: Any, reason: str) -> Ticket:
    """重办 by the centre: only a closed ticket whose latest callback was not satisfied
    (anything else would be a forged reopen)."""
    _require_operator(by)
    text = _clean_text(
        reason, field="reason", label="重办理由", label_en="The reason", max_length=MAX_NOTE
    )
    with transaction.atomic():
        ticket = _lock_ticket(ticket_id)
        if ticket.status != TicketStatus.CLOSED:
            raise _ticket_state_conflict(ticket, "重办", "reopened")
        latest = _latest_callback(ticket)
        if (
            latest is None
            or latest.round != ticket.reopen_count + 1
            or latest.result != CallbackResult.NOT_SATISFIED
        ):
            raise Conflict(
                "只有回访不满意的工单才能重办",
                "Only a ticket whose caller was not satisfied at callback can be reopened",
                field="ticket_id",
                code="reopen_not_allowed",
            )
        _reopen_locked(ticket, by, text, _now())
    return ticket


# --- merging ------------------------------------------------------------------------------


def merge_tickets(*, ticket_id: int, into_ticket_id: int, by: Any) -> Ticket:
    """合并: ``ticket`` is a duplicate of ``into``; it shares its handling and answer."""
    _require_operator(by)
    try:
        a, b = int(ticket_id), int(into_ticket_id)
    except (TypeError, ValueError):
        raise NotFound(*selectors.NOT_FOUND, field="ticket_id") from None
    if a == b:
        raise InvalidInput(
            "不能把工单合并到自身", "A ticket cannot be merged into itself",
            field="into_ticket_id", code="merge_self",
        )  # fmt: skip
    with transaction.atomic():
        locked = {pk: _lock_ticket(pk) for pk in sorted((a, b))}
        ticket, into = locked[a], locked[b]
        if into.status not in selectors.MERGEABLE_TARGET_STATES:
            raise Conflict(
                "只能合并到未办结、未合并的工单",
                "Tickets can only be merged into an open ticket that is not itself merged",
                field="into_ticket_id",
                code="merge_target_state",
            )
        _check_ticket(ticket, TicketStatus.MERGED, "合并", "merged")
        now = _now()
        before = _snapshot(ticket)
        _cancel_open_orders(ticket, by, "merged", now)
        ticket.status = TicketStatus.MERGED
        ticket.merged_into = into
        ticket.save()
        # Tickets merged into this one earlier follow it (no chains of merges).
        for earlier in Ticket.objects.select_for_update().filter(merged_into_id=ticket.pk):
            earlier.merged_into = into
            earlier.save(update_fields=["merged_into", "updated_at"])
        _event(
            ticket, EventKind.MERGED, by, at=now, public=True, note=into.number,
            data={"into": into.number, "into_id": into.pk},
        )  # fmt: skip
        _event(into, EventKind.MERGED, by, at=now, note=ticket.number,
               data={"merged": ticket.number, "merged_id": ticket.pk})  # fmt: skip
        _audit_ticket(ticket, "merged", _actor(by), before, into=into.pk)
    return ticket


# --- emergency lines ------------------------------------------------------------------------


def transfer_emergency(*, ticket_id: int, by: Any, line: str, note: str = "") -> EmergencyTransfer:
    """一键转接 to 110/119/120/122 through the outbox (endpoint ``emergency-<line>``)."""
    _require_operator(by)
    line_value = _choice(
        line, EmergencyLine.values, field="line", label="紧急线", label_en="emergency line"
    )
    text = _clean_text(
        note, field="note", label="说明", label_en="The note", max_length=MAX_NOTE,
        required=False,
    )  # fmt: skip
    with transaction.atomic():
        ticket = _lock_ticket(ticket_id)
        _check_ticket(ticket, TicketStatus.TRANSFERRED, "转紧急线", "transferred")
        before = _snapshot(ticket)
        now = _now()
        n = EmergencyTransfer.objects.filter(ticket_id=ticket.pk).count() + 1
        street = ticket.street
        message = outbox_enqueue(
            endpoint=emergency_endpoint(line_value),
            topic="hotline.emergency_transfer",
            payload={
                "number": ticket.number,
                "line": line_value,
                "text": ticket.text,
                "address": ticket.address,
                "street": street.name if street is not None else "",
                "street_code": street.code if street is not None else "",
                "latitude": str(ticket.latitude) if ticket.latitude is not None else None,
                "longitude": str(ticket.longitude) if ticket.longitude is not None else None,
                # The emergency service must be able to call the caller back.
                "caller_phone": ticket.caller_phone,
                "received_at": ticket.received_at.isoformat(),
                "note": text,
            },
            idempotency_key=f"hotline-emergency-{ticket.pk}-{line_value}-{n}",
        )
        _cancel_open_orders(ticket, by, "transferred to an emergency line", now)
        ticket.status = TicketStatus.TRANSFERRED
        ticket.emergency_line = line_value
        ticket.first_receiver_id = ticket.first_receiver_id or by.pk
        ticket.save()
        transfer = EmergencyTransfer.objects.create(
            ticket=ticket, line=line_value, note=text, at=now, by=by,
            outbox_message_id=message.pk,
        )  # fmt: skip
        _event(
            ticket, EventKind.TRANSFERRED, by, note=text, public=True, at=now,
            data={"line": line_value, "outbox_message_id": message.pk},
        )  # fmt: skip
        _audit_ticket(ticket, "transferred", _actor(by), before, line=line_value)
    return transfer


def take_back(*, ticket_id: int, by: Any, note: str) -> Ticket:
    """首接负责: an emergency line did not take it; the centre keeps it (first receiver
    unchanged) and it waits for dispatch again."""
    _require_operator(by)
    text = _clean_text(note, field="note", label="说明", label_en="The note", max_length=MAX_NOTE)
    with transaction.atomic():
        ticket = _lock_ticket(ticket_id)
        if ticket.status != TicketStatus.TRANSFERRED:
            raise _ticket_state_conflict(ticket, "收回（未转紧急线）", "taken back")
        before = _snapshot(ticket)
        _move_ticket(ticket, TicketStatus.RECEIVED, "收回", "taken back")
        line = ticket.emergency_line
        ticket.emergency_line = ""
        ticket.first_receiver_id = ticket.first_receiver_id or by.pk
        ticket.save()
        _event(ticket, EventKind.TAKEN_BACK, by, note=text, public=True, data={"line": line})
        _audit_ticket(ticket, "taken_back", _actor(by), before, line=line)
    return ticket


def log_three_way_call(
    *,
    ticket_id: int,
    by: Any,
    participants: Sequence[str],
    outcome: str,
    started_at: datetime | None = None,
    ended_at: datetime | None = None,
) -> ThreeWayCall:
    """三方通话 log: who was on the call and what came of it."""
    _require_operator(by)
    if isinstance(participants, str) or not isinstance(participants, Sequence):
        participants = []
    names = [str(p).strip()[:100] for p in participants if str(p).strip()]
    if not 2 <= len(names) <= 10:
        raise InvalidInput(
            "请填写 2 到 10 个通话参与方", "Give 2 to 10 participants of the call",
            field="participants",
        )  # fmt: skip
    text = _clean_text(
        outcome, field="outcome", label="通话结果", label_en="The outcome", max_length=MAX_NOTE
    )
    now = _now()
    start = started_at or now
    if ended_at is not None and ended_at < start:
        raise InvalidInput(
            "结束时间不能早于开始时间", "The call cannot end before it starts", field="ended_at"
        )
    with transaction.atomic():
        ticket = _lock_ticket(ticket_id)
        call = ThreeWayCall.objects.create(
            ticket=ticket, participants=names, outcome=text, started_at=start,
            ended_at=ended_at, by=by,
        )  # fmt: skip
        _event(
            ticket, EventKind.THREE_WAY_CALL, by, note=text, at=now,
            data={"participants": names, "call_id": call.pk},
        )  # fmt: skip
        _audit_ticket(ticket, "three_way_call", _actor(by), None, participants=len(names))
    return call


def receive_transfer_in(
    *,
    by: Any,
    origin: str,
    origin_ref: str,
    text: str,
    caller_phone: str = "",
    address: str = "",
    caller_name: str = "",
    category: str | None = None,
    priority: str = Priority.NORMAL,
    street_code: str = "",
    community_code: str = "",
    latitude: Any = None,
    longitude: Any = None,
) -> Ticket:
    """A ticket transferred in from 110 (or another line): idempotent on (origin, ref)."""
    origin_value = _clean_text(
        origin, field="origin", label="来源系统", label_en="The origin", max_length=16
    )
    ref = _clean_text(
        origin_ref, field="origin_ref", label="来源编号", label_en="The origin reference",
        max_length=64,
    )  # fmt: skip
    existing = Ticket.objects.filter(origin=origin_value, origin_ref=ref).first()
    if existing is not None:
        return existing
    return intake_ticket(
        by=by, channel=Channel.TRANSFER_110, text=text, category=category, priority=priority,
        caller_phone=caller_phone, caller_name=caller_name, address=address,
        latitude=latitude, longitude=longitude, street_code=street_code,
        community_code=community_code, origin=origin_value, origin_ref=ref,
        idempotency_key=f"transfer-in:{origin_value}:{ref}",
    )  # fmt: skip


# --- 督办 --------------------------------------------------------------------------------------


SUPERVISION_NOTES = {
    SupervisionKind.SIGN_OVERDUE: ("超时未签收，请立即签收", "Not signed for in time"),
    SupervisionKind.DUE_SOON: ("即将到期，请抓紧办理", "Due soon"),
    SupervisionKind.OVERDUE: ("已超期，请立即办理并说明原因", "Overdue"),
    SupervisionKind.ESCALATED: (
        "超期一个工作日以上，升级至部门负责人督办",
        "Overdue by more than a working day: escalated to the department head",
    ),
}


def supervise_orders(*, now: datetime | None = None) -> dict[str, int]:
    """督办 sweep: a notice per kind an open order has earned (once each), the order's
    supervision level raised, a SUPERVISED event on the ticket. Idempotent."""
    now = now or _now()
    counts = dict.fromkeys(SupervisionKind.values, 0)
    candidates = list(
        WorkOrder.objects.filter(status__in=OPEN_ORDER_STATES)
        .select_related("ticket")
        .only(
            "id", "status", "sign_due_at", "due_at", "department_id", "supervision_level",
            "ticket__id", "ticket__category", "ticket__priority",
        )
        .order_by("id")
    )  # fmt: skip
    short_cache: dict[tuple[str, str], bool] = {}
    for candidate in candidates:
        key = (candidate.ticket.category, candidate.ticket.priority)
        if key not in short_cache:
            short_cache[key] = limits.is_short_limit(category=key[0], priority=key[1])
        kinds = limits.supervision_kinds_due(
            status=candidate.status,
            sign_due_at=candidate.sign_due_at,
            due_at=candidate.due_at,
            short_limit=short_cache[key],
            now=now,
        )
        if not kinds:
            continue
        with transaction.atomic():
            ticket, order = _lock_order(candidate.pk)
            if order.status not in OPEN_ORDER_STATES:
                continue
            done = set(order.supervisions.values_list("kind", flat=True))
            new = [k for k in kinds if k not in done]
            if not new:
                continue
            before = _order_snapshot(order)
            level = order.supervision_level
            for kind in new:
                zh, en = SUPERVISION_NOTES[SupervisionKind(kind)]
                Supervision.objects.create(
                    order=order, kind=kind, department_id=order.department_id,
                    recipient_role=(
                        StaffRole.DEPARTMENT_HEAD
                        if kind == SupervisionKind.ESCALATED
                        else "department_staff"
                    ),
                    created_at=now, note=f"{zh} / {en}",
                )  # fmt: skip
                if limits.SUPERVISION_RANK[kind] > limits.SUPERVISION_RANK.get(level, 0):
                    level = kind
                counts[kind] += 1
                _event(
                    ticket, EventKind.SUPERVISED, None, order=order, at=now, note=zh,
                    data={"kind": kind},
                )  # fmt: skip
            order.supervision_level = level
            order.save(update_fields=["supervision_level", "updated_at"])
            _audit_order(order, "supervised", SYSTEM, before, kinds=new)
    return counts


def acknowledge_supervision(*, supervision_id: int, by: Any) -> Supervision:
    try:
        pk = int(supervision_id)
    except (TypeError, ValueError):
        pk = 0
    with transaction.atomic():
        supervision = Supervision.objects.select_for_update().filter(pk=pk).first()
        if supervision is None:
            raise NotFound("未找到该督办", "No such supervision notice", field="supervision_id")
        _require(
            policies.may_acknowledge_supervision(by, supervision),
            "无权签阅该督办", "You may not acknowledge this supervision notice",
        )  # fmt: skip
        if supervision.acknowledged_at is None:
            supervision.acknowledged_at = _now()
            supervision.save(update_fields=["acknowledged_at"])
            audit_record(
                action="hotline.supervision.acknowledged",
                object_type="hotline.supervision",
                object_id=supervision.pk,
                actor=_actor(by),
                after={"kind": supervision.kind, "order_id": supervision.order_id},
            )
    return supervision

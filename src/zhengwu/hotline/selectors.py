"""Reads of the hotline for pages and the API, with the visibility rules of :mod:`policies`.

A ticket the viewer may not see is ``NotFound`` (it does not exist for them). Caller phone
and name are shown in full to the hotline centre only (:func:`caller_phone_for`,
:func:`caller_name_for`); departments see them masked and never for anonymous 举报.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet

from zhengwu.accounts import policies as account_policies
from zhengwu.accounts.choices import StaffRole
from zhengwu.hotline import policies
from zhengwu.hotline.choices import (
    OPEN_ORDER_STATES,
    ExtensionStatus,
    OrderStatus,
    TicketStatus,
)
from zhengwu.hotline.models import (
    Extension,
    Supervision,
    Ticket,
    TicketEvent,
    Topic,
    WorkOrder,
)
from zhengwu.kernel.crypto import blind_index, constant_time_equal
from zhengwu.kernel.errors import InvalidInput, NotAllowed, NotFound
from zhengwu.kernel.fastread import JoinedReader, fetch_one, quote, quoted_column
from zhengwu.kernel.masking import MaskKind, mask
from zhengwu.org import selectors as org_selectors
from zhengwu.org.choices import AdministrativeLevel, DepartmentKind

PHONE_PURPOSE = "hotline.caller_phone"
NOT_FOUND = ("未找到该工单", "No such ticket")
CALLER_FIELDS = ("caller_phone", "caller_name")
BOUNCING_RETURNS = 2  # 退单 this often: "repeated bouncing", flagged to the dispatcher
DUPLICATE_TEXT_RATIO = 0.8
DUPLICATE_SCAN_LIMIT = 300
# Tickets a merge may go into (and duplicates are looked for among).
MERGEABLE_TARGET_STATES = (
    TicketStatus.RECEIVED,
    TicketStatus.DISPATCHED,
    TicketStatus.HANDLING,
    TicketStatus.REPLIED,
)

# --- phone numbers -------------------------------------------------------------------------

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
# Landline with its area code (010, 02x: 8 digits; 0xxx: 7 or 8 digits).
_LANDLINE = re.compile(r"^0(?:10|2\d)\d{8}$|^0[3-9]\d{2}\d{7,8}$")


def normalise_phone(value: str) -> str:
    """Digits of a mainland mobile or landline (with area code), or ``InvalidInput``.

    Spaces, hyphens, brackets and a +86/0086 prefix are dropped: ``029-8888 8888`` and
    ``02988888888`` are one number, so the blind index finds both.
    """
    text = unicodedata.normalize("NFKC", value or "").strip()
    digits = re.sub(r"[\s\-()（）]", "", text)
    if digits.startswith("+86"):
        digits = digits[3:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    if not digits.isdigit() or not (_MOBILE.match(digits) or _LANDLINE.match(digits)):
        raise InvalidInput(
            "电话号码格式不正确：应为 11 位手机号或带区号的固定电话",
            "The phone number is invalid: give an 11-digit mobile or a landline with its area code",
            field="caller_phone",
            code="invalid_phone",
        )
    return digits


def phone_index(phone: str) -> str:
    return blind_index(normalise_phone(phone), purpose=PHONE_PURPOSE)


# --- masking ---------------------------------------------------------------------------------


def caller_phone_for(viewer: Any, ticket: Ticket) -> str:
    if policies.may_see_caller(viewer, ticket):
        return ticket.caller_phone
    if ticket.anonymous:
        return ""
    return mask(ticket.caller_phone, MaskKind.PHONE) if ticket.caller_phone else ""


def caller_name_for(viewer: Any, ticket: Ticket) -> str:
    if policies.may_see_caller(viewer, ticket):
        return ticket.caller_name
    if ticket.anonymous:
        return ""
    return mask(ticket.caller_name, MaskKind.NAME) if ticket.caller_name else ""


def is_bouncing(ticket: Ticket) -> bool:
    """Repeated bouncing (退单 twice or more): the dispatcher should look closer."""
    return ticket.return_count >= BOUNCING_RETURNS


# --- single tickets --------------------------------------------------------------------------


def _order_department_ids(ticket: Ticket) -> frozenset[int]:
    return frozenset(
        WorkOrder.objects.filter(ticket_id=ticket.pk).values_list("department_id", flat=True)
    )


def may_view(viewer: Any, ticket: Ticket) -> bool:
    if not account_policies.is_authenticated(viewer):
        return False
    if policies.is_centre_staff(viewer) or account_policies.is_administrator(viewer):
        return True
    if account_policies.is_staff_member(viewer):
        return policies.may_view_ticket(viewer, ticket, _order_department_ids(ticket))
    return policies.may_view_ticket(viewer, ticket)


def ticket_by_id(ticket_id: Any) -> Ticket | None:
    """A ticket by id with no viewer: for event handlers of other domains (they were handed
    the id by an event this domain emitted). Pages and the API use :func:`ticket_for`."""
    try:
        pk = int(ticket_id)
    except (TypeError, ValueError):
        return None
    return Ticket.objects.select_related("department").filter(pk=pk).first()


# A ticket with what its page and the API show of it: read after every intake and every
# change through the API, so one fixed statement (kernel.fastread) rather than the ORM's
# six-way select_related compiled anew each time (bench/hotline_intake.py).
_TICKET_FULL = JoinedReader(
    Ticket,
    {
        "topic": None,
        "department": None,
        "proposed_department": None,
        "street": None,
        "community": None,
        "merged_into": ("number",),
    },
)


def _ticket_full(column: str, value: Any) -> Ticket | None:
    return _TICKET_FULL.one(f"m.{quoted_column(Ticket, column)} = %s", [value])  # type: ignore[no-any-return]


def ticket_id_by_idempotency_key(key: str) -> int | None:
    """The id of the ticket stored under this idempotency key, or None (one fixed statement:
    every keyed intake asks it first)."""
    table = quote(str(Ticket._meta.db_table))
    row = fetch_one(
        f"SELECT {quoted_column(Ticket, 'id')} FROM {table}"  # noqa: S608 (names from metadata)
        f" WHERE {quoted_column(Ticket, 'idempotency_key')} = %s",
        [key],
    )
    return int(row[0]) if row is not None else None


def ticket_for(viewer: Any, ticket_id: int | str) -> Ticket:
    """The ticket by id (or by its number), if ``viewer`` may see it; else ``NotFound``."""
    text = str(ticket_id).strip()
    if text.isdigit() and len(text) < 12:
        ticket = _ticket_full("id", int(text))
    elif text:
        ticket = _ticket_full("number", text)
    else:
        ticket = None
    if ticket is None or not may_view(viewer, ticket):
        raise NotFound(*NOT_FOUND, field="ticket_id")
    return ticket


def visible_tickets(viewer: Any) -> QuerySet[Ticket]:
    """Every ticket ``viewer`` may see: the centre (and administrators) all, department staff
    those with an order for their department, a citizen their own."""
    if policies.is_centre_staff(viewer) or account_policies.is_administrator(viewer):
        return Ticket.objects.select_related("topic", "department")
    if account_policies.is_staff_member(viewer):
        department_id = account_policies.staff_department_id(viewer) or 0
        return Ticket.objects.filter(
            pk__in=WorkOrder.objects.filter(department_id=department_id).values("ticket_id")
        ).select_related("topic", "department")
    return tickets_of_user(viewer)


def order_for(viewer: Any, order_id: int) -> WorkOrder:
    """A work order of the viewer's department (the centre and administrators see all);
    anyone else's is ``NotFound``, so order ids cannot be probed."""
    order = WorkOrder.objects.select_related("ticket", "department").filter(pk=order_id).first()
    if order is None or not (
        policies.may_handle_order(viewer, order)
        or policies.is_centre_staff(viewer)
        or account_policies.is_administrator(viewer)
    ):
        raise NotFound("未找到该派单", "No such work order", field="order_id")
    return order


def ticket_for_caller(number: str, phone: str) -> Ticket | None:
    """The ticket with this number whose caller gave this phone (public lookup without an
    account). The phone is compared through the blind index in constant time; an unknown
    number and a wrong phone look the same to the caller."""
    ticket = (
        Ticket.objects.filter(number=number.strip()).select_related("topic", "department").first()
    )
    if ticket is None or not ticket.caller_phone_index:
        return None
    if not constant_time_equal(ticket.caller_phone_index, phone_index(phone)):
        return None
    return ticket


def ticket_by_token(token: Any) -> Ticket:
    """Open311 ``tokens/{token}``: the ticket created with that token (public)."""
    try:
        import uuid

        value = uuid.UUID(str(token))
    except (TypeError, ValueError):
        raise NotFound("未找到该受理令牌", "No such token", field="token") from None
    ticket = Ticket.objects.filter(token=value).defer(*CALLER_FIELDS).first()
    if ticket is None:
        raise NotFound("未找到该受理令牌", "No such token", field="token")
    return ticket


_EVENTS = JoinedReader(TicketEvent, {"department": None, "order": None})
_ORDERS = JoinedReader(WorkOrder, {"department": None})


def ticket_events(viewer: Any, ticket: Ticket, *, public_only: bool = False) -> list[TicketEvent]:
    """The ticket's history, oldest first: everything for staff who may see it, public steps
    for callers (and for anyone with ``public_only``). One fixed statement with each event's
    department and order, as every ticket page and API answer shows them."""
    public = public_only or not account_policies.is_staff_member(viewer)
    where = f"m.{quoted_column(TicketEvent, 'ticket')} = %s"
    params: list[Any] = [ticket.pk]
    if public:
        where += f" AND m.{quoted_column(TicketEvent, 'public')} = %s"
        params.append(True)
    order = f"ORDER BY m.{quoted_column(TicketEvent, 'at')}, m.{quoted_column(TicketEvent, 'id')}"
    return _EVENTS.all(where, params, suffix=order, parent=("ticket", ticket))


def ticket_orders(ticket: Ticket) -> list[WorkOrder]:
    """The ticket's work orders by round, lead before assisting, with their departments."""
    where = f"m.{quoted_column(WorkOrder, 'ticket')} = %s"
    order = "ORDER BY " + ", ".join(
        f"m.{quoted_column(WorkOrder, name)}" for name in ("round", "role", "id")
    )
    return _ORDERS.all(where, [ticket.pk], suffix=order, parent=("ticket", ticket))


def last_public_reply(ticket: Ticket) -> str:
    """Open311 ``status_notes``: the answer once closed, else the latest public reply."""
    if ticket.answer:
        return ticket.answer
    event = (
        TicketEvent.objects.filter(ticket_id=ticket.pk, public=True, kind="replied")
        .order_by("-at", "-id")
        .first()
    )
    return event.note if event else ""


# --- lists -----------------------------------------------------------------------------------


def _require_centre(viewer: Any) -> None:
    if not (policies.is_centre_staff(viewer) or account_policies.is_administrator(viewer)):
        raise NotAllowed(
            "仅 12345 热线中心人员可查看", "Only hotline centre staff may see this", field=None
        )


def caller_history(viewer: Any, phone: str, limit: int = 20) -> list[Ticket]:
    """A caller's earlier tickets, newest first (agent console lookup; centre staff only).

    One indexed query: ``(caller_phone_index, -received_at)``.
    """
    _require_centre(viewer)
    index = phone_index(phone)
    limit = max(1, min(int(limit), 100))
    return list(
        Ticket.objects.filter(caller_phone_index=index)
        .select_related("topic", "department")
        .order_by("-received_at", "-id")[:limit]
    )


DISPATCH_QUEUE_LIMIT = 200


def dispatch_queue(viewer: Any, *, limit: int = DISPATCH_QUEUE_LIMIT) -> QuerySet[Ticket]:
    """The ``limit`` oldest tickets received and waiting for a dispatcher (oldest first), with
    the proposal.

    The page's ids first (an index-only scan of ``hl_ticket_status`` that stops at ``limit``),
    then those tickets: a prepared statement's generic plan cannot see that "received" is a
    rare status, and for the one-statement form walked every ticket from the oldest (≈ 1 s at
    5 M tickets, docs/benchmarks.md)."""
    _require_centre(viewer)
    page = (
        Ticket.objects.filter(status=TicketStatus.RECEIVED)
        .order_by("received_at", "id")
        .values("pk")[:limit]
    )
    return (
        Ticket.objects.filter(pk__in=page)
        .select_related("topic", "proposed_department", "street", "community")
        .defer(*CALLER_FIELDS)
        .order_by("received_at", "id")
    )


def dispatch_waiting(viewer: Any) -> int:
    """How many tickets wait for a dispatcher (an index-only count)."""
    _require_centre(viewer)
    return Ticket.objects.filter(status=TicketStatus.RECEIVED).count()


def department_orders(viewer: Any, status: Any = None) -> QuerySet[WorkOrder]:
    """The viewer's department's orders (default: open ones), most urgent first.

    ``status``: one OrderStatus value, a list of them, or ``"all"``.
    """
    department_id = account_policies.staff_department_id(viewer)
    if department_id is None:
        return WorkOrder.objects.none()
    qs = WorkOrder.objects.filter(department_id=department_id)
    if status is None:
        qs = qs.filter(status__in=OPEN_ORDER_STATES)
    elif status != "all":
        statuses = [status] if isinstance(status, str) else list(status)
        valid = set(OrderStatus.values)
        if any(s not in valid for s in statuses):
            raise InvalidInput("派单状态不正确", "Unknown order status", field="status")
        qs = qs.filter(status__in=statuses)
    return (
        qs.select_related("ticket", "ticket__topic", "ticket__street", "department")
        .defer(*(f"ticket__{f}" for f in CALLER_FIELDS))
        .order_by("due_at", "id")
    )


def awaiting_close(viewer: Any) -> QuerySet[Ticket]:
    """Replied tickets for the centre to close (oldest reply first)."""
    _require_centre(viewer)
    return (
        Ticket.objects.filter(status=TicketStatus.REPLIED)
        .select_related("topic", "department")
        .defer(*CALLER_FIELDS)
        .order_by("due_at", "received_at")
    )


def awaiting_callback(viewer: Any) -> QuerySet[Ticket]:
    """Closed tickets (merged ones included: each caller is answered) not yet called back
    in their current round, by callback limit."""
    _require_centre(viewer)
    # Closing clears ``callback_result`` and a callback sets it, so the partial index
    # ``hl_ticket_awaiting_callback`` answers this without touching the callbacks table.
    return (
        Ticket.objects.filter(
            status__in=(TicketStatus.CLOSED, TicketStatus.MERGED),
            callback_result="",
            callback_due_at__isnull=False,
        )
        .select_related("topic", "department")
        .order_by("callback_due_at", "id")
    )


def pending_extensions(viewer: Any) -> QuerySet[Extension]:
    if not policies.may_decide_extension(viewer):
        return Extension.objects.none()
    return (
        Extension.objects.filter(status=ExtensionStatus.PENDING)
        .select_related("order", "order__ticket", "order__department", "requested_by")
        .defer(*(f"order__ticket__{f}" for f in CALLER_FIELDS))
        .order_by("requested_at", "id")
    )


def supervisions_for(viewer: Any, *, include_acknowledged: bool = False) -> QuerySet[Supervision]:
    """Supervisor/centre: every notice; department staff: their department's (escalated
    notices only for the department head)."""
    qs = Supervision.objects.select_related("order", "order__ticket", "department").defer(
        *(f"order__ticket__{f}" for f in CALLER_FIELDS)
    )
    if not include_acknowledged:
        qs = qs.filter(acknowledged_at__isnull=True)
    if policies.is_centre_staff(viewer):
        return qs.order_by("-created_at", "-id")
    department_id = account_policies.staff_department_id(viewer)
    if department_id is None:
        return Supervision.objects.none()
    qs = qs.filter(department_id=department_id)
    if not account_policies.has_role(viewer, StaffRole.DEPARTMENT_HEAD):
        qs = qs.exclude(recipient_role=StaffRole.DEPARTMENT_HEAD)
    return qs.order_by("-created_at", "-id")


def tickets_of_user(user: Any) -> QuerySet[Ticket]:
    """ "My tickets" of a citizen (submitted with their account)."""
    if not account_policies.is_authenticated(user):
        return Ticket.objects.none()
    return (
        Ticket.objects.filter(caller_user_id=user.pk)
        .select_related("topic", "department")
        .order_by("-received_at", "-id")
    )


def topics(*, include_inactive: bool = False) -> QuerySet[Topic]:
    qs = Topic.objects.select_related("department")
    if not include_inactive:
        qs = qs.filter(active=True)
    return qs.order_by("sort_order", "code")


_TOPIC = JoinedReader(Topic, {"department": None})


def topic_by_code(code: str) -> Topic | None:
    """An active topic (Open311 service) by its unique code, with its department: one fixed
    statement, as every Open311 and categorised intake reads it."""
    where = f"m.{quoted_column(Topic, 'code')} = %s AND m.{quoted_column(Topic, 'active')} = %s"
    return _TOPIC.one(where, [code, True])  # type: ignore[no-any-return]


# --- location --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Location:
    street: Any  # org Region (level 5) or None
    community: Any  # org Region (level 6) or None


def _regions_named_in(address: str, level: int, parent_code: str | None = None) -> Any:
    best = None
    best_len = 0
    for region in org_selectors.regions(level=level, parent_code=parent_code):
        names = {region.name}
        for suffix in ("街道", "社区", "村"):
            if region.name.endswith(suffix) and len(region.name) - len(suffix) >= 2:
                names.add(region.name[: -len(suffix)])
        for name in names:
            if name and name in address and len(name) > best_len:
                best, best_len = region, len(name)
    return best


def resolve_location(address: str, street_code: str = "", community_code: str = "") -> Location:
    """The street (街道, level 5) and community (社区/村, level 6) of a demand: by code when
    given (``InvalidInput`` for an unknown or mismatched code), else by names occurring in
    the address text ("席王街道", "纺织城" …)."""
    address = (address or "").strip()
    street = community = None
    if community_code:
        community = org_selectors.region_by_code(community_code.strip())
        if community is None or community.level != AdministrativeLevel.COMMUNITY:
            raise InvalidInput(
                "社区/村代码不存在", "Unknown community code", field="community_code"
            )
    if street_code:
        street = org_selectors.region_by_code(street_code.strip())
        if street is None or street.level != AdministrativeLevel.STREET:
            raise InvalidInput("街道代码不存在", "Unknown street code", field="street_code")
    if community is not None:
        parent = community.parent
        if street is not None and parent is not None and parent.pk != street.pk:
            raise InvalidInput(
                "社区/村不属于所选街道",
                "The community does not belong to the street",
                field="community_code",
            )
        street = street or parent
    if street is None and address:
        street = _regions_named_in(address, AdministrativeLevel.STREET)
    if community is None and address:
        found = _regions_named_in(
            address, AdministrativeLevel.COMMUNITY, street.code if street is not None else None
        )
        if found is not None:
            community = found
            if street is None:
                street = found.parent
    return Location(street=street, community=community)


def street_office_for(street: Any) -> Any:
    """The street office (街道办事处) of a street region, or None."""
    if street is None:
        return None
    return (
        org_selectors.departments(kind=DepartmentKind.STREET_OFFICE, region_code=street.code)
    ).first()


# --- duplicates ------------------------------------------------------------------------------

_PUNCT = re.compile(r"[\s\W_]+", re.UNICODE)


def normalise_text(text: str) -> str:
    return _PUNCT.sub("", unicodedata.normalize("NFKC", text or "").lower())


def key_terms(text: str) -> frozenset[str]:
    """Content words (jieba tokens of two or more characters, digits excluded)."""
    import jieba

    words = set()
    for token in jieba.lcut(unicodedata.normalize("NFKC", text or "")):
        token = token.strip()
        if len(token) >= 2 and not token.isdigit() and not _PUNCT.fullmatch(token):
            words.add(token.lower())
    return frozenset(words - STOP_WORDS)


STOP_WORDS = frozenset(
    {
        "我们", "你们", "他们", "这个", "那个", "没有", "什么", "一个", "已经", "还是", "就是",
        "现在", "希望", "请求", "反映", "问题", "情况", "处理", "相关", "部门", "市民", "来电",
        "咨询", "投诉", "举报", "一下", "能否", "可以", "如何", "怎么", "为什么",
    }
)  # fmt: skip


def text_similarity(a: str, b: str) -> float:
    return difflib.SequenceMatcher(None, normalise_text(a), normalise_text(b)).ratio()


def duplicate_window() -> timedelta:
    return timedelta(hours=int(getattr(settings, "HOTLINE_DUPLICATE_WINDOW_HOURS", 72)))


def duplicate_candidates(ticket: Ticket) -> list[Ticket]:
    """Open tickets ``ticket`` may be a duplicate of (merge proposals), best first.

    Within ``HOTLINE_DUPLICATE_WINDOW_HOURS`` of its receipt: the same caller (blind index)
    with the same topic or category and at least one shared key term; or near-identical
    text (ratio ≥ 0.8) at the same address or street.
    """
    window = duplicate_window()
    base = (
        Ticket.objects.filter(
            received_at__gte=ticket.received_at - window,
            received_at__lte=ticket.received_at + window,
            status__in=MERGEABLE_TARGET_STATES,
        )
        .exclude(pk=ticket.pk)
        .defer(*CALLER_FIELDS)
    )
    same_place = Q()
    if ticket.address.strip():
        same_place |= Q(address=ticket.address.strip())
    if ticket.street_id:
        same_place |= Q(street_id=ticket.street_id)
    same_caller = (
        Q(caller_phone_index=ticket.caller_phone_index) if ticket.caller_phone_index else Q()
    )
    where = Q(pk__in=[])
    if same_caller:
        where |= same_caller
    if same_place:
        where |= same_place
    rows = list(base.filter(where).order_by("-received_at")[:DUPLICATE_SCAN_LIMIT])
    terms = key_terms(ticket.text)
    scored: list[tuple[float, Ticket]] = []
    for other in rows:
        score = 0.0
        if ticket.caller_phone_index and other.caller_phone_index == ticket.caller_phone_index:
            same_subject = (
                ticket.topic_id is not None and other.topic_id == ticket.topic_id
            ) or other.category == ticket.category
            shared = terms & key_terms(other.text)
            if same_subject and shared:
                score = max(score, 0.5 + 0.5 * len(shared) / max(len(terms), 1))
        place = (ticket.address.strip() and other.address == ticket.address.strip()) or (
            ticket.street_id is not None and other.street_id == ticket.street_id
        )
        if place:
            ratio = text_similarity(ticket.text, other.text)
            if ratio >= DUPLICATE_TEXT_RATIO:
                score = max(score, ratio)
        if score > 0:
            scored.append((score, other))
    scored.sort(key=lambda pair: (-pair[0], -pair[1].received_at.timestamp()))
    return [t for _, t in scored]


def merged_tickets(ticket: Ticket) -> QuerySet[Ticket]:
    return Ticket.objects.filter(merged_into_id=ticket.pk).order_by("received_at", "id")

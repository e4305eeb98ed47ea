"""Hotline analytics: daily aggregates, the numbers of the dashboard, and the daily report.

Counting rule (受理口径): every count of :class:`DailyStat` belongs to the day the ticket
was *received* (local time), in the cell of the ticket's category, its lead department and
its street. "Closed on time" for a day therefore means "of the tickets received that day,
those closed within their limit so far". Two counts take the department from the work
order instead of the ticket: ``signed`` / ``signed_on_time`` count the orders each
department signed for (lead and assisting alike), so a department's sign-for rate is its
own.

=================== ======================================================================
column              counted from
=================== ======================================================================
received            tickets (all channels, merged and transferred ones included)
answered_directly   tickets answered at once by the agent (``answered_directly``)
closed              tickets now in state 已办结 (a reopened ticket drops out until closed)
closed_on_time      of those, ``closed_on_time`` (closed by ``due_at``)
signed              work orders signed for (``signed_at`` set)
signed_on_time      of those, ``signed_at ≤ sign_due_at``
callbacks           callbacks that reached the caller (satisfied, basically, not satisfied)
satisfied           of those, satisfied or basically satisfied
=================== ======================================================================

Because a ticket only ever changes the counts of its own received day, the incremental
refresh recomputes exactly the received days of the tickets, orders and callbacks that
changed since the last refresh (the watermark is the newest ``refreshed_at``), and
:func:`rebuild_daily_stats` recomputes every day; both run the same per-day computation, so
they agree. Pages read :class:`DailyStat` only, except hot topics (ticket texts of the last
two weeks, cached per day), repeat callers, overdue orders and the drill-down ticket list,
which read bounded ranges through indexes.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any

from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from zhengwu.accounts import policies as account_policies
from zhengwu.accounts.choices import StaffRole
from zhengwu.hotline.choices import (
    OPEN_ORDER_STATES,
    CallbackResult,
    Category,
    TicketStatus,
)
from zhengwu.hotline.models import Callback, DailyStat, Ticket, WorkOrder
from zhengwu.kernel.errors import InvalidInput, NotAllowed
from zhengwu.kernel.masking import MaskKind, mask, mask_text
from zhengwu.org import selectors as org_selectors

__all__ = [
    "COUNTS",
    "StatFilter",
    "Totals",
    "analytics_scope",
    "by_category",
    "by_department",
    "by_street",
    "daily_report_xlsx",
    "heat_table",
    "hot_topics",
    "overdue_orders",
    "rebuild_daily_stats",
    "refresh_daily_stats",
    "repeat_callers",
    "ticket_list",
    "totals",
    "volume_by_day",
]

COUNTS = (
    "received",
    "answered_directly",
    "closed",
    "closed_on_time",
    "signed",
    "signed_on_time",
    "callbacks",
    "satisfied",
)
REACHED = (CallbackResult.SATISFIED, CallbackResult.BASICALLY, CallbackResult.NOT_SATISFIED)
PLEASED = (CallbackResult.SATISFIED, CallbackResult.BASICALLY)

# Rows saved shortly before the last refresh may commit after it read: look back this far.
WATERMARK_OVERLAP = timedelta(minutes=5)
MAX_RANGE_DAYS = 366
REBUILD_CHUNK_DAYS = 31
_PG_LOCK_KEY = 7_012_345  # pg_advisory_xact_lock key serialising the refreshes

# Roles that see the whole district; a department head sees their own department.
VIEW_ALL_ROLES = (
    StaffRole.HOTLINE_AGENT,
    StaffRole.DISPATCHER,
    StaffRole.SUPERVISOR,
    StaffRole.ADMINISTRATOR,
)


# --- who may see what --------------------------------------------------------------------------


def analytics_scope(viewer: Any) -> int | None:
    """The department the viewer's numbers are restricted to (``None``: everything).

    Centre staff and administrators see everything; a department head their department;
    everyone else is refused.
    """
    if account_policies.has_any_role(viewer, *VIEW_ALL_ROLES):
        return None
    if account_policies.has_role(viewer, StaffRole.DEPARTMENT_HEAD):
        department_id = account_policies.staff_department_id(viewer)
        if department_id is not None:
            return department_id
    raise NotAllowed(
        "只有 12345 热线中心、督办人员、系统管理员和部门负责人可以查看热线统计",
        "Only the 12345 centre, supervisors, administrators and department heads may see "
        "hotline analytics",
        field="user",
    )


# --- time helpers ------------------------------------------------------------------------------


def _start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), timezone.get_current_timezone())


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment).date()


def _ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    """Contiguous runs of ``days`` as (first, last) pairs, in order."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


# --- computing the aggregates --------------------------------------------------------------------

Cell = tuple[date, str, int | None, int | None]  # day, category, department, street


def _compute(first: date, last: date) -> dict[Cell, Counter[str]]:
    """The DailyStat cells of the tickets received from ``first`` to ``last`` (inclusive)."""
    tz = timezone.get_current_timezone()
    start, end = _start_of(first), _start_of(last + timedelta(days=1))
    cells: dict[Cell, Counter[str]] = defaultdict(Counter)
    tickets = (
        Ticket.objects.filter(received_at__gte=start, received_at__lt=end)
        .annotate(day=TruncDate("received_at", tzinfo=tz))
        .values("day", "category", "department_id", "street_id")
        .annotate(
            received=Count("id"),
            answered_directly=Count("id", filter=Q(answered_directly=True)),
            closed=Count("id", filter=Q(status=TicketStatus.CLOSED)),
            closed_on_time=Count("id", filter=Q(status=TicketStatus.CLOSED, closed_on_time=True)),
        )
        .order_by()
    )
    for row in tickets:
        cell = (row["day"], row["category"], row["department_id"], row["street_id"])
        for name in ("received", "answered_directly", "closed", "closed_on_time"):
            cells[cell][name] += row[name]
    orders = (
        WorkOrder.objects.filter(
            ticket__received_at__gte=start, ticket__received_at__lt=end, signed_at__isnull=False
        )
        .annotate(day=TruncDate("ticket__received_at", tzinfo=tz))
        .values("day", "ticket__category", "department_id", "ticket__street_id")
        .annotate(
            signed=Count("id"),
            signed_on_time=Count("id", filter=Q(signed_at__lte=F("sign_due_at"))),
        )
        .order_by()
    )
    for order in orders:
        cell = (
            order["day"],
            order["ticket__category"],
            order["department_id"],
            order["ticket__street_id"],
        )
        cells[cell]["signed"] += order["signed"]
        cells[cell]["signed_on_time"] += order["signed_on_time"]
    callbacks = (
        Callback.objects.filter(
            ticket__received_at__gte=start, ticket__received_at__lt=end, result__in=REACHED
        )
        .annotate(day=TruncDate("ticket__received_at", tzinfo=tz))
        .values("day", "ticket__category", "ticket__department_id", "ticket__street_id")
        .annotate(callbacks=Count("id"), satisfied=Count("id", filter=Q(result__in=PLEASED)))
        .order_by()
    )
    for call in callbacks:
        cell = (
            call["day"],
            call["ticket__category"],
            call["ticket__department_id"],
            call["ticket__street_id"],
        )
        cells[cell]["callbacks"] += call["callbacks"]
        cells[cell]["satisfied"] += call["satisfied"]
    return cells


def _lock() -> None:
    """Serialise refreshes (SQLite serialises writers by itself)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])


def _recompute(first: date, last: date, refreshed_at: datetime | None) -> int:
    """Replace the rows of ``first``…``last`` with freshly computed ones (in a transaction)."""
    cells = _compute(first, last)
    DailyStat.objects.filter(day__gte=first, day__lte=last).delete()
    DailyStat.objects.bulk_create(
        [
            DailyStat(
                day=day,
                category=category,
                department_id=department_id,
                street_id=street_id,
                refreshed_at=refreshed_at,
                **{name: counts[name] for name in COUNTS},
            )
            for (day, category, department_id, street_id), counts in cells.items()
            if any(counts.values())
        ],
        batch_size=1000,
    )
    return len(cells)


@dataclass(frozen=True)
class RefreshResult:
    days: tuple[date, ...]
    rows: int
    rebuilt: bool = False


def _changed_days(since: datetime) -> set[date]:
    """Received days of the tickets touched since ``since`` (tickets, orders, callbacks)."""
    tz = timezone.get_current_timezone()
    day = TruncDate("received_at", tzinfo=tz)
    ticket_day = TruncDate("ticket__received_at", tzinfo=tz)
    days: set[date] = set(
        Ticket.objects.filter(updated_at__gte=since)
        .annotate(d=day)
        .values_list("d", flat=True)
        .order_by()
        .distinct()
    )
    days |= set(
        WorkOrder.objects.filter(updated_at__gte=since)
        .annotate(d=ticket_day)
        .values_list("d", flat=True)
        .order_by()
        .distinct()
    )
    days |= set(
        Callback.objects.filter(at__gte=since)
        .annotate(d=ticket_day)
        .values_list("d", flat=True)
        .order_by()
        .distinct()
    )
    return {d for d in days if d is not None}


def refresh_daily_stats(
    *, days: Iterable[date] | None = None, now: datetime | None = None
) -> RefreshResult:
    """Bring :class:`DailyStat` up to date, recomputing only the days that changed.

    ``days`` recomputes those days explicitly. Otherwise the days are the received days of
    the tickets, work orders and callbacks changed since the newest ``refreshed_at`` (less
    :data:`WATERMARK_OVERLAP`); with no rows yet, everything is rebuilt. Idempotent.
    """
    now = now or timezone.now()
    with transaction.atomic():
        _lock()
        watermark = DailyStat.objects.aggregate(m=Max("refreshed_at"))["m"]
        if days is None:
            if watermark is None:
                return _rebuild(now)
            wanted = _changed_days(watermark - WATERMARK_OVERLAP)
            stamp = now
        else:
            # Recomputing chosen days says nothing about the other days: the watermark stays.
            wanted, stamp = set(days), watermark
        rows = sum(_recompute(first, last, stamp) for first, last in _ranges(wanted))
    return RefreshResult(days=tuple(sorted(wanted)), rows=rows)


def rebuild_daily_stats(*, now: datetime | None = None) -> RefreshResult:
    """Recompute every day from the raw tickets, orders and callbacks."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock()
        return _rebuild(now)


def _rebuild(now: datetime) -> RefreshResult:
    DailyStat.objects.all().delete()
    bounds = Ticket.objects.aggregate(first=Min("received_at"), last=Max("received_at"))
    if bounds["first"] is None:
        return RefreshResult(days=(), rows=0, rebuilt=True)
    first, last = _local_day(bounds["first"]), _local_day(bounds["last"])
    rows = 0
    chunk_start = first
    while chunk_start <= last:
        chunk_end = min(chunk_start + timedelta(days=REBUILD_CHUNK_DAYS - 1), last)
        rows += _recompute(chunk_start, chunk_end, now)
        chunk_start = chunk_end + timedelta(days=1)
    return RefreshResult(
        days=tuple(first + timedelta(days=n) for n in range((last - first).days + 1)),
        rows=rows,
        rebuilt=True,
    )


# --- filters -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StatFilter:
    """A date range (inclusive) and optional category, department and street."""

    start: date
    end: date
    category: str = ""
    department_id: int | None = None
    street_id: int | None = None

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise InvalidInput(
                "结束日期不能早于开始日期",
                "The end date cannot be before the start date",
                field="end",
            )
        if (self.end - self.start).days >= MAX_RANGE_DAYS:
            raise InvalidInput(
                f"统计区间最长 {MAX_RANGE_DAYS} 天",
                f"The range may be at most {MAX_RANGE_DAYS} days",
                field="start",
            )
        if self.category and self.category not in Category.values:
            raise InvalidInput("未知的诉求类别", "Unknown category", field="category")

    @property
    def days(self) -> list[date]:
        return [self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)]

    def scoped(self, department_id: int | None) -> StatFilter:
        """The same filter restricted to ``department_id`` (a department head's view)."""
        if department_id is None:
            return self
        return StatFilter(self.start, self.end, self.category, department_id, self.street_id)


def _stats(f: StatFilter) -> Any:
    qs = DailyStat.objects.filter(day__gte=f.start, day__lte=f.end)
    if f.category:
        qs = qs.filter(category=f.category)
    if f.department_id is not None:
        qs = qs.filter(department_id=f.department_id)
    if f.street_id is not None:
        qs = qs.filter(street_id=f.street_id)
    return qs


def _sums() -> dict[str, Any]:
    return {name: Sum(name) for name in COUNTS}


def _rate(part: int, whole: int) -> float | None:
    return round(100.0 * part / whole, 1) if whole else None


@dataclass
class Totals:
    received: int = 0
    answered_directly: int = 0
    closed: int = 0
    closed_on_time: int = 0
    signed: int = 0
    signed_on_time: int = 0
    callbacks: int = 0
    satisfied: int = 0
    label: str = ""
    key: Any = None
    url: str = ""  # the drill-down link a page may attach

    @classmethod
    def of(cls, row: dict[str, Any], **extra: Any) -> Totals:
        counts: dict[str, Any] = {name: row.get(name) or 0 for name in COUNTS}
        return cls(**counts, **extra)

    @property
    def sign_rate(self) -> float | None:
        """On-time sign-for rate, % of orders signed."""
        return _rate(self.signed_on_time, self.signed)

    @property
    def close_rate(self) -> float | None:
        """On-time completion rate, % of tickets closed."""
        return _rate(self.closed_on_time, self.closed)

    @property
    def satisfaction_rate(self) -> float | None:
        """(Satisfied + basically satisfied) ÷ callbacks that reached the caller, %."""
        return _rate(self.satisfied, self.callbacks)

    @property
    def direct_rate(self) -> float | None:
        return _rate(self.answered_directly, self.received)


def totals(f: StatFilter) -> Totals:
    return Totals.of(_stats(f).aggregate(**_sums()))


def volume_by_day(f: StatFilter) -> list[Totals]:
    """One row per day of the range (zeros for days without tickets)."""
    rows = {row["day"]: row for row in _stats(f).values("day").annotate(**_sums()).order_by("day")}
    return [Totals.of(rows.get(day, {}), label=day.isoformat(), key=day) for day in f.days]


def by_category(f: StatFilter) -> list[Totals]:
    rows = {row["category"]: row for row in _stats(f).values("category").annotate(**_sums())}
    return [
        Totals.of(rows[value], label=str(label), key=value)
        for value, label in Category.choices
        if value in rows
    ]


def _department_names(ids: Iterable[int | None]) -> dict[int | None, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    return dict(
        org_selectors.departments(include_inactive=True)
        .filter(pk__in=wanted)
        .values_list("pk", "name")
    )


def _street_names(ids: Iterable[int | None]) -> dict[int | None, str]:
    wanted = [i for i in ids if i is not None]
    if not wanted:
        return {}
    # Inactive streets keep their name in the statistics of the days they were active.
    return dict(
        org_selectors.regions()
        .model.objects.filter(pk__in=wanted)
        .values_list("pk", "name")
        .order_by()
    )


UNASSIGNED = "（未派单）"
NO_STREET = "（未定位）"


def by_department(f: StatFilter) -> list[Totals]:
    """Departments by volume (received), largest first, then by name."""
    rows = list(_stats(f).values("department_id").annotate(**_sums()))
    names = _department_names(row["department_id"] for row in rows)
    result = [
        Totals.of(
            row,
            label=names.get(row["department_id"], UNASSIGNED),
            key=row["department_id"],
        )
        for row in rows
    ]
    return sorted(result, key=lambda t: (-t.received, -t.signed, t.label))


def by_street(f: StatFilter) -> list[Totals]:
    rows = list(_stats(f).values("street_id").annotate(**_sums()))
    names = _street_names(row["street_id"] for row in rows)
    result = [
        Totals.of(row, label=names.get(row["street_id"], NO_STREET), key=row["street_id"])
        for row in rows
    ]
    return sorted(result, key=lambda t: (-t.received, t.label))


@dataclass
class HeatTable:
    categories: list[tuple[str, str]]  # (value, label)
    rows: list[tuple[str, Any, list[int], int]]  # street label, street id, counts, total
    maximum: int


def heat_table(f: StatFilter) -> HeatTable:
    """Received tickets by street × category (streets by volume)."""
    cells: dict[Any, dict[str, int]] = defaultdict(dict)
    for row in _stats(f).values("street_id", "category").annotate(n=Sum("received")):
        if row["n"]:
            cells[row["street_id"]][row["category"]] = row["n"]
    names = _street_names(cells)
    used = {c for counts in cells.values() for c in counts}
    categories = [(v, str(label)) for v, label in Category.choices if v in used]
    rows = []
    for street_id, counts in cells.items():
        values = [counts.get(v, 0) for v, _label in categories]
        rows.append((names.get(street_id, NO_STREET), street_id, values, sum(values)))
    rows.sort(key=lambda r: (-r[3], r[0]))
    maximum = max((v for r in rows for v in r[2]), default=0)
    return HeatTable(categories=categories, rows=rows, maximum=maximum)


# --- hot topics ----------------------------------------------------------------------------------

_STOP_TEXT = """
    我们 你们 他们 她们 自己 这个 那个 这些 那些 这里 那里 这样 那样 没有 什么 一个 一些
    已经 还是 就是 但是 而且 因为 所以 如果 现在 目前 今天 昨天 明天 一直 经常 总是 非常
    希望 请求 要求 反映 反应 问题 情况 处理 解决 相关 部门 有关 市民 来电 来电人 咨询 投诉
    举报 建议 求助 一下 能否 可以 是否 如何 怎么 怎样 为什么 为何 需要 进行 表示 认为 告知
    帮助 协调 核实 落实 尽快 及时 严重 影响 导致 造成 出现 发生 存在 小区 附近 周边 地方
    工作 时间 多次 几次 每天 晚上 早上 上午 下午 中午 左右 之后 之前 以后 以前 然后 还有
    我家 我家里 家里 本人 对方 相关部门 工作人员 12345 热线 灞桥 灞桥区 西安 西安市 街道
    """
STOP_WORDS = frozenset(_STOP_TEXT.split())
HOT_TOPIC_MIN_COUNT = 2  # a term must occur in this many tickets this week
HOT_TOPIC_MAX_TEXTS = 20_000  # texts per week read at most (the newest): bounds the work
HOT_TOPIC_EXAMPLES = 3
_TOKEN_OK = re.compile(r"^[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9]*$")
_jieba_ready = False


def _terms(text: str) -> set[str]:
    """Content words of a ticket: jieba tokens of ≥ 2 characters minus stop words."""
    import jieba

    global _jieba_ready
    if not _jieba_ready:
        jieba.setLogLevel(60)
        _jieba_ready = True
    words = set()
    for token in jieba.lcut(mask_text(unicodedata.normalize("NFKC", text or ""))):
        token = token.strip().lower()
        if len(token) >= 2 and _TOKEN_OK.match(token) and token not in STOP_WORDS:
            words.add(token)
    return words


@dataclass(frozen=True)
class HotTopic:
    term: str
    this_week: int
    last_week: int
    rise: int
    examples: tuple[str, ...]  # ticket numbers, newest first


def _week_tickets(first: date, last: date, department_id: int | None) -> Iterator[tuple[str, str]]:
    qs = Ticket.objects.filter(
        received_at__gte=_start_of(first), received_at__lt=_start_of(last + timedelta(days=1))
    )
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    yield from qs.order_by("-received_at").values_list("number", "text")[:HOT_TOPIC_MAX_TEXTS]


def hot_topics(
    *, day: date | None = None, department_id: int | None = None, limit: int = 10
) -> list[HotTopic]:
    """Terms whose ticket count rose most in the 7 days to ``day`` over the 7 days before.

    A term counts once per ticket. Ties go to the larger count this week, then the term.
    Computed from the ticket texts (received_at index) and cached for the day.
    """
    day = day or timezone.localdate()
    key = f"hotline:analytics:hot:{day.isoformat()}:{department_id or 'all'}:{limit}"
    cached = cache.get(key)
    if cached is not None:
        return cached
    this_week: Counter[str] = Counter()
    last_week: Counter[str] = Counter()
    examples: dict[str, list[str]] = defaultdict(list)
    for number, text in _week_tickets(day - timedelta(days=6), day, department_id):
        for term in _terms(text):
            this_week[term] += 1
            if len(examples[term]) < HOT_TOPIC_EXAMPLES:
                examples[term].append(number)
    for _number, text in _week_tickets(
        day - timedelta(days=13), day - timedelta(days=7), department_id
    ):
        for term in _terms(text):
            last_week[term] += 1
    ranked = sorted(
        (
            HotTopic(
                term=term,
                this_week=count,
                last_week=last_week[term],
                rise=count - last_week[term],
                examples=tuple(examples[term]),
            )
            for term, count in this_week.items()
            if count >= HOT_TOPIC_MIN_COUNT and count > last_week[term]
        ),
        key=lambda t: (-t.rise, -t.this_week, t.term),
    )[:limit]
    cache.set(key, ranked, timeout=24 * 3600)
    return ranked


# --- repeat callers ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RepeatCaller:
    caller: str  # the phone masked (138****8000): never the number itself
    tickets: int
    last_received_at: datetime
    last_numbers: tuple[str, ...]


REPEAT_MIN_TICKETS = 3


def repeat_callers(
    f: StatFilter, *, min_tickets: int = REPEAT_MIN_TICKETS, limit: int = 20
) -> list[RepeatCaller]:
    """Callers (by the phone's blind index) with ≥ ``min_tickets`` tickets in the range.

    Anonymous tickets are left out (the identity of a 举报 caller is protected). The phone
    is shown masked; the full number is only ever on the ticket page, for the centre.
    """
    if min_tickets < 2:
        raise InvalidInput(
            "重复来电至少为 2 件", "Repeat callers need at least 2 tickets", field="min"
        )
    qs = Ticket.objects.filter(
        received_at__gte=_start_of(f.start),
        received_at__lt=_start_of(f.end + timedelta(days=1)),
        anonymous=False,
    ).exclude(caller_phone_index="")
    if f.category:
        qs = qs.filter(category=f.category)
    if f.department_id is not None:
        qs = qs.filter(department_id=f.department_id)
    if f.street_id is not None:
        qs = qs.filter(street_id=f.street_id)
    groups = list(
        qs.values("caller_phone_index")
        .annotate(n=Count("id"), last=Max("received_at"))
        .filter(n__gte=min_tickets)
        .order_by("-n", "-last")[:limit]
    )
    if not groups:
        return []
    recent: dict[str, list[Ticket]] = defaultdict(list)
    for ticket in (
        qs.filter(caller_phone_index__in=[g["caller_phone_index"] for g in groups])
        .only("number", "caller_phone", "caller_phone_index", "received_at")
        .order_by("caller_phone_index", "-received_at")
    ):
        recent[ticket.caller_phone_index].append(ticket)
    result = []
    for group in groups:
        tickets = recent[group["caller_phone_index"]]
        result.append(
            RepeatCaller(
                caller=mask(tickets[0].caller_phone, MaskKind.PHONE) if tickets else "***",
                tickets=group["n"],
                last_received_at=group["last"],
                last_numbers=tuple(t.number for t in tickets[:3]),
            )
        )
    return result


# --- raw lists (index-friendly) ---------------------------------------------------------------


@dataclass(frozen=True)
class OverdueOrder:
    number: str
    department: str
    role: str
    status: str
    dispatched_at: datetime
    due_at: datetime
    overdue_hours: int
    category: str


def overdue_orders(
    *, now: datetime | None = None, department_id: int | None = None, limit: int = 500
) -> list[OverdueOrder]:
    """Open work orders past their completion limit, most overdue first (status, due_at)."""
    now = now or timezone.now()
    qs = WorkOrder.objects.filter(status__in=OPEN_ORDER_STATES, due_at__lt=now)
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    orders = list(qs.select_related("ticket").order_by("due_at", "id")[:limit])
    names = _department_names({o.department_id for o in orders})
    return [
        OverdueOrder(
            number=o.ticket.number,
            department=names.get(o.department_id, ""),
            role=str(o.get_role_display()),
            status=str(o.get_status_display()),
            dispatched_at=o.dispatched_at,
            due_at=o.due_at,
            overdue_hours=int((now - o.due_at).total_seconds() // 3600),
            category=str(o.ticket.get_category_display()),
        )
        for o in orders
    ]


TICKET_LIST_LIMIT = 100


@dataclass
class TicketPage:
    tickets: list[Ticket]
    department_names: dict[int | None, str]
    street_names: dict[int | None, str]
    has_more: bool
    offset: int
    extra: dict[str, Any] = field(default_factory=dict)


def ticket_list(
    f: StatFilter, *, status: str = "", offset: int = 0, limit: int = TICKET_LIST_LIMIT
) -> TicketPage:
    """Tickets received in the range (received_at index), newest first, with the filters."""
    if status and status not in TicketStatus.values and status not in ("open", "on_time", "late"):
        raise InvalidInput("未知的工单状态", "Unknown ticket status", field="status")
    qs = Ticket.objects.filter(
        received_at__gte=_start_of(f.start), received_at__lt=_start_of(f.end + timedelta(days=1))
    )
    if f.category:
        qs = qs.filter(category=f.category)
    if f.department_id is not None:
        qs = qs.filter(department_id=f.department_id)
    if f.street_id is not None:
        qs = qs.filter(street_id=f.street_id)
    if status == "open":
        qs = qs.exclude(status__in=(TicketStatus.CLOSED, TicketStatus.MERGED))
    elif status == "on_time":
        qs = qs.filter(status=TicketStatus.CLOSED, closed_on_time=True)
    elif status == "late":
        qs = qs.filter(status=TicketStatus.CLOSED, closed_on_time=False)
    elif status:
        qs = qs.filter(status=status)
    rows = list(
        qs.only(
            "number",
            "category",
            "status",
            "received_at",
            "closed_at",
            "closed_on_time",
            "department_id",
            "street_id",
            "text",
        ).order_by("-received_at", "-id")[offset : offset + limit + 1]
    )
    tickets = rows[:limit]
    return TicketPage(
        tickets=tickets,
        department_names=_department_names({t.department_id for t in tickets}),
        street_names=_street_names({t.street_id for t in tickets}),
        has_more=len(rows) > limit,
        offset=offset,
    )


# --- the daily report ----------------------------------------------------------------------------

SHEET_SUMMARY = "汇总"
SHEET_CATEGORY = "按类别"
SHEET_DEPARTMENT = "按部门"
SHEET_STREET = "按街道"
SHEET_OVERDUE = "超期工单"
SHEET_HOT = "热点诉求"
REPORT_SHEETS = (
    SHEET_SUMMARY,
    SHEET_CATEGORY,
    SHEET_DEPARTMENT,
    SHEET_STREET,
    SHEET_OVERDUE,
    SHEET_HOT,
)
TOTAL_HEADERS = [
    "受理量 received",
    "直接答复 answered directly",
    "已办结 closed",
    "按时办结 closed on time",
    "按时办结率% on-time completion",
    "签收 signed",
    "按时签收 signed on time",
    "按时签收率% on-time sign-for",
    "回访接通 callbacks reached",
    "满意(含基本满意) satisfied",
    "满意率% satisfaction",
]


def _total_cells(t: Totals) -> list[Any]:
    return [
        t.received,
        t.answered_directly,
        t.closed,
        t.closed_on_time,
        t.close_rate,
        t.signed,
        t.signed_on_time,
        t.sign_rate,
        t.callbacks,
        t.satisfied,
        t.satisfaction_rate,
    ]


def daily_report_xlsx(day: date, *, department_id: int | None = None) -> bytes:
    """The daily report of ``day`` (tickets received that day) as an xlsx workbook.

    Sheets: 汇总 summary, 按类别, 按部门, 按街道 (from DailyStat), 超期工单 (open orders past
    their limit at the time of the report), 热点诉求 (hot topics of the week to ``day``).
    """
    from openpyxl import Workbook
    from openpyxl.styles import Font

    f = StatFilter(day, day, department_id=department_id)
    workbook = Workbook()
    bold = Font(bold=True)

    def sheet(title: str, headers: list[str], *, first: bool = False) -> Any:
        ws = workbook.active if first else workbook.create_sheet()
        ws.title = title
        ws.append(headers)
        for cell in ws[1]:
            cell.font = bold
        ws.freeze_panes = "A2"
        return ws

    def append(ws: Any, values: list[Any]) -> None:
        ws.append(values)
        for cell in ws[ws.max_row]:
            if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@")):
                cell.data_type = "s"  # text, never a formula

    total = totals(f)
    ws = sheet(SHEET_SUMMARY, ["指标 indicator", "数值 value"], first=True)
    scope = _department_names([department_id]).get(department_id, "") if department_id else ""
    summary: list[tuple[str, Any]] = [
        ("日期 day", day.isoformat()),
        ("范围 scope", scope or "全区 whole district"),
        ("受理量 received", total.received),
        ("直接答复 answered directly", total.answered_directly),
        ("直接答复率% direct answer rate", total.direct_rate),
        ("已办结 closed", total.closed),
        ("按时办结 closed on time", total.closed_on_time),
        ("按时办结率% on-time completion", total.close_rate),
        ("签收 signed", total.signed),
        ("按时签收 signed on time", total.signed_on_time),
        ("按时签收率% on-time sign-for", total.sign_rate),
        ("回访接通 callbacks reached", total.callbacks),
        ("满意(含基本满意) satisfied", total.satisfied),
        ("满意率% satisfaction", total.satisfaction_rate),
        ("生成时间 generated at", timezone.localtime().strftime("%Y-%m-%d %H:%M")),
    ]
    for label, value in summary:
        append(ws, [label, value])
    ws.column_dimensions["A"].width = 34
    for title, first_header, rows in (
        (SHEET_CATEGORY, "类别 category", by_category(f)),
        (SHEET_DEPARTMENT, "部门 department", by_department(f)),
        (SHEET_STREET, "街道 street", by_street(f)),
    ):
        ws = sheet(title, [first_header, *TOTAL_HEADERS])
        for row in rows:
            append(ws, [row.label, *_total_cells(row)])
        ws.column_dimensions["A"].width = 28
    ws = sheet(
        SHEET_OVERDUE,
        [
            "工单编号 ticket",
            "承办部门 department",
            "主协办 role",
            "状态 status",
            "类别 category",
            "派单时间 dispatched",
            "办理时限 due",
            "超期小时 hours overdue",
        ],
    )
    report_now = min(timezone.now(), _start_of(day + timedelta(days=1)))
    for order in overdue_orders(now=report_now, department_id=department_id):
        append(
            ws,
            [
                order.number,
                order.department,
                order.role,
                order.status,
                order.category,
                timezone.localtime(order.dispatched_at).strftime("%Y-%m-%d %H:%M"),
                timezone.localtime(order.due_at).strftime("%Y-%m-%d %H:%M"),
                order.overdue_hours,
            ],
        )
    ws = sheet(
        SHEET_HOT,
        ["热词 term", "本周 this week", "上周 last week", "增加 rise", "示例工单 examples"],
    )
    for topic in hot_topics(day=day, department_id=department_id):
        append(
            ws,
            [topic.term, topic.this_week, topic.last_week, topic.rise, "、".join(topic.examples)],
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

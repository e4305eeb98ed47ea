"""Time limits of the hotline (DOMAIN.md §8), computed with :mod:`zhengwu.kernel.workdays`.

- Sign-for (签收): 2 working hours after dispatch by default; emergencies 30 minutes.
- Completion (办结): 咨询/求助/表扬/其他 3 working days, 投诉/举报/建议 13 working days,
  urgent 1 working day, emergency the same day (23:59:59 local). A day limit ends at
  23:59:59 local time of its last working day. :class:`TimeLimitRule` rows override these.
- Callback (回访): the end of the next working day after closing.

Working hours are the office hours of ``settings.HOTLINE_OFFICE_HOURS`` (default
``09:00-12:00,13:00-17:30``) on the working days of the platform calendar (weekends,
official holidays and make-up working days included). Results for a year whose official
schedule is not loaded are *provisional* (the fixed-date holidays are assumed).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache

from django.conf import settings
from django.utils import timezone

from zhengwu.hotline.choices import Category, LimitUnit, Priority, SupervisionKind
from zhengwu.kernel import workdays
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.fastread import fetch_one, quote, quoted_column

DEFAULT_OFFICE_HOURS = "09:00-12:00,13:00-17:30"
DEFAULT_SIGN_HOURS = 2
EMERGENCY_SIGN_MINUTES = 30
SHORT_LIMIT_CATEGORIES = frozenset(
    {Category.CONSULT, Category.HELP, Category.PRAISE, Category.OTHER}
)
SHORT_LIMIT_DAYS = 3
LONG_LIMIT_DAYS = 13  # 投诉/举报/建议
URGENT_LIMIT_DAYS = 1
DUE_SOON_WORKING_DAYS = 1
DUE_SOON_WORKING_HOURS = 2
ESCALATE_AFTER_WORKING_DAYS = 1
END_OF_DAY = time(23, 59, 59)
# Guards the hour walk: a year has ~2,000 working hours.
_MAX_DAYS_WALKED = 3660


@dataclass(frozen=True)
class Limit:
    """The limits that apply to one category and priority."""

    sign_hours: float
    limit: int
    unit: str  # LimitUnit
    callback_days: int
    from_rule: bool


# --- office hours ------------------------------------------------------------------------


@lru_cache(maxsize=8)
def _parse_office_hours(spec: str) -> tuple[tuple[time, time], ...]:
    periods: list[tuple[time, time]] = []
    for part in spec.split(","):
        part = part.strip()
        if not part:
            continue
        try:
            start_text, end_text = part.split("-")
            start = time.fromisoformat(start_text.strip())
            end = time.fromisoformat(end_text.strip())
        except ValueError as exc:
            raise ValueError(f"HOTLINE_OFFICE_HOURS: bad period {part!r}") from exc
        if end <= start:
            raise ValueError(f"HOTLINE_OFFICE_HOURS: period {part!r} ends before it starts")
        if periods and start < periods[-1][1]:
            raise ValueError("HOTLINE_OFFICE_HOURS: periods must be in order and not overlap")
        periods.append((start, end))
    if not periods:
        raise ValueError("HOTLINE_OFFICE_HOURS is empty")
    return tuple(periods)


def office_hours() -> tuple[tuple[time, time], ...]:
    return _parse_office_hours(
        getattr(settings, "HOTLINE_OFFICE_HOURS", "") or DEFAULT_OFFICE_HOURS
    )


def _local(moment: datetime) -> datetime:
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return timezone.localtime(moment)


def _at(day: date, clock: time) -> datetime:
    return timezone.make_aware(datetime.combine(day, clock))


def end_of_day(day: date) -> datetime:
    return _at(day, END_OF_DAY)


def add_working_hours(
    start: datetime, hours: float, *, calendar: workdays.Calendar | None = None
) -> datetime:
    """``start`` plus ``hours`` of office time on working days (aware, local time zone).

    A start outside office hours counts from the next office period; the result is always
    inside (or at the end of) an office period.
    """
    if hours < 0:
        raise InvalidInput("工作小时数不能为负", "Working hours cannot be negative", field="hours")
    remaining = timedelta(hours=hours)
    moment = _local(start)
    calendar = calendar if calendar is not None else workdays.current_calendar()
    day = moment.date()
    for _ in range(_MAX_DAYS_WALKED):
        if calendar.is_working_day(day):
            for period_start, period_end in office_hours():
                begin = max(_at(day, period_start), moment)
                end = _at(day, period_end)
                if begin >= end:
                    continue
                if begin + remaining <= end:
                    return begin + remaining
                remaining -= end - begin
        day += timedelta(days=1)
        moment = _at(day, time(0, 0))
    raise InvalidInput("时限超出日历范围", "The time limit is out of range", field="hours")


def working_hours_between(a: datetime, b: datetime) -> float:
    """Office hours on working days in [a, b] (0 when b ≤ a)."""
    a, b = _local(a), _local(b)
    if b <= a:
        return 0.0
    calendar = workdays.current_calendar()
    total = timedelta()
    day = a.date()
    last = b.date()
    walked = 0
    while day <= last and walked < _MAX_DAYS_WALKED:
        if calendar.is_working_day(day):
            for period_start, period_end in office_hours():
                begin = max(_at(day, period_start), a)
                end = min(_at(day, period_end), b)
                if end > begin:
                    total += end - begin
        day += timedelta(days=1)
        walked += 1
    return total.total_seconds() / 3600


# --- the limits of a category and priority ---------------------------------------------------


def _default_limit(category: str, priority: str) -> Limit:
    if priority == Priority.EMERGENCY:
        return Limit(EMERGENCY_SIGN_MINUTES / 60, 0, LimitUnit.SAME_DAY, 1, False)
    if priority == Priority.URGENT:
        return Limit(DEFAULT_SIGN_HOURS, URGENT_LIMIT_DAYS, LimitUnit.WORKING_DAY, 1, False)
    days = SHORT_LIMIT_DAYS if category in SHORT_LIMIT_CATEGORIES else LONG_LIMIT_DAYS
    return Limit(DEFAULT_SIGN_HOURS, days, LimitUnit.WORKING_DAY, 1, False)


def limit_for(*, category: str, priority: str) -> Limit:
    """The :class:`TimeLimitRule` of (category, priority), else the defaults."""
    row = fetch_one(_rule_sql(), [category, priority])
    if row is None:
        return _default_limit(category, priority)
    sign_hours, limit, unit, callback_days = row
    return Limit(float(sign_hours), limit, unit, callback_days, True)


@lru_cache(maxsize=1)
def _rule_sql() -> str:
    # Every new work order asks it: one fixed statement, not a query compiled each time.
    from zhengwu.hotline.models import TimeLimitRule

    def col(name: str) -> str:
        return quoted_column(TimeLimitRule, name)

    columns = ", ".join(col(n) for n in ("sign_hours", "limit", "unit", "callback_days"))
    table = quote(str(TimeLimitRule._meta.db_table))
    # Quoted names from the model's metadata only; the values are bound.
    return (
        f"SELECT {columns} FROM {table}"  # noqa: S608
        f" WHERE {col('category')} = %s AND {col('priority')} = %s LIMIT 1"
    )


def sign_due(
    dispatched_at: datetime,
    *,
    category: str,
    priority: str,
    limit: Limit | None = None,
    calendar: workdays.Calendar | None = None,
) -> datetime:
    """签收 limit: 2 working hours after dispatch (emergency: 30 minutes, around the clock).
    ``limit`` and ``calendar`` may be passed when the caller has them already."""
    limit = limit if limit is not None else limit_for(category=category, priority=priority)
    if priority == Priority.EMERGENCY and not limit.from_rule:
        return _local(dispatched_at) + timedelta(minutes=EMERGENCY_SIGN_MINUTES)
    return add_working_hours(dispatched_at, limit.sign_hours, calendar=calendar)


def handling_due(
    start: datetime,
    *,
    category: str,
    priority: str,
    extra_working_days: int = 0,
    limit: Limit | None = None,
    calendar: workdays.Calendar | None = None,
) -> tuple[datetime, bool]:
    """办结 limit and whether it is provisional (a year of the calendar not loaded)."""
    limit = limit if limit is not None else limit_for(category=category, priority=priority)
    calendar = calendar if calendar is not None else workdays.current_calendar()
    local = _local(start)
    if limit.unit == LimitUnit.HOUR:
        due = add_working_hours(local, limit.limit, calendar=calendar)
        provisional = not calendar.is_loaded(due.year)
        if extra_working_days:
            due, more = extend_due(due, extra_working_days)
            provisional = provisional or more
        return due, provisional
    days = limit.limit if limit.unit == LimitUnit.WORKING_DAY else 0
    days += extra_working_days
    result = workdays.deadline(local.date(), days, workdays.TimeUnit.WORKING_DAY, calendar=calendar)
    provisional = result.provisional or not calendar.is_loaded(local.year)
    return end_of_day(result.due), provisional


def order_dues(
    dispatched_at: datetime, *, category: str, priority: str
) -> tuple[datetime, datetime, bool]:
    """A new work order's 签收 and 办结 limits (and whether the latter is provisional), with
    the category's rule and the calendar read once."""
    limit = limit_for(category=category, priority=priority)
    calendar = workdays.current_calendar()
    sign = sign_due(
        dispatched_at, category=category, priority=priority, limit=limit, calendar=calendar
    )
    due, provisional = handling_due(
        dispatched_at, category=category, priority=priority, limit=limit, calendar=calendar
    )
    return sign, due, provisional


def extend_due(due_at: datetime, days: int) -> tuple[datetime, bool]:
    """``due_at`` moved by ``days`` working days (same time of day) and whether provisional."""
    local = _local(due_at)
    result = workdays.deadline(local.date(), days, workdays.TimeUnit.WORKING_DAY)
    return _at(result.due, local.timetz().replace(tzinfo=None)), result.provisional


def callback_due(closed_at: datetime, *, callback_days: int = 1) -> datetime:
    """回访 limit: the end of the next working day (or the rule's number of working days)."""
    local = _local(closed_at)
    return end_of_day(workdays.add_working_days(local.date(), max(callback_days, 1)))


def is_short_limit(*, category: str, priority: str) -> bool:
    """Limits counted in hours or within the day (due-soon means 2 working hours left)."""
    unit = limit_for(category=category, priority=priority).unit
    return unit in (LimitUnit.HOUR, LimitUnit.SAME_DAY)


# --- 督办: which notices an order has earned -------------------------------------------------


def supervision_kinds_due(
    *,
    status: str,
    sign_due_at: datetime,
    due_at: datetime,
    short_limit: bool,
    now: datetime,
) -> list[str]:
    """The supervision kinds an open order has earned at ``now`` (weakest first).

    SIGN_OVERDUE: still not signed after the sign-for limit. DUE_SOON: at most one working
    day left (two working hours for limits in hours or within the day). OVERDUE: past the
    limit. ESCALATED: overdue by more than one working day (to the department head).
    """
    from zhengwu.hotline.choices import OrderStatus

    kinds: list[str] = []
    local_now = _local(now)
    if status == OrderStatus.DISPATCHED and local_now > sign_due_at:
        kinds.append(SupervisionKind.SIGN_OVERDUE)
    if local_now > due_at:
        kinds.append(SupervisionKind.OVERDUE)
        late = workdays.working_days_between(_local(due_at).date(), local_now.date())
        if late > ESCALATE_AFTER_WORKING_DAYS:
            kinds.append(SupervisionKind.ESCALATED)
        return kinds
    if short_limit:
        if working_hours_between(local_now, due_at) <= DUE_SOON_WORKING_HOURS:
            kinds.insert(0, SupervisionKind.DUE_SOON)
    else:
        left = workdays.working_days_between(local_now.date(), _local(due_at).date())
        if left <= DUE_SOON_WORKING_DAYS:
            kinds.insert(0, SupervisionKind.DUE_SOON)
    return kinds


SUPERVISION_RANK = {
    "": 0,
    SupervisionKind.DUE_SOON: 1,
    SupervisionKind.SIGN_OVERDUE: 2,
    SupervisionKind.OVERDUE: 3,
    SupervisionKind.ESCALATED: 4,
}

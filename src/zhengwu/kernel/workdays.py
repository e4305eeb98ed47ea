"""Working days and deadlines on the platform calendar.

A working day (工作日) is Monday–Friday, minus statutory holidays and bridge days, plus the
adjusted working weekend days (调休上班日) — DOMAIN.md §4. The General Office of the State
Council publishes each year's schedule, so the exceptions live in the ``HolidayCalendar``
table (seeded from the ``chinese-calendar`` package, loaded from a file, or edited in the
admin) and nothing here hard-codes a lunar holiday.

Representation (the same invariant for the seed, file loading and the admin):

- a ``holiday`` row is a weekday (Mon–Fri) off: a statutory holiday or a bridge day;
- a ``workday`` row is a weekend day (Sat/Sun) on: an adjusted working day;
- weekend days inside a holiday period get no row: they are rest days anyway.

The arithmetic lives in :class:`Calendar`, a pure immutable value: tests, benchmarks and
batch jobs can build one without the database. :func:`current_calendar` builds it from the
tables and caches it per process; the cache is checked against a cheap version stamp of
``CalendarYear`` once per transaction (at most a second apart), so several processes never
disagree for longer than one transaction. Pass ``calendar=`` explicitly when computing many
deadlines in a loop.

Years without a loaded official schedule are still computed — on weekdays minus the
fixed-date statutory holidays (:func:`fixed_date_holidays`) — and every result that touched
such a year is marked provisional. Loading or editing a year emits the
``calendar.year_loaded`` event (:mod:`zhengwu.kernel.events`), whose handlers run after
commit and recompute the provisional deadlines they own.
"""

from __future__ import annotations

import bisect
import functools
import threading
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from zhengwu.kernel.actors import Actor
from zhengwu.kernel.errors import InvalidInput

__all__ = [
    "Calendar",
    "CalendarDay",
    "CalendarWarning",
    "Deadline",
    "TimeUnit",
    "add_natural_days",
    "add_working_days",
    "calendar_changed",
    "calendar_warnings",
    "current_calendar",
    "deadline",
    "fixed_date_holidays",
    "is_working_day",
    "merge_suspensions",
    "package_calendar_days",
    "package_years",
    "replace_year",
    "seed_from_package",
    "statutory_holiday_days",
    "working_days_between",
]

HOLIDAY = "holiday"
WORKDAY = "workday"


# --- statutory rules that do not depend on the yearly notice ----------------------------
def fixed_date_holidays(year: int) -> tuple[tuple[int, int, str], ...]:
    """The solar-calendar statutory holidays of ``year`` as (month, day, name).

    《全国年节及纪念日放假办法》: 国务院令第 270 号 (1999) gave 元旦 1 day, 劳动节 5/1–5/3,
    国庆节 10/1–10/3; 国务院令第 513 号 (2008) cut 劳动节 to 5/1; 国务院令第 795 号 (from
    2025) made it 5/1–5/2. The lunar holidays (春节, 清明, 端午, 中秋) move every year and are
    known only from the State Council's notice, so provisional years omit them.
    """
    new_year = ((1, 1, "元旦"),)
    national = ((10, 1, "国庆节"), (10, 2, "国庆节"), (10, 3, "国庆节"))
    if year >= 2025:
        labour: tuple[tuple[int, int, str], ...] = ((5, 1, "劳动节"), (5, 2, "劳动节"))
    elif year >= 2008:
        labour = ((5, 1, "劳动节"),)
    else:
        labour = ((5, 1, "劳动节"), (5, 2, "劳动节"), (5, 3, "劳动节"))
    return new_year + labour + national


@functools.cache
def _fixed_dates(year: int) -> frozenset[date]:
    return frozenset(date(year, m, d) for m, d, _ in fixed_date_holidays(year))


def statutory_holiday_days(year: int) -> int:
    """Statutory holiday days per year (13 from 2025, 11 from 2008, 10 before).

    Every statutory day that falls on a weekend is made up by a weekday off, so a normal
    year's schedule has exactly this many more weekday holidays than adjusted working days.
    """
    if year >= 2025:
        return 13
    if year >= 2008:
        return 11
    return 10


# --- calendar days, units and results ---------------------------------------------------
@dataclass(frozen=True)
class CalendarDay:
    """One exceptional day: a weekday ``holiday`` or a weekend ``workday``."""

    date: date
    kind: str
    name: str


class TimeUnit(StrEnum):
    """时限单位 of a limit (GB/T 39046 elements 法定/承诺办结时限 + 单位)."""

    WORKING_DAY = "working_day"  # 工作日 (行政许可法 art. 82)
    NATURAL_DAY = "natural_day"  # 自然日


_UNIT_ALIASES: dict[str, TimeUnit] = {
    "working_day": TimeUnit.WORKING_DAY,
    "working_days": TimeUnit.WORKING_DAY,
    "工作日": TimeUnit.WORKING_DAY,
    "natural_day": TimeUnit.NATURAL_DAY,
    "natural_days": TimeUnit.NATURAL_DAY,
    "自然日": TimeUnit.NATURAL_DAY,
}


def _unit(value: str | TimeUnit) -> TimeUnit:
    unit = _UNIT_ALIASES.get(str(value).strip().lower()) if isinstance(value, str) else None
    if unit is None:
        raise InvalidInput(
            f"时限单位 {value!r} 无效，应为 工作日 或 自然日",
            f"Unknown time-limit unit {value!r}: use working_day (工作日) or natural_day (自然日)",
            field="unit",
            code="deadline_unit",
        )
    return unit


@dataclass(frozen=True)
class Deadline:
    """A computed time limit. Never show ``due`` as final while ``provisional`` is true."""

    start: date
    limit: int
    unit: TimeUnit
    due: date
    provisional: bool
    provisional_years: tuple[int, ...]
    suspended_days: int  # natural days of suspension (特别程序) inside (start, due]


@dataclass(frozen=True)
class CalendarWarning:
    code: str
    year: int
    message: str
    message_en: str


Suspension = tuple[date, date]

_MIN_ORDINAL = date.min.toordinal()
_MAX_ORDINAL = date.max.toordinal()


def _out_of_range() -> InvalidInput:
    return InvalidInput(
        "计算结果超出可表示的日期范围",
        "The result is outside the supported date range",
        field="limit",
        code="deadline_out_of_range",
    )


def _check_count(n: int, field_name: str) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise InvalidInput(
            f"天数必须是不小于 0 的整数，收到 {n!r}",
            f"The number of days must be a whole number ≥ 0, got {n!r}",
            field=field_name,
            code="deadline_limit",
        )


# --- the pure calendar --------------------------------------------------------------------
@dataclass(frozen=True, eq=False)
class Calendar:
    """An immutable working-day calendar.

    ``holidays`` are dates off that would otherwise be worked (weekdays), ``workdays`` are
    dates worked that would otherwise be rest days (weekends), and ``loaded_years`` are the
    years whose official schedule these sets fully describe. For any other year the
    fixed-date statutory holidays are assumed and results are provisional.
    """

    holidays: frozenset[date] = frozenset()
    workdays: frozenset[date] = frozenset()
    loaded_years: frozenset[int] = frozenset()
    # Per-instance memo of each year's working days as sorted ordinals: computing a year
    # costs ~100 µs once; afterwards a deadline is a couple of binary searches.
    _years: dict[int, list[int]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def from_days(cls, days: Iterable[CalendarDay], loaded_years: Iterable[int]) -> Calendar:
        days = list(days)
        return cls(
            holidays=frozenset(d.date for d in days if d.kind == HOLIDAY),
            workdays=frozenset(d.date for d in days if d.kind == WORKDAY),
            loaded_years=frozenset(loaded_years),
        )

    @classmethod
    def from_package(cls, years: Iterable[int] | None = None) -> Calendar:
        """A calendar of the years the ``chinese-calendar`` package knows (no database)."""
        wanted = set(package_years()) if years is None else set(years)
        days = [d for d in package_calendar_days() if d.date.year in wanted]
        return cls.from_days(days, wanted & set(package_years()))

    # -- single days
    def is_loaded(self, year: int) -> bool:
        return year in self.loaded_years

    def is_working_day(self, day: date) -> bool:
        if day in self.holidays:
            return False
        if day in self.workdays:
            return True
        if day.weekday() >= 5:
            return False
        return day.year in self.loaded_years or day not in _fixed_dates(day.year)

    def _year(self, year: int) -> list[int]:
        days = self._years.get(year)
        if days is None:
            first = date(year, 1, 1).toordinal()
            last = date(year, 12, 31).toordinal()
            days = [o for o in range(first, last + 1) if self.is_working_day(date.fromordinal(o))]
            self._years[year] = days  # a racing thread computes the same list: harmless
        return days

    # -- arithmetic
    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after ``start`` (``start`` never counts; n=0 → start)."""
        _check_count(n, "limit")
        if n == 0:
            return start
        year = start.year
        days = self._year(year)
        index = bisect.bisect_right(days, start.toordinal())
        remaining = n
        while index + remaining > len(days):
            remaining -= len(days) - index
            year += 1
            if year > date.max.year:
                raise _out_of_range()
            days = self._year(year)
            index = 0
        return date.fromordinal(days[index + remaining - 1])

    def _count_upto(self, day: date) -> int:
        """Working days from 1 January of ``day``'s year up to and including ``day``."""
        return bisect.bisect_right(self._year(day.year), day.toordinal())

    def working_days_between(self, a: date, b: date) -> int:
        """Working days in the half-open interval (a, b]; negative when b < a.

        So ``working_days_between(s, add_working_days(s, n)) == n`` for every n ≥ 0.
        """
        if b < a:
            return -self.working_days_between(b, a)
        total = self._count_upto(b) - self._count_upto(a)
        for year in range(a.year, b.year):
            total += len(self._year(year))
        return total

    def provisional_years(self, first: date, last: date) -> tuple[int, ...]:
        """Years in [first, last] (by year) whose official schedule is not loaded."""
        lo, hi = min(first, last).year, max(first, last).year
        return tuple(y for y in range(lo, hi + 1) if y not in self.loaded_years)

    def deadline(
        self,
        start: date,
        limit: int,
        unit: str | TimeUnit = TimeUnit.WORKING_DAY,
        suspensions: Sequence[Suspension] = (),
        *,
        roll_forward: bool = False,
    ) -> Deadline:
        """The due date of a limit counted from ``start`` (the day of acceptance).

        Days inside ``suspensions`` (closed ranges) do not count — 行政许可法 art. 45:
        hearings, inspection, testing, expert review … are excluded from the limit — so the
        due date moves later by the working (or natural) days they swallowed. Overlapping
        and adjacent suspensions are merged first.

        ``roll_forward`` applies 民法典 art. 203 to natural-day limits: when the last day is
        a rest day, the limit ends on the next working day. Working-day limits never end on
        a rest day, so the flag changes nothing for them.
        """
        unit = _unit(unit)
        _check_count(limit, "limit")
        merged = merge_suspensions(suspensions)
        working = unit is TimeUnit.WORKING_DAY
        try:
            due = self._count_with_suspensions(start, limit, merged, working=working)
            touched_from = start
            if not working and roll_forward and not self.is_working_day(due):
                touched_from = due
                due = self.add_working_days(due, 1)
        except OverflowError as exc:
            raise _out_of_range() from exc
        if working or touched_from != start:
            provisional = self.provisional_years(touched_from, due)
        else:
            provisional = ()  # natural days do not depend on the holiday schedule
        suspended = 0
        first_counted = start + timedelta(days=1)
        for frm, to in merged:
            lo, hi = max(frm, first_counted), min(to, due)
            if lo <= hi:
                suspended += (hi - lo).days + 1
        return Deadline(
            start=start,
            limit=limit,
            unit=unit,
            due=due,
            provisional=bool(provisional),
            provisional_years=provisional,
            suspended_days=suspended,
        )

    def _count_with_suspensions(
        self, start: date, n: int, merged: list[Suspension], *, working: bool
    ) -> date:
        # Walk the suspensions in order: count the days available before each one; if the
        # limit is reached there, done; otherwise skip to the end of the suspension.
        def add(day: date, k: int) -> date:
            return self.add_working_days(day, k) if working else day + timedelta(days=k)

        def between(a: date, b: date) -> int:
            return self.working_days_between(a, b) if working else (b - a).days

        if n == 0:
            return start
        position, remaining = start, n
        for frm, to in merged:
            if to <= position:
                continue
            frm = max(frm, position + timedelta(days=1))
            available = between(position, frm - timedelta(days=1))
            if available >= remaining:
                return add(position, remaining)
            remaining -= available
            position = to
        return add(position, remaining)


def merge_suspensions(suspensions: Sequence[Suspension]) -> list[Suspension]:
    """Validate closed date ranges and merge overlapping or adjacent ones, sorted."""
    ranges: list[Suspension] = []
    for index, item in enumerate(suspensions):
        frm: object
        to: object
        try:
            frm, to = item
        except (TypeError, ValueError):
            frm = to = None
        if not isinstance(frm, date) or not isinstance(to, date):
            raise InvalidInput(
                "中止时段应为 (开始日期, 结束日期)",
                "A suspension must be a (from, to) pair of dates",
                field=f"suspensions.{index}",
                code="suspension_format",
            )
        if frm > to:
            raise InvalidInput(
                f"中止时段开始日期 {frm} 晚于结束日期 {to}",
                f"The suspension starts ({frm}) after it ends ({to})",
                field=f"suspensions.{index}",
                code="suspension_order",
            )
        ranges.append((frm, to))
    ranges.sort()
    merged: list[Suspension] = []
    for frm, to in ranges:
        if merged and frm <= merged[-1][1] + timedelta(days=1):
            if to > merged[-1][1]:
                merged[-1] = (merged[-1][0], to)
        else:
            merged.append((frm, to))
    return merged


# --- the chinese-calendar package ----------------------------------------------------------
def package_years() -> tuple[int, ...]:
    """Years whose schedule the installed ``chinese-calendar`` package knows."""
    from chinese_calendar import constants

    return tuple(sorted({d.year for d in constants.holidays}))


def _chinese_name(english: str) -> str:
    from chinese_calendar.constants import Holiday

    try:
        return str(Holiday(english).chinese)
    except ValueError:
        return english


def package_calendar_days() -> Iterator[CalendarDay]:
    """The package's exceptions in this module's representation.

    ``chinese_calendar.holidays`` lists every rest day of a holiday period, weekends
    included, and ``in_lieu_days`` (bridge days) are a subset of it; ``workdays`` lists the
    adjusted working weekend days. Only weekday holidays and weekend workdays become rows.
    """
    from chinese_calendar import constants

    for day, english in sorted(constants.holidays.items()):
        if day.weekday() < 5:
            yield CalendarDay(day, HOLIDAY, _chinese_name(english))
    for day, english in sorted(constants.workdays.items()):
        if day.weekday() >= 5:
            yield CalendarDay(day, WORKDAY, f"{_chinese_name(english)}调休上班")


# --- the database-backed calendar -----------------------------------------------------------
@dataclass(frozen=True)
class _Snapshot:
    stamp: tuple[Any, ...]
    calendar: Calendar


# Per-process cache, always validated against the database stamp before use (so it is a
# cache, not state: every process sees a newly loaded year on its next call).
_snapshot_lock = threading.Lock()
_snapshot: _Snapshot | None = None
# Per thread (Django's connections are): (atomic block, snapshot, when) last validated inside
# that block. A deadline computed twice in one transaction — acceptance computes three — checks
# the stamp once; a new transaction, or a savepoint inside one, checks again. The time bound
# covers an ``Atomic`` object entered again for another transaction (``@transaction.atomic``
# on a function enters the same object on every call).
_validated = threading.local()
_VALIDATED_FOR = 1.0  # seconds


def _current_block() -> Any:
    from django.db import connection

    blocks = connection.atomic_blocks
    return blocks[-1] if connection.in_atomic_block and blocks else None


def _stamp() -> tuple[Any, ...]:
    """(loaded years, last load time, sum of the years): changes whenever a year is loaded,
    reloaded or removed. A fixed statement (kernel.fastread): every deadline computation runs
    it, and the ORM would compile the aggregate anew each time."""
    from zhengwu.kernel.fastread import fetch_one, quote, quoted_column
    from zhengwu.kernel.models import CalendarYear

    loaded_at = quoted_column(CalendarYear, "loaded_at")
    year = quoted_column(CalendarYear, "year")
    table = quote(CalendarYear._meta.db_table)
    row = fetch_one(f"SELECT COUNT(*), MAX({loaded_at}), SUM({year}) FROM {table}", [])  # noqa: S608
    return tuple(row) if row is not None else ()


def current_calendar() -> Calendar:
    """The platform calendar from the tables (cached; one aggregate query to validate, once
    per transaction block).

    Rows of a year are used once the year is declared loaded (a ``CalendarYear`` row):
    until then the year is provisional, and every write path for a loaded year touches its
    ``CalendarYear.loaded_at`` (see :func:`calendar_changed`), which changes the stamp.
    """
    global _snapshot
    from zhengwu.kernel.models import CalendarYear, HolidayCalendar

    block = _current_block()
    snapshot = _snapshot
    memo = getattr(_validated, "memo", None)
    if (
        snapshot is not None
        and block is not None
        and memo is not None
        and memo[0] is block
        and memo[1] is snapshot
        and time.monotonic() - memo[2] < _VALIDATED_FOR
    ):
        return snapshot.calendar  # already checked in this transaction (see calendar_changed)
    stamp = _stamp()
    if snapshot is not None and snapshot.stamp == stamp:
        _validated.memo = (block, snapshot, time.monotonic()) if block is not None else None
        return snapshot.calendar
    with _snapshot_lock:
        years = frozenset(CalendarYear.objects.values_list("year", flat=True))
        rows = HolidayCalendar.objects.filter(year__in=years).values_list("date", "kind")
        holidays: set[date] = set()
        workdays: set[date] = set()
        for day, kind in rows:
            (holidays if kind == HOLIDAY else workdays).add(day)
        calendar = Calendar(frozenset(holidays), frozenset(workdays), years)
        # Cache only if nothing committed while we read, else the next call rebuilds.
        _snapshot = _Snapshot(stamp, calendar) if _stamp() == stamp else None
        valid = block is not None and _snapshot is not None
        _validated.memo = (block, _snapshot, time.monotonic()) if valid else None
    return calendar


def _calendar(calendar: Calendar | None) -> Calendar:
    return calendar if calendar is not None else current_calendar()


def is_working_day(day: date, *, calendar: Calendar | None = None) -> bool:
    return _calendar(calendar).is_working_day(day)


def add_working_days(start: date, n: int, *, calendar: Calendar | None = None) -> date:
    """The n-th working day after ``start``; ``start`` never counts and n=0 returns it.

    Use :func:`deadline` when the result is shown to anyone: it also says whether the
    date is provisional.
    """
    return _calendar(calendar).add_working_days(start, n)


def add_natural_days(start: date, n: int) -> date:
    """``start`` + n calendar days (自然日)."""
    _check_count(n, "limit")
    try:
        return start + timedelta(days=n)
    except OverflowError as exc:
        raise _out_of_range() from exc


def working_days_between(a: date, b: date, *, calendar: Calendar | None = None) -> int:
    """Working days in (a, b]: ``a`` excluded, ``b`` included; negative when b < a."""
    return _calendar(calendar).working_days_between(a, b)


def deadline(
    start: date,
    limit: int,
    unit: str | TimeUnit = TimeUnit.WORKING_DAY,
    suspensions: Sequence[Suspension] = (),
    *,
    roll_forward: bool = False,
    calendar: Calendar | None = None,
) -> Deadline:
    """See :meth:`Calendar.deadline`."""
    return _calendar(calendar).deadline(start, limit, unit, suspensions, roll_forward=roll_forward)


# --- "calendar year loaded" notifications ---------------------------------------------------
def calendar_changed(year: int) -> None:
    """Record that ``year``'s calendar changed: bump the cache stamp and emit the
    ``calendar.year_loaded`` event (its handlers, listed in :mod:`zhengwu.kernel.events`,
    run after commit and recompute provisional deadlines). Call inside the transaction
    that changed the rows."""
    from django.utils import timezone

    from zhengwu.kernel.events import emit
    from zhengwu.kernel.models import CalendarYear

    CalendarYear.objects.filter(year=year).update(loaded_at=timezone.now())
    _validated.memo = None  # this transaction's next deadline sees the change
    emit("calendar.year_loaded", year=year)


def replace_year(
    year: int,
    days: Iterable[CalendarDay],
    *,
    source: str,
    note: str = "",
    actor: Actor | None = None,
) -> None:
    """Atomically replace ``year``'s rows and mark the year loaded from ``source`` (audited)."""
    from django.db import transaction
    from django.db.models import Q

    from zhengwu.kernel.actors import SYSTEM
    from zhengwu.kernel.audit import audit_record
    from zhengwu.kernel.models import CalendarYear, HolidayCalendar

    days = list(days)
    with transaction.atomic():
        audit_record(
            action="calendar.year_replaced",
            object_type="kernel.calendaryear",
            object_id=str(year),
            actor=actor or SYSTEM,
            after={
                "source": source,
                "note": note[:200],
                "holidays": sum(1 for d in days if d.kind == HOLIDAY),
                "workdays": sum(1 for d in days if d.kind != HOLIDAY),
            },
        )
        HolidayCalendar.objects.filter(Q(year=year) | Q(date__year=year)).delete()
        HolidayCalendar.objects.bulk_create(
            HolidayCalendar(date=d.date, kind=d.kind, name=d.name[:64], year=year) for d in days
        )
        CalendarYear.objects.update_or_create(
            year=year, defaults={"source": source, "note": note[:200]}
        )
        calendar_changed(year)


def seed_from_package(*, years: Iterable[int] | None = None, force: bool = False) -> list[int]:
    """Load every year ``chinese-calendar`` knows (or ``years``); returns the years written.

    Idempotent: a year whose rows already equal the package's is left untouched, and a
    year loaded from a file or entered by an administrator is kept unless ``force`` —
    their corrections win over the package.
    """
    from zhengwu.kernel.models import CalendarYear, CalendarYearSource, HolidayCalendar

    known = package_years()
    wanted = known if years is None else tuple(sorted(set(years)))
    unknown = [y for y in wanted if y not in known]
    if unknown:
        raise InvalidInput(
            f"chinese-calendar 软件包不含 {unknown} 年的日历（已知 {known[0]}–{known[-1]}）",
            f"The chinese-calendar package does not know {unknown} "
            f"(it knows {known[0]}-{known[-1]})",
            field="year",
            code="calendar_year_unknown",
        )
    by_year: dict[int, list[CalendarDay]] = {y: [] for y in wanted}
    for day in package_calendar_days():
        if day.date.year in by_year:
            by_year[day.date.year].append(day)
    existing = {cy.year: cy.source for cy in CalendarYear.objects.filter(year__in=wanted)}
    written = []
    for year in wanted:
        source = existing.get(year)
        if source is not None and source != CalendarYearSource.PACKAGE and not force:
            continue
        if source == CalendarYearSource.PACKAGE:
            current = set(
                HolidayCalendar.objects.filter(year=year).values_list("date", "kind", "name")
            )
            if current == {(d.date, d.kind, d.name) for d in by_year[year]}:
                continue
        replace_year(
            year,
            by_year[year],
            source=CalendarYearSource.PACKAGE,
            note=f"chinese-calendar {_package_version()}",
        )
        written.append(year)
    return written


def _package_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("chinesecalendar")
    except PackageNotFoundError:
        return "?"


def calendar_warnings(today: date, *, calendar: Calendar | None = None) -> list[CalendarWarning]:
    """Warnings for administrators about missing years (shown on the workbench).

    The State Council publishes next year's schedule in October–November, so from
    1 October a missing next year is flagged; a missing current year always is.
    """
    loaded = _calendar(calendar).loaded_years
    warnings = []
    if today.year not in loaded:
        warnings.append(
            CalendarWarning(
                code="calendar_current_year_missing",
                year=today.year,
                message=f"本年度（{today.year} 年）节假日安排尚未载入，"
                "期限按暂定规则计算，请尽快导入。",
                message_en=f"This year's ({today.year}) holiday schedule is not loaded: "
                "deadlines are provisional until it is imported.",
            )
        )
    if today.month >= 10 and today.year + 1 not in loaded:
        nxt = today.year + 1
        warnings.append(
            CalendarWarning(
                code="calendar_next_year_missing",
                year=nxt,
                message=f"{nxt} 年节假日安排尚未载入。国务院办公厅公布后请导入，"
                f"在此之前跨入 {nxt} 年的期限均为暂定。",
                message_en=f"The {nxt} holiday schedule is not loaded. Import it once the State "
                f"Council publishes it; deadlines reaching into {nxt} are provisional until then.",
            )
        )
    return warnings

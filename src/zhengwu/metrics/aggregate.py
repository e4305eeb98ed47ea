"""Computing the indicator aggregates: the incremental refresh and the full rebuild.

Every event counter of :class:`~zhengwu.metrics.models.DailyAggregate` belongs to one fixed
day of its record, in the cell (handling/responsible department, street, item):

=================== =============================== ==========================================
counter             day                             counted from
=================== =============================== ==========================================
applied             case submitted (提交)           cases (bundle parents left out: their
                                                    member cases are counted)
applied_online      case submitted                  of those, channel portal or API
open_overdue        case submitted                  of those, still open and past the promised
                                                    due date (as of the refresh)
concluded           case concluded (办结)           cases concluded (status 已办结, or 已撤销
                                                    after conclusion)
fully_online        case concluded                  applied online, no paper material
                                                    received, result not collected at a window
visits              case concluded                  跑动次数: 1 for applying in person (window,
                                                    kiosk) + 1 for paper materials brought for
                                                    an online or postal application + 1 for
                                                    collecting the result at a window
zero_visit          case concluded                  concluded cases with 0 visits
timed / on_time     case concluded                  concluded with a promised due date / and
                                                    concluded on or before it
licence_free        case concluded                  concluded cases in which at least one
                                                    material was satisfied by an e-licence
                                                    (免证办: a licences ExemptionUse row)
reviews             review given (rated_at)         好差评 reviews of cases, windows and online
                                                    services (hotline callbacks left out: they
                                                    are the hotline's satisfaction)
satisfied / bad     review given                    levels 1–3 / levels 4–5 (current level)
bad_invalid         review given                    bad reviews closed as invalid (approved)
bad_closed          review given                    bad reviews whose rectification is closed
tickets_closed      ticket received                 12345 tickets now closed
tickets_on_time     ticket received                 of those, closed within their limit
callbacks           ticket received                 callbacks that reached the caller
callbacks_satisfied ticket received                 of those, satisfied or basically satisfied
=================== =============================== ==========================================

A case's street is the street of the receiving venue's department (a street or community
centre), else of the handling department when that is a street office, else none (district
level). The incremental refresh recomputes the days of every case, review, rectification,
ticket and callback changed since its watermark (less a small overlap for transactions that
committed late), plus the submitted days of open cases whose promised due date has passed
since the last refresh (they become overdue without their row changing); then the monthly
rollups of the months touched and the snapshots of the current month. :func:`rebuild`
recomputes everything with the same functions, so the two agree.

The monthly snapshot also counts the common e-licences (licence types marked ``common``):
``licences_common`` — recorded on the platform before the end of the month (now, for the
current month), valid at that moment (status 有效, or changed only after it; within their
dates); ``licences_common_mobile`` — of those, viewed at least once on the ``mobile``
channel (亮证 on a phone) by then. Per issuing department and for the district.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Case as SqlCase
from django.db.models import (
    CharField,
    Count,
    Exists,
    F,
    Max,
    Min,
    OuterRef,
    Q,
    Sum,
    Value,
    When,
)
from django.db.models.functions import Coalesce, TruncDate
from django.utils import timezone

from zhengwu.accounts.choices import CertificateStatus, StaffRole
from zhengwu.accounts.models import StaffProfile, WindowClerkCertificate
from zhengwu.cases.choices import (
    ONLINE_CHANNELS,
    OPEN_STATUSES,
    CaseKind,
    CaseStatus,
    Channel,
    DeliveryMethod,
    MaterialSource,
)
from zhengwu.cases.models import Case, CaseMaterial, Delivery
from zhengwu.catalog.choices import CaseType, ChangeKind, LimitUnit, VersionStatus
from zhengwu.catalog.models import ItemVersion
from zhengwu.catalog.quality import check_version
from zhengwu.hotline.choices import CallbackResult, TicketStatus
from zhengwu.hotline.models import Callback, Ticket
from zhengwu.licences.choices import LicenceStatus, ViewChannel
from zhengwu.licences.models import ExemptionUse, Licence, LicenceView
from zhengwu.metrics.models import (
    EVENT_COUNTERS,
    SNAPSHOT_COUNTERS,
    DailyAggregate,
    MonthlyRollup,
    MonthlySnapshot,
    RefreshState,
    ScopeKind,
)
from zhengwu.org.choices import AdministrativeLevel
from zhengwu.ratings.choices import RectificationStatus, SubjectType
from zhengwu.ratings.models import Rectification, Review

STATE_NAME = "aggregates"
# Rows saved shortly before a refresh may commit after it has read: look back this far.
WATERMARK_OVERLAP = timedelta(minutes=5)
REBUILD_CHUNK_DAYS = 31
_PG_LOCK_KEY = 7_061_106  # pg_advisory_xact_lock key serialising refresh and rebuild

IN_PERSON = (Channel.WINDOW, Channel.KIOSK)
CONCLUDED_STATUSES = (CaseStatus.CONCLUDED, CaseStatus.REVOKED)
REACHED = (CallbackResult.SATISFIED, CallbackResult.BASICALLY, CallbackResult.NOT_SATISFIED)
PLEASED = (CallbackResult.SATISFIED, CallbackResult.BASICALLY)
CATALOG_STATUSES = (VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED, VersionStatus.WITHDRAWN)

Cell = tuple[date, int, str, str]  # day, department id (0 none), street code, item code


# --- time helpers ------------------------------------------------------------------------------


def _tz() -> Any:
    return timezone.get_current_timezone()


def start_of(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time.min), _tz())


def _local_day(moment: datetime) -> date:
    return timezone.localtime(moment, _tz()).date()


def month_of(day: date) -> date:
    return day.replace(day=1)


def next_month(month: date) -> date:
    return (month.replace(day=28) + timedelta(days=4)).replace(day=1)


def _ranges(days: Iterable[date]) -> list[tuple[date, date]]:
    """Contiguous runs of ``days`` as (first, last) pairs, in order."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _months(first: date, last: date) -> list[date]:
    months, month = [], month_of(first)
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def _street_of(prefix: str) -> SqlCase:
    """The street code of a department's region (street level, or a community's parent)."""
    return SqlCase(
        When(**{f"{prefix}region__level": AdministrativeLevel.STREET},
             then=F(f"{prefix}region__code")),
        When(**{f"{prefix}region__level": AdministrativeLevel.COMMUNITY},
             then=F(f"{prefix}region__parent__code")),
        default=Value(""),
        output_field=CharField(),
    )  # fmt: skip


def case_street() -> SqlCase:
    """Receiving venue's street, else the handling department's street, else none."""
    return SqlCase(
        When(receiving_department__region__level=AdministrativeLevel.STREET,
             then=F("receiving_department__region__code")),
        When(receiving_department__region__level=AdministrativeLevel.COMMUNITY,
             then=F("receiving_department__region__parent__code")),
        When(department__region__level=AdministrativeLevel.STREET,
             then=F("department__region__code")),
        When(department__region__level=AdministrativeLevel.COMMUNITY,
             then=F("department__region__parent__code")),
        default=Value(""),
        output_field=CharField(),
    )  # fmt: skip


# --- the daily event counters ------------------------------------------------------------------


def counted_cases() -> Any:
    return Case.objects.exclude(kind=CaseKind.BUNDLE).exclude(submitted_at__isnull=True)


def compute_days(first: date, last: date, *, today: date) -> dict[Cell, Counter[str]]:
    """The DailyAggregate cells of ``first``…``last`` (inclusive), as of ``today``."""
    tz = _tz()
    start, end = start_of(first), start_of(last + timedelta(days=1))
    cells: dict[Cell, Counter[str]] = defaultdict(Counter)

    def add(
        row: Mapping[str, Any], dept: str, street: str, item: str, names: Iterable[str]
    ) -> None:
        cell = (row["d"], row[dept] or 0, row[street] or "", row[item] or "")
        for name in names:
            cells[cell][name] += row[name]

    applied = (
        counted_cases()
        .filter(submitted_at__gte=start, submitted_at__lt=end)
        .annotate(d=TruncDate("submitted_at", tzinfo=tz), street=case_street())
        .values("d", "department_id", "street", "implementation_code")
        .annotate(
            applied=Count("id"),
            applied_online=Count("id", filter=Q(channel__in=ONLINE_CHANNELS)),
            open_overdue=Count("id", filter=Q(status__in=OPEN_STATUSES, promised_due__lt=today)),
        )
        .order_by()
    )
    names: tuple[str, ...] = ("applied", "applied_online", "open_overdue")
    for row in applied:
        add(row, "department_id", "street", "implementation_code", names)

    in_person = Q(channel__in=IN_PERSON)
    concluded = (
        counted_cases()
        .filter(status__in=CONCLUDED_STATUSES, concluded_at__gte=start, concluded_at__lt=end)
        .annotate(
            d=TruncDate("concluded_at", tzinfo=tz),
            street=case_street(),
            paper=Exists(
                CaseMaterial.objects.filter(case=OuterRef("pk"), source=MaterialSource.PAPER)
            ),
            collect=Exists(
                Delivery.objects.filter(case=OuterRef("pk"), method=DeliveryMethod.WINDOW)
            ),
            exempt=Exists(ExemptionUse.objects.filter(case=OuterRef("pk"))),
        )
        .values("d", "department_id", "street", "implementation_code")
        .annotate(
            concluded=Count("id"),
            in_person=Count("id", filter=in_person),
            paper_extra=Count("id", filter=~in_person & Q(paper=True)),
            collected=Count("id", filter=Q(collect=True)),
            zero_visit=Count("id", filter=~in_person & Q(paper=False, collect=False)),
            fully_online=Count(
                "id", filter=Q(channel__in=ONLINE_CHANNELS, paper=False, collect=False)
            ),
            timed=Count("id", filter=Q(promised_due__isnull=False)),
            on_time=Count("id", filter=Q(promised_due__isnull=False, d__lte=F("promised_due"))),
            licence_free=Count("id", filter=Q(exempt=True)),
        )
        .order_by()
    )
    for row in concluded:
        row["visits"] = row["in_person"] + row["paper_extra"] + row["collected"]
        names = (
            "concluded",
            "fully_online",
            "visits",
            "zero_visit",
            "timed",
            "on_time",
            "licence_free",
        )
        add(row, "department_id", "street", "implementation_code", names)

    bad = Q(level__gte=4)
    reviews = (
        Review.objects.filter(rated_at__gte=start, rated_at__lt=end)
        .exclude(subject_type=SubjectType.TICKET)
        .annotate(d=TruncDate("rated_at", tzinfo=tz))
        .values("d", "department_id", "street_code", "item_code")
        .annotate(
            reviews=Count("id"),
            satisfied=Count("id", filter=Q(level__lte=3)),
            bad=Count("id", filter=bad),
            bad_invalid=Count(
                "id",
                filter=bad & Q(rectification__status=RectificationStatus.CLOSED_INVALID),
            ),
            bad_closed=Count(
                "id", filter=bad & Q(rectification__status=RectificationStatus.CLOSED)
            ),
        )
        .order_by()
    )
    names = ("reviews", "satisfied", "bad", "bad_invalid", "bad_closed")
    for row in reviews:
        add(row, "department_id", "street_code", "item_code", names)

    closed = Q(status=TicketStatus.CLOSED)
    tickets = (
        Ticket.objects.filter(received_at__gte=start, received_at__lt=end)
        .annotate(d=TruncDate("received_at", tzinfo=tz), street_code=F("street__code"),
                  item=Value("", output_field=CharField()))
        .values("d", "department_id", "street_code", "item")
        .annotate(
            tickets_closed=Count("id", filter=closed),
            tickets_on_time=Count("id", filter=closed & Q(closed_on_time=True)),
        )
        .order_by()
    )  # fmt: skip
    for row in tickets:
        add(row, "department_id", "street_code", "item", ("tickets_closed", "tickets_on_time"))
    callbacks = (
        Callback.objects.filter(
            ticket__received_at__gte=start, ticket__received_at__lt=end, result__in=REACHED
        )
        .annotate(d=TruncDate("ticket__received_at", tzinfo=tz),
                  street_code=F("ticket__street__code"),
                  item=Value("", output_field=CharField()))
        .values("d", "ticket__department_id", "street_code", "item")
        .annotate(callbacks=Count("id"),
                  callbacks_satisfied=Count("id", filter=Q(result__in=PLEASED)))
        .order_by()
    )  # fmt: skip
    for row in callbacks:
        add(row, "ticket__department_id", "street_code", "item",
            ("callbacks", "callbacks_satisfied"))  # fmt: skip
    return cells


def _write_days(first: date, last: date, *, today: date, now: datetime) -> int:
    cells = compute_days(first, last, today=today)
    DailyAggregate.objects.filter(day__gte=first, day__lte=last).delete()
    rows = [
        DailyAggregate(
            day=day,
            month=month_of(day),
            department_id=department_id,
            street_code=street,
            item_code=item,
            refreshed_at=now,
            **{name: counts[name] for name in EVENT_COUNTERS},
        )
        for (day, department_id, street, item), counts in cells.items()
        if any(counts.values())
    ]
    DailyAggregate.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


# --- monthly rollups ---------------------------------------------------------------------------


def _write_rollups(month: date, now: datetime) -> int:
    """Replace the rollups of ``month`` with sums of its daily rows, per scope."""
    MonthlyRollup.objects.filter(month=month).delete()
    daily = DailyAggregate.objects.filter(month=month)
    sums = {name: Sum(name) for name in EVENT_COUNTERS}
    rows: list[MonthlyRollup] = []

    def emit(kind: str, key: str, values: dict[str, Any]) -> None:
        counts = {name: values.get(name) or 0 for name in EVENT_COUNTERS}
        if any(counts.values()):
            rows.append(
                MonthlyRollup(month=month, scope_kind=kind, scope_key=key, refreshed_at=now,
                              **counts)
            )  # fmt: skip

    emit(ScopeKind.DISTRICT, "", daily.aggregate(**sums))
    groups = (
        (ScopeKind.STREET, "street_code", daily.exclude(street_code="")),
        (ScopeKind.DEPARTMENT, "department_id", daily.exclude(department_id=0)),
        (ScopeKind.ITEM, "item_code", daily.exclude(item_code="")),
    )
    for kind, column, qs in groups:
        grouped: Any = qs.values(column).annotate(**sums).order_by()
        for row in grouped:
            emit(kind, str(row[column]), row)
    MonthlyRollup.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


# --- monthly snapshots (catalogue in force, window staff) ---------------------------------------


def _versions_in_force(at: datetime) -> list[ItemVersion]:
    return list(
        ItemVersion.objects.annotate(in_force_from=Coalesce("effective_from", "published_at"))
        .filter(status__in=CATALOG_STATUSES, in_force_from__lte=at)
        .filter(Q(superseded_at__isnull=True) | Q(superseded_at__gt=at))
        .exclude(change_kind=ChangeKind.WITHDRAW)
        .select_related("item", "department__region__parent")
        .prefetch_related("materials")
        .order_by("implementation_code")
    )


def _department_street(department: Any) -> str:
    region = department.region if department is not None else None
    if region is None:
        return ""
    if region.level == AdministrativeLevel.STREET:
        return region.code
    if region.level == AdministrativeLevel.COMMUNITY and region.parent is not None:
        return region.parent.code
    return ""


def _staff_counts(today: date) -> list[tuple[int, str, int, int]]:
    """(department, street, window clerks, certified) of the active window clerks now."""
    valid = WindowClerkCertificate.objects.filter(
        staff=OuterRef("pk"),
        status=CertificateStatus.VALID,
        issued_on__lte=today,
        expires_on__gte=today,
    )
    clerks = (
        StaffProfile.objects.filter(
            active=True, user__is_active=True, role_grants__role=StaffRole.WINDOW_CLERK
        )
        .annotate(certified=Exists(valid))
        .select_related("department__region__parent")
        .distinct()
    )
    counts: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    for staff in clerks:
        key = (staff.department_id, _department_street(staff.department))
        counts[key][0] += 1
        counts[key][1] += int(staff.certified)
    return [(d, s, n, c) for (d, s), (n, c) in counts.items()]


def _licence_counts(at: datetime) -> list[tuple[int, int, int]]:
    """(issuing department, common licences valid at ``at``, of those viewed on a phone)."""
    day = _local_day(at)
    valid_then = Q(status=LicenceStatus.VALID) | Q(status_changed_at__gte=at)
    rows = (
        Licence.objects.filter(licence_type__common=True, created_at__lt=at, valid_from__lte=day)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=day))
        .filter(valid_then)
        .annotate(
            mobile=Exists(
                LicenceView.objects.filter(
                    licence=OuterRef("pk"), channel=ViewChannel.MOBILE, at__lt=at
                )
            )
        )
        .values("issuer_department_id")
        .annotate(n=Count("id"), m=Count("id", filter=Q(mobile=True)))
        .order_by()
    )
    return [(r["issuer_department_id"] or 0, r["n"], r["m"]) for r in rows]


def _write_snapshot(
    month: date,
    *,
    now: datetime,
    with_staff: bool,
    scores: dict[int, int] | None = None,
) -> int:
    """Replace the snapshot rows of ``month``: the catalogue in force at the month's end (or
    now, for the current month) and, when ``with_staff``, the window staff now; otherwise the
    staff counts recorded earlier for that month are kept (the staff tables have no history)."""
    scores = {} if scores is None else scores
    end = start_of(next_month(month))
    at = min(end, now)
    acc: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    labels: dict[tuple[str, str], tuple[int, str]] = {}

    def scopes(department_id: int, street: str) -> list[tuple[str, str]]:
        keys = [(ScopeKind.DISTRICT.value, "")]
        if street:
            keys.append((ScopeKind.STREET.value, street))
        if department_id:
            keys.append((ScopeKind.DEPARTMENT.value, str(department_id)))
        return keys

    for version in _versions_in_force(at):
        if version.pk not in scores:
            scores[version.pk] = check_version(version).score
        counts: Counter[str] = Counter(items=1, guide_score_sum=scores[version.pk])
        counts["items_online"] = int(version.online_handling)
        counts["items_immediate"] = int(version.case_type == CaseType.IMMEDIATE)
        working = LimitUnit.WORKING_DAY
        if (
            version.statutory_limit_unit == working
            and version.promised_limit_unit == working
            and version.statutory_limit > 0
        ):
            counts["limit_items"] = 1
            counts["statutory_days"] = version.statutory_limit
            counts["promised_days"] = version.promised_limit
        counts["items_negative"] = int(version.hall_negative_list)
        counts["items_in_hall"] = int(version.in_hall and not version.hall_negative_list)
        street = _department_street(version.department)
        item_key = (ScopeKind.ITEM.value, version.implementation_code)
        for key in [*scopes(version.department_id, street), item_key]:
            acc[key].update(counts)
        labels[item_key] = (version.department_id, version.name)

    for department_id, common, mobile in _licence_counts(at):
        for key in scopes(department_id, ""):
            acc[key]["licences_common"] += common
            acc[key]["licences_common_mobile"] += mobile

    kept: dict[tuple[str, str], tuple[int, int]] = {}
    if with_staff:
        for department_id, street, clerks, certified in _staff_counts(_local_day(now)):
            for key in scopes(department_id, street):
                acc[key]["window_clerks"] += clerks
                acc[key]["window_clerks_certified"] += certified
    else:
        for row in MonthlySnapshot.objects.filter(month=month, staff_recorded=True):
            kept[(row.scope_kind, row.scope_key)] = (row.window_clerks, row.window_clerks_certified)
        for key, (clerks, certified) in kept.items():
            acc[key]["window_clerks"] += clerks
            acc[key]["window_clerks_certified"] += certified
    recorded = with_staff or bool(kept)
    MonthlySnapshot.objects.filter(month=month).delete()
    rows = [
        MonthlySnapshot(
            month=month,
            scope_kind=kind,
            scope_key=key,
            department_id=labels.get((kind, key), (0, ""))[0],
            label=labels.get((kind, key), (0, ""))[1][:200],
            staff_recorded=recorded and kind != ScopeKind.ITEM,
            refreshed_at=now,
            **{name: counts[name] for name in SNAPSHOT_COUNTERS},
        )
        for (kind, key), counts in acc.items()
    ]
    if not any(r.scope_kind == ScopeKind.DISTRICT for r in rows):
        rows.append(
            MonthlySnapshot(month=month, scope_kind=ScopeKind.DISTRICT, scope_key="",
                            staff_recorded=recorded, refreshed_at=now)
        )  # fmt: skip
    MonthlySnapshot.objects.bulk_create(rows, batch_size=2000)
    return len(rows)


# --- refresh and rebuild -----------------------------------------------------------------------


@dataclass(frozen=True)
class RefreshResult:
    days: tuple[date, ...]
    months: tuple[date, ...]
    daily_rows: int
    rebuilt: bool = False

    def as_dict(self) -> dict[str, Any]:
        return {
            "days": len(self.days),
            "first_day": self.days[0].isoformat() if self.days else None,
            "last_day": self.days[-1].isoformat() if self.days else None,
            "months": [m.strftime("%Y-%m") for m in self.months],
            "daily_rows": self.daily_rows,
            "rebuilt": self.rebuilt,
        }


def _lock() -> None:
    """Serialise refreshes and rebuilds (SQLite serialises writers by itself)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_PG_LOCK_KEY])


def _days_of(qs: Any, field: str) -> set[date]:
    return {
        d
        for d in qs.annotate(_d=TruncDate(field, tzinfo=_tz()))
        .values_list("_d", flat=True)
        .order_by()
        .distinct()
        if d is not None
    }


def changed_days(since: datetime, *, last_today: date, today: date) -> set[date]:
    """Days whose counters may have changed since ``since`` (see the module docstring)."""
    cases = counted_cases().filter(updated_at__gte=since)
    days = _days_of(cases, "submitted_at")
    days |= _days_of(cases.filter(concluded_at__isnull=False), "concluded_at")
    # Open cases that passed their promised due date since the last refresh.
    crossed = counted_cases().filter(
        status__in=OPEN_STATUSES,
        promised_due__gte=last_today - timedelta(days=1),
        promised_due__lt=today,
    )
    days |= _days_of(crossed, "submitted_at")
    days |= _days_of(Review.objects.filter(updated_at__gte=since), "rated_at")
    days |= _days_of(Rectification.objects.filter(updated_at__gte=since), "review__rated_at")
    days |= _days_of(Ticket.objects.filter(updated_at__gte=since), "received_at")
    days |= _days_of(Callback.objects.filter(at__gte=since), "ticket__received_at")
    exempted = ExemptionUse.objects.filter(at__gte=since).values("case_id")
    days |= _days_of(
        counted_cases().filter(concluded_at__isnull=False, pk__in=exempted), "concluded_at"
    )
    return days


def _catalog_months(since: datetime) -> set[date]:
    """Months whose catalogue in force may have changed by versions touched since ``since``."""
    months: set[date] = set()
    for row in ItemVersion.objects.filter(updated_at__gte=since).values(
        "effective_from", "published_at", "superseded_at"
    ):
        for moment in row.values():
            if isinstance(moment, datetime):
                months.add(month_of(_local_day(moment)))
    return months


def refresh(*, now: datetime | None = None) -> RefreshResult:
    """Bring the aggregates up to date, recomputing only what changed. Idempotent."""
    now = now or timezone.now()
    today = _local_day(now)
    with transaction.atomic():
        _lock()
        state = RefreshState.objects.filter(name=STATE_NAME).first()
        if state is None:
            return _rebuild(now)
        since = state.watermark - WATERMARK_OVERLAP
        days = {d for d in changed_days(since, last_today=_local_day(state.watermark), today=today)
                if d <= today}  # fmt: skip
        rows = sum(_write_days(a, b, today=today, now=now) for a, b in _ranges(days))
        months = {month_of(d) for d in days}
        for month in sorted(months):
            _write_rollups(month, now)
        current = month_of(today)
        snapshot_months = {m for m in _catalog_months(since) if m < current}
        last_month = month_of(_local_day(state.watermark))
        if last_month < current:
            snapshot_months.add(last_month)  # the month that ended: the catalogue at its end
        scores: dict[int, int] = {}
        for month in sorted(snapshot_months):
            _write_snapshot(month, now=now, with_staff=False, scores=scores)
        _write_snapshot(current, now=now, with_staff=True, scores=scores)
        state.watermark = now
        state.finished_at = timezone.now()
        state.save()
    return RefreshResult(
        days=tuple(sorted(days)), months=tuple(sorted(months | {current})), daily_rows=rows
    )


def rebuild(*, now: datetime | None = None) -> RefreshResult:
    """Recompute every aggregate from the raw records (``zhengwu metrics_rebuild``)."""
    now = now or timezone.now()
    with transaction.atomic():
        _lock()
        return _rebuild(now)


def _first_day(today: date) -> date:
    candidates = [
        counted_cases().aggregate(m=Min("submitted_at"))["m"],
        Review.objects.aggregate(m=Min("rated_at"))["m"],
        Ticket.objects.aggregate(m=Min("received_at"))["m"],
    ]
    found = [_local_day(c) for c in candidates if c is not None]
    return min([*found, today])


def _first_catalog_month(today: date) -> date:
    first = ItemVersion.objects.filter(status__in=CATALOG_STATUSES).aggregate(
        m=Min(Coalesce("effective_from", "published_at"))
    )["m"]
    return month_of(_local_day(first)) if first is not None else month_of(today)


def _rebuild(now: datetime) -> RefreshResult:
    today = _local_day(now)
    first = _first_day(today)
    DailyAggregate.objects.all().delete()
    MonthlyRollup.objects.all().delete()
    rows = 0
    chunk = first
    while chunk <= today:
        chunk_end = min(chunk + timedelta(days=REBUILD_CHUNK_DAYS - 1), today)
        rows += _write_days(chunk, chunk_end, today=today, now=now)
        chunk = chunk_end + timedelta(days=1)
    months = _months(first, today)
    for month in months:
        _write_rollups(month, now)
    current = month_of(today)
    scores: dict[int, int] = {}
    snapshot_months = set(_months(min(_first_catalog_month(today), current), current))
    # Months recorded earlier keep their staff counts; everything else is recomputed.
    stale = MonthlySnapshot.objects.exclude(month__in=snapshot_months)
    stale.filter(staff_recorded=False).delete()
    snapshot_months |= set(stale.values_list("month", flat=True).distinct())
    for month in sorted(snapshot_months):
        _write_snapshot(month, now=now, with_staff=month == current, scores=scores)
    RefreshState.objects.update_or_create(
        name=STATE_NAME,
        defaults={"watermark": now, "finished_at": timezone.now(), "rebuilt_at": now},
    )
    return RefreshResult(
        days=tuple(first + timedelta(days=n) for n in range((today - first).days + 1)),
        months=tuple(sorted(set(months) | snapshot_months)),
        daily_rows=rows,
        rebuilt=True,
    )


def latest_refresh() -> datetime | None:
    return RefreshState.objects.filter(name=STATE_NAME).aggregate(m=Max("watermark"))["m"]

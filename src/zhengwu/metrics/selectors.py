"""Reading the indicators: scope and month parsing, the report of one scope and month, the
breakdown tables. Everything here reads the aggregates (a handful of indexed queries), never
the raw cases, reviews or tickets; names come from org and catalogue selectors."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db.models import Exists, F, OuterRef, Q
from django.db.models.functions import TruncDate
from django.utils import timezone

from zhengwu.accounts import policies as account_policies
from zhengwu.cases.choices import ONLINE_CHANNELS, OPEN_STATUSES
from zhengwu.cases.models import CaseMaterial, Delivery
from zhengwu.catalog.models import ItemVersion
from zhengwu.kernel.errors import InvalidInput, NotAllowed
from zhengwu.metrics import aggregate
from zhengwu.metrics.aggregate import latest_refresh, month_of, next_month
from zhengwu.metrics.indicators import INDICATORS, Indicator, Value, evaluate
from zhengwu.metrics.models import (
    EVENT_COUNTERS,
    SNAPSHOT_COUNTERS,
    MonthlyRollup,
    MonthlySnapshot,
    ScopeKind,
)
from zhengwu.org import selectors as org_selectors
from zhengwu.org.choices import AdministrativeLevel

TREND_MONTHS = 12
STAFF_COUNTERS = ("window_clerks", "window_clerks_certified")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


# --- who may look ------------------------------------------------------------------------------


def require_viewer(user: Any) -> None:
    """Any member of staff may read the indicators (aggregates only, no personal data)."""
    if not account_policies.is_staff_member(user) and not getattr(user, "is_superuser", False):
        raise NotAllowed(
            "只有工作人员可以查看考核指标",
            "Only staff may see the indicators",
            field="user",
        )


# --- parsing -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    kind: str
    key: str = ""
    label: str = ""
    department_id: int | None = None  # for an item: its implementing department

    @property
    def param(self) -> str:
        return self.kind if self.kind == ScopeKind.DISTRICT else f"{self.kind}:{self.key}"


def _bad_scope(zh: str, en: str) -> InvalidInput:
    return InvalidInput(zh, en, field="scope")


def parse_scope(text: str | None) -> Scope:
    """``district`` (default), ``street:<region code>``, ``department:<id>``, ``item:<code>``."""
    text = (text or "").strip()
    if text in ("", ScopeKind.DISTRICT):
        district = org_selectors.regions(level=AdministrativeLevel.COUNTY).first()
        return Scope(ScopeKind.DISTRICT, "", district.name if district else "")
    kind, _sep, key = text.partition(":")
    key = key.strip()
    if kind == ScopeKind.STREET:
        region = org_selectors.region_by_code(key) if key.isascii() and key.isdigit() else None
        if region is None or region.level != AdministrativeLevel.STREET:
            raise _bad_scope("未知的街道区划代码", "Unknown street region code")
        return Scope(ScopeKind.STREET, region.code, region.name)
    if kind == ScopeKind.DEPARTMENT:
        valid = key.isascii() and key.isdigit() and len(key) <= 9
        department = org_selectors.department_by_id(int(key)) if valid else None
        if department is None:
            raise _bad_scope("未知的部门", "Unknown department")
        return Scope(ScopeKind.DEPARTMENT, str(department.pk), department.name)
    if kind == ScopeKind.ITEM:
        code = key.upper()
        version = (
            ItemVersion.objects.filter(implementation_code=code)
            .order_by("-version")
            .only("name", "department_id")
            .first()
            if 0 < len(code) <= 50
            else None
        )
        if version is None:
            raise _bad_scope("未知的事项实施编码", "Unknown implementation code")
        return Scope(ScopeKind.ITEM, code, version.name, version.department_id)
    raise _bad_scope(
        "范围应为 district、street:区划代码、department:部门编号 或 item:实施编码",
        "The scope is district, street:<code>, department:<id> or item:<code>",
    )


def parse_month(text: str | None, *, today: date | None = None) -> date:
    """``YYYY-MM`` (default: the current month); never a future month."""
    today = today or timezone.localdate()
    text = (text or "").strip()
    if not text:
        return month_of(today)
    match = _MONTH.match(text)
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1900:
        raise InvalidInput("月份格式应为 YYYY-MM", "The month is written YYYY-MM", field="month")
    month = date(int(match.group(1)), int(match.group(2)), 1)
    if month > month_of(today):
        raise InvalidInput("不能查看未来月份", "The month cannot be in the future", field="month")
    return month


def months_back(month: date, n: int) -> list[date]:
    months = [month]
    while len(months) < n:
        first = months[0]
        months.insert(0, month_of(first - timedelta(days=1)))
    return months


# --- the report --------------------------------------------------------------------------------


@dataclass
class Row:
    indicator: Indicator
    current: Value
    trend: list[tuple[date, Value]] = field(default_factory=list)


@dataclass
class Report:
    scope: Scope
    month: date
    rows: list[Row]
    months: list[date]
    refreshed_at: Any

    def as_dict(self) -> dict[str, Any]:
        return {
            "scope": {"kind": self.scope.kind, "key": self.scope.key, "label": self.scope.label},
            "month": self.month.strftime("%Y-%m"),
            "refreshed_at": self.refreshed_at.isoformat() if self.refreshed_at else None,
            "indicators": [
                {
                    **row.current.as_dict(),
                    "name": row.indicator.name,
                    "unit": row.indicator.unit,
                    "definition": row.indicator.definition,
                    "awaiting": row.indicator.awaiting,
                    "target": (
                        {
                            "op": row.indicator.target.op,
                            "value": row.indicator.target.value,
                            "source": row.indicator.target.source,
                        }
                        if row.indicator.target
                        else None
                    ),
                    "trend": [
                        {"month": m.strftime("%Y-%m"), "value": v.value, "status": v.status}
                        for m, v in row.trend
                    ],
                }
                for row in self.rows
            ],
        }


def _counts(rollup: dict[str, Any] | None, snapshot: dict[str, Any] | None) -> dict[str, Any]:
    counts: dict[str, Any] = {}
    if rollup:
        counts.update({name: rollup[name] for name in EVENT_COUNTERS})
    if snapshot:
        counts.update({name: snapshot[name] for name in SNAPSHOT_COUNTERS})
        if not snapshot["staff_recorded"]:
            for name in STAFF_COUNTERS:
                counts.pop(name, None)
    return counts


def _value(indicator: Indicator, rollup: Any, snapshot: Any, kind: str) -> Value:
    source = rollup if indicator.source == "events" else snapshot
    return evaluate(indicator, _counts(rollup, snapshot) if source else None, kind)


def report(scope: Scope, month: date, *, trend_months: int = TREND_MONTHS) -> Report:
    """Every indicator of ``scope`` in ``month`` with its trend over the months before."""
    months = months_back(month, trend_months)
    where = {"scope_kind": scope.kind, "scope_key": scope.key, "month__gte": months[0],
             "month__lte": month}  # fmt: skip
    rollups = {r["month"]: r for r in MonthlyRollup.objects.filter(**where).values()}
    snapshots = {r["month"]: r for r in MonthlySnapshot.objects.filter(**where).values()}
    rows = []
    for indicator in INDICATORS:
        trend = [
            (m, _value(indicator, rollups.get(m), snapshots.get(m), scope.kind)) for m in months
        ]
        rows.append(Row(indicator, trend[-1][1], trend))
    return Report(scope, month, rows, months, latest_refresh())


# --- breakdowns (ranking, heat table, items of a department) ------------------------------------

BREAKDOWN_KEYS = (
    "fully_online_rate",
    "on_time_rate",
    "overdue_cases",
    "average_visits",
    "satisfaction_rate",
    "rectification_rate",
    "guide_accuracy",
)


@dataclass
class BreakdownRow:
    scope: Scope
    values: list[Value]
    volume: int  # cases concluded (for ordering)


def breakdown(kind: str, month: date, *, department_id: int | None = None) -> list[BreakdownRow]:
    """Rows per street, department or item (items of ``department_id``) for ``month``."""
    snapshots = MonthlySnapshot.objects.filter(month=month, scope_kind=kind)
    if kind == ScopeKind.ITEM and department_id is not None:
        snapshots = snapshots.filter(department_id=department_id)
    snap = {r["scope_key"]: r for r in snapshots.values()}
    rollups = MonthlyRollup.objects.filter(month=month, scope_kind=kind)
    if kind == ScopeKind.ITEM:
        rollups = rollups.filter(scope_key__in=list(snap))
    roll: dict[str, Any] = {r["scope_key"]: r for r in rollups.values()}
    keys = set(snap) | set(roll)
    labels = _labels(kind, keys, snap)
    indicators = [i for i in INDICATORS if i.key in BREAKDOWN_KEYS]
    rows = [
        BreakdownRow(
            Scope(kind, key, labels.get(key, key)),
            [_value(i, roll.get(key), snap.get(key), kind) for i in indicators],
            int((roll.get(key) or {}).get("concluded") or 0),
        )
        for key in keys
    ]
    rows.sort(key=lambda r: (-r.volume, r.scope.label))
    return rows


def breakdown_indicators() -> list[Indicator]:
    return [i for i in INDICATORS if i.key in BREAKDOWN_KEYS]


def _labels(kind: str, keys: set[str], snap: dict[str, Any]) -> dict[str, str]:
    if kind == ScopeKind.STREET:
        regions = org_selectors.regions(level=AdministrativeLevel.STREET)
        return {r.code: r.name for r in regions if r.code in keys}
    if kind == ScopeKind.DEPARTMENT:
        ids = [int(k) for k in keys if k.isdigit()]
        departments = org_selectors.departments(include_inactive=True).filter(pk__in=ids)
        return {str(d.pk): d.name for d in departments}
    labels = {key: row["label"] for key, row in snap.items() if row["label"]}
    missing = [k for k in keys if k not in labels]
    if missing:
        for code, name in (
            ItemVersion.objects.filter(implementation_code__in=missing)
            .order_by("implementation_code", "-version")
            .values_list("implementation_code", "name")
        ):
            labels.setdefault(code, name)
    return labels


def scope_options() -> dict[str, list[tuple[str, str]]]:
    """Pickers of the dashboard: streets and departments (items are typed or drilled into)."""
    streets = [
        (f"street:{r.code}", r.name)
        for r in org_selectors.regions(level=AdministrativeLevel.STREET)
    ]
    departments = [(f"department:{d.pk}", d.name) for d in org_selectors.departments()]
    return {"streets": streets, "departments": departments}


def available_months(today: date | None = None, n: int = 24) -> list[date]:
    today = today or timezone.localdate()
    return list(reversed(months_back(month_of(today), n)))


__all__ = [
    "Report",
    "Scope",
    "available_months",
    "breakdown",
    "next_month",
    "parse_month",
    "parse_scope",
    "report",
    "require_viewer",
    "scope_options",
]


# --- drill-down: the cases behind the case indicators --------------------------------------------

DRILL_LIMIT = 100
DRILL_KINDS = ("late", "open_overdue", "not_fully_online", "concluded")


@dataclass
class CaseLine:
    pk: int
    number: str
    item_name: str
    department_id: int | None
    channel: str
    status: str
    submitted_at: Any
    concluded_at: Any
    promised_due: Any


def drill_cases(scope: Scope, month: date, kind: str, *, today: date | None = None) -> list[Any]:
    """Up to :data:`DRILL_LIMIT` cases of ``scope`` behind a case indicator of ``month``:
    ``late`` (concluded after the due date), ``open_overdue`` (submitted in the month, open,
    past due), ``not_fully_online`` (concluded, not fully online), ``concluded``. Reads the
    cases table (bounded by month and limit); no personal data is selected."""
    if kind not in DRILL_KINDS:
        raise InvalidInput("未知的明细类型", "Unknown kind of list", field="kind")
    today = today or timezone.localdate()
    start = aggregate.start_of(month)
    end = aggregate.start_of(next_month(month))
    qs = aggregate.counted_cases()
    if kind == "open_overdue":
        qs = qs.filter(
            submitted_at__gte=start,
            submitted_at__lt=end,
            status__in=OPEN_STATUSES,
            promised_due__lt=today,
        )
    else:
        qs = qs.filter(
            status__in=aggregate.CONCLUDED_STATUSES, concluded_at__gte=start, concluded_at__lt=end
        )
        if kind == "late":
            qs = qs.annotate(
                d=TruncDate("concluded_at", tzinfo=timezone.get_current_timezone())
            ).filter(promised_due__isnull=False, d__gt=F("promised_due"))
        elif kind == "not_fully_online":
            paper = CaseMaterial.objects.filter(case=OuterRef("pk"), source="paper")
            collect = Delivery.objects.filter(case=OuterRef("pk"), method="window")
            qs = qs.exclude(
                Q(channel__in=ONLINE_CHANNELS) & ~Q(Exists(paper)) & ~Q(Exists(collect))
            )
    if scope.kind == ScopeKind.DEPARTMENT:
        qs = qs.filter(department_id=int(scope.key))
    elif scope.kind == ScopeKind.ITEM:
        qs = qs.filter(implementation_code=scope.key)
    elif scope.kind == ScopeKind.STREET:
        qs = qs.annotate(street=aggregate.case_street()).filter(street=scope.key)
    rows = qs.order_by("-id").values_list(
        "pk", "number", "item_name", "department_id", "channel", "status",
        "submitted_at", "concluded_at", "promised_due",
    )[:DRILL_LIMIT]  # fmt: skip
    return [CaseLine(*row) for row in rows]

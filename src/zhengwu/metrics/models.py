"""Aggregates behind the indicator dashboards (考核指标). Metrics is a read-side app: it reads
the cases, catalogue, ratings, hotline and accounts tables (read-only) and writes only these.

- :class:`DailyAggregate` — event counters, one row per day × department × street × item.
  Each counter belongs to one fixed day of its record (the day a case was submitted or
  concluded, a review was given, a ticket was received), so a record only ever changes the
  rows of its own days: the incremental refresh recomputes exactly the days touched since
  its watermark (``aggregate.refresh``).
- :class:`MonthlyRollup` — the daily counters summed per month and per scope (the district,
  each street, each department, each item): what the dashboards and the API read.
- :class:`MonthlySnapshot` — counts that are states, not events: the catalogue in force at
  the end of the month (online availability, 即办件, limits, guide score, hall / negative list)
  and the window-staff certification of the current month; the common e-licences valid at
  the end of the month and how many of them were viewed on a phone by then.
- :class:`RefreshState` — the watermark of the incremental refresh.

Definitions of every counter: ``indicators.py`` and docs/dev-notes-metrics.md.
"""

from __future__ import annotations

from django.db import models

EVENT_COUNTERS = (
    # cases, by submitted day
    "applied",
    "applied_online",
    "open_overdue",
    # cases, by concluded day
    "concluded",
    "fully_online",
    "visits",
    "zero_visit",
    "timed",
    "on_time",
    "licence_free",
    # reviews (好差评), by rated day
    "reviews",
    "satisfied",
    "bad",
    "bad_invalid",
    "bad_closed",
    # hotline, by received day
    "tickets_closed",
    "tickets_on_time",
    "callbacks",
    "callbacks_satisfied",
)

SNAPSHOT_COUNTERS = (
    "items",
    "items_online",
    "items_immediate",
    "limit_items",
    "statutory_days",
    "promised_days",
    "guide_score_sum",
    "items_in_hall",
    "items_negative",
    "window_clerks",
    "window_clerks_certified",
    "licences_common",
    "licences_common_mobile",
)


class ScopeKind(models.TextChoices):
    DISTRICT = "district", "全区 / district"
    STREET = "street", "街道 / street"
    DEPARTMENT = "department", "部门 / department"
    ITEM = "item", "事项 / item"


class EventCounters(models.Model):
    """The event counters (:data:`EVENT_COUNTERS`, defined in aggregate.py's table), shared by
    the daily cells and the monthly rollups."""

    applied = models.PositiveIntegerField(default=0)
    applied_online = models.PositiveIntegerField(default=0)
    open_overdue = models.PositiveIntegerField(default=0)
    concluded = models.PositiveIntegerField(default=0)
    fully_online = models.PositiveIntegerField(default=0)
    visits = models.PositiveIntegerField(default=0)
    zero_visit = models.PositiveIntegerField(default=0)
    timed = models.PositiveIntegerField(default=0)
    on_time = models.PositiveIntegerField(default=0)
    licence_free = models.PositiveIntegerField(default=0)
    reviews = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)
    bad = models.PositiveIntegerField(default=0)
    bad_invalid = models.PositiveIntegerField(default=0)
    bad_closed = models.PositiveIntegerField(default=0)
    tickets_closed = models.PositiveIntegerField(default=0)
    tickets_on_time = models.PositiveIntegerField(default=0)
    callbacks = models.PositiveIntegerField(default=0)
    callbacks_satisfied = models.PositiveIntegerField(default=0)

    class Meta:
        abstract = True


class DailyAggregate(EventCounters):
    """Event counters of one day in one cell (department 0 / street "" / item "" = none)."""

    day = models.DateField("日期")
    month = models.DateField("月份(月初)")
    department_id = models.PositiveIntegerField("部门", default=0)
    street_code = models.CharField("街道区划代码", max_length=12, blank=True)
    item_code = models.CharField("事项实施编码", max_length=50, blank=True)
    refreshed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = "指标日汇总 / daily aggregate"
        verbose_name_plural = verbose_name
        indexes = [
            models.Index(fields=["day"], name="mt_daily_day"),
            models.Index(fields=["month"], name="mt_daily_month"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["day", "department_id", "street_code", "item_code"],
                name="mt_one_daily_cell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.department_id}/{self.street_code}/{self.item_code}"


class MonthlyRollup(EventCounters):
    """Event counters of one month for one scope (key: "" district, street code,
    department id, implementation code)."""

    month = models.DateField("月份(月初)")
    scope_kind = models.CharField("范围", max_length=12, choices=ScopeKind.choices)
    scope_key = models.CharField("范围标识", max_length=50, blank=True)
    refreshed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = "指标月汇总 / monthly rollup"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["scope_kind", "scope_key", "month"], name="mt_one_rollup"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.scope_kind}:{self.scope_key}"


class MonthlySnapshot(models.Model):
    """State counters of one month for one scope: the catalogue in force at the month's end
    (now, for the current month) and the window staff of the current month."""

    month = models.DateField("月份(月初)")
    scope_kind = models.CharField("范围", max_length=12, choices=ScopeKind.choices)
    scope_key = models.CharField("范围标识", max_length=50, blank=True)
    # for item rows: the implementing department and the item's name (labels, drill-down)
    department_id = models.PositiveIntegerField("部门", default=0)
    label = models.CharField("名称", max_length=200, blank=True)
    # counters: SNAPSHOT_COUNTERS
    items = models.PositiveIntegerField(default=0)
    items_online = models.PositiveIntegerField(default=0)
    items_immediate = models.PositiveIntegerField(default=0)
    limit_items = models.PositiveIntegerField(default=0)
    statutory_days = models.PositiveIntegerField(default=0)
    promised_days = models.PositiveIntegerField(default=0)
    guide_score_sum = models.PositiveIntegerField(default=0)
    items_in_hall = models.PositiveIntegerField(default=0)
    items_negative = models.PositiveIntegerField(default=0)
    window_clerks = models.PositiveIntegerField(default=0)
    window_clerks_certified = models.PositiveIntegerField(default=0)
    licences_common = models.PositiveIntegerField(default=0)
    licences_common_mobile = models.PositiveIntegerField(default=0)
    staff_recorded = models.BooleanField("已记录窗口人员", default=False)
    refreshed_at = models.DateTimeField("计算时间")

    class Meta:
        verbose_name = "指标月快照 / monthly snapshot"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["scope_kind", "scope_key", "month"], name="mt_one_snapshot"
            )
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m} {self.scope_kind}:{self.scope_key}"


class RefreshState(models.Model):
    """The watermark of the incremental refresh (one row, ``name`` "aggregates")."""

    name = models.CharField("名称", max_length=32, unique=True)
    watermark = models.DateTimeField("水位(上次刷新开始时间)")
    catalog_watermark = models.DateTimeField("目录水位", null=True, blank=True)
    finished_at = models.DateTimeField("完成时间")
    rebuilt_at = models.DateTimeField("上次重建", null=True, blank=True)

    class Meta:
        verbose_name = "指标刷新状态 / refresh state"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.name} @ {self.watermark:%Y-%m-%d %H:%M}"

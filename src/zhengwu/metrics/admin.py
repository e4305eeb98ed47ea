"""Read-only admin views of the indicator aggregates (they are recomputed, never edited)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin

from zhengwu.metrics.models import DailyAggregate, MonthlyRollup, MonthlySnapshot, RefreshState


class ReadOnly(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(DailyAggregate)
class DailyAggregateAdmin(ReadOnly):
    list_display = ("day", "department_id", "street_code", "item_code", "applied", "concluded")
    list_filter = ("month",)
    date_hierarchy = "day"


@admin.register(MonthlyRollup)
class MonthlyRollupAdmin(ReadOnly):
    list_display = ("month", "scope_kind", "scope_key", "concluded", "reviews", "refreshed_at")
    list_filter = ("scope_kind", "month")


@admin.register(MonthlySnapshot)
class MonthlySnapshotAdmin(ReadOnly):
    list_display = ("month", "scope_kind", "scope_key", "label", "items", "window_clerks")
    list_filter = ("scope_kind", "month")


@admin.register(RefreshState)
class RefreshStateAdmin(ReadOnly):
    list_display = ("name", "watermark", "finished_at", "rebuilt_at")

"""Targets of the indicators, with where each figure comes from, and red/amber/green.

The district plan (DOMAIN.md §11, 灞桥区's plan) sets three figures: 全程网办率 ≥ 85% (2023),
常用电子证照移动端展示查询率 ≥ 80% (2024) and every comprehensive-window clerk certified (2024).
"三个100%" of 好差评 (DOMAIN.md §5) sets the rectification target, and the statutory limits
(行政许可法 art. 42) make on-time completion 100% and overdue cases 0. Every other figure is a
platform default with no national or district figure behind it: it is marked so on the page
and can be changed without code through ``settings.METRICS_TARGETS``
(``{"satisfaction_rate": {"value": 98, "amber": 95}}``).

Red/amber/green: green when the target is met; amber when the value misses it but is on the
target's side of ``amber``; red otherwise; grey (no colour) when there is no value or no
target.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_noop

PLAN = gettext_noop("District plan (灞桥区), 2023")
PLAN_2024 = gettext_noop("District plan (灞桥区), 2024")
THREE_100 = gettext_noop("好差评 three 100% rule (DOMAIN.md §5)")
LAW = gettext_noop("Statutory time limits (行政许可法 art. 42)")
DEFAULT = gettext_noop("Platform default, configurable (no figure in the plan)")


@dataclass(frozen=True)
class Target:
    op: str  # ">=" (higher is better) or "<=" (lower is better)
    value: float
    amber: float  # amber down to (">=") / up to ("<=") this value, red beyond it
    source: str  # English msgid naming where the figure comes from

    def rag(self, value: float | None) -> str:
        if value is None:
            return "none"
        if self.op == ">=":
            if value >= self.value:
                return "green"
            return "amber" if value >= self.amber else "red"
        if value <= self.value:
            return "green"
        return "amber" if value <= self.amber else "red"

    @property
    def text(self) -> str:
        return f"{'≥' if self.op == '>=' else '≤'} {self.value:g}"


_TARGETS: dict[str, Target] = {
    "fully_online_rate": Target(">=", 85, 80, PLAN),
    "online_items_share": Target(">=", 90, 80, DEFAULT),
    "limit_compression": Target(">=", 50, 40, DEFAULT),
    "average_visits": Target("<=", 1, 1.5, DEFAULT),
    "on_time_rate": Target(">=", 100, 98, LAW),
    "overdue_cases": Target("<=", 0, 5, LAW),
    "satisfaction_rate": Target(">=", 95, 90, DEFAULT),
    "rectification_rate": Target(">=", 100, 90, THREE_100),
    "licence_mobile_view_rate": Target(">=", 80, 70, PLAN_2024),
    "guide_accuracy": Target(">=", 90, 80, DEFAULT),
    "hall_entry_rate": Target(">=", 100, 95, DEFAULT),
    "window_staff_certified": Target(">=", 100, 90, PLAN_2024),
    "hotline_on_time_rate": Target(">=", 95, 90, DEFAULT),
    "hotline_satisfaction_rate": Target(">=", 90, 85, DEFAULT),
}


def target_for(key: str) -> Target | None:
    """The target of indicator ``key``, with any override from ``settings.METRICS_TARGETS``."""
    base = _TARGETS.get(key)
    override: dict[str, Any] = (getattr(settings, "METRICS_TARGETS", None) or {}).get(key) or {}
    if base is None or not override:
        return base
    allowed = {k: v for k, v in override.items() if k in ("op", "value", "amber")}
    return replace(base, **allowed, source=DEFAULT if allowed else base.source)

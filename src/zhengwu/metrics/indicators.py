"""The indicators (考核指标): what each one counts, from which aggregate counters.

Each :class:`Indicator` is a ratio (or count, or average) of the counters of a month's
rollup (events) or snapshot (states) for one scope. The definitions here are the single
source: the dashboard, the API, the CSV export and docs/dev-notes-metrics.md show them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_noop

from zhengwu.metrics.models import ScopeKind
from zhengwu.metrics.targets import Target, target_for

Counts = Mapping[str, int]
ALL_SCOPES = frozenset(ScopeKind.values)
NOT_ITEM = frozenset({ScopeKind.DISTRICT, ScopeKind.STREET, ScopeKind.DEPARTMENT})


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str  # English msgid (the zh_Hans catalogue has the Chinese)
    unit: str  # "%", "visits", "cases", "score", "items"
    source: str  # "events" | "snapshot" | "unavailable"
    numerator: Callable[[Counts], float] | None
    denominator: Callable[[Counts], float] | None
    definition: str  # English msgid: what is counted, from which records
    scopes: frozenset[str] = ALL_SCOPES
    awaiting: str = ""  # for "unavailable": what the data is waiting for
    digits: int = 1

    @property
    def target(self) -> Target | None:
        return target_for(self.key)


def _c(name: str) -> Callable[[Counts], float]:
    return lambda c: c.get(name, 0)


def _one(_c: Counts) -> float:
    return 1


INDICATORS: tuple[Indicator, ...] = (
    Indicator(
        "fully_online_rate",
        gettext_noop("Fully online handling rate (全程网办率)"),
        "%",
        "events",
        _c("fully_online"),
        _c("concluded"),
        gettext_noop(
            "Cases concluded in the month that were applied for online (portal or "
            "API), needed no paper material and whose result was not collected at a "
            "window, divided by all cases concluded in the month."
        ),
    ),
    Indicator(
        "online_items_share",
        gettext_noop("Items available online"),
        "%",
        "snapshot",
        _c("items_online"),
        _c("items"),
        gettext_noop(
            "Implementation lists in force at the end of the month marked as handled "
            "online, divided by all implementation lists in force."
        ),
    ),
    Indicator(
        "immediate_share",
        gettext_noop("Immediate items (即办件) share"),
        "%",
        "snapshot",
        _c("items_immediate"),
        _c("items"),
        gettext_noop(
            "Implementation lists in force whose case type is 即办件 (code 1), divided "
            "by all implementation lists in force."
        ),
    ),
    Indicator(
        "limit_compression",
        gettext_noop("Promised-limit compression"),
        "%",
        "snapshot",
        lambda c: c.get("statutory_days", 0) - c.get("promised_days", 0),
        _c("statutory_days"),
        gettext_noop(
            "(Sum of statutory limits − sum of promised limits) ÷ sum of statutory "
            "limits, over the implementation lists in force whose two limits are both "
            "in working days and whose statutory limit is above 0."
        ),
    ),
    Indicator(
        "average_visits",
        gettext_noop("Average visits per case (跑动次数)"),
        "visits",
        "events",
        _c("visits"),
        _c("concluded"),
        gettext_noop(
            "Visits counted per concluded case: 1 for applying in person (window or "
            "kiosk), 1 for bringing paper materials to an online or postal "
            "application, 1 for collecting the result at a window; summed over the "
            "cases concluded in the month and divided by their number."
        ),
        digits=2,
    ),
    Indicator(
        "on_time_rate",
        gettext_noop("On-time completion rate"),
        "%",
        "events",
        _c("on_time"),
        _c("timed"),
        gettext_noop(
            "Cases concluded in the month on or before their promised due date "
            "(special procedures and approved extensions included), divided by the "
            "cases concluded in the month that had a due date."
        ),
    ),
    Indicator(
        "overdue_cases",
        gettext_noop("Overdue cases"),
        "cases",
        "events",
        lambda c: c.get("timed", 0) - c.get("on_time", 0) + c.get("open_overdue", 0),
        _one,
        gettext_noop(
            "Cases concluded in the month after their promised due date, plus cases "
            "submitted in the month that are still open past their promised due date "
            "(as of the last refresh)."
        ),
        digits=0,
    ),
    Indicator(
        "satisfaction_rate",
        gettext_noop("Satisfaction rate (好评率)"),
        "%",
        "events",
        _c("satisfied"),
        _c("reviews"),
        gettext_noop(
            "Reviews given in the month at level 1–3 (非常满意, 满意, 基本满意), "
            "divided by all reviews given in the month, on every channel; reviews of "
            "cases, window visits and online services (hotline callbacks count in the "
            "hotline satisfaction rate)."
        ),
    ),
    Indicator(
        "rectification_rate",
        gettext_noop("Bad-review rectification rate"),
        "%",
        "events",
        _c("bad_closed"),
        lambda c: c.get("bad", 0) - c.get("bad_invalid", 0),
        gettext_noop(
            "Bad reviews (level 4–5) given in the month whose rectification is closed "
            "(verified, rectified or explained, answered and revisited), divided by "
            "the bad reviews of the month not closed as invalid."
        ),
    ),
    Indicator(
        "licence_mobile_view_rate",
        gettext_noop("E-licence mobile view rate"),
        "%",
        "snapshot",
        _c("licences_common_mobile"),
        _c("licences_common"),
        gettext_noop(
            "Common e-licences (licence types marked common) valid at the end of the "
            "month that were shown on a mobile phone at least once by then, divided by "
            "the common e-licences issued and valid at the end of the month; per "
            "issuing department."
        ),
        scopes=frozenset({ScopeKind.DISTRICT, ScopeKind.DEPARTMENT}),
    ),
    Indicator(
        "licence_free_usage",
        gettext_noop("Licence-free handling (免证办) usage"),
        "%",
        "events",
        _c("licence_free"),
        _c("concluded"),
        gettext_noop(
            "Cases concluded in the month in which at least one material was "
            "satisfied by an e-licence instead of an upload or paper (免证办), divided "
            "by all cases concluded in the month."
        ),
    ),
    Indicator(
        "guide_accuracy",
        gettext_noop("Guide accuracy score"),
        "score",
        "snapshot",
        _c("guide_score_sum"),
        _c("items"),
        gettext_noop(
            "Mean score (0–100) of the catalogue's automatic guide check over the "
            "implementation lists in force: each error costs 15 points, each warning "
            "5, each hint 1."
        ),
    ),
    Indicator(
        "hall_entry_rate",
        gettext_noop("Items in the hall (应进必进)"),
        "%",
        "snapshot",
        _c("items_in_hall"),
        lambda c: c.get("items", 0) - c.get("items_negative", 0),
        gettext_noop(
            "Implementation lists in force that are handled in the government service "
            "hall, divided by those not on the hall's negative list."
        ),
    ),
    Indicator(
        "negative_list_items",
        gettext_noop("Items on the hall's negative list"),
        "items",
        "snapshot",
        _c("items_negative"),
        _one,
        gettext_noop(
            "Implementation lists in force on the hall's negative list (with their "
            "reasons in the catalogue)."
        ),
        digits=0,
    ),
    Indicator(
        "window_staff_certified",
        gettext_noop("Window staff certified"),
        "%",
        "snapshot",
        _c("window_clerks_certified"),
        _c("window_clerks"),
        gettext_noop(
            "Active staff with the comprehensive-window clerk role holding a valid "
            "certificate, divided by all of them; recorded for the month by the "
            "refresh (the staff tables keep no history)."
        ),
        scopes=NOT_ITEM,
    ),
    Indicator(
        "hotline_on_time_rate",
        gettext_noop("Hotline on-time completion rate"),
        "%",
        "events",
        _c("tickets_on_time"),
        _c("tickets_closed"),
        gettext_noop(
            "12345 tickets received in the month and closed within their limit, "
            "divided by those closed."
        ),
        scopes=NOT_ITEM,
    ),
    Indicator(
        "hotline_satisfaction_rate",
        gettext_noop("Hotline satisfaction rate"),
        "%",
        "events",
        _c("callbacks_satisfied"),
        _c("callbacks"),
        gettext_noop(
            "Callbacks of tickets received in the month with the answer satisfied or "
            "basically satisfied, divided by the callbacks that reached the caller."
        ),
        scopes=NOT_ITEM,
    ),
)
BY_KEY = {i.key: i for i in INDICATORS}


@dataclass
class Value:
    """One indicator's value for one scope and month."""

    indicator: Indicator
    status: str  # "ok" | "no_data" | "unavailable" | "not_applicable"
    value: float | None = None
    numerator: float | None = None
    denominator: float | None = None

    @property
    def rag(self) -> str:
        target = self.indicator.target
        return target.rag(self.value) if target is not None and self.status == "ok" else "none"

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.indicator.key,
            "status": self.status,
            "value": self.value,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "rag": self.rag,
        }


def evaluate(indicator: Indicator, counts: Counts | None, scope_kind: str) -> Value:
    """The value of ``indicator`` from ``counts`` (``None``: nothing recorded)."""
    if scope_kind not in indicator.scopes:
        return Value(indicator, "not_applicable")
    if indicator.source == "unavailable" or indicator.numerator is None:
        return Value(indicator, "unavailable")
    if counts is None:
        return Value(indicator, "no_data")
    assert indicator.denominator is not None
    numerator, denominator = indicator.numerator(counts), indicator.denominator(counts)
    if not denominator:
        return Value(indicator, "no_data", numerator=numerator, denominator=denominator)
    value = numerator / denominator * (100 if indicator.unit == "%" else 1)
    return Value(indicator, "ok", round(value, indicator.digits), numerator, denominator)

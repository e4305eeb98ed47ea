"""Indicator definitions against values computed by hand on the small world of conftest.py."""

from __future__ import annotations

import pytest

from tests.metrics.conftest import MONTH
from zhengwu.catalog.quality import check_version
from zhengwu.metrics import aggregate, selectors
from zhengwu.metrics.models import MonthlyRollup


def values(scope: str, month=MONTH) -> dict[str, tuple[str, float | None]]:
    report = selectors.report(selectors.parse_scope(scope), month)
    return {row.indicator.key: (row.current.status, row.current.value) for row in report.rows}


@pytest.fixture
def built(mworld):
    aggregate.rebuild(now=mworld.now)
    return mworld


def test_district_values_match_hand_computation(built):
    v = values("district")
    # cases concluded in March: #1 fully online; #2 paper; #3 window; #4 collected at a window
    assert v["fully_online_rate"] == ("ok", 25.0)
    # visits 0 + 1 + 2 + 1 = 4 over 4 cases
    assert v["average_visits"] == ("ok", 1.0)
    # on time: #1, #3 (concluded on the due day), #4; late: #2
    assert v["on_time_rate"] == ("ok", 75.0)
    # late #2 + #5 still open past 03-15
    assert v["overdue_cases"] == ("ok", 2)
    # reviews 1,2,3,4,5,4 (the hotline review is left out): 3 of 6
    assert v["satisfaction_rate"] == ("ok", 50.0)
    # bad 3, one closed as invalid, one closed: 1 / (3 - 1)
    assert v["rectification_rate"] == ("ok", 50.0)
    # tickets: on time 1 of 2 closed; callbacks reached 2 (one unreachable), 1 satisfied
    assert v["hotline_on_time_rate"] == ("ok", 50.0)
    assert v["hotline_satisfaction_rate"] == ("ok", 50.0)
    # catalogue in force: X (online, promised 5 of 20) and Y (即办件, 0 of 1, negative list)
    assert v["online_items_share"] == ("ok", 50.0)
    assert v["immediate_share"] == ("ok", 50.0)
    assert v["limit_compression"] == ("ok", round(100 * (21 - 5) / 21, 1))
    assert v["hall_entry_rate"] == ("ok", 100.0)
    assert v["negative_list_items"] == ("ok", 1)
    scores = [check_version(built.item_x).score, check_version(built.item_y).score]
    assert v["guide_accuracy"] == ("ok", round(sum(scores) / 2, 1))
    # two window clerks, one with a valid certificate
    assert v["window_staff_certified"] == ("ok", 50.0)
    # no e-licence issued: no mobile view rate; no case used an e-licence: 0 of 4
    assert v["licence_mobile_view_rate"] == ("no_data", None)
    assert v["licence_free_usage"] == ("ok", 0.0)


def test_applied_counters_leave_out_drafts_and_bundle_parents(built):
    row = MonthlyRollup.objects.get(month=MONTH, scope_kind="district")
    assert (row.applied, row.applied_online, row.open_overdue) == (6, 4, 1)
    assert (row.concluded, row.zero_visit, row.timed) == (4, 1, 4)


def test_street_department_and_item_scopes(built):
    street = values(f"street:{built.street.code}")
    # only case #3 was received at the street centre: 2 visits, on time, not online
    assert street["average_visits"] == ("ok", 2.0)
    assert street["fully_online_rate"] == ("ok", 0.0)
    assert street["satisfaction_rate"] == ("ok", 50.0)
    civil = values(f"department:{built.civil.pk}")
    assert civil["on_time_rate"] == ("ok", 100.0)
    assert civil["satisfaction_rate"] == ("no_data", None)
    assert civil["immediate_share"] == ("ok", 100.0)
    item = values(f"item:{built.item_x.implementation_code}")
    assert item["fully_online_rate"] == ("ok", round(100 / 3, 1))
    assert item["overdue_cases"] == ("ok", 2)
    assert item["window_staff_certified"] == ("not_applicable", None)
    assert item["hotline_on_time_rate"] == ("not_applicable", None)


def test_other_month_and_rag(built):
    feb = values("district", MONTH.replace(month=2))
    assert feb["on_time_rate"] == ("ok", 100.0)
    assert feb["satisfaction_rate"] == ("no_data", None)
    report = selectors.report(selectors.parse_scope("district"), MONTH)
    rag = {row.indicator.key: row.current.rag for row in report.rows}
    assert rag["fully_online_rate"] == "red"  # 25 < 80
    assert rag["hall_entry_rate"] == "green"
    assert rag["licence_mobile_view_rate"] == "none"
    assert [m.month for m, _v in report.rows[0].trend][-2:] == [2, 3]


def test_target_colours_and_override(settings):
    from zhengwu.metrics.targets import Target, target_for

    higher = Target(">=", 85, 80, "x")
    assert [higher.rag(v) for v in (85, 84.9, 80, 79.9, None)] == [
        "green", "amber", "amber", "red", "none",
    ]  # fmt: skip
    lower = Target("<=", 1, 1.5, "x")
    assert [lower.rag(v) for v in (0.5, 1.2, 1.6)] == ["green", "amber", "red"]
    settings.METRICS_TARGETS = {"satisfaction_rate": {"value": 98, "amber": 95}}
    target = target_for("satisfaction_rate")
    assert target is not None and (target.value, target.amber) == (98, 95)
    assert target_for("fully_online_rate").value == 85  # the plan's figure stays

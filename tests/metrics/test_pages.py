"""Dashboard page, exports and API: rendering, bad input, permission."""

from __future__ import annotations

import csv
import io

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from tests.factories import make_citizen
from zhengwu.metrics import aggregate

API = "/api/v1/metrics/indicators"
PAGE = "/workbench/metrics/"


@pytest.fixture
def staff_client(client, mworld):
    aggregate.rebuild(now=timezone.now())
    client.force_login(mworld.staff)
    return client


def test_dashboard_renders_indicators_targets_and_breakdowns(staff_client, mworld):
    response = staff_client.get(PAGE, {"scope": "district", "month": "2026-03"})
    assert response.status_code == 200
    html = response.content.decode()
    assert 'id="ind-fully_online_rate"' in html
    assert "25%" in html  # 全程网办率 of March (test_indicators.py)
    assert "≥ 85" in html
    assert "mt-trend-chart" in html and 'id="mt-trend-table"' in html
    assert mworld.market.name in html  # department ranking with a drill-down link
    assert f"scope=department%3A{mworld.market.pk}" in html
    assert "awaiting the e-licence domain" in html or "暂无数据" in html
    # The department ranking chart's data: departments with an on-time rate, best last
    # (ECharts draws the last category at the top).
    ranking = response.context["ranking_data"]
    assert ranking is not None and mworld.market.name in ranking["labels"]
    assert ranking["values"] == sorted(ranking["values"])
    assert 'id="mt-ranking-data"' in html and 'id="mt-ranking-chart"' in html


def test_dashboard_department_lists_its_items(staff_client, mworld):
    response = staff_client.get(
        PAGE, {"scope": f"department:{mworld.market.pk}", "month": "2026-03"}
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "食品经营许可" in html
    assert f"scope=item%3A{mworld.item_x.implementation_code}" in html


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"scope": "planet:1"}, "scope"),
        ({"scope": "department:999999"}, "scope"),
        ({"scope": "street:123"}, "scope"),
        ({"scope": "item:NOPE"}, "scope"),
        ({"month": "2026-13"}, "month"),
        ({"month": "March"}, "month"),
        ({"month": "2999-01"}, "month"),
    ],
)
def test_api_bad_input_names_the_field(staff_client, params, field):
    response = staff_client.get(API, params)
    assert response.status_code == 422
    body = response.json()
    assert field in str(body)
    page = staff_client.get(PAGE, params)
    assert page.status_code == 422
    assert 'aria-invalid="true"' in page.content.decode()


def test_api_returns_the_page_numbers(staff_client, mworld):
    response = staff_client.get(
        API, {"scope": f"item:{mworld.item_x.implementation_code}", "month": "2026-03"}
    )
    assert response.status_code == 200
    data = response.json()
    assert data["scope"]["kind"] == "item"
    by_key = {i["key"]: i for i in data["indicators"]}
    assert by_key["fully_online_rate"]["value"] == 33.3
    assert by_key["fully_online_rate"]["numerator"] == 1
    assert by_key["fully_online_rate"]["target"]["value"] == 85
    assert by_key["licence_mobile_view_rate"]["status"] == "not_applicable"  # per item
    assert by_key["licence_mobile_view_rate"]["value"] is None
    assert len(by_key["on_time_rate"]["trend"]) == 12


def test_csv_and_xlsx_exports(staff_client):
    response = staff_client.get(PAGE + "export.csv", {"month": "2026-03"})
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    keys = {row[1]: row for row in rows[1:]}
    assert keys["on_time_rate"][2] == "75%"
    # built "now" (after March): case #6, due 03-25 and still open, is overdue as well
    assert keys["overdue_cases"][2] == "3"
    xlsx = staff_client.get(PAGE + "export.xlsx", {"month": "2026-03"})
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    # Every table of the district dashboard: indicators, trend, departments, streets.
    book = load_workbook(io.BytesIO(xlsx.content), read_only=True)
    assert len(book.sheetnames) == 4
    indicators, trend = (list(book[n].iter_rows(values_only=True)) for n in book.sheetnames[:2])
    assert {r[1]: r[2] for r in indicators[1:]}["on_time_rate"] == "75%"
    assert trend[0][-1] == "2026-03" and len(trend) == len(indicators)
    name_of = {r[1]: r[0] for r in indicators[1:]}
    trend_of = {r[0]: r for r in trend[1:]}
    assert trend_of[name_of["on_time_rate"]][-1] == "75%"
    departments = list(book[book.sheetnames[2]].iter_rows(values_only=True))
    assert len(departments) > 1
    bad = staff_client.get(PAGE + "export.csv", {"month": "13"})
    assert bad.status_code == 422 and b"month" in bad.content


def test_non_staff_refused(client, mworld):
    citizen = make_citizen(real_name="王五")
    client.force_login(citizen)
    assert client.get(PAGE).status_code == 403
    assert client.get(PAGE + "export.csv").status_code == 403
    assert client.get(API).status_code == 403
    client.logout()
    assert client.get(PAGE).status_code == 302
    assert client.get(API).status_code == 401


def test_drill_down_lists_the_cases_behind_the_numbers(staff_client, mworld):
    from zhengwu.cases.models import Case

    url = PAGE + "cases/"
    late = staff_client.get(url, {"month": "2026-03", "kind": "late"})
    assert late.status_code == 200
    html = late.content.decode()
    numbers = [c.number for c in Case.objects.order_by("id")]
    assert numbers[1] in html  # case #2, concluded after its due date
    assert numbers[0] not in html and numbers[2] not in html
    not_online = staff_client.get(url, {"month": "2026-03", "kind": "not_fully_online"})
    body = not_online.content.decode()
    assert all(n in body for n in numbers[1:4]) and numbers[0] not in body
    street = staff_client.get(
        url,
        {"month": "2026-03", "kind": "not_fully_online", "scope": f"street:{mworld.street.code}"},
    )
    body = street.content.decode()
    assert numbers[2] in body and numbers[1] not in body
    bad = staff_client.get(url, {"month": "2026-03", "kind": "everything"})
    assert bad.status_code == 422 and "kind" in str(bad.context["error"].field)
    dashboard = staff_client.get(PAGE, {"month": "2026-03"}).content.decode()
    assert "cases/?scope=district&amp;month=2026-03&amp;kind=late" in dashboard

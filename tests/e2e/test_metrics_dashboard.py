"""The indicator dashboard in the browser: the ECharts trend draws from the vendored file,
the table and the definitions are there, axe-clean in normal and elderly mode, 1280 and
360 px, and a drill-down link leads to a department's indicators."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.checks import check_elderly_type, check_page
from tests.e2e.conftest import PHONE
from tests.e2e.test_citizen_journey import sign_in
from tests.metrics.conftest import mworld  # noqa: F401 - the small known world

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_dashboard_is_accessible_and_drills_down(
    new_context,
    live_server,
    mworld,  # noqa: F811 - the fixture imported above
    screenshots_dir,
):
    from zhengwu.metrics import aggregate

    aggregate.rebuild(now=timezone.now())
    page = new_context().new_page()
    foreign: list[str] = []
    page.on(
        "request",
        lambda request: (
            None
            if request.url.startswith((live_server.url, "data:", "blob:"))
            else foreign.append(request.url)
        ),
    )
    page.goto("/accounts/login/?next=/workbench/metrics/%3Fmonth%3D2026-03")
    sign_in(page, mworld.staff.username)
    expect(page).to_have_url(re.compile(r"/workbench/metrics/"))
    if "month=2026-03" not in page.url:
        page.goto("/workbench/metrics/?month=2026-03")
    expect(page.locator("#mt-trend-chart[data-rendered=true] svg")).to_have_count(1)
    expect(page.locator("#mt-ranking-chart[data-rendered=true] svg")).to_have_count(1)
    expect(page.locator("#ind-fully_online_rate")).to_contain_text("25%")
    value = page.locator("#ind-licence_mobile_view_rate td").first
    # The world holds no licences: no denominator, so "no data" rather than 0 %.
    expect(value).to_contain_text(re.compile("暂无数据|No data"))
    expect(value).not_to_contain_text("%")
    check_page(page, "metrics dashboard")
    page.screenshot(path=screenshots_dir / "metrics-1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    page.wait_for_function("document.documentElement.scrollWidth <= 360")
    page.screenshot(path=screenshots_dir / "metrics-360.png", full_page=True)

    page.click("#elderly-toggle")
    expect(page.locator("#app")).to_have_class(re.compile(r"\belderly\b"))
    expect(page.locator("#mt-trend-chart[data-rendered=true] svg")).to_have_count(1)
    check_elderly_type(page, "metrics dashboard, elderly")
    check_page(page, "metrics dashboard, elderly")

    page.locator(".mt-breakdown a", has_text=mworld.market.name).first.click()
    expect(page).to_have_url(re.compile(r"scope=department"))
    expect(page.locator("h1")).to_be_visible()
    check_page(page, "metrics department")
    page.goto("/workbench/metrics/cases/?month=2026-03&kind=not_fully_online")
    expect(page.locator("#mt-cases tbody tr")).to_have_count(3)
    check_page(page, "metrics case list, elderly")
    assert foreign == [], f"requests to other origins: {foreign}"

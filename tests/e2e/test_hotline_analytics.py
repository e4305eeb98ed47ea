"""Hotline analytics in the browser: the ECharts charts draw from the vendored file (nothing
from another origin), tables and drill-down links are there, axe-clean in normal and
elderly mode, at 1280 px and 360 px."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.checks import check_elderly_type, check_page
from tests.e2e.conftest import PHONE
from tests.e2e.test_citizen_journey import sign_in
from tests.factories import make_staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    from zhengwu.hotline import analytics, services
    from zhengwu.hotline.models import WorkOrder
    from zhengwu.kernel import workdays
    from zhengwu.org import demo as org_demo
    from zhengwu.org.selectors import department_by_name

    workdays.seed_from_package()
    org_demo.load_demo()
    centre = department_by_name("区政府办")
    urban = department_by_name("区城管局")
    agent = make_staff(department=centre, roles=["hotline_agent"], display_name="孙悦")
    dispatcher = make_staff(department=centre, roles=["dispatcher"], display_name="周涛")
    handler = make_staff(department=urban, roles=["approver"], display_name="高峰")
    make_staff(department=centre, username="wu.min", roles=["supervisor"], display_name="吴敏")

    def take(text, phone, category="complaint", street="610111001"):
        return services.intake_ticket(
            by=agent,
            channel="phone",
            text=text,
            category=category,
            caller_phone=phone,
            address="灞桥区纺织城街道纺正街12号",
            street_code=street,
        )

    for n in range(3):
        ticket = take(f"纺正街工地夜间施工噪音扰民第{n + 1}次", "13912345678")
        services.dispatch(ticket_id=ticket.pk, by=dispatcher, department_id=urban.pk)
        order = WorkOrder.objects.get(ticket=ticket, role="lead")
        services.sign_order(order_id=order.pk, by=handler)
    direct = take("社保卡补办需要什么材料", "13700000001", category="consult", street="610111002")
    services.answer_directly(ticket_id=direct.pk, by=agent, answer="带身份证到社保大厅办理。")
    analytics.refresh_daily_stats()
    # Loads jieba's dictionary and caches today's hot topics in this process, which the live
    # server's thread shares: the first page load stays within the browser's wait.
    analytics.hot_topics()
    return {"direct": direct}


def test_dashboard_charts_tables_and_accessibility(
    new_context, live_server, world, screenshots_dir
):
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
    page.goto("/accounts/login/?next=/workbench/hotline/analytics/")
    sign_in(page, "wu.min")
    expect(page).to_have_url(re.compile(r"/workbench/hotline/analytics/$"))
    expect(page.locator("h1")).to_contain_text("12345")

    # ECharts from the vendored file drew both charts as SVG
    expect(page.locator("#hla-trend-chart[data-rendered=true] svg")).to_have_count(1)
    expect(page.locator("#hla-dept-chart[data-rendered=true] svg")).to_have_count(1)
    assert page.evaluate("typeof window.echarts.init") == "function"
    assert page.locator("#hla-trend-chart").get_attribute("role") == "img"
    assert page.locator("#hla-trend-chart").get_attribute("aria-label")
    # the accessible tables carry the same numbers, with drill-down links
    expect(page.locator("#hla-dept-table tbody tr").first).to_contain_text("区城管局")
    expect(page.locator("#hla-dept-table tbody tr").first).to_contain_text("3")
    expect(page.locator("#hla-heat-table")).to_contain_text("纺织城街道")
    expect(page.locator("#hla-repeat-table")).to_contain_text("139****5678")
    assert "13912345678" not in page.content()
    check_page(page, "hotline analytics")
    page.screenshot(path=screenshots_dir / "hotline-analytics-1280.png", full_page=True)
    page.set_viewport_size(PHONE)
    expect(page.locator("#hla-trend-chart svg")).to_have_count(1)
    page.wait_for_function("document.documentElement.scrollWidth <= 360")  # redrawn narrow
    page.screenshot(path=screenshots_dir / "hotline-analytics-360.png", full_page=True)

    page.click("#elderly-toggle")
    expect(page.locator("#app")).to_have_class(re.compile(r"\belderly\b"))
    expect(page.locator("#hla-trend-chart[data-rendered=true] svg")).to_have_count(1)
    check_elderly_type(page, "hotline analytics, elderly")
    check_page(page, "hotline analytics, elderly")
    page.set_viewport_size(PHONE)
    page.wait_for_function("document.documentElement.scrollWidth <= 360")
    page.screenshot(path=screenshots_dir / "hotline-analytics-elderly-360.png", full_page=True)

    # drill down from the category table to the raw ticket list
    page.locator("#hla-category-table a").first.click()
    expect(page).to_have_url(re.compile(r"/workbench/hotline/analytics/tickets/\?"))
    expect(page.locator("#hla-ticket-table")).to_contain_text(world["direct"].number)
    check_page(page, "hotline ticket list, elderly")
    assert foreign == [], f"requests to other origins: {foreign}"

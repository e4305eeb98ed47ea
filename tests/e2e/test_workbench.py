"""Staff on the workbench: accessible, responsive, elderly mode; citizens are turned away."""

from __future__ import annotations

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.e2e.checks import check_elderly_type, check_page
from tests.e2e.conftest import DESKTOP, PHONE
from tests.e2e.test_citizen_journey import sign_in
from tests.factories import DepartmentFactory, make_citizen, make_staff

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_administrator_workbench(new_context, monkeypatch, screenshots_dir):
    from zhengwu.kernel.workdays import seed_from_package
    from zhengwu.web import context_processors

    seed_from_package(years=[2026])
    # October 2026: the 2027 schedule is due and not loaded, so administrators are warned.
    monkeypatch.setattr(context_processors, "today", lambda: date(2026, 10, 8))
    department = DepartmentFactory(name="西安市灞桥区行政审批服务局")
    make_staff(
        department=department,
        username="wang.qiang",
        display_name="王强",
        roles=["administrator", "supervisor"],
    )

    page = new_context().new_page()
    page.goto("/workbench/")
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/workbench/$"))
    sign_in(page, "wang.qiang")
    expect(page).to_have_url(re.compile(r"/workbench/$"))
    expect(page.locator("h1")).to_have_text("工作台首页")
    expect(page.locator("main")).to_contain_text("西安市灞桥区行政审批服务局")
    expect(page.locator("main .tags")).to_contain_text("系统管理员")
    expect(page.get_by_role("alert")).to_contain_text("2027 年节假日安排尚未载入")
    expect(page.get_by_role("navigation", name="工作台菜单")).to_be_visible()
    check_page(page, "workbench")
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.screenshot(path=screenshots_dir / f"workbench-{viewport['width']}.png", full_page=True)

    page.click("#elderly-toggle")
    expect(page.locator("#app")).to_have_class(re.compile(r"\belderly\b"))
    check_elderly_type(page, "workbench, elderly")
    check_page(page, "workbench, elderly")
    page.set_viewport_size(PHONE)
    page.screenshot(path=screenshots_dir / "workbench-elderly-360.png", full_page=True)


def test_citizen_is_turned_away_from_the_workbench(new_context):
    make_citizen(username="zhang.wei")
    page = new_context().new_page()
    page.goto("/accounts/login/?next=/workbench/")
    sign_in(page, "zhang.wei")
    expect(page.locator("h1")).to_have_text("无权访问")
    assert page.evaluate("document.title").startswith("无权访问")
    check_page(page, "403")

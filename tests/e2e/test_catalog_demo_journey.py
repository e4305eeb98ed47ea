"""The issue's journey over the real demo catalogue (Baqiao bodies + ``baqiao_catalog.json``):
a citizen on a 360 px phone searches "开饭馆", opens 食品经营许可, answers its situation
questions and watches the materials checklist follow; axe-clean at 360 and 1280 px.

live_server needs a transactional database, so the demo is loaded per test (a few seconds).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.checks import check_page
from tests.e2e.conftest import DESKTOP, PHONE
from zhengwu.catalog import search
from zhengwu.kernel.actors import SYSTEM

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FIXTURE = Path(__file__).resolve().parents[2] / "src/zhengwu/catalog/fixtures/baqiao_catalog.json"
# Materials of 食品经营许可 that only some answers need (names as in the fixture).
COLD_FOOD = "冷食类、生食类食品专间布局及设施设备说明"
ONLINE_INFO = "网络经营的网站、平台名称或网址等信息"
AGENT = "授权委托书及受托人居民身份证"
LICENCE = "营业执照"
ALWAYS = "食品安全管理制度文本"  # required whatever the answers


@pytest.fixture
def demo_catalog():
    from zhengwu.catalog.io import import_catalog
    from zhengwu.org.demo import load_demo

    load_demo()
    import_catalog(FIXTURE.read_bytes(), actor=SYSTEM)
    search.set_index(None)  # an index of an earlier test's catalogue must not answer
    yield
    search.set_index(None)


def test_demo_catalogue_search_guide_and_situations_on_a_phone(
    new_context, demo_catalog, screenshots_dir
):
    page = new_context(viewport=PHONE).new_page()
    page.goto("/services/")
    page.fill("#service-search", "开饭馆")
    page.click("form.search-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("搜索办事事项")
    result = page.locator(
        ".search-results a.hit-title", has_text=re.compile(r"^\s*食品经营许可\s*$")
    )
    expect(result.first).to_be_visible()
    page.screenshot(path=screenshots_dir / "catalog-demo-search-360.png", full_page=True)
    check_page(page, "demo search results")

    page.set_viewport_size(PHONE)
    result.first.click()
    expect(page.locator("h1")).to_have_text("食品经营许可")
    materials = page.locator("#checklist-materials")
    expect(materials).to_contain_text(ALWAYS)
    for conditional in (COLD_FOOD, ONLINE_INFO, AGENT, LICENCE):
        expect(materials).not_to_contain_text(conditional)

    page.evaluate("window.__sameDocument = true")
    page.check("#a-applicant-individual")
    expect(materials).to_contain_text(LICENCE)
    page.check("#a-format-restaurant")
    page.check("#a-scope-with-cold")
    expect(materials).to_contain_text(COLD_FOOD)
    page.check("#a-online-online")
    expect(materials).to_contain_text(ONLINE_INFO)
    page.check("#a-agent-agent")
    expect(materials).to_contain_text(AGENT)

    # changing answers takes their materials away again
    page.check("#a-scope-without-cold")
    expect(materials).not_to_contain_text(COLD_FOOD)
    page.check("#a-online-offline")
    expect(materials).not_to_contain_text(ONLINE_INFO)
    page.check("#a-agent-self")
    expect(materials).not_to_contain_text(AGENT)
    expect(materials).to_contain_text(LICENCE)
    expect(materials).to_contain_text(ALWAYS)
    assert page.evaluate("window.__sameDocument === true"), "htmx should not reload the page"
    assert "a.scope=without-cold" in page.url

    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.screenshot(
            path=screenshots_dir / f"catalog-demo-guide-{viewport['width']}.png", full_page=True
        )
    check_page(page, "demo guide page")

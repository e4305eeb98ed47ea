"""A citizen on a phone: search "开饭馆" from the services home, open 食品经营许可, answer the
situation questions and watch the materials checklist follow; axe-clean at 360 and 1280 px.

Runs on the small published catalogue of ``tests/catalog/helpers_pages.py`` (食品经营许可
with a premises question, a sub-let follow-up and an agent question; its FAQ "开饭馆需要办
什么证？" is what the search finds). TODO(lead): when ``catalog/fixtures/baqiao_catalog.json``
and ``catalog.io.import_catalog`` are ready, add the same journey over the demo catalogue.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.catalog.helpers_pages import build_small_catalog
from tests.e2e.checks import check_page
from tests.e2e.conftest import DESKTOP, PHONE
from zhengwu.catalog import search

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def small_catalog():
    search.set_index(None)
    built = build_small_catalog()
    yield built
    search.set_index(None)


def checklist(page):
    return page.locator("#checklist-materials")


def test_search_open_guide_and_answer_situations_on_a_phone(
    new_context, small_catalog, screenshots_dir
):
    page = new_context(viewport=PHONE).new_page()
    page.goto("/services/")
    page.fill("#service-search", "开饭馆")
    page.click("form.search-form button[type=submit]")
    expect(page.locator("h1")).to_have_text("搜索办事事项")
    result = page.locator(".search-results a.hit-title", has_text="食品经营许可").first
    expect(result).to_be_visible()
    page.screenshot(path=screenshots_dir / "catalog-search-360.png", full_page=True)
    check_page(page, "search results")

    page.set_viewport_size(PHONE)
    result.click()
    expect(page.locator("h1")).to_have_text("食品经营许可")
    expect(page.locator(".summary-box")).to_contain_text("食品经营许可证")
    materials = checklist(page)
    expect(materials).to_contain_text("营业执照")
    expect(materials).not_to_contain_text("房屋租赁合同")
    expect(page.locator("#checklist")).not_to_contain_text("是否为转租？")

    # htmx: each answer swaps the checklist in place; the follow-up appears only for "rent"
    page.evaluate("window.__sameDocument = true")
    page.check("#a-premises-rent")
    expect(materials).to_contain_text("房屋租赁合同")
    expect(page.locator("#checklist")).to_contain_text("是否为转租？")
    page.check("#a-sublease-yes")
    expect(materials).to_contain_text("产权人同意转租证明")
    page.check("#a-agent-yes")
    expect(materials).to_contain_text("授权委托书")
    page.check("#a-premises-own")
    expect(materials).to_contain_text("房屋产权证明")
    expect(materials).not_to_contain_text("房屋租赁合同")
    expect(materials).not_to_contain_text("产权人同意转租证明")
    expect(page.locator("#checklist")).not_to_contain_text("是否为转租？")
    assert page.evaluate("window.__sameDocument === true"), "htmx should not reload the page"
    assert "a.premises=own" in page.url  # the answers are in the address (shareable)

    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.screenshot(
            path=screenshots_dir / f"catalog-guide-{viewport['width']}.png", full_page=True
        )
    check_page(page, "guide page")


def test_checklist_without_javascript(new_context, small_catalog):
    page = new_context(java_script_enabled=False, viewport=PHONE).new_page()
    page.goto(f"/services/items/{small_catalog.code}/")
    page.check("#a-premises-rent")
    page.click("#checklist button[type=submit]")
    page.wait_for_load_state()
    expect(checklist(page)).to_contain_text("房屋租赁合同")
    expect(page.locator("#checklist")).to_contain_text("是否为转租？")


def test_guide_elderly_and_english(new_context, small_catalog, screenshots_dir):
    page = new_context().new_page()
    page.goto(f"/services/items/{small_catalog.code}/")
    page.click("#elderly-toggle")
    expect(page.locator("#app.elderly")).to_be_visible()
    check_page(page, "guide page, elderly")
    page.set_viewport_size(PHONE)
    page.screenshot(path=screenshots_dir / "catalog-guide-elderly-360.png", full_page=True)
    page.set_viewport_size(DESKTOP)
    page.click("button[name=language][value=en]")
    expect(page.locator(".summary-box h2")).to_have_text("At a glance")
    check_page(page, "guide page, English")

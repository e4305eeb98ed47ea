"""A visitor on the portal: accessible at desktop and phone widths, elderly mode, language."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.checks import check_elderly_type, check_page, font_size, is_elderly
from tests.e2e.conftest import DESKTOP, PHONE

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_visitor_portal_normal_and_elderly(page, screenshots_dir):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("h1")).to_have_text("欢迎使用政务服务网")
    assert font_size(page, "main p") < 20
    check_page(page, "portal home")
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.screenshot(
            path=screenshots_dir / f"portal-home-{viewport['width']}.png", full_page=True
        )

    # The header switch posts with htmx and swaps the page in place (no navigation).
    page.evaluate("window.__sameDocument = true")
    page.click("#elderly-toggle")
    expect(page.locator("#app")).to_have_class(re.compile(r"\belderly\b"))
    assert page.evaluate("window.__sameDocument === true"), "htmx should not reload the page"
    expect(page.locator("#elderly-toggle")).to_have_attribute("aria-pressed", "true")
    # Keyboard users keep their place: the swapped-in button has the focus again.
    assert page.evaluate("document.activeElement.id") == "elderly-toggle"
    assert font_size(page, "main p") >= 20
    check_elderly_type(page, "portal home, elderly")
    check_page(page, "portal home, elderly")
    for viewport in (PHONE, DESKTOP):
        page.set_viewport_size(viewport)
        page.screenshot(
            path=screenshots_dir / f"portal-home-elderly-{viewport['width']}.png", full_page=True
        )

    page.reload()
    assert is_elderly(page), "elderly mode should survive a reload (cookie)"
    page.click("#elderly-toggle-home")
    expect(page.locator("#app")).not_to_have_class(re.compile(r"\belderly\b"))
    page.reload()
    assert not is_elderly(page)


def test_elderly_switch_works_without_javascript(new_context):
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/")
    page.click("#elderly-toggle")
    page.wait_for_load_state()
    assert page.url.endswith("/")
    assert is_elderly(page)
    assert font_size(page, "main p") >= 20


def test_language_switch_and_error_page(page):
    page.goto("/")
    page.click("button[name=language][value=en]")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_have_text("Welcome to the government service portal")
    check_page(page, "portal home, English")
    page.click("button[name=language][value=zh-hans]")
    expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(page.locator("h1")).to_have_text("欢迎使用政务服务网")

    response = page.goto("/no-such-page/")
    assert response.status == 404
    expect(page.locator("h1")).to_contain_text("页面不存在")
    expect(page.locator("h1")).to_contain_text("Page not found")
    check_page(page, "404")
    page.click("#elderly-toggle")
    expect(page.locator("#app")).to_have_class(re.compile(r"\belderly\b"))
    check_elderly_type(page, "404, elderly")
    check_page(page, "404, elderly")


# Rows of the header at 360 px: (top of each) brand, tool buttons, menu links.
HEADER_ROWS_JS = """() => {
  const tops = sel => [...document.querySelectorAll(sel)]
    .filter(e => e.getClientRects().length)
    .map(e => Math.round(e.getBoundingClientRect().top));
  const brand = document.querySelector(".site-header .brand").getBoundingClientRect();
  return {
    brandHeight: brand.height,
    tools: tops(".site-header .tools .tool-button"),
    nav: tops(".site-nav li"),
    scroll: document.documentElement.scrollWidth,
  };
}"""


@pytest.mark.parametrize("language", ["zh-hans", "en"])
def test_compact_header_on_phones(new_context, live_server, language, screenshots_dir):
    context = new_context(viewport=PHONE)
    context.add_cookies([{"name": "zhengwu_language", "value": language, "url": live_server.url}])
    page = context.new_page()
    for elderly in (False, True):
        page.goto("/accounts/login/")
        if elderly:
            page.click("#elderly-toggle")
            expect(page.locator("#app")).to_have_class(re.compile(r"\belderly\b"))
        rows = page.evaluate(HEADER_ROWS_JS)
        label = f"{language}, elderly={elderly}"
        assert rows["scroll"] <= PHONE["width"], label
        assert rows["brandHeight"] <= 60, f"{label}: the brand wraps ({rows})"
        assert len(set(rows["tools"])) == 1, f"{label}: the tools take several rows ({rows})"
        assert len(set(rows["nav"])) == 1, f"{label}: the menu wraps ({rows})"
        # The brand keeps the full name for assistive technology.
        expect(page.locator(".site-header .brand")).to_have_accessible_name(
            "政务服务网" if language == "zh-hans" else "Government Service Portal"
        )
        check_page(page, f"login header, {label}")
        page.set_viewport_size(PHONE)
        suffix = "-elderly" if elderly else ""
        page.screenshot(path=screenshots_dir / f"header-{language}{suffix}-360.png")

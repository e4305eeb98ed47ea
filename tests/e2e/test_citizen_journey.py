"""A citizen signs in, switches to elderly mode, signs out and in again, changes language."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.checks import check_elderly_type, check_page, font_size, is_elderly
from tests.factories import PASSWORD, make_citizen

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
ELDERLY = re.compile(r"\belderly\b")


def sign_in(page, username: str) -> None:
    form = page.locator("main form:has(input[name=password])")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()


def test_citizen_journey(new_context):
    citizen = make_citizen(username="zhang.wei", real_name="张伟")
    page = new_context().new_page()

    page.goto("/")
    page.locator("header").get_by_role("link", name="登录").click()
    expect(page).to_have_url(re.compile(r"/accounts/login/\?next=/$"))
    expect(page.locator("h1")).to_have_text("登录")
    check_page(page, "login")
    sign_in(page, "zhang.wei")
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.locator("header .who")).to_have_text("张伟")
    expect(page.locator("main")).to_contain_text("您已登录：张伟。")
    check_page(page, "home, signed in")

    # Elderly mode, switched on with htmx from the header.
    assert font_size(page, "main p") < 20
    page.click("#elderly-toggle")
    expect(page.locator("#app")).to_have_class(ELDERLY)
    assert font_size(page, "main p") >= 20
    assert font_size(page, "#app") >= 20
    citizen.refresh_from_db()
    assert citizen.elderly_mode is True, "the choice is kept on the account"
    page.reload()
    assert is_elderly(page)
    check_elderly_type(page, "home, signed in, elderly")
    check_page(page, "home, signed in, elderly")

    # Sign out: this browser still remembers the choice.
    page.locator("header").get_by_role("button", name="退出登录").click()
    expect(page.locator("header").get_by_role("link", name="登录")).to_be_visible()
    assert is_elderly(page)
    page.goto("/accounts/login/")
    check_elderly_type(page, "login, elderly")
    check_page(page, "login, elderly")

    # A browser that never saw the switch: the account brings elderly mode with it.
    other = new_context().new_page()
    other.goto("/accounts/login/?next=/")
    assert not is_elderly(other)
    sign_in(other, "zhang.wei")
    expect(other.locator("header .who")).to_have_text("张伟")
    assert is_elderly(other)
    assert font_size(other, "main p") >= 20

    # English and back.
    other.click("button[name=language][value=en]")
    expect(other.locator("html")).to_have_attribute("lang", "en")
    expect(other.locator("h1")).to_have_text("Welcome to the government service portal")
    expect(other.locator("main")).to_contain_text("You are signed in as 张伟.")
    expect(other.locator("#elderly-toggle")).to_have_accessible_name("Elderly-friendly mode")
    assert is_elderly(other)
    check_page(other, "home, English, elderly")
    other.click("button[name=language][value=zh-hans]")
    expect(other.locator("html")).to_have_attribute("lang", "zh-Hans")
    expect(other.locator("h1")).to_have_text("欢迎使用政务服务网")

    # Switching off clears it for the account too.
    other.click("#elderly-toggle")
    expect(other.locator("#app")).not_to_have_class(ELDERLY)
    citizen.refresh_from_db()
    assert citizen.elderly_mode is False

"""电子证照 wallet end to end in Chromium: 亮证 on a phone and a clerk scanning the code.

A citizen holding a 食品经营许可证 opens the wallet on a 360 px phone (a phone's User-Agent,
so the showing counts as a mobile view), shows the licence with its dynamic licence code; a
window clerk, in a second browser context, types the code into the scan page (as a hardware
scanner does) and sees the live licence; typing it again is refused (已使用). The holder then
sees the clerk's read in the licence's read log. Pages are checked with axe-core at 1280 and
360 px, and the show page in elderly mode.

The world (issuer, licence type, holder, clerk) is built here with real services: issuance is
signed through ``services.issue_licence``.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.checks import check_elderly_type, check_page, page_width
from tests.e2e.conftest import PHONE
from tests.e2e.test_citizen_journey import sign_in
from tests.factories import DepartmentFactory, make_citizen, make_staff
from tests.licences.conftest import FOOD_METADATA, FOOD_SCHEMA, FOOD_TYPE
from zhengwu.kernel.actors import SYSTEM
from zhengwu.licences import services
from zhengwu.licences.models import LicenceRead, LicenceType, LicenceView, UseGrant

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def world(db):
    market = DepartmentFactory(name="西安市灞桥区市场监督管理局")
    food = LicenceType.objects.create(
        code=FOOD_TYPE,
        name="食品经营许可证",
        name_en="Food business licence",
        defining_body=market.name,
        defining_body_code=FOOD_TYPE[:18],
        holder_kind="either",
        metadata_schema=FOOD_SCHEMA,
        validity_years=5,
    )
    citizen = make_citizen(real_name="王小明")
    profile = citizen.citizen_profile
    licence = services.issue_licence(
        holder=services.parse_holder(profile.real_name, profile.id_number, user_id=citizen.pk),
        licence_type=food,
        issuer_code=market.uscc,
        issuer_name=market.name,
        issuer_department_id=market.pk,
        actor=SYSTEM,
        metadata=dict(FOOD_METADATA),
        region="610111",
    )
    clerk = make_staff(department=market, roles=["window_clerk"], display_name="李娜")
    return {"citizen": citizen, "clerk": clerk, "licence": licence}


def _signed_in(new_context, user, next_url: str, **options):
    page = new_context(**options).new_page()
    page.goto(f"/accounts/login/?next={next_url}")
    sign_in(page, user.username)
    page.wait_for_url(re.compile(re.escape(next_url.split("?")[0]) + r"(\?.*)?$"))
    return page


def test_citizen_shows_a_licence_and_a_clerk_scans_its_dynamic_code(
    new_context, world, screenshots_dir
):
    licence = world["licence"]
    wallet_url = reverse("licences:wallet")
    show_url = reverse("licences:show", args=[licence.pk])

    # The citizen on a phone: the wallet lists the licence as valid.
    citizen = _signed_in(
        new_context, world["citizen"], wallet_url, viewport=PHONE, user_agent=IPHONE
    )
    item = citizen.locator(".lw-item", has_text=licence.number)
    expect(item).to_contain_text("食品经营许可证")
    expect(item.locator(".lw-state-ok")).to_be_visible()
    assert page_width(citizen) <= PHONE["width"]
    check_page(citizen, "licence wallet")
    citizen.set_viewport_size(PHONE)  # check_page leaves the page at desktop width

    # 亮证: the face card and the dynamic code, renewed by the script.
    item.locator(f"a[href='{show_url}']").click()
    citizen.wait_for_url(re.compile(re.escape(show_url) + "$"))
    expect(citizen.locator(".lc-card")).to_contain_text(licence.number)
    expect(citizen.locator("[data-qr] svg")).to_be_visible()
    expect(citizen.locator("[data-countdown]")).to_contain_text(re.compile(r"\d"))
    token = citizen.locator("[data-token]").inner_text().strip()
    assert token.startswith("ZW1.L.")
    assert LicenceView.objects.filter(licence=licence, channel="mobile").count() == 1
    assert page_width(citizen) <= PHONE["width"]
    citizen.screenshot(path=screenshots_dir / "licences-show-360.png", full_page=True)
    check_page(citizen, "licence show page")

    # The window clerk, in another browser: types the scanned code and sees the live licence.
    scan_url = reverse("licences_scan:index")
    clerk = _signed_in(new_context, world["clerk"], scan_url)
    check_page(clerk, "scan page")
    token = citizen.locator("[data-token]").inner_text().strip()  # the code on the phone now
    clerk.locator("#id_token").fill(token)
    clerk.locator("main form button[type=submit]").click()
    clerk.wait_for_load_state("load")
    expect(clerk.locator(".lc-card")).to_contain_text(licence.number)
    expect(clerk.locator(".lw-ok").first).to_be_visible()
    expect(clerk.locator("main")).to_contain_text("王小明")
    assert LicenceRead.objects.filter(licence=licence, via="qr").count() == 1

    # A second scan of the same code (a screenshot, say) is refused.
    again = clerk.context.new_page()
    again.goto(scan_url)
    again.locator("#id_token").fill(token)
    again.locator("main form button[type=submit]").click()
    again.wait_for_load_state("load")
    expect(again.locator(".alert-error")).to_contain_text("已使用")
    expect(again.locator(".lc-card")).to_have_count(0)
    assert LicenceRead.objects.filter(licence=licence).count() == 1
    check_page(clerk, "scan result")
    check_page(again, "scan refused")
    again.close()

    # The script renews the code before it runs out (the page's clock is moved on 55 s).
    renewing = citizen.context.new_page()
    renewing.clock.install()
    renewing.goto(show_url + "?refresh=1")
    shown = renewing.locator("[data-token]").inner_text().strip()
    renewing.clock.fast_forward("00:55")
    expect(renewing.locator("[data-token]")).not_to_have_text(shown)
    expect(renewing.locator("[data-token]")).to_contain_text("ZW1.L.")
    renewing.close()

    # The holder sees who read the licence; the pages also work in elderly mode (the text-size
    # check runs on the pages without the face card, whose drawn seal has small SVG text).
    citizen.goto(show_url + "?refresh=1")
    expect(citizen.locator("main table")).to_contain_text("西安市灞桥区市场监督管理局")
    expect(citizen.locator("main table")).to_contain_text("李*")
    citizen.click("#elderly-toggle")
    expect(citizen.locator("#app")).to_have_class(re.compile(r"\belderly\b"))
    citizen.reload()
    check_page(citizen, "licence show page, elderly")
    citizen.goto(wallet_url)
    check_elderly_type(citizen, "licence wallet, elderly")
    citizen.goto(reverse("licences:code"))
    expect(citizen.locator("[data-token]")).to_contain_text("ZW1.C.")
    check_elderly_type(citizen, "personal code, elderly")
    check_page(citizen, "personal code, elderly")

    # 用证授权: the holder lets the market regulator read the licence; its clerk opens it.
    citizen.goto(reverse("licences:grants") + f"?licence={licence.pk}")
    check_elderly_type(citizen, "grants page, elderly")
    check_page(citizen, "grants page, elderly")
    form = citizen.locator("main form").first
    expect(form.locator(f"input[name=licence_ids][value='{licence.pk}']")).to_be_checked()
    form.locator("#id_department").select_option(label="西安市灞桥区市场监督管理局")
    form.locator("#id_purpose").fill("食品经营许可证年度核查")
    form.locator("button[type=submit]").click()
    citizen.wait_for_load_state("load")
    expect(citizen.locator(".alert-success")).to_be_visible()
    expect(citizen.locator("main")).to_contain_text("食品经营许可证年度核查")
    grant = UseGrant.objects.get()
    clerk.goto(reverse("licences_scan:granted"))
    read_url = reverse("licences_scan:granted_read", args=[grant.pk, licence.pk])
    check_page(clerk, "granted licences")
    clerk.locator(f"main a[href='{read_url}']").click()
    clerk.wait_for_url(re.compile(re.escape(read_url) + "$"))
    expect(clerk.locator(".lc-card")).to_contain_text(licence.number)
    check_page(clerk, "granted licence")
    assert LicenceRead.objects.filter(licence=licence, via="grant", grant=grant).count() == 1

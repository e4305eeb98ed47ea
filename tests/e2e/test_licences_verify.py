"""The public licence verifier in Chromium on a 360 px phone.

A citizen's 食品经营许可证 is issued (signed) and its PDF rendered; a forger changes the end of
validity inside a copy of the PDF. On the public verification page (no login) a verifier
looks the licence up by identifier, then uploads the genuine PDF — shown as genuine and valid
— and the tampered one — shown as not genuine, with the reason in Chinese and English. A
wrong check character is refused with a message. Each page is checked with axe-core at 1280
and 360 px (``checks.check_page``), the result page also in elderly mode.
"""

from __future__ import annotations

import re

import pytest
from django.core.cache import cache
from playwright.sync_api import expect

from tests.e2e.checks import check_elderly_type, check_page
from tests.e2e.conftest import PHONE
from tests.licences.conftest import lw  # noqa: F401  (the licence world fixture)
from zhengwu.licences import render

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_public_verifier_shows_genuine_and_tampered_pdf(
    lw,  # noqa: F811
    new_context,
    tmp_path,
    screenshots_dir,
):
    cache.clear()
    licence = lw.issue()
    pdf = render.render_pdf(licence)
    genuine = tmp_path / "食品经营许可证.pdf"
    genuine.write_bytes(pdf)
    end = licence.valid_until.isoformat().encode()
    assert pdf.count(b'"valid_until":"' + end) == 1
    tampered = tmp_path / "食品经营许可证-改.pdf"
    tampered.write_bytes(pdf.replace(b'"valid_until":"' + end, b'"valid_until":"2099-12-31'))

    page = new_context(viewport=PHONE, is_mobile=True, has_touch=True).new_page()
    page.goto("/licences/verify/")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        re.compile("核验电子证照|Verify an e-licence")
    )
    check_page(page, "verify form")

    # a wrong check character: refused before any lookup, with the field marked
    bad = licence.identifier[:-1] + ("A" if licence.identifier[-1] != "A" else "B")
    page.locator("#identifier").fill(bad)
    page.locator("#verify-id").click()
    expect(page.locator("#verify-error")).to_contain_text("校验位")
    expect(page.locator("#identifier")).to_have_attribute("aria-invalid", "true")
    check_page(page, "verify form, wrong check character")

    # by identifier
    page.locator("#identifier").fill(licence.identifier)
    page.locator("#verify-id").click()
    expect(page.locator("#result-h")).to_have_attribute("data-verdict", "valid")
    expect(page.locator(".lc-card")).to_contain_text(licence.number)
    expect(page.locator(".lc-card")).to_contain_text("王**")
    check_page(page, "verify result by identifier")

    # the genuine PDF
    page.locator("#file").set_input_files(str(genuine))
    page.locator("#verify-file").click()
    expect(page.locator("#result-h")).to_have_attribute("data-verdict", "valid")
    expect(page.locator(".lv-result")).to_have_class(re.compile(r"\blv-ok\b"))
    check_page(page, "verify result, genuine PDF")

    # the tampered PDF
    page.locator("#file").set_input_files(str(tampered))
    page.locator("#verify-file").click()
    expect(page.locator(".lv-result")).to_have_class(re.compile(r"\blv-bad\b"))
    expect(page.locator("#result-h")).to_have_attribute("data-verdict", "altered")
    reasons = page.locator(".lv-reasons")
    expect(reasons).to_contain_text("签名验证失败")
    expect(reasons).to_contain_text("The signature does not verify")
    expect(reasons).to_contain_text("PDF 文件在签发后被改动")
    check_page(page, "verify result, tampered PDF")
    page.set_viewport_size(PHONE)
    page.screenshot(path=screenshots_dir / "licences-verify-tampered-360.png", full_page=True)

    # elderly mode on the result of the identifier lookup
    page.goto(f"/licences/verify/?identifier={licence.identifier}")
    page.click("#elderly-toggle")
    expect(page.locator("#app")).to_have_class(re.compile(r"\belderly\b"))
    expect(page.locator("#result-h")).to_have_attribute("data-verdict", "valid")
    check_elderly_type(page, "verify result, elderly")
    check_page(page, "verify result, elderly")
    page.set_viewport_size(PHONE)
    page.screenshot(path=screenshots_dir / "licences-verify-elderly-360.png", full_page=True)

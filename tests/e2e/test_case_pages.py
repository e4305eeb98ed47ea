"""The citizen's case pages in Chromium: axe-core, 360 px and elderly mode (moved here so they
share the session's one browser with the other journeys)."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.cases import conftest as case_fixtures
from tests.cases.conftest import FOOD, NEWBORN, food_answers, pdf_bytes
from tests.cases.test_portal_views import FORGED, _submitted
from zhengwu.cases import services
from zhengwu.cases.choices import CaseStatus
from zhengwu.cases.models import Case


@pytest.fixture
def world(db, settings, tmp_path):
    return case_fixtures.build_world(settings, tmp_path)


# --- in a browser: axe-core, 360 px, elderly mode -------------------------------------------------


@pytest.mark.e2e
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("elderly", [False, True], ids=["normal", "elderly"])
def test_case_pages_in_a_browser(new_context, world, tmp_path, elderly):
    """The whole journey in Chromium: every page passes axe-core (no serious or critical
    violation) at 1280 and 360 px without sideways scrolling, with 44 px targets; in elderly
    mode every text is ≥ 20 px and every target ≥ 48 px. htmx refreshes the materials when
    an answer changes and swaps a refused submission in place."""
    from playwright.sync_api import expect

    from tests.e2e.checks import check_elderly_type, check_page
    from tests.factories import PASSWORD

    def check(page, label):
        check_page(page, label)
        if elderly:
            check_elderly_type(page, label)

    context = new_context()
    page = context.new_page()
    page.goto("/accounts/login/")
    form = page.locator("main form:has(input[name=password])")
    form.locator("input[name=username]").fill(world.citizen.username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")
    if elderly:
        context.add_cookies([{"name": "zhengwu_elderly", "value": "1", "url": page.url}])

    code = world.code(FOOD)
    page.goto(reverse("cases:apply", args=[code]))
    check(page, "apply")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/cases/\d+/edit/$"))
    check(page, "draft")
    answers = food_answers(world.version(FOOD))
    for question, option in answers.items():  # each answer saved and the draft swapped in
        radio = f"input[name='a.{question}'][value='{option}']"
        with page.expect_response(lambda r: r.url.endswith("/edit/") and r.status == 200):
            page.locator(radio).check()
        expect(page.locator(radio)).to_be_checked()
    expect(page.locator("#material-business-licence")).to_be_visible()  # follows the answer
    for question, option in answers.items():
        expect(page.locator(f"input[name='a.{question}'][value='{option}']")).to_be_checked()
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(FORGED)
    page.locator("#file-application-form").set_input_files(str(forged))
    page.locator("button[name=action][value=save]").last.click()
    page.wait_for_load_state("load")
    expect(page.locator("#error-summary")).to_be_visible()
    check(page, "draft, file refused")
    case = Case.objects.get(status=CaseStatus.DRAFT)
    for material in case.materials.all():
        path = tmp_path / f"{material.key}.pdf"
        path.write_bytes(pdf_bytes(material.key))
        page.locator(f"#file-{material.key}").set_input_files(str(path))
    page.locator("button[name=action][value=review]").click()
    page.wait_for_url(re.compile(r"/review/$"))
    check(page, "review")
    page.locator("#commitment").check()
    page.locator("form.submit-form button[type=submit]").click()
    expect(page.locator("#error-summary")).to_be_visible()  # swapped in by htmx (422)
    check(page, "review, commitment unsigned")
    page.locator("#commitment-signed-name").fill("张伟")
    page.locator("form.submit-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    expect(page.locator(".timeline")).to_be_visible()
    check(page, "case page")

    other = _submitted(world)
    services.request_correction(
        case_id=other.pk,
        user=world.clerk,
        items=[{"material_key": other.materials.first().key, "reason": "签字不清晰"}],
    )
    for url, label in (
        (reverse("cases:detail", args=[other.pk]), "case page, correction"),
        (reverse("cases:mine"), "my cases"),
        (reverse("cases:messages"), "messages"),
        (reverse("cases:withdraw", args=[other.pk]), "withdraw"),
        (reverse("cases:complaint") + f"?case={other.pk}", "complaint"),
        (reverse("cases:progress") + f"?number={other.number}&name=张伟", "progress"),
        (reverse("cases:progress") + f"?number={other.number}&name=x", "progress, not found"),
    ):
        page.goto(url)
        check(page, label)
    page.goto(reverse("cases:apply_bundle", args=[NEWBORN]))
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/cases/\d+/edit/$"))
    check(page, "bundle draft")

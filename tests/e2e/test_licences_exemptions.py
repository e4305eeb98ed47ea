"""免证办 pages in Chromium: the applicant's draft shows a material satisfied by their
e-licence and an earlier material offered for reuse (360 px, elderly mode); the clerk sees
the licence verified on the case page and opens it (the read is logged); an administrator
reads the "two exemptions" report. Every page passes axe-core at 1280 and 360 px."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from tests.cases import conftest as case_fixtures
from tests.cases.conftest import DOG, upload_all
from tests.cases.test_exemption import issue_id_card
from tests.e2e.checks import check_elderly_type, check_page
from tests.e2e.conftest import PHONE
from tests.e2e.test_citizen_journey import sign_in
from tests.factories import make_staff
from zhengwu.cases import services
from zhengwu.licences.models import LicenceRead

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(db, settings, tmp_path):
    return case_fixtures.build_world(settings, tmp_path)


def _signed_in(new_context, user, next_url: str, **options):
    page = new_context(**options).new_page()
    page.goto(f"/accounts/login/?next={next_url}")
    sign_in(page, user.username)
    page.wait_for_url(re.compile(re.escape(next_url.split("?")[0]) + r"(\?.*)?$"))
    return page


def test_exemption_pages(new_context, world):
    from playwright.sync_api import expect

    licence = issue_id_card(world.citizen)
    # an earlier application, accepted: its materials may be reused
    first = services.draft_create(user=world.citizen, implementation_code=world.code(DOG))
    upload_all(first, world.citizen, skip=("id-card",))
    services.submit(case_id=first.pk, user=world.citizen, idempotency_key="e2e-1")
    services.accept(case_id=first.pk, user=world.clerk)
    draft = services.draft_create(user=world.citizen, implementation_code=world.code(DOG))

    edit_url = reverse("cases:edit", args=[draft.pk])
    citizen = _signed_in(new_context, world.citizen, edit_url, viewport=PHONE)
    expect(citizen.locator("[data-exemption=licence]")).to_contain_text(licence.number)
    expect(citizen.locator("[data-reuse=residence-proof]")).to_be_visible()
    check_page(citizen, "draft with an exemption")
    # reuse with consent: one press of the button
    citizen.locator("[data-reuse=residence-proof] button").first.click()
    citizen.wait_for_load_state("load")
    expect(citizen.locator("[data-reuse=residence-proof]")).to_have_count(0)
    citizen.click("#elderly-toggle")
    expect(citizen.locator("#app")).to_have_class(re.compile(r"\belderly\b"))
    citizen.reload()
    check_elderly_type(citizen, "draft with an exemption, elderly")
    check_page(citizen, "draft with an exemption, elderly")

    upload_all(draft, world.citizen, skip=("id-card", "residence-proof"))
    services.submit(case_id=draft.pk, user=world.citizen, idempotency_key="e2e-2")

    detail_url = reverse("cases_workbench:detail", args=[draft.pk])
    clerk = _signed_in(new_context, world.clerk, detail_url)
    expect(clerk.locator("[data-exemption=verified]")).to_contain_text(licence.number)
    check_page(clerk, "workbench case with an exemption")
    clerk.locator("[data-exemption=verified] a").click()
    clerk.wait_for_load_state("load")
    expect(clerk.locator("main")).to_contain_text(licence.identifier)
    check_page(clerk, "licence of a case material")
    assert LicenceRead.objects.filter(licence=licence, via="case", case_id=draft.pk).count() == 1

    administrator = make_staff(roles=["administrator"])
    report_url = reverse("licences_exemptions:report")
    admin = _signed_in(new_context, administrator, report_url)
    expect(admin.locator(f"[data-item='{draft.implementation_code}']")).to_be_visible()
    check_page(admin, "two exemptions report")

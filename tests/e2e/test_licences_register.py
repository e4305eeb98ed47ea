"""The e-licence register end to end in Chromium: an approver of the issuing department finds
a licence, suspends it with a reason and sees the history; the holder's public verification
then shows it as not valid. Pages are checked with axe-core at 1280 and 360 px, and the
detail page in elderly mode.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from tests.e2e.checks import check_elderly_type, check_page
from tests.e2e.test_citizen_journey import sign_in
from tests.factories import DepartmentFactory, make_citizen, make_staff
from tests.licences.conftest import FOOD_METADATA, FOOD_SCHEMA, FOOD_TYPE
from zhengwu.kernel.actors import SYSTEM
from zhengwu.licences import services
from zhengwu.licences.models import Licence, LicenceType, StatusChange

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


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
    profile = make_citizen(real_name="王小明").citizen_profile
    licence = services.issue_licence(
        holder=services.parse_holder(profile.real_name, profile.id_number),
        licence_type=food,
        issuer_code=market.uscc,
        issuer_name=market.name,
        issuer_department_id=market.pk,
        actor=SYSTEM,
        metadata=dict(FOOD_METADATA),
        region="610111",
    )
    approver = make_staff(department=market, roles=["approver"], display_name="周敏")
    return {"licence": licence, "approver": approver}


def test_approver_suspends_a_licence_and_the_public_check_shows_it(new_context, world):
    licence = world["licence"]
    page = new_context().new_page()
    register = reverse("licences_workbench:register")
    page.goto(f"/accounts/login/?next={register}")
    sign_in(page, world["approver"].username)
    page.wait_for_url(re.compile(re.escape(register)))
    page.fill("#s-q", licence.number)
    page.locator("form[role=search] button[type=submit]").click()
    link = page.locator(f"a[href='{reverse('licences_workbench:detail', args=[licence.pk])}']")
    expect(link).to_have_count(1)
    check_page(page, "licence register")
    link.click()
    expect(page.locator("#identifier")).to_have_text(licence.identifier)
    # An approver is cleared for level-4 data: the holder in full on the detail page.
    expect(page.locator("#holder-name")).to_have_text("王小明")
    expect(page.locator("#holder-code")).not_to_contain_text("*")
    check_page(page, "licence detail")

    # A status change without a reason is refused at the field, and changes nothing.
    page.check("#st-suspended")
    page.locator("#action-status button[type=submit]").click()
    expect(page.locator("#st-reason-error")).to_be_visible()
    assert Licence.objects.get(pk=licence.pk).status == "valid"
    check_page(page, "licence detail with an error")

    page.check("#st-suspended")
    page.fill("#st-reason", "经营场所现场检查不符合要求，责令整改")
    page.locator("#action-status button[type=submit]").click()
    expect(page.locator("#licence-status")).to_contain_text(re.compile("暂扣|suspended"))
    change = StatusChange.objects.get(licence=licence)
    assert (change.from_status, change.to_status) == ("valid", "suspended")
    assert change.actor_id == world["approver"].pk

    page.click("#elderly-toggle")
    expect(page.locator("#app")).to_have_class(re.compile(r"\belderly\b"))
    check_elderly_type(page, "licence detail (elderly)")

    public = new_context().new_page()
    public.goto(f"{reverse('licences_public:verify')}?identifier={licence.identifier}")
    verdict = public.locator("[data-verdict]")
    expect(verdict).to_have_attribute("data-verdict", "not_valid")
    expect(public.locator("body")).to_contain_text(re.compile("暂扣|suspended"))

"""一人一档 and electronic archives in Chromium.

A 食品经营许可 case is driven to conclusion through the real services (the archive package is
built by the ``case.concluded`` handler after the real commit) and a second case of the same
citizen is accepted. The market regulator's approver, who handles that second case, types a
wrong ID number (shown at the field), then the right one, and sees the dossier on that ground;
the citizen, on a 360 px phone in elderly mode, sees their dossier and the approver's read
under "谁查看了我的档案"; an administrator opens the archives and runs the four-properties
check. Every page is checked with axe-core at 1280 and 360 px (``checks.check_page``).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.cases import conftest as case_fixtures
from tests.dossiers.conftest import accepted_case, concluded_case
from tests.e2e.checks import check_elderly_type, check_page
from tests.e2e.conftest import PHONE
from tests.e2e.test_citizen_journey import sign_in
from tests.factories import make_staff
from zhengwu.dossiers.models import ArchivePackage

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world(db, settings, tmp_path):
    return case_fixtures.build_world(settings, tmp_path)


def _signed_in(new_context, user, next_url: str, **options):
    page = new_context(**options).new_page()
    page.goto(f"/accounts/login/?next={next_url}")
    sign_in(page, user.username)
    page.wait_for_url(re.compile(re.escape(next_url) + r"(\?.*)?$"))
    return page


def test_dossier_lookup_owner_view_and_archive_check(world, new_context, screenshots_dir):
    from zhengwu.org.selectors import department_by_name

    done = concluded_case(world)
    current = accepted_case(world, key="k2")
    assert ArchivePackage.objects.filter(case_id=done.pk, status="archived").exists()
    id_number = world.citizen.citizen_profile.id_number

    staff = _signed_in(new_context, world.approver, "/workbench/dossiers/")
    check_page(staff, "dossier lookup")
    staff.fill("#ds-code", id_number[:-1] + ("0" if id_number[-1] != "0" else "1"))
    staff.locator("main form button[type=submit]").click()
    expect(staff.locator("#ds-code-error")).to_be_visible()
    expect(staff.locator("#ds-code")).to_have_attribute("aria-invalid", "true")
    check_page(staff, "dossier lookup, wrong number")
    staff.fill("#ds-code", id_number)
    staff.locator("main form button[type=submit]").click()
    expect(staff.locator("#ds-grounds")).to_contain_text(current.number)
    expect(staff.locator("#ds-cases")).to_contain_text(done.number)
    expect(staff.locator("#ds-ratings")).to_have_count(0)
    check_page(staff, "dossier shown to staff")

    citizen = _signed_in(new_context, world.citizen, "/dossiers/", viewport=PHONE)
    expect(citizen.locator("#ds-reads")).to_contain_text("区市场监管局")
    citizen.click("#elderly-toggle")
    expect(citizen.locator("#app")).to_have_class(re.compile(r"\belderly\b"))
    citizen.reload()
    check_elderly_type(citizen, "my dossier, elderly")
    check_page(citizen, "my dossier, elderly")
    citizen.set_viewport_size(PHONE)
    citizen.screenshot(path=screenshots_dir / "dossier-elderly-360.png", full_page=True)

    centre = department_by_name("区行政审批服务局")
    admin = make_staff(department=centre, roles=["administrator"], display_name="档案员")
    archivist = _signed_in(new_context, admin, "/workbench/dossiers/archives/")
    check_page(archivist, "archives")
    archivist.get_by_role("link", name=done.number).click()
    archivist.locator("#check form button[type=submit]").click()
    expect(archivist.locator(".alert-success")).to_be_visible()
    expect(archivist.locator("#problems")).to_have_count(0)
    check_page(archivist, "archive package")

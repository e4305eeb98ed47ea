import re
import pytest
from playwright.sync_api import expect
from tests.e2e.conftest import browser, new_context, page  # noqa
from tests.e2e.checks import check_page, check_elderly_type
from tests.cases.conftest import FOOD, NEWBORN, food_answers, pdf_bytes, upload_all, world  # noqa
from tests.factories import PASSWORD
from zhengwu.cases import services
from zhengwu.cases.models import Case

pytestmark = [pytest.mark.django_db(transaction=True)]


def sign_in(page, username):
    page.goto("/accounts/login/")
    form = page.locator("main form:has(input[name=password])")
    form.locator("input[name=username]").fill(username)
    form.locator("input[name=password]").fill(PASSWORD)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state("load")


def _submitted(world, name=FOOD):
    user = world.citizen
    case = services.draft_create(user=user, implementation_code=world.code(name))
    services.draft_update(case_id=case.pk, user=user, answers=food_answers(world.version(name)))
    case.refresh_from_db()
    upload_all(case, user)
    return services.submit(case_id=case.pk, user=user, idempotency_key="e2e-key-000000001")


@pytest.mark.parametrize("elderly", [False, True])
def test_pages(new_context, world, tmp_path, elderly):
    context = new_context()
    page = context.new_page()
    sign_in(page, world.citizen.username)
    if elderly:
        context.add_cookies([{"name": "zhengwu_elderly", "value": "1", "url": page.url}])
    check = (lambda p, label: (check_page(p, label), check_elderly_type(p, label))) if elderly else check_page
    code = world.code(FOOD)
    page.goto(f"/cases/apply/{code}/")
    check(page, "apply")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("load")
    assert "/edit/" in page.url
    check(page, "edit")
    # htmx: choosing an answer refreshes the list
    page.locator("input[name='a.applicant'][value='company']").check()
    page.wait_for_timeout(800)
    expect(page.locator("#material-business-licence")).to_be_visible()
    for q in ("scope", "format", "online"):
        page.locator(f"input[name='a.{q}']").first.check()
        page.wait_for_timeout(600)
    # a forged file
    f = tmp_path / "forged.pdf"
    f.write_bytes(b"MZ" + b"\x00" * 100)
    page.locator("#file-application-form").set_input_files(str(f))
    page.locator("button[name=action][value=save]").last.click()
    page.wait_for_load_state("load")
    check(page, "edit 422")
    # upload everything
    case = Case.objects.filter(status="draft").order_by("-id").first()
    for m in case.materials.all():
        p = tmp_path / f"{m.key}.pdf"
        p.write_bytes(pdf_bytes(m.key))
        page.locator(f"#file-{m.key}").set_input_files(str(p))
    page.locator("button[name=action][value=save]").last.click()
    page.wait_for_load_state("load")
    check(page, "edit with files")
    page.screenshot(path=f"/tmp/portal_html/edit_{elderly}.png", full_page=True)
    page.set_viewport_size({"width": 360, "height": 740})
    page.screenshot(path=f"/tmp/portal_html/edit_phone_{elderly}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.locator("button[name=action][value=review]").click()
    page.wait_for_load_state("load")
    assert "/review/" in page.url
    check(page, "review")
    page.locator("#commitment").check()
    page.locator("button[type=submit]", has_text=re.compile(".")).last.click()
    page.wait_for_timeout(1500)
    check(page, "review 422 (htmx)")
    page.locator("#commitment-signed-name").fill("张伟")
    page.locator("form.submit-form button[type=submit]").click()
    page.wait_for_url(re.compile(r"/cases/\d+/$"))
    page.wait_for_timeout(500)
    check(page, "detail")
    page.set_viewport_size({"width": 360, "height": 740})
    page.screenshot(path=f"/tmp/portal_html/detail_phone_{elderly}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    c2 = _submitted(world)
    services.request_correction(case_id=c2.pk, user=world.clerk, items=[{"material_key": c2.materials.first().key, "reason": "不清晰"}])
    page.goto(f"/cases/{c2.pk}/")
    check(page, "detail correction")
    page.goto("/cases/mine/")
    check(page, "mine")
    page.set_viewport_size({"width": 360, "height": 740})
    page.screenshot(path=f"/tmp/portal_html/mine_phone_{elderly}.png", full_page=True)
    page.set_viewport_size({"width": 1280, "height": 800})
    page.goto("/cases/messages/")
    check(page, "messages")
    page.goto(f"/cases/progress/?number={c2.number}&name=张伟")
    check(page, "progress found")
    page.goto(f"/cases/progress/?number={c2.number}&name=x")
    check(page, "progress not found")
    page.goto(f"/cases/complaint/?case={c2.pk}")
    check(page, "complaint")
    page.locator("#text").fill("跑了三趟")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("load")
    check(page, "complaint done")
    page.goto(f"/cases/{c2.pk}/withdraw/")
    check(page, "withdraw")
    page.goto(f"/cases/apply-bundle/{NEWBORN}/")
    page.locator("main form button[type=submit]").click()
    page.wait_for_load_state("load")
    check(page, "bundle edit")
    page.goto(f"/services/items/{code}/")
    check(page, "guide")

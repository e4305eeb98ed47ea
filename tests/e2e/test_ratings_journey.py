"""好差评 end to end in Chromium: a bad review, its rectification and the "三个100%".

A citizen on a 360 px phone opens their concluded case, follows its rating link and rates the
service 非常不满意 with a reason (elderly mode on); the responsible department's handler finds
it in the rectification queue, verifies it valid and rectifies it with a reply; the centre's
supervisor records the revisit (satisfied), which closes it; the citizen sees the reply; the
"三个100%" page shows the department at 100%, and the indicators dashboard's rectification
rate moves from 0 to 100 % at the periodic refresh. Each page is checked with axe-core at 1280 and
360 px (``checks.check_page``); the rate page also in elderly mode.

The concluded case is set up as a row (case handling has its own journeys): what is under
test here is the ratings pages and services.
"""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.e2e.checks import check_elderly_type, check_page, page_width
from tests.e2e.conftest import PHONE
from tests.e2e.test_citizen_journey import sign_in
from tests.factories import DepartmentFactory, make_citizen, make_staff
from zhengwu.cases.models import Case
from zhengwu.metrics.tasks import refresh_aggregates
from zhengwu.ratings.models import Rectification, Review

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

ITEM = "食品经营许可"
NUMBER = "BQ20261127000042"
COMPLAINT = "补正通知没有一次说清，来回跑了三趟"
EVIDENCE = "调取窗口记录：两次补正通知分别告知，情况属实"
MEASURES = "对窗口人员开展一次性告知培训，补正清单改为系统生成"
REPLY = "您反映的问题属实，我们已整改并向您致歉"
REVISIT_NOTE = "电话回访，申请人表示满意"


def _signed_in(new_context, user, next_url: str, **options):
    page = new_context(**options).new_page()
    page.goto(f"/accounts/login/?next={next_url}")
    sign_in(page, user.username)
    page.wait_for_url(re.compile(re.escape(next_url.split("?")[0]) + r"(\?.*)?$"))
    return page


@pytest.fixture
def data(db):
    from zhengwu.kernel import workdays

    workdays.seed_from_package(years=[timezone.localdate().year])
    department = DepartmentFactory(name="区市场监管局")
    centre = DepartmentFactory(name="区行政审批服务局")
    citizen = make_citizen(real_name="张伟")
    case = Case.objects.create(
        number=NUMBER,
        item_name=ITEM,
        implementation_code="11610111MB29550370000011110001",
        channel="portal",
        applicant_kind="citizen",
        applicant_user=citizen,
        applicant_name="张伟",
        applicant_id_type="111",
        department=department,
        status="concluded",
        concluded_at=timezone.now(),
    )
    return {
        "case": case,
        "citizen": citizen,
        "handler": make_staff(department=department, roles=["approver"], display_name="王建军"),
        "supervisor": make_staff(department=centre, roles=["supervisor"], display_name="吴敏"),
    }


def test_bad_review_is_verified_rectified_revisited_and_closed(new_context, data, screenshots_dir):
    case = data["case"]
    rate_url = reverse("ratings:rate_case", args=[NUMBER])

    # The citizen, on a phone: the concluded case links to its rating page.
    citizen = _signed_in(
        new_context, data["citizen"], reverse("cases:detail", args=[case.pk]), viewport=PHONE
    )
    citizen.locator(f"#rate a[href='{rate_url}']").click()
    citizen.wait_for_url(re.compile(re.escape(rate_url) + "$"))
    expect(citizen.locator("h1")).to_have_text(ITEM)
    expect(citizen.locator("input[name=level]")).to_have_count(5)
    check_page(citizen, "rate page")

    # Elderly mode: large type and targets on the rate page too.
    citizen.click("#elderly-toggle")
    expect(citizen.locator("#app")).to_have_class(re.compile(r"\belderly\b"))
    citizen.reload()
    check_elderly_type(citizen, "rate page, elderly")
    check_page(citizen, "rate page, elderly")
    citizen.set_viewport_size(PHONE)

    # The reasons appear once a bad level is chosen; the counter follows the text.
    tags = citizen.locator("[data-rt-tags]")
    expect(tags).to_be_hidden()
    citizen.locator("label[for=level-5]").click()
    expect(citizen.locator("#level-5")).to_be_checked()
    expect(tags).to_be_visible()
    tags.get_by_label("多次跑动").check()
    citizen.locator("#rate-text").fill(COMPLAINT)
    expect(citizen.locator("#text-count")).to_contain_text(str(len(COMPLAINT)))
    assert page_width(citizen) <= PHONE["width"]
    citizen.screenshot(path=screenshots_dir / "ratings-rate-elderly-360.png", full_page=True)
    citizen.locator("#rate-form button[type=submit]").click()
    citizen.wait_for_url(re.compile(re.escape(rate_url) + "$"))
    expect(citizen.locator(".alert-success")).to_be_visible()
    expect(citizen.locator("#review-level")).to_have_text("非常不满意")
    review = Review.objects.get(subject_key=NUMBER)
    assert (review.level, review.tags, review.channel) == (5, ["多次跑动"], "1")
    assert review.text == COMPLAINT
    rect = Rectification.objects.get(review=review)
    assert rect.status == "verifying"
    check_page(citizen, "rate page, rated")

    # The indicators dashboard after the periodic refresh: one bad review, none rectified.
    handler = _signed_in(new_context, data["handler"], reverse("metrics:dashboard"))
    refresh_aggregates.enqueue()
    handler.reload()
    rate_cell = handler.locator("#ind-rectification_rate td").first
    expect(rate_cell).to_have_text(re.compile(r"^\s*0(\.0)?\s*%?\s*$"))
    check_page(handler, "indicators dashboard")

    # The department's handler: the queue, the rectification, verify valid.
    handler.goto(reverse("ratings_workbench:queue"))
    detail_url = reverse("ratings_workbench:detail", args=[rect.pk])
    link = handler.locator(f"#queue a[href='{detail_url}']")
    expect(link).to_have_count(1)
    check_page(handler, "rectification queue")
    link.click()
    handler.wait_for_url(re.compile(re.escape(detail_url) + "$"))
    expect(handler.locator("#rectification-status")).to_have_text("待核实")
    expect(handler.locator("#review-text")).to_contain_text(COMPLAINT)
    check_page(handler, "rectification, verifying")
    handler.screenshot(path=screenshots_dir / "ratings-rectification.png", full_page=True)
    verify = handler.locator("#action-verify form")
    verify.locator("label[for=verify-valid-yes]").click()
    verify.locator("#verify-evidence").fill(EVIDENCE)
    verify.locator("button[type=submit]").click()
    expect(handler.locator("#rectification-status")).to_have_text("整改中")

    # Rectify with measures and a reply to the rater.
    rectify = handler.locator("#action-rectify form")
    rectify.locator("#rectify-measures").fill(MEASURES)
    rectify.locator("#rectify-reply").fill(REPLY)
    check_page(handler, "rectification, rectifying")
    rectify.locator("button[type=submit]").click()
    expect(handler.locator("#rectification-status")).to_have_text("待回访")
    expect(handler.locator("#measures")).to_contain_text(MEASURES)
    rect.refresh_from_db()
    assert rect.status == "revisiting" and rect.valid is True

    # The centre's supervisor revisits the rater: satisfied, which closes it.
    supervisor = _signed_in(new_context, data["supervisor"], detail_url)
    revisit = supervisor.locator("#action-revisit form")
    revisit.locator("label[for=revisit-satisfied-yes]").click()
    revisit.locator("#revisit-note").fill(REVISIT_NOTE)
    revisit.locator("button[type=submit]").click()
    expect(supervisor.locator("#rectification-status")).to_have_text("已办结")
    expect(supervisor.locator("#timeline")).to_contain_text("回访办结")
    check_page(supervisor, "rectification, closed")
    rect.refresh_from_db()
    assert rect.status == "closed" and rect.revisit_satisfied is True

    # The citizen reads the department's reply on the rate page.
    citizen.reload()
    expect(citizen.locator("#department-reply")).to_contain_text(REPLY)
    expect(citizen.locator("#follow-up")).to_contain_text("已办结")

    # 三个100%: the department is verified, rectified and revisited in full.
    handler.goto(reverse("ratings_workbench:three_100"))
    department = handler.locator("section.rt-dept", has_text="区市场监管局")
    expect(department).to_have_count(1)
    for key in ("verified_rate", "rectified_rate", "revisited_rate"):
        expect(department.locator(f"[id$='-{key}'] dd")).to_have_text("100.0%")
    check_page(handler, "three 100%")
    handler.screenshot(path=screenshots_dir / "ratings-three-100.png", full_page=True)

    # The dashboard's rectification rate moves to 100 % at the next refresh.
    refresh_aggregates.enqueue()
    handler.goto(reverse("metrics:dashboard"))
    expect(handler.locator("#ind-rectification_rate td").first).to_have_text(
        re.compile(r"^\s*100(\.0)?\s*%?\s*$")
    )

"""Case handling (办件) end to end in Chromium: citizens on a 360 px phone, staff on desktops.

1. 食品经营许可: guide → apply → situation answers → one PDF per material → check your
   answers → submit; the window issues a one-time correction notice, the citizen corrects
   and resubmits, the window accepts, the market-supervision approver claims and passes,
   the head approves, the window delivers (identity checked); the citizen's case page shows
   the case concluded with its notices as real PDFs.
2. 新生儿出生一件事: one form and one set of materials for every member item; the window
   accepts the bundle once; the child cases wait in their departments' queues side by side;
   two children go through the workbench pages (one approved, one denied with a reason), the
   others through the services; each is delivered (download); the citizen's single bundle
   page lists every child with its result and the combined result notice.

Every distinct page is checked with axe-core (no serious or critical violation) at 1280 and
360 px, without sideways scrolling at 360 px (``checks.check_page``).
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from tests.cases import conftest as case_fixtures
from tests.cases.conftest import FOOD, NEWBORN, food_answers, pdf_bytes
from tests.e2e.checks import check_page, page_width
from tests.e2e.conftest import PHONE
from tests.e2e.test_citizen_journey import sign_in
from tests.factories import citizen_id_for, make_staff
from zhengwu.cases import services
from zhengwu.cases.choices import CaseKind, CaseStatus, Decision, NoticeKind
from zhengwu.cases.models import Case, Delivery, Notice

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


# The Baqiao world of the case tests: org tree, staff, citizens, part of the demo catalogue.
@pytest.fixture
def world(db, settings, tmp_path):
    return case_fixtures.build_world(settings, tmp_path)


CORRECTION_REASON = "法定代表人签字不清晰，请重新签字后上传"
REVIEW_OPINION = "材料齐全，符合食品经营许可条件"
APPROVE_OPINION = "同意，准予食品经营许可"
DENY_REASON = "父亲身份信息与户籍记录不一致，不予办理"


# --- helpers ------------------------------------------------------------------------------------


def _pdf_payload(name: str, text: str) -> dict:
    return {"name": name, "mimeType": "application/pdf", "buffer": pdf_bytes(text)}


def _signed_in(new_context, user, next_url: str, **options):
    """A fresh browser context with ``user`` signed in, on ``next_url``."""
    page = new_context(**options).new_page()
    page.goto(f"/accounts/login/?next={next_url}")
    sign_in(page, user.username)
    page.wait_for_url(re.compile(re.escape(next_url.split("?")[0]) + r"(\?.*)?$"))
    return page


def _check_phone(page, label: str) -> None:
    """axe at 1280 and 360 px, no sideways scroll at 360; then back to the phone's size."""
    check_page(page, label)
    page.set_viewport_size(PHONE)
    assert page_width(page) <= PHONE["width"], f"{label}: scrolls sideways at 360 px"


def _notice_pdf_starts_with_magic(page, link) -> None:
    href = link.get_attribute("href")
    assert href, "the notice link has an address"
    response = page.request.get(href)
    assert response.ok, f"{href}: {response.status}"
    assert response.body().startswith(b"%PDF-"), f"{href} is not a PDF"


def _case_link(page, case):
    return page.locator(f"a[href='{reverse('cases_workbench:detail', args=[case.pk])}']")


def _complete_step(page, opinion: str, *, decision: str | None = None) -> None:
    form = page.locator("#actions form[action$='/step/']")
    expect(form).to_have_count(1)
    if decision is not None:
        form.locator(f"input[name=decision][value={decision}]").check()
    form.locator("textarea[name=opinion]").fill(opinion)
    form.locator("button[name=action][value=pass]").click()
    expect(page.locator(".alert-success")).to_have_text("环节已办理。")


def _deliver(page, method: str, *, identity_checked: bool) -> None:
    form = page.locator("#actions form[action$='/deliver/']")
    form.locator(f"input[name=method][value={method}]").check()
    if identity_checked:
        form.locator("input[name=identity_checked]").check()
    form.locator("button[type=submit]").click()
    expect(page.locator(".alert-success")).to_have_text("结果已送达，办件已办结。")


# --- 1. 食品经营许可 ----------------------------------------------------------------------


def test_food_licence_from_guide_to_concluded_with_a_correction(
    new_context, world, screenshots_dir
):
    code = world.code(FOOD)
    version = world.version(FOOD)

    # The citizen, on a phone: the guide, then the start page.
    guide_url = reverse("catalog:guide", args=[code])
    citizen = _signed_in(new_context, world.citizen, guide_url, viewport=PHONE)
    expect(citizen.locator("h1")).to_have_text(FOOD)
    _check_phone(citizen, "guide")
    citizen.locator("main a.button-primary", has_text="在线办理").first.click()
    citizen.wait_for_url(re.compile(re.escape(reverse("cases:apply", args=[code])) + "$"))
    expect(citizen.locator("h1")).to_have_text(FOOD)
    _check_phone(citizen, "apply")
    citizen.get_by_role("button", name="开始申请").click()
    citizen.wait_for_url(re.compile(r"/cases/\d+/edit/$"))
    case = Case.objects.get(applicant_user=world.citizen, status=CaseStatus.DRAFT)
    _check_phone(citizen, "draft")

    # The situation questions: each answer refreshes the draft (htmx) and its materials.
    answers = food_answers(version)
    for question, option in answers.items():
        radio = citizen.locator(f"input[name='a.{question}'][value='{option}']")
        with citizen.expect_response(lambda r: r.url.endswith("/edit/") and r.status == 200):
            radio.check()
        expect(radio).to_be_checked()
    case.refresh_from_db()
    assert case.answers == answers
    citizen.locator("#f-phone").fill("13800138000")
    materials = list(case.materials.order_by("sort_order"))
    assert any(m.required for m in materials)
    for material in materials:  # one real PDF each (the required ones and the rest)
        citizen.locator(f"#file-{material.key}").set_input_files(
            _pdf_payload(f"{material.key}.pdf", material.key)
        )
    citizen.get_by_role("button", name="下一步：核对申请信息").click()
    citizen.wait_for_url(re.compile(r"/review/$"))
    review = citizen.locator("#materials")
    for material in materials:
        expect(review.locator(f"#material-{material.key}")).to_contain_text(f"{material.key}.pdf")
    _check_phone(citizen, "review")
    citizen.locator("form.submit-form").get_by_role("button", name="提交申请").click()
    citizen.wait_for_url(re.compile(rf"/cases/{case.pk}/$"))
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and case.number
    expect(citizen.locator(".page-head .case-number")).to_have_text(case.number)
    expect(citizen.locator(".page-head .case-status")).to_have_text("待受理")
    _check_phone(citizen, "case page, submitted")

    # The window clerk: the acceptance queue, the case, a one-time correction notice.
    clerk = _signed_in(new_context, world.clerk, reverse("cases_workbench:index"))
    expect(clerk.locator("#queue-heading")).to_have_text("待受理")
    check_page(clerk, "acceptance queue")
    _case_link(clerk, case).click()
    clerk.wait_for_url(re.compile(rf"/workbench/cases/{case.pk}/$"))
    expect(clerk.locator("h1")).to_contain_text(case.number)
    check_page(clerk, "workbench case, submitted")
    target = materials[0]
    correction = clerk.locator("#action-correction form")
    for box in correction.locator("input[name=correction_material]").all():
        box.set_checked(box.get_attribute("value") == target.key)  # nothing is missing
    correction.locator(f"#reason-{target.key}").fill(CORRECTION_REASON)
    correction.get_by_role("button", name="出具补正材料通知书").click()
    expect(clerk.locator(".alert-success")).to_have_text("补正材料通知书已出具。")
    expect(clerk.locator(".wb-status")).to_have_text("待补正")
    case.refresh_from_db()
    assert case.status == CaseStatus.CORRECTION

    # The citizen sees what to correct, uploads a new file and submits the corrections.
    citizen.reload()
    box = citizen.locator("#correction")
    expect(box).to_be_visible()
    expect(box.locator(f"#material-{target.key} .correction-reason")).to_contain_text(
        CORRECTION_REASON
    )
    _check_phone(citizen, "case page, correction")
    box.locator(f"#file-{target.key}").set_input_files(_pdf_payload("重新签字.pdf", "signed again"))
    box.get_by_role("button", name="上传所选文件").click()
    citizen.wait_for_url(re.compile(rf"/cases/{case.pk}/#correction$"))
    expect(citizen.locator(f"#correction #material-{target.key}")).to_contain_text("重新签字.pdf")
    citizen.locator("#correction").get_by_role("button", name="提交补正").click()
    expect(citizen.locator(".page-head .case-status")).to_have_text("待受理")
    expect(citizen.locator("#correction")).to_have_count(0)

    # The clerk accepts.
    clerk.reload()
    accept = clerk.locator("#action-accept form").first
    accept.locator("textarea[name=opinion]").fill("补正材料齐全，予以受理")
    accept.get_by_role("button", name="受理申请").click()
    expect(clerk.locator(".wb-status")).to_have_text("办理中")
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.department.name == "区市场监管局"

    # The approver of 区市场监管局: the department queue, claim, review passed.
    approver = _signed_in(
        new_context, world.approver, reverse("cases_workbench:index") + "?queue=department"
    )
    row = approver.locator("table.wb-queue tr", has=_case_link(approver, case))
    expect(row).to_have_count(1)
    check_page(approver, "department queue")
    row.get_by_role("button", name=re.compile("^签收")).click()
    approver.wait_for_url(re.compile(rf"/workbench/cases/{case.pk}/$"))
    expect(approver.locator(".alert-success")).to_have_text("任务已签收。")
    expect(approver.locator("#actions")).to_contain_text("王建军")  # claimed by
    check_page(approver, "workbench case, claimed")
    _complete_step(approver, REVIEW_OPINION)

    # The head decides: approve.
    head = _signed_in(
        new_context, world.head, reverse("cases_workbench:index") + "?queue=department"
    )
    _case_link(head, case).click()
    head.wait_for_url(re.compile(rf"/workbench/cases/{case.pk}/$"))
    history = head.locator("section[aria-labelledby=history-heading]")
    expect(history).to_contain_text(REVIEW_OPINION)  # the review's opinion, for the decision
    check_page(head, "workbench case, to decide")
    _complete_step(head, APPROVE_OPINION, decision=Decision.APPROVE)
    expect(head.locator(".wb-status")).to_have_text("已决定待送达")

    # The window delivers: collected in person, identity checked.
    clerk.reload()
    check_page(clerk, "workbench case, to deliver")
    _deliver(clerk, "window", identity_checked=True)
    expect(clerk.locator(".wb-status")).to_have_text("已办结")
    case.refresh_from_db()
    assert case.status == CaseStatus.CONCLUDED and case.decision == Decision.APPROVE
    delivery = Delivery.objects.get(case=case)
    assert delivery.method == "window" and delivery.identity_checked

    # The citizen's case page: concluded, the result number, the notices as real PDFs.
    citizen.reload()
    expect(citizen.locator(".page-head .case-status")).to_have_text("已办结")
    expect(citizen.locator(".next-box")).to_contain_text(case.result_number)
    notices = citizen.locator("#notices")
    for title in ("受理通知书", "补正材料通知书", "准予行政许可决定书"):
        expect(notices.locator("a", has_text=title)).to_have_count(1)
    _notice_pdf_starts_with_magic(citizen, notices.locator("a", has_text="准予行政许可决定书"))
    _notice_pdf_starts_with_magic(citizen, notices.locator("a", has_text="补正材料通知书"))
    _check_phone(citizen, "case page, concluded")
    citizen.screenshot(path=screenshots_dir / "case-food-licence-concluded-360.png", full_page=True)


# --- 2. 新生儿出生一件事 ----------------------------------------------------------------


def test_newborn_bundle_parallel_children_one_page_one_result_notice(
    new_context, world, screenshots_dir
):
    from zhengwu.org.models import Department

    # The citizen, on a phone: one form and one set of materials for every member item.
    start = reverse("cases:apply_bundle", args=[NEWBORN])
    citizen = _signed_in(new_context, world.citizen, start, viewport=PHONE)
    expect(citizen.locator("h1")).to_have_text("新生儿出生一件事")
    _check_phone(citizen, "bundle start")
    citizen.get_by_role("button", name="开始申请").click()
    citizen.wait_for_url(re.compile(r"/cases/\d+/edit/$"))
    parent = Case.objects.get(applicant_user=world.citizen, kind=CaseKind.BUNDLE)
    keys = list(parent.materials.values_list("key", flat=True))
    assert keys and len(keys) == len(set(keys)), "one deduplicated set of materials"
    _check_phone(citizen, "bundle draft")

    born = timezone.localdate() - timedelta(days=10)
    values = {
        "child_name": "张小宝",
        "child_sex": "男",
        "birth_date": born.isoformat(),
        "birth_place": "西安市灞桥区妇幼保健院",
        "mother_name": "李娜",
        "mother_id_number": citizen_id_for(901, birth="19920305"),
        "father_name": "张伟",
        "father_id_number": world.citizen.citizen_profile.id_number,
        "household_follow": "随父",
        "phone": "13800138000",
        "mailing_address": "西安市灞桥区纺织城街道1号",
    }
    for key, value in values.items():  # the bundle's merged form: each field asked once
        citizen.locator(f"#f-{key}").fill(value)
    for key in keys:
        citizen.locator(f"#file-{key}").set_input_files(_pdf_payload(f"{key}.pdf", key))
    citizen.get_by_role("button", name="下一步：核对申请信息").click()
    citizen.wait_for_url(re.compile(r"/review/$"))
    _check_phone(citizen, "bundle review")
    citizen.locator("form.submit-form").get_by_role("button", name="提交申请").click()
    citizen.wait_for_url(re.compile(rf"/cases/{parent.pk}/$"))
    parent.refresh_from_db()
    assert parent.status == CaseStatus.SUBMITTED and parent.number
    children = list(parent.children.order_by("id"))
    assert len(children) >= 2
    expect(citizen.locator(".page-head .case-number")).to_have_text(parent.number)
    expect(citizen.locator(".case-list .case-card")).to_have_count(len(children))

    # The window accepts the bundle once: every child starts.
    clerk = _signed_in(new_context, world.clerk, reverse("cases_workbench:index"))
    _case_link(clerk, parent).click()
    clerk.wait_for_url(re.compile(rf"/workbench/cases/{parent.pk}/$"))
    check_page(clerk, "workbench bundle, submitted")
    clerk.locator("#action-accept form").first.get_by_role("button", name="受理申请").click()
    expect(clerk.locator(".wb-status")).to_have_text("办理中")
    for child in children:
        child.refresh_from_db()
        assert child.status == CaseStatus.IN_PROGRESS, child.item_name

    # Staff of every child department; two children in different departments by the pages.
    staff = {}
    for department_id in {c.department_id for c in children}:
        department = Department.objects.get(pk=department_id)
        staff[department_id] = (
            make_staff(department=department, roles=["approver"], display_name="孙审查"),
            make_staff(department=department, roles=["department_head"], display_name="周负责"),
        )
    assert len(staff) >= 2
    by_page = []
    for child in children:
        if child.department_id not in {c.department_id for c in by_page}:
            by_page.append(child)
    by_page = by_page[:2]
    approved_on_page, denied_on_page = by_page

    # Both wait in their departments' queues at the same time.
    approvers = {}
    for child in by_page:
        approver, _head = staff[child.department_id]
        page = _signed_in(
            new_context, approver, reverse("cases_workbench:index") + "?queue=department"
        )
        expect(page.locator("table.wb-queue tr", has=_case_link(page, child))).to_have_count(1)
        approvers[child.pk] = page
    check_page(approvers[approved_on_page.pk], "department queue, bundle child")

    for child in by_page:
        page = approvers[child.pk]
        row = page.locator("table.wb-queue tr", has=_case_link(page, child))
        row.get_by_role("button", name=re.compile("^签收")).click()
        page.wait_for_url(re.compile(rf"/workbench/cases/{child.pk}/$"))
        expect(page.locator(".alert-success")).to_have_text("任务已签收。")
        _complete_step(page, "材料齐全，信息一致" if child is approved_on_page else "已审查")
    check_page(approvers[approved_on_page.pk], "workbench bundle child")

    for child, decision, opinion in (
        (approved_on_page, Decision.APPROVE, "同意"),
        (denied_on_page, Decision.DENY, DENY_REASON),
    ):
        _approver, head_user = staff[child.department_id]
        head = _signed_in(
            new_context, head_user, reverse("cases_workbench:detail", args=[child.pk])
        )
        _complete_step(head, opinion, decision=decision)
        expect(head.locator(".wb-status")).to_have_text("已决定待送达")

    # The other children through the services, approved.
    for child in children:
        if child in by_page:
            continue
        approver, head_user = staff[child.department_id]
        services.complete_step(case_id=child.pk, user=approver, action="pass", opinion="符合")
        services.complete_step(
            case_id=child.pk, user=head_user, action="pass", decision="approve", opinion="同意"
        )

    # Delivery, one by one: the two on the page, the others by the service.
    for child in children:
        if child in by_page:
            clerk.goto(reverse("cases_workbench:detail", args=[child.pk]))
            _deliver(clerk, "download", identity_checked=False)
        else:
            services.deliver(case_id=child.pk, user=world.clerk, method="download")
    parent.refresh_from_db()
    assert parent.status == CaseStatus.CONCLUDED
    notice = Notice.objects.get(case=parent, kind=NoticeKind.BUNDLE_RESULT)
    assert len(notice.content["children"]) == len(children)

    # The citizen's one bundle page: every child with its result, the refusal's reason, the
    # combined result notice.
    citizen.reload()
    expect(citizen.locator(".page-head .case-status")).to_have_text("已办结")
    cards = citizen.locator(".case-list .case-card")
    expect(cards).to_have_count(len(children))
    for child in children:
        child.refresh_from_db()
        link = citizen.locator(f"a[href='{reverse('cases:detail', args=[child.pk])}']")
        card = cards.filter(has=link)
        expect(card).to_have_count(1)
        expect(card.locator(".case-status")).to_have_text("已办结")
        if child.pk == denied_on_page.pk:
            assert child.decision == Decision.DENY
            expect(card).to_contain_text(DENY_REASON)
            expect(card).not_to_contain_text("准予")
        else:
            assert child.decision == Decision.APPROVE, child.item_name
            expect(card).to_contain_text(child.result_number)
    result = citizen.locator("#notices a", has_text="一件事办理结果通知书")
    expect(result).to_have_count(1)
    _notice_pdf_starts_with_magic(citizen, result)
    _check_phone(citizen, "bundle page, concluded")
    shot = screenshots_dir / "case-newborn-bundle-concluded-360.png"
    citizen.screenshot(path=shot, full_page=True)

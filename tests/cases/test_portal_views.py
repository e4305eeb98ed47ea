"""The citizen's case pages (/cases/): apply → draft → answers → uploads → review → submit →
follow the case; corrections, withdrawal, payment, messages, 办不成事, the public progress
lookup, bundles (一件事), and what another user or an anonymous visitor gets."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.cases.conftest import DOG, FOOD, NEWBORN, food_answers, pdf_bytes, upload_all
from tests.factories import citizen_id_for
from zhengwu.cases import services
from zhengwu.cases.choices import CaseKind, CaseStatus
from zhengwu.cases.models import Case, CaseFile, Complaint, Message, Notice, Payment
from zhengwu.catalog import selectors as catalog_selectors

pytestmark = pytest.mark.django_db

FORGED = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 64
TOKEN = re.compile(r'name="idempotency_key" value="([^"]+)"')


# --- helpers ----------------------------------------------------------------------------------


def _pdf(name: str = "scan.pdf", text: str = "zhengwu") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, pdf_bytes(text), content_type="application/pdf")


def _apply(client, code: str, *, bundle: bool = False) -> Case:
    url = reverse("cases:apply_bundle" if bundle else "cases:apply", args=[code])
    response = client.post(url)
    assert response.status_code == 302, response.content.decode()[:2000]
    case = Case.objects.filter(status=CaseStatus.DRAFT).order_by("-id").first()
    assert response["Location"] == reverse("cases:edit", args=[case.pk])
    return case


def _answers(world, name: str = FOOD) -> dict[str, str]:
    return {f"a.{k}": v for k, v in food_answers(world.version(name)).items()}


def _all_files(case: Case) -> dict[str, SimpleUploadedFile]:
    return {
        f"file.{m.key}": _pdf(f"{m.key}.pdf", m.key) for m in case.materials.order_by("sort_order")
    }


def _submitted(world, name: str = FOOD, user=None) -> Case:
    user = user or world.citizen
    case = services.draft_create(user=user, implementation_code=world.code(name))
    services.draft_update(case_id=case.pk, user=user, answers=food_answers(world.version(name)))
    case.refresh_from_db()
    upload_all(case, user)
    return services.submit(case_id=case.pk, user=user, idempotency_key="portal-test-key-1")


def _review_token(client, case: Case) -> str:
    response = client.get(reverse("cases:review", args=[case.pk]))
    assert response.status_code == 200
    found = TOKEN.search(response.content.decode())
    assert found, "the review page carries a submission token"
    return found.group(1)


# --- the main journey -------------------------------------------------------------------------


def test_apply_answer_upload_review_submit_and_follow(client, world):
    client.force_login(world.citizen)
    code = world.code(FOOD)
    start = client.get(reverse("cases:apply", args=[code]))
    assert start.status_code == 200 and FOOD in start.content.decode()
    assert Case.objects.count() == 0  # showing the start page creates nothing

    case = _apply(client, code)
    assert case.channel == "portal" and case.applicant_user_id == world.citizen.pk
    page = client.get(reverse("cases:edit", args=[case.pk])).content.decode()
    version = world.version(FOOD)
    first_question = version.situations.filter(parent_option__isnull=True).first()
    assert first_question.question in page
    assert 'type="radio"' in page and "<fieldset" in page and "<legend>" in page
    id_number = world.citizen.citizen_profile.id_number
    assert id_number not in page  # shown masked only
    assert f"{id_number[:6]}********{id_number[-4:]}" in page

    saved = client.post(
        reverse("cases:edit", args=[case.pk]),
        {**_answers(world), "f.phone": "13800138000", "action": "save"},
    )
    assert saved.status_code == 302 and saved["Location"].endswith("#materials")
    case.refresh_from_db()
    assert case.answers == food_answers(version)
    assert case.form_data["phone"] == "13800138000"
    materials = list(case.materials.order_by("sort_order"))
    assert len(materials) > 3  # the answers brought their materials

    # a file whose content is not what its name says is refused, naming the material
    target = materials[0]
    forged = client.post(
        reverse("cases:edit", args=[case.pk]),
        {
            **_answers(world),
            "f.phone": "13800138000",
            f"file.{target.key}": SimpleUploadedFile("licence.pdf", FORGED),
        },
    )
    assert forged.status_code == 422
    body = forged.content.decode()
    assert target.name in body and "无法识别文件类型" in body
    assert f'href="#material-{target.key}"' in body  # the summary links to the material
    assert not CaseFile.objects.filter(material__case=case).exists()

    uploaded = client.post(
        reverse("cases:edit", args=[case.pk]),
        {**_answers(world), "f.phone": "13800138000", "action": "review", **_all_files(case)},
    )
    assert uploaded.status_code == 302
    assert uploaded["Location"] == reverse("cases:review", args=[case.pk])
    assert CaseFile.objects.filter(material__case=case).count() == len(materials)

    review = client.get(reverse("cases:review", args=[case.pk])).content.decode()
    assert f"{target.key}.pdf" in review and version.commitment_allowed
    assert 'name="commitment_signed_name"' in review
    token = TOKEN.search(review).group(1)

    first = client.post(reverse("cases:review", args=[case.pk]), {"idempotency_key": token})
    second = client.post(reverse("cases:review", args=[case.pk]), {"idempotency_key": token})
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("cases:detail", args=[case.pk])
    assert Case.objects.exclude(status=CaseStatus.DRAFT).count() == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED and case.number
    assert case.idempotency_key == token

    detail = client.get(reverse("cases:detail", args=[case.pk]))
    text = detail.content.decode()
    assert detail.status_code == 200
    assert case.number in text and "待受理" in text
    assert f"申请已提交，办件编号 {case.number}" in text  # the public timeline
    assert "等待窗口受理" in text  # what happens next, and by when
    assert 'class="timeline"' in text

    mine = client.get(reverse("cases:mine")).content.decode()
    assert case.number in mine and reverse("cases:detail", args=[case.pk]) in mine


def test_submitting_with_materials_missing_names_them_next_to_the_material(client, world):
    client.force_login(world.citizen)
    case = _apply(client, world.code(FOOD))
    client.post(reverse("cases:edit", args=[case.pk]), {**_answers(world), "action": "save"})
    token = _review_token(client, case)
    response = client.post(reverse("cases:review", args=[case.pk]), {"idempotency_key": token})
    assert response.status_code == 422
    body = response.content.decode()
    missing = case.materials.filter(deficiency_allowed=False).order_by("sort_order").first()
    assert f"请提供材料：{missing.name}" in body
    assert f'href="#material-{missing.key}"' in body and f'id="material-{missing.key}"' in body
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT and case.number is None


def test_commitment_needs_the_box_and_a_name(client, world):
    client.force_login(world.citizen)
    case = _apply(client, world.code(FOOD))
    client.post(reverse("cases:edit", args=[case.pk]), _answers(world))  # the list follows
    client.post(reverse("cases:edit", args=[case.pk]), {**_answers(world), **_all_files(case)})
    token = _review_token(client, case)
    url = reverse("cases:review", args=[case.pk])
    unsigned = client.post(url, {"idempotency_key": token, "commitment": "1"})
    assert unsigned.status_code == 422 and "请填写姓名以签署承诺" in unsigned.content.decode()
    signed = client.post(
        url, {"idempotency_key": token, "commitment": "1", "commitment_signed_name": "张伟"}
    )
    assert signed.status_code == 302
    case.refresh_from_db()
    assert case.commitment and case.commitment_record.signed_name == "张伟"


def test_a_draft_can_be_left_and_continued_and_files_removed(client, world):
    client.force_login(world.citizen)
    case = _apply(client, world.code(FOOD))
    material = case.materials.order_by("sort_order").first()
    client.post(
        reverse("cases:edit", args=[case.pk]),
        {**_answers(world), f"file.{material.key}": _pdf("first.pdf")},
    )
    row = CaseFile.objects.get(material__case=case)
    mine = client.get(reverse("cases:mine")).content.decode()
    assert reverse("cases:edit", args=[case.pk]) in mine  # "continue" the draft
    edit = client.get(reverse("cases:edit", args=[case.pk])).content.decode()
    assert "first.pdf" in edit
    assert f'form="remove-{row.pk}"' in edit and f'id="remove-{row.pk}"' in edit
    removed = client.post(reverse("cases:remove_file", args=[case.pk, row.pk]))
    assert removed.status_code == 302
    assert not CaseFile.objects.filter(material__case=case).exists()


def test_a_bad_phone_number_is_refused_and_kept_as_typed(client, world):
    client.force_login(world.citizen)
    case = _apply(client, world.code(FOOD))
    response = client.post(reverse("cases:edit", args=[case.pk]), {"f.phone": "call me"})
    assert response.status_code == 422
    body = response.content.decode()
    assert "电话号码格式不正确" in body and 'value="call me"' in body
    assert 'aria-invalid="true"' in body
    case.refresh_from_db()
    assert case.form_data.get("phone") != "call me"


# --- access ------------------------------------------------------------------------------------


def test_anonymous_apply_goes_to_login(client, world):
    url = reverse("cases:apply", args=[world.code(FOOD)])
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))
        assert "next=" in response["Location"]
    assert not Case.objects.exists()
    assert client.get(reverse("cases:mine")).status_code == 302


def test_cases_root_is_my_cases(client, world):
    client.force_login(world.citizen)
    response = client.get("/cases/")
    assert response.status_code == 302 and response["Location"] == reverse("cases:mine")
    assert client.get(response["Location"]).status_code == 200


def test_another_citizen_gets_404_everywhere_and_changes_nothing(client, world):
    case = _submitted(world)
    services.request_correction(
        case_id=case.pk,
        user=world.clerk,
        items=[{"material_key": case.materials.first().key, "reason": "签字不清晰"}],
    )
    notice = Notice.objects.get(case=case)
    client.force_login(world.citizen2)
    gets = [
        reverse("cases:detail", args=[case.pk]),
        reverse("cases:edit", args=[case.pk]),
        reverse("cases:review", args=[case.pk]),
        reverse("cases:withdraw", args=[case.pk]),
        reverse("cases:notice_pdf", args=[case.pk, notice.pk]),
        reverse("cases:complaint") + f"?case={case.pk}",
    ]
    for url in gets:
        assert client.get(url).status_code == 404, url
    posts = [
        reverse("cases:withdraw", args=[case.pk]),
        reverse("cases:resubmit", args=[case.pk]),
        reverse("cases:upload", args=[case.pk]),
        reverse("cases:pay", args=[case.pk]),
    ]
    for url in posts:
        assert client.post(url, {"reason": "x"}).status_code == 404, url
    complaint = client.post(reverse("cases:complaint"), {"case": case.pk, "text": "x"})
    assert complaint.status_code == 404
    case.refresh_from_db()
    assert case.status == CaseStatus.CORRECTION
    assert not Complaint.objects.exists()
    # the owner gets the notice as a PDF named after the document
    client.force_login(world.citizen)
    pdf = client.get(reverse("cases:notice_pdf", args=[case.pk, notice.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content).startswith(b"%PDF")
    disposition = pdf["Content-Disposition"]
    assert disposition.startswith("attachment") and "filename*=utf-8''" in disposition
    assert "%E8%A1%A5%E6%AD%A3" in disposition  # 补正


def test_a_staff_member_is_sent_to_the_workbench_not_shown_the_portal_page(client, world):
    case = _submitted(world)
    client.force_login(world.clerk)
    assert client.get(reverse("cases:detail", args=[case.pk])).status_code == 404


# --- public progress ----------------------------------------------------------------------------


def test_progress_lookup_needs_the_right_name_and_reveals_nothing_else(client, world):
    case = _submitted(world)
    url = reverse("cases:progress")
    found = client.get(url, {"number": case.number, "name": "张伟"})
    body = found.content.decode()
    assert found.status_code == 200
    assert FOOD in body and "待受理" in body and "申请已提交" in body
    assert world.citizen.citizen_profile.id_number[-4:] + "<" not in body
    assert found["Referrer-Policy"] == "no-referrer"

    wrong_name = client.get(url, {"number": case.number, "name": "李娜"})
    unknown = client.get(url, {"number": "610111209901010000001", "name": "张伟"})
    assert wrong_name.status_code == unknown.status_code == 404

    def message(response):
        return re.search(
            r'<div class="alert alert-error" role="alert" id="lookup-error">(.*?)</div>',
            response.content.decode(),
            re.S,
        ).group(1)

    assert message(wrong_name) == message(unknown)
    assert "未找到与编号和姓名相符的办件" in message(unknown)
    assert FOOD not in wrong_name.content.decode()


def test_the_qr_code_link_shows_the_form_with_the_number(client, world):
    case = _submitted(world)
    response = client.get(reverse("cases:progress"), {"number": case.number})
    body = response.content.decode()
    assert response.status_code == 200
    assert f'value="{case.number}"' in body and 'id="lookup-error"' not in body
    assert "待受理" not in body  # nothing shown without the name


# --- after submission ---------------------------------------------------------------------------


def test_correction_upload_and_resubmit_from_the_case_page(client, world):
    case = _submitted(world)
    material = case.materials.order_by("sort_order").first()
    services.request_correction(
        case_id=case.pk,
        user=world.clerk,
        items=[{"material_key": material.key, "reason": "签字不清晰，请重新签字"}],
    )
    client.force_login(world.citizen)
    detail_url = reverse("cases:detail", args=[case.pk])
    page = client.get(detail_url).content.decode()
    assert "签字不清晰，请重新签字" in page and f'name="file.{material.key}"' in page

    early = client.post(reverse("cases:resubmit", args=[case.pk]))
    assert early.status_code == 422 and "仍缺少补正材料" in early.content.decode()

    uploaded = client.post(
        reverse("cases:upload", args=[case.pk]), {f"file.{material.key}": _pdf("重新签字.pdf")}
    )
    assert uploaded.status_code == 302
    assert CaseFile.objects.filter(material=material, filename="重新签字.pdf").exists()
    resubmitted = client.post(reverse("cases:resubmit", args=[case.pk]))
    assert resubmitted.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    assert "已提交补正材料" in client.get(detail_url).content.decode()


def test_uploading_when_nothing_is_asked_for_is_a_conflict(client, world):
    case = _submitted(world)
    material = case.materials.order_by("sort_order").first()
    client.force_login(world.citizen)
    response = client.post(
        reverse("cases:upload", args=[case.pk]), {f"file.{material.key}": _pdf("late.pdf")}
    )
    assert response.status_code == 409 and "不能上传材料" in response.content.decode()
    assert not CaseFile.objects.filter(material=material, filename="late.pdf").exists()
    # a submitted application is no longer edited: its form goes to the case page
    assert client.get(reverse("cases:edit", args=[case.pk]))["Location"] == reverse(
        "cases:detail", args=[case.pk]
    )


def test_withdraw_asks_first_then_withdraws_once(client, world):
    case = _submitted(world)
    client.force_login(world.citizen)
    url = reverse("cases:withdraw", args=[case.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and 'name="reason"' in confirm.content.decode()
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED  # asking changes nothing
    assert client.post(url, {"reason": "信息填错，重新申请"}).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.WITHDRAWN
    again = client.post(url, {"reason": ""})
    assert again.status_code == 409 and "已撤回" in again.content.decode()


def test_online_payment_without_a_gateway_says_pay_at_a_window(client, world, settings):
    settings.PAYMENT_GATEWAY_URL = ""
    case = _assessed_dog_case(world)
    client.force_login(world.citizen)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert "50.00" in page
    response = client.post(reverse("cases:pay", args=[case.pk]))
    assert response.status_code == 409
    assert "未开通网上缴费" in response.content.decode()
    assert not Payment.objects.filter(case=case).exists()  # no order left behind
    case.refresh_from_db()
    assert case.fee_amount == Decimal("50.00") and not case.fee_paid


def _assessed_dog_case(world):
    case = _submitted(world, DOG)
    services.accept(case_id=case.pk, user=world.clerk)
    services.fee_assess(case_id=case.pk, user=world.clerk, amount="50", basis="犬只登记收费标准")
    return case


def test_online_payment_sends_the_applicant_to_the_gateway(client, world, settings, http_receiver):
    settings.PAYMENT_GATEWAY_URL = http_receiver.url
    settings.PAYMENT_GATEWAY_SECRET = "gateway-secret-for-tests"
    http_receiver.reply_json({"pay_url": "https://pay.example.cn/cashier?t=1", "gateway_ref": "G1"})
    case = _assessed_dog_case(world)
    client.force_login(world.citizen)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert f'action="{reverse("cases:pay", args=[case.pk])}"' in page
    response = client.post(reverse("cases:pay", args=[case.pk]))
    assert response.status_code == 302
    assert response["Location"] == "https://pay.example.cn/cashier?t=1"
    [request] = http_receiver.requests
    sent = request.json()
    assert sent["notify_url"] == "http://testserver/api/v1/cases/payments/notify"
    assert sent["return_url"] == f"http://testserver{reverse('cases:detail', args=[case.pk])}"
    assert sent["amount"] == "50.00"
    assert Payment.objects.get(case=case).gateway_ref == "G1"


def test_owed_materials_are_handed_in_from_the_case_page(client, world):
    case = services.draft_create(user=world.citizen, implementation_code=world.code(FOOD))
    services.draft_update(
        case_id=case.pk, user=world.citizen, answers=food_answers(world.version(FOOD))
    )
    owed = case.materials.get(deficiency_allowed=True)
    upload_all(case, world.citizen, skip=(owed.key,))
    services.submit(case_id=case.pk, user=world.citizen)
    services.accept(case_id=case.pk, user=world.clerk, deficiency=[{"material_key": owed.key}])
    client.force_login(world.citizen)
    page = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert 'id="owed"' in page and f'name="file.{owed.key}"' in page
    uploaded = client.post(
        reverse("cases:upload", args=[case.pk]), {f"file.{owed.key}": _pdf("补交.pdf")}
    )
    assert uploaded.status_code == 302 and uploaded["Location"].endswith("#owed")
    owed.refresh_from_db()
    assert owed.source == "upload" and owed.files.get().filename == "补交.pdf"
    assert 'id="owed"' not in client.get(reverse("cases:detail", args=[case.pk])).content.decode()


def test_messages_are_listed_and_marked_read(client, world):
    case = _submitted(world)
    message = Message.objects.get(user=world.citizen, case=case)
    client.force_login(world.citizen)
    page = client.get(reverse("cases:messages")).content.decode()
    assert message.title in page and case.number in page
    assert reverse("cases:message_read", args=[message.pk]) in page
    assert client.post(reverse("cases:message_read", args=[message.pk])).status_code == 302
    message.refresh_from_db()
    assert message.read_at is not None
    client.force_login(world.citizen2)
    assert client.post(reverse("cases:message_read", args=[message.pk])).status_code == 404


def test_complaint_about_a_case_shows_the_answer_deadline(client, world):
    case = _submitted(world)
    client.force_login(world.citizen)
    url = reverse("cases:complaint")
    form = client.get(url, {"case": case.pk})
    assert form.status_code == 200 and case.number in form.content.decode()
    empty = client.post(url, {"case": case.pk, "text": "  "})
    assert empty.status_code == 422 and not Complaint.objects.exists()
    sent = client.post(url, {"case": case.pk, "text": "窗口让我跑了三趟还没办成"})
    assert sent.status_code == 302
    complaint = Complaint.objects.get()
    assert complaint.case_id == case.pk and complaint.user_id == world.citizen.pk
    done = client.get(sent["Location"]).content.decode()
    assert 'id="complaint-done"' in done
    assert f"{complaint.due_on.year}年{complaint.due_on.month}月{complaint.due_on.day}日" in done


def test_complaint_about_an_item_from_its_guide(client, world):
    code = world.code(FOOD)
    guide = client.get(reverse("catalog:guide", args=[code])).content.decode()
    assert reverse("cases:apply", args=[code]) in guide
    assert f"{reverse('cases:complaint')}?item={code}" in guide
    client.force_login(world.citizen)
    sent = client.post(reverse("cases:complaint"), {"item": code, "text": "网上申请打不开"})
    assert sent.status_code == 302
    assert Complaint.objects.get().implementation_code == code
    assert client.get(reverse("cases:complaint"), {"item": "NOPE"}).status_code == 404


# --- 一件事 ---------------------------------------------------------------------------------------


def test_bundle_is_one_form_one_set_of_materials_and_one_submission(client, world):
    view = catalog_selectors.bundle_with_members(NEWBORN)
    bundle_page = client.get(reverse("catalog:bundle", args=[NEWBORN])).content.decode()
    assert reverse("cases:apply_bundle", args=[NEWBORN]) in bundle_page
    client.force_login(world.citizen)
    case = _apply(client, NEWBORN, bundle=True)
    assert case.kind == CaseKind.BUNDLE
    keys = set(case.materials.values_list("key", flat=True))
    assert keys == {m.key for m in view.materials}  # deduplicated across the members
    page = client.get(reverse("cases:edit", args=[case.pk])).content.decode()
    assert "新生儿姓名" in page and 'name="f.child_name"' in page
    assert page.count('type="file"') == len(keys)

    form = {
        "f.child_name": "张小宝",
        "f.child_sex": "男",
        "f.birth_date": "2025-03-01",
        "f.birth_place": "灞桥区妇幼保健院",
        "f.mother_name": "王芳",
        "f.mother_id_number": citizen_id_for(901, birth="19900101"),
        "f.father_name": "张伟",
        "f.father_id_number": world.citizen.citizen_profile.id_number,
        "f.household_follow": "随父",
        "f.phone": "13800138000",
    }
    bad = client.post(
        reverse("cases:edit", args=[case.pk]),
        {**form, "f.mother_id_number": "123", "f.birth_date": "01/03/2025"},
    )
    assert bad.status_code == 422
    assert 'href="#f-mother_id_number"' in bad.content.decode()
    assert 'href="#f-birth_date"' in bad.content.decode()
    saved = client.post(
        reverse("cases:edit", args=[case.pk]), {**form, "action": "review", **_all_files(case)}
    )
    assert saved.status_code == 302, saved.content.decode()[:3000]
    case.refresh_from_db()
    assert case.form_data["child_name"] == "张小宝"
    token = _review_token(client, case)
    for _ in range(2):
        submitted = client.post(reverse("cases:review", args=[case.pk]), {"idempotency_key": token})
        assert submitted.status_code == 302
    case.refresh_from_db()
    members = [m for m in view.members if m.version is not None]
    assert case.status != CaseStatus.DRAFT and case.number
    assert Case.objects.filter(parent=case).count() == len(members)
    detail = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    for child in Case.objects.filter(parent=case):
        assert child.item_name in detail and child.number in detail
    # a member case has its own page; it cannot be withdrawn alone
    child = Case.objects.filter(parent=case).first()
    child_page = client.get(reverse("cases:detail", args=[child.pk])).content.decode()
    assert reverse("cases:detail", args=[case.pk]) in child_page
    assert reverse("cases:withdraw", args=[child.pk]) not in child_page


# --- language and layout ------------------------------------------------------------------------


def test_pages_follow_the_language_cookie(client, world, settings):
    case = _submitted(world)
    client.force_login(world.citizen)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    detail = client.get(reverse("cases:detail", args=[case.pk])).content.decode()
    assert '<html lang="en">' in detail
    assert "awaiting acceptance" in detail and "待受理" not in detail
    assert f"Application submitted, case number {case.number}" in detail
    assert "What happens next" in detail
    mine = client.get(reverse("cases:mine")).content.decode()
    assert "My cases" in mine and "Awaiting acceptance" in mine
    lookup = client.get(reverse("cases:progress"), {"number": case.number, "name": "nobody"})
    assert "No case matches that number and name" in lookup.content.decode()


def test_case_pages_have_labels_landmarks_and_one_h1(client, world):
    case = _submitted(world)
    client.force_login(world.citizen)
    for url in (
        reverse("cases:mine"),
        reverse("cases:detail", args=[case.pk]),
        reverse("cases:messages"),
        reverse("cases:complaint"),
        reverse("cases:progress"),
        reverse("cases:apply", args=[world.code(FOOD)]),
    ):
        body = client.get(url).content.decode()
        assert body.count("<h1") == 1, url
        assert '<main id="main"' in body and "web/cases.css" in body
        for input_id in re.findall(r'<(?:input|textarea|select)[^>]*\bid="([^"]+)"', body):
            assert f'for="{input_id}"' in body, (url, input_id)
        assert f'href="{reverse("cases:mine")}"' in body  # the menu's "My cases"


def test_acting_for_an_enterprise_applies_in_its_name(client, world):
    from zhengwu.accounts.selectors import IDENTITY_SESSION_KEY, user_identities

    member = world.enterprise_member
    enterprise = next(i for i in user_identities(member) if i.enterprise_id is not None)
    client.force_login(member)
    url = reverse("cases:apply", args=[world.code(FOOD)])
    personal = client.post(url)  # no verified person behind this account: told why, 422
    assert personal.status_code == 422 and "实名认证" in personal.content.decode()
    session = client.session
    session[IDENTITY_SESSION_KEY] = enterprise.enterprise_id
    session.save()
    assert enterprise.label in client.get(url).content.decode()
    case = _apply(client, world.code(FOOD))
    assert case.enterprise_id == enterprise.enterprise_id
    assert case.applicant_name == enterprise.label
    page = client.get(reverse("cases:edit", args=[case.pk])).content.decode()
    assert enterprise.uscc in page  # a USCC is public registration data: not masked


def test_submit_form_is_protected_against_double_clicks_without_javascript_too(client, world):
    client.force_login(world.citizen)
    case = _apply(client, world.code(FOOD))
    review = client.get(reverse("cases:review", args=[case.pk])).content.decode()
    assert "hx-disabled-elt=\"find button[type='submit']\"" in review
    assert f'action="{reverse("cases:review", args=[case.pk])}"' in review  # plain POST works
    assert '"code":"422","swap":true' in review  # htmx shows the refused page


def test_a_bundle_with_a_required_form_field_left_empty_is_sent_back_naming_it(client, world):
    client.force_login(world.citizen)
    case = _apply(client, NEWBORN, bundle=True)
    form = {
        "f.child_name": "张小宝",
        "f.child_sex": "男",
        "f.birth_date": "2025-03-01",
        "f.birth_place": "灞桥区妇幼保健院",
        "f.father_name": "张伟",
        "f.father_id_number": world.citizen.citizen_profile.id_number,
        "f.household_follow": "随父",
        "f.phone": "13800138000",
    }  # the mother's name and ID number left empty
    saved = client.post(
        reverse("cases:edit", args=[case.pk]), {**form, "action": "review", **_all_files(case)}
    )
    assert saved.status_code == 302
    token = _review_token(client, case)
    refused = client.post(reverse("cases:review", args=[case.pk]), {"idempotency_key": token})
    assert refused.status_code == 422
    page = refused.content.decode()
    assert "母亲姓名" in page and "母亲身份证号码" in page
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT and not Case.objects.filter(parent=case).exists()

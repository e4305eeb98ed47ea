"""The staff pages of case handling (/workbench/cases/): the whole journey through the pages
(window entry → correction → acceptance → review → decision → window delivery), the other
decisions, and who may see and do what. Every action is a POST form calling one service."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from tests.cases.conftest import DOG, FOOD, food_answers, pdf_bytes, png_bytes
from tests.factories import make_staff
from zhengwu.cases import services
from zhengwu.cases.choices import CaseStatus, Decision, MaterialSource, StepAction
from zhengwu.cases.models import Case, CaseStep, CaseTask, Complaint, Extension, Notice
from zhengwu.kernel.masking import MaskKind, mask

pytestmark = pytest.mark.django_db

INDEX = reverse("cases_workbench:index")
ENTRY = reverse("cases_workbench:entry")


def url(name: str, case: Case, *args: int) -> str:
    return reverse(f"cases_workbench:{name}", args=[case.pk, *args])


def body(response) -> str:
    return response.content.decode()


def id_number_of(user) -> str:
    return user.citizen_profile.id_number


# --- helpers: the clerk at the window ----------------------------------------------------------


def enter(client, world, name: str = FOOD, **overrides) -> Case:
    data = {
        "implementation_code": world.code(name),
        "channel": "window",
        "kind": "citizen",
        "name": "张伟",
        "id_number": id_number_of(world.citizen),
        "phone": "13812345678",
        "address": "陕西省西安市灞桥区纺织城正街1号",
        **overrides,
    }
    response = client.post(ENTRY, data)
    assert response.status_code == 302, body(response)
    case = Case.objects.order_by("-id").first()
    assert response["Location"] == url("draft", case)
    return case


def upload(client, case: Case, key: str, *, filename: str = "scan.pdf", content: bytes = b""):
    return client.post(
        url("upload", case),
        {"material_key": key, "file": SimpleUploadedFile(filename, content or pdf_bytes(key))},
    )


def walk_in(client, world, name: str = FOOD, *, skip=(), paper=()) -> Case:
    """A walk-in application entered, answered, scanned (or taken on paper) and submitted."""
    return fill_and_submit(client, world, enter(client, world, name), name, skip=skip, paper=paper)


def fill_and_submit(client, world, case: Case, name: str = FOOD, *, skip=(), paper=()) -> Case:
    answers = {f"answer_{k}": v for k, v in food_answers(world.version(name)).items()}
    if answers:
        assert client.post(url("answers", case), answers).status_code == 302
    for material in case.materials.all():
        if material.key in skip:
            continue
        if material.key in paper:
            response = client.post(
                url("paper", case), {"material_key": material.key, "originals": 1, "copies": 2}
            )
        else:
            response = upload(client, case, material.key)
        assert response.status_code == 302, body(response)
    response = client.post(url("submit", case))
    assert response.status_code == 302
    assert response["Location"] == url("detail", case)
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED
    return case


def accepted(client, world, name: str = FOOD) -> Case:
    client.force_login(world.clerk)
    case = walk_in(client, world, name)
    assert client.post(url("accept", case)).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    return case


def open_task(case: Case, step: str) -> CaseTask:
    return CaseTask.objects.get(case=case, step=step, closed_at__isnull=True)


def reviewed(client, world, name: str = FOOD) -> Case:
    """Accepted and passed by the approver: at the head's decision."""
    case = accepted(client, world, name)
    client.force_login(world.approver)
    response = client.post(url("step", case), {"action": "pass", "opinion": "材料齐全，符合条件"})
    assert response.status_code == 302, body(response)
    case.refresh_from_db()
    assert case.current_step == "decide"
    return case


# --- the main journey ----------------------------------------------------------------------------


def test_walk_in_food_licence_from_entry_to_window_delivery(client, world):
    client.force_login(world.clerk)
    page = client.get(ENTRY, {"q": "食品经营"})
    assert page.status_code == 200 and FOOD in body(page)

    case = enter(client, world)
    assert case.status == CaseStatus.DRAFT and case.channel == "window"
    assert case.created_by == world.clerk and case.first_responder == world.clerk
    assert case.applicant_user == world.citizen  # found by the ID number
    draft = client.get(url("draft", case))
    assert draft.status_code == 200 and "answer_" in body(draft)

    first_key = world.version(FOOD).materials.order_by("sort_order").first().key
    case = fill_and_submit(client, world, case, paper=("application-form",))
    paper = case.materials.get(key="application-form")
    assert (paper.source, paper.paper_originals, paper.paper_copies) == ("paper", 1, 2)
    assert case.number and len(case.number) == 20

    page = body(client.get(url("detail", case)))
    assert "待受理" in page  # the status, in the page's language
    assert url("accept", case) in page and url("correction", case) in page
    full_id = id_number_of(world.citizen)
    assert full_id not in page  # a window clerk sees the ID number masked
    assert mask(full_id, MaskKind.CITIZEN_ID) in page

    # one-time correction notice: the clerk ticks the material and gives the reason
    response = client.post(
        url("correction", case),
        {"correction_material": [first_key], f"reason_{first_key}": "签字不清晰"},
    )
    assert response.status_code == 302, body(response)
    case.refresh_from_db()
    assert case.status == CaseStatus.CORRECTION
    assert Notice.objects.filter(case=case, kind="correction").exists()

    # the applicant supplies it online
    services.material_upload(
        case_id=case.pk,
        material_key=first_key,
        user=world.citizen,
        filename="重新签字.pdf",
        content=pdf_bytes("again"),
    )
    services.resubmit(case_id=case.pk, user=world.citizen)

    assert client.post(url("accept", case), {"opinion": "材料齐全"}).status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS and case.current_step == "review"

    # the approver finds it in the department's queue, claims it and passes it
    client.force_login(world.approver)
    queue = body(client.get(INDEX, {"queue": "department"}))
    assert case.number in queue and url("claim", case) in queue
    task = open_task(case, "review")
    response = client.post(url("claim", case), {"task_id": task.pk})
    assert response.status_code == 302
    task.refresh_from_db()
    assert task.assignee == world.approver
    assert case.number in body(client.get(INDEX, {"queue": "mine"}))
    page = body(client.get(url("detail", case)))
    assert full_id in page  # cleared for level-4 data
    response = client.post(
        url("step", case), {"task_id": task.pk, "action": "pass", "opinion": "符合条件"}
    )
    assert response.status_code == 302, body(response)

    # the head decides
    client.force_login(world.head)
    assert case.number in body(client.get(INDEX, {"queue": "department"}))
    response = client.post(
        url("step", case), {"action": "pass", "decision": "approve", "opinion": "同意"}
    )
    assert response.status_code == 302, body(response)
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED and case.decision == Decision.APPROVE

    # the comprehensive window hands the result over
    client.force_login(world.clerk)
    page = body(client.get(url("detail", case)))
    assert url("deliver", case) in page
    response = client.post(url("deliver", case), {"method": "window", "identity_checked": "on"})
    assert response.status_code == 302, body(response)
    case.refresh_from_db()
    assert case.status == CaseStatus.CONCLUDED

    actions = list(CaseStep.objects.filter(case=case).values_list("action", flat=True))
    assert actions == [
        StepAction.SUBMIT,
        StepAction.CORRECTION,
        StepAction.SUBMIT,
        StepAction.ACCEPT,
        StepAction.PASS,
        StepAction.PASS,
        StepAction.DELIVER,
    ]
    page = body(client.get(url("detail", case)))
    assert "已办结" in page and "准予行政许可决定书" in page and "符合条件" in page


def test_window_delivery_needs_the_identity_check(client, world):
    case = reviewed(client, world)
    client.force_login(world.head)
    client.post(url("step", case), {"action": "pass", "decision": "approve", "opinion": "同意"})
    client.force_login(world.clerk)
    response = client.post(url("deliver", case), {"method": "window"})
    assert response.status_code == 422
    assert "核验领取人身份" in body(response)
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED


# --- other decisions --------------------------------------------------------------------------


def test_deny_needs_reasons_and_is_delivered(client, world):
    case = reviewed(client, world)
    client.force_login(world.head)
    response = client.post(url("step", case), {"action": "pass", "decision": "deny"})
    assert response.status_code == 422  # a denial needs reasons
    assert response.context["error_field"] == "opinion"
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    response = client.post(
        url("step", case),
        {"action": "pass", "decision": "deny", "opinion": "经营场所不符合卫生要求"},
    )
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.DECIDED and case.decision == Decision.DENY
    assert Notice.objects.filter(case=case, kind="denial").exists()
    client.force_login(world.clerk)
    response = client.post(url("deliver", case), {"method": "post", "tracking_no": "SF123456"})
    assert response.status_code == 302, body(response)
    case.refresh_from_db()
    assert case.status == CaseStatus.CONCLUDED


def test_return_sends_the_case_back_to_review(client, world):
    case = reviewed(client, world)
    client.force_login(world.head)
    response = client.post(url("step", case), {"action": "return"})
    assert response.status_code == 422  # a return needs an opinion
    response = client.post(url("step", case), {"action": "return", "opinion": "请核实场所"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.current_step == "review"


def test_deficiency_acceptance(client, world):
    client.force_login(world.clerk)
    case = walk_in(client, world, skip=("food-safety-officer",))
    page = body(client.get(url("detail", case)))
    assert 'name="deficiency" value="food-safety-officer"' in page
    response = client.post(
        url("accept", case),
        {"with_deficiency": "1", "deficiency": ["food-safety-officer"], "days": "5"},
    )
    assert response.status_code == 302, body(response)
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS and case.deficiency
    owed = case.materials.get(key="food-safety-officer")
    assert owed.source == MaterialSource.OWED and owed.owed_until
    assert Notice.objects.filter(case=case, kind="deficiency").exists()


def test_plain_acceptance_with_missing_materials_is_a_conflict(client, world):
    client.force_login(world.clerk)
    case = walk_in(client, world, skip=("premises-proof",))
    response = client.post(url("accept", case))
    assert response.status_code == 409
    assert "材料不齐全" in body(response)


def test_refusal_with_reasons(client, world):
    client.force_login(world.clerk)
    case = walk_in(client, world)
    response = client.post(url("refuse", case), {"reasons": ""})
    assert response.status_code == 422
    response = client.post(url("refuse", case), {"reasons": "不属于本机关职权范围"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.NOT_ACCEPTED
    assert Notice.objects.filter(case=case, kind="refusal").exists()


def test_special_procedure_stops_and_restarts_the_clock(client, world):
    case = accepted(client, world)
    client.force_login(world.approver)
    assert url("special_start", case) in body(client.get(url("detail", case)))
    response = client.post(
        url("special_start", case), {"kind": "inspection", "reason": "现场核查经营场所"}
    )
    assert response.status_code == 302, body(response)
    case.refresh_from_db()
    assert case.status == CaseStatus.SUSPENDED
    response = client.post(url("special_end", case), {"result": "核查合格"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.special_procedures.get().result == "核查合格"


def test_extension_needs_the_heads_approval(client, world):
    case = accepted(client, world)
    due = case.promised_due
    client.force_login(world.approver)
    response = client.post(url("extension_request", case), {"reason": "需专家论证"})
    assert response.status_code == 302
    extension = Extension.objects.get(case=case)
    # the approver may not approve it
    response = client.post(
        url("extension_decide", case), {"extension_id": extension.pk, "decision": "approve"}
    )
    assert response.status_code == 403
    assert "负责人" in body(response)
    extension.refresh_from_db()
    assert extension.status == "pending"
    # the head sees the request and approves it
    client.force_login(world.head)
    assert url("extension_decide", case) in body(client.get(url("detail", case)))
    response = client.post(
        url("extension_decide", case), {"extension_id": extension.pk, "decision": "approve"}
    )
    assert response.status_code == 302
    extension.refresh_from_db()
    case.refresh_from_db()
    assert extension.status == "approved" and case.extension_days == 10
    assert case.promised_due > due


def test_fee_assessed_at_the_window_and_paid_in_cash(client, world):
    client.force_login(world.clerk)
    case = walk_in(client, world, DOG)
    assert not case.fee_assessed
    page = body(client.get(url("detail", case)))
    assert url("fee", case) in page
    response = client.post(url("fee", case), {"amount": "abc", "basis": "物价核定"})
    assert response.status_code == 422
    response = client.post(url("fee", case), {"amount": "50", "basis": "物价部门核定标准"})
    assert response.status_code == 302
    assert client.post(url("accept", case)).status_code == 302
    page = body(client.get(url("detail", case)))
    assert url("payment", case) in page
    response = client.post(
        url("payment", case), {"method": "cash", "receipt_no": "SX2025-0001", "amount": "50.00"}
    )
    assert response.status_code == 302, body(response)
    case.refresh_from_db()
    assert case.fee_assessed and case.fee_paid and case.fee_amount == 50
    payment = case.payments.get()
    assert payment.method == "cash" and payment.receipt_no == "SX2025-0001"


# --- who may see and do what ------------------------------------------------------------------


def test_anonymous_and_citizens_are_kept_out(client, world):
    response = client.get(INDEX)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    client.force_login(world.citizen)
    assert client.get(INDEX).status_code == 403
    assert client.get(ENTRY).status_code == 403


def test_only_window_clerks_enter_applications(client, world):
    client.force_login(world.approver)
    assert client.get(ENTRY).status_code == 403
    assert client.get(INDEX).status_code == 200


def test_clerk_of_another_venue_cannot_see_the_case(client, world):
    """Any window clerk may accept any item (综合窗口); once accepted, a case received at
    another venue and handled by another department is not there for them."""
    case = accepted(client, world)
    client.force_login(world.clerk2)
    assert client.get(url("detail", case)).status_code == 404
    assert client.post(url("paper", case), {"material_key": "x"}).status_code == 404
    assert client.post(url("terminate", case), {"reason": "x"}).status_code == 404
    page = body(client.get(reverse("cases_workbench:search"), {"number": case.number}))
    assert url("detail", case) not in page
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS


def test_other_departments_approver_cannot_claim(client, world):
    case = accepted(client, world)
    client.force_login(world.other_approver)
    response = client.post(url("claim", case))
    assert response.status_code in (404, 409)
    assert not CaseTask.objects.filter(case=case, assignee__isnull=False).exists()
    assert case.number not in body(client.get(INDEX, {"queue": "department"}))


def test_accepting_twice_is_a_conflict_naming_the_state(client, world):
    case = accepted(client, world)
    response = client.post(url("accept", case))
    assert response.status_code == 409
    page = body(response)
    assert "办理中" in page and 'role="alert"' in page
    case.refresh_from_db()
    assert case.status == CaseStatus.IN_PROGRESS


def test_a_forged_upload_is_refused(client, world):
    client.force_login(world.clerk)
    case = enter(client, world)
    key = case.materials.first().key
    response = upload(client, case, key, filename="scan.pdf", content=b"<html><script>x</script>")
    assert response.status_code == 422
    assert not case.materials.get(key=key).files.exists()
    response = client.post(url("upload", case), {"material_key": key})
    assert response.status_code == 422  # no file chosen


def test_material_preview_streams_inline_with_nosniff(client, world):
    client.force_login(world.clerk)
    case = enter(client, world)
    key = case.materials.first().key
    assert upload(client, case, key, filename="scan.png", content=png_bytes()).status_code == 302
    row = case.materials.get(key=key).files.get()
    page = body(client.get(url("draft", case)))
    preview = url("material_file", case, row.pk)
    assert f'src="{preview}"' in page  # images are shown inline
    response = client.get(preview)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("inline")
    assert b"".join(response.streaming_content) == png_bytes()
    client.force_login(world.clerk2)
    assert client.get(preview).status_code == 404


def test_notice_pdf_is_served(client, world):
    case = accepted(client, world)
    notice = Notice.objects.get(case=case, kind="acceptance")
    response = client.get(url("notice_pdf", case, notice.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content).startswith(b"%PDF")


def test_entry_names_a_wrong_check_digit_on_its_field(client, world):
    client.force_login(world.clerk)
    number = id_number_of(world.citizen)
    wrong = number[:17] + ("0" if number[17] != "0" else "1")
    count = Case.objects.count()
    response = client.post(
        ENTRY,
        {
            "implementation_code": world.code(FOOD),
            "channel": "window",
            "kind": "citizen",
            "name": "张伟",
            "id_number": wrong,
        },
    )
    assert response.status_code == 422
    assert response.context["form"].errors["id_number"]
    assert 'aria-invalid="true"' in body(response)
    assert Case.objects.count() == count


def test_bad_input_never_500s(client, world):
    case = accepted(client, world)
    client.force_login(world.approver)
    assert client.post(url("claim", case), {"task_id": "x"}).status_code == 422
    assert client.post(url("step", case), {"action": "jump"}).status_code == 422
    assert (
        client.post(url("special_start", case), {"kind": "nope", "reason": "x"}).status_code == 422
    )
    assert client.get(INDEX, {"queue": "nope"}).status_code == 422
    assert client.get(url("detail", case).replace(str(case.pk), "999999")).status_code == 404


def test_search_by_applicant_id_number(client, world):
    client.force_login(world.clerk)
    case = walk_in(client, world)
    search = reverse("cases_workbench:search")
    page = body(client.get(search, {"applicant_id": id_number_of(world.citizen)}))
    assert case.number in page
    response = client.get(search, {"applicant_id": "610111198506070000"})
    assert response.status_code == 422


def test_supervisor_answers_a_complaint(client, world):
    client.force_login(world.clerk)
    case = walk_in(client, world)
    complaint = services.complaint_open(
        user=world.citizen, text="窗口让我跑了三趟", case_id=case.pk
    )
    complaints = reverse("cases_workbench:complaints")
    client.force_login(world.approver)
    assert client.get(complaints).status_code == 403
    client.force_login(world.supervisor)
    assert "窗口让我跑了三趟" in body(client.get(complaints))
    answer = reverse("cases_workbench:complaint_answer", args=[complaint.pk])
    assert client.post(answer, {"answer": ""}).status_code == 422
    assert client.post(answer, {"answer": "已约谈窗口负责人并整改"}).status_code == 302
    complaint.refresh_from_db()
    assert complaint.status == "answered"
    assert client.get(reverse("cases_workbench:supervision")).status_code == 200


def test_first_responder_hands_over(client, world):
    client.force_login(world.clerk)
    case = walk_in(client, world)
    colleague = make_staff(department=world.clerk.staff_profile.department, roles=["window_clerk"])
    page = body(client.get(url("detail", case)))
    assert f'value="{colleague.pk}"' in page
    response = client.post(url("handover", case), {"to_user": colleague.pk, "reason": "轮岗"})
    assert response.status_code == 302
    case.refresh_from_db()
    assert case.first_responder == colleague


def test_paper_file_forwarded_by_government_courier(client, world):
    """A street centre receives the application; the handling department signs for the file."""
    client.force_login(world.clerk2)
    case = walk_in(client, world)
    assert client.post(url("accept", case)).status_code == 302
    assert url("transfer_send", case) in body(client.get(url("detail", case)))
    response = client.post(url("transfer_send", case), {"tracking_no": "ZD2025000123"})
    assert response.status_code == 302
    transfer = case.transfers.get()
    client.force_login(world.approver)
    assert url("transfer_receive", case) in body(client.get(url("detail", case)))
    response = client.post(url("transfer_receive", case), {"transfer_id": transfer.pk})
    assert response.status_code == 302
    transfer.refresh_from_db()
    assert transfer.status == "received" and transfer.received_by == world.approver
    again = client.post(url("transfer_receive", case), {"transfer_id": transfer.pk})
    assert again.status_code == 409


# --- admin ---------------------------------------------------------------------------------------


def test_admin_pages_of_cases_load_and_mask(client, world):
    from django.contrib import admin

    case = accepted(client, world)
    root = make_staff(is_superuser=True, roles=["administrator"])
    client.force_login(root)
    models = [m for m in admin.site._registry if m._meta.app_label == "cases"]
    assert len(models) >= 20
    for model in models:
        opts = model._meta
        changelist = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        assert client.get(changelist).status_code == 200, changelist
        assert client.get(changelist, {"q": "灞桥"}).status_code == 200, changelist
    change = client.get(reverse("admin:cases_case_change", args=[case.pk]))
    assert change.status_code == 200
    full_id = id_number_of(world.citizen)
    assert full_id not in body(change) and mask(full_id, MaskKind.CITIZEN_ID) in body(change)
    assert client.get(reverse("admin:cases_case_add")).status_code == 403
    assert client.get(reverse("admin:cases_processbinding_add")).status_code == 200
    response = client.post(
        reverse("admin:cases_processbinding_add"),
        {"implementation_code": world.code(FOOD), "process_key": "multi_level", "note": ""},
    )
    assert response.status_code == 302
    assert not Complaint.objects.exists()

"""The main journey through the services: apply → correction → accept → review → decide →
deliver, and what each step leaves behind (numbers, notices, timeline, audit, messages)."""

from __future__ import annotations

import pytest

from tests.cases.conftest import FOOD, food_answers, pdf_bytes, upload_all
from zhengwu.cases import services
from zhengwu.cases.choices import CaseStatus, Decision, NoticeKind, StepAction
from zhengwu.cases.models import Case, CaseStep, CaseTask, Message, Notice
from zhengwu.kernel.errors import Conflict, InvalidInput, NotFound
from zhengwu.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db


def _submitted_food_case(world, *, skip=()):
    case = services.draft_create(user=world.citizen, implementation_code=world.code(FOOD))
    services.draft_update(
        case_id=case.pk, user=world.citizen, answers=food_answers(world.version(FOOD))
    )
    case.refresh_from_db()
    upload_all(case, world.citizen, skip=skip)
    return services.submit(case_id=case.pk, user=world.citizen, idempotency_key="k1")


def test_full_lifecycle_with_one_time_correction(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        case = _full_lifecycle(world)
    notices = list(Notice.objects.filter(case=case))
    assert notices and all(n.pdf_id for n in notices)  # rendered after commit, by the task
    assert all(n.pdf.file_type == "pdf" and n.pdf.size > 1000 for n in notices)


def _full_lifecycle(world):
    case = _submitted_food_case(world)
    assert case.status == CaseStatus.SUBMITTED
    assert case.number and len(case.number) == 20
    assert case.received_on is not None

    first_key = case.materials.order_by("sort_order").first().key
    services.request_correction(
        case_id=case.pk,
        user=world.clerk,
        items=[{"material_key": first_key, "reason": "签字不清晰"}],
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.CORRECTION
    assert case.accepted_on is None  # the clock has not started
    assert case.first_responder_id == world.clerk.pk

    services.material_upload(
        case_id=case.pk,
        material_key=first_key,
        user=world.citizen,
        filename="重新签字.pdf",
        content=pdf_bytes("again"),
    )
    services.resubmit(case_id=case.pk, user=world.citizen)
    case = services.accept(case_id=case.pk, user=world.clerk)
    assert case.status == CaseStatus.IN_PROGRESS
    assert case.promised_due is not None and case.statutory_due >= case.promised_due
    assert case.current_step == "review"
    assert case.assignee_department_id == world.approver.staff_profile.department_id

    case = services.complete_step(
        case_id=case.pk, user=world.approver, action="pass", opinion="材料齐全，符合条件"
    )
    assert case.current_step == "decide"
    case = services.complete_step(
        case_id=case.pk,
        user=world.head,
        action="pass",
        decision=Decision.APPROVE,
        opinion="同意",
    )
    assert case.status == CaseStatus.DECIDED and case.result_number
    case = services.deliver(
        case_id=case.pk, user=world.clerk, method="window", identity_checked=True
    )
    assert case.status == CaseStatus.CONCLUDED

    kinds = list(Notice.objects.filter(case=case).values_list("kind", flat=True))
    assert kinds == [NoticeKind.CORRECTION, NoticeKind.ACCEPTANCE, NoticeKind.APPROVAL]
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
    assert not CaseTask.objects.filter(case=case, closed_at__isnull=True).exists()
    assert Message.objects.filter(user=world.citizen, case=case).count() >= 5
    audited = set(
        AuditEntry.objects.filter(object_type="case", object_id=str(case.pk)).values_list(
            "action", flat=True
        )
    )
    assert {"case.submitted", "case.accepted", "case.step_pass", "case.concluded"} <= audited
    return case


def test_submit_is_idempotent(world):
    case = _submitted_food_case(world)
    again = services.submit(case_id=case.pk, user=world.citizen, idempotency_key="k1")
    assert again.pk == case.pk and again.number == case.number
    assert Case.objects.exclude(status="draft").count() == 1


def test_online_submission_refuses_missing_materials_and_names_them(world):
    case = services.draft_create(user=world.citizen, implementation_code=world.code(FOOD))
    services.draft_update(
        case_id=case.pk, user=world.citizen, answers=food_answers(world.version(FOOD))
    )
    with pytest.raises(InvalidInput) as exc:
        services.submit(case_id=case.pk, user=world.citizen)
    fields = {e.field for e in exc.value.errors}
    assert any(f.startswith("materials.") for f in fields)
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT and case.number is None


def test_illegal_transitions_are_conflicts_naming_the_state(world):
    case = _submitted_food_case(world)
    with pytest.raises(Conflict) as exc:
        services.complete_step(case_id=case.pk, user=world.approver, action="pass", opinion="x")
    assert exc.value.details["status"] == "submitted"
    services.accept(case_id=case.pk, user=world.clerk)
    with pytest.raises(Conflict) as exc:
        services.accept(case_id=case.pk, user=world.clerk)
    assert "办理中" in exc.value.message and exc.value.details["status"] == "in_progress"
    # another department's approver cannot act on the task
    with pytest.raises(Conflict) as exc:
        services.claim(case_id=case.pk, user=world.other_approver)
    assert exc.value.code == "task_other_department"


def test_another_users_case_is_not_found(world):
    case = _submitted_food_case(world)
    with pytest.raises(NotFound):
        services.withdraw(case_id=case.pk, user=world.citizen2)
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED

"""Outcomes beyond the main path: 容缺, 告知承诺, refusals, bundles, joint review, fees,
cross-region receipt, 首问负责 hand-over, withdrawal, 办不成事."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from freezegun import freeze_time

from tests.cases.conftest import (
    DOG,
    FOOD,
    HOMESTEAD,
    ID_CARD,
    NEWBORN,
    NEWBORN_FORM,
    food_answers,
    pdf_bytes,
    upload_all,
)
from zhengwu.cases import services
from zhengwu.cases.choices import (
    CaseKind,
    CaseStatus,
    Decision,
    MaterialSource,
    NoticeKind,
    SupervisionKind,
)
from zhengwu.cases.models import Case, CaseTask, CreditRecord, Notice, Supervision
from zhengwu.kernel.errors import Conflict, InvalidInput, NotAllowed, NotFound

pytestmark = pytest.mark.django_db


def _walk_in(world, name: str, *, clerk=None, paper=True) -> Case:
    clerk = clerk or world.clerk
    profile = world.citizen.citizen_profile
    case = services.draft_create(
        user=clerk,
        implementation_code=world.code(name),
        channel="window",
        applicant=services.ApplicantData(
            kind="citizen", name=profile.real_name, id_number=profile.id_number, phone="13900000000"
        ),
    )
    version = world.version(name)
    answers = food_answers(version)
    if answers:
        services.draft_update(case_id=case.pk, user=clerk, answers=answers)
    if paper:
        for material in case.materials.all():
            services.material_paper(
                case_id=case.pk, material_key=material.key, user=clerk, originals=1, copies=1
            )
    return services.submit(case_id=case.pk, user=clerk)


def _to_decided(world, case: Case, *, decision=Decision.APPROVE) -> Case:
    services.accept(case_id=case.pk, user=world.clerk)
    case.refresh_from_db()
    approver, head = world.approver, world.head
    services.complete_step(case_id=case.pk, user=approver, action="pass", opinion="符合")
    return services.complete_step(
        case_id=case.pk, user=head, action="pass", decision=decision, opinion="同意"
    )


def test_walk_in_case_links_the_citizen_and_records_first_responder(world):
    case = _walk_in(world, FOOD)
    assert case.channel == "window"
    assert case.applicant_user_id == world.citizen.pk  # the citizen sees it in "my cases"
    assert case.first_responder_id == world.clerk.pk
    assert case.receiving_department_id == world.clerk.staff_profile.department_id
    assert all(m.source == MaterialSource.PAPER for m in case.materials.all())


def test_walk_in_applicant_id_is_checked(world):
    with pytest.raises(InvalidInput) as exc:
        services.draft_create(
            user=world.clerk,
            implementation_code=world.code(FOOD),
            channel="window",
            applicant=services.ApplicantData(
                kind="citizen", name="张三", id_number="110101199003070000"
            ),
        )
    assert exc.value.field.startswith("applicant")
    assert not Case.objects.exists()


def test_citizen_cannot_enter_for_someone_else_at_a_window(world):
    with pytest.raises(NotAllowed):
        services.draft_create(
            user=world.citizen,
            implementation_code=world.code(FOOD),
            channel="window",
            applicant=services.ApplicantData(kind="citizen", name="x", id_number="x"),
        )


def test_deficiency_acceptance_and_expiry_ends_the_case(world):
    case = _walk_in(world, FOOD, paper=False)
    version = world.version(FOOD)
    owed = version.materials.filter(deficiency_allowed=True).first()
    assert owed is not None
    for material in case.materials.exclude(key=owed.key):
        services.material_paper(
            case_id=case.pk, material_key=material.key, user=world.clerk, originals=1, copies=0
        )
    with pytest.raises(Conflict):  # incomplete without 容缺 → must correct or owe
        services.accept(case_id=case.pk, user=world.clerk)
    with freeze_time("2026-03-02 10:00:00+08:00"):
        case = services.accept(
            case_id=case.pk,
            user=world.clerk,
            deficiency=[{"material_key": owed.key, "days": 5}],
        )
    assert case.deficiency and case.deficiency_due == date(2026, 3, 9)
    assert Notice.objects.filter(case=case, kind=NoticeKind.DEFICIENCY).exists()
    assert services.deficiency_expire(today=date(2026, 3, 9)) == 0
    assert services.deficiency_expire(today=date(2026, 3, 10)) == 1
    case.refresh_from_db()
    assert case.status == CaseStatus.TERMINATED
    assert Supervision.objects.filter(case=case, kind=SupervisionKind.DEFICIENCY_EXPIRED).exists()
    assert not CaseTask.objects.filter(case=case, closed_at__isnull=True).exists()


def test_owed_material_supplied_clears_the_deficiency(world):
    case = services.draft_create(user=world.citizen, implementation_code=world.code(FOOD))
    services.draft_update(
        case_id=case.pk, user=world.citizen, answers=food_answers(world.version(FOOD))
    )
    owed = case.materials.filter(deficiency_allowed=True).first()
    upload_all(case, world.citizen, skip=(owed.key,))
    services.submit(case_id=case.pk, user=world.citizen)
    services.accept(case_id=case.pk, user=world.clerk, deficiency=[{"material_key": owed.key}])
    services.material_upload(
        case_id=case.pk,
        material_key=owed.key,
        user=world.citizen,
        filename="健康证.pdf",
        content=pdf_bytes("owed"),
    )
    case.refresh_from_db()
    assert case.deficiency_due is None
    assert services.deficiency_expire(today=date(2099, 1, 1)) == 0


def test_deficiency_refused_for_essential_material(world):
    case = _walk_in(world, FOOD, paper=False)
    essential = case.materials.filter(deficiency_allowed=False).first()
    with pytest.raises(InvalidInput) as exc:
        services.accept(
            case_id=case.pk, user=world.clerk, deficiency=[{"material_key": essential.key}]
        )
    assert exc.value.field == "deficiency[0].material_key"
    case.refresh_from_db()
    assert case.status == CaseStatus.SUBMITTED


def test_commitment_approval_then_failed_verification_revokes_and_records_credit(world):
    case = services.draft_create(user=world.citizen, implementation_code=world.code(FOOD))
    services.draft_update(
        case_id=case.pk, user=world.citizen, answers=food_answers(world.version(FOOD))
    )
    upload_all(case, world.citizen)
    case = services.submit(case_id=case.pk, user=world.citizen, commitment_signed_name="张伟")
    assert case.commitment
    case = _to_decided(world, case)
    record = case.commitment_record
    assert record.verify_due is not None and record.verify_department_id == case.department_id
    with pytest.raises(NotFound):  # another department cannot verify
        services.commitment_verify(
            case_id=case.pk, user=world.other_approver, passed=False, finding="x"
        )
    services.commitment_verify(
        case_id=case.pk, user=world.approver, passed=False, finding="现场无冷藏设施，承诺不实"
    )
    case.refresh_from_db()
    assert case.status == CaseStatus.REVOKED
    credit = CreditRecord.objects.get(case=case)
    assert credit.subject_id_index == case.applicant_id_index


def test_commitment_refused_for_items_that_do_not_allow_it(world):
    case = services.draft_create(user=world.citizen, implementation_code=world.code(ID_CARD))
    services.draft_update(
        case_id=case.pk, user=world.citizen, answers=food_answers(world.version(ID_CARD))
    )
    case.refresh_from_db()
    upload_all(case, world.citizen)
    with pytest.raises(InvalidInput) as exc:
        services.submit(case_id=case.pk, user=world.citizen, commitment_signed_name="张伟")
    assert exc.value.field == "commitment_signed_name"
    case.refresh_from_db()
    assert case.status == CaseStatus.DRAFT


def test_refusal_states_reasons_and_appeal(world):
    case = _walk_in(world, FOOD)
    case = services.refuse(
        case_id=case.pk, user=world.clerk, reasons="申请事项不属于本机关职权范围"
    )
    assert case.status == CaseStatus.NOT_ACCEPTED
    notice = Notice.objects.get(case=case, kind=NoticeKind.REFUSAL)
    assert "行政复议" in notice.content["appeal"]
    with pytest.raises(Conflict):
        services.accept(case_id=case.pk, user=world.clerk)


def test_fixed_fee_must_be_paid_before_conclusion(world):
    case = _walk_in(world, ID_CARD)
    assert case.fee_amount == Decimal("20.00") and case.fee_assessed
    version = world.version(ID_CARD)
    from zhengwu.org.models import Department

    handler = Department.objects.get(pk=version.department_id)
    approver = _staff(handler, "approver")
    head = _staff(handler, "department_head")
    services.accept(case_id=case.pk, user=world.clerk)
    services.complete_step(case_id=case.pk, user=approver, action="pass", opinion="符合")
    services.complete_step(
        case_id=case.pk, user=head, action="pass", decision=Decision.APPROVE, opinion="同意"
    )
    with pytest.raises(Conflict) as exc:
        services.deliver(case_id=case.pk, user=world.clerk, method="window", identity_checked=True)
    assert exc.value.code == "unpaid"
    with pytest.raises(InvalidInput):
        services.payment_record(
            case_id=case.pk, user=world.clerk, method="cash", receipt_no="R1", amount="19.99"
        )
    services.payment_record(case_id=case.pk, user=world.clerk, method="cash", receipt_no="陕财0001")
    case = services.deliver(
        case_id=case.pk, user=world.clerk, method="window", identity_checked=True
    )
    assert case.status == CaseStatus.CONCLUDED and case.fee_paid


def _staff(department, role):
    from tests.factories import make_staff

    return make_staff(department=department, roles=[role])


def test_fee_without_fixed_amount_is_assessed_by_the_clerk(world):
    case = _walk_in(world, DOG)
    assert not case.fee_assessed
    with pytest.raises(NotAllowed):
        services.fee_assess(case_id=case.pk, user=world.citizen, amount="100", basis="x")
    case = services.fee_assess(
        case_id=case.pk, user=world.clerk, amount="100.00", basis="西安市犬只登记收费标准"
    )
    assert case.fee_assessed and case.fee_amount == Decimal("100.00") and not case.fee_paid


def test_joint_review_runs_parallel_tasks_in_both_bodies(world):
    case = _walk_in(world, HOMESTEAD)
    case = services.accept(case_id=case.pk, user=world.clerk)
    version = world.version(HOMESTEAD)
    from zhengwu.org.models import Department

    lead = Department.objects.get(pk=version.department_id)
    lead_approver = _staff(lead, "approver")
    services.complete_step(case_id=case.pk, user=lead_approver, action="pass", opinion="牵头审查")
    open_tasks = list(CaseTask.objects.filter(case=case, closed_at__isnull=True))
    assert len(open_tasks) == 2
    bodies = {Department.objects.get(pk=t.department_id).name for t in open_tasks}
    assert bodies == set(version.joint_bodies)
    for task in open_tasks:
        joint = _staff(Department.objects.get(pk=task.department_id), "approver")
        services.complete_step(case_id=case.pk, user=joint, action="pass", opinion="同意")
    case.refresh_from_db()
    assert case.current_step == "decide"


def test_a_bundle_forms_contact_phone_may_be_the_applicants(world):
    parent = services.draft_create(user=world.citizen, bundle_code=NEWBORN)
    form = {k: v for k, v in NEWBORN_FORM.items() if k != "phone"}
    services.draft_update(case_id=parent.pk, user=world.citizen, form=form)
    upload_all(parent, world.citizen)
    parent = Case.objects.get(pk=parent.pk)
    parent.applicant_phone = ""
    parent.save(update_fields=["applicant_phone"])
    with pytest.raises(InvalidInput) as refused:
        services.bundle_submit(case_id=parent.pk, user=world.citizen, idempotency_key="p1")
    error = refused.value
    assert ([e.field for e in error.errors] or [error.field]) == ["form.phone"]
    assert error.code == "required"
    assert Case.objects.get(pk=parent.pk).status == CaseStatus.DRAFT
    parent.applicant_phone = "13900000000"
    parent.save(update_fields=["applicant_phone"])
    submitted = services.bundle_submit(case_id=parent.pk, user=world.citizen, idempotency_key="p2")
    assert submitted.status == CaseStatus.SUBMITTED and submitted.children.count() >= 2


def test_bundle_one_submission_parallel_children_one_combined_notice(
    world, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        parent = services.draft_create(user=world.citizen, bundle_code=NEWBORN)
        services.draft_update(case_id=parent.pk, user=world.citizen, form=NEWBORN_FORM)
        assert parent.kind == CaseKind.BUNDLE
        keys = list(parent.materials.values_list("key", flat=True))
        assert len(keys) == len(set(keys))  # one set of materials, deduplicated
        upload_all(parent, world.citizen)
        parent = services.bundle_submit(case_id=parent.pk, user=world.citizen, idempotency_key="b1")
        again = services.bundle_submit(case_id=parent.pk, user=world.citizen, idempotency_key="b1")
        assert again.pk == parent.pk
        children = list(parent.children.order_by("id"))
        assert len(children) >= 2
        services.accept(case_id=parent.pk, user=world.clerk)
        parent.refresh_from_db()
        assert parent.status == CaseStatus.IN_PROGRESS
        for child in children:
            child.refresh_from_db()
            assert child.status == CaseStatus.IN_PROGRESS
            assert child.promised_due <= parent.promised_due  # one time limit: the bundle's
        from zhengwu.org.models import Department

        for i, child in enumerate(children):
            department = Department.objects.get(pk=child.department_id)
            approver, head = _staff(department, "approver"), _staff(department, "department_head")
            services.complete_step(case_id=child.pk, user=approver, action="pass", opinion="符合")
            decision = Decision.DENY if i == 0 else Decision.APPROVE
            services.complete_step(
                case_id=child.pk,
                user=head,
                action="pass",
                decision=decision,
                opinion="出生医学证明信息不一致" if i == 0 else "同意",
            )
            services.deliver(case_id=child.pk, user=world.clerk, method="download")
    parent.refresh_from_db()
    assert parent.status == CaseStatus.CONCLUDED
    notice = Notice.objects.get(case=parent, kind=NoticeKind.BUNDLE_RESULT)
    rows = notice.content["children"]
    assert len(rows) == len(children)
    assert rows[0]["decision"] == "deny" and "不一致" in rows[0]["reason"]
    assert all(r["decision"] == "approve" for r in rows[1:])
    assert notice.pdf_id


def test_cross_region_receipt_cannot_decide_and_forwards_the_file(world):
    from zhengwu.org.models import Department, Region

    case = _walk_in(world, FOOD)
    # make the handling body sit in another region: a receiving venue outside it
    other_region = Region.objects.exclude(
        pk=Department.objects.get(pk=case.department_id).region_id
    ).first()
    Department.objects.filter(pk=world.clerk.staff_profile.department_id).update(
        region=other_region
    )
    case = services.accept(case_id=case.pk, user=world.clerk)
    assert case.cross_region
    transfer = services.transfer_send(case_id=case.pk, user=world.clerk, tracking_no="EMS1234567")
    with pytest.raises(NotFound):
        services.transfer_receive(transfer_id=transfer.pk, user=world.clerk)
    services.transfer_receive(transfer_id=transfer.pk, user=world.approver)
    services.complete_step(case_id=case.pk, user=world.approver, action="pass", opinion="符合")
    with pytest.raises(Conflict) as exc:  # the receiving side cannot decide
        services.complete_step(
            case_id=case.pk, user=world.clerk, action="pass", decision=Decision.APPROVE
        )
    assert exc.value.code == "task_other_department"


def test_handover_moves_first_contact_responsibility(world):
    case = _walk_in(world, FOOD)
    from tests.factories import make_staff

    colleague = make_staff(department=world.clerk.staff_profile.department, roles=["window_clerk"])
    with pytest.raises(NotAllowed):
        services.handover(case_id=case.pk, user=colleague, to_user_id=world.clerk.pk, reason="x")
    services.handover(case_id=case.pk, user=world.clerk, to_user_id=colleague.pk, reason="调岗")
    case.refresh_from_db()
    assert case.first_responder_id == colleague.pk


def test_withdraw_before_decision_only(world):
    case = _walk_in(world, FOOD)
    services.accept(case_id=case.pk, user=world.clerk)
    case = services.withdraw(case_id=case.pk, user=world.citizen, reason="不再经营")
    assert case.status == CaseStatus.WITHDRAWN
    assert not CaseTask.objects.filter(case=case, closed_at__isnull=True).exists()
    other = _to_decided(world, _walk_in(world, FOOD))
    with pytest.raises(Conflict):
        services.withdraw(case_id=other.pk, user=world.citizen)


def test_complaint_gets_a_deadline_and_overdue_supervision(world):
    case = _walk_in(world, FOOD)
    with freeze_time("2026-03-02 10:00:00+08:00"):
        complaint = services.complaint_open(user=world.citizen, case_id=case.pk, text="窗口推诿")
    assert complaint.due_on == date(2026, 3, 9)
    with pytest.raises(NotFound):
        services.complaint_open(user=world.citizen2, case_id=case.pk, text="x")
    services.warnings_recompute(today=date(2026, 3, 10))
    assert Supervision.objects.filter(kind=SupervisionKind.COMPLAINT_OVERDUE).count() == 1
    with pytest.raises(NotAllowed):
        services.complaint_answer(complaint_id=complaint.pk, user=world.clerk, answer="x")
    services.complaint_answer(complaint_id=complaint.pk, user=world.supervisor, answer="已督促整改")
    complaint.refresh_from_db()
    assert complaint.status == "answered"


def test_upload_checks_content_not_extension(world):
    case = services.draft_create(user=world.citizen, implementation_code=world.code(FOOD))
    key = case.materials.first().key
    with pytest.raises(InvalidInput) as exc:
        services.material_upload(
            case_id=case.pk,
            material_key=key,
            user=world.citizen,
            filename="申请书.pdf",
            content=b"MZ\x90\x00" + b"\x00" * 100,
        )
    assert exc.value.field == f"materials.{key}"
    assert not case.materials.get(key=key).files.exists()


def test_situation_answer_outside_options_is_422(world):
    case = services.draft_create(user=world.citizen, implementation_code=world.code(FOOD))
    with pytest.raises(InvalidInput) as exc:
        services.draft_update(case_id=case.pk, user=world.citizen, answers={"applicant": "nope"})
    assert exc.value.field == "answers.applicant"


def test_commitment_stands_in_for_missing_materials(world):
    case = services.draft_create(user=world.citizen, implementation_code=world.code(FOOD))
    services.draft_update(
        case_id=case.pk, user=world.citizen, answers=food_answers(world.version(FOOD))
    )
    first = case.materials.order_by("sort_order").first()
    upload_all(case, world.citizen, skip=(first.key,))
    with pytest.raises(InvalidInput):  # without the commitment the material is missing
        services.submit(case_id=case.pk, user=world.citizen)
    case = services.submit(case_id=case.pk, user=world.citizen, commitment_signed_name="张伟")
    assert case.status == CaseStatus.SUBMITTED
    assert case.materials.get(key=first.key).source == MaterialSource.COMMITMENT
    case = services.accept(case_id=case.pk, user=world.clerk)
    assert case.status == CaseStatus.IN_PROGRESS

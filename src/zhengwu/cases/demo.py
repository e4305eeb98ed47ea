"""Demo cases for the Baqiao demo (run after the org, accounts and catalogue demos).

Through the real services, so every case has its numbers, notices, timeline and audit
trail: one awaiting acceptance, one with a one-time correction notice, one in review, one
awaiting the head's decision, one decided and awaiting delivery at the window, one concluded,
and a 新生儿出生 bundle in progress. Idempotent: nothing is added when demo cases exist.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from zhengwu.cases import services
from zhengwu.cases.choices import Decision
from zhengwu.cases.models import Case
from zhengwu.catalog import selectors as catalog_selectors

FOOD = "食品经营许可"
NEWBORN = "newborn"


def demo_pdf(label: str) -> bytes:
    """A small valid PDF standing in for a scanned material."""
    from datetime import date

    from zhengwu.cases.documents import NoticeDocument, render_notice

    return render_notice(
        NoticeDocument(
            kind="delivery_receipt",
            number=f"DEMO-{label}"[:60],
            case_number="",
            issuing_body="示例材料（演示数据）",
            applicant_name="",
            item_name=label,
            issued_on=date.today(),
            progress_url="http://127.0.0.1:8000/",
        )
    )


def _user(username: str) -> Any:
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(username=username).first()


def _food_case(citizen: Any, code: str, label: str) -> Case:
    case = services.draft_create(user=citizen, implementation_code=code)
    version = catalog_selectors.published_version(code)
    services.draft_update(
        case_id=case.pk, user=citizen, answers=catalog_selectors.first_option_answers(version)
    )
    pdf = demo_pdf(label)
    case.refresh_from_db()
    for material in case.materials.all():
        services.material_upload(
            case_id=case.pk,
            material_key=material.key,
            user=citizen,
            filename=f"{material.name}.pdf",
            content=pdf,
        )
    return services.submit(case_id=case.pk, user=citizen, idempotency_key=f"demo-{label}")


def _newborn_form(citizen: Any) -> dict[str, str]:
    """The 新生儿出生一件事 form as the demo citizen (the father) fills it in."""
    from datetime import timedelta

    from django.utils import timezone

    from zhengwu.kernel.identifiers import citizen_id_check_digit

    mother = "61011119920305002"  # a demo number: Baqiao, born 1992-03-05
    father = getattr(getattr(citizen, "citizen_profile", None), "id_number", "") or ""
    return {
        "child_name": "张小宝",
        "child_sex": "男",
        "birth_date": (timezone.localdate() - timedelta(days=10)).isoformat(),
        "birth_place": "西安市灞桥区妇幼保健院",
        "mother_name": "李娜",
        "mother_id_number": mother + citizen_id_check_digit(mother),
        "father_name": getattr(citizen, "display_name", "") or "张伟",
        "father_id_number": father,
        "household_follow": "随父",
        "phone": "13800138000",
        "mailing_address": "西安市灞桥区纺织城街道纺正街1号",
    }


def load_demo() -> list[str]:
    """Create the demo cases; returns their numbers (empty when they exist already)."""
    if Case.objects.filter(idempotency_key__startswith="demo-").exists():
        return []
    citizen, clerk = _user("citizen"), _user("clerk")
    approver, head = _user("approver"), _user("head")
    if not all((citizen, clerk, approver, head)):
        return []
    food = catalog_selectors.published_versions(q=FOOD).filter(name=FOOD).first()
    if food is None:
        return []
    code = food.implementation_code
    numbers: list[str] = []
    with transaction.atomic():
        waiting = _food_case(citizen, code, "待受理")
        numbers.append(waiting.number or "")

        correction = _food_case(citizen, code, "待补正")
        first = correction.materials.order_by("sort_order").first()
        services.request_correction(
            case_id=correction.pk,
            user=clerk,
            items=[
                {"material_key": first.key if first else "", "reason": "申请书缺少法定代表人签字"}
            ],
        )
        numbers.append(correction.number or "")

        review = _food_case(citizen, code, "审查中")
        services.accept(case_id=review.pk, user=clerk)
        numbers.append(review.number or "")

        deciding = _food_case(citizen, code, "待决定")
        services.accept(case_id=deciding.pk, user=clerk)
        services.complete_step(
            case_id=deciding.pk, user=approver, action="pass", opinion="材料齐全，符合条件"
        )
        numbers.append(deciding.number or "")

        delivering = _food_case(citizen, code, "待出件")
        services.accept(case_id=delivering.pk, user=clerk)
        services.complete_step(case_id=delivering.pk, user=approver, action="pass", opinion="符合")
        services.complete_step(
            case_id=delivering.pk,
            user=head,
            action="pass",
            decision=Decision.APPROVE,
            opinion="同意",
        )
        numbers.append(delivering.number or "")

        done = _food_case(citizen, code, "已办结")
        services.accept(case_id=done.pk, user=clerk)
        services.complete_step(case_id=done.pk, user=approver, action="pass", opinion="符合")
        services.complete_step(
            case_id=done.pk, user=head, action="pass", decision=Decision.APPROVE, opinion="同意"
        )
        services.deliver(case_id=done.pk, user=clerk, method="window", identity_checked=True)
        numbers.append(done.number or "")

        try:
            catalog_selectors.bundle_with_members(NEWBORN)
        except Exception:
            return numbers
        bundle = services.draft_create(user=citizen, bundle_code=NEWBORN)
        services.draft_update(case_id=bundle.pk, user=citizen, form=_newborn_form(citizen))
        pdf = demo_pdf("新生儿出生一件事")
        for material in bundle.materials.all():
            services.material_upload(
                case_id=bundle.pk,
                material_key=material.key,
                user=citizen,
                filename=f"{material.name}.pdf",
                content=pdf,
            )
        bundle = services.bundle_submit(
            case_id=bundle.pk, user=citizen, idempotency_key="demo-newborn"
        )
        services.accept(case_id=bundle.pk, user=clerk)
        numbers.append(bundle.number or "")
    return numbers

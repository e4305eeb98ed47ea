"""Case handling API (办件), mounted at ``/api/v1/cases``: other systems, mobile apps, kiosks.

Two sides:

- **Applicant side** (``/cases/...``): citizens and enterprise members (and the clerk who
  entered a walk-in application) work on their own cases. Another user's case is 404.
  Applications made here are recorded with the channel ``api``: API tokens have no kiosk
  scope (scopes are read/write/admin), so a kiosk is not told apart from any other client.
- **Staff side** (``/cases/staff/...``): window clerks, approvers, heads, supervisors. A
  case the staff member may not see is 404; a case they see but may not act on is 403 (role)
  or 409 (the current step is another department's, or the state does not allow it).
  Personal data is masked by the viewer's clearance (``accounts.policies.clearance_for``).

Public, without authentication: ``GET /progress`` (number + applicant name; no personal
data) and ``POST /payments/notify`` (the payment gateway's callback; its HMAC signature is
the authentication).

Handlers parse, call one service or selector and shape the answer. Domain errors become
responses in ``config.api`` (409s carry ``details.status``, the current state).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from ninja import Body, File, Header, Path, Query, Router, Status
from ninja.files import UploadedFile
from pydantic import Field

from zhengwu.accounts import policies as account_policies
from zhengwu.cases import documents_service, policies, selectors, services
from zhengwu.cases.choices import (
    CaseKind,
    CaseStatus,
    IdType,
    NoticeKind,
    SupervisionKind,
)
from zhengwu.cases.models import Case, CaseFile, CaseMaterial, Complaint
from zhengwu.cases.schemas import (
    AcceptIn,
    CaseCreateIn,
    CaseOut,
    CasePageOut,
    CaseUpdateIn,
    CommitmentIn,
    ComplaintAnswerIn,
    ComplaintIn,
    ComplaintOut,
    CorrectionIn,
    DeliverIn,
    ExtensionDecideIn,
    ExtensionIn,
    FeeIn,
    HandoverIn,
    MaterialLicenceIn,
    MaterialOut,
    MaterialReuseIn,
    MessagesOut,
    PaperIn,
    PaymentNoticeOut,
    PaymentRecordIn,
    PaymentStartIn,
    PaymentStartOut,
    ProgressOut,
    QueueEntryOut,
    RefuseIn,
    SpecialProcedureEndIn,
    SpecialProcedureIn,
    StaffCaseCreateIn,
    StaffCaseOut,
    StaffCaseSummaryOut,
    StepIn,
    SubmitIn,
    SupervisionOut,
    TaskIn,
    TerminateIn,
    TransferIn,
    WithdrawIn,
)
from zhengwu.cases.services import ApplicantData
from zhengwu.kernel.errors import InvalidInput, NotAllowed, NotFound
from zhengwu.kernel.masking import DataLevel, MaskKind, display, mask, mask_text

router = Router(tags=["cases"])

CHANNEL = "api"
# Database ids in the path: a number beyond the column's range is 422, not a server error.
DbId = Annotated[int, Field(ge=1, le=2**63 - 1)]
PATH_KEY = Path(..., min_length=1, max_length=64, pattern=r"^[-a-zA-Z0-9_]+$")
# Read at most this much of an upload; every material's own limit is checked by the service.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
PDF_RESPONSE = {
    "responses": {
        200: {
            "description": "PDF",
            "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        }
    }
}
IDEMPOTENCY_KEY = Header(
    ...,
    alias="Idempotency-Key",
    min_length=1,
    max_length=64,
    description="重复提交返回同一办件 / the same key returns the same case",
)
StaffQueueKind = Literal["acceptance", "mine", "department", "overdue", "due_soon"]

# Timeline codes shown by the public progress lookup, with fixed texts: the timeline's own
# messages may carry reasons and opinions, which are for the applicant only.
PROGRESS_LABELS: dict[str, tuple[str, str]] = {
    "submitted": ("申请已提交", "Application submitted"),
    "correction": ("需补正材料", "Corrections requested"),
    "resubmitted": ("已提交补正材料", "Corrections submitted"),
    "accepted": ("已受理", "Accepted"),
    "auto_accepted": ("依法自动受理", "Accepted by law"),
    "step_pass": ("审查环节已通过", "A review step was passed"),
    "owed_supplied": ("已补交容缺材料", "Owed material supplied"),
    "suspended": ("进入特别程序", "Special procedure started"),
    "resumed": ("特别程序结束", "Special procedure ended"),
    "extended": ("办理期限已延长", "Time limit extended"),
    "fee_assessed": ("费用已核定", "Fee assessed"),
    "paid": ("已缴费", "Paid"),
    "approved": ("已作出准予许可决定", "Approved"),
    "denied": ("已作出不予许可决定", "Denied"),
    "refused": ("不予受理", "Not accepted"),
    "concluded": ("已办结", "Concluded"),
    "withdrawn": ("申请人已撤回", "Withdrawn"),
    "terminated": ("办件终止", "Terminated"),
    "revoked": ("审批决定已撤销", "Revoked"),
    "deadline_recomputed": ("办结期限已重新计算", "Deadline recomputed"),
}


# --- helpers: who is asking -------------------------------------------------------------------


def _applicant_case(user: Any, case_id: int) -> Case:
    """The case if ``user`` is on its applicant side (or entered it): else 404."""
    case = selectors.access_case(user, case_id)
    if case.created_by_id != user.pk and not policies.is_applicant_side(
        user, case, selectors.enterprise_ids_of(user)
    ):
        raise NotFound(*selectors.NOT_FOUND, field="case_id")
    return case


def _staff(request: HttpRequest) -> Any:
    if not account_policies.is_staff_member(request.user):
        raise NotAllowed("仅限工作人员使用", "Staff only")
    return request.user


def _staff_case(request: HttpRequest, case_id: int) -> tuple[Any, Case]:
    """Staff member and a case they may see (404 otherwise) — checked before any action."""
    user = _staff(request)
    return user, selectors.access_case(user, case_id)


# --- helpers: shaping ---------------------------------------------------------------------------


def _label(choices: Any, value: str) -> tuple[str, str]:
    text = str(dict(choices.choices).get(value, value))
    zh, _, en = text.partition(" / ")
    return zh, en or zh


def _reload(case_id: int) -> Case:
    return (
        Case.objects.select_related("department", "bundle", "item_version")
        .prefetch_related("materials__files__blob")
        .get(pk=case_id)
    )


def _material(material: CaseMaterial) -> dict[str, Any]:
    return {
        "key": material.key,
        "name": material.name,
        "required": material.required,
        "deficiency_allowed": material.deficiency_allowed,
        "allowed_types": list(material.allowed_types or []),
        "max_size_kb": material.max_size_kb,
        "source": material.source,
        "owed_until": material.owed_until,
        "paper_originals": material.paper_originals,
        "paper_copies": material.paper_copies,
        "licence_identifier": material.licence_identifier,
        "files": [_file(f) for f in material.files.all()],
    }


def _file(row: CaseFile) -> dict[str, Any]:
    return {
        "id": row.pk,
        "filename": row.filename,
        "size": row.blob.size,
        "file_type": row.blob.file_type,
        "sha256": row.blob_id,
        "uploaded_at": row.uploaded_at,
    }


def _summary(case: Case) -> dict[str, Any]:
    zh, en = _label(CaseStatus, case.status)
    return {
        "id": case.pk,
        "number": case.number,
        "kind": case.kind,
        "item_name": case.item_name,
        "implementation_code": case.implementation_code,
        "status": case.status,
        "status_label": zh,
        "status_label_en": en,
        "channel": case.channel,
        "department_id": case.department_id,
        "department_name": case.department.name if case.department_id else "",
        "created_at": case.created_at,
        "submitted_at": case.submitted_at,
        "promised_due": case.promised_due,
        "due_provisional": case.due_provisional,
    }


def _staff_summary(case: Case, clearance: int) -> dict[str, Any]:
    return {
        **_summary(case),
        "applicant_name": _name(case.applicant_name, clearance),
        "received_on": case.received_on,
        "current_step_label": case.current_step_label,
        "assignee_id": case.assignee_id,
        "warning_level": case.warning_level,
    }


def _notice_url(case_id: int, notice_id: int, *, staff: bool) -> str:
    name = "api:cases_staff_notice_pdf" if staff else "api:cases_notice_pdf"
    return reverse(name, kwargs={"case_id": case_id, "notice_id": notice_id})


def _detail(case: Case, *, staff: bool) -> dict[str, Any]:
    """What both views share: materials, due dates, fee, decision, notices, children."""
    text, text_en = selectors.next_step_text(case)
    notices = [
        {
            "id": n.pk,
            "kind": n.kind,
            "kind_label": _label(NoticeKind, n.kind)[0],
            "number": n.number,
            "issued_at": n.issued_at,
            "pdf_url": _notice_url(case.pk, n.pk, staff=staff),
        }
        for n in case.notices.order_by("id")
    ]
    children = [
        {
            "id": c.pk,
            "number": c.number,
            "item_name": c.item_name,
            "implementation_code": c.implementation_code,
            "status": c.status,
            "status_label": _label(CaseStatus, c.status)[0],
            "decision": c.decision,
            "result_number": c.result_number,
        }
        for c in case.children.order_by("id")
    ]
    return {
        **_summary(case),
        "parent_id": case.parent_id,
        "answers": case.answers or {},
        "materials": [_material(m) for m in case.materials.all()],
        "next_step": {"text": text, "text_en": text_en},
        "due": {
            "received_on": case.received_on,
            "accepted_on": case.accepted_on,
            "promised_due": case.promised_due,
            "statutory_due": case.statutory_due,
            "step_due": case.step_due,
            "deficiency_due": case.deficiency_due,
            "provisional": case.due_provisional,
            "working_days_left": selectors.working_days_left(case),
        },
        "current_step_label": case.current_step_label,
        "fee": {
            "amount": f"{case.fee_amount:.2f}",
            "assessed": case.fee_assessed,
            "paid": case.fee_paid,
        },
        "decision": case.decision,
        "decision_reason": case.decision_reason,
        "result_number": case.result_number,
        "commitment": case.commitment,
        "deficiency": case.deficiency,
        "notices": notices,
        "children": children,
        "accepted_at": case.accepted_at,
        "decided_at": case.decided_at,
        "concluded_at": case.concluded_at,
    }


def _events(case: Case, *, public_only: bool) -> list[dict[str, Any]]:
    return [
        {
            "code": e.code,
            "message": e.message,
            "message_en": e.message_en,
            "occurred_at": e.occurred_at,
            "public": e.public,
        }
        for e in selectors.timeline(case, public_only=public_only)
    ]


def _id_kind(case: Case) -> MaskKind:
    return MaskKind.USCC if case.applicant_id_type == IdType.USCC else MaskKind.CITIZEN_ID


def _case_out(case_id: int) -> dict[str, Any]:
    """The applicant's view (their own data, the ID number masked as on every screen)."""
    case = _reload(case_id)
    return {
        **_detail(case, staff=False),
        "form": case.form_data or {},
        "applicant": {
            "kind": case.applicant_kind,
            "name": case.applicant_name,
            "id_type": case.applicant_id_type,
            "id_number": mask(case.applicant_id_number, _id_kind(case)),
            "agent_name": case.agent_name,
            "enterprise_id": case.enterprise_id,
        },
        "timeline": _events(case, public_only=True),
    }


def _name(value: str, clearance: int) -> str:
    return display(value, MaskKind.NAME, level=account_policies.NAME_LEVEL, clearance=clearance)


def _masked_form(value: Any) -> Any:
    if isinstance(value, str):
        return mask_text(value)
    if isinstance(value, dict):
        return {k: _masked_form(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_masked_form(v) for v in value]
    return value


def _staff_case_out(user: Any, case_id: int) -> dict[str, Any]:
    case = _reload(case_id)
    clearance = account_policies.clearance_for(user)
    id_level = account_policies.ID_NUMBER_LEVEL
    phone_level = account_policies.PHONE_LEVEL
    delivery = getattr(case, "delivery", None)  # reverse one-to-one: None when absent
    record = getattr(case, "commitment_record", None)
    return {
        **_detail(case, staff=True),
        # ID numbers (and mobiles) inside free form fields follow the ID number's level.
        "form": case.form_data if clearance >= id_level else _masked_form(case.form_data or {}),
        "clearance": clearance,
        "applicant": {
            "kind": case.applicant_kind,
            "name": _name(case.applicant_name, clearance),
            "id_type": case.applicant_id_type,
            "id_number": display(
                case.applicant_id_number, _id_kind(case), level=id_level, clearance=clearance
            ),
            "phone": display(
                case.applicant_phone, MaskKind.PHONE, level=phone_level, clearance=clearance
            ),
            "address": display(
                case.applicant_address,
                MaskKind.ADDRESS,
                level=DataLevel.FAIRLY_SENSITIVE,
                clearance=clearance,
            ),
            "agent_name": _name(case.agent_name, clearance),
            "agent_id_number": display(
                case.agent_id_number, MaskKind.CITIZEN_ID, level=id_level, clearance=clearance
            ),
            "user_id": case.applicant_user_id,
            "enterprise_id": case.enterprise_id,
        },
        "timeline": _events(case, public_only=False),
        "receiving_department_id": case.receiving_department_id,
        "first_responder_id": case.first_responder_id,
        "current_step": case.current_step,
        "assignee_department_id": case.assignee_department_id,
        "assignee_role": case.assignee_role,
        "assignee_id": case.assignee_id,
        "warning_level": case.warning_level,
        "cross_region": case.cross_region,
        "auto_accepted": case.auto_accepted,
        "tasks": [_task(t) for t in case.tasks.filter(closed_at__isnull=True).order_by("id")],
        "steps": list(case.steps.order_by("id")),
        "corrections": list(case.corrections.order_by("id")),
        "special_procedures": list(case.special_procedures.order_by("id")),
        "extensions": list(case.extensions.order_by("id")),
        "payments": [_payment(p) for p in case.payments.order_by("id")],
        "delivery": None
        if delivery is None
        else {
            "method": delivery.method,
            "tracking_no": delivery.tracking_no,
            "address": display(
                delivery.address,
                MaskKind.ADDRESS,
                level=DataLevel.FAIRLY_SENSITIVE,
                clearance=clearance,
            ),
            "identity_checked": delivery.identity_checked,
            "delivered_at": delivery.delivered_at,
        },
        "transfers": list(case.transfers.order_by("id")),
        "commitment_record": record,
        "handovers": list(case.handovers.order_by("id")),
    }


def _task(task: Any) -> dict[str, Any]:
    return {
        "id": task.pk,
        "step": task.step,
        "step_label": task.step_label,
        "department_id": task.department_id,
        "role": task.role,
        "assignee_id": task.assignee_id,
        "opened_at": task.opened_at,
        "due_on": task.due_on,
        "closed_at": task.closed_at,
        "warning_level": task.warning_level,
    }


def _payment(payment: Any) -> dict[str, Any]:
    return {
        "id": payment.pk,
        "amount": f"{payment.amount:.2f}",
        "method": payment.method,
        "status": payment.status,
        "order_no": payment.order_no,
        "receipt_no": payment.receipt_no,
        "created_at": payment.created_at,
        "paid_at": payment.paid_at,
    }


def _complaint(complaint: Complaint) -> dict[str, Any]:
    return {
        "id": complaint.pk,
        "case_id": complaint.case_id,
        "case_number": complaint.case.number if complaint.case_id else None,
        "implementation_code": complaint.implementation_code,
        "text": complaint.text,
        "status": complaint.status,
        "due_on": complaint.due_on,
        "answer": complaint.answer,
        "created_at": complaint.created_at,
        "answered_at": complaint.answered_at,
    }


def _applicant_data(payload: Any) -> ApplicantData | None:
    if payload is None:
        return None
    return ApplicantData(**payload.dict())


def _pdf(notice: Any) -> HttpResponse:
    response = HttpResponse(documents_service.notice_pdf(notice), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="notice-{notice.pk}.pdf"'
    return response


# === applicant side =============================================================================


@router.post("", response={201: CaseOut}, summary="Start an application (draft)")
def create_case(request: HttpRequest, payload: CaseCreateIn) -> Status:
    """Apply for yourself (data from your verified account), for an enterprise you belong to
    (``enterprise_id``), or as an agent (代办人) for someone else (``applicant``). Staff
    enter walk-in applications with ``POST /staff/cases``."""
    user = request.user
    if account_policies.is_staff_member(user):
        raise NotAllowed(
            "工作人员请通过 /staff/cases 录入申请", "Staff enter applications at /staff/cases"
        )
    with transaction.atomic():  # a refused answer leaves no draft behind
        case = services.draft_create(
            user=user,
            implementation_code=payload.implementation_code or "",
            bundle_code=payload.bundle_code or "",
            channel=CHANNEL,
            enterprise_id=payload.enterprise_id,
            applicant=_applicant_data(payload.applicant),
        )
        if payload.answers is not None or payload.form is not None:
            services.draft_update(
                case_id=case.pk,
                user=user,
                answers=payload.answers,
                form=payload.form,
                channel=CHANNEL,
            )
    return Status(201, _case_out(case.pk))


@router.get("", response=CasePageOut, summary="My cases (limit/offset)")
def list_cases(
    request: HttpRequest,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    """Own cases, those filed as an agent and those of one's enterprises, newest first
    (bundle members are listed inside their bundle)."""
    cases = selectors.applicant_cases(request.user)
    return {
        "items": [_summary(c) for c in cases[offset : offset + limit]],
        "count": cases.count(),
    }


@router.get("/{int:case_id}", response=CaseOut, summary="One of my cases")
def get_case(request: HttpRequest, case_id: DbId) -> dict[str, Any]:
    """Public timeline, what happens next, due dates (``provisional`` until the State
    Council publishes the holidays), notices with their PDF, members of a bundle."""
    return _case_out(_applicant_case(request.user, case_id).pk)


@router.patch("/{int:case_id}", response=CaseOut, summary="Save answers and form fields")
def update_case(request: HttpRequest, case_id: DbId, payload: CaseUpdateIn) -> dict[str, Any]:
    """Drafts (and cases awaiting correction). The material list follows the answers; an
    answer that is not one of the question's options is 422 on ``answers.<question>``."""
    case = services.draft_update(
        case_id=case_id,
        user=request.user,
        answers=payload.answers,
        form=payload.form,
        channel=CHANNEL,
    )
    return _case_out(case.pk)


@router.post(
    "/{int:case_id}/materials/{key}/files",
    response={201: MaterialOut},
    summary="Upload a file for a material (multipart, field file)",
)
def upload_file(
    request: HttpRequest,
    case_id: DbId,
    key: str = PATH_KEY,
    file: UploadedFile | None = File(None),  # noqa: B008 - ninja parameter declaration
) -> Status:
    """The type is judged by the content (magic bytes), not the name; size and type outside
    the material's limits are 422 on ``materials.<key>``."""
    if file is None:
        raise InvalidInput(
            "请选择文件", "Choose a file (form field file)", field="file", code="missing"
        )
    if (file.size or 0) > MAX_UPLOAD_BYTES:
        raise InvalidInput(
            "文件过大", "The file is too large", field=f"materials.{key}", code="upload_too_large"
        )
    row = services.material_upload(
        case_id=case_id,
        material_key=key,
        user=request.user,
        filename=(file.name or "")[:255],
        content=file.read(MAX_UPLOAD_BYTES + 1),
        channel=CHANNEL,
    )
    material = CaseMaterial.objects.prefetch_related("files__blob").get(pk=row.material_id)
    return Status(201, _material(material))


@router.delete("/{int:case_id}/files/{int:file_id}", response={204: None}, summary="Remove a file")
def delete_file(request: HttpRequest, case_id: DbId, file_id: DbId) -> Status:
    services.material_remove_file(case_id=case_id, file_id=file_id, user=request.user)
    return Status(204, None)


def _material_out(case_id: int, key: str) -> dict[str, Any]:
    material = CaseMaterial.objects.prefetch_related("files__blob").get(case_id=case_id, key=key)
    return _material(material)


@router.put(
    "/{int:case_id}/materials/{key}/licence",
    response=MaterialOut,
    summary="免证办: satisfy a material by an e-licence",
)
def use_licence(
    request: HttpRequest, case_id: DbId, payload: MaterialLicenceIn, key: str = PATH_KEY
) -> dict[str, Any]:
    """The named licence (or, without an identifier, the applicant's valid licence of the
    type the material accepts). A licence that is unknown, another holder's, of another type,
    or not valid now (暂扣, 撤销, 注销, 吊销, 失效, out of its dates) is 422 on
    ``materials.<key>``."""
    services.material_use_licence(
        case_id=case_id,
        material_key=key,
        user=request.user,
        licence_identifier=payload.licence_identifier,
        channel=CHANNEL,
    )
    return _material_out(case_id, key)


@router.delete(
    "/{int:case_id}/materials/{key}/licence",
    response=MaterialOut,
    summary="Upload instead of using the e-licence",
)
def decline_licence(request: HttpRequest, case_id: DbId, key: str = PATH_KEY) -> dict[str, Any]:
    services.material_decline_licence(
        case_id=case_id, material_key=key, user=request.user, channel=CHANNEL
    )
    return _material_out(case_id, key)


@router.post(
    "/{int:case_id}/materials/{key}/reuse",
    response={201: MaterialOut},
    summary="Reuse a material accepted in an earlier case (consent)",
)
def reuse_material(
    request: HttpRequest, case_id: DbId, payload: MaterialReuseIn, key: str = PATH_KEY
) -> Status:
    """Calling this is the applicant's consent: the earlier file (same applicant, accepted
    case, same material) is attached to the draft's material."""
    services.reusable_consent(
        case_id=case_id,
        material_key=key,
        user=request.user,
        file_id=payload.file_id,
        channel=CHANNEL,
    )
    return Status(201, _material_out(case_id, key))


@router.post("/{int:case_id}/submit", response=CaseOut, summary="Submit (Idempotency-Key required)")
def submit_case(
    request: HttpRequest,
    case_id: DbId,
    idempotency_key: str = IDEMPOTENCY_KEY,
    payload: SubmitIn = Body(None),  # noqa: B008 - ninja parameter declaration
) -> dict[str, Any]:
    """Numbers the case and starts the art. 32 clock. Repeating the call (same key, or the
    case already submitted) returns the same case, unchanged. A bundle (一件事) creates one
    member case per item."""
    signed = payload.commitment_signed_name if payload else ""
    case = _applicant_case(request.user, case_id)
    if case.kind == CaseKind.BUNDLE:
        if signed:
            raise InvalidInput(
                "一件事不适用告知承诺制",
                "A bundle cannot be approved on commitment",
                field="commitment_signed_name",
                code="commitment_not_allowed",
            )
        done = services.bundle_submit(
            case_id=case.pk, user=request.user, idempotency_key=idempotency_key
        )
    else:
        done = services.submit(
            case_id=case.pk,
            user=request.user,
            idempotency_key=idempotency_key,
            channel=CHANNEL,
            commitment_signed_name=signed,
        )
    return _case_out(done.pk)


@router.post("/{int:case_id}/resubmit", response=CaseOut, summary="Hand in the corrections")
def resubmit_case(request: HttpRequest, case_id: DbId) -> dict[str, Any]:
    case = services.resubmit(case_id=case_id, user=request.user, channel=CHANNEL)
    return _case_out(case.pk)


@router.post("/{int:case_id}/withdraw", response=CaseOut, summary="Withdraw before the decision")
def withdraw_case(
    request: HttpRequest,
    case_id: DbId,
    payload: WithdrawIn = Body(None),  # noqa: B008 - ninja parameter declaration
) -> dict[str, Any]:
    case = services.withdraw(
        case_id=case_id,
        user=request.user,
        reason=payload.reason if payload else "",
        channel=CHANNEL,
    )
    return _case_out(case.pk)


@router.get(
    "/{int:case_id}/notices/{int:notice_id}.pdf",
    response={200: None},
    url_name="cases_notice_pdf",
    summary="A notice as PDF",
    openapi_extra=PDF_RESPONSE,
)
def notice_pdf(request: HttpRequest, case_id: DbId, notice_id: DbId) -> HttpResponse:
    case = _applicant_case(request.user, case_id)
    notice = case.notices.filter(pk=notice_id).first()
    if notice is None:
        raise NotFound("未找到该文书", "No such notice", field="notice_id")
    return _pdf(notice)


@router.post("/{int:case_id}/complaints", response={201: ComplaintOut}, summary="办不成事 反映")
def open_complaint(request: HttpRequest, case_id: DbId, payload: ComplaintIn) -> Status:
    """Answered by the supervising office within 5 working days."""
    complaint = services.complaint_open(user=request.user, text=payload.text, case_id=case_id)
    return Status(201, _complaint(complaint))


@router.get("/messages", response=MessagesOut, summary="My messages (站内消息)")
def list_messages(request: HttpRequest, limit: int = Query(50, ge=1, le=200)) -> dict[str, Any]:
    return {
        "unread": selectors.unread_count(request.user),
        "items": selectors.messages_of(request.user, limit=limit),
    }


@router.post("/messages/{int:message_id}/read", response={204: None}, summary="Mark a message read")
def read_message(request: HttpRequest, message_id: DbId) -> Status:
    services.message_read(user=request.user, message_id=message_id)
    return Status(204, None)


@router.post(
    "/{int:case_id}/payments/online",
    response={201: PaymentStartOut},
    summary="Pay the fee online: create an order at the payment gateway",
)
def start_online_payment(request: HttpRequest, case_id: DbId, payload: PaymentStartIn) -> Status:
    """Send the payer to ``pay_url``; the gateway reports the result to
    ``POST /payments/notify``. 409 when the item is paid at the window only or nothing is
    due."""
    notify_url = f"{settings.PUBLIC_URL}{reverse('api:cases_payment_notify')}"
    payment = services.payment_online_start(
        case_id=case_id, user=request.user, notify_url=notify_url, return_url=payload.return_url
    )
    return Status(
        201,
        {
            "order_no": payment.order_no,
            "pay_url": payment.pay_url,  # type: ignore[attr-defined]
            "amount": f"{Decimal(payment.amount):.2f}",
        },
    )


@router.post(
    "/payments/notify",
    auth=None,
    response=PaymentNoticeOut,
    url_name="cases_payment_notify",
    summary="The payment gateway's signed notice (no login: the signature authenticates)",
)
def payment_notify(request: HttpRequest) -> dict[str, Any]:
    """Body and ``X-Gateway-Signature: sha256=<HMAC>`` as described in ``cases.payments``.
    A missing or wrong signature is 422; a repeated notice changes nothing and answers 200."""
    payment = services.payment_notice(body=request.body, headers=request.headers)
    return {"order_no": payment.order_no, "status": payment.status}


@router.get("/progress", auth=None, response=ProgressOut, summary="Public progress lookup")
def progress(
    request: HttpRequest,
    number: str = Query(..., min_length=1, max_length=32, description="办件编号 / case number"),
    name: str = Query(
        ..., min_length=1, max_length=200, description="申请人名称 / the applicant's name"
    ),
) -> dict[str, Any]:
    """Both must match exactly. Answers what stage the case is at — no personal data, no
    reasons or opinions (those are in the applicant's own view)."""
    case = selectors.public_progress(number, name)
    zh, en = _label(CaseStatus, case.status)
    text, text_en = selectors.next_step_text(case)
    events = []
    for event in selectors.timeline(case, public_only=True):
        label, label_en = PROGRESS_LABELS.get(event.code, ("办理进展", "Progress"))
        events.append(
            {
                "code": event.code,
                "label": label,
                "label_en": label_en,
                "occurred_at": event.occurred_at,
            }
        )
    return {
        "number": case.number or "",
        "item_name": case.item_name,
        "department_name": case.department.name if case.department_id else "",
        "status": case.status,
        "status_label": zh,
        "status_label_en": en,
        "received_on": case.received_on,
        "accepted_on": case.accepted_on,
        "promised_due": case.promised_due,
        "provisional": case.due_provisional,
        "concluded_at": case.concluded_at,
        "next_step": {"text": text, "text_en": text_en},
        "events": events,
    }


# === staff side =================================================================================


@router.get("/staff/queue", response=list[QueueEntryOut], summary="Work queues")
def staff_queue(
    request: HttpRequest,
    kind: StaffQueueKind = "mine",
    limit: int = Query(50, ge=1, le=200),
) -> list[dict[str, Any]]:
    """``acceptance`` (awaiting acceptance, any venue: 综合窗口), ``mine`` (claimed by me),
    ``department`` (unclaimed tasks of my roles), ``overdue``, ``due_soon``."""
    user = _staff(request)
    clearance = account_policies.clearance_for(user)
    if kind == "acceptance":
        return [
            {"case": _staff_summary(c, clearance), "task": None}
            for c in selectors.acceptance_queue(user, limit=limit)
        ]
    return [
        {"case": _staff_summary(t.case, clearance), "task": _task(t)}
        for t in selectors.task_queue(user, kind, limit=limit)
    ]


@router.get("/staff/search", response=list[StaffCaseSummaryOut], summary="Search cases")
def staff_search(
    request: HttpRequest,
    number: str = Query("", max_length=32),
    applicant_id: str = Query("", max_length=32),
    applicant_name: str = Query("", max_length=200),
    status: str = Query("", max_length=16),
    warning: str = Query("", max_length=16),
    limit: int = Query(50, ge=1, le=200),
) -> list[dict[str, Any]]:
    """Exact case number, applicant ID number (blind index), exact applicant name, status,
    warning level — among the cases the caller may see."""
    user = _staff(request)
    clearance = account_policies.clearance_for(user)
    found = selectors.search_cases(
        user,
        number=number,
        applicant_id=applicant_id,
        applicant_name=applicant_name,
        status=status,
        warning=warning,
        limit=limit,
    )
    return [_staff_summary(c, clearance) for c in found]


@router.post("/staff/cases", response={201: StaffCaseOut}, summary="Enter a walk-in/posted file")
def staff_create_case(request: HttpRequest, payload: StaffCaseCreateIn) -> Status:
    """Window clerks: the applicant's data as on their ID; the clerk is the first responsible
    (首问负责). Then ``PATCH /{id}``, uploads or paper, ``POST /{id}/submit``."""
    user = _staff(request)
    case = services.draft_create(
        user=user,
        implementation_code=payload.implementation_code or "",
        bundle_code=payload.bundle_code or "",
        channel=payload.channel,
        applicant=_applicant_data(payload.applicant),
    )
    return Status(201, _staff_case_out(user, case.pk))


@router.get("/staff/cases/{int:case_id}", response=StaffCaseOut, summary="A case, in full")
def staff_get_case(request: HttpRequest, case_id: DbId) -> dict[str, Any]:
    """Steps, tasks, the whole timeline and every record; personal data masked by the
    viewer's clearance."""
    user, case = _staff_case(request, case_id)
    return _staff_case_out(user, case.pk)


@router.get(
    "/staff/cases/{int:case_id}/notices/{int:notice_id}.pdf",
    response={200: None},
    url_name="cases_staff_notice_pdf",
    summary="A notice as PDF (staff)",
    openapi_extra=PDF_RESPONSE,
)
def staff_notice_pdf(request: HttpRequest, case_id: DbId, notice_id: DbId) -> HttpResponse:
    _user, case = _staff_case(request, case_id)
    notice = case.notices.filter(pk=notice_id).first()
    if notice is None:
        raise NotFound("未找到该文书", "No such notice", field="notice_id")
    return _pdf(notice)


@router.post("/staff/cases/{int:case_id}/accept", response=StaffCaseOut, summary="受理")
def staff_accept(request: HttpRequest, case_id: DbId, payload: AcceptIn) -> dict[str, Any]:
    """Any window clerk (综合窗口). ``deficiency`` accepts with owed materials (容缺)."""
    user, case = _staff_case(request, case_id)
    services.accept(
        case_id=case.pk,
        user=user,
        deficiency=[d.dict() for d in payload.deficiency],
        opinion=payload.opinion,
        channel=CHANNEL,
    )
    return _staff_case_out(user, case.pk)


@router.post(
    "/staff/cases/{int:case_id}/correction", response=StaffCaseOut, summary="一次性告知补正"
)
def staff_correction(request: HttpRequest, case_id: DbId, payload: CorrectionIn) -> dict[str, Any]:
    user, case = _staff_case(request, case_id)
    services.request_correction(
        case_id=case.pk,
        user=user,
        items=[{k: v for k, v in i.dict().items() if v or k == "reason"} for i in payload.items],
        channel=CHANNEL,
    )
    return _staff_case_out(user, case.pk)


@router.post("/staff/cases/{int:case_id}/refuse", response=StaffCaseOut, summary="不予受理")
def staff_refuse(request: HttpRequest, case_id: DbId, payload: RefuseIn) -> dict[str, Any]:
    user, case = _staff_case(request, case_id)
    services.refuse(case_id=case.pk, user=user, reasons=payload.reasons, channel=CHANNEL)
    return _staff_case_out(user, case.pk)


@router.post("/staff/cases/{int:case_id}/claim", response=StaffCaseOut, summary="签收任务")
def staff_claim(
    request: HttpRequest,
    case_id: DbId,
    payload: TaskIn = Body(None),  # noqa: B008 - ninja parameter declaration
) -> dict[str, Any]:
    user, case = _staff_case(request, case_id)
    services.claim(case_id=case.pk, user=user, task_id=payload.task_id if payload else None)
    return _staff_case_out(user, case.pk)


@router.post("/staff/cases/{int:case_id}/release", response=StaffCaseOut, summary="退回签收")
def staff_release(
    request: HttpRequest,
    case_id: DbId,
    payload: TaskIn = Body(None),  # noqa: B008 - ninja parameter declaration
) -> dict[str, Any]:
    user, case = _staff_case(request, case_id)
    services.release(case_id=case.pk, user=user, task_id=payload.task_id if payload else None)
    return _staff_case_out(user, case.pk)


@router.post("/staff/cases/{int:case_id}/steps", response=StaffCaseOut, summary="通过/退回/决定")
def staff_step(request: HttpRequest, case_id: DbId, payload: StepIn) -> dict[str, Any]:
    """Pass or return the current step of one's department and role; at 决定, ``decision``
    approve or deny (a denial needs the opinion)."""
    user, case = _staff_case(request, case_id)
    services.complete_step(
        case_id=case.pk,
        user=user,
        action=payload.action,
        opinion=payload.opinion,
        decision=payload.decision or "",
        task_id=payload.task_id,
        channel=CHANNEL,
    )
    return _staff_case_out(user, case.pk)


@router.post(
    "/staff/cases/{int:case_id}/special-procedures",
    response={201: StaffCaseOut},
    summary="Start a special procedure (clock stops)",
)
def staff_special_start(request: HttpRequest, case_id: DbId, payload: SpecialProcedureIn) -> Status:
    user, case = _staff_case(request, case_id)
    services.special_procedure_start(
        case_id=case.pk, user=user, kind=payload.kind, reason=payload.reason, channel=CHANNEL
    )
    return Status(201, _staff_case_out(user, case.pk))


@router.post(
    "/staff/cases/{int:case_id}/special-procedures/end",
    response=StaffCaseOut,
    summary="End the special procedure (due dates move)",
)
def staff_special_end(
    request: HttpRequest, case_id: DbId, payload: SpecialProcedureEndIn
) -> dict[str, Any]:
    user, case = _staff_case(request, case_id)
    services.special_procedure_end(
        case_id=case.pk, user=user, result=payload.result, channel=CHANNEL
    )
    return _staff_case_out(user, case.pk)


@router.post(
    "/staff/cases/{int:case_id}/extensions",
    response={201: StaffCaseOut},
    summary="Ask the head for an extension (art. 42)",
)
def staff_extension_request(request: HttpRequest, case_id: DbId, payload: ExtensionIn) -> Status:
    user, case = _staff_case(request, case_id)
    services.extension_request(case_id=case.pk, user=user, reason=payload.reason, channel=CHANNEL)
    return Status(201, _staff_case_out(user, case.pk))


@router.post(
    "/staff/extensions/{int:extension_id}/decide",
    response=StaffCaseOut,
    summary="The head approves or rejects an extension",
)
def staff_extension_decide(
    request: HttpRequest, extension_id: DbId, payload: ExtensionDecideIn
) -> dict[str, Any]:
    user = _staff(request)
    extension = services.extension_decide(
        extension_id=extension_id,
        user=user,
        approve=payload.approve,
        note=payload.note,
        channel=CHANNEL,
    )
    return _staff_case_out(user, extension.case_id)


@router.post("/staff/cases/{int:case_id}/fee", response=StaffCaseOut, summary="Assess the fee")
def staff_fee(request: HttpRequest, case_id: DbId, payload: FeeIn) -> dict[str, Any]:
    user, case = _staff_case(request, case_id)
    services.fee_assess(case_id=case.pk, user=user, amount=payload.amount, basis=payload.basis)
    return _staff_case_out(user, case.pk)


@router.post(
    "/staff/cases/{int:case_id}/payments",
    response={201: StaffCaseOut},
    summary="Record a payment at the window",
)
def staff_payment(request: HttpRequest, case_id: DbId, payload: PaymentRecordIn) -> Status:
    user, case = _staff_case(request, case_id)
    services.payment_record(
        case_id=case.pk,
        user=user,
        method=payload.method,
        receipt_no=payload.receipt_no,
        amount=payload.amount,
    )
    return Status(201, _staff_case_out(user, case.pk))


@router.post("/staff/cases/{int:case_id}/deliver", response=StaffCaseOut, summary="出件/送达, 办结")
def staff_deliver(request: HttpRequest, case_id: DbId, payload: DeliverIn) -> dict[str, Any]:
    user, case = _staff_case(request, case_id)
    services.deliver(
        case_id=case.pk,
        user=user,
        method=payload.method,
        tracking_no=payload.tracking_no,
        identity_checked=payload.identity_checked,
        address=payload.address,
        channel=CHANNEL,
    )
    return _staff_case_out(user, case.pk)


@router.post("/staff/cases/{int:case_id}/terminate", response=StaffCaseOut, summary="终止")
def staff_terminate(request: HttpRequest, case_id: DbId, payload: TerminateIn) -> dict[str, Any]:
    user, case = _staff_case(request, case_id)
    services.terminate(case_id=case.pk, user=user, reason=payload.reason, channel=CHANNEL)
    return _staff_case_out(user, case.pk)


@router.post(
    "/staff/cases/{int:case_id}/transfers",
    response={201: StaffCaseOut},
    summary="政务专递: forward the paper file to the handling body",
)
def staff_transfer_send(request: HttpRequest, case_id: DbId, payload: TransferIn) -> Status:
    user, case = _staff_case(request, case_id)
    services.transfer_send(case_id=case.pk, user=user, tracking_no=payload.tracking_no)
    return Status(201, _staff_case_out(user, case.pk))


@router.post(
    "/staff/transfers/{int:transfer_id}/receive",
    response=StaffCaseOut,
    summary="Sign for a forwarded file",
)
def staff_transfer_receive(request: HttpRequest, transfer_id: DbId) -> dict[str, Any]:
    user = _staff(request)
    transfer = services.transfer_receive(transfer_id=transfer_id, user=user)
    return _staff_case_out(user, transfer.case_id)


@router.post(
    "/staff/cases/{int:case_id}/commitment",
    response=StaffCaseOut,
    summary="Verify a commitment after approval",
)
def staff_commitment(request: HttpRequest, case_id: DbId, payload: CommitmentIn) -> dict[str, Any]:
    user, case = _staff_case(request, case_id)
    services.commitment_verify(
        case_id=case.pk, user=user, passed=payload.passed, finding=payload.finding, channel=CHANNEL
    )
    return _staff_case_out(user, case.pk)


@router.post(
    "/staff/cases/{int:case_id}/handover",
    response={201: StaffCaseOut},
    summary="首问负责: hand the case over",
)
def staff_handover(request: HttpRequest, case_id: DbId, payload: HandoverIn) -> Status:
    user, case = _staff_case(request, case_id)
    services.handover(
        case_id=case.pk, user=user, to_user_id=payload.to_user_id, reason=payload.reason
    )
    return Status(201, _staff_case_out(user, case.pk))


@router.post(
    "/staff/cases/{int:case_id}/materials/{key}/paper",
    response=StaffCaseOut,
    summary="Record paper originals and copies received",
)
def staff_paper(
    request: HttpRequest, case_id: DbId, payload: PaperIn, key: str = PATH_KEY
) -> dict[str, Any]:
    user, case = _staff_case(request, case_id)
    services.material_paper(
        case_id=case.pk,
        material_key=key,
        user=user,
        originals=payload.originals,
        copies=payload.copies,
    )
    return _staff_case_out(user, case.pk)


@router.get("/staff/supervision", response=list[SupervisionOut], summary="电子监察 records")
def staff_supervision(
    request: HttpRequest, limit: int = Query(100, ge=1, le=500)
) -> list[dict[str, Any]]:
    """Supervisors and administrators see every record; other staff their department's."""
    user = _staff(request)
    return [
        {
            "id": r.pk,
            "case_id": r.case_id,
            "case_number": r.case.number if r.case_id else None,
            "kind": r.kind,
            "kind_label": _label(SupervisionKind, r.kind)[0],
            "ref": r.ref,
            "department_id": r.department_id,
            "detail": r.detail,
            "occurred_at": r.occurred_at,
        }
        for r in selectors.supervision_records(user, limit=limit)
    ]


@router.get("/staff/complaints", response=list[ComplaintOut], summary="Open complaints")
def staff_complaints(request: HttpRequest) -> list[dict[str, Any]]:
    """办不成事 reports waiting for an answer (supervisors, administrators)."""
    user = _staff(request)
    if not policies.may_answer_complaints(user):
        raise NotAllowed("只有督办人员可以查看", "Only supervisors see complaints")
    return [_complaint(c) for c in selectors.complaints_open(user).select_related("case")[:200]]


@router.post(
    "/staff/complaints/{int:complaint_id}/answer",
    response=ComplaintOut,
    summary="Answer a complaint",
)
def staff_complaint_answer(
    request: HttpRequest, complaint_id: DbId, payload: ComplaintAnswerIn
) -> dict[str, Any]:
    user = _staff(request)
    complaint = services.complaint_answer(
        complaint_id=complaint_id, user=user, answer=payload.answer
    )
    return _complaint(complaint)

"""Staff pages of case handling (mounted at ``/workbench/cases/``): 前台综合受理、后台分类审批、
综合窗口出件.

Views parse the request, call one service or selector, and render; who may do what is asked
of ``cases.policies`` (the services check again). A refused action re-renders its page with
the domain error's message (Chinese and English) and the matching status (422/403/404/409).
Personal data is shown as the viewer's clearance allows (``kernel.masking``).
"""

from __future__ import annotations

import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.contrib import messages
from django.contrib.auth import get_user_model
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Sum
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengwu.accounts import policies as account_policies
from zhengwu.accounts import selectors as account_selectors
from zhengwu.cases import policies, selectors, services
from zhengwu.cases.blobs import blob_stream, normalize_allowed_types
from zhengwu.cases.choices import (
    CLOCK_STATUSES,
    ApplicantKind,
    CaseKind,
    CaseStatus,
    Channel,
    CommitmentStatus,
    Decision,
    DeliveryMethod,
    IdType,
    MaterialSource,
    PaymentMethod,
    PaymentStatus,
    RequestStatus,
    SpecialProcedureKind,
    StepAction,
    TransferStatus,
    WarningLevel,
)
from zhengwu.cases.forms_workbench import ApplicantEntryForm, localized
from zhengwu.cases.models import Case, CaseFile, CaseTask, Commitment, Delivery
from zhengwu.catalog import selectors as catalog_selectors
from zhengwu.kernel import workdays
from zhengwu.kernel.errors import DomainError, InvalidInput, NotFound, http_status
from zhengwu.kernel.masking import DEFAULT_LEVELS, MaskKind, display, mask
from zhengwu.licences import exemptions

NAV = "cases"
QUEUES = ("acceptance", "mine", "department", "due_soon", "overdue")
ART32_WORKING_DAYS = services.ART32_WORKING_DAYS  # 行政许可法 art. 32: decide on acceptance
DUE_SOON_WORKING_DAYS = 2  # the same horizon as ``selectors.task_queue("due_soon")``
CORRECTION_EXTRA_ROWS = 3  # free-text lines of a correction notice besides the materials
INLINE_TYPES = frozenset({"pdf", "jpg", "png", "gif", "bmp", "webp"})
IMAGE_TYPES = frozenset({"jpg", "png", "gif", "bmp", "webp"})


# --- access ----------------------------------------------------------------------------------


def _require_workbench(request: HttpRequest) -> None:
    if not account_policies.may_use_workbench(request.user):
        raise PermissionDenied


def _base(request: HttpRequest, page: str) -> dict[str, Any]:
    """What every page of the case workbench shows: the menu entries the viewer may use."""
    return {
        "nav_active": NAV,
        "nav_page": page,
        "nav_may_enter": policies.may_enter_for_applicant(request.user),
        "nav_may_answer": policies.may_answer_complaints(request.user),
    }


def _case_or_404(request: HttpRequest, case_id: int) -> Case:
    try:
        return selectors.access_case(request.user, case_id)
    except NotFound as exc:
        raise Http404 from exc


# --- small parsers ---------------------------------------------------------------------------


def _post(request: HttpRequest, name: str, max_length: int = 4000) -> str:
    return request.POST.get(name, "")[:max_length]


def _int(value: str | None, field: str, *, required: bool = True) -> int | None:
    text = (value or "").strip()
    if not text:
        if required:
            raise InvalidInput(f"请填写{field}", f"{field} is required", field=field)
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise InvalidInput(f"{field} 应为整数", f"{field} must be a whole number", field=field)
    return int(text)


# --- presentation helpers ----------------------------------------------------------------------


def warning_for(due: date | None, today: date) -> str:
    """The warning level of a due date, on the horizon the due-soon queue uses."""
    if due is None:
        return WarningLevel.NORMAL
    if due < today:
        return WarningLevel.OVERDUE
    if due <= workdays.add_working_days(today, DUE_SOON_WORKING_DAYS):
        return WarningLevel.DUE_SOON
    return WarningLevel.NORMAL


def case_warning(case: Case, today: date) -> str:
    """A case's warning level now: against the art. 32 limit while awaiting acceptance,
    against the promised date while running (a suspended case keeps its level: the clock
    is stopped)."""
    if case.status == CaseStatus.SUBMITTED and case.received_on:
        return warning_for(workdays.add_working_days(case.received_on, ART32_WORKING_DAYS), today)
    if case.status in (CaseStatus.IN_PROGRESS, CaseStatus.DECIDED):
        return warning_for(case.promised_due, today)
    return case.warning_level


def _applicant_name_in_list(case: Case) -> str:
    """Lists show a citizen's name masked (surname only); an enterprise's name is public."""
    if case.applicant_kind == ApplicantKind.ENTERPRISE:
        return case.applicant_name
    return mask(case.applicant_name, MaskKind.NAME)


@dataclass(frozen=True)
class QueueRow:
    case: Case
    applicant: str
    step: str
    due: date | None
    warning: str
    task: CaseTask | None = None
    may_claim: bool = False


@dataclass(frozen=True)
class ApplicantView:
    """The applicant's data as the viewer may see it."""

    kind: str
    name: str
    id_type: str
    id_number: str
    phone: str
    address: str
    agent_name: str
    agent_id_number: str
    masked: bool


def applicant_for(viewer: Any, case: Case) -> ApplicantView:
    clearance = account_policies.clearance_for(viewer)
    citizen = case.applicant_kind == ApplicantKind.CITIZEN
    if case.applicant_id_type == IdType.USCC:
        id_number = case.applicant_id_number  # a credit code is public registration data
    else:
        id_number = display(
            case.applicant_id_number,
            MaskKind.CITIZEN_ID,
            level=account_policies.ID_NUMBER_LEVEL,
            clearance=clearance,
        )
    name = (
        display(
            case.applicant_name,
            MaskKind.NAME,
            level=account_policies.NAME_LEVEL,
            clearance=clearance,
        )
        if citizen
        else case.applicant_name
    )
    return ApplicantView(
        kind=case.get_applicant_kind_display(),
        name=name,
        id_type=case.get_applicant_id_type_display(),
        id_number=id_number,
        phone=display(
            case.applicant_phone,
            MaskKind.PHONE,
            level=account_policies.PHONE_LEVEL,
            clearance=clearance,
        ),
        address=display(
            case.applicant_address,
            MaskKind.ADDRESS,
            level=DEFAULT_LEVELS[MaskKind.ADDRESS],
            clearance=clearance,
        ),
        agent_name=display(
            case.agent_name,
            MaskKind.NAME,
            level=account_policies.NAME_LEVEL,
            clearance=clearance,
        ),
        agent_id_number=display(
            case.agent_id_number,
            MaskKind.CITIZEN_ID,
            level=account_policies.ID_NUMBER_LEVEL,
            clearance=clearance,
        ),
        masked=clearance < account_policies.ID_NUMBER_LEVEL,
    )


# --- queues ------------------------------------------------------------------------------------


def _acceptance_rows(user: Any, today: date) -> list[QueueRow]:
    rows = []
    for case in selectors.acceptance_queue(user):
        # Art. 32: a decision on acceptance within 5 working days of receipt.
        due = (
            workdays.add_working_days(case.received_on, ART32_WORKING_DAYS)
            if case.received_on
            else None
        )
        rows.append(
            QueueRow(
                case=case,
                applicant=_applicant_name_in_list(case),
                step=gettext("Acceptance"),
                due=due,
                warning=warning_for(due, today),
            )
        )
    return rows


def _task_rows(user: Any, kind: str, today: date) -> list[QueueRow]:
    return [
        QueueRow(
            case=task.case,
            applicant=_applicant_name_in_list(task.case),
            step=task.step_label,
            due=task.due_on,
            warning=warning_for(task.due_on, today),
            task=task,
            may_claim=kind == "department" and task.assignee_id is None,
        )
        for task in selectors.task_queue(user, kind)
    ]


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """Work queues: awaiting acceptance, my tasks, my department's unclaimed tasks, due soon,
    overdue."""
    _require_workbench(request)
    user = request.user
    may_accept = policies.may_accept(user)
    queues = [q for q in QUEUES if q != "acceptance" or may_accept]
    queue = request.GET.get("queue") or ("acceptance" if may_accept else "mine")
    today = timezone.localdate()
    status = 200
    error: DomainError | None = None
    rows: list[QueueRow] = []
    if queue not in queues:
        error = InvalidInput("队列类型无效", "Unknown queue", field="queue")
        status = http_status(error)
    elif queue == "acceptance":
        rows = _acceptance_rows(user, today)
    else:
        rows = _task_rows(user, queue, today)
    return render(
        request,
        "cases/workbench/index.html",
        {
            **_base(request, "index"),
            "queue": queue,
            "queues": queues,
            "rows": rows,
            "error": error,
            "may_accept": may_accept,
        },
        status=status,
    )


# --- window entry ------------------------------------------------------------------------------


def _item_choices(q: str, code: str) -> list[Any]:
    """Published items matching ``q`` by name or implementation code (and the chosen one)."""
    found: dict[str, Any] = {}
    wanted = [c for c in (code, q.strip().upper()) if c]
    for value in wanted:
        try:
            version = catalog_selectors.published_version(value)
        except (NotFound, InvalidInput):
            continue
        found.setdefault(version.implementation_code, version)
    if q.strip():
        for version in catalog_selectors.published_versions(q=q.strip()[:100])[:20]:
            found.setdefault(version.implementation_code, version)
    return list(found.values())


@login_required
@require_http_methods(["GET", "POST"])
def entry(request: HttpRequest) -> HttpResponse:
    """Window entry of a walk-in or posted application (the clerk is 首问负责)."""
    _require_workbench(request)
    if not policies.may_enter_for_applicant(request.user):
        raise PermissionDenied
    q = request.GET.get("q", "")[:100]
    status = 200
    error: DomainError | None = None
    if request.method == "POST":
        form = ApplicantEntryForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            try:
                case = services.draft_create(
                    user=request.user,
                    implementation_code=data["implementation_code"],
                    channel=data["channel"],
                    applicant=services.ApplicantData(
                        kind=data["kind"],
                        name=data["name"],
                        id_number=data["id_number"],
                        phone=data["phone"],
                        address=data["address"],
                        agent_name=data["agent_name"],
                        agent_id_number=data["agent_id_number"],
                    ),
                )
            except DomainError as exc:
                if not form.add_service_error(exc):
                    error = exc
                status = http_status(exc)
            else:
                messages.success(request, gettext("Application entered. Record the materials."))
                return HttpResponseRedirect(reverse("cases_workbench:draft", args=[case.pk]))
        else:
            status = 422
        code = request.POST.get("implementation_code", "")[:50].strip().upper()
    else:
        code = request.GET.get("code", "")[:50].strip().upper()
        form = ApplicantEntryForm(initial={"implementation_code": code})
    return render(
        request,
        "cases/workbench/entry.html",
        {
            **_base(request, "entry"),
            "form": form,
            "q": q,
            "code": code,
            "items": _item_choices(q, code),
            "error": error,
            "kinds": ApplicantKind.choices,
            "channels": [(c.value, c.label) for c in (Channel.WINDOW, Channel.POST)],
        },
        status=status,
    )


# --- the draft (answers, materials, submission) ---------------------------------------------


def _is_filer(user: Any, case: Case) -> bool:
    return user.pk is not None and user.pk in (
        case.created_by_id,
        case.applicant_user_id,
        case.agent_user_id,
    )


def _questions(case: Case) -> list[Any]:
    if case.kind != CaseKind.SINGLE or case.item_version is None:
        return []
    try:
        return catalog_selectors.checklist_for(case.item_version, case.answers or {}).questions
    except InvalidInput:  # answers of an older tree: start the questions afresh
        return catalog_selectors.checklist_for(case.item_version, {}).questions


def _draft_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    return {
        **_base(request, "entry"),
        "case": case,
        "applicant": applicant_for(request.user, case),
        "questions": _questions(case),
        "image_types": IMAGE_TYPES,
        "materials": _materials(request.user, case),
        "may_edit": case.status == CaseStatus.DRAFT and _is_filer(request.user, case),
        "may_paper": _may_paper(request.user, case),
        "guide_url": _guide_url(case),
    }


@login_required
@require_GET
def draft(request: HttpRequest, case_id: int) -> HttpResponse:
    _require_workbench(request)
    case = _case_or_404(request, case_id)
    if case.status != CaseStatus.DRAFT:
        return HttpResponseRedirect(reverse("cases_workbench:detail", args=[case.pk]))
    return render(request, "cases/workbench/draft.html", _draft_context(request, case))


# --- case detail ------------------------------------------------------------------------------


@dataclass(frozen=True)
class MaterialRow:
    material: Any
    files: list[Any]
    missing: bool
    may_upload: bool
    types: list[str]  # ["PDF", "JPG", "PNG"]: what an upload may be (checked by content)
    accept: str  # the file input's accept attribute
    licence: Any = None  # 免证办: the e-licence behind it, re-verified now (ExemptionState)


def _accepted_types(material: Any) -> tuple[list[str], str]:
    codes = normalize_allowed_types(material.allowed_types)
    extensions = [f".{c}" for c in codes] + ([".jpeg"] if "jpg" in codes else [])
    return [c.upper() for c in codes], ",".join(extensions)


def _may_paper(user: Any, case: Case) -> bool:
    return policies.may_accept(user) and (
        case.status in (CaseStatus.DRAFT, CaseStatus.SUBMITTED, CaseStatus.CORRECTION)
        or case.status in CLOCK_STATUSES
    )


def _materials(user: Any, case: Case) -> list[MaterialRow]:
    filer = _is_filer(user, case)
    rows = []
    for material in case.materials.prefetch_related("files__blob"):
        owed = material.source == MaterialSource.OWED
        types, accept = _accepted_types(material)
        rows.append(
            MaterialRow(
                material=material,
                files=list(material.files.all()),
                missing=material.required and not material.source,
                may_upload=filer
                and (
                    case.status in (CaseStatus.DRAFT, CaseStatus.CORRECTION)
                    or (owed and case.status in CLOCK_STATUSES)
                ),
                types=types,
                accept=accept,
                licence=exemptions.exemption_state(material.licence_identifier)
                if material.source == MaterialSource.LICENCE
                else None,
            )
        )
    return rows


def _guide_url(case: Case) -> str:
    if case.kind == CaseKind.BUNDLE or not case.implementation_code:
        return ""
    return reverse("catalog:guide", args=[case.implementation_code])


@dataclass(frozen=True)
class TaskView:
    task: CaseTask
    may_act: bool
    may_claim: bool
    may_release: bool
    may_complete: bool
    is_decide: bool
    is_deliver: bool


def _tasks(user: Any, case: Case) -> tuple[list[TaskView], list[CaseTask]]:
    open_tasks, closed = [], []
    for task in case.tasks.select_related("department", "assignee").order_by("id"):
        if task.closed_at is not None:
            closed.append(task)
            continue
        may_act = policies.may_act_on_task(user, department_id=task.department_id, role=task.role)
        free_or_mine = task.assignee_id in (None, user.pk)
        open_tasks.append(
            TaskView(
                task=task,
                may_act=may_act,
                may_claim=may_act and task.assignee_id is None,
                may_release=may_act and task.assignee_id == user.pk,
                may_complete=may_act
                and free_or_mine
                and case.status == CaseStatus.IN_PROGRESS
                and task.step != "deliver",
                is_decide=task.step == "decide",
                is_deliver=may_act
                and free_or_mine
                and task.step == "deliver"
                and case.status == CaseStatus.DECIDED,
            )
        )
    return open_tasks, closed


def _detail_context(request: HttpRequest, case: Case) -> dict[str, Any]:
    user = request.user
    today = timezone.localdate()
    department_id = account_policies.staff_department_id(user)
    clerk = policies.may_accept(user)
    handling = policies.may_handle_in_department(user, case)
    open_tasks, closed_tasks = _tasks(user, case)
    materials = _materials(user, case)
    paid = case.payments.filter(status=PaymentStatus.PAID).aggregate(s=Sum("amount"))["s"]
    due = case.fee_amount - (paid or Decimal("0"))
    extensions = list(case.extensions.select_related("requested_by", "decided_by").order_by("id"))
    transfers = list(case.transfers.select_related("sent_by", "received_by").order_by("id"))
    commitment = Commitment.objects.filter(case=case).first()
    submitted = case.status == CaseStatus.SUBMITTED and case.kind != CaseKind.CHILD
    acceptance_due = (
        workdays.add_working_days(case.received_on, ART32_WORKING_DAYS)
        if case.received_on and case.status == CaseStatus.SUBMITTED
        else None
    )
    staff_choices = []
    if case.first_responder_id == user.pk and department_id is not None:
        staff_choices = [
            p
            for p in account_selectors.department_staff(user, department_id)
            if p.user_id != user.pk
        ]
    return {
        **_base(request, "index"),
        "case": case,
        "today": today,
        "image_types": IMAGE_TYPES,
        "loop_actions": LOOP_ACTIONS,
        "applicant": applicant_for(user, case),
        "guide_url": _guide_url(case),
        "questions": _questions(case),
        "materials": materials,
        "missing_materials": [r.material for r in materials if r.missing],
        "deficiency_materials": [
            r.material for r in materials if r.material.deficiency_allowed and r.missing
        ],
        "steps": list(case.steps.select_related("department").order_by("id")),
        "events": selectors.timeline(case, public_only=False),
        "notices": list(case.notices.order_by("id")),
        "corrections": list(case.corrections.order_by("id")),
        "open_tasks": open_tasks,
        "closed_tasks": closed_tasks,
        "payments": list(case.payments.order_by("id")),
        "fee_due": due,
        "special_procedures": list(case.special_procedures.order_by("id")),
        "extensions": extensions,
        "transfers": transfers,
        "handovers": list(case.handovers.select_related("from_user", "to_user").order_by("id")),
        "delivery": Delivery.objects.filter(case=case).first(),
        "commitment": commitment,
        "next_step": dict(
            zip(("message", "message_en"), selectors.next_step_text(case), strict=True)
        ),
        "days_left": selectors.working_days_left(case, today) if case.is_open else None,
        "acceptance_due": acceptance_due,
        "warning": case_warning(case, today),
        # what the viewer may do (the services check again)
        "is_filer": _is_filer(user, case),
        "may_paper": _may_paper(user, case),
        "may_accept": clerk and submitted,
        "may_deficiency": clerk
        and submitted
        and case.item_version is not None
        and case.item_version.deficiency_allowed,
        "may_refuse": clerk
        and case.kind != CaseKind.CHILD
        and case.status in (CaseStatus.SUBMITTED, CaseStatus.CORRECTION),
        "may_resubmit": case.status == CaseStatus.CORRECTION and _is_filer(user, case),
        "may_special_start": handling and case.status == CaseStatus.IN_PROGRESS,
        "may_special_end": handling and case.status == CaseStatus.SUSPENDED,
        "may_extension_request": handling
        and case.status in (CaseStatus.IN_PROGRESS, CaseStatus.SUSPENDED)
        and not any(e.status != RequestStatus.REJECTED for e in extensions),
        "pending_extensions": [e for e in extensions if e.status == RequestStatus.PENDING]
        if policies.may_approve_extension(user, case)
        and case.status in (CaseStatus.IN_PROGRESS, CaseStatus.SUSPENDED)
        else [],
        "may_fee_assess": clerk
        and not case.fee_assessed
        and not case.fee_paid
        and (case.status in CLOCK_STATUSES or case.status == CaseStatus.SUBMITTED),
        "may_pay": clerk and case.fee_assessed and due > 0 and case.status in CLOCK_STATUSES,
        "may_terminate": handling and case.status in (CaseStatus.IN_PROGRESS, CaseStatus.SUSPENDED),
        "may_transfer_send": department_id is not None
        and department_id == case.receiving_department_id
        and case.receiving_department_id != case.department_id
        and case.status in CLOCK_STATUSES,
        "receivable_transfers": [
            t
            for t in transfers
            if t.status == TransferStatus.SENT
            and department_id
            == (case.department_id if t.direction == "file" else case.receiving_department_id)
        ],
        "may_verify": commitment is not None
        and commitment.status == CommitmentStatus.PENDING
        and case.decision == Decision.APPROVE
        and department_id is not None
        and department_id == commitment.verify_department_id,
        "may_handover": case.first_responder_id == user.pk,
        "staff_choices": staff_choices,
        "special_kinds": SpecialProcedureKind.choices,
        "payment_methods": [(m.value, m.label) for m in (PaymentMethod.CASH, PaymentMethod.CARD)],
        "delivery_methods": DeliveryMethod.choices,
        "correction_extra_rows": range(1, CORRECTION_EXTRA_ROWS + 1),
        "default_deficiency_days": services.DEFICIENCY_DEFAULT_WORKING_DAYS,
    }


@login_required
@require_GET
def detail(request: HttpRequest, case_id: int) -> HttpResponse:
    _require_workbench(request)
    case = _case_or_404(request, case_id)
    return render(request, "cases/workbench/detail.html", _detail_context(request, case))


def _render_error(
    request: HttpRequest, case: Case, error: DomainError, action: str
) -> HttpResponse:
    """The case's page again, with the error at the form that was sent."""
    case = _case_or_404(request, case.pk)  # read again: a service may have changed it
    if case.status == CaseStatus.DRAFT:
        template, context = "cases/workbench/draft.html", _draft_context(request, case)
    else:
        template, context = "cases/workbench/detail.html", _detail_context(request, case)
    context.update(
        {
            "error": error,
            "error_action": action,
            "error_field": error.field,
            "error_message": localized(error),
            "posted": request.POST,
        }
    )
    return render(request, template, context, status=http_status(error))


# --- actions: one service call each -----------------------------------------------------------


def _answers(request: HttpRequest, case: Case) -> None:
    answers = {
        key[len("answer_") :][:64]: request.POST.get(key, "")[:64]
        for key in request.POST
        if key.startswith("answer_") and request.POST.get(key)
    }
    services.draft_update(case_id=case.pk, user=request.user, answers=answers, channel="window")


def _upload(request: HttpRequest, case: Case) -> None:
    key = _post(request, "material_key", 64)
    upload = request.FILES.get("file")
    if upload is None:
        raise InvalidInput(
            "请选择要上传的文件", "Choose a file to upload", field=f"materials.{key}"
        )
    material = case.materials.filter(key=key).first()
    limit = (material.max_size_kb if material else 10240) * 1024
    # Read one byte past the limit: enough for the service to refuse an oversized file
    # without holding all of it in memory.
    content = upload.read(limit + 1)
    services.material_upload(
        case_id=case.pk,
        material_key=key,
        user=request.user,
        filename=(upload.name or "")[:200],
        content=content,
        channel=Channel.WINDOW,
    )


def _paper(request: HttpRequest, case: Case) -> None:
    services.material_paper(
        case_id=case.pk,
        material_key=_post(request, "material_key", 64),
        user=request.user,
        originals=_int(request.POST.get("originals"), "originals", required=False) or 0,
        copies=_int(request.POST.get("copies"), "copies", required=False) or 0,
    )


def _submit(request: HttpRequest, case: Case) -> None:
    services.submit(case_id=case.pk, user=request.user)


def _resubmit(request: HttpRequest, case: Case) -> None:
    services.resubmit(case_id=case.pk, user=request.user, channel=Channel.WINDOW)


def _accept(request: HttpRequest, case: Case) -> None:
    deficiency = []
    keys = [k[:64] for k in request.POST.getlist("deficiency")]
    if keys:
        days = _int(request.POST.get("days"), "days")
        deficiency = [{"material_key": key, "days": days} for key in keys]
    elif request.POST.get("with_deficiency"):
        raise InvalidInput(
            "请勾选容缺后补的材料",
            "Tick the materials to be supplied later",
            field="deficiency",
        )
    services.accept(
        case_id=case.pk,
        user=request.user,
        deficiency=deficiency,
        opinion=_post(request, "opinion"),
    )


def _correction(request: HttpRequest, case: Case) -> None:
    items: list[dict[str, str]] = []
    for key in request.POST.getlist("correction_material"):
        key = key[:64]
        items.append({"material_key": key, "reason": _post(request, f"reason_{key}", 500)})
    for n in range(1, CORRECTION_EXTRA_ROWS + 1):
        name = _post(request, f"extra_name_{n}", 200).strip()
        reason = _post(request, f"extra_reason_{n}", 500).strip()
        if name or reason:
            items.append({"material_key": "", "name": name, "reason": reason})
    services.request_correction(case_id=case.pk, user=request.user, items=items)


def _refuse(request: HttpRequest, case: Case) -> None:
    services.refuse(case_id=case.pk, user=request.user, reasons=_post(request, "reasons"))


def _task_id(request: HttpRequest) -> int | None:
    return _int(request.POST.get("task_id"), "task_id", required=False)


def _claim(request: HttpRequest, case: Case) -> None:
    services.claim(case_id=case.pk, user=request.user, task_id=_task_id(request))


def _release(request: HttpRequest, case: Case) -> None:
    services.release(case_id=case.pk, user=request.user, task_id=_task_id(request))


def _step(request: HttpRequest, case: Case) -> None:
    action = _post(request, "action", 16)
    decision = _post(request, "decision", 16) if action == StepAction.PASS else ""
    services.complete_step(
        case_id=case.pk,
        user=request.user,
        action=action,
        opinion=_post(request, "opinion"),
        decision=decision,
        task_id=_task_id(request),
    )


def _special_start(request: HttpRequest, case: Case) -> None:
    services.special_procedure_start(
        case_id=case.pk,
        user=request.user,
        kind=_post(request, "kind", 32),
        reason=_post(request, "reason"),
    )


def _special_end(request: HttpRequest, case: Case) -> None:
    services.special_procedure_end(
        case_id=case.pk, user=request.user, result=_post(request, "result")
    )


def _extension_request(request: HttpRequest, case: Case) -> None:
    services.extension_request(case_id=case.pk, user=request.user, reason=_post(request, "reason"))


def _extension_decide(request: HttpRequest, case: Case) -> None:
    extension_id = _int(request.POST.get("extension_id"), "extension_id") or 0
    if not case.extensions.filter(pk=extension_id).exists():
        raise NotFound("未找到该延期申请", "No such extension request", field="extension_id")
    services.extension_decide(
        extension_id=extension_id,
        user=request.user,
        approve=request.POST.get("decision") == "approve",
        note=_post(request, "note"),
    )


def _fee(request: HttpRequest, case: Case) -> None:
    services.fee_assess(
        case_id=case.pk,
        user=request.user,
        amount=_post(request, "amount", 32).strip(),
        basis=_post(request, "basis", 500),
    )


def _payment(request: HttpRequest, case: Case) -> None:
    services.payment_record(
        case_id=case.pk,
        user=request.user,
        method=_post(request, "method", 8),
        receipt_no=_post(request, "receipt_no", 64),
        amount=_post(request, "amount", 32).strip() or None,
    )


def _deliver(request: HttpRequest, case: Case) -> None:
    services.deliver(
        case_id=case.pk,
        user=request.user,
        method=_post(request, "method", 16),
        tracking_no=_post(request, "tracking_no", 64).strip(),
        identity_checked=request.POST.get("identity_checked") == "on",
        address=_post(request, "address", 300),
    )


def _terminate(request: HttpRequest, case: Case) -> None:
    services.terminate(case_id=case.pk, user=request.user, reason=_post(request, "reason"))


def _transfer_send(request: HttpRequest, case: Case) -> None:
    services.transfer_send(
        case_id=case.pk, user=request.user, tracking_no=_post(request, "tracking_no", 64).strip()
    )


def _transfer_receive(request: HttpRequest, case: Case) -> None:
    transfer_id = _int(request.POST.get("transfer_id"), "transfer_id") or 0
    if not case.transfers.filter(pk=transfer_id).exists():
        raise NotFound("未找到该专递", "No such transfer", field="transfer_id")
    services.transfer_receive(transfer_id=transfer_id, user=request.user)


def _commitment(request: HttpRequest, case: Case) -> None:
    result = request.POST.get("result")
    if result not in ("passed", "failed"):
        raise InvalidInput("请选择核查结论", "Choose the result of the check", field="result")
    services.commitment_verify(
        case_id=case.pk,
        user=request.user,
        passed=result == "passed",
        finding=_post(request, "finding"),
    )


def _handover(request: HttpRequest, case: Case) -> None:
    to_user_id = _int(request.POST.get("to_user"), "to_user", required=False)
    username = _post(request, "username", 150).strip()
    if to_user_id is None and username:
        to_user_id = (
            get_user_model()
            ._default_manager.filter(username=username, is_active=True)
            .values_list("pk", flat=True)
            .first()
        )
        if to_user_id is None:
            raise InvalidInput(
                "没有这个用户名的工作人员", "No staff member has that username", field="username"
            )
    if to_user_id is None:
        raise InvalidInput(
            "请选择接收人或填写用户名", "Choose the recipient or enter a username", field="to_user"
        )
    services.handover(
        case_id=case.pk, user=request.user, to_user_id=to_user_id, reason=_post(request, "reason")
    )


ActionHandler = Callable[[HttpRequest, Case], None]

# name → (handler, success message). Each handler is one service call.
ACTIONS: dict[str, tuple[ActionHandler, Any]] = {
    "answers": (_answers, _("Answers saved.")),
    "upload": (_upload, _("File uploaded.")),
    "paper": (_paper, _("Paper materials recorded.")),
    "submit": (_submit, _("Application submitted.")),
    "resubmit": (_resubmit, _("Corrections handed in: the case awaits acceptance again.")),
    "accept": (_accept, _("Application accepted.")),
    "correction": (_correction, _("Correction notice issued.")),
    "refuse": (_refuse, _("Application refused.")),
    "claim": (_claim, _("Task claimed.")),
    "release": (_release, _("Task released.")),
    "step": (_step, _("Step completed.")),
    "special_start": (_special_start, _("Special procedure started: the clock is stopped.")),
    "special_end": (_special_end, _("Special procedure ended.")),
    "extension_request": (_extension_request, _("Extension requested.")),
    "extension_decide": (_extension_decide, _("Extension request decided.")),
    "fee": (_fee, _("Fee assessed.")),
    "payment": (_payment, _("Payment recorded.")),
    "deliver": (_deliver, _("Result delivered: the case is concluded.")),
    "terminate": (_terminate, _("Case terminated.")),
    "transfer_send": (_transfer_send, _("File forwarded.")),
    "transfer_receive": (_transfer_receive, _("File received.")),
    "commitment": (_commitment, _("Commitment check recorded.")),
    "handover": (_handover, _("Case handed over.")),
}
# Actions whose forms repeat on the page (one per task, request, transfer): their error is
# shown once, at the top of the actions.
LOOP_ACTIONS = frozenset(
    {"claim", "release", "step", "deliver", "extension_decide", "transfer_receive"}
)


@login_required
@require_POST
def action(request: HttpRequest, case_id: int, name: str) -> HttpResponse:
    """One POST form of the case page → one service call → back to the page."""
    _require_workbench(request)
    if name not in ACTIONS:
        raise Http404
    case = _case_or_404(request, case_id)
    handler, done = ACTIONS[name]
    try:
        handler(request, case)
    except DomainError as error:
        return _render_error(request, case, error, name)
    messages.success(request, str(done))
    case = Case.objects.get(pk=case.pk)
    if not selectors.may_view(request.user, case):  # e.g. handed on to another department
        return HttpResponseRedirect(reverse("cases_workbench:index"))
    page = "draft" if case.status == CaseStatus.DRAFT else "detail"
    anchor = "#materials" if name in ("upload", "paper") else ""
    return HttpResponseRedirect(reverse(f"cases_workbench:{page}", args=[case.pk]) + anchor)


# --- files ---------------------------------------------------------------------------------------


def _file_response(stream: Any, *, content_type: str, filename: str, inline: bool) -> FileResponse:
    response = FileResponse(stream, content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(not inline, filename) or ""
    response["X-Content-Type-Options"] = "nosniff"
    # A stored file is shown, never run: no scripts, no plugins, no framing elsewhere.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
@require_GET
def material_file(request: HttpRequest, case_id: int, file_id: int) -> FileResponse:
    """A material's file, streamed with the type sniffed at upload; images and PDFs inline."""
    _require_workbench(request)
    case = _case_or_404(request, case_id)
    row = CaseFile.objects.filter(pk=file_id, material__case=case).select_related("blob").first()
    if row is None:
        raise Http404
    blob = row.blob
    return _file_response(
        blob_stream(blob),
        content_type=blob.content_type,
        filename=row.filename,
        inline=blob.file_type in INLINE_TYPES,
    )


@login_required
@require_GET
def notice_pdf(request: HttpRequest, case_id: int, notice_id: int) -> FileResponse:
    """A notice's PDF (rendered now if the task has not run yet)."""
    from zhengwu.cases import documents_service

    _require_workbench(request)
    case = _case_or_404(request, case_id)
    notice = case.notices.filter(pk=notice_id).first()
    if notice is None:
        raise Http404
    return _file_response(
        io.BytesIO(documents_service.notice_pdf(notice)),
        content_type="application/pdf",
        filename=f"{notice.number}.pdf",
        inline=True,
    )


# --- search, e-supervision, complaints ----------------------------------------------------------

SEARCH_FIELDS = ("number", "applicant_id", "applicant_name", "status", "warning")


@login_required
@require_GET
def search(request: HttpRequest) -> HttpResponse:
    _require_workbench(request)
    values = {name: request.GET.get(name, "")[:200] for name in SEARCH_FIELDS}
    searched = any(values.values())
    today = timezone.localdate()
    results: list[Case] = []
    error: DomainError | None = None
    status = 200
    if searched:
        try:
            results = selectors.search_cases(
                request.user,
                number=values["number"],
                applicant_id=values["applicant_id"],
                applicant_name=values["applicant_name"],
                status=values["status"],
                warning=values["warning"],
            )
        except DomainError as exc:
            error, status = exc, http_status(exc)
    return render(
        request,
        "cases/workbench/search.html",
        {
            **_base(request, "search"),
            "values": values,
            "searched": searched,
            "rows": [
                QueueRow(
                    case=c,
                    applicant=_applicant_name_in_list(c),
                    step=c.current_step_label,
                    due=c.promised_due,
                    warning=case_warning(c, today),
                )
                for c in results
            ],
            "error": error,
            "error_field": error.field if error else "",
            "error_message": localized(error) if error else "",
            "statuses": [s for s in CaseStatus.choices if s[0] != CaseStatus.DRAFT],
            "warnings": WarningLevel.choices,
        },
        status=status,
    )


@login_required
@require_GET
def supervision(request: HttpRequest) -> HttpResponse:
    """电子监察: overdue and late events (all of them for overseers, else the department's)."""
    _require_workbench(request)
    return render(
        request,
        "cases/workbench/supervision.html",
        {
            **_base(request, "supervision"),
            "records": selectors.supervision_records(request.user),
            "overseer": policies.is_overseer(request.user),
        },
    )


def _complaints_page(
    request: HttpRequest, *, error: DomainError | None = None, complaint_id: int | None = None
) -> HttpResponse:
    return render(
        request,
        "cases/workbench/complaints.html",
        {
            **_base(request, "complaints"),
            "today": timezone.localdate(),
            "complaints": list(selectors.complaints_open(request.user).select_related("case")),
            "error": error,
            "error_message": localized(error) if error else "",
            "error_complaint": complaint_id,
            "posted": request.POST,
        },
        status=http_status(error) if error else 200,
    )


@login_required
@require_GET
def complaints(request: HttpRequest) -> HttpResponse:
    """办不成事反映 awaiting an answer (supervisors)."""
    _require_workbench(request)
    if not policies.may_answer_complaints(request.user):
        raise PermissionDenied
    return _complaints_page(request)


@login_required
@require_POST
def complaint_answer(request: HttpRequest, complaint_id: int) -> HttpResponse:
    _require_workbench(request)
    if not policies.may_answer_complaints(request.user):
        raise PermissionDenied
    try:
        services.complaint_answer(
            complaint_id=complaint_id, user=request.user, answer=_post(request, "answer")
        )
    except DomainError as error:
        return _complaints_page(request, error=error, complaint_id=complaint_id)
    messages.success(request, gettext("Answer sent."))
    return HttpResponseRedirect(reverse("cases_workbench:complaints"))

"""Case handling services: every state change of a case.

Each service takes keyword arguments (the acting ``user`` and the ``channel`` it came from),
locks the case row, checks the source state against the transition it makes (``Conflict``
naming the current state otherwise), writes everything in one transaction with an audit
entry, a timeline entry and a GB/T 39046 step record, and emits events after commit.
Documents (PDF notices) are rendered by a task after commit, never inside the transaction.

The clock (行政许可法):
- art. 32: ``received_on`` is the day complete materials were received; a case left
  without an acceptance decision for 5 working days is accepted by law, dated from receipt
  (:func:`auto_accept_due`).
- art. 42/82: limits count in working days from the day of acceptance; an extension of 10
  working days needs the head's approval and is told to the applicant.
- art. 45: special procedures suspend the clock; the due dates move by the days they took.
"""

from __future__ import annotations

import functools
import logging
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from importlib import resources
from typing import Any

from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.utils import timezone

from zhengwu.accounts import policies as account_policies
from zhengwu.accounts import selectors as account_selectors
from zhengwu.accounts.choices import StaffRole
from zhengwu.cases import access, engine, fixed_reads, policies
from zhengwu.cases.blobs import check_upload, store_blob
from zhengwu.cases.choices import (
    CLOCK_STATUSES,
    ApplicantKind,
    CaseKind,
    CaseStatus,
    Channel,
    CommitmentStatus,
    ComplaintStatus,
    Decision,
    DeliveryMethod,
    IdType,
    MaterialSource,
    NoticeKind,
    PaymentMethod,
    PaymentStatus,
    RequestStatus,
    SpecialProcedureKind,
    StepAction,
    SupervisionKind,
    TransferStatus,
    WarningLevel,
)
from zhengwu.cases.models import (
    Case,
    CaseEvent,
    CaseFile,
    CaseMaterial,
    CaseNumberCounter,
    CaseStep,
    CaseTask,
    Commitment,
    Complaint,
    Correction,
    CreditRecord,
    Delivery,
    Extension,
    Handover,
    Message,
    Notice,
    Payment,
    ProcessDefinition,
    SpecialProcedure,
    Supervision,
    Transfer,
)
from zhengwu.catalog import fixed_reads as catalog_fixed_reads
from zhengwu.catalog import selectors as catalog_selectors
from zhengwu.kernel import fastread, rows, sequences, workdays
from zhengwu.kernel.actors import SYSTEM, Actor
from zhengwu.kernel.audit import audit_record
from zhengwu.kernel.crypto import blind_index
from zhengwu.kernel.errors import Conflict, InvalidInput, NotAllowed, NotFound
from zhengwu.kernel.events import emit
from zhengwu.kernel.identifiers import parse_citizen_id, parse_uscc
from zhengwu.kernel.outbox import active_endpoints, outbox_enqueue
from zhengwu.kernel.tasks import enqueue_with_change
from zhengwu.licences import exemptions
from zhengwu.org import selectors as org_selectors

logger = logging.getLogger(__name__)

ART32_WORKING_DAYS = 5  # 行政许可法 art. 32
EXTENSION_WORKING_DAYS = 10  # art. 42
DUE_SOON_WORKING_DAYS = 2  # yellow warning when this close to the due date
DEFICIENCY_DEFAULT_WORKING_DAYS = 10
COMMITMENT_VERIFY_WORKING_DAYS = 20
COMPLAINT_ANSWER_WORKING_DAYS = 5
DELIVERY_WORKING_DAYS = 10  # art. 44: issued/served within 10 days of the decision
# Share of the promised limit each step may use (the rest is the buffer before the due date).
STEP_SHARES = {
    "review": 0.5,
    "second_review": 0.25,
    "inspect": 0.25,
    "decide": 0.25,
    "recheck": 0.1,
}
OPEN_TASK = Q(closed_at__isnull=True)
ID_PURPOSE = "case.applicant_id"
STATUS_LABELS = dict(CaseStatus.choices)


# --- small helpers ------------------------------------------------------------------------


def _today() -> date:
    return timezone.localdate()


def _actor(user: Any, channel: str) -> Actor:
    return account_selectors.actor_for(user, channel=channel)


def _status_conflict(case: Case, doing: str, doing_en: str) -> Conflict:
    label = STATUS_LABELS.get(case.status, case.status)
    zh, en = [*label.split(" / "), label][:2]
    return Conflict(
        f"办件当前状态为“{zh}”，不能{doing}",
        f"The case is {en} ({case.status}); it cannot be {doing_en}",
        field="status",
        code="case_state",
        details={"status": case.status},
    )


def _require(case: Case, statuses: Iterable[str], doing: str, doing_en: str) -> None:
    if case.status not in set(statuses):
        raise _status_conflict(case, doing, doing_en)


def _lock(case_id: int, *, with_process: bool = False) -> Case:
    # steps run the engine: with_process joins the BPMN text (locking only the case row)
    case = fixed_reads.lock_case(case_id, with_process=with_process)
    if case is None:
        raise NotFound("未找到该办件", "No such case", field="case_id")
    return case


def _snapshot(case: Case) -> dict[str, Any]:
    return {
        "status": case.status,
        "step": case.current_step,
        "decision": case.decision,
        "promised_due": case.promised_due.isoformat() if case.promised_due else None,
        "statutory_due": case.statutory_due.isoformat() if case.statutory_due else None,
    }


def _audit(
    case: Case, action: str, actor: Actor, before: dict[str, Any] | None, **extra: Any
) -> None:
    after = {**_snapshot(case), **extra}
    audit_record(
        action=f"case.{action}",
        object_type="case",
        object_id=case.pk,
        actor=actor,
        before=before,
        after=after,
    )


def _event(case: Case, code: str, message: str, message_en: str, *, public: bool = True) -> None:
    rows.create(
        CaseEvent,
        case=case,
        code=code,
        message=message[:500],
        message_en=message_en[:500],
        public=public,
    )


def _step(
    case: Case,
    action: str,
    user: Any,
    *,
    step: str = "",
    label: str = "",
    opinion: str = "",
    started_at: datetime | None = None,
    department_id: int | None = None,
    channel: str = "",
) -> None:
    label_text = label or dict(StepAction.choices).get(action, action).split(" / ")[0]
    rows.create(
        CaseStep,
        case=case,
        step=step or action,
        step_label=label_text[:64],
        action=action,
        handler=user if getattr(user, "pk", None) else None,
        handler_label=(str(user) if getattr(user, "pk", None) else "系统")[:64],
        department_id=department_id
        or account_policies.staff_department_id(user)
        or case.department_id,
        opinion=opinion,
        started_at=started_at,
        ended_at=timezone.now(),
        channel=channel,
    )


def _text(value: Any, field: str, *, max_length: int = 2000, required: bool = True) -> str:
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise InvalidInput(f"请填写{field}", f"{field} is required", field=field, code="required")
    if len(text) > max_length:
        raise InvalidInput(
            f"{field} 不能超过 {max_length} 个字符",
            f"{field} must be at most {max_length} characters",
            field=field,
            code="too_long",
        )
    return text


def _next_sequence(scope: str, day: date) -> int:
    """The next number in (scope, day): one ``UPDATE … RETURNING`` of the counter row, which
    stays locked until the caller's transaction ends (no gaps; see kernel.sequences)."""
    return sequences.next_value(CaseNumberCounter, {"scope": scope, "day": day})


def _case_number(case: Case, day: date) -> str:
    region = ""
    if case.department_id:
        department = org_selectors.department_by_id(case.department_id)
        if department is not None and department.region_id:
            region = (department.region.code or "")[:6]
    region = region or "000000"
    seq = _next_sequence("case", day)
    return f"{region}{day:%Y%m%d}{seq:06d}"


NOTICE_PREFIX = {
    NoticeKind.ACCEPTANCE: "受",
    NoticeKind.CORRECTION: "补",
    NoticeKind.REFUSAL: "不受",
    NoticeKind.DEFICIENCY: "容",
    NoticeKind.APPROVAL: "准",
    NoticeKind.DENIAL: "不准",
    NoticeKind.EXTENSION: "延",
    NoticeKind.SPECIAL_PROCEDURE: "特",
    NoticeKind.BUNDLE_RESULT: "件",
}


def _notice(case: Case, kind: str, content: dict[str, Any]) -> Notice:
    year = _today().year
    seq = _next_sequence(f"notice:{kind}", date(year, 1, 1))
    number = f"灞政务{NOTICE_PREFIX[NoticeKind(kind)]}〔{year}〕{seq:06d}号"
    notice = rows.create(Notice, case=case, kind=kind, number=number, content=content)
    from zhengwu.cases.tasks import render_notice_pdf

    enqueue_with_change(render_notice_pdf, notice.pk)
    return notice


def notify(case: Case, title: str, body: str) -> None:
    """A message to the applicant (and agent): in-site, plus SMS/e-mail through the outbox
    when an endpoint named ``sms`` / ``email`` is configured."""
    recipients = [u for u in (case.applicant_user_id, case.agent_user_id) if u]
    for user_id in dict.fromkeys(recipients):
        rows.create(Message, user_id=user_id, case=case, title=title[:200], body=body)
    endpoints = active_endpoints(("sms", "email"))
    if not endpoints:
        return
    seq = Message.objects.filter(case=case).count()
    if "sms" in endpoints and case.applicant_phone:
        outbox_enqueue(
            endpoint="sms",
            topic="case.notice",
            payload={"phone": case.applicant_phone, "text": f"【灞桥政务】{title}：{body}"[:500]},
            idempotency_key=f"sms:case:{case.pk}:{seq}",
        )
    email = ""
    if case.applicant_user_id:
        email = (
            type(case)
            .applicant_user.field.related_model.objects.filter(  # type: ignore[attr-defined]
                pk=case.applicant_user_id
            )
            .values_list("email", flat=True)
            .first()
            or ""
        )
    if "email" in endpoints and email:
        outbox_enqueue(
            endpoint="email",
            topic="case.notice",
            payload={"to": email, "subject": title, "text": body},
            idempotency_key=f"email:case:{case.pk}:{seq}",
        )


# --- process definitions ---------------------------------------------------------------------

SHIPPED_PROCESSES = {
    "default": ("default.bpmn", "默认审批流程 受理→审查→决定→制证送达"),
    "multi_level": ("multi_level.bpmn", "多级审查 初审→复审→决定"),
    "inspection": ("inspection.bpmn", "现场勘验 审查→勘验→决定"),
    "joint_review": ("joint_review.bpmn", "并联审查 牵头审查→多部门会审→决定"),
}


@functools.lru_cache(maxsize=16)
def _shipped_bpmn(filename: str) -> tuple[str, str]:
    """(text, digest) of a BPMN file shipped in the package: read once per process."""
    xml = resources.files("zhengwu.cases").joinpath("bpmn", filename).read_text("utf-8")
    return xml, engine.digest(xml)


def process_definition(key: str) -> ProcessDefinition:
    """The current version of a shipped process; a changed BPMN file becomes a new version
    (old versions stay, so running cases keep the definition they started with)."""
    if key not in SHIPPED_PROCESSES:
        raise NotFound(f"没有流程 {key}", f"No process {key}", field="process_key")
    filename, name = SHIPPED_PROCESSES[key]
    xml, digest = _shipped_bpmn(filename)
    found = fixed_reads.process_by_digest(digest)
    if found is not None:
        return found
    engine.compile_process(xml)
    with transaction.atomic():
        latest = ProcessDefinition.objects.filter(key=key).aggregate(v=Max("version"))["v"] or 0
        try:
            with transaction.atomic():
                return ProcessDefinition.objects.create(
                    key=key, version=latest + 1, name=name, bpmn=xml, digest=digest
                )
        except IntegrityError:
            return ProcessDefinition.objects.get(digest=digest)


def process_key_for(version: Any) -> str:
    bound = fixed_reads.bound_process_key(version.implementation_code)
    if bound is not None:
        return bound
    if len(version.joint_bodies or []) >= 2:
        return "joint_review"
    return "default"


# --- applications -------------------------------------------------------------------------


@dataclass(frozen=True)
class ApplicantData:
    """Who applies, when a clerk enters a walk-in application or an API client files one."""

    kind: str  # ApplicantKind
    name: str
    id_number: str
    phone: str = ""
    address: str = ""
    agent_name: str = ""
    agent_id_number: str = ""


def _parse_applicant(data: ApplicantData) -> tuple[str, str, str]:
    """(kind, id type, normalised id number); invalid numbers are 422 on the field."""
    kind = data.kind
    if kind not in ApplicantKind.values:
        raise InvalidInput("申请人类型无效", "Unknown applicant kind", field="applicant.kind")
    name = _text(data.name, "applicant.name", max_length=200)
    del name
    try:
        if kind == ApplicantKind.CITIZEN:
            number = parse_citizen_id(data.id_number).value
            id_type = IdType.CITIZEN_ID
        else:
            number = parse_uscc(data.id_number).value
            id_type = IdType.USCC
    except InvalidInput as exc:
        raise exc.with_field_prefix("applicant") from None
    if data.agent_id_number:
        try:
            parse_citizen_id(data.agent_id_number)
        except InvalidInput as exc:
            raise exc.with_field_prefix("agent") from None
    return kind, id_type, number


def _profile_applicant(user: Any, enterprise_id: int | None) -> ApplicantData:
    """Applicant data prefilled from the account (citizen profile or enterprise)."""
    if enterprise_id is not None:
        membership = account_selectors.access_enterprise_for_member(user, enterprise_id)
        enterprise = membership.enterprise
        return ApplicantData(
            kind=ApplicantKind.ENTERPRISE,
            name=enterprise.name,
            id_number=enterprise.uscc,
            phone=account_selectors.phone_for(user, user),
            agent_name=str(user) if membership.role == "agent" else "",
        )
    profile = getattr(user, "citizen_profile", None)
    if profile is None:
        raise InvalidInput(
            "请先完成实名认证（填写姓名和身份证号）后再申请",
            "Verify your identity (name and ID number) before applying",
            field="applicant",
            code="identity_required",
        )
    return ApplicantData(
        kind=ApplicantKind.CITIZEN,
        name=profile.real_name,
        id_number=profile.id_number,
        phone=account_selectors.phone_for(user, user),
    )


def _materials_for(case: Case, materials: Sequence[Any]) -> None:
    """Replace the case's material rows with ``materials`` (catalogue Material objects),
    keeping what was already provided for a key that stays. A new material that an
    e-licence can replace is satisfied from the applicant's valid licence (免证办)."""
    keep = {m.key: m for m in case.materials.all()}
    wanted = []
    for order, material in enumerate(materials):
        wanted.append(material.key)
        row = keep.get(material.key)
        if row is None:
            row = CaseMaterial.objects.create(
                case=case,
                key=material.key,
                name=material.name,
                required=material.required or True,
                deficiency_allowed=material.deficiency_allowed,
                max_size_kb=material.max_size_kb,
                allowed_types=list(material.allowed_types or []),
                sort_order=order,
            )
            _exempt_from_licence(case, row, getattr(material, "licence_type", "") or "")
        elif row.sort_order != order:
            row.sort_order = order
            row.save(update_fields=["sort_order"])
    dropped = list(case.materials.exclude(key__in=wanted).values_list("key", flat=True))
    for key in dropped:
        exemptions.remove_exemption(case=case, material_key=key)
    case.materials.exclude(key__in=wanted).delete()


# --- 免证办: materials satisfied by the applicant's e-licences ------------------------------------


def _licence_holder_index(case: Case) -> str:
    """The applicant's licence holder index when the licences may be used without asking:
    the applicant files for themselves, or a member files for their enterprise (the member
    is authorised to use the enterprise's licences). Entries by a clerk or an agent use
    licences only when named explicitly."""
    if case.channel in (Channel.WINDOW, Channel.POST) or case.agent_user_id:
        return ""
    if not case.applicant_id_number:
        return ""
    if case.applicant_kind == ApplicantKind.ENTERPRISE and not case.enterprise_id:
        return ""
    return exemptions.applicant_holder_index(case.applicant_kind, case.applicant_id_number)


def applicant_licence_index(case: Case) -> str:
    """The holder index whose licences the draft's pages offer ('' when none are offered)."""
    return _licence_holder_index(case)


def _use_licence(case: Case, row: CaseMaterial, licence: Any) -> None:
    row.source = MaterialSource.LICENCE
    row.licence_identifier = licence.identifier
    row.owed_until = None
    row.save(update_fields=["source", "licence_identifier", "owed_until"])
    exemptions.record_exemption(
        case=case,
        item_code=case.implementation_code or (case.bundle.code if case.bundle else ""),
        item_name=case.item_name,
        material_key=row.key,
        material_name=row.name,
        licence=licence,
    )


def _drop_licence(case: Case, row: CaseMaterial, *, source: str = MaterialSource.NONE) -> None:
    row.source = source
    row.licence_identifier = ""
    row.save(update_fields=["source", "licence_identifier"])
    exemptions.remove_exemption(case=case, material_key=row.key)


def _exempt_from_licence(case: Case, row: CaseMaterial, type_code: str) -> None:
    if not type_code or row.source:
        return
    holder_index = _licence_holder_index(case)
    licence = exemptions.find_valid_licence(holder_index, type_code) if holder_index else None
    if licence is not None:
        _use_licence(case, row, licence)


def licence_type_of(case: Case, material_key: str) -> str:
    """The licence type code that may replace a material of the case ('' when none)."""
    if case.kind == CaseKind.BUNDLE and case.bundle is not None:
        materials = catalog_selectors.bundle_with_members(case.bundle.code).materials
        return next((m.licence_type for m in materials if m.key == material_key), "")
    if case.item_version is None:
        return ""
    found = case.item_version.materials.filter(key=material_key).values_list(
        "licence_type", flat=True
    )
    return next(iter(found), "") or ""


def material_use_licence(
    *,
    case_id: int,
    material_key: str,
    user: Any,
    licence_identifier: str = "",
    channel: str = Channel.PORTAL,
) -> CaseMaterial:
    """Satisfy a draft's material by an e-licence: the one named (refused with a 422 on
    ``materials.<key>`` when unknown, another holder's, of another type or not valid now),
    or the applicant's newest valid licence of the type."""
    with transaction.atomic():
        case = _draft_for_edit(case_id, user)
        material = _material_of(case, material_key)
        type_code = licence_type_of(case, material.key)
        holder_index = exemptions.applicant_holder_index(
            case.applicant_kind, case.applicant_id_number
        )
        if licence_identifier:
            licence = exemptions.licence_for_material(
                identifier=licence_identifier,
                holder_index=holder_index,
                type_code=type_code,
                material_key=material.key,
                material_name=material.name,
            )
        else:
            found = exemptions.find_valid_licence(holder_index, type_code)
            if found is None:
                raise InvalidInput(
                    f"您没有可用于材料“{material.name}”的有效电子证照，请上传该材料",
                    f"You have no valid e-licence for “{material.name}”: upload it instead",
                    field=f"materials.{material.key}",
                    code="licence_unavailable",
                )
            licence = found
        for f in material.files.all():
            f.delete()
        material.paper_originals = material.paper_copies = 0
        material.save(update_fields=["paper_originals", "paper_copies"])
        _use_licence(case, material, licence)
        audit_record(
            action="case.material_licence",
            object_type="case",
            object_id=case.pk,
            actor=_actor(user, channel),
            after={"material": material.key, "licence": licence.identifier},
        )
    return material


def material_decline_licence(
    *, case_id: int, material_key: str, user: Any, channel: str = Channel.PORTAL
) -> CaseMaterial:
    """The applicant prefers to upload the material rather than use their e-licence."""
    with transaction.atomic():
        case = _draft_for_edit(case_id, user)
        material = _material_of(case, material_key)
        if material.source == MaterialSource.LICENCE:
            _drop_licence(case, material)
            audit_record(
                action="case.material_licence_declined",
                object_type="case",
                object_id=case.pk,
                actor=_actor(user, channel),
                after={"material": material.key},
            )
    return material


def _material_of(case: Case, material_key: str) -> CaseMaterial:
    material = case.materials.filter(key=material_key).first()
    if material is None:
        raise InvalidInput(
            f"本办件没有材料 {material_key}",
            f"This case has no material {material_key}",
            field="material_key",
            code="unknown_material",
        )
    return material


def recheck_licences(case: Case) -> dict[str, tuple[str, str]]:
    """Before submission: a material satisfied by a licence that is no longer valid (revoked,
    suspended, expired since the draft) falls back to "needs upload", with a public timeline
    entry. Returns the messages by material key."""
    fallen: dict[str, tuple[str, str]] = {}
    for row in case.materials.filter(source=MaterialSource.LICENCE):
        licence, valid = exemptions.licence_still_valid(row.licence_identifier)
        if valid:
            continue
        why, why_en = exemptions.describe_invalid(licence)
        name = f"《{licence.type_name}》（编号 {licence.number}）" if licence else ""
        name_en = f"{licence.type_name} (No. {licence.number})" if licence else ""
        message = (
            f"您的电子证照{name}已{why}，不能再代替材料“{row.name}”，请上传该材料"
            if licence and licence.status != "valid"
            else f"您的电子证照{name}{why}，不能再代替材料“{row.name}”，请上传该材料"
        )
        message_en = (
            f"Your e-licence {name_en} is {why_en}: it no longer replaces “{row.name}”; "
            "upload the material"
        )
        _drop_licence(case, row)
        _event(case, "licence_fallback", message, message_en)
        fallen[row.key] = (message, message_en)
    return fallen


def reusable_consent(
    *,
    case_id: int,
    material_key: str,
    user: Any,
    file_id: int,
    channel: str = Channel.PORTAL,
) -> CaseFile:
    """Reuse, with the applicant's consent, a file accepted in one of their earlier cases:
    the same stored blob is attached to the draft's material (the consent is on the timeline
    and in the audit log)."""
    from zhengwu.cases.blobs import normalize_allowed_types
    from zhengwu.cases.selectors import reusable_file

    with transaction.atomic():
        case = _draft_for_edit(case_id, user)
        material = _material_of(case, material_key)
        earlier = reusable_file(case, material, file_id)
        field = f"materials.{material.key}"
        if earlier is None:
            raise InvalidInput(
                f"该文件不能用于材料“{material.name}”",
                f"This file cannot be reused for “{material.name}”",
                field=field,
                code="not_reusable",
            )
        allowed = normalize_allowed_types(material.allowed_types)
        if (allowed and earlier.blob.file_type not in allowed) or (
            earlier.blob.size > material.max_size_kb * 1024
        ):
            raise InvalidInput(
                f"以往材料的类型或大小不符合“{material.name}”的要求，请重新上传",
                f"The earlier file does not meet the type or size rules of “{material.name}”",
                field=field,
                code="not_reusable",
            )
        if material.source == MaterialSource.LICENCE:
            _drop_licence(case, material)
        row, _created = CaseFile.objects.get_or_create(
            material=material,
            blob_id=earlier.blob_id,
            defaults={"filename": earlier.filename, "uploaded_by": user},
        )
        material.source = MaterialSource.UPLOAD
        material.owed_until = None
        material.save(update_fields=["source", "owed_until"])
        earlier_number = earlier.material.case.number
        _event(
            case,
            "material_reused",
            f"经申请人同意，复用办件 {earlier_number} 中已受理的材料“{material.name}”",
            f"With the applicant's consent, reused “{material.name}” accepted in case "
            f"{earlier_number}",
        )
        audit_record(
            action="case.material_reused",
            object_type="case",
            object_id=case.pk,
            actor=_actor(user, channel),
            after={
                "material": material.key,
                "consent": True,
                "from_case": earlier.material.case_id,
                "from_file": earlier.pk,
                "sha256": earlier.blob_id,
            },
        )
    return row


def draft_create(
    *,
    user: Any,
    implementation_code: str = "",
    bundle_code: str = "",
    channel: str = Channel.PORTAL,
    enterprise_id: int | None = None,
    applicant: ApplicantData | None = None,
) -> Case:
    """Start an application (a draft) for an item or a 一件事 bundle.

    Portal/kiosk/API applicants apply for themselves (or an enterprise they belong to), with
    their data prefilled from the account. A window clerk (or a clerk registering a posted
    file) passes ``applicant`` — the walk-in applicant's data — and is recorded as the first
    responsible clerk (首问负责).
    """
    if channel not in Channel.values:
        raise InvalidInput("申请渠道无效", "Unknown channel", field="channel", code="channel")
    staff_entry = channel in (Channel.WINDOW, Channel.POST)
    if staff_entry and not policies.may_enter_for_applicant(user):
        raise NotAllowed(
            "只有窗口人员可以代申请人录入", "Only window clerks enter applications for applicants"
        )
    if staff_entry:
        if applicant is None:
            raise InvalidInput("请填写申请人信息", "Applicant data is required", field="applicant")
        data = applicant
    else:
        data = _profile_applicant(user, enterprise_id) if applicant is None else applicant
        if applicant is not None and not account_policies.is_staff_member(user):
            # an agent (代办人) applying for someone else with a power of attorney
            data = applicant
    kind, id_type, number = _parse_applicant(data)
    if bool(implementation_code) == bool(bundle_code):
        raise InvalidInput(
            "请选择一个事项或一件事",
            "Give either an implementation code or a bundle code",
            field="implementation_code",
        )
    actor = _actor(user, channel)
    with transaction.atomic():
        case = Case(
            channel=channel,
            applicant_kind=kind,
            applicant_id_type=id_type,
            applicant_id_number=number,
            applicant_id_index=blind_index(number, purpose=ID_PURPOSE),
            applicant_name=_text(data.name, "applicant.name", max_length=200),
            applicant_phone=_text(data.phone, "applicant.phone", max_length=32, required=False),
            applicant_address=_text(
                data.address, "applicant.address", max_length=300, required=False
            ),
            agent_name=_text(data.agent_name, "agent.name", max_length=64, required=False),
            agent_id_number=data.agent_id_number or "",
            created_by=user,
            receiving_department_id=account_policies.staff_department_id(user)
            if staff_entry
            else None,
            first_responder=user if staff_entry else None,
        )
        if not staff_entry:
            if enterprise_id is not None:
                case.enterprise_id = enterprise_id
                case.applicant_user = user
            elif applicant is not None and not account_policies.is_staff_member(user):
                case.agent_user = user
            else:
                case.applicant_user = user
        else:
            holder = account_selectors.citizen_by_id_number(number) if kind == "citizen" else None
            if holder is not None and holder.user_id:
                case.applicant_user_id = holder.user_id
            elif kind == ApplicantKind.ENTERPRISE:
                enterprise = account_selectors.enterprise_by_uscc(number)
                case.enterprise_id = enterprise.pk if enterprise else None
        if implementation_code:
            version = catalog_selectors.published_version(implementation_code)
            case.kind = CaseKind.SINGLE
            case.item_version = version
            case.implementation_code = version.implementation_code
            case.item_name = version.name
            case.department_id = version.department_id
            case.case_type = version.case_type
            rows.save_changed(case)
            _materials_for(case, catalog_selectors.checklist_for(version, {}).materials)
        else:
            view = catalog_selectors.bundle_with_members(bundle_code)
            missing = [m.member.implementation_code for m in view.members if m.version is None]
            if missing:
                raise Conflict(
                    f"一件事中的事项暂不可办理：{'、'.join(missing)}",
                    f"Members without a published version: {', '.join(missing)}",
                    field="bundle_code",
                    code="bundle_unavailable",
                )
            case.kind = CaseKind.BUNDLE
            case.bundle = view.bundle
            case.item_name = view.bundle.name
            case.department_id = view.bundle.lead_department_id
            rows.save_changed(case)
            _materials_for(case, view.materials)
        _event(case, "draft", "已保存草稿", "Draft saved", public=False)
        _audit(case, "draft_created", actor, None, channel=channel)
    return case


def _draft_for_edit(case_id: int, user: Any) -> Case:
    case = _lock(case_id)
    if not _is_filer(user, case):
        raise NotFound("未找到该办件", "No such case", field="case_id")
    _require(case, (CaseStatus.DRAFT, CaseStatus.CORRECTION), "修改", "edited")
    return case


def _require_status(
    status: str, expected: str, message: str, message_en: str, *, code: str
) -> None:
    """A request (extension, commitment, transfer, complaint) is acted on once: any status
    other than the open one means someone already did it."""
    if status != expected:
        raise Conflict(message, message_en, field="status", code=code, details={"status": status})


def _is_filer(user: Any, case: Case) -> bool:
    uid = getattr(user, "pk", None)
    if uid is None:
        return False
    if uid in (case.created_by_id, case.applicant_user_id, case.agent_user_id):
        return True
    if case.enterprise_id:
        return any(
            i.enterprise_id == case.enterprise_id for i in account_selectors.user_identities(user)
        )
    return False


def draft_update(
    *,
    case_id: int,
    user: Any,
    answers: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    channel: str = Channel.PORTAL,
) -> Case:
    """Save situation answers and form fields; the material list follows the answers."""
    with transaction.atomic():
        case = _draft_for_edit(case_id, user)
        before = _snapshot(case)
        if answers is not None:
            if not isinstance(answers, dict) or not all(
                isinstance(k, str) and isinstance(v, str) for k, v in answers.items()
            ):
                raise InvalidInput(
                    "情形选择格式错误",
                    "answers must map question keys to option keys",
                    field="answers",
                )
            if case.kind == CaseKind.SINGLE and case.item_version is not None:
                checklist = catalog_selectors.checklist_for(case.item_version, answers)
                case.answers = checklist.answers
                if case.status == CaseStatus.DRAFT:
                    _materials_for(case, checklist.materials)
            else:
                case.answers = dict(answers)
        if form is not None:
            if not isinstance(form, dict) or len(repr(form)) > 20000:
                raise InvalidInput("申请表格式错误", "form must be an object", field="form")
            case.form_data = form
        case.save(update_fields=["answers", "form_encrypted", "updated_at"])
        _audit(case, "draft_updated", _actor(user, channel), before)
    return case


def material_upload(
    *,
    case_id: int,
    material_key: str,
    user: Any,
    filename: str,
    content: bytes,
    channel: str = Channel.PORTAL,
) -> CaseFile:
    """Attach a file to a material: checked by content (magic bytes) and size, stored once
    under its SHA-256. Allowed while drafting, during correction, and for owed (容缺)
    materials after acceptance."""
    with transaction.atomic():
        case = _lock(case_id)
        if not _is_filer(user, case):
            raise NotFound("未找到该办件", "No such case", field="case_id")
        material = case.materials.filter(key=material_key).first()
        if material is None:
            raise InvalidInput(
                f"本办件没有材料 {material_key}",
                f"This case has no material {material_key}",
                field="material_key",
                code="unknown_material",
            )
        owed = material.source == MaterialSource.OWED
        if case.status not in (CaseStatus.DRAFT, CaseStatus.CORRECTION) and not (
            owed and case.status in CLOCK_STATUSES
        ):
            raise _status_conflict(case, "上传材料", "given new files")
        field = f"materials.{material_key}"
        file_type = check_upload(
            content,
            filename=filename,
            allowed_types=material.allowed_types,
            max_size_kb=material.max_size_kb,
            field=field,
        )
        blob = store_blob(content, file_type)
        from zhengwu.cases.blobs import safe_filename

        row = CaseFile.objects.create(
            material=material, blob=blob, filename=safe_filename(filename), uploaded_by=user
        )
        if material.source == MaterialSource.LICENCE:  # uploading instead of the licence
            _drop_licence(case, material, source=MaterialSource.UPLOAD)
        material.source = MaterialSource.UPLOAD
        material.owed_until = None
        material.save(update_fields=["source", "owed_until"])
        if owed:
            _event(
                case,
                "owed_supplied",
                f"已补交容缺材料：{material.name}",
                f"Owed material supplied: {material.name}",
            )
            if not case.materials.filter(source=MaterialSource.OWED).exists():
                case.deficiency_due = None
                case.save(update_fields=["deficiency_due", "updated_at"])
        audit_record(
            action="case.material_uploaded",
            object_type="case",
            object_id=case.pk,
            actor=_actor(user, channel),
            after={"material": material_key, "sha256": blob.sha256, "type": file_type.code},
        )
    return row


def material_remove_file(*, case_id: int, file_id: int, user: Any) -> None:
    with transaction.atomic():
        case = _draft_for_edit(case_id, user)
        row = (
            CaseFile.objects.filter(pk=file_id, material__case=case)
            .select_related("material")
            .first()
        )
        if row is None:
            raise NotFound("未找到该文件", "No such file", field="file_id")
        material = row.material
        row.delete()
        if not material.files.exists() and material.source == MaterialSource.UPLOAD:
            material.source = MaterialSource.NONE
            material.save(update_fields=["source"])
        audit_record(
            action="case.material_file_removed",
            object_type="case",
            object_id=case.pk,
            actor=_actor(user, ""),
            after={"file_id": file_id},
        )


def material_paper(
    *, case_id: int, material_key: str, user: Any, originals: int, copies: int
) -> CaseMaterial:
    """A clerk records the originals/copies received on paper (paper is never refused)."""
    if not policies.may_accept(user):
        raise NotAllowed("只有窗口人员可以登记纸质材料", "Only window clerks record paper")
    for name, value in (("originals", originals), ("copies", copies)):
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 99:
            raise InvalidInput(f"{name} 应为 0–99", f"{name} must be 0–99", field=name)
    with transaction.atomic():
        case = _lock(case_id)
        _visible_to_staff_or_404(user, case)
        if (
            case.status
            not in (
                CaseStatus.DRAFT,
                CaseStatus.SUBMITTED,
                CaseStatus.CORRECTION,
            )
            and case.status not in CLOCK_STATUSES
        ):
            raise _status_conflict(case, "登记纸质材料", "given paper materials")
        material = case.materials.filter(key=material_key).first()
        if material is None:
            raise InvalidInput(
                f"本办件没有材料 {material_key}",
                f"No material {material_key}",
                field="material_key",
                code="unknown_material",
            )
        material.paper_originals = originals
        material.paper_copies = copies
        if (originals or copies) and material.source == MaterialSource.LICENCE:
            _drop_licence(case, material, source=MaterialSource.PAPER)
        if originals or copies:
            material.source = MaterialSource.PAPER
            material.owed_until = None
        material.save()
        audit_record(
            action="case.material_paper",
            object_type="case",
            object_id=case.pk,
            actor=_actor(user, Channel.WINDOW),
            after={"material": material_key, "originals": originals, "copies": copies},
        )
    return material


def _visible_to_staff_or_404(user: Any, case: Case) -> None:
    from zhengwu.cases.selectors import may_view

    if not may_view(user, case):
        raise NotFound("未找到该办件", "No such case", field="case_id")


def _version_with_checklist(case: Case) -> Any:
    """The pinned version with its materials and situation tree read (catalog.fixed_reads),
    set on the case, so that ``checklist_for`` (limits, completeness) reads them in a fixed
    handful of statements instead of one per question and option."""
    if case.item_version_id is None:
        return None
    version = catalog_fixed_reads.checklist_version(case.item_version_id)
    if version is None:  # a version is never deleted (PROTECT): only a broken database
        raise NotFound("未找到该事项版本", "No such item version", field="item_version")
    case.item_version = version
    return version


def _limits(case: Case) -> None:
    """Copy the limits of the pinned version (and situation overrides) onto the case."""
    if case.kind == CaseKind.BUNDLE and case.bundle is not None:
        case.promised_limit = case.bundle.promised_limit
        case.promised_unit = case.bundle.promised_limit_unit
        case.statutory_limit = case.bundle.promised_limit
        case.statutory_unit = case.bundle.promised_limit_unit
        return
    assert case.item_version is not None
    checklist = catalog_selectors.checklist_for(case.item_version, case.answers or {})
    case.promised_limit = checklist.promised_limit
    case.promised_unit = checklist.promised_limit_unit
    case.statutory_limit = checklist.statutory_limit
    case.statutory_unit = checklist.statutory_limit_unit


def _fee(case: Case) -> Decimal:
    version = case.item_version
    if version is None or not version.fee_charged:
        return Decimal("0.00")
    from zhengwu.cases.payments import amount_from_fee_items

    return amount_from_fee_items(list(version.fee_items or []))


def _assess_fee(case: Case) -> None:
    """The fee from the guide's basis; a basis that is not a fixed amount (a price per unit,
    "按物价部门核定标准") is assessed by the window clerk before payment."""
    try:
        case.fee_amount = _fee(case)
        case.fee_assessed = True
    except InvalidInput:
        case.fee_amount = Decimal("0.00")
        case.fee_assessed = False


def fee_assess(*, case_id: int, user: Any, amount: str | Decimal, basis: str) -> Case:
    """The clerk fixes the fee of an item whose basis is not a fixed amount."""
    if not policies.may_accept(user):
        raise NotAllowed("只有窗口人员可以核定费用", "Only window clerks assess fees")
    basis = _text(basis, "basis", max_length=500)
    try:
        value = Decimal(str(amount)).quantize(Decimal("0.01"))
    except Exception:
        raise InvalidInput("金额格式错误", "amount is not a number", field="amount") from None
    if not value.is_finite() or value < 0 or value > Decimal("10000000"):
        raise InvalidInput("金额超出范围", "amount is out of range", field="amount")
    with transaction.atomic():
        case = _lock(case_id)
        _visible_to_staff_or_404(user, case)
        if case.status not in CLOCK_STATUSES and case.status != CaseStatus.SUBMITTED:
            raise _status_conflict(case, "核定费用", "assessed")
        if case.fee_paid:
            raise Conflict("已缴费，不能再核定", "Already paid", field="amount", code="paid")
        before = _snapshot(case)
        case.fee_amount = value
        case.fee_assessed = True
        case.fee_paid = value == 0
        case.save(update_fields=["fee_amount", "fee_assessed", "fee_paid", "updated_at"])
        _event(
            case, "fee_assessed", f"应缴费用核定为 {value} 元（{basis}）", f"Fee assessed: {value}"
        )
        _audit(case, "fee_assessed", _actor(user, Channel.WINDOW), before, amount=str(value))
    return case


# The contact-phone field of a bundle's form: filled from the applicant's phone when the
# form leaves it empty (the portal shows it so).
CONTACT_PHONE_FIELD = "phone"


def _missing_form_fields(case: Case) -> list[InvalidInput]:
    """The 一件事 form's required fields left empty, each on ``form.<key>``."""
    form = case.form_data or {}
    missing = []
    for raw in case.bundle.form_fields or []:  # type: ignore[union-attr]
        key = str(raw.get("key") or "")
        if not key or not raw.get("required"):
            continue
        value = str(form.get(key) or "").strip()
        if not value and key == CONTACT_PHONE_FIELD:
            value = (case.applicant_phone or "").strip()
        if not value:
            label = str(raw.get("label") or key)
            missing.append(
                InvalidInput(
                    f"请填写申请表的“{label}”",
                    f"Fill in the form's field {key} ({label})",
                    field=f"form.{key}",
                    code="required",
                )
            )
    return missing


def _check_complete(case: Case, fallen: dict[str, tuple[str, str]] | None = None) -> None:
    """Online submissions must answer every situation question, fill in a bundle form's
    required fields and provide every required material (deficiency-allowed ones may be left
    for the clerk to accept with 容缺).
    ``fallen``: materials whose licence stopped being valid, with the message saying so."""
    fallen = fallen or {}
    errors = []
    if case.kind == CaseKind.SINGLE and case.item_version is not None:
        checklist = catalog_selectors.checklist_for(case.item_version, case.answers or {})
        for key in checklist.unanswered:
            errors.append(
                InvalidInput(
                    f"请回答办事情形问题 {key}",
                    f"Answer situation question {key}",
                    field=f"answers.{key}",
                    code="unanswered",
                )
            )
    if case.kind == CaseKind.BUNDLE and case.bundle is not None:
        errors.extend(_missing_form_fields(case))
    for material in case.materials.all():
        if material.required and not material.source and not material.deficiency_allowed:
            message, message_en = fallen.get(
                material.key,
                (f"请提供材料：{material.name}", f"Provide the material: {material.name}"),
            )
            errors.append(
                InvalidInput(
                    message,
                    message_en,
                    field=f"materials.{material.key}",
                    code="licence_invalid" if material.key in fallen else "material_missing",
                )
            )
    if errors:
        from zhengwu.kernel.errors import FieldError

        raise InvalidInput.from_errors(
            [FieldError(e.field, e.code, e.message, e.message_en) for e in errors]
        )


def submit(
    *,
    case_id: int,
    user: Any,
    idempotency_key: str = "",
    channel: str | None = None,
    commitment_signed_name: str = "",
) -> Case:
    """Submit the application: number it, start the art. 32 clock (received today).

    Idempotent: submitting a case that was already submitted (a double click, a retried
    request) returns it unchanged. A clerk's walk-in entry may be submitted with materials
    missing — paper is never refused; the clerk then tells everything missing at once.
    Items flagged 收件即受理 are accepted on submission.
    """
    key = (idempotency_key or "").strip()[:64]
    fallen: dict[str, tuple[str, str]] = {}
    # 免证办: licences are re-checked first, in their own transaction, so that a licence
    # revoked since the draft stays "needs upload" even when the submission is refused. Most
    # drafts name no licence: one unlocked read tells, and only the others pay the transaction.
    if fixed_reads.has_material_from(case_id, MaterialSource.LICENCE):
        with transaction.atomic():
            case = _lock(case_id)
            if _is_filer(user, case) and case.status == CaseStatus.DRAFT:
                fallen = recheck_licences(case)
    with transaction.atomic():
        case = _lock(case_id)
        if not _is_filer(user, case):
            raise NotFound("未找到该办件", "No such case", field="case_id")
        if case.status != CaseStatus.DRAFT and case.submitted_at is not None:
            if case.status == CaseStatus.CORRECTION:
                raise Conflict(
                    "补正材料请使用“提交补正”",
                    "Use resubmit for a correction",
                    field="status",
                    code="case_state",
                    details={"status": case.status},
                )
            return case  # already submitted: the same case, nothing written
        if key and case.applicant_user_id:
            earlier = (
                Case.objects.filter(applicant_user_id=case.applicant_user_id, idempotency_key=key)
                .exclude(pk=case.pk)
                .first()
            )
            if earlier is not None:
                return earlier
        version = _version_with_checklist(case)
        if commitment_signed_name:
            # 告知承诺: the signed commitment stands in for the materials not provided
            if version is None or not version.commitment_allowed:
                raise InvalidInput(
                    "该事项不适用告知承诺制",
                    "This item does not allow approval on commitment",
                    field="commitment_signed_name",
                    code="commitment_not_allowed",
                )
            case.commitment = True
            Commitment.objects.create(
                case=case,
                text=(
                    f"本人（单位）{case.applicant_name}承诺：已知晓办理“{case.item_name}”的全部条件和"
                    "要求，所提交材料真实有效，符合告知的条件；如有不实，愿意承担撤销审批决定及相应法律责任。"
                ),
                signed_name=_text(commitment_signed_name, "commitment_signed_name", max_length=64),
                signed_at=timezone.now(),
                verify_department_id=case.department_id,
            )
            for material in case.materials.filter(source=""):
                material.source = MaterialSource.COMMITMENT
                material.save(update_fields=["source"])
        if case.channel not in (Channel.WINDOW, Channel.POST):
            _check_complete(case, fallen)
        before = _snapshot(case)
        actor = _actor(user, channel or case.channel)
        _limits(case)
        now = timezone.now()
        today = timezone.localdate(now)
        case.number = _case_number(case, today)
        case.status = CaseStatus.SUBMITTED
        case.submitted_at = now
        case.received_on = today
        case.idempotency_key = key
        _assess_fee(case)
        rows.save_changed(case)
        access.open_rows(case)
        _step(case, StepAction.SUBMIT, user, channel=actor.channel)
        _event(
            case,
            "submitted",
            f"申请已提交，办件编号 {case.number}",
            f"Application submitted, case number {case.number}",
        )
        notify(case, "申请已提交", f"您的“{case.item_name}”申请已提交，办件编号 {case.number}。")
        _audit(case, "submitted", actor, before, channel=actor.channel)
        emit("case.submitted", case_id=case.pk, number=case.number)
        if version is not None and version.accept_on_receipt:
            _accept_locked(case, user=None, actor=SYSTEM, on_receipt=True)
    return case


def resubmit(*, case_id: int, user: Any, channel: str = Channel.PORTAL) -> Case:
    """The applicant hands in the corrected materials: back to awaiting acceptance, and the
    art. 32 clock restarts from this receipt."""
    with transaction.atomic():
        case = _lock(case_id)
        if not _is_filer(user, case):
            raise NotFound("未找到该办件", "No such case", field="case_id")
        _require(case, (CaseStatus.CORRECTION,), "提交补正", "resubmitted")
        before = _snapshot(case)
        correction = case.corrections.filter(resolved_at__isnull=True).order_by("-id").first()
        if correction is not None:
            missing = [
                i["name"]
                for i in correction.items
                if i.get("material_key")
                and not case.materials.filter(key=i["material_key"]).exclude(source="").exists()
            ]
            if missing and channel != Channel.WINDOW:
                raise InvalidInput(
                    f"仍缺少补正材料：{'、'.join(missing)}",
                    f"Still missing: {', '.join(missing)}",
                    field="materials",
                    code="material_missing",
                )
            correction.resolved_at = timezone.now()
            correction.save(update_fields=["resolved_at"])
        case.status = CaseStatus.SUBMITTED
        case.received_on = _today()
        case.save(update_fields=["status", "received_on", "updated_at"])
        access.follow(case)
        _step(case, StepAction.SUBMIT, user, label="提交补正", channel=channel)
        _event(case, "resubmitted", "已提交补正材料，等待受理", "Corrections submitted")
        _audit(case, "resubmitted", _actor(user, channel), before)
    return case


# --- acceptance ---------------------------------------------------------------------------


def _deadline(
    start: date, limit: int | None, unit: str, suspensions: Sequence[Any]
) -> workdays.Deadline:
    return workdays.deadline(start, int(limit or 0), unit or "working_day", suspensions)


def _suspensions(case: Case, today: date | None = None) -> list[tuple[date, date]]:
    ranges = []
    for sp in fixed_reads.special_procedures(case):
        ranges.append((sp.started_on, sp.ended_on or max(today or _today(), sp.started_on)))
    return ranges


def recompute_deadlines(
    case: Case, *, today: date | None = None, suspensions: Sequence[Any] | None = None
) -> None:
    """Due dates from the day of acceptance, the limits, the extension and the suspensions
    (read unless given: at acceptance there can be none yet)."""
    if case.accepted_on is None:
        return
    if suspensions is None:
        suspensions = _suspensions(case, today)
    if case.case_type == "1":  # 即办件: the same day
        case.promised_due = case.statutory_due = case.accepted_on
        case.due_provisional = False
        return
    statutory = _deadline(
        case.accepted_on,
        (case.statutory_limit or 0) + case.extension_days,
        case.statutory_unit,
        suspensions,
    )
    promised = _deadline(
        case.accepted_on,
        (case.promised_limit or 0) + case.extension_days,
        case.promised_unit,
        suspensions,
    )
    case.statutory_due = statutory.due
    case.promised_due = min(promised.due, statutory.due)
    case.due_provisional = statutory.provisional or promised.provisional


def _department_for_lane(case: Case, lane: str) -> tuple[int, str]:
    parts = lane.split(":")
    role = parts[0]
    department_id = case.department_id
    if role == StaffRole.WINDOW_CLERK and case.receiving_department_id:
        department_id = case.receiving_department_id  # 综合窗口出件
    if len(parts) == 3 and parts[1] == "joint" and case.item_version is not None:
        index = int(parts[2])
        bodies = list(case.item_version.joint_bodies or [])
        if index < len(bodies):
            found = org_selectors.department_by_name(bodies[index])
            if found is not None:
                department_id = found.pk
    assert department_id is not None
    return department_id, role


def _step_due(case: Case, step: str, today: date) -> date:
    if step == "deliver":
        due = workdays.add_working_days(today, DELIVERY_WORKING_DAYS)
        return due
    if case.case_type == "1":
        return today
    share = STEP_SHARES.get(step, 0.25)
    days = max(1, math.ceil((case.promised_limit or 1) * share))
    due = workdays.add_working_days(today, days)
    if case.promised_due and due > case.promised_due:
        due = max(case.promised_due, today)
    return due


def _sync_tasks(
    case: Case, state: str, now: datetime, open_tasks: Sequence[CaseTask] | None = None
) -> list[CaseTask]:
    """Open a CaseTask for each ready engine task that has none; update the case summary.

    ``open_tasks``: the case's open task rows as the caller already read them under the case
    lock (rows it closed meanwhile are skipped), else they are read here."""
    bpmn = case.process.bpmn if case.process else ""
    ready = engine.ready_tasks(bpmn, state)
    task_rows = fixed_reads.open_tasks(case) if open_tasks is None else open_tasks
    open_rows = {t.engine_task_id: t for t in task_rows if t.closed_at is None}
    today = timezone.localdate(now)
    created = []
    for task in ready:
        if task.id in open_rows:
            continue
        department_id, role = _department_for_lane(case, task.lane)
        created.append(
            rows.create(
                CaseTask,
                case=case,
                engine_task_id=task.id,
                step=task.name,
                step_label=task.label,
                department_id=department_id,
                role=role,
                opened_at=now,
                due_on=_step_due(case, task.name, today),
            )
        )
        access.include(case, department_id)
    ready_ids = {t.id for t in ready}
    for engine_id, row in open_rows.items():
        if engine_id not in ready_ids:  # cancelled by the engine (should not happen)
            row.closed_at = now
            row.save(update_fields=["closed_at"])
    still_open = [row for engine_id, row in open_rows.items() if engine_id in ready_ids]
    tasks = sorted(still_open + created, key=lambda t: t.pk)  # as a re-read would order them
    case.engine_state = state
    if tasks:
        first = tasks[0]
        case.current_step = ",".join(t.step for t in tasks)[:64]
        case.current_step_label = "、".join(t.step_label for t in tasks)[:64]
        case.assignee_department_id = first.department_id
        case.assignee_role = first.role
        case.assignee_id = first.assignee_id
        case.step_started_at = first.opened_at
        case.step_due = min(t.due_on for t in tasks)
    else:
        case.current_step = case.current_step_label = case.assignee_role = ""
        case.assignee_department_id = case.assignee_id = None
        case.step_due = None
    return tasks


def _accept_locked(
    case: Case,
    *,
    user: Any,
    actor: Actor,
    on_receipt: bool = False,
    auto: bool = False,
    deficiency: Sequence[dict[str, Any]] = (),
    opinion: str = "",
) -> Case:
    before = _snapshot(case)
    now = timezone.now()
    today = timezone.localdate(now)
    case.accepted_at = now
    case.accepted_on = case.received_on if auto else today
    case.auto_accepted = auto
    accepted_on = case.accepted_on or today
    if user is not None and case.receiving_department_id is None:
        case.receiving_department_id = account_policies.staff_department_id(user)
    if user is not None and case.first_responder_id is None:
        case.first_responder = user
    if case.receiving_department_id and case.department_id:
        regions = org_selectors.department_regions(
            [case.receiving_department_id, case.department_id]
        )
        receiving = regions.get(case.receiving_department_id)
        handling = regions.get(case.department_id)
        if receiving and handling:
            case.cross_region = receiving != handling
    owed: list[str] = []
    if deficiency:
        version = case.item_version
        if version is None or not version.deficiency_allowed:
            raise InvalidInput(
                "该事项不适用容缺受理",
                "This item does not allow deficiency acceptance",
                field="deficiency",
                code="deficiency_not_allowed",
            )
        due_days = DEFICIENCY_DEFAULT_WORKING_DAYS
        for i, entry in enumerate(deficiency):
            key = str(entry.get("material_key", ""))
            material = case.materials.filter(key=key).first()
            if material is None:
                raise InvalidInput(
                    f"本办件没有材料 {key}",
                    f"No material {key}",
                    field=f"deficiency[{i}].material_key",
                )
            if not material.deficiency_allowed:
                raise InvalidInput(
                    f"“{material.name}”不是可容缺材料",
                    f"{material.name} cannot be owed",
                    field=f"deficiency[{i}].material_key",
                    code="not_deficiency_material",
                )
            if material.source:
                continue
            days = entry.get("days", due_days)
            if not isinstance(days, int) or isinstance(days, bool) or not 1 <= days <= 60:
                raise InvalidInput(
                    "容缺补齐期限应为 1–60 个工作日",
                    "days must be 1–60",
                    field=f"deficiency[{i}].days",
                )
            material.source = MaterialSource.OWED
            material.owed_until = workdays.add_working_days(today, days)
            material.save(update_fields=["source", "owed_until"])
            owed.append(material.name)
        if owed:
            case.deficiency = True
            case.deficiency_due = max(
                m.owed_until
                for m in case.materials.filter(source=MaterialSource.OWED)
                if m.owed_until
            )
    if not (auto or on_receipt or owed or case.commitment):
        missing = [m.name for m in fixed_reads.materials(case) if m.required and not m.source]
        if missing:
            raise Conflict(
                f"材料不齐全，不能受理：{'、'.join(missing)}。请一次性告知补正，或按容缺受理",
                f"Materials missing: {', '.join(missing)}; issue a correction notice or accept "
                "with deficiencies",
                field="materials",
                code="materials_incomplete",
            )
    # Special procedures and tasks belong to a case in progress: at acceptance it has none.
    recompute_deadlines(case, suspensions=())
    version = fastread.related(case, "item_version")
    process = process_definition(process_key_for(version)) if version is not None else None
    if case.kind == CaseKind.BUNDLE:
        process = None
    case.status = CaseStatus.IN_PROGRESS
    if process is not None:
        case.process = process
        state = engine.start(process.bpmn)
        _sync_tasks(case, state, now, open_tasks=[])
    rows.save_changed(case)
    access.follow(case)
    action = StepAction.AUTO_ACCEPT if auto else StepAction.ACCEPT
    _step(
        case,
        action,
        user,
        label="受理",
        opinion=opinion,
        started_at=case.submitted_at,
        department_id=case.receiving_department_id or case.department_id,
        channel=actor.channel,
    )
    due_text = case.promised_due.strftime("%Y年%m月%d日") if case.promised_due else ""
    provisional = "（暂定，待国务院公布节假日安排后确认）" if case.due_provisional else ""
    if auto:
        _event(
            case,
            "auto_accepted",
            "收件后 5 个工作日内未作受理决定，依法自收到材料之日"
            f"（{accepted_on:%Y年%m月%d日}）起受理",
            f"No decision within 5 working days: accepted by law from receipt "
            f"({accepted_on.isoformat()})",
        )
        Supervision.objects.get_or_create(
            case=case,
            kind=SupervisionKind.AUTO_ACCEPTED,
            ref="",
            defaults={
                "department_id": case.department_id,
                "detail": f"收件 {case.received_on} 后 5 个工作日未受理",
            },
        )
    else:
        _event(
            case,
            "accepted",
            f"已受理，承诺办结日期 {due_text}{provisional}",
            f"Accepted; promised completion {case.promised_due}"
            f"{' (provisional)' if case.due_provisional else ''}",
        )
    facts = {
        "accepted_on": accepted_on.isoformat(),
        "promised_due": case.promised_due.isoformat() if case.promised_due else "",
        "provisional": case.due_provisional,
        "auto": auto,
    }
    if owed:
        facts["owed"] = [
            {"name": m.name, "due": m.owed_until.isoformat()}
            for m in case.materials.filter(source=MaterialSource.OWED)
            if m.owed_until
        ]
        _notice(case, NoticeKind.DEFICIENCY, facts)
    else:
        _notice(case, NoticeKind.ACCEPTANCE, facts)
    notify(
        case,
        "申请已受理",
        f"您的“{case.item_name}”（{case.number}）已受理，承诺办结日期 {due_text}{provisional}。",
    )
    if case.kind == CaseKind.BUNDLE:
        for child in case.children.select_for_update().order_by("id"):
            child.receiving_department_id = case.receiving_department_id
            child.first_responder_id = case.first_responder_id
            _accept_child(child, case, actor, now)
    _audit(case, "auto_accepted" if auto else "accepted", actor, before)
    emit("case.accepted", case_id=case.pk, number=case.number or "")
    return case


def _accept_child(child: Case, parent: Case, actor: Actor, now: datetime) -> None:
    child.accepted_at = now
    child.accepted_on = parent.accepted_on
    child.auto_accepted = parent.auto_accepted
    child.cross_region = parent.cross_region
    recompute_deadlines(child)
    if parent.promised_due and child.promised_due and child.promised_due > parent.promised_due:
        child.promised_due = parent.promised_due  # the bundle's one time limit
    child.status = CaseStatus.IN_PROGRESS
    process = process_definition(process_key_for(child.item_version))
    child.process = process
    child.save()
    _sync_tasks(child, engine.start(process.bpmn), now)
    child.save()
    access.follow(child)
    _step(
        child,
        StepAction.ACCEPT,
        None,
        label="受理(一件事)",
        department_id=parent.receiving_department_id,
        channel=actor.channel,
    )
    _event(child, "accepted", "随一件事一并受理", "Accepted with its bundle")
    _audit(child, "accepted", actor, None)


def accept(
    *,
    case_id: int,
    user: Any,
    deficiency: Sequence[dict[str, Any]] = (),
    opinion: str = "",
    channel: str = Channel.WINDOW,
) -> Case:
    """受理 at any comprehensive window: numbered notice with the promised completion date.

    ``deficiency`` (容缺受理) names the owed materials, each ``{"material_key", "days"}``.
    """
    if not policies.may_accept(user):
        raise NotAllowed("只有综合窗口人员可以受理", "Only window clerks accept applications")
    with transaction.atomic():
        case = _lock(case_id)
        _require(case, (CaseStatus.SUBMITTED,), "受理", "accepted")
        if case.kind == CaseKind.CHILD:
            raise Conflict(
                "一件事子件随主件受理",
                "Bundle members are accepted with the bundle",
                field="case_id",
                code="bundle_child",
            )
        return _accept_locked(
            case,
            user=user,
            actor=_actor(user, channel),
            deficiency=deficiency,
            opinion=_text(opinion, "opinion", required=False),
        )


def request_correction(
    *, case_id: int, user: Any, items: Sequence[dict[str, Any]], channel: str = Channel.WINDOW
) -> Correction:
    """一次性告知: everything missing at once (art. 32); the clock has not started."""
    if not policies.may_accept(user):
        raise NotAllowed("只有综合窗口人员可以出具补正通知", "Only window clerks issue corrections")
    if not isinstance(items, (list, tuple)) or not items:
        raise InvalidInput(
            "请列出需要补正的全部材料",
            "List everything that is missing",
            field="items",
            code="required",
        )
    with transaction.atomic():
        case = _lock(case_id)
        _require(case, (CaseStatus.SUBMITTED,), "出具补正通知", "sent a correction notice")
        before = _snapshot(case)
        clean = []
        for i, entry in enumerate(items):
            if not isinstance(entry, dict):
                raise InvalidInput(
                    "补正事项格式错误", "Each item must be an object", field=f"items[{i}]"
                )
            key = str(entry.get("material_key") or "")
            reason = _text(entry.get("reason"), f"items[{i}].reason", max_length=500)
            if key:
                material = case.materials.filter(key=key).first()
                if material is None:
                    raise InvalidInput(
                        f"本办件没有材料 {key}",
                        f"No material {key}",
                        field=f"items[{i}].material_key",
                        code="unknown_material",
                    )
                name = material.name
                material.source = MaterialSource.NONE
                material.save(update_fields=["source"])
                material.files.all().delete()
            else:
                name = _text(entry.get("name"), f"items[{i}].name", max_length=200)
            clean.append({"material_key": key, "name": name, "reason": reason})
        correction = Correction.objects.create(case=case, items=clean, requested_by=user)
        case.status = CaseStatus.CORRECTION
        if case.first_responder_id is None:
            case.first_responder = user
        case.save(update_fields=["status", "first_responder", "updated_at"])
        access.follow(case)
        _step(
            case,
            StepAction.CORRECTION,
            user,
            opinion="；".join(f"{c['name']}：{c['reason']}" for c in clean),
            channel=channel,
        )
        _event(
            case,
            "correction",
            f"需补正材料（共 {len(clean)} 项），请一次补齐后提交",
            f"Corrections needed ({len(clean)} items)",
        )
        _notice(case, NoticeKind.CORRECTION, {"items": clean})
        notify(case, "请补正材料", "；".join(f"{c['name']}：{c['reason']}" for c in clean))
        _audit(case, "correction_requested", _actor(user, channel), before, items=len(clean))
    return correction


DEFAULT_APPEAL = (
    "如不服本决定，可以自收到本通知书之日起六十日内依法向西安市灞桥区人民政府申请行政复议，"
    "或者在六个月内依法向人民法院提起行政诉讼。"
)


def refuse(*, case_id: int, user: Any, reasons: str, channel: str = Channel.WINDOW) -> Case:
    """不予受理 with reasons and the route of appeal."""
    if not policies.may_accept(user):
        raise NotAllowed("只有综合窗口人员可以作出不予受理决定", "Only window clerks refuse")
    reasons = _text(reasons, "reasons")
    with transaction.atomic():
        case = _lock(case_id)
        _require(case, (CaseStatus.SUBMITTED, CaseStatus.CORRECTION), "不予受理", "refused")
        before = _snapshot(case)
        case.status = CaseStatus.NOT_ACCEPTED
        case.decision_reason = reasons
        case.concluded_at = timezone.now()
        # the deciding venue keeps the refused file (it would otherwise be nobody's to find)
        if case.receiving_department_id is None:
            case.receiving_department_id = account_policies.staff_department_id(user)
        if case.first_responder_id is None:
            case.first_responder = user
        rows.save_changed(case)
        access.follow(case)
        _step(case, StepAction.REFUSE, user, opinion=reasons, channel=channel)
        _event(case, "refused", f"不予受理：{reasons}", f"Not accepted: {reasons}")
        _notice(case, NoticeKind.REFUSAL, {"reasons": reasons, "appeal": DEFAULT_APPEAL})
        notify(case, "申请不予受理", f"{reasons}。{DEFAULT_APPEAL}")
        _audit(case, "refused", _actor(user, channel), before)
    return case


def auto_accept_due(*, today: date | None = None, limit: int = 500) -> int:
    """Art. 32: accept, dated from receipt, every case left undecided for 5 working days."""
    today = today or _today()
    count = 0
    candidates = list(
        Case.objects.filter(status=CaseStatus.SUBMITTED, received_on__lt=today)
        .exclude(kind=CaseKind.CHILD)
        .order_by("received_on")
        .values_list("pk", "received_on")[:limit]
    )
    for pk, received_on in candidates:
        if received_on is None:
            continue
        if workdays.working_days_between(received_on, today) < ART32_WORKING_DAYS:
            continue
        with transaction.atomic():
            case = _lock(pk)
            if case.status != CaseStatus.SUBMITTED:
                continue
            _accept_locked(case, user=None, actor=SYSTEM, auto=True)
            count += 1
    return count


# --- workflow -----------------------------------------------------------------------------


def _open_task(
    case: Case,
    task_id: int | None,
    user: Any,
    *,
    claim: bool,
    open_tasks: list[CaseTask] | None = None,
) -> CaseTask:
    tasks = fixed_reads.open_tasks(case) if open_tasks is None else open_tasks
    if task_id is not None:
        tasks = [t for t in tasks if t.pk == task_id]
        if not tasks:
            raise Conflict(
                "该任务已办理或不存在",
                "That task is not open",
                field="task_id",
                code="task_closed",
                details={"status": case.status, "step": case.current_step},
            )
    mine = [
        t
        for t in tasks
        if policies.may_act_on_task(user, department_id=t.department_id, role=t.role)
    ]
    if not mine:
        if not tasks:
            raise _status_conflict(case, "办理", "worked on")
        step = "、".join(t.step_label for t in tasks)
        raise Conflict(
            f"当前环节“{step}”不属于您的部门或角色",
            f"The current step ({', '.join(t.step for t in tasks)}) belongs to another "
            "department or role",
            field="task",
            code="task_other_department",
            details={"status": case.status, "step": case.current_step},
        )
    task = mine[0]
    if task.assignee_id and task.assignee_id != user.pk:
        raise Conflict(
            f"该任务已由 {task.assignee} 签收",
            "Another person has claimed this task",
            field="task",
            code="task_claimed",
        )
    if claim and task.assignee_id is None:
        task.assignee = user
        task.save(update_fields=["assignee"])
    return task


def claim(*, case_id: int, user: Any, task_id: int | None = None) -> CaseTask:
    with transaction.atomic():
        case = _lock(case_id)
        _require(case, (CaseStatus.IN_PROGRESS, CaseStatus.DECIDED), "签收", "claimed")
        task = _open_task(case, task_id, user, claim=True)
        case.assignee_id = task.assignee_id
        case.save(update_fields=["assignee", "updated_at"])
        audit_record(
            action="case.task_claimed",
            object_type="case",
            object_id=case.pk,
            actor=_actor(user, "workbench"),
            after={"task": task.step},
        )
    return task


def release(*, case_id: int, user: Any, task_id: int | None = None) -> CaseTask:
    with transaction.atomic():
        case = _lock(case_id)
        task = _open_task(case, task_id, user, claim=False)
        if task.assignee_id != user.pk:
            raise Conflict(
                "您没有签收该任务",
                "You have not claimed this task",
                field="task",
                code="task_not_claimed",
            )
        task.assignee = None
        task.save(update_fields=["assignee"])
        case.assignee_id = None
        case.save(update_fields=["assignee", "updated_at"])
        audit_record(
            action="case.task_released",
            object_type="case",
            object_id=case.pk,
            actor=_actor(user, "workbench"),
            after={"task": task.step},
        )
    return task


def _complete_engine_task(
    case: Case,
    task: CaseTask,
    data: dict[str, Any],
    now: datetime,
    open_tasks: Sequence[CaseTask] | None = None,
) -> list[CaseTask]:
    assert case.process is not None
    try:
        state = engine.complete(
            case.process.bpmn, case.engine_state, task.step, data, task_id=task.engine_task_id
        )
    except engine.EngineError as exc:
        raise Conflict(
            f"流程不允许该操作：{exc}",
            f"The process does not allow this: {exc}",
            field="action",
            code="process_refused",
            details={"status": case.status, "step": task.step},
        ) from None
    task.closed_at = now
    rows.save_changed(task)  # closed (and the assignee, when the step was taken unclaimed)
    return _sync_tasks(case, state, now, open_tasks)


def complete_step(
    *,
    case_id: int,
    user: Any,
    action: str,
    opinion: str = "",
    decision: str = "",
    task_id: int | None = None,
    channel: str = "workbench",
) -> Case:
    """Pass (with opinion) or return the current step; at 决定, approve or deny.

    Completing an unclaimed task of one's own department claims it.
    """
    if action not in (StepAction.PASS, StepAction.RETURN):
        raise InvalidInput(
            "动作应为 pass 或 return",
            "action must be pass or return",
            field="action",
            code="action",
        )
    opinion = _text(
        opinion, "opinion", required=action == StepAction.RETURN or bool(decision == Decision.DENY)
    )
    with transaction.atomic():
        case = _lock(case_id, with_process=True)
        _require(case, (CaseStatus.IN_PROGRESS,), "办理", "worked on")
        open_tasks = fixed_reads.open_tasks(case)
        task = _open_task(case, task_id, user, claim=False, open_tasks=open_tasks)
        if task.assignee_id is None:
            task.assignee = user  # claimed; saved with closed_at when the engine completes it
        if task.step == "deliver":
            raise Conflict(
                "送达请使用“出件/送达”",
                "Use deliver for the delivery step",
                field="action",
                code="use_deliver",
            )
        before = _snapshot(case)
        now = timezone.now()
        data: dict[str, Any] = {"action": str(action)}
        if task.step == "decide" and action == StepAction.PASS:
            if decision not in (Decision.APPROVE, Decision.DENY):
                raise InvalidInput(
                    "请选择准予或不予许可",
                    "decision must be approve or deny",
                    field="decision",
                    code="decision",
                )
            if decision == Decision.DENY and not opinion:
                raise InvalidInput(
                    "不予许可必须说明理由",
                    "A denial needs reasons",
                    field="opinion",
                    code="required",
                )
            data["decision"] = str(decision)
        elif decision:
            raise InvalidInput(
                "只有决定环节可以作出决定",
                "Only the decide step takes a decision",
                field="decision",
                code="decision_step",
            )
        if action == StepAction.RETURN and task.step not in {
            "decide",
            "review",
            "second_review",
            "inspect",
            "joint_review_0",
            "joint_review_1",
        }:
            raise Conflict(
                "该环节不能退回", "This step cannot be returned", field="action", code="no_return"
            )
        started_at = task.opened_at
        _complete_engine_task(case, task, data, now, open_tasks)
        _step(
            case,
            action,
            user,
            step=task.step,
            label=task.step_label,
            opinion=opinion,
            started_at=started_at,
            department_id=task.department_id,
            channel=channel,
        )
        if task.step == "decide" and action == StepAction.PASS:
            _decided(case, user, decision, opinion, now)
        else:
            verb = "退回" if action == StepAction.RETURN else "通过"
            _event(
                case,
                f"step_{action}",
                f"{task.step_label}：{verb}",
                f"{task.step}: {action}",
                public=action == StepAction.PASS,
            )
        if "status" in rows.save_changed(case):  # decided
            access.follow(case)
        _audit(case, f"step_{action}", _actor(user, channel), before, step=task.step)
    return case


def _decided(case: Case, user: Any, decision: str, opinion: str, now: datetime) -> None:
    case.decision = decision
    case.decision_reason = opinion
    case.decided_at = now
    case.status = CaseStatus.DECIDED
    if decision == Decision.APPROVE:
        year = timezone.localdate(now).year
        seq = _next_sequence("result", date(year, 1, 1))
        case.result_number = f"{case.implementation_code[-6:] or 'RES'}-{year}-{seq:06d}"
        _notice(
            case,
            NoticeKind.APPROVAL,
            {
                "result_name": _result_name(case),
                "result_number": case.result_number,
                "opinion": opinion,
            },
        )
        _event(
            case,
            "approved",
            f"准予许可，结果编号 {case.result_number}",
            f"Approved, result {case.result_number}",
        )
        notify(case, "审批通过", f"“{case.item_name}”已准予许可，请按约定方式领取结果。")
        if case.commitment:
            record = Commitment.objects.filter(case=case).first()
            if record is not None:
                record.verify_due = workdays.add_working_days(
                    timezone.localdate(now), COMMITMENT_VERIFY_WORKING_DAYS
                )
                record.save(update_fields=["verify_due"])
        emit(
            "case.result_produced",
            case_id=case.pk,
            number=case.number or "",
            result_number=case.result_number,
            licence_type=(case.item_version.result_licence_type if case.item_version else ""),
        )
    else:
        _notice(case, NoticeKind.DENIAL, {"reasons": opinion, "appeal": DEFAULT_APPEAL})
        _event(case, "denied", f"不予许可：{opinion}", f"Denied: {opinion}")
        notify(case, "审批结果：不予许可", f"{opinion}。{DEFAULT_APPEAL}")
    emit("case.decided", case_id=case.pk, number=case.number or "", decision=decision)


def _result_name(case: Case) -> str:
    version = fastread.related(case, "item_version")
    if version is not None and version.result_name:
        return str(version.result_name)
    return f"{case.item_name}审批结果"


# --- special procedures and extensions ---------------------------------------------------


def special_procedure_start(
    *, case_id: int, user: Any, kind: str, reason: str, channel: str = "workbench"
) -> SpecialProcedure:
    """Art. 45: the clock stops until the procedure ends; the applicant is told."""
    if kind not in SpecialProcedureKind.values:
        raise InvalidInput("特别程序类型无效", "Unknown special procedure kind", field="kind")
    reason = _text(reason, "reason")
    with transaction.atomic():
        case = _lock(case_id)
        _visible_to_staff_or_404(user, case)
        if not policies.may_handle_in_department(user, case):
            raise NotAllowed("只有办理部门可以启动特别程序", "Only the handling department may")
        _require(case, (CaseStatus.IN_PROGRESS,), "启动特别程序", "suspended")
        before = _snapshot(case)
        procedure = SpecialProcedure.objects.create(
            case=case, kind=kind, reason=reason, started_on=_today(), started_by=user
        )
        case.status = CaseStatus.SUSPENDED
        case.save(update_fields=["status", "updated_at"])
        access.follow(case)
        label = SpecialProcedureKind(kind).label.split(" / ")[0]
        _step(
            case,
            StepAction.SUSPEND,
            user,
            label=f"特别程序：{label}",
            opinion=reason,
            channel=channel,
        )
        _event(
            case,
            "suspended",
            f"进入特别程序（{label}），期间不计入办理时限：{reason}",
            f"Special procedure ({kind}) started; the clock is stopped",
        )
        _notice(
            case,
            NoticeKind.SPECIAL_PROCEDURE,
            {
                "kind": kind,
                "label": label,
                "reason": reason,
                "started_on": procedure.started_on.isoformat(),
            },
        )
        notify(case, "办件进入特别程序", f"{label}：{reason}。特别程序期间不计入办理时限。")
        _audit(case, "special_procedure_started", _actor(user, channel), before, kind=kind)
    return procedure


def special_procedure_end(
    *, case_id: int, user: Any, result: str, channel: str = "workbench"
) -> SpecialProcedure:
    result = _text(result, "result")
    with transaction.atomic():
        case = _lock(case_id)
        _visible_to_staff_or_404(user, case)
        if not policies.may_handle_in_department(user, case):
            raise NotAllowed("只有办理部门可以结束特别程序", "Only the handling department may")
        _require(case, (CaseStatus.SUSPENDED,), "结束特别程序", "resumed")
        before = _snapshot(case)
        procedure = case.special_procedures.filter(ended_on__isnull=True).order_by("-id").first()
        assert procedure is not None
        procedure.ended_on = _today()
        procedure.result = result
        procedure.ended_by = user
        procedure.save()
        case.status = CaseStatus.IN_PROGRESS
        recompute_deadlines(case)
        _shift_task_dues(case, procedure.started_on, procedure.ended_on)
        rows.save_changed(case)
        access.follow(case)
        _step(case, StepAction.RESUME, user, opinion=result, channel=channel)
        due = case.promised_due.strftime("%Y年%m月%d日") if case.promised_due else ""
        _event(
            case,
            "resumed",
            f"特别程序结束：{result}；承诺办结日期顺延至 {due}",
            f"Special procedure ended; promised completion now {case.promised_due}",
        )
        notify(case, "特别程序结束", f"{result}。承诺办结日期顺延至 {due}。")
        _audit(case, "special_procedure_ended", _actor(user, channel), before)
    return procedure


def _shift_task_dues(case: Case, start: date, end: date) -> None:
    lost = workdays.working_days_between(start - timedelta(days=1), end)
    if lost <= 0:
        return
    for task in case.tasks.filter(OPEN_TASK):
        task.due_on = workdays.add_working_days(task.due_on, lost)
        task.save(update_fields=["due_on"])
    open_dues = [t.due_on for t in case.tasks.filter(OPEN_TASK)]
    case.step_due = min(open_dues) if open_dues else None


def extension_request(
    *, case_id: int, user: Any, reason: str, channel: str = "workbench"
) -> Extension:
    reason = _text(reason, "reason")
    with transaction.atomic():
        case = _lock(case_id)
        _visible_to_staff_or_404(user, case)
        if not policies.may_handle_in_department(user, case):
            raise NotAllowed("只有办理部门可以申请延期", "Only the handling department may")
        _require(case, (CaseStatus.IN_PROGRESS, CaseStatus.SUSPENDED), "申请延期", "extended")
        if case.extensions.exclude(status=RequestStatus.REJECTED).exists():
            raise Conflict(
                "本办件已申请过延期（依法只能延长一次）",
                "An extension was already requested (the law allows one)",
                field="reason",
                code="extension_exists",
            )
        extension = Extension.objects.create(
            case=case, reason=reason, requested_by=user, days=EXTENSION_WORKING_DAYS
        )
        _event(
            case, "extension_requested", "已申请延长办理期限", "Extension requested", public=False
        )
        audit_record(
            action="case.extension_requested",
            object_type="case",
            object_id=case.pk,
            actor=_actor(user, channel),
            after={"reason": reason},
        )
    return extension


def extension_decide(
    *, extension_id: int, user: Any, approve: bool, note: str = "", channel: str = "workbench"
) -> Extension:
    """Art. 42: the head approves 10 more working days; the applicant is told why."""
    with transaction.atomic():
        extension = Extension.objects.select_for_update().filter(pk=extension_id).first()
        if extension is None:
            raise NotFound("未找到该延期申请", "No such extension request", field="extension_id")
        case = _lock(extension.case_id)
        _visible_to_staff_or_404(user, case)
        if not policies.may_approve_extension(user, case):
            raise NotAllowed(
                "延期须经办理部门负责人批准",
                "The head of the handling department approves extensions",
            )
        _require_status(
            extension.status,
            RequestStatus.PENDING,
            "该延期申请已审批",
            "This request was already decided",
            code="extension_decided",
        )
        _require(case, (CaseStatus.IN_PROGRESS, CaseStatus.SUSPENDED), "延期", "extended")
        before = _snapshot(case)
        extension.status = RequestStatus.APPROVED if approve else RequestStatus.REJECTED
        extension.decided_by = user
        extension.decided_at = timezone.now()
        extension.decision_note = _text(note, "note", required=False)
        extension.save()
        if approve:
            case.extension_days += extension.days
            recompute_deadlines(case)
            rows.save_changed(case)
            due = case.promised_due.strftime("%Y年%m月%d日") if case.promised_due else ""
            _step(case, StepAction.EXTEND, user, opinion=extension.reason, channel=channel)
            _event(
                case,
                "extended",
                f"经负责人批准延长 {extension.days} 个工作日，理由：{extension.reason}；"
                f"办结期限至 {due}",
                f"Extended by {extension.days} working days: {extension.reason}",
            )
            _notice(
                case,
                NoticeKind.EXTENSION,
                {
                    "days": extension.days,
                    "reason": extension.reason,
                    "promised_due": case.promised_due.isoformat() if case.promised_due else "",
                },
            )
            notify(
                case,
                "办理期限延长",
                f"延长 {extension.days} 个工作日，理由：{extension.reason}。新的办结期限：{due}。",
            )
        _audit(case, "extension_decided", _actor(user, channel), before, approved=approve)
    return extension


# --- fees ---------------------------------------------------------------------------------


def _paid_total(case: Case) -> Decimal:
    total = Decimal("0.00")
    for payment in case.payments.filter(status=PaymentStatus.PAID):
        total += payment.amount
    return total


def payment_record(
    *, case_id: int, user: Any, method: str, receipt_no: str, amount: Decimal | str | None = None
) -> Payment:
    """Payment at the window: cash is never refused, or card; the receipt number is kept."""
    if not policies.may_accept(user):
        raise NotAllowed("只有窗口人员可以登记缴费", "Only window clerks record payments")
    if method not in (PaymentMethod.CASH, PaymentMethod.CARD):
        raise InvalidInput(
            "窗口缴费方式应为现金或银行卡", "method must be cash or card", field="method"
        )
    receipt_no = _text(receipt_no, "receipt_no", max_length=64)
    from zhengwu.cases.payments import new_order_no

    with transaction.atomic():
        case = _lock(case_id)
        _visible_to_staff_or_404(user, case)
        if case.status not in CLOCK_STATUSES:
            raise _status_conflict(case, "缴费", "paid")
        due = case.fee_amount - _paid_total(case)
        if due <= 0:
            raise Conflict(
                "本办件无需缴费或已缴清", "Nothing is due", field="amount", code="nothing_due"
            )
        try:
            paid = Decimal(str(amount)) if amount not in (None, "") else due
        except Exception:
            raise InvalidInput("金额格式错误", "amount is not a number", field="amount") from None
        if paid != due:
            raise InvalidInput(
                f"应缴金额为 {due} 元",
                f"The amount due is {due}",
                field="amount",
                code="amount_mismatch",
            )
        payment = Payment.objects.create(
            case=case,
            amount=paid,
            method=method,
            status=PaymentStatus.PAID,
            order_no=new_order_no(case.number or str(case.pk)),
            receipt_no=receipt_no,
            recorded_by=user,
            paid_at=timezone.now(),
        )
        _mark_paid(case)
        audit_record(
            action="case.paid",
            object_type="case",
            object_id=case.pk,
            actor=_actor(user, Channel.WINDOW),
            after={"amount": str(paid), "method": method, "receipt_no": receipt_no},
        )
    return payment


def _mark_paid(case: Case) -> None:
    if _paid_total(case) >= case.fee_amount:
        case.fee_paid = True
        case.save(update_fields=["fee_paid", "updated_at"])
        _event(case, "paid", f"已缴费 {case.fee_amount} 元", f"Paid {case.fee_amount}")


def payment_online_start(*, case_id: int, user: Any, notify_url: str, return_url: str) -> Payment:
    """Create an order at the payment gateway (outside any lock on the case)."""
    from zhengwu.cases.payments import gateway, new_order_no

    with transaction.atomic():
        case = _lock(case_id)
        if not _is_filer(user, case):
            raise NotFound("未找到该办件", "No such case", field="case_id")
        if case.status not in CLOCK_STATUSES:
            raise _status_conflict(case, "缴费", "paid")
        if case.item_version is None or not case.item_version.online_payment:
            raise Conflict(
                "该事项不支持网上缴费，请到窗口缴费",
                "Pay at a window for this item",
                field="method",
                code="online_payment_unavailable",
            )
        due = case.fee_amount - _paid_total(case)
        if due <= 0:
            raise Conflict(
                "本办件无需缴费或已缴清", "Nothing is due", field="amount", code="nothing_due"
            )
        pay_gateway = gateway()  # unconfigured: the 409 comes before any order row
        order_no = new_order_no(case.number or str(case.pk))
        payment = Payment.objects.create(
            case=case, amount=due, method=PaymentMethod.ONLINE, order_no=order_no
        )
    try:
        order = pay_gateway.create_order(
            order_no=order_no,
            amount=due,
            subject=case.item_name,
            notify_url=notify_url,
            return_url=return_url,
        )
    except Exception:
        # the gateway refused or did not answer: the order is void, the applicant may retry
        # or pay at any window; no pending row is left behind
        Payment.objects.filter(pk=payment.pk, status=PaymentStatus.PENDING).update(
            status=PaymentStatus.FAILED
        )
        raise
    Payment.objects.filter(pk=payment.pk).update(gateway_ref=order.gateway_ref)
    payment.gateway_ref = order.gateway_ref
    payment.pay_url = order.pay_url  # type: ignore[attr-defined]
    return payment


def payment_notice(*, body: bytes, headers: Any) -> Payment:
    """The gateway's signed callback: mark the order paid (idempotent)."""
    from zhengwu.cases.payments import gateway

    notice = gateway().parse_notice(body, headers)
    with transaction.atomic():
        payment = Payment.objects.select_for_update().filter(order_no=notice.order_no).first()
        if payment is None:
            raise NotFound("未找到该订单", "No such order", field="order_no")
        if payment.status == PaymentStatus.PAID:
            return payment
        if notice.amount != payment.amount:
            raise InvalidInput(
                "支付金额与订单不符",
                "The amount differs from the order",
                field="amount",
                code="amount_mismatch",
            )
        case = _lock(payment.case_id)
        payment.status = PaymentStatus.PAID if notice.paid else PaymentStatus.FAILED
        payment.receipt_no = notice.receipt_no
        payment.gateway_ref = notice.gateway_ref or payment.gateway_ref
        payment.paid_at = timezone.now() if notice.paid else None
        payment.save()
        if notice.paid:
            _mark_paid(case)
        audit_record(
            action="case.payment_notice",
            object_type="case",
            object_id=case.pk,
            actor=SYSTEM,
            after={"order_no": notice.order_no, "paid": notice.paid},
        )
    return payment


# --- delivery and conclusion ----------------------------------------------------------------


def deliver(
    *,
    case_id: int,
    user: Any,
    method: str,
    tracking_no: str = "",
    identity_checked: bool = False,
    address: str = "",
    channel: str = Channel.WINDOW,
) -> Case:
    """出件/送达 and conclusion: at a window (identity checked), by post (tracking number),
    or by download. A case with fees due cannot conclude unpaid."""
    if method not in DeliveryMethod.values:
        raise InvalidInput("送达方式无效", "Unknown delivery method", field="method")
    if method == DeliveryMethod.WINDOW and identity_checked is not True:
        raise InvalidInput(
            "窗口出件须核验领取人身份",
            "Check the collector's identity",
            field="identity_checked",
            code="identity_check",
        )
    if method == DeliveryMethod.POST:
        tracking_no = _text(tracking_no, "tracking_no", max_length=64)
    with transaction.atomic():
        case = _lock(case_id, with_process=True)
        _require(case, (CaseStatus.DECIDED,), "送达办结", "delivered")
        if case.kind == CaseKind.BUNDLE:
            raise Conflict(
                "一件事由各子件送达",
                "Bundle members are delivered one by one",
                field="case_id",
                code="bundle_parent",
            )
        open_tasks = fixed_reads.open_tasks(case)
        task = _open_task(case, None, user, claim=False, open_tasks=open_tasks)
        if task.assignee_id is None:
            task.assignee = user  # claimed; saved with closed_at when the engine completes it
        if task.step != "deliver":
            raise _status_conflict(case, "送达", "delivered")
        if case.decision == Decision.APPROVE and not case.fee_assessed:
            raise Conflict(
                "费用尚未核定，不能办结",
                "The fee has not been assessed yet",
                field="fee",
                code="fee_unassessed",
                details={"status": case.status},
            )
        if case.decision == Decision.APPROVE and case.fee_amount > 0 and not case.fee_paid:
            raise Conflict(
                f"尚未缴费（应缴 {case.fee_amount} 元），不能办结",
                f"Fees of {case.fee_amount} are unpaid",
                field="fee",
                code="unpaid",
                details={"status": case.status},
            )
        before = _snapshot(case)
        now = timezone.now()
        started = task.opened_at
        _complete_engine_task(case, task, {"action": "pass"}, now, open_tasks)
        rows.create(
            Delivery,
            case=case,
            method=method,
            tracking_no=tracking_no,
            address=_text(address, "address", max_length=300, required=False),
            identity_checked=bool(identity_checked),
            delivered_by=user,
        )
        if method == DeliveryMethod.POST and case.cross_region:
            Transfer.objects.create(
                case=case, direction="result", tracking_no=tracking_no, sent_by=user
            )
        case.status = CaseStatus.CONCLUDED
        case.concluded_at = now
        rows.save_changed(case)
        access.follow(case)
        _step(
            case,
            StepAction.DELIVER,
            user,
            step="deliver",
            label=task.step_label,
            started_at=started,
            department_id=task.department_id,
            channel=channel,
        )
        how = DeliveryMethod(method).label.split(" / ")[0]
        _event(
            case,
            "concluded",
            f"已办结（{how}{'，单号 ' + tracking_no if tracking_no else ''}）",
            f"Concluded ({method})",
        )
        notify(
            case, "办件已办结", f"您的“{case.item_name}”（{case.number}）已办结，送达方式：{how}。"
        )
        if (
            case.case_type == "1"
            and case.accepted_on
            and timezone.localdate(now) > case.accepted_on
        ):
            Supervision.objects.get_or_create(
                case=case,
                kind=SupervisionKind.IMMEDIATE_LATE,
                ref="",
                defaults={"department_id": case.department_id},
            )
        _audit(case, "concluded", _actor(user, channel), before, method=method)
        emit("case.concluded", case_id=case.pk, number=case.number or "", decision=case.decision)
        if case.parent_id:
            _bundle_child_done(case.parent_id)
    return case


def _close_open(case: Case, now: datetime) -> None:
    case.tasks.filter(OPEN_TASK).update(closed_at=now)
    case.current_step = case.current_step_label = case.assignee_role = ""
    case.assignee_department_id = case.assignee_id = None
    case.step_due = None


def withdraw(*, case_id: int, user: Any, reason: str = "", channel: str = Channel.PORTAL) -> Case:
    """The applicant withdraws before the decision."""
    with transaction.atomic():
        case = _lock(case_id)
        if not _is_filer(user, case):
            raise NotFound("未找到该办件", "No such case", field="case_id")
        _require(
            case,
            (
                CaseStatus.DRAFT,
                CaseStatus.SUBMITTED,
                CaseStatus.CORRECTION,
                CaseStatus.IN_PROGRESS,
                CaseStatus.SUSPENDED,
            ),
            "撤回",
            "withdrawn",
        )
        if case.kind == CaseKind.CHILD:
            raise Conflict(
                "请撤回整个一件事",
                "Withdraw the whole bundle",
                field="case_id",
                code="bundle_child",
            )
        before = _snapshot(case)
        now = timezone.now()
        for target in [case, *case.children.select_for_update()]:
            _close_open(target, now)
            target.status = CaseStatus.WITHDRAWN
            target.concluded_at = now
            target.decision_reason = _text(reason, "reason", required=False)
            target.save()
            access.follow(target)
            _step(target, StepAction.WITHDRAW, user, opinion=reason, channel=channel)
            _event(target, "withdrawn", "申请人已撤回申请", "Withdrawn by the applicant")
        _audit(case, "withdrawn", _actor(user, channel), before)
    return case


def terminate(*, case_id: int, user: Any, reason: str, channel: str = "workbench") -> Case:
    """终止 by the handling department, with reasons told to the applicant."""
    reason = _text(reason, "reason")
    with transaction.atomic():
        case = _lock(case_id)
        _visible_to_staff_or_404(user, case)
        if not policies.may_handle_in_department(user, case):
            raise NotAllowed(
                "只有办理部门可以终止办件", "Only the handling department may terminate"
            )
        _require(case, (CaseStatus.IN_PROGRESS, CaseStatus.SUSPENDED), "终止", "terminated")
        _terminate_locked(case, user, reason, _actor(user, channel))
    return case


def _terminate_locked(case: Case, user: Any, reason: str, actor: Actor) -> None:
    before = _snapshot(case)
    now = timezone.now()
    _close_open(case, now)
    case.status = CaseStatus.TERMINATED
    case.concluded_at = now
    case.decision_reason = reason
    rows.save_changed(case)
    access.follow(case)
    _step(case, StepAction.TERMINATE, user, opinion=reason, channel=actor.channel)
    _event(case, "terminated", f"办件终止：{reason}", f"Terminated: {reason}")
    notify(case, "办件终止", reason)
    _audit(case, "terminated", actor, before)
    if case.parent_id:
        _bundle_child_done(case.parent_id)


def deficiency_expire(*, today: date | None = None) -> int:
    """容缺: owed materials not supplied by their deadline end the case (terminated, with
    an e-supervision record) — the defined outcome told in the 容缺受理通知书."""
    today = today or _today()
    ids = list(
        Case.objects.filter(
            status__in=[CaseStatus.IN_PROGRESS, CaseStatus.SUSPENDED], deficiency_due__lt=today
        ).values_list("pk", flat=True)[:500]
    )
    count = 0
    for pk in ids:
        with transaction.atomic():
            case = _lock(pk)
            owed = list(case.materials.filter(source=MaterialSource.OWED, owed_until__lt=today))
            if case.status not in (CaseStatus.IN_PROGRESS, CaseStatus.SUSPENDED) or not owed:
                continue
            names = "、".join(m.name for m in owed)
            Supervision.objects.get_or_create(
                case=case,
                kind=SupervisionKind.DEFICIENCY_EXPIRED,
                ref="",
                defaults={"department_id": case.department_id, "detail": names},
            )
            _terminate_locked(case, None, f"容缺受理的材料（{names}）逾期未补齐，办件终止", SYSTEM)
            count += 1
    return count


# --- 告知承诺 verification ---------------------------------------------------------------


def commitment_verify(
    *, case_id: int, user: Any, passed: bool, finding: str, channel: str = "workbench"
) -> Commitment:
    """Post-approval check of a commitment; a false one revokes the result and records a
    credit event."""
    finding = _text(finding, "finding")
    with transaction.atomic():
        case = _lock(case_id)
        record = Commitment.objects.select_for_update().filter(case=case).first()
        if record is None:
            raise NotFound("该办件不是告知承诺办件", "No commitment on this case", field="case_id")
        if account_policies.staff_department_id(user) != record.verify_department_id:
            raise NotFound("未找到该办件", "No such case", field="case_id")
        _require_status(
            record.status,
            CommitmentStatus.PENDING,
            "该承诺已核查",
            "Already verified",
            code="verified",
        )
        if case.decision != Decision.APPROVE:
            raise _status_conflict(case, "核查承诺", "verified")
        before = _snapshot(case)
        record.status = CommitmentStatus.PASSED if passed else CommitmentStatus.FAILED
        record.verified_by = user
        record.verified_at = timezone.now()
        record.finding = finding
        record.save()
        if not passed:
            _close_open(case, timezone.now())
            case.status = CaseStatus.REVOKED
            rows.save_changed(case)
            access.follow(case)
            CreditRecord.objects.create(
                case=case,
                subject_name=case.applicant_name,
                subject_id_index=case.applicant_id_index,
                kind="false_commitment",
                description=f"“{case.item_name}”告知承诺核查不实：{finding}",
            )
            _step(case, StepAction.REVOKE, user, opinion=finding, channel=channel)
            _event(
                case,
                "revoked",
                f"承诺核查不实，撤销审批决定：{finding}",
                "Commitment false; revoked",
            )
            notify(case, "审批决定已撤销", f"经核查承诺内容不实：{finding}。{DEFAULT_APPEAL}")
            emit("case.revoked", case_id=case.pk, number=case.number or "", reason=finding)
        else:
            _event(
                case, "commitment_verified", "告知承诺核查通过", "Commitment verified", public=False
            )
        _audit(case, "commitment_verified", _actor(user, channel), before, passed=passed)
    return record


# --- 首问负责 and cross-region --------------------------------------------------------------


def handover(*, case_id: int, user: Any, to_user_id: int, reason: str) -> Handover:
    reason = _text(reason, "reason")
    with transaction.atomic():
        case = _lock(case_id)
        _visible_to_staff_or_404(user, case)
        if case.first_responder_id != user.pk:
            raise NotAllowed(
                "只有首问责任人可以移交", "Only the first responsible clerk hands over"
            )
        # The user model's manager, not type(user): a request's user is a SimpleLazyObject.
        target = account_selectors.staff_profile_of(
            get_user_model()._default_manager.filter(pk=to_user_id).first()
        )
        if target is None or not target.active:
            raise InvalidInput(
                "接收人不是在岗工作人员", "The recipient is not active staff", field="to_user_id"
            )
        record = Handover.objects.create(
            case=case, from_user=user, to_user_id=to_user_id, reason=reason
        )
        case.first_responder_id = to_user_id
        case.save(update_fields=["first_responder", "updated_at"])
        _step(case, StepAction.HANDOVER, user, opinion=reason)
        audit_record(
            action="case.handed_over",
            object_type="case",
            object_id=case.pk,
            actor=_actor(user, "workbench"),
            after={"to": to_user_id},
        )
    return record


def transfer_send(*, case_id: int, user: Any, tracking_no: str) -> Transfer:
    """政务专递: the receiving venue forwards the paper file to the handling body."""
    tracking_no = _text(tracking_no, "tracking_no", max_length=64)
    with transaction.atomic():
        case = _lock(case_id)
        _visible_to_staff_or_404(user, case)
        if account_policies.staff_department_id(user) != case.receiving_department_id or (
            not policies.may_accept(user)
        ):
            raise NotAllowed(
                "只有收件窗口人员可以寄送纸质材料",
                "Only the receiving venue's clerks forward files",
            )
        if case.status not in CLOCK_STATUSES:
            raise _status_conflict(case, "寄送材料", "forwarded")
        transfer = Transfer.objects.create(
            case=case, direction="file", tracking_no=tracking_no, sent_by=user
        )
        _event(
            case,
            "file_forwarded",
            f"纸质材料已通过政务专递寄往办理机关（单号 {tracking_no}）",
            f"Paper file forwarded ({tracking_no})",
        )
        audit_record(
            action="case.file_forwarded",
            object_type="case",
            object_id=case.pk,
            actor=_actor(user, "workbench"),
            after={"tracking_no": tracking_no},
        )
    return transfer


def transfer_receive(*, transfer_id: int, user: Any) -> Transfer:
    with transaction.atomic():
        transfer = Transfer.objects.select_for_update().filter(pk=transfer_id).first()
        if transfer is None:
            raise NotFound("未找到该专递", "No such transfer", field="transfer_id")
        case = _lock(transfer.case_id)
        target = (
            case.department_id if transfer.direction == "file" else case.receiving_department_id
        )
        if account_policies.staff_department_id(user) != target:
            raise NotFound("未找到该专递", "No such transfer", field="transfer_id")
        _require_status(
            transfer.status, TransferStatus.SENT, "已签收", "Already received", code="received"
        )
        transfer.status = TransferStatus.RECEIVED
        transfer.received_by = user
        transfer.received_at = timezone.now()
        transfer.save()
        _event(case, "file_received", "办理机关已签收纸质材料", "Paper file received", public=False)
        audit_record(
            action="case.transfer_received",
            object_type="case",
            object_id=case.pk,
            actor=_actor(user, "workbench"),
            after={"transfer": transfer.pk},
        )
    return transfer


# --- bundles ------------------------------------------------------------------------------


def _create_children(parent: Case) -> None:
    view = catalog_selectors.bundle_with_members(parent.bundle.code if parent.bundle else "")
    provided = {m.key: m for m in parent.materials.all()}
    for member in view.members:
        version = member.version
        if version is None:
            continue
        child = Case.objects.create(
            kind=CaseKind.CHILD,
            parent=parent,
            bundle_id=parent.bundle_id,
            item_version=version,
            implementation_code=version.implementation_code,
            item_name=version.name,
            case_type=version.case_type,
            channel=parent.channel,
            applicant_kind=parent.applicant_kind,
            applicant_user_id=parent.applicant_user_id,
            enterprise_id=parent.enterprise_id,
            applicant_name=parent.applicant_name,
            applicant_id_type=parent.applicant_id_type,
            applicant_id_number=parent.applicant_id_number,
            applicant_id_index=parent.applicant_id_index,
            applicant_phone=parent.applicant_phone,
            agent_name=parent.agent_name,
            agent_user_id=parent.agent_user_id,
            form_encrypted=parent.form_encrypted,
            department_id=version.department_id,
            receiving_department_id=parent.receiving_department_id,
            created_by_id=parent.created_by_id,
            first_responder_id=parent.first_responder_id,
            status=CaseStatus.SUBMITTED,
            submitted_at=parent.submitted_at,
            received_on=parent.received_on,
        )
        _limits(child)
        child.number = f"{parent.number}-{member.member.sort_order or len(view.members):02d}"
        _assess_fee(child)
        child.save()
        access.open_rows(child)
        for order, material in enumerate(m for m in version.materials.all() if m.required):
            source = provided.get(material.key)
            row = CaseMaterial.objects.create(
                case=child,
                key=material.key,
                name=material.name,
                required=True,
                deficiency_allowed=material.deficiency_allowed,
                sort_order=order,
                source=source.source if source else "",
                licence_identifier=source.licence_identifier if source else "",
                paper_originals=source.paper_originals if source else 0,
                paper_copies=source.paper_copies if source else 0,
                max_size_kb=material.max_size_kb,
                allowed_types=list(material.allowed_types or []),
            )
            if source is not None and source.source == MaterialSource.LICENCE:
                licence, valid = exemptions.licence_still_valid(source.licence_identifier)
                if licence is not None and valid:
                    _use_licence(child, row, licence)
            if source is not None:  # one set of materials: the same stored files
                for f in source.files.all():
                    CaseFile.objects.create(
                        material=row,
                        blob_id=f.blob_id,
                        filename=f.filename,
                        uploaded_by_id=f.uploaded_by_id,
                    )
        _event(
            child,
            "submitted",
            f"一件事“{parent.item_name}”子件",
            f"Member of bundle {parent.item_name}",
        )


def bundle_submit(*, case_id: int, user: Any, idempotency_key: str = "") -> Case:
    """Submit a 一件事 application: one form, one set of materials, one submission → a parent
    case and one child case per member item."""
    with transaction.atomic():
        parent = _lock(case_id)
        if parent.kind != CaseKind.BUNDLE:
            raise InvalidInput("不是一件事申请", "Not a bundle application", field="case_id")
        already = parent.status != CaseStatus.DRAFT
        submitted = submit(case_id=case_id, user=user, idempotency_key=idempotency_key)
        if not already and submitted.pk == parent.pk:
            _create_children(submitted)
    return submitted


def _child_outcome(row: dict[str, Any]) -> str:
    if row["decision"] == Decision.APPROVE:
        return "准予"
    if row["reason"]:
        return f"未办成：{row['reason']}"
    return str(STATUS_LABELS.get(row["status"], row["status"])).split(" / ")[0]


def _bundle_child_done(parent_id: int) -> None:
    """When every child has an outcome, the parent concludes with one combined notice."""
    parent = _lock(parent_id)
    children = list(parent.children.order_by("id"))
    final = {CaseStatus.CONCLUDED, CaseStatus.TERMINATED, CaseStatus.WITHDRAWN, CaseStatus.REVOKED}
    if not children or any(c.status not in final for c in children):
        return
    if parent.status == CaseStatus.CONCLUDED:
        return
    before = _snapshot(parent)
    now = timezone.now()
    parent.status = CaseStatus.CONCLUDED
    parent.concluded_at = now
    parent.decision = (
        Decision.APPROVE if any(c.decision == Decision.APPROVE for c in children) else Decision.DENY
    )
    parent.save()
    access.follow(parent)
    outcomes = [
        {
            "item": c.item_name,
            "number": c.number or "",
            "status": c.status,
            "decision": c.decision,
            "result_number": c.result_number,
            "reason": c.decision_reason,
        }
        for c in children
    ]
    _notice(parent, NoticeKind.BUNDLE_RESULT, {"children": outcomes})
    _event(
        parent,
        "concluded",
        f"一件事已全部办结（{len(children)} 项）",
        f"All {len(children)} members concluded",
    )
    notify(parent, "一件事已办结", "；".join(f"{r['item']}：{_child_outcome(r)}" for r in outcomes))
    _audit(parent, "concluded", SYSTEM, before)
    emit("case.concluded", case_id=parent.pk, number=parent.number or "", decision=parent.decision)


# --- time-limit warnings and e-supervision -------------------------------------------------


def _level(due: date | None, today: date) -> str:
    if due is None:
        return WarningLevel.NORMAL
    if today > due:
        return WarningLevel.OVERDUE
    if workdays.working_days_between(today, due) <= DUE_SOON_WORKING_DAYS:
        return WarningLevel.DUE_SOON
    return WarningLevel.NORMAL


def warnings_recompute(*, today: date | None = None) -> dict[str, int]:
    """Recompute warning levels of open cases and tasks; record 电子监察 for every overdue
    event once. Suspended cases are paused: their level does not advance."""
    today = today or _today()
    counts = {"cases": 0, "tasks": 0, "supervisions": 0}
    running = Case.objects.filter(status__in=[CaseStatus.IN_PROGRESS, CaseStatus.DECIDED])
    for case in running.only(
        "pk", "promised_due", "warning_level", "department_id", "case_type", "accepted_on"
    ).iterator():
        level = _level(case.promised_due, today)
        if level != case.warning_level:
            Case.objects.filter(pk=case.pk).update(warning_level=level)
            access.set_warning(case.pk, level)
            counts["cases"] += 1
        if level == WarningLevel.OVERDUE:
            _, made = Supervision.objects.get_or_create(
                case_id=case.pk,
                kind=SupervisionKind.CASE_OVERDUE,
                ref="",
                defaults={
                    "department_id": case.department_id,
                    "detail": f"承诺办结日期 {case.promised_due} 已过",
                },
            )
            counts["supervisions"] += int(made)
        if case.case_type == "1" and case.accepted_on and today > case.accepted_on:
            _, made = Supervision.objects.get_or_create(
                case_id=case.pk,
                kind=SupervisionKind.IMMEDIATE_LATE,
                ref="",
                defaults={"department_id": case.department_id},
            )
            counts["supervisions"] += int(made)
    tasks = CaseTask.objects.filter(
        OPEN_TASK, case__status__in=[CaseStatus.IN_PROGRESS, CaseStatus.DECIDED]
    )
    for task in tasks.only(
        "pk", "due_on", "warning_level", "case_id", "department_id", "step"
    ).iterator():
        level = _level(task.due_on, today)
        if level != task.warning_level:
            CaseTask.objects.filter(pk=task.pk).update(warning_level=level)
            counts["tasks"] += 1
        if level == WarningLevel.OVERDUE:
            _, made = Supervision.objects.get_or_create(
                case_id=task.case_id,
                kind=SupervisionKind.STEP_OVERDUE,
                ref=f"task:{task.pk}",
                defaults={"department_id": task.department_id, "detail": f"环节 {task.step} 超期"},
            )
            counts["supervisions"] += int(made)
    for complaint in Complaint.objects.filter(status=ComplaintStatus.OPEN, due_on__lt=today):
        _, made = Supervision.objects.get_or_create(
            case=complaint.case,
            kind=SupervisionKind.COMPLAINT_OVERDUE,
            ref=f"complaint:{complaint.pk}",
            defaults={"detail": complaint.text[:200]},
        )
        counts["supervisions"] += int(made)
    return counts


def recompute_provisional(*, year: int | None = None) -> int:
    """Handler of ``calendar.year_loaded``: due dates that were provisional are recomputed
    on the official calendar (and lose the flag once every year they touch is loaded)."""
    count = 0
    for pk in Case.objects.filter(due_provisional=True).values_list("pk", flat=True):
        with transaction.atomic():
            case = _lock(pk)
            before = _snapshot(case)
            recompute_deadlines(case)
            rows.save_changed(case)
            if before != _snapshot(case) or not case.due_provisional:
                _event(
                    case,
                    "deadline_recomputed",
                    f"国务院节假日安排公布后重新计算：承诺办结日期 {case.promised_due}",
                    f"Recomputed on the official calendar: {case.promised_due}",
                )
                _audit(case, "deadline_recomputed", SYSTEM, before)
            count += 1
    return count


def on_calendar_year_loaded(event: str, payload: dict[str, Any]) -> None:
    recompute_provisional(year=payload.get("year"))


# --- 办不成事 ---------------------------------------------------------------------------------


def complaint_open(
    *, user: Any, text: str, case_id: int | None = None, implementation_code: str = ""
) -> Complaint:
    """“办不成事”反映: answered by the supervising office within 5 working days."""
    text = _text(text, "text", max_length=2000)
    if not getattr(user, "pk", None):
        raise NotAllowed("请先登录", "Log in first")
    with transaction.atomic():
        case = None
        if case_id is not None:
            case = Case.objects.filter(pk=case_id).first()
            if case is None or not _is_filer(user, case):
                raise NotFound("未找到该办件", "No such case", field="case_id")
            implementation_code = case.implementation_code
        elif implementation_code:
            implementation_code = catalog_selectors.published_version(
                implementation_code
            ).implementation_code
        complaint = Complaint.objects.create(
            user=user,
            case=case,
            implementation_code=implementation_code,
            text=text,
            due_on=workdays.add_working_days(_today(), COMPLAINT_ANSWER_WORKING_DAYS),
        )
        audit_record(
            action="case.complaint_opened",
            object_type="complaint",
            object_id=complaint.pk,
            actor=_actor(user, Channel.PORTAL),
            after={"case": case_id},
        )
    return complaint


def complaint_answer(*, complaint_id: int, user: Any, answer: str) -> Complaint:
    if not policies.may_answer_complaints(user):
        raise NotAllowed("只有督办人员可以答复", "Only supervisors answer complaints")
    answer = _text(answer, "answer", max_length=4000)
    with transaction.atomic():
        complaint = Complaint.objects.select_for_update().filter(pk=complaint_id).first()
        if complaint is None:
            raise NotFound("未找到该反映", "No such complaint", field="complaint_id")
        _require_status(
            complaint.status, ComplaintStatus.OPEN, "已答复", "Already answered", code="answered"
        )
        complaint.status = ComplaintStatus.ANSWERED
        complaint.answer = answer
        complaint.answered_by = user
        complaint.answered_at = timezone.now()
        complaint.save()
        Message.objects.create(
            user_id=complaint.user_id,
            case_id=complaint.case_id,
            title="“办不成事”反映已答复",
            body=answer,
        )
        audit_record(
            action="case.complaint_answered",
            object_type="complaint",
            object_id=complaint.pk,
            actor=_actor(user, "workbench"),
            after={"status": complaint.status},
        )
    return complaint


def message_read(*, user: Any, message_id: int) -> None:
    updated = Message.objects.filter(pk=message_id, user=user, read_at__isnull=True).update(
        read_at=timezone.now()
    )
    if not updated and not Message.objects.filter(pk=message_id, user=user).exists():
        raise NotFound("未找到该消息", "No such message", field="message_id")

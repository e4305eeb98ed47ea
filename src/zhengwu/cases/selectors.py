"""Reads of cases for pages and the API, with the visibility rules of :mod:`policies`.

Every function that takes a viewer returns only what the viewer may see; a case id the
viewer may not see is ``NotFound`` (it does not exist for them).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from zhengwu.accounts import policies as account_policies
from zhengwu.accounts import selectors as account_selectors
from zhengwu.cases import fixed_reads, policies
from zhengwu.cases.choices import OPEN_STATUSES, CaseKind, CaseStatus, WarningLevel
from zhengwu.cases.models import (
    Case,
    CaseAccess,
    CaseEvent,
    CaseFile,
    CaseTask,
    Complaint,
    CreditRecord,
    Message,
    Notice,
    Supervision,
)
from zhengwu.kernel import workdays
from zhengwu.kernel.crypto import blind_index
from zhengwu.kernel.errors import InvalidInput, NotFound
from zhengwu.kernel.identifiers import parse_citizen_id, parse_uscc

ID_PURPOSE = "case.applicant_id"
NOT_FOUND = ("未找到该办件", "No such case")
OPEN_TASK = Q(closed_at__isnull=True)
LIST_DEFERRED = fixed_reads.LIST_DEFERRED  # see there
# 综合窗口 (无差别受理): any window clerk may accept or refuse a case awaiting acceptance, so
# any clerk may open it too (the acceptance queue lists them all).
AWAITING_ACCEPTANCE = (CaseStatus.SUBMITTED, CaseStatus.CORRECTION)


def enterprise_ids_of(user: Any) -> frozenset[int]:
    return frozenset(
        i.enterprise_id
        for i in account_selectors.user_identities(user)
        if i.enterprise_id is not None
    )


def _staff_q(user: Any, department_id: int) -> Q:
    """Cases a staff member of ``department_id`` may see (a department that handles, received
    or had a task in the case: its ``CaseAccess`` row; a window clerk also any case awaiting
    acceptance). For a lookup that already names one case or applicant."""
    access = CaseAccess.objects.filter(case_id=OuterRef("pk"), department_id=department_id)
    scope = Q(Exists(access))
    if policies.may_accept(user):
        scope |= Q(status__in=AWAITING_ACCEPTANCE) & ~Q(kind=CaseKind.CHILD)
    return scope


def may_view(user: Any, case: Case) -> bool:
    if not account_policies.is_authenticated(user):
        return False
    if account_policies.is_staff_member(user):
        if policies.is_overseer(user):
            return True
        if (
            case.status in AWAITING_ACCEPTANCE
            and case.kind != CaseKind.CHILD
            and policies.may_accept(user)
        ):
            return True
        department_id = account_policies.staff_department_id(user)
        if department_id is None:
            return False
        if department_id in (case.department_id, case.receiving_department_id):
            return True
        return case.tasks.filter(department_id=department_id).exists()
    return policies.is_applicant_side(user, case, enterprise_ids_of(user))


def case_by_id(case_id: Any) -> Case | None:
    """A case by id with no viewer: for event handlers of other domains (they were handed
    the id by an event this domain emitted). Pages and the API use :func:`access_case`."""
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        return None
    return fixed_reads.case_with_item(pk)


def access_case(user: Any, case_id: int | str) -> Case:
    try:
        pk = int(case_id)
    except (TypeError, ValueError):
        raise NotFound(*NOT_FOUND, field="case_id") from None
    case = (
        Case.objects.select_related(
            "item_version", "department", "receiving_department", "process", "bundle", "parent"
        )
        .filter(pk=pk)
        .first()
    )
    if case is None or not may_view(user, case):
        raise NotFound(*NOT_FOUND, field="case_id")
    return case


def applicant_cases(user: Any) -> QuerySet[Case]:
    """ "My cases": own, filed as agent, and the enterprises' (children are shown in their
    bundle)."""
    q = Q(applicant_user_id=user.pk) | Q(agent_user_id=user.pk)
    enterprises = enterprise_ids_of(user)
    if enterprises:
        q |= Q(enterprise_id__in=enterprises)
    return (
        Case.objects.filter(q)
        .exclude(kind=CaseKind.CHILD)
        .select_related("department")
        .defer(*LIST_DEFERRED)
        .order_by("-created_at", "-id")
    )


def task_queue(user: Any, kind: str = "mine", *, limit: int = 50) -> list[CaseTask]:
    """Work queues: ``mine`` (claimed by me), ``department`` (unclaimed, my roles),
    ``overdue`` and ``due_soon`` (my department's open tasks), ordered by due date."""
    department_id = account_policies.staff_department_id(user)
    if department_id is None:
        return []
    base = CaseTask.objects.filter(OPEN_TASK)
    if kind == "mine":
        qs = base.filter(assignee_id=user.pk)
    elif kind == "department":
        roles = set(account_policies.staff_roles(user))
        if "department_head" in roles:
            roles.add("approver")
        qs = base.filter(department_id=department_id, role__in=sorted(roles), assignee__isnull=True)
    elif kind == "overdue":
        qs = base.filter(department_id=department_id, due_on__lt=timezone.localdate())
    elif kind == "due_soon":
        today = timezone.localdate()
        horizon = workdays.add_working_days(today, 2)
        qs = base.filter(department_id=department_id, due_on__gte=today, due_on__lte=horizon)
    else:
        raise InvalidInput("队列类型无效", "Unknown queue", field="queue")
    # The page's ids first (an ordered index scan that stops at ``limit``), then those rows
    # with their cases (fixed_reads.list_tasks): in one query PostgreSQL joined and sorted
    # every matching task, and the ORM's rows cost ≈ 60 µs each to build.
    page = qs.order_by("due_on", "id").values_list("pk", flat=True)[:limit]
    return fixed_reads.list_tasks(list(page))


def acceptance_queue(user: Any, *, limit: int = 50) -> list[Case]:
    """Cases awaiting acceptance (any item: 综合窗口), oldest receipt first."""
    if not policies.may_accept(user):
        return []
    page = (
        Case.objects.filter(status=CaseStatus.SUBMITTED)
        .exclude(kind=CaseKind.CHILD)
        .order_by("received_on", "id")
        .values_list("pk", flat=True)[:limit]
    )
    return fixed_reads.list_cases(list(page))


def search_cases(
    user: Any,
    *,
    number: str = "",
    applicant_id: str = "",
    applicant_name: str = "",
    status: str = "",
    warning: str = "",
    limit: int = 50,
) -> list[Case]:
    """Staff case search, newest first: exact number, applicant ID number (through the blind
    index), applicant name (exact), status, warning level.

    A supervisor searches every case (the case table's indexes). A department's staff search
    their department's ``CaseAccess`` rows — one index range, however many other
    departments' cases match — unless a number or ID number names the case or applicant
    already; a window clerk's search also covers every case awaiting acceptance."""
    where: dict[str, Any] = {}
    if number:
        where["number"] = number.strip()
    if applicant_id:
        value = applicant_id.strip().upper()
        try:
            value = (
                parse_citizen_id(value).value
                if len(value) in (15, 18) and value[:17].isdigit()
                else parse_uscc(value).value
            )
        except InvalidInput as exc:
            raise exc.with_field_prefix("applicant_id") from None
        where["applicant_id_index"] = blind_index(value, purpose=ID_PURPOSE)
    copied: dict[str, str] = {}  # filters on fields CaseAccess copies
    if applicant_name:
        copied["applicant_name"] = applicant_name.strip()
    if status:
        if status not in CaseStatus.values:
            raise InvalidInput("状态无效", "Unknown status", field="status")
        copied["status"] = status
    if warning:
        if warning not in WarningLevel.values:
            raise InvalidInput("预警等级无效", "Unknown warning level", field="warning")
        copied["warning_level"] = warning
    qs = Case.objects.exclude(status=CaseStatus.DRAFT).filter(**where, **copied)
    if not policies.is_overseer(user):
        department_id = account_policies.staff_department_id(user)
        if department_id is None:
            return []
        if not where:
            ids = list(
                CaseAccess.objects.filter(department_id=department_id, **copied)
                .order_by("-created_at", "-case_id")
                .values_list("case_id", flat=True)[:limit]
            )
            if policies.may_accept(user) and copied.get("status", AWAITING_ACCEPTANCE[0]) in (
                AWAITING_ACCEPTANCE
            ):
                ids += (
                    Case.objects.filter(status__in=AWAITING_ACCEPTANCE, **copied)
                    .exclude(kind=CaseKind.CHILD)
                    .order_by("-created_at", "-id")
                    .values_list("pk", flat=True)[:limit]
                )
            found = fixed_reads.list_cases(ids)
            found.sort(key=lambda case: (case.created_at, case.pk), reverse=True)
            return found[:limit]
        qs = qs.filter(_staff_q(user, department_id))
    # the page's ids first, then their list rows (fixed_reads.list_cases)
    page = qs.order_by("-created_at", "-id").values_list("pk", flat=True)[:limit]
    return fixed_reads.list_cases(list(page))


def public_progress(number: str, applicant_name: str) -> Case:
    """Public lookup: the case number and the applicant's exact name must both match."""
    number = (number or "").strip()
    name = (applicant_name or "").strip()
    if not number or not name:
        raise InvalidInput(
            "请输入办件编号和申请人姓名",
            "Enter the case number and the applicant's name",
            field="number" if not number else "applicant_name",
        )
    case = Case.objects.filter(number=number).exclude(status=CaseStatus.DRAFT).first()
    if case is None or case.applicant_name != name:
        raise NotFound(
            "未找到与编号和姓名相符的办件", "No case matches that number and name", field="number"
        )
    return case


def timeline(case: Case, *, public_only: bool) -> list[CaseEvent]:
    qs = case.events.all()
    if public_only:
        qs = qs.filter(public=True)
    return list(qs.order_by("id"))


def next_step_text(case: Case) -> tuple[str, str]:
    """What happens next and by when, for the applicant's timeline."""
    status = case.status
    due = case.promised_due.strftime("%Y年%m月%d日") if case.promised_due else ""
    if status == CaseStatus.DRAFT:
        return "请完善申请并提交", "Complete and submit the application"
    if status == CaseStatus.SUBMITTED:
        if case.received_on:
            limit = workdays.add_working_days(case.received_on, 5)
            return (
                f"等待窗口受理（最迟 {limit:%Y年%m月%d日} 前作出受理决定）",
                f"Awaiting acceptance (by {limit.isoformat()} at the latest)",
            )
        return "等待窗口受理", "Awaiting acceptance"
    if status == CaseStatus.CORRECTION:
        return "请按补正通知补齐材料后提交", "Supply the corrections and resubmit"
    if status == CaseStatus.IN_PROGRESS:
        step = case.current_step_label or "审查"
        return (
            f"{step}中，承诺 {due} 前办结",
            f"In {case.current_step or 'review'}, due {case.promised_due}",
        )
    if status == CaseStatus.SUSPENDED:
        return "特别程序中（不计入办理时限）", "Special procedure (clock stopped)"
    if status == CaseStatus.DECIDED:
        return "已作出决定，等待领取/送达", "Decided; awaiting delivery"
    return "办理已结束", "Finished"


def complaints_open(user: Any) -> QuerySet[Complaint]:
    if not policies.may_answer_complaints(user):
        return Complaint.objects.none()
    return Complaint.objects.filter(status="open").order_by("due_on", "id")


def supervision_records(user: Any, *, limit: int = 100) -> list[Supervision]:
    qs = Supervision.objects.select_related("case", "department").order_by("-id")
    if not policies.is_overseer(user):
        department_id = account_policies.staff_department_id(user)
        if department_id is None:
            return []
        qs = qs.filter(department_id=department_id)
    return list(qs[:limit])


def messages_of(user: Any, *, limit: int = 50) -> list[Message]:
    return list(Message.objects.filter(user_id=user.pk).order_by("-id")[:limit])


def unread_count(user: Any) -> int:
    return Message.objects.filter(user_id=user.pk, read_at__isnull=True).count()


def working_days_left(case: Case, today: date | None = None) -> int | None:
    if case.promised_due is None:
        return None
    return workdays.working_days_between(today or timezone.localdate(), case.promised_due)


# --- for dossiers and electronic archives (read-only) -------------------------------------


def applicant_index(value: str) -> str:
    """The blind index of a normalised citizen ID number or USCC, as ``applicant_id_index``
    stores it (the key of 一人一档 / 一企一档 on the cases' side)."""
    return blind_index(value, purpose=ID_PURPOSE)


def cases_of_applicant(id_index: str, *, limit: int = 200) -> list[Case]:
    """Cases filed for the applicant with this blind index, newest first (no drafts; the
    members of a bundle are shown in their bundle)."""
    if not id_index:
        return []
    return list(
        Case.objects.filter(applicant_id_index=id_index)
        .exclude(status=CaseStatus.DRAFT)
        .exclude(kind=CaseKind.CHILD)
        .select_related("department")
        .defer(*LIST_DEFERRED)
        .order_by("-created_at", "-id")[:limit]
    )


def open_cases_of_applicant(id_index: str) -> list[Case]:
    """The applicant's cases still being handled (a staff member's ground to read the
    dossier is one of these that :func:`may_view` lets them see)."""
    if not id_index:
        return []
    return list(
        Case.objects.filter(applicant_id_index=id_index, status__in=OPEN_STATUSES)
        .select_related("department")
        .defer(*LIST_DEFERRED)
        .order_by("-created_at", "-id")[:50]
    )


def reusable_material_files(id_index: str, *, limit: int = 200) -> list[CaseFile]:
    """Files of materials accepted in the applicant's earlier cases, newest first: exactly
    what a later application may reuse with the applicant's consent (``reusable_files``)."""
    if not id_index:
        return []
    return list(
        _accepted_files(id_index)
        .select_related("material__case", "blob")
        .defer(*(f"material__case__{name}" for name in LIST_DEFERRED))
        .order_by("-uploaded_at", "-id")[:limit]
    )


def case_material_files(case: Case) -> list[CaseFile]:
    """Every uploaded file of the case's materials, in the materials' order."""
    return list(
        CaseFile.objects.filter(material__case_id=case.pk)
        .select_related("material", "blob")
        .order_by("material__sort_order", "material_id", "id")
    )


def case_notices(case: Case) -> list[Notice]:
    """The case's notices and decisions (受理通知书, 决定书 …) in the order issued."""
    return list(Notice.objects.filter(case_id=case.pk).order_by("issued_at", "id"))


def credit_records_of(id_index: str, *, limit: int = 100) -> list[CreditRecord]:
    """Credit records of the subject with this blind index (a false 告知承诺 so far)."""
    if not id_index:
        return []
    return list(
        CreditRecord.objects.filter(subject_id_index=id_index)
        .select_related("case")
        .defer(*(f"case__{name}" for name in LIST_DEFERRED))
        .order_by("-recorded_at", "-id")[:limit]
    )


def item_type_of(case: Case) -> str:
    """The catalogue item type (GB/T 39046 A.1, "01" 行政许可 …) of the case's item, or ""."""
    if case.item_version_id is None:
        return ""
    version = case.item_version
    item = getattr(version, "item", None)
    return str(getattr(item, "item_type", "") or "")


# --- reusable materials (a material accepted once, reused with consent) ----------------------

# An earlier case whose materials were accepted: 受理 happened (and it was not undone).
ACCEPTED_STATUSES = (
    CaseStatus.IN_PROGRESS,
    CaseStatus.SUSPENDED,
    CaseStatus.DECIDED,
    CaseStatus.CONCLUDED,
)


def _accepted_files(id_index: str) -> QuerySet[CaseFile]:
    """Files the applicant with this ID index supplied in cases that were accepted and not
    ended without a result (the reusable ones)."""
    return CaseFile.objects.filter(
        material__case__applicant_id_index=id_index,
        material__case__status__in=ACCEPTED_STATUSES,
        material__case__accepted_at__isnull=False,
    )


def _earlier_files(case: Case) -> QuerySet[CaseFile]:
    """Files the same applicant (same ID number or USCC) supplied in earlier accepted cases."""
    return (
        _accepted_files(case.applicant_id_index)
        .filter(material__case__applicant_kind=case.applicant_kind)
        .exclude(material__case=case)
        .select_related("blob", "material", "material__case")
        .order_by("-material__case__accepted_at", "-id")
    )


def reusable_files(case: Case) -> dict[str, list[CaseFile]]:
    """For each material of a draft not yet provided: files of the same material (same key,
    or same name) accepted in the applicant's earlier cases, newest first, one per content."""
    if case.status != CaseStatus.DRAFT or not case.applicant_id_index:
        return {}
    open_materials = [m for m in case.materials.all() if not m.source]
    if not open_materials:
        return {}
    keys = {m.key for m in open_materials}
    names = {m.name for m in open_materials}
    found: dict[str, list[CaseFile]] = {}
    seen: set[tuple[str, str]] = set()
    earlier = _earlier_files(case).filter(Q(material__key__in=keys) | Q(material__name__in=names))
    for f in earlier[:200]:
        for m in open_materials:
            if f.material.key != m.key and f.material.name != m.name:
                continue
            if (m.key, f.blob_id) in seen:
                continue
            seen.add((m.key, f.blob_id))
            found.setdefault(m.key, []).append(f)
    return found


def reusable_file(case: Case, material: Any, file_id: Any) -> CaseFile | None:
    """One earlier file the applicant may reuse for ``material`` (None if not theirs, not
    accepted, or of another material)."""
    try:
        pk = int(file_id)
    except (TypeError, ValueError):
        return None
    if not case.applicant_id_index:
        return None
    return (
        _earlier_files(case)
        .filter(pk=pk)
        .filter(Q(material__key=material.key) | Q(material__name=material.name))
        .first()
    )


def concluded_case_ids(*, limit: int = 500) -> list[int]:
    """Ids of concluded cases, most recently concluded first (archive backfill)."""
    return list(
        Case.objects.filter(status=CaseStatus.CONCLUDED, concluded_at__isnull=False)
        .order_by("-concluded_at", "-id")
        .values_list("pk", flat=True)[:limit]
    )


def case_by_number(number: str) -> Case | None:
    """A case by its number with no viewer (archive backfill by number)."""
    number = (number or "").strip()
    if not number:
        return None
    return Case.objects.select_related("item_version", "department").filter(number=number).first()

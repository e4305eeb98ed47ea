"""Every state change of dossiers and electronic archives.

- :func:`dossier_read_by_staff` — a staff member reads a dossier on a ground; the read is
  audited (``dossier.read``) and shown to the owner.
- :func:`on_case_concluded` → task → :func:`archive_build` — the archive package of a
  concluded case, idempotent and safe to run twice or concurrently (a claim row with a build
  token; files are content-checked before being rewritten).
- :func:`archive_check` — the four-properties test, recorded as an ``ArchiveCheck``.
- :func:`disposal_propose` / :func:`disposal_decide` — 销毁 after retention, four eyes.
"""

from __future__ import annotations

import logging
import secrets
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from zhengwu.accounts import policies as account_policies
from zhengwu.accounts import selectors as account_selectors
from zhengwu.cases import selectors as case_selectors
from zhengwu.cases.blobs import read_blob
from zhengwu.cases.documents_service import notice_pdf
from zhengwu.dossiers import archives, policies, selectors
from zhengwu.dossiers.choices import DisposalStatus, FileRole, PackageStatus, Property
from zhengwu.dossiers.models import ArchiveCheck, ArchivePackage, DisposalRequest
from zhengwu.kernel.actors import SYSTEM, Actor
from zhengwu.kernel.audit import audit_record
from zhengwu.kernel.crypto import sm3_hex
from zhengwu.kernel.errors import Conflict, InvalidInput, NotAllowed, NotFound
from zhengwu.kernel.masking import MaskKind, mask
from zhengwu.kernel.models import AuditEntry
from zhengwu.licences import access as licence_access
from zhengwu.licences import signing
from zhengwu.org import selectors as org_selectors

logger = logging.getLogger(__name__)

STALE_BUILD = timedelta(minutes=15)
DEFAULT_RETENTION_YEARS = 30  # when no rule matches (the seeded default row was deleted)
REASON_MAX = 2000


# --- dossiers ---------------------------------------------------------------------------------


def dossier_read_by_staff(*, user: Any, code: str, channel: str = "workbench") -> Any:
    """The parts of a dossier that ``user``'s grounds allow; audited as ``dossier.read``.

    ``code`` is the ID number or USCC as typed (422 naming ``code`` for a wrong check
    character). No ground → 403, and nothing is read or written.
    """
    if not policies.may_look_up_dossiers(user):
        raise NotAllowed("仅限工作人员查询档案", "Only staff look up dossiers", field="code")
    subject = selectors.subject_from_code(code, field="code")
    grounds = selectors.staff_grounds(user, subject)
    if not grounds:
        raise NotAllowed(
            "您没有查看该档案的依据：须是您正在办理的该申请人的办件，或申请人给本部门的用证授权",
            "You have no ground to read this dossier: a case of this applicant that you are "
            "handling, or a use grant of the holder to your department",
            field="code",
            code="no_ground",
        )
    parts = selectors.parts_of(grounds)
    dossier = selectors.gather(
        subject,
        parts,
        owner_view=False,
        licences=selectors.licences_allowed(subject, grounds),
    )
    dossier.grounds = grounds
    department_id = account_policies.staff_department_id(user)
    department = org_selectors.department_by_id(department_id) if department_id else None
    # The licences shown are reads the holder sees in each licence's read log, too.
    case_ground = next((g for g in grounds if g.case_id is not None), None)
    grant_ids = {
        licence.pk: ground.grant_id
        for ground in grounds
        if ground.grant_id is not None
        for licence in ground.licences
    }
    with transaction.atomic():  # the reads and the audit entry, or none of them
        licence_access.record_reads(
            user,
            list(dossier.licences),
            case_id=case_ground.case_id if case_ground is not None else None,
            grant_ids=grant_ids,
        )
        audit_record(
            action=selectors.READ_ACTION,
            object_type=selectors.DOSSIER_OBJECT,
            object_id=subject.key,
            actor=account_selectors.actor_for(user, channel=channel),
            after={
                "reader": str(user),
                "department": department.name if department is not None else "",
                "grounds": [g.label for g in grounds],
                "ground_kinds": sorted({g.kind for g in grounds}),
                "case_numbers": [g.case_number for g in grounds if g.case_number],
                "grant_ids": [g.grant_id for g in grounds if g.grant_id],
                "parts": sorted(parts),
                "subject": subject.masked_code,
            },
        )
    return dossier


# --- archives: build --------------------------------------------------------------------------


def on_case_concluded(event: str, payload: dict[str, Any]) -> None:
    """``case.concluded`` (runs after the case's commit): queue the archive build. The task
    backend runs it (inline in tests and the embedded mode's immediate backend)."""
    from zhengwu.dossiers import tasks

    try:
        tasks.build_archive.enqueue(case_id=int(payload["case_id"]))
    except Exception:
        # The daily check (tasks.check_archives) backfills packages that were never built.
        logger.exception("could not queue the archive build of case %s", payload.get("case_id"))


def retention_until(concluded_on: date, years: int) -> date:
    """档案保管期限 counts from 1 January of the year after the record was formed: a case
    concluded in 2026 kept 30 years is kept to 31 December 2056."""
    return date(concluded_on.year + years, 12, 31)


def _retention(item_type: str, case_type: str, concluded_on: date) -> dict[str, Any]:
    rule = selectors.rule_for(item_type, case_type)
    if rule is not None and rule.years is None:
        return {"permanent": True, "years": None, "until": ""}
    years = rule.years if rule is not None and rule.years else DEFAULT_RETENTION_YEARS
    return {
        "permanent": False,
        "years": years,
        "until": retention_until(concluded_on, years).isoformat(),
    }


def _iso(value: datetime | date | None) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).isoformat(timespec="seconds")
    return value.isoformat()


def _masked_applicant(case: Any) -> dict[str, str]:
    if case.applicant_id_type == "001":  # USCC: public data (GB 32100), shown as it is
        return {"name": case.applicant_name, "id_number": case.applicant_id_number}
    return {
        "name": mask(case.applicant_name, MaskKind.NAME),
        "id_number": mask(case.applicant_id_number, MaskKind.CITIZEN_ID),
    }


def _metadata(case: Any, department_name: str) -> dict[str, Any]:
    return {
        "case_number": case.number or "",
        "item_name": case.item_name,
        "implementation_code": case.implementation_code,
        "case_type": case.case_type,
        "kind": case.kind,
        "channel": case.channel,
        "applicant_kind": case.applicant_kind,
        "applicant_id_type": case.applicant_id_type,
        "applicant": _masked_applicant(case),
        "agent": mask(case.agent_name, MaskKind.NAME) if case.agent_name else "",
        "department": department_name,
        "status": case.status,
        "decision": case.decision,
        "decision_reason": case.decision_reason,
        "result_number": case.result_number,
        "dates": {
            "submitted_at": _iso(case.submitted_at),
            "received_on": _iso(case.received_on),
            "accepted_at": _iso(case.accepted_at),
            "promised_due": _iso(case.promised_due),
            "statutory_due": _iso(case.statutory_due),
            "decided_at": _iso(case.decided_at),
            "concluded_at": _iso(case.concluded_at),
        },
        "timeline": [
            {"at": _iso(e.occurred_at), "code": e.code, "message": e.message}
            for e in case_selectors.timeline(case, public_only=False)
        ],
    }


def _audit_trail(case_id: int) -> list[dict[str, Any]]:
    """The case's entries of the hash-chained audit log (already masked when written)."""
    entries = AuditEntry.objects.filter(object_type="case", object_id=str(case_id)).order_by(
        "occurred_at", "chain", "sequence"
    )
    return [
        {
            "chain": e.chain,
            "sequence": e.sequence,
            "occurred_at": e.occurred_at.isoformat(timespec="microseconds"),
            "actor_type": e.actor_type,
            "actor_label": e.actor_label,
            "actor_role": e.actor_role,
            "channel": e.channel,
            "action": e.action,
            "before": e.before,
            "after": e.after,
            "request_id": e.request_id,
            "prev_hash": e.prev_hash,
            "entry_hash": e.entry_hash,
        }
        for e in entries
    ]


def _files(case: Any, department_name: str) -> list[archives.PackageFile]:
    files = [
        archives.PackageFile(
            "metadata.json",
            FileRole.METADATA,
            "json",
            archives.json_bytes(_metadata(case, department_name)),
            "办件元数据 / case metadata",
        )
    ]
    for n, case_file in enumerate(case_selectors.case_material_files(case), start=1):
        material = case_file.material
        blob = case_file.blob
        files.append(
            archives.PackageFile(
                f"materials/{n:02d}-{archives.safe_part(material.key)}.{blob.file_type}",
                FileRole.MATERIAL,
                blob.file_type,
                read_blob(blob),
                f"{material.name} · {case_file.filename}",
            )
        )
    for n, notice in enumerate(case_selectors.case_notices(case), start=1):
        files.append(
            archives.PackageFile(
                f"documents/{n:02d}-{archives.safe_part(notice.kind)}.pdf",
                FileRole.DOCUMENT,
                "pdf",
                notice_pdf(notice),
                f"{notice.get_kind_display().split(' / ')[0]} {notice.number}",
            )
        )
    files.append(
        archives.PackageFile(
            "audit.json",
            FileRole.AUDIT,
            "json",
            archives.json_bytes({"object_type": "case", "entries": _audit_trail(case.pk)}),
            "审计记录 / audit trail",
        )
    )
    return files


def _claim(case: Any, *, force: bool) -> tuple[ArchivePackage, str | None]:
    """The package row of the case, claimed for this build (a token), or None when it is
    built already or another build is running (and is not stale)."""
    token = secrets.token_hex(16)
    now = timezone.now()
    with transaction.atomic():
        package = ArchivePackage.objects.select_for_update().filter(case_id=case.pk).first()
        if package is None:
            try:
                with transaction.atomic():
                    package = ArchivePackage.objects.create(
                        case_id=case.pk,
                        case_number=case.number or f"case-{case.pk}",
                        item_name=case.item_name,
                        case_type=case.case_type,
                        applicant_index=case.applicant_id_index,
                        department_id=case.department_id,
                        storage_prefix=archives.storage_prefix(case.number or f"case-{case.pk}"),
                        status=PackageStatus.BUILDING,
                        build_token=token,
                        build_started_at=now,
                    )
            except IntegrityError:
                return ArchivePackage.objects.get(case_id=case.pk), None
            return package, token
        if package.status != PackageStatus.BUILDING:
            return package, None
        running = package.build_started_at and now - package.build_started_at < STALE_BUILD
        if running and not force:
            return package, None
        package.build_token = token
        package.build_started_at = now
        package.save(update_fields=["build_token", "build_started_at"])
        return package, token


def archive_build(*, case_id: int, actor: Actor = SYSTEM, force: bool = False) -> ArchivePackage:
    """Build (once) the archive package of a concluded case. Safe to call again: a built
    package is returned as it is; a build interrupted half-way is resumed."""
    case = case_selectors.case_by_id(case_id)
    if case is None:
        raise NotFound("未找到该办件", "No such case", field="case_id")
    if case.concluded_at is None or case.is_open or not case.number:
        raise Conflict(
            "办件尚未办结，不能归档",
            "The case has not concluded; it cannot be archived yet",
            field="case_id",
            code="not_concluded",
        )
    package, token = _claim(case, force=force)
    if token is None:
        return package
    department = org_selectors.department_by_id(case.department_id) if case.department_id else None
    department_name = department.name if department is not None else ""
    item_type = case_selectors.item_type_of(case)
    concluded_on = timezone.localdate(case.concluded_at)
    retention = _retention(item_type, case.case_type, concluded_on)
    files = _files(case, department_name)  # reads blobs and renders notices: no transaction
    key = signing.active_key(archives.PLATFORM_SIGNER_CODE, archives.PLATFORM_SIGNER_NAME)
    manifest: dict[str, Any] = {
        "v": archives.MANIFEST_VERSION,
        "case_number": case.number,
        "item_name": case.item_name,
        "implementation_code": case.implementation_code,
        "item_type": item_type,
        "case_type": case.case_type,
        "department": department_name,
        "decision": case.decision,
        "concluded_at": _iso(case.concluded_at),
        "retention": retention,
        "signer": {"code": archives.PLATFORM_SIGNER_CODE, "key_id": key.key_id},
        "files": [f.entry() for f in files],
    }
    manifest_bytes = archives.canonical(manifest)
    signature = signing.sign_with(key, manifest_bytes)
    prefix = package.storage_prefix
    for f in files:
        archives.put(f"{prefix}/{f.path}", f.content)
    archives.put(f"{prefix}/{archives.MANIFEST_NAME}", manifest_bytes)
    with transaction.atomic():
        package = ArchivePackage.objects.select_for_update().get(pk=package.pk)
        if package.build_token != token:
            return package  # a later build took over (ours was stale): theirs stands
        package.status = PackageStatus.ARCHIVED
        package.build_token = ""
        package.item_type = item_type
        package.manifest = manifest
        package.manifest_sm3 = sm3_hex(manifest_bytes)
        package.signature = signature
        package.key_id = key.key_id
        package.file_count = len(files)
        package.total_size = sum(len(f.content) for f in files)
        package.retention_permanent = bool(retention["permanent"])
        package.retention_years = retention["years"]
        package.retention_until = (
            date.fromisoformat(retention["until"]) if retention["until"] else None
        )
        package.archived_at = timezone.now()
        package.save()
        audit_record(
            action="archive.built",
            object_type="archive",
            object_id=package.pk,
            actor=actor,
            after={
                "case_number": package.case_number,
                "files": package.file_count,
                "total_size": package.total_size,
                "manifest_sm3": package.manifest_sm3,
                "key_id": package.key_id,
                "retention": retention,
            },
        )
    return package


def archive_build_by_number(*, number: str, actor: Actor = SYSTEM, force: bool = False) -> Any:
    case = case_selectors.case_by_number(number)
    if case is None:
        raise NotFound("未找到该办件", "No such case", field="number")
    return archive_build(case_id=case.pk, actor=actor, force=force)


def archive_missing(*, limit: int = 500) -> int:
    """Build the packages of recently concluded cases that have none (a lost task)."""
    ids = case_selectors.concluded_case_ids(limit=limit)
    have = set(
        ArchivePackage.objects.filter(case_id__in=ids, status__in=PackageStatus.values)
        .exclude(status=PackageStatus.BUILDING)
        .values_list("case_id", flat=True)
    )
    built = 0
    for case_id in ids:
        if case_id in have:
            continue
        try:
            archive_build(case_id=case_id)
            built += 1
        except Exception:
            logger.exception("archive backfill of case %s failed", case_id)
    return built


# --- archives: the four-properties test -------------------------------------------------------


def _check_authenticity(result: archives.CheckResult, package: ArchivePackage) -> None:
    manifest = package.manifest or {}
    data = archives.canonical(manifest)
    if not manifest or not package.signature:
        result.fail(
            Property.AUTHENTICITY,
            "unsigned",
            "档案没有签名清单",
            "The package has no signed manifest",
        )
        return
    check = signing.check_signature(data, package.signature, package.key_id)
    if not check.valid:
        result.fail(
            Property.AUTHENTICITY,
            "bad_signature",
            f"清单签名验证失败：{check.message}",
            f"The manifest's signature does not verify: {check.message_en}",
            archives.MANIFEST_NAME,
        )
    if sm3_hex(data) != package.manifest_sm3:
        result.fail(
            Property.AUTHENTICITY,
            "manifest_changed",
            "清单与归档时的摘要不一致（被改动）",
            "The manifest differs from its digest recorded at archiving (altered)",
            archives.MANIFEST_NAME,
        )
    signer = manifest.get("signer") or {}
    if signer.get("key_id") != package.key_id or manifest.get("case_number") != (
        package.case_number
    ):
        result.fail(
            Property.AUTHENTICITY,
            "facts_differ",
            "档案记录与签名清单不一致（办件编号或签名密钥）",
            "The package record differs from the signed manifest (case number or key)",
        )
    stored = archives.read_stored(f"{package.storage_prefix}/{archives.MANIFEST_NAME}")
    if stored != data:
        result.fail(
            Property.AUTHENTICITY,
            "manifest_file_differs",
            "存储的清单文件与签名清单不一致或缺失",
            "The stored manifest file is missing or differs from the signed manifest",
            archives.MANIFEST_NAME,
        )


def archive_check(*, package_id: int, by: Any = None, today: date | None = None) -> ArchiveCheck:
    """Run the four-properties test on one package and record it."""
    package = ArchivePackage.objects.filter(pk=package_id).first()
    if package is None:
        raise NotFound("未找到该电子档案", "No such archive package", field="package_id")
    result = archives.CheckResult()
    if package.status == PackageStatus.BUILDING:
        result.fail(
            Property.INTEGRITY,
            "incomplete",
            "档案尚未归档完成",
            "The package has not been completely built",
        )
    else:
        disposed = package.status == PackageStatus.DISPOSED
        _check_authenticity(result, package)
        archives.check_files(
            result,
            prefix=package.storage_prefix,
            manifest=package.manifest or {},
            disposed=disposed,
        )
        archives.check_retention(
            result,
            manifest=package.manifest or {},
            permanent=package.retention_permanent,
            years=package.retention_years,
            until=package.retention_until,
            disposed=disposed,
            disposal_pending=package.disposals.filter(status=DisposalStatus.PROPOSED).exists(),
            today=today or timezone.localdate(),
        )
    with transaction.atomic():
        check = ArchiveCheck.objects.create(
            package=package,
            ok=result.ok,
            authenticity_ok=result.ok_for(Property.AUTHENTICITY),
            integrity_ok=result.ok_for(Property.INTEGRITY),
            usability_ok=result.ok_for(Property.USABILITY),
            security_ok=result.ok_for(Property.SECURITY),
            problems=result.problems,
            notes=result.notes,
            checked_by=str(by) if by is not None else "系统",
        )
        ArchivePackage.objects.filter(pk=package.pk).update(
            last_checked_at=check.checked_at, last_check_ok=result.ok
        )
    return check


def archive_check_all(*, by: Any = None, today: date | None = None) -> list[ArchiveCheck]:
    """Every package (built or disposed), oldest first, 500 rows at a time."""
    checks: list[ArchiveCheck] = []
    last = 0
    while True:
        ids = list(
            ArchivePackage.objects.filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", flat=True)[:500]
        )
        if not ids:
            return checks
        for package_id in ids:
            checks.append(archive_check(package_id=package_id, by=by, today=today))
        last = ids[-1]


def archive_check_as(*, user: Any, number: str) -> ArchiveCheck:
    """A check run from a page or the API by an administrator."""
    if not policies.may_run_checks(user):
        raise NotAllowed("只有系统管理员可以运行四性检测", "Only administrators run checks")
    package = selectors.access_package(user, number)
    return archive_check(package_id=package.pk, by=user)


# --- archives: disposal (four eyes) -----------------------------------------------------------


def _text(value: Any, field: str) -> str:
    text = str(value or "").strip()
    if not text:
        raise InvalidInput("请填写理由", "Give the reason", field=field, code="required")
    if len(text) > REASON_MAX:
        raise InvalidInput(
            f"理由最多 {REASON_MAX} 个字",
            f"At most {REASON_MAX} characters",
            field=field,
            code="too_long",
        )
    return text


def _require_retention_passed(package: ArchivePackage, today: date) -> None:
    if package.retention_permanent:
        raise Conflict(
            "该档案永久保管，不能销毁",
            "This archive is kept permanently and cannot be disposed of",
            field="package",
            code="retention_permanent",
        )
    until = package.retention_until
    if until is None or until >= today:
        shown = until.isoformat() if until else "?"
        raise Conflict(
            f"保管期限至 {shown} 才届满，届满前不能销毁",
            f"The retention period runs until {shown}; it cannot be disposed of before",
            field="package",
            code="retention_running",
            details={"retention_until": shown},
        )


def disposal_propose(
    *, number: str, by: Any, reason: str, today: date | None = None
) -> DisposalRequest:
    """An administrator proposes disposal of a package whose retention period has passed."""
    if not policies.may_propose_disposal(by):
        raise NotAllowed("只有系统管理员（档案管理员）可以提出销毁", "Only archivists propose")
    reason = _text(reason, "reason")
    today = today or timezone.localdate()
    visible = selectors.access_package(by, number)
    with transaction.atomic():
        package = ArchivePackage.objects.select_for_update().get(pk=visible.pk)
        if package.status != PackageStatus.ARCHIVED:
            raise Conflict(
                f"档案状态为“{package.get_status_display().split(' / ')[0]}”，不能提出销毁",
                f"The package is {package.status}; disposal cannot be proposed",
                field="package",
                code="bad_status",
            )
        _require_retention_passed(package, today)
        if package.disposals.filter(status=DisposalStatus.PROPOSED).exists():
            raise Conflict(
                "已有待审批的销毁申请",
                "A disposal is already awaiting approval",
                field="package",
                code="already_proposed",
            )
        request = DisposalRequest.objects.create(package=package, reason=reason, proposed_by=by)
        audit_record(
            action="archive.disposal_proposed",
            object_type="archive",
            object_id=package.pk,
            actor=account_selectors.actor_for(by, channel="workbench"),
            after={"request_id": request.pk, "reason": reason},
        )
    return request


def _delete_disposed_files(package_id: int) -> None:
    package = ArchivePackage.objects.filter(pk=package_id).first()
    if package is None:
        return
    for entry in (package.manifest or {}).get("files") or []:
        if entry.get("role") in archives.KEPT_ON_DISPOSAL:
            continue
        try:
            archives.remove(f"{package.storage_prefix}/{entry.get('path')}")
        except OSError:
            # Left behind: the next check reports it as a file the manifest no longer covers.
            logger.exception("could not delete a disposed file of archive %s", package_id)


def disposal_decide(
    *,
    request_id: int,
    by: Any,
    approve: bool,
    note: str = "",
    today: date | None = None,
) -> DisposalRequest:
    """Another administrator or a supervisor approves (files destroyed after commit; the
    manifest, metadata and audit trail are kept) or rejects the proposal."""
    if not policies.may_view_archives(by):
        raise NotAllowed("无权审批档案销毁", "You may not decide on disposals")
    note = str(note or "").strip()[:REASON_MAX]
    if not approve and not note:
        raise InvalidInput(
            "不予批准时请填写意见", "Give a note when rejecting", field="note", code="required"
        )
    today = today or timezone.localdate()
    with transaction.atomic():
        request = (
            DisposalRequest.objects.select_for_update()
            .select_related("package")
            .filter(pk=request_id)
            .first()
        )
        if request is None:
            raise NotFound("未找到该销毁申请", "No such disposal request", field="request_id")
        if request.status != DisposalStatus.PROPOSED:
            raise Conflict("该销毁申请已审批", "This disposal was decided already", code="decided")
        if not policies.may_decide_disposal(by, request.proposed_by_id):
            raise NotAllowed(
                "提出销毁的人不能审批自己的申请（双人审批）",
                "The proposer may not approve their own disposal (four eyes)",
                field="request_id",
                code="four_eyes",
            )
        package = ArchivePackage.objects.select_for_update().get(pk=request.package_id)
        now = timezone.now()
        request.decided_by = by
        request.decided_at = now
        request.decision_note = note
        if approve:
            _require_retention_passed(package, today)
            request.status = DisposalStatus.APPROVED
            package.status = PackageStatus.DISPOSED
            package.disposed_at = now
            package.save(update_fields=["status", "disposed_at"])
            transaction.on_commit(partial(_delete_disposed_files, package.pk))
        else:
            request.status = DisposalStatus.REJECTED
        request.save()
        audit_record(
            action="archive.disposed" if approve else "archive.disposal_rejected",
            object_type="archive",
            object_id=package.pk,
            actor=account_selectors.actor_for(by, channel="workbench"),
            after={"request_id": request.pk, "note": note, "proposed_by": request.proposed_by_id},
        )
    return request

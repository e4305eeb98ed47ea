"""API of dossiers and electronic archives, mounted at ``/api/v1/dossiers``.

- ``GET /me`` (``?enterprise_id=`` for an enterprise the caller belongs to): the owner's
  dossier, every part, with who has read it.
- ``POST /lookup`` ``{"code": …}`` (staff): the dossier parts the caller's grounds allow;
  422 naming ``code`` for a wrong check character, 403 without a ground; audited.
- ``GET /archives``, ``GET /archives/{number}`` (administrators, supervisors): packages,
  one package with its signed manifest and last four-properties check.
- ``POST /archives/{number}/check`` (administrators): run the check now.
- ``POST /archives/{number}/disposals`` (administrators) and
  ``POST /archives/{number}/disposals/{id}/decide`` (another administrator or a supervisor).
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from zhengwu.accounts import policies as account_policies
from zhengwu.dossiers import selectors, services
from zhengwu.dossiers.models import ArchiveCheck, ArchivePackage, DisposalRequest
from zhengwu.dossiers.schemas import (
    CheckOut,
    DecideIn,
    DisposalIn,
    DisposalOut,
    DossierOut,
    LookupIn,
    PackageDetailOut,
    PackageOut,
)
from zhengwu.kernel.errors import NotAllowed, NotFound
from zhengwu.kernel.masking import MaskKind, display

router = Router(tags=["dossiers"])

CREDIT_NOTE = (
    "目前仅有办件中产生的信用记录（告知承诺不实）；奖惩、修复等随信用域提供 / Only records "
    "from cases (a false commitment) so far; rewards, penalties and repair come with the "
    "credit domain"
)


def _zh(label: Any) -> str:
    return str(label).partition(" / ")[0]


def _dossier_out(viewer: Any, dossier: Any) -> dict[str, Any]:
    subject = dossier.subject
    if dossier.owner_view:
        name, code = subject.name, subject.masked_code
    else:
        clearance = account_policies.clearance_for(viewer)
        kind = MaskKind.CITIZEN_ID if subject.kind == "citizen" else MaskKind.USCC
        name = display(subject.name, MaskKind.NAME, level=2, clearance=clearance)
        code = display(subject.code, kind, level=4, clearance=clearance)
    return {
        "kind": subject.kind,
        "name": name,
        "code": code,
        "parts": sorted(dossier.parts),
        "cases": [
            {
                "number": c.number,
                "item_name": c.item_name,
                "status": c.status,
                "status_label": _zh(c.get_status_display()),
                "department": c.department.name if c.department_id else None,
                "submitted_at": c.submitted_at,
                "concluded_at": c.concluded_at,
            }
            for c in dossier.cases
        ],
        "licences": [
            {
                "id": lic.pk,
                "identifier": lic.identifier,
                "number": lic.number,
                "type_name": lic.type_name,
                "issuer_name": lic.issuer_name,
                "status": lic.status,
                "valid_from": lic.valid_from,
                "valid_until": lic.valid_until,
            }
            for lic in dossier.licences
        ],
        "materials": [
            {
                "material": f.material.name,
                "filename": f.filename,
                "file_type": f.blob.file_type,
                "size": f.blob.size,
                "case_number": f.material.case.number,
                "uploaded_at": f.uploaded_at,
            }
            for f in dossier.materials
        ],
        "ratings": [
            {
                "subject_type": r.subject_type,
                "subject_key": r.subject_key,
                "item_name": r.item_name,
                "level": r.level,
                "rated_at": r.rated_at,
            }
            for r in dossier.ratings
        ],
        "tickets": [
            {
                "number": t.number,
                "category": t.category,
                "status": t.status,
                "received_at": t.received_at,
            }
            for t in dossier.tickets
        ],
        "credit": [
            {
                "kind": cr.kind,
                "description": cr.description,
                "case_number": cr.case.number,
                "recorded_at": cr.recorded_at,
            }
            for cr in dossier.credit
        ],
        "credit_note": CREDIT_NOTE if "credit" in dossier.parts else "",
        "grounds": [
            {
                "kind": g.kind,
                "label": g.label,
                "case_number": g.case_number,
                "grant_id": g.grant_id,
                "until": g.until,
            }
            for g in dossier.grounds
        ],
        "reads": [
            {
                "at": r.at,
                "reader": r.reader,
                "department": r.department,
                "ground": r.ground,
                "parts": list(r.parts),
            }
            for r in dossier.reads
        ],
    }


@router.get("/me", response=DossierOut, summary="My dossier (一人一档 / 一企一档)")
def my_dossier(
    request: HttpRequest,
    enterprise_id: int | None = Query(None, ge=1, le=2**63 - 1, description="企业 / enterprise"),
) -> dict[str, Any]:
    dossier = selectors.owner_dossier(request.user, enterprise_id=enterprise_id)
    return _dossier_out(request.user, dossier)


@router.post("/lookup", response=DossierOut, summary="Look up a dossier (staff, with a ground)")
def lookup(request: HttpRequest, payload: LookupIn) -> dict[str, Any]:
    dossier = services.dossier_read_by_staff(user=request.user, code=payload.code, channel="api")
    return _dossier_out(request.user, dossier)


# --- archives ---------------------------------------------------------------------------------


def _archive_staff(request: HttpRequest) -> Any:
    from zhengwu.dossiers import policies

    if not policies.may_view_archives(request.user):
        raise NotAllowed("仅限档案管理人员", "Archive staff only")
    return request.user


def _package_out(package: ArchivePackage) -> dict[str, Any]:
    return {
        "case_number": package.case_number,
        "item_name": package.item_name,
        "item_type": package.item_type,
        "status": package.status,
        "department": package.department.name if package.department_id else None,
        "archived_at": package.archived_at,
        "disposed_at": package.disposed_at,
        "retention_permanent": package.retention_permanent,
        "retention_years": package.retention_years,
        "retention_until": package.retention_until,
        "file_count": package.file_count,
        "total_size": package.total_size,
        "manifest_sm3": package.manifest_sm3,
        "key_id": package.key_id,
        "last_check_ok": package.last_check_ok,
        "last_checked_at": package.last_checked_at,
    }


def _check_out(check: ArchiveCheck) -> dict[str, Any]:
    return {
        "id": check.pk,
        "case_number": check.package.case_number,
        "checked_at": check.checked_at,
        "ok": check.ok,
        "authenticity_ok": check.authenticity_ok,
        "integrity_ok": check.integrity_ok,
        "usability_ok": check.usability_ok,
        "security_ok": check.security_ok,
        "problems": list(check.problems or []),
        "notes": list(check.notes or []),
    }


def _disposal_out(request: DisposalRequest) -> dict[str, Any]:
    return {
        "id": request.pk,
        "case_number": request.package.case_number,
        "status": request.status,
        "reason": request.reason,
        "proposed_by": str(request.proposed_by),
        "proposed_at": request.proposed_at,
        "decided_by": str(request.decided_by) if request.decided_by_id else None,
        "decided_at": request.decided_at,
        "decision_note": request.decision_note,
    }


@router.get("/archives", response=list[PackageOut], summary="Archive packages")
def list_packages(
    request: HttpRequest,
    status: str | None = Query(None, max_length=10, description="状态 / status"),
    failing: bool = Query(False, description="仅检测未通过 / failing only"),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> list[dict[str, Any]]:
    user = _archive_staff(request)
    qs = selectors.packages(user, status=status or "", failing=failing)
    return [_package_out(p) for p in qs[offset : offset + limit]]


@router.get("/archives/{number}", response=PackageDetailOut, summary="One archive package")
def package_detail(request: HttpRequest, number: str) -> dict[str, Any]:
    user = _archive_staff(request)
    package = selectors.access_package(user, number)
    checks = selectors.checks_of(package, limit=1)
    return {
        **_package_out(package),
        "manifest": package.manifest or {},
        "signature": package.signature,
        "last_check": _check_out(checks[0]) if checks else None,
    }


@router.post("/archives/{number}/check", response=CheckOut, summary="Run the four-properties test")
def run_check(request: HttpRequest, number: str) -> dict[str, Any]:
    _archive_staff(request)
    return _check_out(services.archive_check_as(user=request.user, number=number))


@router.post(
    "/archives/{number}/disposals", response={201: DisposalOut}, summary="Propose disposal"
)
def propose(request: HttpRequest, number: str, payload: DisposalIn) -> Status:
    _archive_staff(request)
    proposal = services.disposal_propose(number=number, by=request.user, reason=payload.reason)
    return Status(201, _disposal_out(proposal))


@router.post(
    "/archives/{number}/disposals/{int:request_id}/decide",
    response=DisposalOut,
    summary="Approve or reject a disposal (another person)",
)
def decide(request: HttpRequest, number: str, request_id: int, payload: DecideIn) -> dict[str, Any]:
    user = _archive_staff(request)
    package = selectors.access_package(user, number)
    if not package.disposals.filter(pk=request_id).exists():
        raise NotFound("未找到该销毁申请", "No such disposal request", field="request_id")
    decided = services.disposal_decide(
        request_id=request_id, by=user, approve=payload.approve, note=payload.note
    )
    return _disposal_out(decided)

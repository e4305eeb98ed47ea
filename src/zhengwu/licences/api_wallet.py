"""API of the licence wallet and licence use, mounted at ``/api/v1/licences``.

Holders (authenticated like every API call: a bearer token or a session + CSRF):

- ``GET /wallet`` — my licences and my enterprises'; ``GET /wallet/{id}`` — one (records a
  view: ``mobile`` for a phone's User-Agent, else ``api``); ``GET /wallet/{id}/reads`` — who
  read it (用证记录);
- ``POST /wallet/{id}/token`` — a dynamic licence code (60 s, one-time);
- ``POST /codes/token`` — 一人一码, or 一企一码 with ``{"enterprise_id": …}``;
- ``GET /grants``, ``POST /grants``, ``GET /grants/{id}``, ``POST /grants/{id}/revoke`` — 用证授权.

Staff:

- ``POST /scan`` ``{"token": …}`` — the live licence(s) behind a scanned code (expired 422
  ``token_expired``, used 409 ``token_used``, forged 422 ``token_invalid``; all logged);
- ``GET /scan/granted`` — grants usable by the caller; ``GET
  /scan/granted/{grant_id}/licences/{licence_id}`` — read one (logged; expired or revoked
  403).

Another holder's licence or grant is 404.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from django.http import HttpRequest
from ninja import Router, Schema, Status
from pydantic import ConfigDict, Field, StrictInt

from zhengwu.licences import access, selectors
from zhengwu.licences.choices import LicenceStatus, ReadVia
from zhengwu.licences.models import Licence, UseGrant

router = Router(tags=["licences"])


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class CodeTokenIn(_In):
    enterprise_id: StrictInt | None = Field(
        None, description="一企一码: 企业 id（空为一人一码）/ enterprise id (empty: personal)"
    )


class GrantIn(_In):
    licence_ids: list[StrictInt] = Field(min_length=1, max_length=50, description="证照 id")
    grantee_kind: Literal["department", "case"] = Field(description="部门 / 办件")
    department_id: StrictInt | None = Field(None, description="被授权部门 id")
    case_number: str = Field("", max_length=64, description="办件编号（须为本人办件）")
    purpose: str = Field(min_length=1, max_length=1000, description="用途（≤200 字）")
    valid_until: datetime = Field(description="授权截止（≤ 90 天）/ grant ends (≤ 90 days)")


class ScanIn(_In):
    token: str = Field(min_length=1, max_length=2000, description="扫描所得二维码内容")


def _zh(label: Any) -> str:
    return str(label).partition(" / ")[0]


STATUS_LABELS = dict(LicenceStatus.choices)
VIA_LABELS = dict(ReadVia.choices)


def _licence_out(viewer: Any, licence: Licence, *, full: bool = False) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": licence.pk,
        "identifier": licence.identifier,
        "number": licence.number,
        "type_code": licence.type_code,
        "type_name": licence.type_name,
        "issuer_name": licence.issuer_name,
        "holder_name": access.holder_name_for(viewer, licence),
        "holder_code": access.holder_code_for(viewer, licence),
        "holder_code_type": licence.holder_code_type,
        "issue_date": licence.issue_date,
        "valid_from": licence.valid_from,
        "valid_until": licence.valid_until,
        "status": licence.status,
        "status_label": _zh(STATUS_LABELS.get(licence.status, licence.status)),
        "valid_now": selectors.is_valid_now(licence),
    }
    if full:
        out["metadata"] = dict(licence.metadata or {})
        out["key_id"] = licence.key_id
    return out


def _token_out(token: access.DynamicToken) -> dict[str, Any]:
    return {
        "token": token.token,
        "purpose": token.purpose,
        "expires_at": token.expires_at,
        "ttl": token.ttl,
    }


def _grant_out(grant: UseGrant) -> dict[str, Any]:
    return {
        "id": grant.pk,
        "grantee_kind": grant.grantee_kind,
        "department_id": grant.department_id,
        "department": grant.department.name if grant.department is not None else None,
        "case_number": grant.case.number if grant.case is not None else None,
        "purpose": grant.purpose,
        "valid_until": grant.valid_until,
        "revoked_at": grant.revoked_at,
        "created_at": grant.created_at,
        "active": access.grant_is_active(grant),
        "licence_ids": sorted(lic.pk for lic in grant.licences.all()),
    }


def _live_out(viewer: Any, live: access.LiveLicence) -> dict[str, Any]:
    out = _licence_out(viewer, live.licence, full=True)
    out["holder_name"] = access.holder_name_for(viewer, live.licence)
    out["valid_now"] = live.valid_now
    out["signature_valid"] = live.signature.valid
    out["signature_reason"] = live.signature.reason
    out["read_id"] = live.read.pk if live.read is not None else None
    return out


# --- the holder's wallet -----------------------------------------------------------------------


@router.get("/wallet", summary="My licences (wallet)")
def wallet(request: HttpRequest) -> list[dict[str, Any]]:
    return [_licence_out(request.user, lic) for lic in selectors.wallet(request.user)]


@router.get("/wallet/{int:licence_id}", summary="One licence of my wallet")
def wallet_detail(request: HttpRequest, licence_id: int) -> dict[str, Any]:
    licence = selectors.licence_for_holder(request.user, licence_id)
    channel = access.channel_for(request.headers.get("User-Agent", ""))
    access.record_view(licence, "mobile" if channel == "mobile" else "api")
    return _licence_out(request.user, licence, full=True)


@router.get("/wallet/{int:licence_id}/reads", summary="Who read my licence (用证记录)")
def wallet_reads(request: HttpRequest, licence_id: int) -> list[dict[str, Any]]:
    return [
        {
            "at": r.at,
            "department": r.department,
            "reader": r.reader,
            "via": r.via,
            "via_label": _zh(r.via_label),
            "purpose": r.purpose,
            "case_number": r.case_number,
        }
        for r in access.reads_of(request.user, licence_id)
    ]


@router.post("/wallet/{int:licence_id}/token", response={201: dict}, summary="Dynamic licence code")
def wallet_token(request: HttpRequest, licence_id: int) -> Status:
    return Status(201, _token_out(access.issue_licence_token(request.user, licence_id)))


@router.post("/codes/token", response={201: dict}, summary="Personal / enterprise code")
def code_token(request: HttpRequest, payload: CodeTokenIn | None = None) -> Status:
    enterprise_id = payload.enterprise_id if payload is not None else None
    token = access.issue_code_token(request.user, enterprise_id=enterprise_id)
    return Status(201, _token_out(token))


# --- grants ------------------------------------------------------------------------------------


@router.get("/grants", summary="My grants (用证授权)")
def grants(request: HttpRequest) -> list[dict[str, Any]]:
    return [_grant_out(g) for g in access.grants_of(request.user)]


@router.post("/grants", response={201: dict}, summary="Grant the use of licences")
def create_grant(request: HttpRequest, payload: GrantIn) -> Status:
    grant = access.create_grant(
        request.user,
        licence_ids=payload.licence_ids,
        grantee_kind=payload.grantee_kind,
        department_id=payload.department_id,
        case_number=payload.case_number,
        purpose=payload.purpose,
        valid_until=payload.valid_until,
    )
    return Status(201, _grant_out(access.grant_for_holder(request.user, grant.pk)))


@router.get("/grants/{int:grant_id}", summary="One of my grants")
def grant_detail(request: HttpRequest, grant_id: int) -> dict[str, Any]:
    return _grant_out(access.grant_for_holder(request.user, grant_id))


@router.post("/grants/{int:grant_id}/revoke", summary="Revoke a grant")
def revoke_grant(request: HttpRequest, grant_id: int) -> dict[str, Any]:
    return _grant_out(access.revoke_grant(request.user, grant_id))


# --- staff -------------------------------------------------------------------------------------


@router.post("/scan", summary="Scan a dynamic licence code or a personal code (staff)")
def scan(request: HttpRequest, payload: ScanIn) -> dict[str, Any]:
    result = access.scan(request.user, payload.token)
    return {
        "purpose": result.purpose,
        "holder_kind": result.holder_kind,
        "holder_name": result.holder_name,
        "holder_code": result.holder_code,
        "presented_by": result.presented_by,
        "licences": [_live_out(request.user, live) for live in result.licences],
    }


@router.get("/scan/granted", summary="Grants I may use (staff)")
def scan_granted(request: HttpRequest) -> list[dict[str, Any]]:
    access.require_staff(request.user)
    return [_grant_out(g) for g in access.grants_for_staff(request.user)]


@router.get(
    "/scan/granted/{int:grant_id}/licences/{int:licence_id}",
    summary="Read a granted licence (staff)",
)
def scan_granted_read(request: HttpRequest, grant_id: int, licence_id: int) -> dict[str, Any]:
    return _live_out(request.user, access.read_granted(request.user, grant_id, licence_id))

"""Staff API of the e-licence register, mounted at ``/api/v1/licences`` (next to the public
verification and wallet routers).

- Types: ``GET /types``, ``GET /types/{code}`` (staff); ``POST /types``, ``PATCH
  /types/{code}`` (administrators).
- Register: ``GET /issued`` (search; holder masked), ``GET /issued/{id}``, ``POST /issued``
  (direct issuance by staff of the issuing department).
- Lifecycle: ``POST /{id}/status``, ``POST /{id}/renew``, ``POST /{id}/change``.
- Bulk import: ``POST /import`` (multipart ``file``: xlsx, per-row report),
  ``GET /import/template[?type_code=]``.
- Keys: ``GET /keys`` (administrators; public material only), ``POST /keys/rotate``,
  ``POST /keys/foreign`` (register another issuer's public key).
- ``POST /foreign-import``: a licence signed by another issuer (JSON export format),
  verified before it is stored.

Handlers parse, call one service or selector and shape the answer; refusals are the
platform's error body ``{code, message, message_en, field}``.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import File, Form, Query, Router, Schema, Status
from ninja.files import UploadedFile
from pydantic import ConfigDict, Field, StrictBool

from zhengwu.accounts import selectors as account_selectors
from zhengwu.kernel.errors import InvalidInput, NotAllowed, NotFound
from zhengwu.licences import imports, policies, register, selectors, services
from zhengwu.licences.choices import LicenceStatus
from zhengwu.licences.models import IssuerKey, Licence, LicenceType

router = Router(tags=["licences"])
CHANNEL = "api"


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class TypeIn(_In):
    code: str = Field(max_length=21)
    name: str = Field(max_length=100)
    name_en: str = Field("", max_length=150)
    defining_body: str = Field(max_length=200)
    holder_kind: str = Field("either", max_length=12)
    metadata_schema: list[dict[str, Any]] = Field(default_factory=list, max_length=60)
    validity_years: int | None = None
    template: str = Field("standard", max_length=32)
    replaces: list[str] = Field(default_factory=list, max_length=30)
    common: StrictBool = True
    active: StrictBool = True


class TypePatch(_In):
    name: str | None = Field(None, max_length=100)
    name_en: str | None = Field(None, max_length=150)
    defining_body: str | None = Field(None, max_length=200)
    holder_kind: str | None = Field(None, max_length=12)
    metadata_schema: list[dict[str, Any]] | None = Field(None, max_length=60)
    validity_years: int | None = None
    template: str | None = Field(None, max_length=32)
    replaces: list[str] | None = Field(None, max_length=30)
    common: StrictBool | None = None
    active: StrictBool | None = None


class IssueIn(_In):
    type_code: str = Field(max_length=30)
    holder_name: str = Field(max_length=300)
    holder_code: str = Field(max_length=30)
    holder_code_type: str | None = Field(None, max_length=3)
    number: str = Field("", max_length=100)
    metadata: dict[str, Any] = Field(default_factory=dict)
    issue_date: date | None = None
    valid_from: date | None = None
    valid_until: date | None = None
    department_id: int | None = None


class StatusIn(_In):
    status: str = Field(max_length=12)
    reason: str = Field(max_length=2000)


class RenewIn(_In):
    reason: str = Field("", max_length=2000)
    metadata: dict[str, Any] | None = None
    number: str = Field("", max_length=100)
    valid_from: date | None = None
    valid_until: date | None = None


class ChangeIn(_In):
    reason: str = Field(max_length=2000)
    metadata: dict[str, Any] | None = None
    holder_name: str | None = Field(None, max_length=300)
    number: str = Field("", max_length=100)


class RotateIn(_In):
    issuer_code: str = Field(max_length=18)


class ForeignKeyIn(_In):
    issuer_code: str = Field(max_length=18)
    issuer_name: str = Field(max_length=300)
    public_key_pem: str = Field(max_length=5000)
    key_id: str = Field("", max_length=16)


class ForeignImportIn(Schema):
    licence: dict[str, Any]
    signature: str = Field(max_length=400)
    key_id: str = Field(max_length=32)
    model_config = ConfigDict(extra="allow")  # the export also carries format, public_key


# --- helpers ----------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Any:
    return account_selectors.actor_for(request.user, channel=CHANNEL)


def _staff(request: HttpRequest) -> Any:
    if not policies.may_use_register(request.user):
        raise NotAllowed("仅限工作人员使用", "Staff only")
    return request.user


def _zh(label: Any) -> str:
    return str(label).partition(" / ")[0]


STATUS_LABELS = dict(LicenceStatus.choices)


def type_out(t: LicenceType) -> dict[str, Any]:
    return {
        "code": t.code,
        "name": t.name,
        "name_en": t.name_en,
        "defining_body": t.defining_body,
        "defining_body_code": t.defining_body_code,
        "holder_kind": t.holder_kind,
        "metadata_schema": t.metadata_schema,
        "validity_years": t.validity_years,
        "template": t.template,
        "replaces": t.replaces,
        "common": t.common,
        "active": t.active,
    }


def licence_out(viewer: Any, licence: Licence, *, full: bool) -> dict[str, Any]:
    out: dict[str, Any] = {
        "id": licence.pk,
        "identifier": licence.identifier,
        "number": licence.number,
        "type_code": licence.type_code,
        "type_name": licence.type_name,
        "issuer_code": licence.issuer_code,
        "issuer_name": licence.issuer_name,
        "holder_name": policies.holder_name_for(viewer, licence, masked=not full),
        "holder_code": policies.holder_code_for(viewer, licence, masked=not full),
        "holder_code_type": licence.holder_code_type,
        "issue_date": licence.issue_date,
        "valid_from": licence.valid_from,
        "valid_until": licence.valid_until,
        "status": licence.status,
        "status_label": _zh(STATUS_LABELS.get(licence.status, licence.status)),
        "version": licence.version,
        "source": licence.source,
    }
    if full:
        previous = licence.previous
        out.update(
            {
                "region": licence.region,
                "metadata": licence.metadata,
                "status_reason": licence.status_reason,
                "previous": previous.identifier if previous is not None else "",
                "relation": licence.relation,
                "case_id": licence.case_id,
                "key_id": licence.key_id,
                "signature": licence.signature,
                "signed_at": licence.signed_at,
                "history": [
                    {
                        "from_status": c.from_status,
                        "to_status": c.to_status,
                        "reason": c.reason,
                        "actor": c.actor_label,
                        "at": c.at,
                    }
                    for c in licence.status_changes.all()
                ],
                "successors": [s.identifier for s in licence.successors.all()],
            }
        )
    return out


def _visible(request: HttpRequest, licence_id: int) -> Licence:
    _staff(request)
    licence = register.register_licence(request.user, licence_id)
    if licence is None:
        raise NotFound("未找到该证照", "Licence not found", field="licence_id")
    return licence


def _detail(request: HttpRequest, licence: Licence) -> dict[str, Any]:
    fresh = Licence.objects.select_related("previous").get(pk=licence.pk)
    return licence_out(request.user, fresh, full=True)


# --- types ------------------------------------------------------------------------------------


@router.get("/types", summary="Licence types (证照类型)")
def types_list(request: HttpRequest, include_inactive: bool = False) -> list[dict[str, Any]]:
    _staff(request)
    return [type_out(t) for t in selectors.licence_types(active_only=not include_inactive)]


@router.get("/types/{code}", summary="One licence type")
def type_detail(request: HttpRequest, code: str) -> dict[str, Any]:
    _staff(request)
    licence_type = LicenceType.objects.filter(code=code.strip().upper()).first()
    if licence_type is None:
        raise NotFound("证照类型不存在", "No such licence type", field="code")
    return type_out(licence_type)


@router.post("/types", response={201: dict}, summary="Define a licence type (administrators)")
def type_create(request: HttpRequest, payload: TypeIn) -> Status:
    licence_type = services.create_licence_type(
        payload.model_dump(), actor=_actor(request), user=request.user
    )
    return Status(201, type_out(licence_type))


@router.patch("/types/{code}", summary="Edit a licence type (administrators)")
def type_update(request: HttpRequest, code: str, payload: TypePatch) -> dict[str, Any]:
    values = payload.model_dump(exclude_unset=True)
    if not values:
        raise InvalidInput("没有要修改的项", "Nothing to change", field="body")
    licence_type = services.update_licence_type(
        code.strip().upper(), values, actor=_actor(request), user=request.user
    )
    return type_out(licence_type)


# --- register ---------------------------------------------------------------------------------


@router.get("/issued", summary="The register: search licences (holder masked)")
def issued_list(
    request: HttpRequest,
    q: str = Query("", max_length=100),
    type_code: str = Query("", max_length=21),
    status: str = Query("", max_length=12),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0),
) -> dict[str, Any]:
    _staff(request)
    if status and status not in LicenceStatus.values:
        raise InvalidInput(
            f"状态应为 {'、'.join(LicenceStatus.values)} 之一",
            f"status is one of {', '.join(LicenceStatus.values)}",
            field="status",
        )
    qs = register.register_search(request.user, q=q, type_code=type_code, status=status)
    page = list(qs[offset : offset + limit])
    return {
        "count": qs.count(),
        "results": [licence_out(request.user, lic, full=False) for lic in page],
    }


@router.get("/issued/{int:licence_id}", summary="One licence of the register")
def issued_detail(request: HttpRequest, licence_id: int) -> dict[str, Any]:
    return _detail(request, _visible(request, licence_id))


@router.post("/issued", response={201: dict}, summary="Issue a licence directly (staff)")
def issue(request: HttpRequest, payload: IssueIn) -> Status:
    _staff(request)
    licence = services.issue_direct(
        user=request.user, actor=_actor(request), **payload.model_dump()
    )
    return Status(201, _detail(request, licence))


@router.post("/{int:licence_id}/status", summary="Change a licence's status")
def change_status(request: HttpRequest, licence_id: int, payload: StatusIn) -> dict[str, Any]:
    licence = _visible(request, licence_id)
    services.change_status(
        licence.pk, payload.status, reason=payload.reason, actor=_actor(request), user=request.user
    )
    return _detail(request, licence)


@router.post("/{int:licence_id}/renew", response={201: dict}, summary="Renew (延续)")
def renew(request: HttpRequest, licence_id: int, payload: RenewIn) -> Status:
    licence = _visible(request, licence_id)
    new = services.renew_licence(
        licence.pk, actor=_actor(request), user=request.user, **payload.model_dump()
    )
    return Status(201, _detail(request, new))


@router.post("/{int:licence_id}/change", response={201: dict}, summary="Change (变更)")
def change(request: HttpRequest, licence_id: int, payload: ChangeIn) -> Status:
    licence = _visible(request, licence_id)
    new = services.change_licence(
        licence.pk, actor=_actor(request), user=request.user, **payload.model_dump()
    )
    return Status(201, _detail(request, new))


# --- bulk import ------------------------------------------------------------------------------


@router.post("/import", summary="Bulk import of licences from xlsx (per-row report)")
def bulk_import(
    request: HttpRequest,
    file: File[UploadedFile],
    department_id: Form[int | None] = None,
) -> dict[str, Any]:
    _staff(request)
    if file.size is not None and file.size > imports.MAX_BYTES:
        raise InvalidInput(
            "文件超过 5 MB", "The file is larger than 5 MB", field="file", code="too_large"
        )
    content = file.read(imports.MAX_BYTES + 1)
    report = imports.import_licences_xlsx(
        content, user=request.user, actor=_actor(request), department_id=department_id
    )
    return report.as_dict()


@router.get("/import/template", summary="The xlsx template of the bulk import")
def import_template(request: HttpRequest, type_code: str = "") -> HttpResponse:
    _staff(request)
    licence_type = services.licence_type_by_code(type_code) if type_code else None
    response = HttpResponse(
        imports.template_xlsx(licence_type), content_type=imports.XLSX_CONTENT_TYPE
    )
    name = f"licence-import-{licence_type.code if licence_type else 'all'}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- keys and other issuers -------------------------------------------------------------------


def key_out(key: IssuerKey) -> dict[str, Any]:
    return {
        "key_id": key.key_id,
        "issuer_code": key.issuer_code,
        "issuer_name": key.issuer_name,
        "public_key_pem": key.public_key_pem,
        "foreign": key.foreign,
        "active": key.active,
        "created_at": key.created_at,
        "retired_at": key.retired_at,
    }


@router.get("/keys", summary="Issuer keys (public material only; administrators)")
def keys(request: HttpRequest, issuer_code: str = "") -> list[dict[str, Any]]:
    if not policies.is_administrator(request.user):
        raise NotAllowed("只有系统管理员可以查看密钥", "Only administrators see the keys")
    qs = IssuerKey.objects.all()
    if issuer_code:
        qs = qs.filter(issuer_code=issuer_code.strip().upper())
    return [key_out(k) for k in qs[:500]]


@router.post("/keys/rotate", response={201: dict}, summary="Rotate an issuer's signing key")
def rotate_key(request: HttpRequest, payload: RotateIn) -> Status:
    key = services.rotate_issuer_key(payload.issuer_code, actor=_actor(request), user=request.user)
    return Status(201, key_out(key))


@router.post("/keys/foreign", response={201: dict}, summary="Register another issuer's key")
def register_foreign_key(request: HttpRequest, payload: ForeignKeyIn) -> Status:
    key = services.register_foreign_key(
        actor=_actor(request), user=request.user, **payload.model_dump()
    )
    return Status(201, key_out(key))


@router.post("/foreign-import", response={201: dict}, summary="Import another issuer's licence")
def foreign_import(request: HttpRequest, payload: ForeignImportIn) -> Status:
    if not policies.may_manage_foreign(request.user):
        raise NotAllowed(
            "只有系统管理员可以导入外部签发的证照",
            "Only administrators may import licences of other issuers",
        )
    document = payload.model_dump()
    licence = services.import_foreign(document, actor=_actor(request), user=request.user)
    return Status(201, _detail(request, licence))

"""Catalogue change control API (mounted at ``/api/v1/catalog/manage``).

Handlers parse, call one service or selector and shape the answer. Who may do what is in
``catalog.policies``; errors are domain errors mapped by the one table in ``config.api``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, File, Form, Path, Query, Router, Schema, Status
from ninja.files import UploadedFile

from zhengwu.accounts.auth import request_channel
from zhengwu.accounts.selectors import actor_for
from zhengwu.catalog import consistency, diff, policies, quality, selectors, services
from zhengwu.catalog.models import ItemVersion
from zhengwu.kernel.actors import Actor
from zhengwu.kernel.errors import NotAllowed

router = Router(tags=["catalog-manage"])

CODE = Field(..., min_length=1, max_length=50)
KEY = Field(..., min_length=1, max_length=64, pattern=r"^[-a-zA-Z0-9_]+$")
# Keys in the path follow the same rule, so nothing odd (a NUL byte …) reaches a query.
PATH_KEY = Path(..., min_length=1, max_length=64, pattern=r"^[-a-zA-Z0-9_]+$")


# --- schemas ----------------------------------------------------------------------------------


class EventOut(Schema):
    action: str
    from_status: str
    to_status: str
    actor_label: str
    comment: str
    occurred_at: datetime


class VersionSummaryOut(Schema):
    id: int
    implementation_code: str
    version: int
    status: str
    change_kind: str
    change_reason: str
    name: str
    department_id: int
    based_on_id: int | None
    effective_from: datetime | None
    published_at: datetime | None
    superseded_at: datetime | None
    content_digest: str


class VersionOut(VersionSummaryOut):
    content: dict[str, Any]
    events: list[EventOut]


class FieldChangeOut(Schema):
    path: str
    kind: str
    before: Any = None
    after: Any = None
    label: str


class DiffOut(Schema):
    from_version: VersionSummaryOut
    to_version: VersionSummaryOut
    changes: list[FieldChangeOut]


class ItemIn(Schema):
    basic_code: str = Field(..., min_length=1, max_length=12)
    name: str = Field("", max_length=200)
    item_type: str = Field("", max_length=2)
    legal_basis: str = Field("", max_length=5000)
    level: int = Field(4, ge=1, le=6)


class DraftCreateIn(Schema):
    implementation_code: str | None = Field(None, max_length=50)
    department_id: int | None = None
    item: ItemIn | None = None
    fields: dict[str, Any] = Field(default_factory=dict, max_length=100)
    life_events: list[str] | None = Field(None, max_length=50)
    change_reason: str = Field("", max_length=2000)


class DraftUpdateIn(Schema):
    changes: dict[str, Any] = Field(..., max_length=100)


class MaterialIn(Schema):
    data: dict[str, Any] = Field(..., max_length=30)


class SituationIn(Schema):
    question: str = Field(..., min_length=1, max_length=300)
    parent_option: str | None = Field(None, max_length=130)
    sort_order: int = Field(0, ge=0, le=32767)


class OptionIn(Schema):
    data: dict[str, Any] = Field(..., max_length=20)


class SubmitIn(Schema):
    comment: str = Field("", max_length=2000)


class ReviewIn(Schema):
    approve: bool
    comment: str = Field("", max_length=2000)
    effective_from: datetime | None = None


class WithdrawIn(Schema):
    implementation_code: str = CODE
    reason: str = Field(..., min_length=1, max_length=2000)


class HistoryQuery(Schema):
    implementation_code: str = CODE


class DiffQuery(Schema):
    from_id: int = Field(..., alias="from")
    to_id: int = Field(..., alias="to")


class QualityQuery(Schema):
    department_id: int | None = None


# --- helpers ----------------------------------------------------------------------------------


def _actor(request: HttpRequest) -> Actor:
    return actor_for(request.user, channel=request_channel(request))


def _summary(version: ItemVersion) -> dict[str, Any]:
    return {
        "id": version.pk,
        "implementation_code": version.implementation_code,
        "version": version.version,
        "status": version.status,
        "change_kind": version.change_kind,
        "change_reason": version.change_reason,
        "name": version.name,
        "department_id": version.department_id,
        "based_on_id": version.based_on_id,
        "effective_from": version.effective_from,
        "published_at": version.published_at,
        "superseded_at": version.superseded_at,
        "content_digest": version.content_digest,
    }


def _full(request: HttpRequest, version_id: int) -> dict[str, Any]:
    version = selectors.access_version_by_id(request.user, version_id)
    events = (
        []
        if not policies.may_view_department(request.user, version.department_id)
        else (list(version.events.order_by("id")))
    )
    return {**_summary(version), "content": diff.version_content(version), "events": events}


# --- reads ------------------------------------------------------------------------------------


@router.get("/versions", response=list[VersionSummaryOut])
def list_versions(request: HttpRequest, query: Query[HistoryQuery]) -> list[dict[str, Any]]:
    """Every version of an implementation list the caller may see, newest first."""
    return [
        _summary(v)
        for v in selectors.access_version_history(request.user, query.implementation_code)
    ]


@router.get("/versions/{version_id}", response=VersionOut)
def get_version(request: HttpRequest, version_id: int) -> dict[str, Any]:
    return _full(request, version_id)


@router.get("/diff", response=DiffOut)
def diff_versions(request: HttpRequest, query: Query[DiffQuery]) -> dict[str, Any]:
    """Field-by-field changes from version ``from`` to version ``to`` (ids)."""
    a = selectors.access_version_by_id(request.user, query.from_id)
    b = selectors.access_version_by_id(request.user, query.to_id)
    return {
        "from_version": _summary(a),
        "to_version": _summary(b),
        "changes": [c.as_dict() for c in diff.diff_versions(a, b)],
    }


@router.get("/review-queue", response=list[VersionSummaryOut])
def review_queue(request: HttpRequest) -> list[dict[str, Any]]:
    if not policies.may_review(request.user):
        raise NotAllowed("只有审改办可以查看审核队列", "Only the review office sees the queue")
    return [_summary(v) for v in selectors.review_queue(request.user)]


@router.get("/quality", response=dict[str, Any])
def quality_report(request: HttpRequest, query: Query[QualityQuery]) -> dict[str, Any]:
    """Guide-quality scores: all departments for the review office, one's own for editors."""
    department_id = query.department_id
    if not policies.may_review(request.user):
        own = policies.editable_department_id(request.user)
        if own is None or department_id not in (None, own):
            raise NotAllowed("无权查看该部门的指南质量", "You may not see this department's scores")
        department_id = own
    return quality.quality_report(department_id=department_id).as_dict()


# --- writes -----------------------------------------------------------------------------------


@router.post("/versions", response={201: VersionOut})
def create_draft(request: HttpRequest, payload: DraftCreateIn) -> Status[dict[str, Any]]:
    version = services.version_create_draft(
        user=request.user,
        actor=_actor(request),
        implementation_code=payload.implementation_code,
        department_id=payload.department_id,
        item=payload.item.dict() if payload.item else None,
        fields=payload.fields,
        life_events=payload.life_events,
        change_reason=payload.change_reason,
    )
    return Status(201, _full(request, version.pk))


@router.patch("/versions/{version_id}", response=VersionOut)
def update_draft(request: HttpRequest, version_id: int, payload: DraftUpdateIn) -> dict[str, Any]:
    services.version_update_draft(
        version_id=version_id, user=request.user, actor=_actor(request), changes=payload.changes
    )
    return _full(request, version_id)


@router.put("/versions/{version_id}/materials/{key}", response=VersionOut)
def save_material(
    request: HttpRequest, version_id: int, payload: MaterialIn, key: str = PATH_KEY
) -> dict[str, Any]:
    services.material_save(
        version_id=version_id,
        key=key[:64],
        user=request.user,
        actor=_actor(request),
        data=payload.data,
    )
    return _full(request, version_id)


@router.delete("/versions/{version_id}/materials/{key}", response=VersionOut)
def delete_material(request: HttpRequest, version_id: int, key: str = PATH_KEY) -> dict[str, Any]:
    services.material_delete(
        version_id=version_id, key=key[:64], user=request.user, actor=_actor(request)
    )
    return _full(request, version_id)


@router.put("/versions/{version_id}/situations/{key}", response=VersionOut)
def save_situation(
    request: HttpRequest, version_id: int, payload: SituationIn, key: str = PATH_KEY
) -> dict[str, Any]:
    services.situation_save(
        version_id=version_id,
        key=key[:64],
        question=payload.question,
        parent_option=payload.parent_option,
        sort_order=payload.sort_order,
        user=request.user,
        actor=_actor(request),
    )
    return _full(request, version_id)


@router.delete("/versions/{version_id}/situations/{key}", response=VersionOut)
def delete_situation(request: HttpRequest, version_id: int, key: str = PATH_KEY) -> dict[str, Any]:
    services.situation_delete(
        version_id=version_id, key=key[:64], user=request.user, actor=_actor(request)
    )
    return _full(request, version_id)


@router.put("/versions/{version_id}/situations/{situation_key}/options/{key}", response=VersionOut)
def save_option(
    request: HttpRequest,
    version_id: int,
    payload: OptionIn,
    situation_key: str = PATH_KEY,
    key: str = PATH_KEY,
) -> dict[str, Any]:
    services.option_save(
        version_id=version_id,
        situation_key=situation_key[:64],
        key=key[:64],
        user=request.user,
        actor=_actor(request),
        data=payload.data,
    )
    return _full(request, version_id)


@router.delete(
    "/versions/{version_id}/situations/{situation_key}/options/{key}", response=VersionOut
)
def delete_option(
    request: HttpRequest, version_id: int, situation_key: str = PATH_KEY, key: str = PATH_KEY
) -> dict[str, Any]:
    services.option_delete(
        version_id=version_id,
        situation_key=situation_key[:64],
        key=key[:64],
        user=request.user,
        actor=_actor(request),
    )
    return _full(request, version_id)


@router.post("/versions/{version_id}/submit", response=VersionOut)
def submit(request: HttpRequest, version_id: int, payload: SubmitIn) -> dict[str, Any]:
    services.version_submit(
        version_id=version_id, user=request.user, actor=_actor(request), comment=payload.comment
    )
    return _full(request, version_id)


@router.post("/versions/{version_id}/review", response=VersionOut)
def review(request: HttpRequest, version_id: int, payload: ReviewIn) -> dict[str, Any]:
    services.version_review(
        version_id=version_id,
        user=request.user,
        actor=_actor(request),
        approve=payload.approve,
        comment=payload.comment,
        effective_from=payload.effective_from,
    )
    return _full(request, version_id)


@router.post("/withdrawals", response={201: VersionOut})
def request_withdrawal(request: HttpRequest, payload: WithdrawIn) -> Status[dict[str, Any]]:
    version = services.version_withdraw_request(
        implementation_code=payload.implementation_code,
        user=request.user,
        actor=_actor(request),
        reason=payload.reason,
    )
    return Status(201, _full(request, version.pk))


@router.post("/consistency", response=dict[str, Any])
def consistency_check(
    request: HttpRequest,
    kind: Form[str],
    file: File[UploadedFile],
) -> dict[str, Any]:
    """Administrators: compare an uploaded list (xlsx or CSV, at most 5 MB; ``kind`` is
    market_access, investment or construction) with the published catalogue. Never writes."""
    if not policies.is_catalog_reviewer(request.user):
        raise NotAllowed("只有管理员可以做一致性检查", "Only administrators run consistency checks")
    return consistency.check_uploaded_list(file, kind[:32]).as_dict()

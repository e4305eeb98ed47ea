"""Public read API of the service catalogue, mounted at ``/api/v1/catalog``.

Everything here is public (``auth=None``): what is in force now, or was in force at a date.
Search is in ``api_search``; the workbench's change control in ``api_manage``.
"""

from datetime import datetime
from typing import Any

import orjson
from django.core.cache import caches
from django.http import HttpRequest, HttpResponse
from ninja import Query, Router
from ninja.pagination import LimitOffsetPagination, paginate

from zhengwu.catalog import selectors
from zhengwu.catalog.choices import Audience, ServiceObject
from zhengwu.catalog.diff import diff_versions
from zhengwu.catalog.schemas import (
    BundleOut,
    BundleSummaryOut,
    ChecklistOut,
    LifeEventNodeOut,
    PublicDiffOut,
    PublicVersionHistoryOut,
    PublicVersionOut,
    PublicVersionSummaryOut,
)
from zhengwu.catalog.stamp import CATALOGUE_STAMP
from zhengwu.kernel.errors import InvalidInput, NotFound

router = Router(tags=["catalog"])

ANSWER_PREFIX = "a."


def _checklist_answers(request: HttpRequest, answers: str | None) -> dict[str, str]:
    """``answers`` as a JSON object, plus any ``a.<situation>=<option>`` parameters."""
    result: dict[str, str] = {}
    if answers:
        try:
            parsed = orjson.loads(answers)
        except orjson.JSONDecodeError as exc:
            raise InvalidInput(
                "answers 不是合法的 JSON 对象",
                "answers is not a valid JSON object",
                field="answers",
                code="malformed_json",
            ) from exc
        if not isinstance(parsed, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in parsed.items()
        ):
            raise InvalidInput(
                "answers 应为 {问题标识: 选项标识} 形式的对象",
                'answers must be an object {"<situation>": "<option>"}',
                field="answers",
                code="invalid_input",
            )
        result.update(parsed)
    for key, value in request.GET.items():
        if key.startswith(ANSWER_PREFIX) and value:
            result[key.removeprefix(ANSWER_PREFIX)] = value
    return result


@router.get(
    "/items",
    auth=None,
    response=list[PublicVersionSummaryOut],
    summary="Items in force (public, paginated)",
)
@paginate(LimitOffsetPagination)
def list_items(
    request: HttpRequest,
    department_id: int | None = None,
    life_event: str | None = None,
    service_object: ServiceObject | None = None,
    online: bool | None = None,
    cross_province: bool | None = None,
    q: str | None = None,
) -> Any:
    """Current published implementation lists, filtered: department, life-event code (with its
    sub-themes), service object code, online handling, 跨省通办, substring of the name."""
    return selectors.published_versions(
        department_id=department_id,
        life_event=life_event,
        service_object=service_object.value if service_object else None,
        online=online,
        cross_province=cross_province,
        q=q,
    )


@router.get(
    "/items/{implementation_code}",
    auth=None,
    response=PublicVersionOut,
    summary="An item's implementation list in force (now, or at a date-time)",
)
def get_item(request: HttpRequest, implementation_code: str, at: datetime | None = None) -> Any:
    """The version in force now, or with ``at`` (ISO date-time) the one in force then."""
    # Public and immutable until the catalogue changes: the rendered JSON is cached under the
    # catalogue stamp (decision 0004), so a popular item costs one cache read.
    moment = at.isoformat() if at else ""
    key = f"api-item:{CATALOGUE_STAMP.value()}:{implementation_code[:50]}:{moment}"
    cache = caches["pages"]
    body = cache.get(key)
    if body is None:
        version = selectors.published_version(implementation_code, at=at)
        body = orjson.dumps(
            PublicVersionOut.from_orm(version).model_dump(), option=orjson.OPT_NON_STR_KEYS
        )
        cache.set(key, body, 3600)
    return HttpResponse(body, content_type="application/json")


@router.get(
    "/items/{implementation_code}/versions",
    auth=None,
    response=list[PublicVersionHistoryOut],
    summary="Published history of an implementation list",
)
def list_versions(request: HttpRequest, implementation_code: str) -> Any:
    versions = list(selectors.version_history(implementation_code))
    if not versions:
        raise NotFound("未找到该事项", "No such item", field="implementation_code")
    return versions


@router.get(
    "/items/{implementation_code}/diff",
    auth=None,
    response=PublicDiffOut,
    summary="Field-by-field differences between two published versions",
)
def diff_items(
    request: HttpRequest,
    implementation_code: str,
    from_version: int = Query(..., alias="from", ge=1),
    to_version: int = Query(..., alias="to", ge=1),
) -> Any:
    versions = {v.version: v for v in selectors.version_history(implementation_code)}
    if not versions:
        raise NotFound("未找到该事项", "No such item", field="implementation_code")
    for field, number in (("from", from_version), ("to", to_version)):
        if number not in versions:
            raise NotFound(
                f"没有已发布的第 {number} 版", f"No published version {number}", field=field
            )
    changes = diff_versions(versions[from_version], versions[to_version])
    return {
        "implementation_code": versions[from_version].implementation_code,
        "from_version": from_version,
        "to_version": to_version,
        "changes": [c.as_dict() for c in changes],
    }


@router.get(
    "/items/{implementation_code}/checklist",
    auth=None,
    response=ChecklistOut,
    summary="Materials checklist for situation answers",
)
def checklist(request: HttpRequest, implementation_code: str, answers: str | None = None) -> Any:
    """Answers as ``answers={"<situation>": "<option>"}`` (JSON) and/or repeated
    ``a.<situation>=<option>`` parameters (the guide page's form uses the latter). An unknown
    question or option is 422 on ``answers.<situation>``."""
    chosen = _checklist_answers(request, answers)
    version = selectors.published_version(implementation_code)
    result = selectors.checklist_for(version, chosen)
    return {
        "implementation_code": version.implementation_code,
        "version": version.version,
        "answers": result.answers,
        "materials": result.materials,
        "conditions": result.conditions,
        "promised_limit": result.promised_limit,
        "statutory_limit": result.statutory_limit,
    }


def _bundle_detail(view: Any) -> dict[str, Any]:
    bundle = view.bundle
    return {
        "code": bundle.code,
        "name": bundle.name,
        "description": bundle.description,
        "audience": bundle.audience,
        "life_event": bundle.life_event.code if bundle.life_event_id else None,
        "lead_department": bundle.lead_department,
        "promised_limit": bundle.promised_limit,
        "promised_limit_unit": bundle.promised_limit_unit,
        "members": [
            {
                "implementation_code": m.member.implementation_code,
                "name": m.version.name if m.version else m.member.item.name,
                "department": m.version.department.name if m.version else "",
                "sort_order": m.member.sort_order,
            }
            for m in view.members
        ],
        "form_fields": view.form_fields,
        "materials": view.materials,
    }


@router.get("/bundles", auth=None, response=list[BundleSummaryOut], summary="一件事 bundles")
def list_bundles(request: HttpRequest, audience: Audience | None = None) -> Any:
    return selectors.active_bundles(audience=audience.value if audience else None)


@router.get(
    "/bundles/{code}",
    auth=None,
    response=BundleOut,
    summary="A bundle: members, merged form, merged materials",
)
def get_bundle(request: HttpRequest, code: str) -> Any:
    return _bundle_detail(selectors.bundle_with_members(code))


def _life_event_node(node: Any) -> dict[str, Any]:
    event = node.event
    return {
        "code": event.code,
        "name": event.name,
        "audience": event.audience,
        "description": event.description,
        "item_count": node.item_count,
        "children": [_life_event_node(child) for child in node.children],
    }


@router.get(
    "/life-events",
    auth=None,
    response=list[LifeEventNodeOut],
    summary="Life-event trees (全生命周期树)",
)
def life_events(request: HttpRequest, audience: Audience | None = None) -> Any:
    audiences = [audience.value] if audience else [a.value for a in Audience]
    return [
        _life_event_node(node) for value in audiences for node in selectors.life_event_tree(value)
    ]

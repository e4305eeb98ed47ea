"""Public catalogue pages under ``/services/``. Thin: parse the request, ask a selector, render.

The guide page serves the whole page and, for htmx, only the checklist partial (one view,
NetBox-style). The situation form is a GET form, so the checklist also works without
JavaScript.
"""

from __future__ import annotations

import datetime as dt
import mimetypes
from pathlib import PurePosixPath
from typing import Any

from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from zhengwu.catalog import selectors
from zhengwu.catalog.choices import Audience, HandlingForm, ServiceObject
from zhengwu.catalog.search import search_catalog
from zhengwu.catalog.stamp import CATALOGUE_STAMP
from zhengwu.kernel.errors import DomainError, InvalidInput, NotFound, http_status
from zhengwu.kernel.pagecache import cached_public_page

SEARCH_LIMIT = 50
ANSWER_PREFIX = "a."  # situation answers travel as a.<situation key>=<option key>


# --- request parsing ------------------------------------------------------------------------


def _flag(request: HttpRequest, name: str) -> bool | None:
    value = request.GET.get(name, "")
    return True if value in ("1", "true", "on") else None


def parse_at(value: str | None) -> dt.datetime | None:
    """``?at=YYYY-MM-DD`` (the version in force on that day) or an ISO date-time."""
    if not value:
        return None
    try:
        if len(value) == 10:
            day = dt.date.fromisoformat(value)
            # in force on that day: the state at the end of it, local time
            moment = dt.datetime.combine(day, dt.time(23, 59, 59))
        else:
            moment = dt.datetime.fromisoformat(value)
    except ValueError as exc:
        raise InvalidInput(
            "日期格式不正确，应为 YYYY-MM-DD",
            "Not a valid date: use YYYY-MM-DD",
            field="at",
            code="invalid_date",
        ) from exc
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def parse_answers(params: Any) -> dict[str, str]:
    """``a.<situation>=<option>`` query parameters → ``{situation: option}``."""
    return {
        key.removeprefix(ANSWER_PREFIX): value
        for key, value in params.items()
        if key.startswith(ANSWER_PREFIX) and value
    }


def _error_page(
    request: HttpRequest, error: DomainError, *, template: str = "catalog/error.html"
) -> HttpResponse:
    return render(request, template, {"error": error}, status=http_status(error))


def _choice_label(choices: Any, code: str) -> str:
    try:
        return str(choices(code).label)
    except ValueError:
        return code


def _badges(version: Any) -> list[str]:
    """The mission's flags, in the active language, as the guide's badges."""
    flags = [
        (version.commitment_allowed, _("Commitment instead of proof (告知承诺)")),
        (version.deficiency_allowed, _("Accepted with minor gaps (容缺受理)")),
        (version.accept_on_receipt, _("Accepted on receipt (收件即受理)")),
        (version.citywide, _("Anywhere in the city (全市通办)")),
        (version.cross_province, _("Across provinces (跨省通办)")),
        (version.weekend_service, _("Open at weekends (周末不打烊)")),
        (bool(version.delegated_level), _("Near you (就近办)")),
        (version.online_handling, _("Online")),
    ]
    return [str(label) for on, label in flags if on]


def _material_rows(guide: Any) -> list[dict[str, Any]]:
    """Each material with the answers that call for it ("question: answer")."""
    when: dict[str, list[str]] = {}

    def walk(nodes: list[Any]) -> None:
        for node in nodes:
            for option in node.options:
                for material in option.materials:
                    when.setdefault(material.key, []).append(f"{node.question} {option.label}")
                walk(option.follow_ups)

    walk(guide.situations)
    return [{"material": m, "when": when.get(m.key, [])} for m in guide.materials]


# --- pages ----------------------------------------------------------------------------------


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    context = {
        "nav_active": "services",
        "departments": selectors.departments_with_items(),
        "natural_tree": selectors.life_event_tree(Audience.NATURAL_PERSON),
        "legal_tree": selectors.life_event_tree(Audience.LEGAL_PERSON),
        "bundles": selectors.active_bundles(),
    }
    return render(request, "catalog/home.html", context)


def _list_filters(request: HttpRequest) -> dict[str, Any]:
    service_object = request.GET.get("object") or None
    if service_object not in ServiceObject.values:
        service_object = None
    return {
        "service_object": service_object,
        "online": _flag(request, "online"),
        "cross_province": _flag(request, "cross_province"),
    }


@require_GET
def items(request: HttpRequest) -> HttpResponse:
    """All current items, filtered (online only, 跨省通办, service object)."""
    filters = _list_filters(request)
    versions = selectors.published_versions(**filters)
    return render(
        request,
        "catalog/items.html",
        {"nav_active": "services", "versions": versions, "filters": filters,
         "service_objects": ServiceObject.choices},
    )  # fmt: skip


@require_GET
def department(request: HttpRequest, department_id: int) -> HttpResponse:
    departments = {d.pk: d for d in selectors.departments_with_items()}
    body = departments.get(department_id)
    if body is None:
        raise Http404
    versions = selectors.published_versions(department_id=department_id)
    return render(
        request,
        "catalog/department.html",
        {"nav_active": "services", "department": body, "versions": versions},
    )


@require_GET
def life_event(request: HttpRequest, code: str) -> HttpResponse:
    try:
        event = selectors.life_event_by_code(code)
    except NotFound as exc:
        raise Http404 from exc
    versions = selectors.published_versions(life_event=code)
    bundles = selectors.active_bundles(life_event=event)
    return render(
        request,
        "catalog/life_event.html",
        {"nav_active": "services", "event": event, "versions": versions, "bundles": bundles},
    )


@require_GET
def bundle(request: HttpRequest, code: str) -> HttpResponse:
    try:
        found = selectors.bundle_with_members(code)
    except NotFound as exc:
        raise Http404 from exc
    return render(request, "catalog/bundle.html", {"nav_active": "services", "bundle": found})


def _page_variant(request: HttpRequest, *args: Any, **kwargs: Any) -> str:
    """What a cached public page depends on besides the catalogue and its query string."""
    htmx = request.headers.get("HX-Request", "") + ":" + request.headers.get("HX-Target", "")
    elderly = request.COOKIES.get("zhengwu_elderly", "")
    path = [*map(str, args), *(f"{k}={v}" for k, v in sorted(kwargs.items()))]
    return ":".join([*path, getattr(request, "LANGUAGE_CODE", ""), elderly, htmx])


@require_GET
@cached_public_page(
    stamp=CATALOGUE_STAMP,
    variant=_page_variant,
    allowed_params=("q", "department", "online", "cross_province", "object"),
)
def search(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    filters = _list_filters(request)
    department_id = request.GET.get("department") or None
    if department_id and not department_id.isdigit():
        department_id = None
    result = search_catalog(
        q, department=int(department_id) if department_id else None, limit=SEARCH_LIMIT,
        **filters,
    ) if q else None  # fmt: skip
    context = {
        "nav_active": "services",
        "q": q,
        "result": result,
        "filters": filters,
        "department_id": int(department_id) if department_id else None,
        "departments": selectors.departments_with_items(),
        "service_objects": ServiceObject.choices,
    }
    return render(request, "catalog/search.html", context)


@require_GET
@cached_public_page(
    stamp=CATALOGUE_STAMP, variant=_page_variant, allowed_params=("at",), allowed_prefixes=("a.",)
)
def guide(request: HttpRequest, code: str) -> HttpResponse:
    """An item's guide; ``?at=`` shows the version in force on a date; ``a.*`` answers the
    situation questions and the checklist follows them."""
    # Only the checklist form asks for the partial; other htmx requests (the elderly-mode
    # switch follows its redirect here with HX-Request set) get the whole page.
    htmx = getattr(request, "htmx", None)
    partial = bool(htmx) and htmx.target == "checklist"
    try:
        at = parse_at(request.GET.get("at"))
    except InvalidInput as error:
        return _error_page(request, error)
    try:
        version = selectors.published_version(code, at=at)
    except NotFound as exc:
        raise Http404 from exc

    answers = parse_answers(request.GET)
    error = None
    status = 200
    try:
        checklist = selectors.checklist_for(version, answers)
    except InvalidInput as exc:
        # the questions are still shown (unanswered) beside the message
        error, status = exc, http_status(exc)
        checklist = selectors.checklist_for(version, {})
    context = {
        "version": version,
        "at": request.GET.get("at", ""),
        "checklist": checklist,
        "checklist_error": error,
        "answered": bool(checklist.answers),
    }
    if partial:
        return render(request, "catalog/partials/checklist.html", context, status=status)
    guide_ = selectors.guide_for(version)
    context.update(
        nav_active="services",
        guide=guide_,
        now_effective=at is None,
        badges=_badges(version),
        handling_forms=[_choice_label(HandlingForm, c) for c in version.handling_forms or []],
        material_rows=_material_rows(guide_),
    )
    return render(request, "catalog/guide.html", context, status=status)


@require_GET
def download(request: HttpRequest, code: str, material_key: str, kind: str) -> HttpResponse:
    """A material's sample or blank form, only from a currently published version."""
    if kind not in ("sample", "form"):
        raise Http404
    try:
        version = selectors.published_version(code)
    except NotFound as exc:
        raise Http404 from exc
    material = next((m for m in version.materials.all() if m.key == material_key), None)
    stored = None
    if material is not None:
        stored = material.sample_file if kind == "sample" else material.blank_form
    if not stored:
        raise Http404
    try:
        handle = stored.open("rb")
    except (FileNotFoundError, OSError) as exc:
        raise Http404 from exc
    filename = PurePosixPath(stored.name).name
    content_type = mimetypes.guess_type(filename)[0] or "application/octet-stream"
    return FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)

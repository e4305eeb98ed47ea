"""Workbench pages of catalogue management (mounted at ``/workbench/catalog/``).

Views parse the form, call one service or selector and render; who may do what is asked of
``catalog.policies``. A refused action re-renders the page with the domain error's message
and the matching status (422/403/404/409).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengwu.accounts.selectors import actor_for
from zhengwu.catalog import consistency, diff, policies, quality, selectors, services
from zhengwu.catalog.choices import EDITABLE_STATUSES, VersionStatus
from zhengwu.catalog.models import ItemVersion
from zhengwu.kernel.actors import Actor
from zhengwu.kernel.errors import DomainError, InvalidInput, NotFound, http_status

# The main fields a department edits in the plain editor (the API edits all of them).
EDITOR_FIELDS = (
    "name",
    "statutory_limit",
    "promised_limit",
    "case_type",
    "acceptance_conditions",
    "result_name",
    "place",
    "hours",
    "consultation_phone",
    "complaint_phone",
    "online_handling",
    "online_address",
    "fee_charged",
    "fee_basis",
    "visits_required",
)
BOOLEAN_FIELDS = frozenset({"online_handling", "fee_charged"})
MATERIAL_FORM_FIELDS = ("name", "issuing_body", "originals", "copies", "notes")
# The forms of the draft editor besides the main fields.
SITUATION_FORMS = frozenset({"situation", "situation_delete", "option", "option_delete"})

# Consistency checks: the external lists an administrator may upload, and the upload rules.
CONSISTENCY_KINDS = {
    "market_access": _("Market access negative list"),
    "investment": _("Investment approval list"),
    "construction": _("Construction project approval list"),
}


def _actor(request: HttpRequest) -> Actor:
    return actor_for(request.user, channel="workbench")


def _require_workbench(request: HttpRequest) -> None:
    if not policies.may_use_catalog_workbench(request.user):
        raise PermissionDenied


def _version_or_404(request: HttpRequest, version_id: int) -> ItemVersion:
    try:
        return selectors.access_version_by_id(request.user, version_id)
    except NotFound as exc:
        raise Http404 from exc


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """My department's implementation lists, with status and guide-quality score."""
    _require_workbench(request)
    department_id = policies.editable_department_id(request.user)
    if policies.may_review(request.user) and request.GET.get("department", "").isdigit():
        department_id = int(request.GET["department"])
    lists: list[ItemVersion] = []
    if department_id is not None:
        lists = selectors.department_lists(request.user, department_id)
    scores = quality.scores_for(lists)
    return render(
        request,
        "catalog/manage/index.html",
        {
            "nav_active": "catalog",
            "rows": [(v, scores.get(v.pk)) for v in lists],
            "department_id": department_id,
            "may_review": policies.may_review(request.user),
            "may_check_consistency": policies.is_catalog_reviewer(request.user),
            "departments": selectors.departments_with_items()
            if policies.may_review(request.user)
            else [],
        },
    )


def _detail_context(request: HttpRequest, version: ItemVersion) -> dict[str, Any]:
    may_edit = policies.may_edit_department(request.user, version.department_id)
    base = None
    changes: list[diff.FieldChange] = []
    if version.based_on_id:
        base = selectors.guide_queryset().filter(pk=version.based_on_id).first()
        if base is not None:
            changes = diff.diff_versions(base, version)
    return {
        "nav_active": "catalog",
        "version": version,
        "guide": selectors.guide_for(version),
        "findings": quality.check_version(version).findings,
        "score": quality.check_version(version).score,
        "events": list(version.events.order_by("id")) if may_edit else [],
        "base": base,
        "changes": changes,
        "may_edit": may_edit and version.status in EDITABLE_STATUSES,
        "may_submit": may_edit and version.status in EDITABLE_STATUSES,
        "may_change": may_edit and version.status == VersionStatus.PUBLISHED,
        "may_review": policies.may_review(request.user)
        and version.status == VersionStatus.SUBMITTED,
        "now": timezone.localtime().strftime("%Y-%m-%dT%H:%M"),
    }


@login_required
@require_GET
def version_detail(request: HttpRequest, version_id: int) -> HttpResponse:
    _require_workbench(request)
    version = _version_or_404(request, version_id)
    return render(request, "catalog/manage/detail.html", _detail_context(request, version))


def _render_error(
    request: HttpRequest, version: ItemVersion, error: DomainError, template: str
) -> HttpResponse:
    context = _detail_context(request, version)
    context["error"] = error  # shown with the ``localized_message`` filter
    context["error_field"] = error.field
    if template == "catalog/manage/edit.html":
        context.update(_editor_context(version))
        if request.POST.get("form", "main") == "main":
            context["values"] = request.POST
        else:  # a material or situation form: the main form keeps the draft's values
            context["values"] = _editor_values(version)
            context["posted"] = request.POST
    return render(request, template, context, status=http_status(error))


def _editor_context(version: ItemVersion) -> dict[str, Any]:
    """The editor's situation forms: every question (tree order, with its depth) and every
    option as a possible parent of a follow-up question."""
    questions: list[tuple[selectors.SituationNode, int]] = []
    parents: list[tuple[str, str]] = []

    def walk(nodes: list[selectors.SituationNode], depth: int) -> None:
        for node in nodes:
            questions.append((node, depth))
            for option in node.options:
                parents.append((f"{node.key}.{option.key}", f"{node.question} → {option.label}"))
                walk(option.follow_ups, depth + 1)

    walk(selectors.situation_tree(version), 0)
    parent_of = {
        node.key: f"{node.situation.parent_option.situation.key}.{node.situation.parent_option.key}"
        for node, _depth in questions
        if node.situation.parent_option is not None
    }
    return {
        "questions": [(node, depth, parent_of.get(node.key, "")) for node, depth in questions],
        "parent_options": parents,
        "draft_materials": list(version.materials.all()),
        "posted": {},
    }


def _optional_int(value: str) -> int | None:
    return int(value) if value.strip().isdigit() else None


def _situation_form(request: HttpRequest, version: ItemVersion) -> None:
    """One of the situation forms of the draft editor → one service call."""
    form = request.POST.get("form")
    common: dict[str, Any] = {
        "version_id": version.pk,
        "user": request.user,
        "actor": _actor(request),
    }
    key = request.POST.get("key", "")[:64]
    if form == "situation":
        services.situation_save(
            key=key,
            question=request.POST.get("question", "")[:300],
            parent_option=request.POST.get("parent_option") or None,
            sort_order=_optional_int(request.POST.get("sort_order", "")) or 0,
            **common,
        )
    elif form == "situation_delete":
        services.situation_delete(key=key, **common)
    elif form == "option":
        data: dict[str, Any] = {
            "label": request.POST.get("label", "")[:200],
            "conditions": request.POST.get("conditions", ""),
            "materials": request.POST.getlist("materials"),
            "sort_order": _optional_int(request.POST.get("sort_order", "")) or 0,
        }
        for limit in ("promised_limit", "statutory_limit"):
            raw = request.POST.get(limit, "").strip()
            if raw and not raw.isdigit():
                raise InvalidInput(
                    "时限应为非负整数", "A limit is a whole number of days", field=limit
                )
            data[limit] = int(raw) if raw else None
        services.option_save(
            situation_key=request.POST.get("situation_key", "")[:64], key=key, data=data, **common
        )
    else:
        services.option_delete(
            situation_key=request.POST.get("situation_key", "")[:64], key=key, **common
        )


@login_required
@require_http_methods(["GET", "POST"])
def version_edit(request: HttpRequest, version_id: int) -> HttpResponse:
    """The plain editor of a draft: main fields, then materials one by one."""
    _require_workbench(request)
    version = _version_or_404(request, version_id)
    if not policies.may_edit_department(request.user, version.department_id):
        raise PermissionDenied
    template = "catalog/manage/edit.html"
    if request.method == "POST":
        try:
            if request.POST.get("form") == "material":
                data: dict[str, Any] = {
                    name: request.POST.get(name, "") for name in MATERIAL_FORM_FIELDS
                }
                data["required"] = request.POST.get("required") == "on"
                for number in ("originals", "copies"):
                    data[number] = data[number] or 0
                services.material_save(
                    version_id=version.pk,
                    key=request.POST.get("key", ""),
                    user=request.user,
                    actor=_actor(request),
                    data=data,
                )
            elif request.POST.get("form") in SITUATION_FORMS:
                _situation_form(request, version)
            elif request.POST.get("form") == "material_delete":
                services.material_delete(
                    version_id=version.pk,
                    key=request.POST.get("key", ""),
                    user=request.user,
                    actor=_actor(request),
                )
            else:
                changes: dict[str, Any] = {}
                for name in EDITOR_FIELDS:
                    if name in BOOLEAN_FIELDS:
                        changes[name] = request.POST.get(name) == "on"
                    elif name in request.POST:
                        changes[name] = request.POST[name]
                if "change_reason" in request.POST:
                    changes["change_reason"] = request.POST["change_reason"]
                services.version_update_draft(
                    version_id=version.pk, user=request.user, actor=_actor(request), changes=changes
                )
        except DomainError as error:
            return _render_error(request, version, error, template)
        messages.success(request, _saved_message())
        return HttpResponseRedirect(reverse("catalog_manage:edit", args=[version.pk]))
    context = _detail_context(request, version)
    context.update(_editor_context(version))
    context["values"] = _editor_values(version)
    return render(request, template, context)


def _editor_values(version: ItemVersion) -> dict[str, Any]:
    values = {name: getattr(version, name) for name in EDITOR_FIELDS}
    values["change_reason"] = version.change_reason
    return values


def _saved_message() -> str:
    from django.utils.translation import gettext

    return gettext("Saved.")


@login_required
@require_POST
def version_submit(request: HttpRequest, version_id: int) -> HttpResponse:
    _require_workbench(request)
    version = _version_or_404(request, version_id)
    try:
        services.version_submit(
            version_id=version.pk,
            user=request.user,
            actor=_actor(request),
            comment=request.POST.get("comment", "")[:2000],
        )
    except DomainError as error:
        return _render_error(request, version, error, "catalog/manage/detail.html")
    return HttpResponseRedirect(reverse("catalog_manage:detail", args=[version.pk]))


@login_required
@require_POST
def version_review(request: HttpRequest, version_id: int) -> HttpResponse:
    _require_workbench(request)
    version = _version_or_404(request, version_id)
    effective = parse_datetime(request.POST.get("effective_from", "") or "")
    if effective is not None and timezone.is_naive(effective):
        effective = timezone.make_aware(effective)
    try:
        services.version_review(
            version_id=version.pk,
            user=request.user,
            actor=_actor(request),
            approve=request.POST.get("decision") == "approve",
            comment=request.POST.get("comment", "")[:2000],
            effective_from=effective,
        )
    except DomainError as error:
        return _render_error(request, version, error, "catalog/manage/detail.html")
    return HttpResponseRedirect(reverse("catalog_manage:review_queue"))


@login_required
@require_POST
def change_create(request: HttpRequest) -> HttpResponse:
    """Open a change (copy-on-write draft) of a published list."""
    _require_workbench(request)
    code = request.POST.get("implementation_code", "")[:50]
    try:
        version = services.version_create_draft(
            user=request.user,
            actor=_actor(request),
            implementation_code=code,
            change_reason=request.POST.get("reason", "")[:2000],
        )
    except DomainError as error:
        published = selectors.published_versions().filter(implementation_code=code.upper()).first()
        if published is None:
            raise Http404 from error
        return _render_error(request, published, error, "catalog/manage/detail.html")
    return HttpResponseRedirect(reverse("catalog_manage:edit", args=[version.pk]))


@login_required
@require_GET
def review_queue(request: HttpRequest) -> HttpResponse:
    if not policies.may_review(request.user):
        raise PermissionDenied
    return render(
        request,
        "catalog/manage/review_queue.html",
        {"nav_active": "catalog", "versions": selectors.review_queue(request.user)},
    )


@login_required
@require_GET
def history(request: HttpRequest, implementation_code: str) -> HttpResponse:
    """Every version of a list the viewer may see, each with its changes from the previous."""
    _require_workbench(request)
    try:
        versions = selectors.access_version_history(request.user, implementation_code)
    except NotFound as exc:
        raise Http404 from exc
    full = {v.pk: v for v in selectors.guide_queryset().filter(pk__in=[v.pk for v in versions])}
    rows = []
    ordered = [full[v.pk] for v in versions]
    for newer, older in zip(ordered, [*ordered[1:], None], strict=True):
        rows.append((newer, diff.diff_versions(older, newer) if older is not None else []))
    return render(
        request,
        "catalog/manage/history.html",
        {"nav_active": "catalog", "rows": rows, "code": implementation_code},
    )


# --- consistency with other official lists ---------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def consistency_check(request: HttpRequest) -> HttpResponse:
    """Administrators upload another official list and see where it disagrees (never writes)."""
    if not policies.is_catalog_reviewer(request.user):
        raise PermissionDenied
    context: dict[str, Any] = {
        "nav_active": "catalog",
        "kinds": list(CONSISTENCY_KINDS.items()),
        "kind": request.POST.get("kind", ""),
        "max_mb": consistency.MAX_LIST_BYTES // (1024 * 1024),
    }
    status = 200
    if request.method == "POST":
        try:
            context["report"] = consistency.check_uploaded_list(
                request.FILES.get("file"), request.POST.get("kind", "")
            )
        except DomainError as error:
            context["error"] = error
            status = http_status(error)
    return render(request, "catalog/manage/consistency.html", context, status=status)

"""Staff pages of the e-licence register, mounted at ``/workbench/licences/`` (namespace
``licences_workbench``): the register with search, a licence's page (all fields, status
history, and the actions: suspend / withdraw / cancel / revoke / reinstate with a reason,
renew, change), direct issuance, the xlsx bulk import with its template, and the types.

Thin: parse the form, call one service, render. Refusals come back on the same page at the
field they name, with the status of the one error table (422/403/404/409). A licence of
another issuer does not exist for the viewer (404). The holder is masked in the list, and
on the licence page unless the viewer is cleared for level-4 data.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhengwu.accounts import selectors as account_selectors
from zhengwu.kernel.errors import DomainError, InvalidInput, NotFound, http_status
from zhengwu.licences import imports, policies, register, selectors, services
from zhengwu.licences.choices import TRANSITIONS, HolderCodeType, LicenceStatus
from zhengwu.licences.models import Licence, LicenceType

NAV = "licences"
CHANNEL = "window"
PAGE_SIZE = 100
# What staff may set by hand (失效 is the expiry task's) and the verb shown for it.
ACTION_STATUSES = (
    LicenceStatus.SUSPENDED,
    LicenceStatus.VALID,
    LicenceStatus.WITHDRAWN,
    LicenceStatus.CANCELLED,
    LicenceStatus.REVOKED,
)
ACTIONS = ("status", "renew", "change")
ISSUE_FIELDS = (
    "holder_name", "holder_code", "holder_code_type", "number", "issue_date", "valid_from",
    "valid_until",
)  # fmt: skip


def _verbs() -> dict[str, str]:
    return {
        LicenceStatus.SUSPENDED: _("Suspend the licence"),
        LicenceStatus.VALID: _("Reinstate the licence"),
        LicenceStatus.WITHDRAWN: _("Withdraw the licence"),
        LicenceStatus.CANCELLED: _("Cancel the licence"),
        LicenceStatus.REVOKED: _("Revoke the licence"),
    }


# --- access and helpers -----------------------------------------------------------------------


def _require_staff(request: HttpRequest) -> None:
    if not policies.may_use_register(request.user):
        raise PermissionDenied


def _actor(request: HttpRequest) -> Any:
    return account_selectors.actor_for(request.user, channel=CHANNEL)


def _localized(error: Any) -> str:
    chinese, english = getattr(error, "message", ""), getattr(error, "message_en", "")
    if (translation.get_language() or "").startswith("en"):
        return str(english or chinese)
    return str(chinese or english)


def _errors(error: DomainError) -> dict[str, str]:
    """Field → message of a refusal (``__all__`` when it names no field)."""
    items: list[Any] = list(error.errors) or [error]
    return {(item.field or "__all__"): _localized(item) for item in items}


def _date(value: str, field: str) -> date | None:
    text = (value or "").strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            "日期格式应为 YYYY-MM-DD", "Dates are written YYYY-MM-DD", field=field
        ) from None


def _base(page: str, user: Any = None) -> dict[str, Any]:
    return {"nav_active": NAV, "nav_page": page, "may_issue": _may_issue_somewhere(user)}


def _licence_or_404(request: HttpRequest, licence_id: int) -> Licence:
    licence = register.register_licence(request.user, licence_id)
    if licence is None:
        raise Http404
    return licence


def _schema_fields(
    licence_type: LicenceType, values: dict[str, Any], prefix: str = "m-"
) -> list[dict[str, Any]]:
    """The metadata inputs of a type, with their current values."""
    fields = []
    for spec in licence_type.metadata_schema or []:
        label = spec.get("label", spec["key"])
        if (translation.get_language() or "").startswith("en"):
            label = spec.get("label_en") or label
        fields.append(
            {
                "key": spec["key"],
                "id": f"{prefix}{spec['key']}",
                "name": f"meta_{spec['key']}",
                "label": label,
                "type": spec.get("type", "text"),
                "required": bool(spec.get("required")),
                "choices": spec.get("choices") or [],
                "max_length": spec.get("max_length") or 500,
                "value": values.get(spec["key"], ""),
                "input_type": "date" if spec.get("type") == "date" else "text",
                "error_field": f"metadata.{spec['key']}",
                "error": "",
            }
        )
    return fields


def _posted_metadata(request: HttpRequest, licence_type: LicenceType) -> dict[str, str]:
    return {
        spec["key"]: request.POST.get(f"meta_{spec['key']}", "").strip()
        for spec in licence_type.metadata_schema or []
        if request.POST.get(f"meta_{spec['key']}", "").strip()
    }


# --- register ---------------------------------------------------------------------------------


@login_required
@require_GET
def register_list(request: HttpRequest) -> HttpResponse:
    """The register: search by number, identifier or full holder code; type; status."""
    _require_staff(request)
    values = {
        "q": request.GET.get("q", "")[:100],
        "type": request.GET.get("type", "")[:21],
        "status": request.GET.get("status", "")[:12],
    }
    error = ""
    status = 200
    rows: list[dict[str, Any]] = []
    total = 0
    if values["status"] and values["status"] not in LicenceStatus.values:
        error, status = _("Choose a status from the list."), 422
    else:
        qs = register.register_search(
            request.user, q=values["q"], type_code=values["type"], status=values["status"]
        )
        total = qs.count()
        for licence in qs[:PAGE_SIZE]:
            rows.append(
                {
                    "licence": licence,
                    "holder_name": policies.holder_name_for(request.user, licence, masked=True),
                    "holder_code": policies.holder_code_for(request.user, licence, masked=True),
                }
            )
    return render(
        request,
        "licences/workbench/register.html",
        {
            **_base("register", request.user),
            "values": values,
            "rows": rows,
            "total": total,
            "page_size": PAGE_SIZE,
            "types": selectors.licence_types(active_only=False),
            "statuses": LicenceStatus.choices,
            "error_message": error,
        },
        status=status,
    )


def _may_issue_somewhere(user: Any) -> bool:
    code = policies.issuer_code_of(user)
    return policies.is_administrator(user) or (code is not None and policies.may_issue(user, code))


# --- a licence ----------------------------------------------------------------------------------


def _detail_context(request: HttpRequest, licence: Licence) -> dict[str, Any]:
    licence = Licence.objects.select_related("licence_type", "previous").get(pk=licence.pk)
    labels = {
        spec["key"]: (
            spec.get("label_en") or spec.get("label")
            if (translation.get_language() or "").startswith("en")
            else spec.get("label")
        )
        for spec in licence.licence_type.metadata_schema or []
    }
    may_change = policies.may_change(request.user, licence)
    verbs = _verbs()
    allowed = TRANSITIONS.get(licence.status, frozenset())
    return {
        **_base("register", request.user),
        "licence": licence,
        "holder_name": policies.holder_name_for(request.user, licence),
        "holder_code": policies.holder_code_for(request.user, licence),
        "holder_masked": licence.holder_code_type == HolderCodeType.CITIZEN_ID
        and not policies.full_holder_visible(request.user),
        "metadata_rows": [
            (labels.get(key, key), value) for key, value in (licence.metadata or {}).items()
        ],
        "history": list(licence.status_changes.all()),
        "successors": list(licence.successors.all()),
        "may_change": may_change,
        "status_options": [(s, verbs[s]) for s in ACTION_STATUSES if s in allowed],
        "may_successor": may_change
        and licence.status == LicenceStatus.VALID
        and licence.source != "foreign",
        "change_fields": _schema_fields(licence.licence_type, licence.metadata or {}, "c-"),
        "change_holder_value": licence.holder_name if may_change else "",
        "posted": {},
        "posted_renew": {},
        "posted_change": {},
        "renew_errors": {},
        "change_errors": {},
        "status_error": "",
        "status_reason_error": "",
        "status_reason_value": "",
        "top_error": "",
    }


def _place_errors(
    context: dict[str, Any], name: str, errors: dict[str, str], post: dict[str, Any]
) -> None:
    """Put each message at the field it names in the form that was sent; the rest on top."""
    shown: set[str] = set()
    if name == "status":
        context["posted"] = post
        context["status_reason_value"] = post.get("reason", "")
        context["status_error"] = errors.get("status", "")
        context["status_reason_error"] = errors.get("reason", "")
        shown = {"status", "reason"}
    elif name == "renew":
        context["posted_renew"] = post
        context["renew_errors"] = errors
        shown = {"valid_until", "reason"}
    else:
        context["posted_change"] = post
        context["change_errors"] = errors
        context["change_holder_value"] = post.get("holder_name", "")
        for f in context["change_fields"]:
            f["error"] = errors.get(f["error_field"], "")
            shown.add(f["error_field"])
        shown |= {"holder_name", "reason"}
    top = [message for field, message in errors.items() if field not in shown]
    if name == "status" and not context["status_options"]:
        top = list(errors.values())
    context["top_error"] = " ".join(top)


@login_required
@require_GET
def detail(request: HttpRequest, licence_id: int) -> HttpResponse:
    _require_staff(request)
    licence = _licence_or_404(request, licence_id)
    return render(request, "licences/workbench/detail.html", _detail_context(request, licence))


@login_required
@require_POST
def action(request: HttpRequest, licence_id: int, name: str) -> HttpResponse:
    """One form of the licence page → one service call → back to a licence page."""
    _require_staff(request)
    if name not in ACTIONS:
        raise Http404
    licence = _licence_or_404(request, licence_id)
    post = request.POST
    try:
        if name == "status":
            if post.get("status", "") not in ACTION_STATUSES:
                raise InvalidInput(
                    "请选择新状态（失效由系统按有效期自动处理）",
                    "Choose the new status (expiry is set by the platform at the end date)",
                    field="status",
                )
            services.change_status(
                licence.pk,
                post.get("status", ""),
                reason=post.get("reason", ""),
                actor=_actor(request),
                user=request.user,
            )
            messages.success(request, _("The status was changed."))
            target = licence
        elif name == "renew":
            target = services.renew_licence(
                licence.pk,
                actor=_actor(request),
                user=request.user,
                reason=post.get("reason", ""),
                valid_until=_date(post.get("valid_until", ""), "valid_until"),
            )
            messages.success(request, _("The licence was renewed: this is the new licence."))
        else:
            changed = {
                key: value
                for key, value in _posted_metadata(request, licence.licence_type).items()
                if value != (licence.metadata or {}).get(key, "")
            }
            holder_name = post.get("holder_name", "").strip()
            target = services.change_licence(
                licence.pk,
                actor=_actor(request),
                user=request.user,
                reason=post.get("reason", ""),
                metadata=changed or None,
                holder_name=holder_name if holder_name != licence.holder_name else None,
            )
            messages.success(request, _("The licence was changed: this is the new licence."))
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as error:
        context = _detail_context(request, licence)
        if name == "change":
            context["change_fields"] = _schema_fields(
                licence.licence_type,
                {
                    **(licence.metadata or {}),
                    **_posted_metadata(request, licence.licence_type),
                },
                "c-",
            )
        _place_errors(context, name, _errors(error), post.dict())
        return render(request, "licences/workbench/detail.html", context, status=http_status(error))
    return HttpResponseRedirect(reverse("licences_workbench:detail", args=[target.pk]))


# --- issuance ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def issue(request: HttpRequest) -> HttpResponse:
    """Direct issuance (a paper licence into the register): choose the type, then fill in."""
    _require_staff(request)
    if not _may_issue_somewhere(request.user):
        raise PermissionDenied
    source = request.POST if request.method == "POST" else request.GET
    type_code = source.get("type", "").strip().upper()[:21]
    licence_type = LicenceType.objects.filter(code=type_code, active=True).first()
    errors: dict[str, str] = {}
    status = 200
    if type_code and licence_type is None:
        errors["type_code"] = _("Choose a licence type from the list.")
        status = 422
    if request.method == "POST" and licence_type is not None:
        post = request.POST
        try:
            licence = services.issue_direct(
                user=request.user,
                actor=_actor(request),
                type_code=licence_type.code,
                holder_name=post.get("holder_name", ""),
                holder_code=post.get("holder_code", ""),
                holder_code_type=post.get("holder_code_type") or None,
                number=post.get("number", ""),
                metadata=_posted_metadata(request, licence_type),
                issue_date=_date(post.get("issue_date", ""), "issue_date"),
                valid_from=_date(post.get("valid_from", ""), "valid_from"),
                valid_until=_date(post.get("valid_until", ""), "valid_until"),
            )
        except DomainError as error:
            errors = _errors(error)
            status = http_status(error)
        else:
            messages.success(request, _("The licence was issued and signed."))
            return HttpResponseRedirect(reverse("licences_workbench:detail", args=[licence.pk]))
    posted = request.POST.dict() if request.method == "POST" else {}
    fields = (
        _schema_fields(licence_type, _posted_metadata(request, licence_type) if posted else {})
        if licence_type is not None
        else []
    )
    shown = {"type_code", *ISSUE_FIELDS}
    for f in fields:
        f["error"] = errors.get(f["error_field"], "")
        shown.add(f["error_field"])
    top_error = " ".join(message for field, message in errors.items() if field not in shown)
    return render(
        request,
        "licences/workbench/issue.html",
        {
            **_base("issue", request.user),
            "types": selectors.licence_types(),
            "licence_type": licence_type,
            "type_code": type_code,
            "fields": fields,
            "top_error": top_error,
            "posted": posted,
            "errors": errors,
            "code_types": HolderCodeType.choices,
        },
        status=status,
    )


# --- bulk import ------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def import_page(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    if not _may_issue_somewhere(request.user):
        raise PermissionDenied
    report = None
    error = ""
    status = 200
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise InvalidInput("请选择 xlsx 文件", "Choose an xlsx file", field="file")
            if upload.size and upload.size > imports.MAX_BYTES:
                raise InvalidInput(
                    "文件超过 5 MB", "The file is larger than 5 MB", field="file", code="too_large"
                )
            report = imports.import_licences_xlsx(
                upload.read(imports.MAX_BYTES + 1), user=request.user, actor=_actor(request)
            )
        except DomainError as exc:
            error = _localized(exc)
            status = http_status(exc)
    return render(
        request,
        "licences/workbench/import.html",
        {
            **_base("import", request.user),
            "report": report,
            "error_message": error,
            "types": selectors.licence_types(),
            "max_rows": imports.MAX_ROWS,
        },
        status=status,
    )


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    code = request.GET.get("type", "").strip()
    licence_type = None
    if code:
        licence_type = LicenceType.objects.filter(code=code.upper()).first()
        if licence_type is None:
            raise Http404
    response = HttpResponse(
        imports.template_xlsx(licence_type), content_type=imports.XLSX_CONTENT_TYPE
    )
    name = f"licence-import-{licence_type.code if licence_type else 'all'}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


# --- types --------------------------------------------------------------------------------------


@login_required
@require_GET
def types(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    return render(
        request,
        "licences/workbench/types.html",
        {
            **_base("types", request.user),
            "types": selectors.licence_types(active_only=False),
            "may_edit": policies.may_manage_types(request.user),
        },
    )

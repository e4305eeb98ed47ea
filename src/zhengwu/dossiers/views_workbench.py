"""Staff pages of dossiers and archives (``/workbench/dossiers/``, ``dossiers_workbench``).

- The dossier lookup: the staff member types the ID number or USCC (POST, so it is never in
  a URL or an access log); the service checks the grounds, audits the read and answers only
  the parts the grounds allow. A wrong check character is 422 at the field; no ground 403.
- Archives (administrators and supervisors): the packages with their last four-properties
  check, one package's manifest, checks and disposal; administrators run a check, propose a
  disposal; another administrator or a supervisor decides it.

Thin: parse, call one service or selector, render; refusals are shown with the status of
the one error table (422/403/404/409).
"""

from __future__ import annotations

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

from zhengwu.accounts import policies as account_policies
from zhengwu.dossiers import policies, selectors, services
from zhengwu.dossiers.choices import PackageStatus, Property
from zhengwu.kernel.errors import DomainError, InvalidInput, NotFound, http_status
from zhengwu.kernel.masking import MaskKind, display

NAV = "dossiers"


def localized(error: Any) -> str:
    """A domain error's message in the active language."""
    chinese, english = getattr(error, "message", ""), getattr(error, "message_en", "")
    if (translation.get_language() or "").startswith("en"):
        return str(english or chinese)
    return str(chinese or english)


def _base(page: str) -> dict[str, Any]:
    return {"nav_active": NAV, "nav_page": page}


def _require_staff(request: HttpRequest) -> None:
    if not account_policies.may_use_workbench(request.user):
        raise PermissionDenied


def _require_archives(request: HttpRequest) -> None:
    if not policies.may_view_archives(request.user):
        raise PermissionDenied


# --- dossier lookup ---------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def lookup(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    context: dict[str, Any] = {
        **_base("lookup"),
        "may_view_archives": policies.may_view_archives(request.user),
    }
    if request.method == "GET":
        return render(request, "dossiers/workbench/lookup.html", context)
    code = request.POST.get("code", "")
    try:
        dossier = services.dossier_read_by_staff(user=request.user, code=code)
    except DomainError as exc:
        context.update(
            {
                "error_message": localized(exc),
                "error_field": exc.field or "",
                "code_value": str(code)[:32],
            }
        )
        return render(request, "dossiers/workbench/lookup.html", context, status=http_status(exc))
    clearance = account_policies.clearance_for(request.user)
    subject = dossier.subject
    id_kind = MaskKind.CITIZEN_ID if subject.kind == "citizen" else MaskKind.USCC
    context.update(
        {
            "dossier": dossier,
            "subject_name": display(subject.name, MaskKind.NAME, level=2, clearance=clearance),
            "subject_code": display(subject.code, id_kind, level=4, clearance=clearance),
        }
    )
    return render(request, "dossiers/workbench/lookup.html", context)


# --- archives ---------------------------------------------------------------------------------

FILTERS = ("all", "failing", *PackageStatus.values)


@login_required
@require_GET
def archives(request: HttpRequest) -> HttpResponse:
    _require_archives(request)
    status = request.GET.get("status") or "all"
    if status not in FILTERS:
        raise Http404
    qs = selectors.packages(
        request.user,
        status=status if status in PackageStatus.values else "",
        failing=status == "failing",
    )
    return render(
        request,
        "dossiers/workbench/archives.html",
        {
            **_base("archives"),
            "status": status,
            "filters": [
                ("all", _("All")),
                ("failing", _("Failing the check")),
                *PackageStatus.choices,
            ],
            "packages": list(qs[:200]),
            "summary": selectors.summary(),
            "rules": selectors.retention_rules(),
        },
    )


def _detail_context(request: HttpRequest, number: str) -> dict[str, Any]:
    try:
        package = selectors.access_package(request.user, number)
    except NotFound as exc:
        raise Http404 from exc
    checks = selectors.checks_of(package)
    pending = selectors.open_disposal(package)
    user = request.user
    return {
        **_base("archives"),
        "package": package,
        "files": (package.manifest or {}).get("files") or [],
        "checks": checks,
        "last_check": checks[0] if checks else None,
        "properties": Property.choices,
        "disposals": selectors.disposals_of(package),
        "pending": pending,
        "may_run_checks": policies.may_run_checks(user),
        "may_propose": policies.may_propose_disposal(user)
        and package.status == PackageStatus.ARCHIVED
        and pending is None,
        "may_decide": pending is not None
        and policies.may_decide_disposal(user, pending.proposed_by_id),
    }


@login_required
@require_GET
def archive_detail(request: HttpRequest, number: str) -> HttpResponse:
    _require_archives(request)
    return render(request, "dossiers/workbench/archive.html", _detail_context(request, number))


def _refused(request: HttpRequest, number: str, error: DomainError, action: str) -> HttpResponse:
    context = _detail_context(request, number)
    context.update({"error_action": action, "error_message": localized(error)})
    return render(request, "dossiers/workbench/archive.html", context, status=http_status(error))


@login_required
@require_POST
def archive_check(request: HttpRequest, number: str) -> HttpResponse:
    _require_archives(request)
    try:
        check = services.archive_check_as(user=request.user, number=number)
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        return _refused(request, number, exc, "check")
    if check.ok:
        messages.success(request, _("The four-properties check passed."))
    else:
        messages.error(request, _("The four-properties check found problems."))
    return HttpResponseRedirect(reverse("dossiers_workbench:archive", args=[number]))


@login_required
@require_POST
def disposal_propose(request: HttpRequest, number: str) -> HttpResponse:
    _require_archives(request)
    try:
        services.disposal_propose(number=number, by=request.user, reason=request.POST.get("reason"))
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        return _refused(request, number, exc, "propose")
    messages.success(request, _("Disposal proposed: another person must approve it."))
    return HttpResponseRedirect(reverse("dossiers_workbench:archive", args=[number]))


@login_required
@require_POST
def disposal_decide(request: HttpRequest, number: str, request_id: int) -> HttpResponse:
    _require_archives(request)
    approve = request.POST.get("approve")
    try:
        if approve not in ("yes", "no"):
            raise InvalidInput(
                "请选择批准或不予批准", "Choose approve or reject", field="approve", code="required"
            )
        package = selectors.access_package(request.user, number)
        pending = selectors.open_disposal(package)
        if pending is None or pending.pk != request_id:
            raise NotFound("未找到待审批的销毁申请", "No such pending disposal", field="request_id")
        decided = services.disposal_decide(
            request_id=request_id,
            by=request.user,
            approve=approve == "yes",
            note=request.POST.get("note", ""),
        )
    except NotFound as exc:
        raise Http404 from exc
    except DomainError as exc:
        return _refused(request, number, exc, "decide")
    if decided.status == "approved":
        messages.success(request, _("Disposal approved: the files were destroyed."))
    else:
        messages.success(request, _("Disposal rejected."))
    return HttpResponseRedirect(reverse("dossiers_workbench:archive", args=[number]))

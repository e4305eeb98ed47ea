"""Staff pages of licence use (mounted at ``/workbench/licences/scan/``, namespace
``licences_scan``).

- ``index``: 扫码查验 — a text field a hardware scanner types the scanned code into (a URL
  carrying a code is accepted too). A dynamic licence code shows the live licence; a
  personal / enterprise code shows who the applicant is (masked by the clerk's role) and
  their valid licences. Each read is logged for the holder. Expired, used and forged codes
  are refused with the reason (422 / 409) and logged.
- ``granted``: the grants (用证授权) the viewer may use — to their department or to a case
  they handle — and ``granted_read``: one licence of such a grant (logged with the grant).
  An expired or revoked grant is 403; a grant the viewer may not use is 404.

Any staff member may scan (window clerks first of all); the pages are the workbench's.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import get_language
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from zhengwu.accounts import policies as account_policies
from zhengwu.kernel.errors import DomainError, NotAllowed, NotFound, http_status
from zhengwu.licences import access

NAV = "licences_scan"


def _require_staff(request: HttpRequest) -> None:
    if not request.user.is_authenticated:
        raise PermissionDenied
    if not account_policies.is_staff_member(request.user):
        raise PermissionDenied


def _msg(error: DomainError) -> str:
    return error.message_en if (get_language() or "").startswith("en") else error.message


@never_cache
@require_http_methods(["GET", "POST"])
def index(request: HttpRequest) -> HttpResponse:
    """扫码查验: scan a dynamic licence code or a personal / enterprise code."""
    _require_staff(request)
    context: dict[str, Any] = {"nav_page": "scan", "result": None, "error": "", "value": ""}
    status = 200
    if request.method == "POST":
        value = str(request.POST.get("token", ""))[:2000]
        try:
            context["result"] = access.scan(request.user, value)
        except DomainError as error:
            context["error"] = _msg(error)
            context["error_code"] = error.code
            context["value"] = value.strip()[:200]
            status = http_status(error)
    return render(request, "licences/scan/index.html", context, status=status)


@never_cache
@require_GET
def granted(request: HttpRequest) -> HttpResponse:
    _require_staff(request)
    return render(
        request,
        "licences/scan/granted.html",
        {"nav_page": "granted", "grants": access.grants_for_staff(request.user)},
    )


@never_cache
@require_GET
def granted_read(request: HttpRequest, grant_id: int, licence_id: int) -> HttpResponse:
    """One licence of a grant: the read is logged with the grant (or its case)."""
    _require_staff(request)
    try:
        live = access.read_granted(request.user, grant_id, licence_id)
    except NotFound as exc:
        raise Http404 from exc
    except NotAllowed as error:
        return render(
            request,
            "licences/scan/refused.html",
            {"nav_page": "granted", "error": _msg(error)},
            status=403,
        )
    grant = access.grant_for_staff(request.user, grant_id)
    return render(
        request,
        "licences/scan/granted_read.html",
        {"nav_page": "granted", "live": live, "grant": grant},
    )

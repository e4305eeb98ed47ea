"""Public verification pages (/licences/verify/): by identifier, by the printed QR code, by
uploading a licence PDF or JSON. No login; holders are masked; failed lookups are throttled
per client. Every page works without JavaScript (plain GET and multipart POST forms)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from zhengwu.kernel.errors import DomainError, http_status
from zhengwu.licences import render as licence_render
from zhengwu.licences import verification
from zhengwu.licences.verification import VerificationResult

TEMPLATE = "licences/public/verify.html"


def client_key(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "")


def _page(
    request: HttpRequest,
    *,
    result: VerificationResult | None = None,
    error: DomainError | None = None,
    identifier: str = "",
    status: int = 200,
) -> HttpResponse:
    context: dict[str, Any] = {
        "result": result,
        "error": error,
        "identifier": identifier,
        "max_mb": verification.MAX_DOCUMENT_BYTES // (1024 * 1024),
        "nav_active": "licences_verify",
    }
    if result is not None and result.licence is not None:
        licence = result.licence
        context["holder_display"] = (
            f"{result.holder_name}（{result.holder_code}）"
            if result.holder_code
            else result.holder_name
        )
        context["qr_svg"] = licence_render.qr_svg(
            licence_render.verification_url(licence), label=licence.identifier
        )
    return render(request, TEMPLATE, context, status=status)


def _failed(request: HttpRequest, result: VerificationResult) -> None:
    if not result.exists or not result.signature_ok:
        verification.note_failure(client_key(request))


@never_cache
@require_GET
def verify(request: HttpRequest) -> HttpResponse:
    identifier = str(request.GET.get("identifier", "")).strip()
    if not identifier and "identifier" not in request.GET:
        return _page(request)
    try:
        verification.check_throttle(client_key(request))
        result = verification.verify_identifier(identifier)
    except DomainError as error:
        if error.code != "throttled":
            verification.note_failure(client_key(request))
        return _page(request, error=error, identifier=identifier, status=http_status(error))
    _failed(request, result)
    return _page(request, result=result, identifier=identifier)


@never_cache
@require_http_methods(["GET", "POST"])
def verify_upload(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _page(request)
    upload = request.FILES.get("file")
    try:
        verification.check_throttle(client_key(request))
        content, name = verification.read_upload(upload)
        result = verification.verify_document(content, name)
    except DomainError as error:
        if error.code != "throttled":
            verification.note_failure(client_key(request))
        return _page(request, error=error, status=http_status(error))
    _failed(request, result)
    return _page(request, result=result)


@never_cache
@require_GET
def verify_qr(request: HttpRequest, token: str) -> HttpResponse:
    try:
        verification.check_throttle(client_key(request))
        result = verification.verify_qr_token(token)
    except DomainError as error:
        if error.code != "throttled":
            verification.note_failure(client_key(request))
        return _page(request, error=error, status=http_status(error))
    _failed(request, result)
    return _page(request, result=result, status=200 if result.exists else 404)

"""Public verification API (no authentication), mounted at /api/v1/licences.

``GET /verify?identifier=…`` or ``GET /verify?token=…`` and ``POST /verify/document``
(multipart ``file``). The JSON mirrors :class:`~zhengwu.licences.verification.
VerificationResult`. A wrong check character is 422 with field ``identifier`` before any
lookup. The GET is the hot path (≥ 200/s target): one indexed query with the type joined,
the verified seal instead of a fresh SM2 verification, no session or user work.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import File, Router
from ninja.files import UploadedFile

from zhengwu.kernel.errors import InvalidInput
from zhengwu.licences import verification
from zhengwu.licences.choices import ViewChannel

router = Router(tags=["licences"])


def _client(request: HttpRequest) -> str:
    return str(request.META.get("REMOTE_ADDR") or "")


def _finish(request: HttpRequest, result: verification.VerificationResult) -> dict[str, Any]:
    if not result.exists or not result.signature_ok:
        verification.note_failure(_client(request))
    return result.as_dict()


@router.get("/verify", auth=None, summary="Verify a licence by identifier or QR token")
def verify(request: HttpRequest, identifier: str = "", token: str = "") -> dict[str, Any]:
    verification.check_throttle(_client(request))
    if identifier and token:
        raise InvalidInput(
            "请只提供证照标识或二维码令牌之一",
            "Give either identifier or token, not both",
            field="identifier",
        )
    try:
        if token:
            result = verification.verify_qr_token(token, channel=ViewChannel.API)
        else:
            if not identifier:
                raise InvalidInput("请提供证照标识", "identifier is required", field="identifier")
            result = verification.verify_identifier(identifier, channel=ViewChannel.API)
    except InvalidInput:
        verification.note_failure(_client(request))
        raise
    return _finish(request, result)


@router.post("/verify/document", auth=None, summary="Verify an uploaded licence PDF or JSON export")
def verify_document(request: HttpRequest, file: UploadedFile = File(None)) -> dict[str, Any]:  # noqa: B008
    verification.check_throttle(_client(request))
    content, name = verification.read_upload(file)
    result = verification.verify_document(content, name, channel=ViewChannel.API)
    return _finish(request, result)

"""Public verification of licences: by identifier, by the printed QR token, by an uploaded
PDF or JSON export; and the signed JSON export itself.

A result says whether the licence exists in the register, whether its signature verifies,
its live status and dates, the issuer and a masked holder, and — when it is not valid now —
every reason in Chinese and English. Stored licences are verified through the verified seal
(:func:`zhengwu.licences.signing.verify_stored`): the first check is a full SM2 verification,
later checks of the *same bytes* are one HMAC; any changed field misses the seal and is
verified afresh, so tampering is still caught.

An uploaded document is checked on its own (SM2 over the canonical bytes of its ``licence``
part, with the key registered for its ``key_id`` — never the public key it carries) and then
compared with the register: a genuine download of a licence revoked since shows a good
signature but "not valid now"; content that differs from the register is refused. A PDF is
also checked as a file (see :mod:`zhengwu.licences.render`): a face edited after issuance is
reported even when the attached data is intact.

Checks never log personal data: failures are logged with the reason and the identifier only.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

import orjson
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from zhengwu.kernel import fastread
from zhengwu.kernel.errors import InvalidInput, PayloadTooLarge, TooManyAttempts
from zhengwu.kernel.identifiers import parse_licence_identifier
from zhengwu.kernel.masking import mask_citizen_id, mask_name
from zhengwu.licences import signing
from zhengwu.licences.choices import HolderCodeType, LicenceStatus, ViewChannel
from zhengwu.licences.models import IssuerKey, Licence, LicenceView

logger = logging.getLogger("zhengwu.licences")

MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
EXPORT_FORMAT = "zhengwu.licence.v1"

# (code, Chinese, English): what a verifier reads when a licence is not valid now.
REASONS: dict[str, tuple[str, str]] = {
    "not_found": (
        "登记库中没有该证照",
        "No licence with this identifier is registered",
    ),
    "bad_signature": (
        "签名验证失败：证照内容或签名已被改动",
        "The signature does not verify: the licence content or its signature was altered",
    ),
    "unknown_key": (
        "签名密钥未登记，无法确认签发机构",
        "The signing key is not registered: the issuer cannot be confirmed",
    ),
    "malformed": (
        "文件中的证照数据不完整或格式错误",
        "The licence data in the file is incomplete or malformed",
    ),
    "no_document": (
        "文件中没有可核验的证照签名数据",
        "The file carries no signed licence data to verify",
    ),
    "file_altered": (
        "PDF 文件在签发后被改动（照面内容可能与签发内容不同）",
        "The PDF file was changed after issuance (its printed face may differ from what was "
        "issued)",
    ),
    "content_mismatch": (
        "文件内容与登记库中的证照不一致",
        "The content of the file differs from the licence in the register",
    ),
    "suspended": ("证照已被暂扣", "The licence is suspended"),
    "withdrawn": ("证照已被撤销", "The licence was withdrawn"),
    "cancelled": ("证照已被注销", "The licence was cancelled"),
    "revoked": ("证照已被吊销", "The licence was revoked"),
    "expired": ("证照已失效（超过有效期）", "The licence has expired"),
    "not_yet_valid": ("证照尚未生效", "The licence is not valid yet"),
}


@dataclass(frozen=True)
class Reason:
    code: str
    message: str
    message_en: str

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, "message_en": self.message_en}


def _reason(code: str) -> Reason:
    zh, en = REASONS[code]
    return Reason(code, zh, en)


@dataclass
class VerificationResult:
    exists: bool
    identifier: str = ""
    type_code: str = ""
    type_name: str = ""
    number: str = ""
    status: str = ""
    status_label: str = ""
    status_label_en: str = ""
    issue_date: date | None = None
    valid_from: date | None = None
    valid_until: date | None = None  # None with valid_from set: 长期 (long-term)
    issuer_name: str = ""
    issuer_code: str = ""
    holder_name: str = ""  # masked for citizens; an enterprise's name is public
    holder_code: str = ""  # masked citizen ID; a USCC is public
    holder_code_type: str = ""
    signature_ok: bool = False
    valid_now: bool = False
    reasons: list[Reason] = field(default_factory=list)
    source: str = "identifier"  # identifier / qr / document
    checked_at: Any = None
    licence: Licence | None = field(default=None, repr=False, compare=False)

    @property
    def long_term(self) -> bool:
        return self.valid_from is not None and self.valid_until is None

    @property
    def reason_codes(self) -> list[str]:
        return [r.code for r in self.reasons]

    def as_dict(self) -> dict[str, Any]:
        def day(value: date | None) -> str | None:
            return value.isoformat() if value else None

        return {
            "exists": self.exists,
            "valid_now": self.valid_now,
            "signature_ok": self.signature_ok,
            "identifier": self.identifier,
            "type_code": self.type_code,
            "type_name": self.type_name,
            "number": self.number,
            "status": self.status,
            "status_label": self.status_label,
            "status_label_en": self.status_label_en,
            "issue_date": day(self.issue_date),
            "valid_from": day(self.valid_from),
            "valid_until": day(self.valid_until),
            "long_term": self.long_term,
            "issuer_name": self.issuer_name,
            "issuer_code": self.issuer_code,
            "holder_name": self.holder_name,
            "holder_code": self.holder_code,
            "holder_code_type": self.holder_code_type,
            "reasons": [r.as_dict() for r in self.reasons],
            "source": self.source,
            "checked_at": self.checked_at.isoformat() if self.checked_at else None,
        }


# --- helpers -----------------------------------------------------------------------------------


def masked_holder(name: str, code: str, code_type: str) -> tuple[str, str]:
    """What the public may see of a holder: a citizen's surname and the ends of the ID
    number; an enterprise's name and USCC are public registration data."""
    if code_type == HolderCodeType.USCC:
        return name, code
    return mask_name(name or ""), mask_citizen_id(code or "")


def _status_labels(status: str) -> tuple[str, str]:
    try:
        label = str(LicenceStatus(status).label)
    except ValueError:
        return status, status
    zh, _, en = label.partition(" / ")
    return zh, en or zh


def _parse_day(value: Any) -> date | None:
    if isinstance(value, date):
        return value
    if not value:
        return None
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


def _date_reasons(valid_from: date | None, valid_until: date | None, today: date) -> list[str]:
    codes = []
    if valid_from is not None and valid_from > today:
        codes.append("not_yet_valid")
    if valid_until is not None and valid_until < today:
        codes.append("expired")
    return codes


def _status_reasons(status: str) -> list[str]:
    if status in (LicenceStatus.VALID, ""):
        return []
    return [status] if status in REASONS else ["revoked"]


def _from_licence(
    licence: Licence, check: signing.SignatureCheck, source: str
) -> VerificationResult:
    today = timezone.localdate()
    zh, en = _status_labels(licence.status)
    holder_name, holder_code = masked_holder(
        licence.holder_name, licence.holder_code, licence.holder_code_type
    )
    codes: list[str] = []
    if not check.valid:
        codes.append(check.reason if check.reason in REASONS else "bad_signature")
    codes += _status_reasons(licence.status)
    for code in _date_reasons(licence.valid_from, licence.valid_until, today):
        if code not in codes:
            codes.append(code)
    return VerificationResult(
        exists=True,
        identifier=licence.identifier,
        type_code=licence.type_code,
        type_name=licence.type_name,
        number=licence.number,
        status=licence.status,
        status_label=zh,
        status_label_en=en,
        issue_date=licence.issue_date,
        valid_from=licence.valid_from,
        valid_until=licence.valid_until,
        issuer_name=licence.issuer_name,
        issuer_code=licence.issuer_code,
        holder_name=holder_name,
        holder_code=holder_code,
        holder_code_type=licence.holder_code_type,
        signature_ok=check.valid,
        valid_now=not codes,
        reasons=[_reason(c) for c in codes],
        source=source,
        checked_at=timezone.now(),
        licence=licence,
    )


def _not_found(identifier: str, source: str) -> VerificationResult:
    return VerificationResult(
        exists=False,
        identifier=identifier,
        reasons=[_reason("not_found")],
        source=source,
        checked_at=timezone.now(),
    )


def _log_failure(result: VerificationResult) -> None:
    if result.valid_now:
        return
    level = logging.WARNING if not result.signature_ok and result.exists else logging.INFO
    logger.log(
        level,
        "licence verification failed: source=%s identifier=%s reasons=%s",
        result.source,
        result.identifier or "-",
        ",".join(result.reason_codes),
    )


def _record_view(licence: Licence | None, channel: str) -> None:
    """One row per showing (for the indicators); a plain INSERT on the hot path."""
    if licence is None or not licence.pk:
        return
    at = connection.ops.adapt_datetimefield_value(timezone.now())
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        # A view record is a statistic: it need not wait for the WAL flush (a crash may
        # lose the last few rows, never corrupt anything). Saves a disk sync per check.
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit TO OFF")
            cursor.execute(_view_insert_sql(), [licence.pk, channel, at])
        return
    with connection.cursor() as cursor:
        cursor.execute(_view_insert_sql(), [licence.pk, channel, at])


@lru_cache(maxsize=1)
def _view_insert_sql() -> str:
    meta = LicenceView._meta
    column = {f.name: str(f.column) for f in meta.concrete_fields}
    columns = ", ".join(fastread.quote(column[name]) for name in ("licence", "channel", "at"))
    table = fastread.quote(meta.db_table)
    return f"INSERT INTO {table} ({columns}) VALUES (%s, %s, %s)"  # noqa: S608 - model names


# The lookup of the verification API (≥ 200/s): one hand-written SELECT of the licence's
# columns by a unique key (kernel.fastread), without the ORM's query compilation; the
# licence type is loaded lazily only where a page shows the face.
_READER_FIELDS = tuple(
    f.name
    for f in Licence._meta.concrete_fields
    if f.name not in {"rendered_pdf", "rendered_digest", "created_at", "created_by"}
)


@lru_cache(maxsize=1)
def _reader() -> fastread.RowReader:
    return fastread.RowReader(Licence, _READER_FIELDS)


@lru_cache(maxsize=4)
def _lookup_sql(column: str) -> str:
    reader = _reader()
    return (
        f"SELECT {reader.select_list('l')} FROM {fastread.quote(reader.table)} l "  # noqa: S608
        f"WHERE l.{fastread.quote(reader.column(column))} = %s"
    )


def licence_by(column: str, value: str) -> Licence | None:
    """The licence whose unique ``column`` (identifier or qr_token) is ``value``."""
    row = fastread.fetch_one(_lookup_sql(column), [value])
    return None if row is None else _reader().build(row)  # type: ignore[return-value]


# --- throttling of failed lookups --------------------------------------------------------------

FAILURE_LIMIT = 30  # failed lookups per client …
FAILURE_WINDOW = 60  # … per minute


def check_throttle(client: str) -> None:
    """Refuse a client that made too many failed lookups in the last minute (429)."""
    if not client:
        return
    key = f"licences:verify-fail:{client}:{int(time.time() // FAILURE_WINDOW)}"
    if (cache.get(key) or 0) >= FAILURE_LIMIT:
        logger.warning("licence verification throttled for a client")
        raise TooManyAttempts(
            "核验失败次数过多，请一分钟后再试",
            "Too many failed verifications: try again in a minute",
            field="identifier",
            code="throttled",
        )


def note_failure(client: str) -> None:
    if not client:
        return
    key = f"licences:verify-fail:{client}:{int(time.time() // FAILURE_WINDOW)}"
    try:
        cache.incr(key)
    except ValueError:
        cache.set(key, 1, FAILURE_WINDOW * 2)


# --- by identifier and QR token -----------------------------------------------------------------


def parse_identifier(text: str) -> str:
    """The normalised identifier, its check character validated (InvalidInput otherwise)."""
    if len(text or "") > 120:
        raise InvalidInput("证照标识过长", "The licence identifier is too long", field="identifier")
    try:
        return parse_licence_identifier(text, field="identifier").value
    except InvalidInput as error:
        # Logged like every refused check (the code only: the text may be anything).
        logger.info("licence verification refused: %s", error.code)
        raise


def verify_licence(
    licence: Licence, *, source: str = "identifier", channel: str | None = ViewChannel.VERIFY
) -> VerificationResult:
    """Verify a stored licence (seal cache, live status and dates)."""
    check = signing.verify_stored(licence)
    result = _from_licence(licence, check, source)
    if channel:
        _record_view(licence, channel)
    _log_failure(result)
    return result


def verify_identifier(text: str, *, channel: str = ViewChannel.VERIFY) -> VerificationResult:
    """Verify by GB/T 36904 identifier; a wrong check character is refused before lookup."""
    identifier = parse_identifier(text)
    licence = licence_by("identifier", identifier)
    if licence is None:
        result = _not_found(identifier, "identifier")
        _log_failure(result)
        return result
    return verify_licence(licence, source="identifier", channel=channel)


def verify_qr_token(token: str, *, channel: str = ViewChannel.VERIFY) -> VerificationResult:
    """Verify by the token printed in the licence's QR code."""
    token = (token or "").strip()
    if not token or len(token) > 32 or not all(c.isalnum() or c in "-_" for c in token):
        raise InvalidInput(
            "二维码无效", "The QR code is not a licence verification code", field="token"
        )
    licence = licence_by("qr_token", token)
    if licence is None:
        result = _not_found("", "qr")
        _log_failure(result)
        return result
    return verify_licence(licence, source="qr", channel=channel)


# --- export and uploaded documents ----------------------------------------------------------


def export_document(licence: Licence) -> dict[str, Any]:
    """The signed JSON export of a licence: the canonical content, its SM2 signature, the
    key id and the public key (PEM), so anyone can check it offline. The foreign import of
    another platform's licences consumes exactly this shape."""
    pem = (
        IssuerKey.objects.filter(key_id=licence.key_id)
        .values_list("public_key_pem", flat=True)
        .first()
    )
    return {
        "format": EXPORT_FORMAT,
        "licence": signing.canonical_dict(signing.licence_fields(licence)),
        "signature": licence.signature,
        "key_id": licence.key_id,
        "public_key": pem or "",
    }


def export_json(licence: Licence) -> bytes:
    return orjson.dumps(export_document(licence), option=orjson.OPT_SORT_KEYS | orjson.OPT_INDENT_2)


def _too_large() -> PayloadTooLarge:
    limit = MAX_DOCUMENT_BYTES // (1024 * 1024)
    return PayloadTooLarge(
        f"文件过大：最大 {limit} MB", f"The file is too large: at most {limit} MB", field="file"
    )


def read_upload(upload: Any) -> tuple[bytes, str]:
    """The bytes and name of an uploaded file (Django ``UploadedFile``), size-checked before
    it is read into memory."""
    if upload is None:
        raise InvalidInput("请选择要核验的文件", "Choose a file to verify", field="file")
    if upload.size is not None and upload.size > MAX_DOCUMENT_BYTES:
        raise _too_large()
    content = upload.read(MAX_DOCUMENT_BYTES + 1)
    if len(content) > MAX_DOCUMENT_BYTES:
        raise _too_large()
    return bytes(content), str(upload.name or "")


def _sniff(content: bytes) -> str | None:
    head = content[:1024].lstrip(b"\xef\xbb\xbf \t\r\n")
    if content[:5] == b"%PDF-":
        return "pdf"
    if head[:1] == b"{":
        return "json"
    return None


def _document_result(document: dict[str, Any], *, today: date) -> VerificationResult:
    fields = document.get("licence")
    signature = document.get("signature")
    key_id = document.get("key_id")
    if (
        not isinstance(fields, dict)
        or not isinstance(signature, str)
        or not isinstance(key_id, str)
    ):
        return VerificationResult(
            exists=False,
            reasons=[_reason("malformed")],
            source="document",
            checked_at=timezone.now(),
        )
    try:
        canonical = signing.canonical_bytes(fields)
    except (InvalidInput, TypeError, ValueError):
        return VerificationResult(
            exists=False,
            reasons=[_reason("malformed")],
            source="document",
            checked_at=timezone.now(),
        )
    content = signing.canonical_dict(fields)
    check = signing.check_signature(canonical, signature, key_id)
    if content.get("key_id") != key_id and check.valid:
        check = signing.SignatureCheck(False, "bad_signature")
    identifier = content["identifier"]
    licence = licence_by("identifier", identifier) if identifier else None
    codes: list[str] = []
    if not check.valid:
        codes.append(check.reason if check.reason in REASONS else "bad_signature")
    if licence is None:
        holder_name, holder_code = masked_holder(
            content["holder_name"], content["holder_code"], content["holder_code_type"]
        )
        codes.append("not_found")
        return VerificationResult(
            exists=False,
            identifier=identifier,
            type_code=content["type_code"],
            type_name=content["type_name"],
            number=content["number"],
            issue_date=_parse_day(content["issue_date"]),
            valid_from=_parse_day(content["valid_from"]),
            valid_until=_parse_day(content["valid_until"]),
            issuer_name=content["issuer_name"],
            issuer_code=content["issuer_code"],
            holder_name=holder_name,
            holder_code=holder_code,
            holder_code_type=content["holder_code_type"],
            signature_ok=check.valid,
            valid_now=False,
            reasons=[_reason(c) for c in codes],
            source="document",
            checked_at=timezone.now(),
        )
    stored = signing.verify_stored(licence)
    result = _from_licence(licence, stored, "document")
    if check.valid and signing.licence_canonical_bytes(licence) != canonical:
        codes.append("content_mismatch")
    if not check.valid or not stored.valid:
        result.signature_ok = False
    for code in reversed(codes):
        if code not in result.reason_codes:
            result.reasons.insert(0, _reason(code))
    result.valid_now = not result.reasons
    return result


def verify_document(
    content: bytes, filename: str = "", *, channel: str = ViewChannel.VERIFY
) -> VerificationResult:
    """Verify an uploaded licence PDF (with its attached signed data) or JSON export."""
    from zhengwu.licences import render

    if len(content) > MAX_DOCUMENT_BYTES:
        raise _too_large()
    if not content:
        raise InvalidInput("请选择要核验的文件", "Choose a file to verify", field="file")
    kind = _sniff(content)
    if kind is None:
        raise InvalidInput(
            "只能核验本平台签发的证照 PDF 或 JSON 文件",
            "Only a licence PDF or JSON file issued by this platform can be verified",
            field="file",
            code="file_type",
        )
    today = timezone.localdate()
    file_check = None
    if kind == "pdf":
        document = render.extract_document(content)
        if document is None:
            result = VerificationResult(
                exists=False,
                reasons=[_reason("no_document")],
                source="document",
                checked_at=timezone.now(),
            )
            _log_failure(result)
            return result
        file_check = render.check_file_signature(content, document)
    else:
        try:
            document = orjson.loads(content)
        except orjson.JSONDecodeError:
            raise InvalidInput(
                "JSON 文件格式错误", "The JSON file is not valid JSON", field="file"
            ) from None
        if not isinstance(document, dict):
            raise InvalidInput(
                "JSON 文件应为证照导出对象", "The JSON file is not a licence export", field="file"
            )
    result = _document_result(document, today=today)
    if file_check is not None and not file_check.valid:
        code = file_check.reason if file_check.reason in REASONS else "file_altered"
        if code not in result.reason_codes:
            result.reasons.append(_reason(code))
        result.signature_ok = False
        result.valid_now = False
    _record_view(result.licence, channel)
    _log_failure(result)
    return result

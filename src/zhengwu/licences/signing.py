"""Signing and verifying licences: canonical serialisation, issuer keys, the verified seal.

Canonical serialisation (version 1), documented in docs/licences.md:

* a JSON object with exactly the keys of :data:`CANONICAL_FIELDS`, values as strings except
  ``version`` and ``v`` (integers) and ``metadata`` (an object of strings);
* dates as ``YYYY-MM-DD``; a long-term licence has ``valid_until`` = ``""``;
* keys sorted, no insignificant whitespace (``,`` and ``:`` separators), UTF-8, non-ASCII
  characters written as themselves (not ``\\u`` escapes), NFC-normalised text.

The SM2 signature (GB/T 32918, SM3 digest, default user id) is over those bytes. Status is
not signed: it changes after issuance and is read live from the register (every change is in
the audit chain); what the signature proves is the content the issuer issued.

The **verified seal** makes repeated verification cheap without trusting the database: after
a successful SM2 check, HMAC-SM3 under a key derived from ``SECRET_KEY`` (never stored in
the database) is computed over canonical bytes, signature and key id and kept on the row.
The next check recomputes the HMAC over what is stored now: equal → the exact bytes that
verified before; different (any field, the signature or the key id changed, or the seal
itself forged without the secret) → full SM2 verification, which then fails for tampered
content.
"""

from __future__ import annotations

import base64
import binascii
import hmac
import unicodedata
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Any

import orjson
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from zhengwu.kernel.crypto import (
    Sm2KeyPair,
    decrypt_private_key,
    encrypt_private_key,
    hmac_sm3_hex,
    load_sm2_public_key,
    sm2_sign,
    sm2_verify,
    sm3_digest,
)
from zhengwu.kernel.errors import InvalidInput
from zhengwu.licences.models import IssuerKey, Licence

CANONICAL_VERSION = 1
CANONICAL_FIELDS = (
    "v",
    "identifier",
    "number",
    "type_code",
    "type_name",
    "issuer_code",
    "issuer_name",
    "holder_name",
    "holder_code",
    "holder_code_type",
    "region",
    "issue_date",
    "valid_from",
    "valid_until",
    "metadata",
    "previous",
    "relation",
    "version",
    "key_id",
)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return unicodedata.normalize("NFC", str(value))


def canonical_dict(fields: dict[str, Any]) -> dict[str, Any]:
    """The signed content as a plain dict (the JSON export carries exactly this)."""
    metadata = fields.get("metadata") or {}
    if not isinstance(metadata, dict):
        raise InvalidInput("照面信息应为对象", "metadata must be an object", field="metadata")
    return {
        "v": CANONICAL_VERSION,
        "identifier": _text(fields.get("identifier")),
        "number": _text(fields.get("number")),
        "type_code": _text(fields.get("type_code")),
        "type_name": _text(fields.get("type_name")),
        "issuer_code": _text(fields.get("issuer_code")),
        "issuer_name": _text(fields.get("issuer_name")),
        "holder_name": _text(fields.get("holder_name")),
        "holder_code": _text(fields.get("holder_code")),
        "holder_code_type": _text(fields.get("holder_code_type")),
        "region": _text(fields.get("region")),
        "issue_date": _text(fields.get("issue_date")),
        "valid_from": _text(fields.get("valid_from")),
        "valid_until": _text(fields.get("valid_until")),
        "metadata": {_text(k): _text(v) for k, v in metadata.items()},
        "previous": _text(fields.get("previous")),
        "relation": _text(fields.get("relation")),
        "version": int(fields.get("version") or 1),
        "key_id": _text(fields.get("key_id")),
    }


def canonical_bytes(fields: dict[str, Any]) -> bytes:
    return orjson.dumps(canonical_dict(fields), option=orjson.OPT_SORT_KEYS)


def licence_fields(licence: Licence) -> dict[str, Any]:
    """The signed fields of a stored licence, read from the row as it is now."""
    previous = ""
    if licence.previous_id:
        previous = (
            Licence.objects.filter(pk=licence.previous_id)
            .values_list("identifier", flat=True)
            .first()
            or ""
        )
    return {
        "identifier": licence.identifier,
        "number": licence.number,
        "type_code": licence.type_code,
        "type_name": licence.type_name,
        "issuer_code": licence.issuer_code,
        "issuer_name": licence.issuer_name,
        "holder_name": licence.holder_name,
        "holder_code": licence.holder_code,
        "holder_code_type": licence.holder_code_type,
        "region": licence.region,
        "issue_date": licence.issue_date,
        "valid_from": licence.valid_from,
        "valid_until": licence.valid_until,
        "metadata": licence.metadata,
        "previous": previous,
        "relation": licence.relation,
        "version": licence.version,
        "key_id": licence.key_id,
    }


def licence_canonical_bytes(licence: Licence) -> bytes:
    return canonical_bytes(licence_fields(licence))


# --- keys -----------------------------------------------------------------------------------


@lru_cache(maxsize=64)
def _private_key(key_id: str, token: str) -> Sm2KeyPair:
    return Sm2KeyPair.from_private_pem(decrypt_private_key(token))


@lru_cache(maxsize=256)
def _public_key(key_id: str, pem: str) -> Any:
    return load_sm2_public_key(pem)


def public_key_for(key_id: str) -> Any | None:
    """The public key of ``key_id`` (active, retired or foreign), or None if unknown."""
    pem = IssuerKey.objects.filter(key_id=key_id).values_list("public_key_pem", flat=True).first()
    if pem is None:
        return None
    return _public_key(key_id, pem)


def create_issuer_key(issuer_code: str, issuer_name: str, *, created_by: Any = None) -> IssuerKey:
    """Generate a new SM2 key for an issuer and make it the active one; the previous
    active key is retired but kept, so licences it signed still verify (rotation)."""
    pair = Sm2KeyPair.generate()
    now = timezone.now()
    with transaction.atomic():
        IssuerKey.objects.select_for_update().filter(issuer_code=issuer_code, active=True).update(
            active=False, retired_at=now
        )
        return IssuerKey.objects.create(
            issuer_code=issuer_code,
            issuer_name=issuer_name,
            key_id=pair.key_id(),
            public_key_pem=pair.public_pem(),
            private_key_encrypted=encrypt_private_key(pair.private_pem()),
            active=True,
            created_by=created_by,
        )


def active_key(issuer_code: str, issuer_name: str = "") -> IssuerKey:
    """The issuer's signing key, created on first use (an issuer needs no set-up step)."""
    key = IssuerKey.objects.filter(issuer_code=issuer_code, active=True, foreign=False).first()
    if key is None:
        key = create_issuer_key(issuer_code, issuer_name or issuer_code)
    return key


def sign_with(key: IssuerKey, data: bytes) -> str:
    if not key.private_key_encrypted:
        raise InvalidInput(
            "该密钥只用于验签，不能签名", "This key can verify but not sign", field="key_id"
        )
    pair = _private_key(key.key_id, key.private_key_encrypted)
    return base64.b64encode(sm2_sign(pair, data)).decode("ascii")


# --- verification ---------------------------------------------------------------------------


def _seal_key() -> bytes:
    return sm3_digest(b"zhengwu.licences.verified-seal\x00" + settings.SECRET_KEY.encode())


def seal_for(canonical: bytes, signature: str, key_id: str) -> str:
    message = b"\x00".join((canonical, signature.encode("ascii", "replace"), key_id.encode()))
    return hmac_sm3_hex(_seal_key(), message)


@dataclass(frozen=True)
class SignatureCheck:
    valid: bool
    reason: str = ""  # machine code when invalid: unknown_key / bad_signature / malformed
    message: str = ""
    message_en: str = ""
    cached: bool = False


def _decode_signature(signature: str) -> bytes | None:
    try:
        return base64.b64decode(signature.encode("ascii"), validate=True)
    except (binascii.Error, UnicodeEncodeError, ValueError):
        return None


def check_signature(canonical: bytes, signature: str, key_id: str) -> SignatureCheck:
    """Full SM2 verification of ``signature`` over ``canonical`` with the key ``key_id``."""
    public = public_key_for(key_id)
    if public is None:
        return SignatureCheck(
            False,
            "unknown_key",
            f"签名密钥 {key_id or '（空）'} 未登记",
            f"The signing key {key_id or '(empty)'} is not registered",
        )
    raw = _decode_signature(signature)
    if raw is None or not sm2_verify(public, canonical, raw):
        return SignatureCheck(
            False,
            "bad_signature",
            "签名验证失败：证照内容或签名已被改动",
            "The signature does not verify: the licence content or its signature was altered",
        )
    return SignatureCheck(True)


def verify_stored(licence: Licence, *, remember: bool = True) -> SignatureCheck:
    """Verify a stored licence, using the seal when the stored bytes verified before."""
    canonical = licence_canonical_bytes(licence)
    seal = seal_for(canonical, licence.signature, licence.key_id)
    if licence.verified_seal and hmac.compare_digest(seal, licence.verified_seal):
        return SignatureCheck(True, cached=True)
    result = check_signature(canonical, licence.signature, licence.key_id)
    if result.valid and remember:
        Licence.objects.filter(pk=licence.pk).update(verified_seal=seal)
        licence.verified_seal = seal
    return result

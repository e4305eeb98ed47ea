"""National cryptography for the platform: SM4 field encryption and a blind index.

Field encryption uses SM4 in GCM mode (``cryptography``): SM4 because GB/T 39786 asks for
national algorithms in government systems, GCM because it authenticates the ciphertext, so a
tampered value fails loudly instead of decrypting to garbage. The token carries the key id,
so keys rotate: the first key in ``settings.FIELD_ENCRYPTION_KEYS`` encrypts, every listed
key decrypts, and ``zhengwu rotate_field_keys`` re-encrypts old rows.

Token format: ``sm4gcm:<kid>:<base64url(nonce[12] || ciphertext || tag[16])>``.

The blind index is HMAC-SM3 over a purpose label and the normalised value, so an encrypted
ID number can still be found by exact match without decrypting every row, and equal values
of different kinds (an ID number and a phone) never share an index.
"""

from __future__ import annotations

import base64
import hmac
import os
from dataclasses import dataclass
from functools import lru_cache

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes

from zhengwu.kernel.errors import InvalidInput

TOKEN_PREFIX = "sm4gcm"
_NONCE = 12
_TAG = 16


class DecryptionError(Exception):
    """A stored token could not be decrypted: unknown key id or tampered ciphertext."""


@dataclass(frozen=True)
class FieldKeyring:
    current: str
    keys: dict[str, bytes]

    @classmethod
    def parse(cls, spec: str) -> FieldKeyring:
        keys: dict[str, bytes] = {}
        order: list[str] = []
        for part in (p.strip() for p in spec.split(",")):
            if not part:
                continue
            kid, sep, encoded = part.partition(":")
            if not sep or not kid or not kid.isalnum():
                raise ValueError("field key must look like kid:base64key with an alphanumeric kid")
            key = base64.b64decode(encoded)
            if len(key) != 16:
                raise ValueError(f"field key {kid} must be 16 bytes (SM4), not {len(key)}")
            if kid in keys:
                raise ValueError(f"field key id {kid} is listed twice")
            keys[kid] = key
            order.append(kid)
        if not order:
            raise ValueError("no field encryption key configured")
        return cls(current=order[0], keys=keys)


def _settings_value(name: str) -> str:
    from django.conf import settings

    return str(getattr(settings, name))


@lru_cache(maxsize=8)
def _keyring(spec: str) -> FieldKeyring:
    return FieldKeyring.parse(spec)


def keyring() -> FieldKeyring:
    return _keyring(_settings_value("FIELD_ENCRYPTION_KEYS"))


def _b64e(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def encrypt_field(plaintext: str, *, ring: FieldKeyring | None = None) -> str:
    """Encrypt a personal-data value with the current key; a fresh random nonce every call."""
    ring = ring or keyring()
    nonce = os.urandom(_NONCE)
    encryptor = Cipher(algorithms.SM4(ring.keys[ring.current]), modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(ring.current.encode())
    body = encryptor.update(plaintext.encode("utf-8")) + encryptor.finalize()
    return f"{TOKEN_PREFIX}:{ring.current}:{_b64e(nonce + body + encryptor.tag)}"


def token_key_id(token: str) -> str:
    prefix, _, rest = token.partition(":")
    if prefix != TOKEN_PREFIX:
        raise DecryptionError("not an encrypted field token")
    return rest.partition(":")[0]


def decrypt_field(token: str, *, ring: FieldKeyring | None = None) -> str:
    ring = ring or keyring()
    prefix, kid, encoded = (token.split(":", 2) + ["", ""])[:3]
    if prefix != TOKEN_PREFIX or not encoded:
        raise DecryptionError("not an encrypted field token")
    key = ring.keys.get(kid)
    if key is None:
        raise DecryptionError(f"unknown field key id {kid!r}")
    try:
        raw = _b64d(encoded)
    except (ValueError, TypeError) as exc:
        raise DecryptionError("malformed token") from exc
    if len(raw) < _NONCE + _TAG:
        raise DecryptionError("malformed token")
    nonce, body, tag = raw[:_NONCE], raw[_NONCE:-_TAG], raw[-_TAG:]
    decryptor = Cipher(algorithms.SM4(key), modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(kid.encode())
    try:
        return (decryptor.update(body) + decryptor.finalize()).decode("utf-8")
    except InvalidTag as exc:
        raise DecryptionError("ciphertext failed authentication (tampered or wrong key)") from exc


def needs_rotation(token: str, *, ring: FieldKeyring | None = None) -> bool:
    ring = ring or keyring()
    return token_key_id(token) != ring.current


def _hmac_sm3(key: bytes, message: bytes) -> bytes:
    from cryptography.hazmat.primitives.hmac import HMAC

    mac = HMAC(key, hashes.SM3())
    mac.update(message)
    return mac.finalize()


@lru_cache(maxsize=4)
def _blind_key(encoded: str) -> bytes:
    key = base64.b64decode(encoded)
    if len(key) < 32:
        raise ValueError("the blind index key must be at least 32 bytes")
    return key


def blind_index(value: str, *, purpose: str) -> str:
    """Deterministic keyed digest for exact lookup of an encrypted value (64 hex chars).

    ``value`` must already be normalised by its parser (e.g. upper-case X in ID numbers).
    """
    if not purpose:
        raise InvalidInput("缺少盲索引用途", "A blind index needs a purpose", field="purpose")
    key = _blind_key(_settings_value("BLIND_INDEX_KEY"))
    digest = _hmac_sm3(key, purpose.encode() + b"\x00" + value.encode("utf-8"))
    return digest.hex()


def constant_time_equal(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())

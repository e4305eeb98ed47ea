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
from typing import Any

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
    prefix, kid, encoded = [*token.split(":", 2), "", ""][:3]
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


def hmac_sm3_hex(key: bytes, message: bytes) -> str:
    """HMAC-SM3 as 64 lower-case hex characters (for seals and tags under a server key)."""
    return _hmac_sm3(key, message).hex()


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


# --- SM3 ----------------------------------------------------------------------------------


def sm3_digest(data: bytes) -> bytes:
    """SM3 (GB/T 32905) digest, 32 bytes."""
    digest = hashes.Hash(hashes.SM3())
    digest.update(data)
    return digest.finalize()


def sm3_hex(data: bytes) -> str:
    """SM3 digest as 64 lower-case hex characters."""
    return sm3_digest(data).hex()


# --- SM2 ----------------------------------------------------------------------------------
#
# SM2 (GB/T 32918) signatures come from tongsuopy, the Python binding of Tongsuo (OpenSSL's
# national-crypto fork): ≈1,450 signs/s per core against ≈56/s for pure-Python gmssl, and it
# draws its nonce from OpenSSL's CSPRNG (gmssl's default nonce comes from ``random``). The
# signature is the standard one: e = SM3(Z || M) with Z computed over the default user id
# "1234567812345678", so other SM2 implementations (gmssl's ``verify_with_sm3``, Java's
# BouncyCastle ``SM3withSM2``) verify it; tests/kernel/test_crypto.py cross-checks gmssl.

SM2_DEFAULT_USER_ID = b"1234567812345678"
_SM2_SCALAR_BYTES = 32
_SM2_PRIVATE_PEM_PREFIXES = (
    b"-----BEGIN PRIVATE KEY-----",
    b"-----BEGIN ENCRYPTED PRIVATE KEY-----",
)


def _tongsuo() -> tuple[Any, Any, Any, Any]:
    # Imported on first use: loading Tongsuo's shared library costs start-up time that most
    # processes (a migration, a management command) never need.
    from tongsuopy.crypto import exceptions as ts_exceptions
    from tongsuopy.crypto import hashes as ts_hashes
    from tongsuopy.crypto import serialization
    from tongsuopy.crypto.asymciphers import ec

    return ec, ts_hashes, serialization, ts_exceptions


def _passphrase(value: str | bytes | None) -> bytes | None:
    if value is None or value in ("", b""):
        return None
    return value.encode("utf-8") if isinstance(value, str) else value


@dataclass(frozen=True)
class Sm2KeyPair:
    """An SM2 private key with its public half (tongsuopy key objects inside)."""

    private_key: Any

    @classmethod
    def generate(cls) -> Sm2KeyPair:
        ec, _, _, _ = _tongsuo()
        return cls(ec.generate_private_key(ec.SM2()))

    @classmethod
    def from_private_pem(
        cls, pem: str | bytes, *, passphrase: str | bytes | None = None
    ) -> Sm2KeyPair:
        """Load a PKCS#8 PEM key; raises ``ValueError`` on a wrong passphrase or a non-SM2 key."""
        ec, _, serialization, _ = _tongsuo()
        data = pem.encode() if isinstance(pem, str) else pem
        key = serialization.load_pem_private_key(data, password=_passphrase(passphrase))
        if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != ec.SM2.name:
            raise ValueError("not an SM2 private key")
        return cls(key)

    def private_pem(self, *, passphrase: str | bytes | None = None) -> str:
        """PKCS#8 PEM; encrypted with the passphrase (PBES2) when one is given."""
        _, _, serialization, _ = _tongsuo()
        secret = _passphrase(passphrase)
        encryption = (
            serialization.BestAvailableEncryption(secret)
            if secret
            else serialization.NoEncryption()
        )
        return self.private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        ).decode("ascii")

    @property
    def public_key(self) -> Any:
        return self.private_key.public_key()

    def public_pem(self) -> str:
        return sm2_public_pem(self.public_key)

    def public_hex(self) -> str:
        """Raw public key ``04 || x || y`` as 130 hex characters (the form gmssl and most
        Chinese SDKs exchange)."""
        return sm2_public_bytes(self.public_key).hex()

    def key_id(self) -> str:
        return key_id(self.public_key)

    def sign(self, data: bytes) -> bytes:
        return sm2_sign(self.private_key, data)


def sm2_public_bytes(public_key: Any) -> bytes:
    """Uncompressed point ``04 || x || y`` (65 bytes)."""
    _, _, serialization, _ = _tongsuo()
    return bytes(
        public_key.public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
    )


def sm2_public_pem(public_key: Any) -> str:
    _, _, serialization, _ = _tongsuo()
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode("ascii")


def load_sm2_public_key(value: Any) -> Any:
    """Accept a tongsuopy public key, a :class:`Sm2KeyPair`, a PEM (str/bytes) or the raw
    ``04||x||y`` point as hex or bytes. Raises ``ValueError`` for anything else."""
    ec, _, serialization, _ = _tongsuo()
    if isinstance(value, Sm2KeyPair):
        return value.public_key
    if isinstance(value, ec.EllipticCurvePublicKey):
        key = value
    elif isinstance(value, str | bytes):
        data = value.encode() if isinstance(value, str) else value
        if data.lstrip().startswith(b"-----BEGIN"):
            key = serialization.load_pem_public_key(data.strip())
        else:
            raw = bytes.fromhex(data.decode("ascii")) if isinstance(value, str) else data
            if len(raw) != 1 + 2 * _SM2_SCALAR_BYTES or raw[0] != 4:
                raise ValueError("an SM2 public key is 65 bytes: 04 || x || y")
            key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SM2(), raw)
    else:
        raise ValueError(f"cannot read an SM2 public key from {type(value).__name__}")
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != ec.SM2.name:
        raise ValueError("not an SM2 public key")
    return key


def key_id(public_key: Any) -> str:
    """Short, stable name of a public key: the first 16 hex characters of SM3(04||x||y)."""
    return sm3_hex(sm2_public_bytes(load_sm2_public_key(public_key)))[:16]


def sm2_sign(private_key: Any, data: bytes) -> bytes:
    """SM2 signature with SM3 and the default user id, DER-encoded (SEQUENCE of r, s).

    Each call uses a fresh nonce from OpenSSL's CSPRNG, so two signatures of the same message
    differ and both verify."""
    ec, ts_hashes, _, _ = _tongsuo()
    key = private_key.private_key if isinstance(private_key, Sm2KeyPair) else private_key
    return bytes(key.sign(data, ec.ECDSA(ts_hashes.SM3())))


def sm2_signature_to_raw(der: bytes) -> bytes:
    """DER signature → raw ``r || s`` (64 bytes), the form gmssl and many SDKs use."""
    from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

    r, s = decode_dss_signature(der)
    return r.to_bytes(_SM2_SCALAR_BYTES, "big") + s.to_bytes(_SM2_SCALAR_BYTES, "big")


def sm2_signature_from_raw(raw: bytes) -> bytes:
    """Raw ``r || s`` (64 bytes) → DER signature."""
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    if len(raw) != 2 * _SM2_SCALAR_BYTES:
        raise ValueError("a raw SM2 signature is 64 bytes: r || s")
    r = int.from_bytes(raw[:_SM2_SCALAR_BYTES], "big")
    s = int.from_bytes(raw[_SM2_SCALAR_BYTES:], "big")
    return bytes(encode_dss_signature(r, s))


# Order n of the SM2 curve (GB/T 32918.5): r and s must lie in [1, n-1].
_SM2_N = int("FFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123", 16)


def sm2_verify(public_key: Any, data: bytes, signature: bytes) -> bool:
    """True when ``signature`` (DER) is a valid SM2/SM3 signature of ``data``.

    A bad, malformed or out-of-range signature answers False and never raises, so callers
    can treat "invalid" as an ordinary outcome. A key that cannot be read raises ValueError:
    that is a configuration error, not a forged document."""
    from cryptography.hazmat.primitives.asymmetric.utils import (
        decode_dss_signature,
        encode_dss_signature,
    )

    ec, ts_hashes, _, ts_exceptions = _tongsuo()
    key = load_sm2_public_key(public_key)
    try:
        signature = bytes(signature)
        # Parsed here first because Tongsuo answers malformed DER with an InternalError.
        r, s = decode_dss_signature(signature)
    except (ValueError, TypeError):
        return False
    if not (0 < r < _SM2_N and 0 < s < _SM2_N):
        return False
    if encode_dss_signature(r, s) != signature:
        # Non-canonical encodings (padding, trailing bytes) are refused: one signature, one
        # byte form, so a signature can serve as an identifier.
        return False
    try:
        key.verify(signature, data, ec.ECDSA(ts_hashes.SM3()))
    except (ts_exceptions.InvalidSignature, ts_exceptions.InternalError, ValueError):
        return False
    return True


# --- private keys at rest -------------------------------------------------------------------


def encrypt_private_key(pem: str) -> str:
    """Encrypt a private-key PEM with the field keys, so issuer keys are stored encrypted and
    follow ``rotate_field_keys`` like any other personal-data field."""
    if not pem.lstrip().encode().startswith(_SM2_PRIVATE_PEM_PREFIXES):
        raise InvalidInput("不是私钥 PEM", "Not a private-key PEM", field="private_key")
    return encrypt_field(pem)


def decrypt_private_key(token: str) -> str:
    return decrypt_field(token)

"""Locally generated keys for demo and test mode (never used in production mode)."""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def local_rsa_key(target: Path) -> str:
    """Return the PEM RSA key at ``target``, creating it once (O_EXCL: workers agree)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        return target.read_text()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    try:
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return target.read_text()
    with os.fdopen(fd, "w") as handle:
        handle.write(pem)
    return pem

"""Locally generated keys for demo and test mode (never used in production mode)."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa


def publish_once(target: Path, content: str) -> str:
    """Write ``content`` to ``target`` unless it exists; return what ``target`` holds.

    Several worker processes may start at once on a fresh folder. The file is written
    completely under a temporary name and then hard-linked into place, which fails if another
    process got there first — so nobody ever reads a half-written secret.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        return target.read_text()
    fd, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.")
    try:
        with os.fdopen(fd, "w") as handle:
            handle.write(content)
        os.chmod(temporary, 0o600)
        with contextlib.suppress(FileExistsError):
            os.link(temporary, target)
    finally:
        os.unlink(temporary)
    return target.read_text()


def local_rsa_key(target: Path) -> str:
    """Return the PEM RSA key at ``target``, creating it once."""
    if target.exists():
        return target.read_text()
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    return publish_once(target, pem)

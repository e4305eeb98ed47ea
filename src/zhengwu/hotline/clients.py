"""Open311 clients and their ``api_key`` (GeoReport v2 ``POST requests`` needs one).

The key is shown once, when the client is created; only its SHA-256 is stored
(:attr:`Open311Client.key_hash`) together with a short prefix to tell keys apart in lists.
A presented key is hashed, looked up by its hash and compared in constant time.

Creating and revoking clients is for administrators (or the command line:
``zhengwu hotline_open311_key create NAME``).
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any

from django.db import transaction

from zhengwu.accounts import policies as account_policies
from zhengwu.accounts import selectors as account_selectors
from zhengwu.hotline.models import Open311Client
from zhengwu.kernel.actors import Actor
from zhengwu.kernel.audit import audit_record
from zhengwu.kernel.crypto import constant_time_equal
from zhengwu.kernel.errors import InvalidInput, NotAllowed, NotFound

KEY_PREFIX = "o311_"
MAX_KEY_LENGTH = 128
AUDIT_TYPE = "hotline.open311_client"


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8")).hexdigest()


def _actor(by: Any) -> Actor:
    """An administrator's account, or a system actor (the command line)."""
    if isinstance(by, Actor):
        if by.type != "system":
            raise NotAllowed("仅系统管理员可管理 Open311 客户端", "Administrators only")
        return by
    if not account_policies.is_administrator(by):
        raise NotAllowed(
            "仅系统管理员可管理 Open311 客户端",
            "Only administrators may manage Open311 clients",
        )
    return account_selectors.actor_for(by)


def open311_client_create(*, by: Any, name: str) -> tuple[Open311Client, str]:
    """Create a client; returns it with its plaintext api_key (never retrievable again)."""
    actor = _actor(by)
    name = (name or "").strip()
    if not name or len(name) > 100:
        raise InvalidInput("名称须为 1–100 个字", "The name must be 1–100 characters", field="name")
    secret = secrets.token_urlsafe(32)
    key = f"{KEY_PREFIX}{secret}"
    with transaction.atomic():
        client = Open311Client.objects.create(
            name=name, key_hash=key_hash(key), key_prefix=secret[:8], active=True
        )
        audit_record(
            action="open311_client.created",
            object_type=AUDIT_TYPE,
            object_id=client.pk,
            actor=actor,
            after={"name": name, "key_prefix": client.key_prefix},
        )
    return client, key


def open311_client_revoke(*, by: Any, client_id: int) -> Open311Client:
    """Deactivate a client's key. Idempotent."""
    actor = _actor(by)
    with transaction.atomic():
        client = Open311Client.objects.select_for_update().filter(pk=client_id).first()
        if client is None:
            raise NotFound("未找到该 Open311 客户端", "No such Open311 client", field="client_id")
        if client.active:
            client.active = False
            client.save(update_fields=["active"])
            audit_record(
                action="open311_client.revoked",
                object_type=AUDIT_TYPE,
                object_id=client.pk,
                actor=actor,
                before={"active": True},
                after={"active": False},
            )
    return client


def open311_client_for_key(key: str) -> Open311Client | None:
    """The active client holding ``key``, or ``None`` (unknown, revoked or malformed)."""
    key = (key or "").strip()
    if not key.startswith(KEY_PREFIX) or len(key) > MAX_KEY_LENGTH:
        return None
    digest = key_hash(key)
    client = Open311Client.objects.filter(key_hash=digest).first()
    if client is None or not constant_time_equal(client.key_hash, digest) or not client.active:
        return None
    return client

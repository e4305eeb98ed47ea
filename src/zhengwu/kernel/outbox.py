"""Transactional outbox: messages to other systems, written with the change that causes them.

A service calls :func:`outbox_enqueue` inside its transaction. The message row commits or
rolls back with the change, so another system is never told about something that did not
happen, and never misses something that did. After commit a task delivers it.

Delivery (:func:`deliver_message`)
    1. *Claim*, in a short transaction: lock the row (``SELECT … FOR UPDATE SKIP LOCKED`` on
       PostgreSQL; SQLite serialises writers anyway), check it is still pending and due,
       and set ``next_attempt_at`` to a lease (now + endpoint timeout + 30 s). Other workers
       only pick due messages, so nobody else delivers it while the lease runs, and if this
       worker dies mid-call the message simply becomes due again when the lease ends.
    2. *Call* the endpoint **outside** any transaction (no row lock or connection held
       during a slow HTTP call): ``POST`` of the JSON payload with headers
       ``Idempotency-Key``, ``X-Zhengwu-Topic``, ``X-Zhengwu-Attempt``, and
       ``X-Zhengwu-Signature: sha256=<hex HMAC-SHA256 of the body>`` when the endpoint has a
       signing secret, plus its auth header. Redirects are not followed.
    3. *Record*: 2xx → delivered. Anything else (status, timeout, refused connection) →
       ``attempts + 1``, ``last_error``, and the next attempt after an exponential back-off
       with jitter: ``delay = min(1 h, 30 s · 2^(attempts-1))``, then a random value in
       ``[delay/2, delay]`` ("equal jitter", so many messages failing together do not retry
       together). After ``settings.OUTBOX_MAX_ATTEMPTS`` attempts the message is dead
       (dead letter) until someone retries it (admin action, ``zhengwu outbox retry``).

Delivery is at least once: a receiver must use ``Idempotency-Key`` to drop duplicates.
An inactive endpoint holds its messages (they stay pending and are skipped by the sweep);
an endpoint name that does not exist makes the message dead at once, with the reason.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import random
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import orjson
import requests
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import QuerySet
from django.utils import timezone

from zhengwu.kernel.actors import SYSTEM, Actor
from zhengwu.kernel.audit import audit_record
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.fastread import fetch_all, in_clause, quote, quoted_column
from zhengwu.kernel.models import OutboxEndpoint, OutboxMessage, OutboxStatus

logger = logging.getLogger(__name__)

BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
LEASE_MARGIN = timedelta(seconds=30)
_ERROR_LIMIT = 2000
_HEADER_LINE = re.compile(r"^(?P<name>[A-Za-z0-9-]+):\s*(?P<value>.+)$")


# --- receiving systems -----------------------------------------------------------------------


def register_endpoint(*, name: str, url: str, active: bool, by: Any) -> bool:
    """Make the receiving system ``name`` known (``url``, ``active``) unless it already is —
    an existing endpoint is left exactly as its administrator set it. Returns whether this
    call made it; the new endpoint is audited."""
    endpoint, created = OutboxEndpoint.objects.get_or_create(
        name=name, defaults={"url": url, "active": active}
    )
    if created:
        audit_record(
            action="outbox.endpoint_registered",
            object_type="kernel.outboxendpoint",
            object_id=endpoint.pk,
            actor=by,
            after={"name": name, "url": url, "active": active},
        )
    return created


# --- enqueue ---------------------------------------------------------------------------------


def active_endpoints(names: tuple[str, ...]) -> set[str]:
    """Which of ``names`` are configured and active endpoints. One fixed statement
    (kernel.fastread): every applicant message asks whether SMS and e-mail are set up."""
    if not names:
        return set()
    name, active = (quoted_column(OutboxEndpoint, f) for f in ("name", "active"))
    among, params = in_clause(name, names)
    # Only quoted names from the model's metadata are interpolated; values are bound.
    table = quote(OutboxEndpoint._meta.db_table)
    sql = f"SELECT {name} FROM {table} WHERE {active} = %s AND {among}"  # noqa: S608
    return {row[0] for row in fetch_all(sql, [True, *params])}


def outbox_enqueue(
    *, endpoint: str, topic: str, payload: dict[str, Any], idempotency_key: str
) -> OutboxMessage:
    """Write a message for ``endpoint`` in the caller's transaction; deliver after commit.

    The idempotency key is the message's identity: enqueuing the same key again (a retried
    request, a re-run task) returns the existing message and writes nothing.
    """
    if not endpoint or not topic:
        raise InvalidInput(
            "外发消息缺少接收系统或主题", "An outbox message needs an endpoint and a topic"
        )
    if not idempotency_key or len(idempotency_key) > 128:
        raise InvalidInput(
            "幂等键必须为 1–128 个字符",
            "The idempotency key must be 1–128 characters",
            field="idempotency_key",
        )
    try:
        plain_payload = orjson.loads(orjson.dumps(payload))
    except TypeError as exc:
        raise InvalidInput(
            "外发消息内容不是合法 JSON", f"The payload is not plain JSON: {exc}", field="payload"
        ) from exc
    if not isinstance(plain_payload, dict):
        raise InvalidInput(
            "外发消息内容必须是对象", "The payload must be an object", field="payload"
        )

    with transaction.atomic():
        existing = OutboxMessage.objects.filter(idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing
        try:
            # A savepoint, so a concurrent insert of the same key does not poison the
            # caller's transaction on PostgreSQL.
            with transaction.atomic():
                message = OutboxMessage.objects.create(
                    endpoint=endpoint,
                    topic=topic,
                    payload=plain_payload,
                    idempotency_key=idempotency_key,
                    next_attempt_at=timezone.now(),
                )
        except IntegrityError:
            return OutboxMessage.objects.get(idempotency_key=idempotency_key)
        from zhengwu.kernel.tasks import deliver_outbox_message, enqueue_with_change

        enqueue_with_change(deliver_outbox_message, message.pk)
    return message


# --- delivery --------------------------------------------------------------------------------


def backoff_delay(attempts: int) -> timedelta:
    """Wait before the next attempt after ``attempts`` failures (see the module docstring)."""
    ceiling = min(BACKOFF_CAP, BACKOFF_BASE * (2 ** max(attempts - 1, 0)))
    half = ceiling / 2
    # Jitter spreads retries; it is not a secret, so ``random`` is the right tool.
    return half + half * random.random()  # noqa: S311


def signature_header(secret: str, body: bytes) -> str:
    digest = hmac.new(secret.encode("utf-8"), body, hashlib.sha256).hexdigest()
    return f"sha256={digest}"


def auth_headers(auth_header: str) -> dict[str, str]:
    """``"Name: value"`` sets that header; any other text is the ``Authorization`` value
    (e.g. ``"Bearer abc"``)."""
    text = auth_header.strip()
    if not text:
        return {}
    match = _HEADER_LINE.match(text)
    if match:
        return {match["name"]: match["value"].strip()}
    return {"Authorization": text}


@dataclass(frozen=True)
class _Claim:
    message_id: int
    lease_until: datetime
    attempt: int
    url: str
    timeout: int
    headers: dict[str, str]
    body: bytes


def _locking(queryset: QuerySet[OutboxMessage]) -> QuerySet[OutboxMessage]:
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True)
    return queryset.select_for_update()


def _claim(message_id: int) -> _Claim | str:
    now = timezone.now()
    with transaction.atomic():
        message = _locking(
            OutboxMessage.objects.filter(
                pk=message_id, status=OutboxStatus.PENDING, next_attempt_at__lte=now
            )
        ).first()
        if message is None:
            # Delivered, dead, not yet due, leased by another worker, or locked right now.
            return "skipped"
        endpoint = OutboxEndpoint.objects.filter(name=message.endpoint).first()
        if endpoint is None:
            message.status = OutboxStatus.DEAD
            message.last_error = f"unknown endpoint {message.endpoint!r}"
            message.save(update_fields=["status", "last_error"])
            logger.error("outbox message %s: unknown endpoint %s", message.pk, message.endpoint)
            return "dead"
        if not endpoint.active:
            return "waiting"
        lease_until = now + timedelta(seconds=endpoint.timeout_seconds) + LEASE_MARGIN
        message.next_attempt_at = lease_until
        message.save(update_fields=["next_attempt_at"])
        body = orjson.dumps(message.payload)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "Idempotency-Key": message.idempotency_key,
            "X-Zhengwu-Topic": message.topic,
            "X-Zhengwu-Attempt": str(message.attempts + 1),
            **auth_headers(endpoint.auth_header),
        }
        if endpoint.signing_secret:
            headers["X-Zhengwu-Signature"] = signature_header(endpoint.signing_secret, body)
        return _Claim(
            message_id=message.pk,
            lease_until=lease_until,
            attempt=message.attempts + 1,
            url=endpoint.url,
            timeout=endpoint.timeout_seconds,
            headers=headers,
            body=body,
        )


def _post(claim: _Claim) -> str:
    """ "" on success, else the error to record."""
    try:
        response = requests.post(
            claim.url,
            data=claim.body,
            headers=claim.headers,
            timeout=claim.timeout,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        return f"{type(exc).__name__}: {exc}"
    if 200 <= response.status_code < 300:
        return ""
    return f"HTTP {response.status_code}: {response.text[:500]}"


def _record(claim: _Claim, error: str) -> str:
    now = timezone.now()
    with transaction.atomic():
        message = OutboxMessage.objects.select_for_update().get(pk=claim.message_id)
        if message.status != OutboxStatus.PENDING:
            return "skipped"  # an administrator changed it meanwhile
        if not error:
            message.status = OutboxStatus.DELIVERED
            message.delivered_at = now
            message.attempts = claim.attempt
            message.last_error = ""
            message.save(update_fields=["status", "delivered_at", "attempts", "last_error"])
            return "delivered"
        if message.next_attempt_at != claim.lease_until:
            # Our lease ran out and another worker claimed the message: its outcome counts.
            return "skipped"
        message.attempts = claim.attempt
        message.last_error = error[:_ERROR_LIMIT]
        if message.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
            message.status = OutboxStatus.DEAD
            logger.error(
                "outbox message %s is dead after %s attempts: %s",
                message.pk,
                message.attempts,
                error,
            )
        else:
            message.next_attempt_at = now + backoff_delay(message.attempts)
            logger.warning(
                "outbox message %s attempt %s failed: %s", message.pk, message.attempts, error
            )
        message.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
        return "dead" if message.status == OutboxStatus.DEAD else "retry"


def deliver_message(message_id: int) -> str:
    """Try one message now. Answers ``delivered``, ``retry`` (failed, will retry), ``dead``,
    ``waiting`` (endpoint inactive) or ``skipped`` (not pending, not due, or taken)."""
    claim = _claim(message_id)
    if isinstance(claim, str):
        return claim
    return _record(claim, _post(claim))


def due_messages(*, now: datetime | None = None) -> QuerySet[OutboxMessage]:
    """Pending messages whose next attempt is due, for active or unknown endpoints
    (unknown ones are turned dead by the attempt)."""
    inactive = OutboxEndpoint.objects.filter(active=False).values("name")
    return (
        OutboxMessage.objects.filter(
            status=OutboxStatus.PENDING, next_attempt_at__lte=now or timezone.now()
        )
        .exclude(endpoint__in=inactive)
        .order_by("next_attempt_at", "id")
    )


def deliver_due_messages(*, limit: int = 100) -> dict[str, int]:
    """Deliver up to ``limit`` due messages one after the other; answers counts by outcome."""
    counts: dict[str, int] = {}
    for message_id in list(due_messages().values_list("id", flat=True)[:limit]):
        outcome = deliver_message(message_id)
        counts[outcome] = counts.get(outcome, 0) + 1
    return counts


# --- dead letters ----------------------------------------------------------------------------


def outbox_retry(
    *, message_ids: list[int] | None = None, all_dead: bool = False, actor: Actor | None = None
) -> int:
    """Make dead (or waiting pending) messages due now with a fresh attempt budget, and
    schedule their delivery after commit. Delivered messages are never resent. Answers how
    many messages were reset."""
    if message_ids is None and not all_dead:
        raise InvalidInput("请指定要重试的消息", "Name the messages to retry, or all dead ones")
    with transaction.atomic():
        queryset = OutboxMessage.objects.select_for_update().exclude(status=OutboxStatus.DELIVERED)
        if all_dead:
            queryset = queryset.filter(status=OutboxStatus.DEAD)
        if message_ids is not None:
            queryset = queryset.filter(pk__in=message_ids)
        ids = list(queryset.values_list("id", flat=True))
        if not ids:
            return 0
        for message in OutboxMessage.objects.filter(pk__in=ids).only("status", "attempts"):
            audit_record(
                action="outbox.retried",
                object_type="kernel.outboxmessage",
                object_id=str(message.pk),
                actor=actor or SYSTEM,
                before={"status": message.status, "attempts": message.attempts},
                after={"status": OutboxStatus.PENDING, "attempts": 0},
            )
        OutboxMessage.objects.filter(pk__in=ids).update(
            status=OutboxStatus.PENDING, attempts=0, next_attempt_at=timezone.now()
        )
        from zhengwu.kernel.tasks import deliver_outbox_message, enqueue_with_change

        for message_id in ids:
            enqueue_with_change(deliver_outbox_message, message_id)
    return len(ids)


def outbox_status() -> dict[str, int]:
    """Message counts by status, plus how many pending ones are due now."""
    counts: dict[str, int] = dict.fromkeys(OutboxStatus.values, 0)
    for status, count in _status_counts():
        counts[status] = count
    counts["due"] = due_messages().count()
    return counts


def _status_counts() -> list[tuple[str, int]]:
    from django.db.models import Count

    return list(
        OutboxMessage.objects.order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )

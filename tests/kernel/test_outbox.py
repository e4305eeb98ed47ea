"""The transactional outbox against a real HTTP receiver on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

import pytest
from django.contrib.admin.sites import site
from django.contrib.messages.storage.fallback import FallbackStorage
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import RequestFactory
from django.utils import timezone

from zhengwu.kernel import outbox
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.models import OutboxEndpoint, OutboxMessage, OutboxStatus
from zhengwu.kernel.outbox import (
    BACKOFF_BASE,
    BACKOFF_CAP,
    backoff_delay,
    deliver_due_messages,
    deliver_message,
    outbox_enqueue,
    outbox_retry,
    outbox_status,
)

# Delivery is scheduled with transaction.on_commit, so these tests use real transactions.
pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "shared-secret-for-tests"


@pytest.fixture
def endpoint(http_receiver):
    return OutboxEndpoint.objects.create(
        name="supervision",
        url=f"{http_receiver.url}/push",
        signing_secret=SECRET,
        auth_header="Bearer token-123",
        timeout_seconds=5,
    )


def _enqueue(key: str = "case-1-concluded", **payload) -> OutboxMessage:
    return outbox_enqueue(
        endpoint="supervision",
        topic="case.concluded",
        payload=payload or {"case_id": 1, "result": "准予许可"},
        idempotency_key=key,
    )


def _make_due(message: OutboxMessage) -> None:
    OutboxMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )


def test_delivered_after_commit_with_headers_signature_and_body(endpoint, http_receiver):
    with transaction.atomic():
        message = _enqueue()
        assert http_receiver.requests == []  # nothing leaves before the change commits
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED
    assert message.attempts == 1 and message.delivered_at is not None
    [request] = http_receiver.requests
    assert request.method == "POST" and request.path == "/push"
    assert request.json() == {"case_id": 1, "result": "准予许可"}
    assert request.headers["Idempotency-Key"] == "case-1-concluded"
    assert request.headers["X-Zhengwu-Topic"] == "case.concluded"
    assert request.headers["X-Zhengwu-Attempt"] == "1"
    assert request.headers["Authorization"] == "Bearer token-123"
    assert request.headers["Content-Type"].startswith("application/json")
    expected = hmac.new(SECRET.encode(), request.body, hashlib.sha256).hexdigest()
    assert request.headers["X-Zhengwu-Signature"] == f"sha256={expected}"


def test_named_auth_header_and_no_signature_without_secret(http_receiver):
    OutboxEndpoint.objects.create(
        name="sms", url=http_receiver.url, auth_header="X-Api-Key: k-1", timeout_seconds=5
    )
    outbox_enqueue(endpoint="sms", topic="sms.send", payload={"to": "x"}, idempotency_key="s1")
    [request] = http_receiver.requests
    assert request.headers["X-Api-Key"] == "k-1"
    assert "X-Zhengwu-Signature" not in request.headers
    assert "Authorization" not in request.headers


def test_rolled_back_transaction_writes_and_sends_nothing(endpoint, http_receiver):
    with pytest.raises(RuntimeError), transaction.atomic():
        _enqueue()
        raise RuntimeError("the change failed")
    assert not OutboxMessage.objects.exists()
    assert http_receiver.requests == []


def test_same_idempotency_key_returns_the_existing_message(endpoint, http_receiver):
    first = _enqueue()
    second = _enqueue(case_id=999)
    assert second.pk == first.pk
    assert OutboxMessage.objects.count() == 1
    assert len(http_receiver.requests) == 1
    assert OutboxMessage.objects.get().payload == {"case_id": 1, "result": "准予许可"}


def test_invalid_input_is_refused():
    with pytest.raises(InvalidInput):
        outbox_enqueue(endpoint="x", topic="t", payload={"a": object()}, idempotency_key="k")
    with pytest.raises(InvalidInput):
        outbox_enqueue(endpoint="x", topic="t", payload={}, idempotency_key="k" * 129)
    with pytest.raises(InvalidInput):
        outbox_enqueue(endpoint="", topic="t", payload={}, idempotency_key="k")
    assert not OutboxMessage.objects.exists()


def test_failure_is_retried_with_backoff_then_delivered(endpoint, http_receiver):
    http_receiver.fail_next(2, status=503)
    before = timezone.now()
    message = _enqueue()
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING
    assert message.attempts == 1
    assert message.last_error.startswith("HTTP 503")
    # First back-off: between half and all of the 30 s base.
    assert before + BACKOFF_BASE / 2 <= message.next_attempt_at
    assert message.next_attempt_at <= timezone.now() + BACKOFF_BASE

    assert deliver_due_messages() == {}  # not due yet: nothing is sent
    assert len(http_receiver.requests) == 1

    _make_due(message)
    assert deliver_due_messages() == {"retry": 1}
    message.refresh_from_db()
    assert message.attempts == 2
    assert message.next_attempt_at >= timezone.now() + BACKOFF_BASE  # 2nd: 30–60 s

    _make_due(message)
    assert deliver_due_messages() == {"delivered": 1}
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED and message.attempts == 3
    assert message.last_error == ""
    assert [r.headers["X-Zhengwu-Attempt"] for r in http_receiver.requests] == ["1", "2", "3"]
    assert {r.headers["Idempotency-Key"] for r in http_receiver.requests} == {"case-1-concluded"}


def test_dead_after_max_attempts_then_retried_from_dead(endpoint, http_receiver, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 3
    http_receiver.always(500)
    message = _enqueue()
    for _ in range(2):
        _make_due(message)
        deliver_due_messages()
    message.refresh_from_db()
    assert message.status == OutboxStatus.DEAD and message.attempts == 3
    _make_due(message)
    assert deliver_due_messages() == {}  # dead letters are not swept
    assert len(http_receiver.requests) == 3

    http_receiver.always(200)
    with transaction.atomic():
        assert outbox_retry(all_dead=True) == 1
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED
    assert message.attempts == 1  # a fresh budget
    assert len(http_receiver.requests) == 4


def test_unreachable_endpoint_records_the_error(http_receiver):
    http_receiver.stop()  # nothing listens on this port any more
    OutboxEndpoint.objects.create(name="down", url=http_receiver.url, timeout_seconds=2)
    message = outbox_enqueue(endpoint="down", topic="t", payload={}, idempotency_key="d1")
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING and message.attempts == 1
    assert "ConnectionError" in message.last_error


def test_unknown_endpoint_is_dead_at_once():
    message = outbox_enqueue(endpoint="nowhere", topic="t", payload={}, idempotency_key="u1")
    message.refresh_from_db()
    assert message.status == OutboxStatus.DEAD
    assert "unknown endpoint 'nowhere'" in message.last_error


def test_inactive_endpoint_holds_messages(endpoint, http_receiver):
    OutboxEndpoint.objects.filter(pk=endpoint.pk).update(active=False)
    message = _enqueue()
    assert deliver_message(message.pk) == "waiting"
    assert deliver_due_messages() == {}
    message.refresh_from_db()
    assert message.status == OutboxStatus.PENDING and message.attempts == 0
    assert http_receiver.requests == []
    OutboxEndpoint.objects.filter(pk=endpoint.pk).update(active=True)
    assert deliver_due_messages() == {"delivered": 1}


def test_a_claimed_message_is_not_delivered_twice(endpoint, http_receiver):
    endpoint.active = False
    endpoint.save()
    message = _enqueue()
    endpoint.active = True
    endpoint.save()
    claim = outbox._claim(message.pk)
    assert not isinstance(claim, str)
    # While the lease runs, a second worker finds nothing to do.
    assert deliver_message(message.pk) == "skipped"
    assert deliver_due_messages() == {}
    assert outbox._record(claim, outbox._post(claim)) == "delivered"
    assert len(http_receiver.requests) == 1
    assert deliver_message(message.pk) == "skipped"  # delivered messages are final


def test_backoff_grows_and_is_capped():
    assert BACKOFF_BASE / 2 <= backoff_delay(1) <= BACKOFF_BASE
    assert BACKOFF_BASE * 4 <= backoff_delay(4) <= BACKOFF_BASE * 8
    assert BACKOFF_CAP / 2 <= backoff_delay(30) <= BACKOFF_CAP
    assert len({backoff_delay(5) for _ in range(20)}) > 1  # jittered


def test_commands_status_deliver_and_retry(endpoint, http_receiver, capsys, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    http_receiver.fail_next(1)
    message = _enqueue()
    call_command("outbox", "status")
    assert "dead=1" in capsys.readouterr().out
    http_receiver.always(200)
    call_command("outbox", "retry", str(message.pk))
    assert "1 messages queued for retry" in capsys.readouterr().out
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED
    call_command("outbox", "deliver")
    assert "nothing due" in capsys.readouterr().out
    with pytest.raises(CommandError):
        call_command("outbox", "retry")
    assert outbox_status()["delivered"] == 1


def test_retry_never_resends_delivered_messages(endpoint, http_receiver):
    message = _enqueue()
    assert outbox_retry(message_ids=[message.pk]) == 0
    assert len(http_receiver.requests) == 1


def test_admin_retry_action(endpoint, http_receiver, admin_user, settings):
    settings.OUTBOX_MAX_ATTEMPTS = 1
    http_receiver.fail_next(1)
    message = _enqueue()
    model_admin = site._registry[OutboxMessage]
    request = RequestFactory().post("/admin/kernel/outboxmessage/")
    request.user = admin_user
    request.session = {}
    request._messages = FallbackStorage(request)
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_delete_permission(request)
    with transaction.atomic():
        model_admin.retry_now(request, OutboxMessage.objects.filter(pk=message.pk))
    message.refresh_from_db()
    assert message.status == OutboxStatus.DELIVERED
    assert "1 messages queued" in str(next(iter(request._messages)))


def test_periodic_task_sweeps_due_messages(endpoint, http_receiver):
    from zhengwu.kernel.tasks import deliver_due_outbox

    endpoint.active = False
    endpoint.save()
    _enqueue("k1")
    _enqueue("k2")
    endpoint.active = True
    endpoint.save()
    result = deliver_due_outbox.enqueue()
    assert result.return_value == {"delivered": 2}
    assert sorted(r.headers["Idempotency-Key"] for r in http_receiver.requests) == ["k1", "k2"]


def test_active_endpoints_names_only_the_configured_active_ones():
    OutboxEndpoint.objects.create(name="sms", url="http://127.0.0.1:9/sms")
    OutboxEndpoint.objects.create(name="email", url="http://127.0.0.1:9/mail", active=False)
    OutboxEndpoint.objects.create(name="supervision", url="http://127.0.0.1:9/s")
    assert outbox.active_endpoints(("sms", "email")) == {"sms"}
    assert outbox.active_endpoints(("email",)) == set()
    assert outbox.active_endpoints(("sms", "supervision", "nowhere")) == {"sms", "supervision"}
    assert outbox.active_endpoints(()) == set()

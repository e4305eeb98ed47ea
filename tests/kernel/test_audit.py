"""The hash-chained audit log: recording, verification, tamper detection, the command."""

from __future__ import annotations

import threading
from decimal import Decimal

import pytest
from django.contrib.admin.sites import site
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from zhengwu.kernel.actors import SYSTEM, Actor
from zhengwu.kernel.audit import (
    GENESIS_HASH,
    audit_record,
    audit_verify,
    chain_for,
    entry_canonical,
    entry_hash,
)
from zhengwu.kernel.context import reset_request_id, set_request_id
from zhengwu.kernel.crypto import sm3_hex
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.models import AuditChainHead, AuditEntry

CLERK = Actor("user", "42", "王*", role="window_clerk", channel="window")

pytestmark = pytest.mark.django_db


def _record_case_history(case_id: str, steps: int) -> list[AuditEntry]:
    return [
        audit_record(
            action=f"case.step{i}",
            object_type="case",
            object_id=case_id,
            actor=CLERK,
            before={"status": f"s{i}"},
            after={"status": f"s{i + 1}"},
        )
        for i in range(steps)
    ]


def test_record_links_entries_of_one_object_in_order():
    token = set_request_id("req-0001-abcdef")
    try:
        entries = _record_case_history("C-1", 3)
    finally:
        reset_request_id(token)
    first, second, third = entries
    assert {e.chain for e in entries} == {chain_for("case", "C-1")}
    assert [e.sequence for e in entries] == [1, 2, 3]
    assert first.prev_hash == GENESIS_HASH
    assert second.prev_hash == first.entry_hash and third.prev_hash == second.entry_hash
    assert first.request_id == "req-0001-abcdef"
    assert (first.actor_type, first.actor_id, first.actor_role, first.channel) == (
        "user",
        "42",
        "window_clerk",
        "window",
    )
    head = AuditChainHead.objects.get(chain=first.chain)
    assert (head.last_sequence, head.last_hash) == (3, third.entry_hash)


def test_hash_is_sm3_of_the_stored_row():
    entry = audit_record(
        action="licence.issue",
        object_type="licence",
        object_id=7,
        actor=SYSTEM,
        after={"fee": Decimal("12.50"), "tags": ("a", "b")},
        channel="task",
    )
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert stored.after == {"fee": "12.50", "tags": ["a", "b"]}  # stored as hashed
    assert stored.object_id == "7" and stored.channel == "task"
    assert stored.entry_hash == sm3_hex(entry_canonical(stored)) == entry_hash(stored)
    assert b'"occurred_at":"' in entry_canonical(stored)
    assert entry_canonical(stored).decode().index('"action"') < entry_canonical(
        stored
    ).decode().index('"after"')


def test_anonymous_actor_and_bad_input():
    entry = audit_record(action="hotline.submit", object_type="ticket", object_id="T1", actor=None)
    assert entry.actor_type == "anonymous" and entry.actor_id == ""
    with pytest.raises(InvalidInput):
        audit_record(action="", object_type="case", object_id="1", actor=SYSTEM)
    with pytest.raises(InvalidInput):
        audit_record(
            action="x", object_type="case", object_id="1", actor=SYSTEM, after={"when": object()}
        )
    assert AuditEntry.objects.count() == 1


def test_rolled_back_change_leaves_no_entry_and_no_gap():
    with pytest.raises(RuntimeError), transaction.atomic():
        _record_case_history("C-2", 2)
        raise RuntimeError("the change failed")
    assert not AuditEntry.objects.filter(object_id="C-2").exists()
    _record_case_history("C-2", 1)
    assert audit_verify().ok


def test_an_entry_in_a_transaction_locks_the_head_then_writes_without_a_savepoint():
    _record_case_history("C-3", 1)  # the chain head exists
    # The test already runs inside a transaction (pytest-django), like a service's change.
    with CaptureQueriesContext(connection) as queries:
        entry = _record_case_history("C-3", 1)[0]
    statements = [q["sql"].split()[0].upper() for q in queries]
    assert "SAVEPOINT" not in statements and "RELEASE" not in statements
    writes = [s for s in statements if s in ("SELECT", "INSERT", "UPDATE", "WITH")]
    if connection.vendor == "postgresql":
        # the head FOR UPDATE, then the entry's INSERT inside the head's UPDATE
        assert writes == ["SELECT", "WITH"]
        assert "FOR UPDATE" in queries[0]["sql"]
    else:
        assert writes == ["SELECT", "INSERT", "UPDATE"]
    assert entry.pk == AuditEntry.objects.get(entry_hash=entry.entry_hash).pk
    head = AuditChainHead.objects.get(chain=entry.chain)
    assert (head.last_sequence, head.last_hash) == (entry.sequence, entry.entry_hash)
    assert audit_verify().ok


def test_the_first_entry_of_a_chain_makes_its_head(settings):
    settings.AUDIT_CHAINS = 1
    AuditChainHead.objects.all().delete()
    first = audit_record(action="case.submitted", object_type="case", object_id=1, actor=CLERK)
    second = audit_record(action="case.accepted", object_type="case", object_id=1, actor=CLERK)
    assert (first.sequence, first.prev_hash) == (1, GENESIS_HASH)
    assert (second.sequence, second.prev_hash) == (2, first.entry_hash)
    assert AuditChainHead.objects.get(chain=0).last_hash == second.entry_hash
    assert audit_verify().ok


def test_parts_of_an_aggregate_join_the_chain_of_its_root(settings):
    settings.AUDIT_CHAINS = 8
    # An order id whose own chain differs from its ticket's, so the test can fail.
    order_id = next(n for n in range(1, 100) if chain_for("order", n) != chain_for("ticket", 7))
    with transaction.atomic():
        ticket = audit_record(action="ticket.received", object_type="ticket", object_id=7,
                              actor=CLERK, after={"status": "received"})  # fmt: skip
        order = audit_record(
            action="order.created", object_type="order", object_id=order_id, actor=CLERK,
            after={"status": "pending"}, chain_of=("ticket", 7),
        )  # fmt: skip
    assert order.chain == ticket.chain == chain_for("ticket", 7)
    assert (order.sequence, order.prev_hash) == (ticket.sequence + 1, ticket.entry_hash)
    assert order.object_type == "order" and order.object_id == str(order_id)
    assert audit_verify().ok


def test_clean_chains_verify(capsys):
    for n in range(20):
        _record_case_history(f"C-{n}", 2)
    report = audit_verify()
    assert report.ok, report.problems
    assert report.entries_checked == 40
    assert report.chains_checked == len({chain_for("case", f"C-{n}") for n in range(20)})
    call_command("audit", "verify")
    assert "audit chain intact" in capsys.readouterr().out


def test_edited_row_is_detected(capsys):
    entries = _record_case_history("C-9", 3)
    AuditEntry.objects.filter(pk=entries[1].pk).update(after={"status": "approved"})
    report = audit_verify()
    assert [(p.chain, p.sequence, p.kind) for p in report.problems] == [
        (entries[1].chain, 2, "hash_mismatch")
    ]
    with pytest.raises(CommandError, match="audit chain broken"):
        call_command("audit", "verify")
    assert f"chain {entries[1].chain} #2: hash_mismatch" in capsys.readouterr().err


def test_edited_row_with_recomputed_hash_breaks_the_next_link():
    entries = _record_case_history("C-10", 3)
    forged = AuditEntry.objects.get(pk=entries[1].pk)
    forged.actor_label = "someone else"
    forged.entry_hash = entry_hash(forged)
    forged.save()
    kinds = {(p.sequence, p.kind) for p in audit_verify().problems}
    assert kinds == {(3, "broken_link")}


def test_deleted_middle_row_is_detected():
    entries = _record_case_history("C-11", 4)
    AuditEntry.objects.filter(pk=entries[1].pk).delete()
    kinds = {(p.sequence, p.kind) for p in audit_verify().problems}
    assert kinds == {(3, "sequence_gap"), (3, "broken_link")}


def test_deleted_last_row_is_detected():
    entries = _record_case_history("C-12", 3)
    AuditEntry.objects.filter(pk=entries[-1].pk).delete()
    problems = audit_verify().problems
    assert [(p.sequence, p.kind) for p in problems] == [(3, "head_mismatch")]


def test_deleted_head_is_detected():
    entries = _record_case_history("C-13", 1)
    AuditChainHead.objects.filter(chain=entries[0].chain).delete()
    assert [p.kind for p in audit_verify().problems] == ["no_head"]


def test_many_objects_sharing_chains_keep_sequences_contiguous(settings):
    settings.AUDIT_CHAINS = 2
    # Interleave appends for many objects so that each chain receives entries from several.
    for step in range(3):
        for n in range(10):
            audit_record(action=f"step{step}", object_type="ticket", object_id=n, actor=SYSTEM)
    for chain in (0, 1):
        sequences = list(
            AuditEntry.objects.filter(chain=chain)
            .order_by("sequence")
            .values_list("sequence", flat=True)
        )
        assert sequences == list(range(1, len(sequences) + 1))
    assert AuditEntry.objects.count() == 30
    assert audit_verify().ok


@pytest.mark.skipif(connection.vendor != "postgresql", reason="needs real concurrent writers")
@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_sequences_contiguous(settings):
    settings.AUDIT_CHAINS = 1  # every writer on the same chain: the worst case for the lock
    errors: list[BaseException] = []

    def writer(worker: int) -> None:
        try:
            for i in range(10):
                with transaction.atomic():
                    audit_record(
                        action="concurrent",
                        object_type="case",
                        object_id=f"{worker}-{i}",
                        actor=SYSTEM,
                    )
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    sequences = list(AuditEntry.objects.order_by("sequence").values_list("sequence", flat=True))
    assert sequences == list(range(1, 61))
    assert audit_verify().ok


def test_admin_is_read_only(admin_user):
    model_admin = site._registry[AuditEntry]
    request = RequestFactory().get("/admin/kernel/auditentry/")
    request.user = admin_user
    assert not model_admin.has_add_permission(request)
    assert not model_admin.has_change_permission(request)
    assert not model_admin.has_delete_permission(request)
    assert model_admin.has_view_permission(request)

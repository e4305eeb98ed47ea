"""The append-only, hash-chained audit log.

Every state change of a case, ticket, licence or review writes one :class:`AuditEntry` through
:func:`audit_record`, in the same transaction as the change, so there is no change without
its entry and no entry for a change that rolled back.

Chains
    Entries are spread over ``settings.AUDIT_CHAINS`` chains (default 8) so that unrelated
    writes do not all queue on one lock. An object always lands in the same chain
    (``crc32("<object_type>:<object_id>") % N``), so one object's history is one ordered
    chain. Parts of an aggregate name its root with ``chain_of`` (a ticket's work orders go
    to the ticket's chain), so that a transaction about one aggregate locks one chain head:
    two transactions that each lock two heads in opposite orders deadlock. Each chain has a
    head row (:class:`AuditChainHead`); appending locks the head with ``SELECT … FOR UPDATE``,
    takes ``sequence = last + 1`` and links ``prev_hash`` to the head's hash; the entry's
    INSERT and the head's UPDATE are then one statement on PostgreSQL (decision 0003). Changing
    ``AUDIT_CHAINS`` later is safe for verification (each entry records its chain) but splits
    an object's history across two chains from then on.

Hash
    ``entry_hash = SM3(canonical)`` where ``canonical`` is the orjson encoding, keys sorted, of
    a dict of every stored field except ``entry_hash`` itself: ``chain``, ``sequence``,
    ``occurred_at`` (ISO 8601 in UTC with microseconds), the actor fields, ``channel``,
    ``action``, ``object_type``, ``object_id``, ``before``, ``after``, ``request_id`` and
    ``prev_hash``. The first entry of a chain links to :data:`GENESIS_HASH`.

What it proves
    ``audit_verify`` finds any entry edited in place (hash mismatch), deleted in the middle
    (sequence gap and broken link) or at the end (head ahead of the last entry). Someone with
    write access to the database who rewrites an entry *and* every later entry *and* the
    head is not detected by the chain alone; anchoring the heads elsewhere (a signed daily
    digest) closes that and is a later step.

Personal data
    ``before``/``after`` are stored as they are given and cannot be changed later without
    breaking the chain: callers pass summaries with personal data already masked
    (:func:`zhengwu.kernel.masking.mask`), never raw ID numbers or phone numbers.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import orjson
from django.conf import settings
from django.db import connections, transaction
from django.utils import timezone

from zhengwu.kernel.actors import Actor
from zhengwu.kernel.context import current_request_id
from zhengwu.kernel.crypto import sm3_hex
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.fastread import fetch_one, quote, quoted_column
from zhengwu.kernel.models import AuditChainHead, AuditEntry
from zhengwu.kernel.rows import insert_statement, insert_unless_exists, inserted

GENESIS_HASH = "0" * 64
DEFAULT_CHAINS = 8
_HEAD_ATTEMPTS = 5


def chain_count() -> int:
    count = int(getattr(settings, "AUDIT_CHAINS", DEFAULT_CHAINS))
    if count < 1:
        raise ValueError("AUDIT_CHAINS must be at least 1")
    return count


def chain_for(object_type: str, object_id: str | int) -> int:
    return zlib.crc32(f"{object_type}:{object_id}".encode()) % chain_count()


def _plain_json(value: dict[str, Any] | None, name: str) -> dict[str, Any]:
    """Normalise through orjson so that what is stored is exactly what was hashed (datetimes
    become strings, tuples lists) and refuse what JSON cannot hold (non-string keys …)."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise InvalidInput(
            f"审计字段 {name} 必须是对象", f"Audit field {name} must be a JSON object", field=name
        )
    try:
        normalised: dict[str, Any] = orjson.loads(orjson.dumps(value, default=_json_default))
    except TypeError as exc:
        raise InvalidInput(
            f"审计字段 {name} 不是合法 JSON",
            f"Audit field {name} is not plain JSON: {exc}",
            field=name,
        ) from exc
    return normalised


def _json_default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)  # amounts keep their exact digits
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _iso_utc(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def entry_canonical(entry: AuditEntry) -> bytes:
    """The bytes that ``entry_hash`` is the SM3 digest of (see the module docstring)."""
    return orjson.dumps(
        {
            "chain": entry.chain,
            "sequence": entry.sequence,
            "occurred_at": _iso_utc(entry.occurred_at),
            "actor_type": entry.actor_type,
            "actor_id": entry.actor_id,
            "actor_label": entry.actor_label,
            "actor_role": entry.actor_role,
            "channel": entry.channel,
            "action": entry.action,
            "object_type": entry.object_type,
            "object_id": entry.object_id,
            "before": entry.before,
            "after": entry.after,
            "request_id": entry.request_id,
            "prev_hash": entry.prev_hash,
        },
        option=orjson.OPT_SORT_KEYS,
    )


def entry_hash(entry: AuditEntry) -> str:
    return sm3_hex(entry_canonical(entry))


def _head_names() -> tuple[str, str, str, str]:
    """The head's table and its chain, last-sequence and last-hash columns, quoted."""
    return (
        quote(AuditChainHead._meta.db_table),
        quoted_column(AuditChainHead, "chain"),
        quoted_column(AuditChainHead, "last_sequence"),
        quoted_column(AuditChainHead, "last_hash"),
    )


def _locked_head(chain: int) -> tuple[int, str]:
    """(last sequence, last hash) of the chain's head row, locked for the rest of the
    transaction (``SELECT … FOR UPDATE``; SQLite serialises writers instead). The head is
    made on the chain's first use: two first appends may both insert it, and the loser's
    ``ON CONFLICT DO NOTHING`` waits for the winner and then reads — and locks — its row.
    A fixed statement (kernel.fastread), as every change of the platform runs it."""
    connection = connections["default"]
    table, key, sequence, last_hash = _head_names()
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    sql = f"SELECT {sequence}, {last_hash} FROM {table} WHERE {key} = %s{lock}"  # noqa: S608
    for _ in range(_HEAD_ATTEMPTS):
        row = fetch_one(sql, [chain])
        if row is not None:
            return int(row[0]), str(row[1])
        insert_unless_exists(AuditChainHead(chain=chain, last_sequence=0, last_hash=""))
    raise RuntimeError(f"could not lock audit chain head {chain}")


def _store(entry: AuditEntry) -> None:
    """Insert ``entry`` and move its chain's head to it. On PostgreSQL one statement (the
    INSERT as a data-modifying CTE of the head's UPDATE), elsewhere two."""
    connection = connections["default"]
    table, key, sequence, last_hash = _head_names()
    move = f"UPDATE {table} SET {sequence} = %s, {last_hash} = %s WHERE {key} = %s"  # noqa: S608
    head_params: list[Any] = [entry.sequence, entry.entry_hash, entry.chain]
    if connection.vendor == "postgresql":
        insert, params = insert_statement(entry)
        pk = quoted_column(AuditEntry, "id")
        with connection.cursor() as cursor:
            cursor.execute(  # quoted names from metadata, values bound (see insert_statement)
                f"WITH e AS ({insert} RETURNING {pk}) {move} RETURNING (SELECT {pk} FROM e)",  # noqa: S608
                [*params, *head_params],
            )
            row = cursor.fetchone()
        if row is None:  # the head was locked above: it cannot have gone
            raise RuntimeError(f"audit chain head {entry.chain} vanished")
        inserted(entry, row[0])
        return
    entry.save(force_insert=True)
    with connection.cursor() as cursor:
        cursor.execute(move, head_params)


def audit_record(
    *,
    action: str,
    object_type: str,
    object_id: str | int,
    actor: Actor | None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    channel: str = "",
    chain_of: tuple[str, str | int] | None = None,
) -> AuditEntry:
    """Append one entry to the audit log, inside the caller's transaction.

    ``chain_of`` is ``(object_type, object_id)`` of the aggregate root whose chain the entry
    joins, when the object is a part of it (see the module docstring); by default the
    object's own chain.

    ``channel`` defaults to the actor's channel. ``actor=None`` records an anonymous change
    (e.g. a public form); pass :data:`zhengwu.kernel.actors.SYSTEM` for the platform itself.
    The request id is taken from :mod:`zhengwu.kernel.context`.
    """
    if not action or not object_type or object_id in ("", None):
        raise InvalidInput(
            "审计记录缺少动作或对象",
            "An audit entry needs an action, an object type and an object id",
            field="action" if not action else "object",
        )
    object_key = str(object_id)
    before_json = _plain_json(before, "before")
    after_json = _plain_json(after, "after")
    chain = chain_for(*chain_of) if chain_of else chain_for(object_type, object_key)
    # No savepoint of its own (two statements fewer per entry): the entry belongs to the
    # caller's transaction, and if writing it fails the whole change must roll back — there
    # is nothing to recover here. Outside a transaction this block is the transaction.
    with transaction.atomic(savepoint=False):
        last_sequence, last_hash = _locked_head(chain)
        entry = AuditEntry(
            chain=chain,
            sequence=last_sequence + 1,
            # Truncated to microseconds by construction; the canonical form uses them all.
            occurred_at=timezone.now(),
            actor_type=actor.type if actor else "anonymous",
            actor_id=actor.id if actor else "",
            actor_label=actor.label if actor else "",
            actor_role=actor.role if actor else "",
            channel=channel or (actor.channel if actor else ""),
            action=action,
            object_type=object_type,
            object_id=object_key,
            before=before_json,
            after=after_json,
            request_id=current_request_id()[:64],
            prev_hash=last_hash or GENESIS_HASH,
        )
        entry.entry_hash = entry_hash(entry)
        _store(entry)
    return entry


# --- verification ------------------------------------------------------------------------


@dataclass(frozen=True)
class VerifyProblem:
    chain: int
    sequence: int | None
    kind: str  # "hash_mismatch" | "sequence_gap" | "broken_link" | "head_mismatch" | "no_head"
    detail: str

    def __str__(self) -> str:
        where = f"chain {self.chain}" + (f" #{self.sequence}" if self.sequence else "")
        return f"{where}: {self.kind}: {self.detail}"


@dataclass
class VerifyReport:
    chains_checked: int = 0
    entries_checked: int = 0
    problems: list[VerifyProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _chain_entries(chain: int) -> Iterator[AuditEntry]:
    return AuditEntry.objects.filter(chain=chain).order_by("sequence").iterator(chunk_size=2000)


def audit_verify() -> VerifyReport:
    """Check every chain: each entry's hash, the links, contiguous sequences, and that the
    head matches the last entry (a deleted tail leaves the head ahead of it)."""
    report = VerifyReport()
    heads = {head.chain: head for head in AuditChainHead.objects.all()}
    chains = sorted(
        set(heads)
        # order_by() drops Meta.ordering, which would otherwise widen the DISTINCT.
        | set(AuditEntry.objects.order_by().values_list("chain", flat=True).distinct())
    )
    for chain in chains:
        report.chains_checked += 1
        expected_sequence = 1
        previous_hash = GENESIS_HASH
        last: AuditEntry | None = None
        for entry in _chain_entries(chain):
            report.entries_checked += 1
            if entry.sequence != expected_sequence:
                report.problems.append(
                    VerifyProblem(
                        chain,
                        entry.sequence,
                        "sequence_gap",
                        f"expected #{expected_sequence}: entries "
                        f"#{expected_sequence}–#{entry.sequence - 1} are missing",
                    )
                )
            if entry.prev_hash != previous_hash:
                report.problems.append(
                    VerifyProblem(
                        chain,
                        entry.sequence,
                        "broken_link",
                        "prev_hash does not match the previous entry's hash",
                    )
                )
            recomputed = entry_hash(entry)
            if recomputed != entry.entry_hash:
                report.problems.append(
                    VerifyProblem(
                        chain,
                        entry.sequence,
                        "hash_mismatch",
                        "the entry's content does not match its hash (edited)",
                    )
                )
            expected_sequence = entry.sequence + 1
            previous_hash = entry.entry_hash
            last = entry
        head = heads.get(chain)
        if head is None:
            report.problems.append(
                VerifyProblem(chain, None, "no_head", "entries exist but the chain head is gone")
            )
            continue
        last_sequence = last.sequence if last else 0
        last_hash = last.entry_hash if last else ""
        if head.last_sequence != last_sequence or (head.last_hash or "") != last_hash:
            report.problems.append(
                VerifyProblem(
                    chain,
                    head.last_sequence,
                    "head_mismatch",
                    f"the head records #{head.last_sequence} but the last entry is "
                    f"#{last_sequence}: entries at the end were deleted or the head was edited",
                )
            )
    return report

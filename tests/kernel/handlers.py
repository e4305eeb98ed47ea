"""Event handlers used only by tests/kernel/test_events.py (named by dotted path)."""

from __future__ import annotations

from typing import Any

from zhengwu.kernel.models import OutboxEndpoint

calls: list[tuple[str, dict[str, Any]]] = []


def record(event: str, payload: dict[str, Any]) -> None:
    calls.append((event, payload))


def fail(event: str, payload: dict[str, Any]) -> None:
    raise RuntimeError(f"handler failure for {event}")


def write_row(event: str, payload: dict[str, Any]) -> None:
    # Proves the handler runs after commit: the row it writes survives on its own.
    OutboxEndpoint.objects.create(name=payload["name"], url="http://127.0.0.1:9/")

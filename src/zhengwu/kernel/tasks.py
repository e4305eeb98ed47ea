"""Kernel background tasks (django-tasks): outbox delivery and async event handlers.

Every task here is idempotent and safe to run twice or concurrently: delivery claims its
message under a row lock with a lease, and event handlers are required to be idempotent.
Arguments are plain JSON because the database and RQ backends serialise them.
"""

from __future__ import annotations

from typing import Any

from django_tasks import task

from zhengwu.kernel import events, outbox


@task()
def deliver_outbox_message(message_id: int) -> str:
    """Try to deliver one outbox message now; answers the outcome (see ``deliver_message``)."""
    return outbox.deliver_message(message_id)


@task()
def deliver_due_outbox(limit: int = 100) -> dict[str, int]:
    """Deliver pending messages whose next attempt is due (run by `zhengwu scheduler`)."""
    return outbox.deliver_due_messages(limit=limit)


@task()
def run_event_handler(handler_path: str, event: str, payload: dict[str, Any]) -> None:
    """Run one handler of an ``async_`` event. A failure raises, so the task backend records
    it as failed with its traceback."""
    events.run_handler(handler_path, event, payload)

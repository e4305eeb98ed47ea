"""Kernel background tasks (django-tasks): outbox delivery and async event handlers.

Every task here is idempotent and safe to run twice or concurrently: delivery claims its
message under a row lock with a lease, and event handlers are required to be idempotent.
Arguments are plain JSON because the database and RQ backends serialise them.
"""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

from django.db import DEFAULT_DB_ALIAS, transaction
from django_tasks import task

from zhengwu.kernel import events, outbox

logger = logging.getLogger(__name__)


def _writes_to_database(backend: Any) -> bool:
    try:
        from django_tasks_db import DatabaseBackend
    except ImportError:  # pragma: no cover - the database backend is a dependency
        return False
    return isinstance(backend, DatabaseBackend)


def enqueue_with_change(task_: Any, /, *args: Any, **kwargs: Any) -> None:
    """Queue ``task_`` so that it runs only once the caller's change is committed.

    On the database task backend (the default) the task row is written inside the caller's
    transaction: it commits with the change or not at all, no task is lost between the
    commit and the enqueue, and it costs no transaction of its own. On other backends (RQ,
    the immediate backend of tests) it is enqueued after the commit; a queue outage then is
    logged, not raised — the change is committed — so use this only for work that is
    recovered without the task (the outbox sweep ``deliver_due_outbox`` retries messages; a
    notice's PDF is rendered when first asked for). Outside a transaction it is enqueued now.
    """
    connection = transaction.get_connection(DEFAULT_DB_ALIAS)
    if connection.in_atomic_block and _writes_to_database(task_.get_backend()):
        task_.enqueue(*args, **kwargs)
        return
    transaction.on_commit(partial(_enqueue_logged, task_, args, kwargs))


def _enqueue_logged(task_: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> None:
    try:
        task_.enqueue(*args, **kwargs)
    except Exception:
        logger.exception("could not enqueue %s%r", task_.module_path, args)


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

"""Background tasks of the hotline (django-tasks). Idempotent; safe to run concurrently."""

from __future__ import annotations

import dataclasses
import json
import logging
from typing import Any

from django_tasks import task

from zhengwu.kernel.errors import InvalidInput

logger = logging.getLogger(__name__)


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return json.loads(json.dumps(value, default=str))


@task()
def supervise_orders() -> dict[str, int]:
    """督办 sweep: due-soon, overdue, unsigned and escalated notices (every 5 minutes)."""
    from zhengwu.hotline import services

    return services.supervise_orders()


@task()
def retrain_routing() -> dict[str, Any]:
    """Retrain the routing classifier on closed tickets (daily): a new version is stored with
    its evaluation; a dispatcher or administrator activates it after reading the numbers
    (admin action or ``zhengwu hotline_train``) — a worse model never replaces a good one
    unattended.

    Too few closed tickets to train on (a new installation) is not a failure: the active
    model stays and the reason is returned.
    """
    from zhengwu.hotline import routing

    try:
        model = routing.train_model(source="closed", activate=False)
    except InvalidInput as exc:
        logger.info("routing model not retrained: %s", exc.message_en)
        return {"skipped": exc.message_en}
    return {"version": model.version, "metrics": _plain(model.metrics)}


@task()
def refresh_daily_stats() -> Any:
    """Incremental daily aggregates for the analytics pages (every 10 minutes)."""
    from zhengwu.hotline import analytics

    return _plain(analytics.refresh_daily_stats())

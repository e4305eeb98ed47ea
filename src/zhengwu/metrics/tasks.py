"""Background task of the indicators (django-tasks). Idempotent; safe to run concurrently
(refreshes are serialised by a lock and recompute whole days)."""

from __future__ import annotations

from typing import Any

from django_tasks import task


@task()
def refresh_aggregates() -> dict[str, Any]:
    """Bring the indicators' aggregates up to date, days with changes only (every 10 min)."""
    from zhengwu.metrics import aggregate

    return aggregate.refresh().as_dict()

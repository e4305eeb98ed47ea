"""Background tasks of 好差评 (django-tasks). Idempotent; safe to run concurrently."""

from __future__ import annotations

from django_tasks import task


@task()
def escalate_overdue() -> int:
    """电子监察 sweep (every 15 minutes): flag and escalate every overdue rectification step
    once (``services.escalate_overdue``); answers how many were escalated now."""
    from zhengwu.ratings import services

    return services.escalate_overdue()

"""Background tasks of the catalogue (django-tasks). Idempotent; safe to run concurrently."""

from __future__ import annotations

from django_tasks import task

from zhengwu.catalog import services


@task()
def publish_due_versions() -> dict[str, list[int]]:
    """Publish approved versions whose effective date has come (run every minute by
    `zhengwu scheduler`, see ``kernel.schedule.PERIODIC_JOBS``)."""
    return services.version_publish_due()

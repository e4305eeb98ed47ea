"""Background tasks of the e-licence domain (django-tasks). Idempotent."""

from __future__ import annotations

from django_tasks import task


@task()
def expire_due_licences() -> int:
    """Daily: valid or suspended licences past their end date become 失效 (expired)."""
    from zhengwu.licences.services import expire_due

    return expire_due()


@task()
def purge_token_uses() -> int:
    """Daily: forget used one-time tokens a day after they expired (no replay is possible
    by then, so the unique ``jti`` rows have done their job)."""
    from zhengwu.licences.access import purge_token_uses as purge

    return purge()

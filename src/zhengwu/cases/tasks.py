"""Background tasks of case handling (django-tasks). Idempotent; safe to run concurrently."""

from __future__ import annotations

from typing import Any

from django_tasks import task

from zhengwu.cases import documents_service, services


@task()
def render_notice_pdf(notice_id: int) -> str:
    """Render a notice's PDF after the transaction that issued it (never inside it)."""
    return documents_service.render_and_store(notice_id)


@task()
def auto_accept_due() -> int:
    """Art. 32: accept cases left without a decision for 5 working days (hourly)."""
    return services.auto_accept_due()


@task()
def recompute_warnings() -> dict[str, Any]:
    """Warning levels of open cases and tasks, and 电子监察 records (every 15 minutes)."""
    return services.warnings_recompute()


@task()
def expire_deficiencies() -> int:
    """容缺: end cases whose owed materials were not supplied in time (hourly)."""
    return services.deficiency_expire()

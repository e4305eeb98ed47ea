"""Background tasks of dossiers and archives (django-tasks). Idempotent."""

from __future__ import annotations

from django_tasks import task


@task()
def build_archive(case_id: int) -> str:
    """Build the archive package of a concluded case (queued by ``case.concluded``)."""
    from zhengwu.dossiers import services

    return services.archive_build(case_id=case_id).status


@task()
def check_archives() -> int:
    """Daily (``dossiers.archive_check``): build the packages a lost task left unbuilt, then
    run the four-properties test on every package. Answers the number of failing packages."""
    from zhengwu.dossiers import services

    services.archive_missing()
    return sum(1 for check in services.archive_check_all() if not check.ok)

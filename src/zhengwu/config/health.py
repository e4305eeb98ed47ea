"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

import logging

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

logger = logging.getLogger("zhengwu.health")


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """The process is alive and serving requests. Touches nothing else."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # a readiness probe reports, it does not raise
        logger.warning("readiness: database unavailable: %s", exc)
        return f"database: {type(exc).__name__}"
    return None


def _check_tasks() -> str | None:
    backend = settings.TASK_BACKEND_NAME
    try:
        if backend == "database":
            from django_tasks_db.models import DBTaskResult

            DBTaskResult.objects.exists()
        elif backend == "rq":
            import redis

            redis.Redis.from_url(settings.REDIS_URL, socket_timeout=2).ping()
    except Exception as exc:
        logger.warning("readiness: task backend %s unavailable: %s", backend, exc)
        return f"tasks({backend}): {type(exc).__name__}"
    return None


@never_cache
@require_GET
def readyz(request: HttpRequest) -> JsonResponse:
    """Ready to take traffic: the database answers and the task backend is reachable."""
    checks = {"database": _check_database(), "tasks": _check_tasks()}
    failed = {name: problem for name, problem in checks.items() if problem}
    body = {
        "status": "unavailable" if failed else "ok",
        "checks": {name: (problem or "ok") for name, problem in checks.items()},
        "task_backend": settings.TASK_BACKEND_NAME,
    }
    return JsonResponse(body, status=503 if failed else 200)

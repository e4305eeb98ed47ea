"""The database task backend (django-tasks-db), its enqueue written in one fixed statement.

``DatabaseBackend.enqueue`` stores the task with ``DBTaskResult.objects.create``: the ORM
compiles that INSERT anew for every task, which costs more CPU than PostgreSQL spends storing
the row (two notices and an archive per case: bench/cases_lifecycle.py). This subclass builds
the same row — the same fields and values as django-tasks-db's ``_task_to_db_task`` — and
writes it with :func:`zhengwu.kernel.rows.add`. Everything else (the worker, results, pruning)
is django-tasks-db's own; its commands accept the subclass. ``tests/config/test_tasks_backends``
runs a task through it and the ``db_worker``.
"""

from __future__ import annotations

from typing import Any

from django.db import router
from django_tasks_db import DatabaseBackend as _DatabaseBackend
from django_tasks_db.compat import normalize_json

from zhengwu.kernel import rows


class DatabaseBackend(_DatabaseBackend):  # type: ignore[misc]
    def _task_to_db_task(self, task: Any, args: Any, kwargs: Any) -> Any:
        from django_tasks_db.models import DBTaskResult

        result: Any = DBTaskResult(
            id=self._get_id(),
            args_kwargs=normalize_json({"args": args, "kwargs": kwargs}),
            priority=task.priority,
            task_path=task.module_path,
            queue_name=task.queue_name,
            run_after=task.run_after,
            backend_name=self.alias,
        )
        return rows.add(result, using=router.db_for_write(DBTaskResult))

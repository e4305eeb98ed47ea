"""The task backends run real tasks: RQ on the real Redis, and the database backend."""

from __future__ import annotations

import pytest
from django.test import override_settings

from tests.config.sample_tasks import add

RQ_TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
DB_TASKS = {"default": {"BACKEND": "zhengwu.kernel.taskbackend.DatabaseBackend"}}


@pytest.mark.redis
def test_rq_backend_runs_a_task_through_real_redis(redis_connection):
    import django_rq
    from django_tasks_rq.backend import Job
    from rq import SimpleWorker

    with override_settings(TASKS=RQ_TASKS):
        result = add.enqueue(2, 3)
        queue = django_rq.get_queue("default", job_class=Job)
        assert queue.count == 1  # the job is really in Redis
        SimpleWorker([queue], connection=queue.connection, job_class=Job).work(burst=True)
        result.refresh()
        assert result.status.name == "SUCCESSFUL"
        assert result.return_value == 5


@pytest.mark.django_db(transaction=True)
def test_database_backend_queues_in_the_database_and_the_worker_runs_it():
    from django.core.management import call_command
    from django_tasks_db.models import DBTaskResult

    with override_settings(TASKS=DB_TASKS):
        result = add.enqueue(20, 22)
        assert DBTaskResult.objects.filter(id=result.id, status="READY").exists()
        call_command("db_worker", "--batch", "--interval", "0", verbosity=0)
        result.refresh()
        assert result.return_value == 42


@pytest.mark.django_db
def test_on_the_database_backend_a_task_is_queued_with_the_change_or_not_at_all():
    from django.db import transaction
    from django_tasks_db.models import DBTaskResult

    from zhengwu.kernel.tasks import enqueue_with_change

    class Refused(Exception):
        pass

    with override_settings(TASKS=DB_TASKS):
        with transaction.atomic():
            enqueue_with_change(add, 1, 2)
            # written inside the transaction (no commit hook): it commits with the change
            assert DBTaskResult.objects.filter(task_path=add.module_path).count() == 1
        with pytest.raises(Refused), transaction.atomic():
            enqueue_with_change(add, 3, 4)
            raise Refused
        queued = DBTaskResult.objects.filter(task_path=add.module_path)
        assert [r.args_kwargs["args"] for r in queued] == [[1, 2]]  # the rolled-back one is gone


@pytest.mark.django_db
def test_on_other_backends_a_task_is_queued_after_the_commit(django_capture_on_commit_callbacks):
    from django.db import transaction

    from zhengwu.kernel.tasks import enqueue_with_change

    with django_capture_on_commit_callbacks(execute=False) as callbacks, transaction.atomic():
        enqueue_with_change(add, 5, 6)  # the tests' immediate backend
    assert len(callbacks) == 1  # nothing ran before the commit
    callbacks[0]()  # the commit: the task runs (immediate backend), errors are only logged

"""Tasks used only by the task-backend tests."""

from django_tasks import task


@task()
def add(a: int, b: int) -> int:
    return a + b

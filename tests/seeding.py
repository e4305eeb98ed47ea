"""Reference data built once and shared by many tests, rolled back at the end.

The case and hotline tests all stand on the same world: the working-day calendar, the
Baqiao org tree, a catalogue subset, a dozen staff and citizens. Building it through the
real services costs ≈ 1 s per test (more on PostgreSQL). :func:`seeded` builds it once per
package in a worker, inside an outer transaction; pytest-django's ``db`` fixture then runs
each test in a savepoint nested in it (Django's ``TestCase`` atomics), so a test still sees
its own changes rolled back, and the seed is rolled back when the package's tests end.
Tests get fresh model instances per test (:func:`fresh`), never ones another test touched.

Only for packages without transactional tests (``transaction=True`` flushes tables and
needs autocommit): the browser journeys build their own data.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections, models, transaction

T = TypeVar("T")


@contextmanager
def seeded(django_db_blocker: Any, build: Callable[[], T]) -> Iterator[T]:
    with django_db_blocker.unblock():
        connection = connections[DEFAULT_DB_ALIAS]
        # A finished response (``HttpResponse.close()``) sends ``request_finished``, whose
        # ``close_old_connections`` drops a connection found inside a transaction — which
        # would end the seed for every later test. (Django's test client unhooks that signal
        # during its own requests for the same reason, but re-hooks it after each one.)
        connection.close_if_unusable_or_obsolete = lambda: None  # type: ignore[method-assign]
        try:
            with transaction.atomic():
                value = build()
                try:
                    yield value
                finally:
                    transaction.set_rollback(True)
        finally:
            del connection.close_if_unusable_or_obsolete


def fresh(instance: models.Model) -> Any:
    """The row again, as a new instance (tests may change the one they get)."""
    return type(instance)._default_manager.get(pk=instance.pk)

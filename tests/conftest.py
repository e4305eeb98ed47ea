"""Shared test fixtures. Domain fixtures live in tests/<domain>/conftest.py."""

from __future__ import annotations

import pytest

from tests.services import missing_service


@pytest.fixture
def redis_connection(settings):
    """A real Redis connection on the tests' own database (flushed before and after)."""
    import redis

    connection = redis.Redis.from_url(settings.REDIS_URL, socket_timeout=3)
    try:
        connection.ping()
    except redis.exceptions.ConnectionError:
        missing_service(f"Redis does not answer at {settings.REDIS_URL}")
    connection.flushdb()
    yield connection
    connection.flushdb()


@pytest.fixture
def http_receiver():
    """A real HTTP server on 127.0.0.1 (free port) recording requests; see tests/receiver.py."""
    from tests.receiver import Receiver

    receiver = Receiver().start()
    yield receiver
    receiver.stop()

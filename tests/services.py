"""Real external services for tests: skip locally when missing, fail in CI.

CI sets ZHENGWU_REQUIRE_SERVICES=true, so a missing PostgreSQL, Redis or Chromium there is a
red run instead of a silently smaller one.
"""

from __future__ import annotations

import os

import pytest


def services_required() -> bool:
    return os.environ.get("ZHENGWU_REQUIRE_SERVICES", "").strip().lower() in ("1", "true", "yes")


def missing_service(reason: str) -> None:
    """Skip the test, or fail it when services are required."""
    if services_required():
        pytest.fail(f"required service missing: {reason}", pytrace=False)
    pytest.skip(reason)

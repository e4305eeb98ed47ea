"""PostgreSQL: read ``timestamptz`` columns with psycopg's C loader.

Django registers its own ``timestamptz`` loader on every psycopg connection, a Python
subclass of psycopg's loader that sets the time zone it wants on each value. A Python subclass
is not psycopg's compiled loader, so every date-time column of every query was parsed in
Python: ≈ 20 µs per value here, more than the rest of a one-row read of the token table
(docs/benchmarks.md, 2026-11-28).

When Django's connection time zone is UTC (``USE_TZ`` with the default ``TIME_ZONE`` of the
database, which is how zhengwu runs) and the server session's ``TimeZone`` is ``UTC`` (Django
sets it), psycopg's compiled loader already returns values in ``datetime.timezone.utc`` —
exactly what Django's loader produces. :func:`use_compiled_timestamptz_loader` then registers
the compiled loader on the new connection, behind a small factory class that carries the
``timezone`` attribute Django's ``create_cursor`` compares before it would register its own
loader again. In any other set-up (another time zone, psycopg without its C extension,
psycopg 2) nothing changes.
"""

from __future__ import annotations

import datetime
import functools
from typing import Any

TIMESTAMPTZ = "timestamptz"


@functools.cache
def _factory() -> type | None:
    """The loader class to register, or None without psycopg's C extension."""
    try:
        from psycopg._cmodule import _psycopg
        from psycopg.pq import Format
    except ImportError:  # pragma: no cover - psycopg 2 or no psycopg
        return None
    compiled: Any = getattr(_psycopg, "TimestamptzLoader", None) if _psycopg is not None else None
    if compiled is None:
        return None

    class UtcTimestamptzLoader:
        """Looks like a loader class to psycopg's adapters map and to Django; makes psycopg's
        compiled ``TimestamptzLoader`` (results in ``datetime.timezone.utc``)."""

        timezone = datetime.UTC
        format = Format.TEXT

        def __new__(cls, oid: int, context: Any = None) -> Any:
            return compiled(oid, context)

    return UtcTimestamptzLoader


def use_compiled_timestamptz_loader(sender: Any, connection: Any, **kwargs: Any) -> None:
    """``connection_created`` receiver (kernel app config)."""
    if connection.vendor != "postgresql" or connection.timezone is not datetime.UTC:
        return
    raw = connection.connection
    adapters = getattr(raw, "adapters", None)  # psycopg 3 only
    if adapters is None or raw.info.parameter_status("TimeZone") != "UTC":
        return
    factory = _factory()
    if factory is not None:
        adapters.register_loader(TIMESTAMPTZ, factory)

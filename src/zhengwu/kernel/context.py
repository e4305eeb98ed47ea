"""Per-request context that kernel code may read without importing the web layer.

``zhengwu.config.middleware.RequestIdMiddleware`` sets the request id here at the start of a
request (and resets it at the end); the audit log reads it. A contextvar rather than a
thread-local so that it is also right under ASGI and in tasks that set it themselves.
"""

from __future__ import annotations

import contextvars

_request_id: contextvars.ContextVar[str] = contextvars.ContextVar(
    "zhengwu_kernel_request_id", default=""
)


def set_request_id(value: str) -> contextvars.Token[str]:
    """Set the current request id; pass the returned token to :func:`reset_request_id`."""
    return _request_id.set(value)


def reset_request_id(token: contextvars.Token[str]) -> None:
    _request_id.reset(token)


def current_request_id() -> str:
    """The request id being served, or "" outside a request (tasks, commands)."""
    return _request_id.get()

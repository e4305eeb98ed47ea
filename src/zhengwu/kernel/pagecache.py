"""Cache of public responses whose content changes only when their data source changes.

A published catalogue version is immutable, so its guide page (and its JSON) is the same for
every anonymous visitor with the same language and elderly-mode choice — until a new version
is published. Rendering it costs ≈ 7 ms and a dozen queries; serving it from the cache costs
about as much as ``/healthz`` (docs/benchmarks.md).

- Keys carry a **stamp** of the data source (``StampSource``: a cheap fingerprint computed by
  the domain, re-read at most every ``check_seconds`` per process), so a publication reaches
  every process within that interval and nothing is ever invalidated by hand.
- Only **anonymous** requests are served from the cache: any cookie other than the CSRF,
  language and elderly-mode cookies (a session, flash messages …) bypasses it, so nothing
  personal is ever stored or shown to someone else.
- Pages carry CSRF tokens (the language and elderly-mode forms): they are stored with a
  placeholder and every copy served gets the visitor's own token.
- Storage is Django's ``pages`` cache alias (per-process memory by default; a shared Redis
  cache works the same because keys are content-addressed by the stamp).
"""

from __future__ import annotations

import functools
import re
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.cache import patch_vary_headers

CSRF_PLACEHOLDER = b"__zhengwu_csrf_token__"
_CSRF_IN_PAGE = re.compile(
    rb'(name="csrfmiddlewaretoken" value="|"X-CSRFToken": ")[A-Za-z0-9]{32,64}(")'
)
# Cookies that only select which anonymous variant is shown (the key includes them).
ANONYMOUS_COOKIES = frozenset({"csrftoken", "zhengwu_language", "zhengwu_elderly"})


class StampSource:
    """A fingerprint of a data source, re-read at most every ``check_seconds`` per process."""

    def __init__(
        self, compute: Callable[[], str], *, check_seconds: float | Callable[[], float] = 5.0
    ) -> None:
        self._compute = compute
        # A callable lets a setting (read at each check) decide the interval.
        self._interval = check_seconds if callable(check_seconds) else lambda: check_seconds
        self._value: str | None = None
        # "Never checked": monotonic time starts near zero at boot, so 0.0 would look recent.
        self._checked_at = float("-inf")
        self._lock = threading.Lock()

    def value(self) -> str:
        now = time.monotonic()
        if self._value is not None and now - self._checked_at < self._interval():
            return self._value
        with self._lock:
            if self._value is None or time.monotonic() - self._checked_at >= self._interval():
                self._value = self._compute()
                self._checked_at = time.monotonic()
            return self._value

    def expire(self) -> None:
        """Re-read on next use (tests; and a process that just changed the source)."""
        with self._lock:
            self._checked_at = float("-inf")


def is_anonymous_variant(request: HttpRequest) -> bool:
    return request.method == "GET" and not (set(request.COOKIES) - ANONYMOUS_COOKIES)


def freeze(content: bytes) -> bytes:
    return _CSRF_IN_PAGE.sub(rb"\1" + CSRF_PLACEHOLDER + rb"\2", content)


def thaw(content: bytes, request: HttpRequest) -> bytes:
    if CSRF_PLACEHOLDER not in content:
        return content
    from django.middleware.csrf import get_token

    return content.replace(CSRF_PLACEHOLDER, get_token(request).encode())


def _cache() -> Any:
    from django.core.cache import caches

    return caches["pages"]


def cached_public_page(
    *,
    stamp: StampSource,
    variant: Callable[..., str | None],
    allowed_params: Iterable[str] = (),
    allowed_prefixes: Iterable[str] = (),
    timeout: int = 3600,
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Decorate a view: anonymous GETs are served from the cache when possible.

    ``variant(request, *args, **kwargs)`` names what the page depends on besides the stamp
    (language, elderly mode, path arguments …) or returns None to bypass the cache. Query
    parameters outside ``allowed_params``/``allowed_prefixes`` bypass it too, so arbitrary
    URLs cannot flood the cache.
    """
    params = frozenset(allowed_params)
    prefixes = tuple(allowed_prefixes)

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not is_anonymous_variant(request) or any(
                name not in params and not name.startswith(prefixes) for name in request.GET
            ):
                return view(request, *args, **kwargs)
            name = variant(request, *args, **kwargs)
            if name is None:
                return view(request, *args, **kwargs)
            query = "&".join(f"{k}={v}" for k, v in sorted(request.GET.items()))
            key = f"page:{view.__module__}.{view.__name__}:{stamp.value()}:{name}:{query}"
            hit = _cache().get(key)
            if hit is not None:
                status, content_type, body = hit
                response = HttpResponse(thaw(body, request), status=status)
                response["Content-Type"] = content_type
                response["X-Page-Cache"] = "hit"
            else:
                response = view(request, *args, **kwargs)
                if response.status_code == 200 and not response.streaming:
                    _cache().set(
                        key,
                        (200, response["Content-Type"], freeze(response.content)),
                        timeout,
                    )
                    response["X-Page-Cache"] = "miss"
            patch_vary_headers(response, ("Cookie",))
            return response

        return wrapped

    return decorator

"""The WSGI application: one Django handler for pages and sessions, a leaner one for programs.

A request to ``/api/`` that carries ``Authorization: Bearer …`` is a program calling with an
API token (``accounts.auth.TokenAuth``). It has no use for the session, CSRF, messages or
htmx middleware — a bearer token is not ambient authority, so CSRF does not apply, and a
token request never reads or writes the session. Those middleware cost about a third of such a
request's CPU (``docs/benchmarks.md``), so token requests go through a second handler whose
chain is ``settings.API_TOKEN_MIDDLEWARE``. Everything else — pages, session API calls, the
health checks, Open311 — goes through ``settings.MIDDLEWARE`` as before.

In the token chain ``request.user`` starts anonymous (``AnonymousRequestMiddleware``), so a
missing, expired or revoked token is answered 401 by the API's session fallback instead of
being looked up in a session; the explicit ``Authorization`` header is the only credential
considered (RFC 6750). Decision 0009.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIHandler
from django.http import HttpRequest, HttpResponse

API_PREFIX = "/api/"
BEARER = "bearer "


class AnonymousRequestMiddleware:
    """``request.user`` for the token chain: anonymous until ``TokenAuth`` sets the account."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        # Imported here, when the handler loads its chain: this module is imported by
        # config/wsgi.py before Django's apps are ready, and auth models need them.
        from django.contrib.auth.models import AnonymousUser

        self.anonymous = AnonymousUser
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request.user = self.anonymous()
        return self.get_response(request)


class TokenRequestHandler(WSGIHandler):
    """Django's WSGI handler with ``settings.API_TOKEN_MIDDLEWARE`` as its chain."""

    def load_middleware(self, is_async: bool = False) -> None:
        # BaseHandler.load_middleware reads settings.MIDDLEWARE; lend it the token chain while
        # it builds this handler's (once, when the worker starts, before any request).
        pages_chain = settings.MIDDLEWARE
        settings.MIDDLEWARE = settings.API_TOKEN_MIDDLEWARE
        try:
            super().load_middleware(is_async)
        finally:
            settings.MIDDLEWARE = pages_chain


def is_token_request(environ: dict[str, Any]) -> bool:
    return (
        environ.get("PATH_INFO", "").startswith(API_PREFIX)
        and environ.get("HTTP_AUTHORIZATION", "")[: len(BEARER)].lower() == BEARER
    )


class Application:
    """The WSGI callable: token API requests to the lean handler, the rest to the full one."""

    def __init__(self) -> None:
        self.pages = WSGIHandler()
        self.tokens = TokenRequestHandler()

    def __call__(
        self, environ: dict[str, Any], start_response: Callable[..., Any]
    ) -> Iterable[bytes]:
        handler = self.tokens if is_token_request(environ) else self.pages
        return handler(environ, start_response)


def build_application() -> Application:
    """Set Django up and return the WSGI application (what ``zhengwu.config.wsgi`` serves)."""
    import django

    django.setup(set_prefix=False)
    return Application()

"""API authentication: bearer tokens for programs, the Django session for pages.

The API default is ``[TokenAuth(), SessionAuth()]`` (set in ``zhengwu.config.api``):

- ``TokenAuth`` reads ``Authorization: Bearer zw_<prefix>_<secret>``, finds the token by the
  SHA-256 of the whole string, refuses expired or revoked tokens (401) and requires the
  scope the method needs (403 ``insufficient_scope``): ``read`` for GET/HEAD/OPTIONS,
  ``write`` for everything else. ``require_scope("admin")`` asks for more on one endpoint.
- ``SessionAuth`` is django-ninja's session cookie auth, which checks the CSRF token.

Both leave the account in ``request.user`` and ``request.auth``; token requests also carry
``request.api_token``. Scopes never widen what the account's roles allow.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import HttpBearer
from ninja.security import SessionAuth as NinjaSessionAuth

from zhengwu.accounts.choices import SCOPE_IMPLIES, TokenScope
from zhengwu.accounts.services import token_authenticate
from zhengwu.kernel.errors import NotAllowed

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class TokenAuth(HttpBearer):
    """Bearer API tokens (``zw_…``) with scopes; see the module docstring."""

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        required = TokenScope.READ if request.method in SAFE_METHODS else TokenScope.WRITE
        found = token_authenticate(raw=token.strip(), required_scope=required)
        if found is None:
            return None
        user, api_token = found
        request.user = user
        request.api_token = api_token  # type: ignore[attr-defined]
        return user


class SessionAuth(NinjaSessionAuth):
    """Django's session (cookie) auth with CSRF checks for unsafe methods.

    Consulted only for a request that carries a session cookie and no bearer token: a
    program that sent a token has named its only credential (RFC 6750), and a caller with
    neither is unauthenticated — both are answered 401, not 403 for a CSRF token they had no
    page to take it from. Other ``Authorization`` schemes (a proxy's Basic auth in front of a
    staging site, say) leave the session as it is.
    """

    def __call__(self, request: HttpRequest) -> Any:
        bearer = request.META.get("HTTP_AUTHORIZATION", "")[:7].lower() == "bearer "
        if bearer or self.param_name not in request.COOKIES:
            return None
        return super().__call__(request)

    def _get_key(self, request: HttpRequest) -> str | None:
        try:
            return super()._get_key(request)
        except HttpError as exc:  # django-ninja's CSRF refusal, English only
            raise NotAllowed(
                "CSRF 校验失败：请刷新页面后重试",
                "CSRF check failed: reload the page and try again",
                field="X-CSRFToken",
                code="csrf_failed",
            ) from exc


session_auth = SessionAuth()
# The pair every authenticated endpoint of this app uses (and the API default).
api_auth = [TokenAuth(), session_auth]


def request_channel(request: HttpRequest) -> str:
    return "api-token" if getattr(request, "api_token", None) is not None else "api"


def require_scope(scope: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Decorate an API handler so that token callers need ``scope`` (sessions pass).

    Place it below the router decorator::

        @router.post("/things")
        @require_scope("admin")
        def create_thing(request, ...): ...
    """
    TokenScope(scope)

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            token = getattr(request, "api_token", None)
            if token is not None:
                granted: set[str] = set()
                for held in token.scopes:
                    granted |= SCOPE_IMPLIES.get(held, frozenset())
                if scope not in granted:
                    raise NotAllowed(
                        f"令牌缺少 {scope} 权限范围",
                        f"The token lacks the {scope} scope",
                        code="insufficient_scope",
                    )
            return view(request, *args, **kwargs)

        # ninja reads the signature to build the schema; resolve the (string) annotations in
        # the handler's own module, since the wrapper lives in this one.
        wrapped.__signature__ = inspect.signature(view, eval_str=True)  # type: ignore[attr-defined]
        return wrapped

    return decorator


def session_only(request: HttpRequest) -> Any:
    """For endpoints a program must not call with a token (creating tokens, logging out)."""
    if getattr(request, "api_token", None) is not None:
        raise NotAllowed(
            "此操作需要登录会话，不能使用 API 令牌",
            "This action needs a login session, not an API token",
            code="session_required",
        )
    return request.user

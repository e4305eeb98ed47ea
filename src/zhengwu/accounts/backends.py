"""Django authentication backend with the platform's lockout rules.

``settings.AUTHENTICATION_BACKENDS = ["zhengwu.accounts.backends.LockoutModelBackend"]`` so
that every password check (our login page, the API, the Django admin login) counts failures
and honours a lock. It answers ``None`` for any refusal, as Django expects; our own login
views call :func:`zhengwu.accounts.services.user_authenticate` directly to show why.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from zhengwu.accounts.services import user_authenticate
from zhengwu.kernel.errors import TooManyAttempts, Unauthenticated


class LockoutModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        if username is None or password is None:
            return None
        channel = "admin" if request is not None and request.path.startswith("/admin") else "web"
        ip = request.META.get("REMOTE_ADDR", "") if request is not None else ""
        try:
            return user_authenticate(
                username=username, password=password, channel=channel, ip_address=ip
            )
        except (Unauthenticated, TooManyAttempts):
            return None

"""Elderly-friendly mode (适老化): where the choice is kept and how it is read.

Signed-in users keep it on their account (``accounts.services.user_set_preferences``);
every visitor also keeps it in this browser's ``zhengwu_elderly`` cookie. The mode is on
when either says so, so that someone who switched to large text before signing in does not
lose it by signing in; switching it off clears both.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from zhengwu.accounts.selectors import actor_for
from zhengwu.accounts.services import user_set_preferences

ELDERLY_COOKIE = "zhengwu_elderly"
ELDERLY_COOKIE_AGE = 365 * 24 * 3600


def elderly_mode_for(request: HttpRequest) -> bool:
    if request.COOKIES.get(ELDERLY_COOKIE) == "1":
        return True
    user = getattr(request, "user", None)
    return bool(user is not None and user.is_authenticated and user.elderly_mode)


def remember_elderly_mode(request: HttpRequest, response: HttpResponse, *, enabled: bool) -> None:
    """Store the choice on the account (when signed in) and in this browser's cookie."""
    if request.user.is_authenticated:
        user_set_preferences(
            user=request.user,
            elderly_mode=enabled,
            actor=actor_for(request.user, channel="web"),
        )
    if enabled:
        response.set_cookie(
            ELDERLY_COOKIE,
            "1",
            max_age=ELDERLY_COOKIE_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
    else:
        response.delete_cookie(ELDERLY_COOKIE, samesite="Lax")


def remember_language(request: HttpRequest, *, language: str) -> None:
    """Keep a signed-in user's language choice on the account (the cookie is Django's)."""
    user = request.user
    if user.is_authenticated and getattr(user, "language", language) != language:
        user_set_preferences(user=user, language=language, actor=actor_for(user, channel="web"))

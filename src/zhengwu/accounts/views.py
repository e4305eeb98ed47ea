"""Pages: login, logout, identity switch, my API tokens. Thin: parse, call, render."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth import login as django_login
from django.contrib.auth import logout as django_logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render, resolve_url
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods, require_POST

from zhengwu.accounts import selectors, services
from zhengwu.accounts.forms import LoginForm, TokenCreateForm
from zhengwu.accounts.models import User
from zhengwu.kernel.errors import DomainError


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url(settings.LOGIN_REDIRECT_URL)


def _carry_language(request: HttpRequest, response: HttpResponse, user: User) -> None:
    """Signing in keeps the language the person is using, or restores the account's.

    A language chosen in this browser (its cookie) is the latest explicit choice and is saved
    to the account; a browser with no choice yet starts in the account's language.
    """
    chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
    if chosen in dict(settings.LANGUAGES):
        if chosen != user.language:
            services.user_set_preferences(
                user=user, language=chosen, actor=selectors.actor_for(user, channel="web")
            )
        return
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        user.language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        samesite="Lax",
        secure=settings.SESSION_COOKIE_SECURE,
    )


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def login_view(request: HttpRequest) -> HttpResponse:
    form = LoginForm(request.POST or None)
    error: DomainError | None = None
    if request.method == "POST" and form.is_valid():
        try:
            user = services.user_authenticate(
                username=form.cleaned_data["username"],
                password=form.cleaned_data["password"],
                channel="web",
                ip_address=request.META.get("REMOTE_ADDR", ""),
            )
        except DomainError as exc:
            error = exc
        else:
            django_login(request, user, backend=settings.AUTHENTICATION_BACKENDS[0])
            response = HttpResponseRedirect(_safe_next(request))
            _carry_language(request, response, user)
            return response
    status = 200 if error is None else (429 if error.code == "account_locked" else 401)
    if request.method == "POST" and not form.is_valid():
        status = 422
    return render(
        request,
        "accounts/login.html",
        {"form": form, "error": error, "next": _safe_next(request), "nav_active": "login"},
        status=status,
    )


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        services.user_logged_out(user=request.user, channel="web")
    django_logout(request)
    return redirect(settings.LOGOUT_REDIRECT_URL)


@login_required
@require_http_methods(["GET", "POST"])
def identity_view(request: HttpRequest) -> HttpResponse:
    error: DomainError | None = None
    if request.method == "POST":
        raw = request.POST.get("enterprise_id", "")
        try:
            enterprise_id = int(raw) if raw else None
        except ValueError:
            enterprise_id = -1  # never a member: answered as not found below
        try:
            services.user_switch_identity(
                user=request.user,
                session=request.session,
                enterprise_id=enterprise_id,
                channel="web",
            )
        except DomainError as exc:
            error = exc
        else:
            return redirect("accounts:identity")
    return render(
        request,
        "accounts/identity.html",
        {
            "identities": selectors.user_identities(request.user),
            "current": selectors.current_identity(request.user, request.session),
            "error": error,
        },
        status=404 if error is not None else 200,
    )


@login_required
@never_cache
@require_http_methods(["GET", "POST"])
def tokens_view(request: HttpRequest) -> HttpResponse:
    form = TokenCreateForm(request.POST or None) if request.method == "POST" else TokenCreateForm()
    created_secret = ""
    error: DomainError | None = None
    status = 200
    if request.method == "POST" and request.POST.get("action") == "revoke":
        try:
            services.token_revoke(
                user=request.user,
                token_id=int(request.POST.get("token_id", "0") or 0),
                actor=selectors.actor_for(request.user, channel="web"),
            )
        except (DomainError, ValueError):
            status = 404
        else:
            return redirect("accounts:tokens")
        form = TokenCreateForm()
    elif request.method == "POST":
        if form.is_valid():
            try:
                _, created_secret = services.token_create(
                    user=request.user,
                    name=form.cleaned_data["name"],
                    scopes=form.cleaned_data["scopes"],
                    expires_in_days=form.cleaned_data["expires_in_days"],
                    actor=selectors.actor_for(request.user, channel="web"),
                )
                form = TokenCreateForm()
            except DomainError as exc:
                error, status = exc, 422
        else:
            status = 422
    return render(
        request,
        "accounts/tokens.html",
        {
            "form": form,
            "tokens": selectors.tokens_of(request.user),
            "created_secret": created_secret,
            "error": error,
        },
        status=status,
    )

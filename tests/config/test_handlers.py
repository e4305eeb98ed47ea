"""The WSGI application's two chains: API-token requests skip the page middleware.

Django's test client builds its own handler from ``settings.MIDDLEWARE``, so these tests call
``config.handlers.Application`` — what ``config/wsgi.py`` serves — with WSGI environs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from django.conf import settings
from django.core import signals
from django.db import close_old_connections
from django.test import Client, RequestFactory

from tests.factories import PASSWORD, UserFactory
from zhengwu.accounts import services
from zhengwu.accounts.models import User
from zhengwu.config.handlers import Application, is_token_request

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def application() -> Application:
    return Application()


@pytest.fixture(autouse=True)
def _keep_the_test_connection() -> Iterator[None]:
    # As Django's test client does: the request signals would close the connection that
    # holds the test's transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


class Answer:
    def __init__(self, status: str, headers: list[tuple[str, str]], body: bytes) -> None:
        self.status_code = int(status.split()[0])
        self.headers = headers
        self.body = body

    def header(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self):
        return json.loads(self.body)


def call(application: Application, method: str, path: str, body=None, **headers) -> Answer:
    factory = RequestFactory()
    if method == "GET":
        request = factory.get(path, headers=headers)
    else:
        data = body if isinstance(body, str) else json.dumps(body)
        request = factory.post(path, data=data, content_type="application/json", headers=headers)
    seen: dict[str, object] = {}

    def start_response(status, response_headers, exc_info=None):
        seen["status"], seen["headers"] = status, response_headers

    chunks = application(request.environ, start_response)
    try:
        content = b"".join(chunks)
    finally:
        getattr(chunks, "close", lambda: None)()
    return Answer(str(seen["status"]), list(seen["headers"]), content)  # type: ignore[arg-type]


def bearer(user: User, scopes=("read",)) -> str:
    _, secret = services.token_create(user=user, name="t", scopes=list(scopes))
    return f"Bearer {secret}"


def session_cookie(user: User) -> str:
    client = Client()
    assert client.login(username=user.username, password=PASSWORD)
    return f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"


def set_elderly_mode(application: Application, body=None, **headers) -> Answer:
    """POST /me/preferences turning elderly mode on (or ``body`` as given)."""
    payload = {"elderly_mode": True} if body is None else body
    return call(application, "POST", "/api/v1/accounts/me/preferences", payload, **headers)


@pytest.mark.parametrize(
    ("path", "authorization", "expected"),
    [
        ("/api/v1/accounts/me", "Bearer zw_x", True),
        ("/api/v1/accounts/me", "bearer zw_x", True),
        ("/api/v1/accounts/me", "Basic dTpw", False),
        ("/api/v1/accounts/me", "", False),
        ("/accounts/login", "Bearer zw_x", False),
        ("/open311/v2/requests.json", "Bearer zw_x", False),
    ],
)
def test_only_api_requests_with_a_bearer_token_take_the_token_chain(path, authorization, expected):
    environ = {"PATH_INFO": path}
    if authorization:
        environ["HTTP_AUTHORIZATION"] = authorization
    assert is_token_request(environ) is expected


def test_the_token_chain_is_its_own_and_leaves_the_page_chain_alone(application):
    # process_view hooks are bound methods whose repr names their middleware class.
    pages_hooks = repr(application.pages._view_middleware)
    token_hooks = repr(application.tokens._view_middleware)
    assert "CsrfViewMiddleware" in pages_hooks
    assert "CsrfViewMiddleware" not in token_hooks
    assert "django.contrib.sessions.middleware.SessionMiddleware" in settings.MIDDLEWARE
    assert "zhengwu.config.handlers.AnonymousRequestMiddleware" not in settings.MIDDLEWARE
    assert not any("Session" in m or "Csrf" in m for m in settings.API_TOKEN_MIDDLEWARE)


def test_a_token_read_answers_without_session_or_csrf_cookies(application):
    user = UserFactory(display_name="张三")
    answer = call(application, "GET", "/api/v1/accounts/me", Authorization=bearer(user))
    assert answer.status_code == 200
    assert answer.json()["username"] == user.username
    assert answer.header("Set-Cookie") == []
    assert answer.header("Vary") == []  # no session or cookie was looked at
    assert answer.header("X-Frame-Options") == ["DENY"]
    assert answer.header("Content-Language") == ["zh-hans"]
    assert len(answer.header("X-Request-ID")[0]) == 32


def test_a_bad_token_is_401_even_with_a_valid_session_cookie(application):
    user = UserFactory()
    answer = call(
        application,
        "GET",
        "/api/v1/accounts/me",
        Authorization="Bearer zw_not_a_token",
        Cookie=session_cookie(user),
    )
    assert answer.status_code == 401
    body = answer.json()
    assert body["code"] == "unauthenticated" and body["message"] and body["message_en"]


def test_session_calls_still_take_the_page_chain(application):
    user = UserFactory()
    answer = call(application, "GET", "/api/v1/accounts/me", Cookie=session_cookie(user))
    assert answer.status_code == 200 and answer.json()["username"] == user.username
    assert "Cookie" in answer.header("Vary")[0]


def test_a_token_write_needs_no_csrf_token_and_is_saved(application):
    user = UserFactory(elderly_mode=False)
    answer = set_elderly_mode(application, Authorization=bearer(user, scopes=("read", "write")))
    assert answer.status_code == 200, answer.body
    user.refresh_from_db()
    assert user.elderly_mode is True


def test_a_read_token_cannot_write_and_nothing_changes(application):
    user = UserFactory(elderly_mode=False)
    answer = set_elderly_mode(application, Authorization=bearer(user))
    assert answer.status_code == 403 and answer.json()["code"] == "insufficient_scope"
    user.refresh_from_db()
    assert user.elderly_mode is False


def test_session_only_endpoints_refuse_a_token_cleanly(application):
    user = UserFactory()
    answer = call(
        application,
        "POST",
        "/api/v1/accounts/identity",
        {"enterprise_id": None},
        Authorization=bearer(user, scopes=("read", "write")),
    )
    assert answer.status_code == 403 and answer.json()["code"] == "session_required"


def test_malformed_json_through_the_token_chain_is_a_4xx_naming_the_problem(application):
    user = UserFactory()
    answer = set_elderly_mode(
        application, '{"elderly_mode": tru', Authorization=bearer(user, scopes=("read", "write"))
    )
    assert 400 <= answer.status_code < 500
    body = answer.json()
    assert body["message"] and body["message_en"]


def test_a_write_with_a_bad_token_is_refused_and_changes_nothing(application):
    user = UserFactory(elderly_mode=False)
    answer = set_elderly_mode(
        application, Authorization="Bearer zw_not_a_token", Cookie=session_cookie(user)
    )
    assert answer.status_code in (401, 403)
    body = answer.json()
    assert body["message"] and body["message_en"]
    user.refresh_from_db()
    assert user.elderly_mode is False


def test_the_production_wsgi_module_loads_in_a_fresh_process(tmp_path):
    # The server imports zhengwu.config.wsgi before anything has set Django up.
    import os
    import subprocess
    import sys

    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "zhengwu.config.settings_test",
        "ZHENGWU_MODE": "test",
        "ZHENGWU_VAR_DIR": str(tmp_path),
    }
    env.pop("ZHENGWU_DATABASE_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", "import zhengwu.config.wsgi as w; print(type(w.application))"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    assert "zhengwu.config.handlers.Application" in done.stdout

"""Pages: login form, logout, identity switch, API tokens (secret shown once)."""

from __future__ import annotations

import re

import pytest
from django.test import Client

from tests.factories import PASSWORD, make_citizen, make_enterprise, make_enterprise_member
from zhengwu.accounts.models import ApiToken
from zhengwu.accounts.services import token_authenticate

pytestmark = pytest.mark.django_db


def test_login_page_logs_in_and_redirects_safely():
    user = make_citizen()
    client = Client()
    assert client.get("/accounts/login/").status_code == 200
    response = client.post(
        "/accounts/login/",
        {"username": user.username, "password": PASSWORD, "next": "/accounts/tokens/"},
    )
    assert response.status_code == 302 and response["Location"] == "/accounts/tokens/"
    assert client.get("/api/v1/accounts/me").status_code == 200
    other = Client()
    response = other.post(
        "/accounts/login/",
        {"username": user.username, "password": PASSWORD, "next": "https://evil.example.com/"},
    )
    assert response["Location"] == "/"


def test_login_page_shows_error_in_active_language_and_lock(settings):
    settings.LOGIN_MAX_FAILURES = 2
    user = make_citizen()
    client = Client()
    response = client.post("/accounts/login/", {"username": user.username, "password": "nope"})
    assert response.status_code == 401
    page = response.content.decode()
    assert "用户名或密码错误" in page
    assert "Wrong username or password" not in page
    english = Client()
    english.cookies["zhengwu_language"] = "en"
    other = make_citizen()
    response = english.post("/accounts/login/", {"username": other.username, "password": "nope"})
    page = response.content.decode()
    assert "Wrong username or password" in page
    assert "用户名或密码错误" not in page
    client.post("/accounts/login/", {"username": user.username, "password": "nope"})
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 429 and "锁定" in response.content.decode()
    assert client.get("/api/v1/accounts/me").status_code == 401


def test_login_page_speaks_one_language_at_a_time():
    chinese = Client().get("/accounts/login/").content.decode()
    assert '<h1 id="login-title">登录</h1>' in chinese
    assert 'type="submit">登录</button>' in chinese
    assert ">用户名</label>" in chinese and ">密码</label>" in chinese
    assert "Sign in" not in chinese and "Username" not in chinese
    client = Client()
    client.cookies["zhengwu_language"] = "en"
    english = client.get("/accounts/login/").content.decode()
    assert '<h1 id="login-title">Sign in</h1>' in english
    assert 'type="submit">Sign in</button>' in english
    assert ">Username</label>" in english and ">Password</label>" in english
    assert "登录" not in english and "用户名" not in english and "密码" not in english


def test_tokens_and_identity_pages_speak_the_active_language():
    user = make_citizen()
    client = Client()
    client.force_login(user)
    chinese = client.get("/accounts/tokens/").content.decode()
    assert "我的 API 令牌" in chinese and "尚无令牌" in chinese and "权限范围" in chinese
    assert "My API tokens" not in chinese and "No tokens yet" not in chinese
    assert "只读" in chinese and "只读 / read" not in chinese
    client.cookies["zhengwu_language"] = "en"
    english = client.get("/accounts/tokens/").content.decode()
    assert "My API tokens" in english and "No tokens yet" in english and "Scopes" in english
    assert "令牌" not in english and "只读" not in english
    identity = client.get("/accounts/identity/").content.decode()
    assert "Switch identity" in identity and "切换身份" not in identity


def test_logout_requires_post():
    client = Client()
    client.force_login(make_citizen())
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/api/v1/accounts/me").status_code == 401


def test_tokens_page_shows_secret_once_and_revokes():
    user = make_citizen()
    client = Client()
    client.force_login(user)
    response = client.post(
        "/accounts/tokens/",
        {"action": "create", "name": "报表", "scopes": ["read"], "expires_in_days": 30},
    )
    assert response.status_code == 200
    secret = re.search(r'id="new-token-secret">([^<]+)<', response.content.decode()).group(1)
    assert token_authenticate(raw=secret, required_scope="read")[0].pk == user.pk
    listing = client.get("/accounts/tokens/").content.decode()
    assert secret not in listing and "报表" in listing
    token = ApiToken.objects.get(user=user)
    response = client.post("/accounts/tokens/", {"action": "revoke", "token_id": token.pk})
    assert response.status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    stranger = Client()
    stranger.force_login(make_citizen())
    other_token = ApiToken.objects.create(
        user=user, name="x", prefix="p", token_hash="0" * 64, expires_at=token.expires_at
    )
    assert (
        stranger.post(
            "/accounts/tokens/", {"action": "revoke", "token_id": other_token.pk}
        ).status_code
        == 404
    )
    other_token.refresh_from_db()
    assert other_token.revoked_at is None


def test_identity_page_switches_and_refuses_strangers():
    mine = make_enterprise(name="西安甲公司")
    stranger = make_enterprise(name="西安丙公司")
    user = make_enterprise_member(role="agent", enterprise=mine)
    client = Client()
    client.force_login(user)
    page = client.get("/accounts/identity/").content.decode()
    assert "西安甲公司" in page and "西安丙公司" not in page
    assert client.post("/accounts/identity/", {"enterprise_id": mine.pk}).status_code == 302
    assert 'id="current-identity">西安甲公司' in client.get("/accounts/identity/").content.decode()
    assert client.post("/accounts/identity/", {"enterprise_id": stranger.pk}).status_code == 404
    assert client.get("/api/v1/accounts/me/profile").json()["identity"]["enterprise_id"] == mine.pk


def test_pages_need_login():
    for path in ("/accounts/tokens/", "/accounts/identity/"):
        response = Client().get(path)
        assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

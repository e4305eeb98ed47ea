"""API tests: login/logout/me, tokens, bad input (nothing written)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from freezegun import freeze_time

from tests.accounts.conftest import login
from tests.factories import PASSWORD, make_citizen, make_enterprise, make_enterprise_member
from zhengwu.accounts.models import ApiToken, CitizenProfile, User
from zhengwu.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db

JSON = "application/json"


def test_login_me_logout():
    user = make_citizen(real_name="王强", id_number="440524188001010014", phone="13912345678")
    client = Client()
    assert client.get("/api/v1/accounts/me").status_code == 401
    response = client.post(
        "/api/v1/accounts/login",
        {"username": user.username, "password": PASSWORD},
        content_type=JSON,
    )
    assert response.status_code == 200
    me = client.get("/api/v1/accounts/me/profile").json()
    assert me["username"] == user.username and me["kind"] == "citizen"
    assert me["citizen_id_number"] == "440524188001010014"  # one's own number, in full
    assert me["identity"]["kind"] == "personal"
    assert client.post("/api/v1/accounts/logout").status_code == 204
    assert client.get("/api/v1/accounts/me").status_code == 401
    assert AuditEntry.objects.filter(action="logout", object_id=str(user.pk)).exists()


def test_login_wrong_password_and_lock(settings):
    settings.LOGIN_MAX_FAILURES = 2
    user = make_citizen()
    client = Client()
    bad = {"username": user.username, "password": "not-the-password"}
    response = client.post("/api/v1/accounts/login", bad, content_type=JSON)
    assert response.status_code == 401 and response.json()["code"] == "invalid_credentials"
    response = client.post("/api/v1/accounts/login", bad, content_type=JSON)
    assert response.status_code == 429 and response.json()["code"] == "account_locked"
    good = {"username": user.username, "password": PASSWORD}
    response = client.post("/api/v1/accounts/login", good, content_type=JSON)
    body = response.json()
    assert response.status_code == 429 and body["message"] and body["message_en"]
    assert client.get("/api/v1/accounts/me").status_code == 401


def test_session_expires_after_inactivity(settings):
    user = make_citizen()
    client = login(Client(), user)
    start = timezone.now()
    with freeze_time(start + timedelta(seconds=settings.SESSION_COOKIE_AGE - 60)):
        assert client.get("/api/v1/accounts/me").status_code == 200  # sliding: renewed
    with freeze_time(start + timedelta(seconds=2 * settings.SESSION_COOKIE_AGE - 120)):
        assert client.get("/api/v1/accounts/me").status_code == 200
    with freeze_time(start + timedelta(seconds=3 * settings.SESSION_COOKIE_AGE)):
        assert client.get("/api/v1/accounts/me").status_code == 401


def test_session_requires_csrf_for_writes():
    user = make_citizen()
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/accounts/login",
        {"username": user.username, "password": PASSWORD},
        content_type=JSON,
    )
    assert response.status_code == 200
    response = client.post(
        "/api/v1/accounts/tokens", {"name": "x", "scopes": ["read"]}, content_type=JSON
    )
    assert response.status_code == 403
    assert response.json() == {
        "code": "csrf_failed",
        "message": "CSRF 校验失败：请刷新页面后重试",
        "message_en": "CSRF check failed: reload the page and try again",
        "field": "X-CSRFToken",
        "request_id": response["X-Request-ID"],
    }
    assert ApiToken.objects.count() == 0


def test_a_write_without_a_session_or_with_a_bad_bearer_is_401_not_a_csrf_403():
    user = make_citizen()
    client = login(Client(enforce_csrf_checks=True), user)  # a session cookie, no CSRF token
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer zw_bad"}):
        for caller in (Client(enforce_csrf_checks=True), client):
            if caller is client and not headers:
                continue  # the session's own write without its CSRF token: the test above
            response = caller.post(
                "/api/v1/accounts/tokens", {"name": "x", "scopes": ["read"]},
                content_type=JSON, **headers,
            )  # fmt: skip
            assert response.status_code == 401, (headers, response.content)
            assert response.json()["code"] == "unauthenticated"
    assert ApiToken.objects.count() == 0
    # A proxy's Basic auth in front of the site leaves the session in charge (CSRF and all).
    response = client.get("/api/v1/accounts/me", HTTP_AUTHORIZATION="Basic c3RhZ2U6c3RhZ2U=")
    assert response.status_code == 200 and response.json()["username"] == user.username


def test_tokens_over_the_api():
    user = make_citizen()
    client = login(Client(), user)
    response = client.post(
        "/api/v1/accounts/tokens",
        {"name": "数据对接", "scopes": ["read"], "expires_in_days": 30},
        content_type=JSON,
    )
    assert response.status_code == 201
    created = response.json()
    secret = created["secret"]
    listed = client.get("/api/v1/accounts/tokens").json()
    assert [t["id"] for t in listed] == [created["id"]] and "secret" not in listed[0]

    program = Client()
    bearer = {"HTTP_AUTHORIZATION": f"Bearer {secret}"}
    me = program.get("/api/v1/accounts/me", **bearer)
    assert me.status_code == 200 and me.json()["username"] == user.username
    # A read-only token may not change anything …
    response = program.post(
        "/api/v1/accounts/me/preferences", {"elderly_mode": True}, content_type=JSON, **bearer
    )
    assert response.status_code == 403 and response.json()["code"] == "insufficient_scope"
    user.refresh_from_db()
    assert user.elderly_mode is False
    # … and a token never mints tokens, whatever its scope.
    write_token = client.post(
        "/api/v1/accounts/tokens", {"name": "w", "scopes": ["write"]}, content_type=JSON
    ).json()["secret"]
    response = program.post(
        "/api/v1/accounts/tokens",
        {"name": "z", "scopes": ["read"]},
        content_type=JSON,
        HTTP_AUTHORIZATION=f"Bearer {write_token}",
    )
    assert response.status_code == 403 and response.json()["code"] == "session_required"
    assert ApiToken.objects.filter(user=user).count() == 2

    assert client.delete(f"/api/v1/accounts/tokens/{created['id']}").status_code == 204
    assert program.get("/api/v1/accounts/me", **bearer).status_code == 401


def test_token_of_another_user_cannot_be_revoked():
    owner = make_citizen()
    other = make_citizen()
    token_id = (
        login(Client(), owner)
        .post("/api/v1/accounts/tokens", {"name": "a", "scopes": ["read"]}, content_type=JSON)
        .json()["id"]
    )
    response = login(Client(), other).delete(f"/api/v1/accounts/tokens/{token_id}")
    assert response.status_code == 404
    assert ApiToken.objects.get(pk=token_id).revoked_at is None


def test_identity_switch_over_the_api():
    enterprise = make_enterprise(name="西安甲公司")
    stranger = make_enterprise(name="西安丙公司")
    user = make_enterprise_member(role="manager", enterprise=enterprise)
    client = login(Client(), user)
    response = client.post(
        "/api/v1/accounts/identity", {"enterprise_id": enterprise.pk}, content_type=JSON
    )
    assert response.status_code == 200 and response.json()["role"] == "manager"
    assert (
        client.get("/api/v1/accounts/me/profile").json()["identity"]["enterprise_id"]
        == enterprise.pk
    )
    response = client.post(
        "/api/v1/accounts/identity", {"enterprise_id": stranger.pk}, content_type=JSON
    )
    assert response.status_code == 404
    assert (
        client.get("/api/v1/accounts/me/profile").json()["identity"]["enterprise_id"]
        == enterprise.pk
    )


# --- bad input: the error names the field and nothing is written ---------------------------


def _counts():
    return (User.objects.count(), CitizenProfile.objects.count(), ApiToken.objects.count())


VALID_REGISTRATION = {
    "username": "newcitizen",
    "password": PASSWORD,
    "real_name": "刘洋",
    "id_number": "11010519491231002X",
}


@pytest.mark.parametrize(
    ("body", "status", "code", "field"),
    [
        (b'{"username": "a", ', 400, "malformed_json", "body"),
        ({**VALID_REGISTRATION, "real_name": 42}, 422, "string_type", "real_name"),
        ({**VALID_REGISTRATION, "username": ["x"]}, 422, "string_type", "username"),
        ({**VALID_REGISTRATION, "real_name": "长" * 65}, 422, "string_too_long", "real_name"),
        ({**VALID_REGISTRATION, "username": "u" * 151}, 422, "string_too_long", "username"),
        ({**VALID_REGISTRATION, "id_number": "110105194912310021"}, 422, None, "id_number"),
        ({**VALID_REGISTRATION, "unexpected": 1}, 422, "extra_forbidden", "unexpected"),
        (
            {k: v for k, v in VALID_REGISTRATION.items() if k != "password"},
            422,
            "missing",
            "password",
        ),
    ],
)
def test_register_bad_input(body, status, code, field):
    before = _counts()
    audit_before = AuditEntry.objects.count()
    data = body if isinstance(body, bytes) else __import__("json").dumps(body)
    response = Client().post("/api/v1/accounts/register", data, content_type=JSON)
    assert response.status_code == status, response.content
    payload = response.json()
    fields = {payload.get("field")} | {e["field"] for e in payload.get("errors", [])}
    codes = {payload.get("code")} | {e["code"] for e in payload.get("errors", [])}
    assert field in fields
    if code:
        assert code in codes
    assert payload["message"] and payload["message_en"]
    assert _counts() == before and AuditEntry.objects.count() == audit_before


def test_register_valid_creates_citizen():
    response = Client().post("/api/v1/accounts/register", VALID_REGISTRATION, content_type=JSON)
    assert response.status_code == 201
    assert response.json()["citizen_id_number"] == "11010519491231002X"
    assert CitizenProfile.objects.count() == 1


def test_token_create_bad_input_writes_nothing():
    client = login(Client(), make_citizen())
    for body, field in [
        ({"name": "x" * 65, "scopes": ["read"]}, "name"),
        ({"name": "x", "scopes": "read"}, "scopes"),
        ({"name": "x", "scopes": ["read"], "expires_in_days": "soon"}, "expires_in_days"),
        ({"name": "x", "scopes": ["superuser"]}, "scopes"),
        ({"name": "x", "scopes": ["admin"]}, "scopes"),  # a citizen may not hold admin
    ]:
        response = client.post("/api/v1/accounts/tokens", body, content_type=JSON)
        assert response.status_code == 422, (body, response.content)
        payload = response.json()
        assert field in {payload.get("field")} | {e["field"] for e in payload.get("errors", [])}
    assert ApiToken.objects.count() == 0

"""Single sign-on: the full OpenID Connect authorization-code + PKCE flow, end to end.

Uses the Django test client against the real django-oauth-toolkit endpoints and validates
the ID token's RS256 signature with the keys published at /o/.well-known/jwks.json.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from jwcrypto import jwk, jwt
from oauth2_provider.models import Application

from tests.accounts.conftest import login
from tests.factories import DepartmentFactory, make_citizen, make_staff

pytestmark = pytest.mark.django_db

REDIRECT = "https://rp.example.gov.cn/oidc/callback"
CLIENT_SECRET = "client-secret-for-tests-0123456789"


@pytest.fixture
def application():
    return Application.objects.create(
        name="区不动产登记系统",
        client_type=Application.CLIENT_CONFIDENTIAL,
        authorization_grant_type=Application.GRANT_AUTHORIZATION_CODE,
        redirect_uris=REDIRECT,
        client_secret=CLIENT_SECRET,
        algorithm=Application.RS256_ALGORITHM,
        skip_authorization=True,
    )


def pkce_pair() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
    return verifier, challenge.decode().rstrip("=")


def authorize(client: Client, app: Application, challenge: str | None, nonce: str) -> dict:
    params = {
        "response_type": "code",
        "client_id": app.client_id,
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "state": "state-42",
        "nonce": nonce,
    }
    if challenge:
        params |= {"code_challenge": challenge, "code_challenge_method": "S256"}
    response = client.get("/o/authorize/", params)
    assert response.status_code == 302, response.content
    location = urlparse(response["Location"])
    assert f"{location.scheme}://{location.netloc}{location.path}" == REDIRECT
    return {k: v[0] for k, v in parse_qs(location.query).items()}


def exchange(app: Application, code: str, verifier: str):
    return Client().post(
        "/o/token/",
        {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": REDIRECT,
            "client_id": app.client_id,
            "client_secret": CLIENT_SECRET,
            "code_verifier": verifier,
        },
    )


def test_discovery_document():
    response = Client().get("/o/.well-known/openid-configuration")
    assert response.status_code == 200
    doc = response.json()
    assert doc["issuer"].endswith("/o")
    assert doc["jwks_uri"].endswith("/o/.well-known/jwks.json")
    assert "S256" in doc["code_challenge_methods_supported"]
    assert "RS256" in doc["id_token_signing_alg_values_supported"]
    assert {"sub", "name", "preferred_username", "zhengwu_roles"} <= set(doc["claims_supported"])


def test_full_authorization_code_flow_with_pkce(application):
    dept = DepartmentFactory()
    user = make_staff(department=dept, roles=["approver", "department_head"], display_name="赵志刚")
    client = login(Client(), user)
    verifier, challenge = pkce_pair()
    nonce = secrets.token_urlsafe(16)

    query = authorize(client, application, challenge, nonce)
    assert query["state"] == "state-42" and query["code"]

    response = exchange(application, query["code"], verifier)
    assert response.status_code == 200, response.content
    tokens = response.json()
    assert tokens["token_type"].lower() == "bearer" and tokens["id_token"]

    jwks = jwk.JWKSet.from_json(Client().get("/o/.well-known/jwks.json").content.decode())
    id_token = jwt.JWT(jwt=tokens["id_token"], key=jwks, algs=["RS256"])  # verifies signature
    claims = json.loads(id_token.claims)
    issuer = Client().get("/o/.well-known/openid-configuration").json()["issuer"]
    assert claims["iss"] == issuer
    assert claims["aud"] == application.client_id or application.client_id in claims["aud"]
    assert claims["nonce"] == nonce
    assert claims["sub"] == str(user.public_id)
    assert claims["name"] == "赵志刚" and claims["preferred_username"] == user.username
    assert claims["zhengwu_roles"] == ["approver", "department_head"]
    assert claims["zhengwu_department"] == dept.pk

    # A token signed by another key is rejected by the same check.
    other_key = jwk.JWK.generate(kty="RSA", size=2048)
    forged = jwt.JWT(
        header={"alg": "RS256", "kid": id_token.token.jose_header.get("kid")}, claims=claims
    )
    forged.make_signed_token(other_key)
    with pytest.raises(Exception):  # noqa: B017 - jwcrypto raises its own signature errors
        jwt.JWT(jwt=forged.serialize(), key=jwks, algs=["RS256"])

    userinfo = Client().get("/o/userinfo/", HTTP_AUTHORIZATION=f"Bearer {tokens['access_token']}")
    assert userinfo.status_code == 200 and userinfo.json()["sub"] == str(user.public_id)


def test_citizen_id_number_is_never_a_claim(application):
    user = make_citizen(id_number="440524188001010014", real_name="王强")
    client = login(Client(), user)
    verifier, challenge = pkce_pair()
    query = authorize(client, application, challenge, "n-1")
    tokens = exchange(application, query["code"], verifier).json()
    payload = tokens["id_token"].split(".")[1]
    decoded = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)).decode()
    assert "440524" not in decoded and "0014" not in decoded
    claims = json.loads(decoded)
    assert claims["zhengwu_kind"] == "citizen" and claims["zhengwu_roles"] == []


def test_wrong_code_verifier_is_refused(application):
    client = login(Client(), make_citizen())
    _, challenge = pkce_pair()
    query = authorize(client, application, challenge, "n-2")
    response = exchange(application, query["code"], "a-different-verifier-" + "x" * 40)
    assert response.status_code == 400
    assert response.json()["error"] == "invalid_grant"


def test_authorization_without_pkce_is_refused(application):
    client = login(Client(), make_citizen())
    query = authorize(client, application, None, "n-3")
    assert query.get("error") == "invalid_request" and "code" not in query


def test_anonymous_authorize_redirects_to_login(application):
    _, challenge = pkce_pair()
    response = Client().get(
        "/o/authorize/",
        {
            "response_type": "code",
            "client_id": application.client_id,
            "redirect_uri": REDIRECT,
            "scope": "openid",
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        },
    )
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")

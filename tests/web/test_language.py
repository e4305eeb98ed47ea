"""The interface language follows the person: kept in the browser and on the account."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.factories import PASSWORD, make_citizen

pytestmark = pytest.mark.django_db
COOKIE = settings.LANGUAGE_COOKIE_NAME


def test_switching_language_sets_the_cookie_and_redirects_back(client):
    response = client.post("/preferences/language/", {"language": "en", "next": "/workbench/"})
    assert response.status_code == 302 and response["Location"] == "/workbench/"
    assert response.cookies[COOKIE].value == "en"
    assert client.get("/").content.decode().count('lang="en"') >= 1


def test_a_signed_in_switch_is_kept_on_the_account(client):
    user = make_citizen()
    client.force_login(user)
    client.post("/preferences/language/", {"language": "en", "next": "/"})
    user.refresh_from_db()
    assert user.language == "en"


def test_an_unknown_language_changes_nothing(client):
    user = make_citizen()
    client.force_login(user)
    response = client.post("/preferences/language/", {"language": "xx", "next": "/"})
    assert COOKIE not in response.cookies
    user.refresh_from_db()
    assert user.language == "zh-hans"


def test_an_external_next_is_not_followed(client):
    response = client.post(
        "/preferences/language/", {"language": "en", "next": "https://evil.example/"}
    )
    assert response.status_code == 302
    assert not response["Location"].startswith("https://evil.example")


def test_signing_in_on_a_fresh_browser_restores_the_account_language(client):
    user = make_citizen()
    user.language = "en"
    user.save(update_fields=["language"])
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    assert response.cookies[COOKIE].value == "en"


def test_signing_in_keeps_the_language_chosen_in_this_browser(client):
    user = make_citizen()
    client.cookies[COOKIE] = "en"
    response = client.post("/accounts/login/", {"username": user.username, "password": PASSWORD})
    assert response.status_code == 302
    user.refresh_from_db()
    assert user.language == "en"


def test_the_browser_language_does_not_switch_the_portal_to_english(client):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="zh-Hans"' in response.content.decode()
    assert response["Content-Language"] == "zh-hans"


def test_an_explicit_choice_does(client):
    client.cookies[COOKIE] = "en"
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN")
    assert '<html lang="en"' in response.content.decode()
    assert response["Content-Language"] == "en"

"""Elderly-friendly mode (适老化): a POST form, remembered per browser and per account."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from zhengwu.web.preferences import ELDERLY_COOKIE

pytestmark = pytest.mark.django_db
TOGGLE = reverse("web:elderly_mode")


def is_elderly(client: Client, path: str = "/") -> bool:
    body = client.get(path).content.decode()
    assert 'id="app"' in body
    return 'class="app portal elderly"' in body


def test_visitor_switches_on_and_off_with_a_cookie(client):
    assert not is_elderly(client)
    response = client.post(TOGGLE, {"elderly": "1", "next": "/"})
    assert response.status_code == 303
    assert response["Location"] == "/"
    cookie = response.cookies[ELDERLY_COOKIE]
    assert cookie.value == "1"
    assert cookie["samesite"] == "Lax"
    assert cookie["httponly"]
    assert int(cookie["max-age"]) >= 180 * 24 * 3600
    assert is_elderly(client)

    response = client.post(TOGGLE, {"elderly": "0", "next": "/"})
    assert response.cookies[ELDERLY_COOKIE]["max-age"] == 0  # deleted
    assert not is_elderly(client)


def test_elderly_page_is_simpler_and_the_button_reports_its_state(client):
    normal = client.get("/").content.decode()
    assert 'aria-pressed="false"' in normal
    assert "开放接口" in normal  # the developer link is in the full menu
    client.post(TOGGLE, {"elderly": "1", "next": "/"})
    elderly = client.get("/").content.decode()
    assert 'aria-pressed="true"' in elderly
    assert 'name="elderly" value="0"' in elderly  # the next press switches it off
    assert "开放接口" not in elderly  # fewer menu items, no developer card


def test_signed_in_choice_is_kept_on_the_account(client, citizen):
    client.force_login(citizen)
    client.post(TOGGLE, {"elderly": "1", "next": "/"})
    citizen.refresh_from_db()
    assert citizen.elderly_mode is True

    # Another browser (no cookie) shows the mode as soon as the same person signs in.
    other = Client()
    assert not is_elderly(other)
    other.force_login(citizen)
    assert is_elderly(other)

    other.post(TOGGLE, {"elderly": "0", "next": "/"})
    citizen.refresh_from_db()
    assert citizen.elderly_mode is False
    assert not is_elderly(other)


def test_choice_made_before_signing_in_survives_signing_in(client, citizen):
    client.post(TOGGLE, {"elderly": "1", "next": "/"})
    client.force_login(citizen)
    assert is_elderly(client)


def test_choice_is_audited_through_the_accounts_service(client, citizen):
    from zhengwu.kernel.models import AuditEntry

    client.force_login(citizen)
    client.post(TOGGLE, {"elderly": "1", "next": "/"})
    entry = AuditEntry.objects.filter(action="user.preferences_changed").get()
    assert entry.object_id == str(citizen.pk)
    assert entry.channel == "web"


@pytest.mark.parametrize(
    "next_url",
    ["https://evil.example/phish", "//evil.example/", "javascript:alert(1)", "", "http:///x"],
)
def test_redirect_refuses_other_sites(client, next_url):
    response = client.post(TOGGLE, {"elderly": "1", "next": next_url})
    assert response.status_code == 303
    assert response["Location"] == "/"


def test_redirect_returns_to_the_page_of_this_site(client):
    response = client.post(TOGGLE, {"elderly": "1", "next": "/no-such-page/?q=1"})
    assert response["Location"] == "/no-such-page/?q=1"


def test_htmx_request_is_redirected_to_the_full_page(client):
    response = client.post(TOGGLE, {"elderly": "1", "next": "/"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 303
    page = client.get(response["Location"], HTTP_HX_REQUEST="true")
    # htmx selects #app from the page it was redirected to: the mode class is on it.
    assert 'id="app" class="app portal elderly"' in page.content.decode()


def test_toggle_form_carries_htmx_attributes_and_works_without_them(client):
    body = client.get("/").content.decode()
    assert f'action="{TOGGLE}" method="post"' in body
    assert f'hx-post="{TOGGLE}" hx-target="#app" hx-select="#app" hx-swap="outerHTML"' in body


def test_toggle_needs_post_csrf_and_a_valid_value(client):
    assert client.get(TOGGLE).status_code == 405
    strict = Client(enforce_csrf_checks=True)
    assert strict.post(TOGGLE, {"elderly": "1"}).status_code == 403
    response = client.post(TOGGLE, {"elderly": "yes"})
    assert response.status_code == 400
    assert ELDERLY_COOKIE not in response.cookies

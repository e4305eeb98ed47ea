"""Anonymous public pages from the cache: same content, the visitor's own CSRF token,
never for signed-in visitors, refreshed when the data stamp changes."""

from __future__ import annotations

import re

import pytest
from django.core.cache import caches
from django.http import HttpResponse
from django.middleware.csrf import get_token
from django.template import Context, Template
from django.test import RequestFactory, override_settings

from zhengwu.kernel.pagecache import (
    CSRF_PLACEHOLDER,
    StampSource,
    cached_public_page,
    freeze,
    thaw,
)

LOCMEM = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    "pages": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "t"},
}
PAGE = Template(
    '<body hx-headers=\'{"X-CSRFToken": "{{ csrf_token }}"}\'><form>{% csrf_token %}</form>'
    "<p>{{ n }}</p></body>"
)


class Counter:
    def __init__(self) -> None:
        self.renders = 0
        self.stamp = "s1"


@pytest.fixture
def page_view():
    counter = Counter()
    source = StampSource(lambda: counter.stamp, check_seconds=0)

    @cached_public_page(stamp=source, variant=lambda request, code: code, allowed_params=("at",))
    def view(request, code):
        counter.renders += 1
        get_token(request)
        html = PAGE.render(Context({"csrf_token": get_token(request), "n": counter.renders}))
        return HttpResponse(html)

    with override_settings(CACHES=LOCMEM):
        caches["pages"].clear()
        yield view, counter


def _request(**cookies):
    request = RequestFactory().get("/page")
    request.COOKIES.update(cookies)
    return request


def test_second_anonymous_visit_is_served_from_the_cache(page_view):
    view, counter = page_view
    first = view(_request(), "A")
    second = view(_request(), "A")
    assert counter.renders == 1
    assert first["X-Page-Cache"] == "miss" and second["X-Page-Cache"] == "hit"
    assert b"<p>1</p>" in second.content
    assert CSRF_PLACEHOLDER not in second.content
    assert "Cookie" in second["Vary"]


def test_each_visitor_gets_a_token_valid_for_their_own_csrf_cookie(page_view):
    from django.middleware.csrf import _unmask_cipher_token

    view, _ = page_view
    view(_request(), "A")
    request = _request()
    response = view(request, "A")
    secret = request.META["CSRF_COOKIE"]
    for token in re.findall(rb'value="([A-Za-z0-9]{64})"', response.content):
        assert _unmask_cipher_token(token.decode()) == secret


def test_signed_in_or_flash_message_visitors_bypass_the_cache(page_view):
    view, counter = page_view
    view(_request(), "A")
    view(_request(sessionid="abc"), "A")
    view(_request(messages="x"), "A")
    assert counter.renders == 3


def test_unknown_query_parameters_bypass_the_cache(page_view):
    view, counter = page_view
    view(RequestFactory().get("/page", {"utm": "1"}), "A")
    view(RequestFactory().get("/page", {"utm": "1"}), "A")
    assert counter.renders == 2
    view(RequestFactory().get("/page", {"at": "2026-01-01"}), "A")
    view(RequestFactory().get("/page", {"at": "2026-01-01"}), "A")
    assert counter.renders == 3


def test_a_new_stamp_renders_afresh(page_view):
    view, counter = page_view
    view(_request(), "A")
    counter.stamp = "s2"
    response = view(_request(), "A")
    assert counter.renders == 2 and b"<p>2</p>" in response.content


def test_freeze_and_thaw_replace_every_token():
    html = b'<input name="csrfmiddlewaretoken" value="' + b"a" * 64 + b'">'
    frozen = freeze(html)
    assert CSRF_PLACEHOLDER in frozen and b"a" * 64 not in frozen
    request = RequestFactory().get("/")
    assert CSRF_PLACEHOLDER not in thaw(frozen, request)


@pytest.mark.django_db
def test_the_guide_page_is_cached_and_follows_a_new_publication(client):
    """End to end on a real guide page: a hit, then a new stamp shows the new version."""
    from tests.catalog.helpers_pages import build_small_catalog
    from zhengwu.catalog.stamp import CATALOGUE_STAMP

    version = build_small_catalog().current
    url = f"/services/items/{version.implementation_code}/"
    with override_settings(CACHES=LOCMEM):
        caches["pages"].clear()
        CATALOGUE_STAMP.expire()
        assert client.get(url)["X-Page-Cache"] == "miss"
        assert client.get(url)["X-Page-Cache"] == "hit"
        version.name = "改名后的事项"
        version.save()  # any write moves the catalogue stamp (updated_at)
        CATALOGUE_STAMP.expire()
        response = client.get(url)
        assert response["X-Page-Cache"] == "miss"
        assert "改名后的事项" in response.content.decode()


@pytest.mark.django_db
def test_the_cached_item_api_answers_exactly_what_a_fresh_render_does(client):
    from tests.catalog.helpers_pages import build_small_catalog
    from zhengwu.catalog.stamp import CATALOGUE_STAMP

    version = build_small_catalog().current
    url = f"/api/v1/catalog/items/{version.implementation_code}"
    fresh = client.get(url)  # the test settings' dummy cache: rendered every time
    with override_settings(CACHES=LOCMEM):
        caches["pages"].clear()
        CATALOGUE_STAMP.expire()
        first, second = client.get(url), client.get(url)
    assert fresh.status_code == first.status_code == second.status_code == 200
    assert fresh.json() == first.json() == second.json()
    assert fresh.json()["materials"] and fresh.json()["situations"]
    assert client.get("/api/v1/catalog/items/NO-SUCH-CODE").status_code == 404


def test_an_expired_stamp_is_read_again_whatever_the_machine_uptime():
    """``expire()`` forces a re-read even when the check interval is longer than the time
    since boot (the monotonic clock starts near 0: "checked at 0" looked recent)."""
    import time

    reads = []
    source = StampSource(
        lambda: str(len(reads.append(1) or reads)), check_seconds=time.monotonic() + 3600
    )
    assert source.value() == "1"
    assert source.value() == "1"  # within the interval: not read again
    source.expire()
    assert source.value() == "2"

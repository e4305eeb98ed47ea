"""The API's routes grouped per router prefix resolve exactly as django-ninja's flat list."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, path, reverse
from django.urls.resolvers import RegexPattern

from zhengwu.config.api import api, grouped_urls

SAMPLES = {
    "int": "7",
    "uuid": "12345678-1234-5678-1234-567812345678",
    "path": "a/b",
    "slug": "some-slug",
    "str": "abc",
}
CONVERTER = re.compile(r"<(?:(\w+):)?\w+>")


def _root(api_urls: tuple) -> URLResolver:
    return URLResolver(RegexPattern(r"^/"), [path("api/v1/", api_urls)])


def _concrete(route: str) -> str:
    return CONVERTER.sub(lambda m: SAMPLES[m.group(1) or "str"], route)


def test_every_route_resolves_to_the_same_view_name_and_arguments():
    # One call of api.urls for both: django-ninja makes new view wrappers on every call.
    flat_patterns, app_name, namespace = api.urls
    flat = _root((flat_patterns, app_name, namespace))
    grouped = _root(grouped_urls((flat_patterns, app_name, namespace)))
    routes = [str(p.pattern) for p in flat_patterns]
    assert len(routes) > 100  # the whole API, not a sample
    for route in routes:
        url = "/api/v1/" + _concrete(route)
        expected, actual = flat.resolve(url), grouped.resolve(url)
        assert (actual.func, actual.url_name, actual.kwargs, actual.namespaces) == (
            expected.func,
            expected.url_name,
            expected.kwargs,
            expected.namespaces,
        ), url


def test_routes_sit_behind_one_prefix_per_domain():
    patterns, _, _ = grouped_urls(api.urls)
    prefixes = {str(p.pattern) for p in patterns if isinstance(p, URLResolver)}
    assert {"accounts/", "cases/", "catalog/", "hotline/", "licences/"} <= prefixes
    # The few left flat are the API's own pages, not a domain's operations.
    flat = [str(p.pattern) for p in patterns if isinstance(p, URLPattern)]
    assert all("/" not in route for route in flat), flat
    assert len(patterns) < 20


def test_names_still_reverse_under_the_api_namespace():
    assert reverse("api:openapi-json") == "/api/v1/openapi.json"
    me = next(
        p for p in api.urls[0] if str(p.pattern) == "accounts/me" and isinstance(p, URLPattern)
    )
    assert reverse(f"api:{me.name}") == "/api/v1/accounts/me"


@pytest.mark.django_db
def test_a_path_the_api_does_not_have_is_a_json_404(client):
    for url in ("/api/v1/hotline/no-such-thing", "/api/v1/no-such-domain", "/api/v2/"):
        response = client.get(url)
        assert response.status_code == 404, url
        body = response.json()
        assert body["code"] == "not_found" and body["field"] == "path"
        assert body["message"] == "没有这个接口" and body["message_en"] == "No such API endpoint"
    assert client.get("/no-such-page/")["Content-Type"].startswith("text/html")

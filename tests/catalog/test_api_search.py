"""``GET /api/v1/catalog/search``: public, same results as ``search.search_catalog``."""

from __future__ import annotations

import pytest
from django.test import Client

from zhengwu.catalog import search
from zhengwu.catalog.search import SearchDocument, SearchIndex

URL = "/api/v1/catalog/search"

DOCUMENTS = [
    SearchDocument(
        kind="item",
        code="11610111MB0000011400010100100",
        name="食品经营许可",
        department_id=7,
        department="区市场监督管理局",
        faqs=(("开饭馆要办什么证？", "应当取得<b>食品经营许可</b>。"),),
        service_objects=frozenset({"2"}),
        online=True,
    ),
    SearchDocument(
        kind="item",
        code="11610111MB0000021400010200100",
        name="出生登记",
        department_id=8,
        department="区公安分局",
        service_objects=frozenset({"1"}),
    ),
    SearchDocument(
        kind="bundle",
        code="newborn",
        name="新生儿出生一件事",
        department_id=9,
        department="区卫生健康局",
        members=("出生登记", "出生医学证明"),
        service_objects=frozenset({"1"}),
    ),
]


@pytest.fixture(autouse=True)
def injected_index():
    search.set_index(SearchIndex.build(DOCUMENTS, {}))
    yield
    search.set_index(None)


@pytest.fixture
def client():
    return Client()


def test_search_shape_and_public(client):
    response = client.get(URL, {"q": "  开饭馆 "})
    assert response.status_code == 200
    body = response.json()
    assert body["query"] == "开饭馆"
    assert body["total"] == 1
    (hit,) = body["hits"]
    assert set(hit) == {"kind", "name", "code", "snippet", "score", "department"}
    assert hit["kind"] == "item"
    assert hit["name"] == "食品经营许可"
    assert hit["code"] == "11610111MB0000011400010100100"
    assert hit["department"] == "区市场监督管理局"
    assert "<mark>饭馆</mark>" in hit["snippet"] or "<mark>开饭馆</mark>" in hit["snippet"]
    assert hit["score"] > 0


def test_same_results_as_search_catalog(client):
    params = {"q": "出生", "object": "1", "limit": 5}
    body = client.get(URL, params).json()
    result = search.search_catalog("出生", service_object="1", limit=5)
    assert body["total"] == result.total
    assert body["hits"] == [
        {
            "kind": h.kind,
            "name": h.name,
            "code": h.code,
            "snippet": h.snippet,
            "score": h.score,
            "department": h.department,
        }
        for h in result.hits
    ]
    assert {h["kind"] for h in body["hits"]} == {"item", "bundle"}


def test_filters_through_the_api(client):
    body = client.get(URL, {"q": "出生", "kind": "bundle"}).json()
    assert [h["code"] for h in body["hits"]] == ["newborn"]
    body = client.get(URL, {"q": "出生 食品", "online": "true"}).json()
    assert [h["name"] for h in body["hits"]] == ["食品经营许可"]
    body = client.get(URL, {"q": "出生 食品", "department": 8}).json()
    assert [h["name"] for h in body["hits"]] == ["出生登记"]
    body = client.get(URL, {"q": "出生", "cross_province": "true"}).json()
    assert body == {"query": "出生", "total": 0, "hits": []}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "办" * 101}, "q"),
        ({"q": "出生", "department": "abc"}, "department"),
        ({"q": "出生", "department": "0"}, "department"),
        ({"q": "出生", "object": "9"}, "object"),
        ({"q": "出生", "online": "maybe"}, "online"),
        ({"q": "出生", "cross_province": "x"}, "cross_province"),
        ({"q": "出生", "kind": "page"}, "kind"),
        ({"q": "出生", "limit": "0"}, "limit"),
        ({"q": "出生", "limit": "500"}, "limit"),
    ],
)
def test_bad_input_is_422_naming_the_field(client, params, field):
    response = client.get(URL, params)
    assert response.status_code == 422, response.content
    body = response.json()
    fields = {body["field"]} | {e["field"] for e in body.get("errors", [])}
    assert field in fields

"""Public read API of the catalogue: shapes, ``?at=``, history, diff, checklist, bundles,
life events, and errors through the kernel table."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from tests.catalog.helpers_pages import build_small_catalog
from zhengwu.catalog.models import ItemVersion

pytestmark = pytest.mark.django_db
BASE = "/api/v1/catalog"


@pytest.fixture
def catalog():
    return build_small_catalog()


@pytest.fixture
def api():
    return Client()  # anonymous: every read endpoint is public


def test_list_items_paginated_and_filtered(api, catalog):
    body = api.get(f"{BASE}/items").json()
    assert body["count"] == 1
    row = body["items"][0]
    assert row["implementation_code"] == catalog.code and row["version"] == 2
    assert row["department"]["name"] == "西安市灞桥区市场监督管理局"
    assert api.get(f"{BASE}/items", {"cross_province": "true"}).json()["count"] == 0
    assert api.get(f"{BASE}/items", {"online": "true"}).json()["count"] == 1
    assert api.get(f"{BASE}/items", {"life_event": "lp-permit"}).json()["count"] == 1
    assert api.get(f"{BASE}/items", {"limit": 1, "offset": 1}).json()["items"] == []
    bad = api.get(f"{BASE}/items", {"service_object": "9"})
    assert bad.status_code == 422 and bad.json()["field"] == "service_object"


def test_get_item_has_every_element(api, catalog):
    response = api.get(f"{BASE}/items/{catalog.code}")
    assert response.status_code == 200
    body = response.json()
    model_fields = {
        f.name
        for f in ItemVersion._meta.get_fields()
        if f.concrete and f.name not in ("id", "item", "based_on", "created_at", "updated_at")
    }
    assert model_fields <= set(body), model_fields - set(body)
    assert body["version"] == 2 and body["basic_code"] == "000101001000"
    assert body["legal_basis"].startswith("《中华人民共和国食品安全法》")
    assert [m["key"] for m in body["materials"]][:2] == ["application-form", "business-licence"]
    sublease = next(s for s in body["situations"] if s["key"] == "sublease")
    assert sublease["parent_option"] == "premises.rent"
    rent = next(
        o for s in body["situations"] if s["key"] == "premises" for o in s["options"]
        if o["key"] == "rent"
    )  # fmt: skip
    assert rent["materials"] == ["lease-contract"] and rent["promised_limit"] == 7
    assert body["life_events"] == [
        {"code": "lp-permit", "name": "准营", "audience": "legal_person"}
    ]


def test_get_item_at_a_date(api, catalog):
    old = api.get(f"{BASE}/items/{catalog.code}", {"at": "2025-06-01T12:00:00+08:00"})
    assert old.status_code == 200 and old.json()["version"] == 1
    assert (
        api.get(f"{BASE}/items/{catalog.code}", {"at": "2026-02-01T00:00:00+08:00"}).json()[
            "version"
        ]
        == 2
    )
    before = api.get(f"{BASE}/items/{catalog.code}", {"at": "2020-01-01T00:00:00+08:00"})
    assert before.status_code == 404
    bad = api.get(f"{BASE}/items/{catalog.code}", {"at": "not-a-date"})
    assert bad.status_code == 422
    body = bad.json()
    assert body["field"] == "at" and body["message"] and body["message_en"]


def test_unknown_item_is_404(api, catalog):
    response = api.get(f"{BASE}/items/NOPE")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert api.get(f"{BASE}/items/NOPE/versions").status_code == 404


def test_versions_and_diff(api, catalog):
    versions = api.get(f"{BASE}/items/{catalog.code}/versions").json()
    assert [(v["version"], v["status"]) for v in versions] == [(2, "published"), (1, "superseded")]
    diff = api.get(f"{BASE}/items/{catalog.code}/diff", {"from": 1, "to": 2})
    assert diff.status_code == 200
    body = diff.json()
    assert body["from_version"] == 1 and body["to_version"] == 2
    paths = {c["path"]: c for c in body["changes"]}
    assert paths["promised_limit"]["before"] == 10 and paths["promised_limit"]["after"] == 5
    assert "place" in paths
    missing = api.get(f"{BASE}/items/{catalog.code}/diff", {"from": 1, "to": 9})
    assert missing.status_code == 404 and missing.json()["field"] == "to"
    bad = api.get(f"{BASE}/items/{catalog.code}/diff", {"from": "x", "to": 2})
    assert bad.status_code == 422 and bad.json()["field"] == "from"


def test_checklist_with_json_or_params(api, catalog):
    url = f"{BASE}/items/{catalog.code}/checklist"
    plain = api.get(url).json()
    assert [m["key"] for m in plain["materials"]] == ["application-form", "business-licence"]
    by_json = api.get(url, {"answers": json.dumps({"premises": "rent", "sublease": "yes"})})
    assert by_json.status_code == 200
    body = by_json.json()
    assert [m["key"] for m in body["materials"]][2:] == ["lease-contract", "sublet-consent"]
    assert body["promised_limit"] == 7
    assert body["answers"] == {"premises": "rent", "sublease": "yes"}
    by_params = api.get(url, {"a.premises": "rent", "a.sublease": "yes"}).json()
    assert by_params["materials"] == body["materials"]


@pytest.mark.parametrize(
    "params, field",
    [
        ({"a.premises": "castle"}, "answers.premises"),
        ({"a.nothing": "x"}, "answers.nothing"),
        ({"answers": "{not json"}, "answers"),
        ({"answers": "[1, 2]"}, "answers"),
    ],
)
def test_checklist_bad_answers_are_422(api, catalog, params, field):
    response = api.get(f"{BASE}/items/{catalog.code}/checklist", params)
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == field and body["message"] and body["message_en"]


def test_bundles(api, catalog):
    listing = api.get(f"{BASE}/bundles").json()
    assert [b["code"] for b in listing] == ["permit"]
    assert listing[0]["lead_department"]["name"] == "西安市灞桥区市场监督管理局"
    assert api.get(f"{BASE}/bundles", {"audience": "natural_person"}).json() == []
    body = api.get(f"{BASE}/bundles/permit").json()
    assert body["promised_limit"] == 5 and body["life_event"] == "lp-permit"
    assert body["members"][0]["implementation_code"] == catalog.code
    assert [m["key"] for m in body["materials"]] == ["application-form", "business-licence"]
    assert body["form_fields"][0]["key"] == "shop_name"
    assert api.get(f"{BASE}/bundles/nope").status_code == 404


def test_life_events(api, catalog):
    body = api.get(f"{BASE}/life-events", {"audience": "legal_person"}).json()
    assert body[0]["code"] == "lp-permit" and body[0]["item_count"] == 1
    assert api.get(f"{BASE}/life-events", {"audience": "natural_person"}).json() == []
    assert api.get(f"{BASE}/life-events", {"audience": "aliens"}).status_code == 422


def test_openapi_documents_every_element(api):
    schema = api.get("/api/v1/openapi.json").json()
    paths = schema["paths"]
    for path in ("/items", "/items/{implementation_code}", "/items/{implementation_code}/versions",
                 "/items/{implementation_code}/diff", "/items/{implementation_code}/checklist",
                 "/bundles", "/bundles/{code}", "/life-events"):  # fmt: skip
        assert f"/api/v1/catalog{path}" in paths, path
    version = schema["components"]["schemas"]["PublicVersionOut"]["properties"]
    for element in ("statutory_limit_note", "special_procedures", "materials", "situations",
                    "cross_province", "accept_on_receipt", "online_depth", "faqs"):  # fmt: skip
        assert element in version


def test_item_api_query_count(api, catalog, django_assert_max_num_queries):
    # The first request of a process also loads the search index's stamp, bundles and
    # synonyms (five statements, once); alone, this test would count them.
    assert api.get(f"{BASE}/items/{catalog.code}").status_code == 200
    with django_assert_max_num_queries(8):
        assert api.get(f"{BASE}/items/{catalog.code}").status_code == 200

"""Health probes, request ids and the API's documentation endpoints."""

from __future__ import annotations

import pytest


@pytest.mark.django_db
def test_healthz_is_alive(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


@pytest.mark.django_db
def test_readyz_checks_database_and_task_backend(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["checks"] == {"database": "ok", "tasks": "ok"}


@pytest.mark.django_db
def test_readyz_reports_an_unreachable_task_backend(client, settings):
    settings.TASK_BACKEND_NAME = "rq"
    settings.REDIS_URL = "redis://127.0.0.1:1/0"  # nothing listens on port 1
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["checks"]["tasks"].startswith("tasks(rq)")


@pytest.mark.django_db
def test_request_id_is_echoed_when_well_formed_and_made_fresh_otherwise(client):
    given = client.get("/healthz", headers={"X-Request-ID": "abc12345-trace"})
    assert given["X-Request-ID"] == "abc12345-trace"
    forged = client.get("/healthz", headers={"X-Request-ID": "bad id\nwith newline"})
    assert forged["X-Request-ID"] != "bad id\nwith newline"
    assert len(forged["X-Request-ID"]) == 32


@pytest.mark.django_db
def test_openapi_document_and_docs_page_need_no_cdn(client):
    spec = client.get("/api/v1/openapi.json")
    assert spec.status_code == 200
    assert spec.json()["info"]["title"].startswith("zhengwu")
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "cdn." not in html and "unpkg" not in html and "jsdelivr" not in html
    assert "/static/ninja/swagger-ui-bundle.js" in html


@pytest.mark.django_db
def test_unknown_api_path_gets_the_error_shape(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404

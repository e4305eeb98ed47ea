"""The public verification API: /api/v1/licences/verify (no authentication)."""

from __future__ import annotations

import orjson
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from zhengwu.kernel.identifiers import make_licence_identifier
from zhengwu.licences import render, verification
from zhengwu.licences.models import Licence, LicenceView

URL = "/api/v1/licences/verify"

RESULT_KEYS = {
    "exists",
    "valid_now",
    "signature_ok",
    "identifier",
    "type_code",
    "type_name",
    "number",
    "status",
    "status_label",
    "status_label_en",
    "issue_date",
    "valid_from",
    "valid_until",
    "long_term",
    "issuer_name",
    "issuer_code",
    "holder_name",
    "holder_code",
    "holder_code_type",
    "reasons",
    "source",
    "checked_at",
}


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def test_verify_by_identifier(lw):
    licence = lw.issue()
    response = Client().get(URL, {"identifier": licence.identifier})
    assert response.status_code == 200
    data = response.json()
    assert set(data) == RESULT_KEYS
    assert data["exists"] and data["valid_now"] and data["signature_ok"]
    assert data["identifier"] == licence.identifier
    assert data["holder_name"] == "王**" and "王小明" not in response.content.decode()
    assert licence.holder_code not in response.content.decode()
    assert data["reasons"] == []
    assert data["valid_until"] == licence.valid_until.isoformat()
    assert LicenceView.objects.filter(licence=licence, channel="api").count() == 1


def test_verify_by_token(lw):
    licence = lw.issue()
    data = Client().get(URL, {"token": licence.qr_token}).json()
    assert data["valid_now"] and data["source"] == "qr"


def test_wrong_check_character_is_422_naming_identifier(lw):
    licence = lw.issue()
    bad = licence.identifier[:-1] + ("A" if licence.identifier[-1] != "A" else "B")
    response = Client().get(URL, {"identifier": bad})
    assert response.status_code == 422
    body = response.json()
    assert body["field"] == "identifier"
    assert body["message"] and body["message_en"]


def test_missing_parameters_are_422(db):
    response = Client().get(URL)
    assert response.status_code == 422 and response.json()["field"] == "identifier"


def test_unknown_identifier_is_not_found_result(lw):
    identifier = make_licence_identifier(
        lw.food.code, lw.issuer_code, "2025999998", "001", field="identifier"
    )
    response = Client().get(URL, {"identifier": identifier})
    assert response.status_code == 200
    data = response.json()
    assert data["exists"] is False and data["reasons"][0]["code"] == "not_found"


def test_tampered_licence_is_invalid_with_reason(lw):
    licence = lw.issue()
    Client().get(URL, {"identifier": licence.identifier})  # leaves a seal
    Licence.objects.filter(pk=licence.pk).update(metadata={"business_scope": "全部"})
    data = Client().get(URL, {"identifier": licence.identifier}).json()
    assert data["exists"] and not data["signature_ok"] and not data["valid_now"]
    assert [r["code"] for r in data["reasons"]] == ["bad_signature"]


def test_revoked_licence_is_not_valid(lw):
    licence = lw.issue()
    Licence.objects.filter(pk=licence.pk).update(status="revoked")
    data = Client().get(URL, {"identifier": licence.identifier}).json()
    assert data["signature_ok"] and not data["valid_now"]
    assert data["status"] == "revoked" and data["status_label"] == "吊销"


def test_upload_pdf(lw):
    licence = lw.issue()
    upload = SimpleUploadedFile("l.pdf", render.render_pdf(licence), "application/pdf")
    response = Client().post(f"{URL}/document", {"file": upload})
    assert response.status_code == 200, response.content
    assert response.json()["valid_now"] is True


def test_upload_altered_json(lw):
    licence = lw.issue()
    doc = verification.export_document(licence)
    doc["licence"]["number"] = "X" + doc["licence"]["number"][1:]
    upload = SimpleUploadedFile("l.json", orjson.dumps(doc), "application/json")
    data = Client().post(f"{URL}/document", {"file": upload}).json()
    assert not data["valid_now"] and "bad_signature" in [r["code"] for r in data["reasons"]]


def test_upload_wrong_type_and_missing_file(db):
    upload = SimpleUploadedFile("x.png", b"\x89PNG\r\n\x1a\n" + b"0" * 20, "image/png")
    response = Client().post(f"{URL}/document", {"file": upload})
    assert response.status_code == 422 and response.json()["field"] == "file"
    response = Client().post(f"{URL}/document", {})
    assert response.status_code == 422 and response.json()["field"] == "file"


def test_upload_too_large(db):
    big = SimpleUploadedFile("x.pdf", b"%PDF-" + b"0" * verification.MAX_DOCUMENT_BYTES)
    response = Client().post(f"{URL}/document", {"file": big})
    assert response.status_code == 413 and response.json()["field"] == "file"


def test_many_failed_lookups_are_throttled(lw):
    identifier = make_licence_identifier(
        lw.food.code, lw.issuer_code, "2025999997", "001", field="identifier"
    )
    client = Client()
    for _ in range(verification.FAILURE_LIMIT):
        assert client.get(URL, {"identifier": identifier}).status_code == 200
    response = client.get(URL, {"identifier": identifier})
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"


def test_verify_needs_no_session(lw, django_assert_max_num_queries):
    licence = lw.issue()
    client = Client()
    client.get(URL, {"identifier": licence.identifier})  # seal written on the first check
    # the licence (with its type) and the view record; nothing for sessions or users
    with django_assert_max_num_queries(2):
        response = client.get(URL, {"identifier": licence.identifier})
    assert response.status_code == 200 and response.json()["valid_now"]
    assert "sessionid" not in response.cookies

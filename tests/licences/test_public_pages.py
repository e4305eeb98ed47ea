"""The public verification pages at /licences/verify/ (no login, work without JavaScript)."""

from __future__ import annotations

import orjson
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from zhengwu.licences import render, verification
from zhengwu.licences.models import Licence


@pytest.fixture(autouse=True)
def _fresh_throttle():
    cache.clear()
    yield
    cache.clear()


def _bad(identifier: str) -> str:
    return identifier[:-1] + ("A" if identifier[-1] != "A" else "B")


def test_form_page(db):
    response = Client().get(reverse("licences_public:verify"))
    assert response.status_code == 200
    html = response.content.decode()
    assert 'name="identifier"' in html and 'type="file"' in html
    assert 'enctype="multipart/form-data"' in html
    assert 'id="result"' not in html


def test_lookup_of_genuine_licence(lw):
    licence = lw.issue()
    response = Client().get(reverse("licences_public:verify"), {"identifier": licence.identifier})
    assert response.status_code == 200
    html = response.content.decode()
    assert "lv-ok" in html and 'class="lc-card lc-template-standard"' in html
    assert licence.number in html and lw.issuer_name in html
    assert "王**" in html and "王小明" not in html and licence.holder_code not in html
    assert "热食类食品制售" not in html  # a citizen's metadata stays private
    assert 'class="lc-qr"' in html


def test_enterprise_licence_shows_metadata(lw):
    licence = lw.issue(lw.enterprise_holder())
    html = (
        Client()
        .get(reverse("licences_public:verify"), {"identifier": licence.identifier})
        .content.decode()
    )
    assert "热食类食品制售" in html


def test_wrong_check_character_is_422_with_message(lw):
    licence = lw.issue()
    response = Client().get(
        reverse("licences_public:verify"), {"identifier": _bad(licence.identifier)}
    )
    assert response.status_code == 422
    html = response.content.decode()
    assert "校验位" in html and 'aria-invalid="true"' in html
    assert 'id="result"' not in html


def test_tampered_licence_shows_invalid_with_reason(lw):
    licence = lw.issue()
    Licence.objects.filter(pk=licence.pk).update(holder_name="李四")
    response = Client().get(reverse("licences_public:verify"), {"identifier": licence.identifier})
    html = response.content.decode()
    assert "lv-bad" in html and 'data-code="bad_signature"' in html
    assert "签名验证失败" in html and "signature does not verify" in html


def test_revoked_licence_shows_not_valid(lw):
    licence = lw.issue()
    Licence.objects.filter(pk=licence.pk).update(status="revoked")
    html = (
        Client()
        .get(reverse("licences_public:verify"), {"identifier": licence.identifier})
        .content.decode()
    )
    assert "lv-bad" in html and 'data-code="revoked"' in html


def test_qr_page(lw):
    licence = lw.issue()
    response = Client().get(reverse("licences_public:qr", args=[licence.qr_token]))
    assert response.status_code == 200 and "lv-ok" in response.content.decode()
    response = Client().get(reverse("licences_public:qr", args=["unknownToken123"]))
    assert response.status_code == 404 and 'data-code="not_found"' in response.content.decode()


def test_upload_genuine_and_tampered_pdf(lw):
    licence = lw.issue()
    pdf = render.render_pdf(licence)
    client = Client()
    url = reverse("licences_public:document")
    response = client.post(url, {"file": SimpleUploadedFile("l.pdf", pdf, "application/pdf")})
    assert response.status_code == 200 and "lv-ok" in response.content.decode()
    forged = pdf.replace(licence.number.encode(), b"9" * len(licence.number), 1)
    response = client.post(url, {"file": SimpleUploadedFile("l.pdf", forged, "application/pdf")})
    html = response.content.decode()
    assert "lv-bad" in html and 'data-code="bad_signature"' in html


def test_upload_json(lw):
    licence = lw.issue()
    body = orjson.dumps(verification.export_document(licence))
    response = Client().post(
        reverse("licences_public:document"), {"file": SimpleUploadedFile("l.json", body)}
    )
    assert "lv-ok" in response.content.decode()


def test_upload_errors(db):
    url = reverse("licences_public:document")
    response = Client().post(url, {"file": SimpleUploadedFile("x.txt", b"hello")})
    assert response.status_code == 422 and "PDF" in response.content.decode()
    response = Client().post(url, {})
    assert response.status_code == 422
    big = SimpleUploadedFile("x.pdf", b"%PDF-" + b"0" * verification.MAX_DOCUMENT_BYTES)
    assert Client().post(url, {"file": big}).status_code == 413


def test_upload_page_get_shows_form(db):
    response = Client().get(reverse("licences_public:document"))
    assert response.status_code == 200 and 'type="file"' in response.content.decode()


def test_english(lw, settings):
    licence = lw.issue()
    Licence.objects.filter(pk=licence.pk).update(status="suspended")
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    html = client.get(
        reverse("licences_public:verify"), {"identifier": licence.identifier}
    ).content.decode()
    assert "The licence is suspended" in html

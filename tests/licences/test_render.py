"""The licence PDF: face, attached signed data, whole-file signature, cache; the card."""

from __future__ import annotations

import orjson
import pytest
from django.core.files.storage import default_storage
from django.template.loader import render_to_string
from django.utils.translation import override

from zhengwu.kernel.errors import Conflict
from zhengwu.licences import render, signing, verification
from zhengwu.licences.models import Licence
from zhengwu.licences.tasks_render import on_licence_issued, render_licence_pdf


def test_pdf_carries_the_signed_export_and_verifies(lw):
    licence = lw.issue()
    pdf = render.render_pdf(licence)
    assert pdf.startswith(b"%PDF-")
    document = render.extract_document(pdf)
    assert document == {
        **verification.export_document(licence),
        "file_key_id": licence.key_id,
        "file_signature": document["file_signature"],
    }
    canonical = signing.canonical_bytes(document["licence"])
    assert signing.check_signature(canonical, document["signature"], document["key_id"]).valid
    file_check = render.check_file_signature(pdf, document)
    assert file_check is not None and file_check.valid


def test_any_changed_byte_of_the_pdf_breaks_the_file_signature(lw):
    licence = lw.issue()
    pdf = render.render_pdf(licence)
    at = pdf.find(b"/Producer")
    assert at > 0
    tampered = pdf[:at] + b"/Producex" + pdf[at + 9 :]
    check = render.check_file_signature(tampered, render.extract_document(tampered))
    assert check is not None and not check.valid and check.reason == "file_altered"


def test_pdf_without_attachment_has_no_document():
    assert render.extract_document(b"%PDF-1.4\n1 0 obj << >> endobj\n%%EOF") is None


def test_render_cached_stores_once_and_rerenders_on_status_change(lw):
    licence = lw.issue()
    first = render.render_cached(licence)
    licence.refresh_from_db()
    assert licence.rendered_pdf.startswith("licences/pdf/")
    assert licence.rendered_digest == render.render_digest(licence)
    assert default_storage.exists(licence.rendered_pdf)
    assert render.render_cached(licence) == first  # served from storage
    old_path = licence.rendered_pdf
    Licence.objects.filter(pk=licence.pk).update(status="revoked")
    licence.refresh_from_db()
    again = render.render_cached(licence)
    licence.refresh_from_db()
    assert again != first
    assert licence.rendered_pdf != old_path
    assert not default_storage.exists(old_path)
    assert render.extract_document(again)["licence"]["identifier"] == licence.identifier


def test_tampered_licence_is_not_rendered(lw):
    licence = lw.issue()
    Licence.objects.filter(pk=licence.pk).update(number="FORGED-1")
    licence.refresh_from_db()
    with pytest.raises(Conflict):
        render.render_cached(licence)
    licence.refresh_from_db()
    assert licence.rendered_pdf == ""


def test_task_renders_and_handler_enqueues(lw):
    licence = lw.issue()
    assert render_licence_pdf.call(licence.pk).startswith("licences/pdf/")
    Licence.objects.filter(pk=licence.pk).update(rendered_pdf="", rendered_digest="")
    on_licence_issued("licence.issued", {"licence_id": licence.pk})  # immediate backend
    licence.refresh_from_db()
    assert licence.rendered_digest == render.render_digest(licence)
    assert render_licence_pdf.call(10**9) == ""


def test_issuing_renders_after_commit(lw, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        licence = lw.issue()
    licence.refresh_from_db()
    assert licence.rendered_pdf.startswith("licences/pdf/")


def test_qr_svg_is_inline_and_labelled():
    svg = render.qr_svg("https://example.cn/licences/verify/q/abc/", label="证照 <1>")
    assert svg.startswith("<svg ") and 'role="img"' in svg
    assert 'aria-label="证照 &lt;1&gt;"' in svg
    assert "<script" not in svg


def test_seal_svg_escapes_the_name():
    svg = render.seal_svg("<b>局</b>")
    assert "&lt;" in svg and "<b>" not in svg


def test_verification_url_uses_public_url(lw, settings):
    settings.PUBLIC_URL = "https://zw.example.cn"
    licence = lw.issue()
    assert render.verification_url(licence) == (
        f"https://zw.example.cn/licences/verify/q/{licence.qr_token}/"
    )


@override("zh-hans")
def test_card_shows_the_face(lw):
    licence = Licence.objects.select_related("licence_type").get(pk=lw.issue().pk)
    html = render_to_string(
        "licences/_card.html",
        {"licence": licence, "holder_display": "王**", "qr_svg": render.qr_svg("https://x/")},
    )
    assert "食品经营许可证" in html and licence.number in html and licence.identifier in html
    assert "王**" in html and "王小明" not in html
    assert "热食类食品制售" in html  # metadata with its label
    assert "经营项目" in html
    assert "lc-badge-valid" in html and 'class="lc-qr"' in html
    public = render_to_string(
        "licences/_card.html",
        {"licence": licence, "holder_display": "王**", "public_view": True},
    )
    assert "热食类食品制售" not in public  # a citizen's metadata is not public
    assert 'class="lc-qr"' not in public


def test_card_long_term_and_status(lw):
    licence = lw.issue()
    Licence.objects.filter(pk=licence.pk).update(valid_until=None, status="suspended")
    licence = Licence.objects.select_related("licence_type").get(pk=licence.pk)
    html = render_to_string("licences/_card.html", {"licence": licence, "holder_display": "x"})
    assert "long-term" in html or "长期" in html
    assert "lc-badge-invalid" in html


def test_export_json_is_json(lw):
    licence = lw.issue()
    doc = orjson.loads(verification.export_json(licence))
    assert doc["key_id"] == licence.key_id and "BEGIN PUBLIC KEY" in doc["public_key"]


def test_pdf_is_well_formed_for_a_pdf_library(lw):
    pypdf = pytest.importorskip("pypdf")
    import io

    licence = lw.issue()
    reader = pypdf.PdfReader(io.BytesIO(render.render_pdf(licence)))
    assert len(reader.pages) == 1
    attachments = reader.attachments
    assert list(attachments) == ["licence.json"]
    document = orjson.loads(attachments["licence.json"][0])
    assert document["licence"]["identifier"] == licence.identifier
    text = reader.pages[0].extract_text()
    assert licence.number in text

"""Verification of licences: signature round trip, tampering, status and dates, identifier
check characters, uploaded PDF/JSON documents."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import orjson
import pytest

from zhengwu.kernel.errors import InvalidInput, PayloadTooLarge
from zhengwu.kernel.identifiers import make_licence_identifier
from zhengwu.licences import render, signing, verification
from zhengwu.licences.models import IssuerKey, Licence, LicenceView

TAMPERED_FIELDS = {
    "identifier": None,  # set per licence below (a valid identifier of another serial)
    "number": "FORGED-0001",
    "type_name": "伪造许可证",
    "issuer_name": "某某伪造局",
    "holder_name": "李四",
    "holder_code": "110101199003078515",
    "region": "610112",
    "issue_date": date(2020, 1, 1),
    "valid_from": date(2020, 1, 2),
    "valid_until": date(2099, 12, 31),
    "metadata": {"business_scope": "全部", "premises": "别处"},
    "version": 7,
    "key_id": "0000000000000000",
    "signature": "MEUCIQDRe8THrxPx2naFQDYrh0VgmT1UMJ",
}


def _bad_identifier(identifier: str) -> str:
    body, check = identifier[:-1], identifier[-1]
    return body + ("A" if check != "A" else "B")


def test_export_round_trip_verifies(lw):
    licence = lw.issue()
    doc = verification.export_document(licence)
    assert set(doc) == {"format", "licence", "signature", "key_id", "public_key"}
    assert doc["licence"] == signing.canonical_dict(signing.licence_fields(licence))
    assert signing.check_signature(
        signing.canonical_bytes(doc["licence"]), doc["signature"], doc["key_id"]
    ).valid
    result = verification.verify_document(orjson.dumps(doc), "licence.json")
    assert result.exists and result.signature_ok and result.valid_now, result.reasons
    assert result.reasons == []


def test_verify_identifier_of_genuine_licence(lw):
    licence = lw.issue()
    result = verification.verify_identifier(licence.identifier)
    assert result.exists and result.signature_ok and result.valid_now
    assert result.type_name == "食品经营许可证"
    assert result.number == licence.number
    assert result.issuer_name == lw.issuer_name
    assert result.status == "valid" and result.status_label == "有效"
    assert result.holder_name == "王**"  # masked
    assert "*" in result.holder_code and result.holder_code != licence.holder_code
    assert result.valid_until == licence.valid_until
    assert LicenceView.objects.filter(licence=licence, channel="verify").count() == 1


def test_enterprise_holder_is_shown(lw):
    holder = lw.enterprise_holder()
    licence = lw.issue(holder)
    result = verification.verify_identifier(licence.identifier)
    assert result.holder_name == holder.name and result.holder_code == holder.code


def test_identifier_lower_case_and_spaces_are_normalised(lw):
    licence = lw.issue()
    result = verification.verify_identifier(f"  {licence.identifier.lower()} ")
    assert result.exists and result.identifier == licence.identifier


@pytest.mark.parametrize("field", sorted(TAMPERED_FIELDS))
def test_any_changed_field_is_caught_even_with_a_seal(lw, field, caplog):
    licence = lw.issue()
    # The first check leaves a seal on the row; it must not vouch for changed content.
    assert verification.verify_identifier(licence.identifier).signature_ok
    licence.refresh_from_db()
    assert licence.verified_seal
    value = TAMPERED_FIELDS[field]
    if field == "identifier":
        value = make_licence_identifier(
            licence.type_code, licence.issuer_code, "2099000001", "001", field="identifier"
        )
    Licence.objects.filter(pk=licence.pk).update(**{field: value})
    licence.refresh_from_db()
    with caplog.at_level(logging.WARNING, logger="zhengwu.licences"):
        result = verification.verify_licence(licence)
    assert not result.signature_ok and not result.valid_now
    expected = "unknown_key" if field == "key_id" else "bad_signature"
    assert expected in result.reason_codes
    assert result.reasons[0].message and result.reasons[0].message_en
    record = next(r for r in caplog.records if "verification failed" in r.getMessage())
    assert licence.holder_code not in record.getMessage()
    assert "王小明" not in record.getMessage()


def test_forged_seal_is_ignored(lw):
    licence = lw.issue()
    Licence.objects.filter(pk=licence.pk).update(holder_name="李四")
    licence.refresh_from_db()
    # A seal computed without the secret key: e.g. an HMAC under a guessed key.
    from zhengwu.kernel.crypto import hmac_sm3_hex

    forged = hmac_sm3_hex(
        b"guess", signing.licence_canonical_bytes(licence) + licence.signature.encode()
    )
    Licence.objects.filter(pk=licence.pk).update(verified_seal=forged)
    licence.refresh_from_db()
    result = verification.verify_licence(licence)
    assert not result.signature_ok and "bad_signature" in result.reason_codes


def test_seal_of_other_content_is_ignored(lw):
    a, b = lw.issue(), lw.issue()
    Licence.objects.filter(pk=b.pk).update(verified_seal=a.verified_seal, signature=a.signature)
    b.refresh_from_db()
    assert not verification.verify_licence(b).signature_ok


def test_wrong_check_character_is_refused_before_lookup(lw, django_assert_num_queries):
    licence = lw.issue()
    with django_assert_num_queries(0), pytest.raises(InvalidInput) as caught:
        verification.verify_identifier(_bad_identifier(licence.identifier))
    assert caught.value.field == "identifier"
    assert "校验位" in caught.value.message and "check character" in caught.value.message_en


@pytest.mark.parametrize("text", ["", "abc", "1.2.156.3005.2", "x" * 500])
def test_malformed_identifiers_are_refused(db, text):
    with pytest.raises(InvalidInput) as caught:
        verification.verify_identifier(text)
    assert caught.value.field == "identifier"


def test_unknown_identifier_with_valid_check_char_is_not_found(lw):
    identifier = make_licence_identifier(
        lw.food.code, lw.issuer_code, "2025999999", "001", field="identifier"
    )
    result = verification.verify_identifier(identifier)
    assert not result.exists and not result.valid_now
    assert result.reason_codes == ["not_found"]
    assert not LicenceView.objects.exists()


@pytest.mark.parametrize("status", ["revoked", "suspended", "withdrawn", "cancelled", "expired"])
def test_not_valid_statuses(lw, status):
    licence = lw.issue()
    Licence.objects.filter(pk=licence.pk).update(status=status)
    result = verification.verify_identifier(licence.identifier)
    assert result.exists and result.signature_ok  # status is not signed
    assert not result.valid_now
    assert status in result.reason_codes


def test_past_end_date_is_expired_even_before_the_task_runs(lw):
    today = date.today()
    licence = lw.issue(
        issue_date=today - timedelta(days=800),
        valid_from=today - timedelta(days=800),
        valid_until=today - timedelta(days=1),
    )
    result = verification.verify_identifier(licence.identifier)
    assert result.signature_ok and not result.valid_now
    assert result.reason_codes == ["expired"]


def test_long_term_licence(lw):
    from zhengwu.licences.models import LicenceType

    LicenceType.objects.filter(pk=lw.food.pk).update(validity_years=None)
    lw.food.refresh_from_db()
    licence = lw.issue()
    result = verification.verify_identifier(licence.identifier)
    assert result.valid_now and result.valid_until is None and result.long_term
    assert result.as_dict()["long_term"] is True


def test_qr_token(lw):
    licence = lw.issue()
    result = verification.verify_qr_token(licence.qr_token)
    assert result.valid_now and result.source == "qr"
    assert not verification.verify_qr_token("nonexistenttoken").exists
    with pytest.raises(InvalidInput) as caught:
        verification.verify_qr_token("<script>")
    assert caught.value.field == "token"


def test_genuine_pdf_upload_verifies(lw):
    licence = lw.issue()
    result = verification.verify_document(render.render_pdf(licence), "licence.pdf")
    assert result.exists and result.signature_ok and result.valid_now, result.reasons
    assert result.source == "document"


def test_genuine_pdf_of_a_since_revoked_licence(lw):
    licence = lw.issue()
    pdf = render.render_pdf(licence)
    Licence.objects.filter(pk=licence.pk).update(status="revoked")
    result = verification.verify_document(pdf, "licence.pdf")
    assert result.signature_ok and not result.valid_now
    assert result.reason_codes == ["revoked"]


def _replace_same_length(data: bytes, old: bytes, new: bytes) -> bytes:
    assert len(old) == len(new) and data.count(old) >= 1
    return data.replace(old, new, 1)


def test_pdf_with_an_altered_field_is_invalid(lw):
    licence = lw.issue()
    pdf = render.render_pdf(licence)
    end = licence.valid_until.isoformat().encode()
    forged = _replace_same_length(pdf, b'"valid_until":"' + end, b'"valid_until":"2099-12-31')
    result = verification.verify_document(forged, "licence.pdf")
    assert not result.signature_ok and not result.valid_now
    assert "bad_signature" in result.reason_codes
    assert "file_altered" in result.reason_codes


def test_pdf_with_edited_face_but_intact_data_is_invalid(lw):
    licence = lw.issue()
    pdf = render.render_pdf(licence)
    forged = pdf.replace(b"%%EOF", b"%%EOF\n% incremental update\n", 1)
    result = verification.verify_document(forged, "licence.pdf")
    assert not result.valid_now and result.reason_codes == ["file_altered"]


def test_json_with_an_altered_field_is_invalid(lw):
    licence = lw.issue()
    doc = verification.export_document(licence)
    doc["licence"]["holder_name"] = "李四"
    result = verification.verify_document(orjson.dumps(doc), "licence.json")
    assert not result.signature_ok and not result.valid_now
    assert "bad_signature" in result.reason_codes


def test_json_signed_by_an_unregistered_key_is_invalid(lw):
    import base64

    from zhengwu.kernel.crypto import Sm2KeyPair, sm2_sign

    licence = lw.issue()
    doc = verification.export_document(licence)
    pair = Sm2KeyPair.generate()
    doc["licence"]["key_id"] = doc["key_id"] = pair.key_id()
    doc["public_key"] = pair.public_pem()  # carried along, never trusted
    doc["signature"] = base64.b64encode(
        sm2_sign(pair, signing.canonical_bytes(doc["licence"]))
    ).decode()
    result = verification.verify_document(orjson.dumps(doc), "licence.json")
    assert not result.signature_ok and "unknown_key" in result.reason_codes


def test_json_whose_register_row_differs(lw):
    licence = lw.issue()
    doc = verification.export_document(licence)
    Licence.objects.filter(pk=licence.pk).update(number="CHANGED-1")
    result = verification.verify_document(orjson.dumps(doc), "licence.json")
    assert not result.valid_now
    assert "content_mismatch" in result.reason_codes  # the upload is not what is registered
    assert "bad_signature" in result.reason_codes  # and the register row was altered


def test_valid_json_of_unregistered_licence_is_not_found(lw):
    licence = lw.issue()
    doc = verification.export_document(licence)
    Licence.objects.filter(pk=licence.pk).delete()
    result = verification.verify_document(orjson.dumps(doc), "licence.json")
    assert result.signature_ok and not result.exists and not result.valid_now
    assert result.reason_codes == ["not_found"]
    assert result.holder_name == "王**"


def test_oversized_upload_is_refused(db):
    with pytest.raises(PayloadTooLarge) as caught:
        verification.verify_document(b"%PDF-" + b"0" * verification.MAX_DOCUMENT_BYTES, "a.pdf")
    assert caught.value.field == "file"


@pytest.mark.parametrize(
    "content", [b"\x89PNG\r\n\x1a\n0000", b"hello", b"", b"[1, 2]", b"{not json"]
)
def test_wrong_type_uploads_are_refused(db, content):
    with pytest.raises(InvalidInput) as caught:
        verification.verify_document(content, "x.bin")
    assert caught.value.field == "file"


@pytest.mark.parametrize("doc", [{}, {"licence": "x"}, {"licence": {}, "signature": 1}])
def test_malformed_json_documents_are_invalid(db, doc):
    result = verification.verify_document(orjson.dumps(doc), "x.json")
    assert not result.valid_now and result.reason_codes[0] in {"malformed", "bad_signature"}


def test_pdf_without_data_is_invalid(db):
    result = verification.verify_document(b"%PDF-1.4\n%%EOF\n", "x.pdf")
    assert result.reason_codes == ["no_document"]


def test_retired_key_still_verifies(lw):
    licence = lw.issue()
    signing.create_issuer_key(lw.issuer_code, lw.issuer_name)  # rotation
    assert not IssuerKey.objects.get(key_id=licence.key_id).active
    Licence.objects.filter(pk=licence.pk).update(verified_seal="")
    assert verification.verify_identifier(licence.identifier).signature_ok

"""Identifiers, the canonical serialisation, signature round trip, tamper detection of every
signed field and the verified seal."""

from __future__ import annotations

import base64

import orjson
import pytest

from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.identifiers import licence_check_char, parse_licence_identifier
from zhengwu.licences import signing
from zhengwu.licences.models import Licence

pytestmark = pytest.mark.django_db

DOMAIN_EXAMPLE = "1.2.156.3005.2.11100000000013338W032.11220000013544541J.2430599.001.F"


def test_the_domain_example_identifier_checks():
    parsed = parse_licence_identifier(DOMAIN_EXAMPLE)
    assert parsed.check_char == "F"
    assert licence_check_char("11100000000013338W03211220000013544541J2430599001") == "F"
    with pytest.raises(InvalidInput) as err:
        parse_licence_identifier(DOMAIN_EXAMPLE[:-1] + "G")
    assert err.value.code == "licence_check_char"


def test_issued_identifier_is_valid_and_carries_type_issuer_serial_version(lw):
    licence = lw.issue()
    parsed = parse_licence_identifier(licence.identifier)
    assert parsed.type_code == lw.food.code
    assert parsed.issuer_code == lw.issuer_code
    assert parsed.serial == licence.serial and parsed.version == "001"
    second = lw.issue()
    assert int(second.serial) == int(licence.serial) + 1


def test_canonical_bytes_are_sorted_compact_utf8(lw):
    licence = lw.issue()
    data = signing.licence_canonical_bytes(licence)
    assert b"\n" not in data and b", " not in data and b'": ' not in data
    text = data.decode("utf-8")
    assert "王小明" in text and "\\u" not in text  # non-ASCII written as itself
    decoded = orjson.loads(data)
    assert list(decoded) == sorted(decoded)
    assert set(decoded) == set(signing.CANONICAL_FIELDS)
    assert decoded["valid_until"] == licence.valid_until.isoformat()
    assert decoded["version"] == 1 and decoded["v"] == 1


def test_signature_round_trip_and_seal(lw):
    licence = lw.issue()
    fresh = Licence.objects.get(pk=licence.pk)
    check = signing.verify_stored(fresh)
    assert check.valid and check.cached  # sealed at issuance
    Licence.objects.filter(pk=licence.pk).update(verified_seal="")
    fresh = Licence.objects.get(pk=licence.pk)
    check = signing.verify_stored(fresh)
    assert check.valid and not check.cached  # full SM2 check, then sealed again
    assert Licence.objects.get(pk=licence.pk).verified_seal


TAMPERS = {
    "number": "JY999",
    "type_name": "药品经营许可证",
    "issuer_name": "别的局",
    "holder_name": "李四",
    "region": "610112",
    "relation": "change",
    "version": 7,
    "key_id": "0000000000000000",
}


@pytest.mark.parametrize("field_name", [*sorted(TAMPERS), "metadata", "valid_until", "signature"])
def test_any_change_to_a_stored_licence_breaks_verification(lw, field_name):
    licence = lw.issue()
    if field_name == "metadata":
        value = {**licence.metadata, "premises": "别处"}
    elif field_name == "valid_until":
        value = licence.valid_until.replace(year=licence.valid_until.year + 10)
    elif field_name == "signature":
        raw = bytearray(base64.b64decode(licence.signature))
        raw[-3] ^= 0x01
        value = base64.b64encode(bytes(raw)).decode()
    else:
        value = TAMPERS[field_name]
    Licence.objects.filter(pk=licence.pk).update(**{field_name: value})
    tampered = Licence.objects.get(pk=licence.pk)
    check = signing.verify_stored(tampered)
    assert not check.valid and not check.cached
    assert check.reason in ("bad_signature", "unknown_key")
    assert check.message and check.message_en


def test_encrypted_holder_fields_are_covered_too(lw):
    licence = lw.issue()
    licence.holder_code = "610111199003151239"
    check = signing.verify_stored(licence, remember=False)
    assert not check.valid and check.reason == "bad_signature"


def test_a_forged_seal_does_not_make_a_tampered_licence_valid(lw):
    licence = lw.issue()
    Licence.objects.filter(pk=licence.pk).update(number="FORGED", verified_seal="a" * 64)
    assert not signing.verify_stored(Licence.objects.get(pk=licence.pk)).valid


def test_private_keys_are_stored_encrypted(lw):
    licence = lw.issue()
    key = signing.IssuerKey.objects.get(key_id=licence.key_id)
    assert key.private_key_encrypted and "PRIVATE KEY" not in key.private_key_encrypted
    assert "PUBLIC KEY" in key.public_key_pem

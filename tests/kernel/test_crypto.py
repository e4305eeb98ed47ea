"""SM3, SM4 field encryption with rotation, the blind index, and SM2 signatures."""

from __future__ import annotations

import base64
import secrets

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from gmssl.sm2 import CryptSM2

from zhengwu.kernel import crypto
from zhengwu.kernel.crypto import (
    DecryptionError,
    FieldKeyring,
    Sm2KeyPair,
    blind_index,
    decrypt_field,
    decrypt_private_key,
    encrypt_field,
    encrypt_private_key,
    key_id,
    needs_rotation,
    sm2_sign,
    sm2_signature_from_raw,
    sm2_signature_to_raw,
    sm2_verify,
    sm3_digest,
    sm3_hex,
)
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.fields import EncryptedTextField


def _key(seed: bytes) -> str:
    return base64.b64encode((seed * 16)[:16]).decode()


OLD = FieldKeyring.parse(f"old1:{_key(b'o')}")
NEW = FieldKeyring.parse(f"new2:{_key(b'n')},old1:{_key(b'o')}")


# --- SM3 --------------------------------------------------------------------------------------


def test_sm3_matches_the_standard_test_vector():
    # GB/T 32905-2016 appendix A, example 1: SM3("abc").
    assert sm3_hex(b"abc") == "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert sm3_digest(b"abc") == bytes.fromhex(sm3_hex(b"abc"))


# --- SM4 field encryption -----------------------------------------------------------------


def test_field_round_trip_and_fresh_nonce():
    first = encrypt_field("610111199001011234")
    second = encrypt_field("610111199001011234")
    assert first != second  # random nonce: equal plaintexts do not look equal at rest
    assert "610111199001011234" not in first
    assert decrypt_field(first) == decrypt_field(second) == "610111199001011234"
    assert decrypt_field(encrypt_field("张三 · 灞桥区")) == "张三 · 灞桥区"
    assert decrypt_field(encrypt_field("")) == ""


def test_unknown_key_id_is_refused():
    token = encrypt_field("secret", ring=OLD)
    only_new = FieldKeyring.parse(f"new2:{_key(b'n')}")
    with pytest.raises(DecryptionError, match="unknown field key id"):
        decrypt_field(token, ring=only_new)


def test_relabelled_key_id_fails_authentication():
    # The key id is authenticated data: pointing a token at another key must not decrypt.
    both = FieldKeyring.parse(f"aaa:{_key(b'a')},bbb:{_key(b'a')}")
    token = encrypt_field("secret", ring=both)
    forged = token.replace(":aaa:", ":bbb:")
    with pytest.raises(DecryptionError):
        decrypt_field(forged, ring=both)


@pytest.mark.parametrize("position", [0, 20, -1])
def test_tampered_ciphertext_is_refused(position):
    token = encrypt_field("610111199001011234")
    prefix, kid, body = token.split(":", 2)
    raw = bytearray(crypto._b64d(body))
    raw[position] ^= 0x01
    tampered = f"{prefix}:{kid}:{crypto._b64e(bytes(raw))}"
    with pytest.raises(DecryptionError):
        decrypt_field(tampered)


@pytest.mark.parametrize("token", ["", "plain text", "sm4gcm:k1:", "sm4gcm:k1:abc", "aes:k1:xx"])
def test_malformed_tokens_are_refused(token):
    with pytest.raises(DecryptionError):
        decrypt_field(token)


def test_rotation_old_tokens_still_decrypt_and_are_flagged():
    old_token = encrypt_field("13812345678", ring=OLD)
    assert decrypt_field(old_token, ring=NEW) == "13812345678"
    assert needs_rotation(old_token, ring=NEW)
    new_token = encrypt_field("13812345678", ring=NEW)
    assert new_token.split(":")[1] == "new2"
    assert not needs_rotation(new_token, ring=NEW)


@pytest.mark.parametrize(
    "spec",
    ["", "nokey", "k1:" + base64.b64encode(b"short").decode(), f"k1:{_key(b'a')},k1:{_key(b'b')}"],
)
def test_bad_keyring_specs_are_refused(spec):
    with pytest.raises(ValueError):
        FieldKeyring.parse(spec)


# --- blind index ------------------------------------------------------------------------------


def test_blind_index_is_deterministic_keyed_and_purpose_separated(settings):
    value = "610111199001011234"
    first = blind_index(value, purpose="citizen_id")
    assert first == blind_index(value, purpose="citizen_id")
    assert len(first) == 64 and value not in first
    assert first != blind_index(value, purpose="phone")
    assert first != blind_index("610111199001011235", purpose="citizen_id")
    settings.BLIND_INDEX_KEY = base64.b64encode(b"another key, 32 bytes long!!!!!!").decode()
    assert blind_index(value, purpose="citizen_id") != first


def test_blind_index_needs_a_purpose():
    with pytest.raises(InvalidInput):
        blind_index("x", purpose="")


# --- EncryptedTextField -------------------------------------------------------------------


def test_encrypted_field_prep_and_from_db_round_trip():
    field = EncryptedTextField()
    stored = field.get_prep_value("610111199001011234")
    assert stored.startswith("sm4gcm:")
    assert "610111199001011234" not in stored
    assert field.from_db_value(stored, None, None) == "610111199001011234"
    assert field.get_prep_value(None) is None
    assert field.from_db_value(None, None, None) is None
    assert field.get_prep_value("") == ""
    assert field.from_db_value("", None, None) == ""


def test_encrypted_field_refuses_value_lookups():
    from django.core.exceptions import FieldError

    field = EncryptedTextField()
    field.set_attributes_from_name("id_number")
    assert field.get_lookup("isnull") is not None
    for lookup in ("exact", "icontains", "startswith", "in"):
        with pytest.raises(FieldError, match="blind-index"):
            field.get_lookup(lookup)
    with pytest.raises(FieldError):
        field.get_transform("lower")


def test_encrypted_field_deconstructs_for_migrations():
    field = EncryptedTextField(blank=True, null=True, verbose_name="身份证号")
    _name, path, args, kwargs = field.deconstruct()
    assert path == "zhengwu.kernel.fields.EncryptedTextField"
    assert kwargs == {"blank": True, "null": True, "verbose_name": "身份证号"}
    rebuilt = EncryptedTextField(*args, **kwargs)
    assert rebuilt.null and rebuilt.blank


def _raw_column(model, field_name: str) -> dict:
    from django.db import connection

    table = connection.ops.quote_name(model._meta.db_table)
    column = connection.ops.quote_name(model._meta.get_field(field_name).column)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT id, {column} FROM {table}")
        return dict(cursor.fetchall())


@pytest.mark.django_db
def test_rotate_field_keys_re_encrypts_old_tokens(settings, capsys):
    # accounts.User.phone is an EncryptedTextField: a real model, a real column.
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    settings.FIELD_ENCRYPTION_KEYS = f"old1:{_key(b'o')}"
    old_users = [
        user_model.objects.create(username=f"old{i}", phone=f"1381234567{i}") for i in range(5)
    ]
    no_phone = user_model.objects.create(username="nophone")
    settings.FIELD_ENCRYPTION_KEYS = f"new2:{_key(b'n')},old1:{_key(b'o')}"
    new_user = user_model.objects.create(username="new", phone="13900000000")
    before = _raw_column(user_model, "phone")
    assert all(before[u.pk].startswith("sm4gcm:old1:") for u in old_users)

    call_command("rotate_field_keys", "--batch-size", "2")

    out = capsys.readouterr().out
    assert "current field key: new2" in out
    assert "accounts.User.phone: scanned=7 rotated=5 failed=0" in out
    after = _raw_column(user_model, "phone")
    assert all(after[u.pk].startswith("sm4gcm:new2:") for u in old_users)
    assert after[new_user.pk] == before[new_user.pk]  # already current: untouched
    assert after[no_phone.pk] == ""
    for i, user in enumerate(old_users):
        user.refresh_from_db()
        assert user.phone == f"1381234567{i}"
    # Old key can now be dropped: everything decrypts with the new key alone.
    settings.FIELD_ENCRYPTION_KEYS = f"new2:{_key(b'n')}"
    assert {u.phone for u in user_model.objects.all()} - {""} == {
        *(f"1381234567{i}" for i in range(5)),
        "13900000000",
    }


@pytest.mark.django_db
def test_rotate_field_keys_fails_loudly_on_undecryptable_values(settings, capsys):
    from django.contrib.auth import get_user_model

    user_model = get_user_model()
    settings.FIELD_ENCRYPTION_KEYS = f"gone:{_key(b'g')}"
    user = user_model.objects.create(username="lost", phone="13812345678")
    settings.FIELD_ENCRYPTION_KEYS = f"new2:{_key(b'n')}"
    with pytest.raises(CommandError, match="could not be decrypted"):
        call_command("rotate_field_keys")
    assert _raw_column(user_model, "phone")[user.pk].startswith("sm4gcm:gone:")
    with pytest.raises(CommandError):
        call_command("rotate_field_keys", "--batch-size", "0")


# --- private keys at rest -----------------------------------------------------------------


def test_private_key_pem_is_stored_encrypted():
    pair = Sm2KeyPair.generate()
    pem = pair.private_pem()
    token = encrypt_private_key(pem)
    assert "PRIVATE KEY" not in token
    restored = Sm2KeyPair.from_private_pem(decrypt_private_key(token))
    assert restored.public_hex() == pair.public_hex()
    with pytest.raises(InvalidInput):
        encrypt_private_key("not a key")


# --- SM2 ----------------------------------------------------------------------------------


def test_sm2_key_pair_serialisation():
    pair = Sm2KeyPair.generate()
    public_hex = pair.public_hex()
    assert len(public_hex) == 130 and public_hex.startswith("04")
    assert "BEGIN PUBLIC KEY" in pair.public_pem()
    encrypted = pair.private_pem(passphrase="正确的口令")
    assert "ENCRYPTED PRIVATE KEY" in encrypted
    assert Sm2KeyPair.from_private_pem(encrypted, passphrase="正确的口令").public_hex() == (
        public_hex
    )
    with pytest.raises(ValueError):
        Sm2KeyPair.from_private_pem(encrypted, passphrase="wrong")
    # The key id is the same whichever form of the public key it is computed from.
    kid = pair.key_id()
    assert len(kid) == 16
    assert kid == key_id(public_hex) == key_id(pair.public_pem()) == key_id(pair.public_key)
    assert kid == sm3_hex(bytes.fromhex(public_hex))[:16]
    assert kid != Sm2KeyPair.generate().key_id()


def test_sm2_signatures_differ_and_both_verify():
    pair = Sm2KeyPair.generate()
    message = "电子证照 91610111MA6TXXXX0X".encode()
    first = sm2_sign(pair, message)
    second = sm2_sign(pair.private_key, message)
    assert first != second  # a fresh nonce per signature
    assert sm2_verify(pair.public_key, message, first)
    assert sm2_verify(pair.public_hex(), message, second)
    assert sm2_verify(pair.public_pem(), message, first)


def test_sm2_rejects_tampering_without_raising():
    pair = Sm2KeyPair.generate()
    message = b"licence body"
    signature = sm2_sign(pair, message)
    assert not sm2_verify(pair.public_key, b"licence bodY", signature)
    flipped = bytearray(signature)
    flipped[-1] ^= 0x01
    assert not sm2_verify(pair.public_key, message, bytes(flipped))
    assert not sm2_verify(Sm2KeyPair.generate().public_key, message, signature)
    assert not sm2_verify(pair.public_key, message, b"")
    assert not sm2_verify(pair.public_key, message, b"\x30\x02\x01")
    assert not sm2_verify(pair.public_key, message, signature + b"\x00")
    zero = sm2_signature_from_raw(bytes(64))
    assert not sm2_verify(pair.public_key, message, zero)


def test_sm2_unreadable_public_key_is_a_value_error():
    with pytest.raises(ValueError):
        sm2_verify("04abcd", b"x", b"")


def test_raw_signature_conversion_round_trips():
    pair = Sm2KeyPair.generate()
    der = sm2_sign(pair, b"x")
    raw = sm2_signature_to_raw(der)
    assert len(raw) == 64
    assert sm2_signature_from_raw(raw) == der


def _gmssl(pair: Sm2KeyPair) -> CryptSM2:
    private_hex = f"{pair.private_key.private_numbers().private_value:064x}"
    signer = CryptSM2(private_key=private_hex, public_key=pair.public_hex()[2:])
    # gmssl's constructor strips a "04" prefix with lstrip("04"), which also eats x's own
    # leading "04…" (1 key in 256, a flaky test before): set x||y after construction.
    signer.public_key = pair.public_hex()[2:]
    return signer


def test_tongsuo_signature_verifies_with_gmssl():
    pair = Sm2KeyPair.generate()
    message = "统一社会信用代码证照签名".encode()
    raw = sm2_signature_to_raw(sm2_sign(pair, message))
    assert _gmssl(pair).verify_with_sm3(raw.hex(), message)
    assert not _gmssl(pair).verify_with_sm3(raw.hex(), message + b"!")


def test_gmssl_signature_verifies_with_tongsuo():
    pair = Sm2KeyPair.generate()
    message = b"cross-check with an independent implementation"
    signer = _gmssl(pair)
    # Never gmssl's default nonce (Python's ``random``): an explicit CSPRNG nonce in [1, n-1].
    nonce = f"{secrets.randbelow(crypto._SM2_N - 1) + 1:064x}"
    raw_hex = signer.sign_with_sm3(message, nonce)
    der = sm2_signature_from_raw(bytes.fromhex(raw_hex))
    assert sm2_verify(pair.public_key, message, der)
    assert not sm2_verify(pair.public_key, message + b"?", der)

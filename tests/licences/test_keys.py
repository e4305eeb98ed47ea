"""Issuer keys: rotation (old licences keep verifying), who may rotate, foreign keys."""

from __future__ import annotations

import pytest

from zhengwu.kernel.actors import SYSTEM, Actor
from zhengwu.kernel.crypto import Sm2KeyPair
from zhengwu.kernel.errors import Conflict, InvalidInput, NotAllowed, NotFound
from zhengwu.kernel.identifiers import make_uscc
from zhengwu.kernel.models import AuditEntry
from zhengwu.licences import services, signing
from zhengwu.licences.models import IssuerKey, Licence

pytestmark = pytest.mark.django_db

ADMIN = Actor("user", "9", "管理员")
FOREIGN_ISSUER = make_uscc("1", "1", "610000", "MB2961Q1")  # a provincial body, not ours


def test_rotation_keeps_old_licences_verifying(lw):
    old = lw.issue()
    first = IssuerKey.objects.get(issuer_code=lw.issuer_code, active=True)
    assert old.key_id == first.key_id
    new_key = services.rotate_issuer_key(lw.issuer_code, actor=ADMIN, user=lw.administrator)
    first.refresh_from_db()
    assert new_key.key_id != first.key_id and new_key.active
    assert not first.active and first.retired_at is not None
    assert first.public_key_pem  # kept for verification
    newer = lw.issue()
    assert newer.key_id == new_key.key_id
    for licence in (old, newer):
        Licence.objects.filter(pk=licence.pk).update(verified_seal="")
        assert signing.verify_stored(Licence.objects.get(pk=licence.pk)).valid
    entry = AuditEntry.objects.get(action="licence.key_rotated")
    assert entry.before == {"key_id": first.key_id}
    assert entry.after["key_id"] == new_key.key_id
    assert IssuerKey.objects.filter(issuer_code=lw.issuer_code, active=True).count() == 1


def test_who_may_rotate(lw):
    lw.issue()
    for user in (lw.approver, lw.clerk, lw.other_clerk, lw.citizen):
        with pytest.raises(NotAllowed):
            services.rotate_issuer_key(lw.issuer_code, actor=ADMIN, user=user)
    assert IssuerKey.objects.count() == 1
    key = services.rotate_issuer_key(lw.issuer_code, actor=ADMIN, user=lw.head)
    assert key.created_by_id == lw.head.pk


def test_rotating_an_unknown_issuer_is_not_found(lw):
    with pytest.raises(NotFound) as err:
        services.rotate_issuer_key(FOREIGN_ISSUER, actor=ADMIN, user=lw.administrator)
    assert err.value.field == "issuer_code"


def test_rotation_of_an_issuer_without_a_key_creates_its_first(lw):
    key = services.rotate_issuer_key(lw.other_department.uscc, actor=ADMIN, user=lw.administrator)
    assert key.issuer_name == lw.other_department.name and key.active


def test_register_a_foreign_key(lw):
    pair = Sm2KeyPair.generate()
    key = services.register_foreign_key(
        issuer_code=FOREIGN_ISSUER,
        issuer_name="陕西省市场监督管理局",
        public_key_pem=pair.public_pem(),
        actor=ADMIN,
        user=lw.administrator,
    )
    assert key.foreign and not key.active and key.private_key_encrypted == ""
    assert key.key_id == pair.key_id()
    again = services.register_foreign_key(
        issuer_code=FOREIGN_ISSUER,
        issuer_name="陕西省市场监督管理局",
        public_key_pem=pair.public_pem(),
        actor=ADMIN,
    )
    assert again.pk == key.pk  # idempotent
    assert AuditEntry.objects.filter(action="licence.foreign_key_registered").count() == 1
    with pytest.raises(InvalidInput) as err:  # a foreign key cannot sign
        signing.sign_with(key, b"x")
    assert err.value.field == "key_id"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (
            {"public_key_pem": "-----BEGIN PUBLIC KEY-----\nnope\n-----END PUBLIC KEY-----"},
            "public_key_pem",
        ),
        ({"public_key_pem": ""}, "public_key_pem"),
        (
            {"issuer_code": FOREIGN_ISSUER[:-1] + ("0" if FOREIGN_ISSUER[-1] != "0" else "1")},
            "issuer_code",
        ),
        ({"issuer_name": ""}, "issuer_name"),
        ({"key_id": "no spaces please"}, "key_id"),
    ],
)
def test_bad_foreign_keys_are_refused(lw, change, field):
    values = {
        "issuer_code": FOREIGN_ISSUER,
        "issuer_name": "陕西省市场监督管理局",
        "public_key_pem": Sm2KeyPair.generate().public_pem(),
        **change,
    }
    with pytest.raises(InvalidInput) as err:
        services.register_foreign_key(actor=ADMIN, **values)
    assert err.value.field == field
    assert not IssuerKey.objects.filter(foreign=True).exists()


def test_foreign_key_conflicts_and_policy(lw):
    lw.issue()
    pem = Sm2KeyPair.generate().public_pem()
    with pytest.raises(NotAllowed):
        services.register_foreign_key(
            issuer_code=FOREIGN_ISSUER,
            issuer_name="x",
            public_key_pem=pem,
            actor=ADMIN,
            user=lw.head,
        )
    with pytest.raises(Conflict) as err:  # our own issuer is not foreign
        services.register_foreign_key(
            issuer_code=lw.issuer_code, issuer_name="x", public_key_pem=pem, actor=SYSTEM
        )
    assert err.value.field == "issuer_code"
    services.register_foreign_key(
        issuer_code=FOREIGN_ISSUER,
        issuer_name="x",
        public_key_pem=pem,
        actor=SYSTEM,
        key_id="PROV-1",
    )
    with pytest.raises(Conflict) as err:
        services.register_foreign_key(
            issuer_code=FOREIGN_ISSUER,
            issuer_name="x",
            public_key_pem=Sm2KeyPair.generate().public_pem(),
            actor=SYSTEM,
            key_id="PROV-1",
        )
    assert err.value.field == "key_id"
    with pytest.raises(InvalidInput):  # a foreign issuer's keys are not rotated here
        services.rotate_issuer_key(FOREIGN_ISSUER, actor=ADMIN, user=lw.administrator)


# --- admin and command line ------------------------------------------------------------------


def _admin_client(lw):
    from django.test import Client

    user = lw.administrator
    user.is_staff = user.is_superuser = True
    user.save(update_fields=["is_staff", "is_superuser"])
    client = Client()
    client.force_login(user)
    return client


def test_admin_shows_keys_without_private_material(lw):
    licence = lw.issue()
    key = IssuerKey.objects.get(key_id=licence.key_id)
    client = _admin_client(lw)
    listing = client.get("/admin/licences/issuerkey/")
    assert listing.status_code == 200 and key.key_id in listing.content.decode()
    page = client.get(f"/admin/licences/issuerkey/{key.pk}/change/")
    assert page.status_code == 200
    html = page.content.decode()
    assert "PUBLIC KEY" in html
    assert key.private_key_encrypted not in html and "private_key" not in html


def test_admin_registers_a_foreign_key_through_the_service(lw):
    client = _admin_client(lw)
    bad = client.post(
        "/admin/licences/issuerkey/add/",
        {"issuer_code": FOREIGN_ISSUER, "issuer_name": "省局", "public_key_pem": "nope"},
    )
    assert bad.status_code == 200 and not IssuerKey.objects.exists()
    pair = Sm2KeyPair.generate()
    done = client.post(
        "/admin/licences/issuerkey/add/",
        {"issuer_code": FOREIGN_ISSUER, "issuer_name": "省局", "public_key_pem": pair.public_pem()},
    )
    assert done.status_code == 302
    key = IssuerKey.objects.get(foreign=True)
    assert key.key_id == pair.key_id()
    assert AuditEntry.objects.filter(action="licence.foreign_key_registered").exists()


def test_admin_edits_a_type_with_a_validated_schema(lw):
    client = _admin_client(lw)
    url = f"/admin/licences/licencetype/{lw.food.pk}/change/"
    data = {
        "code": lw.food.code,
        "name": "食品经营许可证",
        "name_en": "Food business licence",
        "defining_body": "市场监管局",
        "defining_body_code": lw.food.code[:18],
        "holder_kind": "either",
        "metadata_schema": '[{"key": "Bad Key", "label": "x"}]',
        "validity_years": "5",
        "template": "standard",
        "replaces": "[]",
        "common": "on",
        "active": "on",
    }
    refused = client.post(url, data)
    assert refused.status_code == 200
    lw.food.refresh_from_db()
    assert lw.food.metadata_schema[0]["key"] == "business_scope"
    data["metadata_schema"] = '[{"key": "scope", "label": "经营项目"}]'
    assert client.post(url, data).status_code == 302
    lw.food.refresh_from_db()
    assert lw.food.metadata_schema == [
        {
            "key": "scope",
            "label": "经营项目",
            "label_en": "scope",
            "type": "text",
            "required": False,
        }
    ]


def test_command_line_rotates_and_registers(lw, tmp_path, capsys):
    from django.core.management import call_command

    licence = lw.issue()
    call_command("licences", "rotate-key", lw.issuer_code)
    assert IssuerKey.objects.filter(issuer_code=lw.issuer_code).count() == 2
    assert licence.key_id not in capsys.readouterr().out
    pem = tmp_path / "key.pem"
    pair = Sm2KeyPair.generate()
    pem.write_text(pair.public_pem())
    call_command("licences", "register-foreign-key", FOREIGN_ISSUER, "省局", str(pem))
    assert IssuerKey.objects.filter(foreign=True, key_id=pair.key_id()).exists()
    call_command("licences", "expire")
    assert "0" in capsys.readouterr().out

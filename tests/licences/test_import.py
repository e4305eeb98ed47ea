"""Import of licences signed by other issuers (verified before storing) and bulk import of
paper licences from xlsx (per-row report)."""

from __future__ import annotations

import base64
import io
from datetime import date

import orjson
import pytest
from openpyxl import Workbook, load_workbook

from zhengwu.accounts.demo import CITIZEN_ID_NUMBER
from zhengwu.kernel.actors import SYSTEM, Actor
from zhengwu.kernel.crypto import Sm2KeyPair, sm2_sign
from zhengwu.kernel.errors import Conflict, InvalidInput, NotAllowed
from zhengwu.kernel.identifiers import make_licence_identifier, make_uscc
from zhengwu.kernel.models import AuditEntry
from zhengwu.licences import imports, services, signing
from zhengwu.licences.choices import LicenceSource
from zhengwu.licences.models import Licence, LicenceType

pytestmark = pytest.mark.django_db

ADMIN = Actor("user", "9", "管理员")
PROVINCE = make_uscc("1", "1", "610000", "MB2961Q1")
PROVINCE_TYPE = PROVINCE + "001"


@pytest.fixture
def pair(lw) -> Sm2KeyPair:
    pair = Sm2KeyPair.generate()
    services.register_foreign_key(
        issuer_code=PROVINCE,
        issuer_name="陕西省市场监督管理局",
        public_key_pem=pair.public_pem(),
        actor=SYSTEM,
    )
    return pair


def document(pair: Sm2KeyPair, *, serial: str = "2024000001", **overrides):
    fields = {
        "identifier": make_licence_identifier(PROVINCE_TYPE, PROVINCE, serial, "001"),
        "number": f"SX{serial}",
        "type_code": PROVINCE_TYPE,
        "type_name": "药品经营许可证",
        "issuer_code": PROVINCE,
        "issuer_name": "陕西省市场监督管理局",
        "holder_name": "王小明",
        "holder_code": CITIZEN_ID_NUMBER,
        "holder_code_type": "111",
        "region": "610000",
        "issue_date": date(2024, 3, 1),
        "valid_from": date(2024, 3, 1),
        "valid_until": date(2029, 2, 28),
        "metadata": {"business_scope": "中成药、化学药制剂"},
        "previous": "",
        "relation": "",
        "version": 1,
        "key_id": pair.key_id(),
    }
    fields.update(overrides)
    canonical = signing.canonical_dict(fields)
    signature = base64.b64encode(sm2_sign(pair, signing.canonical_bytes(fields))).decode()
    return {"licence": canonical, "signature": signature, "key_id": pair.key_id()}


def test_a_genuine_foreign_licence_is_imported_and_verifies(lw, pair):
    profile = lw.citizen.citizen_profile
    doc = document(pair, holder_name=profile.real_name, holder_code=profile.id_number)
    licence = services.import_foreign(
        orjson.dumps(doc).decode(), actor=ADMIN, user=lw.administrator
    )
    assert licence.source == LicenceSource.FOREIGN
    assert licence.signature == doc["signature"] and licence.key_id == pair.key_id()
    assert licence.holder_user_id == lw.citizen.pk  # linked to the account by ID number
    assert signing.licence_canonical_bytes(licence) == signing.canonical_bytes(doc["licence"])
    Licence.objects.filter(pk=licence.pk).update(verified_seal="")
    assert signing.verify_stored(Licence.objects.get(pk=licence.pk)).valid
    assert not LicenceType.objects.get(code=PROVINCE_TYPE).active  # placeholder type
    again = services.import_foreign(doc, actor=ADMIN, user=lw.administrator)
    assert again.pk == licence.pk  # the same document again changes nothing
    assert AuditEntry.objects.filter(action="licence.foreign_imported").count() == 1


def test_a_renewal_chain_is_imported_oldest_first(lw, pair):
    first = document(pair)
    second = document(
        pair,
        serial="2024000002",
        identifier=make_licence_identifier(PROVINCE_TYPE, PROVINCE, "2024000002", "002"),
        previous=first["licence"]["identifier"],
        relation="renewal",
        version=2,
    )
    with pytest.raises(InvalidInput) as err:
        services.import_foreign(second, actor=ADMIN)
    assert err.value.field == "licence.previous"
    old = services.import_foreign(first, actor=ADMIN)
    new = services.import_foreign(second, actor=ADMIN)
    assert new.previous_id == old.pk and new.relation == "renewal"
    Licence.objects.filter(pk=new.pk).update(verified_seal="")
    assert signing.verify_stored(Licence.objects.get(pk=new.pk)).valid


@pytest.mark.parametrize(
    "field_name", ["number", "holder_name", "valid_until", "metadata", "issuer_name"]
)
def test_an_altered_document_is_refused_and_logged(lw, pair, field_name):
    doc = document(pair)
    altered = {
        "number": "SX9999",
        "holder_name": "李四",
        "valid_until": "2039-02-28",
        "metadata": {"business_scope": "全部"},
        "issuer_name": "某局",
    }[field_name]
    doc["licence"][field_name] = altered
    with pytest.raises(InvalidInput) as err:
        services.import_foreign(doc, actor=ADMIN, user=lw.administrator)
    assert err.value.code == "bad_signature" and err.value.field == "signature"
    assert not Licence.objects.exists()
    refused = AuditEntry.objects.get(action="licence.foreign_import_refused")
    assert refused.after["reason"] == "bad_signature"


def test_a_document_signed_by_another_key_is_refused(lw, pair):
    forger = Sm2KeyPair.generate()
    doc = document(forger, key_id=pair.key_id())
    doc["key_id"] = pair.key_id()
    with pytest.raises(InvalidInput) as err:
        services.import_foreign(doc, actor=ADMIN)
    assert err.value.code == "bad_signature"
    unknown = document(forger)
    with pytest.raises(InvalidInput) as err:
        services.import_foreign(unknown, actor=ADMIN)
    assert err.value.code == "unknown_key" and err.value.field == "key_id"
    assert not Licence.objects.exists()


def test_a_key_cannot_vouch_for_another_issuer(lw, pair):
    other = make_uscc("1", "1", "610000", "MB2961Q2")
    doc = document(
        pair,
        issuer_code=other,
        identifier=make_licence_identifier(PROVINCE_TYPE, other, "2024000001", "001"),
    )
    with pytest.raises(InvalidInput) as err:
        services.import_foreign(doc, actor=ADMIN)
    assert err.value.code == "key_issuer_mismatch"


def test_wrong_check_character_is_refused_before_lookup(lw, pair):
    doc = document(pair)
    identifier = doc["licence"]["identifier"]
    bad = identifier[:-1] + ("0" if identifier[-1] != "0" else "1")
    doc = document(pair, identifier=bad)
    with pytest.raises(InvalidInput) as err:
        services.import_foreign(doc, actor=ADMIN)
    assert err.value.field == "licence.identifier"
    assert err.value.code == "licence_check_char"


@pytest.mark.parametrize(
    ("document_value", "field"),
    [
        ("{not json", "document"),
        ("[]", "document"),
        ({"licence": "x", "signature": "s", "key_id": "k"}, "licence"),
        ({"licence": {}, "signature": "", "key_id": "k"}, "signature"),
    ],
)
def test_malformed_documents_are_refused(lw, document_value, field):
    with pytest.raises(InvalidInput) as err:
        services.import_foreign(document_value, actor=ADMIN)
    assert err.value.field == field


def test_missing_or_extra_fields_are_refused(lw, pair):
    doc = document(pair)
    del doc["licence"]["region"]
    with pytest.raises(InvalidInput) as err:
        services.import_foreign(doc, actor=ADMIN)
    assert err.value.field == "licence.region"
    doc = document(pair)
    doc["licence"]["status"] = "valid"
    with pytest.raises(InvalidInput) as err:
        services.import_foreign(doc, actor=ADMIN)
    assert err.value.field == "licence.status"


def test_only_administrators_import_and_identifiers_do_not_collide(lw, pair):
    doc = document(pair)
    with pytest.raises(NotAllowed):
        services.import_foreign(doc, actor=ADMIN, user=lw.head)
    services.import_foreign(doc, actor=ADMIN, user=lw.administrator)
    clash = document(pair, number="SX-OTHER")
    with pytest.raises(Conflict) as err:
        services.import_foreign(clash, actor=ADMIN)
    assert err.value.field == "licence.identifier"


def test_the_verification_export_format_is_accepted(lw, pair):
    from zhengwu.licences import verification

    doc = document(pair)
    licence = services.import_foreign(doc, actor=ADMIN)
    exported = verification.export_document(licence)
    assert exported["licence"] == doc["licence"]
    assert exported["signature"] == doc["signature"] and exported["key_id"] == doc["key_id"]


# --- xlsx -----------------------------------------------------------------------------------


def _sheet(rows, header=None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append(
        header
        or [
            "type_code",
            "holder_name",
            "holder_code",
            "number",
            "issue_date",
            "valid_until",
            "business_scope",
            "premises",
        ]
    )
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_template_has_the_columns_of_the_type(lw):
    content = imports.template_xlsx(lw.food)
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["type_code", "holder_name", "holder_code"]
    assert {"business_scope", "premises", "main_body"} <= set(header)
    assert sheet["A2"].value == lw.food.code


def test_valid_rows_are_imported_and_bad_rows_reported_by_row_and_column(lw):
    holder = lw.enterprise_holder()
    content = _sheet(
        [
            [
                lw.food.code,
                "王小明",
                CITIZEN_ID_NUMBER,
                "JY001",
                date(2021, 6, 1),
                None,
                "热食类",
                "灞桥 1 号",
            ],
            [
                lw.food.code,
                "王小明",
                "610111199003151230",
                "JY002",
                "2021-06-01",
                None,
                "热食类",
                "灞桥",
            ],
            [
                lw.food.code,
                holder.name,
                holder.code,
                "JY003",
                "2022-01-01",
                "2026-12-31",
                "预包装",
                "灞桥 3 号",
            ],
            [
                lw.food.code,
                "王小明",
                CITIZEN_ID_NUMBER,
                "JY004",
                "2021-13-01",
                None,
                "热食类",
                "灞桥",
            ],
            [
                lw.food.code,
                "王小明",
                CITIZEN_ID_NUMBER,
                "JY005",
                "2021-06-01",
                None,
                "热食类",
                None,
            ],
            [None, None, None, None, None, None, None, None],
            [
                lw.food.code,
                "王小明",
                CITIZEN_ID_NUMBER,
                "JY001",
                "2021-06-01",
                None,
                "热食类",
                "灞桥",
            ],
        ]
    )
    report = imports.import_licences_xlsx(content, user=lw.approver, actor=ADMIN)
    assert report.imported == 2 and report.failed == 4
    by_row = {r.row: r for r in report.rows}
    assert by_row[2].ok and by_row[4].ok
    assert [e.column for e in by_row[3].errors] == ["holder_code"]
    assert by_row[3].errors[0].letter == "C" and "第 3 行 C 列" in by_row[3].errors[0].message
    assert [e.column for e in by_row[5].errors] == ["issue_date"]
    assert [e.column for e in by_row[6].errors] == ["premises"]
    assert by_row[6].errors[0].letter == "H"
    assert [e.column for e in by_row[8].errors] == ["number"]  # duplicate of row 2
    assert 7 not in by_row  # empty rows are skipped
    imported = Licence.objects.filter(source=LicenceSource.IMPORT).order_by("number")
    assert [lic.number for lic in imported] == ["JY001", "JY003"]
    assert imported[0].valid_from == date(2021, 6, 1)
    assert imported[1].valid_until == date(2026, 12, 31)
    assert all(signing.verify_stored(lic, remember=False).valid for lic in imported)
    assert report.as_dict()["failed"] == 4


@pytest.mark.parametrize(
    ("content", "field"),
    [
        (b"", "file"),
        (b"not a spreadsheet", "file"),
        (b"PK\x03\x04 broken zip", "file"),
    ],
)
def test_bad_files_are_refused(lw, content, field):
    with pytest.raises(InvalidInput) as err:
        imports.import_licences_xlsx(content, user=lw.approver, actor=ADMIN)
    assert err.value.field == field


def test_missing_columns_and_oversized_files_are_refused(lw):
    with pytest.raises(InvalidInput) as err:
        imports.import_licences_xlsx(
            _sheet([["x"]], header=["number"]), user=lw.approver, actor=ADMIN
        )
    assert "type_code" in err.value.message_en
    with pytest.raises(InvalidInput) as err:
        imports.import_licences_xlsx(
            b"PK" + b"0" * imports.MAX_BYTES, user=lw.approver, actor=ADMIN
        )
    assert err.value.code == "too_large"


def test_only_issuing_staff_import(lw):
    content = _sheet(
        [[lw.food.code, "王小明", CITIZEN_ID_NUMBER, "JY1", "2021-06-01", None, "x", "y"]]
    )
    with pytest.raises(NotAllowed):
        imports.import_licences_xlsx(content, user=lw.clerk, actor=ADMIN)
    with pytest.raises(NotAllowed):
        imports.import_licences_xlsx(content, user=lw.citizen, actor=ADMIN)
    assert not Licence.objects.exists()

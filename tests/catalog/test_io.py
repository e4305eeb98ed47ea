"""JSON import/export: lossless round trip, idempotence, every bad input refused whole."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from tests.catalog.conftest import FOOD_BASIC, MARKET, implementation_code
from zhengwu.catalog import models
from zhengwu.catalog.io import dumps_catalog, export_catalog, import_catalog
from zhengwu.kernel.actors import SYSTEM
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.models import AuditEntry

FIXTURE = Path(__file__).parents[2] / "src/zhengwu/catalog/fixtures/baqiao_catalog.json"

COUNTED = (
    models.LifeEvent,
    models.Item,
    models.ItemVersion,
    models.Material,
    models.Situation,
    models.SituationOption,
    models.VersionEvent,
    models.Bundle,
    models.BundleMember,
    models.SearchSynonym,
    AuditEntry,
)


def counts() -> dict[str, int]:
    return {m.__name__: m.objects.count() for m in COUNTED}


def refused(doc, *, code: str, field: str) -> InvalidInput:
    """Import must fail with an error ``code`` at ``field`` and write nothing."""
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        import_catalog(doc, actor=SYSTEM)
    assert counts() == before
    error = caught.value
    found = error.errors or [error]
    assert any(e.code == code and e.field == field for e in found), [
        (e.field, e.code) for e in found
    ]
    for e in found:
        assert e.message and e.message_en
    return error


def test_round_trip_is_byte_for_byte(small_catalog_doc):
    report = import_catalog(copy.deepcopy(small_catalog_doc), actor=SYSTEM)
    assert report.created == {
        "life_events": 3,
        "items": 4,
        "versions": 5,
        "bundles": 1,
        "synonyms": 2,
    }
    assert dumps_catalog(export_catalog()) == dumps_catalog(small_catalog_doc)


def test_bytes_format(small_catalog_doc):
    data = dumps_catalog(small_catalog_doc)
    assert data.endswith(b"}\n")
    assert "食品经营许可".encode() in data  # ensure_ascii=False
    assert b'\n  "bundles": [' in data  # sorted keys, two spaces


def test_what_is_written(imported_small_catalog, org_demo):
    code = implementation_code(org_demo[MARKET], FOOD_BASIC)
    published = models.ItemVersion.objects.get(implementation_code=code, status="published")
    assert published.version == 2
    assert published.based_on.version == 1
    assert published.result_sample.name == "catalog/results/food-licence-sample.pdf"
    premises = published.situations.get(key="premises")
    assert premises.parent_option.key == "company"
    assert premises.parent_option.situation.key == "applicant"
    leased = premises.options.get(key="leased")
    assert sorted(m.key for m in leased.materials.all()) == ["floor-plan", "lease"]
    assert [e.action for e in published.events.all()] == [
        "created",
        "submitted",
        "approved",
        "published",
    ]
    bundle = models.Bundle.objects.get(code="newborn")
    assert bundle.members.count() == 2
    assert bundle.form_fields[0]["key"] == "child_name"
    assert models.SearchSynonym.objects.get(term="上户口").expansions == ["出生登记", "户口迁移"]
    entry = AuditEntry.objects.filter(action="catalog.import").get()
    assert entry.after["created"]["versions"] == 5


def test_reimport_is_idempotent(imported_small_catalog):
    before = counts()
    report = import_catalog(copy.deepcopy(imported_small_catalog), actor=SYSTEM)
    assert not report.changed
    after = counts()
    assert after.pop("AuditEntry") == before.pop("AuditEntry") + 1
    assert after == before
    assert dumps_catalog(export_catalog()) == dumps_catalog(imported_small_catalog)


def test_reimport_of_export_from_bytes(imported_small_catalog):
    report = import_catalog(dumps_catalog(export_catalog()), actor=SYSTEM)
    assert not report.changed


def test_draft_may_change_and_published_may_be_superseded(imported_small_catalog, org_demo):
    doc = copy.deepcopy(imported_small_catalog)
    change = doc["items"][1]["versions"][0]
    assert change["status"] == "draft"
    change["acceptance_conditions"] = "已取得食品经营许可证"
    change["materials"].append(copy.deepcopy(doc["items"][0]["versions"][1]["materials"][1]))
    change["materials"][-1]["sort_order"] = 2
    birth_cert = doc["items"][3]["versions"][0]
    birth_cert["status"] = "withdrawn"
    birth_cert["events"].append(
        {
            "action": "withdrawn",
            "from_status": "published",
            "to_status": "withdrawn",
            "actor_id": "",
            "actor_label": "系统",
            "comment": "取消",
            "occurred_at": "2026-05-01T00:00:00+08:00",
        }
    )
    doc["bundles"] = []  # a withdrawn list can no longer be a bundle member …
    report = import_catalog(doc, actor=SYSTEM)
    assert report.updated["versions"] == 2
    exported = export_catalog()
    assert exported["items"][1]["versions"][0] == change
    assert exported["items"][3]["versions"][0] == birth_cert
    assert len(exported["bundles"]) == 1  # … but nothing absent from the document is deleted


def test_malformed_json_writes_nothing(org_demo):
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        import_catalog(b'{"format": "zhengwu-catalog", ', actor=SYSTEM)
    assert caught.value.code == "malformed_json"
    assert counts() == before


def test_wrong_type(small_catalog_doc):
    small_catalog_doc["items"][0]["versions"][1]["materials"][2]["copies"] = "one"
    small_catalog_doc["items"][0]["versions"][1]["fee_charged"] = "no"
    error = refused(
        small_catalog_doc, code="wrong_type", field="items[0].versions[1].materials[2].copies"
    )
    assert {e.field for e in error.errors} == {
        "items[0].versions[1].materials[2].copies",
        "items[0].versions[1].fee_charged",
    }


def test_missing_unknown_and_too_long_fields(small_catalog_doc):
    del small_catalog_doc["items"][0]["name"]
    small_catalog_doc["synonyms"][0]["weight"] = 1
    small_catalog_doc["bundles"][0]["name"] = "一" * 101
    small_catalog_doc["items"][2]["versions"][0]["case_type"] = "5"
    error = refused(small_catalog_doc, code="missing_field", field="items[0].name")
    codes = {(e.field, e.code) for e in error.errors}
    assert ("synonyms[0].weight", "unknown_field") in codes
    assert ("bundles[0].name", "too_long") in codes
    assert ("items[2].versions[0].case_type", "invalid_choice") in codes


def test_promised_longer_than_statutory(small_catalog_doc):
    small_catalog_doc["items"][0]["versions"][1]["promised_limit"] = 25
    refused(
        small_catalog_doc,
        code="promised_exceeds_statutory",
        field="items[0].versions[1].promised_limit",
    )


def test_immediate_case_has_no_limit(small_catalog_doc):
    small_catalog_doc["items"][2]["versions"][0]["promised_limit"] = 1
    refused(
        small_catalog_doc, code="immediate_with_limit", field="items[2].versions[0].promised_limit"
    )


def test_wrong_uscc_in_implementation_code(small_catalog_doc, org_demo):
    version = small_catalog_doc["items"][0]["versions"][1]
    other = org_demo["区教育局"]
    version["implementation_code"] = implementation_code(other, FOOD_BASIC)
    error = refused(
        small_catalog_doc, code="uscc_mismatch", field="items[0].versions[1].implementation_code"
    )
    assert org_demo[MARKET] in error.errors[0].message or any(
        org_demo[MARKET] in e.message for e in error.errors
    )


def test_invalid_uscc_check_character(small_catalog_doc):
    version = small_catalog_doc["items"][0]["versions"][1]
    code = version["implementation_code"]
    bad = code[:17] + ("0" if code[17] != "0" else "1") + code[18:]
    version["implementation_code"] = bad
    refused(
        small_catalog_doc,
        code="implementation_code_uscc",
        field="items[0].versions[1].implementation_code",
    )


def test_unknown_department(small_catalog_doc):
    from zhengwu.kernel.identifiers import make_uscc

    stranger = make_uscc("1", "1", "610111", "MB2999X9")
    small_catalog_doc["items"][2]["versions"][0]["department"] = stranger
    small_catalog_doc["bundles"][0]["lead_department"] = stranger
    error = refused(
        small_catalog_doc, code="unknown_department", field="items[2].versions[0].department"
    )
    assert any(e.field == "bundles[0].lead_department" for e in error.errors)


def test_option_pointing_to_another_versions_material(small_catalog_doc):
    # "lease" is a material of version 2, not of version 1.
    small_catalog_doc["items"][0]["versions"][0]["situations"][0]["options"][0]["materials"] = [
        "lease"
    ]
    refused(
        small_catalog_doc,
        code="unknown_material",
        field="items[0].versions[0].situations[0].options[0].materials[0]",
    )


def test_situation_cycle(small_catalog_doc):
    situations = small_catalog_doc["items"][0]["versions"][1]["situations"]
    situations[0]["parent_option"] = "premises.own"  # applicant ← premises ← applicant
    error = refused(
        small_catalog_doc,
        code="situation_cycle",
        field="items[0].versions[1].situations[0].parent_option",
    )
    assert "applicant" in error.message + "".join(e.message for e in error.errors)


def test_parent_option_must_exist(small_catalog_doc):
    small_catalog_doc["items"][0]["versions"][1]["situations"][1]["parent_option"] = "applicant.x"
    refused(
        small_catalog_doc,
        code="unknown_parent_option",
        field="items[0].versions[1].situations[1].parent_option",
    )


def test_duplicate_material_key(small_catalog_doc):
    materials = small_catalog_doc["items"][0]["versions"][1]["materials"]
    materials[3]["key"] = materials[2]["key"]
    refused(small_catalog_doc, code="duplicate_key", field="items[0].versions[1].materials[3].key")


def test_two_published_versions(small_catalog_doc):
    small_catalog_doc["items"][0]["versions"][0]["status"] = "published"
    refused(small_catalog_doc, code="multiple_published", field="items[0].versions[0].status")


def test_bundle_member_needs_a_published_version(small_catalog_doc, org_demo):
    small_catalog_doc["bundles"][0]["members"][0]["implementation_code"] = implementation_code(
        org_demo[MARKET], "000101002000"
    )
    refused(
        small_catalog_doc,
        code="member_not_published",
        field="bundles[0].members[0].implementation_code",
    )


def test_unsafe_file_path(small_catalog_doc):
    small_catalog_doc["items"][0]["versions"][1]["materials"][0]["blank_form"] = "../../etc/passwd"
    refused(
        small_catalog_doc,
        code="unsafe_path",
        field="items[0].versions[1].materials[0].blank_form",
    )


def test_editing_a_published_version_is_refused(imported_small_catalog):
    doc = copy.deepcopy(imported_small_catalog)
    doc["items"][0]["versions"][1]["promised_limit"] = 3
    error = refused(
        doc, code="published_version_changed", field="items[0].versions[1].promised_limit"
    )
    assert " v2" in error.message and "v2" in error.message_en


def test_editing_a_published_versions_material_is_refused(imported_small_catalog):
    doc = copy.deepcopy(imported_small_catalog)
    doc["items"][0]["versions"][1]["materials"][0]["name"] = "新申请书"
    refused(doc, code="published_version_changed", field="items[0].versions[1].materials")


def test_published_version_cannot_go_back(imported_small_catalog):
    doc = copy.deepcopy(imported_small_catalog)
    doc["items"][0]["versions"][0]["status"] = "published"
    doc["items"][0]["versions"][1]["status"] = "superseded"
    refused(doc, code="illegal_status_change", field="items[0].versions[0].status")


def test_command_export_and_import(imported_small_catalog, tmp_path, capsys):
    target = tmp_path / "catalog.json"
    call_command("catalog", "export", str(target))
    assert target.read_bytes() == dumps_catalog(imported_small_catalog)
    call_command("catalog", "import", str(target))
    assert "unchanged" in capsys.readouterr().out
    bad = tmp_path / "bad.json"
    doc = copy.deepcopy(imported_small_catalog)
    doc["items"][0]["versions"][1]["promised_limit"] = 99
    bad.write_bytes(dumps_catalog(doc))
    with pytest.raises(CommandError, match="promised_limit"):
        call_command("catalog", "import", str(bad))


@pytest.mark.skipif(not FIXTURE.exists(), reason="demo catalogue not yet produced")
def test_demo_catalogue_round_trip_is_byte_for_byte(org_demo):
    data = FIXTURE.read_bytes()
    import_catalog(data, actor=SYSTEM)
    assert dumps_catalog(export_catalog()) == data
    report = import_catalog(data, actor=SYSTEM)
    assert not report.changed

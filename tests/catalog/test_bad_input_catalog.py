"""Independent bad-input audit (issue #3, "Bad input" and "Change control") through the
`zhengwu catalog import` command and the workbench pages.

Every case asserts the refusal (the domain error's code, a field path, both languages) and
that nothing was written: every catalogue table, the audit log and the version events are
compared row by row before and after, and every frozen version still has its content digest.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.core.management import CommandError, call_command
from django.test import Client

from tests.catalog import helpers_manage as h
from tests.catalog.conftest import MARKET
from tests.factories import DepartmentFactory, make_citizen, make_staff
from zhengwu.catalog import diff
from zhengwu.catalog.models import ItemVersion
from zhengwu.kernel.errors import DomainError
from zhengwu.kernel.identifiers import make_uscc
from zhengwu.kernel.models import AuditEntry

pytestmark = pytest.mark.django_db

NEW_BASIC = "000199001000"
FROZEN = ("published", "superseded", "withdrawn")


# --- the "nothing changed" snapshot (shared with test_bad_input_api) --------------------------


def snapshot() -> dict[str, Any]:
    """Every row of every catalogue table (M2M through tables too), the audit log's length and
    the full content of every frozen version with its digest recomputed."""
    rows: dict[str, Any] = {}
    for model in apps.get_app_config("catalog").get_models(include_auto_created=True):
        rows[model._meta.label] = list(model.objects.order_by("pk").values())
    rows["kernel.AuditEntry"] = AuditEntry.objects.count()
    frozen = {}
    for version in ItemVersion.objects.filter(status__in=FROZEN).order_by("pk"):
        frozen[version.pk] = {
            "stored_digest": version.content_digest,
            "content": diff.version_content(version),
        }
    rows["frozen_content"] = frozen
    return rows


def assert_unchanged(before: dict[str, Any]) -> None:
    after = snapshot()
    changed = sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
    assert not changed, f"bad input changed: {changed}"
    for version in ItemVersion.objects.filter(status="published"):
        if version.content_digest:
            assert diff.content_digest(version) == version.content_digest, version


def assert_error_body(error: Any, *, code: str | None = None, field: str | None = None) -> None:
    """A domain error (or an API body as a dict) with code, a field path, both languages."""
    body = error if isinstance(error, dict) else error.as_dict()
    assert set(body) >= {"code", "message", "message_en", "field"}, body
    assert body["message"].strip() and body["message_en"].strip(), body
    assert body["message"] != body["message_en"], body
    if code is not None:
        assert body["code"] == code, body
    assert body["field"], f"the error names no field: {body}"
    if field is not None:
        fields = [body["field"]] + [e["field"] for e in body.get("errors", [])]
        assert any(f == field or (f or "").startswith(f"{field}.") for f in fields), (
            field,
            fields,
        )


# --- import through the command -----------------------------------------------------------


def _run_import(path: Path) -> DomainError:
    """`zhengwu catalog import PATH` must refuse; returns the domain error behind it."""
    with pytest.raises(CommandError) as excinfo:
        call_command("catalog", "import", str(path))
    cause = excinfo.value.__cause__
    assert isinstance(cause, DomainError), excinfo.value
    text = str(excinfo.value)
    assert cause.message in text and cause.message_en in text
    return cause


def _import_doc(tmp_path: Path, doc: dict[str, Any]) -> DomainError:
    path = tmp_path / "catalog.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return _run_import(path)


def _with_new_item(doc: dict[str, Any], usccs: dict[str, str]) -> tuple[dict, dict, str]:
    """Add a valid new item with a draft (so that a missing check would write rows)."""
    doc = copy.deepcopy(doc)
    template = copy.deepcopy(doc["items"][1])  # 食品经营许可变更, a draft
    version = template["versions"][0]
    uscc = usccs[MARKET]
    version.update(
        implementation_code=f"{uscc}4{NEW_BASIC}",
        name="审计用新事项",
        case_type="2",
        promised_limit=5,
        statutory_limit=20,
    )
    template.update(basic_code=NEW_BASIC, name="审计用新事项")
    doc["items"].append(template)
    return doc, version, f"items[{len(doc['items']) - 1}].versions[0]"


def test_the_new_item_template_is_valid(tmp_path, imported_small_catalog, org_demo):
    """Control: without the fault the same document imports (so the refusals below are
    caused by the fault alone)."""
    doc, _version, _path = _with_new_item(imported_small_catalog, org_demo)
    path = tmp_path / "ok.json"
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    call_command("catalog", "import", str(path))
    assert ItemVersion.objects.filter(item__basic_code=NEW_BASIC).count() == 1


@pytest.mark.parametrize(
    "content",
    [b'{"format": "zhengwu-catalog", "items": [', b"\xff\xfe not utf-8", b"", b"[1, 2"],
    ids=["truncated", "not-utf8", "empty", "array-truncated"],
)
def test_import_malformed_json_file(tmp_path, imported_small_catalog, content):
    before = snapshot()
    path = tmp_path / "broken.json"
    path.write_bytes(content)
    error = _run_import(path)
    assert_error_body(error, code="malformed_json")
    assert_unchanged(before)


def test_import_json_of_the_wrong_shape(tmp_path, imported_small_catalog):
    before = snapshot()
    path = tmp_path / "list.json"
    path.write_text("[]", encoding="utf-8")
    error = _run_import(path)
    assert_error_body(error)
    assert_unchanged(before)


@pytest.mark.parametrize(
    "content",
    [b"this is not a zip file", b"PK\x03\x04 truncated zip", b'{"format": "zhengwu-catalog"}'],
    ids=["text", "truncated-zip", "json-named-xlsx"],
)
def test_import_xlsx_that_is_not_a_zip(tmp_path, imported_small_catalog, content):
    before = snapshot()
    path = tmp_path / "catalog.xlsx"
    path.write_bytes(content)
    error = _run_import(path)
    assert_error_body(error, code="malformed_xlsx")
    assert_unchanged(before)


def _fault_import(tmp_path, doc, fault: Callable[[dict[str, Any]], None]) -> DomainError:
    before = snapshot()
    fault(doc)
    error = _import_doc(tmp_path, doc)
    assert_unchanged(before)
    assert not ItemVersion.objects.filter(item__basic_code=NEW_BASIC).exists()
    return error


def test_import_promised_above_statutory(tmp_path, imported_small_catalog, org_demo):
    doc, version, path = _with_new_item(imported_small_catalog, org_demo)
    error = _fault_import(tmp_path, doc, lambda d: version.update(promised_limit=21))
    assert_error_body(error, code="promised_exceeds_statutory", field=f"{path}.promised_limit")


def test_import_option_promised_above_statutory(tmp_path, imported_small_catalog, org_demo):
    doc, _version, _path = _with_new_item(imported_small_catalog, org_demo)
    # The published 食品经营许可 v2 may not change; put the fault in a new draft v3 instead.
    v3 = copy.deepcopy(doc["items"][0]["versions"][1])
    v3.update(version=3, status="draft", based_on=2, effective_from=None, published_at=None)
    v3["events"] = v3["events"][:1]
    v3["situations"][1]["options"][1]["statutory_limit"] = 15
    v3["situations"][1]["options"][1]["promised_limit"] = 16
    doc["items"][0]["versions"].append(v3)
    error = _fault_import(tmp_path, doc, lambda d: None)
    assert_error_body(
        error,
        code="promised_exceeds_statutory",
        field="items[0].versions[2].situations[1].options[1].promised_limit",
    )


def _flip_check_character(uscc: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    wrong = alphabet[(alphabet.index(uscc[17]) + 1) % len(alphabet)]
    return uscc[:17] + wrong


def test_import_implementation_code_with_wrong_uscc_check(
    tmp_path, imported_small_catalog, org_demo
):
    doc, version, path = _with_new_item(imported_small_catalog, org_demo)
    bad = _flip_check_character(org_demo[MARKET])
    error = _fault_import(
        tmp_path, doc, lambda d: version.update(implementation_code=f"{bad}4{NEW_BASIC}")
    )
    assert_error_body(error, field=f"{path}.implementation_code")


def test_import_unknown_department(tmp_path, imported_small_catalog, org_demo):
    doc, version, path = _with_new_item(imported_small_catalog, org_demo)
    stranger = make_uscc("1", "1", "610111", "QQ999999")
    error = _fault_import(
        tmp_path,
        doc,
        lambda d: version.update(
            department=stranger,
            implementing_uscc=stranger,
            implementation_code=f"{stranger}4{NEW_BASIC}",
        ),
    )
    assert_error_body(error, code="unknown_department", field=f"{path}.department")


def test_import_situation_cycle(tmp_path, imported_small_catalog, org_demo):
    doc, version, path = _with_new_item(imported_small_catalog, org_demo)

    def cycle(_doc: dict[str, Any]) -> None:
        option = {
            "key": "x",
            "label": "是",
            "materials": [],
            "conditions": "",
            "promised_limit": None,
            "statutory_limit": None,
            "sort_order": 1,
        }
        version["situations"] = [
            {
                "key": "a",
                "question": "问题甲？",
                "parent_option": "b.x",
                "sort_order": 1,
                "options": [copy.deepcopy(option)],
            },
            {
                "key": "b",
                "question": "问题乙？",
                "parent_option": "a.x",
                "sort_order": 2,
                "options": [copy.deepcopy(option)],
            },
        ]

    error = _fault_import(tmp_path, doc, cycle)
    assert_error_body(error, code="situation_cycle")
    assert error.field.startswith(f"{path}.situations[")
    assert error.field.endswith(".parent_option")


def test_import_situation_self_cycle(tmp_path, imported_small_catalog, org_demo):
    doc, version, path = _with_new_item(imported_small_catalog, org_demo)
    version["situations"] = [
        {
            "key": "a",
            "question": "问题甲？",
            "parent_option": "a.x",
            "sort_order": 1,
            "options": [
                {
                    "key": "x",
                    "label": "是",
                    "materials": [],
                    "conditions": "",
                    "promised_limit": None,
                    "statutory_limit": None,
                    "sort_order": 1,
                }
            ],
        }
    ]
    error = _fault_import(tmp_path, doc, lambda d: None)
    assert_error_body(error, code="situation_cycle", field=f"{path}.situations[0].parent_option")


@pytest.mark.parametrize(
    ("name", "value"),
    [("hours", "全天 24 小时"), ("promised_limit", 1), ("name", "食品经营许可（改）")],
)
def test_import_that_edits_a_published_version(
    tmp_path, imported_small_catalog, org_demo, name, value
):
    doc, _version, _path = _with_new_item(imported_small_catalog, org_demo)
    published = doc["items"][0]["versions"][1]
    assert published["status"] == "published"
    error = _fault_import(tmp_path, doc, lambda d: published.update({name: value}))
    assert_error_body(error, code="published_version_changed", field=f"items[0].versions[1].{name}")


def test_import_that_edits_a_published_material(tmp_path, imported_small_catalog, org_demo):
    doc, _version, _path = _with_new_item(imported_small_catalog, org_demo)
    published = doc["items"][0]["versions"][1]
    published["materials"][0]["name"] = "改过的申请书"
    error = _fault_import(tmp_path, doc, lambda d: None)
    assert_error_body(
        error, code="published_version_changed", field="items[0].versions[1].materials"
    )


def test_import_that_unpublishes_a_published_version(tmp_path, imported_small_catalog, org_demo):
    doc, _version, _path = _with_new_item(imported_small_catalog, org_demo)
    published = doc["items"][0]["versions"][1]
    error = _fault_import(tmp_path, doc, lambda d: published.update(status="draft"))
    assert_error_body(error, field="items[0].versions[1].status")


def test_import_xlsx_that_edits_a_published_version(tmp_path, imported_small_catalog):
    """The xlsx layout reports by sheet!cell, writes nothing."""
    from openpyxl import load_workbook

    exported = tmp_path / "catalog.xlsx"
    call_command("catalog", "export", "--format", "xlsx", str(exported))
    workbook = load_workbook(exported)
    sheet = workbook["事项"]
    header_row = next(r for r in range(1, 6) if "承诺办结时限" in [c.value for c in sheet[r]])
    header = [c.value for c in sheet[header_row]]
    column = header.index("承诺办结时限")
    status_col = header.index("状态")
    row = next(
        r
        for r in range(header_row + 1, sheet.max_row + 1)
        if sheet.cell(r, status_col + 1).value == "published"
    )
    sheet.cell(row, column + 1).value = 999
    workbook.save(exported)
    before = snapshot()
    error = _run_import(exported)
    assert_error_body(error)
    fields = [error.field] + [e.field for e in error.errors]
    assert any("!" in (f or "") for f in fields), fields
    assert_unchanged(before)


# --- the workbench pages ------------------------------------------------------------------


@pytest.fixture
def bench():
    dept = DepartmentFactory()
    other = DepartmentFactory()
    published = h.published_list(dept)
    draft = h.new_draft(dept)
    other_draft = h.new_draft(other)
    editor = make_staff(department=dept, roles=["department_head"])
    admin = make_staff(department=dept, roles=["administrator"])
    return {
        "dept": dept,
        "published": published,
        "draft": draft,
        "other_draft": other_draft,
        "editor": editor,
        "admin": admin,
    }


def _client(user) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(user)
    return client


BASE_PAGE = "/workbench/catalog"


def _edit_form(version: ItemVersion, **overrides: Any) -> dict[str, Any]:
    form = {
        "name": version.name,
        "statutory_limit": version.statutory_limit,
        "promised_limit": version.promised_limit,
        "case_type": version.case_type,
        "acceptance_conditions": version.acceptance_conditions,
        "result_name": version.result_name,
        "place": version.place,
        "hours": version.hours,
        "online_handling": "on" if version.online_handling else "",
        "online_address": version.online_address,
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v != ""}


def test_page_edit_of_published_version_is_409(bench):
    before = snapshot()
    r = _client(bench["editor"]).post(
        f"{BASE_PAGE}/versions/{bench['published'].pk}/edit/",
        _edit_form(bench["published"], hours="全天"),
    )
    assert r.status_code == 409
    assert r.context["error"] and r.context["error_field"] == "status"
    assert_unchanged(before)


def test_page_edit_promised_above_statutory_is_422(bench):
    before = snapshot()
    r = _client(bench["editor"]).post(
        f"{BASE_PAGE}/versions/{bench['draft'].pk}/edit/",
        _edit_form(bench["draft"], promised_limit=99),
    )
    assert r.status_code == 422
    assert r.context["error_field"] == "promised_limit"
    assert_unchanged(before)


@pytest.mark.parametrize("value", ["abc", "-1", "99999999999999999999", "😀"])
def test_page_edit_wrong_type_limit_is_422(bench, value):
    before = snapshot()
    r = _client(bench["editor"]).post(
        f"{BASE_PAGE}/versions/{bench['draft'].pk}/edit/",
        _edit_form(bench["draft"], statutory_limit=value),
    )
    assert r.status_code == 422
    assert r.context["error_field"] == "statutory_limit"
    assert_unchanged(before)


def test_page_review_of_draft_is_409_and_by_editor_is_403(bench):
    before = snapshot()
    r = _client(bench["admin"]).post(
        f"{BASE_PAGE}/versions/{bench['draft'].pk}/review/", {"decision": "approve"}
    )
    assert r.status_code == 409
    assert r.context["error_field"] == "status"
    r = _client(bench["editor"]).post(
        f"{BASE_PAGE}/versions/{bench['draft'].pk}/review/", {"decision": "approve"}
    )
    assert r.status_code == 403
    assert_unchanged(before)


def test_page_submit_of_published_version_is_409(bench):
    before = snapshot()
    r = _client(bench["editor"]).post(f"{BASE_PAGE}/versions/{bench['published'].pk}/submit/")
    assert r.status_code == 409
    assert r.context["error_field"] == "status"
    assert_unchanged(before)


@pytest.mark.parametrize("action", ["edit/", "submit/", "review/", ""])
def test_page_other_departments_draft_is_404(bench, action):
    before = snapshot()
    client = _client(bench["editor"])
    url = f"{BASE_PAGE}/versions/{bench['other_draft'].pk}/{action}"
    r = client.get(url) if action == "" else client.post(url, {"hours": "x"})
    assert r.status_code == 404
    assert_unchanged(before)


def test_page_citizen_is_refused(bench):
    citizen = _client(make_citizen())
    before = snapshot()
    r = citizen.post(f"{BASE_PAGE}/versions/{bench['draft'].pk}/edit/", _edit_form(bench["draft"]))
    assert r.status_code in (403, 404)
    assert_unchanged(before)


def test_page_change_of_unknown_code_is_404(bench):
    before = snapshot()
    r = _client(bench["editor"]).post(
        f"{BASE_PAGE}/changes/", {"implementation_code": "NOPE" * 20, "reason": "x"}
    )
    assert r.status_code == 404
    assert_unchanged(before)

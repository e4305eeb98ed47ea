"""Independent bad-input audit of the catalogue HTTP API (issue #3, "Bad input" and "Change
control"): the change-control API, the public read API and search, plus a light fuzz of every
write endpoint. Each refusal: exact 4xx, ``{code, message, message_en, field}`` with a field
path and both languages, and nothing written (see ``snapshot`` in test_bad_input_catalog)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.catalog import helpers_manage as h
from tests.catalog.test_bad_input_catalog import assert_error_body, assert_unchanged, snapshot
from tests.factories import PASSWORD, DepartmentFactory, make_staff
from zhengwu.catalog import services
from zhengwu.catalog.models import ItemVersion
from zhengwu.kernel.actors import SYSTEM

pytestmark = pytest.mark.django_db
OPT = "/situations/premises/options/x"
MANAGE = "/api/v1/catalog/manage"
PUBLIC = "/api/v1/catalog"


def login(user) -> Client:
    client = Client()
    r = client.post(
        "/api/v1/accounts/login",
        {"username": user.username, "password": PASSWORD},
        content_type="application/json",
    )
    assert r.status_code == 200, r.content
    return client


def send(client: Client, method: str, path: str, body: Any = None, *, raw: bytes | None = None):
    if raw is not None:
        return getattr(client, method)(path, data=raw, content_type="application/json")
    if body is None:
        return getattr(client, method)(path)
    return getattr(client, method)(path, data=json.dumps(body), content_type="application/json")


def refused(response, status: int, *, code: str | None = None, field: str | None = None):
    assert response.status_code == status, (response.status_code, response.content[:500])
    body = response.json()
    assert_error_body(body, code=code, field=field)
    return body


@pytest.fixture
def world():
    dept = DepartmentFactory()
    other = DepartmentFactory()
    published = h.published_list(dept)
    draft = h.add_materials_and_situations(h.new_draft(dept))
    other_draft = h.new_draft(other)
    editor = make_staff(department=dept, roles=["department_head"])
    admin = make_staff(department=dept, roles=["administrator"])
    clerk = make_staff(department=dept, roles=["window_clerk"])
    return {
        "dept": dept,
        "other": other,
        "published": published,
        "draft": draft,
        "other_draft": other_draft,
        "editor": login(editor),
        "admin": login(admin),
        "clerk": login(clerk),
    }


# --- change control ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "changes", [{"hours": "全天"}, {"promised_limit": 1}, {"change_reason": "x"}]
)
def test_patch_published_version_is_409(world, changes):
    before = snapshot()
    for who in ("editor", "admin"):
        r = send(
            world[who], "patch", f"{MANAGE}/versions/{world['published'].pk}", {"changes": changes}
        )
        refused(r, 409, code="version_immutable", field="status")
    assert_unchanged(before)


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("put", "materials/id-card", {"data": {"name": "改"}}),
        ("delete", "materials/id-card", None),
        ("put", "situations/premises", {"question": "改？"}),
        ("delete", "situations/premises", None),
        ("put", "situations/premises/options/owned", {"data": {"label": "改"}}),
        ("delete", "situations/premises/options/owned", None),
        ("post", "submit", {}),
    ],
)
def test_content_endpoints_on_published_version_are_409(world, method, suffix, body):
    before = snapshot()
    r = send(world["editor"], method, f"{MANAGE}/versions/{world['published'].pk}/{suffix}", body)
    body = refused(r, 409, field="status")
    assert body["code"] in ("version_immutable", "illegal_transition")
    assert_unchanged(before)


def test_approve_a_draft_without_submission_is_409_naming_the_state(world):
    before = snapshot()
    r = send(
        world["admin"],
        "post",
        f"{MANAGE}/versions/{world['draft'].pk}/review",
        {"approve": True, "comment": "同意"},
    )
    body = refused(r, 409, code="illegal_transition", field="status")
    assert "草稿" in body["message"] and "draft" in body["message_en"]
    assert body.get("details", {}).get("status") == "draft"
    assert_unchanged(before)


def test_review_of_a_published_version_is_409(world):
    before = snapshot()
    r = send(
        world["admin"],
        "post",
        f"{MANAGE}/versions/{world['published'].pk}/review",
        {"approve": True, "comment": "再发一次"},
    )
    body = refused(r, 409, code="illegal_transition", field="status")
    assert "published" in body["message_en"]
    assert_unchanged(before)


def test_review_by_non_administrator_is_403(world):
    services.version_submit(version_id=world["draft"].pk, user=None, actor=SYSTEM)
    before = snapshot()
    for who in ("editor", "clerk"):
        r = send(
            world[who],
            "post",
            f"{MANAGE}/versions/{world['draft'].pk}/review",
            {"approve": True, "comment": "自己批"},
        )
        assert r.status_code in (403, 404), r.content
        body = r.json()
        assert body["message"] and body["message_en"] and body["code"]
    r = send(
        world["editor"],
        "post",
        f"{MANAGE}/versions/{world['draft'].pk}/review",
        {"approve": True, "comment": "自己批"},
    )
    assert r.status_code == 403
    assert ItemVersion.objects.get(pk=world["draft"].pk).status == "submitted"
    assert_unchanged(before)


@pytest.mark.parametrize(
    ("method", "suffix", "body"),
    [
        ("get", "", None),
        ("patch", "", {"changes": {"hours": "x"}}),
        ("put", "/materials/id-card", {"data": {"name": "x"}}),
        ("put", "/situations/q", {"question": "x？"}),
        ("post", "/submit", {}),
        ("delete", "/materials/id-card", None),
    ],
)
def test_other_departments_draft_is_404(world, method, suffix, body):
    before = snapshot()
    r = send(world["editor"], method, f"{MANAGE}/versions/{world['other_draft'].pk}{suffix}", body)
    refused(r, 404, code="not_found", field="version_id")
    assert_unchanged(before)


def test_unknown_version_id_is_404(world):
    before = snapshot()
    r = send(world["admin"], "patch", f"{MANAGE}/versions/987654321", {"changes": {"hours": "x"}})
    refused(r, 404, field="version_id")
    assert_unchanged(before)


def test_promised_above_statutory_in_draft_update_is_422(world):
    before = snapshot()
    url = f"{MANAGE}/versions/{world['draft'].pk}"
    refused(
        send(world["editor"], "patch", url, {"changes": {"promised_limit": 21}}),
        422,
        code="promised_exceeds_statutory",
        field="promised_limit",
    )
    refused(
        send(world["editor"], "patch", url, {"changes": {"statutory_limit": 9}}),
        422,
        code="promised_exceeds_statutory",
        field="promised_limit",
    )
    refused(
        send(
            world["editor"],
            "put",
            f"{url}/situations/agent/options/yes",
            {"data": {"promised_limit": 21}},
        ),
        422,
        code="promised_exceeds_statutory",
        field="promised_limit",
    )
    assert_unchanged(before)


def _flip_check_character(uscc: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return uscc[:17] + alphabet[(alphabet.index(uscc[17]) + 1) % len(alphabet)]


def test_create_with_wrong_uscc_check_character_is_422(world):
    before = snapshot()
    basic = h.basic_code()
    bad = _flip_check_character(world["dept"].uscc)
    r = send(
        world["editor"],
        "post",
        f"{MANAGE}/versions",
        {
            "implementation_code": f"{bad}4{basic}",
            "department_id": world["dept"].pk,
            "item": {
                "basic_code": basic,
                "name": "审计事项",
                "item_type": "01",
                "legal_basis": "《中华人民共和国行政许可法》",
            },
            "fields": h.BASE_FIELDS,
        },
    )
    refused(r, 422, field="implementation_code")
    assert_unchanged(before)


def test_create_with_another_departments_uscc_is_422(world):
    before = snapshot()
    basic = h.basic_code()
    r = send(
        world["editor"],
        "post",
        f"{MANAGE}/versions",
        {
            "implementation_code": f"{world['other'].uscc}4{basic}",
            "department_id": world["dept"].pk,
            "item": {
                "basic_code": basic,
                "name": "审计事项",
                "item_type": "01",
                "legal_basis": "法",
            },
            "fields": h.BASE_FIELDS,
        },
    )
    refused(r, 422, field="implementation_code")
    assert_unchanged(before)


def test_create_for_another_department_is_refused(world):
    before = snapshot()
    r = send(
        world["editor"],
        "post",
        f"{MANAGE}/versions",
        {
            "department_id": world["other"].pk,
            "item": {"basic_code": h.basic_code(), "name": "x", "item_type": "01"},
            "fields": h.BASE_FIELDS,
        },
    )
    assert r.status_code in (403, 404)
    assert r.json()["message"] and r.json()["message_en"]
    assert_unchanged(before)


def test_situation_cycle_via_the_option_endpoints_is_422(world):
    url = f"{MANAGE}/versions/{world['draft'].pk}"
    editor = world["editor"]
    for path, body in (
        ("situations/a", {"question": "甲？"}),
        ("situations/a/options/x", {"data": {"label": "是"}}),
        ("situations/b", {"question": "乙？", "parent_option": "a.x"}),
        ("situations/b/options/y", {"data": {"label": "是"}}),
        ("situations/c", {"question": "丙？", "parent_option": "b.y"}),
        ("situations/c/options/z", {"data": {"label": "是"}}),
    ):
        assert send(editor, "put", f"{url}/{path}", body).status_code == 200
    before = snapshot()
    for parent in ("a.x", "b.y", "c.z"):  # itself, a child, a grandchild
        r = send(
            editor, "put", f"{url}/situations/a", {"question": "甲？", "parent_option": parent}
        )
        refused(r, 422, code="situation_cycle", field="parent_option")
    r = send(editor, "put", f"{url}/situations/b", {"question": "乙？", "parent_option": "c.z"})
    refused(r, 422, code="situation_cycle", field="parent_option")
    r = send(editor, "put", f"{url}/situations/a", {"question": "甲？", "parent_option": "nope.x"})
    refused(r, 422, field="parent_option")
    assert_unchanged(before)


@pytest.mark.parametrize(
    ("method", "suffix", "body", "field"),
    [
        ("patch", "", {"changes": {"consultation_phone": "9" * 10_000}}, "consultation_phone"),
        ("patch", "", {"changes": {"name": "名" * 10_000}}, "name"),
        ("patch", "", {"changes": {"statutory_limit": "twenty"}}, "statutory_limit"),
        ("patch", "", {"changes": {"promised_limit": -1}}, "promised_limit"),
        ("patch", "", {"changes": {"online_handling": "maybe"}}, "online_handling"),
        ("patch", "", {"changes": {"service_objects": "2"}}, "service_objects"),
        ("patch", "", {"changes": {"service_objects": ["9"]}}, "service_objects"),
        ("patch", "", {"changes": {"faqs": {"q": "a"}}}, "faqs"),
        ("patch", "", {"changes": {"online_address": "javascript:alert(1)"}}, "online_address"),
        ("patch", "", {"changes": {"case_type": "7"}}, "case_type"),
        ("patch", "", {"changes": {"status": "published"}}, "status"),
        ("patch", "", {"changes": {"content_digest": "x"}}, "content_digest"),
        ("patch", "", {"changes": {"life_events": "kaiban"}}, "life_events"),
        ("patch", "", {"changes": {"life_events": ["no-such-event"]}}, "life_events"),
        ("patch", "", {"changes": []}, "changes"),
        ("patch", "", {"changez": {}}, "changes"),
        ("put", "/materials/id-card", {"data": {"name": "材" * 10_000}}, "name"),
        ("put", "/materials/id-card", {"data": {"originals": "one"}}, "originals"),
        ("put", "/materials/id-card", {"data": {"allowed_types": "pdf"}}, "allowed_types"),
        ("put", "/materials/new-one", {"data": {"issuing_body": "x"}}, "name"),
        ("put", "/materials/bad%20key!", {"data": {"name": "x"}}, "key"),
        ("put", "/situations/premises", {"question": "问" * 301}, "question"),
        ("put", "/situations/premises", {"question": ""}, "question"),
        ("put", "/situations/premises", {"question": "q", "sort_order": "first"}, "sort_order"),
        ("put", "/situations/premises/options/x", {"data": {"label": ""}}, "label"),
        ("put", OPT, {"data": {"label": "x", "materials": "id"}}, "materials"),
        ("put", OPT, {"data": {"label": "x", "materials": ["ghost"]}}, "materials"),
        ("put", OPT, {"data": {"label": "x", "promised_limit": "soon"}}, "promised_limit"),
        ("post", "/submit", {"comment": "注" * 2001}, "comment"),
        ("post", "/submit", {"comment": 42}, "comment"),
        ("post", "/review", {"approve": "maybe"}, "approve"),
        ("post", "/review", {"approve": True, "effective_from": "tomorrow"}, "effective_from"),
    ],
)  # fmt: skip
def test_over_long_strings_and_wrong_types_are_422(world, method, suffix, body, field):
    before = snapshot()
    who = "admin" if suffix == "/review" else "editor"
    r = send(world[who], method, f"{MANAGE}/versions/{world['draft'].pk}{suffix}", body)
    refused(r, 422, field=field)
    assert_unchanged(before)


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"department_id": "x"}, "department_id"),
        ({"change_reason": "理" * 2001}, "change_reason"),
        ({"implementation_code": "码" * 51}, "implementation_code"),
        ({"item": {"basic_code": "1" * 13}}, "item.basic_code"),
        ({"item": {"basic_code": "000000000001", "level": 9}}, "item.level"),
        ({"fields": {f"f{i}": 1 for i in range(101)}}, "fields"),
        ({"life_events": "kaiban"}, "life_events"),
        ({"item": []}, "item"),
    ],
)
def test_create_schema_errors_are_422(world, body, field):
    before = snapshot()
    r = send(
        world["editor"], "post", f"{MANAGE}/versions", {"department_id": world["dept"].pk, **body}
    )
    refused(r, 422, field=field)
    assert_unchanged(before)


def test_create_field_errors_name_the_field(world):
    before = snapshot()
    r = send(
        world["editor"],
        "post",
        f"{MANAGE}/versions",
        {
            "department_id": world["dept"].pk,
            "item": {
                "basic_code": h.basic_code(),
                "name": "审计事项",
                "item_type": "01",
                "legal_basis": "法",
            },
            "fields": {**h.BASE_FIELDS, "result_name": "果" * 10_000, "statutory_limit": "x"},
        },
    )
    body = refused(r, 422)
    fields = {e["field"] for e in body.get("errors", [])} | {body["field"]}
    assert {"fields.result_name", "fields.statutory_limit"} <= fields, fields
    assert_unchanged(before)


@pytest.mark.parametrize(
    "raw",
    [b"{", b'{"changes": {"hours": "x"}', b"\xff\xfe", b"{'changes': {}}", b"nan", b"[1,]"],
)
@pytest.mark.parametrize(
    ("method", "suffix"),
    [("patch", ""), ("post", "/submit"), ("put", "/materials/id-card"), ("post", "/review")],
)
def test_malformed_json_body_is_400(world, raw, method, suffix):
    before = snapshot()
    who = "admin" if suffix == "/review" else "editor"
    r = send(world[who], method, f"{MANAGE}/versions/{world['draft'].pk}{suffix}", raw=raw)
    refused(r, 400, code="malformed_json", field="body")
    assert_unchanged(before)


def test_malformed_json_body_on_create_and_withdraw_is_400(world):
    before = snapshot()
    for path in ("versions", "withdrawals"):
        r = send(world["editor"], "post", f"{MANAGE}/{path}", raw=b'{"reason": ')
        refused(r, 400, code="malformed_json", field="body")
    assert_unchanged(before)


def test_withdrawal_bad_input(world):
    before = snapshot()
    code = world["published"].implementation_code
    refused(
        send(world["editor"], "post", f"{MANAGE}/withdrawals", {"implementation_code": code}),
        422,
        field="reason",
    )
    refused(
        send(
            world["editor"],
            "post",
            f"{MANAGE}/withdrawals",
            {"implementation_code": code, "reason": "   "},
        ),
        422,
        field="reason",
    )
    refused(
        send(
            world["editor"],
            "post",
            f"{MANAGE}/withdrawals",
            {"implementation_code": "NOSUCHCODE", "reason": "撤销"},
        ),
        404,
        field="implementation_code",
    )
    assert_unchanged(before)


def test_withdrawal_of_another_departments_list_is_refused(world):
    other_published = h.published_list(world["other"], situations=False)
    before = snapshot()
    r = send(
        world["editor"],
        "post",
        f"{MANAGE}/withdrawals",
        {"implementation_code": other_published.implementation_code, "reason": "撤销"},
    )
    assert r.status_code in (403, 404), r.content
    assert r.json()["message"] and r.json()["message_en"]
    assert_unchanged(before)


# --- public API -------------------------------------------------------------------------------


def test_unknown_implementation_code_is_404(world):
    before = snapshot()
    client = Client()
    for url in (
        f"{PUBLIC}/items/NOSUCHCODE",
        f"{PUBLIC}/items/NOSUCHCODE/versions",
        f"{PUBLIC}/items/NOSUCHCODE/checklist",
        f"{PUBLIC}/items/{world['other_draft'].implementation_code}",  # a draft is not public
    ):
        refused(client.get(url), 404, field="implementation_code")
    assert_unchanged(before)


@pytest.mark.parametrize("at", ["yesterday", "2026-13-01", "2026-02-30T00:00:00", "😀", "1" * 500])
def test_bad_at_is_422(world, at):
    r = Client().get(f"{PUBLIC}/items/{world['published'].implementation_code}", {"at": at})
    refused(r, 422, field="at")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"answers": json.dumps({"premises": "castle"})}, "answers.premises"),
        ({"answers": json.dumps({"no-such": "rented"})}, "answers.no-such"),
        ({"a.premises": "castle"}, "answers.premises"),
        ({"answers": "{not json"}, "answers"),
        ({"answers": json.dumps(["premises"])}, "answers"),
        ({"answers": json.dumps({"premises": 1})}, "answers"),
    ],
)
def test_checklist_answers_outside_the_options_are_422(world, params, field):
    r = Client().get(f"{PUBLIC}/items/{world['published'].implementation_code}/checklist", params)
    refused(r, 422, field=field)


def test_diff_unknown_versions(world):
    code = world["published"].implementation_code
    refused(Client().get(f"{PUBLIC}/items/{code}/diff", {"from": 1, "to": 7}), 404, field="to")
    refused(Client().get(f"{PUBLIC}/items/{code}/diff", {"from": 0, "to": 1}), 422, field="from")
    refused(Client().get(f"{PUBLIC}/items/{code}/diff", {"from": "a", "to": 1}), 422, field="from")


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "食" * 101}, "q"),
        ({"q": "x" * 10_000}, "q"),
        ({}, "q"),
        ({"q": "食品", "online": "maybe"}, "online"),
        ({"q": "食品", "cross_province": "2"}, "cross_province"),
        ({"q": "食品", "department": "abc"}, "department"),
        ({"q": "食品", "department": "-1"}, "department"),
        ({"q": "食品", "object": "9"}, "object"),
        ({"q": "食品", "kind": "person"}, "kind"),
        ({"q": "食品", "limit": "0"}, "limit"),
        ({"q": "食品", "limit": "1000"}, "limit"),
        ({"q": "食品", "limit": "many"}, "limit"),
    ],
)
def test_search_bad_query_is_422(world, params, field):
    refused(Client().get(f"{PUBLIC}/search", params), 422, field=field)


@pytest.mark.parametrize(
    ("url", "params", "field"),
    [
        ("/items", {"department_id": "abc"}, "department_id"),
        ("/items", {"service_object": "9"}, "service_object"),
        ("/items", {"online": "maybe"}, "online"),
        ("/items", {"limit": "-5"}, "limit"),
        ("/items", {"offset": "x"}, "offset"),
        ("/bundles", {"audience": "alien"}, "audience"),
        ("/life-events", {"audience": "alien"}, "audience"),
    ],
)
def test_public_bad_filter_value_is_422(world, url, params, field):
    refused(Client().get(f"{PUBLIC}{url}", params), 422, field=field)


# --- light fuzz of every write endpoint ----------------------------------------------------

HUGE = 10**30
FUZZ: list[Any] = [
    None,
    [],
    [{"changes": {}}],
    HUGE,
    "😀" * 50,
    {"changes": None, "data": None, "question": None, "approve": None, "comment": None},
    {"changes": {"hours": ["x"]}, "data": [], "question": [], "approve": [], "comment": []},
    {
        "changes": {"promised_limit": HUGE, "statutory_limit": -HUGE},
        "data": {"originals": HUGE, "promised_limit": HUGE, "label": "x"},
        "question": "q",
        "sort_order": HUGE,
        "approve": HUGE,
        "comment": HUGE,
        "implementation_code": HUGE,
        "reason": HUGE,
        "department_id": HUGE,
    },
    {
        "changes": {"name": "😀" * 10_000, "faqs": [{"question": "😀" * 10_000}]},
        "data": {"name": "😀" * 10_000, "label": "😀" * 10_000, "notes": "😀" * 100_000},
        "question": "😀" * 10_000,
        "approve": True,
        "comment": "😀" * 10_000,
        "implementation_code": "😀" * 10_000,
        "reason": "😀" * 10_000,
        "change_reason": "😀" * 10_000,
    },
    {
        "changes": {"\u0000": "\u0000", "hours": "\u0000"},
        "data": {"\u0000": 1, "name": "\u0000"},
        "question": "\u0000",
        "parent_option": "\u0000.\u0000",
        "approve": "\u0000",
        "implementation_code": "\u0000" * 50,
        "reason": "",
        "department_id": 1.5,
        "item": {"basic_code": "\u0000"},
    },
]


def _write_endpoints(world, submitted: int) -> list[tuple[str, str, str]]:
    v = world["draft"].pk  # editable: every edit endpoint reaches its service
    return [
        ("editor", "post", f"{MANAGE}/versions"),
        ("editor", "patch", f"{MANAGE}/versions/{v}"),
        ("editor", "put", f"{MANAGE}/versions/{v}/materials/id-card"),
        ("editor", "put", f"{MANAGE}/versions/{v}/situations/premises"),
        ("editor", "put", f"{MANAGE}/versions/{v}/situations/premises/options/owned"),
        ("editor", "post", f"{MANAGE}/versions/{v}/submit"),
        ("admin", "post", f"{MANAGE}/versions/{submitted}/review"),
        ("editor", "post", f"{MANAGE}/withdrawals"),
    ]


def test_fuzz_write_endpoints_never_500_never_write(world):
    # The review endpoint needs a submitted version to be reachable at all.
    submitted = h.new_draft(world["dept"])
    services.version_submit(version_id=submitted.pk, user=None, actor=SYSTEM)
    before = snapshot()
    problems = []
    for who, method, url in _write_endpoints(world, submitted.pk):
        for n, payload in enumerate(FUZZ):
            r = send(world[who], method, url, raw=json.dumps(payload).encode())
            ok = 400 <= r.status_code < 500
            if ok:
                body = r.json()
                ok = bool(body.get("code") and body.get("message") and body.get("message_en"))
            if not ok:
                problems.append((method, url, n, r.status_code, r.content[:300]))
    assert not problems, problems
    assert_unchanged(before)


@pytest.mark.parametrize("key", ["😀", "x" * 10_000, "..", "a b", "%00", "key%2Fslash"])
def test_fuzz_path_keys_never_500(world, key):
    before = snapshot()
    v = world["draft"].pk
    for method, url, body in (
        ("put", f"{MANAGE}/versions/{v}/materials/{key}", {"data": {"issuing_body": "x"}}),
        ("delete", f"{MANAGE}/versions/{v}/materials/{key}", None),
        ("put", f"{MANAGE}/versions/{v}/situations/{key}", {"question": ""}),
        ("delete", f"{MANAGE}/versions/{v}/situations/{key}", None),
        ("put", f"{MANAGE}/versions/{v}/situations/{key}/options/{key}", {"data": {"label": "x"}}),
        ("delete", f"{MANAGE}/versions/{v}/situations/{key}/options/{key}", None),
        ("put", f"{MANAGE}/versions/{v}/situations/premises/options/{key}", {"data": {}}),
    ):
        r = send(world["editor"], method, url, body)
        assert 400 <= r.status_code < 500, (method, url[:120], r.status_code, r.content[:300])
    assert_unchanged(before)


@pytest.mark.parametrize("version_id", ["0", "-1", "99999999999999999999", "abc"])
def test_fuzz_version_ids_never_500(world, version_id):
    before = snapshot()
    for method, suffix, body in (
        ("get", "", None),
        ("patch", "", {"changes": {"hours": "x"}}),
        ("post", "/submit", {}),
        ("post", "/review", {"approve": True, "comment": "x"}),
    ):
        who = "admin" if suffix == "/review" else "editor"
        r = send(world[who], method, f"{MANAGE}/versions/{version_id}{suffix}", body)
        assert r.status_code in (404, 422), (method, version_id, r.status_code, r.content[:300])
    r = send(world["editor"], "get", f"{MANAGE}/diff?from={version_id}&to={version_id}")
    assert r.status_code in (404, 422), r.content[:300]
    assert_unchanged(before)

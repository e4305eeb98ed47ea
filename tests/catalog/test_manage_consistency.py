"""Consistency checks with other official lists, in the workbench and the API: administrators
only; the upload's kind, size and type (by content) are checked; nothing is ever written."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from openpyxl import Workbook

from tests.catalog.conftest import BIRTH_BASIC, FOOD_BASIC, MARKET
from tests.catalog.test_api_manage import login
from tests.catalog.test_io import counts
from tests.factories import make_citizen, make_staff
from zhengwu.kernel.models import AuditEntry
from zhengwu.org import selectors as org_selectors

pytestmark = pytest.mark.django_db

PAGE = "/workbench/catalog/consistency/"
API = "/api/v1/catalog/manage/consistency"
CSV = (
    "事项名称,事项编码,事项类型\n"
    f"食品经营许可证核发,{FOOD_BASIC},行政许可\n"  # name differs
    "出生登记,,行政许可\n"  # type differs
    "烟草专卖零售许可,000101999000,行政许可\n"  # not in the catalogue
)


def csv_file(text: str = CSV, name: str = "list.csv", encoding: str = "utf-8") -> Any:
    return SimpleUploadedFile(name, text.encode(encoding), content_type="text/csv")


def xlsx_file() -> SimpleUploadedFile:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["审批事项名称", "基本编码", "类别"])
    sheet.append(["食品经营许可", FOOD_BASIC, "行政许可"])
    sheet.append(["出生登记", BIRTH_BASIC, "行政许可"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile("list.xlsx", buffer.getvalue())


@pytest.fixture
def people(imported_small_catalog):
    department = org_selectors.department_by_name(MARKET)
    return {
        "admin": make_staff(department=department, roles=["administrator"]),
        "approver": make_staff(department=department, roles=["approver"]),
        "citizen": make_citizen(),
    }


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def snapshot() -> tuple[dict[str, int], int]:
    return counts(), AuditEntry.objects.count()


# --- permissions ------------------------------------------------------------------------------


def test_page_refuses_everyone_but_administrators(people):
    assert Client().get(PAGE).status_code == 302
    for who in ("citizen", "approver"):
        client = client_for(people[who])
        assert client.get(PAGE).status_code == 403
        before = snapshot()
        assert client.post(PAGE, {"kind": "investment", "file": csv_file()}).status_code == 403
        assert snapshot() == before
    page = client_for(people["admin"]).get(PAGE)
    assert page.status_code == 200
    assert 'name="file"' in page.content.decode()


def test_manage_home_links_the_check_for_administrators_only(people):
    admin_home = client_for(people["admin"]).get("/workbench/catalog/").content.decode()
    assert PAGE in admin_home
    editor_home = client_for(people["approver"]).get("/workbench/catalog/").content.decode()
    assert PAGE not in editor_home


def test_api_refuses_everyone_but_administrators(people):
    assert Client().post(API, {"kind": "investment", "file": csv_file()}).status_code in (401, 403)
    for who in ("citizen", "approver"):
        client = login(people[who])
        before = snapshot()
        response = client.post(API, {"kind": "investment", "file": csv_file()})
        assert response.status_code == 403
        assert snapshot() == before


# --- happy paths ------------------------------------------------------------------------------


def test_page_shows_the_report(people):
    client = client_for(people["admin"])
    before = counts()
    response = client.post(PAGE, {"kind": "market_access", "file": csv_file()})
    assert response.status_code == 200
    html = response.content.decode()
    assert "食品经营许可证核发" in html  # the external value of the name finding
    assert "烟草专卖零售许可" in html  # a row not found
    report = response.context["report"]
    assert {(f.row, f.field) for f in report.findings} == {(2, "name"), (3, "type")}
    assert [r.row for r in report.not_found] == [4]
    assert counts() == before


def test_page_reads_gb18030_csv(people):
    response = client_for(people["admin"]).post(
        PAGE, {"kind": "investment", "file": csv_file(encoding="gb18030")}
    )
    assert response.status_code == 200
    assert len(response.context["report"].findings) == 2


def test_api_returns_the_report_for_xlsx(people):
    response = login(people["admin"]).post(API, {"kind": "construction", "file": xlsx_file()})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["kind"] == "construction" and body["kind_label"] == "工程建设项目审批事项清单"
    assert body["rows_read"] == 2 and body["matched"] == 2
    assert [(f["row"], f["field"]) for f in body["findings"]] == [(3, "type")]
    assert body["findings"][0]["basic_code"] == BIRTH_BASIC
    assert body["not_found"] == []


# --- bad uploads ------------------------------------------------------------------------------

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
BINARY = b"\x00\x01\x02\xff" * 32
BAD_UPLOADS = [
    ("unknown kind", "tobacco", lambda: csv_file(), "kind"),
    ("png named xlsx", "investment", lambda: SimpleUploadedFile("l.xlsx", PNG), "file"),
    ("csv named xlsx", "investment", lambda: csv_file(name="l.xlsx"), "file"),
    ("binary named csv", "investment", lambda: SimpleUploadedFile("l.csv", BINARY), "file"),
    ("oversize", "investment", lambda: csv_file(CSV + "x" * (5 * 1024 * 1024)), "file"),
    ("empty", "investment", lambda: SimpleUploadedFile("l.csv", b""), "file"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("label", "kind", "make", "field"), BAD_UPLOADS, ids=[b[0] for b in BAD_UPLOADS]
)
def test_bad_upload_refused_by_the_api(people, label, kind, make, field):
    client = login(people["admin"])
    before = snapshot()
    response = client.post(API, {"kind": kind, "file": make()})
    assert response.status_code == 422, response.content
    assert response.json()["field"] == field
    assert snapshot() == before


@pytest.mark.parametrize(
    ("label", "kind", "make", "field"), BAD_UPLOADS, ids=[b[0] for b in BAD_UPLOADS]
)
def test_bad_upload_refused_by_the_page(people, label, kind, make, field):
    before = snapshot()
    response = client_for(people["admin"]).post(PAGE, {"kind": kind, "file": make()})
    assert response.status_code == 422
    assert "report" not in response.context
    assert response.context["error"].field == field
    assert 'role="alert"' in response.content.decode()
    assert snapshot() == before


def test_missing_file_is_named(people):
    response = login(people["admin"]).post(API, {"kind": "investment"})
    assert response.status_code == 422
    assert "file" in response.content.decode()

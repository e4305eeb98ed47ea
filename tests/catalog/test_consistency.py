"""Consistency with external lists: findings per field with both values and the row."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from tests.catalog.conftest import BIRTH_BASIC, FOOD_BASIC, FOOD_CHANGE_BASIC, MARKET
from tests.catalog.test_io import counts
from zhengwu.catalog.consistency import check_external_list
from zhengwu.kernel.errors import InvalidInput

CSV = (
    "序号,事项名称,事项编码,事项类型\n"
    f"1,食品经营许可,{FOOD_BASIC},行政许可\n"  # consistent
    f"2,食品经营许可证核发,{FOOD_BASIC},01\n"  # name differs (matched by code)
    "3,出生登记,,行政许可\n"  # type differs (matched by name)
    "4,出生医学证明,000999999999,公共服务\n"  # code differs (matched by name)
    "5,烟草专卖零售许可,000101999000,行政许可\n"  # not in the catalogue
    f"6,食品经营许可变更,{FOOD_CHANGE_BASIC},行政许可\n"  # only a draft: not published
)


def test_csv_report(imported_small_catalog):
    before = counts()
    report = check_external_list(CSV.encode(), kind="market_access", filename="list.csv")
    assert counts() == before  # a pure read
    assert report.rows_read == 6
    assert report.matched == 4
    found = {(f.row, f.field): f for f in report.findings}
    assert set(found) == {(3, "name"), (4, "type"), (5, "code")}
    assert found[(3, "name")].external_value == "食品经营许可证核发"
    assert found[(3, "name")].catalogue_value == "食品经营许可"
    assert found[(3, "name")].matched_by == "code"
    assert found[(4, "type")].catalogue_value.startswith("07")
    assert found[(4, "type")].basic_code == BIRTH_BASIC
    assert found[(5, "code")].catalogue_value == "000120001000"
    assert [(r.row, r.name) for r in report.not_found] == [
        (6, "烟草专卖零售许可"),
        (7, "食品经营许可变更"),
    ]
    body = report.as_dict()
    assert body["kind_label"] == "市场准入负面清单"
    assert body["findings"][0]["row"] == 3
    assert not body["consistent"]


def test_xlsx_with_other_headers_and_implementation_code(imported_small_catalog, org_demo):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["工程建设项目审批事项清单"])
    sheet.append(["审批事项名称", "实施编码", "类别"])
    sheet.append(["食品 经营许可", f"{org_demo[MARKET]}4{FOOD_BASIC}", "行政确认"])
    buffer = io.BytesIO()
    workbook.save(buffer)
    report = check_external_list(buffer.getvalue(), kind="construction", filename="x.xlsx")
    assert report.matched == 1
    assert [(f.row, f.field, f.external_value) for f in report.findings] == [
        (3, "type", "行政确认")
    ]


def test_gbk_csv_and_consistent_list(imported_small_catalog):
    data = f"事项名称,事项编码,事项类型\n出生登记,{BIRTH_BASIC},行政确认\n".encode("gbk")
    report = check_external_list(data, kind="investment", filename="list.csv")
    assert report.consistent


def test_no_header_and_bad_kind(imported_small_catalog):
    with pytest.raises(InvalidInput) as caught:
        check_external_list(b"a,b\n1,2\n", kind="investment", filename="x.csv")
    assert caught.value.code == "missing_header"
    with pytest.raises(InvalidInput):
        check_external_list(CSV.encode(), kind="nonsense", filename="x.csv")


def test_command(imported_small_catalog, tmp_path, capsys):
    path = tmp_path / "list.csv"
    path.write_text(CSV, encoding="utf-8")
    call_command("catalog", "check-list", "--kind", "market_access", str(path))
    out = capsys.readouterr().out
    assert "row 3: name differs" in out
    assert "烟草专卖零售许可" in out

"""xlsx export/import: lossless round trip, errors by sheet!cell, nothing written."""

from __future__ import annotations

import copy
import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from tests.catalog.test_io import FIXTURE, counts
from zhengwu.catalog.io import dumps_catalog, export_catalog, loads_catalog
from zhengwu.catalog.xlsx import (
    document_to_xlsx,
    export_catalog_xlsx,
    import_catalog_xlsx,
    read_catalog_xlsx,
)
from zhengwu.kernel.actors import SYSTEM
from zhengwu.kernel.errors import InvalidInput


def edited(data: bytes, sheet: str, cell: str, value) -> bytes:
    workbook = load_workbook(io.BytesIO(data))
    workbook[sheet][cell] = value
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def header_column(data: bytes, sheet: str, header: str) -> str:
    workbook = load_workbook(io.BytesIO(data))
    for cell in workbook[sheet][1]:
        if cell.value == header:
            return cell.column_letter
    raise AssertionError(header)


def test_json_xlsx_json_is_lossless(small_catalog_doc):
    data = document_to_xlsx(small_catalog_doc)
    reading = read_catalog_xlsx(data)
    assert reading.errors == []
    assert reading.document == small_catalog_doc


def test_layout(small_catalog_doc):
    workbook = load_workbook(io.BytesIO(document_to_xlsx(small_catalog_doc)))
    assert workbook.sheetnames[:3] == ["事项", "材料", "情形"]
    items = workbook["事项"]
    assert items["A1"].value == "基本编码"
    assert items.max_row == 1 + 5  # one row per version
    assert workbook["材料"].max_row == 1 + 3 + 5 + 1 + 2 + 1


def test_import_xlsx_then_export_json(small_catalog_doc):
    import_catalog_xlsx(document_to_xlsx(small_catalog_doc), actor=SYSTEM)
    assert dumps_catalog(export_catalog()) == dumps_catalog(small_catalog_doc)
    again = import_catalog_xlsx(export_catalog_xlsx(), actor=SYSTEM)
    assert not again.changed


def test_errors_are_reported_by_sheet_and_cell(small_catalog_doc):
    data = document_to_xlsx(small_catalog_doc)
    key_col = header_column(data, "材料", "材料标识")
    limit_col = header_column(data, "事项", "承诺办结时限")
    # 材料 row 8 is food v2's fourth material (rows 2-4 are v1's); give it the third's key.
    data = edited(data, "材料", f"{key_col}8", "id-card")
    data = edited(data, "事项", f"{limit_col}3", 30)  # food v2: promised 30 > statutory 20
    data = edited(data, "情形", "F2", "first")  # 情形排序
    before = counts()
    with pytest.raises(InvalidInput) as caught:
        import_catalog_xlsx(data, actor=SYSTEM)
    assert counts() == before
    places = {(e.field, e.code) for e in caught.value.errors}
    assert (f"材料!{key_col}8", "duplicate_key") in places
    assert (f"事项!{limit_col}3", "promised_exceeds_statutory") in places
    assert ("情形!F2", "wrong_type") in places
    assert all("!" in e.field for e in caught.value.errors)


def test_bad_json_cell_and_unknown_version(small_catalog_doc):
    data = document_to_xlsx(small_catalog_doc)
    faqs = header_column(data, "事项", "常见问题")
    data = edited(data, "事项", f"{faqs}2", "[{broken")
    data = edited(data, "版本记录", "B2", 7)
    with pytest.raises(InvalidInput) as caught:
        import_catalog_xlsx(data, actor=SYSTEM)
    places = {(e.field, e.code) for e in caught.value.errors}
    assert (f"事项!{faqs}2", "malformed_json") in places
    assert ("版本记录!A2", "unknown_version") in places


def test_not_a_workbook(org_demo):
    with pytest.raises(InvalidInput) as caught:
        import_catalog_xlsx(b"not a zip", actor=SYSTEM)
    assert caught.value.code == "malformed_xlsx"


def test_command_xlsx(imported_small_catalog, tmp_path):
    target = tmp_path / "catalog.xlsx"
    call_command("catalog", "export", "--format", "xlsx", str(target))
    assert read_catalog_xlsx(target.read_bytes()).document == imported_small_catalog
    call_command("catalog", "import", str(target))
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(edited(target.read_bytes(), "材料", "C2", None))
    with pytest.raises(CommandError, match="材料!C2"):
        call_command("catalog", "import", str(bad))


@pytest.mark.skipif(not FIXTURE.exists(), reason="demo catalogue not yet produced")
def test_demo_catalogue_xlsx_round_trip(org_demo):
    doc = loads_catalog(Path(FIXTURE).read_bytes())
    assert read_catalog_xlsx(document_to_xlsx(copy.deepcopy(doc))).document == doc

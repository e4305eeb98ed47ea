"""Consistency of the catalogue with other official lists (a pure read).

An external list — 市场准入负面清单, 投资审批事项清单 or 工程建设项目审批事项清单 — is read from
xlsx (first sheet) or CSV (UTF-8 or GBK) with the columns 事项名称 / 事项编码 / 事项类型 (common
spellings accepted, see ``HEADER_ALIASES``). Each row is matched against the published
catalogue by code first (basic code or an implementation code of a published version), else
by name; every field that disagrees becomes a finding with both values and the row, and
rows that match nothing are listed apart.
"""

from __future__ import annotations

import csv
import io
import re
import unicodedata
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from zhengwu.catalog.choices import ItemType, VersionStatus
from zhengwu.catalog.models import Item, ItemVersion
from zhengwu.kernel.errors import InvalidInput

__all__ = ["LIST_KINDS", "ConsistencyReport", "Finding", "check_external_list"]

LIST_KINDS: dict[str, str] = {
    "market_access": "市场准入负面清单",
    "investment": "投资审批事项清单",
    "construction": "工程建设项目审批事项清单",
}

HEADER_ALIASES: dict[str, tuple[str, ...]] = {
    "name": ("事项名称", "名称", "项目名称", "审批事项名称", "许可事项名称", "事项", "事项名"),
    "code": ("事项编码", "编码", "基本编码", "实施编码", "事项代码", "代码", "目录编码"),
    "type": ("事项类型", "类型", "事项类别", "类别", "权力类型"),
}

# 事项类型 by code and by its Chinese label (行政许可 → "01" …), plus short forms.
_TYPE_BY_TEXT: dict[str, str] = {}
for _code, _label in ItemType.choices:
    _TYPE_BY_TEXT[_code] = _code
    _TYPE_BY_TEXT[str(_label).split(" / ")[0]] = _code
_TYPE_BY_TEXT.update({"许可": "01", "确认": "07", "给付": "05", "其他": "10", "1": "01"})


@dataclass(frozen=True)
class Finding:
    row: int
    field: str  # "name" | "type" | "code"
    external_value: str
    catalogue_value: str
    basic_code: str
    item_name: str
    matched_by: str  # "code" | "name"


@dataclass(frozen=True)
class UnmatchedRow:
    row: int
    name: str
    code: str
    type: str


@dataclass
class ConsistencyReport:
    kind: str
    kind_label: str
    source: str
    rows_read: int = 0
    matched: int = 0
    findings: list[Finding] = field(default_factory=list)
    not_found: list[UnmatchedRow] = field(default_factory=list)

    @property
    def consistent(self) -> bool:
        return not self.findings and not self.not_found

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "kind_label": self.kind_label,
            "source": self.source,
            "rows_read": self.rows_read,
            "matched": self.matched,
            "consistent": self.consistent,
            "findings": [asdict(f) for f in self.findings],
            "not_found": [asdict(r) for r in self.not_found],
        }


def _norm(text: str) -> str:
    """Compare names without width, spaces or bracket style differences."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value).strip()


def _read_rows(data: bytes, filename: str) -> list[list[str]]:
    if filename.lower().endswith((".xlsx", ".xlsm")) or data[:2] == b"PK":
        from openpyxl import load_workbook

        try:
            workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as error:  # openpyxl raises many kinds for a bad file
            raise InvalidInput(
                f"无法读取 xlsx 文件：{error}",
                f"Cannot read the xlsx file: {error}",
                code="malformed_xlsx",
            ) from error
        rows = [
            [_cell(v) for v in row] for row in workbook.worksheets[0].iter_rows(values_only=True)
        ]
        workbook.close()
        return rows
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte string
        raise InvalidInput("无法识别文件编码", "Unknown text encoding", code="malformed_csv")
    return [[_cell(v) for v in row] for row in csv.reader(io.StringIO(text))]


def _header(rows: list[list[str]]) -> tuple[int, dict[str, int]]:
    """The first row (among the first 10) naming a name or code column."""
    for index, row in enumerate(rows[:10]):
        columns: dict[str, int] = {}
        for n, text in enumerate(row):
            for key, aliases in HEADER_ALIASES.items():
                if key not in columns and text.replace(" ", "") in aliases:
                    columns[key] = n
        if "name" in columns or "code" in columns:
            return index, columns
    raise InvalidInput(
        "找不到表头：需要「事项名称」或「事项编码」列",
        "No header row found: a 事项名称 (name) or 事项编码 (code) column is needed",
        field="header",
        code="missing_header",
    )


def check_external_list(
    data: bytes | str | Path, *, kind: str, filename: str = ""
) -> ConsistencyReport:
    """Compare an external list with the published catalogue; never writes."""
    if kind not in LIST_KINDS:
        raise InvalidInput(
            f"清单类型应为 {', '.join(LIST_KINDS)} 之一",
            f"kind must be one of {', '.join(LIST_KINDS)}",
            field="kind",
        )
    if not isinstance(data, bytes):
        filename = filename or str(data)
        data = Path(data).read_bytes()
    rows = _read_rows(data, filename)
    header_index, columns = _header(rows)
    report = ConsistencyReport(kind=kind, kind_label=LIST_KINDS[kind], source=filename)

    published = ItemVersion.objects.filter(status=VersionStatus.PUBLISHED)
    items = {item.pk: item for item in Item.objects.filter(versions__in=published).distinct()}
    by_basic = {item.basic_code: item for item in items.values()}
    by_implementation: dict[str, Item] = {}
    by_name: dict[str, Item] = {}
    names_of: dict[int, set[str]] = {pk: {_norm(item.name)} for pk, item in items.items()}
    for code, name, item_id in published.values_list("implementation_code", "name", "item_id"):
        by_implementation[code] = items[item_id]
        names_of[item_id].add(_norm(name))
        by_name.setdefault(_norm(name), items[item_id])
    for item in items.values():
        by_name[_norm(item.name)] = item

    def value(row: list[str], key: str) -> str:
        n = columns.get(key)
        return row[n] if n is not None and n < len(row) else ""

    for offset, row in enumerate(rows[header_index + 1 :], start=header_index + 2):
        name, code, type_text = value(row, "name"), value(row, "code").upper(), value(row, "type")
        if not (name or code):
            continue
        report.rows_read += 1
        item, matched_by = None, "code"
        if code:
            item = by_basic.get(code) or by_implementation.get(code)
        if item is None and name:
            item, matched_by = by_name.get(_norm(name)), "name"
        if item is None:
            report.not_found.append(UnmatchedRow(offset, name, code, type_text))
            continue
        report.matched += 1

        found: list[tuple[str, str, str]] = []
        if name and _norm(name) not in names_of[item.pk]:
            found.append(("name", name, item.name))
        if type_text:
            type_code = _TYPE_BY_TEXT.get(type_text.replace(" ", ""))
            if type_code != item.item_type:
                found.append(
                    ("type", type_text, f"{item.item_type} {item.get_item_type_display()}")
                )
        if code and matched_by == "name":
            found.append(("code", code, item.basic_code))
        report.findings.extend(
            Finding(offset, name_, external, catalogue, item.basic_code, item.name, matched_by)
            for name_, external, catalogue in found
        )
    return report


# --- uploads (the workbench page and the API alike) --------------------------------------

MAX_LIST_BYTES = 5 * 1024 * 1024
XLSX_MAGIC = b"PK\x03\x04"  # an xlsx file is a zip archive


def check_uploaded_list(upload: Any, kind: str) -> ConsistencyReport:
    """Check an uploaded external list (page and API alike): the kind must be known, the file
    at most 5 MB and, by its content, an xlsx (zip) file or UTF-8/GB18030 text (CSV)."""
    if kind not in LIST_KINDS:
        raise InvalidInput(
            "请选择清单类型", "Choose the kind of list", field="kind", code="unknown_kind"
        )
    if upload is None:
        raise InvalidInput("请选择文件", "Choose a file", field="file", code="required")
    if upload.size > MAX_LIST_BYTES:
        raise InvalidInput(
            "文件不能大于 5 MB", "The file must not exceed 5 MB", field="file", code="too_large"
        )
    data = upload.read(MAX_LIST_BYTES + 1)
    if len(data) > MAX_LIST_BYTES:
        raise InvalidInput(
            "文件不能大于 5 MB", "The file must not exceed 5 MB", field="file", code="too_large"
        )
    name = (upload.name or "")[:200]
    # The type is judged by the content: a name ending in .xlsx must also be a zip archive.
    is_xlsx = data.startswith(XLSX_MAGIC)
    if not is_xlsx and (name.lower().endswith((".xlsx", ".xlsm")) or not _is_text(data)):
        raise InvalidInput(
            "文件应为 xlsx 或 CSV（UTF-8 或 GB18030 编码）",
            "The file must be xlsx or CSV (UTF-8 or GB18030 text)",
            field="file",
            code="unsupported_type",
        )
    return check_external_list(data, kind=kind, filename=name)


def _is_text(data: bytes) -> bool:
    """CSV: text in UTF-8 or GB18030, without the NUL bytes of binary files."""
    if not data.strip() or b"\x00" in data:
        return False
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            data.decode(encoding)
        except UnicodeDecodeError:
            continue
        return True
    return False

"""Bulk import of existing (paper) licences from xlsx, and the template staff fill in.

One row per licence on the first sheet. Row 1 holds the column keys (the template writes
them, with the Chinese label in a cell comment and on the 说明 sheet):

``type_code, holder_name, holder_code, holder_code_type, number, issue_date, valid_from,
valid_until`` and then one column per metadata field, named by its schema key.

``holder_code_type`` is optional (taken from the code's shape); ``valid_from`` defaults to
the issue date and ``valid_until`` to the type's validity. Dates are date cells or text
``YYYY-MM-DD``.

Per-row report, not all-or-nothing: each row is issued in a savepoint of its own through
:func:`services.issue_direct` (the same checks and policy as a single issuance; the issuer
is the importing user's department), valid rows are imported and every refused row is
reported with its row number and the column at fault. That is what staff migrating a
cabinet of paper licences need: fix the few bad rows and import them again (numbers
already imported are refused as duplicates, so a re-import does not double anything).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import transaction
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.utils import get_column_letter

from zhengwu.kernel.actors import Actor
from zhengwu.kernel.audit import audit_record
from zhengwu.kernel.errors import DomainError, InvalidInput
from zhengwu.licences import policies, services
from zhengwu.licences.choices import LicenceSource
from zhengwu.licences.models import LicenceType

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 2000
BASE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("type_code", "证照类型代码", "Licence type code"),
    ("holder_name", "持证主体名称", "Holder's name"),
    ("holder_code", "持证主体代码（身份证号/统一社会信用代码）", "Holder code (ID number / USCC)"),
    ("holder_code_type", "代码类型（111/001，可空）", "Holder code type (111/001, optional)"),
    ("number", "证照编号", "Licence number"),
    ("issue_date", "签发日期", "Issue date"),
    ("valid_from", "有效期起（可空）", "Valid from (optional)"),
    ("valid_until", "有效期至（可空）", "Valid until (optional)"),
)
BASE_KEYS = tuple(key for key, _, _ in BASE_COLUMNS)
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class CellError:
    column: str  # the column key (e.g. "holder_code", "premises")
    letter: str  # the spreadsheet column letter, "" if the column is missing
    message: str
    message_en: str


@dataclass
class RowResult:
    row: int  # spreadsheet row number (2 = first data row)
    ok: bool
    identifier: str = ""
    licence_id: int | None = None
    errors: list[CellError] = field(default_factory=list)


@dataclass
class ImportReport:
    rows: list[RowResult] = field(default_factory=list)

    @property
    def imported(self) -> int:
        return sum(1 for r in self.rows if r.ok)

    @property
    def failed(self) -> int:
        return sum(1 for r in self.rows if not r.ok)

    def as_dict(self) -> dict[str, Any]:
        return {
            "imported": self.imported,
            "failed": self.failed,
            "rows": [
                {
                    "row": r.row,
                    "ok": r.ok,
                    "identifier": r.identifier,
                    "licence_id": r.licence_id,
                    "errors": [e.__dict__ for e in r.errors],
                }
                for r in self.rows
            ],
        }


# --- template -----------------------------------------------------------------------------------


def template_xlsx(licence_type: LicenceType | None = None) -> bytes:
    """An empty import sheet: the base columns and the metadata columns of one type (or of
    every active type when none is given), plus a 说明 sheet with the labels."""
    types = (
        [licence_type]
        if licence_type is not None
        else list(LicenceType.objects.filter(active=True).order_by("code"))
    )
    meta: dict[str, tuple[str, str]] = {}
    for t in types:
        for spec in t.metadata_schema or []:
            if spec["key"] not in meta and spec["key"] not in BASE_KEYS:
                required = "（必填）" if spec.get("required") else ""
                meta[spec["key"]] = (
                    f"{spec.get('label', spec['key'])}{required}",
                    str(spec.get("label_en", spec["key"])),
                )
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "证照"
    columns = [(k, zh, en) for k, zh, en in BASE_COLUMNS] + [
        (k, zh, en) for k, (zh, en) in meta.items()
    ]
    for n, (key, zh, en) in enumerate(columns, start=1):
        cell = sheet.cell(row=1, column=n, value=key)
        cell.comment = Comment(f"{zh}\n{en}", "zhengwu")
        sheet.column_dimensions[get_column_letter(n)].width = max(14, len(key) + 4)
    if licence_type is not None:
        sheet.cell(row=2, column=1, value=licence_type.code)
    notes = book.create_sheet("说明")
    notes.append(["列 / column", "说明", "description"])
    for key, zh, en in columns:
        notes.append([key, zh, en])
    notes.append([])
    notes.append(
        ["", "每行一张证照；日期为 YYYY-MM-DD。", "One licence per row; dates YYYY-MM-DD."]
    )
    if licence_type is None:
        notes.append([])
        notes.append(["type_code", "名称", "name"])
        for t in types:
            notes.append([t.code, t.name, t.name_en])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# --- import -------------------------------------------------------------------------------------


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value).strip()


def _date(value: Any, column: str, *, optional: bool) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    if not text:
        if optional:
            return None
        raise InvalidInput(f"{column} 必填", f"{column} is required", field=column)
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise InvalidInput(
            f"{column} 应为日期（YYYY-MM-DD）",
            f"{column} must be a date (YYYY-MM-DD)",
            field=column,
        ) from None


def _column_of(field_name: str | None) -> str:
    """The column key an error's field refers to."""
    name = field_name or ""
    if name.startswith("metadata."):
        return name.split(".", 1)[1]
    if name in ("department_id", "issuer_code"):
        return "type_code"
    return name or "row"


def _read_rows(content: bytes) -> tuple[list[str], list[tuple[int, list[Any]]]]:
    if not content:
        raise InvalidInput("请上传 xlsx 文件", "Upload an xlsx file", field="file")
    if len(content) > MAX_BYTES:
        raise InvalidInput(
            "文件超过 5 MB", "The file is larger than 5 MB", field="file", code="too_large"
        )
    if not content.startswith(b"PK"):
        raise InvalidInput("文件不是 xlsx 格式", "The file is not an xlsx workbook", field="file")
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a bad file
        raise InvalidInput(
            "文件无法读取：不是有效的 xlsx 文件",
            "The file is not a readable xlsx workbook",
            field="file",
        ) from None
    try:
        sheet = book.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header_row = next(rows, None)
        header = [_text(v) for v in (header_row or [])]
        while header and not header[-1]:
            header.pop()
        missing = [k for k in ("type_code", "holder_name", "holder_code") if k not in header]
        if missing:
            raise InvalidInput(
                f"第 1 行缺少列：{'、'.join(missing)}（请使用模板）",
                f"Row 1 lacks the columns: {', '.join(missing)} (use the template)",
                field="file",
            )
        if len(set(header)) != len(header):
            raise InvalidInput("第 1 行有重复的列", "Row 1 repeats a column", field="file")
        data: list[tuple[int, list[Any]]] = []
        for n, values in enumerate(rows, start=2):
            cells = list(values)[: len(header)]
            if not any(_text(v) for v in cells):
                continue
            if len(data) >= MAX_ROWS:
                raise InvalidInput(
                    f"一次最多导入 {MAX_ROWS} 行",
                    f"At most {MAX_ROWS} rows per file",
                    field="file",
                )
            data.append((n, cells + [None] * (len(header) - len(cells))))
    finally:
        book.close()
    return header, data


def import_licences_xlsx(
    content: bytes, *, user: Any, actor: Actor, department_id: int | None = None
) -> ImportReport:
    """Import every valid row; report each refused row with its row number and column."""
    department = services.issuing_department(user, department_id)
    policies.require_issue(user, department.uscc)
    header, data = _read_rows(content)
    letters = {key: get_column_letter(n) for n, key in enumerate(header, start=1)}
    report = ImportReport()
    for row_number, cells in data:
        values = dict(zip(header, cells, strict=True))
        result = RowResult(row=row_number, ok=False)
        try:
            type_code = _text(values.get("type_code"))
            metadata = {
                key: _text(value)
                for key, value in values.items()
                if key not in BASE_KEYS and _text(value)
            }
            issue_date = _date(values.get("issue_date"), "issue_date", optional=True)
            valid_from = _date(values.get("valid_from"), "valid_from", optional=True)
            valid_until = _date(values.get("valid_until"), "valid_until", optional=True)
            with transaction.atomic():
                licence = services.issue_direct(
                    user=user,
                    actor=actor,
                    type_code=type_code,
                    holder_name=_text(values.get("holder_name")),
                    holder_code=_text(values.get("holder_code")),
                    holder_code_type=_text(values.get("holder_code_type")) or None,
                    number=_text(values.get("number")),
                    metadata=metadata,
                    issue_date=issue_date,
                    valid_from=valid_from,
                    valid_until=valid_until,
                    department_id=department_id,
                    source=LicenceSource.IMPORT,
                )
            result.ok = True
            result.identifier = licence.identifier
            result.licence_id = licence.pk
        except DomainError as error:
            found = error.errors or []
            pairs = [(e.field, e.message, e.message_en) for e in found] or [
                (error.field, error.message, error.message_en)
            ]
            for field_name, message, message_en in pairs:
                column = _column_of(field_name)
                letter = letters.get(column, "")
                where = (
                    f"第 {row_number} 行 {letter} 列（{column}）"
                    if letter
                    else (f"第 {row_number} 行（{column}）")
                )
                where_en = (
                    f"row {row_number}, column {letter} ({column})"
                    if letter
                    else (f"row {row_number} ({column})")
                )
                result.errors.append(
                    CellError(column, letter, f"{where}：{message}", f"{where_en}: {message_en}")
                )
        report.rows.append(result)
    if report.imported:
        with transaction.atomic():
            audit_record(
                action="licence.bulk_imported",
                object_type="licence_import",
                object_id=str(getattr(user, "pk", "") or "cli"),
                actor=actor,
                after={"imported": report.imported, "failed": report.failed},
            )
    return report

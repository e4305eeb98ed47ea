"""The catalogue as an xlsx workbook, in the layout departments already use.

The workbook carries exactly the JSON document of ``docs/catalog-format.md`` (a lossless
round trip json → xlsx → json), spread over sheets with Chinese column headers:

========== ===================================================================
sheet      one row per
========== ===================================================================
事项        version of an implementation list; the item's columns (基本编码 …) are
           repeated on each of its versions' rows; an item without versions has one
           row with 实施编码 blank
材料        material of a version (实施编码 + 版本号 name the version)
情形        option of a situation (the situation's columns repeated on each option's
           row; a situation without options has one row with the option columns blank)
版本记录    history event of a version
主题        life event
一件事      bundle;  一件事成员: one row per bundle member
同义词      search synonym
说明        the header → field table (for people; ignored on import)
========== ===================================================================

Cells: text as text; integers as numbers; booleans as 是 / 否; date-times as ISO 8601 text
with their offset; lists of codes (服务对象, 办理形式, 服务主题, 所需材料) as comma-separated
codes; the nested JSON fields (办理流程 process_steps, 联办机构, 中介服务, 收费项目
fee_items, 特别程序, 常见问题 faqs, 允许的文件类型, 合并申请表 form_fields, 同义扩展) as JSON
text in the cell. An empty cell is "" for text, null for optional numbers and references,
[] for lists. Headers may also be written as the JSON field names.

Import reads the workbook into the JSON document and runs the JSON importer's validation;
every error is reported by sheet and cell (``材料!C17``), and nothing is written on any error.
"""

from __future__ import annotations

import io
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.utils import get_column_letter

from zhengwu.catalog.io import (
    FORMAT,
    FORMAT_VERSION,
    ImportReport,
    export_catalog,
    import_catalog,
    validate_catalog,
)
from zhengwu.kernel.actors import Actor
from zhengwu.kernel.errors import FieldError, InvalidInput

__all__ = [
    "SHEETS",
    "XlsxReading",
    "document_to_xlsx",
    "export_catalog_xlsx",
    "import_catalog_xlsx",
    "read_catalog_xlsx",
]

# Cell kinds: str, nstr (null when empty), int, nint, bool, json, codes, dt (null when empty),
# opt (text, key omitted from the JSON when empty).
Column = tuple[str, str, str]  # (header, field, kind)

VERSION_KEY_COLUMNS: list[Column] = [
    ("实施编码", "implementation_code", "str"),
    ("版本号", "version", "int"),
]

ITEM_COLUMNS: list[Column] = [
    ("基本编码", "basic_code", "str"),
    ("事项名称", "name", "str"),
    ("事项类型", "item_type", "str"),
    ("设定依据", "legal_basis", "str"),
    ("行使层级", "level", "int"),
]
VERSION_COLUMNS: list[Column] = [
    *VERSION_KEY_COLUMNS,
    ("状态", "status", "str"),
    ("变更类型", "change_kind", "str"),
    ("变更原因", "change_reason", "str"),
    ("基于版本", "based_on", "nint"),
    ("实施事项名称", "name", "str"),
    ("实施主体(统一社会信用代码)", "department", "str"),
    ("实施主体统一社会信用代码", "implementing_uscc", "str"),
    ("受委托部门", "entrusted_body", "str"),
    ("实施层级", "level", "int"),
    ("法定办结时限", "statutory_limit", "int"),
    ("法定时限单位", "statutory_limit_unit", "str"),
    ("法定时限说明", "statutory_limit_note", "str"),
    ("承诺办结时限", "promised_limit", "int"),
    ("承诺时限单位", "promised_limit_unit", "str"),
    ("承诺时限说明", "promised_limit_note", "str"),
    ("办件类型", "case_type", "str"),
    ("受理条件", "acceptance_conditions", "str"),
    ("办理流程", "process_steps", "json"),
    ("联办机构", "joint_bodies", "json"),
    ("中介服务", "intermediary_services", "json"),
    ("数量限制", "quantity_limit", "str"),
    ("审批结果名称", "result_name", "str"),
    ("审批结果样本", "result_sample", "opt"),
    ("结果电子证照类型代码", "result_licence_type", "str"),
    ("是否收费", "fee_charged", "bool"),
    ("收费依据", "fee_basis", "str"),
    ("收费项目", "fee_items", "json"),
    ("支持网上支付", "online_payment", "bool"),
    ("服务对象", "service_objects", "codes"),
    ("办理形式", "handling_forms", "codes"),
    ("通办范围", "handling_scope", "str"),
    ("特别程序", "special_procedures", "json"),
    ("支持预约办理", "appointment_supported", "bool"),
    ("支持物流快递", "delivery_by_post", "bool"),
    ("是否网办", "online_handling", "bool"),
    ("网上办理地址", "online_address", "str"),
    ("网办深度", "online_depth", "int"),
    ("办理地点", "place", "str"),
    ("办理时间", "hours", "str"),
    ("咨询电话", "consultation_phone", "str"),
    ("监督投诉电话", "complaint_phone", "str"),
    ("常见问题", "faqs", "json"),
    ("到办事现场次数", "visits_required", "int"),
    ("服务主题", "life_events", "codes"),
    ("进驻政务服务大厅", "in_hall", "bool"),
    ("列入进厅负面清单", "hall_negative_list", "bool"),
    ("负面清单理由", "hall_negative_reason", "str"),
    ("可告知承诺", "commitment_allowed", "bool"),
    ("可容缺受理", "deficiency_allowed", "bool"),
    ("全市通办", "citywide", "bool"),
    ("跨省通办", "cross_province", "bool"),
    ("周末不打烊", "weekend_service", "bool"),
    ("就近办下沉层级", "delegated_level", "str"),
    ("收件即受理", "accept_on_receipt", "bool"),
    ("生效时间", "effective_from", "dt"),
    ("发布时间", "published_at", "dt"),
    ("替代时间", "superseded_at", "dt"),
]
MATERIAL_COLUMNS: list[Column] = [
    ("材料标识", "key", "str"),
    ("材料名称", "name", "str"),
    ("出具单位", "issuing_body", "str"),
    ("必要", "required", "bool"),
    ("原件份数", "originals", "int"),
    ("复印件份数", "copies", "int"),
    ("纸质", "paper", "bool"),
    ("电子", "electronic", "bool"),
    ("填报须知", "notes", "str"),
    ("上传大小上限(KB)", "max_size_kb", "int"),
    ("允许的文件类型", "allowed_types", "json"),
    ("可替代的电子证照类型代码", "licence_type", "str"),
    ("可容缺", "deficiency_allowed", "bool"),
    ("排序", "sort_order", "int"),
    ("示例样表", "sample_file", "str"),
    ("空白表格", "blank_form", "str"),
]
SITUATION_COLUMNS: list[Column] = [
    ("情形标识", "key", "str"),
    ("问题", "question", "str"),
    ("前置选项", "parent_option", "nstr"),
    ("情形排序", "sort_order", "int"),
]
OPTION_COLUMNS: list[Column] = [
    ("选项标识", "key", "str"),
    ("选项", "label", "str"),
    ("所需材料", "materials", "codes"),
    ("附加条件", "conditions", "str"),
    ("承诺时限(覆盖)", "promised_limit", "nint"),
    ("法定时限(覆盖)", "statutory_limit", "nint"),
    ("选项排序", "sort_order", "int"),
]
EVENT_COLUMNS: list[Column] = [
    ("动作", "action", "str"),
    ("原状态", "from_status", "str"),
    ("新状态", "to_status", "str"),
    ("操作者", "actor_id", "str"),
    ("操作者名称", "actor_label", "str"),
    ("意见", "comment", "str"),
    ("时间", "occurred_at", "dt"),
]
LIFE_EVENT_COLUMNS: list[Column] = [
    ("编码", "code", "str"),
    ("名称", "name", "str"),
    ("服务对象", "audience", "str"),
    ("上级", "parent", "nstr"),
    ("说明", "description", "str"),
    ("排序", "sort_order", "int"),
]
BUNDLE_COLUMNS: list[Column] = [
    ("编码", "code", "str"),
    ("名称", "name", "str"),
    ("说明", "description", "str"),
    ("服务对象", "audience", "str"),
    ("所属主题", "life_event", "nstr"),
    ("牵头部门(统一社会信用代码)", "lead_department", "str"),
    ("承诺办结时限", "promised_limit", "int"),
    ("时限单位", "promised_limit_unit", "str"),
    ("启用", "active", "bool"),
    ("合并申请表", "form_fields", "json"),
]
MEMBER_COLUMNS: list[Column] = [
    ("一件事编码", "bundle", "str"),
    ("实施编码", "implementation_code", "str"),
    ("排序", "sort_order", "int"),
]
SYNONYM_COLUMNS: list[Column] = [
    ("用语", "term", "str"),
    ("同义扩展", "expansions", "json"),
    ("说明", "note", "str"),
]

SHEET_ITEMS, SHEET_MATERIALS, SHEET_SITUATIONS, SHEET_EVENTS = "事项", "材料", "情形", "版本记录"
SHEET_LIFE_EVENTS, SHEET_BUNDLES, SHEET_MEMBERS, SHEET_SYNONYMS = (
    "主题",
    "一件事",
    "一件事成员",
    "同义词",
)
SHEET_README = "说明"

SHEETS: dict[str, list[Column]] = {
    SHEET_ITEMS: ITEM_COLUMNS + VERSION_COLUMNS,
    SHEET_MATERIALS: VERSION_KEY_COLUMNS + MATERIAL_COLUMNS,
    SHEET_SITUATIONS: VERSION_KEY_COLUMNS + SITUATION_COLUMNS + OPTION_COLUMNS,
    SHEET_EVENTS: VERSION_KEY_COLUMNS + EVENT_COLUMNS,
    SHEET_LIFE_EVENTS: LIFE_EVENT_COLUMNS,
    SHEET_BUNDLES: BUNDLE_COLUMNS,
    SHEET_MEMBERS: MEMBER_COLUMNS,
    SHEET_SYNONYMS: SYNONYM_COLUMNS,
}

TRUE_WORDS = {"是", "true", "1", "y", "yes", "√"}
FALSE_WORDS = {"否", "false", "0", "n", "no", "×"}
CODE_SPLIT = re.compile(r"[,，、;；\s]+")


# --- writing -------------------------------------------------------------------------------


def _cell_value(value: Any, kind: str) -> Any:
    if kind in ("str", "nstr", "opt", "dt"):
        return value or None
    if kind in ("int", "nint"):
        return value
    if kind == "bool":
        return "是" if value else "否"
    if kind == "json":
        return json.dumps(value, ensure_ascii=False) if value else None
    if kind == "codes":
        return ",".join(value) if value else None
    raise ValueError(kind)


def _append(sheet: Any, columns: list[Column], *objects: dict[str, Any]) -> None:
    """One row from the fields of ``objects`` (later objects fill the later columns)."""
    values: list[Any] = []
    offset = 0
    for obj, width in zip(objects, _widths(columns, len(objects)), strict=True):
        for _header, name, kind in columns[offset : offset + width]:
            values.append(_cell_value(obj.get(name), kind) if obj else None)
        offset += width
    sheet.append(values)
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"  # text, never a formula


def _widths(columns: list[Column], parts: int) -> list[int]:
    if parts == 1:
        return [len(columns)]
    return _PART_WIDTHS[id(columns)][:parts]


_PART_WIDTHS: dict[int, list[int]] = {
    id(SHEETS[SHEET_ITEMS]): [len(ITEM_COLUMNS), len(VERSION_COLUMNS)],
    id(SHEETS[SHEET_MATERIALS]): [len(VERSION_KEY_COLUMNS), len(MATERIAL_COLUMNS)],
    id(SHEETS[SHEET_SITUATIONS]): [
        len(VERSION_KEY_COLUMNS),
        len(SITUATION_COLUMNS),
        len(OPTION_COLUMNS),
    ],
    id(SHEETS[SHEET_EVENTS]): [len(VERSION_KEY_COLUMNS), len(EVENT_COLUMNS)],
}


def document_to_xlsx(doc: dict[str, Any]) -> bytes:
    """The workbook of a (valid, canonical) catalogue document."""
    workbook = Workbook()
    sheets = {}
    first = True
    for title, columns in SHEETS.items():
        sheet = workbook.active if first else workbook.create_sheet()
        first = False
        sheet.title = title
        sheet.append([header for header, _name, _kind in columns])
        sheet.freeze_panes = "A2"
        sheets[title] = sheet
    for item in doc["items"]:
        if not item["versions"]:
            _append(sheets[SHEET_ITEMS], SHEETS[SHEET_ITEMS], item, {})
        for version in item["versions"]:
            key = {k: version[k] for k in ("implementation_code", "version")}
            _append(sheets[SHEET_ITEMS], SHEETS[SHEET_ITEMS], item, version)
            for material in version["materials"]:
                _append(sheets[SHEET_MATERIALS], SHEETS[SHEET_MATERIALS], key, material)
            for situation in version["situations"]:
                for option in situation["options"] or [{}]:
                    _append(
                        sheets[SHEET_SITUATIONS], SHEETS[SHEET_SITUATIONS], key, situation, option
                    )
            for event in version["events"]:
                _append(sheets[SHEET_EVENTS], SHEETS[SHEET_EVENTS], key, event)
    for life_event in doc["life_events"]:
        _append(sheets[SHEET_LIFE_EVENTS], LIFE_EVENT_COLUMNS, life_event)
    for bundle in doc["bundles"]:
        _append(sheets[SHEET_BUNDLES], BUNDLE_COLUMNS, bundle)
        for member in bundle["members"]:
            _append(sheets[SHEET_MEMBERS], MEMBER_COLUMNS, {**member, "bundle": bundle["code"]})
    for synonym in doc["synonyms"]:
        _append(sheets[SHEET_SYNONYMS], SYNONYM_COLUMNS, synonym)
    readme = workbook.create_sheet(SHEET_README)
    readme.append(["格式 format", FORMAT, "版本 format_version", FORMAT_VERSION])
    readme.append(["工作表 sheet", "列名 header", "字段 field", "单元格 cell"])
    for title, columns in SHEETS.items():
        for header, name, kind in columns:
            readme.append([title, header, name, kind])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def export_catalog_xlsx() -> bytes:
    return document_to_xlsx(export_catalog())


# --- reading -------------------------------------------------------------------------------


@dataclass
class XlsxReading:
    """The document read from a workbook, the errors met while reading it, and where each
    JSON object came from (so validation errors can name sheet and cell)."""

    document: dict[str, Any]
    errors: list[FieldError] = field(default_factory=list)
    places: dict[str, tuple[str, int, dict[str, str]]] = field(default_factory=dict)

    def locate(self, errors: list[FieldError]) -> list[FieldError]:
        return [self._locate_one(e) for e in errors]

    def _locate_one(self, error: FieldError) -> FieldError:
        path = error.field or ""
        candidate = path
        while candidate:
            place = self.places.get(candidate)
            if place is not None:
                sheet, row, columns = place
                rest = path[len(candidate) :].lstrip(".")
                name = re.split(r"[.\[]", rest, maxsplit=1)[0] if rest else ""
                column = columns.get(name, "A")
                return FieldError(
                    f"{sheet}!{column}{row}",
                    error.code,
                    f"{error.message}（{path}）",
                    f"{error.message_en} ({path})",
                )
            shorter = re.sub(r"(\.[^.\[]+|\[\d+\])$", "", candidate)
            if shorter == candidate:
                break
            candidate = shorter
        return error


def _text(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return value
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    return value


def _convert(value: Any, kind: str, where: str, errors: list[FieldError]) -> Any:
    if isinstance(value, str) and kind not in ("str", "opt", "json"):
        value = value.strip()
        if value == "":
            value = None
    if kind in ("str", "opt"):
        return _text(value)
    if kind == "nstr":
        return None if value is None else _text(value)
    if kind == "dt":
        return None if value is None else _text(value)
    if kind in ("int", "nint"):
        if value is None:
            return None
        if isinstance(value, float) and value.is_integer():
            return int(value)
        if isinstance(value, str) and re.fullmatch(r"-?\d+", value):
            return int(value)
        return value
    if kind == "bool":
        if isinstance(value, bool) or value is None:
            return value
        word = str(value).strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
        return value
    if kind == "codes":
        if value is None:
            return []
        return [code for code in CODE_SPLIT.split(str(value)) if code]
    if kind == "json":
        if value is None or (isinstance(value, str) and not value.strip()):
            return []
        try:
            return json.loads(value) if isinstance(value, str) else value
        except ValueError as error:
            errors.append(
                FieldError(
                    where,
                    "malformed_json",
                    f"单元格内容不是合法的 JSON：{error}",
                    f"the cell is not valid JSON: {error}",
                )
            )
            return []
    raise ValueError(kind)


class _Sheet:
    """Rows of one sheet as dicts keyed by field, with the row number and column letters."""

    def __init__(
        self, workbook: Any, title: str, columns: list[Column], errors: list[FieldError]
    ) -> None:
        self.title = title
        self.rows: list[tuple[int, list[Any]]] = []
        self.index: dict[tuple[int, str], int] = {}  # (part, field) → column index
        self.columns = columns
        if title not in workbook.sheetnames:
            errors.append(
                FieldError(
                    title,
                    "missing_sheet",
                    f"缺少工作表「{title}」",
                    f"the sheet {title!r} is missing",
                )
            )
            return
        sheet = workbook[title]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None) or ()
        positions: dict[str, int] = {}
        for n, text in enumerate(header):
            if isinstance(text, str) and text.strip():
                positions.setdefault(text.strip(), n)
        self.positions: list[int | None] = []
        for col_header, name, _kind in columns:
            position = positions.get(col_header)
            if position is None:
                position = positions.get(name) if name not in {"name", "level", "key"} else None
            if position is None:
                errors.append(
                    FieldError(
                        f"{title}!1",
                        "missing_column",
                        f"工作表「{title}」缺少列「{col_header}」",
                        f"the sheet {title!r} lacks the column {col_header!r} ({name})",
                    )
                )
            self.positions.append(position)
        for number, values in enumerate(rows, start=2):
            if values is None or all(v is None or v == "" for v in values):
                continue
            self.rows.append((number, list(values)))

    def letter(self, n: int) -> str:
        position = self.positions[n] if n < len(self.positions) else None
        return get_column_letter((position or 0) + 1)

    def part(
        self, values: list[Any], row: int, start: int, width: int, errors: list[FieldError]
    ) -> tuple[dict[str, Any], dict[str, str]]:
        obj: dict[str, Any] = {}
        letters: dict[str, str] = {}
        for n in range(start, start + width):
            _header, name, kind = self.columns[n]
            position = self.positions[n]
            raw = values[position] if position is not None and position < len(values) else None
            letters[name] = self.letter(n)
            value = _convert(raw, kind, f"{self.title}!{letters[name]}{row}", errors)
            if kind == "opt" and value == "":
                continue
            obj[name] = value
        return obj, letters


def read_catalog_xlsx(data: bytes | str | Path) -> XlsxReading:
    """Read a workbook into the JSON document (does not validate the catalogue rules)."""
    errors: list[FieldError] = []
    try:
        source = io.BytesIO(data) if isinstance(data, bytes) else data
        workbook = load_workbook(source, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a bad file
        raise InvalidInput(
            f"文件不是可读取的 xlsx 工作簿：{error}",
            f"The file is not a readable xlsx workbook: {error}",
            field="file",
            code="malformed_xlsx",
        ) from error
    doc: dict[str, Any] = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "life_events": [],
        "items": [],
        "bundles": [],
        "synonyms": [],
    }
    reading = XlsxReading(doc, errors)
    places = reading.places
    sheets = {title: _Sheet(workbook, title, columns, errors) for title, columns in SHEETS.items()}
    if errors:
        workbook.close()
        return reading

    # 事项 -----------------------------------------------------------------------------------
    sheet = sheets[SHEET_ITEMS]
    items: dict[Any, tuple[int, dict[str, Any]]] = {}
    versions: dict[tuple[Any, Any], str] = {}
    n_item = len(ITEM_COLUMNS)
    for row, values in sheet.rows:
        item, item_letters = sheet.part(values, row, 0, n_item, errors)
        version, version_letters = sheet.part(values, row, n_item, len(VERSION_COLUMNS), errors)
        code = item.get("basic_code")
        if code in items:
            index, first = items[code]
            for name, value in item.items():
                if value != first[name]:
                    errors.append(
                        FieldError(
                            f"{sheet.title}!{item_letters[name]}{row}",
                            "inconsistent_item",
                            f"同一基本编码 {code} 的各行中「{name}」不一致",
                            f"rows of basic code {code} disagree on {name}",
                        )
                    )
        else:
            index = len(doc["items"])
            first = {**item, "versions": []}
            items[code] = (index, first)
            doc["items"].append(first)
            places[f"items[{index}]"] = (sheet.title, row, item_letters)
        if version.get("implementation_code") in ("", None):
            continue
        version.update({"materials": [], "situations": [], "events": []})
        vpath = f"items[{index}].versions[{len(first['versions'])}]"
        first["versions"].append(version)
        places[vpath] = (sheet.title, row, version_letters)
        versions.setdefault((version["implementation_code"], version["version"]), vpath)

    def version_of(values: list[Any], row: int, sheet: _Sheet) -> tuple[dict, str] | None:
        key_obj, letters = sheet.part(values, row, 0, len(VERSION_KEY_COLUMNS), errors)
        vpath = versions.get((key_obj["implementation_code"], key_obj["version"]))
        if vpath is None:
            errors.append(
                FieldError(
                    f"{sheet.title}!{letters['implementation_code']}{row}",
                    "unknown_version",
                    f"事项表中没有实施编码 {key_obj['implementation_code']} 的版本 "
                    f"{key_obj['version']}",
                    f"the 事项 sheet has no version {key_obj['version']} of "
                    f"{key_obj['implementation_code']}",
                )
            )
            return None
        index, number = (int(x) for x in re.findall(r"\[(\d+)\]", vpath))
        return doc["items"][index]["versions"][number], vpath

    n_key = len(VERSION_KEY_COLUMNS)
    sheet = sheets[SHEET_MATERIALS]
    for row, values in sheet.rows:
        found = version_of(values, row, sheet)
        if found is None:
            continue
        version, vpath = found
        material, letters = sheet.part(values, row, n_key, len(MATERIAL_COLUMNS), errors)
        places[f"{vpath}.materials[{len(version['materials'])}]"] = (sheet.title, row, letters)
        version["materials"].append(material)

    sheet = sheets[SHEET_SITUATIONS]
    situation_paths: dict[tuple[str, Any], dict[str, Any]] = {}
    n_sit = len(SITUATION_COLUMNS)
    for row, values in sheet.rows:
        found = version_of(values, row, sheet)
        if found is None:
            continue
        version, vpath = found
        situation, s_letters = sheet.part(values, row, n_key, n_sit, errors)
        option, o_letters = sheet.part(values, row, n_key + n_sit, len(OPTION_COLUMNS), errors)
        existing = situation_paths.get((vpath, situation["key"]))
        if existing is None:
            spath = f"{vpath}.situations[{len(version['situations'])}]"
            existing = {**situation, "options": [], "_path": spath}
            situation_paths[(vpath, situation["key"])] = existing
            version["situations"].append(existing)
            places[spath] = (sheet.title, row, s_letters)
        else:
            for name, value in situation.items():
                if value != existing[name]:
                    errors.append(
                        FieldError(
                            f"{sheet.title}!{s_letters[name]}{row}",
                            "inconsistent_situation",
                            f"同一情形 {situation['key']} 的各行中「{name}」不一致",
                            f"rows of situation {situation['key']} disagree on {name}",
                        )
                    )
        if option.get("key") == "" and option.get("label") == "":
            continue  # a situation without options
        opath = f"{existing['_path']}.options[{len(existing['options'])}]"
        places[opath] = (sheet.title, row, o_letters)
        existing["options"].append(option)
    for situation in situation_paths.values():
        del situation["_path"]

    sheet = sheets[SHEET_EVENTS]
    for row, values in sheet.rows:
        found = version_of(values, row, sheet)
        if found is None:
            continue
        version, vpath = found
        event, letters = sheet.part(values, row, n_key, len(EVENT_COLUMNS), errors)
        places[f"{vpath}.events[{len(version['events'])}]"] = (sheet.title, row, letters)
        version["events"].append(event)

    simple: list[tuple[str, str, list[Column]]] = [
        (SHEET_LIFE_EVENTS, "life_events", LIFE_EVENT_COLUMNS),
        (SHEET_BUNDLES, "bundles", BUNDLE_COLUMNS),
        (SHEET_SYNONYMS, "synonyms", SYNONYM_COLUMNS),
    ]
    bundles: dict[Any, tuple[str, dict[str, Any]]] = {}
    for title, key, columns in simple:
        sheet = sheets[title]
        for row, values in sheet.rows:
            obj, letters = sheet.part(values, row, 0, len(columns), errors)
            path = f"{key}[{len(doc[key])}]"
            places[path] = (title, row, letters)
            if key == "bundles":
                obj["members"] = []
                bundles.setdefault(obj["code"], (path, obj))
            doc[key].append(obj)
    sheet = sheets[SHEET_MEMBERS]
    for row, values in sheet.rows:
        member, letters = sheet.part(values, row, 0, len(MEMBER_COLUMNS), errors)
        code = member.pop("bundle")
        if code not in bundles:
            errors.append(
                FieldError(
                    f"{sheet.title}!{letters['bundle']}{row}",
                    "unknown_bundle",
                    f"一件事表中没有编码为 {code} 的一件事",
                    f"the 一件事 sheet has no bundle {code}",
                )
            )
            continue
        path, bundle = bundles[code]
        places[f"{path}.members[{len(bundle['members'])}]"] = (sheet.title, row, letters)
        bundle["members"].append(member)
    workbook.close()
    return reading


def import_catalog_xlsx(data: bytes | str | Path, *, actor: Actor) -> ImportReport:
    """Read, validate everything (errors by sheet!cell), then import as the JSON importer."""
    reading = read_catalog_xlsx(data)
    if reading.errors:
        found = list(reading.errors)
        if not any(e.code in ("missing_sheet", "missing_column") for e in found):
            found += reading.locate(validate_catalog(reading.document))
        raise InvalidInput.from_errors(found)
    return import_catalog(reading.document, actor=actor, locate=reading.locate)

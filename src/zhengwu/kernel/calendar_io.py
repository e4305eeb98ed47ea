"""Load a year's official holiday schedule from a CSV or xlsx file.

The State Council's notice (国务院办公厅关于<year>年部分节假日安排的通知) arrives every
October–November; ``chinese-calendar`` lags behind it, so administrators load the new year
from a simple file with the columns ``date, kind, name``:

- ``date``: 2027-01-01, 2027/1/1, 2027年1月1日, 20270101 or an Excel date cell;
- ``kind``: ``holiday`` (also 休, 放假, 节假日, 法定节假日) or ``workday`` (also 班, 上班,
  补班, 调休上班, 调休上班日);
- ``name``: the holiday's name, e.g. 春节 (required).

A header row is optional (English or Chinese: 日期 / 类别 / 名称). Rows follow the
representation of :mod:`zhengwu.kernel.workdays`: only weekday holidays and weekend working
days. Everything is validated first and every error is reported with its row and column; on
any error nothing is written. On success the year's rows are replaced in one transaction,
the year is marked loaded (source ``file``) and the ``calendar.year_loaded`` event is emitted;
its handlers run after commit and recompute the provisional deadlines.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

from zhengwu.kernel.actors import Actor
from zhengwu.kernel.errors import ErrorCollector, InvalidInput
from zhengwu.kernel.workdays import (
    HOLIDAY,
    WORKDAY,
    CalendarDay,
    CalendarWarning,
    fixed_date_holidays,
    replace_year,
    statutory_holiday_days,
)

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_HOLIDAYS_PER_YEAR",
    "CalendarLoadResult",
    "RawRow",
    "load_calendar_file",
    "read_calendar_file",
    "validate_calendar_rows",
]

# Plausibility: with 13 statutory days, bridge days and the longest Spring Festival and
# National Day breaks, no year since 2004 has had more than 23 weekday holidays (2013).
MAX_HOLIDAYS_PER_YEAR = 40
MAX_FILE_BYTES = 1_000_000
MAX_ROWS = 400

_KINDS: dict[str, str] = {
    "holiday": HOLIDAY,
    "休": HOLIDAY,
    "放假": HOLIDAY,
    "假": HOLIDAY,
    "节假日": HOLIDAY,
    "法定节假日": HOLIDAY,
    "workday": WORKDAY,
    "班": WORKDAY,
    "上班": WORKDAY,
    "补班": WORKDAY,
    "调休上班": WORKDAY,
    "调休上班日": WORKDAY,
}
_HEADERS: dict[str, str] = {
    "date": "date",
    "日期": "date",
    "kind": "kind",
    "type": "kind",
    "类别": "kind",
    "类型": "kind",
    "name": "name",
    "名称": "name",
    "节日": "name",
    "节假日名称": "name",
}
_COLUMNS = ("date", "kind", "name")
_WEEKDAY_ZH = "一二三四五六日"
_DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


@dataclass(frozen=True)
class RawRow:
    """One data row as read from the file, with its 1-based row number in the file."""

    row: int
    date: Any
    kind: Any
    name: Any


@dataclass(frozen=True)
class CalendarLoadResult:
    year: int
    holidays: int
    workdays: int
    warnings: list[CalendarWarning] = field(default_factory=list)


def _file_error(code: str, message: str, message_en: str) -> InvalidInput:
    return InvalidInput(message, message_en, field="file", code=code)


# --- reading --------------------------------------------------------------------------------
def _read_bytes(source: IO[bytes] | Path | str | bytes) -> bytes:
    if isinstance(source, bytes):
        data = source
    elif isinstance(source, str | Path):
        with open(source, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    else:
        data = source.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES:
        raise _file_error(
            "calendar_file_too_large",
            f"文件过大（上限 {MAX_FILE_BYTES // 1000} KB）",
            f"The file is too large (limit {MAX_FILE_BYTES // 1000} KB)",
        )
    return data


def _csv_rows(data: bytes) -> list[list[Any]]:
    # Excel in Chinese locales saves CSV as GB18030 (GBK); everything else sends UTF-8.
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:  # pragma: no cover - gb18030 decodes any byte sequence
        raise _file_error("calendar_file_encoding", "无法识别文件编码", "Unknown file encoding")
    return [list(row) for row in csv.reader(io.StringIO(text))]


def _xlsx_rows(data: bytes) -> list[list[Any]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many types for a damaged file
        raise _file_error(
            "calendar_file_unreadable",
            "无法读取 xlsx 文件，请确认文件未损坏",
            "The xlsx file cannot be read; check that it is not damaged",
        ) from exc
    try:
        sheet = workbook.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    finally:
        workbook.close()


def read_calendar_file(
    source: IO[bytes] | Path | str | bytes, *, filename: str | None = None
) -> list[RawRow]:
    """Read the rows of a CSV or xlsx file (format from the name, else from the content)."""
    name = filename or (str(source) if isinstance(source, str | Path) else "")
    data = _read_bytes(source)
    is_xlsx = name.lower().endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04"
    table = _xlsx_rows(data) if is_xlsx else _csv_rows(data)

    def blank(cell: Any) -> bool:
        return cell is None or (isinstance(cell, str) and not cell.strip())

    numbered = [(i, row) for i, row in enumerate(table, start=1) if not all(map(blank, row))]
    if not numbered:
        raise _file_error("calendar_empty", "文件中没有任何数据行", "The file has no data rows")
    columns = {"date": 0, "kind": 1, "name": 2}
    first_row = numbered[0][1]
    labels = [str(c).strip().lower() if c is not None else "" for c in first_row]
    if any(label in _HEADERS for label in labels):
        columns = {}
        for index, label in enumerate(labels):
            if label in _HEADERS:
                columns.setdefault(_HEADERS[label], index)
        missing = [c for c in _COLUMNS if c not in columns]
        if missing:
            raise _file_error(
                "calendar_columns",
                f"表头缺少列：{', '.join(missing)}（需要 日期/date、类别/kind、名称/name）",
                f"The header lacks the column(s) {', '.join(missing)} "
                "(date/日期, kind/类别, name/名称 are needed)",
            )
        numbered = numbered[1:]
    if len(numbered) > MAX_ROWS:
        raise _file_error(
            "calendar_too_many_rows",
            f"数据行过多（上限 {MAX_ROWS} 行）",
            f"Too many rows (limit {MAX_ROWS})",
        )

    def cell(row: Sequence[Any], column: str) -> Any:
        index = columns[column]
        return row[index] if index < len(row) else None

    return [
        RawRow(number, cell(row, "date"), cell(row, "kind"), cell(row, "name"))
        for number, row in numbered
    ]


# --- validating ------------------------------------------------------------------------------
def _parse_date(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if value is None:
        return None
    text = str(value).strip()
    for pattern in _DATE_PATTERNS:
        match = pattern.match(text)
        if match:
            try:
                return date(*(int(part) for part in match.groups()))
            except ValueError:
                return None
    return None


def _where(row: int, column: str) -> tuple[str, str, str]:
    """(field, zh prefix, en prefix) naming a cell."""
    return f"rows.{row}.{column}", f"第 {row} 行 {column} 列：", f"Row {row}, column {column}: "


def validate_calendar_rows(
    rows: Iterable[RawRow], *, year: int | None = None
) -> tuple[int, list[CalendarDay], list[CalendarWarning]]:
    """Check every rule and return (year, days, warnings), or raise every error at once.

    ``year`` is the declared year; when omitted, the year of the first valid date is used
    and every other date must be in it too.
    """
    errors = ErrorCollector()
    parsed: list[tuple[int, date, str, str]] = []
    for raw in rows:
        day = _parse_date(raw.date)
        kind = _KINDS.get(str(raw.kind).strip().lower()) if raw.kind is not None else None
        name = str(raw.name).strip() if raw.name is not None else ""
        if day is None:
            f, zh, en = _where(raw.row, "date")
            errors.add(
                f,
                "calendar_date",
                f"{zh}“{raw.date if raw.date is not None else ''}”不是有效日期（如 2027-01-01）",
                f"{en}{raw.date!r} is not a valid date (use e.g. 2027-01-01)",
            )
        if kind is None:
            f, zh, en = _where(raw.row, "kind")
            errors.add(
                f,
                "calendar_kind",
                f"{zh}类别“{raw.kind if raw.kind is not None else ''}”无效，"
                "应为 休/holiday 或 班/workday",
                f"{en}kind {raw.kind!r} is not holiday (休) or workday (班)",
            )
        if not name:
            f, zh, en = _where(raw.row, "name")
            errors.add(f, "calendar_name", f"{zh}名称不能为空", f"{en}the name is required")
        elif len(name) > 64:
            f, zh, en = _where(raw.row, "name")
            errors.add(
                f,
                "calendar_name",
                f"{zh}名称不能超过 64 个字",
                f"{en}the name exceeds 64 characters",
            )
        if day is not None and kind is not None:
            parsed.append((raw.row, day, kind, name))

    if year is None and parsed:
        year = parsed[0][1].year
    seen: dict[date, int] = {}
    for row, day, kind, _name in parsed:
        f, zh, en = _where(row, "date")
        if day.year != year:
            errors.add(
                f,
                "calendar_year_mismatch",
                f"{zh}{day} 不属于 {year} 年",
                f"{en}{day} is not in {year}",
            )
        if day in seen:
            errors.add(
                f,
                "calendar_duplicate",
                f"{zh}日期 {day} 与第 {seen[day]} 行重复",
                f"{en}{day} repeats row {seen[day]}",
            )
        else:
            seen[day] = row
        weekday = day.weekday()
        if kind == WORKDAY and weekday < 5:
            errors.add(
                f,
                "calendar_workday_weekday",
                f"{zh}{day} 是星期{_WEEKDAY_ZH[weekday]}，调休上班日只能是星期六或星期日",
                f"{en}{day} is a {day:%A}; an adjusted working day must be a Saturday or Sunday",
            )
        if kind == HOLIDAY and weekday >= 5:
            # Weekend days are rest days already; a row would say nothing and usually means
            # the file mixed up 休 and 班 or shifted a date.
            errors.add(
                f,
                "calendar_holiday_weekend",
                f"{zh}{day} 是星期{_WEEKDAY_ZH[weekday]}，本来就休息，请只列出放假的工作日"
                f"（周末不必列出）",
                f"{en}{day} is a {day:%A}, a rest day anyway: list only the weekdays off",
            )

    if not parsed and not errors.errors:
        raise _file_error("calendar_empty", "文件中没有任何数据行", "The file has no data rows")
    warnings: list[CalendarWarning] = []
    if year is not None and parsed:
        holidays = {day for _r, day, kind, _n in parsed if kind == HOLIDAY and day.year == year}
        workdays = {day for _r, day, kind, _n in parsed if kind == WORKDAY and day.year == year}
        if len(holidays) > MAX_HOLIDAYS_PER_YEAR:
            errors.add(
                "file",
                "calendar_too_many_holidays",
                f"{year} 年列出了 {len(holidays)} 个放假工作日，超过合理上限 "
                f"{MAX_HOLIDAYS_PER_YEAR}，请核对",
                f"{len(holidays)} weekdays off in {year} exceeds the plausible maximum of "
                f"{MAX_HOLIDAYS_PER_YEAR}",
            )
        for month, dom, label in fixed_date_holidays(year):
            fixed = date(year, month, dom)
            if fixed.weekday() < 5 and fixed not in holidays:
                # 《全国年节及纪念日放假办法》 fixes these dates; a schedule without them is wrong.
                errors.add(
                    "file",
                    "calendar_fixed_holiday_missing",
                    f"缺少法定节假日 {fixed}（{label}），该日为工作日，应列为放假",
                    f"The statutory holiday {fixed} ({label}) falls on a weekday but is missing",
                )
        if len(workdays) > len(holidays):
            errors.add(
                "file",
                "calendar_too_many_workdays",
                f"调休上班日（{len(workdays)} 天）多于放假工作日（{len(holidays)} 天），"
                "可能把 休 和 班 弄反了",
                f"More adjusted working days ({len(workdays)}) than weekdays off "
                f"({len(holidays)}): holiday and workday may be swapped",
            )
        expected = statutory_holiday_days(year)
        net = len(holidays) - len(workdays)
        if net != expected:
            warnings.append(
                CalendarWarning(
                    code="calendar_unusual_total",
                    year=year,
                    message=f"放假工作日减调休上班日为 {net} 天，通常应为 {expected} 天"
                    "（法定节假日天数），请与国务院通知核对",
                    message_en=f"Weekdays off minus adjusted working days is {net}, normally "
                    f"{expected} (the statutory holiday days); check against the notice",
                )
            )
    errors.raise_if_any()
    assert year is not None
    days = [CalendarDay(day, kind, name) for _r, day, kind, name in parsed]
    return year, sorted(days, key=lambda d: d.date), warnings


# --- loading ---------------------------------------------------------------------------------
def load_calendar_file(
    source: IO[bytes] | Path | str | bytes,
    *,
    year: int | None = None,
    filename: str | None = None,
    note: str = "",
    actor: Actor | None = None,
) -> CalendarLoadResult:
    """Validate a schedule file and, only if all of it is valid, replace that year's rows."""
    from zhengwu.kernel.models import CalendarYearSource

    rows = read_calendar_file(source, filename=filename)
    loaded_year, days, warnings = validate_calendar_rows(rows, year=year)
    if not note and (filename or isinstance(source, str | Path)):
        note = f"导入文件 / file {Path(filename or str(source)).name}"
    replace_year(loaded_year, days, source=CalendarYearSource.FILE, note=note, actor=actor)
    return CalendarLoadResult(
        year=loaded_year,
        holidays=sum(1 for d in days if d.kind == HOLIDAY),
        workdays=sum(1 for d in days if d.kind == WORKDAY),
        warnings=warnings,
    )

"""Indicator dashboard pages, mounted at ``/workbench/metrics/`` (namespace ``metrics``).

The pages read the monthly rollups and snapshots only (``selectors``). Any member of staff
may look; others get 403. A bad scope or month re-renders the page with the message
(Chinese and English), status 422 and the district's current month; the exports answer 422
with the message as text.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop
from django.views.decorators.http import require_GET

from zhengwu.cases.choices import Channel
from zhengwu.kernel.errors import DomainError, NotAllowed, http_status
from zhengwu.metrics import selectors
from zhengwu.metrics.indicators import Value
from zhengwu.metrics.models import ScopeKind
from zhengwu.org import selectors as org_selectors

NAV = "metrics"
CHART_KEYS = (
    "fully_online_rate",
    "on_time_rate",
    "satisfaction_rate",
    "rectification_rate",
    "hotline_on_time_rate",
    "hotline_satisfaction_rate",
)


def _viewer(request: HttpRequest) -> None:
    try:
        selectors.require_viewer(request.user)
    except NotAllowed as error:
        raise PermissionDenied from error


def _url(scope: str, month: date, name: str = "metrics:dashboard") -> str:
    return reverse(name) + "?" + urlencode({"scope": scope, "month": month.strftime("%Y-%m")})


def _parse(request: HttpRequest) -> tuple[selectors.Scope, date]:
    scope = selectors.parse_scope(request.GET.get("scope"))
    month = selectors.parse_month(request.GET.get("month"))
    return scope, month


def display(value: Value) -> str:
    """The value as shown in tables and exports ("—" and a reason when there is none)."""
    if value.status == "ok" and value.value is not None:
        unit = value.indicator.unit
        number = f"{value.value:g}" if value.indicator.digits else f"{int(value.value)}"
        return f"{number}%" if unit == "%" else number
    if value.status == "unavailable":
        return _(value.indicator.awaiting)
    if value.status == "not_applicable":
        return _("Not applicable")
    return _("No data")


RAG_WORDS = {
    "green": gettext_noop("On target"),
    "amber": gettext_noop("Near target"),
    "red": gettext_noop("Off target"),
    "none": "",
}


def _rows(report: selectors.Report) -> list[dict[str, Any]]:
    query = {"scope": report.scope.param, "month": report.month.strftime("%Y-%m")}
    rows = []
    for row in report.rows:
        target = row.indicator.target
        rows.append(
            {
                "key": row.indicator.key,
                "name": _(row.indicator.name),
                "definition": _(row.indicator.definition),
                "value": display(row.current),
                "status": row.current.status,
                "numerator": row.current.numerator,
                "denominator": row.current.denominator,
                "unit": row.indicator.unit,
                "target": target.text if target else "",
                "target_source": _(target.source) if target else "",
                "rag": row.current.rag,
                "rag_word": _(RAG_WORDS[row.current.rag]) if RAG_WORDS[row.current.rag] else "",
                "trend": [(m, display(v)) for m, v in row.trend],
                "drill_url": (
                    reverse("metrics:cases")
                    + "?"
                    + urlencode({**query, "kind": DRILL_FOR[row.indicator.key]})
                    if row.indicator.key in DRILL_FOR and row.current.status == "ok"
                    else ""
                ),
            }
        )
    return rows


def _reverse(name: str, *args: Any) -> str:
    try:
        return reverse(name, args=args)
    except NoReverseMatch:  # an app not wired in this deployment
        return ""


def _drill(scope: selectors.Scope, month: date) -> list[tuple[str, str]]:
    """Links to the records behind the numbers, on the pages that list them."""
    links: list[tuple[str, str]] = []
    hotline = _reverse("hotline_analytics:tickets")
    if hotline and scope.kind != ScopeKind.ITEM:
        last = min(selectors.next_month(month) - timedelta(days=1), timezone.localdate())
        params = {"start": month.isoformat(), "end": max(last, month).isoformat()}
        if scope.kind == ScopeKind.DEPARTMENT:
            params["department"] = scope.key
        links.append((hotline + "?" + urlencode(params), _("12345 tickets of the month")))
    guide = _reverse("catalog:guide", scope.key) if scope.kind == ScopeKind.ITEM else ""
    if guide:
        links.append((guide, _("The item's guide")))
    three_100 = _reverse("ratings_workbench:three_100")
    if three_100:
        links.append((three_100, _("Bad-review rectification (three 100%)")))
    search = _reverse("cases_workbench:search")
    if search:
        links.append((search, _("Case search")))
    return links


def _breakdowns(scope: selectors.Scope, month: date) -> list[dict[str, Any]]:
    indicators = selectors.breakdown_indicators()
    wanted: list[tuple[str, str, int | None]] = []
    if scope.kind == ScopeKind.DISTRICT:
        wanted = [
            (ScopeKind.DEPARTMENT, _("Departments"), None),
            (ScopeKind.STREET, _("Streets"), None),
        ]
    elif scope.kind == ScopeKind.DEPARTMENT:
        wanted = [(ScopeKind.ITEM, _("Items of this department"), int(scope.key))]
    tables = []
    for kind, title, department_id in wanted:
        rows = selectors.breakdown(kind, month, department_id=department_id)
        tables.append(
            {
                "kind": kind,
                "title": title,
                "headers": [_(i.name) for i in indicators],
                "rows": [
                    {
                        "label": r.scope.label,
                        "url": _url(r.scope.param, month),
                        "cells": [{"text": display(v), "rag": v.rag} for v in r.values],
                        "values": r.values,
                    }
                    for r in rows
                ],
            }
        )
    return tables


RANKING_KEY = "on_time_rate"
RANKING_TOP = 15


def _ranking(breakdowns: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Departments ranked by on-time completion (the bar chart; its table is the breakdown)."""
    table = next((t for t in breakdowns if t["kind"] == ScopeKind.DEPARTMENT), None)
    keys = [i.key for i in selectors.breakdown_indicators()]
    if table is None or RANKING_KEY not in keys:
        return None
    column = keys.index(RANKING_KEY)
    ranked = sorted(
        (
            (row["values"][column].value, row["label"])
            for row in table["rows"]
            if row["values"][column].status == "ok" and row["values"][column].value is not None
        ),
        key=lambda pair: (-pair[0], pair[1]),
    )[:RANKING_TOP]
    if not ranked:
        return None
    return {
        "indicator": table["headers"][column],
        "labels": [label for _value, label in reversed(ranked)],
        "values": [value for value, _label in reversed(ranked)],
    }


def _chart(report: selectors.Report) -> dict[str, Any]:
    series = [
        {
            "name": _(row.indicator.name),
            "data": [v.value if v.status == "ok" else None for _m, v in row.trend],
        }
        for row in report.rows
        if row.indicator.key in CHART_KEYS
    ]
    return {"months": [m.strftime("%Y-%m") for m in report.months], "series": series}


def _context(scope: selectors.Scope, month: date) -> dict[str, Any]:
    report = selectors.report(scope, month)
    rows = _rows(report)
    query = urlencode({"scope": scope.param, "month": month.strftime("%Y-%m")})
    breakdowns = _breakdowns(scope, month)
    parents: list[tuple[str, str]] = [(_url("district", month), _("District"))]
    if scope.kind == ScopeKind.ITEM and scope.department_id:
        parents.append((_url(f"department:{scope.department_id}", month), _("Department")))
    return {
        "nav_active": NAV,
        "report": report,
        "scope": scope,
        "month": month,
        "rows": rows,
        "chart_data": _chart(report),
        "chart_rows": [r for r in rows if r["key"] in CHART_KEYS],
        "breakdowns": breakdowns,
        "ranking_data": _ranking(breakdowns),
        "drill_links": _drill(scope, month),
        "parents": parents if scope.kind != ScopeKind.DISTRICT else [],
        "csv_url": reverse("metrics:export_csv") + "?" + query,
        "xlsx_url": reverse("metrics:export_xlsx") + "?" + query,
        "api_url": "/api/v1/metrics/indicators?" + query,
        "months": selectors.available_months(),
        **selectors.scope_options(),
    }


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    _viewer(request)
    error: DomainError | None = None
    try:
        scope, month = _parse(request)
    except DomainError as exc:
        error = exc
        scope, month = selectors.parse_scope(""), selectors.parse_month("")
    context = _context(scope, month)
    context["error"] = error
    return render(
        request,
        "metrics/dashboard.html",
        context,
        status=http_status(error) if error else 200,
    )


def _export_report(request: HttpRequest) -> selectors.Report | HttpResponse:
    """The report an export asks for, or a plain-text 4xx naming the bad parameter."""
    _viewer(request)
    try:
        scope, month = _parse(request)
    except DomainError as error:
        message = f"{error.message} / {error.message_en} ({error.field})"
        return HttpResponse(message, status=http_status(error), content_type="text/plain")
    return selectors.report(scope, month)


def _table(report: selectors.Report) -> tuple[list[str], list[list[Any]], str]:
    scope, month = report.scope, report.month
    headers = [
        _("Indicator"), _("Key"), _("Value"), _("Numerator"), _("Denominator"), _("Unit"),
        _("Target"), _("Status"), _("Source of the target"), _("Scope"), _("Month"),
    ]  # fmt: skip
    body = []
    for row in _rows(report):
        body.append(
            [
                row["name"], row["key"], row["value"], row["numerator"], row["denominator"],
                row["unit"], row["target"], row["rag_word"] or row["status"],
                row["target_source"], scope.label or scope.param, month.strftime("%Y-%m"),
            ]
        )  # fmt: skip
    name = f"indicators-{scope.param.replace(':', '-')}-{month:%Y-%m}"
    return headers, body, name


def _safe(value: Any) -> Any:
    """Spreadsheet-safe: text starting like a formula is prefixed with an apostrophe."""
    if isinstance(value, str) and value.startswith(("=", "+", "-", "@")):
        return "'" + value
    return "" if value is None else value


@login_required
@require_GET
def export_csv(request: HttpRequest) -> HttpResponse:
    report = _export_report(request)
    if isinstance(report, HttpResponse):
        return report
    headers, body, name = _table(report)
    out = io.StringIO()
    out.write("\ufeff")  # BOM: spreadsheet programs then read UTF-8 Chinese correctly
    writer = csv.writer(out)
    writer.writerow(headers)
    for line in body:
        writer.writerow([_safe(v) for v in line])
    response = HttpResponse(out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.csv")
    return response


@login_required
@require_GET
def export_xlsx(request: HttpRequest) -> HttpResponse:
    """Every table of the dashboard, one sheet each: the indicators, the monthly trend of
    every indicator, and the breakdowns shown for the scope (departments, streets, items)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    report = _export_report(request)
    if isinstance(report, HttpResponse):
        return report
    headers, body, name = _table(report)
    scope, month = report.scope, report.month
    sheets: list[tuple[str, list[Any], list[list[Any]]]] = [(_("Indicators"), headers, body)]
    sheets.append(
        (
            _("Trend"),
            [_("Indicator"), *(m.strftime("%Y-%m") for m in report.months)],
            [[r["name"], *(text for _m, text in r["trend"])] for r in _rows(report)],
        )
    )
    for breakdown in _breakdowns(scope, month):
        sheets.append(
            (
                str(breakdown["title"]),
                [_("Name"), *breakdown["headers"]],
                [[r["label"], *(c["text"] for c in r["cells"])] for r in breakdown["rows"]],
            )
        )
    workbook = Workbook()
    workbook.remove(workbook.active)
    for title, head, lines in sheets:
        sheet = workbook.create_sheet(title=title[:31])
        sheet.append([str(h) for h in head])
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for line in lines:
            sheet.append([_safe(v) for v in line])
        sheet.freeze_panes = "B2"
    data = io.BytesIO()
    workbook.save(data)
    response = HttpResponse(
        data.getvalue(),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = content_disposition_header(True, f"{name}.xlsx")
    return response


CHANNEL_LABELS = dict(Channel.choices)
DRILL_TITLES = {
    "late": gettext_noop("Cases concluded after their due date"),
    "open_overdue": gettext_noop("Open cases past their due date"),
    "not_fully_online": gettext_noop("Concluded cases not handled fully online"),
    "concluded": gettext_noop("Concluded cases"),
}
# which indicator row links to which list
DRILL_FOR = {
    "overdue_cases": "late",
    "on_time_rate": "late",
    "fully_online_rate": "not_fully_online",
    "average_visits": "not_fully_online",
}


@login_required
@require_GET
def cases(request: HttpRequest) -> HttpResponse:
    """Drill-down: the cases behind a case indicator (at most 100, newest first)."""
    _viewer(request)
    error: DomainError | None = None
    kind = (request.GET.get("kind") or "late").strip()
    try:
        scope, month = _parse(request)
        lines = selectors.drill_cases(scope, month, kind)
    except DomainError as exc:
        error = exc
        scope, month, kind = selectors.parse_scope(""), selectors.parse_month(""), "late"
        lines = selectors.drill_cases(scope, month, kind)
    names = dict(
        org_selectors.departments(include_inactive=True)
        .filter(pk__in={line.department_id for line in lines if line.department_id})
        .values_list("pk", "name")
    )
    rows = [
        {
            "line": line,
            "url": _reverse("cases_workbench:detail", line.pk),
            "department": names.get(line.department_id, ""),
            "channel": CHANNEL_LABELS.get(line.channel, line.channel),
        }
        for line in lines
    ]
    query = {"scope": scope.param, "month": month.strftime("%Y-%m")}
    return render(
        request,
        "metrics/cases.html",
        {
            "nav_active": NAV,
            "scope": scope,
            "month": month,
            "kind": kind,
            "title": _(DRILL_TITLES[kind]),
            "kinds": [
                (k, _(t), reverse("metrics:cases") + "?" + urlencode({**query, "kind": k}))
                for k, t in DRILL_TITLES.items()
            ],
            "rows": rows,
            "limit": selectors.DRILL_LIMIT,
            "dashboard_url": reverse("metrics:dashboard") + "?" + urlencode(query),
            "error": error,
        },
        status=http_status(error) if error else 200,
    )

"""Hotline analytics pages, mounted at ``/workbench/hotline/analytics/`` (``hotline_analytics``).

The dashboard reads the daily aggregates (``analytics``), never the raw tickets, except for
hot topics (cached per day), repeat callers and the drill-down ticket list, which read
bounded ranges through indexes. Who may look is :func:`analytics.analytics_scope`: the
hotline centre, supervisors and administrators see the district, a department head their
department; everyone else gets 403. Bad filters re-render the page with the message
(Chinese and English) and status 422.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from zhengwu.hotline import analytics
from zhengwu.hotline.choices import Category, TicketStatus
from zhengwu.kernel.errors import DomainError, InvalidInput, NotAllowed, http_status
from zhengwu.kernel.masking import mask_text
from zhengwu.org import selectors as org_selectors
from zhengwu.org.choices import AdministrativeLevel

NAV = "hotline_analytics"
DEFAULT_DAYS = 30
TOP_DEPARTMENTS = 15
HEAT_LEVELS = 4


def _scope(request: HttpRequest) -> int | None:
    try:
        return analytics.analytics_scope(request.user)
    except NotAllowed as error:
        raise PermissionDenied from error


def ticket_url(number: str) -> str:
    """The agent console's ticket page (it decides what the viewer may see there)."""
    return reverse("hotline_console:ticket", args=[number])


def _day(text: str, name: str, default: date) -> date:
    text = (text or "").strip()
    if not text:
        return default
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise InvalidInput(
            "日期格式应为 YYYY-MM-DD", "Dates are written YYYY-MM-DD", field=name
        ) from None


def _id(text: str, name: str) -> int | None:
    text = (text or "").strip()
    if not text:
        return None
    if not text.isascii() or not text.isdigit() or len(text) > 9:
        raise InvalidInput("编号应为整数", "An id is a whole number", field=name)
    return int(text)


def _parse(request: HttpRequest, department_scope: int | None) -> analytics.StatFilter:
    today = timezone.localdate()
    end = _day(request.GET.get("end", ""), "end", today)
    start = _day(request.GET.get("start", ""), "start", end - timedelta(days=DEFAULT_DAYS - 1))
    department_id = _id(request.GET.get("department", ""), "department")
    street_id = _id(request.GET.get("street", ""), "street")
    f = analytics.StatFilter(
        start=start,
        end=end,
        category=(request.GET.get("category") or "").strip(),
        department_id=department_id,
        street_id=street_id,
    )
    return f.scoped(department_scope)


def _default_filter(department_scope: int | None) -> analytics.StatFilter:
    today = timezone.localdate()
    f = analytics.StatFilter(start=today - timedelta(days=DEFAULT_DAYS - 1), end=today)
    return f.scoped(department_scope)


def _query(f: analytics.StatFilter, **extra: Any) -> str:
    params: dict[str, Any] = {"start": f.start.isoformat(), "end": f.end.isoformat()}
    if f.category:
        params["category"] = f.category
    if f.department_id is not None:
        params["department"] = f.department_id
    if f.street_id is not None:
        params["street"] = f.street_id
    for key, value in extra.items():
        if value is None:
            params.pop(key, None)
        elif value != "":
            params[key] = value
    return urlencode(params)


def _list_url(f: analytics.StatFilter, **extra: Any) -> str:
    return reverse("hotline_analytics:tickets") + "?" + _query(f, **extra)


def _options(department_scope: int | None) -> dict[str, Any]:
    streets = list(
        org_selectors.regions(level=AdministrativeLevel.STREET).values_list("pk", "name")
    )
    if department_scope is None:
        departments = list(org_selectors.departments().values_list("pk", "name"))
    else:
        departments = list(
            org_selectors.departments(include_inactive=True)
            .filter(pk=department_scope)
            .values_list("pk", "name")
        )
    return {
        "category_options": Category.choices,
        "department_options": departments,
        "street_options": streets,
    }


def _heat_level(value: int, maximum: int) -> int:
    if not value or not maximum:
        return 0
    return max(1, -(-value * HEAT_LEVELS // maximum))  # 1…4, rounding up


HEAT_WORDS = {
    0: "",
    1: gettext_noop("Low"),
    2: gettext_noop("Medium"),
    3: gettext_noop("High"),
    4: gettext_noop("Highest"),
}


def _dashboard_context(
    request: HttpRequest, f: analytics.StatFilter, department_scope: int | None
) -> dict[str, Any]:
    total = analytics.totals(f)
    trend = analytics.volume_by_day(f)
    departments = analytics.by_department(f)
    categories = analytics.by_category(f)
    heat = analytics.heat_table(f)
    today = timezone.localdate()
    hot_day = min(f.end, today)
    hot = analytics.hot_topics(day=hot_day, department_id=department_scope)
    callers = analytics.repeat_callers(f)
    for row in departments:
        row.url = _list_url(f, department=row.key) if row.key is not None else ""
    for row in categories:
        row.url = _list_url(f, category=row.key)
    for row in trend:
        row.url = _list_url(f, start=row.key.isoformat(), end=row.key.isoformat())
    heat_rows = [
        {
            "label": label,
            "url": _list_url(f, street=street_id) if street_id is not None else "",
            "total": row_total,
            "cells": [
                {
                    "value": value,
                    "level": _heat_level(value, heat.maximum),
                    "word": HEAT_WORDS[_heat_level(value, heat.maximum)],
                    "url": _list_url(f, street=street_id, category=category)
                    if street_id is not None and value
                    else "",
                }
                for value, (category, _label) in zip(values, heat.categories, strict=True)
            ],
        }
        for label, street_id, values, row_total in heat.rows
    ]
    ranked = departments[:TOP_DEPARTMENTS]
    chart_data = {
        "trend": {
            "days": [row.label for row in trend],
            "received": [row.received for row in trend],
            "closed": [row.closed for row in trend],
            "names": {"received": _("Received"), "closed": _("Closed")},
        },
        "departments": {
            "names": [
                row.label if row.key is not None else _("Not yet dispatched") for row in ranked
            ],
            "received": [row.received for row in ranked],
            "close_rate": [row.close_rate for row in ranked],
            "sign_rate": [row.sign_rate for row in ranked],
            "labels": {
                "received": _("Received"),
                "close_rate": _("On-time completion %"),
                "sign_rate": _("On-time sign-for %"),
            },
        },
    }
    return {
        "nav_active": NAV,
        "nav_page": "dashboard",
        "filter": f,
        "department_scope": department_scope,
        "total": total,
        "trend": trend,
        "departments": ranked,
        "more_departments": len(departments) - len(ranked),
        "categories": categories,
        "heat": heat,
        "heat_rows": heat_rows,
        "hot_topics": [
            {"topic": t, "links": [(n, ticket_url(n)) for n in t.examples]} for t in hot
        ],
        "hot_day": hot_day,
        "hot_from": hot_day - timedelta(days=6),
        "repeat_callers": [
            {"caller": c, "links": [(n, ticket_url(n)) for n in c.last_numbers]} for c in callers
        ],
        "repeat_min": analytics.REPEAT_MIN_TICKETS,
        "chart_data": chart_data,
        "list_url": _list_url(f),
        "report_day": hot_day,
        "report_url": reverse("hotline_analytics:report") + f"?day={hot_day.isoformat()}",
        **_options(department_scope),
    }


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    scope = _scope(request)
    error: DomainError | None = None
    try:
        f = _parse(request, scope)
    except DomainError as exc:
        error, f = exc, _default_filter(scope)
    context = _dashboard_context(request, f, scope)
    context["error"] = error
    context["values"] = request.GET if error else {}
    return render(
        request,
        "hotline/analytics/dashboard.html",
        context,
        status=http_status(error) if error else 200,
    )


STATUS_FILTERS = (
    ("open", gettext_noop("Not closed")),
    ("on_time", gettext_noop("Closed on time")),
    ("late", gettext_noop("Closed late")),
)


@login_required
@require_GET
def tickets(request: HttpRequest) -> HttpResponse:
    """Drill-down: raw tickets of a day range (received_at index) with the dashboard filters."""
    scope = _scope(request)
    error: DomainError | None = None
    status = (request.GET.get("status") or "").strip()
    try:
        f = _parse(request, scope)
        offset = _id(request.GET.get("offset", ""), "offset") or 0
        page = analytics.ticket_list(f, status=status, offset=offset)
    except DomainError as exc:
        error, f, status, offset = exc, _default_filter(scope), "", 0
        page = analytics.ticket_list(f)
    rows = [
        {
            "ticket": t,
            "url": ticket_url(t.number),
            "department": page.department_names.get(t.department_id, ""),
            "street": page.street_names.get(t.street_id, ""),
            "text": mask_text(t.text[:80]) + ("…" if len(t.text) > 80 else ""),
        }
        for t in page.tickets
    ]
    return render(
        request,
        "hotline/analytics/tickets.html",
        {
            "nav_active": NAV,
            "nav_page": "tickets",
            "filter": f,
            "department_scope": scope,
            "rows": rows,
            "status": status,
            "status_filters": [(v, _(label)) for v, label in STATUS_FILTERS],
            "ticket_statuses": TicketStatus.choices,
            "next_url": _list_url(f, status=status, offset=offset + len(page.tickets))
            if page.has_more
            else "",
            "offset": offset,
            "dashboard_url": reverse("hotline_analytics:dashboard") + "?" + _query(f),
            "error": error,
            **_options(scope),
        },
        status=http_status(error) if error else 200,
    )


@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    """The daily report of ``?day=`` (default today) as an xlsx download."""
    scope = _scope(request)
    today = timezone.localdate()
    try:
        day = _day(request.GET.get("day", ""), "day", today)
        if day > today:
            raise InvalidInput("不能导出未来日期的日报", "No report for a future day", field="day")
    except DomainError as error:
        message = f"{error.message} / {error.message_en}"
        return HttpResponse(message, status=http_status(error), content_type="text/plain")
    data = analytics.daily_report_xlsx(day, department_id=scope)
    response = HttpResponse(
        data, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    name = f"12345日报-{day.isoformat()}.xlsx"
    response["Content-Disposition"] = content_disposition_header(True, name)
    response["Content-Language"] = get_language() or "zh-hans"
    return response

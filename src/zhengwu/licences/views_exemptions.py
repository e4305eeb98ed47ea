"""免证办 staff pages, mounted at ``/workbench/licences/exemptions/``.

* ``report`` — the "two exemptions" list (两个免于提交): per item, the materials an e-licence
  replaces and how often the exemption was used in a date range; administrators and
  supervisors only; ``report.xlsx`` exports the same table.
* ``case_licence`` — a staff member handling a case opens the licence that satisfies one of
  its materials: only staff who may view the case; every read is logged for the holder.
"""

from __future__ import annotations

import io
from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from zhengwu.accounts import policies as account_policies
from zhengwu.accounts.choices import StaffRole
from zhengwu.cases import selectors as case_selectors
from zhengwu.catalog import selectors as catalog_selectors
from zhengwu.kernel.errors import InvalidInput, NotAllowed, NotFound
from zhengwu.kernel.masking import MaskKind, mask
from zhengwu.licences import exemptions, signing
from zhengwu.licences.choices import HolderCodeType

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _may_see_report(user: Any) -> bool:
    return account_policies.has_any_role(user, StaffRole.ADMINISTRATOR, StaffRole.SUPERVISOR)


def _day(value: str, field: str) -> date | None:
    value = (value or "").strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise InvalidInput(
            "日期格式应为 YYYY-MM-DD", "Dates are written YYYY-MM-DD", field=field
        ) from None


def _range(request: HttpRequest) -> tuple[date | None, date | None, list[InvalidInput]]:
    errors: list[InvalidInput] = []
    first = last = None
    try:
        first = _day(request.GET.get("from", ""), "from")
    except InvalidInput as exc:
        errors.append(exc)
    try:
        last = _day(request.GET.get("to", ""), "to")
    except InvalidInput as exc:
        errors.append(exc)
    if first and last and first > last:
        errors.append(
            InvalidInput("开始日期不能晚于结束日期", "The start is after the end", field="from")
        )
        first = last = None
    return first, last, errors


def _report(request: HttpRequest) -> tuple[list[exemptions.ReportRow], Any]:
    if not account_policies.may_use_workbench(request.user) or not _may_see_report(request.user):
        raise PermissionDenied
    first, last, errors = _range(request)
    rows = exemptions.exemption_report(
        catalog_selectors.exempt_materials(), first=None if errors else first,
        last=None if errors else last,
    )  # fmt: skip
    return rows, (first, last, errors)


@never_cache
@login_required
@require_GET
def report(request: HttpRequest) -> HttpResponse:
    rows, (first, last, errors) = _report(request)
    context = {
        "rows": rows,
        "first": request.GET.get("from", "") if errors else (first.isoformat() if first else ""),
        "last": request.GET.get("to", "") if errors else (last.isoformat() if last else ""),
        "errors": errors,
        "materials_total": sum(len(r.materials) for r in rows),
        "uses_total": sum(r.uses for r in rows),
        "query": request.GET.urlencode(),
    }
    return render(
        request,
        "licences/exemptions/report.html",
        context,
        status=422 if errors else 200,
    )


@never_cache
@login_required
@require_GET
def report_xlsx(request: HttpRequest) -> HttpResponse:
    from openpyxl import Workbook

    rows, (first, last, errors) = _report(request)
    if errors:
        return HttpResponse(
            "\n".join(f"{e.field}: {e.message} / {e.message_en}" for e in errors),
            status=422,
            content_type="text/plain; charset=utf-8",
        )
    book = Workbook()
    sheet = book.active
    sheet.title = "两个免于提交"
    sheet.append(
        [
            "事项实施编码",
            "事项名称",
            "实施部门",
            "材料标识",
            "免提交材料",
            "可替代的电子证照类型代码",
            "电子证照类型",
            "使用次数",
        ]
    )
    for row in rows:
        for m in row.materials:
            sheet.append(
                [row.item_code, row.item_name, row.department, m.key, m.name, m.type_code,
                 m.type_name, m.uses]
            )  # fmt: skip
    sheet.append([])
    sheet.append(
        [
            "统计区间",
            f"{first.isoformat() if first else '—'} 至 {last.isoformat() if last else '—'}",
        ]
    )
    buffer = io.BytesIO()
    book.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX)
    response["Content-Disposition"] = 'attachment; filename="exemptions.xlsx"'
    return response


@never_cache
@login_required
@require_GET
def case_licence(request: HttpRequest, case_id: int, licence_id: int) -> HttpResponse:
    """The licence behind a case's material, for staff handling the case (read logged)."""
    if not account_policies.may_use_workbench(request.user):
        raise Http404
    case = case_selectors.case_by_id(case_id)
    if case is None:
        raise Http404
    try:
        licence = exemptions.staff_read_for_case(request.user, case, licence_id)
    except (NotFound, NotAllowed) as exc:
        raise Http404 from exc
    state = exemptions.exemption_state(licence.identifier)
    check = signing.verify_stored(licence)
    kind = MaskKind.CITIZEN_ID if licence.holder_code_type == HolderCodeType.CITIZEN_ID else None
    holder_code = mask(licence.holder_code, kind) if kind else licence.holder_code
    holder_name = (
        mask(licence.holder_name, MaskKind.NAME)
        if licence.holder_code_type == HolderCodeType.CITIZEN_ID
        else licence.holder_name
    )
    schema = {f.get("key"): f for f in (licence.licence_type.metadata_schema or [])}
    metadata = [
        (schema.get(k, {}).get("label") or k, v) for k, v in (licence.metadata or {}).items()
    ]
    return render(
        request,
        "licences/exemptions/case_licence.html",
        {
            "case": case,
            "licence": licence,
            "state": state,
            "signature_ok": check.valid,
            "signature_message": check.message,
            "holder_name": holder_name,
            "holder_code": holder_code,
            "metadata": metadata,
            "title": _("E-licence of a case material"),
        },
    )

"""API of the metrics domain, mounted at ``/api/v1/metrics``: the dashboard's numbers."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema

from zhengwu.metrics import selectors

router = Router(tags=["metrics"])


class TargetOut(Schema):
    op: str
    value: float
    source: str


class TrendPointOut(Schema):
    month: str
    value: float | None
    status: str


class IndicatorOut(Schema):
    key: str
    name: str
    name_en: str
    unit: str
    status: str  # ok | no_data | unavailable | not_applicable
    value: float | None
    numerator: float | None
    denominator: float | None
    target: TargetOut | None
    rag: str  # green | amber | red | none
    definition: str
    awaiting: str
    trend: list[TrendPointOut]


class ScopeOut(Schema):
    kind: str
    key: str
    label: str


class IndicatorsOut(Schema):
    scope: ScopeOut
    month: str
    refreshed_at: str | None
    indicators: list[IndicatorOut]


def report_dict(report: selectors.Report) -> dict[str, Any]:
    """The report with names and definitions in the active language (English in name_en)."""
    data = report.as_dict()
    for row in data["indicators"]:
        row["name_en"] = row["name"]
        row["name"] = _(row["name"])
        row["definition"] = _(row["definition"])
        row["awaiting"] = _(row["awaiting"]) if row["awaiting"] else ""
        if row["target"]:
            row["target"]["source"] = _(row["target"]["source"])
    return data


@router.get(
    "/indicators",
    response=IndicatorsOut,
    summary="Indicators of one scope and month, with targets, RAG and the 12-month trend",
)
def indicators(
    request: HttpRequest,
    scope: str = Query(
        "district",
        max_length=80,
        description="district | street:<region code> | department:<id> | item:<code>",
    ),
    month: str = Query("", max_length=7, description="YYYY-MM (default: this month)"),
) -> dict[str, Any]:
    selectors.require_viewer(request.user)
    parsed_scope = selectors.parse_scope(scope)
    parsed_month = selectors.parse_month(month)
    return report_dict(selectors.report(parsed_scope, parsed_month))

"""Staff pages of 好差评 (mounted at ``/workbench/ratings/``, namespace ``ratings_workbench``):
the rectification queue of the viewer's department, a rectification's page with its review,
timeline and the step forms in order, and the "三个100%" per department.

Thin, like the hotline's department pages: parse the form (:mod:`zhengwu.ratings.forms`),
call one service, render. A form is offered when the rectification's status is the step's
source state; the services check who may act and the state again, and their refusal is
shown at the form that was sent, with the status of the one error table (422/403/404/409).
A rectification the viewer may not see does not exist for them (404).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET, require_POST

from zhengwu.accounts import policies as account_policies
from zhengwu.kernel.errors import DomainError, NotFound, http_status
from zhengwu.ratings import forms, policies, selectors, services
from zhengwu.ratings.choices import OPEN_STATUSES, RectificationStatus, SubjectType

NAV = "ratings"
STATUS_FILTERS = ("open", "overdue", *RectificationStatus.values, "all")
# Which step each status waits for, and the due date field of that step.
DUE_FIELD = {
    RectificationStatus.VERIFYING: "verify_due",
    RectificationStatus.INVALID_PENDING: "verify_due",
    RectificationStatus.RECTIFYING: "rectify_due",
    RectificationStatus.REVISITING: "revisit_due",
}
RATE_KEYS = (
    ("verified_rate", _("Verified")),
    ("rectified_rate", _("Rectified")),
    ("revisited_rate", _("Revisited")),
)


# --- access ------------------------------------------------------------------------------------


def _require_staff(request: HttpRequest) -> None:
    if not account_policies.may_use_workbench(request.user):
        raise PermissionDenied


def _rectification_or_404(request: HttpRequest, rectification_id: int) -> Any:
    try:
        return selectors.rectification_for(request.user, rectification_id)
    except NotFound as exc:
        raise Http404 from exc


# --- presentation ------------------------------------------------------------------------------


def due_of(rectification: Any) -> datetime | None:
    """The due date of the step the rectification waits for (None once closed)."""
    field = DUE_FIELD.get(rectification.status)
    return getattr(rectification, field) if field else None


def is_overdue(rectification: Any, now: datetime) -> bool:
    if rectification.status not in OPEN_STATUSES:
        return bool(rectification.overdue)
    due = due_of(rectification)
    return bool(rectification.overdue) or (due is not None and now > due)


@dataclass(frozen=True)
class Row:
    rectification: Any
    due: datetime | None
    overdue: bool


def _rows(rectifications: Any, now: datetime) -> list[Row]:
    return [Row(r, due_of(r), is_overdue(r, now)) for r in rectifications]


def _base(page: str) -> dict[str, Any]:
    return {"nav_active": NAV, "nav_page": page}


# --- queue -------------------------------------------------------------------------------------


@login_required
@require_GET
def queue(request: HttpRequest) -> HttpResponse:
    """The department's rectifications by status; overdue ones marked."""
    _require_staff(request)
    status = request.GET.get("status") or "open"
    if status not in STATUS_FILTERS:
        raise Http404
    own_status = status in RectificationStatus.values
    qs = selectors.rectifications_for(request.user, status if own_status else None)
    if status in ("open", "overdue"):
        qs = qs.filter(status__in=OPEN_STATUSES)
    now = timezone.now()
    rows = _rows(qs.select_related("review", "department")[:500], now)
    if status == "overdue":
        rows = [row for row in rows if row.overdue]
    return render(
        request,
        "ratings/workbench/queue.html",
        {
            **_base("queue"),
            "status": status,
            "filters": [
                ("open", _("Open")),
                ("overdue", _("Overdue")),
                *[(v, label) for v, label in RectificationStatus.choices],
                ("all", _("All")),
            ],
            "rows": rows,
            "now": now,
        },
    )


# --- detail and the steps ----------------------------------------------------------------------


def _detail_context(request: HttpRequest, rectification: Any) -> dict[str, Any]:
    user = request.user
    status = rectification.status
    review = rectification.review
    now = timezone.now()
    return {
        **_base("queue"),
        "r": rectification,
        "review": review,
        "rater": policies.rater_label(user, review.rater),
        "subject_case": review.subject_type == SubjectType.CASE,
        "events": list(selectors.rectification_events(rectification)),
        "supervisions": list(rectification.supervisions.order_by("created_at", "id")),
        "due": due_of(rectification),
        "overdue": is_overdue(rectification, now),
        "may_verify": status == RectificationStatus.VERIFYING,
        "may_decide": status == RectificationStatus.INVALID_PENDING
        and policies.may_decide_invalid(user),
        "awaiting_decision": status == RectificationStatus.INVALID_PENDING,
        "may_rectify": status == RectificationStatus.RECTIFYING,
        "may_revisit": status == RectificationStatus.REVISITING,
        "verify_form": forms.VerifyForm(),
        "decide_form": forms.DecideInvalidForm(),
        "rectify_form": forms.RectifyForm(),
        "explain_form": forms.ExplainForm(),
        "revisit_form": forms.RevisitForm(),
    }


@login_required
@require_GET
def detail(request: HttpRequest, rectification_id: int) -> HttpResponse:
    _require_staff(request)
    rectification = _rectification_or_404(request, rectification_id)
    return render(request, "ratings/workbench/detail.html", _detail_context(request, rectification))


def _verify(by: Any, r: Any, data: dict[str, Any]) -> None:
    services.verify(by=by, rectification_id=r.pk, valid=data["valid"], evidence=data["evidence"])


def _decide(by: Any, r: Any, data: dict[str, Any]) -> None:
    services.decide_invalid(
        by=by, rectification_id=r.pk, approve=data["approve"], note=data["note"]
    )


def _rectify(by: Any, r: Any, data: dict[str, Any]) -> None:
    services.rectify(by=by, rectification_id=r.pk, measures=data["measures"], reply=data["reply"])


def _explain(by: Any, r: Any, data: dict[str, Any]) -> None:
    services.explain(
        by=by, rectification_id=r.pk, explanation=data["explanation"], reply=data["reply"]
    )


def _revisit(by: Any, r: Any, data: dict[str, Any]) -> None:
    services.revisit(by=by, rectification_id=r.pk, satisfied=data["satisfied"], note=data["note"])


# name → (form, service call, success message).
ACTIONS: dict[str, tuple[type[Any], Callable[[Any, Any, dict[str, Any]], None], Any]] = {
    "verify": (forms.VerifyForm, _verify, _("Verification recorded.")),
    "decide": (forms.DecideInvalidForm, _decide, _("Decision recorded.")),
    "rectify": (
        forms.RectifyForm,
        _rectify,
        _("Measures and reply recorded: the rater is to be revisited."),
    ),
    "explain": (
        forms.ExplainForm,
        _explain,
        _("Explanation and reply recorded: the rater is to be revisited."),
    ),
    "revisit": (forms.RevisitForm, _revisit, _("Revisit recorded: the rectification is closed.")),
}


OFFERED = {
    "verify": "may_verify",
    "decide": "may_decide",
    "rectify": "may_rectify",
    "explain": "may_rectify",
    "revisit": "may_revisit",
}


@login_required
@require_POST
def action(request: HttpRequest, rectification_id: int, name: str) -> HttpResponse:
    """One POST form of the rectification page → one service call → back to the page."""
    _require_staff(request)
    if name not in ACTIONS:
        raise Http404
    rectification = _rectification_or_404(request, rectification_id)
    form_class, call, done = ACTIONS[name]
    form = form_class(request.POST)
    error: DomainError | None = None
    if form.is_valid():
        try:
            call(request.user, rectification, form.cleaned_data)
        except NotFound as exc:
            raise Http404 from exc
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, str(done))
            return HttpResponseRedirect(
                reverse("ratings_workbench:detail", args=[rectification.pk])
            )
    # Refused: the page again, the message at the field it names or above the form sent.
    placed = error is not None and form.add_service_error(error)
    rectification = _rectification_or_404(request, rectification_id)  # read it again
    context = _detail_context(request, rectification)
    context[f"{name}_form"] = form
    # A step no longer offered (someone else moved the rectification on): the message goes
    # above the actions.
    top = error is not None and not context.get(OFFERED[name], False)
    context.update(
        {
            "error_action": name,
            "error_message": forms.localized(error)
            if error is not None and (top or not placed)
            else "",
            "error_top": top,
        }
    )
    status = http_status(error) if error is not None else 422
    return render(request, "ratings/workbench/detail.html", context, status=status)


# --- 三个100% ----------------------------------------------------------------------------------


def _percent(ratio: Any) -> str:
    """A rate of :func:`selectors.three_100` (a ratio 0–1, None when nothing was due)."""
    return "—" if ratio is None else f"{float(ratio) * 100:.1f}%"


@login_required
@require_GET
def three_100(request: HttpRequest) -> HttpResponse:
    """三个100%: per department, verified / rectified / revisited rates and the cases that
    break each (links to their rectification pages)."""
    _require_staff(request)
    user = request.user
    sees_all = policies.is_overseer(user)
    department_id = None if sees_all else account_policies.staff_department_id(user)
    if department_id is None and not sees_all:
        raise PermissionDenied
    rows = selectors.three_100(department_id)
    ids = {i for row in rows for i in (row.get("breaking") or [])}
    visible = {
        r.pk: r
        for r in selectors.rectifications_for(user).filter(pk__in=ids).select_related("review")
    }
    now = timezone.now()
    table = []
    for row in rows:
        department = row.get("department")
        breaking = [visible[i] for i in (row.get("breaking") or []) if i in visible]
        table.append(
            {
                "department": getattr(department, "name", department),
                "bad": row.get("bad", 0),
                "verified": row.get("verified", 0),
                "valid": row.get("valid", 0),
                "rectified": row.get("rectified", 0),
                "revisited": row.get("revisited", 0),
                "rates": [
                    {"key": key, "label": label, "value": _percent(row.get(key))}
                    for key, label in RATE_KEYS
                ],
                "breaking": _rows(breaking, now),
            }
        )
    return render(
        request, "ratings/workbench/three_100.html", {**_base("three_100"), "rows": table}
    )

"""Reads of 好差评 for pages and the API, already restricted to what the viewer may see.

A rectification the viewer may not see is ``NotFound`` (it does not exist for them), like
``cases.selectors.access_case``. The rater's identity is shown through
:func:`zhengwu.ratings.policies.rater_label` / ``rater_phone`` (masked by role).

Rates (:func:`three_100`) are ratios 0–1; :func:`public_satisfaction` gives percentages
0–100 (one decimal) because that is what the public page prints.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from zhengwu.accounts import policies as account_policies
from zhengwu.cases import selectors as case_selectors
from zhengwu.kernel.errors import NotFound
from zhengwu.kernel.models import OutboxMessage, OutboxStatus
from zhengwu.ratings import policies, upstream
from zhengwu.ratings.choices import SATISFIED_LEVELS, RectificationStatus, SubjectType
from zhengwu.ratings.models import Rectification, RectificationEvent, Review, Supervision

CASE_CONCLUDED = "concluded"
NOT_FOUND_RECT = ("未找到该整改", "No such rectification")


# --- raters ------------------------------------------------------------------------------


@dataclass(frozen=True)
class RateableCase:
    case_id: int
    number: str
    item_name: str
    department_name: str
    concluded_at: datetime | None


def rateable_cases(user: Any, *, number: str | None = None) -> list[RateableCase]:
    """Concluded cases of the user (applicant, agent, enterprise member) not yet rated by
    them, newest conclusion first; only the case ``number`` when given."""
    if not account_policies.is_authenticated(user):
        return []
    rated = Review.objects.filter(subject_type=SubjectType.CASE, rater_id=user.pk).values(
        "subject_key"
    )
    cases = (
        case_selectors.applicant_cases(user)
        .filter(status=CASE_CONCLUDED, number__isnull=False)
        .exclude(number__in=rated)
        .select_related("department")
        .order_by("-concluded_at", "-id")
    )
    if number is not None:
        cases = cases.filter(number=number)
    return [
        RateableCase(
            case_id=c.pk,
            number=c.number,
            item_name=c.item_name,
            department_name=c.department.name if c.department is not None else "",
            concluded_at=c.concluded_at,
        )
        for c in cases[:200]
    ]


def reviews_of(user: Any) -> QuerySet[Review]:
    if not account_policies.is_authenticated(user):
        return Review.objects.none()
    return Review.objects.filter(rater_id=user.pk).select_related("department")


def review_for(user: Any, subject_type: str, subject_key: str) -> Review | None:
    if not account_policies.is_authenticated(user):
        return None
    return (
        Review.objects.filter(rater_id=user.pk, subject_type=subject_type, subject_key=subject_key)
        .select_related("department")
        .first()
    )


# --- rectification -------------------------------------------------------------------------


def rectifications_for(user: Any, status: str | None = None) -> QuerySet[Rectification]:
    """The user's department's rectifications; supervisors and administrators see all;
    everyone else nothing."""
    qs = Rectification.objects.select_related("review", "department")
    if not policies.is_overseer(user):
        department_id = account_policies.staff_department_id(user)
        if department_id is None:
            return Rectification.objects.none()
        qs = qs.filter(department_id=department_id)
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-opened_at", "-id")


def rectification_for(user: Any, rectification_id: Any) -> Rectification:
    try:
        pk = int(rectification_id)
    except (TypeError, ValueError):
        raise NotFound(*NOT_FOUND_RECT, field="rectification_id") from None
    rect = (
        Rectification.objects.select_related(
            "review", "review__rater", "review__department", "review__staff", "department"
        )
        .filter(pk=pk)
        .first()
    )
    if rect is None or not policies.may_view_rectification(user, rect):
        raise NotFound(*NOT_FOUND_RECT, field="rectification_id")
    return rect


def rectification_events(rect: Rectification) -> QuerySet[RectificationEvent]:
    return rect.events.select_related("by").order_by("at", "id")


def supervisions_for(user: Any, *, include_acknowledged: bool = False) -> QuerySet[Supervision]:
    """E-supervision records: supervisors/administrators all, a department its own."""
    qs = Supervision.objects.select_related("rectification", "rectification__review", "department")
    if not policies.is_overseer(user):
        department_id = account_policies.staff_department_id(user)
        if department_id is None:
            return Supervision.objects.none()
        qs = qs.filter(department_id=department_id)
    if not include_acknowledged:
        qs = qs.filter(acknowledged_at__isnull=True)
    return qs.order_by("-created_at", "-id")


def current_due(rect: Rectification) -> datetime | None:
    """The due date of the step the rectification waits for (None when closed)."""
    return {
        RectificationStatus.VERIFYING: rect.verify_due,
        RectificationStatus.RECTIFYING: rect.rectify_due,
        RectificationStatus.REVISITING: rect.revisit_due,
    }.get(rect.status)


def rater_view(viewer: Any, review: Review) -> dict[str, str]:
    """The rater as ``viewer`` may see them: name and phone, masked by role."""
    return {
        "name": policies.rater_label(viewer, review.rater),
        "phone": policies.rater_phone(viewer, review.rater),
    }


# --- 三个100% ------------------------------------------------------------------------------


def _ratio(done: int, due: int) -> float | None:
    return None if due == 0 else round(done / due, 4)


def three_100(department_id: int | None = None, *, now: datetime | None = None) -> list[dict]:
    """ "三个100%" per department: every bad review verified, every valid one rectified (or
    explained), every rectified one revisited.

    A step still inside its limit does not break a rate: each rate is done ÷ (done + overdue
    not done), so a department is at 100% as long as nothing is late; None when nothing was
    due yet. ``breaking`` lists the ids of the rectifications late for a step, oldest first.
    Invalid reviews (approved by a supervisor) count as verified and leave the later rates.
    """
    now = now or timezone.now()
    qs = Rectification.objects.all()
    if department_id is not None:
        qs = qs.filter(department_id=department_id)
    rows: dict[int, dict[str, Any]] = {}
    for (
        pk,
        dept_id,
        dept_name,
        status,
        valid,
        rectified_at,
        revisited_at,
        vd,
        rd,
        rvd,
    ) in qs.order_by("opened_at", "id").values_list(
        "pk",
        "department_id",
        "department__name",
        "status",
        "valid",
        "rectified_at",
        "revisited_at",
        "verify_due",
        "rectify_due",
        "revisit_due",
    ):
        row = rows.setdefault(
            dept_id,
            {
                "department_id": dept_id,
                "department": dept_name,
                "bad": 0,
                "verified": 0,
                "valid": 0,
                "rectified": 0,
                "revisited": 0,
                "late_verify": 0,
                "late_rectify": 0,
                "late_revisit": 0,
                "breaking": [],
            },
        )
        row["bad"] += 1
        verified = status not in (RectificationStatus.VERIFYING,)
        if verified:
            row["verified"] += 1
        elif vd is not None and vd < now:
            row["late_verify"] += 1
            row["breaking"].append(pk)
        if valid is True:
            row["valid"] += 1
            if rectified_at is not None:
                row["rectified"] += 1
            elif rd is not None and rd < now:
                row["late_rectify"] += 1
                row["breaking"].append(pk)
            if revisited_at is not None:
                row["revisited"] += 1
            elif rectified_at is not None and rvd is not None and rvd < now:
                row["late_revisit"] += 1
                row["breaking"].append(pk)
    result = []
    for row in sorted(rows.values(), key=lambda r: r["department"]):
        row["verified_rate"] = _ratio(row["verified"], row["verified"] + row["late_verify"])
        row["rectified_rate"] = _ratio(row["rectified"], row["rectified"] + row["late_rectify"])
        row["revisited_rate"] = _ratio(row["revisited"], row["revisited"] + row["late_revisit"])
        result.append(row)
    return result


# --- public ------------------------------------------------------------------------------


def _percent(satisfied: int, count: int) -> float | None:
    return None if count == 0 else round(100.0 * satisfied / count, 1)


def public_satisfaction() -> dict[str, list[dict[str, Any]]]:
    """评价公开: satisfaction per department and per item (aggregates only, no text, no
    rater). ``satisfied`` counts levels 1–3; ``rate`` is a percentage."""
    satisfied = Count("id", filter=Q(level__in=SATISFIED_LEVELS))
    departments = (
        Review.objects.filter(department__isnull=False)
        .order_by()
        .values("department_id", "department__name")
        .annotate(count=Count("id"), satisfied=satisfied)
        .order_by("department__name")
    )
    items = (
        Review.objects.exclude(item_code="")
        .order_by()
        .values("item_code", "item_name")
        .annotate(count=Count("id"), satisfied=satisfied)
        .order_by("-count", "item_code")[:200]
    )
    return {
        "departments": [
            {
                "id": d["department_id"],
                "name": d["department__name"],
                "count": d["count"],
                "satisfied": d["satisfied"],
                "rate": _percent(d["satisfied"], d["count"]),
            }
            for d in departments
        ],
        "items": [
            {
                "code": i["item_code"],
                "name": i["item_name"],
                "count": i["count"],
                "satisfied": i["satisfied"],
                "rate": _percent(i["satisfied"], i["count"]),
            }
            for i in items
        ],
    }


# --- upstream reconciliation ----------------------------------------------------------------


def upstream_pending(*, limit: int = 500) -> list[dict[str, Any]]:
    """对账: every rating or rectification step not yet acknowledged by the upstream system
    (pending or dead in the outbox), oldest first, with the outbox status and last error."""
    rows = (
        OutboxMessage.objects.filter(endpoint=upstream.ENDPOINT)
        .exclude(status=OutboxStatus.DELIVERED)
        .order_by("id")
        .values(
            "id",
            "topic",
            "status",
            "attempts",
            "last_error",
            "created_at",
            "next_attempt_at",
            "payload",
        )[:limit]
    )
    return [
        {
            "message_id": r["id"],
            "topic": r["topic"],
            "status": r["status"],
            "attempts": r["attempts"],
            "last_error": r["last_error"][:200],
            "created_at": r["created_at"],
            "next_attempt_at": r["next_attempt_at"],
            "review_id": r["payload"].get("reviewId"),
            "rectification_id": r["payload"].get("rectificationId"),
            "project_no": r["payload"].get("projectNo", ""),
        }
        for r in rows
    ]


def upstream_summary() -> dict[str, int]:
    counts = dict(
        OutboxMessage.objects.filter(endpoint=upstream.ENDPOINT)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
        .values_list("status", "n")
    )
    return {status: counts.get(status, 0) for status in OutboxStatus.values}

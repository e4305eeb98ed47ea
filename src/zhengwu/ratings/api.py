"""API of 好差评, mounted at ``/api/v1/ratings`` (see docs/dev-notes-ratings.md → docs/api.md).

- Raters: ``POST /reviews`` (rate), ``POST /reviews/{id}/revise`` (once), ``GET /reviews``.
- Staff: ``GET /rectifications`` (own department; supervisors all), ``GET
  /rectifications/{id}``, ``POST /rectifications/{id}/verify | decide-invalid | rectify |
  explain | revisit``.
- ``GET /three-100`` (staff), ``GET /public/satisfaction`` (anonymous, aggregates only),
  ``GET /upstream/pending`` (administrators and supervisors: what upstream has not yet
  acknowledged).

Handlers parse, call one service or selector, and shape the answer; a rectification the
caller may not see is 404; the rater's name and phone are masked for the viewer.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from zhengwu.accounts import policies as account_policies
from zhengwu.kernel.errors import InvalidInput, NotAllowed
from zhengwu.ratings import policies, selectors, services
from zhengwu.ratings.choices import EventKind, Level, RectificationStatus
from zhengwu.ratings.models import Rectification, Review
from zhengwu.ratings.schemas import (
    DecideInvalidIn,
    ExplainIn,
    PendingPageOut,
    RateIn,
    RectificationOut,
    RectificationPageOut,
    RectifyIn,
    ReviewOut,
    ReviseIn,
    RevisitIn,
    SatisfactionOut,
    Three100Out,
    VerifyIn,
)

router = Router(tags=["ratings"])

LEVEL_LABELS = dict(Level.choices)
STATUS_LABELS = dict(RectificationStatus.choices)
EVENT_LABELS = dict(EventKind.choices)


def _zh(label: Any) -> str:
    return str(label).partition(" / ")[0]


def _staff(request: HttpRequest) -> Any:
    user = request.user
    if not (account_policies.is_staff_member(user) or account_policies.is_administrator(user)):
        raise NotAllowed("仅限工作人员使用", "Staff only")
    return user


def _review_out(review: Review) -> dict[str, Any]:
    rect: Rectification | None
    try:
        rect = review.rectification
    except Rectification.DoesNotExist:
        rect = None
    return {
        "id": review.pk,
        "subject_type": review.subject_type,
        "subject_key": review.subject_key,
        "item_code": review.item_code,
        "item_name": review.item_name,
        "department": review.department.name if review.department is not None else None,
        "venue": review.venue,
        "window": review.window,
        "channel": review.channel,
        "level": review.level,
        "level_label": _zh(LEVEL_LABELS.get(review.level, review.level)),
        "text": review.text,
        "tags": list(review.tags or []),
        "is_bad": review.is_bad,
        "count": review.count,
        "rated_at": review.rated_at,
        "revised_at": review.revised_at,
        "may_revise": review.count < 2,
        "rectification_id": rect.pk if rect is not None else None,
        "rectification_status": rect.status if rect is not None else None,
        "reply": rect.reply if rect is not None else "",
    }


def _rect_out(viewer: Any, rect: Rectification, *, events: bool) -> dict[str, Any]:
    review = rect.review
    out = {
        "id": rect.pk,
        "review_id": review.pk,
        "subject_type": review.subject_type,
        "subject_key": review.subject_key,
        "item_name": review.item_name,
        "level": review.level,
        "text": review.text,
        "tags": list(review.tags or []),
        "rater": selectors.rater_view(viewer, review),
        "department_id": rect.department_id,
        "department": rect.department.name,
        "status": rect.status,
        "status_label": _zh(STATUS_LABELS.get(rect.status, rect.status)),
        "current_due": selectors.current_due(rect),
        "events": [],
    }
    for name in (
        "opened_at", "verify_due", "rectify_due", "revisit_due", "verified_at", "valid",
        "evidence", "invalid_note", "rectified_at", "measures", "explanation", "replied_at",
        "reply", "revisited_at", "revisit_satisfied", "revisit_note", "closed_at",
        "escalated_at", "overdue",
    ):  # fmt: skip
        out[name] = getattr(rect, name)
    if events:
        out["events"] = [
            {
                "kind": e.kind,
                "label": _zh(EVENT_LABELS.get(e.kind, e.kind)),
                "status_from": e.status_from,
                "status_to": e.status_to,
                "note": e.note,
                "by": policies.rater_label(viewer, e.by) if e.by is not None else "系统",
                "at": e.at,
            }
            for e in selectors.rectification_events(rect)
        ]
    return out


def _rect_response(request: HttpRequest, rect: Rectification) -> dict[str, Any]:
    fresh = selectors.rectification_for(request.user, rect.pk)
    return _rect_out(request.user, fresh, events=True)


# --- raters ------------------------------------------------------------------------------


@router.post("/reviews", response={201: ReviewOut}, summary="Rate a service (评价)")
def rate(request: HttpRequest, payload: RateIn) -> Status:
    review = services.rate(
        by=request.user,
        subject_type=payload.subject_type,
        subject_key=payload.subject_key,
        level=payload.level,
        channel=payload.channel,
        text=payload.text,
        tags=payload.tags,
    )
    return Status(201, _review_out(review))


@router.post("/reviews/{int:review_id}/revise", response=ReviewOut, summary="Revise once")
def revise(request: HttpRequest, review_id: int, payload: ReviseIn) -> dict[str, Any]:
    review = services.revise(
        by=request.user,
        review_id=review_id,
        level=payload.level,
        text=payload.text,
        tags=payload.tags,
    )
    return _review_out(review)


@router.get("/reviews", response=list[ReviewOut], summary="My reviews")
def my_reviews(
    request: HttpRequest,
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> list[dict[str, Any]]:
    qs = selectors.reviews_of(request.user).select_related("rectification")
    return [_review_out(r) for r in qs[offset : offset + limit]]


# --- rectification ---------------------------------------------------------------------------


@router.get("/rectifications", response=RectificationPageOut, summary="Rectifications (staff)")
def list_rectifications(
    request: HttpRequest,
    status: str | None = Query(None, max_length=16, description="状态 / status"),
    overdue: bool | None = Query(None, description="仅逾期 / overdue only"),
    limit: int = Query(50, ge=1, le=200),
    offset: int = Query(0, ge=0, le=10_000_000),
) -> dict[str, Any]:
    user = _staff(request)
    if status is not None and status not in RectificationStatus.values:
        raise InvalidInput("整改状态不正确", "Unknown rectification status", field="status")
    qs = selectors.rectifications_for(user, status).select_related("review__rater")
    if overdue is not None:
        qs = qs.filter(overdue=overdue)
    return {
        "items": [_rect_out(user, r, events=False) for r in qs[offset : offset + limit]],
        "count": qs.count(),
    }


@router.get(
    "/rectifications/{int:rectification_id}", response=RectificationOut, summary="One rectification"
)
def get_rectification(request: HttpRequest, rectification_id: int) -> dict[str, Any]:
    user = _staff(request)
    return _rect_out(user, selectors.rectification_for(user, rectification_id), events=True)


@router.post(
    "/rectifications/{int:rectification_id}/verify", response=RectificationOut, summary="Verify"
)
def verify(request: HttpRequest, rectification_id: int, payload: VerifyIn) -> dict[str, Any]:
    _staff(request)
    rect = services.verify(
        by=request.user,
        rectification_id=rectification_id,
        valid=payload.valid,
        evidence=payload.evidence,
    )
    return _rect_response(request, rect)


@router.post(
    "/rectifications/{int:rectification_id}/decide-invalid",
    response=RectificationOut,
    summary="Approve or reject an invalid-review decision (supervisor)",
)
def decide_invalid(
    request: HttpRequest, rectification_id: int, payload: DecideInvalidIn
) -> dict[str, Any]:
    _staff(request)
    rect = services.decide_invalid(
        by=request.user,
        rectification_id=rectification_id,
        approve=payload.approve,
        note=payload.note,
    )
    return _rect_response(request, rect)


@router.post(
    "/rectifications/{int:rectification_id}/rectify", response=RectificationOut, summary="Rectify"
)
def rectify(request: HttpRequest, rectification_id: int, payload: RectifyIn) -> dict[str, Any]:
    _staff(request)
    rect = services.rectify(
        by=request.user,
        rectification_id=rectification_id,
        measures=payload.measures,
        reply=payload.reply,
    )
    return _rect_response(request, rect)


@router.post(
    "/rectifications/{int:rectification_id}/explain", response=RectificationOut, summary="Explain"
)
def explain(request: HttpRequest, rectification_id: int, payload: ExplainIn) -> dict[str, Any]:
    _staff(request)
    rect = services.explain(
        by=request.user,
        rectification_id=rectification_id,
        explanation=payload.explanation,
        reply=payload.reply,
    )
    return _rect_response(request, rect)


@router.post(
    "/rectifications/{int:rectification_id}/revisit", response=RectificationOut, summary="Revisit"
)
def revisit(request: HttpRequest, rectification_id: int, payload: RevisitIn) -> dict[str, Any]:
    _staff(request)
    rect = services.revisit(
        by=request.user,
        rectification_id=rectification_id,
        satisfied=payload.satisfied,
        note=payload.note,
    )
    return _rect_response(request, rect)


# --- reports -----------------------------------------------------------------------------


@router.get("/three-100", response=list[Three100Out], summary="三个100% per department")
def three_100(request: HttpRequest) -> list[dict[str, Any]]:
    """Supervisors and administrators see every department, other staff their own."""
    user = _staff(request)
    if policies.is_overseer(user):
        return selectors.three_100()
    department_id = account_policies.staff_department_id(user)
    if department_id is None:
        return []
    return selectors.three_100(department_id)


@router.get(
    "/public/satisfaction", response=SatisfactionOut, auth=None, summary="评价公开 (public)"
)
def public_satisfaction(request: HttpRequest) -> dict[str, Any]:
    return selectors.public_satisfaction()


@router.get("/upstream/pending", response=PendingPageOut, summary="Not yet delivered upstream")
def upstream_pending(
    request: HttpRequest, limit: int = Query(200, ge=1, le=1000)
) -> dict[str, Any]:
    if not policies.may_view_upstream(request.user):
        raise NotAllowed("仅管理员或督办人员可查看上报对账", "Administrators and supervisors only")
    return {
        "summary": selectors.upstream_summary(),
        "items": selectors.upstream_pending(limit=limit),
    }

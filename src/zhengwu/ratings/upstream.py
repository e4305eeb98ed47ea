"""Reporting ratings upstream (全国一体化平台好差评系统) through the kernel outbox.

Every rating (and its one revision) and every rectification step is written to the outbox
in the same transaction as the change, for the endpoint named ``ratings-upstream``
(configure its URL, secret and auth header as an ``OutboxEndpoint`` in the admin). The
outbox delivers after commit and retries until the receiver acknowledges with 2xx; the
``Idempotency-Key`` header lets the receiver drop duplicates (delivery is at least once).

Field names follow GB/T 39046-2020 (政务服务评价数据): the payload keys are the standard's
element names transliterated as used by the national platform's interface:

| payload key | GB/T 39046 element | value here |
|---|---|---|
| ``projectNo`` | 办件编号 | case number / hotline ticket number / window key / item code |
| ``taskCode`` | 事项编码 | implementation code of the item (blank if none) |
| ``taskName`` | 事项名称 | item name |
| ``subjectType`` | 评价对象类型 | case / window / ticket / online |
| ``pf`` | 评价渠道 | 1 PC … 7 SMS |
| ``raterId`` | 评价人标识 | the rater's public id (UUID; no ID number leaves) |
| ``raterType`` | 评价人类型 | 1 自然人, 2 法人, 9 other (anonymous callback) |
| ``assessTime`` | 评价时间 | ISO-8601 with offset |
| ``assessNumber`` | 评价次数 | 1, or 2 after the revision |
| ``alternate`` | 评价等级 | 1 非常满意 … 5 非常不满意 |
| ``writingEvaluation`` | 文字评价 | the text as given |
| ``evaluationTags`` | 差评标签 | list of tags |
| ``areaCode`` | 行政区划 | street code, else the department's region code |
| ``deptName`` / ``deptCode`` | 部门 | responsible department and its USCC |
| ``rectificationStatus`` … | 整改 | for rectification steps, see :func:`step_payload` |

Topics: ``rating.recorded``, ``rating.revised``, ``rectification.<step>``.
"""

from __future__ import annotations

from typing import Any

from zhengwu.kernel.outbox import outbox_enqueue
from zhengwu.ratings.models import Rectification, Review

ENDPOINT = "ratings-upstream"

RATER_NATURAL_PERSON = "1"
RATER_LEGAL_PERSON = "2"
RATER_OTHER = "9"


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def _rater_type(review: Review) -> str:
    rater = review.rater
    if rater is None:
        return RATER_OTHER
    return (
        RATER_LEGAL_PERSON if getattr(rater, "kind", "") == "enterprise" else RATER_NATURAL_PERSON
    )


def _area_code(review: Review) -> str:
    if review.street_code:
        return review.street_code
    department = review.department
    region = getattr(department, "region", None) if department is not None else None
    return getattr(region, "code", "") or ""


def review_payload(review: Review) -> dict[str, Any]:
    department = review.department
    rater = review.rater
    return {
        "projectNo": review.subject_key,
        "taskCode": review.item_code,
        "taskName": review.item_name,
        "subjectType": review.subject_type,
        "pf": review.channel,
        "raterId": str(getattr(rater, "public_id", "")) if rater is not None else "",
        "raterType": _rater_type(review),
        "assessTime": _iso(review.revised_at or review.rated_at),
        "firstAssessTime": _iso(review.rated_at),
        "assessNumber": review.count,
        "alternate": str(review.level),
        "writingEvaluation": review.text,
        "evaluationTags": list(review.tags or []),
        "areaCode": _area_code(review),
        "deptName": department.name if department is not None else "",
        "deptCode": (department.uscc or "") if department is not None else "",
        "venue": review.venue,
        "window": review.window,
        "reviewId": review.pk,
    }


def step_payload(rect: Rectification, step: str) -> dict[str, Any]:
    review = rect.review
    return {
        "projectNo": review.subject_key,
        "reviewId": review.pk,
        "assessNumber": review.count,
        "alternate": str(review.level),
        "areaCode": _area_code(review),
        "deptName": rect.department.name,
        "deptCode": rect.department.uscc or "",
        "rectificationId": rect.pk,
        "step": step,
        "rectificationStatus": rect.status,
        "isValid": rect.valid,
        "verifyTime": _iso(rect.verified_at),
        "verifyEvidence": rect.evidence,
        "rectifyTime": _iso(rect.rectified_at),
        "rectifyMeasures": rect.measures,
        "explanation": rect.explanation,
        "replyTime": _iso(rect.replied_at),
        "replyContent": rect.reply,
        "revisitTime": _iso(rect.revisited_at),
        "revisitSatisfied": rect.revisit_satisfied,
        "closeTime": _iso(rect.closed_at),
    }


def enqueue_review(review: Review, topic: str) -> None:
    """Inside the caller's transaction. The key names the review and its count, so a
    retried request enqueues nothing new and a revision is a new message."""
    outbox_enqueue(
        endpoint=ENDPOINT,
        topic=topic,
        payload=review_payload(review),
        idempotency_key=f"ratings:review:{review.pk}:{review.count}",
    )


def enqueue_step(rect: Rectification, step: str, seq: int) -> None:
    """``seq`` is the step's event id, so every step is its own message."""
    outbox_enqueue(
        endpoint=ENDPOINT,
        topic=f"rectification.{step}",
        payload=step_payload(rect, step),
        idempotency_key=f"ratings:rect:{rect.pk}:{step}:{seq}",
    )

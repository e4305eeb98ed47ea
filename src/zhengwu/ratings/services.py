"""State changes of 好差评: rating, revision, the rectification of bad reviews, escalation.

Every function is one transaction: it validates its input first (``InvalidInput`` naming
the field, in Chinese and English), locks what it changes (``select_for_update``), checks
the source state against :data:`zhengwu.ratings.choices.TRANSITIONS` (``Conflict``), writes
the change, its timeline event, the audit entry and the upstream outbox message together.
Nothing is half-written: an error rolls everything back.

Who may rate (``rate``):
- a case (一事一评): its applicant, agent or a member of the applicant enterprise, once the
  case has concluded; anyone else's case is ``NotFound`` (the same answer as for a case
  number that does not exist, like ``cases.selectors.access_case``);
- a hotline ticket: its caller (citizen account), once it is closed;
- a window visit (一次一评) or the online service of an item: any signed-in user.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from zhengwu.accounts import policies as account_policies
from zhengwu.accounts import selectors as account_selectors
from zhengwu.accounts.choices import StaffRole
from zhengwu.cases import selectors as case_selectors
from zhengwu.cases import services as case_services
from zhengwu.catalog import selectors as catalog_selectors
from zhengwu.hotline import selectors as hotline_selectors
from zhengwu.kernel.actors import SYSTEM, Actor
from zhengwu.kernel.audit import audit_record
from zhengwu.kernel.errors import Conflict, InvalidInput, NotAllowed, NotFound, Unauthenticated
from zhengwu.kernel.events import emit
from zhengwu.kernel.rows import insert_unless_exists
from zhengwu.org import selectors as org_selectors
from zhengwu.ratings import limits as rating_limits
from zhengwu.ratings import policies, upstream
from zhengwu.ratings.choices import (
    TRANSITIONS,
    EventKind,
    Level,
    RatingChannel,
    RectificationStatus,
    Step,
    SubjectType,
    Tag,
)
from zhengwu.ratings.models import (
    Invitation,
    Rectification,
    RectificationEvent,
    Review,
    Supervision,
)

CHANNEL = "ratings"
MAX_TEXT = 500
MAX_STEP_TEXT = 2000
CASE_CONCLUDED = "concluded"
TICKET_CLOSED = "closed"
NOT_FOUND_SUBJECT = ("未找到可评价的服务", "No such service to rate")
NOT_FOUND_REVIEW = ("未找到该评价", "No such review")
NOT_FOUND_RECT = ("未找到该整改", "No such rectification")
# hotline.callback_recorded → the caller's rating of the ticket (phone channel).
CALLBACK_LEVELS: dict[str, int] = {
    "satisfied": Level.SATISFIED,
    "basically": Level.BASICALLY_SATISFIED,
    "not_satisfied": Level.DISSATISFIED,
}
STATUS_LABELS = dict(RectificationStatus.choices)


# --- small helpers ---------------------------------------------------------------------------


def _now() -> datetime:
    return timezone.now()


def _actor(by: Any) -> Actor:
    if by is None:
        return SYSTEM
    return account_selectors.actor_for(by, channel=CHANNEL)


def _require_user(by: Any) -> None:
    if not account_policies.is_authenticated(by):
        raise Unauthenticated("请先登录", "Please sign in first")


def _zh_en(label: str) -> tuple[str, str]:
    zh, _, en = label.partition(" / ")
    return zh, en or zh


def _text(
    value: Any, *, field: str, label: str, label_en: str, max_length: int, required: bool
) -> str:
    if value is not None and not isinstance(value, str):
        raise InvalidInput(f"{label}必须是文字", f"{label_en} must be text", field=field)
    text = (value or "").strip()
    if required and not text:
        raise InvalidInput(
            f"请填写{label}", f"{label_en} is required", field=field, code="required"
        )
    if len(text) > max_length:
        raise InvalidInput(
            f"{label}不能超过 {max_length} 个字（现有 {len(text)} 个）",
            f"{label_en} must be at most {max_length} characters (it has {len(text)})",
            field=field,
            code="too_long",
        )
    return text


def _level(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | str):
        value = None
    try:
        level = int(value) if value is not None else 0
    except ValueError:
        level = 0
    if level not in Level.values:
        raise InvalidInput(
            "评价等级须为 1（非常满意）至 5（非常不满意）",
            "The level must be 1 (very satisfied) to 5 (very dissatisfied)",
            field="level",
        )
    return level


def _channel(value: Any) -> str:
    text = str(value or "").strip()
    if text not in RatingChannel.values:
        raise InvalidInput(
            "评价渠道不正确（1 PC、2 移动端、3 二维码、4 大厅平板、5 其他大厅终端、"
            "6 电话、7 短信）",
            "Unknown channel (1 PC, 2 mobile, 3 QR, 4 hall tablet, 5 other hall terminal, "
            "6 phone, 7 SMS)",
            field="channel",
        )
    return text


def _tags(value: Any, level: int) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str) or not isinstance(value, Sequence):
        raise InvalidInput("标签必须是列表", "Tags must be a list", field="tags")
    tags: list[str] = []
    for tag in value:
        if not isinstance(tag, str) or tag not in Tag.values:
            raise InvalidInput(
                f"未知的标签：{tag}（可选：{'、'.join(Tag.values)}）",
                f"Unknown tag: {tag}",
                field="tags",
            )
        if tag not in tags:
            tags.append(tag)
    if tags and level < Level.DISSATISFIED:
        raise InvalidInput(
            "只有“不满意”或“非常不满意”的评价可以选择标签",
            "Tags are for bad reviews (levels 4 and 5) only",
            field="tags",
        )
    return tags


def _subject_type(value: Any) -> str:
    if value not in SubjectType.values:
        raise InvalidInput(
            "评价对象类型不正确（case、window、ticket、online）",
            "Unknown subject type (case, window, ticket, online)",
            field="subject_type",
        )
    return str(value)


def _review_snapshot(review: Review) -> dict[str, Any]:
    return {
        "level": review.level,
        "channel": review.channel,
        "count": review.count,
        "tags": list(review.tags or []),
        "text_length": len(review.text),
    }


def _rect_snapshot(rect: Rectification) -> dict[str, Any]:
    return {"status": rect.status, "valid": rect.valid, "overdue": rect.overdue}


# --- the rated object --------------------------------------------------------------------------


@dataclass
class _Subject:
    key: str
    case: Any = None
    ticket: Any = None
    item_code: str = ""
    item_name: str = ""
    department: Any = None
    street_code: str = ""
    venue: str = ""
    window: str = ""
    staff_id: int | None = None


def _street_code_of(department: Any) -> str:
    region = getattr(department, "region", None) if department is not None else None
    if region is not None and region.level >= 5:
        return str(region.code)
    return ""


def _case_subject(by: Any, key: str) -> _Subject:
    case = (
        case_selectors.applicant_cases(by)
        .select_related("department__region", "receiving_department")
        .filter(number=key)
        .first()
    )
    if case is None:
        raise NotFound(*NOT_FOUND_SUBJECT, field="subject_key")
    if case.status != CASE_CONCLUDED:
        raise Conflict(
            "办件尚未办结，办结后才能评价",
            "The case has not concluded yet; it can be rated once it has",
            field="subject_key",
            code="not_concluded",
        )
    department = case.department
    return _Subject(
        key=key,
        case=case,
        item_code=case.implementation_code,
        item_name=case.item_name,
        department=department,
        street_code=_street_code_of(department),
        venue=case.receiving_department.name if case.receiving_department is not None else "",
        staff_id=case.first_responder_id,
    )


def _ticket_subject(by: Any, key: str) -> _Subject:
    ticket = (
        hotline_selectors.tickets_of_user(by).select_related("street").filter(number=key).first()
    )
    if ticket is None:
        raise NotFound(*NOT_FOUND_SUBJECT, field="subject_key")
    if ticket.status != TICKET_CLOSED:
        raise Conflict(
            "工单尚未办结，办结后才能评价",
            "The ticket is not closed yet; it can be rated once it is",
            field="subject_key",
            code="not_closed",
        )
    return _ticket_fields(ticket)


def _ticket_fields(ticket: Any) -> _Subject:
    return _Subject(
        key=ticket.number,
        ticket=ticket,
        item_name=f"12345 {ticket.get_category_display().split(' / ')[0]}",
        department=ticket.department,
        street_code=ticket.street.code if ticket.street_id else "",
    )


def _online_subject(key: str) -> _Subject:
    try:
        version = catalog_selectors.published_version(key)
    except NotFound:
        raise NotFound(
            "未找到该事项的网上服务", "No such item online", field="subject_key"
        ) from None
    return _Subject(
        key=version.implementation_code,
        item_code=version.implementation_code,
        item_name=version.name,
        department=version.department,
        street_code=_street_code_of(version.department),
    )


def _window_subject(key: str) -> _Subject:
    """``<venue>/<window>/<queue ticket no>``; the venue is the hall's department (full name
    or USCC), which answers for the window's service."""
    parts = [p.strip() for p in key.split("/")]
    if len(parts) != 3 or not all(parts):
        raise InvalidInput(
            "窗口评价标识应为“场所/窗口/排队号”",
            "A window visit key is '<venue>/<window>/<queue ticket no>'",
            field="subject_key",
        )
    venue, window, _queue = parts
    department = org_selectors.department_by_uscc(venue) or org_selectors.department_by_name(venue)
    if department is None:
        raise InvalidInput(
            f"未知的服务场所：{venue}", f"Unknown venue: {venue}", field="subject_key"
        )
    return _Subject(
        key="/".join(parts),
        department=department,
        street_code=_street_code_of(department),
        venue=department.name,
        window=window,
    )


def _resolve(by: Any, subject_type: str, key: str) -> _Subject:
    if subject_type == SubjectType.CASE:
        return _case_subject(by, key)
    if subject_type == SubjectType.TICKET:
        return _ticket_subject(by, key)
    if subject_type == SubjectType.ONLINE:
        return _online_subject(key)
    return _window_subject(key)


# --- rating ------------------------------------------------------------------------------


def _already_rated() -> Conflict:
    return Conflict(
        "您已评价过该服务（可修改一次）",
        "You have already rated this service (you may revise it once)",
        field="subject_key",
        code="already_rated",
    )


def _create_review(subject_type: str, subject: _Subject, rater: Any, **values: Any) -> Review:
    try:
        with transaction.atomic():  # savepoint: a concurrent duplicate must not poison the tx
            return Review.objects.create(
                subject_type=subject_type,
                subject_key=subject.key,
                case=subject.case,
                ticket=subject.ticket,
                item_code=subject.item_code,
                item_name=subject.item_name[:200],
                department=subject.department,
                street_code=subject.street_code,
                venue=subject.venue[:100],
                window=subject.window[:50],
                staff_id=subject.staff_id,
                rater=rater,
                **values,
            )
    except IntegrityError:
        raise _already_rated() from None


def rate(
    *,
    by: Any,
    subject_type: str,
    subject_key: str,
    level: int,
    channel: str,
    text: str = "",
    tags: Sequence[str] = (),
) -> Review:
    """Rate a service once. A bad review (levels 4–5) opens its rectification."""
    _require_user(by)
    kind = _subject_type(subject_type)
    key = _text(
        subject_key, field="subject_key", label="评价对象", label_en="The subject",
        max_length=100, required=True,
    )  # fmt: skip
    value = _level(level)
    code = _channel(channel)
    body = _text(
        text, field="text", label="评价内容", label_en="The text", max_length=MAX_TEXT,
        required=False,
    )  # fmt: skip
    tag_list = _tags(tags, value)
    subject = _resolve(by, kind, key)
    with transaction.atomic():
        if Review.objects.filter(subject_type=kind, subject_key=subject.key, rater=by).exists():
            raise _already_rated()
        now = _now()
        review = _create_review(
            kind, subject, by, channel=code, level=value, text=body, tags=tag_list,
            is_bad=value >= Level.DISSATISFIED, count=1, rated_at=now,
        )  # fmt: skip
        audit_record(
            action="rating.recorded",
            object_type="ratings.review",
            object_id=review.pk,
            actor=_actor(by),
            after=_review_snapshot(review),
        )
        upstream.enqueue_review(review, "rating.recorded")
        emit(
            "rating.recorded", review_id=review.pk, subject_type=kind,
            subject_key=review.subject_key, level=value, count=1,
        )  # fmt: skip
        if review.is_bad:
            _open_rectification(review, now)
    return review


def revise(
    *, by: Any, review_id: int, level: int, text: str = "", tags: Sequence[str] = ()
) -> Review:
    """The rater's one revision. A review that becomes bad opens its rectification; one
    already open carries on (the bad review was reported and must still be answered)."""
    _require_user(by)
    value = _level(level)
    body = _text(
        text, field="text", label="评价内容", label_en="The text", max_length=MAX_TEXT,
        required=False,
    )  # fmt: skip
    tag_list = _tags(tags, value)
    with transaction.atomic():
        review = (
            Review.objects.select_for_update()
            .filter(pk=_pk(review_id, "review_id", NOT_FOUND_REVIEW), rater_id=by.pk)
            .first()
        )
        if review is None:
            raise NotFound(*NOT_FOUND_REVIEW, field="review_id")
        if review.count >= 2:
            raise Conflict(
                "评价只能修改一次", "A review may be revised only once",
                field="review_id", code="already_revised",
            )  # fmt: skip
        before = _review_snapshot(review)
        now = _now()
        review.level = value
        review.text = body
        review.tags = tag_list
        review.is_bad = value >= Level.DISSATISFIED
        review.count = 2
        review.revised_at = now
        review.save(
            update_fields=["level", "text", "tags", "is_bad", "count", "revised_at", "updated_at"]
        )
        audit_record(
            action="rating.revised",
            object_type="ratings.review",
            object_id=review.pk,
            actor=_actor(by),
            before=before,
            after=_review_snapshot(review),
        )
        upstream.enqueue_review(review, "rating.revised")
        emit(
            "rating.recorded", review_id=review.pk, subject_type=review.subject_type,
            subject_key=review.subject_key, level=value, count=2,
        )  # fmt: skip
        rect = Rectification.objects.select_for_update().filter(review=review).first()
        if rect is not None:
            _event(rect, EventKind.REVISED, by, now, note=f"{before['level']} → {value}")
        elif review.is_bad:
            _open_rectification(review, now)
    return review


def _pk(value: Any, field: str, not_found: tuple[str, str]) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise NotFound(*not_found, field=field) from None


# --- rectification ---------------------------------------------------------------------------


def _event(
    rect: Rectification,
    kind: str,
    by: Any,
    at: datetime,
    *,
    note: str = "",
    status_from: str = "",
) -> RectificationEvent:
    return RectificationEvent.objects.create(
        rectification=rect,
        kind=kind,
        status_from=status_from,
        status_to=rect.status,
        note=note,
        by=by if account_policies.is_authenticated(by) else None,
        at=at,
    )


def _open_rectification(review: Review, now: datetime) -> Rectification:
    department = review.department
    if department is None:
        # Only a service with a responsible department can be rectified; every subject
        # resolved by _resolve has one, so this is a data error, not user input.
        raise Conflict(
            "该服务没有责任部门，无法转整改",
            "The service has no responsible department to rectify it",
            field="subject_key",
        )
    limits = rating_limits.limits_for(department.pk)
    rect = Rectification.objects.create(
        review=review,
        department=department,
        status=RectificationStatus.VERIFYING,
        opened_at=now,
        verify_due=rating_limits.due_after(now, limits.verify_days),
    )
    event = _event(rect, EventKind.OPENED, None, now)
    audit_record(
        action="rectification.opened",
        object_type="ratings.rectification",
        object_id=rect.pk,
        actor=SYSTEM,
        after=_rect_snapshot(rect),
    )
    upstream.enqueue_step(rect, "opened", event.pk)
    return rect


def _lock_rect(by: Any, rectification_id: Any) -> Rectification:
    _require_user(by)
    pk = _pk(rectification_id, "rectification_id", NOT_FOUND_RECT)
    rect = (
        Rectification.objects.select_for_update()
        .filter(pk=pk)
        .select_related("review", "department")
        .first()
    )
    if rect is None or not policies.may_view_rectification(by, rect):
        raise NotFound(*NOT_FOUND_RECT, field="rectification_id")
    return rect


def _check_state(rect: Rectification, step: str, doing: str, doing_en: str) -> None:
    if rect.status not in TRANSITIONS[step]:
        zh, en = _zh_en(STATUS_LABELS.get(rect.status, rect.status))
        raise Conflict(
            f"整改当前状态为“{zh}”，不能{doing}",
            f"The rectification is {en}; it cannot be {doing_en}",
            field="rectification_id",
            code="wrong_state",
            details={"status": rect.status},
        )


def _require_handler(by: Any, rect: Rectification) -> None:
    if not policies.may_handle_rectification(by, rect):
        raise NotAllowed(
            "只有责任部门或督办人员可以办理此整改",
            "Only the responsible department or a supervisor may handle this rectification",
        )


def _finish_step(
    rect: Rectification,
    by: Any,
    kind: str,
    step: str,
    before: dict[str, Any],
    now: datetime,
    *,
    fields: list[str],
    note: str = "",
) -> Rectification:
    rect.save(update_fields=[*fields, "status", "updated_at"])
    event = _event(rect, kind, by, now, note=note, status_from=before["status"])
    audit_record(
        action=f"rectification.{step}",
        object_type="ratings.rectification",
        object_id=rect.pk,
        actor=_actor(by),
        before=before,
        after=_rect_snapshot(rect),
    )
    upstream.enqueue_step(rect, step, event.pk)
    if rect.status in (RectificationStatus.CLOSED, RectificationStatus.CLOSED_INVALID):
        emit(
            "rating.rectification_closed",
            rectification_id=rect.pk, review_id=rect.review_id, status=rect.status,
        )  # fmt: skip
    return rect


def verify(*, by: Any, rectification_id: int, valid: bool, evidence: str) -> Rectification:
    """核实: valid → rectify (limit from now); not valid → a supervisor must approve."""
    if not isinstance(valid, bool):
        raise InvalidInput("请说明差评是否属实", "Say whether the review is valid", field="valid")
    text = _text(
        evidence, field="evidence", label="核实依据", label_en="The evidence",
        max_length=MAX_STEP_TEXT, required=True,
    )  # fmt: skip
    with transaction.atomic():
        rect = _lock_rect(by, rectification_id)
        _require_handler(by, rect)
        _check_state(rect, "verify", "核实", "verified")
        before = _rect_snapshot(rect)
        now = _now()
        rect.verified_at = now
        rect.verified_by = by
        rect.valid = valid
        rect.evidence = text
        fields = ["verified_at", "verified_by", "valid", "evidence"]
        if valid:
            limits = rating_limits.limits_for(rect.department_id)
            rect.status = RectificationStatus.RECTIFYING
            rect.rectify_due = rating_limits.due_after(now, limits.rectify_days)
            fields.append("rectify_due")
            kind = EventKind.VERIFIED_VALID
        else:
            rect.status = RectificationStatus.INVALID_PENDING
            kind = EventKind.VERIFIED_INVALID
        return _finish_step(rect, by, kind, "verified", before, now, fields=fields, note=text)


def decide_invalid(
    *, by: Any, rectification_id: int, approve: bool, note: str = ""
) -> Rectification:
    """A supervisor approves an "invalid review" decision (closed as invalid) or rejects
    it (back to verification, with a fresh verification limit)."""
    if not isinstance(approve, bool):
        raise InvalidInput("请选择批准或驳回", "Approve or reject", field="approve")
    text = _text(
        note, field="note", label="审批意见", label_en="The note",
        max_length=MAX_STEP_TEXT, required=not approve,
    )  # fmt: skip
    with transaction.atomic():
        rect = _lock_rect(by, rectification_id)
        if not policies.may_decide_invalid(by):
            raise NotAllowed(
                "只有督办人员可以审批无效差评",
                "Only a supervisor may approve an invalid-review decision",
            )
        _check_state(rect, "decide_invalid", "审批无效申请", "decided as invalid")
        if rect.verified_by_id == by.pk:
            raise NotAllowed(
                "核实人不能审批自己的无效申请",
                "Whoever proposed the invalid decision may not approve it",
            )
        before = _rect_snapshot(rect)
        now = _now()
        rect.invalid_decided_at = now
        rect.invalid_decided_by = by
        rect.invalid_note = text
        fields = ["invalid_decided_at", "invalid_decided_by", "invalid_note"]
        if approve:
            rect.status = RectificationStatus.CLOSED_INVALID
            rect.closed_at = now
            fields.append("closed_at")
            kind = EventKind.INVALID_APPROVED
        else:
            limits = rating_limits.limits_for(rect.department_id)
            rect.status = RectificationStatus.VERIFYING
            rect.valid = None
            rect.verify_due = rating_limits.due_after(now, limits.verify_days)
            fields += ["valid", "verify_due"]
            kind = EventKind.INVALID_REJECTED
        return _finish_step(
            rect, by, kind, "invalid_decided", before, now, fields=fields, note=text
        )


def _reply_to_rater(rect: Rectification, reply: str) -> None:
    """The reply reaches the rater as a site message when the rated service is a case
    (cases' messaging); the upstream message carries it for every channel."""
    case = rect.review.case
    if case is not None:
        case_services.notify(
            case,
            f"您对办件 {case.number} 的评价已答复",
            reply,
        )


def _replied(
    rect: Rectification, by: Any, kind: str, step: str, reply_text: str, fields: list[str]
) -> Rectification:
    before = _rect_snapshot(rect)
    now = _now()
    limits = rating_limits.limits_for(rect.department_id)
    rect.rectified_at = now
    rect.rectified_by = by
    rect.reply = reply_text
    rect.replied_at = now
    rect.status = RectificationStatus.REVISITING
    rect.revisit_due = rating_limits.due_after(now, limits.revisit_days)
    _reply_to_rater(rect, reply_text)
    return _finish_step(
        rect, by, kind, step, before, now,
        fields=[*fields, "rectified_at", "rectified_by", "reply", "replied_at", "revisit_due"],
        note=reply_text,
    )  # fmt: skip


@dataclass(frozen=True)
class _Answer:
    """How a valid bad review is answered: rectified (measures) or explained."""

    action: str  # the transition's action name
    field: str  # the Rectification field the text goes to
    label: str
    label_en: str
    doing: str
    step: str  # past tense, for the audit, upstream and the state error
    kind: str  # timeline event kind


_RECTIFY = _Answer(
    "rectify", "measures", "整改措施", "The measures", "整改", "rectified", EventKind.RECTIFIED
)
_EXPLAIN = _Answer(
    "explain", "explanation", "解释说明", "The explanation", "解释说明", "explained",
    EventKind.EXPLAINED,
)  # fmt: skip


def _answer(by: Any, rectification_id: int, how: _Answer, value: Any, reply: Any) -> Rectification:
    text = _text(
        value, field=how.field, label=how.label, label_en=how.label_en,
        max_length=MAX_STEP_TEXT, required=True,
    )  # fmt: skip
    reply_text = _text(
        reply, field="reply", label="答复内容", label_en="The reply",
        max_length=MAX_STEP_TEXT, required=True,
    )  # fmt: skip
    with transaction.atomic():
        rect = _lock_rect(by, rectification_id)
        _require_handler(by, rect)
        _check_state(rect, how.action, how.doing, how.step)
        setattr(rect, how.field, text)
        return _replied(rect, by, how.kind, how.step, reply_text, [how.field])


def rectify(*, by: Any, rectification_id: int, measures: str, reply: str) -> Rectification:
    """整改: record the measures and the reply to the rater; the revisit is next."""
    return _answer(by, rectification_id, _RECTIFY, measures, reply)


def explain(*, by: Any, rectification_id: int, explanation: str, reply: str) -> Rectification:
    """Valid, but nothing to fix (e.g. the law requires the material): explain to the rater."""
    return _answer(by, rectification_id, _EXPLAIN, explanation, reply)


def revisit(*, by: Any, rectification_id: int, satisfied: bool, note: str) -> Rectification:
    """回访: ask the rater and record whether they are satisfied; this closes the case. A
    bad review can only be closed this way (or as invalid with a supervisor's approval)."""
    if not isinstance(satisfied, bool):
        raise InvalidInput(
            "请记录评价人是否满意", "Record whether the rater is satisfied", field="satisfied"
        )
    text = _text(
        note, field="note", label="回访记录", label_en="The revisit note",
        max_length=MAX_STEP_TEXT, required=True,
    )  # fmt: skip
    with transaction.atomic():
        rect = _lock_rect(by, rectification_id)
        _require_handler(by, rect)
        _check_state(rect, "revisit", "回访", "revisited")
        before = _rect_snapshot(rect)
        now = _now()
        rect.revisited_at = now
        rect.revisited_by = by
        rect.revisit_satisfied = satisfied
        rect.revisit_note = text
        rect.closed_at = now
        rect.status = RectificationStatus.CLOSED
        return _finish_step(
            rect, by, EventKind.REVISITED, "revisited", before, now,
            fields=["revisited_at", "revisited_by", "revisit_satisfied", "revisit_note",
                    "closed_at"],
            note=text,
        )  # fmt: skip


# --- overdue escalation (电子监察) ----------------------------------------------------------------

_STEP_OF_STATUS: dict[str, tuple[str, str]] = {
    RectificationStatus.VERIFYING: (Step.VERIFY, "verify_due"),
    RectificationStatus.RECTIFYING: (Step.RECTIFY, "rectify_due"),
    RectificationStatus.REVISITING: (Step.REVISIT, "revisit_due"),
}


def _recipients(department_id: int) -> list[int]:
    heads = account_selectors.staff_with_role(
        StaffRole.DEPARTMENT_HEAD, department_id=department_id
    )
    supervisors = account_selectors.staff_with_role(StaffRole.SUPERVISOR)
    return sorted({p.user_id for p in heads} | {p.user_id for p in supervisors})


def escalate_overdue(*, now: datetime | None = None, limit: int = 500) -> int:
    """Flag every overdue step once and escalate it to the department head and the
    supervisors with an e-supervision record. Idempotent: a step already escalated (one
    :class:`Supervision` per rectification and step) is skipped; answers how many were
    escalated now."""
    now = now or _now()
    escalated = 0
    for status, (step, due_field) in _STEP_OF_STATUS.items():
        candidates = list(
            Rectification.objects.filter(status=status, **{f"{due_field}__lt": now})
            .exclude(supervisions__step=step)
            .values_list("pk", flat=True)[:limit]
        )
        for pk in candidates:
            if _escalate_one(pk, status, step, due_field, now):
                escalated += 1
    return escalated


def _escalate_one(pk: int, status: str, step: str, due_field: str, now: datetime) -> bool:
    with transaction.atomic():
        rect = (
            Rectification.objects.select_for_update()
            .select_related("review", "department")
            .filter(pk=pk)
            .first()
        )
        due = getattr(rect, due_field) if rect is not None else None
        if rect is None or rect.status != status or due is None or due >= now:
            return False  # moved on meanwhile
        if Supervision.objects.filter(rectification=rect, step=step).exists():
            return False
        zh, _en = _zh_en(dict(Step.choices)[step])
        note = (
            f"差评整改“{zh}”环节已逾期（期限 {timezone.localtime(due):%Y-%m-%d %H:%M}），"
            f"请{rect.department.name}负责人督促办理"
        )
        Supervision.objects.create(
            rectification=rect,
            step=step,
            department_id=rect.department_id,
            due=due,
            created_at=now,
            note=note,
            recipients=_recipients(rect.department_id),
        )
        before = _rect_snapshot(rect)
        rect.overdue = True
        if rect.escalated_at is None:
            rect.escalated_at = now
        rect.save(update_fields=["overdue", "escalated_at", "updated_at"])
        event = _event(rect, EventKind.OVERDUE, None, now, note=note, status_from=rect.status)
        audit_record(
            action="rectification.escalated",
            object_type="ratings.rectification",
            object_id=rect.pk,
            actor=SYSTEM,
            before=before,
            after={**_rect_snapshot(rect), "step": step},
        )
        upstream.enqueue_step(rect, "escalated", event.pk)
    return True


def acknowledge_supervision(*, by: Any, supervision_id: int) -> Supervision:
    _require_user(by)
    with transaction.atomic():
        sup = (
            Supervision.objects.select_for_update()
            .filter(pk=_pk(supervision_id, "supervision_id", ("未找到该督办", "No such record")))
            .first()
        )
        if sup is None or not (
            policies.is_overseer(by)
            or account_policies.staff_department_id(by) == sup.department_id
        ):
            raise NotFound("未找到该督办", "No such record", field="supervision_id")
        if sup.acknowledged_at is None:
            sup.acknowledged_at = _now()
            sup.save(update_fields=["acknowledged_at"])
            audit_record(
                action="supervision.acknowledged",
                object_type="ratings.supervision",
                object_id=sup.pk,
                actor=_actor(by),
            )
    return sup


# --- event handlers (kernel/events.py) ---------------------------------------------------------


def on_case_concluded(event: str, payload: dict[str, Any]) -> None:
    """``case.concluded``: invite the applicant (and agent) to rate the case. Idempotent."""
    case = case_selectors.case_by_id(payload.get("case_id"))
    if case is None or not case.number:
        return
    with transaction.atomic():
        invitation = Invitation(
            subject_type=SubjectType.CASE, subject_key=case.number, case=case, created_at=_now()
        )
        if not insert_unless_exists(invitation):
            return  # invited before (the event was delivered again)
        case_services.notify(
            case,
            f"请对办件 {case.number} 进行评价",
            f"您申请的“{case.item_name}”已办结。欢迎对本次服务进行评价（好差评），"
            "您的意见将帮助我们改进。",
        )


def on_hotline_callback_recorded(event: str, payload: dict[str, Any]) -> None:
    """``hotline.callback_recorded``: the phone callback is the caller's rating of the
    ticket (channel 6 phone). Not reached → nothing. A caller who rated the ticket
    themselves already keeps their own rating; a second callback (after a reopen) does not
    add another one."""
    level = CALLBACK_LEVELS.get(str(payload.get("result", "")))
    if level is None:
        return
    ticket = hotline_selectors.ticket_by_id(payload.get("ticket_id"))
    if ticket is None or ticket.department_id is None:
        return
    rater = ticket.caller_user
    subject = _ticket_fields(ticket)
    with transaction.atomic():
        if Review.objects.filter(
            subject_type=SubjectType.TICKET, subject_key=ticket.number, rater=rater
        ).exists():
            return
        now = _now()
        try:
            review = _create_review(
                SubjectType.TICKET, subject, rater, channel=RatingChannel.PHONE, level=level,
                text="", tags=[], is_bad=level >= Level.DISSATISFIED, count=1, rated_at=now,
            )  # fmt: skip
        except Conflict:
            return
        audit_record(
            action="rating.recorded",
            object_type="ratings.review",
            object_id=review.pk,
            actor=SYSTEM,
            after={**_review_snapshot(review), "source": "hotline.callback"},
            channel="phone",
        )
        upstream.enqueue_review(review, "rating.recorded")
        emit(
            "rating.recorded", review_id=review.pk, subject_type=review.subject_type,
            subject_key=review.subject_key, level=level, count=1,
        )  # fmt: skip
        if review.is_bad:
            _open_rectification(review, now)

"""Code sets of 好差评 (GB/T 39046-2020 and the rectification workflow), with labels.

Labels are "中文 / English" like the other apps; the Chinese part is what pages show in
zh-Hans, the English part is what the API's ``*_en`` fields carry.
"""

from __future__ import annotations

from django.db import models


class SubjectType(models.TextChoices):
    CASE = "case", "一事一评 / case"
    WINDOW = "window", "一次一评 / window visit"
    TICKET = "ticket", "12345 工单 / hotline ticket"
    ONLINE = "online", "网上服务 / online service"


class Level(models.IntegerChoices):
    """Satisfaction level (GB/T 39046-2020): 4 and 5 are bad reviews (差评)."""

    VERY_SATISFIED = 1, "非常满意 / very satisfied"
    SATISFIED = 2, "满意 / satisfied"
    BASICALLY_SATISFIED = 3, "基本满意 / basically satisfied"
    DISSATISFIED = 4, "不满意 / dissatisfied"
    VERY_DISSATISFIED = 5, "非常不满意 / very dissatisfied"


BAD_LEVELS = frozenset({Level.DISSATISFIED, Level.VERY_DISSATISFIED})
SATISFIED_LEVELS = frozenset({1, 2, 3})


class RatingChannel(models.TextChoices):
    """评价渠道 (GB/T 39046-2020)."""

    PC = "1", "PC 端 / PC"
    MOBILE = "2", "移动端 / mobile"
    QR = "3", "二维码 / QR code"
    HALL_TABLET = "4", "政务大厅平板 / hall tablet"
    HALL_TERMINAL = "5", "其他大厅终端 / other hall terminal"
    PHONE = "6", "电话 / phone"
    SMS = "7", "短信 / SMS"


class Tag(models.TextChoices):
    """Reasons a rater may tick on a bad review."""

    OVERDUE = "超时未办结", "超时未办结 / not concluded in time"
    EXTRA_MATERIALS = "指南外增加材料", "指南外增加材料 / materials beyond the guide"
    REPEATED_VISITS = "多次跑动", "多次跑动 / repeated visits"
    ATTITUDE = "态度不好", "态度不好 / poor attitude"
    SYSTEM_FAULT = "系统故障", "系统故障 / system fault"
    OTHER = "其他", "其他 / other"


class RectificationStatus(models.TextChoices):
    VERIFYING = "verifying", "待核实 / verifying"
    INVALID_PENDING = "invalid_pending", "无效待审批 / invalid, awaiting approval"
    RECTIFYING = "rectifying", "整改中 / rectifying"
    REVISITING = "revisiting", "待回访 / revisiting"
    CLOSED = "closed", "已办结 / closed"
    CLOSED_INVALID = "closed_invalid", "无效已关闭 / closed as invalid"


# Which step may leave which status (the services refuse any other source state).
# rectify/explain record the reply to the rater and move straight to revisiting: the
# reply is part of that step (the contract's "replied" state is not a resting state).
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "verify": (RectificationStatus.VERIFYING,),
    "decide_invalid": (RectificationStatus.INVALID_PENDING,),
    "rectify": (RectificationStatus.RECTIFYING,),
    "explain": (RectificationStatus.RECTIFYING,),
    "revisit": (RectificationStatus.REVISITING,),
}

OPEN_STATUSES = (
    RectificationStatus.VERIFYING,
    RectificationStatus.INVALID_PENDING,
    RectificationStatus.RECTIFYING,
    RectificationStatus.REVISITING,
)


class EventKind(models.TextChoices):
    OPENED = "opened", "差评转整改 / opened"
    VERIFIED_VALID = "verified_valid", "核实为有效 / verified valid"
    VERIFIED_INVALID = "verified_invalid", "核实为无效(待审批) / verified invalid"
    INVALID_APPROVED = "invalid_approved", "无效审批通过 / invalid approved"
    INVALID_REJECTED = "invalid_rejected", "无效审批驳回 / invalid rejected"
    RECTIFIED = "rectified", "整改并答复 / rectified and replied"
    EXPLAINED = "explained", "解释说明并答复 / explained and replied"
    REVISITED = "revisited", "回访办结 / revisited and closed"
    OVERDUE = "overdue", "逾期督办 / overdue, escalated"
    REVISED = "revised", "评价人修改评价 / review revised"


class Step(models.TextChoices):
    """The step whose due date a supervision is about."""

    VERIFY = "verify", "核实 / verify"
    RECTIFY = "rectify", "整改 / rectify"
    REVISIT = "revisit", "回访 / revisit"

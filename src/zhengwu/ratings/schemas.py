"""API schemas of 好差评 (``/api/v1/ratings``), one per endpoint direction.

Input schemas forbid unknown fields and take booleans and whole numbers strictly. The rules
with a domain meaning (level 1–5, channel code, text ≤ 500 characters, known tags) are
checked by the services, so the API and the pages give the same bilingual message; the
schemas only cap sizes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from ninja import Schema
from pydantic import ConfigDict, Field, StrictBool, StrictInt

SubjectTypeValue = Literal["case", "window", "ticket", "online"]


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


class RateIn(_In):
    subject_type: SubjectTypeValue = Field(
        description="case 一事一评 / window 一次一评 / ticket 12345 / online 网上服务"
    )
    subject_key: str = Field(
        min_length=1,
        max_length=100,
        description="办件编号 / 工单编号 / 场所/窗口/排队号 / 实施编码",
    )
    level: StrictInt = Field(description="1 非常满意 … 5 非常不满意 (GB/T 39046)")
    channel: str = Field(max_length=8, description="评价渠道 1 PC … 7 短信 (GB/T 39046)")
    text: str = Field("", max_length=4000, description="评价内容（≤500 字）/ text (≤ 500)")
    tags: list[str] = Field(default_factory=list, max_length=10, description="差评标签")


class ReviseIn(_In):
    level: StrictInt
    text: str = Field("", max_length=4000)
    tags: list[str] = Field(default_factory=list, max_length=10)


class VerifyIn(_In):
    valid: StrictBool = Field(description="差评是否属实 / is the bad review valid")
    evidence: str = Field(max_length=4000, description="核实依据 / evidence")


class DecideInvalidIn(_In):
    approve: StrictBool = Field(description="批准无效 / approve the invalid decision")
    note: str = Field("", max_length=4000, description="审批意见（驳回时必填）")


class RectifyIn(_In):
    measures: str = Field(max_length=4000, description="整改措施 / measures")
    reply: str = Field(max_length=4000, description="答复评价人 / reply to the rater")


class ExplainIn(_In):
    explanation: str = Field(max_length=4000, description="解释说明 / explanation")
    reply: str = Field(max_length=4000, description="答复评价人 / reply to the rater")


class RevisitIn(_In):
    satisfied: StrictBool = Field(description="评价人是否满意 / is the rater satisfied")
    note: str = Field(max_length=4000, description="回访记录 / revisit note")


# --- outputs ---------------------------------------------------------------------------------


class ReviewOut(Schema):
    id: int
    subject_type: str
    subject_key: str
    item_code: str
    item_name: str
    department: str | None
    venue: str
    window: str
    channel: str
    level: int
    level_label: str
    text: str
    tags: list[str]
    is_bad: bool
    count: int
    rated_at: datetime
    revised_at: datetime | None
    may_revise: bool
    rectification_id: int | None
    rectification_status: str | None
    reply: str


class EventOut(Schema):
    kind: str
    label: str
    status_from: str
    status_to: str
    note: str
    by: str
    at: datetime


class RaterOut(Schema):
    name: str
    phone: str


class RectificationOut(Schema):
    id: int
    review_id: int
    subject_type: str
    subject_key: str
    item_name: str
    level: int
    text: str
    tags: list[str]
    rater: RaterOut
    department_id: int
    department: str
    status: str
    status_label: str
    opened_at: datetime
    verify_due: datetime
    rectify_due: datetime | None
    revisit_due: datetime | None
    current_due: datetime | None
    verified_at: datetime | None
    valid: bool | None
    evidence: str
    invalid_note: str
    rectified_at: datetime | None
    measures: str
    explanation: str
    replied_at: datetime | None
    reply: str
    revisited_at: datetime | None
    revisit_satisfied: bool | None
    revisit_note: str
    closed_at: datetime | None
    escalated_at: datetime | None
    overdue: bool
    events: list[EventOut] = []


class RectificationPageOut(Schema):
    items: list[RectificationOut]
    count: int


class Three100Out(Schema):
    department_id: int
    department: str
    bad: int
    verified: int
    valid: int
    rectified: int
    revisited: int
    verified_rate: float | None
    rectified_rate: float | None
    revisited_rate: float | None
    breaking: list[int]


class SatisfactionRowOut(Schema):
    name: str
    count: int
    satisfied: int
    rate: float | None


class SatisfactionOut(Schema):
    departments: list[SatisfactionRowOut]
    items: list[SatisfactionRowOut]


class PendingOut(Schema):
    message_id: int
    topic: str
    status: str
    attempts: int
    last_error: str
    created_at: datetime
    next_attempt_at: datetime
    review_id: int | None
    rectification_id: int | None
    project_no: str


class PendingPageOut(Schema):
    summary: dict[str, int]
    items: list[PendingOut]

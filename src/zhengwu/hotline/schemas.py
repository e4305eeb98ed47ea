"""API schemas of the 12345 hotline (``/api/v1/hotline``), one per endpoint direction.

Input schemas forbid unknown fields and take booleans and whole numbers strictly; every
text has a length limit (a demand's text at most 4,000 characters, as on Open311). Output
schemas describe what ``hotline.api`` builds; caller phone and name arrive already masked
for the viewer (``selectors.caller_phone_for`` / ``caller_name_for``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field, StrictBool, StrictInt

CategoryValue = Literal["consult", "help", "complaint", "report", "suggestion", "praise", "other"]
PriorityValue = Literal["emergency", "urgent", "normal"]
LineValue = Literal["110", "119", "120", "122"]
CallbackValue = Literal["satisfied", "basically", "not_satisfied", "unreachable"]
CODE_PATTERN = r"^[0-9]{9}([0-9]{3})?$"


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


# --- inputs ------------------------------------------------------------------------------------


class RouteIn(_In):
    text: str = Field(min_length=1, max_length=4000, description="诉求内容 / the demand's text")
    address: str = Field("", max_length=255, description="地址 / address")
    street_code: str = Field(
        "", max_length=12, description="街道区划代码（可选）/ street code (optional)"
    )


class TicketCreateIn(_In):
    text: str = Field(min_length=1, max_length=4000, description="诉求内容 / the demand")
    channel: Literal["phone", "api", "mobile"] = Field(
        "api",
        description="渠道：phone 话务员代录 / api / mobile 移动端 / how the demand came in",
    )
    category: CategoryValue | None = Field(
        None, description="类别（空则由分派建议）/ category (proposed when empty)"
    )
    priority: PriorityValue = Field("normal", description="紧急程度 / priority")
    topic_code: str = Field("", max_length=64, description="主题代码 / topic code")
    attributes: dict[str, Any] | None = Field(
        None, max_length=50, description="主题附加字段 / topic attributes"
    )
    caller_phone: str = Field("", max_length=32, description="来电号码 / caller's phone")
    caller_name: str = Field("", max_length=64, description="来电人 / caller's name")
    anonymous: StrictBool = Field(False, description="匿名（仅举报）/ anonymous (reports only)")
    address: str = Field("", max_length=255, description="地址 / address")
    latitude: Decimal | None = Field(
        None, ge=-90, le=90, max_digits=9, decimal_places=6, description="纬度 / latitude"
    )
    longitude: Decimal | None = Field(
        None, ge=-180, le=180, max_digits=9, decimal_places=6, description="经度 / longitude"
    )
    street_code: str = Field("", max_length=12, description="街道区划代码 / street code")
    community_code: str = Field("", max_length=12, description="社区/村代码 / community code")


class AnswerIn(_In):
    answer: str = Field(min_length=1, max_length=4000, description="答复内容 / the answer")
    knowledge_entry_id: StrictInt | None = Field(
        None, ge=1, description="引用的知识条目 / knowledge entry used"
    )


class DispatchIn(_In):
    department_id: StrictInt = Field(ge=1, description="主办部门 / lead department")
    assisting_department_ids: list[StrictInt] = Field(
        default_factory=list, max_length=10, description="协办部门 / assisting departments"
    )
    note: str = Field("", max_length=2000, description="派单说明 / note")


class CloseIn(_In):
    answer: str = Field("", max_length=4000, description="办结答复（可选）/ closing answer")


class CallbackIn(_In):
    result: CallbackValue = Field(description="回访结果 / callback result")
    note: str = Field("", max_length=2000, description="回访记录 / note")


class ReasonIn(_In):
    reason: str = Field(min_length=1, max_length=2000, description="理由 / reason")


class MergeIn(_In):
    into: str = Field(
        min_length=1, max_length=32, description="并入的工单编号 / number of the ticket to join"
    )


class EmergencyTransferIn(_In):
    line: LineValue = Field(description="紧急线 110/119/120/122 / emergency line")
    note: str = Field("", max_length=2000, description="说明 / note")


class TakeBackIn(_In):
    note: str = Field(min_length=1, max_length=2000, description="收回说明 / why it is taken back")


class ThreeWayCallIn(_In):
    participants: list[str] = Field(
        min_length=2, max_length=10, description="参与方 / who was on the call"
    )
    outcome: str = Field(min_length=1, max_length=2000, description="结果 / outcome")
    started_at: datetime | None = Field(None, description="开始时间 / started")
    ended_at: datetime | None = Field(None, description="结束时间 / ended")


class TransferInIn(_In):
    origin_ref: str = Field(
        min_length=1, max_length=64, description="110 警情/工单编号 / reference at 110"
    )
    text: str = Field(min_length=1, max_length=4000, description="诉求内容 / the demand")
    caller_phone: str = Field("", max_length=32, description="来电号码 / caller's phone")
    address: str = Field("", max_length=255, description="地址 / address")


class ReplyIn(_In):
    reply: str = Field(min_length=1, max_length=4000, description="答复内容（公开）/ public reply")
    internal_note: str = Field("", max_length=4000, description="办理情况（内部）/ internal note")


class ExtensionIn(_In):
    days: StrictInt = Field(ge=1, le=30, description="延期工作日 / working days")
    reason: str = Field(min_length=1, max_length=2000, description="延期理由 / reason")


class ExtensionDecideIn(_In):
    approve: StrictBool = Field(description="是否批准 / approve")
    note: str = Field("", max_length=2000, description="审批意见 / note")


# --- outputs -----------------------------------------------------------------------------------


class RouteOut(Schema):
    department: str = Field(description="承办部门（登记名称）或 紧急转办 / department or 紧急转办")
    department_id: int | None
    emergency_line: str = Field(description="'' 或 110/119/120/122")
    category: str
    confidence: float
    routed_by: str = Field(description="rule / model / street / ''")
    needs_dispatcher: bool
    model_version: str


class OrderOut(Schema):
    id: int
    ticket_number: str
    department_id: int
    department_name: str
    role: str
    round: int
    status: str
    status_label: str
    dispatched_at: datetime
    sign_due_at: datetime
    due_at: datetime
    signed_at: datetime | None
    returned_at: datetime | None
    return_reason: str
    reply: str
    replied_at: datetime | None
    extended_days: int


class DepartmentOrderOut(OrderOut):
    category: str
    text: str
    address: str
    ticket_due_at: datetime | None


class TicketEventOut(Schema):
    kind: str
    kind_label: str
    at: datetime
    actor_label: str
    department_name: str
    note: str
    public: bool


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str = Field(description="sniffed from the content at upload")
    size: int
    sha256: str
    created_at: datetime


class TicketSummaryOut(Schema):
    id: int
    number: str
    channel: str
    category: str
    priority: str
    status: str
    status_label: str
    topic_code: str
    address: str
    department_id: int | None
    department_name: str
    received_at: datetime
    due_at: datetime | None
    closed_at: datetime | None
    caller_phone: str = Field(description="按身份脱敏 / masked for the viewer")
    caller_name: str = Field(description="按身份脱敏 / masked for the viewer")
    anonymous: bool


class TicketOut(TicketSummaryOut):
    text: str
    attributes: dict[str, Any]
    latitude: float | None
    longitude: float | None
    street_code: str
    street_name: str
    community_code: str
    community_name: str
    proposed_department_id: int | None
    proposed_emergency: str
    route_confidence: float | None
    routed_by: str
    due_provisional: bool
    answer: str
    answered_directly: bool
    callback_result: str
    callback_due_at: datetime | None
    reopen_count: int
    return_count: int
    merged_into: str | None
    emergency_line: str
    origin: str
    origin_ref: str
    orders: list[OrderOut]
    events: list[TicketEventOut]
    attachments: list[AttachmentOut]


class TicketPageOut(Schema):
    items: list[TicketSummaryOut]
    count: int


class ExtensionOut(Schema):
    id: int
    order_id: int
    ticket_number: str
    days: int
    reason: str
    status: str
    requested_at: datetime
    decided_at: datetime | None
    decision_note: str


class CallbackOut(Schema):
    id: int
    ticket_number: str
    round: int
    result: str
    note: str
    at: datetime
    on_time: bool
    ticket_status: str


class EmergencyTransferOut(Schema):
    id: int
    ticket_number: str
    line: str
    note: str
    at: datetime
    ticket_status: str


class ThreeWayCallOut(Schema):
    id: int
    ticket_number: str
    participants: list[str]
    outcome: str
    started_at: datetime
    ended_at: datetime | None


class KnowledgeHitOut(Schema):
    kind: str = Field(description="faq 知识条目 / guide 办事指南")
    id: int | None = Field(description="知识条目 id（faq）/ knowledge entry id")
    code: str = Field(description="事项编码（guide）/ implementation or bundle code")
    title: str = Field(description="问题或指南名称 / question or guide name")
    answer: str = Field(description="答复口径或指南摘要 / answer or guide snippet")
    department: str
    score: float
    url: str = Field(description="指南页面（guide）/ the public guide page")
    version: int = Field(description="条目版本（faq）/ entry version")

"""API schemas of case handling (办件), one per endpoint direction.

Input schemas forbid unknown fields (a misspelt ``anwsers`` is a 422, not silently
ignored) and take booleans and whole numbers strictly (``"yes"`` is not ``true``); every
text has a length limit. Output schemas describe what the handlers in ``cases.api`` build.
Personal data in staff outputs is already masked by the viewer's clearance.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal
from urllib.parse import urlsplit

from ninja import Schema
from pydantic import ConfigDict, Field, StrictBool, StrictInt, field_validator

KEY_PATTERN = r"^[-a-zA-Z0-9_]+$"


class _In(Schema):
    model_config = ConfigDict(extra="forbid")


# --- inputs: applicant side -----------------------------------------------------------------


class ApplicantIn(_In):
    """申请人 — for a walk-in entry by a clerk, or an agent (代办人) applying for someone."""

    kind: Literal["citizen", "enterprise"] = Field(
        description="申请人类型 citizen 自然人 / enterprise 法人"
    )
    name: str = Field(min_length=1, max_length=200, description="申请人姓名或单位名称 / name")
    id_number: str = Field(
        min_length=1,
        max_length=32,
        description="居民身份证号或统一社会信用代码 / citizen ID number or USCC",
    )
    phone: str = Field("", max_length=32, description="联系电话 / phone")
    address: str = Field("", max_length=300, description="联系地址 / address")
    agent_name: str = Field("", max_length=64, description="代办人姓名 / agent's name")
    agent_id_number: str = Field(
        "", max_length=32, description="代办人身份证号 / agent's citizen ID number"
    )


class CaseCreateIn(_In):
    implementation_code: str | None = Field(
        None, min_length=1, max_length=50, description="事项实施编码 / implementation code"
    )
    bundle_code: str | None = Field(
        None, min_length=1, max_length=64, description="一件事编码 / bundle code"
    )
    enterprise_id: StrictInt | None = Field(
        None, ge=1, description="以所属企业名义申请 / apply for an enterprise you belong to"
    )
    applicant: ApplicantIn | None = Field(
        None, description="代他人申请时的申请人 / the applicant, when you are their agent"
    )
    answers: dict[str, str] | None = Field(
        None, max_length=50, description="情形选择 {问题标识: 选项标识} / situation answers"
    )
    form: dict[str, Any] | None = Field(
        None, max_length=100, description="申请表字段 / application form fields"
    )


class CaseUpdateIn(_In):
    answers: dict[str, str] | None = Field(
        None, max_length=50, description="情形选择 {问题标识: 选项标识} / situation answers"
    )
    form: dict[str, Any] | None = Field(
        None, max_length=100, description="申请表字段 / application form fields"
    )


class SubmitIn(_In):
    commitment_signed_name: str = Field(
        "",
        max_length=64,
        description="告知承诺制：承诺人签名 / signed name for approval on commitment",
    )


class MaterialLicenceIn(_In):
    licence_identifier: str = Field(
        "",
        max_length=100,
        description="使用的电子证照标识；空：自动选用申请人有效的证照 / the e-licence's identifier "
        "(empty: the applicant's valid licence of the type)",
    )


class MaterialReuseIn(_In):
    file_id: StrictInt = Field(
        ge=1,
        le=2**63 - 1,
        description="以往已受理办件中的文件 / a file of an earlier accepted case (consent)",
    )


class WithdrawIn(_In):
    reason: str = Field("", max_length=2000, description="撤回原因 / reason")


class ComplaintIn(_In):
    text: str = Field(min_length=1, max_length=2000, description="反映内容 / what went wrong")


class PaymentStartIn(_In):
    return_url: str = Field(
        min_length=1,
        max_length=500,
        description="支付完成后返回的地址（http/https）/ where the gateway sends the payer back",
    )

    @field_validator("return_url")
    @classmethod
    def _web_url(cls, value: str) -> str:
        parts = urlsplit(value)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValueError("return_url must be an http(s) URL")
        return value


# --- inputs: staff side ---------------------------------------------------------------------


class StaffCaseCreateIn(_In):
    implementation_code: str | None = Field(
        None, min_length=1, max_length=50, description="事项实施编码 / implementation code"
    )
    bundle_code: str | None = Field(
        None, min_length=1, max_length=64, description="一件事编码 / bundle code"
    )
    channel: Literal["window", "post"] = Field(
        "window", description="收件方式 window 窗口 / post 邮寄 / how the file came in"
    )
    applicant: ApplicantIn = Field(description="申请人 / the applicant")


class DeficiencyIn(_In):
    material_key: str = Field(
        min_length=1, max_length=64, pattern=KEY_PATTERN, description="容缺材料 / owed material"
    )
    days: StrictInt = Field(
        10, ge=1, le=60, description="补齐期限（工作日）/ working days to supply it"
    )


class AcceptIn(_In):
    deficiency: list[DeficiencyIn] = Field(
        default_factory=list, max_length=50, description="容缺受理的材料 / owed materials"
    )
    opinion: str = Field("", max_length=2000, description="受理意见 / opinion")


class CorrectionItemIn(_In):
    material_key: str = Field(
        "", max_length=64, description="材料标识（或用 name 写材料外的事项）/ material key"
    )
    name: str = Field("", max_length=200, description="材料外的补正事项 / item not in the list")
    reason: str = Field(min_length=1, max_length=500, description="补正原因 / what is wrong")


class CorrectionIn(_In):
    items: list[CorrectionItemIn] = Field(
        min_length=1, max_length=50, description="一次性告知的全部补正事项 / everything missing"
    )


class RefuseIn(_In):
    reasons: str = Field(
        min_length=1, max_length=2000, description="不予受理理由 / reasons for refusal"
    )


class TaskIn(_In):
    task_id: StrictInt | None = Field(
        None, ge=1, description="任务（并联审查时指定）/ which open task"
    )


class StepIn(_In):
    action: Literal["pass", "return"] = Field(description="通过 pass / 退回 return")
    opinion: str = Field("", max_length=2000, description="办理意见 / opinion")
    decision: Literal["approve", "deny"] | None = Field(
        None, description="决定环节：准予 approve / 不予 deny（decide step only）"
    )
    task_id: StrictInt | None = Field(
        None, ge=1, description="任务（并联审查时指定）/ which open task"
    )


class SpecialProcedureIn(_In):
    kind: Literal[
        "hearing",
        "inspection",
        "testing",
        "quarantine",
        "appraisal",
        "expert_review",
        "tender",
        "public_notice",
    ] = Field(description="特别程序类型 / kind of special procedure")
    reason: str = Field(min_length=1, max_length=2000, description="原因 / reason")


class SpecialProcedureEndIn(_In):
    result: str = Field(min_length=1, max_length=2000, description="结果 / outcome")


class ExtensionIn(_In):
    reason: str = Field(min_length=1, max_length=2000, description="延期理由 / reason")


class ExtensionDecideIn(_In):
    approve: StrictBool = Field(description="是否批准 / approve the extension")
    note: str = Field("", max_length=2000, description="审批意见 / note")


class FeeIn(_In):
    amount: Decimal = Field(
        ge=0, le=10000000, max_digits=10, decimal_places=2, description="金额（元）/ amount, yuan"
    )
    basis: str = Field(min_length=1, max_length=500, description="核定依据 / basis")


class PaymentRecordIn(_In):
    method: Literal["cash", "card"] = Field(description="现金 cash / 银行卡 card")
    receipt_no: str = Field(min_length=1, max_length=64, description="票据号 / receipt number")
    amount: Decimal | None = Field(
        None, ge=0, max_digits=12, decimal_places=2, description="金额（默认应缴）/ amount"
    )


class DeliverIn(_In):
    method: Literal["window", "post", "download"] = Field(
        description="窗口领取 window / 邮寄 post / 网上下载 download"
    )
    tracking_no: str = Field("", max_length=64, description="快递单号（邮寄）/ tracking number")
    identity_checked: StrictBool = Field(
        False, description="已核验领取人身份（窗口领取必填）/ collector's identity checked"
    )
    address: str = Field("", max_length=300, description="寄送地址 / postal address")


class TerminateIn(_In):
    reason: str = Field(min_length=1, max_length=2000, description="终止理由 / reason")


class TransferIn(_In):
    tracking_no: str = Field(min_length=1, max_length=64, description="专递单号 / tracking number")


class CommitmentIn(_In):
    passed: StrictBool = Field(description="核查是否属实 / the commitment was true")
    finding: str = Field(min_length=1, max_length=2000, description="核查结论 / finding")


class HandoverIn(_In):
    to_user_id: StrictInt = Field(ge=1, description="接收的工作人员 / staff member taking over")
    reason: str = Field(min_length=1, max_length=2000, description="移交原因 / reason")


class PaperIn(_In):
    originals: StrictInt = Field(ge=0, le=99, description="收取原件份数 / originals received")
    copies: StrictInt = Field(ge=0, le=99, description="收取复印件份数 / copies received")


class ComplaintAnswerIn(_In):
    answer: str = Field(min_length=1, max_length=4000, description="答复 / answer")


# --- outputs --------------------------------------------------------------------------------


class FileOut(Schema):
    id: int
    filename: str
    size: int = Field(description="字节数 / bytes")
    file_type: str = Field(description="按内容识别的类型 / type detected from the content")
    sha256: str
    uploaded_at: datetime


class MaterialOut(Schema):
    key: str
    name: str
    required: bool
    deficiency_allowed: bool = Field(description="可容缺 / may be owed")
    allowed_types: list[str]
    max_size_kb: int
    source: str = Field(
        description="提供方式：'' 未提供 / upload / paper / licence / owed / commitment"
    )
    owed_until: date | None = Field(description="容缺补齐期限 / owed until")
    paper_originals: int
    paper_copies: int
    licence_identifier: str = Field(
        "", description="免提交：代替该材料的电子证照标识 / the e-licence replacing it"
    )
    files: list[FileOut]


class EventOut(Schema):
    code: str
    message: str
    message_en: str
    occurred_at: datetime


class StaffEventOut(EventOut):
    public: bool = Field(description="申请人可见 / shown to the applicant")


class NoticeOut(Schema):
    id: int
    kind: str
    kind_label: str
    number: str = Field(description="文号 / document number")
    issued_at: datetime
    pdf_url: str


class NextStepOut(Schema):
    text: str
    text_en: str


class DueDatesOut(Schema):
    received_on: date | None = Field(description="收件日期 / receipt (art. 32 clock)")
    accepted_on: date | None = Field(description="受理日期（起算日）/ acceptance")
    promised_due: date | None = Field(description="承诺办结日期 / promised completion")
    statutory_due: date | None = Field(description="法定期限 / statutory limit")
    step_due: date | None = Field(description="当前环节到期日 / current step due")
    deficiency_due: date | None = Field(description="容缺补齐期限 / owed materials due")
    provisional: bool = Field(
        description="暂定：跨入节假日安排未公布的年份 / provisional until next year's calendar"
    )
    working_days_left: int | None


class FeeOut(Schema):
    amount: str = Field(description="应缴金额（元）/ amount due, yuan")
    assessed: bool = Field(description="已核定 / assessed")
    paid: bool


class ChildOut(Schema):
    id: int
    number: str | None
    item_name: str
    implementation_code: str
    status: str
    status_label: str
    decision: str
    result_number: str


class CaseSummaryOut(Schema):
    id: int
    number: str | None = Field(description="办件编号（提交后）/ case number once submitted")
    kind: str = Field(description="single / bundle / child")
    item_name: str
    implementation_code: str
    status: str
    status_label: str
    status_label_en: str
    channel: str
    department_id: int | None
    department_name: str
    created_at: datetime
    submitted_at: datetime | None
    promised_due: date | None
    due_provisional: bool


class ApplicantOut(Schema):
    kind: str
    name: str
    id_type: str
    id_number: str = Field(description="脱敏 / masked")
    agent_name: str
    enterprise_id: int | None


class _CaseDetail(CaseSummaryOut):
    parent_id: int | None
    answers: dict[str, Any]
    form: dict[str, Any]
    materials: list[MaterialOut]
    next_step: NextStepOut
    due: DueDatesOut
    current_step_label: str
    fee: FeeOut
    decision: str = Field(description="'' / approve / deny")
    decision_reason: str
    result_number: str
    commitment: bool = Field(description="告知承诺 / approval on commitment")
    deficiency: bool = Field(description="容缺受理 / accepted with owed materials")
    notices: list[NoticeOut]
    children: list[ChildOut]
    accepted_at: datetime | None
    decided_at: datetime | None
    concluded_at: datetime | None


class CaseOut(_CaseDetail):
    """The applicant's view: public timeline only."""

    applicant: ApplicantOut
    timeline: list[EventOut]


class StaffApplicantOut(Schema):
    kind: str
    name: str
    id_type: str
    id_number: str
    phone: str
    address: str
    agent_name: str
    agent_id_number: str
    user_id: int | None
    enterprise_id: int | None


class TaskOut(Schema):
    id: int
    step: str
    step_label: str
    department_id: int
    role: str
    assignee_id: int | None
    opened_at: datetime
    due_on: date
    closed_at: datetime | None
    warning_level: str


class StepOut(Schema):
    step: str
    step_label: str
    action: str
    handler_label: str
    department_id: int | None
    opinion: str
    started_at: datetime | None
    ended_at: datetime
    channel: str


class CorrectionOut(Schema):
    id: int
    items: list[dict[str, Any]]
    requested_at: datetime
    resolved_at: datetime | None


class SpecialProcedureOut(Schema):
    id: int
    kind: str
    reason: str
    started_on: date
    ended_on: date | None
    result: str


class ExtensionOut(Schema):
    id: int
    days: int
    reason: str
    status: str
    requested_at: datetime
    decided_at: datetime | None
    decision_note: str


class PaymentOut(Schema):
    id: int
    amount: str
    method: str
    status: str
    order_no: str
    receipt_no: str
    created_at: datetime
    paid_at: datetime | None


class DeliveryOut(Schema):
    method: str
    tracking_no: str
    address: str
    identity_checked: bool
    delivered_at: datetime


class TransferOut(Schema):
    id: int
    case_id: int
    direction: str = Field(description="file 材料寄往办理机关 / result 结果寄回收件窗口")
    tracking_no: str
    status: str
    sent_at: datetime
    received_at: datetime | None


class CommitmentOut(Schema):
    status: str
    signed_name: str
    signed_at: datetime
    verify_department_id: int | None
    verify_due: date | None
    verified_at: datetime | None
    finding: str


class HandoverOut(Schema):
    id: int
    from_user_id: int
    to_user_id: int
    reason: str
    handed_at: datetime


class StaffCaseOut(_CaseDetail):
    """The workbench view: everything, personal data masked by the viewer's clearance."""

    clearance: int = Field(description="查看人的数据等级 1–4 / the viewer's clearance")
    applicant: StaffApplicantOut
    timeline: list[StaffEventOut]
    receiving_department_id: int | None
    first_responder_id: int | None
    current_step: str
    assignee_department_id: int | None
    assignee_role: str
    assignee_id: int | None
    warning_level: str
    cross_region: bool
    auto_accepted: bool
    tasks: list[TaskOut] = Field(description="未完成的任务 / open tasks")
    steps: list[StepOut]
    corrections: list[CorrectionOut]
    special_procedures: list[SpecialProcedureOut]
    extensions: list[ExtensionOut]
    payments: list[PaymentOut]
    delivery: DeliveryOut | None
    transfers: list[TransferOut]
    commitment_record: CommitmentOut | None
    handovers: list[HandoverOut]


class StaffCaseSummaryOut(CaseSummaryOut):
    applicant_name: str = Field(description="按查看人权限脱敏 / masked by clearance")
    received_on: date | None
    current_step_label: str
    assignee_id: int | None
    warning_level: str


class QueueEntryOut(Schema):
    case: StaffCaseSummaryOut
    task: TaskOut | None = Field(description="受理队列为空 / none in the acceptance queue")


class PaymentStartOut(Schema):
    order_no: str
    pay_url: str = Field(description="把缴费人引导到这里 / send the payer here")
    amount: str


class PaymentNoticeOut(Schema):
    order_no: str
    status: str


class ProgressEventOut(Schema):
    code: str
    label: str
    label_en: str
    occurred_at: datetime


class ProgressOut(Schema):
    """Public progress (no personal data)."""

    number: str
    item_name: str
    department_name: str
    status: str
    status_label: str
    status_label_en: str
    received_on: date | None
    accepted_on: date | None
    promised_due: date | None
    provisional: bool
    concluded_at: datetime | None
    next_step: NextStepOut
    events: list[ProgressEventOut]


class ComplaintOut(Schema):
    id: int
    case_id: int | None
    case_number: str | None
    implementation_code: str
    text: str
    status: str
    due_on: date
    answer: str
    created_at: datetime
    answered_at: datetime | None


class MessageOut(Schema):
    id: int
    case_id: int | None
    title: str
    body: str
    read_at: datetime | None
    created_at: datetime


class MessagesOut(Schema):
    unread: int
    items: list[MessageOut]


class SupervisionOut(Schema):
    id: int
    case_id: int | None
    case_number: str | None
    kind: str
    kind_label: str
    ref: str
    department_id: int | None
    detail: str
    occurred_at: datetime


class CasePageOut(Schema):
    """One page of a list (``limit``/``offset``), as ninja's LimitOffsetPagination."""

    items: list[CaseSummaryOut]
    count: int = Field(description="总数 / total number of cases")

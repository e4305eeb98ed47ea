"""Enumerations of case handling (办件). Values are stable codes; labels are "中文 / English"."""

from __future__ import annotations

from django.db import models


class Channel(models.TextChoices):
    """申请渠道 — recorded on every case."""

    PORTAL = "portal", "网上办事大厅 / online portal"
    WINDOW = "window", "窗口 / service window"
    API = "api", "接口 / API"
    POST = "post", "邮寄 / by post"
    KIOSK = "kiosk", "自助终端 / kiosk"


ONLINE_CHANNELS = frozenset({Channel.PORTAL, Channel.API})


class CaseKind(models.TextChoices):
    SINGLE = "single", "单事项 / single item"
    BUNDLE = "bundle", "一件事(主件) / bundle (parent)"
    CHILD = "child", "一件事(子件) / bundle member (child)"


class CaseStatus(models.TextChoices):
    DRAFT = "draft", "草稿 / draft"
    SUBMITTED = "submitted", "待受理 / awaiting acceptance"
    CORRECTION = "correction", "待补正 / awaiting correction"
    IN_PROGRESS = "in_progress", "办理中 / in progress"
    SUSPENDED = "suspended", "特别程序中 / special procedure"
    DECIDED = "decided", "已决定待送达 / decided, awaiting delivery"
    CONCLUDED = "concluded", "已办结 / concluded"
    NOT_ACCEPTED = "not_accepted", "不予受理 / not accepted"
    WITHDRAWN = "withdrawn", "已撤回 / withdrawn"
    TERMINATED = "terminated", "已终止 / terminated"
    REVOKED = "revoked", "已撤销 / revoked"


OPEN_STATUSES = frozenset(
    {
        CaseStatus.SUBMITTED,
        CaseStatus.CORRECTION,
        CaseStatus.IN_PROGRESS,
        CaseStatus.SUSPENDED,
        CaseStatus.DECIDED,
    }
)
CLOCK_STATUSES = frozenset({CaseStatus.IN_PROGRESS, CaseStatus.SUSPENDED, CaseStatus.DECIDED})


class Decision(models.TextChoices):
    NONE = "", "未决定 / not decided"
    APPROVE = "approve", "准予 / approved"
    DENY = "deny", "不予 / denied"


class WarningLevel(models.TextChoices):
    """预警等级: green / yellow / red on the queues."""

    NORMAL = "normal", "正常 / normal"
    DUE_SOON = "due_soon", "即将到期 / due soon"
    OVERDUE = "overdue", "已超期 / overdue"


class ApplicantKind(models.TextChoices):
    CITIZEN = "citizen", "自然人 / natural person"
    ENTERPRISE = "enterprise", "法人 / legal person"


class IdType(models.TextChoices):
    """证件类型 (GB/T 39046 / GA codes used by the upstream platforms)."""

    CITIZEN_ID = "111", "居民身份证 / resident ID card"
    USCC = "001", "统一社会信用代码 / unified social credit code"


class MaterialSource(models.TextChoices):
    NONE = "", "未提供 / not provided"
    UPLOAD = "upload", "电子上传 / uploaded"
    PAPER = "paper", "纸质收取 / received on paper"
    LICENCE = "licence", "电子证照免提交 / from an e-licence"
    OWED = "owed", "容缺后补 / owed (deficiency acceptance)"
    COMMITMENT = "commitment", "告知承诺替代 / replaced by commitment"


class NoticeKind(models.TextChoices):
    ACCEPTANCE = "acceptance", "受理通知书 / acceptance notice"
    CORRECTION = "correction", "补正材料通知书 / correction notice"
    REFUSAL = "refusal", "不予受理通知书 / refusal notice"
    DEFICIENCY = "deficiency", "容缺受理通知书 / deficiency acceptance notice"
    APPROVAL = "approval", "准予行政许可决定书 / approval decision"
    DENIAL = "denial", "不予行政许可决定书 / denial decision"
    EXTENSION = "extension", "延长期限告知书 / extension notice"
    SPECIAL_PROCEDURE = "special_procedure", "特别程序告知书 / special procedure notice"
    BUNDLE_RESULT = "bundle_result", "一件事办理结果通知书 / bundle result notice"


class StepAction(models.TextChoices):
    SUBMIT = "submit", "提交 / submitted"
    ACCEPT = "accept", "受理 / accepted"
    AUTO_ACCEPT = "auto_accept", "逾期自动受理 / accepted by law (art. 32)"
    CORRECTION = "correction", "一次性告知补正 / correction requested"
    REFUSE = "refuse", "不予受理 / refused"
    PASS = "pass", "通过 / passed"
    RETURN = "return", "退回 / returned"
    DECIDE = "decide", "决定 / decided"
    DELIVER = "deliver", "送达 / delivered"
    WITHDRAW = "withdraw", "撤回 / withdrawn"
    TERMINATE = "terminate", "终止 / terminated"
    SUSPEND = "suspend", "特别程序开始 / special procedure started"
    RESUME = "resume", "特别程序结束 / special procedure ended"
    EXTEND = "extend", "延期 / extended"
    HANDOVER = "handover", "移交 / handed over"
    REVOKE = "revoke", "撤销 / revoked"
    OTHER = "other", "其他 / other"


class SpecialProcedureKind(models.TextChoices):
    HEARING = "hearing", "听证 / hearing"
    INSPECTION = "inspection", "现场勘验 / on-site inspection"
    TESTING = "testing", "检验检测 / testing"
    QUARANTINE = "quarantine", "检疫 / quarantine"
    APPRAISAL = "appraisal", "鉴定 / appraisal"
    EXPERT_REVIEW = "expert_review", "专家评审 / expert review"
    TENDER = "tender", "招标拍卖 / tender or auction"
    PUBLIC_NOTICE = "public_notice", "公示 / public notice"


class RequestStatus(models.TextChoices):
    PENDING = "pending", "待审批 / pending"
    APPROVED = "approved", "已批准 / approved"
    REJECTED = "rejected", "已驳回 / rejected"


class PaymentMethod(models.TextChoices):
    CASH = "cash", "现金 / cash"
    CARD = "card", "银行卡 / bank card"
    ONLINE = "online", "网上支付 / online"


class PaymentStatus(models.TextChoices):
    PENDING = "pending", "待支付 / pending"
    PAID = "paid", "已支付 / paid"
    FAILED = "failed", "支付失败 / failed"


class DeliveryMethod(models.TextChoices):
    WINDOW = "window", "窗口领取 / collect at a window"
    POST = "post", "邮寄送达 / by post"
    DOWNLOAD = "download", "网上下载 / download"


class SupervisionKind(models.TextChoices):
    """电子监察 records."""

    AUTO_ACCEPTED = "auto_accepted", "逾期未受理自动受理 / accepted by law after 5 working days"
    CASE_OVERDUE = "case_overdue", "办件超期 / case overdue"
    STEP_OVERDUE = "step_overdue", "环节超期 / step overdue"
    IMMEDIATE_LATE = "immediate_late", "即办件未当日办结 / immediate case not same-day"
    DEFICIENCY_EXPIRED = "deficiency_expired", "容缺材料逾期未补 / owed materials not supplied"
    COMMITMENT_OVERDUE = "commitment_overdue", "承诺核查超期 / commitment check overdue"
    COMPLAINT_OVERDUE = "complaint_overdue", "办不成事反映超期未答复 / complaint answer overdue"


class CommitmentStatus(models.TextChoices):
    PENDING = "pending", "待核查 / to verify"
    PASSED = "passed", "核查通过 / verified"
    FAILED = "failed", "核查不实 / failed"


class TransferStatus(models.TextChoices):
    SENT = "sent", "已寄出 / sent"
    RECEIVED = "received", "已签收 / received"


class ComplaintStatus(models.TextChoices):
    OPEN = "open", "待答复 / open"
    ANSWERED = "answered", "已答复 / answered"

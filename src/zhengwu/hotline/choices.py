"""Code sets of the 12345 hotline, each value with its Chinese and English label.

The transition tables below are the only place that says which state may follow which;
services check them before every change (DOMAIN.md §8: 受理 → 派单 → 签收 → 办理 → 答复 →
督办 → 办结 → 回访 → 评价, with 退单, 延期 and 转办).
"""

from __future__ import annotations

from django.db import models


class Category(models.TextChoices):
    CONSULT = "consult", "咨询 / enquiry"
    HELP = "help", "求助 / request for help"
    COMPLAINT = "complaint", "投诉 / complaint"
    REPORT = "report", "举报 / report of wrongdoing"
    SUGGESTION = "suggestion", "建议 / suggestion"
    PRAISE = "praise", "表扬/感谢 / praise"
    OTHER = "other", "其他 / other"


# Chinese names as they appear in the reference data and on the agent's screen.
CATEGORY_BY_CHINESE: dict[str, str] = {
    "咨询": Category.CONSULT,
    "求助": Category.HELP,
    "投诉": Category.COMPLAINT,
    "举报": Category.REPORT,
    "建议": Category.SUGGESTION,
    "表扬": Category.PRAISE,
    "感谢": Category.PRAISE,
    "表扬/感谢": Category.PRAISE,
    "其他": Category.OTHER,
}


class Priority(models.TextChoices):
    EMERGENCY = "emergency", "紧急 / emergency"
    URGENT = "urgent", "加急 / urgent"
    NORMAL = "normal", "一般 / normal"


class Channel(models.TextChoices):
    PHONE = "phone", "电话 / phone"
    WEB = "web", "网站 / web"
    MOBILE = "mobile", "移动端 / mobile"
    API = "api", "接口 / API"
    OPEN311 = "open311", "Open311"
    TRANSFER_110 = "transfer_110", "110 转来 / transfer from 110"


class TicketStatus(models.TextChoices):
    RECEIVED = "received", "已受理待派单 / received"
    DISPATCHED = "dispatched", "已派单 / dispatched"
    HANDLING = "handling", "办理中 / in hand"
    REPLIED = "replied", "已答复 / replied"
    CLOSED = "closed", "已办结 / closed"
    TRANSFERRED = "transferred", "已转紧急线 / transferred to an emergency line"
    MERGED = "merged", "已合并 / merged"


TICKET_TRANSITIONS: dict[str, frozenset[str]] = {
    TicketStatus.RECEIVED: frozenset(
        {
            TicketStatus.DISPATCHED,
            TicketStatus.CLOSED,  # answered directly from the knowledge base
            TicketStatus.TRANSFERRED,
            TicketStatus.MERGED,
        }
    ),
    TicketStatus.DISPATCHED: frozenset(
        {
            TicketStatus.HANDLING,
            TicketStatus.RECEIVED,  # every order returned (退单): back to the dispatcher
            TicketStatus.DISPATCHED,
            TicketStatus.TRANSFERRED,
            TicketStatus.MERGED,
        }
    ),
    TicketStatus.HANDLING: frozenset({TicketStatus.REPLIED, TicketStatus.RECEIVED}),
    TicketStatus.REPLIED: frozenset({TicketStatus.CLOSED, TicketStatus.HANDLING}),
    TicketStatus.CLOSED: frozenset({TicketStatus.DISPATCHED}),  # reopened after callback
    TicketStatus.TRANSFERRED: frozenset({TicketStatus.RECEIVED}),  # 首接负责: taken back
    TicketStatus.MERGED: frozenset(),
}

# Open311 GeoReport v2 knows two states.
OPEN_STATES = frozenset(
    {
        TicketStatus.RECEIVED,
        TicketStatus.DISPATCHED,
        TicketStatus.HANDLING,
        TicketStatus.REPLIED,
        TicketStatus.TRANSFERRED,
    }
)


class OrderRole(models.TextChoices):
    LEAD = "lead", "主办 / lead"
    ASSIST = "assist", "协办 / assisting"


class OrderStatus(models.TextChoices):
    DISPATCHED = "dispatched", "待签收 / awaiting sign-for"
    SIGNED = "signed", "已签收办理中 / signed, in hand"
    REPLIED = "replied", "已答复 / replied"
    RETURNED = "returned", "已退单 / returned"
    CLOSED = "closed", "已办结 / closed"
    CANCELLED = "cancelled", "已撤回 / cancelled"


ORDER_TRANSITIONS: dict[str, frozenset[str]] = {
    OrderStatus.DISPATCHED: frozenset(
        {OrderStatus.SIGNED, OrderStatus.RETURNED, OrderStatus.CANCELLED}
    ),
    OrderStatus.SIGNED: frozenset({OrderStatus.REPLIED, OrderStatus.CANCELLED}),
    OrderStatus.REPLIED: frozenset({OrderStatus.CLOSED, OrderStatus.SIGNED}),
    OrderStatus.RETURNED: frozenset(),
    OrderStatus.CLOSED: frozenset(),
    OrderStatus.CANCELLED: frozenset(),
}

OPEN_ORDER_STATES = frozenset({OrderStatus.DISPATCHED, OrderStatus.SIGNED})


class RoutedBy(models.TextChoices):
    RULE = "rule", "规则 / rule"
    MODEL = "model", "模型 / model"
    DISPATCHER = "dispatcher", "派单员 / dispatcher"
    STREET = "street", "属地街道 / street office of the location"
    NONE = "", "未分派 / not routed"


class EmergencyLine(models.TextChoices):
    POLICE = "110", "110 报警 / police"
    FIRE = "119", "119 火警 / fire"
    AMBULANCE = "120", "120 急救 / ambulance"
    TRAFFIC = "122", "122 交通事故 / traffic accidents"


def emergency_endpoint(line: str) -> str:
    """The outbox endpoint of an emergency line's system (``emergency-119`` …)."""
    return f"emergency-{line}"


EMERGENCY_DEPARTMENT = "紧急转办"  # the routing answer for tickets that belong to an emergency line


class CallbackResult(models.TextChoices):
    SATISFIED = "satisfied", "满意 / satisfied"
    BASICALLY = "basically", "基本满意 / basically satisfied"
    NOT_SATISFIED = "not_satisfied", "不满意 / not satisfied"
    UNREACHABLE = "unreachable", "未接通 / caller not reached"


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", "待审批 / pending"
    APPROVED = "approved", "已批准 / approved"
    REJECTED = "rejected", "已驳回 / rejected"


class SupervisionKind(models.TextChoices):
    DUE_SOON = "due_soon", "临期提醒 / due soon"
    OVERDUE = "overdue", "超期督办 / overdue"
    ESCALATED = "escalated", "升级督办(部门负责人) / escalated to the department head"
    SIGN_OVERDUE = "sign_overdue", "超时未签收 / not signed for in time"


class KnowledgeStatus(models.TextChoices):
    DRAFT = "draft", "草稿 / draft"
    PENDING = "pending", "待审核 / awaiting review"
    PUBLISHED = "published", "已发布 / published"
    REJECTED = "rejected", "已退回 / rejected"
    RETIRED = "retired", "已下线 / retired"


class RuleKind(models.TextChoices):
    KEYWORD = "keyword", "关键词 / keyword"
    LOCATION = "location", "地点 / location"


class LimitUnit(models.TextChoices):
    HOUR = "hour", "工作小时 / working hours"
    WORKING_DAY = "working_day", "工作日 / working days"
    SAME_DAY = "same_day", "当日 / same day"


class EventKind(models.TextChoices):
    RECEIVED = "received", "受理"
    ROUTED = "routed", "分派建议"
    DISPATCHED = "dispatched", "派单"
    SIGNED = "signed", "签收"
    RETURNED = "returned", "退单"
    REPLIED = "replied", "答复"
    CLOSED = "closed", "办结"
    ANSWERED = "answered", "直接答复"
    EXTENSION_REQUESTED = "extension_requested", "申请延期"
    EXTENSION_DECIDED = "extension_decided", "延期审批"
    SUPERVISED = "supervised", "督办"
    CALLBACK = "callback", "回访"
    REOPENED = "reopened", "重办"
    MERGED = "merged", "合并"
    TRANSFERRED = "transferred", "转紧急线"
    TAKEN_BACK = "taken_back", "首接负责收回"
    THREE_WAY_CALL = "three_way_call", "三方通话"
    ATTACHED = "attached", "补充附件"

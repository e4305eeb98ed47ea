"""12345 hotline: tickets (工单), work orders to departments, and what surrounds them.

A :class:`Ticket` is one demand from one caller. It is routed (rule, model or dispatcher)
and dispatched as one or more :class:`WorkOrder` rows — one lead department and any
assisting ones. Departments sign for, handle and reply to their orders; the hotline centre
closes the ticket and calls the caller back. Every step is a :class:`TicketEvent`.

Caller identity is personal data: phone and name are SM4-encrypted; the phone also has a
blind index so the agent console can find a caller's earlier tickets without decrypting.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models

from zhengwu.hotline.choices import (
    CallbackResult,
    Category,
    Channel,
    EmergencyLine,
    EventKind,
    ExtensionStatus,
    KnowledgeStatus,
    LimitUnit,
    OrderRole,
    OrderStatus,
    Priority,
    RoutedBy,
    RuleKind,
    SupervisionKind,
    TicketStatus,
)
from zhengwu.kernel.fields import EncryptedTextField


class Topic(models.Model):
    """A service type offered to callers and to Open311 clients (``service_code``).

    Every category has a general topic (code = category value); more specific topics
    (噪音扰民, 供暖不热 …) carry keywords, a default department and Open311 attributes.
    """

    code = models.SlugField("服务代码", max_length=64, unique=True)
    name = models.CharField("名称", max_length=64)
    category = models.CharField("类别", max_length=16, choices=Category.choices)
    description = models.CharField("说明", max_length=255, blank=True)
    keywords = models.CharField("关键词(逗号分隔)", max_length=255, blank=True)
    group = models.CharField("分组", max_length=64, blank=True)
    # Open311 attributes: [{"code", "variable", "datatype", "required", "datatype_description",
    # "order", "description", "values": [{"key", "name"}]}]
    attributes = models.JSONField("附加字段", default=list, blank=True)
    department = models.ForeignKey(
        "org.Department",
        verbose_name="默认承办部门",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    active = models.BooleanField("有效", default=True)
    sort_order = models.PositiveIntegerField("排序", default=0)

    class Meta:
        verbose_name = "诉求主题 / topic"
        verbose_name_plural = "诉求主题 / topics"
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class TicketCounter(models.Model):
    """Per-day sequence for ticket numbers (12345 + yyyymmdd + 6 digits)."""

    day = models.DateField(primary_key=True)
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "工单编号计数 / ticket counter"

    def __str__(self) -> str:
        return f"{self.day}: {self.last}"


class Ticket(models.Model):
    # Not a column: True on the instance ``services.intake_ticket`` has just stored (False on
    # the earlier ticket an idempotent retry gets back). Such a ticket has no attachments yet
    # unless the intake carried them.
    taken_now: bool = False

    number = models.CharField("工单编号", max_length=32, unique=True)
    # Open311 token handed out before a service_request_id exists (and for idempotent POSTs).
    token = models.UUIDField("受理令牌", default=uuid.uuid4, unique=True, editable=False)
    idempotency_key = models.CharField("幂等键", max_length=128, null=True, blank=True, unique=True)
    channel = models.CharField("渠道", max_length=16, choices=Channel.choices)
    category = models.CharField("类别", max_length=16, choices=Category.choices)
    priority = models.CharField(
        "紧急程度", max_length=16, choices=Priority.choices, default=Priority.NORMAL
    )
    topic = models.ForeignKey(
        Topic, verbose_name="主题", on_delete=models.PROTECT, null=True, blank=True
    )
    attributes = models.JSONField("附加字段值", default=dict, blank=True)
    text = models.TextField("诉求内容", max_length=4000)

    # Caller (personal data: encrypted; phone found through its blind index).
    anonymous = models.BooleanField("匿名", default=False)
    caller_phone = EncryptedTextField("来电号码", blank=True, default="")
    caller_phone_index = models.CharField("来电号码索引", max_length=64, blank=True, default="")
    caller_name = EncryptedTextField("来电人", blank=True, default="")
    caller_user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="提交账号",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    # Location of the demand (public: Open311 returns it).
    address = models.CharField("地址", max_length=255, blank=True)
    latitude = models.DecimalField("纬度", max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField("经度", max_digits=9, decimal_places=6, null=True, blank=True)
    street = models.ForeignKey(
        "org.Region",
        verbose_name="街道",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    community = models.ForeignKey(
        "org.Region",
        verbose_name="社区/村",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    status = models.CharField(
        "状态", max_length=16, choices=TicketStatus.choices, default=TicketStatus.RECEIVED
    )
    # Origin of transfers in (110) and the other system's reference.
    origin = models.CharField("来源系统", max_length=16, blank=True)
    origin_ref = models.CharField("来源编号", max_length=64, blank=True)

    # Routing proposal and the department in charge (denormalised from the lead order).
    proposed_department = models.ForeignKey(
        "org.Department",
        verbose_name="建议承办部门",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    proposed_emergency = models.CharField(
        "建议转紧急线", max_length=3, choices=EmergencyLine.choices, blank=True
    )
    route_confidence = models.FloatField("分派置信度", null=True, blank=True)
    routed_by = models.CharField("分派依据", max_length=16, choices=RoutedBy.choices, blank=True)
    model_version = models.CharField("模型版本", max_length=32, blank=True)
    department = models.ForeignKey(
        "org.Department",
        verbose_name="主办部门",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    # Time limits (aware datetimes), computed with kernel.workdays.
    received_at = models.DateTimeField("受理时间", db_index=True)
    due_at = models.DateTimeField("办结时限", null=True, blank=True)
    due_provisional = models.BooleanField("时限为暂定", default=False)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    closed_on_time = models.BooleanField("按时办结", null=True, blank=True)
    callback_due_at = models.DateTimeField("回访时限", null=True, blank=True)

    # The public answer (Open311 status_notes) and whether it came straight from the agent.
    answer = models.TextField("答复内容", blank=True)
    answered_directly = models.BooleanField("直接答复", default=False)
    knowledge_entry = models.ForeignKey(
        "hotline.KnowledgeEntry",
        verbose_name="引用知识",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    callback_result = models.CharField(
        "回访结果", max_length=16, choices=CallbackResult.choices, blank=True
    )
    reopen_count = models.PositiveSmallIntegerField("重办次数", default=0)
    return_count = models.PositiveSmallIntegerField("退单次数", default=0)
    merged_into = models.ForeignKey(
        "self",
        verbose_name="合并到",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="merged_tickets",
    )
    emergency_line = models.CharField(
        "转紧急线", max_length=3, choices=EmergencyLine.choices, blank=True
    )
    # 首接负责: the agent who first received it answers for it until handed over.
    first_receiver = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="首接人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "热线工单 / ticket"
        verbose_name_plural = "热线工单 / tickets"
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["caller_phone_index", "-received_at"], name="hl_ticket_caller"),
            # The dispatcher's queue (status, oldest first) reads this in order. ``id`` is in
            # it so that the index gives the whole ORDER BY: a prepared statement's generic
            # plan (status = $1, decision 0009) otherwise preferred walking received_at from
            # the oldest ticket, ≈ 1 s at 5 M tickets (docs/benchmarks.md).
            models.Index(fields=["status", "received_at", "id"], name="hl_ticket_status"),
            models.Index(fields=["department", "status"], name="hl_ticket_dept"),
            models.Index(fields=["topic", "received_at"], name="hl_ticket_topic"),
            models.Index(fields=["updated_at"], name="hl_ticket_updated"),
            models.Index(
                fields=["callback_due_at", "id"],
                condition=models.Q(status__in=["closed", "merged"], callback_result=""),
                name="hl_ticket_awaiting_callback",
            ),
        ]

    def __str__(self) -> str:
        return self.number


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="attachments")
    sha256 = models.CharField("SHA-256", max_length=64)
    name = models.CharField("文件名", max_length=255)
    content_type = models.CharField("类型", max_length=100)
    size = models.PositiveIntegerField("大小")
    storage_name = models.CharField("存储路径", max_length=255)
    created_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "工单附件 / attachment"
        verbose_name_plural = "工单附件 / attachments"

    def __str__(self) -> str:
        return self.name


class WorkOrder(models.Model):
    """One department's share of a ticket (派单). A reopened ticket gets a new round."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="orders")
    department = models.ForeignKey(
        "org.Department", verbose_name="承办部门", on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField("主协办", max_length=8, choices=OrderRole.choices)
    round = models.PositiveSmallIntegerField("轮次", default=1)
    status = models.CharField(
        "状态", max_length=16, choices=OrderStatus.choices, default=OrderStatus.DISPATCHED
    )
    dispatched_at = models.DateTimeField("派单时间")
    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="派单人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    sign_due_at = models.DateTimeField("签收时限")
    due_at = models.DateTimeField("办理时限")
    signed_at = models.DateTimeField("签收时间", null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="签收人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    returned_at = models.DateTimeField("退单时间", null=True, blank=True)
    return_reason = models.TextField("退单理由", blank=True)
    reply = models.TextField("答复内容(公开)", blank=True)
    internal_note = models.TextField("办理情况(内部)", blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    replied_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="答复人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    extended_days = models.PositiveSmallIntegerField("已延期工作日", default=0)
    # Highest supervision already sent, so the sweep never notifies twice.
    supervision_level = models.CharField(
        "督办级别", max_length=16, choices=SupervisionKind.choices, blank=True
    )
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "派单 / work order"
        verbose_name_plural = "派单 / work orders"
        ordering = ["dispatched_at", "id"]
        indexes = [
            models.Index(fields=["department", "status", "due_at"], name="hl_order_queue"),
            models.Index(fields=["status", "due_at"], name="hl_order_due"),
            models.Index(fields=["updated_at"], name="hl_order_updated"),
        ]

    def __str__(self) -> str:
        return f"{self.ticket.number}/{self.department_id}/{self.round}"


class TicketEvent(models.Model):
    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="events")
    order = models.ForeignKey(
        WorkOrder, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    kind = models.CharField("事件", max_length=32, choices=EventKind.choices)
    at = models.DateTimeField("时间")
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name="操作人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField("操作人名称", max_length=100, blank=True)
    department = models.ForeignKey(
        "org.Department",
        verbose_name="部门",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField("说明", blank=True)
    public = models.BooleanField("对来电人公开", default=False)
    data = models.JSONField("数据", default=dict, blank=True)

    class Meta:
        verbose_name = "工单流转记录 / ticket event"
        verbose_name_plural = "工单流转记录 / ticket events"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d %H:%M}"


class Extension(models.Model):
    """延期: requested by the department before the order expires; the centre decides."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField("延期工作日")
    reason = models.TextField("理由")
    requested_at = models.DateTimeField("申请时间")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态", max_length=16, choices=ExtensionStatus.choices, default=ExtensionStatus.PENDING
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decision_note = models.TextField("审批意见", blank=True)

    class Meta:
        verbose_name = "延期申请 / extension"
        verbose_name_plural = "延期申请 / extensions"
        constraints = [
            models.UniqueConstraint(
                fields=["order"],
                condition=models.Q(status="pending"),
                name="hl_one_pending_extension",
            )
        ]

    def __str__(self) -> str:
        return f"+{self.days} ({self.get_status_display()})"


class Supervision(models.Model):
    """督办 notice on a due-soon, overdue or unsigned order."""

    order = models.ForeignKey(WorkOrder, on_delete=models.CASCADE, related_name="supervisions")
    kind = models.CharField("类型", max_length=16, choices=SupervisionKind.choices)
    department = models.ForeignKey(
        "org.Department", verbose_name="被督办部门", on_delete=models.PROTECT, related_name="+"
    )
    # Who must see it: the department's handlers, or (escalated) its head.
    recipient_role = models.CharField("接收角色", max_length=32)
    created_at = models.DateTimeField("督办时间")
    note = models.TextField("督办内容", blank=True)
    acknowledged_at = models.DateTimeField("已阅时间", null=True, blank=True)

    class Meta:
        verbose_name = "督办 / supervision"
        verbose_name_plural = "督办 / supervisions"
        constraints = [
            models.UniqueConstraint(fields=["order", "kind"], name="hl_one_supervision_per_kind")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} → {self.department_id}"


class Callback(models.Model):
    """回访 of the caller after closing; one per round."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="callbacks")
    round = models.PositiveSmallIntegerField("轮次")
    result = models.CharField("回访结果", max_length=16, choices=CallbackResult.choices)
    note = models.TextField("回访记录", blank=True)
    at = models.DateTimeField("回访时间")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    on_time = models.BooleanField("按时回访", default=True)

    class Meta:
        verbose_name = "回访 / callback"
        verbose_name_plural = "回访 / callbacks"
        constraints = [
            models.UniqueConstraint(fields=["ticket", "round"], name="hl_one_callback_per_round")
        ]
        indexes = [models.Index(fields=["at"], name="hl_callback_at")]

    def __str__(self) -> str:
        return f"{self.get_result_display()} (round {self.round})"


class EmergencyTransfer(models.Model):
    """一键转接 to 110/119/120/122 through the outbox (endpoint ``emergency-<line>``)."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="transfers")
    line = models.CharField("紧急线", max_length=3, choices=EmergencyLine.choices)
    note = models.TextField("说明", blank=True)
    at = models.DateTimeField("转接时间")
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    outbox_message_id = models.BigIntegerField("外发消息")

    class Meta:
        verbose_name = "紧急转接 / emergency transfer"
        verbose_name_plural = "紧急转接 / emergency transfers"

    def __str__(self) -> str:
        return f"{self.line} {self.at:%Y-%m-%d %H:%M}"


class ThreeWayCall(models.Model):
    """三方通话 log: who was on the call and what came of it."""

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="calls")
    participants = models.JSONField("参与方")  # ["12345 孙悦", "110 指挥中心 …", "来电人"]
    outcome = models.TextField("结果")
    started_at = models.DateTimeField("开始时间")
    ended_at = models.DateTimeField("结束时间", null=True, blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")

    class Meta:
        verbose_name = "三方通话 / three-way call"
        verbose_name_plural = "三方通话 / three-way calls"

    def __str__(self) -> str:
        return f"{self.started_at:%Y-%m-%d %H:%M}"


class TimeLimitRule(models.Model):
    """Overrides of the default limits (DOMAIN.md §8) per category and priority."""

    category = models.CharField("类别", max_length=16, choices=Category.choices)
    priority = models.CharField("紧急程度", max_length=16, choices=Priority.choices)
    sign_hours = models.PositiveSmallIntegerField("签收时限(工作小时)")
    limit = models.PositiveSmallIntegerField("办结时限")
    unit = models.CharField("单位", max_length=16, choices=LimitUnit.choices)
    callback_days = models.PositiveSmallIntegerField("回访时限(工作日)", default=1)

    class Meta:
        verbose_name = "办理时限 / time limit"
        verbose_name_plural = "办理时限 / time limits"
        constraints = [
            models.UniqueConstraint(fields=["category", "priority"], name="hl_one_limit_rule")
        ]

    def __str__(self) -> str:
        return f"{self.get_category_display()}/{self.get_priority_display()}"


class KnowledgeEntry(models.Model):
    """An FAQ answer maintained by a department and reviewed before agents see it."""

    department = models.ForeignKey(
        "org.Department", verbose_name="维护部门", on_delete=models.PROTECT, related_name="+"
    )
    question = models.CharField("问题", max_length=255)
    answer = models.TextField("答复口径")
    keywords = models.CharField("关键词", max_length=255, blank=True)
    status = models.CharField(
        "状态", max_length=16, choices=KnowledgeStatus.choices, default=KnowledgeStatus.DRAFT
    )
    version = models.PositiveIntegerField("版本", default=1)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    review_note = models.TextField("审核意见", blank=True)
    use_count = models.PositiveIntegerField("引用次数", default=0)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "知识库条目 / knowledge entry"
        verbose_name_plural = "知识库条目 / knowledge entries"
        indexes = [models.Index(fields=["status", "department"], name="hl_kb_status")]

    def __str__(self) -> str:
        return self.question


class RoutingRule(models.Model):
    """A dispatcher's rule: keywords (all of ``pattern``'s words) or a place → department."""

    kind = models.CharField("类型", max_length=16, choices=RuleKind.choices)
    # keyword: words separated by spaces, all must occur; location: a region code prefix.
    pattern = models.CharField("匹配内容", max_length=255)
    department = models.ForeignKey(
        "org.Department",
        verbose_name="承办部门",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    emergency_line = models.CharField(
        "转紧急线", max_length=3, choices=EmergencyLine.choices, blank=True
    )
    category = models.CharField("类别", max_length=16, choices=Category.choices, blank=True)
    priority = models.PositiveSmallIntegerField("优先级(小者先)", default=100)
    active = models.BooleanField("有效", default=True)
    note = models.CharField("说明", max_length=255, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "分派规则 / routing rule"
        verbose_name_plural = "分派规则 / routing rules"
        ordering = ["priority", "id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(department__isnull=True, emergency_line=""),
                name="hl_rule_has_target",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.pattern}"


class ClassifierModel(models.Model):
    """A trained routing model (pickled scikit-learn pipeline) with its evaluation."""

    version = models.CharField("版本", max_length=32, unique=True)
    created_at = models.DateTimeField("训练时间")
    algorithm = models.CharField("算法", max_length=100)
    trained_on = models.PositiveIntegerField("训练样本数")
    evaluated_on = models.PositiveIntegerField("评估样本数")
    source = models.CharField("训练数据来源", max_length=255)
    # {"accuracy", "baseline_accuracy", "per_department": {name: {precision, recall, support}}}
    metrics = models.JSONField("评估结果", default=dict)
    sha256 = models.CharField("SHA-256", max_length=64)
    payload = models.BinaryField("模型")
    active = models.BooleanField("启用", default=False)

    class Meta:
        verbose_name = "分派模型 / routing model"
        verbose_name_plural = "分派模型 / routing models"
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["active"], condition=models.Q(active=True), name="hl_one_active_model"
            )
        ]

    def __str__(self) -> str:
        return self.version


class Open311Client(models.Model):
    """An Open311 client and its api_key (stored as SHA-256 only)."""

    name = models.CharField("名称", max_length=100)
    key_hash = models.CharField("api_key 摘要", max_length=64, unique=True)
    key_prefix = models.CharField("api_key 前缀", max_length=8)
    active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "Open311 客户端 / Open311 client"
        verbose_name_plural = "Open311 客户端 / Open311 clients"

    def __str__(self) -> str:
        return f"{self.name} ({self.key_prefix}…)"


class DailyStat(models.Model):
    """Incremental daily aggregates for the analytics pages (maintained by a task)."""

    day = models.DateField("日期")
    category = models.CharField("类别", max_length=16, choices=Category.choices)
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    street = models.ForeignKey(
        "org.Region", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    received = models.PositiveIntegerField(default=0)
    answered_directly = models.PositiveIntegerField(default=0)
    closed = models.PositiveIntegerField(default=0)
    closed_on_time = models.PositiveIntegerField(default=0)
    signed = models.PositiveIntegerField(default=0)
    signed_on_time = models.PositiveIntegerField(default=0)
    callbacks = models.PositiveIntegerField(default=0)
    satisfied = models.PositiveIntegerField(default=0)  # satisfied + basically satisfied
    # When the row was computed: the newest value is the watermark of the incremental refresh.
    refreshed_at = models.DateTimeField("计算时间", null=True, blank=True)

    class Meta:
        verbose_name = "热线日统计 / daily statistic"
        verbose_name_plural = "热线日统计 / daily statistics"
        indexes = [
            models.Index(fields=["day"], name="hl_stat_day"),
            models.Index(fields=["refreshed_at"], name="hl_stat_refreshed"),
        ]
        constraints = [
            # One row per cell; a missing department or street counts as one value (0).
            models.UniqueConstraint(
                "day",
                "category",
                models.functions.Coalesce("department", models.Value(0)),
                models.functions.Coalesce("street", models.Value(0)),
                name="hl_one_stat_per_cell",
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.category}"

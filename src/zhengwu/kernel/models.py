"""Kernel tables: the working-day calendar, the hash-chained audit log and the outbox.

None of these has a foreign key into a domain: actors and objects are recorded by type and
id, so the kernel stays importable by everyone and depends on no one.
"""

from __future__ import annotations

from django.db import models

from zhengwu.kernel.fields import EncryptedTextField


class CalendarDayKind(models.TextChoices):
    HOLIDAY = "holiday", "法定节假日 / statutory holiday"
    WORKDAY = "workday", "调休上班日 / adjusted working day"


class HolidayCalendar(models.Model):
    """One exceptional day of the platform calendar.

    Ordinary days need no row: Monday–Friday work, Saturday–Sunday rest. A row either turns a
    weekday into a holiday (statutory holiday or bridge day) or a weekend day into a working
    day (调休上班日). Administrators edit rows in the admin or load a year from a file.
    """

    date = models.DateField("日期", unique=True)
    kind = models.CharField("类别", max_length=16, choices=CalendarDayKind.choices)
    name = models.CharField("名称", max_length=64, blank=True)
    year = models.PositiveSmallIntegerField("年份", db_index=True)

    class Meta:
        verbose_name = "节假日日历 / holiday calendar day"
        verbose_name_plural = "节假日日历 / holiday calendar"
        ordering = ["date"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=["holiday", "workday"]), name="calendar_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display()} {self.name}"


class CalendarYearSource(models.TextChoices):
    PACKAGE = "package", "chinese-calendar 软件包 / package seed"
    FILE = "file", "文件导入 / file import"
    ADMIN = "admin", "管理员录入 / entered by an administrator"


class CalendarYear(models.Model):
    """A year whose official schedule is loaded. Deadlines past the last one are provisional."""

    year = models.PositiveSmallIntegerField("年份", unique=True)
    source = models.CharField("来源", max_length=16, choices=CalendarYearSource.choices)
    loaded_at = models.DateTimeField("载入时间", auto_now=True)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "已载入年度日历 / loaded calendar year"
        verbose_name_plural = "已载入年度日历 / loaded calendar years"
        ordering = ["year"]

    def __str__(self) -> str:
        return str(self.year)


class AuditChainHead(models.Model):
    """The latest entry of one audit chain; its row lock serialises appends to the chain."""

    chain = models.PositiveSmallIntegerField(primary_key=True)
    last_sequence = models.BigIntegerField(default=0)
    last_hash = models.CharField(max_length=64, default="")

    class Meta:
        verbose_name = "审计链头 / audit chain head"

    def __str__(self) -> str:
        return f"chain {self.chain} @ {self.last_sequence}"


class AuditEntry(models.Model):
    """Append-only audit record. ``entry_hash`` covers the fields and ``prev_hash``."""

    chain = models.PositiveSmallIntegerField("链", default=0)
    sequence = models.BigIntegerField("序号")
    occurred_at = models.DateTimeField("时间", db_index=True)
    actor_type = models.CharField("操作者类型", max_length=32, blank=True)
    actor_id = models.CharField("操作者", max_length=64, blank=True, db_index=True)
    actor_label = models.CharField("操作者名称", max_length=128, blank=True)
    actor_role = models.CharField("角色", max_length=64, blank=True)
    channel = models.CharField("渠道", max_length=32, blank=True)
    action = models.CharField("动作", max_length=64, db_index=True)
    object_type = models.CharField("对象类型", max_length=64)
    object_id = models.CharField("对象", max_length=64)
    before = models.JSONField("变更前", default=dict, blank=True)
    after = models.JSONField("变更后", default=dict, blank=True)
    request_id = models.CharField("请求号", max_length=64, blank=True)
    prev_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = "审计日志 / audit entry"
        verbose_name_plural = "审计日志 / audit log"
        ordering = ["chain", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["chain", "sequence"], name="audit_chain_sequence")
        ]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"#{self.chain}.{self.sequence} {self.action} {self.object_type}:{self.object_id}"


class OutboxStatus(models.TextChoices):
    PENDING = "pending", "待投递 / pending"
    DELIVERED = "delivered", "已投递 / delivered"
    DEAD = "dead", "投递失败 / dead letter"


class OutboxEndpoint(models.Model):
    """A receiving system (upstream platform, supervision platform, SMS gateway …)."""

    name = models.SlugField("名称", max_length=64, unique=True)
    url = models.URLField("地址", max_length=500)
    signing_secret = EncryptedTextField(
        "签名密钥", blank=True, default="", help_text="HMAC-SHA256 over the body, if set"
    )
    auth_header = EncryptedTextField("认证头", blank=True, default="")
    timeout_seconds = models.PositiveSmallIntegerField("超时(秒)", default=10)
    active = models.BooleanField("启用", default=True)

    class Meta:
        verbose_name = "外部接收系统 / outbox endpoint"
        verbose_name_plural = "外部接收系统 / outbox endpoints"

    def __str__(self) -> str:
        return self.name


class OutboxMessage(models.Model):
    """A message to another system, written in the same transaction as the change."""

    endpoint = models.CharField("接收系统", max_length=64, db_index=True)
    topic = models.CharField("主题", max_length=64)
    payload = models.JSONField("内容")
    idempotency_key = models.CharField("幂等键", max_length=128, unique=True)
    status = models.CharField(
        "状态", max_length=16, choices=OutboxStatus.choices, default=OutboxStatus.PENDING
    )
    attempts = models.PositiveIntegerField("尝试次数", default=0)
    next_attempt_at = models.DateTimeField("下次尝试", db_index=True)
    last_error = models.TextField("最近错误", blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    delivered_at = models.DateTimeField("投递时间", null=True, blank=True)

    class Meta:
        verbose_name = "外发消息 / outbox message"
        verbose_name_plural = "外发消息 / outbox"
        ordering = ["id"]
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="outbox_due")]

    def __str__(self) -> str:
        return f"{self.topic} → {self.endpoint} ({self.status})"

"""好差评: reviews of services, rectification of bad reviews, limits and supervision.

A :class:`Review` is one rating of one service (a case, a window visit, a hotline ticket or
the online service of an item) by one rater, revisable once. A bad review (level 4–5)
opens one :class:`Rectification` at the responsible department: verify → rectify or
explain (with a reply to the rater) → revisit → closed; an "invalid review" decision needs a
supervisor's approval. Every step is a :class:`RectificationEvent`; overdue steps are
escalated once as a :class:`Supervision` (电子监察). :class:`LimitSetting` holds the working-day
limits (global row, or per department). :class:`Invitation` records the invitation sent
when a case concludes.

The rating text may contain personal data: it is stored as given; the rater's identity is
shown masked by role (selectors/API), never copied into other columns.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhengwu.ratings.choices import (
    EventKind,
    Level,
    RatingChannel,
    RectificationStatus,
    Step,
    SubjectType,
)

USER = settings.AUTH_USER_MODEL


class Review(models.Model):
    subject_type = models.CharField("评价对象类型", max_length=8, choices=SubjectType.choices)
    # case number / hotline ticket number / "<venue>/<window>/<queue ticket>" / item code
    subject_key = models.CharField("评价对象标识", max_length=100)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="办件",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    ticket = models.ForeignKey(
        "hotline.Ticket",
        verbose_name="12345 工单",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    item_code = models.CharField("事项实施编码", max_length=50, blank=True)
    item_name = models.CharField("事项名称", max_length=200, blank=True)
    department = models.ForeignKey(
        "org.Department",
        verbose_name="责任部门",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    street_code = models.CharField("所属街道区划", max_length=12, blank=True)
    venue = models.CharField("服务场所", max_length=100, blank=True)
    window = models.CharField("窗口", max_length=50, blank=True)
    staff = models.ForeignKey(
        USER,
        verbose_name="服务人员",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    rater = models.ForeignKey(
        USER,
        verbose_name="评价人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    channel = models.CharField("评价渠道", max_length=1, choices=RatingChannel.choices)
    level = models.PositiveSmallIntegerField("评价等级", choices=Level.choices)
    text = models.TextField("评价内容", blank=True, max_length=500)
    tags = models.JSONField("差评标签", default=list, blank=True)
    is_bad = models.BooleanField("差评", default=False)
    count = models.PositiveSmallIntegerField("评价次数", default=1)
    rated_at = models.DateTimeField("评价时间")
    revised_at = models.DateTimeField("修改时间", null=True, blank=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间(记录)", auto_now=True)

    class Meta:
        verbose_name = "评价 / review"
        verbose_name_plural = "评价 / reviews"
        ordering = ["-rated_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_key", "rater"],
                condition=Q(rater__isnull=False),
                name="rt_one_review_per_rater",
            ),
            # A phone callback has no rater account: one rating per ticket then.
            models.UniqueConstraint(
                fields=["subject_type", "subject_key"],
                condition=Q(rater__isnull=True),
                name="rt_one_anonymous_review",
            ),
            models.CheckConstraint(condition=Q(level__gte=1, level__lte=5), name="rt_level_1_5"),
        ]
        indexes = [
            models.Index(fields=["department", "rated_at"], name="rt_review_dept_idx"),
            models.Index(fields=["item_code", "rated_at"], name="rt_review_item_idx"),
            models.Index(fields=["rated_at"], name="rt_review_rated_idx"),
            models.Index(fields=["updated_at"], name="rt_review_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.get_subject_type_display()} {self.subject_key} · {self.level}"


class Rectification(models.Model):
    """整改: one per bad review, owned by the responsible department."""

    review = models.OneToOneField(
        Review, verbose_name="差评", on_delete=models.PROTECT, related_name="rectification"
    )
    department = models.ForeignKey(
        "org.Department", verbose_name="责任部门", on_delete=models.PROTECT, related_name="+"
    )
    status = models.CharField(
        "状态",
        max_length=16,
        choices=RectificationStatus.choices,
        default=RectificationStatus.VERIFYING,
    )
    opened_at = models.DateTimeField("转办时间")
    verify_due = models.DateTimeField("核实期限")
    rectify_due = models.DateTimeField("整改期限", null=True, blank=True)
    revisit_due = models.DateTimeField("回访期限", null=True, blank=True)
    verified_at = models.DateTimeField("核实时间", null=True, blank=True)
    verified_by = models.ForeignKey(
        USER,
        verbose_name="核实人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    valid = models.BooleanField("差评有效", null=True, blank=True)
    evidence = models.TextField("核实依据", blank=True)
    invalid_decided_at = models.DateTimeField("无效审批时间", null=True, blank=True)
    invalid_decided_by = models.ForeignKey(
        USER,
        verbose_name="审批人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    invalid_note = models.TextField("审批意见", blank=True)
    rectified_at = models.DateTimeField("整改时间", null=True, blank=True)
    rectified_by = models.ForeignKey(
        USER,
        verbose_name="整改人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    measures = models.TextField("整改措施", blank=True)
    explanation = models.TextField("解释说明", blank=True)
    replied_at = models.DateTimeField("答复时间", null=True, blank=True)
    reply = models.TextField("答复评价人", blank=True)
    revisited_at = models.DateTimeField("回访时间", null=True, blank=True)
    revisited_by = models.ForeignKey(
        USER,
        verbose_name="回访人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    revisit_satisfied = models.BooleanField("回访满意", null=True, blank=True)
    revisit_note = models.TextField("回访记录", blank=True)
    closed_at = models.DateTimeField("办结时间", null=True, blank=True)
    escalated_at = models.DateTimeField("督办时间", null=True, blank=True)
    overdue = models.BooleanField("逾期", default=False)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "差评整改 / rectification"
        verbose_name_plural = "差评整改 / rectifications"
        ordering = ["-opened_at", "-id"]
        indexes = [
            models.Index(fields=["department", "status"], name="rt_rect_dept_status_idx"),
            models.Index(fields=["status"], name="rt_rect_status_idx"),
            models.Index(fields=["updated_at"], name="rt_rect_updated_idx"),
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk} ({self.status})"


class RectificationEvent(models.Model):
    """One step on a rectification's timeline."""

    rectification = models.ForeignKey(
        Rectification, on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField("事件", max_length=20, choices=EventKind.choices)
    status_from = models.CharField("原状态", max_length=16, blank=True)
    status_to = models.CharField("新状态", max_length=16, blank=True)
    note = models.TextField("说明", blank=True)
    by = models.ForeignKey(
        USER,
        verbose_name="操作人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    at = models.DateTimeField("时间")

    class Meta:
        verbose_name = "整改过程 / rectification event"
        verbose_name_plural = "整改过程 / rectification events"
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} @ {self.at:%Y-%m-%d %H:%M}"


class LimitSetting(models.Model):
    """Working-day limits of the rectification steps: one global row (no department) and
    optional rows per department that override it (DOMAIN.md §5 defaults 1 / 15 / 3)."""

    department = models.OneToOneField(
        "org.Department",
        verbose_name="部门(空=全局)",
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
    )
    verify_days = models.PositiveSmallIntegerField("核实时限(工作日)", default=1)
    rectify_days = models.PositiveSmallIntegerField("整改时限(工作日)", default=15)
    revisit_days = models.PositiveSmallIntegerField("回访时限(工作日)", default=3)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "整改时限 / rectification limits"
        verbose_name_plural = "整改时限 / rectification limits"
        constraints = [
            models.UniqueConstraint(
                fields=["department"],
                condition=Q(department__isnull=True),
                name="rt_one_global_limit",
            ),
            models.CheckConstraint(
                condition=Q(verify_days__gte=1, rectify_days__gte=1, revisit_days__gte=1),
                name="rt_limits_positive",
            ),
        ]

    def __str__(self) -> str:
        scope = self.department_id or "全局"
        return f"{scope}: {self.verify_days}/{self.rectify_days}/{self.revisit_days}"


class Supervision(models.Model):
    """电子监察 record: an overdue step escalated to the department head / supervisors."""

    rectification = models.ForeignKey(
        Rectification, on_delete=models.CASCADE, related_name="supervisions"
    )
    step = models.CharField("逾期环节", max_length=8, choices=Step.choices)
    department = models.ForeignKey(
        "org.Department", verbose_name="被督办部门", on_delete=models.PROTECT, related_name="+"
    )
    due = models.DateTimeField("期限")
    created_at = models.DateTimeField("督办时间")
    note = models.TextField("督办内容", blank=True)
    recipients = models.JSONField("接收人", default=list, blank=True)  # user ids
    acknowledged_at = models.DateTimeField("已阅时间", null=True, blank=True)

    class Meta:
        verbose_name = "电子监察 / e-supervision"
        verbose_name_plural = "电子监察 / e-supervision"
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["rectification", "step"], name="rt_one_supervision_per_step"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_step_display()} #{self.rectification_id}"


class Invitation(models.Model):
    """评价邀请 sent to the applicant (and agent) when a case concludes."""

    subject_type = models.CharField("评价对象类型", max_length=8, choices=SubjectType.choices)
    subject_key = models.CharField("评价对象标识", max_length=100)
    case = models.ForeignKey(
        "cases.Case", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    ticket = models.ForeignKey(
        "hotline.Ticket", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField("邀请时间")

    class Meta:
        verbose_name = "评价邀请 / rating invitation"
        verbose_name_plural = "评价邀请 / rating invitations"
        constraints = [
            models.UniqueConstraint(
                fields=["subject_type", "subject_key"], name="rt_one_invitation_per_subject"
            )
        ]

    def __str__(self) -> str:
        return f"{self.subject_type} {self.subject_key}"

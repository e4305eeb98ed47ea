"""Case handling (办件): applications, acceptance, workflow, time limits, results.

A ``Case`` pins the published ``catalog.ItemVersion`` it was applied under and the
``ProcessDefinition`` (BPMN) it runs. The row keeps a denormalised summary of where the case
is (status, current step, assignee department, deadlines, warning level) so that queues
are one indexed query; the engine state (JSON) is only read when a step is completed.

Every change goes through :mod:`zhengwu.cases.services` in one transaction with an audit
entry; the public timeline is ``CaseEvent``; the GB/T 39046 step record is ``CaseStep``.
"""

from __future__ import annotations

from typing import Any

import orjson
from django.conf import settings
from django.db import models

from zhengwu.cases.choices import (
    ApplicantKind,
    CaseKind,
    CaseStatus,
    Channel,
    CommitmentStatus,
    ComplaintStatus,
    Decision,
    DeliveryMethod,
    IdType,
    MaterialSource,
    NoticeKind,
    PaymentMethod,
    PaymentStatus,
    RequestStatus,
    SpecialProcedureKind,
    StepAction,
    SupervisionKind,
    TransferStatus,
    WarningLevel,
)
from zhengwu.kernel.fields import EncryptedTextField

USER = settings.AUTH_USER_MODEL


class ProcessDefinition(models.Model):
    """One version of a BPMN process. Immutable: a changed file is a new version."""

    key = models.SlugField("流程标识", max_length=64)
    version = models.PositiveIntegerField("版本")
    name = models.CharField("名称", max_length=100)
    bpmn = models.TextField("BPMN 2.0")
    digest = models.CharField("SHA-256", max_length=64, unique=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "审批流程 / process definition"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["key", "version"], name="process_key_version_unique")
        ]

    def __str__(self) -> str:
        return f"{self.key} v{self.version}"


class Blob(models.Model):
    """An uploaded file, stored once under its SHA-256 (content-addressed)."""

    sha256 = models.CharField("SHA-256", max_length=64, primary_key=True)
    size = models.PositiveBigIntegerField("字节数")
    file_type = models.CharField("类型(按内容识别)", max_length=16)
    content_type = models.CharField("MIME", max_length=100)
    storage_name = models.CharField("存储路径", max_length=255)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "文件 / file"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.sha256[:12]}… ({self.file_type}, {self.size} B)"


class CaseNumberCounter(models.Model):
    """Per-day sequence of case and document numbers (row-locked when incremented)."""

    scope = models.CharField("范围", max_length=32)
    day = models.DateField("日期")
    last = models.PositiveIntegerField("当前序号", default=0)

    class Meta:
        verbose_name = "编号计数器 / number counter"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["scope", "day"], name="case_counter_scope_day_unique")
        ]

    def __str__(self) -> str:
        return f"{self.scope} {self.day} #{self.last}"


class Case(models.Model):
    # --- identity ----------------------------------------------------------------------
    number = models.CharField("办件编号", max_length=32, unique=True, null=True, blank=True)
    kind = models.CharField("类别", max_length=8, choices=CaseKind.choices, default=CaseKind.SINGLE)
    parent = models.ForeignKey(
        "self",
        verbose_name="一件事主件",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    bundle = models.ForeignKey(
        "catalog.Bundle",
        verbose_name="一件事",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    item_version = models.ForeignKey(
        "catalog.ItemVersion",
        verbose_name="事项版本",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    implementation_code = models.CharField("实施编码", max_length=50, blank=True)
    item_name = models.CharField("事项名称", max_length=200)
    case_type = models.CharField("办件类型", max_length=1, default="2")
    channel = models.CharField("申请渠道", max_length=8, choices=Channel.choices)
    idempotency_key = models.CharField("提交幂等键", max_length=64, blank=True)

    # --- who applies -------------------------------------------------------------------
    applicant_kind = models.CharField("申请人类型", max_length=12, choices=ApplicantKind.choices)
    applicant_user = models.ForeignKey(
        USER,
        verbose_name="申请人账号",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    enterprise = models.ForeignKey(
        "accounts.Enterprise",
        verbose_name="申请单位",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="cases",
    )
    applicant_name = models.CharField("申请人名称", max_length=200)
    applicant_id_type = models.CharField("证件类型", max_length=3, choices=IdType.choices)
    applicant_id_number = EncryptedTextField("证件号码", blank=True, default="")
    applicant_id_index = models.CharField(
        "证件号码盲索引", max_length=64, blank=True, db_index=True
    )
    applicant_phone = EncryptedTextField("联系电话", blank=True, default="")
    applicant_address = EncryptedTextField("联系地址", blank=True, default="")
    agent_name = models.CharField("代办人姓名", max_length=64, blank=True)
    agent_id_number = EncryptedTextField("代办人身份证号", blank=True, default="")
    agent_user = models.ForeignKey(
        USER,
        verbose_name="代办人账号",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="agent_cases",
    )
    answers = models.JSONField("情形选择", default=dict, blank=True)
    # The application form may hold personal data of others (a newborn's parents' ID
    # numbers …): stored as SM4-encrypted JSON, read and written through ``form_data``.
    form_encrypted = EncryptedTextField("申请表(加密)", blank=True, default="")

    # --- where ---------------------------------------------------------------------------
    department = models.ForeignKey(
        "org.Department",
        verbose_name="办理部门",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="handled_cases",
    )
    receiving_department = models.ForeignKey(
        "org.Department",
        verbose_name="收件部门(窗口)",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="received_cases",
    )
    cross_region = models.BooleanField("跨域通办", default=False)
    created_by = models.ForeignKey(
        USER,
        verbose_name="录入人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="entered_cases",
    )
    first_responder = models.ForeignKey(
        USER,
        verbose_name="首问责任人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="first_contact_cases",
    )

    # --- state ---------------------------------------------------------------------------
    status = models.CharField(
        "状态", max_length=16, choices=CaseStatus.choices, default=CaseStatus.DRAFT
    )
    decision = models.CharField("决定", max_length=8, choices=Decision.choices, blank=True)
    decision_reason = models.TextField("决定理由", blank=True)
    result_number = models.CharField("结果编号", max_length=64, blank=True)
    process = models.ForeignKey(
        ProcessDefinition, verbose_name="流程", on_delete=models.PROTECT, null=True, blank=True
    )
    engine_state = models.TextField("流程状态", blank=True)
    current_step = models.CharField("当前环节", max_length=64, blank=True)
    current_step_label = models.CharField("当前环节名称", max_length=64, blank=True)
    assignee_department = models.ForeignKey(
        "org.Department",
        verbose_name="当前办理部门",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    assignee_role = models.CharField("当前办理角色", max_length=32, blank=True)
    assignee = models.ForeignKey(
        USER,
        verbose_name="签收人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="claimed_cases",
    )
    step_started_at = models.DateTimeField("环节开始", null=True, blank=True)
    step_due = models.DateField("环节到期日", null=True, blank=True)

    # --- clock ---------------------------------------------------------------------------
    submitted_at = models.DateTimeField("提交时间", null=True, blank=True)
    received_on = models.DateField("收件日期", null=True, blank=True)
    accepted_at = models.DateTimeField("受理时间", null=True, blank=True)
    accepted_on = models.DateField("受理日期(起算)", null=True, blank=True)
    auto_accepted = models.BooleanField("逾期自动受理", default=False)
    statutory_limit = models.PositiveIntegerField("法定时限", null=True, blank=True)
    statutory_unit = models.CharField("法定时限单位", max_length=16, blank=True)
    promised_limit = models.PositiveIntegerField("承诺时限", null=True, blank=True)
    promised_unit = models.CharField("承诺时限单位", max_length=16, blank=True)
    extension_days = models.PositiveSmallIntegerField("延长工作日", default=0)
    statutory_due = models.DateField("法定到期日", null=True, blank=True)
    promised_due = models.DateField("承诺到期日", null=True, blank=True, db_index=True)
    due_provisional = models.BooleanField("到期日为暂定", default=False)
    warning_level = models.CharField(
        "预警", max_length=8, choices=WarningLevel.choices, default=WarningLevel.NORMAL
    )
    decided_at = models.DateTimeField("决定时间", null=True, blank=True)
    concluded_at = models.DateTimeField("办结时间", null=True, blank=True)

    # --- flags ---------------------------------------------------------------------------
    commitment = models.BooleanField("告知承诺", default=False)
    deficiency = models.BooleanField("容缺受理", default=False)
    deficiency_due = models.DateField("容缺补齐期限", null=True, blank=True)
    fee_amount = models.DecimalField("应缴费用", max_digits=12, decimal_places=2, default=0)
    fee_paid = models.BooleanField("已缴费", default=False)
    fee_assessed = models.BooleanField("费用已核定", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "办件 / case"
        verbose_name_plural = verbose_name
        indexes = [
            models.Index(
                fields=["receiving_department", "status", "created_at"], name="case_venue_idx"
            ),
            models.Index(fields=["applicant_user", "created_at"], name="case_applicant_idx"),
            models.Index(fields=["enterprise", "created_at"], name="case_enterprise_idx"),
            models.Index(fields=["department", "warning_level", "status"], name="case_warning_idx"),
            models.Index(fields=["status", "received_on"], name="case_status_received_idx"),
            models.Index(fields=["parent"], name="case_parent_idx"),
            # staff search by exact applicant name, newest first (bench/cases_queries.py)
            models.Index(fields=["applicant_name", "created_at"], name="case_applicant_name_idx"),
            # staff search by status + warning level, newest first
            models.Index(
                fields=["status", "warning_level", "created_at"], name="case_status_warning_idx"
            ),
            # the indicators' incremental refresh and day ranges (metrics.aggregate)
            models.Index(fields=["updated_at"], name="case_updated_idx"),
            models.Index(fields=["submitted_at"], name="case_submitted_idx"),
            models.Index(fields=["concluded_at"], name="case_concluded_idx"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["applicant_user", "idempotency_key"],
                condition=~models.Q(idempotency_key=""),
                name="case_submit_idempotent",
            ),
        ]

    def __str__(self) -> str:
        return self.number or f"草稿 #{self.pk}"

    @property
    def form_data(self) -> dict[str, Any]:
        if not self.form_encrypted:
            return {}
        value = orjson.loads(self.form_encrypted)
        return value if isinstance(value, dict) else {}

    @form_data.setter
    def form_data(self, value: dict[str, Any] | None) -> None:
        self.form_encrypted = orjson.dumps(value or {}).decode() if value else ""

    @property
    def is_open(self) -> bool:
        from zhengwu.cases.choices import OPEN_STATUSES

        return self.status in OPEN_STATUSES


class CaseMaterial(models.Model):
    """One required (or optional) material of a case, and how it was provided."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="materials")
    key = models.SlugField("材料标识", max_length=64)
    name = models.CharField("材料名称", max_length=200)
    required = models.BooleanField("必要", default=True)
    deficiency_allowed = models.BooleanField("可容缺", default=False)
    source = models.CharField("提供方式", max_length=12, choices=MaterialSource.choices, blank=True)
    paper_originals = models.PositiveSmallIntegerField("收取原件份数", default=0)
    paper_copies = models.PositiveSmallIntegerField("收取复印件份数", default=0)
    licence_identifier = models.CharField("证照标识", max_length=100, blank=True)
    owed_until = models.DateField("容缺补齐期限", null=True, blank=True)
    max_size_kb = models.PositiveIntegerField("大小上限(KB)", default=10240)
    allowed_types = models.JSONField("允许类型", default=list)
    sort_order = models.PositiveSmallIntegerField("排序", default=0)

    class Meta:
        verbose_name = "办件材料 / case material"
        verbose_name_plural = verbose_name
        ordering = ["sort_order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["case", "key"], name="case_material_key_unique")
        ]

    def __str__(self) -> str:
        return self.name


class CaseFile(models.Model):
    material = models.ForeignKey(CaseMaterial, on_delete=models.CASCADE, related_name="files")
    blob = models.ForeignKey(Blob, on_delete=models.PROTECT, related_name="+")
    filename = models.CharField("文件名", max_length=200)
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    uploaded_at = models.DateTimeField("上传时间", auto_now_add=True)

    class Meta:
        verbose_name = "材料文件 / material file"
        verbose_name_plural = verbose_name
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class CaseStep(models.Model):
    """GB/T 39046 环节信息: action, step, handler, opinion, start/end, body."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="steps")
    step = models.CharField("环节", max_length=64)
    step_label = models.CharField("环节名称", max_length=64)
    action = models.CharField("动作", max_length=16, choices=StepAction.choices)
    handler = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    handler_label = models.CharField("办理人", max_length=64)
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, null=True, related_name="+"
    )
    opinion = models.TextField("意见", blank=True)
    started_at = models.DateTimeField("开始时间", null=True)
    ended_at = models.DateTimeField("结束时间")
    channel = models.CharField("渠道", max_length=16, blank=True)

    class Meta:
        verbose_name = "办理环节 / step record"
        verbose_name_plural = verbose_name
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class CaseEvent(models.Model):
    """The progress timeline: what happened, told to the applicant when ``public``."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    code = models.CharField("事件", max_length=32)
    message = models.CharField("说明", max_length=500)
    message_en = models.CharField("说明(英文)", max_length=500)
    public = models.BooleanField("对申请人可见", default=True)
    occurred_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "办件动态 / timeline entry"
        verbose_name_plural = verbose_name
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class Notice(models.Model):
    """A numbered legal document given to the applicant; its PDF is rendered after commit."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="notices")
    kind = models.CharField("文书", max_length=20, choices=NoticeKind.choices)
    number = models.CharField("文号", max_length=64, unique=True)
    content = models.JSONField("内容", default=dict)
    pdf = models.ForeignKey(Blob, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    issued_at = models.DateTimeField("出具时间", auto_now_add=True)

    class Meta:
        verbose_name = "文书 / notice"
        verbose_name_plural = verbose_name
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class Correction(models.Model):
    """一次性告知: everything missing, told at once."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="corrections")
    items = models.JSONField("补正事项", default=list)  # [{material_key, name, reason}]
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField("告知时间", auto_now_add=True)
    resolved_at = models.DateTimeField("补正提交时间", null=True, blank=True)

    class Meta:
        verbose_name = "补正告知 / correction request"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class SpecialProcedure(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="special_procedures")
    kind = models.CharField("类型", max_length=16, choices=SpecialProcedureKind.choices)
    reason = models.TextField("原因")
    started_on = models.DateField("开始日期")
    ended_on = models.DateField("结束日期", null=True, blank=True)
    result = models.TextField("结果", blank=True)
    started_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    ended_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")

    class Meta:
        verbose_name = "特别程序 / special procedure"
        verbose_name_plural = verbose_name
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class Extension(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="extensions")
    days = models.PositiveSmallIntegerField("延长工作日", default=10)
    reason = models.TextField("理由")
    status = models.CharField(
        "状态", max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField("申请时间", auto_now_add=True)
    decided_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True)

    class Meta:
        verbose_name = "延期 / extension"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class Payment(models.Model):
    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="payments")
    amount = models.DecimalField("金额", max_digits=12, decimal_places=2)
    method = models.CharField("方式", max_length=8, choices=PaymentMethod.choices)
    status = models.CharField(
        "状态", max_length=8, choices=PaymentStatus.choices, default=PaymentStatus.PENDING
    )
    order_no = models.CharField("订单号", max_length=40, unique=True)
    receipt_no = models.CharField("票据号", max_length=64, blank=True)
    gateway_ref = models.CharField("支付流水", max_length=64, blank=True)
    recorded_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    paid_at = models.DateTimeField("支付时间", null=True, blank=True)

    class Meta:
        verbose_name = "缴费 / payment"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class Delivery(models.Model):
    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="delivery")
    method = models.CharField("方式", max_length=8, choices=DeliveryMethod.choices)
    tracking_no = models.CharField("快递单号", max_length=64, blank=True)
    address = EncryptedTextField("寄送地址", blank=True, default="")
    identity_checked = models.BooleanField("核验领取人身份", default=False)
    delivered_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    delivered_at = models.DateTimeField("送达时间", auto_now_add=True)

    class Meta:
        verbose_name = "送达 / delivery"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class Commitment(models.Model):
    """告知承诺: the signed commitment and its post-approval verification."""

    case = models.OneToOneField(Case, on_delete=models.CASCADE, related_name="commitment_record")
    text = models.TextField("承诺内容")
    signed_name = models.CharField("承诺人签名", max_length=64)
    signed_at = models.DateTimeField("签署时间")
    verify_department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, null=True, related_name="+"
    )
    verify_due = models.DateField("核查期限", null=True, blank=True)
    status = models.CharField(
        "核查状态", max_length=8, choices=CommitmentStatus.choices, default=CommitmentStatus.PENDING
    )
    verified_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    verified_at = models.DateTimeField("核查时间", null=True, blank=True)
    finding = models.TextField("核查结论", blank=True)

    class Meta:
        verbose_name = "告知承诺 / commitment"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class CreditRecord(models.Model):
    """A credit event (失信记录) created by case handling, e.g. a false commitment."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="credit_records")
    subject_name = models.CharField("主体名称", max_length=200)
    subject_id_index = models.CharField("主体证件盲索引", max_length=64, db_index=True)
    kind = models.CharField("类型", max_length=32)
    description = models.TextField("说明")
    recorded_at = models.DateTimeField("记录时间", auto_now_add=True)

    class Meta:
        verbose_name = "信用记录 / credit record"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class Supervision(models.Model):
    """电子监察: one record per breach; unique per (case, kind, ref) so re-runs add nothing."""

    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, related_name="supervisions", null=True, blank=True
    )
    kind = models.CharField("类型", max_length=20, choices=SupervisionKind.choices)
    ref = models.CharField("关联", max_length=64, blank=True)
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, null=True, related_name="+"
    )
    detail = models.TextField("说明", blank=True)
    occurred_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "电子监察 / e-supervision record"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["case", "kind", "ref"], name="supervision_once")
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class Transfer(models.Model):
    """政务专递: a paper file forwarded between receiving and handling bodies."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="transfers")
    direction = models.CharField("方向", max_length=8)  # "file" (to handler) / "result"
    tracking_no = models.CharField("专递单号", max_length=64)
    status = models.CharField(
        "状态", max_length=8, choices=TransferStatus.choices, default=TransferStatus.SENT
    )
    sent_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    sent_at = models.DateTimeField("寄出时间", auto_now_add=True)
    received_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    received_at = models.DateTimeField("签收时间", null=True, blank=True)

    class Meta:
        verbose_name = "政务专递 / file transfer"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class Handover(models.Model):
    """首问负责 hand-over: responsibility moves only by an explicit record."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="handovers")
    from_user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    to_user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    reason = models.TextField("原因")
    handed_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "首问移交 / hand-over"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class Complaint(models.Model):
    """办不成事: a complaint about a case or an item, answered by the supervising office."""

    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="case_complaints")
    case = models.ForeignKey(
        Case, on_delete=models.PROTECT, null=True, blank=True, related_name="complaints"
    )
    implementation_code = models.CharField("实施编码", max_length=50, blank=True)
    text = models.TextField("反映内容")
    status = models.CharField(
        "状态", max_length=8, choices=ComplaintStatus.choices, default=ComplaintStatus.OPEN
    )
    due_on = models.DateField("答复期限")
    answer = models.TextField("答复", blank=True)
    answered_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    answered_at = models.DateTimeField("答复时间", null=True, blank=True)
    created_at = models.DateTimeField("反映时间", auto_now_add=True)

    class Meta:
        verbose_name = "办不成事反映 / complaint"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["status", "due_on"], name="complaint_due_idx")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class Message(models.Model):
    """站内消息 to a user; SMS and e-mail copies go out through the outbox."""

    user = models.ForeignKey(USER, on_delete=models.CASCADE, related_name="messages")
    case = models.ForeignKey(
        Case, on_delete=models.CASCADE, null=True, blank=True, related_name="messages"
    )
    title = models.CharField("标题", max_length=200)
    body = models.TextField("内容")
    read_at = models.DateTimeField("阅读时间", null=True, blank=True)
    created_at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "站内消息 / message"
        verbose_name_plural = verbose_name
        ordering = ["-id"]
        indexes = [models.Index(fields=["user", "read_at"], name="message_unread_idx")]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class ProcessBinding(models.Model):
    """Which BPMN process an implementation list runs (absent: the shipped default rule)."""

    implementation_code = models.CharField("实施编码", max_length=50, unique=True)
    process_key = models.SlugField("流程标识", max_length=64)
    note = models.CharField("说明", max_length=200, blank=True)

    class Meta:
        verbose_name = "事项流程绑定 / process binding"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.implementation_code} → {self.process_key}"


class CaseTask(models.Model):
    """An open or finished user task of the case's process: the rows behind the work queues.

    Parallel branches (joint review) have one row each. ``closed_at`` is NULL while open;
    the partial indexes hold only open tasks, so queue queries stay small however many
    cases a district has concluded.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="tasks")
    engine_task_id = models.CharField("引擎任务", max_length=64)
    step = models.CharField("环节", max_length=64)
    step_label = models.CharField("环节名称", max_length=64)
    department = models.ForeignKey(
        "org.Department", verbose_name="办理部门", on_delete=models.PROTECT, related_name="+"
    )
    role = models.CharField("角色", max_length=32)
    assignee = models.ForeignKey(
        USER,
        verbose_name="签收人",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="case_tasks",
    )
    opened_at = models.DateTimeField("开始时间")
    due_on = models.DateField("到期日")
    closed_at = models.DateTimeField("完成时间", null=True, blank=True)
    warning_level = models.CharField(
        "预警", max_length=8, choices=WarningLevel.choices, default=WarningLevel.NORMAL
    )

    class Meta:
        verbose_name = "办理任务 / task"
        verbose_name_plural = verbose_name
        indexes = [
            models.Index(
                fields=["department", "role", "due_on"],
                condition=models.Q(closed_at__isnull=True),
                name="task_open_dept_idx",
            ),
            models.Index(
                fields=["assignee", "due_on"],
                condition=models.Q(closed_at__isnull=True),
                name="task_open_mine_idx",
            ),
            models.Index(
                fields=["due_on"],
                condition=models.Q(closed_at__isnull=True),
                name="task_open_due_idx",
            ),
            # overdue / due-soon queues of a department, in queue order (due date, id)
            models.Index(
                fields=["department", "due_on", "id"],
                condition=models.Q(closed_at__isnull=True),
                name="task_open_dept_due_idx",
            ),
            models.Index(fields=["case", "closed_at"], name="task_case_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.case} · {self.step_label}"


class CaseAccess(models.Model):
    """One row per (case, department that may see it): the case's handling department, its
    receiving venue and every department that had a task in it — the staff scope of
    ``selectors.search_cases`` — with copies of the fields staff search by.

    A projection kept by ``cases.access`` in the transaction of every change it copies
    (submission, each status change, a task in another department, the warning recompute).
    Without it, a department's search was an ``OR`` over three ways of being involved, and
    PostgreSQL walked every case matching the name or status, of every department, to find
    the department's: that grew with the district's whole history (docs/benchmarks.md).
    Here each search is one index range of the department's own rows, newest first.
    Drafts have no rows (staff do not search them). ``access.drift()`` lists differences
    from the cases; ``manage.py case_access --rebuild`` rewrites the table.
    """

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="+", db_index=False)
    department = models.ForeignKey(
        "org.Department", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    # copies of the case's fields
    status = models.CharField("状态", max_length=16, choices=CaseStatus.choices)
    warning_level = models.CharField("预警", max_length=8, choices=WarningLevel.choices)
    applicant_name = models.CharField("申请人名称", max_length=200)
    created_at = models.DateTimeField("创建时间")

    class Meta:
        verbose_name = "办件可见部门 / case access"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["case", "department"], name="case_access_uniq"),
        ]
        indexes = [
            models.Index(
                fields=["department", "applicant_name", "created_at", "case"],
                name="case_access_name_idx",
            ),
            models.Index(
                fields=["department", "status", "warning_level", "created_at", "case"],
                name="case_access_status_idx",
            ),
            models.Index(
                fields=["department", "created_at", "case"], name="case_access_recent_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.case_id} · {self.department_id}"

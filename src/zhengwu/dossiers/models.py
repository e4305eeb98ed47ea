"""一人一档 / 一企一档 and electronic archives.

A dossier is not stored: it is gathered on request from the domains that own each part
(cases, licences, ratings, hotline), keyed by the blind index of the ID number or USCC.
What is stored here is the electronic archive of concluded cases:

- :class:`RetentionRule` — 保管期限 per catalogue item type (and case type), editable in admin;
- :class:`ArchivePackage` — one per concluded case: a signed manifest of every file copied
  under ``archives/<case number>/`` in the default storage (see :mod:`services`);
- :class:`ArchiveCheck` — one run of the four-properties test on a package;
- :class:`DisposalRequest` — 销毁 after the retention period, proposed and approved by two
  different people.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhengwu.dossiers.choices import DisposalStatus, PackageStatus

USER = settings.AUTH_USER_MODEL


class RetentionRule(models.Model):
    """保管期限: how long the archive of a case of this item type is kept. ``years`` empty
    means permanent (永久). The most specific rule wins: item type + case type, then item
    type, then case type, then the default row (both empty)."""

    item_type = models.CharField(
        "事项类型", max_length=2, blank=True, help_text="GB/T 39046 A.1：01 行政许可…；空 = 任意"
    )
    case_type = models.CharField(
        "办件类型", max_length=1, blank=True, help_text="1 即办件 / 2 承诺件; 空 = 任意"
    )
    years = models.PositiveSmallIntegerField(
        "保管年限", null=True, blank=True, help_text="空 = 永久"
    )
    note = models.CharField("说明", max_length=200, blank=True)
    updated_at = models.DateTimeField("修改时间", auto_now=True)

    class Meta:
        verbose_name = "保管期限规则 / retention rule"
        verbose_name_plural = verbose_name
        ordering = ["item_type", "case_type"]
        constraints = [
            models.UniqueConstraint(
                fields=["item_type", "case_type"], name="dossiers_one_rule_per_type"
            ),
            models.CheckConstraint(
                condition=Q(years__isnull=True) | Q(years__gte=1, years__lte=100),
                name="dossiers_rule_years_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.item_type or '*'}/{self.case_type or '*'}: {self.label}"

    @property
    def label(self) -> str:
        return "永久" if self.years is None else f"{self.years} 年"


class ArchivePackage(models.Model):
    """The electronic archive of one concluded case (归档包)."""

    case = models.OneToOneField(
        "cases.Case", verbose_name="办件", on_delete=models.PROTECT, related_name="+"
    )
    case_number = models.CharField("办件编号", max_length=32, unique=True)
    item_name = models.CharField("事项名称", max_length=200, blank=True)
    item_type = models.CharField("事项类型", max_length=2, blank=True)
    case_type = models.CharField("办件类型", max_length=1, blank=True)
    applicant_index = models.CharField("申请人证件盲索引", max_length=64, db_index=True)
    department = models.ForeignKey(
        "org.Department",
        verbose_name="办理部门",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        "状态", max_length=10, choices=PackageStatus.choices, default=PackageStatus.BUILDING
    )
    build_token = models.CharField("归档任务标识", max_length=32, blank=True)
    build_started_at = models.DateTimeField("开始归档", null=True, blank=True)
    storage_prefix = models.CharField("存储位置", max_length=120)
    manifest = models.JSONField("清单", default=dict, blank=True)
    manifest_sm3 = models.CharField("清单 SM3", max_length=64, blank=True)
    signature = models.TextField("清单签名", blank=True)
    key_id = models.CharField("签名密钥标识", max_length=16, blank=True)
    file_count = models.PositiveIntegerField("文件数", default=0)
    total_size = models.PositiveBigIntegerField("总字节数", default=0)
    retention_years = models.PositiveSmallIntegerField("保管年限", null=True, blank=True)
    retention_permanent = models.BooleanField("永久保管", default=False)
    retention_until = models.DateField("保管到期日", null=True, blank=True, db_index=True)
    archived_at = models.DateTimeField("归档时间", null=True, blank=True, db_index=True)
    disposed_at = models.DateTimeField("销毁时间", null=True, blank=True)
    last_checked_at = models.DateTimeField("最近检测", null=True, blank=True)
    last_check_ok = models.BooleanField("最近检测通过", null=True, blank=True)

    class Meta:
        verbose_name = "电子档案 / archive package"
        verbose_name_plural = verbose_name
        ordering = ["-archived_at", "-id"]
        indexes = [models.Index(fields=["status", "last_check_ok"], name="dossiers_pkg_check")]

    def __str__(self) -> str:
        return self.case_number

    @property
    def retention_label(self) -> str:
        if self.retention_permanent:
            return "永久"
        return f"{self.retention_years} 年" if self.retention_years else ""


class ArchiveCheck(models.Model):
    """One run of the four-properties test (四性检测) on one package."""

    package = models.ForeignKey(ArchivePackage, on_delete=models.CASCADE, related_name="checks")
    checked_at = models.DateTimeField("检测时间", auto_now_add=True, db_index=True)
    ok = models.BooleanField("通过")
    authenticity_ok = models.BooleanField("真实性")
    integrity_ok = models.BooleanField("完整性")
    usability_ok = models.BooleanField("可用性")
    security_ok = models.BooleanField("安全性")
    problems = models.JSONField("问题", default=list, blank=True)
    notes = models.JSONField("说明", default=list, blank=True)
    checked_by = models.CharField("检测人", max_length=150, blank=True)

    class Meta:
        verbose_name = "四性检测 / archive check"
        verbose_name_plural = verbose_name
        ordering = ["-checked_at", "-id"]

    def __str__(self) -> str:
        return f"{self.package_id} {'OK' if self.ok else 'FAIL'}"


class DisposalRequest(models.Model):
    """销毁审批: proposed once the retention period has passed, approved by another person."""

    package = models.ForeignKey(ArchivePackage, on_delete=models.PROTECT, related_name="disposals")
    status = models.CharField(
        "状态", max_length=10, choices=DisposalStatus.choices, default=DisposalStatus.PROPOSED
    )
    reason = models.TextField("销毁理由")
    proposed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    proposed_at = models.DateTimeField("提出时间", auto_now_add=True)
    decided_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    decided_at = models.DateTimeField("审批时间", null=True, blank=True)
    decision_note = models.TextField("审批意见", blank=True)

    class Meta:
        verbose_name = "档案销毁审批 / disposal request"
        verbose_name_plural = verbose_name
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["package"],
                condition=Q(status="proposed"),
                name="dossiers_one_open_disposal",
            )
        ]

    def __str__(self) -> str:
        return f"{self.package_id} {self.status}"

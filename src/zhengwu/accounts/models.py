"""Users, citizens, enterprises, staff, window-clerk certificates and API tokens.

Personal data (phone, ID number) is stored only as SM4 ciphertext (``EncryptedTextField``)
plus an HMAC blind index for exact lookup (``zhengwu.kernel.crypto``); services write the
value and its index together, never views. Show them only through the selectors, which mask
by the viewer's clearance (``accounts.policies.clearance_for``).
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone

from zhengwu.accounts.choices import (
    CertificateStatus,
    Language,
    MembershipRole,
    Sex,
    StaffRole,
    UserKind,
)
from zhengwu.kernel.fields import EncryptedTextField
from zhengwu.org.models import validate_uscc


class User(AbstractUser):
    """An account: a citizen, an enterprise member or a member of staff."""

    public_id = models.UUIDField(
        "公开标识",
        default=uuid.uuid4,
        unique=True,
        editable=False,
        help_text="Stable, non-guessable id given to other systems (OIDC sub).",
    )
    display_name = models.CharField("显示名称", max_length=64, blank=True)
    kind = models.CharField(
        "用户类别", max_length=16, choices=UserKind.choices, default=UserKind.CITIZEN
    )
    phone = EncryptedTextField("手机号", blank=True, default="", editable=False)
    phone_index = models.CharField(
        "手机号盲索引", max_length=64, blank=True, db_index=True, editable=False
    )
    elderly_mode = models.BooleanField("适老化模式", default=False)
    language = models.CharField(
        "界面语言", max_length=8, choices=Language.choices, default=Language.ZH_HANS
    )
    failed_login_count = models.PositiveIntegerField("连续登录失败次数", default=0)
    last_failed_login_at = models.DateTimeField("最近登录失败", null=True, blank=True)
    locked_until = models.DateTimeField("锁定至", null=True, blank=True)

    class Meta(AbstractUser.Meta):
        verbose_name = "用户 / user"
        verbose_name_plural = "用户 / users"
        swappable = "AUTH_USER_MODEL"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=[k.value for k in UserKind]), name="user_kind_valid"
            )
        ]

    def __str__(self) -> str:
        return self.display_name or self.username

    def is_locked(self, now: datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or timezone.now())


class CitizenProfile(models.Model):
    """自然人: a natural person identified by the citizen ID number (GB 11643).

    ``user`` is optional: a clerk may serve a person at a window who has no account yet; the
    person still has one record, found by the blind index of the ID number.
    """

    user = models.OneToOneField(
        User,
        verbose_name="账号",
        on_delete=models.PROTECT,
        related_name="citizen_profile",
        null=True,
        blank=True,
    )
    real_name = models.CharField("姓名", max_length=64)
    # Plaintext in Python, SM4-GCM ciphertext in the database; never shown unmasked except
    # through selectors.citizen_id_number_for().
    id_number = EncryptedTextField("身份证号", editable=False)
    id_number_index = models.CharField("身份证号盲索引", max_length=64, unique=True, editable=False)
    birth_date = models.DateField("出生日期", editable=False)
    sex = models.CharField("性别", max_length=1, choices=Sex.choices, editable=False)
    birth_region_code = models.CharField("户籍地区划代码(号码前六位)", max_length=6, editable=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    updated_at = models.DateTimeField("更新时间", auto_now=True)

    class Meta:
        verbose_name = "自然人 / citizen"
        verbose_name_plural = "自然人 / citizens"
        ordering = ["id"]

    def __str__(self) -> str:
        # Surname only: __str__ ends up in logs and admin breadcrumbs.
        return f"{self.real_name[:1]}*" if self.real_name else f"citizen #{self.pk}"


class Enterprise(models.Model):
    """法人/企业: identified by its unified social credit code (GB 32100)."""

    uscc = models.CharField(
        "统一社会信用代码", max_length=18, unique=True, validators=[validate_uscc]
    )
    name = models.CharField("名称", max_length=200)
    # The legal representative's name is public in the enterprise credit publicity system;
    # it is stored in clear and masked on screen for viewers without clearance.
    legal_representative_name = models.CharField("法定代表人", max_length=64)
    region = models.ForeignKey(
        "org.Region",
        verbose_name="注册地区划",
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )
    active = models.BooleanField("有效", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "企业 / enterprise"
        verbose_name_plural = "企业 / enterprises"
        ordering = ["id"]

    def __str__(self) -> str:
        return self.name


class EnterpriseMembership(models.Model):
    """A user acting for an enterprise: legal representative, manager or agent (代办人)."""

    user = models.ForeignKey(
        User, verbose_name="用户", on_delete=models.CASCADE, related_name="memberships"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name="企业", on_delete=models.CASCADE, related_name="memberships"
    )
    role = models.CharField("身份", max_length=32, choices=MembershipRole.choices)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "企业成员 / enterprise membership"
        verbose_name_plural = "企业成员 / enterprise memberships"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "enterprise"], name="membership_unique"),
            # An enterprise has exactly one legal representative at a time.
            models.UniqueConstraint(
                fields=["enterprise"],
                condition=models.Q(role="legal_representative"),
                name="membership_one_legal_representative",
            ),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in MembershipRole]),
                name="membership_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} @ {self.enterprise} ({self.get_role_display()})"


class StaffProfile(models.Model):
    """工作人员: a member of staff of one department, with one or more roles."""

    user = models.OneToOneField(
        User, verbose_name="账号", on_delete=models.CASCADE, related_name="staff_profile"
    )
    department = models.ForeignKey(
        "org.Department", verbose_name="所在部门", on_delete=models.PROTECT, related_name="+"
    )
    job_title = models.CharField("职务", max_length=64, blank=True)
    active = models.BooleanField("在岗", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "工作人员 / staff member"
        verbose_name_plural = "工作人员 / staff"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.user}（{self.department_id}）"

    @property
    def role_set(self) -> frozenset[str]:
        return frozenset(g.role for g in self.role_grants.all())


class StaffRoleGrant(models.Model):
    """One role of a staff member (a row per role keeps "all approvers of X" one query)."""

    staff = models.ForeignKey(
        StaffProfile, verbose_name="工作人员", on_delete=models.CASCADE, related_name="role_grants"
    )
    role = models.CharField("角色", max_length=32, choices=StaffRole.choices)
    granted_at = models.DateTimeField("授予时间", auto_now_add=True)

    class Meta:
        verbose_name = "岗位角色 / staff role"
        verbose_name_plural = "岗位角色 / staff roles"
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["staff", "role"], name="staff_role_unique"),
            models.CheckConstraint(
                condition=models.Q(role__in=[r.value for r in StaffRole]),
                name="staff_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.get_role_display()


class WindowClerkCertificate(models.Model):
    """综合窗口人员上岗证: the district plan requires every comprehensive-window clerk certified."""

    staff = models.ForeignKey(
        StaffProfile,
        verbose_name="工作人员",
        on_delete=models.CASCADE,
        related_name="certificates",
    )
    number = models.CharField("证书编号", max_length=64, unique=True)
    issuer = models.CharField("发证机构", max_length=100, blank=True)
    issued_on = models.DateField("发证日期")
    expires_on = models.DateField("有效期至")
    status = models.CharField(
        "状态", max_length=16, choices=CertificateStatus.choices, default=CertificateStatus.VALID
    )

    class Meta:
        verbose_name = "综合窗口上岗证 / window clerk certificate"
        verbose_name_plural = "综合窗口上岗证 / window clerk certificates"
        ordering = ["expires_on"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__gt=models.F("issued_on")),
                name="certificate_expires_after_issue",
            )
        ]

    def __str__(self) -> str:
        return self.number

    def is_valid_on(self, day: date) -> bool:
        return self.status == CertificateStatus.VALID and self.issued_on <= day <= self.expires_on


class ApiToken(models.Model):
    """A personal API token for programs. Only the SHA-256 of the secret is stored.

    The token string is ``zw_<prefix>_<secret>``; the prefix identifies it in lists, the
    whole string is hashed. The plaintext is shown once, when it is created.
    """

    user = models.ForeignKey(
        User, verbose_name="所有者", on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField("名称", max_length=64)
    prefix = models.CharField("前缀", max_length=16, db_index=True, editable=False)
    token_hash = models.CharField("摘要(SHA-256)", max_length=64, unique=True, editable=False)
    scopes = models.JSONField("权限范围", default=list)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    expires_at = models.DateTimeField("过期时间")
    revoked_at = models.DateTimeField("吊销时间", null=True, blank=True)
    last_used_at = models.DateTimeField("最近使用", null=True, blank=True)

    class Meta:
        verbose_name = "API 令牌 / API token"
        verbose_name_plural = "API 令牌 / API tokens"
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name} (zw_{self.prefix}_…)"

    def is_active(self, now: datetime | None = None) -> bool:
        now = now or timezone.now()
        return self.revoked_at is None and self.expires_at > now

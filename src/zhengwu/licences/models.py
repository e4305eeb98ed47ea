"""电子证照: licence types, issuer keys, licences and their status history, use grants,
read and view logs, one-time token uses and 免证办 exemption uses.

A :class:`Licence` carries everything its signature covers (see ``signing.py`` for the
canonical serialisation): identifier (GB/T 36904, MOD 37,36 check character), number, type,
issuer, holder (name and code encrypted at rest; the code found through a blind index),
dates, metadata and status. ``signature`` (base64 DER, SM2 over SM3) and ``key_id`` travel
with it; the public key of every key id, current or retired, stays in :class:`IssuerKey` so
old licences keep verifying after a rotation.

``verified_seal`` caches a successful signature check: HMAC-SM3, under a key that is not in
the database, of the exact canonical bytes, signature and key id that verified. Any change
to a field changes the canonical bytes, the seal no longer matches and the signature is
checked afresh (decision 0008).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

from zhengwu.kernel.fields import EncryptedTextField
from zhengwu.licences.choices import (
    GranteeKind,
    HolderCodeType,
    HolderKind,
    LicenceSource,
    LicenceStatus,
    ReadVia,
    Relation,
    ViewChannel,
)

USER = settings.AUTH_USER_MODEL


class LicenceType(models.Model):
    """证照类型: defined by a body (its USCC + 3 digits), with a metadata schema.

    ``metadata_schema`` is a list of fields: ``{"key", "label", "label_en", "type"
    (text/date/integer/choice), "required", "max_length", "choices"}``; every licence of the
    type is validated against it. Which catalogue materials a type can replace is recorded
    on the materials themselves (``catalog.Material.licence_type``); ``replaces`` lists the
    material names for display and for staff who define a type.
    """

    code = models.CharField("证照类型代码", max_length=21, unique=True)
    name = models.CharField("证照类型名称", max_length=100)
    name_en = models.CharField("英文名称", max_length=150, blank=True)
    defining_body = models.CharField("定义机构", max_length=200)
    defining_body_code = models.CharField("定义机构代码", max_length=18)
    holder_kind = models.CharField(
        "持证主体", max_length=12, choices=HolderKind.choices, default=HolderKind.EITHER
    )
    metadata_schema = models.JSONField("元数据项", default=list, blank=True)
    validity_years = models.PositiveSmallIntegerField(
        "有效期（年）", null=True, blank=True, help_text="empty: long-term (长期有效)"
    )
    template = models.CharField("照面模板", max_length=32, default="standard")
    replaces = models.JSONField("可替代材料", default=list, blank=True)
    common = models.BooleanField(
        "常用证照", default=True, help_text="counted in the mobile view rate indicator"
    )
    active = models.BooleanField("启用", default=True)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)

    class Meta:
        verbose_name = "证照类型 / licence type"
        verbose_name_plural = verbose_name
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.name}（{self.code}）"


class IssuerKey(models.Model):
    """An SM2 key of an issuing body. One active key per issuer signs; retired keys and the
    keys of other issuers (registered by an administrator for imports, ``foreign``) only
    verify. The private key is stored encrypted with the field keys."""

    issuer_code = models.CharField("签发机构代码", max_length=18, db_index=True)
    issuer_name = models.CharField("签发机构名称", max_length=200)
    key_id = models.CharField("密钥标识", max_length=16, unique=True)
    public_key_pem = models.TextField("公钥")
    private_key_encrypted = models.TextField("私钥（加密）", blank=True, editable=False)
    foreign = models.BooleanField("外部签发机构", default=False)
    active = models.BooleanField("当前签名密钥", default=False)
    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    retired_at = models.DateTimeField("停用时间", null=True, blank=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "签发机构密钥 / issuer key"
        verbose_name_plural = verbose_name
        ordering = ["issuer_code", "-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer_code"],
                condition=Q(active=True),
                name="licences_one_active_key_per_issuer",
            )
        ]

    def __str__(self) -> str:
        return f"{self.issuer_name} {self.key_id}"


class Licence(models.Model):
    identifier = models.CharField("证照标识", max_length=100, unique=True)
    number = models.CharField("证照编号", max_length=64)
    licence_type = models.ForeignKey(
        LicenceType, verbose_name="证照类型", on_delete=models.PROTECT, related_name="licences"
    )
    type_code = models.CharField("证照类型代码", max_length=21)
    type_name = models.CharField("证照类型名称", max_length=100)
    issuer_code = models.CharField("签发机构代码", max_length=18, db_index=True)
    issuer_name = models.CharField("签发机构", max_length=200)
    issuer_department = models.ForeignKey(
        "org.Department",
        verbose_name="签发部门",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    serial = models.CharField("流水号", max_length=20)
    version = models.PositiveSmallIntegerField("版本号", default=1)

    # --- holder (personal data: encrypted, found by blind index) ------------------------
    holder_name = EncryptedTextField("持证主体")
    holder_code = EncryptedTextField("持证主体代码")
    holder_code_type = models.CharField(
        "持证主体代码类型", max_length=3, choices=HolderCodeType.choices
    )
    holder_index = models.CharField("持证主体代码盲索引", max_length=64, db_index=True)
    holder_user = models.ForeignKey(
        USER,
        verbose_name="持证人账号",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    holder_enterprise = models.ForeignKey(
        "accounts.Enterprise",
        verbose_name="持证单位",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    region = models.CharField("行政区划", max_length=6, blank=True)
    issue_date = models.DateField("签发日期")
    valid_from = models.DateField("有效期起")
    valid_until = models.DateField("有效期至", null=True, blank=True)  # None: 长期
    metadata = models.JSONField("照面信息", default=dict, blank=True)
    status = models.CharField(
        "状态", max_length=10, choices=LicenceStatus.choices, default=LicenceStatus.VALID
    )
    status_reason = models.CharField("状态原因", max_length=500, blank=True)
    status_changed_at = models.DateTimeField("状态变更时间", null=True, blank=True)

    previous = models.ForeignKey(
        "self",
        verbose_name="关联证照",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="successors",
    )
    relation = models.CharField(
        "关联关系", max_length=8, choices=Relation.choices, blank=True, default=""
    )
    source = models.CharField("来源", max_length=8, choices=LicenceSource.choices)
    case = models.ForeignKey(
        "cases.Case",
        verbose_name="来源办件",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )

    # --- signature ------------------------------------------------------------------------
    canonical_version = models.PositiveSmallIntegerField("规范化版本", default=1)
    signature = models.TextField("签名（base64 DER）")
    key_id = models.CharField("签名密钥标识", max_length=16)
    signed_at = models.DateTimeField("签名时间")
    verified_seal = models.CharField("验签缓存封印", max_length=64, blank=True, editable=False)

    # --- presentation -----------------------------------------------------------------------
    qr_token = models.CharField("核验二维码令牌", max_length=32, unique=True)
    rendered_pdf = models.CharField("PDF 文件", max_length=200, blank=True, editable=False)
    rendered_digest = models.CharField("PDF 渲染依据摘要", max_length=64, blank=True)

    created_at = models.DateTimeField("创建时间", auto_now_add=True)
    created_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        verbose_name = "电子证照 / e-licence"
        verbose_name_plural = verbose_name
        ordering = ["-issue_date", "-id"]
        indexes = [
            models.Index(fields=["holder_index", "status"], name="licence_holder_status"),
            models.Index(fields=["status", "valid_until"], name="licence_expiry"),
            models.Index(fields=["type_code", "issue_date"], name="licence_type_date"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["issuer_code", "type_code", "number"], name="licence_number_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type_name} {self.number}"


class StatusChange(models.Model):
    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="status_changes")
    from_status = models.CharField("原状态", max_length=10, choices=LicenceStatus.choices)
    to_status = models.CharField("新状态", max_length=10, choices=LicenceStatus.choices)
    reason = models.CharField("原因", max_length=500)
    actor = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    actor_label = models.CharField("操作人", max_length=100, blank=True)
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "证照状态变更 / status change"
        verbose_name_plural = verbose_name
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.licence_id}: {self.from_status} → {self.to_status}"


class UseGrant(models.Model):
    """用证授权: the holder lets a department or a case read chosen licences until a time."""

    holder_index = models.CharField("持证主体代码盲索引", max_length=64, db_index=True)
    granted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    licences = models.ManyToManyField(Licence, related_name="grants")
    grantee_kind = models.CharField("被授权方类型", max_length=12, choices=GranteeKind.choices)
    department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    purpose = models.CharField("用途", max_length=200)
    valid_until = models.DateTimeField("授权截止")
    revoked_at = models.DateTimeField("撤回时间", null=True, blank=True)
    created_at = models.DateTimeField("授权时间", auto_now_add=True)

    class Meta:
        verbose_name = "用证授权 / use grant"
        verbose_name_plural = verbose_name
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(grantee_kind="department", department__isnull=False, case=None))
                | Q(grantee_kind="case", case__isnull=False, department=None),
                name="licences_grant_one_grantee",
            )
        ]

    def __str__(self) -> str:
        return f"{self._meta.verbose_name} #{self.pk}"


class LicenceRead(models.Model):
    """用证日志: one read of a licence by a staff member, and on what ground. The holder
    sees every row about their licences."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="reads")
    reader = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    reader_department = models.ForeignKey(
        "org.Department", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    via = models.CharField("依据", max_length=8, choices=ReadVia.choices)
    grant = models.ForeignKey(
        UseGrant, on_delete=models.PROTECT, null=True, blank=True, related_name="reads"
    )
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "用证记录 / licence read"
        verbose_name_plural = verbose_name
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.licence_id} ← {self.reader_id}"


class LicenceView(models.Model):
    """A showing of a licence (亮证, download, scan, public check), for the indicators."""

    licence = models.ForeignKey(Licence, on_delete=models.CASCADE, related_name="views")
    channel = models.CharField("方式", max_length=8, choices=ViewChannel.choices)
    at = models.DateTimeField("时间", auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = "亮证记录 / licence view"
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["licence", "channel"], name="licence_view_channel")]

    def __str__(self) -> str:
        return f"{self.licence_id} {self.channel}"


class TokenUse(models.Model):
    """A one-time token (dynamic licence code, personal code) that has been used: the
    unique ``jti`` refuses the second use across processes."""

    jti = models.CharField(max_length=32, unique=True)
    purpose = models.CharField(max_length=16)
    used_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, related_name="+")
    used_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "一次性令牌使用 / token use"
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return self.jti


class ExemptionUse(models.Model):
    """免证办: a material of a case satisfied by a licence instead of paper or upload."""

    case = models.ForeignKey("cases.Case", on_delete=models.CASCADE, related_name="+")
    item_code = models.CharField("事项实施编码", max_length=50, db_index=True)
    item_name = models.CharField("事项名称", max_length=200)
    material_key = models.CharField("材料标识", max_length=64)
    material_name = models.CharField("材料名称", max_length=200)
    licence = models.ForeignKey(Licence, on_delete=models.PROTECT, related_name="exemptions")
    at = models.DateTimeField("时间", auto_now_add=True)

    class Meta:
        verbose_name = "免证办使用 / exemption use"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["case", "material_key"], name="licences_exemption_once")
        ]

    def __str__(self) -> str:
        return f"{self.case_id}/{self.material_key}"


class SerialCounter(models.Model):
    """The issuer's serial numbers per licence type and year (row-locked when taken)."""

    issuer_code = models.CharField(max_length=18)
    type_code = models.CharField(max_length=21)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = "证照流水号 / serial counter"
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(
                fields=["issuer_code", "type_code", "year"], name="licences_serial_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.issuer_code}/{self.type_code}/{self.year}: {self.last}"

"""Choices of the e-licence domain (GB/T 36901–36905 vocabulary)."""

from __future__ import annotations

from django.db import models


class HolderCodeType(models.TextChoices):
    """持证主体代码类型 (GB/T 36903)."""

    CITIZEN_ID = "111", "居民身份证号 / citizen ID number"
    USCC = "001", "统一社会信用代码 / unified social credit code"


class HolderKind(models.TextChoices):
    CITIZEN = "citizen", "自然人 / citizen"
    ENTERPRISE = "enterprise", "法人 / enterprise"
    EITHER = "either", "自然人或法人 / either"


class LicenceStatus(models.TextChoices):
    VALID = "valid", "有效 / valid"
    SUSPENDED = "suspended", "暂扣 / suspended"
    WITHDRAWN = "withdrawn", "撤销 / withdrawn"
    CANCELLED = "cancelled", "注销 / cancelled"
    REVOKED = "revoked", "吊销 / revoked"
    EXPIRED = "expired", "失效 / expired"


# Which status may follow which. Suspension is the only reversible one (暂扣 → 有效 when the
# suspension ends); the others end the licence for good.
TRANSITIONS: dict[str, frozenset[str]] = {
    LicenceStatus.VALID: frozenset(
        {
            LicenceStatus.SUSPENDED,
            LicenceStatus.WITHDRAWN,
            LicenceStatus.CANCELLED,
            LicenceStatus.REVOKED,
            LicenceStatus.EXPIRED,
        }
    ),
    LicenceStatus.SUSPENDED: frozenset(
        {
            LicenceStatus.VALID,
            LicenceStatus.WITHDRAWN,
            LicenceStatus.CANCELLED,
            LicenceStatus.REVOKED,
            LicenceStatus.EXPIRED,
        }
    ),
    LicenceStatus.WITHDRAWN: frozenset(),
    LicenceStatus.CANCELLED: frozenset(),
    LicenceStatus.REVOKED: frozenset(),
    LicenceStatus.EXPIRED: frozenset(),
}


class LicenceSource(models.TextChoices):
    CASE = "case", "办件结果 / result of a case"
    DIRECT = "direct", "人工签发 / issued by staff"
    IMPORT = "import", "批量导入 / bulk import"
    FOREIGN = "foreign", "外部签发导入 / imported from another issuer"


class Relation(models.TextChoices):
    NONE = "", "—"
    RENEWAL = "renewal", "延续 / renewal"
    CHANGE = "change", "变更 / change"


class ViewChannel(models.TextChoices):
    """How a licence was looked at (for the mobile view rate)."""

    MOBILE = "mobile", "手机亮证 / shown on a phone"
    WEB = "web", "网页查看 / web page"
    PDF = "pdf", "下载打印 / PDF download"
    SCAN = "scan", "扫码核验 / scanned by staff"
    VERIFY = "verify", "公开核验 / public verification"
    API = "api", "接口调用 / API"


class ReadVia(models.TextChoices):
    """On what ground a staff member read someone's licence (用证日志)."""

    GRANT = "grant", "用证授权 / authorised use"
    CASE = "case", "办件材料 / material of a case being handled"
    DYNAMIC_QR = "qr", "动态亮证码 / dynamic licence code"
    PERSONAL_CODE = "code", "一人一码 / personal code"


class GranteeKind(models.TextChoices):
    DEPARTMENT = "department", "部门 / department"
    CASE = "case", "办件 / case"


class MetadataFieldType(models.TextChoices):
    TEXT = "text", "文本 / text"
    DATE = "date", "日期 / date"
    INTEGER = "integer", "整数 / integer"
    CHOICE = "choice", "选项 / choice"


class FaceTemplate(models.TextChoices):
    """照面模板: how a type's licences are laid out for print (PDF) and on screen."""

    STANDARD = "standard", "竖版 / portrait"
    LANDSCAPE = "landscape", "横版 / landscape (营业执照式)"

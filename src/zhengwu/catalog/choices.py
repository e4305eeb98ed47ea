"""Code sets of the service catalogue (GB/T 39046-2020 where a national code exists)."""

from __future__ import annotations

from django.db import models


class ItemType(models.TextChoices):
    """事项类型 (GB/T 39046-2020 A.1)."""

    LICENSING = "01", "行政许可 / administrative licensing"
    PENALTY = "02", "行政处罚 / administrative penalty"
    COERCION = "03", "行政强制 / administrative coercion"
    LEVY = "04", "行政征收 / administrative levy"
    BENEFIT = "05", "行政给付 / administrative benefit"
    INSPECTION = "06", "行政检查 / administrative inspection"
    CONFIRMATION = "07", "行政确认 / administrative confirmation"
    REWARD = "08", "行政奖励 / administrative reward"
    ADJUDICATION = "09", "行政裁决 / administrative adjudication"
    OTHER_POWER = "10", "其他行政权力 / other administrative power"
    PUBLIC_SERVICE = "20", "公共服务 / public service"


class ExerciseLevel(models.IntegerChoices):
    """行使层级."""

    NATIONAL = 1, "国家级 / national"
    PROVINCIAL = 2, "省级 / provincial"
    CITY = 3, "市级 / city"
    COUNTY = 4, "县级 / county"
    TOWN = 5, "乡镇(街道)级 / town or street"
    VILLAGE = 6, "村(社区)级 / village or community"


class LimitUnit(models.TextChoices):
    WORKING_DAY = "working_day", "工作日 / working days"
    NATURAL_DAY = "natural_day", "自然日 / natural days"


class CaseType(models.TextChoices):
    """办件类型."""

    IMMEDIATE = "1", "即办件 / immediate"
    PROMISED = "2", "承诺件 / promised"
    OTHER = "9", "其他 / other"


class ServiceObject(models.TextChoices):
    """服务对象."""

    NATURAL_PERSON = "1", "自然人 / natural person"
    ENTERPRISE = "2", "企业法人 / enterprise"
    PUBLIC_INSTITUTION = "3", "事业法人 / public institution"
    SOCIAL_ORGANISATION = "4", "社会组织法人 / social organisation"
    ADMINISTRATIVE_ORGAN = "5", "行政机关 / administrative organ"
    OTHER = "6", "其他组织 / other"


class HandlingForm(models.TextChoices):
    """办理形式."""

    WINDOW = "1", "窗口办理 / at a window"
    ONLINE = "2", "网上办理 / online (PC)"
    MOBILE = "3", "掌上办理 / mobile"
    POST = "4", "邮寄办理 / by post"
    OTHER = "9", "其他 / other"


class HandlingScope(models.TextChoices):
    """通办范围."""

    NONE = "none", "不通办 / local only"
    COUNTY = "county", "全区(县)通办 / county-wide"
    CITY = "city", "全市通办 / city-wide"
    PROVINCE = "province", "全省通办 / province-wide"
    CROSS_PROVINCE = "cross_province", "跨省通办 / across provinces"
    NATIONAL = "national", "全国通办 / nationwide"


class OnlineDepth(models.IntegerChoices):
    """网上办理深度."""

    INFORMATION = 1, "一级：信息公开 / information only"
    PRE_REVIEW = 2, "二级：在线预审 / online pre-review"
    ONLINE_ACCEPTANCE = 3, "三级：在线受理 / online acceptance"
    FULLY_ONLINE = 4, "四级：全程网办 / fully online"


class DelegatedLevel(models.TextChoices):
    """就近办：下沉层级."""

    NONE = "", "不下沉 / not delegated"
    STREET = "street", "下沉街道(便民服务中心) / street centre"
    COMMUNITY = "community", "下沉社区(便民服务站) / community station"


class VersionStatus(models.TextChoices):
    """实施清单版本状态. Published versions are immutable; a change is a new version."""

    DRAFT = "draft", "草稿 / draft"
    SUBMITTED = "submitted", "待审核 / submitted for review"
    RETURNED = "returned", "退回修改 / returned with comments"
    APPROVED = "approved", "已审核待发布 / approved, awaiting its effective date"
    PUBLISHED = "published", "已发布 / published"
    SUPERSEDED = "superseded", "已被替代 / superseded"
    WITHDRAWN = "withdrawn", "已取消 / withdrawn"


class ChangeKind(models.TextChoices):
    CREATE = "create", "新增 / new item"
    CHANGE = "change", "变更 / change"
    WITHDRAW = "withdraw", "取消 / withdrawal"


# The transition table: services refuse anything not listed (STYLE.md: states as constants).
VERSION_TRANSITIONS: dict[str, frozenset[str]] = {
    VersionStatus.DRAFT: frozenset({VersionStatus.SUBMITTED}),
    VersionStatus.SUBMITTED: frozenset({VersionStatus.APPROVED, VersionStatus.RETURNED}),
    VersionStatus.RETURNED: frozenset({VersionStatus.SUBMITTED}),
    VersionStatus.APPROVED: frozenset({VersionStatus.PUBLISHED}),
    VersionStatus.PUBLISHED: frozenset({VersionStatus.SUPERSEDED, VersionStatus.WITHDRAWN}),
    VersionStatus.SUPERSEDED: frozenset(),
    VersionStatus.WITHDRAWN: frozenset(),
}
EDITABLE_STATUSES = frozenset({VersionStatus.DRAFT, VersionStatus.RETURNED})


class Audience(models.TextChoices):
    NATURAL_PERSON = "natural_person", "自然人 / natural persons"
    LEGAL_PERSON = "legal_person", "法人 / legal persons"

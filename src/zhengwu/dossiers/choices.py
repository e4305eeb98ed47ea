"""Code sets of dossiers and electronic archives, with their labels ("中文 / English")."""

from __future__ import annotations

from django.db import models


class PackageStatus(models.TextChoices):
    BUILDING = "building", "归档中 / being built"
    ARCHIVED = "archived", "已归档 / archived"
    DISPOSED = "disposed", "已销毁 / disposed"


class DisposalStatus(models.TextChoices):
    PROPOSED = "proposed", "待审批 / awaiting approval"
    APPROVED = "approved", "已批准并销毁 / approved, files destroyed"
    REJECTED = "rejected", "不予批准 / rejected"


class FileRole(models.TextChoices):
    """What a file of an archive package is."""

    METADATA = "metadata", "元数据 / metadata"
    MATERIAL = "material", "申请材料 / application material"
    DOCUMENT = "document", "文书 / notice or decision"
    AUDIT = "audit", "审计记录 / audit trail"


class Property(models.TextChoices):
    """The "four properties" of an electronic record (DA/T 70-2018 四性检测)."""

    AUTHENTICITY = "authenticity", "真实性 / authenticity"
    INTEGRITY = "integrity", "完整性 / integrity"
    USABILITY = "usability", "可用性 / usability"
    SECURITY = "security", "安全性 / security"


class Ground(models.TextChoices):
    """On what ground a staff member reads someone's dossier."""

    CASE = "case", "正在办理的办件 / a case being handled"
    GRANT = "grant", "用证授权 / authorised use"


class Part(models.TextChoices):
    """The sections of a dossier."""

    CASES = "cases", "办件记录 / cases"
    LICENCES = "licences", "电子证照 / licences"
    MATERIALS = "materials", "可复用材料 / reusable materials"
    RATINGS = "ratings", "评价记录 / ratings"
    TICKETS = "tickets", "12345 诉求 / hotline tickets"
    CREDIT = "credit", "信用记录 / credit records"


# What each ground lets a staff member see (the owner sees every part). Ratings and
# hotline tickets are never shown to staff through the dossier.
GROUND_PARTS: dict[str, frozenset[str]] = {
    Ground.CASE: frozenset({Part.CASES, Part.LICENCES, Part.MATERIALS, Part.CREDIT}),
    Ground.GRANT: frozenset({Part.LICENCES}),
}

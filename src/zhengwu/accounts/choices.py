"""Code sets of the accounts domain, each value with its Chinese and English label."""

from __future__ import annotations

from django.db import models


class UserKind(models.TextChoices):
    CITIZEN = "citizen", "自然人 / citizen"
    ENTERPRISE = "enterprise", "企业用户 / enterprise member"
    STAFF = "staff", "工作人员 / staff"


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", "简体中文"
    EN = "en", "English"


class Sex(models.TextChoices):
    # GB/T 2261.1 codes: 1 male, 2 female.
    MALE = "1", "男 / male"
    FEMALE = "2", "女 / female"


class StaffRole(models.TextChoices):
    WINDOW_CLERK = "window_clerk", "综合窗口人员 / window clerk"
    APPROVER = "approver", "审批人员 / approver"
    DEPARTMENT_HEAD = "department_head", "部门负责人 / department head"
    HOTLINE_AGENT = "hotline_agent", "12345 话务员 / hotline agent"
    DISPATCHER = "dispatcher", "派单员 / dispatcher"
    SUPERVISOR = "supervisor", "督办/监管人员 / supervisor"
    ADMINISTRATOR = "administrator", "系统管理员 / administrator"


class MembershipRole(models.TextChoices):
    LEGAL_REPRESENTATIVE = "legal_representative", "法定代表人 / legal representative"
    MANAGER = "manager", "经办人(管理员) / manager"
    # 代办人: an agent acting for the enterprise. Agents for natural persons come later.
    AGENT = "agent", "代办人 / agent"


class CertificateStatus(models.TextChoices):
    VALID = "valid", "有效 / valid"
    SUSPENDED = "suspended", "暂停 / suspended"
    REVOKED = "revoked", "吊销 / revoked"


class TokenScope(models.TextChoices):
    """API token scopes. They nest: ``admin`` ⊇ ``write`` ⊇ ``read``.

    read  — GET requests the owner may make.
    write — also state changes (POST/PUT/PATCH/DELETE) the owner may make.
    admin — also administration endpoints (only useful for administrators' tokens).
    A token never grants more than its owner's roles allow.
    """

    READ = "read", "只读 / read"
    WRITE = "write", "读写 / write"
    ADMIN = "admin", "管理 / admin"


SCOPE_IMPLIES: dict[str, frozenset[str]] = {
    TokenScope.READ: frozenset({TokenScope.READ}),
    TokenScope.WRITE: frozenset({TokenScope.READ, TokenScope.WRITE}),
    TokenScope.ADMIN: frozenset({TokenScope.READ, TokenScope.WRITE, TokenScope.ADMIN}),
}


class IdentityKind(models.TextChoices):
    """Who the user is acting as in this session (身份切换)."""

    PERSONAL = "personal", "个人 / personal"
    ENTERPRISE = "enterprise", "企业 / enterprise"

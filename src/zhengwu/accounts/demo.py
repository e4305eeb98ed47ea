"""Demo accounts for every role (run after ``org.demo.load_demo``).

Idempotent: an existing account is left as it is (its password unchanged) unless
``reset_passwords`` is set. Passwords are random and strong, generated when an account is
first created (or reset) and returned so that the ``demo`` command prints them once; they are
stored only as password hashes.
"""

from __future__ import annotations

import secrets
import string
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from zhengwu.accounts import services
from zhengwu.accounts.choices import MembershipRole, StaffRole
from zhengwu.accounts.models import Enterprise, EnterpriseMembership, User, WindowClerkCertificate
from zhengwu.kernel.actors import SYSTEM
from zhengwu.kernel.identifiers import citizen_id_check_digit, make_uscc
from zhengwu.org.selectors import department_by_name, region_by_code

DISTRICT_CODE = "610111"

# Citizen demo person: born 1990-03-15, sequence 123 (odd: male), registered in 610111.
CITIZEN_ID_BODY = "61011119900315123"
CITIZEN_ID_NUMBER = CITIZEN_ID_BODY + citizen_id_check_digit(CITIZEN_ID_BODY)

ENTERPRISES = (
    # (name, organisation code without check, legal representative)
    ("西安灞桥绿源科技有限公司", "MA6TW2B1", "陈丽华"),
    ("西安浐灞恒通商贸有限公司", "MA6TW2B2", "马卫东"),
)

# (role label, username, display name, department, roles)
STAFF = (
    ("window clerk 综合窗口", "clerk", "刘倩", "区行政审批服务局", [StaffRole.WINDOW_CLERK]),
    ("approver 审批", "approver", "王建军", "区市场监管局", [StaffRole.APPROVER]),
    ("department head 部门负责人", "head", "赵志刚", "区市场监管局", [StaffRole.DEPARTMENT_HEAD]),
    ("hotline agent 12345 话务", "hotline", "孙悦", "区政府办", [StaffRole.HOTLINE_AGENT]),
    ("dispatcher 派单", "dispatcher", "周涛", "区政府办", [StaffRole.DISPATCHER]),
    ("supervisor 督办", "supervisor", "吴敏", "区行政审批服务局", [StaffRole.SUPERVISOR]),
    ("administrator 管理员", "admin", "郑国强", "区行政审批服务局", [StaffRole.ADMINISTRATOR]),
)
CLERK_CERTIFICATE_NUMBER = "BQZC-2025-0001"
CERTIFICATE_YEARS = 3


@dataclass(frozen=True)
class DemoAccount:
    role: str
    username: str
    password: str | None  # None: the account existed and its password was left unchanged
    created: bool


def generate_password(length: int = 16) -> str:
    """A random password with lower, upper case and digits (passes Django's validators)."""
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(length))
        if (
            any(c.islower() for c in candidate)
            and any(c.isupper() for c in candidate)
            and sum(c.isdigit() for c in candidate) >= 2
        ):
            return candidate


def enterprise_uscc(org8: str) -> str:
    return make_uscc("9", "1", DISTRICT_CODE, org8)


def _existing(username: str, role: str, reset: bool) -> DemoAccount | None:
    user = User.objects.filter(username=username).first()
    if user is None:
        return None
    if not reset:
        return DemoAccount(role, username, None, False)
    password = generate_password()
    services.user_set_password(user=user, password=password, actor=SYSTEM)
    return DemoAccount(role, username, password, False)


def _ensure_enterprises() -> list[Enterprise]:
    region = region_by_code(DISTRICT_CODE)
    result = []
    for name, org8, legal_rep in ENTERPRISES:
        uscc = enterprise_uscc(org8)
        enterprise = Enterprise.objects.filter(uscc=uscc).first()
        if enterprise is None:
            enterprise = services.enterprise_create(
                uscc=uscc,
                name=name,
                legal_representative_name=legal_rep,
                region_id=region.pk if region else None,
                actor=SYSTEM,
            )
        result.append(enterprise)
    return result


def _ensure_membership(user: User, enterprise: Enterprise, role: str) -> None:
    if not EnterpriseMembership.objects.filter(user=user, enterprise=enterprise).exists():
        services.enterprise_add_member(
            enterprise_id=enterprise.pk, user_id=user.pk, role=role, actor=SYSTEM
        )


def load_demo(*, reset_passwords: bool = False) -> list[DemoAccount]:
    """Create the demo accounts that are missing; returns one row per account."""
    accounts: list[DemoAccount] = []
    with transaction.atomic():
        role = "citizen 自然人"
        row = _existing("citizen", role, reset_passwords)
        if row is None:
            password = generate_password()
            services.citizen_register(
                username="citizen",
                password=password,
                real_name="张晓明",
                id_number=CITIZEN_ID_NUMBER,
                phone="13800138001",
                actor=SYSTEM,
            )
            row = DemoAccount(role, "citizen", password, True)
        accounts.append(row)

        first, second = _ensure_enterprises()
        role = "enterprise 企业(法定代表人/经办人)"
        row = _existing("enterprise", role, reset_passwords)
        if row is None:
            password = generate_password()
            services.user_create(
                username="enterprise",
                password=password,
                display_name="陈丽华",
                kind="enterprise",
                phone="13800138002",
                actor=SYSTEM,
            )
            row = DemoAccount(role, "enterprise", password, True)
        accounts.append(row)
        enterprise_user = User.objects.get(username="enterprise")
        _ensure_membership(enterprise_user, first, MembershipRole.LEGAL_REPRESENTATIVE)
        _ensure_membership(enterprise_user, second, MembershipRole.MANAGER)

        for role, username, display_name, department_name, roles in STAFF:
            row = _existing(username, role, reset_passwords)
            if row is None:
                department = department_by_name(department_name)
                if department is None:
                    raise LookupError(f"{department_name} is missing: load the org demo first")
                password = generate_password()
                services.staff_create(
                    username=username,
                    password=password,
                    display_name=display_name,
                    department_id=department.pk,
                    roles=roles,
                    is_superuser=StaffRole.ADMINISTRATOR in roles,
                    actor=SYSTEM,
                )
                row = DemoAccount(role, username, password, True)
            accounts.append(row)

        clerk = User.objects.get(username="clerk")
        number = CLERK_CERTIFICATE_NUMBER
        if not WindowClerkCertificate.objects.filter(number=number).exists():
            # Valid from the day the demo is first loaded, for three years.
            issued_on = timezone.localdate()
            expires_on = issued_on + timedelta(days=365 * CERTIFICATE_YEARS)
            services.certificate_issue(
                staff_user_id=clerk.pk,
                number=number,
                issued_on=issued_on,
                expires_on=expires_on,
                issuer="区行政审批服务局",
                actor=SYSTEM,
            )
    return accounts

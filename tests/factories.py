"""Shared factories for regions, departments and accounts.

Regions and departments are plain factory_boy factories (valid, unique credit codes). Accounts
with personal data go through the real services (``make_*`` helpers), because the services
are what encrypt the ID number, write the blind index and audit: a factory that bypassed them
would build rows that production code can never produce.

    dept = DepartmentFactory()                        # a district department in 610111
    clerk = make_staff(department=dept, roles=["window_clerk"])
    citizen = make_citizen()                          # User with a CitizenProfile
    member = make_enterprise_member(role="manager")   # User + Enterprise + membership
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import count

import factory

from zhengwu.accounts import services as account_services
from zhengwu.accounts.models import Enterprise, User
from zhengwu.kernel.identifiers import citizen_id_check_digit, make_uscc
from zhengwu.org.choices import AdministrativeLevel, DepartmentKind
from zhengwu.org.models import Department, Region

# A password that passes the configured validators (tests use the fast MD5 hasher).
PASSWORD = "Ceshi-Mima-2024!"

_serial = count(1)


def _org8(prefix: str, n: int) -> str:
    return f"{prefix}{n:06d}"


def uscc_for(n: int, *, authority: str = "1", kind: str = "1", prefix: str = "TQ") -> str:
    """A valid credit code unique per ``n`` (organisation code ``TQ`` + 6 digits)."""
    return make_uscc(authority, kind, "610111", _org8(prefix, n))


def citizen_id_for(n: int, *, region: str = "610111", birth: str = "19850607") -> str:
    """A valid 18-digit citizen ID number unique per ``n`` (n < 1000)."""
    body = f"{region}{birth}{n % 1000:03d}"
    return body + citizen_id_check_digit(body)


class RegionFactory(factory.django.DjangoModelFactory):
    """A street (level 5) under district 610111, created if missing."""

    class Meta:
        model = Region
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"610111{(n % 899) + 100:03d}")
    name = factory.Sequence(lambda n: f"测试{n}街道")
    level = AdministrativeLevel.STREET
    parent = factory.LazyFunction(
        lambda: Region.objects.get_or_create(
            code="610111", defaults={"name": "灞桥区", "level": AdministrativeLevel.COUNTY}
        )[0]
    )


def district() -> Region:
    return Region.objects.get_or_create(
        code="610111", defaults={"name": "灞桥区", "level": AdministrativeLevel.COUNTY}
    )[0]


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    name = factory.Sequence(lambda n: f"区测试局{n}")
    short_name = factory.Sequence(lambda n: f"测试局{n}")
    uscc = factory.Sequence(lambda n: uscc_for(n + 1))
    level = AdministrativeLevel.COUNTY
    kind = DepartmentKind.GOVERNMENT
    region = factory.LazyFunction(district)


class UserFactory(factory.django.DjangoModelFactory):
    """A bare account (no profile). Use the ``make_*`` helpers for citizens and staff."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    display_name = factory.Sequence(lambda n: f"用户{n}")
    kind = "citizen"
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def _save(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def make_citizen(
    *,
    username: str | None = None,
    real_name: str = "张伟",
    id_number: str | None = None,
    phone: str | None = None,
    password: str = PASSWORD,
) -> User:
    n = next(_serial)
    return account_services.citizen_register(
        username=username or f"citizen{n}",
        password=password,
        real_name=real_name,
        id_number=id_number or citizen_id_for(n),
        phone=phone,
    )


def make_staff(
    *,
    department: Department | None = None,
    roles: Iterable[str] = ("window_clerk",),
    username: str | None = None,
    display_name: str = "李娜",
    password: str = PASSWORD,
    is_superuser: bool = False,
) -> User:
    n = next(_serial)
    department = department or DepartmentFactory()
    return account_services.staff_create(
        username=username or f"staff{n}",
        password=password,
        display_name=display_name,
        department_id=department.pk,
        roles=list(roles),
        is_superuser=is_superuser,
    )


def make_enterprise(*, name: str | None = None, legal_representative: str = "王芳") -> Enterprise:
    n = next(_serial)
    return account_services.enterprise_create(
        uscc=make_uscc("9", "1", "610111", _org8("MA", n)),
        name=name or f"西安测试企业{n}有限公司",
        legal_representative_name=legal_representative,
    )


def make_enterprise_member(
    *,
    role: str = "legal_representative",
    enterprise: Enterprise | None = None,
    user: User | None = None,
    password: str = PASSWORD,
) -> User:
    n = next(_serial)
    if user is None:
        user = account_services.user_create(
            username=f"member{n}", password=password, display_name="陈静", kind="enterprise"
        )
    enterprise = enterprise or make_enterprise()
    account_services.enterprise_add_member(enterprise_id=enterprise.pk, user_id=user.pk, role=role)
    return user

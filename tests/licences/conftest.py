"""A small world for e-licence tests: the market regulator (issuer) with an approver, a head
and a window clerk, another department's clerk, the food-business licence type, a citizen
and an enterprise member (holders), and a stranger.

``lw.issue(...)`` issues a real signed licence through ``services.issue_licence``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from tests.factories import (
    DepartmentFactory,
    make_citizen,
    make_enterprise_member,
    make_staff,
)
from zhengwu.accounts.models import User
from zhengwu.kernel.actors import SYSTEM
from zhengwu.licences import services
from zhengwu.licences.models import Licence, LicenceType
from zhengwu.org.models import Department

FOOD_TYPE = "11610111MB2961A368002"
FOOD_SCHEMA = [
    {
        "key": "business_scope",
        "label": "经营项目",
        "label_en": "Business scope",
        "type": "text",
        "required": True,
        "max_length": 200,
    },
    {
        "key": "premises",
        "label": "经营场所",
        "label_en": "Premises",
        "type": "text",
        "required": True,
    },
    {
        "key": "main_body",
        "label": "主体业态",
        "label_en": "Main business form",
        "type": "choice",
        "choices": ["食品销售经营者", "餐饮服务经营者", "单位食堂"],
        "required": False,
    },
]
FOOD_METADATA = {
    "business_scope": "热食类食品制售",
    "premises": "西安市灞桥区纺织城正街 1 号",
    "main_body": "餐饮服务经营者",
}


@dataclass
class LicenceWorld:
    market: Department
    other_department: Department
    approver: User
    head: User
    clerk: User
    other_clerk: User
    administrator: User
    citizen: User
    member: User
    stranger: User
    food: LicenceType

    @property
    def issuer_code(self) -> str:
        return self.market.uscc

    @property
    def issuer_name(self) -> str:
        return self.market.name

    def citizen_holder(self, user: User | None = None) -> services.Holder:
        user = user or self.citizen
        profile = user.citizen_profile
        return services.parse_holder(profile.real_name, profile.id_number, user_id=user.pk)

    def enterprise_holder(self, user: User | None = None) -> services.Holder:
        from zhengwu.accounts.models import EnterpriseMembership

        membership = EnterpriseMembership.objects.select_related("enterprise").get(
            user=user or self.member
        )
        enterprise = membership.enterprise
        return services.parse_holder(enterprise.name, enterprise.uscc, enterprise_id=enterprise.pk)

    def issue(self, holder: services.Holder | None = None, **kwargs: Any) -> Licence:
        kwargs.setdefault("licence_type", self.food)
        kwargs.setdefault("issuer_code", self.issuer_code)
        kwargs.setdefault("issuer_name", self.issuer_name)
        kwargs.setdefault("issuer_department_id", self.market.pk)
        kwargs.setdefault("actor", SYSTEM)
        kwargs.setdefault("metadata", dict(FOOD_METADATA))
        kwargs.setdefault("region", "610111")
        return services.issue_licence(holder=holder or self.citizen_holder(), **kwargs)


@pytest.fixture
def lw(db) -> LicenceWorld:
    market = DepartmentFactory(name="西安市灞桥区市场监督管理局")
    other = DepartmentFactory(name="西安市灞桥区住房和城乡建设局")
    food = LicenceType.objects.create(
        code=FOOD_TYPE,
        name="食品经营许可证",
        name_en="Food business licence",
        defining_body=market.name,
        defining_body_code=FOOD_TYPE[:18],
        holder_kind="either",
        metadata_schema=FOOD_SCHEMA,
        validity_years=5,
        replaces=["食品经营许可证"],
    )
    return LicenceWorld(
        market=market,
        other_department=other,
        approver=make_staff(department=market, roles=["approver"]),
        head=make_staff(department=market, roles=["department_head"]),
        clerk=make_staff(department=market, roles=["window_clerk"]),
        other_clerk=make_staff(department=other, roles=["window_clerk"]),
        administrator=make_staff(department=market, roles=["administrator"]),
        citizen=make_citizen(real_name="王小明"),
        member=make_enterprise_member(),
        stranger=make_citizen(real_name="赵六"),
        food=food,
    )

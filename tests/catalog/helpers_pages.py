"""A small published catalogue for the page and read-API tests: 食品经营许可 in two versions
(v1 superseded at 2026-01-01, v2 in force), situation questions with a follow-up, a bundle
and a life event. Rows are written directly: the change-control services are not under test
here, and the demo catalogue is too large for these focused checks."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from tests.factories import DepartmentFactory
from zhengwu.catalog.choices import Audience, VersionStatus
from zhengwu.catalog.models import (
    Bundle,
    BundleMember,
    Item,
    ItemVersion,
    LifeEvent,
    Material,
    Situation,
    SituationOption,
)

BASIC_CODE = "000101001000"


@dataclass
class SmallCatalog:
    department: object
    item: Item
    old: ItemVersion
    current: ItemVersion
    bundle: Bundle
    life_event: LifeEvent

    @property
    def code(self) -> str:
        return self.current.implementation_code


def _at(year: int, month: int, day: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime(year, month, day))


def _version(item: Item, department, code: str, number: int, **fields) -> ItemVersion:
    values = dict(  # noqa: C408 - keyword form reads like the model
        item=item,
        implementation_code=code,
        version=number,
        name="食品经营许可",
        department=department,
        implementing_uscc=department.uscc,
        statutory_limit=20,
        promised_limit=5,
        case_type="2",
        acceptance_conditions="有与经营的食品品种、数量相适应的食品加工场所。",
        process_steps=[
            {"name": "申请", "description": "网上或窗口提交申请材料"},
            {"name": "受理", "description": "材料齐全当场受理"},
            {"name": "审查", "description": "必要时现场核查"},
            {"name": "决定", "description": "作出准予许可决定，发放许可证"},
        ],
        fee_charged=False,
        service_objects=["1", "2"],
        handling_forms=["1", "2"],
        handling_scope="city",
        online_handling=True,
        online_address="https://zwfw.example.cn/apply/food",
        online_depth=4,
        place="灞桥区政务服务中心二楼 市场监管窗口",
        hours="周一至周五 9:00-17:00；周六 9:00-12:00",
        consultation_phone="029-83500000",
        complaint_phone="12345",
        faqs=[{"question": "开饭馆需要办什么证？", "answer": "需取得食品经营许可证。"}],
        visits_required=0,
        result_name="食品经营许可证",
        commitment_allowed=True,
        deficiency_allowed=True,
        weekend_service=True,
        status=VersionStatus.PUBLISHED,
    )
    values.update(fields)
    return ItemVersion.objects.create(**values)


def _materials_and_situations(version: ItemVersion) -> None:
    def material(key: str, name: str, order: int, **fields) -> Material:
        return Material.objects.create(
            version=version, key=key, name=name, sort_order=order, **fields
        )

    material("application-form", "食品经营许可申请书", 1, originals=1, issuing_body="申请人")
    material("business-licence", "营业执照", 2, copies=1, issuing_body="市场监督管理部门")
    own = material("property-certificate", "房屋产权证明", 3, required=False, copies=1)
    rent = material("lease-contract", "房屋租赁合同", 4, required=False, copies=1)
    sublet = material("sublet-consent", "产权人同意转租证明", 5, required=False, originals=1)
    proxy = material("power-of-attorney", "授权委托书", 6, required=False, originals=1)

    premises = Situation.objects.create(
        version=version, key="premises", question="经营场所是？", sort_order=1
    )
    own_option = SituationOption.objects.create(
        situation=premises, key="own", label="自有房屋", sort_order=1
    )
    own_option.materials.add(own)
    rent_option = SituationOption.objects.create(
        situation=premises, key="rent", label="租赁房屋", sort_order=2, promised_limit=7
    )
    rent_option.materials.add(rent)
    sublease = Situation.objects.create(
        version=version, key="sublease", question="是否为转租？", parent_option=rent_option,
        sort_order=2,
    )  # fmt: skip
    SituationOption.objects.create(
        situation=sublease, key="yes", label="是", sort_order=1
    ).materials.add(sublet)
    SituationOption.objects.create(situation=sublease, key="no", label="否", sort_order=2)
    agent = Situation.objects.create(
        version=version, key="agent", question="是否委托他人办理？", sort_order=3
    )
    SituationOption.objects.create(
        situation=agent, key="yes", label="委托代理人", sort_order=1
    ).materials.add(proxy)
    SituationOption.objects.create(situation=agent, key="no", label="本人办理", sort_order=2)


def build_small_catalog() -> SmallCatalog:
    department = DepartmentFactory(name="西安市灞桥区市场监督管理局")
    item = Item.objects.create(
        basic_code=BASIC_CODE,
        name="食品经营许可",
        item_type="01",
        legal_basis="《中华人民共和国食品安全法》第三十五条",
    )
    code = f"{department.uscc}4{BASIC_CODE}"
    old = _version(
        item, department, code, 1,
        status=VersionStatus.SUPERSEDED, promised_limit=10,
        effective_from=_at(2025, 1, 1), published_at=_at(2024, 12, 20),
        superseded_at=_at(2026, 1, 1), place="旧址：灞桥区纺织城西街1号",
    )  # fmt: skip
    Material.objects.create(version=old, key="application-form", name="食品经营许可申请书")
    current = _version(
        item, department, code, 2, based_on=old,
        effective_from=_at(2026, 1, 1), published_at=_at(2025, 12, 20),
    )  # fmt: skip
    _materials_and_situations(current)
    event = LifeEvent.objects.create(
        code="lp-permit", name="准营", audience=Audience.LEGAL_PERSON, sort_order=2
    )
    current.life_events.add(event)
    bundle = Bundle.objects.create(
        code="permit", name="企业准营一件事", audience=Audience.LEGAL_PERSON, life_event=event,
        lead_department=department, promised_limit=5,
        form_fields=[{"key": "shop_name", "label": "店铺名称", "type": "text", "required": True,
                      "used_by": [BASIC_CODE]}],
    )  # fmt: skip
    BundleMember.objects.create(bundle=bundle, implementation_code=code, item=item, sort_order=1)
    return SmallCatalog(department, item, old, current, bundle, event)

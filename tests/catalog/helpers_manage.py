"""Build catalogue versions through the real change-control services (for the manage tests)."""

from __future__ import annotations

from itertools import count
from typing import Any

from zhengwu.catalog import services
from zhengwu.catalog.models import ItemVersion, LifeEvent
from zhengwu.kernel.actors import SYSTEM

_serial = count(1)

BASE_FIELDS: dict[str, Any] = {
    "name": "食品经营许可",
    "statutory_limit": 20,
    "promised_limit": 10,
    "case_type": "2",
    "acceptance_conditions": "申请人具有与经营的食品品种、数量相适应的经营场所",
    "result_name": "食品经营许可证",
    "service_objects": ["2"],
    "handling_forms": ["1", "2"],
    "online_handling": True,
    "online_address": "https://zwfw.example.gov.cn/food",
    "online_depth": 4,
    "place": "灞桥区政务服务中心二楼",
    "hours": "周一至周五 9:00-17:00",
    "consultation_phone": "029-83500000",
    "complaint_phone": "12345",
    "faqs": [{"question": "需要几次到现场？", "answer": "全程网办，零跑动。"}],
}


def basic_code() -> str:
    return f"{next(_serial):012d}"


def new_draft(department: Any, *, user: Any = None, **fields: Any) -> ItemVersion:
    code = fields.pop("basic_code", None) or basic_code()
    item = {
        "basic_code": code,
        "name": fields.get("name", BASE_FIELDS["name"]),
        "item_type": "01",
        "legal_basis": "《中华人民共和国食品安全法》第三十五条",
        "level": 4,
    }
    return services.version_create_draft(
        user=user,
        actor=SYSTEM,
        department_id=department.pk,
        item=item,
        fields={**BASE_FIELDS, **fields},
        change_reason="新增事项",
    )


def add_materials_and_situations(version: ItemVersion) -> ItemVersion:
    """Two required materials, one optional, a question with a follow-up."""
    kw: dict[str, Any] = {"version_id": version.pk, "user": None, "actor": SYSTEM}
    services.material_save(
        key="id-card", data={"name": "身份证", "issuing_body": "公安机关", "originals": 1}, **kw
    )
    services.material_save(
        key="application", data={"name": "申请书", "issuing_body": "申请人", "sort_order": 1}, **kw
    )
    services.material_save(
        key="lease",
        data={"name": "场所租赁合同", "required": False, "issuing_body": "出租方", "sort_order": 2},
        **kw,
    )
    services.material_save(
        key="proxy",
        data={"name": "授权委托书", "required": False, "issuing_body": "申请人", "sort_order": 3},
        **kw,
    )
    services.situation_save(key="premises", question="经营场所是否为租赁？", **kw)
    services.option_save(
        situation_key="premises",
        key="rented",
        data={"label": "租赁", "materials": ["lease"], "conditions": "租期一年以上"},
        **kw,
    )
    services.option_save(situation_key="premises", key="owned", data={"label": "自有"}, **kw)
    services.situation_save(
        key="agent", question="是否委托代理人？", parent_option="premises.rented", **kw
    )
    services.option_save(
        situation_key="agent",
        key="yes",
        data={"label": "是", "materials": ["proxy", "id-card"], "promised_limit": 12},
        **kw,
    )
    services.option_save(situation_key="agent", key="no", data={"label": "否"}, **kw)
    return ItemVersion.objects.get(pk=version.pk)


def approve(version: ItemVersion, *, effective_from: Any = None, now: Any = None) -> ItemVersion:
    services.version_submit(version_id=version.pk, user=None, actor=SYSTEM)
    return services.version_review(
        version_id=version.pk,
        user=None,
        actor=SYSTEM,
        approve=True,
        comment="同意",
        effective_from=effective_from,
        now=now,
    )


def published_list(department: Any, *, situations: bool = True, **fields: Any) -> ItemVersion:
    version = new_draft(department, **fields)
    if situations:
        version = add_materials_and_situations(version)
    approve(version)
    return ItemVersion.objects.get(pk=version.pk)


def life_event(
    code: str = "kaiban",
    name: str = "开办",
    audience: str = "legal_person",
    parent: LifeEvent | None = None,
) -> LifeEvent:
    return LifeEvent.objects.get_or_create(
        code=code, defaults={"name": name, "audience": audience, "parent": parent}
    )[0]

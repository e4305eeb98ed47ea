"""Catalogue fixtures shared by the catalogue tests.

- ``org_demo``: the Baqiao regions and bodies (``zhengwu.org.demo.load_demo``); returns
  ``{exact body name: USCC}``.
- ``small_catalog_doc``: a small, valid interchange document (docs/catalog-format.md) in
  canonical order that uses every field: situations with a follow-up question, a bundle
  with form fields, synonyms, a two-version history. A fresh copy per test.
- ``imported_small_catalog``: the same document, imported (returns the document).
- ``build_small_catalog(usccs)``: the builder behind them, for tests that need variants.
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from zhengwu.kernel.actors import SYSTEM

MARKET = "区市场监管局"
HEALTH = "区卫生健康局"
POLICE = "公安灞桥分局"

FOOD_BASIC = "000101001000"
FOOD_CHANGE_BASIC = "000101002000"
BIRTH_BASIC = "000107001000"
BIRTH_CERT_BASIC = "000120001000"


def implementation_code(uscc: str, basic_code: str, level: int = 4) -> str:
    return f"{uscc}{level}{basic_code}"


def _event(action: str, frm: str, to: str, at: str, comment: str = "") -> dict[str, Any]:
    return {
        "action": action,
        "from_status": frm,
        "to_status": to,
        "actor_id": "7",
        "actor_label": "审改办 王敏",
        "comment": comment,
        "occurred_at": at,
    }


def _material(key: str, name: str, sort_order: int, **overrides: Any) -> dict[str, Any]:
    material = {
        "key": key,
        "name": name,
        "issuing_body": "申请人",
        "required": True,
        "originals": 1,
        "copies": 0,
        "paper": True,
        "electronic": True,
        "notes": "",
        "max_size_kb": 10240,
        "allowed_types": ["pdf", "jpg", "png"],
        "licence_type": "",
        "deficiency_allowed": False,
        "sort_order": sort_order,
        "sample_file": "",
        "blank_form": "",
    }
    material.update(overrides)
    return material


def _option(key: str, label: str, sort_order: int, materials: list[str], **kw: Any) -> dict:
    option = {
        "key": key,
        "label": label,
        "materials": materials,
        "conditions": "",
        "promised_limit": None,
        "statutory_limit": None,
        "sort_order": sort_order,
    }
    option.update(kw)
    return option


def _version(
    uscc: str, basic_code: str, name: str, number: int, status: str, **overrides: Any
) -> dict[str, Any]:
    version: dict[str, Any] = {
        "implementation_code": implementation_code(uscc, basic_code),
        "version": number,
        "status": status,
        "change_kind": "create" if number == 1 else "change",
        "change_reason": "" if number == 1 else "压缩承诺时限",
        "based_on": None if number == 1 else number - 1,
        "name": name,
        "department": uscc,
        "implementing_uscc": uscc,
        "entrusted_body": "",
        "level": 4,
        "statutory_limit": 20,
        "statutory_limit_unit": "working_day",
        "statutory_limit_note": "自受理之日起计算",
        "promised_limit": 5,
        "promised_limit_unit": "working_day",
        "promised_limit_note": "",
        "case_type": "2",
        "acceptance_conditions": "申请人应当具备与经营的食品品种、数量相适应的经营场所。",
        "process_steps": [
            {"name": "申请", "description": "提交申请材料"},
            {"name": "受理", "description": "窗口审查，材料齐全当场受理"},
        ],
        "joint_bodies": [],
        "intermediary_services": [{"name": "无", "required": False, "basis": ""}],
        "quantity_limit": "",
        "result_name": "食品经营许可证",
        "result_licence_type": "",
        "fee_charged": False,
        "fee_basis": "",
        "fee_items": [],
        "online_payment": False,
        "service_objects": ["2", "1"],
        "handling_forms": ["1", "2", "3"],
        "handling_scope": "city",
        "special_procedures": [
            {"kind": "2", "name": "现场核查", "limit": 10, "unit": "working_day", "note": ""}
        ],
        "appointment_supported": True,
        "delivery_by_post": True,
        "online_handling": True,
        "online_address": "https://zwfw.shaanxi.gov.cn/xian/baqiao/item/1",
        "online_depth": 4,
        "place": "灞桥区政务服务中心二楼 A 区",
        "hours": "周一至周五 9:00-17:00；周六 9:00-12:00",
        "consultation_phone": "029-83513000",
        "complaint_phone": "12345",
        "faqs": [{"question": "需要现场核查吗？", "answer": "首次申请需要。"}],
        "visits_required": 0,
        "life_events": ["lp-permit"],
        "in_hall": True,
        "hall_negative_list": False,
        "hall_negative_reason": "",
        "commitment_allowed": True,
        "deficiency_allowed": True,
        "citywide": True,
        "cross_province": False,
        "weekend_service": True,
        "delegated_level": "",
        "accept_on_receipt": False,
        "effective_from": "2026-01-01T00:00:00+08:00",
        "published_at": "2025-12-20T10:00:00+08:00",
        "superseded_at": None,
        "materials": [],
        "situations": [],
        "events": [
            _event("created", "", "draft", "2025-12-01T09:00:00+08:00"),
            _event("submitted", "draft", "submitted", "2025-12-02T09:00:00+08:00"),
            _event("approved", "submitted", "approved", "2025-12-03T09:00:00+08:00", "同意"),
            _event("published", "approved", "published", "2025-12-20T10:00:00+08:00"),
        ],
    }
    version.update(overrides)
    return version


def build_small_catalog(usccs: dict[str, str]) -> dict[str, Any]:
    """A valid document in canonical order (see the module docstring)."""
    market, health, police = usccs[MARKET], usccs[HEALTH], usccs[POLICE]
    food_materials = [
        _material(
            "application-form",
            "食品经营许可申请书",
            1,
            blank_form="catalog/forms/food-application.docx",
            sample_file="catalog/samples/food-application.pdf",
        ),
        _material(
            "business-licence",
            "营业执照",
            2,
            issuing_body="市场监督管理部门",
            licence_type="12100000000013127D001",
        ),
        _material("id-card", "法定代表人身份证", 3, issuing_body="公安机关", copies=1),
        _material(
            "lease",
            "经营场所使用证明",
            4,
            required=False,
            deficiency_allowed=True,
            notes="自有房产提供产权证明，租赁提供租赁合同",
        ),
        _material("floor-plan", "经营场所平面图", 5, required=False, allowed_types=["pdf"]),
    ]
    food_situations = [
        {
            "key": "applicant",
            "question": "申请人类型？",
            "parent_option": None,
            "sort_order": 1,
            "options": [
                _option("company", "企业", 1, ["business-licence", "id-card"]),
                _option(
                    "individual",
                    "个体工商户",
                    2,
                    ["id-card"],
                    conditions="经营者本人办理",
                    promised_limit=3,
                ),
            ],
        },
        {
            "key": "premises",
            "question": "经营场所是否自有？",
            "parent_option": "applicant.company",
            "sort_order": 2,
            "options": [
                _option("own", "自有", 1, ["floor-plan"]),
                _option("leased", "租赁", 2, ["lease", "floor-plan"], statutory_limit=15),
            ],
        },
    ]
    food_v1 = _version(
        market,
        FOOD_BASIC,
        "食品经营许可",
        1,
        "superseded",
        promised_limit=10,
        superseded_at="2026-03-01T00:00:00+08:00",
        materials=copy.deepcopy(food_materials[:3]),
        situations=[
            {
                **food_situations[0],
                "options": [
                    _option("company", "企业", 1, ["business-licence"]),
                    _option("individual", "个体工商户", 2, ["id-card"]),
                ],
            }
        ],
        events=[
            _event("imported", "", "published", "2025-12-20T10:00:00+08:00"),
            _event("superseded", "published", "superseded", "2026-03-01T00:00:00+08:00"),
        ],
    )
    food_v2 = _version(
        market,
        FOOD_BASIC,
        "食品经营许可",
        2,
        "published",
        effective_from="2026-03-01T00:00:00+08:00",
        published_at="2026-02-20T10:00:00+08:00",
        result_sample="catalog/results/food-licence-sample.pdf",
        materials=food_materials,
        situations=food_situations,
    )
    food_change_v1 = _version(
        market,
        FOOD_CHANGE_BASIC,
        "食品经营许可变更",
        1,
        "draft",
        case_type="1",
        promised_limit=0,
        online_address="",
        online_handling=False,
        online_depth=1,
        fee_charged=True,
        fee_basis="《行政事业性收费标准》",
        fee_items=[{"name": "工本费", "amount": 10.5, "basis": "陕价费发〔2020〕1号"}],
        delegated_level="street",
        life_events=[],
        effective_from=None,
        published_at=None,
        materials=[_material("application-form", "变更申请书", 1)],
        events=[_event("created", "", "draft", "2026-04-01T09:00:00+08:00")],
    )
    birth = _version(
        police,
        BIRTH_BASIC,
        "出生登记",
        1,
        "published",
        statutory_limit=1,
        statutory_limit_unit="natural_day",
        promised_limit=0,
        case_type="1",
        service_objects=["1"],
        handling_scope="cross_province",
        cross_province=True,
        life_events=["np-birth"],
        materials=[
            _material("birth-certificate", "出生医学证明", 1, issuing_body="助产机构"),
            _material("household-register", "父母户口簿", 2),
        ],
        situations=[],
        joint_bodies=["区卫生健康局"],
    )
    birth_cert = _version(
        health,
        BIRTH_CERT_BASIC,
        "出生医学证明",
        1,
        "published",
        statutory_limit=5,
        promised_limit=1,
        service_objects=["1"],
        life_events=["np-birth"],
        in_hall=False,
        hall_negative_list=True,
        hall_negative_reason="在助产机构办理",
        materials=[_material("mother-id", "母亲身份证", 1)],
    )
    return {
        "format": "zhengwu-catalog",
        "format_version": 1,
        "life_events": [
            {
                "code": "lp-permit",
                "name": "准营",
                "audience": "legal_person",
                "parent": None,
                "description": "取得经营许可",
                "sort_order": 2,
            },
            {
                "code": "np-life",
                "name": "个人全生命周期",
                "audience": "natural_person",
                "parent": None,
                "description": "",
                "sort_order": 0,
            },
            {
                "code": "np-birth",
                "name": "出生",
                "audience": "natural_person",
                "parent": "np-life",
                "description": "",
                "sort_order": 1,
            },
        ],
        "items": [
            {
                "basic_code": FOOD_BASIC,
                "name": "食品经营许可",
                "item_type": "01",
                "legal_basis": "《中华人民共和国食品安全法》第三十五条",
                "level": 4,
                "versions": [food_v1, food_v2],
            },
            {
                "basic_code": FOOD_CHANGE_BASIC,
                "name": "食品经营许可变更",
                "item_type": "01",
                "legal_basis": "《食品经营许可和备案管理办法》第三十条",
                "level": 4,
                "versions": [food_change_v1],
            },
            {
                "basic_code": BIRTH_BASIC,
                "name": "出生登记",
                "item_type": "07",
                "legal_basis": "《中华人民共和国户口登记条例》第七条",
                "level": 4,
                "versions": [birth],
            },
            {
                "basic_code": BIRTH_CERT_BASIC,
                "name": "出生医学证明",
                "item_type": "20",
                "legal_basis": "《中华人民共和国母婴保健法》第二十三条",
                "level": 4,
                "versions": [birth_cert],
            },
        ],
        "bundles": [
            {
                "code": "newborn",
                "name": "新生儿出生一件事",
                "description": "出生医学证明、出生登记一次办",
                "audience": "natural_person",
                "life_event": "np-birth",
                "lead_department": health,
                "promised_limit": 5,
                "promised_limit_unit": "working_day",
                "active": True,
                "form_fields": [
                    {
                        "key": "child_name",
                        "label": "新生儿姓名",
                        "type": "text",
                        "required": True,
                        "used_by": [BIRTH_CERT_BASIC, BIRTH_BASIC],
                    }
                ],
                "members": [
                    {
                        "implementation_code": implementation_code(health, BIRTH_CERT_BASIC),
                        "sort_order": 1,
                    },
                    {
                        "implementation_code": implementation_code(police, BIRTH_BASIC),
                        "sort_order": 2,
                    },
                ],
            }
        ],
        "synonyms": [
            {"term": "上户口", "expansions": ["出生登记", "户口迁移"], "note": ""},
            {"term": "开饭馆", "expansions": ["食品经营许可"], "note": "餐饮"},
        ],
    }


@pytest.fixture
def org_demo(db) -> dict[str, str]:
    from zhengwu.org import selectors
    from zhengwu.org.demo import all_body_names, load_demo

    load_demo()
    usccs = {}
    for name in all_body_names():
        department = selectors.department_by_name(name)
        assert department is not None, name
        usccs[name] = department.uscc
    return usccs


@pytest.fixture
def small_catalog_doc(org_demo) -> dict[str, Any]:
    return build_small_catalog(org_demo)


@pytest.fixture
def imported_small_catalog(small_catalog_doc) -> dict[str, Any]:
    from zhengwu.catalog.io import import_catalog

    import_catalog(copy.deepcopy(small_catalog_doc), actor=SYSTEM)
    return small_catalog_doc

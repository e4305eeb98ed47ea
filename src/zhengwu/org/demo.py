"""Demo data for the reference deployment, 西安市灞桥区 (DOMAIN.md §11).

Idempotent: each region and body is looked up by its code / exact name first and created
through the real services only when missing, so running the demo twice changes nothing.
Credit codes are made with ``make_uscc`` from fixed organisation codes written below, so
they are valid and the same on every machine. They are invented (not the real bodies' codes).
"""

from __future__ import annotations

from django.db import transaction

from zhengwu.kernel.actors import SYSTEM
from zhengwu.kernel.identifiers import make_uscc
from zhengwu.org import services
from zhengwu.org.choices import AdministrativeLevel, CommunityKind, DepartmentKind
from zhengwu.org.models import Department, Region

DISTRICT_CODE = "610111"
CITY_CODE = "610100"
PROVINCE_CODE = "610000"

PROVINCE = (PROVINCE_CODE, "陕西省")
CITY = (CITY_CODE, "西安市")
DISTRICT = (DISTRICT_CODE, "灞桥区")

# The nine streets in the order of their statistical codes 610111001–009.
STREETS: tuple[str, ...] = (
    "纺织城",
    "十里铺",
    "红旗",
    "席王",
    "洪庆",
    "狄寨",
    "灞桥",
    "新筑",
    "新合",
)


def street_code(street: str) -> str:
    return f"{DISTRICT_CODE}{STREETS.index(street) + 1:03d}"


# Communities (社区, codes 001–199) and villages (村, codes 200–399) for four streets.
COMMUNITIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "纺织城": (
        ("纺正街社区", "纺渭路社区", "纺西街社区", "纺建路社区", "半坡路社区", "纺织城社区"),
        ("谷家村", "豁口村"),
    ),
    "十里铺": (
        ("十里铺社区", "东城社区", "鸿基社区", "丰景社区", "公园南路社区"),
        ("十里铺村", "东十里铺村"),
    ),
    "洪庆": (
        ("洪庆社区", "庆华社区", "华山社区"),
        ("洪庆村", "山底村", "田家湾村", "韩峪村"),
    ),
    "狄寨": (
        ("狄寨社区",),
        ("鲍旗寨村", "张李村", "南窑头村", "神鹿坊村", "狄寨村"),
    ),
}

G = DepartmentKind.GOVERNMENT
C = DepartmentKind.COOPERATING
E = DepartmentKind.PUBLIC_SERVICE_ENTERPRISE

# (exact name, short name, kind, USCC authority+kind, fixed organisation code (8 chars))
# Authority/kind per GB 32100: "11" 机构编制·机关, "12" 机构编制·事业单位,
# "13" 机构编制·群团组织, "91" 市场监管·企业.
DEPARTMENTS: tuple[tuple[str, str, str, str, str], ...] = (
    ("区行政审批服务局", "审批服务局", G, "11", "MB2961A1"),
    ("区政府办", "政府办", G, "11", "MB2961A2"),
    ("区市场监管局", "市场监管局", G, "11", "MB2961A3"),
    ("区科技工信局", "科技工信局", G, "11", "MB2961A4"),
    ("区发改委", "发改委", G, "11", "MB2961A5"),
    ("区教育局", "教育局", G, "11", "MB2961A6"),
    ("公安灞桥分局", "公安分局", G, "11", "MB2961A7"),
    ("区民政局", "民政局", G, "11", "MB2961A8"),
    ("区司法局", "司法局", G, "11", "MB2961A9"),
    ("区财政局", "财政局", G, "11", "MB2961B1"),
    ("区人社局", "人社局", G, "11", "MB2961B2"),
    ("资源规划灞桥分局", "资源规划分局", G, "11", "MB2961B3"),
    ("区住建局", "住建局", G, "11", "MB2961B4"),
    ("区城管局", "城管局", G, "11", "MB2961B5"),
    ("区交通局", "交通局", G, "11", "MB2961B6"),
    ("区秦岭保护执法局", "秦岭保护执法局", G, "11", "MB2961B7"),
    ("区农业农村局", "农业农村局", G, "11", "MB2961B8"),
    ("区投资商务局", "投资商务局", G, "11", "MB2961B9"),
    ("区文旅体育局", "文旅体育局", G, "11", "MB2961C1"),
    ("区卫生健康局", "卫健局", G, "11", "MB2961C2"),
    ("区应急管理局", "应急管理局", G, "11", "MB2961C3"),
    ("区医疗保障局", "医保局", G, "11", "MB2961C4"),
    ("区退役军人局", "退役军人局", G, "11", "MB2961C5"),
    ("区残联", "残联", C, "13", "MB2961C6"),
    ("区档案馆", "档案馆", C, "12", "MB2961C7"),
    ("交警灞桥大队", "交警大队", G, "11", "MB2961C8"),
    ("区消防救援大队", "消防救援大队", G, "11", "MB2961C9"),
    ("区水务局", "水务局", G, "11", "MB2961D1"),
    ("区供热办", "供热办", G, "11", "MB2961D2"),
    ("西安市生态环境局灞桥分局", "生态环境分局", C, "11", "MB2961D3"),
    ("国家税务总局西安市灞桥区税务局", "区税务局", C, "11", "MB2961D4"),
    ("西安住房公积金管理中心灞桥区管理部", "公积金灞桥管理部", C, "12", "MB2961D5"),
    # Public-service enterprises for 水电气 transfers (二手房转移登记及水电气联动过户).
    ("西安水务(集团)有限责任公司灞桥供水分公司", "灞桥供水", E, "91", "MA6TW1A1"),
    ("国网陕西省电力有限公司西安市灞桥区供电分公司", "灞桥供电", E, "91", "MA6TW1A2"),
    ("西安秦华天然气有限公司灞桥分公司", "秦华燃气灞桥", E, "91", "MA6TW1A3"),
)

# The nine street offices: 机构编制·机关, organisation codes MB2962001…009.
STREET_OFFICE_AUTHORITY = "11"


def street_office_name(street: str) -> str:
    return f"{street}街道办事处"


def street_office_org8(street: str) -> str:
    return f"MB2962{STREETS.index(street) + 1:02d}"


def department_uscc(authority_kind: str, org8: str) -> str:
    return make_uscc(authority_kind[0], authority_kind[1], DISTRICT_CODE, org8)


def all_body_names() -> list[str]:
    """Every body the demo loads, by exact name (used by tests and other demos)."""
    return [d[0] for d in DEPARTMENTS] + [street_office_name(s) for s in STREETS]


def _ensure_region(
    code: str, name: str, level: int, parent: str | None, kind: str = "", order: int = 0
) -> bool:
    if Region.objects.filter(code=code).exists():
        return False
    services.region_create(
        code=code,
        name=name,
        level=level,
        parent_code=parent,
        community_kind=kind,
        sort_order=order,
        actor=SYSTEM,
    )
    return True


def _ensure_department(
    *, name: str, short_name: str, kind: str, uscc: str, level: int, region_code: str, order: int
) -> bool:
    if Department.objects.filter(name=name).exists():
        return False
    services.department_create(
        name=name,
        short_name=short_name,
        uscc=uscc,
        kind=kind,
        level=level,
        region_code=region_code,
        sort_order=order,
        actor=SYSTEM,
    )
    return True


def load_demo() -> dict[str, int]:
    """Load regions and bodies; returns how many of each were created this time."""
    created = {"regions": 0, "departments": 0}
    with transaction.atomic():
        created["regions"] += _ensure_region(
            PROVINCE[0], PROVINCE[1], AdministrativeLevel.PROVINCE, None
        )
        created["regions"] += _ensure_region(
            CITY[0], CITY[1], AdministrativeLevel.CITY, PROVINCE_CODE
        )
        created["regions"] += _ensure_region(
            DISTRICT[0], DISTRICT[1], AdministrativeLevel.COUNTY, CITY_CODE
        )
        for order, street in enumerate(STREETS, start=1):
            code = street_code(street)
            created["regions"] += _ensure_region(
                code, f"{street}街道", AdministrativeLevel.STREET, DISTRICT_CODE, order=order
            )
            communities, villages = COMMUNITIES.get(street, ((), ()))
            for n, name in enumerate(communities, start=1):
                created["regions"] += _ensure_region(
                    f"{code}{n:03d}",
                    name,
                    AdministrativeLevel.COMMUNITY,
                    code,
                    CommunityKind.COMMUNITY,
                    n,
                )
            for n, name in enumerate(villages, start=1):
                created["regions"] += _ensure_region(
                    f"{code}{199 + n:03d}",
                    name,
                    AdministrativeLevel.COMMUNITY,
                    code,
                    CommunityKind.VILLAGE,
                    199 + n,
                )
        for order, (name, short, kind, authority, org8) in enumerate(DEPARTMENTS, start=1):
            created["departments"] += _ensure_department(
                name=name,
                short_name=short,
                kind=kind,
                uscc=department_uscc(authority, org8),
                level=AdministrativeLevel.COUNTY,
                region_code=DISTRICT_CODE,
                order=order,
            )
        for order, street in enumerate(STREETS, start=100):
            created["departments"] += _ensure_department(
                name=street_office_name(street),
                short_name=f"{street}街道",
                kind=DepartmentKind.STREET_OFFICE,
                uscc=department_uscc(STREET_OFFICE_AUTHORITY, street_office_org8(street)),
                level=AdministrativeLevel.STREET,
                region_code=street_code(street),
                order=order,
            )
    return created

"""Demo data of the e-licence register (run after the org and accounts demos).

Through the real services: the licence types of the Baqiao catalogue, then signed licences
for the demo accounts —

- the demo citizen (username ``citizen``): a 食品经营许可证 (the browser journey shows it on
  a phone) and a 居民身份证;
- the demo enterprises (username ``enterprise`` is a member of both): a 营业执照 each, a
  食品经营许可证 that is suspended (暂扣) and a 公共场所卫生许可证 that was revoked (吊销).

Idempotent: a licence is looked up by issuer, type and number first; running twice adds
nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from zhengwu.accounts import selectors as account_selectors
from zhengwu.accounts.demo import CITIZEN_ID_NUMBER, ENTERPRISES, enterprise_uscc
from zhengwu.kernel.actors import Actor
from zhengwu.licences import services
from zhengwu.licences.choices import LicenceStatus
from zhengwu.licences.models import Licence
from zhengwu.org import selectors as org_selectors

DEMO_ACTOR = Actor("system", "demo", "演示数据 / demo data", channel="demo")
FOOD = "11610111MB2961A368002"
BUSINESS = "11610111MB2961A368001"
ID_CARD = "11610111MB2961A79M001"
HYGIENE = "11610111MB2961C200003"
MARKET = "区市场监管局"
POLICE = "公安灞桥分局"
HEALTH = "区卫生健康局"
ADDRESS = "西安市灞桥区纺织城正街 88 号"


def _department(name: str) -> Any:
    department = org_selectors.department_by_name(name)
    if department is None or not department.uscc:
        raise LookupError(f"{name} is missing: load the org demo first")
    return department


def _holder(name: str, code: str) -> services.Holder:
    holder = services.parse_holder(name, code)
    user_id, enterprise_id = None, None
    if holder.code_type == "111":
        profile = account_selectors.citizen_by_id_number(holder.code)
        user_id = profile.user_id if profile is not None else None
    else:
        enterprise = account_selectors.enterprise_by_uscc(holder.code)
        enterprise_id = enterprise.pk if enterprise is not None else None
    return services.Holder(holder.name, holder.code, holder.code_type, user_id, enterprise_id)


def _issue(
    type_code: str,
    department_name: str,
    holder: services.Holder,
    number: str,
    metadata: dict[str, str],
    issue_date: date,
    *,
    status: str = LicenceStatus.VALID,
    reason: str = "",
) -> bool:
    """Issue one licence unless it exists; True when it was issued now."""
    department = _department(department_name)
    if Licence.objects.filter(
        issuer_code=department.uscc, type_code=type_code, number=number
    ).exists():
        return False
    licence = services.issue_licence(
        licence_type=services.licence_type_by_code(type_code),
        holder=holder,
        issuer_code=department.uscc,
        issuer_name=department.name,
        actor=DEMO_ACTOR,
        number=number,
        metadata=metadata,
        issue_date=issue_date,
        region=(department.region.code if department.region_id else "")[:6],
        issuer_department_id=department.pk,
    )
    if status != LicenceStatus.VALID:
        services.change_status(licence.pk, status, reason=reason, actor=DEMO_ACTOR)
    return True


def load_demo() -> dict[str, int]:
    """Load the types and the demo licences; returns what was created now."""
    today = timezone.localdate()
    with transaction.atomic():
        types = services.load_licence_types(actor=DEMO_ACTOR)
        profile = account_selectors.citizen_by_id_number(CITIZEN_ID_NUMBER)
        if profile is None:
            raise LookupError("the demo citizen is missing: load the accounts demo first")
        citizen = _holder(profile.real_name, CITIZEN_ID_NUMBER)
        (first_name, first_org8, first_rep), (second_name, second_org8, second_rep) = (
            ENTERPRISES[0],
            ENTERPRISES[1],
        )
        first = _holder(first_name, enterprise_uscc(first_org8))
        second = _holder(second_name, enterprise_uscc(second_org8))
        issued = [
            _issue(
                FOOD,
                MARKET,
                citizen,
                "JY16101110000001",
                {
                    "business_scope": "预包装食品（含冷藏冷冻食品）销售；热食类食品制售",
                    "premises": ADDRESS,
                    "main_body": "餐饮服务经营者",
                    "legal_representative": profile.real_name,
                },
                today - timedelta(days=400),
            ),
            _issue(
                ID_CARD,
                POLICE,
                citizen,
                "610111202001150001",
                {"sex": "男", "ethnicity": "汉", "birth_date": "1990-03-15", "address": ADDRESS},
                date(2020, 1, 15),
            ),
            _issue(
                BUSINESS,
                MARKET,
                first,
                first.code,
                {
                    "enterprise_type": "有限责任公司（自然人投资或控股）",
                    "legal_representative": first_rep,
                    "registered_capital": "500 万元人民币",
                    "established_on": "2019-06-18",
                    "address": "西安市灞桥区东城大道 66 号",
                    "business_scope": "软件开发；信息技术咨询服务；节能技术推广",
                },
                date(2019, 6, 18),
            ),
            _issue(
                BUSINESS,
                MARKET,
                second,
                second.code,
                {
                    "enterprise_type": "有限责任公司（自然人独资）",
                    "legal_representative": second_rep,
                    "registered_capital": "100 万元人民币",
                    "established_on": "2021-03-02",
                    "address": "西安市灞桥区浐灞大道 1 号",
                    "business_scope": "食品销售；日用百货销售",
                },
                date(2021, 3, 2),
            ),
            _issue(
                FOOD,
                MARKET,
                second,
                "JY16101110000002",
                {
                    "business_scope": "预包装食品销售",
                    "premises": "西安市灞桥区浐灞大道 1 号",
                    "main_body": "食品销售经营者",
                    "legal_representative": second_rep,
                },
                today - timedelta(days=200),
                status=LicenceStatus.SUSPENDED,
                reason="食品安全监督检查不合格，责令停业整顿 30 日",
            ),
            _issue(
                HYGIENE,
                HEALTH,
                second,
                "BQWS2023-0117",
                {"premises": "西安市灞桥区浐灞大道 1 号", "business_scope": "公共浴室"},
                today - timedelta(days=700),
                status=LicenceStatus.REVOKED,
                reason="擅自改变经营项目，经听证依法吊销",
            ),
        ]
    return {"licence_types": types["created"], "licences": sum(issued)}

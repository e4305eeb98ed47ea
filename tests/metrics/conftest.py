"""A small known world for the indicator tests: rows are created directly (metrics only reads
them), in states whose indicator values are computed by hand in test_indicators.py."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.factories import make_citizen, make_staff
from zhengwu.accounts.models import User, WindowClerkCertificate
from zhengwu.cases.models import Case, CaseMaterial, Delivery
from zhengwu.catalog.models import Item, ItemVersion
from zhengwu.hotline.models import Callback, Ticket
from zhengwu.org.models import Department, Region
from zhengwu.ratings.models import Rectification, Review

NOW = datetime(2026, 3, 20, 12, 0)  # local time (Asia/Shanghai)
MONTH = date(2026, 3, 1)


def at(day: date, hour: int = 10) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(hour)))


def d(n: int, month: int = 3) -> date:
    return date(2026, month, n)


@dataclass
class MetricsWorld:
    market: Department
    civil: Department
    street_office: Department
    street: Region
    item_x: ItemVersion
    item_y: ItemVersion
    staff: User
    citizen: User
    now: datetime


_serial = iter(range(1, 10**6))


def make_case(world: MetricsWorld | None = None, **fields: Any) -> Case:
    n = next(_serial)
    defaults: dict[str, Any] = {
        "number": f"T{n:08d}",
        "item_name": "食品经营许可",
        "channel": "portal",
        "applicant_kind": "citizen",
        "applicant_name": "张伟",
        "applicant_id_type": "111",
        "status": "concluded",
    }
    defaults.update(fields)
    return Case.objects.create(**defaults)


def make_ticket(**fields: Any) -> Ticket:
    n = next(_serial)
    defaults: dict[str, Any] = {
        "number": f"H{n:08d}",
        "channel": "phone",
        "category": "complaint",
        "text": "路灯不亮",
        "status": "closed",
        "token": uuid.uuid4(),
    }
    defaults.update(fields)
    return Ticket.objects.create(**defaults)


def make_review(**fields: Any) -> Review:
    n = next(_serial)
    defaults: dict[str, Any] = {
        "subject_type": "case",
        "subject_key": f"R{n:08d}",
        "channel": "1",
        "level": 1,
    }
    defaults.update(fields)
    defaults["is_bad"] = defaults["level"] >= 4
    return Review.objects.create(**defaults)


def make_version(dept: Department, code: str, name: str, **fields: Any) -> ItemVersion:
    item = Item.objects.get_or_create(
        basic_code=code[-12:], defaults={"name": name, "item_type": "01", "legal_basis": "法"}
    )[0]
    defaults: dict[str, Any] = {
        "version": 1,
        "status": "published",
        "name": name,
        "implementing_uscc": dept.uscc,
        "statutory_limit": 20,
        "promised_limit": 5,
        "case_type": "2",
        "acceptance_conditions": "符合条件",
        "service_objects": ["1"],
        "handling_forms": ["1"],
        "published_at": at(d(1, 1)),
    }
    defaults.update(fields)
    return ItemVersion.objects.create(
        item=item, department=dept, implementation_code=code, **defaults
    )


@pytest.fixture
def mworld(db) -> MetricsWorld:
    """March 2026, "now" 2026-03-20 12:00. Hand-computed values: test_indicators.py."""
    from zhengwu.org import demo as org_demo
    from zhengwu.org.selectors import department_by_name

    org_demo.load_demo()
    market = department_by_name("区市场监管局")
    civil = department_by_name("区民政局")
    street_office = department_by_name("纺织城街道办事处")
    assert market and civil and street_office
    street = street_office.region
    assert street.level == 5
    item_x = make_version(
        market,
        f"{market.uscc}X00000000001",
        "食品经营许可",
        online_handling=True,
        online_address="https://example.invalid/x",
        statutory_limit=20,
        promised_limit=5,
    )
    item_y = make_version(
        civil,
        f"{civil.uscc}Y00000000001",
        "婚姻登记",
        case_type="1",
        statutory_limit=1,
        promised_limit=0,
        hall_negative_list=True,
        hall_negative_reason="在婚姻登记处办理",
        in_hall=False,
    )
    # an older version of X, superseded before March: not in force
    make_version(
        market,
        f"{market.uscc}X00000000001",
        "食品经营许可(旧)",
        version=0,
        status="superseded",
        superseded_at=at(d(2, 1)),
        published_at=at(d(1, 12) - timedelta(days=365)),
    )
    staff = make_staff(department=market, roles=["window_clerk"], display_name="刘倩")
    clerk2 = make_staff(department=market, roles=["window_clerk"], display_name="何静")
    WindowClerkCertificate.objects.create(
        staff=staff.staff_profile, number="C-1", issued_on=d(1, 1), expires_on=d(31, 12)
    )
    WindowClerkCertificate.objects.create(  # expired: clerk2 is not certified
        staff=clerk2.staff_profile,
        number="C-2",
        issued_on=d(1, 1) - timedelta(days=800),
        expires_on=d(1, 1) - timedelta(days=1),
    )
    citizen = make_citizen(real_name="张伟")
    x = item_x.implementation_code
    # 1 portal, no paper, downloaded: fully online, 0 visits, on time
    make_case(
        department=market,
        implementation_code=x,
        channel="portal",
        submitted_at=at(d(2)),
        concluded_at=at(d(10)),
        promised_due=d(12),
    )
    Delivery.objects.create(case=Case.objects.latest("id"), method="download")
    # 2 portal + paper material, posted: 1 visit, late
    c2 = make_case(
        department=market,
        implementation_code=x,
        channel="portal",
        submitted_at=at(d(2)),
        concluded_at=at(d(11)),
        promised_due=d(10),
    )
    CaseMaterial.objects.create(case=c2, key="licence", name="营业执照", source="paper")
    CaseMaterial.objects.create(case=c2, key="form", name="申请表", source="upload")
    Delivery.objects.create(case=c2, method="post")
    # 3 window at the street centre, collected at a window: 2 visits, on time (due day)
    c3 = make_case(
        department=market,
        receiving_department=street_office,
        implementation_code=x,
        channel="window",
        submitted_at=at(d(3)),
        concluded_at=at(d(12), 17),
        promised_due=d(12),
    )
    Delivery.objects.create(case=c3, method="window")
    # 4 API, collected at a window: 1 visit, on time
    c4 = make_case(
        department=civil,
        implementation_code=item_y.implementation_code,
        channel="api",
        submitted_at=at(d(4)),
        concluded_at=at(d(4), 15),
        promised_due=d(4),
    )
    Delivery.objects.create(case=c4, method="window")
    # 5 window, still in progress, due 03-15 (< 03-20): open and overdue
    make_case(
        department=market,
        implementation_code=x,
        channel="window",
        status="in_progress",
        submitted_at=at(d(5)),
        promised_due=d(15),
    )
    # 6 portal, submitted, due 03-25: open, not overdue
    make_case(
        department=market,
        implementation_code=x,
        channel="portal",
        status="in_progress",
        submitted_at=at(d(6)),
        promised_due=d(25),
    )
    # a bundle parent (its members count, not it) and a draft: left out
    make_case(
        department=market,
        kind="bundle",
        channel="portal",
        submitted_at=at(d(6)),
        concluded_at=at(d(7)),
        promised_due=d(8),
    )
    make_case(department=market, channel="portal", status="draft")
    # a case concluded in February (other month)
    make_case(
        department=market,
        implementation_code=x,
        channel="window",
        submitted_at=at(d(2, 2)),
        concluded_at=at(d(3, 2)),
        promised_due=d(20, 2),
    )

    # reviews in March: levels 1,2,3 (satisfied), 4,5,4 (bad) + one hotline review (left out)
    common = {
        "department": market,
        "item_code": x,
        "street_code": street.code,
        "rated_at": at(d(12)),
    }
    for level in (1, 2, 3):
        make_review(level=level, **common)
    closed = make_review(level=4, **common)
    invalid = make_review(level=5, **common)
    open_ = make_review(level=4, **common)
    make_review(level=5, subject_type="ticket", rated_at=at(d(12)), department=market)
    for review, status in ((closed, "closed"), (invalid, "closed_invalid"), (open_, "rectifying")):
        Rectification.objects.create(
            review=review,
            department=market,
            status=status,
            opened_at=at(d(12)),
            verify_due=at(d(13)),
        )
    # tickets received in March: closed on time, closed late, open; 3 callbacks
    t1 = make_ticket(
        department=market,
        street=street,
        received_at=at(d(9)),
        closed_on_time=True,
        closed_at=at(d(10)),
    )
    t2 = make_ticket(
        department=market,
        street=street,
        received_at=at(d(9)),
        closed_on_time=False,
        closed_at=at(d(16)),
    )
    t3 = make_ticket(department=market, street=street, received_at=at(d(9)), status="handling")
    Callback.objects.create(ticket=t1, round=1, result="satisfied", at=at(d(11)), by=staff)
    Callback.objects.create(ticket=t2, round=1, result="not_satisfied", at=at(d(17)), by=staff)
    Callback.objects.create(ticket=t3, round=1, result="unreachable", at=at(d(17)), by=staff)
    return MetricsWorld(
        market=market,
        civil=civil,
        street_office=street_office,
        street=street,
        item_x=item_x,
        item_y=item_y,
        staff=staff,
        citizen=citizen,
        now=timezone.make_aware(NOW),
    )

"""A small real world for 好差评 tests: the Baqiao org tree and the 2025/2026 calendar, staff
of two departments and the centre's supervisors, an applicant with a concluded case, an
agent, a stranger, and a closed hotline ticket of the applicant.

Cases and tickets are written as rows (the ratings domain reads them; how they came to be
concluded or closed is the cases' and the hotline's tests' business), so a world costs a
few dozen inserts. ``rw.concluded_case(...)`` / ``rw.closed_ticket(...)`` make more.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field, fields
from typing import Any

import pytest
from django.utils import timezone

from tests.factories import make_citizen, make_staff
from tests.seeding import fresh, seeded
from zhengwu.accounts.models import User
from zhengwu.cases.models import Case
from zhengwu.hotline.models import Ticket
from zhengwu.org.models import Department

CENTRE = "区行政审批服务局"
MARKET = "区市场监管局"
HOUSING = "区住建局"
FOOD = "食品经营许可"

_serial = itertools.count(1)


@dataclass
class RatingsWorld:
    centre: Department
    market: Department
    housing: Department
    market_handler: User
    market_head: User
    housing_handler: User
    supervisor: User
    supervisor2: User
    clerk: User
    applicant: User
    agent: User
    stranger: User
    case: Case = field(init=False)
    ticket: Ticket = field(init=False)

    def concluded_case(
        self,
        *,
        applicant: User | None = None,
        agent: User | None = None,
        department: Department | None = None,
        status: str = "concluded",
        item_name: str = FOOD,
    ) -> Case:
        n = next(_serial)
        now = timezone.now()
        return Case.objects.create(
            number=f"RT{now:%Y%m%d}{n:06d}",
            implementation_code=f"11610111MB2961A3XK{n:013d}"[:31],
            item_name=item_name,
            channel="portal",
            applicant_kind="citizen",
            applicant_user=applicant or self.applicant,
            applicant_name="张伟",
            applicant_id_type="111",
            agent_user=agent,
            department=department or self.market,
            receiving_department=self.centre,
            first_responder=self.clerk,
            status=status,
            submitted_at=now,
            concluded_at=now if status == "concluded" else None,
        )

    def closed_ticket(
        self, *, caller: User | None = None, status: str = "closed", department: Any = None
    ) -> Ticket:
        n = next(_serial)
        now = timezone.now()
        return Ticket.objects.create(
            number=f"T{now:%Y%m%d}{n:05d}",
            channel="phone",
            category="complaint",
            text="小区门口占道经营，噪音扰民",
            caller_user=caller,
            department=department or self.housing,
            status=status,
            received_at=now,
            closed_at=now if status == "closed" else None,
        )


def make_world() -> RatingsWorld:
    from zhengwu.kernel import workdays
    from zhengwu.org import demo as org_demo
    from zhengwu.org.selectors import department_by_name

    workdays.seed_from_package(years=[2024, 2025, 2026])
    org_demo.load_demo()
    centre = department_by_name(CENTRE)
    market = department_by_name(MARKET)
    housing = department_by_name(HOUSING)
    assert centre and market and housing
    world = RatingsWorld(
        centre=centre,
        market=market,
        housing=housing,
        market_handler=make_staff(department=market, roles=["approver"], display_name="王建军"),
        market_head=make_staff(department=market, roles=["department_head"], display_name="赵刚"),
        housing_handler=make_staff(department=housing, roles=["approver"], display_name="林立"),
        supervisor=make_staff(department=centre, roles=["supervisor"], display_name="吴敏"),
        supervisor2=make_staff(department=centre, roles=["supervisor"], display_name="郑洁"),
        clerk=make_staff(department=centre, roles=["window_clerk"], display_name="刘倩"),
        applicant=make_citizen(real_name="张伟", phone="13800138000"),
        agent=make_citizen(real_name="周杰", phone="13900139000"),
        stranger=make_citizen(real_name="李娜", phone="13700137000"),
    )
    world.case = world.concluded_case()
    world.ticket = world.closed_ticket(caller=world.applicant)
    return world


@pytest.fixture(scope="package")
def _ratings_seed(django_db_setup, django_db_blocker) -> Iterator[RatingsWorld]:
    """The world, built once per package run in a worker (tests/seeding.py)."""
    with seeded(django_db_blocker, make_world) as built:
        yield built


@pytest.fixture
def rw(_ratings_seed, db) -> RatingsWorld:
    world = RatingsWorld(
        **{f.name: fresh(getattr(_ratings_seed, f.name)) for f in fields(RatingsWorld) if f.init}
    )
    world.case = fresh(_ratings_seed.case)
    world.ticket = fresh(_ratings_seed.ticket)
    return world

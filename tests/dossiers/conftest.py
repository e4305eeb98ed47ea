"""Dossier and archive tests stand on the cases' small real world (Baqiao org tree, staff,
citizens, part of the demo catalogue) and drive real cases through the real services."""

from __future__ import annotations

from typing import Any

import pytest

from tests.cases import conftest as cases_conftest
from tests.cases.conftest import FOOD, World, food_answers, upload_all
from tests.factories import make_staff
from zhengwu.cases import services as case_services
from zhengwu.cases.choices import Decision

# The cases' world fixtures, reused here (pytest finds fixtures by name in a conftest).
_world_seed = cases_conftest._world_seed
world = cases_conftest.world


def submitted_case(world: World, applicant: Any = None, *, key: str = "k1") -> Any:
    applicant = applicant or world.citizen
    case = case_services.draft_create(user=applicant, implementation_code=world.code(FOOD))
    case_services.draft_update(
        case_id=case.pk, user=applicant, answers=food_answers(world.version(FOOD))
    )
    case.refresh_from_db()
    upload_all(case, applicant)
    return case_services.submit(case_id=case.pk, user=applicant, idempotency_key=key)


def accepted_case(world: World, applicant: Any = None, *, key: str = "k1") -> Any:
    case = submitted_case(world, applicant, key=key)
    return case_services.accept(case_id=case.pk, user=world.clerk)


def concluded_case(world: World, applicant: Any = None, *, key: str = "k1") -> Any:
    """A 食品经营许可 applied for online, accepted, reviewed, approved and delivered."""
    case = accepted_case(world, applicant, key=key)
    case_services.complete_step(case_id=case.pk, user=world.approver, action="pass", opinion="ok")
    case_services.complete_step(
        case_id=case.pk,
        user=world.head,
        action="pass",
        decision=Decision.APPROVE,
        opinion="同意",
    )
    return case_services.deliver(
        case_id=case.pk, user=world.clerk, method="window", identity_checked=True
    )


@pytest.fixture
def admin_pair(world):
    """Two administrators of the centre (proposer and approver of a disposal)."""
    from zhengwu.org.selectors import department_by_name

    centre = department_by_name("区行政审批服务局")
    return (
        make_staff(department=centre, roles=["administrator"], display_name="档案员甲"),
        make_staff(department=centre, roles=["administrator"], display_name="档案员乙"),
    )

"""A small real world for hotline tests: the Baqiao org tree and calendar, the 12345 centre's
staff (区政府办), handlers and heads of two departments, a street office, and a citizen."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import pytest

from tests.factories import make_citizen, make_staff
from tests.seeding import fresh, seeded
from zhengwu.accounts.models import User
from zhengwu.org.models import Department

CENTRE = "区政府办"  # the 12345 centre of the demo district
URBAN = "区城管局"
HOUSING = "区住建局"
STREET_OFFICE = "纺织城街道办事处"


@dataclass
class HotlineWorld:
    centre: Department
    urban: Department
    housing: Department
    street_office: Department
    agent: User
    agent2: User
    dispatcher: User
    supervisor: User
    urban_handler: User
    urban_head: User
    housing_handler: User
    street_handler: User
    citizen: User


def _build_world() -> HotlineWorld:
    from zhengwu.kernel import workdays
    from zhengwu.org import demo as org_demo
    from zhengwu.org.selectors import department_by_name

    workdays.seed_from_package()
    org_demo.load_demo()
    centre = department_by_name(CENTRE)
    urban = department_by_name(URBAN)
    housing = department_by_name(HOUSING)
    street_office = department_by_name(STREET_OFFICE)
    assert centre and urban and housing and street_office
    return HotlineWorld(
        centre=centre,
        urban=urban,
        housing=housing,
        street_office=street_office,
        agent=make_staff(department=centre, roles=["hotline_agent"], display_name="孙悦"),
        agent2=make_staff(department=centre, roles=["hotline_agent"], display_name="韩梅"),
        dispatcher=make_staff(department=centre, roles=["dispatcher"], display_name="周涛"),
        supervisor=make_staff(department=centre, roles=["supervisor"], display_name="吴敏"),
        urban_handler=make_staff(department=urban, roles=["approver"], display_name="高峰"),
        urban_head=make_staff(department=urban, roles=["department_head"], display_name="杜刚"),
        housing_handler=make_staff(department=housing, roles=["approver"], display_name="林立"),
        street_handler=make_staff(
            department=street_office, roles=["approver"], display_name="白雪"
        ),
        citizen=make_citizen(real_name="张伟", phone="13800138000"),
    )


@pytest.fixture(scope="package")
def _hotline_seed(django_db_setup, django_db_blocker) -> Iterator[HotlineWorld]:
    """The world, built once per package run in a worker (tests/seeding.py)."""
    with seeded(django_db_blocker, _build_world) as built:
        yield built


def use_tmp_storage(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }


@pytest.fixture
def hl(_hotline_seed, db, settings, tmp_path) -> HotlineWorld:
    use_tmp_storage(settings, tmp_path)
    return HotlineWorld(
        **{f.name: fresh(getattr(_hotline_seed, f.name)) for f in fields(HotlineWorld)}
    )


def build_world(settings: Any, tmp_path: Path) -> HotlineWorld:
    """A world of its own, for transactional tests (the browser journeys), which cannot
    stand on the shared, rolled-back seed."""
    use_tmp_storage(settings, tmp_path)
    return _build_world()

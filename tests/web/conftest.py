from __future__ import annotations

import pytest

from tests.factories import DepartmentFactory, make_citizen, make_staff


@pytest.fixture
def citizen(db):
    return make_citizen(username="zhang.wei", real_name="张伟")


@pytest.fixture
def department(db):
    return DepartmentFactory(name="西安市灞桥区行政审批服务局")


@pytest.fixture
def window_clerk(department):
    return make_staff(
        department=department,
        username="li.na",
        display_name="李娜",
        roles=["window_clerk", "approver"],
    )


@pytest.fixture
def administrator(department):
    return make_staff(
        department=department, username="wang.qiang", display_name="王强", roles=["administrator"]
    )

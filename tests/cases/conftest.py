"""A small real world for case tests: the Baqiao org tree, staff of the right departments,
applicants, and the part of the Baqiao demo catalogue the tests apply for."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from tests.factories import make_citizen, make_enterprise_member, make_staff
from tests.seeding import fresh, seeded
from zhengwu.accounts.models import User
from zhengwu.catalog.io import import_catalog
from zhengwu.catalog.models import ItemVersion
from zhengwu.catalog.selectors import first_option_answers
from zhengwu.kernel.actors import SYSTEM

FIXTURE = Path(__file__).resolve().parents[2] / "src/zhengwu/catalog/fixtures/baqiao_catalog.json"

FOOD = "食品经营许可"
ID_CARD = "居民身份证申领"  # fee 20元, window payment
DOG = "养犬登记"  # fee basis not a fixed amount: assessed at the window
HOMESTEAD = "农村宅基地审批"  # joint review by two bodies
MEDICAL_FILING = "第二类医疗器械经营备案"  # 即办件, 收件即受理
NEWBORN = "newborn"
# Every required field of the 新生儿出生一件事 form (the test catalogue's bundle).
NEWBORN_FORM = {
    "child_name": "张小宝",
    "child_sex": "男",
    "birth_date": "2026-03-01",
    "birth_place": "西安市灞桥区妇幼保健院",
    "mother_name": "李娜",
    "mother_id_number": "11010519491231002X",
    "father_name": "张伟",
    "father_id_number": "110105194912310029",
    "household_follow": "随父",
    "phone": "13800138000",
}


def _catalog_subset(names: set[str], bundles: set[str]) -> bytes:
    doc = json.loads(FIXTURE.read_text("utf-8"))
    keep_bundles = [b for b in doc["bundles"] if b["code"] in bundles]
    member_codes = {m["implementation_code"] for b in keep_bundles for m in b["members"]}
    doc["items"] = [
        item
        for item in doc["items"]
        if item["name"] in names
        or any(v["implementation_code"] in member_codes for v in item["versions"])
    ]
    doc["bundles"] = keep_bundles
    doc["synonyms"] = []
    return json.dumps(doc, ensure_ascii=False).encode()


@dataclass
class World:
    clerk: User
    clerk2: User  # another venue (a street centre)
    approver: User
    head: User
    other_approver: User  # another department
    supervisor: User
    citizen: User
    citizen2: User
    enterprise_member: User

    def code(self, name: str) -> str:
        version = ItemVersion.objects.filter(name=name, status="published").first()
        assert version is not None, name
        return version.implementation_code

    def version(self, name: str) -> ItemVersion:
        return ItemVersion.objects.get(name=name, status="published")


def use_tmp_storage(settings: Any, tmp_path: Path) -> None:
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "files")},
        },
    }


def _build_world() -> World:
    from zhengwu.kernel import workdays
    from zhengwu.org import demo as org_demo
    from zhengwu.org.selectors import department_by_name

    workdays.seed_from_package()
    org_demo.load_demo()
    import_catalog(
        _catalog_subset({FOOD, ID_CARD, DOG, HOMESTEAD, MEDICAL_FILING}, {NEWBORN}), actor=SYSTEM
    )
    centre = department_by_name("区行政审批服务局")
    market = department_by_name("区市场监管局")
    other = department_by_name("区民政局")
    street = department_by_name("区政府办")
    assert centre and market and other and street
    return World(
        clerk=make_staff(department=centre, roles=["window_clerk"], display_name="刘倩"),
        clerk2=make_staff(department=street, roles=["window_clerk"], display_name="何静"),
        approver=make_staff(department=market, roles=["approver"], display_name="王建军"),
        head=make_staff(department=market, roles=["department_head"], display_name="赵志刚"),
        other_approver=make_staff(department=other, roles=["approver"], display_name="钱多"),
        supervisor=make_staff(department=centre, roles=["supervisor"], display_name="吴敏"),
        citizen=make_citizen(real_name="张伟"),
        citizen2=make_citizen(real_name="李娜"),
        enterprise_member=make_enterprise_member(),
    )


@pytest.fixture(scope="package")
def _world_seed(django_db_setup, django_db_blocker) -> Iterator[World]:
    """The world, built once per package run in a worker (tests/seeding.py)."""
    with seeded(django_db_blocker, _build_world) as built:
        yield built


@pytest.fixture
def world(_world_seed, db, settings, tmp_path) -> Iterator[World]:
    """The world; after the test, the staff-search projection (``CaseAccess``) must still be
    in step with the cases every service of the test wrote (``cases.access.drift``)."""
    use_tmp_storage(settings, tmp_path)
    yield World(**{f.name: fresh(getattr(_world_seed, f.name)) for f in fields(World)})
    assert_access_in_step()


def assert_access_in_step() -> None:
    from django.db import connection

    from zhengwu.cases import access

    if connection.needs_rollback:
        return  # the test ended inside a failed atomic block: nothing more can be read
    drift = access.drift(limit=5)
    assert drift == {"missing": [], "extra": []}, f"CaseAccess out of step: {drift}"


def build_world(settings: Any, tmp_path: Path) -> World:
    """A world of its own, for transactional tests (the browser journeys), which cannot
    stand on the shared, rolled-back seed."""
    use_tmp_storage(settings, tmp_path)
    return _build_world()


# --- tiny real files ---------------------------------------------------------------------------


def pdf_bytes(text: str = "zhengwu") -> bytes:
    body = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n"
        + f"% {text}\n".encode()
        + b"trailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return body


def png_bytes() -> bytes:
    import struct
    import zlib

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data))
            + kind
            + data
            + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
        )

    raw = b"\x00\xff\x00\x00"
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0))
        + chunk(b"IDAT", zlib.compress(raw))
        + chunk(b"IEND", b"")
    )


def upload_all(case: Any, user: User, *, skip: tuple[str, ...] = ()) -> None:
    from zhengwu.cases import services

    for material in case.materials.all():
        if material.key in skip:
            continue
        services.material_upload(
            case_id=case.pk,
            material_key=material.key,
            user=user,
            filename=f"{material.name}.pdf",
            content=pdf_bytes(material.key),
        )


def food_answers(version: ItemVersion) -> dict[str, str]:
    """The first option of every question that applies (follow-ups of chosen options too)."""
    return first_option_answers(version)


def a_workday_after(day: date, n: int) -> date:
    from zhengwu.kernel import workdays

    return workdays.add_working_days(day, n)

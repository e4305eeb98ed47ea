"""State changes of the org domain: regions and departments (audited, one transaction)."""

from __future__ import annotations

import re

from django.db import IntegrityError, transaction

from zhengwu.kernel.actors import SYSTEM, Actor
from zhengwu.kernel.audit import audit_record
from zhengwu.kernel.errors import Conflict, ErrorCollector, InvalidInput, NotFound
from zhengwu.org.choices import AdministrativeLevel, CommunityKind, DepartmentKind
from zhengwu.org.models import Department, Region

_CODE_LENGTH_BY_LEVEL = {1: 6, 2: 6, 3: 6, 4: 6, 5: 9, 6: 12}
_REGION_CODE_RE = re.compile(r"^[0-9]{6}([0-9]{3}([0-9]{3})?)?$")


def _significant_prefix(region: Region) -> str:
    """GB/T 2260: a province 61xxxx owns 61…, a city 6101xx owns 6101…, below: the full code."""
    if region.level == AdministrativeLevel.PROVINCE:
        return region.code[:2]
    if region.level == AdministrativeLevel.CITY:
        return region.code[:4]
    return region.code


def region_create(
    *,
    code: str,
    name: str,
    level: int,
    parent_code: str | None = None,
    community_kind: str = "",
    sort_order: int = 0,
    actor: Actor = SYSTEM,
) -> Region:
    errors = ErrorCollector()
    if level not in AdministrativeLevel.values:
        errors.add("level", "invalid_level", "层级无效", "Unknown level")
    if not _REGION_CODE_RE.match(code or "") or (
        level in _CODE_LENGTH_BY_LEVEL and len(code) != _CODE_LENGTH_BY_LEVEL[level]
    ):
        errors.add(
            "code",
            "invalid_region_code",
            "区划代码与层级不符",
            "The region code does not match the level",
        )
    if not (name or "").strip() or len(name) > 64:
        errors.add("name", "invalid_name", "名称须为 1–64 字", "The name must be 1–64 characters")
    if community_kind and (community_kind not in CommunityKind.values or level != 6):
        errors.add(
            "community_kind",
            "invalid_kind",
            "仅村(社区)级可区分社区或村",
            "Only level-6 regions are a community or a village",
        )
    parent = None
    if parent_code:
        parent = Region.objects.filter(code=parent_code).first()
        if parent is None:
            errors.add("parent_code", "not_found", "上级区划不存在", "No such parent region")
        elif parent.level >= level or not code.startswith(_significant_prefix(parent)):
            errors.add(
                "parent_code",
                "invalid_parent",
                "上级区划与代码或层级不符",
                "The parent does not fit the code or level",
            )
    errors.raise_if_any()
    with transaction.atomic():
        region = Region(
            code=code,
            name=name.strip(),
            level=level,
            parent=parent,
            community_kind=community_kind,
            sort_order=sort_order,
        )
        try:
            with transaction.atomic():
                region.save()
        except IntegrityError as exc:
            raise Conflict(
                "区划代码已存在", "This region code exists", field="code", code="region_exists"
            ) from exc
        audit_record(
            action="region.created",
            object_type="org.region",
            object_id=region.code,
            actor=actor,
            after={"name": region.name, "level": level, "parent": parent_code},
            channel=actor.channel,
        )
    return region


def _validate_department(
    errors: ErrorCollector,
    *,
    name: str,
    short_name: str,
    uscc: str,
    level: int,
    kind: str,
    exclude_pk: int | None = None,
) -> str:
    from zhengwu.kernel.identifiers import parse_uscc

    others = Department.objects.all()
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    if not (name or "").strip() or len(name) > 100:
        errors.add("name", "invalid_name", "全称须为 1–100 字", "The name must be 1–100 characters")
    elif others.filter(name=name.strip()).exists():
        errors.add("name", "name_taken", "同名机构已存在", "A body with this name exists")
    if len(short_name or "") > 50:
        errors.add("short_name", "string_too_long", "简称过长", "The short name is too long")
    code = ""
    try:
        code = parse_uscc(uscc, field="uscc").value
    except InvalidInput as exc:
        errors.add_error(exc)
    if code and others.filter(uscc=code).exists():
        errors.add(
            "uscc", "uscc_taken", "该统一社会信用代码已被使用", "This credit code is already used"
        )
    if level not in AdministrativeLevel.values:
        errors.add("level", "invalid_level", "层级无效", "Unknown level")
    if kind not in DepartmentKind.values:
        errors.add("kind", "invalid_kind", "机构类别无效", "Unknown kind of body")
    return code


def department_create(
    *,
    name: str,
    uscc: str,
    kind: str,
    region_code: str,
    short_name: str = "",
    level: int = AdministrativeLevel.COUNTY,
    parent_id: int | None = None,
    phone: str = "",
    sort_order: int = 0,
    actor: Actor = SYSTEM,
) -> Department:
    errors = ErrorCollector()
    code = _validate_department(
        errors, name=name, short_name=short_name, uscc=uscc, level=level, kind=kind
    )
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        errors.add("region_code", "not_found", "区划不存在", "No such region")
    if parent_id is not None and not Department.objects.filter(pk=parent_id).exists():
        errors.add("parent_id", "not_found", "上级机构不存在", "No such parent body")
    errors.raise_if_any()
    with transaction.atomic():
        department = Department(
            name=name.strip(),
            short_name=(short_name or "").strip(),
            uscc=code,
            level=level,
            kind=kind,
            region=region,
            parent_id=parent_id,
            phone=phone,
            sort_order=sort_order,
        )
        try:
            with transaction.atomic():
                department.save()
        except IntegrityError as exc:
            raise Conflict(
                "机构名称或信用代码重复",
                "Duplicate name or credit code",
                field="name",
                code="department_exists",
            ) from exc
        audit_record(
            action="department.created",
            object_type="org.department",
            object_id=str(department.pk),
            actor=actor,
            after={
                "name": department.name,
                "uscc": code,
                "kind": kind,
                "level": level,
                "region": region_code,
            },
            channel=actor.channel,
        )
    return department


def department_update(
    *,
    department_id: int,
    actor: Actor,
    short_name: str | None = None,
    phone: str | None = None,
    active: bool | None = None,
) -> Department:
    """Change the mutable attributes of a body (name and code changes go through a new row)."""
    with transaction.atomic():
        department = Department.objects.select_for_update().filter(pk=department_id).first()
        if department is None:
            raise NotFound("部门不存在", "No such department", field="id")
        before = {
            "short_name": department.short_name,
            "phone": department.phone,
            "active": department.active,
        }
        if short_name is not None:
            if len(short_name) > 50:
                raise InvalidInput("简称过长", "The short name is too long", field="short_name")
            department.short_name = short_name.strip()
        if phone is not None:
            department.phone = phone.strip()[:32]
        if active is not None:
            department.active = active
        after = {
            "short_name": department.short_name,
            "phone": department.phone,
            "active": department.active,
        }
        if after != before:
            department.save(update_fields=["short_name", "phone", "active", "updated_at"])
            audit_record(
                action="department.updated",
                object_type="org.department",
                object_id=str(department.pk),
                actor=actor,
                before=before,
                after=after,
                channel=actor.channel,
            )
    return department

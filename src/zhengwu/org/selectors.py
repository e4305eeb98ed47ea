"""Reads of the org domain. Regions and active departments are public information."""

from __future__ import annotations

from collections.abc import Iterable

from django.db.models import QuerySet

from zhengwu.kernel.errors import NotFound
from zhengwu.kernel.fastread import (
    JoinedReader,
    fetch_all,
    fetch_one,
    in_clause,
    is_bigint,
    quote,
    quoted_column,
)
from zhengwu.org.models import Department, Region


def regions(*, parent_code: str | None = None, level: int | None = None) -> QuerySet[Region]:
    qs = Region.objects.filter(active=True).select_related("parent")
    if parent_code is not None:
        qs = qs.filter(parent__code=parent_code)
    if level is not None:
        qs = qs.filter(level=level)
    return qs.order_by("sort_order", "code")


def region_by_code(code: str) -> Region | None:
    return Region.objects.filter(code=code).select_related("parent").first()


def get_region(code: str) -> Region:
    region = region_by_code(code)
    if region is None or not region.active:
        raise NotFound("区划不存在", "No such region", field="code")
    return region


def departments(
    *, kind: str | None = None, region_code: str | None = None, include_inactive: bool = False
) -> QuerySet[Department]:
    qs = Department.objects.select_related("region", "parent")
    if not include_inactive:
        qs = qs.filter(active=True)
    if kind:
        qs = qs.filter(kind=kind)
    if region_code:
        qs = qs.filter(region__code=region_code)
    return qs.order_by("sort_order", "id")


_DEPARTMENT_REGION = JoinedReader(Department, {"region": None})


def department_by_id(department_id: int) -> Department | None:
    """The department with its region (``select_related``), in one fixed statement: case
    numbers and notices read it on every submission."""
    pk = Department._meta.pk.get_prep_value(department_id)  # type: ignore[union-attr]
    if not is_bigint(pk):
        return None
    where = f"m.{quoted_column(Department, 'id')} = %s"
    return _DEPARTMENT_REGION.one(where, [pk])  # type: ignore[no-any-return]


def department_regions(department_ids: Iterable[int]) -> dict[int, int]:
    """Region id by department id, for those of ``department_ids`` that have one (one fixed
    statement)."""
    ids = sorted({int(i) for i in department_ids})
    if not ids:
        return {}
    pk, region = quoted_column(Department, "id"), quoted_column(Department, "region")
    among, params = in_clause(pk, ids)
    rows = fetch_all(
        f"SELECT {pk}, {region} FROM {quote(Department._meta.db_table)} "  # noqa: S608
        f"WHERE {among} AND {region} IS NOT NULL",
        params,
    )
    return {int(row[0]): int(row[1]) for row in rows}


def department_row_named(name: str) -> tuple[int, str, str, bool] | None:
    """(id, name, kind, active) of the department with exactly this registry name, active or
    not: one fixed statement (kernel.fastread), as every routing proposal asks it."""

    def col(field: str) -> str:
        return quoted_column(Department, field)

    row = fetch_one(
        f"SELECT {col('id')}, {col('name')}, {col('kind')}, {col('active')} "  # noqa: S608
        f"FROM {quote(Department._meta.db_table)} WHERE {col('name')} = %s "
        f"ORDER BY {col('sort_order')}, {col('id')} LIMIT 1",
        [name],
    )
    return (int(row[0]), str(row[1]), str(row[2]), bool(row[3])) if row else None


def department_by_name(name: str) -> Department | None:
    """Exact full name (DOMAIN.md §11 names are the keys other domains use in demo data)."""
    return Department.objects.filter(name=name).select_related("region").first()


def department_by_uscc(uscc: str) -> Department | None:
    return Department.objects.filter(uscc=uscc.strip().upper()).first()


def get_department(department_id: int) -> Department:
    department = department_by_id(department_id)
    if department is None or not department.active:
        raise NotFound("部门不存在", "No such department", field="id")
    return department

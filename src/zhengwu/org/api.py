"""Org API: the region tree and the list of bodies are public; staff lists are not."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Schema
from pydantic import Field

from zhengwu.accounts import policies
from zhengwu.accounts.auth import api_auth
from zhengwu.accounts.selectors import department_staff as staff_of
from zhengwu.kernel.errors import NotAllowed
from zhengwu.org import selectors
from zhengwu.org.models import Department, Region
from zhengwu.org.schemas import DepartmentOut, RegionOut, StaffMemberOut

router = Router(tags=["org"])


class RegionFilter(Schema):
    parent: str | None = Field(default=None, max_length=12, pattern=r"^[0-9]{6,12}$")
    level: int | None = Field(default=None, ge=1, le=6)


class DepartmentFilter(Schema):
    kind: str | None = Field(default=None, max_length=32)
    region: str | None = Field(default=None, max_length=12, pattern=r"^[0-9]{6,12}$")


def _region_out(region: Region) -> dict[str, Any]:
    return {
        "code": region.code,
        "name": region.name,
        "level": region.level,
        "community_kind": region.community_kind,
        "parent_code": region.parent.code if region.parent_id else None,
    }


def _department_out(department: Department) -> dict[str, Any]:
    return {
        "id": department.pk,
        "name": department.name,
        "short_name": department.short_name,
        "uscc": department.uscc,
        "level": department.level,
        "kind": department.kind,
        "region_code": department.region.code,
        "parent_id": department.parent_id,
        "phone": department.phone,
    }


@router.get("/regions", auth=None, response=list[RegionOut], summary="Regions (public)")
def list_regions(request: HttpRequest, filters: Query[RegionFilter]) -> list[dict[str, Any]]:
    return [
        _region_out(r) for r in selectors.regions(parent_code=filters.parent, level=filters.level)
    ]


@router.get("/regions/{code}", auth=None, response=RegionOut, summary="One region (public)")
def get_region(request: HttpRequest, code: str) -> dict[str, Any]:
    return _region_out(selectors.get_region(code[:12]))


@router.get("/departments", auth=None, response=list[DepartmentOut], summary="Bodies (public)")
def list_departments(
    request: HttpRequest, filters: Query[DepartmentFilter]
) -> list[dict[str, Any]]:
    return [
        _department_out(d)
        for d in selectors.departments(kind=filters.kind, region_code=filters.region)
    ]


@router.get("/departments/{department_id}", auth=None, response=DepartmentOut)
def get_department(request: HttpRequest, department_id: int) -> dict[str, Any]:
    return _department_out(selectors.get_department(department_id))


@router.get(
    "/departments/{department_id}/staff",
    auth=api_auth,
    response=list[StaffMemberOut],
    summary="Staff of a body (its own staff and administrators)",
)
def department_staff(request: HttpRequest, department_id: int) -> list[dict[str, Any]]:
    selectors.get_department(department_id)
    if not policies.may_view_department_staff(request.user, department_id):
        raise NotAllowed("仅本部门工作人员和管理员可查看", "Only this body's staff may see this")
    return [
        {
            "user_id": s.user_id,
            "display_name": s.user.display_name,
            "job_title": s.job_title,
            "roles": sorted(s.role_set),
        }
        for s in staff_of(request.user, department_id)
    ]

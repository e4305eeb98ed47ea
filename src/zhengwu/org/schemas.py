"""API output schemas of the org domain."""

from __future__ import annotations

from ninja import Schema


class RegionOut(Schema):
    code: str
    name: str
    level: int
    community_kind: str
    parent_code: str | None


class DepartmentOut(Schema):
    id: int
    name: str
    short_name: str
    uscc: str
    level: int
    kind: str
    region_code: str
    parent_id: int | None
    phone: str


class StaffMemberOut(Schema):
    user_id: int
    display_name: str
    job_title: str
    roles: list[str]

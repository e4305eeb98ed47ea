"""Who may do what: permission policies per role (Wagtail-style), one place for all of it.

Views, templates, selectors and the API ask these functions (or the ``policy_for(user)``
object in templates); none of them holds a permission rule of its own. Every function
accepts an anonymous user and answers ``False`` (or the lowest clearance).

Clearance is the highest data level (DOMAIN.md §10, ``kernel.masking.DataLevel`` 1–4) whose
values a viewer may see unmasked:

| role | clearance | why |
|---|---|---|
| anonymous, citizen, enterprise member | 1 | public data only (own records: self checks) |
| hotline agent, dispatcher | 2 | they route demands; contact data stays masked |
| window clerk, supervisor | 3 | they check applicants in person against the ID card |
| approver, department head, administrator | 4 | decisions and licences carry the full ID number |
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from functools import cached_property
from typing import Any

from zhengwu.accounts.choices import StaffRole, UserKind
from zhengwu.kernel.fastread import fetch_all, quote, quoted_column

# Data level of a citizen ID number (GB/T 43697 一般数据 level 4 "sensitive").
ID_NUMBER_LEVEL = 4
PHONE_LEVEL = 3
NAME_LEVEL = 2

ROLE_CLEARANCE: dict[str, int] = {
    StaffRole.HOTLINE_AGENT: 2,
    StaffRole.DISPATCHER: 2,
    StaffRole.WINDOW_CLERK: 3,
    StaffRole.SUPERVISOR: 3,
    StaffRole.APPROVER: 4,
    StaffRole.DEPARTMENT_HEAD: 4,
    StaffRole.ADMINISTRATOR: 4,
}

_ROLES_CACHE = "_zhengwu_staff_roles"
_DEPT_CACHE = "_zhengwu_staff_department"


def is_authenticated(user: Any) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False))


@functools.lru_cache(maxsize=4)
def _staff_sql(using: str) -> str:
    from zhengwu.accounts.models import StaffProfile, StaffRoleGrant

    def p(name: str) -> str:
        return "p." + quoted_column(StaffProfile, name, using=using)

    def g(name: str) -> str:
        return "g." + quoted_column(StaffRoleGrant, name, using=using)

    # Only quoted names from the models' metadata are interpolated; values are bound.
    return (
        f"SELECT {p('department')}, {g('role')} "  # noqa: S608
        f"FROM {quote(StaffProfile._meta.db_table, using=using)} p "
        f"LEFT JOIN {quote(StaffRoleGrant._meta.db_table, using=using)} g "
        f"ON {g('staff')} = {p('id')} WHERE {p('user')} = %s AND {p('active')} = %s"
    )


def _load_staff(user: Any) -> None:
    """Roles and department of ``user``'s active staff profile: one fixed statement (profile
    LEFT JOIN its role grants; kernel.fastread), as nearly every staff request reads them."""
    rows = fetch_all(_staff_sql("default"), [user.pk, True])
    setattr(user, _ROLES_CACHE, frozenset(role for _, role in rows if role))
    setattr(user, _DEPT_CACHE, rows[0][0] if rows else None)


def forget_cached_roles(user: Any) -> None:
    """Drop the per-object cache (after a service changed the user's roles)."""
    for attr in (_ROLES_CACHE, _DEPT_CACHE):
        if hasattr(user, attr):
            delattr(user, attr)


def staff_roles(user: Any) -> frozenset[str]:
    """The active staff roles of ``user`` (cached on the user object for the request)."""
    if not is_authenticated(user) or user.kind != UserKind.STAFF:
        return frozenset()
    if not hasattr(user, _ROLES_CACHE):
        _load_staff(user)
    return getattr(user, _ROLES_CACHE)


def staff_department_id(user: Any) -> int | None:
    if not staff_roles(user):
        return None
    return getattr(user, _DEPT_CACHE, None)


def is_staff_member(user: Any) -> bool:
    """Staff with an active profile (workbench users). Not Django's ``is_staff``."""
    return bool(staff_roles(user))


def has_role(user: Any, role: str) -> bool:
    return role in staff_roles(user)


def has_any_role(user: Any, *roles: str) -> bool:
    return bool(staff_roles(user).intersection(roles))


def is_administrator(user: Any) -> bool:
    return is_authenticated(user) and (
        bool(user.is_superuser) or has_role(user, StaffRole.ADMINISTRATOR)
    )


def clearance_for(user: Any) -> int:
    """Highest data level the user may see unmasked (1 = public only)."""
    if not is_authenticated(user):
        return 1
    if user.is_superuser:
        return 4
    return max((ROLE_CLEARANCE.get(r, 1) for r in staff_roles(user)), default=1)


def may_view_citizen_full_id(viewer: Any, citizen: Any = None) -> bool:
    """Full ID number: the citizen themself, or staff cleared for level-4 data."""
    if not is_authenticated(viewer):
        return False
    if citizen is not None and citizen.user_id is not None and citizen.user_id == viewer.pk:
        return True
    return clearance_for(viewer) >= ID_NUMBER_LEVEL


def may_manage_users(user: Any) -> bool:
    return is_administrator(user)


def may_manage_org(user: Any) -> bool:
    return is_administrator(user)


def may_view_user(viewer: Any, target_user_id: int) -> bool:
    """A user sees their own account; administrators see everyone's."""
    if not is_authenticated(viewer):
        return False
    return viewer.pk == target_user_id or may_manage_users(viewer)


def may_view_department_staff(viewer: Any, department_id: int) -> bool:
    """Staff see the colleagues of their own department; administrators see all."""
    if is_administrator(viewer):
        return True
    return is_staff_member(viewer) and staff_department_id(viewer) == department_id


def may_use_workbench(user: Any) -> bool:
    return is_staff_member(user) or is_administrator(user)


def may_manage_tokens(user: Any) -> bool:
    """Any signed-in account may hold API tokens for its own programs."""
    return is_authenticated(user) and bool(user.is_active)


@dataclass
class Policy:
    """The same answers as an object, for templates: ``{% if policy.may_manage_users %}``."""

    user: Any

    @cached_property
    def roles(self) -> frozenset[str]:
        return staff_roles(self.user)

    @cached_property
    def is_staff_member(self) -> bool:
        return is_staff_member(self.user)

    @cached_property
    def is_administrator(self) -> bool:
        return is_administrator(self.user)

    @cached_property
    def clearance(self) -> int:
        return clearance_for(self.user)

    @cached_property
    def may_manage_users(self) -> bool:
        return may_manage_users(self.user)

    @cached_property
    def may_use_workbench(self) -> bool:
        return may_use_workbench(self.user)

    @cached_property
    def may_view_citizen_full_id(self) -> bool:
        return may_view_citizen_full_id(self.user)

    def has_role(self, role: str) -> bool:
        return has_role(self.user, role)


def policy_for(user: Any) -> Policy:
    return Policy(user)

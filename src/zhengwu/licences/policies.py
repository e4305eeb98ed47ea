"""Who may do what with e-licences on the staff side. Pure functions of a user (and a
licence or an issuer code).

- Issuing and changing licences (direct issuance, bulk import, status changes, renewal,
  change): approvers and department heads of the department whose USCC is the licence's
  ``issuer_code``; administrators everything.
- Reading the register (workbench list and detail): any staff member of the issuing
  department, administrators all. A licence another department issued does not exist for
  them (404, no existence leak).
- Licence types, foreign issuer keys and imports from other issuers: administrators.
- Key rotation: administrators, and the head of the issuing department.
- Holder data on screen: masked unless the viewer is cleared for level-4 data (approvers,
  heads, administrators); the register list masks it for everyone.
"""

from __future__ import annotations

from typing import Any

from zhengwu.accounts import policies as account_policies
from zhengwu.accounts.choices import StaffRole
from zhengwu.kernel.errors import NotAllowed
from zhengwu.kernel.masking import MaskKind, mask

ISSUING_ROLES = (StaffRole.APPROVER, StaffRole.DEPARTMENT_HEAD)
_ISSUER_CACHE = "_zhengwu_licence_issuer_code"


def is_administrator(user: Any) -> bool:
    return bool(account_policies.is_administrator(user))


def issuer_code_of(user: Any) -> str | None:
    """The USCC of the user's staff department (the issuer they act for), or None."""
    if not account_policies.is_authenticated(user):
        return None
    if hasattr(user, _ISSUER_CACHE):
        cached: str | None = getattr(user, _ISSUER_CACHE)
        return cached
    from zhengwu.org import selectors as org_selectors

    department_id = account_policies.staff_department_id(user)
    department = org_selectors.department_by_id(department_id) if department_id else None
    code = (department.uscc or None) if department is not None else None
    setattr(user, _ISSUER_CACHE, code)
    return code


def may_use_register(user: Any) -> bool:
    return bool(account_policies.may_use_workbench(user))


def may_view_licence(user: Any, licence: Any) -> bool:
    if is_administrator(user):
        return True
    if not account_policies.is_staff_member(user):
        return False
    code = issuer_code_of(user)
    return code is not None and code == licence.issuer_code


def may_issue(user: Any, issuer_code: str) -> bool:
    if is_administrator(user):
        return True
    if not account_policies.has_any_role(user, *ISSUING_ROLES):
        return False
    code = issuer_code_of(user)
    return code is not None and code == issuer_code


def may_change(user: Any, licence: Any) -> bool:
    return may_issue(user, licence.issuer_code)


def may_manage_types(user: Any) -> bool:
    return is_administrator(user)


def may_manage_foreign(user: Any) -> bool:
    return is_administrator(user)


def may_rotate_key(user: Any, issuer_code: str) -> bool:
    if is_administrator(user):
        return True
    code = issuer_code_of(user)
    return (
        code is not None
        and code == issuer_code
        and account_policies.has_role(user, StaffRole.DEPARTMENT_HEAD)
    )


def require(allowed: bool, message: str, message_en: str, *, field: str | None = None) -> None:
    if not allowed:
        raise NotAllowed(message, message_en, field=field)


def require_issue(user: Any, issuer_code: str) -> None:
    require(
        may_issue(user, issuer_code),
        "只有签发部门的审批人员、部门负责人或系统管理员可以签发或变更该证照",
        "Only approvers and heads of the issuing department, or administrators, may issue "
        "or change this licence",
        field="issuer_code",
    )


def full_holder_visible(viewer: Any) -> bool:
    return account_policies.clearance_for(viewer) >= account_policies.ID_NUMBER_LEVEL


def _is_own(viewer: Any, licence: Any) -> bool:
    from zhengwu.licences.selectors import personal_holder_index  # selectors import services

    own = personal_holder_index(viewer)
    return bool(own) and own == licence.holder_index


def holder_name_for(viewer: Any, licence: Any, *, masked: bool = False) -> str:
    """The holder's name as ``viewer`` may see it: an enterprise's name is public; a
    citizen's name in full for the holder and for staff cleared for names (level 2, the
    platform's rule), masked otherwise or when ``masked`` (lists)."""
    if licence.holder_code_type == "001":
        return str(licence.holder_name)
    if not masked and (
        account_policies.clearance_for(viewer) >= account_policies.NAME_LEVEL
        or _is_own(viewer, licence)
    ):
        return str(licence.holder_name)
    return mask(licence.holder_name, MaskKind.NAME)


def holder_code_for(viewer: Any, licence: Any, *, masked: bool = False) -> str:
    """The holder's code: a USCC is public; a citizen ID number in full only for staff
    cleared for level-4 data (the holder's own screens mask it too: they are shown to
    others)."""
    if licence.holder_code_type == "001":
        return str(licence.holder_code)
    if not masked and full_holder_visible(viewer):
        return str(licence.holder_code)
    return mask(licence.holder_code, MaskKind.CITIZEN_ID)

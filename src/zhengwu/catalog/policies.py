"""Who may change the catalogue (Wagtail-style policies; views and the API ask these).

- An implementation list belongs to its implementing department: that department's
  approvers and department heads draft, edit, submit and request withdrawal of its versions.
- The 审改办 role (the administrators) reviews: approve or return with comments. The same
  administrator may also draft for any department (they maintain the catalogue centrally).
- Published content is public; drafts and the review trail are visible only to the above.
"""

from __future__ import annotations

from typing import Any

from zhengwu.accounts import policies as account_policies
from zhengwu.accounts.choices import StaffRole

# Roles of a department that maintain its implementation lists.
EDITOR_ROLES = (StaffRole.APPROVER, StaffRole.DEPARTMENT_HEAD)


def is_catalog_reviewer(user: Any) -> bool:
    """审改办: reviews every change of the catalogue."""
    return account_policies.is_administrator(user)


def may_edit_department(user: Any, department_id: int | None) -> bool:
    """Draft, edit, submit and request withdrawal for ``department_id``'s lists."""
    if department_id is None or not account_policies.is_authenticated(user):
        return False
    if is_catalog_reviewer(user):
        return True
    return bool(
        account_policies.has_any_role(user, *EDITOR_ROLES)
        and account_policies.staff_department_id(user) == department_id
    )


def may_view_department(user: Any, department_id: int | None) -> bool:
    """Non-public versions (drafts, review comments) of ``department_id``."""
    return may_edit_department(user, department_id)


def may_review(user: Any) -> bool:
    return is_catalog_reviewer(user)


def may_use_catalog_workbench(user: Any) -> bool:
    """Anyone who edits for some department, or reviews."""
    if is_catalog_reviewer(user):
        return True
    return bool(
        account_policies.has_any_role(user, *EDITOR_ROLES)
        and account_policies.staff_department_id(user) is not None
    )


def editable_department_id(user: Any) -> int | None:
    """The department whose lists a (non-administrator) editor maintains."""
    if account_policies.has_any_role(user, *EDITOR_ROLES):
        return account_policies.staff_department_id(user)
    return None

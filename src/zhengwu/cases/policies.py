"""Who may see and do what with a case. Pure functions of a user and a case (or task).

- An applicant sees their own cases, an agent the cases they filed, an enterprise member
  their enterprise's cases.
- A window clerk sees cases received at their department (the venue) and cases their
  department handles; any clerk may accept any item (综合窗口, 无差别受理).
- Approvers and heads see the cases their department handles or has a task in.
- Supervisors (电子监察) and administrators see every case.
Everyone else gets ``NotFound`` from the selectors: another user's case id does not exist.
"""

from __future__ import annotations

from typing import Any

from zhengwu.accounts import policies as account_policies
from zhengwu.accounts.choices import StaffRole

ACCEPTING_ROLES = frozenset({StaffRole.WINDOW_CLERK})
OVERSEEING_ROLES = frozenset({StaffRole.SUPERVISOR, StaffRole.ADMINISTRATOR})


def is_overseer(user: Any) -> bool:
    return account_policies.has_any_role(user, *OVERSEEING_ROLES)


def may_accept(user: Any) -> bool:
    """综合窗口: a window clerk of any venue may accept any item."""
    return account_policies.has_role(user, StaffRole.WINDOW_CLERK)


def may_enter_for_applicant(user: Any) -> bool:
    return account_policies.has_role(user, StaffRole.WINDOW_CLERK)


def may_act_on_task(user: Any, *, department_id: int, role: str) -> bool:
    """The task's role in the task's department (a head may also act for an approver)."""
    if account_policies.staff_department_id(user) != department_id:
        return False
    if account_policies.has_role(user, role):
        return True
    return role == StaffRole.APPROVER and account_policies.has_role(user, StaffRole.DEPARTMENT_HEAD)


def may_approve_extension(user: Any, case: Any) -> bool:
    """Art. 42: the head of the handling body approves an extension."""
    return account_policies.staff_department_id(user) == case.department_id and (
        account_policies.has_role(user, StaffRole.DEPARTMENT_HEAD)
    )


def may_handle_in_department(user: Any, case: Any) -> bool:
    """Approver or head of the handling department (special procedures, termination …)."""
    return account_policies.staff_department_id(user) == case.department_id and (
        account_policies.has_any_role(user, StaffRole.APPROVER, StaffRole.DEPARTMENT_HEAD)
    )


def may_answer_complaints(user: Any) -> bool:
    return account_policies.has_any_role(user, StaffRole.SUPERVISOR, StaffRole.ADMINISTRATOR)


def is_applicant_side(user: Any, case: Any, enterprise_ids: frozenset[int] = frozenset()) -> bool:
    uid = getattr(user, "pk", None)
    if uid is None:
        return False
    if case.applicant_user_id == uid or case.agent_user_id == uid:
        return True
    return case.enterprise_id is not None and case.enterprise_id in enterprise_ids

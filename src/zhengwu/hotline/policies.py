"""Who may see and do what on the hotline. Pure functions of a user and a ticket or order.

- The hotline centre (话务员 ``hotline_agent``, 派单员 ``dispatcher``) takes, answers, closes,
  calls back, merges and transfers tickets; only dispatchers dispatch and re-route.
- Supervisors (督办) read everything, decide extensions and acknowledge supervision.
- Department staff act on their own department's orders (sign, 退单, reply, 延期 request);
  a department head also receives escalated supervision.
- Citizens see their own tickets.
Everyone else gets ``NotFound`` from the selectors.
"""

from __future__ import annotations

from typing import Any

from zhengwu.accounts import policies as account_policies
from zhengwu.accounts.choices import StaffRole

OPERATOR_ROLES = (StaffRole.HOTLINE_AGENT, StaffRole.DISPATCHER)
CENTRE_ROLES = (StaffRole.HOTLINE_AGENT, StaffRole.DISPATCHER, StaffRole.SUPERVISOR)
EXTENSION_DECIDERS = (StaffRole.DISPATCHER, StaffRole.SUPERVISOR)


def is_centre_staff(user: Any) -> bool:
    """The hotline centre (agents, dispatchers, supervisors): sees every ticket in full."""
    return account_policies.has_any_role(user, *CENTRE_ROLES)


def is_operator(user: Any) -> bool:
    """Agents and dispatchers: take, answer, close, call back, merge, transfer tickets."""
    return account_policies.has_any_role(user, *OPERATOR_ROLES)


def may_dispatch(user: Any) -> bool:
    return account_policies.has_role(user, StaffRole.DISPATCHER)


def may_decide_extension(user: Any) -> bool:
    return account_policies.has_any_role(user, *EXTENSION_DECIDERS)


def is_department_staff(user: Any, department_id: int | None) -> bool:
    return (
        department_id is not None
        and account_policies.is_staff_member(user)
        and account_policies.staff_department_id(user) == department_id
    )


def may_handle_order(user: Any, order: Any) -> bool:
    """Sign for, return, reply to, ask to extend: staff of the order's department."""
    return is_department_staff(user, order.department_id)


def may_acknowledge_supervision(user: Any, supervision: Any) -> bool:
    if account_policies.has_role(user, StaffRole.SUPERVISOR):
        return True
    if not is_department_staff(user, supervision.department_id):
        return False
    if supervision.recipient_role == StaffRole.DEPARTMENT_HEAD:
        return account_policies.has_role(user, StaffRole.DEPARTMENT_HEAD)
    return True


def may_view_ticket(
    user: Any, ticket: Any, order_department_ids: frozenset[int] = frozenset()
) -> bool:
    """Centre: all; a department: tickets with an order for it; a citizen: their own."""
    if not account_policies.is_authenticated(user):
        return False
    if is_centre_staff(user) or account_policies.is_administrator(user):
        return True
    if account_policies.is_staff_member(user):
        department_id = account_policies.staff_department_id(user)
        return department_id is not None and department_id in order_department_ids
    return ticket.caller_user_id is not None and ticket.caller_user_id == user.pk


def may_add_attachments(user: Any, ticket: Any) -> bool:
    """Photos or papers added to a ticket after intake: by its caller (their own account)
    or by the centre's staff, who take calls and transfers for callers without one."""
    if not account_policies.is_authenticated(user):
        return False
    if is_centre_staff(user):
        return True
    return ticket.caller_user_id is not None and ticket.caller_user_id == user.pk


def may_see_caller(user: Any, ticket: Any) -> bool:
    """The caller's phone and name in full: the centre only. Departments never see the
    identity of an anonymous 举报 caller (not even masked)."""
    return is_centre_staff(user) or (
        account_policies.is_authenticated(user) and ticket.caller_user_id == user.pk
    )

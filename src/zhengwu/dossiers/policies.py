"""Who may do what with dossiers and archives. Pure functions of a user.

- Dossiers: the owner (the citizen; a member of the enterprise) reads their own; any staff
  member may *look one up* by typing the number, but sees it only with a ground (a case they
  handle, a use grant to their department) — see :func:`selectors.staff_grounds`.
- Archives: administrators (who act as archivists here) and supervisors see packages and
  their four-properties checks; administrators run checks and propose disposal; disposal is
  approved by an administrator or supervisor who is not the proposer (four eyes).
"""

from __future__ import annotations

from typing import Any

from zhengwu.accounts import policies as account_policies
from zhengwu.accounts.choices import StaffRole


def may_look_up_dossiers(user: Any) -> bool:
    return account_policies.is_staff_member(user)


def may_view_archives(user: Any) -> bool:
    return bool(account_policies.is_administrator(user)) or account_policies.has_role(
        user, StaffRole.SUPERVISOR
    )


def may_run_checks(user: Any) -> bool:
    return bool(account_policies.is_administrator(user))


def may_propose_disposal(user: Any) -> bool:
    return bool(account_policies.is_administrator(user))


def may_decide_disposal(user: Any, proposer_id: int | None) -> bool:
    """An administrator or supervisor other than the one who proposed it."""
    if not may_view_archives(user):
        return False
    return proposer_id is None or user.pk != proposer_id

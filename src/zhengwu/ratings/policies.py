"""Who may do what in 好差评. Pure functions of a user (and a rectification).

- Raters: a case's applicant or agent (or a member of the applicant enterprise), a ticket's
  caller (citizen account), any signed-in user for a window visit or an online service.
- The responsible department's staff verify, rectify, explain and revisit its
  rectifications; supervisors (督办/监管) and administrators see and may act on all.
- Only a supervisor approves (or rejects) an "invalid review" decision, and not the person
  who proposed it (four eyes).
"""

from __future__ import annotations

from typing import Any

from zhengwu.accounts import policies as account_policies
from zhengwu.accounts.choices import StaffRole
from zhengwu.kernel.masking import MaskKind, mask

OVERSEEING_ROLES = (StaffRole.SUPERVISOR, StaffRole.ADMINISTRATOR)


def is_overseer(user: Any) -> bool:
    return account_policies.has_any_role(user, *OVERSEEING_ROLES) or bool(
        account_policies.is_administrator(user)
    )


def may_view_rectification(user: Any, rect: Any) -> bool:
    if not account_policies.is_authenticated(user):
        return False
    if is_overseer(user):
        return True
    department_id = account_policies.staff_department_id(user)
    return department_id is not None and department_id == rect.department_id


def may_handle_rectification(user: Any, rect: Any) -> bool:
    """Verify, rectify, explain, revisit: the responsible department's staff, or overseers."""
    return may_view_rectification(user, rect)


def may_decide_invalid(user: Any) -> bool:
    return account_policies.has_role(user, StaffRole.SUPERVISOR)


def may_view_upstream(user: Any) -> bool:
    return bool(account_policies.is_administrator(user)) or account_policies.has_role(
        user, StaffRole.SUPERVISOR
    )


def may_see_rater(viewer: Any) -> bool:
    """The rater's name and phone in full: staff cleared for phone-level data (level 3)."""
    return account_policies.clearance_for(viewer) >= account_policies.PHONE_LEVEL


def rater_label(viewer: Any, rater: Any) -> str:
    """How a rater is shown to ``viewer``: themself in full, else masked by clearance."""
    if rater is None:
        return "匿名(电话回访)"
    name = str(getattr(rater, "display_name", "") or rater.username)
    if getattr(viewer, "pk", None) == rater.pk or may_see_rater(viewer):
        return name
    return mask(name, MaskKind.NAME)


def rater_phone(viewer: Any, rater: Any) -> str:
    if rater is None:
        return ""
    from zhengwu.accounts import selectors as account_selectors

    return account_selectors.phone_for(viewer, rater)

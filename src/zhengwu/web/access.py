"""The web layer's questions to the accounts policies and selectors and the kernel calendar.

Templates read these through the ``platform`` context processor; they hold no permission
rule of their own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.utils import translation

from zhengwu.accounts import policies, selectors
from zhengwu.kernel.workdays import calendar_warnings

is_staff_member = policies.is_staff_member
may_use_workbench = policies.may_use_workbench


def calendar_warnings_for(user: Any, today: date) -> list[str]:
    """The working-day calendar's warnings in the page's language, for administrators only."""
    if not policies.is_administrator(user):
        return []
    english = (translation.get_language() or "").startswith("en")
    return [w.message_en if english else w.message for w in calendar_warnings(today)]


@dataclass(frozen=True)
class StaffSummary:
    name: str
    department: str
    job_title: str
    roles: list[str] = field(default_factory=list)


def staff_summary(user: Any) -> StaffSummary:
    """Who the signed-in staff member is: department and roles, for the workbench."""
    profile = selectors.staff_profile_of(user)
    if profile is None:
        return StaffSummary(name=str(user), department="", job_title="")
    return StaffSummary(
        name=str(user),
        department=str(profile.department),
        job_title=profile.job_title,
        roles=[grant.get_role_display() for grant in profile.role_grants.all()],
    )

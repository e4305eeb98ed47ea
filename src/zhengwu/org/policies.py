"""Who may change the organisation tree: administrators only (reading is public)."""

from __future__ import annotations

from typing import Any


def may_manage_org(user: Any) -> bool:
    from zhengwu.accounts.policies import may_manage_org as _may_manage_org

    return _may_manage_org(user)

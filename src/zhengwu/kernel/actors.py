"""Who did something: the kernel's view of a user, a program or the platform itself.

The kernel knows no user model. ``zhengwu.accounts`` builds an :class:`Actor` from a user or
an API token; the audit log and services only read these fields.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

ACTOR_TYPES: Final = ("user", "system", "token", "anonymous")


@dataclass(frozen=True)
class Actor:
    type: str  # one of ACTOR_TYPES
    id: str
    label: str
    role: str = ""
    channel: str = ""  # where the action came from: "portal", "window", "api", "task" …

    def __post_init__(self) -> None:
        if self.type not in ACTOR_TYPES:
            raise ValueError(f"actor type must be one of {ACTOR_TYPES}, not {self.type!r}")


SYSTEM: Final = Actor("system", "system", "系统")
ANONYMOUS: Final = Actor("anonymous", "", "匿名")

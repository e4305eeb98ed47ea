"""``zhengwu ratings_escalate``: run the overdue sweep once (the scheduler runs it every
15 minutes as the task ``zhengwu.ratings.tasks.escalate_overdue``)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from zhengwu.ratings import services


class Command(BaseCommand):
    help = "Flag and escalate overdue rectification steps (idempotent)."

    def handle(self, *args: Any, **options: Any) -> None:
        count = services.escalate_overdue()
        self.stdout.write(f"escalated {count} overdue step(s)")

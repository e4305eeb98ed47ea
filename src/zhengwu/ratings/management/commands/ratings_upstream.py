"""``zhengwu ratings_upstream``: the reconciliation report — ratings and rectification
steps the upstream system has not acknowledged yet (pending or dead in the outbox)."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zhengwu.ratings import selectors


class Command(BaseCommand):
    help = "List ratings and rectification steps not yet delivered upstream."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--limit", type=int, default=200)
        parser.add_argument("--json", action="store_true", help="one JSON document")

    def handle(self, *args: Any, **options: Any) -> None:
        summary = selectors.upstream_summary()
        rows = selectors.upstream_pending(limit=options["limit"])
        if options["json"]:
            self.stdout.write(
                json.dumps({"summary": summary, "items": rows}, default=str, ensure_ascii=False)
            )
            return
        self.stdout.write(" ".join(f"{k}={v}" for k, v in summary.items()))
        for row in rows:
            self.stdout.write(
                f"#{row['message_id']} {row['topic']} {row['project_no']} {row['status']} "
                f"attempts={row['attempts']} {row['last_error'][:80]}"
            )

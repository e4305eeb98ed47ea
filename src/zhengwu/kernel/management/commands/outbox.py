"""`zhengwu outbox deliver|retry|status`: operate the transactional outbox by hand."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.outbox import deliver_due_messages, outbox_retry, outbox_status


class Command(BaseCommand):
    help = "Outbox tools: deliver due messages now, retry dead letters, show counts."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        deliver = sub.add_parser("deliver", help="deliver due pending messages now")
        deliver.add_argument("--limit", type=int, default=100)
        retry = sub.add_parser("retry", help="make dead messages pending again")
        retry.add_argument("ids", nargs="*", type=int, help="message ids")
        retry.add_argument("--all-dead", action="store_true", help="every dead message")
        sub.add_parser("status", help="message counts by status")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "deliver":
            counts = deliver_due_messages(limit=options["limit"])
            self.stdout.write(_format(counts) or "nothing due")
        elif action == "retry":
            ids: list[int] = options["ids"]
            if not ids and not options["all_dead"]:
                raise CommandError("give message ids or --all-dead")
            try:
                count = outbox_retry(message_ids=ids or None, all_dead=options["all_dead"])
            except InvalidInput as exc:
                raise CommandError(exc.message_en) from exc
            self.stdout.write(f"{count} messages queued for retry")
        else:
            self.stdout.write(_format(outbox_status()))


def _format(counts: dict[str, int]) -> str:
    return " ".join(f"{key}={value}" for key, value in counts.items())

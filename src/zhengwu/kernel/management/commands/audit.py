"""`zhengwu audit verify`: check the audit log's hash chains."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengwu.kernel.audit import audit_verify


class Command(BaseCommand):
    help = "Audit log tools. `verify` recomputes every hash chain and fails on any break."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sub.add_parser("verify", help="detect edited or deleted audit entries")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "verify":
            report = audit_verify()
            for problem in report.problems:
                self.stderr.write(str(problem))
            summary = (
                f"{report.chains_checked} chains, {report.entries_checked} entries, "
                f"{len(report.problems)} problems"
            )
            if not report.ok:
                raise CommandError(f"audit chain broken: {summary}")
            self.stdout.write(self.style.SUCCESS(f"audit chain intact: {summary}"))

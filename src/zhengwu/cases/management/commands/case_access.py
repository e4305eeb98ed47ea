"""``zhengwu case_access check`` compares the staff-search projection (``CaseAccess``) with
the cases and their tasks, prints the first differences and exits non-zero when there are
any; ``zhengwu case_access rebuild`` rewrites it from them (docs/decisions/0013)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengwu.cases import access


class Command(BaseCommand):
    help = "Staff-search projection of cases: `check` (differences) and `rebuild`."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="list rows missing from or stale in the table")
        check.add_argument("--limit", type=int, default=20, help="differences shown of each kind")
        sub.add_parser("rebuild", help="rewrite the table from the cases and tasks")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "rebuild":
            written = access.rebuild()
            self.stdout.write(self.style.SUCCESS(f"case access rebuilt: {written} rows"))
            return
        drift = access.drift(limit=options["limit"])
        for kind, rows in drift.items():
            for row in rows:
                case_id, department_id, status, warning, _name, _created = row
                self.stderr.write(
                    f"{kind}: case {case_id} department {department_id} {status} {warning}"
                )
        if drift["missing"] or drift["extra"]:
            raise CommandError("case access is out of step with the cases: run `rebuild`")
        self.stdout.write(self.style.SUCCESS("case access is in step with the cases"))

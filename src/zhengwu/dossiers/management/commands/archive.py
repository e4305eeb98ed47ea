"""``zhengwu archive check [<case number>]`` runs the four-properties test (authenticity,
integrity, usability, security) on every archive package, or one, prints each failure and
exits non-zero when any package fails. ``zhengwu archive build <case number>`` builds the
package of a concluded case that has none (backfill; ``--missing`` for all recent ones)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhengwu.dossiers import selectors, services
from zhengwu.kernel.errors import DomainError


class Command(BaseCommand):
    help = "Electronic archives: `check` (four properties) and `build` (backfill)."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="run the four-properties test")
        check.add_argument("number", nargs="?", default="", help="one case number (default all)")
        build = sub.add_parser("build", help="build the package of a concluded case")
        build.add_argument("number", nargs="?", default="", help="the case number")
        build.add_argument("--missing", action="store_true", help="all recent unarchived cases")
        build.add_argument("--force", action="store_true", help="take over a stale build")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        if action == "check":
            self._check(options["number"])
        else:
            self._build(options["number"], missing=options["missing"], force=options["force"])

    def _check(self, number: str) -> None:
        if number:
            package = selectors.package_by_number(number)
            if package is None:
                raise CommandError(f"no archive package for case {number}")
            checks = [services.archive_check(package_id=package.pk)]
        else:
            checks = services.archive_check_all()
        failed = 0
        for check in checks:
            if check.ok:
                continue
            failed += 1
            for problem in check.problems:
                self.stderr.write(
                    f"{check.package.case_number}: {problem['property']}: {problem['code']}: "
                    f"{problem['message_en']}"
                )
        summary = f"{len(checks)} packages checked, {failed} failing"
        if failed:
            raise CommandError(f"archive check failed: {summary}")
        self.stdout.write(self.style.SUCCESS(f"archive check passed: {summary}"))

    def _build(self, number: str, *, missing: bool, force: bool) -> None:
        if missing:
            built = services.archive_missing()
            self.stdout.write(self.style.SUCCESS(f"{built} packages built"))
            return
        if not number:
            raise CommandError("give a case number, or --missing")
        try:
            package = services.archive_build_by_number(number=number, force=force)
        except DomainError as exc:
            raise CommandError(exc.message_en) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"{package.case_number}: {package.status}, {package.file_count} files"
            )
        )

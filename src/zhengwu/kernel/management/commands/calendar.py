"""`zhengwu calendar seed|load FILE|status` — maintain the working-day calendar.

zhengwu calendar seed [--year 2026 …] [--force]   load the years chinese-calendar knows
zhengwu calendar load FILE [--year 2027]           load one year from CSV/xlsx
zhengwu calendar status                            loaded years, sources, warnings
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from zhengwu.kernel.calendar_io import load_calendar_file
from zhengwu.kernel.errors import InvalidInput
from zhengwu.kernel.workdays import calendar_warnings, current_calendar, seed_from_package


def _command_error(error: InvalidInput) -> CommandError:
    lines = [f"{error.message} / {error.message_en}"]
    for item in error.errors:
        lines.append(f"  - [{item.field}] {item.message} / {item.message_en}")
    return CommandError("\n".join(lines))


class Command(BaseCommand):
    help = "维护工作日日历 / maintain the working-day calendar: seed | load FILE | status"

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        seed = actions.add_parser("seed", help="load every year the chinese-calendar package knows")
        seed.add_argument("--year", type=int, action="append", dest="years")
        seed.add_argument(
            "--force", action="store_true", help="also overwrite years loaded from files or admin"
        )
        load = actions.add_parser("load", help="load one year's schedule from a CSV or xlsx file")
        load.add_argument("file")
        load.add_argument("--year", type=int, help="the year the file declares (default: inferred)")
        load.add_argument("--note", default="")
        actions.add_parser("status", help="show the loaded years and warnings")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "seed":
                written = seed_from_package(years=options.get("years"), force=options["force"])
                if written:
                    self.stdout.write(f"seeded / 已载入: {', '.join(map(str, written))}")
                else:
                    self.stdout.write("nothing to do / 无需更新")
            elif action == "load":
                result = load_calendar_file(
                    options["file"], year=options.get("year"), note=options["note"]
                )
                self.stdout.write(
                    f"loaded / 已载入 {result.year}: {result.holidays} holidays / 放假日, "
                    f"{result.workdays} workdays / 调休上班日"
                )
                for warning in result.warnings:
                    self.stdout.write(f"warning / 提示: {warning.message} / {warning.message_en}")
            else:
                self._status()
        except InvalidInput as error:
            raise _command_error(error) from error

    def _status(self) -> None:
        from zhengwu.kernel.models import CalendarYear, HolidayCalendar

        years = list(CalendarYear.objects.order_by("year"))
        if not years:
            self.stdout.write("no year loaded / 尚未载入任何年度")
        for item in years:
            rows = HolidayCalendar.objects.filter(year=item.year)
            self.stdout.write(
                f"{item.year}  {item.source:<8} holidays={rows.filter(kind='holiday').count():>3} "
                f"workdays={rows.filter(kind='workday').count():>2}  "
                f"{item.loaded_at:%Y-%m-%d %H:%M}  {item.note}"
            )
        for warning in calendar_warnings(timezone.localdate(), calendar=current_calendar()):
            self.stdout.write(f"warning / 提示: {warning.message} / {warning.message_en}")

"""`zhengwu hotline_stats …` — the daily aggregates behind the hotline analytics pages.

zhengwu hotline_stats refresh                 recompute the days changed since the last run
zhengwu hotline_stats refresh --day 2026-11-02 [--day …]   recompute the given days
zhengwu hotline_stats rebuild                 recompute every day from the raw tickets
zhengwu hotline_stats report 2026-11-02 -o report.xlsx     write the daily report
"""

from __future__ import annotations

from argparse import ArgumentParser
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from zhengwu.hotline import analytics
from zhengwu.kernel.errors import DomainError


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError as error:
        raise CommandError(f"日期应为 YYYY-MM-DD / a date is YYYY-MM-DD: {text!r}") from error


class Command(BaseCommand):
    help = "热线统计 / hotline statistics: refresh | rebuild | report"

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        refresh = actions.add_parser("refresh", help="recompute the days changed since last run")
        refresh.add_argument("--day", action="append", default=[], help="YYYY-MM-DD (repeat)")
        actions.add_parser("rebuild", help="recompute every day from the raw tickets")
        report = actions.add_parser("report", help="write the daily report (xlsx)")
        report.add_argument("day")
        report.add_argument("-o", "--output", required=True)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "refresh":
                days = [_day(d) for d in options["day"]] or None
                result = analytics.refresh_daily_stats(days=days)
            elif options["action"] == "rebuild":
                result = analytics.rebuild_daily_stats()
            else:
                data = analytics.daily_report_xlsx(_day(options["day"]))
                Path(options["output"]).write_bytes(data)
                self.stdout.write(f"已写入 / written: {options['output']} ({len(data)} bytes)")
                return
        except DomainError as error:
            raise CommandError(f"{error.message} / {error.message_en}") from error
        how = "全部重算 / rebuilt" if result.rebuilt else "已更新 / refreshed"
        span = f"{result.days[0]} … {result.days[-1]}" if result.days else "—"
        self.stdout.write(f"{how}: {len(result.days)} 天 days ({span}), {result.rows} 行 rows")

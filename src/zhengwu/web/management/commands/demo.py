"""``zhengwu demo``: load the Baqiao reference data and the demo accounts (idempotent).

Composition point only: the calendar seed (kernel), then org, then accounts, the receiving
systems of the outbox (registered switched off), then the service
catalogue (``catalog/fixtures/baqiao_catalog.json``), then licence types and demo licences
(before cases, so approved demo cases issue their licences), cases, the 12345 hotline, 好差评
ratings, the archives of concluded cases and the indicators' aggregates. Passwords of
newly created accounts are printed once; on a re-run existing accounts keep their passwords
unless ``--reset-passwords`` is given.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from zhengwu.accounts import demo as accounts_demo
from zhengwu.org import demo as org_demo


class Command(BaseCommand):
    help = "Load the Baqiao demo data and demo accounts (safe to run again)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--reset-passwords",
            action="store_true",
            help="Give every demo account a new random password and print it.",
        )
        parser.add_argument(
            "--password-file",
            type=Path,
            help="Also write the new passwords to this file (mode 0600), one 'username "
            "password' per line.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        self._seed_calendar()
        created = org_demo.load_demo()
        self.stdout.write(
            f"org: {created['regions']} regions and {created['departments']} bodies created "
            f"(区划 {created['regions']} 个，机构 {created['departments']} 个新建)"
        )
        accounts = accounts_demo.load_demo(reset_passwords=options["reset_passwords"])
        self._register_receivers()
        self._load_catalogue()
        self._load_licences()
        self._load_cases()
        self._load_hotline()
        self._load_ratings()
        self._load_dossiers()
        self._rebuild_indicators()
        self._print_accounts(accounts)
        if options.get("password_file"):
            self._write_password_file(options["password_file"], accounts)

    def _register_receivers(self) -> None:
        """The other systems the platform writes to (licence subscribers, the upstream 好差评
        platform, the four emergency lines), registered switched off: a demo has none of
        them, so their messages wait in the outbox — where an administrator can point an
        endpoint at a real receiver and switch it on — instead of dying as "unknown endpoint"
        with an error in the log."""
        from zhengwu.hotline.choices import EmergencyLine, emergency_endpoint
        from zhengwu.kernel.actors import SYSTEM
        from zhengwu.kernel.outbox import register_endpoint
        from zhengwu.licences.services import SUBSCRIBERS_ENDPOINT
        from zhengwu.ratings.upstream import ENDPOINT as RATINGS_ENDPOINT

        names = [
            SUBSCRIBERS_ENDPOINT,
            RATINGS_ENDPOINT,
            *(emergency_endpoint(line) for line in EmergencyLine.values),
        ]
        created = sum(
            register_endpoint(
                name=name, url=f"https://{name}.example.invalid/", active=False, by=SYSTEM
            )
            for name in names
        )
        self.stdout.write(
            f"outbox: {created} receiving systems registered, switched off "
            f"(外部接收系统 {created} 个，未启用)"
        )

    def _load_catalogue(self) -> None:
        from zhengwu.catalog.io import import_catalog
        from zhengwu.kernel.actors import SYSTEM

        fixture = (
            Path(__file__).resolve().parents[3] / "catalog" / "fixtures" / "baqiao_catalog.json"
        )
        report = import_catalog(fixture.read_bytes(), actor=SYSTEM)
        summary = report.as_dict()
        self.stdout.write(
            f"catalogue: {summary['created'].get('items', 0)} items created, "
            f"{summary['unchanged'].get('items', 0)} unchanged (事项目录已载入)"
        )

    def _load_licences(self) -> None:
        from zhengwu.licences import demo as licences_demo

        summary = licences_demo.load_demo()
        self.stdout.write(
            f"licences: {summary['licence_types']} types created, "
            f"{summary['licences']} demo licences issued (电子证照演示数据已载入)"
        )

    def _load_cases(self) -> None:
        from zhengwu.cases import demo as cases_demo

        numbers = cases_demo.load_demo()
        if numbers:
            self.stdout.write(
                f"cases: {len(numbers)} demo cases in every state (演示办件 {len(numbers)} 件)"
            )

    def _load_hotline(self) -> None:
        from zhengwu.hotline import demo as hotline_demo

        summary = hotline_demo.load_demo()
        self.stdout.write(
            f"hotline: {summary['topics']} topics, {summary['knowledge']} knowledge entries, "
            f"{summary['tickets']} demo tickets created (12345 演示数据已载入)"
        )

    def _load_ratings(self) -> None:
        from zhengwu.ratings import demo as ratings_demo

        summary = ratings_demo.load_demo()
        self.stdout.write(
            f"ratings: {summary['reviews']} reviews, bad ones in rectification: "
            f"{summary['rectifications']} (好差评演示数据已载入)"
        )

    def _load_dossiers(self) -> None:
        from zhengwu.dossiers import demo as dossiers_demo

        summary = dossiers_demo.load_demo()
        self.stdout.write(
            f"archives: {summary['built']} packages built, {summary['checked']} checked, "
            f"{summary['failing']} failing (电子档案已归档)"
        )

    def _rebuild_indicators(self) -> None:
        from zhengwu.metrics import aggregate

        result = aggregate.rebuild()
        self.stdout.write(
            f"indicators: {result.daily_rows} daily rows over {len(result.days)} days "
            f"(考核指标已汇总)"
        )

    def _seed_calendar(self) -> None:
        from zhengwu.kernel import workdays

        years = workdays.seed_from_package()
        if years:
            self.stdout.write(f"calendar: loaded years {', '.join(map(str, years))}")

    def _print_accounts(self, accounts: list[accounts_demo.DemoAccount]) -> None:
        fresh = [a for a in accounts if a.password]
        kept = [a for a in accounts if not a.password]
        if fresh:
            self.stdout.write("")
            self.stdout.write("Demo accounts — passwords are shown ONCE, note them now")
            self.stdout.write("演示账号（密码只显示这一次）:")
            width_user = max(len("username"), *(len(a.username) for a in fresh))
            self.stdout.write(
                f"  {'username'.ljust(width_user)}  {'password'.ljust(16)}  role 角色"
            )
            for a in fresh:
                self.stdout.write(
                    f"  {a.username.ljust(width_user)}  {(a.password or '').ljust(16)}  {a.role}"
                )
        if kept:
            names = ", ".join(a.username for a in kept)
            self.stdout.write(
                f"Existing demo accounts kept, passwords unchanged: {names} "
                "(use --reset-passwords for new ones / 已存在的演示账号密码未改变)"
            )

    def _write_password_file(self, path: Path, accounts: list[accounts_demo.DemoAccount]) -> None:
        fresh = [a for a in accounts if a.password]
        if not fresh:
            self.stdout.write(f"{path}: not written, no new passwords (use --reset-passwords)")
            return
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(fd, 0o600)  # also when the file existed with wider permissions
        with os.fdopen(fd, "w") as handle:
            for a in fresh:
                handle.write(f"{a.username} {a.password}\n")
        self.stdout.write(f"passwords written to {path} (mode 0600)")

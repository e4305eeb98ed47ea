"""`zhengwu licence_types …` — the licence types (证照类型) of the register.

zhengwu licence_types load [--update] [PATH]   load the types of a JSON file (default: the
                                               Baqiao fixture); existing types are kept
                                               unless --update
zhengwu licence_types list                     code, name, defining body, validity
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from zhengwu.kernel.actors import Actor
from zhengwu.kernel.errors import DomainError
from zhengwu.licences import selectors, services

CLI_ACTOR = Actor("system", "cli", "命令行 / command line", channel="cli")


class Command(BaseCommand):
    help = "证照类型 / licence types: load | list"

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        load = actions.add_parser("load", help="load licence types from JSON")
        load.add_argument("path", nargs="?", default=None)
        load.add_argument("--update", action="store_true", help="overwrite existing types")
        actions.add_parser("list", help="list the licence types")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "list":
            for t in selectors.licence_types(active_only=False):
                years = f"{t.validity_years} 年" if t.validity_years else "长期"
                flag = "" if t.active else " (停用 / inactive)"
                self.stdout.write(f"{t.code}  {t.name}  {t.defining_body}  {years}{flag}")
            return
        try:
            counts = services.load_licence_types(
                options.get("path"), update=options["update"], actor=CLI_ACTOR
            )
        except DomainError as error:
            raise CommandError(f"{error.message} / {error.message_en} [{error.field}]") from error
        self.stdout.write(
            "licence types / 证照类型: "
            + ", ".join(f"{name} {count}" for name, count in counts.items())
        )

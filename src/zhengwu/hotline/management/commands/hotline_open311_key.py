"""`zhengwu hotline_open311_key …` — api_keys of Open311 clients.

zhengwu hotline_open311_key create NAME     create a client; prints its api_key once
zhengwu hotline_open311_key revoke ID       deactivate a client's key
zhengwu hotline_open311_key list            clients with their key prefix and state
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from zhengwu.hotline import clients
from zhengwu.hotline.models import Open311Client
from zhengwu.kernel.actors import Actor
from zhengwu.kernel.errors import DomainError

CLI_ACTOR = Actor("system", "cli", "命令行 / command line", channel="cli")


class Command(BaseCommand):
    help = "Open311 客户端密钥 / Open311 client api_keys: create | revoke | list"

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        create = actions.add_parser("create", help="create a client and print its api_key once")
        create.add_argument("name")
        revoke = actions.add_parser("revoke", help="deactivate a client's api_key")
        revoke.add_argument("client_id", type=int)
        actions.add_parser("list", help="list clients")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "create":
                client, key = clients.open311_client_create(by=CLI_ACTOR, name=options["name"])
                self.stdout.write(f"client / 客户端 {client.pk}: {client.name}")
                self.stdout.write(f"api_key (shown once / 仅显示一次): {key}")
            elif options["action"] == "revoke":
                client = clients.open311_client_revoke(by=CLI_ACTOR, client_id=options["client_id"])
                self.stdout.write(f"revoked / 已停用 {client.pk}: {client.name}")
            else:
                for client in Open311Client.objects.order_by("id"):
                    state = "active" if client.active else "revoked"
                    self.stdout.write(f"{client.pk}\t{client.key_prefix}…\t{state}\t{client.name}")
        except DomainError as error:
            raise CommandError(f"{error.message} / {error.message_en}") from error

"""`zhengwu licences …` — operations on the e-licence register.

zhengwu licences expire                                     失效 for licences past their end
zhengwu licences issue-from-case CASE_ID …                  issue the licence of approved cases
                                                            (idempotent; repairs a failed event)
zhengwu licences rotate-key ISSUER_USCC                     new signing key for an issuer
zhengwu licences register-foreign-key USCC NAME PEM_FILE [--key-id ID]
                                                            register another issuer's public key
zhengwu licences import-foreign JSON_FILE                   import a licence another issuer
                                                            signed (verified first)
zhengwu licences import-xlsx XLSX_FILE --as USERNAME        bulk import of paper licences
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from zhengwu.accounts import selectors as account_selectors
from zhengwu.kernel.actors import Actor
from zhengwu.kernel.errors import DomainError
from zhengwu.licences import imports, services

CLI_ACTOR = Actor("system", "cli", "命令行 / command line", channel="cli")


def _read(path: str) -> bytes:
    file = Path(path)
    if not file.is_file():
        raise CommandError(f"文件不存在 / no such file: {file}")
    return file.read_bytes()


class Command(BaseCommand):
    help = "电子证照 / e-licences: expire, issue-from-case, rotate-key, foreign keys, imports"

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        actions.add_parser("expire", help="expire licences past their end date")
        from_case = actions.add_parser("issue-from-case", help="issue the licence of cases")
        from_case.add_argument("case_ids", nargs="+", type=int)
        rotate = actions.add_parser("rotate-key", help="rotate an issuer's signing key")
        rotate.add_argument("issuer_code")
        foreign = actions.add_parser("register-foreign-key", help="register a foreign key")
        foreign.add_argument("issuer_code")
        foreign.add_argument("issuer_name")
        foreign.add_argument("pem_file")
        foreign.add_argument("--key-id", default="")
        imp = actions.add_parser("import-foreign", help="import a signed licence (JSON)")
        imp.add_argument("json_file")
        xlsx = actions.add_parser("import-xlsx", help="bulk import of licences (xlsx)")
        xlsx.add_argument("xlsx_file")
        xlsx.add_argument("--as", dest="username", required=True, help="the issuing staff")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        try:
            if action == "expire":
                self.stdout.write(f"expired / 已失效: {services.expire_due()}")
            elif action == "issue-from-case":
                for case_id in options["case_ids"]:
                    licence = services.issue_from_case(case_id)
                    self.stdout.write(
                        f"case {case_id}: {licence.identifier if licence else '— (no licence)'}"
                    )
            elif action == "rotate-key":
                key = services.rotate_issuer_key(
                    options["issuer_code"], actor=CLI_ACTOR, user=_SystemUser()
                )
                self.stdout.write(f"new key / 新密钥: {key.key_id}")
            elif action == "register-foreign-key":
                key = services.register_foreign_key(
                    issuer_code=options["issuer_code"],
                    issuer_name=options["issuer_name"],
                    public_key_pem=_read(options["pem_file"]).decode("utf-8", "replace"),
                    key_id=options["key_id"],
                    actor=CLI_ACTOR,
                )
                self.stdout.write(f"registered / 已登记: {key.key_id}")
            elif action == "import-foreign":
                licence = services.import_foreign(_read(options["json_file"]), actor=CLI_ACTOR)
                self.stdout.write(f"imported / 已导入: {licence.identifier}")
            elif action == "import-xlsx":
                user = get_user_model().objects.filter(username=options["username"]).first()
                if user is None:
                    raise CommandError(f"no such user / 用户不存在: {options['username']}")
                report = imports.import_licences_xlsx(
                    _read(options["xlsx_file"]),
                    user=user,
                    actor=account_selectors.actor_for(user, channel="cli"),
                )
                for row in report.rows:
                    if row.ok:
                        self.stdout.write(f"row {row.row}: {row.identifier}")
                    else:
                        for error in row.errors:
                            self.stdout.write(
                                f"row {row.row} [{error.column}]: {error.message} / "
                                f"{error.message_en}"
                            )
                self.stdout.write(
                    f"imported / 已导入 {report.imported}, failed / 失败 {report.failed}"
                )
        except DomainError as error:
            raise CommandError(f"{error.message} / {error.message_en} [{error.field}]") from error


class _SystemUser:
    """The command line acts with an administrator's rights (it runs on the server)."""

    pk = None
    is_authenticated = True
    is_superuser = True
    kind = "staff"

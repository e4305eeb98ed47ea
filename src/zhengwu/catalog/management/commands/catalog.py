"""`zhengwu catalog …` — the catalogue's interchange files and consistency checks.

zhengwu catalog export [--format json|xlsx] PATH    write the whole catalogue
zhengwu catalog import PATH                          validate everything, then import (.json/.xlsx)
zhengwu catalog check-list --kind KIND PATH          compare an external list with the catalogue
"""

from __future__ import annotations

from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from zhengwu.catalog.consistency import LIST_KINDS, check_external_list
from zhengwu.catalog.io import dumps_catalog, export_catalog, import_catalog
from zhengwu.catalog.xlsx import export_catalog_xlsx, import_catalog_xlsx
from zhengwu.kernel.actors import Actor
from zhengwu.kernel.errors import DomainError

CLI_ACTOR = Actor("system", "cli", "命令行 / command line", channel="cli")


def _command_error(error: DomainError) -> CommandError:
    lines = [f"{error.message} / {error.message_en}"]
    for item in error.errors or []:
        lines.append(f"  - [{item.field}] {item.message} / {item.message_en}")
    if not error.errors and error.field:
        lines.append(f"  - [{error.field}]")
    return CommandError("\n".join(lines))


class Command(BaseCommand):
    help = "服务目录导入导出与一致性检查 / catalogue export | import | check-list"

    def add_arguments(self, parser: ArgumentParser) -> None:
        actions = parser.add_subparsers(dest="action", required=True)
        export = actions.add_parser("export", help="write the whole catalogue")
        export.add_argument("--format", choices=("json", "xlsx"), default=None)
        export.add_argument("path")
        load = actions.add_parser("import", help="import a .json or .xlsx catalogue")
        load.add_argument("--format", choices=("json", "xlsx"), default=None)
        load.add_argument("path")
        check = actions.add_parser("check-list", help="compare an external list (xlsx/CSV)")
        check.add_argument("--kind", choices=sorted(LIST_KINDS), required=True)
        check.add_argument("path")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["path"])
        fmt = options.get("format") or ("xlsx" if path.suffix.lower() == ".xlsx" else "json")
        try:
            if options["action"] == "export":
                data = export_catalog_xlsx() if fmt == "xlsx" else dumps_catalog(export_catalog())
                path.write_bytes(data)
                self.stdout.write(f"exported / 已导出 {path} ({len(data)} bytes, {fmt})")
            elif options["action"] == "import":
                if not path.is_file():
                    raise CommandError(f"文件不存在 / no such file: {path}")
                data = path.read_bytes()
                if fmt == "xlsx":
                    report = import_catalog_xlsx(data, actor=CLI_ACTOR)
                else:
                    report = import_catalog(data, actor=CLI_ACTOR)
                self.stdout.write(f"imported / 已导入 {path}")
                for outcome in ("created", "updated", "unchanged"):
                    counts = getattr(report, outcome)
                    self.stdout.write(
                        f"  {outcome:<9} " + ", ".join(f"{k}={v}" for k, v in counts.items())
                    )
            else:
                if not path.is_file():
                    raise CommandError(f"文件不存在 / no such file: {path}")
                self._check(check_external_list(path, kind=options["kind"]))
        except DomainError as error:
            raise _command_error(error) from error

    def _check(self, report: Any) -> None:
        self.stdout.write(
            f"{report.kind_label} ({report.kind}) — {report.source}: {report.rows_read} rows, "
            f"{report.matched} matched, {len(report.findings)} differences, "
            f"{len(report.not_found)} not in the catalogue / 目录中未找到"
        )
        for f in report.findings:
            self.stdout.write(
                f"  row {f.row}: {f.field} differs / 不一致 — list 清单: {f.external_value!r}, "
                f"catalogue 目录: {f.catalogue_value!r} [{f.basic_code} {f.item_name}, "
                f"matched by {f.matched_by}]"
            )
        for r in report.not_found:
            self.stdout.write(f"  row {r.row}: not found / 未找到 — {r.name!r} {r.code!r}")
        if report.consistent:
            self.stdout.write("consistent / 一致")

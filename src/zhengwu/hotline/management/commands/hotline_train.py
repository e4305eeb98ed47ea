"""`zhengwu hotline_train` — train (and by default activate) the ticket routing model.

zhengwu hotline_train [--source dev|closed|both] [--no-activate] [--seed N] [--seed-rules]

Prints the held-out evaluation: accuracy, macro-F1, the keyword-only baseline on the same
split, the category accuracy and a per-department precision/recall table.
"""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from zhengwu.hotline import routing
from zhengwu.kernel.errors import DomainError


def format_report(model: Any) -> list[str]:
    m = model.metrics
    split = m.get("split", {})
    lines = [
        f"model / 模型 {model.version}  source={model.source}  active={model.active}",
        f"algorithm / 算法: {model.algorithm}",
        f"split / 划分: train {split.get('train')}  held-out {split.get('test')}  "
        f"(seed {split.get('seed')}, share {split.get('test_share')}); "
        f"stored model refitted on {model.trained_on}",
        f"accuracy / 准确率        {m['accuracy']:.3f}",
        f"macro-F1                 {m['macro_f1']:.3f}",
        f"baseline accuracy / 基线 {m['baseline_accuracy']:.3f}  "
        f"(macro-F1 {m['baseline_macro_f1']:.3f})",
    ]
    if m.get("category_accuracy") is not None:
        lines.append(f"category accuracy / 类别 {m['category_accuracy']:.3f}")
    lines.append("")
    lines.append(f"{'department / 部门':<28}{'precision':>10}{'recall':>8}{'f1':>7}{'n':>5}")
    for name, row in sorted(m.get("per_department", {}).items(), key=lambda p: -p[1]["support"]):
        lines.append(
            f"{name:<28}{row['precision']:>10.2f}{row['recall']:>8.2f}"
            f"{row['f1']:>7.2f}{row['support']:>5}"
        )
    return lines


class Command(BaseCommand):
    help = "训练分派模型 / train the hotline routing model"

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--source", choices=("dev", "closed", "both"), default="dev")
        parser.add_argument("--no-activate", action="store_true", help="store, do not activate")
        parser.add_argument("--seed", type=int, default=routing.SPLIT_SEED)
        parser.add_argument(
            "--seed-rules", action="store_true", help="also install the default emergency rules"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["seed_rules"]:
                created = routing.seed_default_rules()
                self.stdout.write(f"default rules / 默认规则: {created} created")
            model = routing.train_model(
                source=options["source"],
                activate=not options["no_activate"],
                seed=options["seed"],
            )
        except DomainError as error:
            raise CommandError(f"{error.message} / {error.message_en}") from error
        for line in format_report(model):
            self.stdout.write(line)

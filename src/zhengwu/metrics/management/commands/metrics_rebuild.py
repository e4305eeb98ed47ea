"""``zhengwu metrics_rebuild``: recompute every indicator aggregate from the raw records."""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Recompute the indicators' daily aggregates, rollups and snapshots from scratch."

    def handle(self, *args: Any, **options: Any) -> None:
        from zhengwu.metrics import aggregate

        result = aggregate.rebuild()
        self.stdout.write(json.dumps(result.as_dict(), ensure_ascii=False))

"""`zhengwu scheduler`: enqueue the periodic jobs of `zhengwu.kernel.schedule` on time."""

from __future__ import annotations

import logging
import signal
import time

from django.core.management.base import BaseCommand
from django.utils.module_loading import import_string

from zhengwu.kernel.schedule import PERIODIC_JOBS

logger = logging.getLogger("zhengwu.scheduler")


class Command(BaseCommand):
    help = "Enqueue periodic jobs (outbox delivery, time-limit sweeps …) at their intervals."

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="enqueue every job once and exit")

    def handle(self, *args, once: bool, **options):
        running = True

        def stop(signum, frame):
            nonlocal running
            running = False

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        next_run = {job.name: 0.0 for job in PERIODIC_JOBS}
        while running:
            now = time.monotonic()
            for job in PERIODIC_JOBS:
                if now < next_run[job.name]:
                    continue
                next_run[job.name] = now + job.every.total_seconds()
                try:
                    import_string(job.task).enqueue()
                    logger.debug("enqueued periodic job %s", job.name)
                except Exception:
                    # One broken job must not stop the others; the log says which.
                    logger.exception("could not enqueue periodic job %s", job.name)
            if once:
                return
            time.sleep(1)

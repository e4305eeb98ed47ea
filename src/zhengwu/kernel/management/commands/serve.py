"""`zhengwu serve`: the production HTTP server (granian, WSGI) plus, optionally, the task
worker and the scheduler, as child processes stopped together.

granian runs Django in WSGI mode: sync Django under ASGI measured ~10x slower here. Blocking
threads per worker are kept at or below the database connections a worker may hold, since
granian's default (up to 256) exhausts PostgreSQL connections under load; two per worker by
default (decision 0010). The benchmarks start granian with the same options
(:func:`wsgi_options`).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError


def wsgi_options(threads: int) -> list[str]:
    """granian's WSGI options of the production server for ``threads`` blocking threads: a
    worker takes on at most four requests per thread (at least 16) at a time; further
    connections wait in the listen backlog."""
    return [
        "--interface", "wsgi",
        "--blocking-threads", str(threads),
        "--backpressure", str(max(threads * 4, 16)),
    ]  # fmt: skip


def _worker_command() -> list[str]:
    zhengwu = [sys.executable, "-m", "zhengwu"]
    backend = settings.TASK_BACKEND_NAME
    if backend == "database":
        return [*zhengwu, "db_worker", "--interval", "1"]
    if backend == "rq":
        return [*zhengwu, "rqworker", "--job-class", "django_tasks_rq.Job", "default"]
    raise CommandError("the immediate task backend runs tasks inline and needs no worker")


class Command(BaseCommand):
    help = (
        "Run the web server (granian WSGI); with --with-worker also the task worker and scheduler."
    )

    def add_arguments(self, parser):
        parser.add_argument("--bind", default=settings.HTTP_BIND)
        parser.add_argument("--workers", type=int, default=settings.HTTP_WORKERS)
        parser.add_argument("--threads", type=int, default=settings.HTTP_THREADS)
        parser.add_argument(
            "--with-worker", action="store_true", help="also run worker + scheduler"
        )
        parser.add_argument("--no-collectstatic", action="store_true")

    def handle(self, *args, bind: str, workers: int, threads: int, with_worker: bool, **options):
        host, _, port = bind.rpartition(":")
        if not host or not port.isdigit():
            raise CommandError(f"--bind must be host:port, not {bind!r}")
        workers = workers or os.cpu_count() or 1
        if not options["no_collectstatic"]:
            from django.core.management import call_command

            call_command("collectstatic", interactive=False, verbosity=0)
        server = [
            sys.executable, "-m", "granian",
            *wsgi_options(threads),
            "--host", host.strip("[]"),
            "--port", port,
            "--workers", str(workers),
            "--static-path-route", settings.STATIC_URL.rstrip("/"),
            "--static-path-mount", str(settings.STATIC_ROOT),
            "--respawn-failed-workers",
            "zhengwu.config.wsgi:application",
        ]  # fmt: skip
        commands = [("web", server)]
        if with_worker:
            if settings.TASK_BACKEND_NAME != "immediate":
                commands.append(("worker", _worker_command()))
            commands.append(("scheduler", [sys.executable, "-m", "zhengwu", "scheduler"]))
        children: list[tuple[str, subprocess.Popen]] = []
        for name, command in commands:
            self.stdout.write(f"starting {name}: {' '.join(command[1:])}")
            children.append((name, subprocess.Popen(command)))  # noqa: S603

        stopping = False

        def stop(signum, frame):
            nonlocal stopping
            stopping = True

        signal.signal(signal.SIGINT, stop)
        signal.signal(signal.SIGTERM, stop)
        self.stdout.write(self.style.SUCCESS(f"zhengwu is serving on http://{bind}/"))
        exit_code = 0
        try:
            while not stopping:
                for name, child in children:
                    code = child.poll()
                    if code is not None:
                        self.stderr.write(f"{name} exited with code {code}; stopping the rest")
                        exit_code = code or 1
                        stopping = True
                time.sleep(0.5)
        finally:
            for _, child in children:
                if child.poll() is None:
                    child.terminate()
            deadline = time.monotonic() + 10
            for _, child in children:
                try:
                    child.wait(timeout=max(0.1, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    child.kill()
        if exit_code:
            raise CommandError(f"a child process failed (exit {exit_code})")

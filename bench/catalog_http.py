"""Catalogue pages and API under concurrency, next to ``/healthz`` on the same server.

Production configuration (granian WSGI, workers = cores, PostgreSQL, the Baqiao demo
catalogue loaded), wrk with 32 connections. Measures requests/s and p50/p95/p99 of:

- ``/healthz`` (the reference in the same run);
- the guide page of 食品经营许可 (``/services/items/<code>/``), with and without situation
  answers (the materials checklist);
- the item API (``/api/v1/catalog/items/<code>``);
- search through the page and the API (``开饭馆``).

Targets (issue 3): guide page ≥ 50 % of the ``/healthz`` rate, p95 ≤ 50 ms.
Results go to bench/results/catalog_http.json.

    .venv/bin/python bench/catalog_http.py [--duration 10] [--connections 32]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.http_baseline import (
    RESULTS,
    ROOT,
    VENV_BIN,
    ensure_database,
    free_port,
    production_env,
    wait_for,
    wrk,
)
from zhengwu.config import env as config_env
from zhengwu.kernel.management.commands.serve import wsgi_options

SETUP = """
import django, json
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from pathlib import Path
from zhengwu.org.demo import load_demo
from zhengwu.catalog.io import import_catalog
from zhengwu.kernel.actors import SYSTEM
import zhengwu.catalog
load_demo()
fixture = Path(zhengwu.catalog.__file__).parent / "fixtures" / "baqiao_catalog.json"
import_catalog(fixture.read_bytes(), actor=SYSTEM)
from zhengwu.catalog.models import ItemVersion
version = ItemVersion.objects.get(name="食品经营许可", status="published")
situation = version.situations.filter(parent_option__isnull=True).order_by("sort_order").first()
option = situation.options.order_by("sort_order").last()
print(json.dumps({"code": version.implementation_code,
                  "answer": f"a.{situation.key}={option.key}"}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument(
        "--threads", type=int, default=int(config_env.HTTP_THREADS.default), help="blocking threads"
    )
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="zhengwu_bench_catalog")
    args = parser.parse_args()
    workers = os.cpu_count() or 1
    ensure_database(args.pg, args.database)
    database_url = args.pg.rsplit("/", 1)[0] + "/" + args.database
    tmp = Path(tempfile.mkdtemp(prefix="zhengwu-bench-catalog-"))
    env = production_env(tmp, database_url)
    setup = subprocess.run(
        [sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, check=False
    )
    if setup.returncode != 0:
        print(setup.stderr, file=sys.stderr)
        return 1
    target = json.loads(setup.stdout.strip().splitlines()[-1])
    code, answer = target["code"], target["answer"]
    subprocess.run(
        [str(VENV_BIN / "zhengwu"), "collectstatic", "--noinput", "-v0"], env=env, check=True
    )

    port = free_port()
    server = subprocess.Popen(
        [
            str(VENV_BIN / "granian"),
            *("--no-log", "--workers", str(workers), "--host", "127.0.0.1"),
            *wsgi_options(args.threads),
            *("--port", str(port), "zhengwu.config.wsgi:application"),
        ],
        env=env,
        cwd=ROOT,
    )
    base = f"http://127.0.0.1:{port}"
    query = quote("开饭馆")
    targets = [
        ("healthz", "/healthz"),
        ("guide_page", f"/services/items/{code}/"),
        ("guide_page_with_answers", f"/services/items/{code}/?{answer}"),
        ("item_api", f"/api/v1/catalog/items/{code}"),
        ("search_api", f"/api/v1/catalog/search?q={query}"),
        ("search_page", f"/services/search/?q={query}"),
    ]
    # One connection: the latency a single visitor sees, without queueing behind 31 others.
    targets += [
        ("search_api_single_client", f"/api/v1/catalog/search?q={query}"),
        ("guide_page_single_client", f"/services/items/{code}/"),
    ]
    results: dict[str, dict] = {}
    try:
        wait_for(port, "/healthz")
        for name, path in targets:
            connections = 1 if name.endswith("_single_client") else args.connections
            results[name] = wrk(
                base + path, duration=args.duration, connections=connections, headers={}
            )
            r = results[name]
            print(
                f"{name:26} {r['requests_per_second']:>9.1f} req/s  p95 {r['p95_ms']:7.2f} ms"
                f"  non-2xx {r['non_2xx']}  errors {r['socket_errors']}",
                flush=True,
            )
    finally:
        server.terminate()
        server.wait(timeout=15)

    healthz = max(results["healthz"]["requests_per_second"], 1)
    ratio = results["guide_page"]["requests_per_second"] / healthz
    report = {
        "benchmark": "catalog_http",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": {
            "cpus": os.cpu_count(),
            "platform": platform.platform(),
            "python": platform.python_version(),
        },
        "config": {
            "server": "granian",
            "workers": workers,
            "blocking_threads": args.threads,
            "connections": args.connections,
            "duration_s": args.duration,
            "database": "postgresql",
            "catalogue": "Baqiao demo (148 items)",
        },
        "results": results,
        "guide_page_vs_healthz": round(ratio, 3),
        "targets_met": {
            "guide_page_rate": ratio >= 0.5,
            "guide_page_p95": results["guide_page"]["p95_ms"] <= 50,
        },
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "catalog_http.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    print(f"guide page / healthz = {ratio:.0%} (target ≥ 50%), p95 target ≤ 50 ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())

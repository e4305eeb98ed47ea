"""Routing latency: ``propose_route`` over the dev tickets, with rules and the trained model.

    .venv/bin/python bench/hotline_routing.py [--repeat 5] [--wait-idle 60]

A throwaway test database (SQLite by default; PostgreSQL when ``ZHENGWU_DATABASE_URL``
points at one — Django's test-database creation, dropped at the end) is migrated and given
the Baqiao org tree and the default emergency rules; the model is trained on the dev
tickets (``train_model(source="dev")``, activated), and then every dev ticket text is
routed ``--repeat`` times through the real ``propose_route`` (the rules query, the cached
model's prediction, the department lookup, the street office when one applies), after a
warm-up. Single process, single thread. Target: p95 ≤ 10 ms.

Writes ``bench/results/hotline_routing.json`` (latency percentiles, the training time and
the held-out evaluation) and prints a summary.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
os.environ.setdefault("ZHENGWU_MODE", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengwu.config.settings_test")

import django  # noqa: E402

django.setup()

from bench.cases_lifecycle import wait_for_quiet  # noqa: E402

RESULTS = ROOT / "bench/results/hotline_routing.json"


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1))))
    return ordered[k]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--wait-idle", type=float, default=60.0, help="max seconds to wait")
    args = parser.parse_args()

    from django.db import connection
    from django.test.utils import setup_test_environment

    setup_test_environment()
    connection.creation.create_test_db(verbosity=0, autoclobber=True)
    try:
        from zhengwu.hotline import routing
        from zhengwu.kernel import workdays
        from zhengwu.org import demo as org_demo

        workdays.seed_from_package()
        org_demo.load_demo()
        routing.seed_default_rules()
        started = time.perf_counter()
        model = routing.train_model(source="dev")
        train_seconds = time.perf_counter() - started
        routing.forget_cached_model()

        examples = routing.dev_examples()
        streets = [org_demo.street_code(s) for s in org_demo.STREETS]
        calls = [
            (ex.text, streets[i % len(streets)] if i % 3 == 0 else "")
            for i, ex in enumerate(examples)
        ]
        for text, code in calls[:50]:  # warm-up: jieba, the model cache, query plans
            routing.propose_route(text=text, street_code=code)
        load = wait_for_quiet(args.wait_idle) if args.wait_idle > 0 else None

        timings: list[float] = []
        cpu: list[float] = []
        by_kind: dict[str, int] = {}
        for _ in range(args.repeat):
            for text, code in calls:
                c0 = time.thread_time()
                t0 = time.perf_counter()
                proposal = routing.propose_route(text=text, street_code=code)
                timings.append((time.perf_counter() - t0) * 1000)
                cpu.append((time.thread_time() - c0) * 1000)
                by_kind[proposal.routed_by or "none"] = (
                    by_kind.get(proposal.routed_by or "none", 0) + 1
                )

        result: dict[str, Any] = {
            "benchmark": "hotline routing latency (propose_route)",
            "database": connection.vendor,
            "calls": len(timings),
            "texts": len(calls),
            "repeat": args.repeat,
            "latency_ms": {
                "p50": round(percentile(timings, 50), 3),
                "p95": round(percentile(timings, 95), 3),
                "p99": round(percentile(timings, 99), 3),
                "mean": round(statistics.fmean(timings), 3),
                "max": round(max(timings), 3),
            },
            # CPU time of the calling thread: the cost itself, without the time the call
            # waited for a core while other processes ran (the VM is shared).
            "cpu_ms": {
                "p50": round(percentile(cpu, 50), 3),
                "p95": round(percentile(cpu, 95), 3),
                "p99": round(percentile(cpu, 99), 3),
            },
            "target_p95_ms": 10,
            "routed_by": by_kind,
            "model": {
                "version": model.version,
                "algorithm": model.algorithm,
                "train_seconds": round(train_seconds, 2),
                "payload_bytes": len(bytes(model.payload)),
                "accuracy": model.metrics["accuracy"],
                "macro_f1": model.metrics["macro_f1"],
                "baseline_accuracy": model.metrics["baseline_accuracy"],
                "split": model.metrics["split"],
            },
            "machine": {
                "cpus": os.cpu_count(),
                "platform": platform.platform(),
                "python": platform.python_version(),
                "busy_cores_before": load,
            },
        }
    finally:
        connection.creation.destroy_test_db(connection.settings_dict["NAME"], verbosity=0)

    RESULTS.parent.mkdir(parents=True, exist_ok=True)
    RESULTS.write_text(json.dumps(result, ensure_ascii=False, indent=2) + "\n", "utf-8")
    lat = result["latency_ms"]
    print(
        f"propose_route over {result['calls']} calls ({connection.vendor}): "
        f"p50 {lat['p50']} ms, p95 {lat['p95']} ms, p99 {lat['p99']} ms (target p95 ≤ 10 ms); "
        f"CPU p50 {result['cpu_ms']['p50']} ms, p95 {result['cpu_ms']['p95']} ms"
    )
    m = result["model"]
    print(
        f"model {m['version']}: accuracy {m['accuracy']}, macro-F1 {m['macro_f1']}, "
        f"baseline {m['baseline_accuracy']}, trained in {m['train_seconds']} s"
    )
    print(f"routed by: {by_kind}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

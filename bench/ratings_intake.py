"""好差评 rating intake through the API on PostgreSQL, with upstream delivery running.

    .venv/bin/python bench/ratings_intake.py [--database zw_bench_ratings] [--duration 10]
        [--citizens 20] [--bad-share 0.15]

A fresh database (dropped and created), production settings (``ZHENGWU_MODE=production``,
the ``database`` task backend, persistent connections), migrated and given the Baqiao org
tree and the 2025/2026 calendar; ``--citizens`` citizens with API tokens, and one concluded
case per rating to come (rows written directly, as the cases domain leaves them).

While the main thread posts ``POST /api/v1/ratings/reviews`` (the Django test client over
the full middleware and API stack, a citizen's bearer token, one concluded case per
rating; ``--bad-share`` of them 非常不满意, which also opens a rectification), a second
thread runs the outbox sweep (``deliver_due_messages``) against a local HTTP receiver as
the ``ratings-upstream`` endpoint, as the scheduler's worker would. Reported: ratings/s,
latency p50/p95, messages delivered during the run, time to drain the rest, and that the
receiver saw every message exactly once (distinct ``Idempotency-Key``).

Writes ``bench/results/ratings_intake.json``. Not part of the test suite.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench.cases_lifecycle import RESULTS, configure, recreate_database  # noqa: E402

PG = "postgres://postgres@127.0.0.1:5432/postgres"
SEED = 20261127


def build_world(citizens: int, cases: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.utils import timezone

    from tests.factories import make_citizen
    from zhengwu.accounts import services as account_services
    from zhengwu.cases.models import Case
    from zhengwu.kernel import workdays
    from zhengwu.org import demo as org_demo
    from zhengwu.org.selectors import department_by_name

    call_command("migrate", interactive=False, verbosity=0)
    workdays.seed_from_package(years=[2025, 2026])
    org_demo.load_demo()
    centre = department_by_name("区行政审批服务局")
    market = department_by_name("区市场监管局")
    assert centre and market
    users, tokens = [], []
    for i in range(citizens):
        user = make_citizen(username=f"bench-citizen-{i}", real_name="张伟")
        _token, secret = account_services.token_create(user=user, name="bench", scopes=["write"])
        users.append(user)
        tokens.append(secret)
    now = timezone.now()
    rows = [
        Case(
            number=f"BR{now:%Y%m%d}{n:07d}",
            implementation_code="11610111MB2961A3XK00000000001",
            item_name="食品经营许可",
            channel="portal",
            applicant_kind="citizen",
            applicant_user=users[n % citizens],
            applicant_name="张伟",
            applicant_id_type="111",
            department=market,
            receiving_department=centre,
            status="concluded",
            submitted_at=now,
            concluded_at=now,
        )
        for n in range(cases)
    ]
    Case.objects.bulk_create(rows, batch_size=2000)
    numbers = [(n % citizens, c.number) for n, c in enumerate(rows)]
    return {"tokens": tokens, "numbers": numbers}


def deliver_loop(stop: threading.Event, counts: dict[str, int]) -> None:
    from django.db import connection

    from zhengwu.kernel.outbox import deliver_due_messages

    try:
        while not stop.is_set():
            result = deliver_due_messages(limit=200)
            for key, value in result.items():
                counts[key] = counts.get(key, 0) + value
            if not result:
                time.sleep(0.05)
    finally:
        connection.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pg", default=PG)
    parser.add_argument("--database", default="zw_bench_ratings")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--citizens", type=int, default=20)
    parser.add_argument("--bad-share", type=float, default=0.15)
    parser.add_argument("--max-ratings", type=int, default=20000)
    parser.add_argument("--profile", type=int, default=0, help="cProfile this many ratings")
    args = parser.parse_args()

    recreate_database(args.pg, args.database)
    configure(args.pg, args.database, "database")
    from django.test import Client

    from tests.receiver import Receiver
    from zhengwu.kernel.models import OutboxEndpoint, OutboxMessage, OutboxStatus
    from zhengwu.ratings.models import Rectification, Review

    world = build_world(args.citizens, args.max_ratings)
    receiver = Receiver().start()
    OutboxEndpoint.objects.create(name="ratings-upstream", url=receiver.url, timeout_seconds=5)

    rng = random.Random(SEED)
    client = Client(HTTP_HOST="localhost")
    counts: dict[str, int] = {}
    stop = threading.Event()
    deliverer = threading.Thread(target=deliver_loop, args=(stop, counts), daemon=True)

    def post(i: int) -> float:
        citizen, number = world["numbers"][i]
        bad = rng.random() < args.bad_share
        body = {
            "subject_type": "case",
            "subject_key": number,
            "level": 5 if bad else rng.choice([1, 1, 2, 2, 3]),
            "channel": rng.choice("1234"),
            "text": "窗口多次要求补交材料" if bad else "办理顺利",
            "tags": ["多次跑动"] if bad else [],
        }
        start = time.perf_counter()
        response = client.post(
            "/api/v1/ratings/reviews",
            data=json.dumps(body, ensure_ascii=False),
            content_type="application/json",
            headers={"Authorization": f"Bearer {world['tokens'][citizen]}"},
            secure=True,
        )
        elapsed = time.perf_counter() - start
        if response.status_code != 201:
            raise SystemExit(f"rating failed: {response.status_code} {response.content[:300]!r}")
        return elapsed

    warmup = 30
    for i in range(warmup):
        post(i)
    if args.profile:
        import cProfile
        import io
        import pstats

        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        profiler = cProfile.Profile()
        with CaptureQueriesContext(connection) as queries:
            profiler.enable()
            for n in range(warmup, warmup + args.profile):
                post(n)
            profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(45)
        print(out.getvalue())
        print("statements per rating:", len(queries) / args.profile)
        for q in queries.captured_queries[-40:]:
            print(q["sql"][:160])
        warmup += args.profile
    deliverer.start()
    latencies: list[float] = []
    i = warmup
    began = time.perf_counter()
    while time.perf_counter() - began < args.duration and i < args.max_ratings:
        latencies.append(post(i))
        i += 1
    wall = time.perf_counter() - began
    delivered_during = counts.get("delivered", 0)
    drain_start = time.perf_counter()
    while OutboxMessage.objects.exclude(status=OutboxStatus.DELIVERED).exists():
        if time.perf_counter() - drain_start > 120:
            break
        time.sleep(0.1)
    drain = time.perf_counter() - drain_start
    stop.set()
    deliverer.join(timeout=10)
    receiver.stop()

    keys = [r.headers.get("Idempotency-Key") for r in receiver.requests]
    messages = OutboxMessage.objects.count()
    latencies.sort()
    result = {
        "benchmark": "ratings_intake",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": "postgresql",
        "duration_s": round(wall, 2),
        "ratings": len(latencies),
        "ratings_per_s": round(len(latencies) / wall, 1),
        "latency_ms_p50": round(statistics.median(latencies) * 1000, 2),
        "latency_ms_p95": round(latencies[int(len(latencies) * 0.95) - 1] * 1000, 2),
        "bad_reviews": Rectification.objects.count(),
        "reviews_total": Review.objects.count(),
        "outbox_messages": messages,
        "delivered_during_run": delivered_during,
        "drain_s": round(drain, 2),
        "receiver_requests": len(keys),
        "receiver_distinct_keys": len(set(keys)),
        "undelivered": OutboxMessage.objects.exclude(status=OutboxStatus.DELIVERED).count(),
        "notes": "in-process Django test client over the full API stack (bearer token), one "
        "process; delivery sweep in a second thread to a local HTTP receiver",
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "ratings_intake.json").write_text(json.dumps(result, indent=2, ensure_ascii=False))
    print(json.dumps(result, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()

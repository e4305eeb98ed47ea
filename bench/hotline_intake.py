"""12345 ticket intake on PostgreSQL: in-process services, the API and Open311 over HTTP.

    .venv/bin/python bench/hotline_intake.py [--database zw_bench_hotline] [--part all]
        [--calls 600] [--workers 1,2] [--http-workers 1,2,4] [--clients 1,4,16]
        [--duration 8] [--profile 300]

Runs on the database of ``bench/hotline_data.py`` (default: the one with 5,000,000 tickets,
so every insert maintains full-size indexes; a missing database is created and given the
same small world without the bulk data). Production settings (``ZHENGWU_MODE=production``,
persistent connections, the ``database`` task backend), the database's own keys.

(a) Services, in process: ``services.intake_ticket`` in a loop, as a fresh request would
    call it (the staff-role cache dropped before every call), for a call entered by an agent
    (``channel=phone``: waits for the dispatcher) and a program's demand (``channel=api``:
    auto-dispatched when routing is confident), in 1 and N forked processes (one connection
    each). Texts from the labelled dev tickets, callers half repeat callers, half new.
    Statements per intake (``CaptureQueriesContext``, grouped by verb and table) and a
    cProfile of ``--profile`` intakes (top functions by own and cumulative time).

(b) HTTP: ``zhengwu serve`` (granian WSGI, ``--http-workers`` × ``--threads`` blocking
    threads) and ``--clients`` concurrent client processes, each posting over one keep-alive
    connection for ``--duration`` seconds after a warm-up: ``POST /api/v1/hotline/tickets``
    (JSON, a hotline agent's bearer token, an ``Idempotency-Key`` per ticket) and
    ``POST /open311/v2/requests.json`` (form-encoded, an Open311 client's ``api_key``,
    service_code, description, lat/long, phone and name). Statements per request are counted
    in-process (Django test client, same code path).

Each part first runs ``ANALYZE`` (autovacuum is off on the reference machine; see
``refresh_statistics``). Each run first waits (``--wait-idle`` seconds at most) for the
machine to be nearly idle and records the other processes' load: the reference VM is shared.
Writes ``bench/results/hotline_intake.json``. Target: ≥ 300 tickets/s through the API and Open311.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import json
import multiprocessing
import os
import pstats
import random
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench.cases_lifecycle import (  # noqa: E402
    RESULTS,
    _backend_cpu_ticks,
    machine,
    machine_busy_seconds,
    wait_for_quiet,
)
from bench.hotline_data import (  # noqa: E402
    DEFAULT_DB,
    DEV_TICKETS,
    build_world,
    caller_name,
    caller_phone,
    setup,
    stored_tickets,
)
from zhengwu.config import env as config_env  # noqa: E402

TARGET_PER_SECOND = 300
RUN = f"{int(time.time()):x}"  # Idempotency-Key prefix: every run posts new tickets
API_PATH = "/api/v1/hotline/tickets"
OPEN311_PATH = "/open311/v2/requests.json"


# --- what is submitted ------------------------------------------------------------------------


class Demands:
    """Deterministic stream of demands: dev texts, half repeat callers, half new ones."""

    def __init__(self, seed: int) -> None:
        self.rnd = random.Random(seed)
        self.samples = [json.loads(line) for line in DEV_TICKETS.open()]
        self.seq = 0

    def next(self) -> dict[str, Any]:
        self.seq += 1
        sample = self.samples[self.rnd.randrange(len(self.samples))]
        k = self.rnd.randrange(3_000_000)  # < 1.5 M: a stored caller; above: a new one
        return {
            "text": sample["text"],
            "caller_phone": caller_phone(k),
            "caller_name": caller_name(k),
            "latitude": f"{34.27 + self.rnd.random() * 0.12:.6f}",
            "longitude": f"{109.02 + self.rnd.random() * 0.2:.6f}",
            "category": sample["category"],
        }


# --- (a) services -----------------------------------------------------------------------------


def intake(user: Any, demand: dict[str, Any], channel: str) -> Any:
    from decimal import Decimal

    from zhengwu.accounts.policies import forget_cached_roles
    from zhengwu.hotline import services

    forget_cached_roles(user)
    return services.intake_ticket(
        by=user,
        channel=channel,
        text=demand["text"],
        caller_phone=demand["caller_phone"],
        caller_name=demand["caller_name"],
        latitude=Decimal(demand["latitude"]),
        longitude=Decimal(demand["longitude"]),
    )


def _service_worker(
    user: Any, channel: str, seed: int, count: int, warmup: int, barrier: Any, queue: Any
) -> None:
    try:
        from django.db import connection

        demands = Demands(seed)
        for _ in range(warmup):
            intake(user, demands.next(), channel)
        _, ticks0 = _backend_cpu_ticks()
        barrier.wait()
        started = time.time()
        cpu0 = time.process_time()
        latencies = []
        for _ in range(count):
            t0 = time.perf_counter()
            intake(user, demands.next(), channel)
            latencies.append(time.perf_counter() - t0)
        cpu = time.process_time() - cpu0
        ended = time.time()
        _, ticks1 = _backend_cpu_ticks()
        queue.put(
            {
                "started": started,
                "ended": ended,
                "latencies": latencies,
                "python_cpu": cpu,
                "backend_cpu": (ticks1 - ticks0) / os.sysconf("SC_CLK_TCK"),
            }
        )
        connection.close()
    except BaseException as exc:  # reported by the parent
        import traceback

        barrier.abort()
        queue.put({"error": f"{exc!r}\n{traceback.format_exc()}"})


def run_services(
    user: Any, channel: str, workers: int, calls: int, warmup: int, wait_idle: float, seed: int
) -> dict[str, Any]:
    from django.db import connections

    quiet = wait_for_quiet(wait_idle) if wait_idle else None
    connections.close_all()
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(workers + 1)
    queue = ctx.Queue()
    procs = [
        ctx.Process(
            target=_service_worker,
            args=(user, channel, seed * 100 + w, calls // workers, warmup, barrier, queue),
        )
        for w in range(workers)
    ]
    for p in procs:
        p.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait()
    busy0, wall0 = machine_busy_seconds(), time.perf_counter()
    reports = [queue.get() for _ in procs]
    busy = (machine_busy_seconds() - busy0) / (time.perf_counter() - wall0)
    for p in procs:
        p.join()
    errors = [r["error"] for r in reports if "error" in r]
    if errors:
        raise RuntimeError(errors[0])
    total = sum(len(r["latencies"]) for r in reports)
    wall = max(r["ended"] for r in reports) - min(r["started"] for r in reports)
    samples = sorted(x for r in reports for x in r["latencies"])
    python_cpu = sum(r["python_cpu"] for r in reports) / total
    backend_cpu = sum(r["backend_cpu"] for r in reports) / total
    out = {
        "channel": channel,
        "processes": workers,
        # CPU per intake, independent of what else the shared machine runs: this process
        # (Django, services) and its PostgreSQL backend; 2 cores / their sum bounds the rate
        "python_cpu_ms_per_intake": round(python_cpu * 1000, 2),
        "postgres_backend_cpu_ms_per_intake": round(backend_cpu * 1000, 2),
        "cpu_bound_tickets_per_second_on_2_cores": round(2 / (python_cpu + backend_cpu), 1),
        "tickets": total,
        "wall_seconds": round(wall, 2),
        "tickets_per_second": round(total / wall, 1),
        "p50_ms": round(samples[len(samples) // 2] * 1000, 2),
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))] * 1000, 2),
        "machine_busy_cores_before": quiet,
        "machine_busy_cores_during": round(busy, 2),
    }
    print(
        f"services {channel:<6} {workers} process(es): {out['tickets_per_second']:7.1f} tickets/s"
        f"  p50 {out['p50_ms']} ms  p95 {out['p95_ms']} ms  (machine busy {busy:.2f} cores)"
        f"  CPU/intake {out['python_cpu_ms_per_intake']} + "
        f"{out['postgres_backend_cpu_ms_per_intake']} ms",
        flush=True,
    )
    return out


def _shape(sql: str) -> str:
    verb = sql.split(None, 1)[0].upper()
    table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?([a-z0-9_]+)"?', sql, re.IGNORECASE)
    return f"{verb} {table.group(1) if table else ''}".strip()


def statements(call: Any) -> dict[str, Any]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        call()
    shapes = Counter(_shape(q["sql"]) for q in ctx.captured_queries)
    return {"count": len(ctx.captured_queries), "by_statement": dict(shapes.most_common())}


def profile_intakes(user: Any, channel: str, count: int, top: int = 30) -> dict[str, Any]:
    demands = Demands(99)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(count):
        intake(user, demands.next(), channel)
    profiler.disable()

    def table(sort: str) -> list[str]:
        buffer = io.StringIO()
        stats = pstats.Stats(profiler, stream=buffer).strip_dirs().sort_stats(sort)
        stats.print_stats(top)
        lines = buffer.getvalue().splitlines()
        start = next(i for i, line in enumerate(lines) if line.lstrip().startswith("ncalls"))
        return [line.rstrip() for line in lines[start:] if line.strip()]

    stats = pstats.Stats(profiler)
    total = sum(v[2] for v in stats.stats.values())  # type: ignore[attr-defined]
    return {
        "channel": channel,
        "intakes": count,
        "profiled_seconds": round(total, 2),
        "ms_per_intake_under_profiler": round(total / count * 1000, 2),
        "by_own_time": table("tottime"),
        "by_cumulative_time": table("cumulative"),
    }


def part_services(args: argparse.Namespace, world: dict[str, Any]) -> dict[str, Any]:
    from zhengwu.accounts.models import User

    agent = User.objects.get(username="bench-agent")
    demands = Demands(1)
    for _ in range(10):  # warm this process: routing model, calendar, compiled SQL
        intake(agent, demands.next(), "phone")
        intake(agent, demands.next(), "api")
    queries = {
        channel: statements(lambda c=channel: intake(agent, demands.next(), c))
        for channel in ("phone", "api")
    }
    for channel, q in queries.items():
        print(f"statements per intake ({channel}): {q['count']}  {q['by_statement']}")
    runs = []
    for channel in ("phone", "api"):
        for workers in args.workers:
            runs.append(
                run_services(
                    agent, channel, workers, args.calls, 10, args.wait_idle, seed=len(runs) + 2
                )
            )
    profile = profile_intakes(agent, "api", args.profile) if args.profile else None
    return {"statements_per_intake": queries, "runs": runs, "profile": profile}


# --- (b) HTTP ---------------------------------------------------------------------------------


def http_request(kind: str, demand: dict[str, Any], secret: str, key: str) -> tuple[str, dict]:
    if kind == "api":
        body = json.dumps(
            {
                "text": demand["text"],
                "channel": "api",
                "caller_phone": demand["caller_phone"],
                "caller_name": demand["caller_name"],
                "latitude": demand["latitude"],
                "longitude": demand["longitude"],
            },
            ensure_ascii=False,
        )
        headers = {
            "Authorization": f"Bearer {secret}",
            "Content-Type": "application/json",
            "Idempotency-Key": key,
        }
        return body, headers
    name = demand["caller_name"]
    body = urlencode(
        {
            "api_key": secret,
            "service_code": CATEGORY_CODES.get(demand["category"], "other"),
            "description": demand["text"],
            "lat": demand["latitude"],
            "long": demand["longitude"],
            "phone": demand["caller_phone"],
            "last_name": name[:1],
            "first_name": name[1:],
        }
    )
    return body, {"Content-Type": "application/x-www-form-urlencoded", "Idempotency-Key": key}


CATEGORY_CODES = {
    "咨询": "consult",
    "求助": "help",
    "投诉": "complaint",
    "举报": "report",
    "建议": "suggestion",
    "表扬": "praise",
}


def _http_client(
    port: int,
    kind: str,
    secret: str,
    seed: int,
    warmup: float,
    duration: float,
    barrier: Any,
    queue: Any,
) -> None:
    import http.client

    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        demands = Demands(seed)
        path = API_PATH if kind == "api" else OPEN311_PATH
        barrier.wait()
        start = time.time()
        timed_from = start + warmup
        end = timed_from + duration
        latencies = []
        statuses: Counter[int] = Counter()
        n = 0
        while True:
            now = time.time()
            if now >= end:
                break
            n += 1
            body, headers = http_request(kind, demands.next(), secret, f"{RUN}-{seed}-{n}")
            t0 = time.perf_counter()
            conn.request("POST", path, body.encode(), headers)
            response = conn.getresponse()
            payload = response.read()
            if response.status >= 300:
                raise RuntimeError(f"{kind}: {response.status} {payload[:300]!r}")
            if now >= timed_from:
                latencies.append(time.perf_counter() - t0)
                statuses[response.status] += 1
        queue.put({"latencies": latencies, "statuses": dict(statuses)})
    except BaseException as exc:
        import traceback

        with contextlib.suppress(Exception):
            barrier.abort()
        queue.put({"error": f"{exc!r}\n{traceback.format_exc()}"})


def _http_load(
    port: int,
    kind: str,
    secret: str,
    clients: int,
    args: argparse.Namespace,
    seed: int,
    warm_only: bool = False,
) -> dict[str, Any]:
    quiet = wait_for_quiet(args.wait_idle) if args.wait_idle and not warm_only else None
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(clients + 1)
    queue = ctx.Queue()
    procs = [
        ctx.Process(
            target=_http_client,
            args=(
                port,
                kind,
                secret,
                seed * 1000 + c,
                args.warmup,
                3.0 if warm_only else args.duration,
                barrier,
                queue,
            ),
        )
        for c in range(clients)
    ]
    for p in procs:
        p.start()
    with contextlib.suppress(threading.BrokenBarrierError):
        barrier.wait()
    time.sleep(args.warmup)
    busy0, wall0 = machine_busy_seconds(), time.perf_counter()
    reports = [queue.get() for _ in procs]
    busy = (machine_busy_seconds() - busy0) / (time.perf_counter() - wall0)
    for p in procs:
        p.join()
    errors = [r["error"] for r in reports if "error" in r]
    if errors:
        raise RuntimeError(errors[0])
    samples = sorted(x for r in reports for x in r["latencies"])
    out = {
        "endpoint": f"POST {API_PATH if kind == 'api' else OPEN311_PATH}",
        "clients": clients,
        "tickets": len(samples),
        "tickets_per_second": round(len(samples) / args.duration, 1),
        "p50_ms": round(samples[len(samples) // 2] * 1000, 1) if samples else None,
        "p95_ms": round(samples[int(0.95 * (len(samples) - 1))] * 1000, 1) if samples else None,
        "p99_ms": round(samples[int(0.99 * (len(samples) - 1))] * 1000, 1) if samples else None,
        "statuses": dict(sum((Counter(r["statuses"]) for r in reports), Counter())),
        "machine_busy_cores_before": quiet,
        "machine_busy_cores_during": round(busy, 2),
    }
    return out


def http_statements(secret: str, api_key: str) -> dict[str, Any]:
    from django.test import Client

    client = Client(HTTP_HOST="127.0.0.1")
    demands = Demands(5)
    out = {}
    for kind, secret_ in (("api", secret), ("open311", api_key)):
        for n in range(4):  # the last one counted (warm)
            body, headers = http_request(kind, demands.next(), secret_, f"{RUN}-q-{kind}-{n}")
            extra = {
                "HTTP_" + k.upper().replace("-", "_"): v
                for k, v in headers.items()
                if k != "Content-Type"
            }
            counted = statements(
                lambda body=body, headers=headers, extra=extra, kind=kind: _post(
                    client, kind, body, headers, extra
                )
            )
        out[kind] = counted
        print(f"statements per HTTP intake ({kind}): {counted['count']}")
    return out


def _post(client: Any, kind: str, body: str, headers: dict, extra: dict) -> None:
    response = client.post(
        API_PATH if kind == "api" else OPEN311_PATH,
        body.encode(),
        content_type=headers["Content-Type"],
        secure=True,
        **extra,
    )
    if response.status_code >= 300:
        raise RuntimeError(f"{kind}: {response.status_code} {response.content[:300]!r}")


def part_http(args: argparse.Namespace) -> dict[str, Any]:
    from bench.http_baseline import free_port, wait_for
    from zhengwu.accounts import services as account_services
    from zhengwu.accounts.models import User
    from zhengwu.hotline import clients as open311_clients
    from zhengwu.kernel.actors import SYSTEM

    agent = User.objects.get(username="bench-agent")
    _, secret = account_services.token_create(
        user=agent, name="bench-intake", scopes=["read", "write"], expires_in_days=1
    )
    _, api_key = open311_clients.open311_client_create(by=SYSTEM, name="bench-intake")
    queries = http_statements(secret, api_key)
    env = dict(os.environ)
    var = Path(env["ZHENGWU_VAR_DIR"])
    (var / "static").mkdir(exist_ok=True)
    from django.db import connections

    connections.close_all()
    runs = []
    for workers in args.http_workers:
        port = free_port()
        log = open(var / f"serve-{workers}.log", "w")  # noqa: SIM115
        server = subprocess.Popen(
            [
                *(str(Path(sys.executable).parent / "zhengwu"), "serve", "--no-collectstatic"),
                *("--bind", f"127.0.0.1:{port}", "--workers", str(workers)),
                *("--threads", str(args.threads)),
            ],
            env=env,
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_for(port, "/healthz", timeout=180)
            for kind, key in (("api", secret), ("open311", api_key)):
                # every worker loads its routing model and dictionaries before timing
                _http_load(port, kind, key, 2 * workers, args, seed=900 + workers, warm_only=True)
            for kind, key in (("api", secret), ("open311", api_key)):
                for clients in args.clients:
                    r = _http_load(port, kind, key, clients, args, seed=len(runs) + 1)
                    r["granian_workers"] = workers
                    runs.append(r)
                    print(
                        f"HTTP {kind:<7} {workers} worker(s) x {args.threads} threads, "
                        f"{clients:>2} clients: {r['tickets_per_second']:7.1f} tickets/s  "
                        f"p50 {r['p50_ms']} ms  p95 {r['p95_ms']} ms  "
                        f"(machine busy {r['machine_busy_cores_during']} cores)",
                        flush=True,
                    )
        except RuntimeError:
            log.flush()
            print((var / f"serve-{workers}.log").read_text()[-12000:], file=sys.stderr)
            raise
        finally:
            server.terminate()
            try:
                server.wait(timeout=20)
            except subprocess.TimeoutExpired:
                server.kill()
            log.close()
    return {
        "server": "zhengwu serve (granian WSGI), production settings, TASKS=database",
        "blocking_threads": args.threads,
        "warmup_seconds": args.warmup,
        "duration_seconds": args.duration,
        "statements_per_request": queries,
        "runs": runs,
    }


# --- main -------------------------------------------------------------------------------------


def refresh_statistics() -> dict[str, Any]:
    """``ANALYZE`` the database, as autovacuum would have by now: on a machine where it is
    off (this one's PostgreSQL runs with ``autovacuum = off``) a database that grew by
    thousands of tickets since its last ``ANALYZE`` — or was never analysed — gets plans made
    for empty tables (the answer's event read hashed every work order: 7–12 ms a request)."""
    from django.db import connection

    t0 = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SHOW autovacuum")
        autovacuum = cursor.fetchone()[0]
        cursor.execute("ANALYZE")
    return {"autovacuum": autovacuum, "analyze_seconds": round(time.perf_counter() - t0, 1)}


def routing_state() -> dict[str, Any]:
    from zhengwu.hotline.models import ClassifierModel, RoutingRule

    active = ClassifierModel.objects.filter(active=True).first()
    return {
        "active_model": active.version if active else None,
        "routing_rules": RoutingRule.objects.filter(active=True).count(),
    }


def ensure_routing_model() -> str:
    """Train and activate a routing model on the labelled dev tickets (as an installation
    would have one; trained afresh, so that it matches the code being measured)."""
    from zhengwu.hotline import routing

    train = getattr(routing, "train_model", None)
    if train is None:
        return "routing.train_model does not exist yet: rules and fallback only"
    try:
        model = train(source="dev", activate=True)
    except Exception as exc:  # the routing module is being written in parallel
        return f"training failed ({exc!r}): rules and fallback only"
    return f"trained {model.version} on the dev tickets"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default=DEFAULT_DB)
    parser.add_argument("--part", choices=("all", "services", "http"), default="all")
    parser.add_argument("--calls", type=int, default=600, help="timed intakes per services run")
    parser.add_argument("--workers", default="1,2", help="service process counts")
    parser.add_argument("--http-workers", default="1,2,4", help="granian worker counts")
    parser.add_argument(
        "--threads",
        type=int,
        default=int(config_env.HTTP_THREADS.default),
        help="granian blocking threads",
    )
    parser.add_argument("--clients", default="1,4,16", help="concurrent HTTP clients")
    parser.add_argument("--duration", type=float, default=8.0, help="timed seconds per run")
    parser.add_argument("--warmup", type=float, default=2.0, help="untimed seconds per run")
    parser.add_argument("--profile", type=int, default=300, help="cProfile intakes (0: off)")
    parser.add_argument("--wait-idle", type=float, default=60)
    parser.add_argument("--out", default="hotline_intake.json")
    args = parser.parse_args()
    args.workers = [int(w) for w in args.workers.split(",") if w]
    args.http_workers = [int(w) for w in args.http_workers.split(",") if w]
    args.clients = [int(c) for c in args.clients.split(",") if c]

    setup(args.database)
    world = build_world()
    report: dict[str, Any] = {"benchmark": "hotline_intake"}
    if args.part != "all" and (RESULTS / args.out).exists():
        report = json.loads((RESULTS / args.out).read_text())
    report["tickets_stored_before"] = stored_tickets()
    report["routing_setup"] = ensure_routing_model()
    report["routing"] = routing_state()
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.part in ("all", "services"):
        report["statistics_before_services"] = refresh_statistics()
        report["services"] = part_services(args, world)
        (RESULTS / args.out).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    if args.part in ("all", "http"):
        report["statistics_before_http"] = refresh_statistics()
        report["http"] = part_http(args)
    http_runs = report.get("http", {}).get("runs", [])
    best = {
        kind: max(
            (r["tickets_per_second"] for r in http_runs if kind in r["endpoint"]), default=None
        )
        for kind in ("/api/", "/open311/")
    }
    report.update(
        {
            "date": datetime.now(UTC).isoformat(timespec="seconds"),
            "database": args.database,
            "machine": machine(),
            "best_api_tickets_per_second": best["/api/"],
            "best_open311_tickets_per_second": best["/open311/"],
            "target_tickets_per_second": TARGET_PER_SECOND,
            "target_met": all(v is not None and v >= TARGET_PER_SECOND for v in best.values()),
        }
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / args.out).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    if report["services"]["profile"] if "services" in report else False:
        print("\n".join(report["services"]["profile"]["by_own_time"][:20]))
    print(f"(results in {RESULTS / args.out})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

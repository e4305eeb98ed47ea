"""HTTP baseline under the production server configuration.

In one run, with granian (WSGI for Django, workers = cores, blocking threads ≤ the database
pool) and wrk as the load generator on the same machine, it measures requests/s and p95 of:

1. a raw ASGI "hello" app — the machine's HTTP ceiling;
2. a bare Django JSON view through the full middleware stack;
3. ``/healthz``;
4. one authenticated JSON API read of a row from PostgreSQL (``GET /api/v1/accounts/me``
   with a bearer token: the token row and its user in one statement, rendered as JSON).

Two references put (4) in context: (5) a Django view reading one row through a raw cursor
(no ORM, auth or django-ninja — the ceiling of any Django view that reads a row), and (6) a
plain WSGI app reading the same row with psycopg (no Django).

Target: (4) reaches ≥ 50 % of (2). Results go to bench/results/http_baseline.json.

    .venv/bin/python bench/http_baseline.py [--duration 10] [--connections 32]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import platform
import secrets
import socket
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlparse

from zhengwu.config import env as config_env
from zhengwu.kernel.management.commands.serve import wsgi_options

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
VENV_BIN = Path(sys.executable).parent
LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"requests":%d,"duration_us":%d,"socket_errors":%d,"non_2xx":%d,'
    .. '"p50_us":%d,"p95_us":%d,"p99_us":%d}\\n',
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout,
    e.status, latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(port: int, path: str, timeout: float = 30.0) -> None:
    import urllib.request

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=2):
                return
        except Exception:
            time.sleep(0.3)
    raise RuntimeError(f"server on port {port} did not answer {path}")


def wrk(url: str, *, duration: int, connections: int, headers: dict[str, str]) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(LUA)
    threads = min(2, connections)  # wrk needs at least one connection per thread
    command = ["wrk", f"-t{threads}", f"-c{connections}", f"-d{duration}s", "-s", script.name, url]
    for name, value in headers.items():
        command += ["-H", f"{name}: {value}"]
    warm = [*command[:3], "-d2s", *command[4:]]
    subprocess.run(warm, capture_output=True, check=True)
    out = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    stats = json.loads(out.strip().splitlines()[-1])
    seconds = stats["duration_us"] / 1e6
    return {
        "requests_per_second": round(stats["requests"] / seconds, 1),
        "p50_ms": stats["p50_us"] / 1000,
        "p95_ms": stats["p95_us"] / 1000,
        "p99_ms": stats["p99_us"] / 1000,
        "requests": stats["requests"],
        "socket_errors": stats["socket_errors"],
        "non_2xx": stats["non_2xx"],
    }


def production_env(tmp: Path, database_url: str) -> dict[str, str]:
    from zhengwu.config.keys import local_rsa_key

    key_file = tmp / "oidc.pem"
    local_rsa_key(key_file)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ZHENGWU_")}
    # A/B switch kept from the caller's environment (decision 0009).
    if "ZHENGWU_DB_PREPARED_STATEMENTS" in os.environ:
        env["ZHENGWU_DB_PREPARED_STATEMENTS"] = os.environ["ZHENGWU_DB_PREPARED_STATEMENTS"]
    env.update(
        {
            "ZHENGWU_MODE": "production",
            "ZHENGWU_SECRET_KEY": secrets.token_urlsafe(50),
            "ZHENGWU_FIELD_KEYS": "b1:" + base64.b64encode(secrets.token_bytes(16)).decode(),
            "ZHENGWU_BLIND_INDEX_KEY": base64.b64encode(secrets.token_bytes(32)).decode(),
            "ZHENGWU_OIDC_PRIVATE_KEY_FILE": str(key_file),
            "ZHENGWU_DATABASE_URL": database_url,
            "ZHENGWU_VAR_DIR": str(tmp),
            "ZHENGWU_LOG_LEVEL": "WARNING",
            "DJANGO_SETTINGS_MODULE": "zhengwu.config.settings",
            # the checkout's own code first: a worktree beside the installed one (A/B runs)
            # must serve its own src/, not the editable install's
            "PYTHONPATH": os.pathsep.join((str(ROOT / "src"), str(ROOT))),
        }
    )
    return env


def ensure_database(admin_url: str, name: str) -> None:
    import psycopg

    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


SETUP = """
import django, json
django.setup()
from django.core.management import call_command
call_command("migrate", interactive=False, verbosity=0)
from zhengwu.accounts import services
from zhengwu.accounts.models import User
user = User.objects.filter(username="bench-reader").first() or services.user_create(
    username="bench-reader", password=None, display_name="Bench Reader"
)
token, secret = services.token_create(user=user, name="bench", scopes=["read"], expires_in_days=1)
print(json.dumps({"token": secret}))
"""


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--rounds", type=int, default=3, help="interleaved rounds (median)")
    parser.add_argument(
        "--threads", type=int, default=int(config_env.HTTP_THREADS.default), help="blocking threads"
    )
    parser.add_argument("--workers", type=int, default=0, help="granian workers (0 = cores)")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="zhengwu_bench")
    args = parser.parse_args()
    workers = args.workers or os.cpu_count() or 1
    ensure_database(args.pg, args.database)
    database_url = args.pg.rsplit("/", 1)[0] + "/" + args.database
    tmp = Path(tempfile.mkdtemp(prefix="zhengwu-bench-"))
    env = production_env(tmp, database_url)
    setup = subprocess.run(
        [sys.executable, "-c", SETUP], env=env, capture_output=True, text=True, check=False
    )
    if setup.returncode != 0:
        print(setup.stderr, file=sys.stderr)
        return 1
    token = json.loads(setup.stdout.strip().splitlines()[-1])["token"]

    granian = [str(VENV_BIN / "granian"), "--no-log", "--workers", str(workers)]
    granian += ["--host", "127.0.0.1"]
    hello_port, django_port, plain_port = free_port(), free_port(), free_port()
    parsed = urlparse(database_url)
    env["BENCH_PSYCOPG_DSN"] = (
        f"host={parsed.hostname} port={parsed.port or 5432} "
        f"user={parsed.username or 'postgres'} dbname={parsed.path.lstrip('/')}"
    )
    servers = [
        subprocess.Popen(
            [*granian, "--interface", "asgi", "--port", str(hello_port), "bench.hello_asgi:app"],
            env=env,
            cwd=ROOT,
        ),
        subprocess.Popen(
            [
                *granian,
                *wsgi_options(args.threads),
                *("--port", str(django_port), "bench.bench_wsgi:application"),
            ],
            env=env,
            cwd=ROOT,
        ),
        subprocess.Popen(
            [
                *granian,
                *wsgi_options(args.threads),
                *("--port", str(plain_port), "bench.wsgi_psycopg:application"),
            ],
            env=env,
            cwd=ROOT,
        ),
    ]
    results: dict[str, dict] = {}
    try:
        wait_for(hello_port, "/")
        wait_for(django_port, "/healthz")
        wait_for(plain_port, "/")
        targets = [
            ("asgi_hello", f"http://127.0.0.1:{hello_port}/", {}),
            # The two endpoints of the target one after the other, so that the VM's drift
            # within a round touches their ratio as little as possible.
            ("django_bare_json", f"http://127.0.0.1:{django_port}/bench/bare-json", {}),
            (
                "api_authenticated_read",
                f"http://127.0.0.1:{django_port}/api/v1/accounts/me",
                {"Authorization": f"Bearer {token}"},
            ),
            ("reference_django_raw_row", f"http://127.0.0.1:{django_port}/bench/raw-row", {}),
            ("healthz", f"http://127.0.0.1:{django_port}/healthz", {}),
            ("reference_wsgi_psycopg_row", f"http://127.0.0.1:{plain_port}/", {}),
        ]
        # This VM's speed drifts by ±20 % from one 10-second run to the next, so every
        # endpoint is measured in each of --rounds interleaved rounds and the median run kept.
        runs: dict[str, list[dict]] = {name: [] for name, _, _ in targets}
        for round_no in range(1, args.rounds + 1):
            for name, url, headers in targets:
                r = wrk(url, duration=args.duration, connections=args.connections, headers=headers)
                runs[name].append(r)
                print(
                    f"round {round_no} {name:26} {r['requests_per_second']:>9.1f} req/s"
                    f"  p95 {r['p95_ms']:7.2f} ms  non-2xx {r['non_2xx']}"
                    f"  errors {r['socket_errors']}",
                    flush=True,
                )
        for name, measured in runs.items():
            ordered = sorted(measured, key=lambda r: r["requests_per_second"])
            results[name] = {
                **ordered[len(ordered) // 2],
                "rounds_requests_per_second": [r["requests_per_second"] for r in measured],
            }
    finally:
        for server in servers:
            server.terminate()
        for server in servers:
            server.wait(timeout=15)

    bare = max(results["django_bare_json"]["requests_per_second"], 1)
    ratio = results["api_authenticated_read"]["requests_per_second"] / bare
    ceiling = results["reference_django_raw_row"]["requests_per_second"] / bare
    # Each round measures the two endpoints seconds apart, so a round's own ratio is the
    # least exposed to the VM's drift; reported beside the ratio of the medians (the target).
    per_round = [
        read / max(plain, 1)
        for read, plain in zip(
            results["api_authenticated_read"]["rounds_requests_per_second"],
            results["django_bare_json"]["rounds_requests_per_second"],
            strict=True,
        )
    ]
    report = {
        "benchmark": "http_baseline",
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
            "rounds": args.rounds,
            "database": "postgresql",
        },
        "results": results,
        "authenticated_read_vs_bare_django": round(ratio, 3),
        "django_raw_row_vs_bare_django": round(ceiling, 3),
        "authenticated_read_vs_bare_django_per_round": [round(r, 3) for r in per_round],
        "target_met": ratio >= 0.5,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "http_baseline.json").write_text(json.dumps(report, indent=2, ensure_ascii=False))
    for name, r in results.items():
        print(f"median {name:26} {r['requests_per_second']:>9.1f} req/s  p95 {r['p95_ms']:7.2f} ms")
    print(f"authenticated read / bare Django = {ratio:.0%} (target ≥ 50%)")
    print("  the same, round by round: " + " / ".join(f"{r:.0%}" for r in per_round))
    print(f"ceiling: raw-cursor row read in Django / bare Django = {ceiling:.0%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Licence issuance and verification throughput, in process and through the HTTP API.

    .venv/bin/python bench/licences_verify.py [--database-url URL] [--issue 300]
        [--verify 2000] [--http-workers 1,2] [--http-threads 4] [--http-clients 8]
        [--http-requests 4000]

Needs the data of ``bench/licences_data.py`` on the same database (run it first: it keeps the
keys in the database so this process and the server can read the encrypted holders and
recompute the verified seal). Production settings. Measures:

- **issue**: ``services.issue_licence`` (validation, serial under a row lock, SM2 signature,
  insert, audit entry, event) one after another — licences issued per second;
- **verify in process** on random stored licences (already loaded): the full SM2
  verification (``signing.check_signature`` over ``licence_canonical_bytes``) and
  ``signing.verify_stored`` with the verified seal (what pages and the API use); plus
  ``verification.verify_identifier`` (lookup, seal check, status, view record) end to end;
- **HTTP**: ``zhengwu serve`` (granian WSGI) with each ``--http-workers`` count and
  ``--http-clients`` concurrent keep-alive clients sending
  ``GET /api/v1/licences/verify?identifier=…`` for random stored licences: verifications per
  second, p50/p95/p99 latency; every answer must be 200 with ``exists``;
- **tamper check**: a stored licence is changed in the database behind the application's
  back (its seal left in place); the API must answer ``signature_ok: false`` with
  ``bad_signature`` — the seal never vouches for changed content.

Writes ``bench/results/licences_verify.json``. Targets: ≥ 200 verifications/s through the API
with several workers; p95 ≤ 30 ms with 1,000,000 licences stored.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import random
import statistics
import subprocess
import sys
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench.licences_data import RESULTS, database_url, setup  # noqa: E402
from zhengwu.config import env as config_env  # noqa: E402

TARGET_RPS = 200
TARGET_P95_MS = 30.0


def percentile(samples: list[float], q: float) -> float:
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(q * (len(ordered) - 1) + 0.5))]


def summary(samples_ms: list[float]) -> dict[str, float]:
    return {
        "p50_ms": round(percentile(samples_ms, 0.50), 3),
        "p95_ms": round(percentile(samples_ms, 0.95), 3),
        "p99_ms": round(percentile(samples_ms, 0.99), 3),
        "mean_ms": round(statistics.fmean(samples_ms), 3),
    }


def bench_issue(count: int) -> dict[str, Any]:
    from bench.licences_data import TYPE_CODE, citizen
    from zhengwu.kernel.actors import SYSTEM
    from zhengwu.licences import services
    from zhengwu.licences.models import IssuerKey, LicenceType

    licence_type = LicenceType.objects.get(code=TYPE_CODE)
    key = IssuerKey.objects.filter(active=True, foreign=False).order_by("issuer_code").first()
    assert key is not None, "run bench/licences_data.py first"
    holders = [services.parse_holder(*citizen(900_000 + i)) for i in range(count)]
    metadata = {"business_scope": "热食类食品制售", "premises": "西安市灞桥区纺织城正街 1 号"}
    samples = []
    started = time.perf_counter()
    for holder in holders:
        t = time.perf_counter()
        services.issue_licence(
            licence_type=licence_type,
            holder=holder,
            issuer_code=key.issuer_code,
            issuer_name=key.issuer_name,
            actor=SYSTEM,
            metadata=metadata,
            region="610111",
        )
        samples.append((time.perf_counter() - t) * 1000)
    wall = time.perf_counter() - started
    out = {"issued": count, "per_second": round(count / wall, 1), **summary(samples)}
    print(f"issue (sign + store)         {out['per_second']:8.1f}/s  p50 {out['p50_ms']} ms")
    return out


def sample_ids(count: int, seed: int = 7) -> list[int]:
    from django.db.models import Max, Min

    from zhengwu.licences.models import Licence

    bounds = Licence.objects.aggregate(lo=Min("id"), hi=Max("id"))
    rng = random.Random(seed)
    return [rng.randint(bounds["lo"], bounds["hi"]) for _ in range(count)]


def bench_verify(count: int) -> dict[str, Any]:
    from zhengwu.licences import signing, verification
    from zhengwu.licences.models import Licence

    ids = sample_ids(count)
    by_id = Licence.objects.select_related("licence_type").in_bulk(ids)
    licences = [by_id[i] for i in ids if i in by_id]
    results: dict[str, Any] = {"licences": len(licences)}

    def run(name: str, call: Any, items: list[Any]) -> None:
        samples = []
        started = time.perf_counter()
        ok = 0
        for item in items:
            t = time.perf_counter()
            ok += bool(call(item))
            samples.append((time.perf_counter() - t) * 1000)
        wall = time.perf_counter() - started
        results[name] = {
            "calls": len(items),
            "ok": ok,
            "per_second": round(len(items) / wall, 1),
            **summary(samples),
        }
        print(
            f"{name:<28} {results[name]['per_second']:8.1f}/s  p50 {results[name]['p50_ms']} ms"
            f"  ok {ok}/{len(items)}"
        )

    run(
        "sm2_full_verification",
        lambda lic: (
            signing.check_signature(
                signing.licence_canonical_bytes(lic), lic.signature, lic.key_id
            ).valid
        ),
        licences,
    )
    run(
        "verify_stored_with_seal",
        lambda lic: signing.verify_stored(lic, remember=False).valid,
        licences,
    )
    identifiers = [lic.identifier for lic in licences]
    run(
        "verify_identifier_end_to_end",
        lambda ident: verification.verify_identifier(ident, channel="api").signature_ok,
        identifiers,
    )
    return results


# --- HTTP ------------------------------------------------------------------------------------


def _client(port: int, identifiers: list[str], warmup: int, barrier: Any, queue: Any) -> None:
    import http.client
    from urllib.parse import quote

    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        latencies: list[float] = []
        bad = 0
        for n, identifier in enumerate(identifiers):
            if n == warmup:
                barrier.wait()
                started = time.time()
            t = time.perf_counter()
            conn.request("GET", f"/api/v1/licences/verify?identifier={quote(identifier)}")
            response = conn.getresponse()
            body = response.read()
            if n >= warmup:
                latencies.append((time.perf_counter() - t) * 1000)
            if response.status != 200 or b'"exists":true' not in body.replace(b" ", b""):
                bad += 1
                if bad == 1:
                    print(f"unexpected answer {response.status}: {body[:300]!r}", flush=True)
        queue.put({"started": started, "ended": time.time(), "latencies": latencies, "bad": bad})
    except BaseException as exc:  # pragma: no cover - reported by the parent
        import traceback

        barrier.abort()
        queue.put({"error": f"{exc!r}\n{traceback.format_exc()}"})


def _serve(env: dict[str, str], workers: int, threads: int) -> tuple[subprocess.Popen, int]:
    from bench.http_baseline import free_port, wait_for

    port = free_port()
    log = open(Path(env["ZHENGWU_VAR_DIR"]) / f"serve-{port}.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [
            *(str(Path(sys.executable).parent / "zhengwu"), "serve", "--no-collectstatic"),
            *("--bind", f"127.0.0.1:{port}", "--workers", str(workers)),
            *("--threads", str(threads)),
        ],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        wait_for(port, "/healthz")
    except RuntimeError:
        server.terminate()
        log.close()
        print((Path(env["ZHENGWU_VAR_DIR"]) / f"serve-{port}.log").read_text()[-3000:])
        raise
    return server, port


def _stop(server: subprocess.Popen) -> None:
    server.terminate()
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()


def bench_http(
    env: dict[str, str], workers: int, threads: int, clients: int, requests: int
) -> dict[str, Any]:
    from zhengwu.licences.models import Licence

    warmup = 20
    ids = sample_ids(requests + warmup * clients, seed=workers * 1000 + 11)
    found = dict(Licence.objects.filter(pk__in=ids).values_list("pk", "identifier"))
    identifiers = [found[i] for i in ids if i in found]
    server, port = _serve(env, workers, threads)
    try:
        ctx = multiprocessing.get_context("fork")
        barrier = ctx.Barrier(clients + 1)
        queue = ctx.Queue()
        procs = [
            ctx.Process(
                target=_client, args=(port, identifiers[i::clients], warmup, barrier, queue)
            )
            for i in range(clients)
        ]
        for p in procs:
            p.start()
        with contextlib.suppress(threading.BrokenBarrierError):
            barrier.wait()
        reports = [queue.get() for _ in procs]
        for p in procs:
            p.join()
    finally:
        _stop(server)
    errors = [r["error"] for r in reports if "error" in r]
    if errors:
        raise RuntimeError(errors[0])
    samples = [x for r in reports for x in r["latencies"]]
    wall = max(r["ended"] for r in reports) - min(r["started"] for r in reports)
    out = {
        "granian_workers": workers,
        "threads": threads,
        "clients": clients,
        "requests": len(samples),
        "unexpected_answers": sum(r["bad"] for r in reports),
        "verifications_per_second": round(len(samples) / wall, 1),
        **summary(samples),
    }
    print(
        f"HTTP {workers} worker(s) x {threads} threads, {clients} clients: "
        f"{out['verifications_per_second']:8.1f}/s  p50 {out['p50_ms']} ms  "
        f"p95 {out['p95_ms']} ms  p99 {out['p99_ms']} ms  bad {out['unexpected_answers']}",
        flush=True,
    )
    return out


def tamper_check(env: dict[str, str]) -> dict[str, Any]:
    """Change a stored licence behind the application's back; the API must catch it."""
    import urllib.parse
    import urllib.request

    from zhengwu.licences import signing
    from zhengwu.licences.models import Licence

    licence = Licence.objects.filter(status="valid").exclude(verified_seal="").order_by("?").first()
    assert licence is not None
    original = licence.holder_name
    Licence.objects.filter(pk=licence.pk).update(holder_name=original + "甲")
    server, port = _serve(env, 1, 1)
    try:
        url = f"http://127.0.0.1:{port}/api/v1/licences/verify?" + urllib.parse.urlencode(
            {"identifier": licence.identifier}
        )
        with urllib.request.urlopen(url, timeout=30) as response:
            data = json.loads(response.read())
    finally:
        _stop(server)
        Licence.objects.filter(pk=licence.pk).update(holder_name=original)
    restored = Licence.objects.get(pk=licence.pk)
    caught = data["signature_ok"] is False and data["reasons"][0]["code"] == "bad_signature"
    out = {
        "field_changed": "holder_name",
        "seal_left_in_place": True,
        "api_signature_ok": data["signature_ok"],
        "api_reasons": [r["code"] for r in data["reasons"]],
        "caught": caught,
        "restored_row_verifies": signing.verify_stored(restored, remember=False).valid,
    }
    print(f"tamper check: caught={caught} reasons={out['api_reasons']}")
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--issue", type=int, default=300)
    parser.add_argument("--verify", type=int, default=2000)
    parser.add_argument("--http-workers", default="1,2")
    parser.add_argument("--http-threads", type=int, default=int(config_env.HTTP_THREADS.default))
    parser.add_argument("--http-clients", type=int, default=8)
    parser.add_argument("--http-requests", type=int, default=4000)
    args = parser.parse_args()
    url = database_url(args.database_url)
    env = setup(url)
    from django.db import connections

    from zhengwu.licences.models import Licence

    stored = Licence.objects.count()
    if not stored:
        parser.error("no licences: run bench/licences_data.py first")
    print(f"{stored:,} licences stored")
    report: dict[str, Any] = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": "sqlite" if url.startswith("sqlite") else "postgresql",
        "licences_stored": stored,
        "design": (
            "verified seal: HMAC-SM3 (key derived from SECRET_KEY, not in the database) over "
            "canonical bytes + signature + key id, written after a successful SM2 check; a "
            "later check recomputes it over the stored row: equal -> verified before, "
            "different (any field, signature, key id or a forged seal) -> full SM2 check"
        ),
    }
    report["issue"] = bench_issue(args.issue) if args.issue else None
    report["verify_in_process"] = bench_verify(args.verify)
    connections.close_all()
    report["http"] = [
        bench_http(env, int(w), args.http_threads, args.http_clients, args.http_requests)
        for w in args.http_workers.split(",")
        if w
    ]
    connections.close_all()
    report["tamper_check"] = tamper_check(env)
    best = max(report["http"], key=lambda r: r["verifications_per_second"])
    report["targets"] = {
        "verifications_per_second": TARGET_RPS,
        "p95_ms": TARGET_P95_MS,
        "best_http_run_meets_rps": best["verifications_per_second"] >= TARGET_RPS,
        "best_http_run_meets_p95": best["p95_ms"] <= TARGET_P95_MS,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "licences_verify.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(json.dumps(report["targets"]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Kernel micro-benchmarks: identifier validation and deadline arithmetic.

    ZHENGWU_MODE=test .venv/bin/python bench/kernel.py [--seconds 1.0]

Measures, single-threaded on one core: citizen ID numbers, USCCs and licence identifiers
validated per second, and ``deadline()`` calls per second on an in-memory 3-year calendar
(2024–2026 from the chinese-calendar package, so no database is needed) — 20 working days
with and without a suspension, including starts whose deadline runs into the unloaded year
2027 (provisional). Writes ``bench/results/kernel.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import sys
import time
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
os.environ.setdefault("ZHENGWU_MODE", "test")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhengwu.config.settings_test")

import django  # noqa: E402

django.setup()

from zhengwu.kernel.identifiers import (  # noqa: E402
    citizen_id_check_digit,
    make_licence_identifier,
    make_uscc,
    parse_citizen_id,
    parse_licence_identifier,
    parse_uscc,
)
from zhengwu.kernel.workdays import Calendar  # noqa: E402

USCC_ORG_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def measure(name: str, items: list[Any], func: Callable[[Any], Any], seconds: float) -> dict:
    """Call ``func`` over ``items`` round-robin for about ``seconds``; best of 3 runs."""
    for item in items[:100]:  # warm-up (and the per-year memo of the calendar)
        func(item)
    best = 0.0
    for _ in range(3):
        calls, started = 0, time.perf_counter()
        deadline_at = started + seconds / 3
        while True:
            for item in items:
                func(item)
            calls += len(items)
            now = time.perf_counter()
            if now >= deadline_at:
                break
        rate = calls / (now - started)
        best = max(best, rate)
    return {"name": name, "per_second": round(best), "microseconds": round(1e6 / best, 2)}


def citizen_ids(rng: random.Random, count: int) -> list[str]:
    values = []
    for _ in range(count):
        born = date(1930, 1, 1) + timedelta(days=rng.randrange(30000))
        first17 = f"610111{born:%Y%m%d}{rng.randrange(1000):03d}"
        values.append(first17 + citizen_id_check_digit(first17))
    return values


def usccs(rng: random.Random, count: int) -> list[str]:
    return [
        make_uscc("9", "1", "610111", "".join(rng.choice(USCC_ORG_CHARS) for _ in range(8)))
        for _ in range(count)
    ]


def licence_ids(rng: random.Random, count: int, codes: list[str]) -> list[str]:
    return [
        make_licence_identifier(
            rng.choice(codes) + f"{rng.randrange(1000):03d}",
            rng.choice(codes),
            f"{rng.randrange(10**9):09d}",
        )
        for _ in range(count)
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=1.5, help="time per measurement")
    args = parser.parse_args()
    rng = random.Random(20251001)

    ids = citizen_ids(rng, 1000)
    codes = usccs(rng, 1000)
    licences = licence_ids(rng, 1000, codes)

    calendar = Calendar.from_package(years=[2024, 2025, 2026])
    assert calendar.loaded_years == {2024, 2025, 2026}
    starts = [date(2024, 1, 1) + timedelta(days=rng.randrange(3 * 365)) for _ in range(1000)]
    late = [date(2026, 11, 20) + timedelta(days=rng.randrange(40)) for _ in range(1000)]
    suspended = [(s, [(s + timedelta(days=3), s + timedelta(days=12))]) for s in starts]

    results = [
        measure("citizen ID validations", ids, parse_citizen_id, args.seconds),
        measure("USCC validations", codes, parse_uscc, args.seconds),
        measure("licence identifier checks", licences, parse_licence_identifier, args.seconds),
        measure(
            "deadline(): 20 working days",
            starts,
            lambda s: calendar.deadline(s, 20),
            args.seconds,
        ),
        measure(
            "deadline(): 20 working days + suspension",
            suspended,
            lambda item: calendar.deadline(item[0], 20, suspensions=item[1]),
            args.seconds,
        ),
        measure(
            "deadline(): 20 working days into 2027 (provisional)",
            late,
            lambda s: calendar.deadline(s, 20),
            args.seconds,
        ),
        measure(
            "deadline(): 20 natural days",
            starts,
            lambda s: calendar.deadline(s, 20, "natural_day"),
            args.seconds,
        ),
    ]
    provisional_share = sum(calendar.deadline(s, 20).provisional for s in late) / len(late)

    report = {
        "benchmark": "kernel",
        "when": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "python": platform.python_version(),
        "machine": platform.machine(),
        "processor": platform.processor() or platform.machine(),
        "cpu_count": os.cpu_count(),
        "single_thread": True,
        "calendar_years": sorted(calendar.loaded_years),
        "provisional_share_of_late_starts": round(provisional_share, 3),
        "results": results,
    }
    out_dir = ROOT / "bench" / "results"
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / "kernel.json").write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")

    width = max(len(r["name"]) for r in results)
    print(f"{'measurement':<{width}}  {'per second':>12}  {'µs/call':>8}")
    for r in results:
        print(f"{r['name']:<{width}}  {r['per_second']:>12,}  {r['microseconds']:>8}")
    print(f"(late starts provisional: {provisional_share:.0%}; results in {out_dir}/kernel.json)")


if __name__ == "__main__":
    main()

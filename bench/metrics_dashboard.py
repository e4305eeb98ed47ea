"""Indicator dashboard latency over aggregates equivalent to 2,000,000 cases and 1,000,000
ratings (PostgreSQL).

    .venv/bin/python bench/metrics_dashboard.py [--cases 2000000] [--reviews 1000000]
        [--months 24] [--items 1500] [--requests 200] [--database zw_bench_metrics]

The dashboard reads only the monthly rollups and snapshots, which ``aggregate`` computes from
the daily aggregates. So the bench writes the daily aggregates that the given numbers of
cases and ratings spread over ``--months`` would produce — one row per day × (department,
street, item) cell that has records, with counters summing to the totals — with one
``INSERT … SELECT generate_series`` statement, then runs the real rollup code
(``aggregate._write_rollups``) for every month, and writes the catalogue snapshots of
``--items`` implementation lists per month (``generate_series``) with the staff counts.
The raw cases and reviews are not generated: the page never reads them (the aggregate
benchmark, bench/metrics_aggregate.py, measures the computation from raw rows).

Then it signs in a staff member and requests ``/workbench/metrics/`` in-process (Django test
client over the production-mode settings, a real PostgreSQL) for the district, streets,
departments and items in turn, with the 12-month trend and breakdown tables, and reports
p50/p95/max. Target (issue 6): p95 ≤ 100 ms. Writes ``bench/results/metrics_dashboard.json``.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench.cases_lifecycle import RESULTS, configure, machine, recreate_database  # noqa: E402

PG = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_DB = "zw_bench_metrics"


def load(cases: int, reviews: int, months: int, items: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone

    from zhengwu.metrics import aggregate
    from zhengwu.metrics.models import DailyAggregate, MonthlyRollup
    from zhengwu.org import demo as org_demo
    from zhengwu.org.models import Department, Region

    call_command("migrate", interactive=False, verbosity=0)
    org_demo.load_demo()
    departments = list(Department.objects.values_list("pk", flat=True))
    streets = list(Region.objects.filter(level=5).values_list("code", flat=True))
    today = timezone.localdate()
    first = aggregate.month_of(today)
    for _ in range(months - 1):
        first = aggregate.month_of(first - timedelta(days=1))
    days = (today - first).days + 1
    # Cells per day: each item belongs to one department; a case's street is one of the
    # nine streets or none. ~3 cells per item-day with records at this volume.
    cells_per_day = max(1, min(items * 3, min(cases, reviews) // days))
    per_cell_cases = max(1, cases // (days * cells_per_day))
    per_cell_reviews = max(0, reviews // (days * cells_per_day))
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO metrics_dailyaggregate (day, month, department_id, street_code, item_code,
              applied, applied_online, open_overdue, concluded, fully_online, visits, zero_visit,
              timed, on_time, reviews, satisfied, bad, bad_invalid, bad_closed, tickets_closed,
              tickets_on_time, callbacks, callbacks_satisfied, refreshed_at)
            SELECT d::date, date_trunc('month', d)::date,
              (%(depts)s::int[])[1 + (c %% array_length(%(depts)s::int[], 1))],
              CASE WHEN c %% 4 = 0 THEN '' ELSE (%(streets)s::text[])[1 + (c %% 9)] END,
              'BENCH' || lpad((c %% %(items)s)::text, 26, '0'),
              %(pc)s, %(pc)s * 7 / 10, (c %% 50 = 0)::int, %(pc)s, %(pc)s * 6 / 10,
              %(pc)s * 6 / 10, %(pc)s * 5 / 10, %(pc)s, %(pc)s - (c %% 30 = 0)::int,
              %(pr)s, %(pr)s - (c %% 25 = 0)::int, (c %% 25 = 0)::int, 0, (c %% 50 = 0)::int,
              (c %% 7 = 0)::int, (c %% 7 = 0)::int, (c %% 9 = 0)::int, (c %% 9 = 0)::int, now()
            FROM generate_series(%(first)s::date, %(today)s::date, interval '1 day') AS d,
                 generate_series(0, %(cells)s - 1) AS c
            """,
            {
                "depts": departments,
                "streets": streets,
                "items": items,
                "pc": per_cell_cases,
                "pr": per_cell_reviews,
                "first": first,
                "today": today,
                "cells": cells_per_day,
            },
        )
    daily_rows = DailyAggregate.objects.count()
    load_seconds = time.perf_counter() - started
    started = time.perf_counter()
    now = timezone.now()
    month = first
    while month <= today:
        aggregate._write_rollups(month, now)
        month = aggregate.next_month(month)
    rollup_seconds = time.perf_counter() - started
    with connection.cursor() as cur:
        cur.execute(
            """
            INSERT INTO metrics_monthlysnapshot (month, scope_kind, scope_key, department_id,
              label, items, items_online, items_immediate, limit_items, statutory_days,
              promised_days, guide_score_sum, items_in_hall, items_negative, window_clerks,
              window_clerks_certified, staff_recorded, refreshed_at)
            SELECT m::date, 'item', 'BENCH' || lpad(i::text, 26, '0'),
              (%(depts)s::int[])[1 + (i %% array_length(%(depts)s::int[], 1))], '基准事项' || i,
              1, (i %% 10 < 9)::int, (i %% 5 = 0)::int, 1, 20, 8, 80 + i %% 21,
              (i %% 20 <> 0)::int, (i %% 20 = 0)::int, 0, 0, false, now()
            FROM generate_series(%(first)s::date, %(today)s::date, interval '1 month') AS m,
                 generate_series(0, %(items)s - 1) AS i
            """,
            {"depts": departments, "items": items, "first": first, "today": today},
        )
        for kind, key in (("department", "department_id::text"), ("district", "''")):
            cur.execute(
                f"""
                INSERT INTO metrics_monthlysnapshot (month, scope_kind, scope_key,
                  department_id, label, items, items_online, items_immediate, limit_items,
                  statutory_days, promised_days, guide_score_sum, items_in_hall,
                  items_negative, window_clerks, window_clerks_certified, staff_recorded,
                  refreshed_at)
                SELECT month, %s::varchar, {key}, 0, '', sum(items), sum(items_online),
                  sum(items_immediate), sum(limit_items), sum(statutory_days),
                  sum(promised_days), sum(guide_score_sum), sum(items_in_hall),
                  sum(items_negative), count(*) / 10, count(*) / 11, true, now()
                FROM metrics_monthlysnapshot WHERE scope_kind = 'item'
                GROUP BY month{", department_id" if kind == "department" else ""}
                """,
                [kind],
            )
        cur.execute("ANALYZE")
    return {
        "months": months,
        "days": days,
        "items": items,
        "daily_rows": daily_rows,
        "cases_equivalent": per_cell_cases * days * cells_per_day,
        "reviews_equivalent": per_cell_reviews * days * cells_per_day,
        "rollup_rows": MonthlyRollup.objects.count(),
        "load_seconds": round(load_seconds, 1),
        "rollup_seconds": round(rollup_seconds, 1),
    }


def summary() -> dict[str, Any]:
    """What a loaded database holds (for ``--reuse``)."""
    from django.db.models import Count, Sum

    from zhengwu.metrics.models import DailyAggregate, MonthlyRollup

    totals = DailyAggregate.objects.aggregate(
        rows=Count("id"), cases=Sum("concluded"), reviews=Sum("reviews")
    )
    return {
        "daily_rows": totals["rows"],
        "cases_equivalent": totals["cases"],
        "reviews_equivalent": totals["reviews"],
        "rollup_rows": MonthlyRollup.objects.count(),
        "reused": True,
    }


def measure(requests: int) -> dict[str, Any]:
    from django.test import Client

    from tests.factories import make_staff
    from zhengwu.metrics.models import MonthlyRollup
    from zhengwu.org.models import Department

    staff = make_staff(
        department=Department.objects.first(),
        roles=["supervisor"],
        username=f"bench{time.time_ns()}",
    )
    client = Client(HTTP_HOST="localhost")
    client.force_login(staff)
    scopes = ["district"]
    scopes += [
        f"{kind}:{key}"
        for kind, key in MonthlyRollup.objects.exclude(scope_kind="district")
        .values_list("scope_kind", "scope_key")
        .distinct()[:60]
    ]
    # item scopes need their implementation list in the catalogue (the page names the item)
    from zhengwu.catalog.models import Item, ItemVersion

    department = Department.objects.first()
    for scope in scopes:
        kind, _sep, code = scope.partition(":")
        if kind == "item" and not ItemVersion.objects.filter(implementation_code=code).exists():
            item = Item.objects.create(
                basic_code=code[-12:], name=f"基准事项{code[-4:]}", item_type="01", legal_basis="法"
            )
            ItemVersion.objects.create(
                item=item, implementation_code=code, version=1, status="published",
                name=item.name, department=department, implementing_uscc=department.uscc,
                statutory_limit=20, promised_limit=5, case_type="2",
                acceptance_conditions="条件", service_objects=["1"], handling_forms=["1"],
            )  # fmt: skip
    month = date.today().strftime("%Y-%m")
    for scope in scopes[:5]:  # warm up (templates, connections)
        assert client.get("/workbench/metrics/", {"scope": scope}).status_code == 200
    timings: dict[str, list[float]] = {"district": [], "other": []}
    for n in range(requests):
        scope = scopes[0] if n % 4 == 0 else scopes[1 + n % (len(scopes) - 1)]
        started = time.perf_counter()
        response = client.get("/workbench/metrics/", {"scope": scope, "month": month})
        elapsed = (time.perf_counter() - started) * 1000
        assert response.status_code == 200, (scope, response.status_code)
        timings["district" if scope == "district" else "other"].append(elapsed)
    every = sorted(timings["district"] + timings["other"])

    def pct(values: list[float], p: float) -> float:
        values = sorted(values)
        return round(values[min(len(values) - 1, int(p * len(values)))], 1)

    return {
        "requests": len(every),
        "p50_ms": round(statistics.median(every), 1),
        "p95_ms": pct(every, 0.95),
        "max_ms": round(every[-1], 1),
        "district_p95_ms": pct(timings["district"], 0.95),
        "other_scopes_p95_ms": pct(timings["other"], 0.95),
        "target_p95_ms": 100,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cases", type=int, default=2_000_000)
    parser.add_argument("--reviews", type=int, default=1_000_000)
    parser.add_argument("--months", type=int, default=24)
    parser.add_argument("--items", type=int, default=1500)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--database", default=DEFAULT_DB)
    parser.add_argument("--pg", default=PG)
    parser.add_argument("--reuse", action="store_true", help="measure the loaded database again")
    args = parser.parse_args()
    if args.reuse:
        configure(args.pg, args.database, "database", reuse=True)
        data = summary()
    else:
        recreate_database(args.pg, args.database)
        configure(args.pg, args.database, "database")
        data = load(args.cases, args.reviews, args.months, args.items)
        RESULTS.mkdir(parents=True, exist_ok=True)
        (RESULTS / "metrics_dashboard.json").write_text(json.dumps({"data": data}, default=str))
    result = {
        "benchmark": "metrics_dashboard",
        "data": data,
        "latency": measure(args.requests),
        "machine": machine(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "metrics_dashboard.json").write_text(json.dumps(result, indent=2, default=str))
    print(json.dumps(result, indent=2, default=str))


if __name__ == "__main__":
    main()

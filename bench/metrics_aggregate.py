"""Time of the indicators' incremental aggregate refresh for one day of a city's volume
(≈ 50,000 cases) on PostgreSQL.

    .venv/bin/python bench/metrics_aggregate.py [--day-cases 50000] [--background 200000]
        [--items 1500] [--database zw_bench_metrics_agg]

Loads (Django ``bulk_create``, rows as the services leave them): the Baqiao org tree, a
catalogue of ``--items`` published implementation lists over the district's departments,
``--background`` cases spread over the 90 days before yesterday, then rebuilds the aggregates
(timed). Then one day's volume is added "yesterday": ``--day-cases`` submitted and concluded
cases (channels 55 % portal, 10 % API, 30 % window, 5 % kiosk; 30 % with a paper material;
deliveries by download / post / window), 40 % of them rated (8 % bad reviews with a
rectification), and 3,000 hotline tickets with callbacks. The timed step is
``aggregate.refresh()`` — the periodic task's work: find the changed days, recompute them,
the month's rollups and the current month's snapshots (catalogue guide checks included).
Target (issue 6): ≤ 10 s. Writes ``bench/results/metrics_aggregate.json``.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
import uuid
from datetime import datetime, timedelta
from datetime import time as dtime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench.cases_lifecycle import RESULTS, configure, machine, recreate_database  # noqa: E402

PG = "postgres://postgres@127.0.0.1:5432/postgres"
DEFAULT_DB = "zw_bench_metrics_agg"
CHANNELS = ["portal"] * 55 + ["api"] * 10 + ["window"] * 30 + ["kiosk"] * 5


def setup_world(items: int) -> dict[str, Any]:
    from django.core.management import call_command
    from django.utils import timezone

    from zhengwu.catalog.models import Item, ItemVersion
    from zhengwu.org import demo as org_demo
    from zhengwu.org.models import Department, Region

    call_command("migrate", interactive=False, verbosity=0)
    org_demo.load_demo()
    departments = list(Department.objects.all())
    street_offices = [d for d in departments if d.kind == "street_office"]
    Item.objects.bulk_create(
        [
            Item(basic_code=f"{n:012d}", name=f"基准事项{n}", item_type="01", legal_basis="法")
            for n in range(items)
        ],
        batch_size=2000,
    )
    item_rows = list(Item.objects.order_by("pk"))
    published = timezone.now() - timedelta(days=400)
    versions = []
    for n, item in enumerate(item_rows):
        dept = departments[n % len(departments)]
        versions.append(
            ItemVersion(
                item=item,
                implementation_code=f"{dept.uscc}{n:013d}",
                version=1,
                status="published",
                name=item.name,
                department=dept,
                implementing_uscc=dept.uscc,
                statutory_limit=20,
                promised_limit=5 + n % 10,
                case_type="1" if n % 5 == 0 else "2",
                acceptance_conditions="条件",
                service_objects=["1"],
                handling_forms=["1", "2"],
                online_handling=n % 10 < 9,
                online_address="https://example.invalid/",
                hall_negative_list=n % 20 == 0,
                published_at=published,
            )
        )
    ItemVersion.objects.bulk_create(versions, batch_size=2000)
    return {
        "departments": departments,
        "street_offices": street_offices,
        "codes": [(v.implementation_code, v.department_id) for v in versions],
        "streets": list(Region.objects.filter(level=5)),
    }


def make_cases(world: dict[str, Any], n: int, first_day: Any, days: int, rng: random.Random,
               rated: float) -> dict[str, int]:  # fmt: skip
    from django.utils import timezone

    from zhengwu.cases.models import Case, CaseMaterial, Delivery
    from zhengwu.hotline.models import Callback, Ticket
    from zhengwu.ratings.models import Rectification, Review

    tz = timezone.get_current_timezone()
    made = {"cases": 0, "reviews": 0, "tickets": 0}
    batch = 5000
    serial = Case.objects.count()
    staff_user = world["staff"]
    for start in range(0, n, batch):
        cases = []
        for k in range(start, min(n, start + batch)):
            day = first_day + timedelta(days=k % days)
            submitted = datetime.combine(day, dtime(8 + k % 9, k % 60), tzinfo=tz)
            code, dept_id = world["codes"][rng.randrange(len(world["codes"]))]
            concluded = submitted + timedelta(hours=rng.randint(1, 8))
            cases.append(
                Case(
                    number=f"B{serial + k:012d}",
                    item_name="基准事项",
                    implementation_code=code,
                    channel=CHANNELS[k % len(CHANNELS)],
                    applicant_kind="citizen",
                    applicant_name="张伟",
                    applicant_id_type="111",
                    department_id=dept_id,
                    receiving_department=rng.choice(world["street_offices"])
                    if k % 3 == 0
                    else None,
                    status="concluded" if k % 10 else "in_progress",
                    submitted_at=submitted,
                    concluded_at=concluded if k % 10 else None,
                    promised_due=day + timedelta(days=rng.randint(-1, 10)),
                )
            )
        Case.objects.bulk_create(cases, batch_size=batch)
        made["cases"] += len(cases)
        cases = [c for c in cases if c.pk is not None]
        CaseMaterial.objects.bulk_create(
            [
                CaseMaterial(case=c, key="m", name="材料", source="paper")
                for c in cases
                if rng.random() < 0.3
            ],
            batch_size=batch,
        )
        Delivery.objects.bulk_create(
            [
                Delivery(case=c, method=rng.choice(["download", "post", "window"]))
                for c in cases
                if c.concluded_at
            ],
            batch_size=batch,
        )
        reviews = [
            Review(
                subject_type="case",
                subject_key=c.number,
                case=c,
                item_code=c.implementation_code,
                department_id=c.department_id,
                channel="1",
                level=(level := rng.choices([1, 2, 3, 4, 5], [60, 25, 7, 5, 3])[0]),
                is_bad=level >= 4,
                rated_at=c.concluded_at,
            )
            for c in cases
            if c.concluded_at and rng.random() < rated
        ]
        Review.objects.bulk_create(reviews, batch_size=batch)
        made["reviews"] += len(reviews)
        Rectification.objects.bulk_create(
            [
                Rectification(
                    review=r,
                    department_id=r.department_id,
                    opened_at=r.rated_at,
                    verify_due=r.rated_at + timedelta(days=1),
                    status=rng.choice(["verifying", "closed", "rectifying"]),
                )
                for r in reviews
                if r.is_bad
            ],
            batch_size=batch,
        )
    tickets = []
    ticket_count = max(1, n * 3000 // 50000)
    for k in range(ticket_count):
        day = first_day + timedelta(days=k % days)
        tickets.append(
            Ticket(
                number=f"T{uuid.uuid4().hex[:20]}",
                channel="phone",
                category="complaint",
                text="噪音扰民",
                received_at=datetime.combine(day, dtime(9, k % 60), tzinfo=tz),
                status="closed" if k % 4 else "handling",
                closed_on_time=k % 5 != 0,
                department=rng.choice(world["departments"]),
                street=rng.choice(world["streets"]),
            )
        )
    Ticket.objects.bulk_create(tickets, batch_size=batch)
    Callback.objects.bulk_create(
        [
            Callback(ticket=t, round=1, result=rng.choice(["satisfied", "not_satisfied"]),
                     at=t.received_at + timedelta(days=1), by=staff_user)
            for t in tickets
            if t.status == "closed"
        ],
        batch_size=batch,
    )  # fmt: skip
    made["tickets"] = len(tickets)
    return made


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--day-cases", type=int, default=50_000)
    parser.add_argument("--background", type=int, default=200_000)
    parser.add_argument("--items", type=int, default=1500)
    parser.add_argument("--database", default=DEFAULT_DB)
    parser.add_argument("--pg", default=PG)
    args = parser.parse_args()
    recreate_database(args.pg, args.database)
    configure(args.pg, args.database, "database")

    from django.db import connection
    from django.utils import timezone

    from tests.factories import make_staff
    from zhengwu.metrics import aggregate
    from zhengwu.metrics.models import DailyAggregate

    rng = random.Random(20261127)
    started = time.perf_counter()
    world = setup_world(args.items)
    world["staff"] = make_staff(department=world["departments"][0], roles=["hotline_agent"])
    today = timezone.localdate()
    yesterday = today - timedelta(days=1)
    background = make_cases(world, args.background, yesterday - timedelta(days=90), 90, rng,
                            0.4)  # fmt: skip
    # The background is old data: last touched a day ago (outside the refresh's look-back).
    from zhengwu.cases.models import Case
    from zhengwu.hotline.models import Ticket
    from zhengwu.ratings.models import Rectification, Review

    for model in (Case, Review, Rectification, Ticket):
        model.objects.update(updated_at=timezone.now() - timedelta(days=1))
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    load_seconds = time.perf_counter() - started

    started = time.perf_counter()
    rebuilt = aggregate.rebuild()
    rebuild_seconds = time.perf_counter() - started

    time.sleep(1)
    day = make_cases(world, args.day_cases, yesterday, 1, rng, 0.4)
    with connection.cursor() as cur:
        cur.execute("ANALYZE")
    runs = []
    for _ in range(3):
        # the same day's rows touched again each run: every run recomputes the whole day
        Case.objects.filter(submitted_at__date=yesterday).update(updated_at=timezone.now())
        started = time.perf_counter()
        result = aggregate.refresh()
        runs.append(round(time.perf_counter() - started, 2))
    started = time.perf_counter()
    cells = aggregate.compute_days(yesterday, yesterday, today=today)
    compute_seconds = time.perf_counter() - started
    out = {
        "benchmark": "metrics_aggregate",
        "data": {
            "background": background,
            "day": day,
            "items": args.items,
            "daily_rows_total": DailyAggregate.objects.count(),
            "cells_of_the_day": len(cells),
            "load_seconds": round(load_seconds, 1),
        },
        "rebuild_seconds": round(rebuild_seconds, 2),
        "rebuild_days": len(rebuilt.days),
        "refresh_seconds_runs": runs,
        "refresh_days_recomputed": [d.isoformat() for d in result.days],
        "compute_one_day_seconds": round(compute_seconds, 2),
        "target_seconds": 10,
        "machine": machine(),
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "metrics_aggregate.json").write_text(json.dumps(out, indent=2, default=str))
    print(json.dumps(out, indent=2, default=str))


if __name__ == "__main__":
    main()

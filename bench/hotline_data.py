"""Synthetic 12345 tickets on PostgreSQL, bulk-loaded with ``COPY`` (shared by the hotline
benchmarks).

    .venv/bin/python bench/hotline_data.py [--tickets 5000000] [--database zw_bench_hotline]
        [--callers 1500000] [--chunk 100000] [--drop]

Resumable and idempotent: the database is created if missing (its generated keys are kept in
its ``bench_env`` table, so a later run can decrypt what an earlier one wrote), migrated,
given the Baqiao org tree (``org.demo.load_demo``), the calendar, one general topic per
category and the bench's staff accounts; then tickets ``1..N`` are generated
deterministically from their id and appended in chunks of ``--chunk`` rows, each chunk one
transaction (a crash loses at most one chunk; the next run continues after the highest id).
With ≥ N tickets already stored nothing is loaded.

Rows, as the services leave them:

- callers: ``--callers`` distinct phones (90 % mobiles, 10 % Xi'an landlines 029…), every
  caller with 1 + ⌊C·rank^-0.6⌋ tickets, C fitted to the total: a heavy tail of repeat
  callers (at 5 M tickets / 1.5 M callers: the busiest 5,475 tickets, the 100th 346, the
  1,000th 87; 12,570 callers with ≥ 20; two thirds of the callers 2; first-time callers are
  the lookup benchmark's unknown numbers); 2 % of the
  tickets carry no phone (anonymous web reports). The phone and the caller's name are
  SM4-encrypted with :func:`kernel.crypto.encrypt_field` once per distinct caller (every
  ticket of a caller shares that ciphertext; a real row has its own nonce, same size); the
  blind index is ``selectors.phone_index`` (``normalise_phone`` + purpose
  ``hotline.caller_phone``), computed once per caller.
- text, category and department from the 290 labelled dev tickets
  (``hotline/fixtures/tickets_dev.jsonl``); channel 80 % phone; priority 95 % normal.
- ``received_at``: 3 years up to now, ids in time order (the heap is ordered as a live
  table's), daytime-heavy; ticket numbers ``12345`` + day + daily sequence.
- status by age: older than 20 days 98.5 % closed, 1.5 % merged (into an earlier ticket);
  the last 20 days a mix of received / dispatched / handling / replied / closed; emergencies
  transferred. 40 % of the enquiries answered directly by the agent (no work order).
- one lead ``WorkOrder`` per dispatched ticket (status following the ticket's), and a
  ``Callback`` per closed ticket with a callback result.

For speed the load runs with ``session_replication_role = replica`` (no foreign-key
triggers: the rows are consistent by construction) and the secondary indexes and unique
constraints of the three tables are dropped before the first chunk and rebuilt after the
last (their definitions are kept in ``bench_env`` until then, so an interrupted load
rebuilds them next time). Writes ``bench/results/hotline_data.json``.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench.cases_lifecycle import (  # noqa: E402
    RESULTS,
    configure,
    machine,
    machine_busy_seconds,
)

DEFAULT_DB = "zw_bench_hotline"
PG = "postgres://postgres@127.0.0.1:5432/postgres"
SEED = 20261127
TAIL_EXPONENT = 0.6
SPAN_DAYS = 3 * 365
TABLES = ("hotline_ticket", "hotline_workorder", "hotline_callback")
NAME_POOL = 20_000
AGENTS = 20
DEV_TICKETS = ROOT / "src" / "zhengwu" / "hotline" / "fixtures" / "tickets_dev.jsonl"
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
)
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅玉兰文斌波辉鹏飞"
MOBILE_PREFIXES = [f"1{a}{b}" for a in "3456789" for b in "0123456789"]
CATEGORY_ZH = {
    "咨询": "consult",
    "求助": "help",
    "投诉": "complaint",
    "举报": "report",
    "建议": "suggestion",
    "表扬": "praise",
    "其他": "other",
}


# --- database set-up ----------------------------------------------------------------------


def ensure_database(name: str) -> bool:
    """Create the database if missing; True if it already existed with keys."""
    import psycopg

    with psycopg.connect(PG, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone()
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')
            return False
    with psycopg.connect(PG.rsplit("/", 1)[0] + "/" + name, autocommit=True) as conn:
        if conn.execute("SELECT to_regclass('bench_env')").fetchone()[0] is None:
            return False
        return bool(conn.execute("SELECT count(*) FROM bench_env").fetchone()[0])


def setup(database: str) -> None:
    """Production-mode settings on ``database`` (keys reused if it has them), then Django."""
    reuse = ensure_database(database)
    configure(PG, database, "database", reuse=reuse)


def env_get(name: str) -> str | None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT value FROM bench_env WHERE name = %s", [name])
        row = cursor.fetchone()
    return row[0] if row else None


def env_set(name: str, value: str | None) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if value is None:
            cursor.execute("DELETE FROM bench_env WHERE name = %s", [name])
        else:
            cursor.execute(
                "INSERT INTO bench_env VALUES (%s, %s) ON CONFLICT (name) DO UPDATE"
                " SET value = excluded.value",
                [name, value],
            )


BENCH_STAFF = {
    # username: (department, roles, display name)
    "bench-agent": ("区政府办", ["hotline_agent"], "孙悦"),
    "bench-dispatcher": ("区政府办", ["dispatcher"], "周涛"),
    "bench-supervisor": ("区政府办", ["supervisor"], "吴敏"),
}


def build_world() -> dict[str, Any]:
    """Org tree, calendar, topics and staff; idempotent. Returns ids the generator needs."""
    from django.core.management import call_command

    from tests.factories import make_staff
    from zhengwu.accounts.models import User
    from zhengwu.hotline.choices import Category
    from zhengwu.hotline.models import Topic
    from zhengwu.kernel import workdays
    from zhengwu.org import demo as org_demo
    from zhengwu.org import selectors as org_selectors

    call_command("migrate", interactive=False, verbosity=0)
    workdays.seed_from_package()
    org_demo.load_demo()
    for n, (value, label) in enumerate(Category.choices):
        Topic.objects.get_or_create(
            code=value,
            defaults={"name": label.split(" / ")[0], "category": value, "sort_order": n},
        )
    staff = {name: (dept, roles, display) for name, (dept, roles, display) in BENCH_STAFF.items()}
    for i in range(AGENTS):
        staff[f"bench-agent{i:02d}"] = ("区政府办", ["hotline_agent"], f"坐席{i:02d}")
    handling = sorted({json.loads(line)["department"] for line in DEV_TICKETS.open()})
    handling = [d for d in handling if org_selectors.department_by_name(d)]
    for n, dept in enumerate(handling):
        staff[f"bench-handler{n:02d}"] = (dept, ["approver"], "经办人")
    users: dict[str, int] = {}
    for username, (dept_name, roles, display) in staff.items():
        user = User.objects.filter(username=username).first()
        if user is None:
            dept = org_selectors.department_by_name(dept_name)
            assert dept is not None, dept_name
            user = make_staff(department=dept, roles=roles, username=username, display_name=display)
        users[username] = user.pk
    streets = {}
    for street in org_demo.STREETS:
        code = org_demo.street_code(street)
        region = org_selectors.region_by_code(code)
        assert region is not None
        communities = [
            (r.pk, r.name) for r in org_selectors.regions(parent_code=code).order_by("code")
        ]
        streets[street] = (region.pk, communities)
    departments = {}
    for name in [d[0] for d in org_demo.DEPARTMENTS] + [
        org_demo.street_office_name(s) for s in org_demo.STREETS
    ]:
        dept = org_selectors.department_by_name(name)
        assert dept is not None
        departments[name] = dept.pk
    return {
        "users": users,
        "agents": [users[f"bench-agent{i:02d}"] for i in range(AGENTS)],
        "dispatcher": users["bench-dispatcher"],
        "handlers": {
            departments[staff[u][0]]: pk for u, pk in users.items() if u.startswith("bench-handler")
        },
        "topics": dict(Topic.objects.values_list("code", "pk")),
        "streets": streets,
        "departments": departments,
    }


# --- deterministic data --------------------------------------------------------------------


def caller_counts(tickets_with_phone: int, callers: int) -> list[int]:
    """Tickets per caller (rank order): 1 + ⌊C·rank^-a⌋, C chosen so the sum is exact."""
    import numpy as np

    callers = min(callers, tickets_with_phone)
    ranks = np.arange(1, callers + 1, dtype=np.float64) ** -TAIL_EXPONENT
    extra = tickets_with_phone - callers
    lo, hi = 0.0, float(extra) + 1
    for _ in range(80):  # bisection on C
        mid = (lo + hi) / 2
        if np.floor(mid * ranks).sum() > extra:
            hi = mid
        else:
            lo = mid
    counts = 1 + np.floor(lo * ranks).astype(np.int64)
    counts[: tickets_with_phone - int(counts.sum())] += 1  # the rounding remainder
    return counts.tolist()


def caller_phone(k: int) -> str:
    """Distinct phone of caller ``k`` (also for k ≥ callers: numbers never stored)."""
    number = (k * 2654435761 + 12345678) % 100_000_000
    if k % 10 == 9:
        return f"029{number:08d}"  # Xi'an landline
    return f"{MOBILE_PREFIXES[k % len(MOBILE_PREFIXES)]}{number:08d}"


def caller_name(k: int) -> str:
    n = k % NAME_POOL
    return (
        SURNAMES[n % len(SURNAMES)]
        + GIVEN[(n // len(SURNAMES)) % len(GIVEN)]
        + (GIVEN[(n * 7) % len(GIVEN)] if n % 3 else "")
    )


def _esc(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "")


# --- helper tables: callers (encrypted once each), assignment, samples, places -------------


def _caller_lines(bounds: tuple[int, int]) -> tuple[list[str], float]:
    """COPY lines ``k, phone ciphertext, blind index, name ciphertext`` of callers
    ``bounds`` (run in a forked worker)."""
    from zhengwu.hotline.selectors import phone_index
    from zhengwu.kernel.crypto import encrypt_field

    started = time.perf_counter()
    names: dict[int, str] = {}
    lines = []
    for k in range(*bounds):
        phone = caller_phone(k)
        n = k % NAME_POOL
        name = names.get(n)
        if name is None:
            name = names[n] = encrypt_field(caller_name(k))
        lines.append(f"{k}\t{encrypt_field(phone)}\t{phone_index(phone)}\t{name}")
    return lines, time.perf_counter() - started


def copy_lines(cursor: Any, table: str, columns: list[str], lines: list[str]) -> None:
    if not lines:
        return
    cols = ", ".join(f'"{c}"' for c in columns)
    with cursor.copy(f'COPY "{table}" ({cols}) FROM STDIN') as copy:
        for n in range(0, len(lines), 20000):
            copy.write("\n".join(lines[n : n + 20000]) + "\n")


def fill_callers(callers: int, processes: int) -> dict[str, float]:
    """``bench_caller``: one row per distinct caller, resumable (ascending ``k``)."""
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS bench_caller"
            " (k int PRIMARY KEY, phone text NOT NULL, idx text NOT NULL, name text NOT NULL)"
        )
        cursor.execute("SELECT coalesce(max(k) + 1, 0) FROM bench_caller")
        have = cursor.fetchone()[0]
    if have >= callers:
        return {"callers_encrypted": 0, "seconds": 0.0, "crypto_cpu_seconds": 0.0}
    started = time.perf_counter()
    step = 50_000
    ranges = [(a, min(a + step, callers)) for a in range(have, callers, step)]
    connection.close()
    pool = multiprocessing.get_context("fork").Pool(processes)
    cpu = 0.0
    for (_, last), (lines, seconds) in zip(ranges, pool.imap(_caller_lines, ranges), strict=True):
        cpu += seconds
        with transaction.atomic(), connection.cursor() as cursor:
            copy_lines(cursor.cursor, "bench_caller", ["k", "phone", "idx", "name"], lines)
        print(f"  callers {last:,}/{callers:,} encrypted", flush=True)
    pool.close()
    pool.join()
    return {
        "callers_encrypted": callers - have,
        "seconds": round(time.perf_counter() - started, 1),
        "crypto_cpu_seconds": round(cpu, 1),
    }


def fill_assignment(tickets: int, callers: int) -> float:
    """``bench_assign``: ticket index → caller (−1: no phone), the heavy-tailed shuffle."""
    import numpy as np
    from django.db import connection, transaction

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass('bench_assign') IS NOT NULL")
        if cursor.fetchone()[0]:
            cursor.execute("SELECT count(*) FROM bench_assign")
            if cursor.fetchone()[0] == tickets:
                return 0.0
    started = time.perf_counter()
    rng = np.random.default_rng(SEED)
    anonymous = rng.random(tickets) < 0.02
    counts = caller_counts(int((~anonymous).sum()), callers)
    assignment = np.repeat(np.arange(len(counts), dtype=np.int32), counts)
    rng.shuffle(assignment)
    of_ticket = np.full(tickets, -1, dtype=np.int32)
    of_ticket[~anonymous] = assignment
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_assign")
        cursor.execute("CREATE TABLE bench_assign (i int NOT NULL, k int NOT NULL)")
        step = 500_000
        for a in range(0, tickets, step):
            part = of_ticket[a : a + step]
            lines = "\n".join(f"{a + j}\t{k}" for j, k in enumerate(part.tolist()))
            with cursor.cursor.copy("COPY bench_assign (i, k) FROM STDIN") as copy:
                copy.write(lines + "\n")
        cursor.execute("ALTER TABLE bench_assign ADD PRIMARY KEY (i)")
    return time.perf_counter() - started


def fill_small_tables(world: dict[str, Any]) -> tuple[int, int]:
    """Samples (text, category, department), places and the staff used by the rows."""
    from django.db import connection

    samples = [json.loads(line) for line in DEV_TICKETS.open()]
    places = []
    for street, (street_id, communities) in world["streets"].items():
        places.append((street_id, None, f"灞桥区{street}街道"))
        for cid, cname in communities:
            places.append((street_id, cid, f"灞桥区{street}街道{cname}"))
    with connection.cursor() as cursor:
        cursor.execute(
            """
            DROP TABLE IF EXISTS bench_sample, bench_place, bench_handler;
            CREATE TABLE bench_sample (n int PRIMARY KEY, text text, category text,
                                       dept int, emergency text);
            CREATE TABLE bench_place (n int PRIMARY KEY, street_id int, community_id int,
                                      address text);
            CREATE TABLE bench_handler (dept int PRIMARY KEY, user_id int);
            """
        )
        cursor.executemany(
            "INSERT INTO bench_sample VALUES (%s, %s, %s, %s, %s)",
            [
                (
                    n,
                    s["text"],
                    CATEGORY_ZH.get(s["category"], "other"),
                    world["departments"].get(s["department"]),
                    s.get("emergency") or "",
                )
                for n, s in enumerate(samples)
            ],
        )
        cursor.executemany(
            "INSERT INTO bench_place VALUES (%s, %s, %s, %s)",
            [(n, *p) for n, p in enumerate(places)],
        )
        cursor.executemany(
            "INSERT INTO bench_handler VALUES (%s, %s)", list(world["handlers"].items())
        )
    return len(samples), len(places)


# --- the rows, generated inside PostgreSQL -------------------------------------------------

# One chunk of tickets [a, b) (0-based index i, id i + 1). random() after setseed(chunk):
# deterministic per chunk. Columns as the services leave them (see the module docstring).
TICKETS_SQL = """
INSERT INTO hotline_ticket (
    id, number, token, idempotency_key, channel, category, priority, topic_id, attributes,
    text, anonymous, caller_phone, caller_phone_index, caller_name, caller_user_id, address,
    latitude, longitude, street_id, community_id, status, origin, origin_ref,
    proposed_department_id, proposed_emergency, route_confidence, routed_by, model_version,
    department_id, received_at, due_at, due_provisional, closed_at, closed_on_time,
    callback_due_at, answer, answered_directly, knowledge_entry_id, callback_result,
    reopen_count, return_count, merged_into_id, emergency_line, first_receiver_id, updated_at)
SELECT
    d.i + 1,
    '12345' || to_char(d.local_day, 'YYYYMMDD') || lpad((row_number() OVER (
        PARTITION BY d.local_day ORDER BY d.i) + coalesce(tc.last, 0))::text, 6, '0'),
    gen_random_uuid(), NULL, d.channel, d.category, d.priority, tp.id, '{}', d.text,
    d.k < 0, coalesce(c.phone, ''), coalesce(c.idx, ''), coalesce(c.name, ''), NULL,
    d.address || CASE WHEN d.community_id IS NULL THEN ''
                      ELSE (1 + floor(d.r_geo * 39))::int || '号楼' END,
    CASE WHEN d.r_geo < 0.3 THEN round((34.27 + d.r_lat * 0.12)::numeric, 6) END,
    CASE WHEN d.r_geo < 0.3 THEN round((109.02 + d.r_lon * 0.2)::numeric, 6) END,
    d.street_id, d.community_id, d.status,
    CASE WHEN d.channel = 'transfer_110' THEN '110' ELSE '' END,
    CASE WHEN d.channel = 'transfer_110' THEN 'JJ' || lpad((d.i + 1)::text, 10, '0')
         ELSE '' END,
    d.dept, d.emergency,
    CASE WHEN d.emergency = '' THEN round((0.55 + d.r_conf * 0.44)::numeric, 3) END,
    d.routed_by, CASE WHEN d.routed_by = 'model' THEN 'v3' ELSE '' END,
    d.department, d.at, d.due, false, d.closed_at,
    CASE WHEN d.closed_at IS NOT NULL THEN d.closed_at <= d.due END,
    d.closed_at + interval '1.4 days',
    CASE WHEN d.answered THEN '已答复来电人：请按办事指南准备材料办理。'
         WHEN d.closed_at IS NOT NULL THEN '经核实已处理。' ELSE '' END,
    d.answered, NULL,
    CASE WHEN d.status = 'closed' AND d.age > 3 THEN
        CASE WHEN d.r_cb < 0.7 THEN 'satisfied' WHEN d.r_cb < 0.85 THEN 'basically'
             WHEN d.r_cb < 0.9 THEN 'not_satisfied' ELSE 'unreachable' END
    ELSE '' END,
    0, 0,
    CASE WHEN d.status = 'merged' AND d.i >= 50 THEN d.i - floor(d.r_cb * 49)::int END,
    d.emergency,
    CASE WHEN d.channel = 'phone' THEN (%(agents)s::int[])[1 + d.i %% %(n_agents)s] END,
    coalesce(d.closed_at, d.at)
FROM (
    SELECT e.*,
        CASE WHEN e.answered OR e.emergency <> '' OR e.status = 'received' THEN NULL
             ELSE e.dept END AS department,
        e.at + e.limit_days * interval '1.4 days' AS due,
        CASE WHEN e.status IN ('closed', 'merged') THEN least(
            e.at + CASE WHEN e.answered THEN 0.05 + e.r_close * 1.95
                        ELSE 4 + e.r_close * (e.limit_days * 30 - 4) END * interval '1 hour',
            %(now)s::timestamptz) END AS closed_at,
        CASE WHEN e.emergency <> '' THEN ''
             WHEN e.r_pri < 0.3 THEN 'rule' ELSE 'model' END AS routed_by
    FROM (
        SELECT f.*,
            f.answering AND f.status = 'closed' AS answered
        FROM (
            SELECT r.i, r.k, r.at, r.age, r.r_geo, r.r_lat, r.r_lon, r.r_conf, r.r_cb,
                r.r_close, r.r_pri,
                (r.at AT TIME ZONE 'Asia/Shanghai')::date AS local_day,
                s.text, s.category, s.dept, s.emergency,
                p.street_id, p.community_id, p.address,
                CASE WHEN s.category IN ('consult', 'help', 'praise', 'other') THEN 3
                     ELSE 13 END AS limit_days,
                CASE WHEN s.emergency <> '' THEN 'emergency'
                     WHEN r.r_pri < 0.04 THEN 'urgent' ELSE 'normal' END AS priority,
                CASE WHEN r.k < 0 THEN 'web' WHEN r.r_chan < 0.80 THEN 'phone'
                     WHEN r.r_chan < 0.87 THEN 'web' WHEN r.r_chan < 0.95 THEN 'mobile'
                     WHEN r.r_chan < 0.97 THEN 'api' WHEN r.r_chan < 0.99 THEN 'open311'
                     ELSE 'transfer_110' END AS channel,
                s.category = 'consult' AND r.r_ans < 0.4 AS answering,
                CASE
                    WHEN s.emergency <> '' THEN 'transferred'
                    WHEN r.age > 20 THEN
                        CASE WHEN r.r_stat < 0.015 THEN 'merged' ELSE 'closed' END
                    WHEN s.category = 'consult' AND r.r_ans < 0.4 THEN
                        CASE WHEN r.r_stat < 0.9 THEN 'closed' ELSE 'received' END
                    WHEN r.age < 1 THEN
                        CASE WHEN r.r_stat < 0.2 THEN 'received'
                             WHEN r.r_stat < 0.6 THEN 'dispatched'
                             WHEN r.r_stat < 0.8 THEN 'handling'
                             WHEN r.r_stat < 0.85 THEN 'replied' ELSE 'closed' END
                    WHEN r.age < 5 THEN
                        CASE WHEN r.r_stat < 0.02 THEN 'received'
                             WHEN r.r_stat < 0.1 THEN 'dispatched'
                             WHEN r.r_stat < 0.5 THEN 'handling'
                             WHEN r.r_stat < 0.65 THEN 'replied' ELSE 'closed' END
                    ELSE
                        CASE WHEN r.r_stat < 0.1 THEN 'handling'
                             WHEN r.r_stat < 0.2 THEN 'replied' ELSE 'closed' END
                END AS status
            FROM (
                SELECT q.*,
                    extract(epoch FROM (%(now)s::timestamptz - q.at)) / 86400 AS age
                FROM (
                    SELECT g.i, a.k,
                        date_trunc('second', %(start)s::timestamptz
                            + (g.i + random()) * %(step)s * interval '1 second') AS at,
                        random() AS r_sample, random() AS r_chan, random() AS r_pri,
                        random() AS r_place, random() AS r_geo, random() AS r_lat,
                        random() AS r_lon, random() AS r_ans, random() AS r_stat,
                        random() AS r_close, random() AS r_cb, random() AS r_conf
                    FROM generate_series(%(a)s, %(b)s - 1) AS g(i)
                    JOIN bench_assign a ON a.i = g.i
                ) q
            ) r
            JOIN bench_sample s ON s.n = floor(r.r_sample * %(n_samples)s)::int
            JOIN bench_place p ON p.n = floor(r.r_place * r.r_place * %(n_places)s)::int
        ) f
    ) e
) d
LEFT JOIN bench_caller c ON c.k = d.k
LEFT JOIN hotline_topic tp ON tp.code = d.category
LEFT JOIN hotline_ticketcounter tc ON tc.day = d.local_day
ORDER BY d.i
"""

COUNTERS_SQL = """
INSERT INTO hotline_ticketcounter (day, last)
SELECT to_date(substring(number, 6, 8), 'YYYYMMDD'), max(substring(number, 14)::int)
FROM hotline_ticket WHERE id > %(a)s AND id <= %(b)s GROUP BY 1
ON CONFLICT (day) DO UPDATE
    SET last = greatest(hotline_ticketcounter.last, excluded.last)
"""

# One lead order per dispatched ticket, its status following the ticket's.
ORDERS_SQL = """
INSERT INTO hotline_workorder (
    id, ticket_id, department_id, role, round, status, dispatched_at, dispatched_by_id,
    sign_due_at, due_at, signed_at, signed_by_id, returned_at, return_reason, reply,
    internal_note, replied_at, replied_by_id, extended_days, supervision_level, updated_at)
SELECT o.id, o.id, o.department_id, 'lead', 1, o.order_status, o.dispatched_at,
    CASE WHEN o.routed_by = 'model' AND o.r1 < 0.5 THEN NULL ELSE %(dispatcher)s END,
    o.dispatched_at + interval '2.5 hours', o.due_at, o.signed_at,
    CASE WHEN o.signed_at IS NOT NULL THEN h.user_id END, NULL, '',
    CASE WHEN o.replied_at IS NOT NULL THEN '经核实已处理。' ELSE '' END, '',
    o.replied_at, CASE WHEN o.replied_at IS NOT NULL THEN h.user_id END, 0, '',
    coalesce(o.replied_at, o.signed_at, o.dispatched_at)
FROM (
    SELECT s.*,
        CASE WHEN s.order_status = 'closed' THEN s.closed_at - interval '30 minutes'
             WHEN s.order_status = 'replied'
                 THEN least(s.signed_at + (2 + s.r2 * 46) * interval '1 hour',
                            %(now)s::timestamptz) END AS replied_at
    FROM (
        SELECT t.*,
            CASE WHEN t.order_status IN ('signed', 'replied', 'closed')
                 THEN t.dispatched_at + (0.1 + t.r2 * 1.9) * interval '1 hour' END
                 AS signed_at
        FROM (
            SELECT t.id, t.department_id, t.routed_by, t.due_at, t.closed_at,
                random() AS r1, random() AS r2,
                t.received_at + (1 + random() * 89) * interval '1 minute' AS dispatched_at,
                CASE t.status WHEN 'dispatched' THEN 'dispatched' WHEN 'handling' THEN 'signed'
                     WHEN 'replied' THEN 'replied' WHEN 'closed' THEN 'closed'
                     ELSE 'cancelled' END AS order_status
            FROM hotline_ticket t
            WHERE t.id > %(a)s AND t.id <= %(b)s AND t.department_id IS NOT NULL
              AND t.status IN ('dispatched', 'handling', 'replied', 'closed', 'merged')
        ) t
    ) s
) o
LEFT JOIN bench_handler h ON h.dept = o.department_id
"""

CALLBACKS_SQL = """
INSERT INTO hotline_callback (id, ticket_id, round, result, note, at, by_id, on_time)
SELECT c.id, c.id, 1, c.callback_result, '', c.at,
    (%(agents)s::int[])[1 + (c.id + 7) %% %(n_agents)s], c.at <= c.callback_due_at
FROM (
    SELECT t.id, t.callback_result, t.callback_due_at,
        t.closed_at + (1 + random() * 29) * interval '1 hour' AS at
    FROM hotline_ticket t
    WHERE t.id > %(a)s AND t.id <= %(b)s AND t.callback_result <> ''
) c
"""


# --- loading -------------------------------------------------------------------------------


def secondary_indexes(cursor: Any) -> list[tuple[str, str, str]]:
    """(table, name, CREATE statement) of every non-primary index of the loaded tables;
    unique constraints as ``ALTER TABLE … ADD CONSTRAINT``."""
    cursor.execute(
        """
        SELECT t.relname, i.relname, pg_get_indexdef(x.indexrelid), c.conname,
               pg_get_constraintdef(c.oid)
        FROM pg_index x
        JOIN pg_class i ON i.oid = x.indexrelid
        JOIN pg_class t ON t.oid = x.indrelid
        LEFT JOIN pg_constraint c ON c.conindid = x.indexrelid AND c.contype = 'u'
        WHERE t.relname = ANY(%s) AND NOT x.indisprimary
        ORDER BY t.relname, i.relname
        """,
        [list(TABLES)],
    )
    out = []
    for table, index, indexdef, conname, condef in cursor.fetchall():
        if conname:
            out.append(
                (table, conname, f'ALTER TABLE "{table}" ADD CONSTRAINT "{conname}" {condef}')
            )
        else:
            out.append((table, index, indexdef))
    return out


def drop_indexes() -> None:
    from django.db import connection

    if env_get("hotline_indexes"):
        return  # already dropped by an interrupted run
    with connection.cursor() as cursor:
        defs = secondary_indexes(cursor)
        env_set("hotline_indexes", json.dumps(defs))
        for table, name, statement in defs:
            if statement.startswith("ALTER TABLE"):
                cursor.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            else:
                cursor.execute(f'DROP INDEX "{name}"')


def rebuild_indexes() -> float:
    from django.db import connection

    stored = env_get("hotline_indexes")
    if not stored:
        return 0.0
    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("SET maintenance_work_mem = '1GB'")
        cursor.execute("SET max_parallel_maintenance_workers = 2")
        cursor.execute(
            "SELECT relname FROM pg_class WHERE relkind IN ('i') AND relname = ANY(%s)",
            [[name for _, name, _ in json.loads(stored)]],
        )
        present = {r[0] for r in cursor.fetchall()}
        for _table, name, statement in json.loads(stored):
            if name in present:
                continue
            print(f"  index {name} …", flush=True)
            cursor.execute(statement)
    env_set("hotline_indexes", None)
    return time.perf_counter() - started


def stored_tickets() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) FROM hotline_ticket")
        return int(cursor.fetchone()[0])


def load(args: argparse.Namespace) -> dict[str, Any]:
    from django.db import connection, transaction

    started = time.perf_counter()
    world = build_world()
    world_seconds = time.perf_counter() - started
    have = stored_tickets()
    report: dict[str, Any] = {
        "tickets_requested": args.tickets,
        "tickets_before": have,
        "world_seconds": round(world_seconds, 1),
    }
    if have >= args.tickets and not env_get("hotline_indexes"):
        print(f"{have:,} tickets already stored: nothing to load")
        report["skipped"] = True
        return report
    end = env_get("hotline_data_end")  # a resumed load keeps the first run's time axis
    if end is None:
        end = datetime.now(UTC).replace(microsecond=0).isoformat()
        env_set("hotline_data_end", end)
    now = datetime.fromisoformat(end)
    callers = min(args.callers, int(args.tickets * 0.98))
    report["callers_distinct"] = callers
    report["callers"] = fill_callers(callers, args.processes)
    report["assignment_seconds"] = round(fill_assignment(args.tickets, callers), 1)
    n_samples, n_places = fill_small_tables(world)
    drop_indexes()
    params: dict[str, Any] = {
        "now": now,
        "start": now - timedelta(days=SPAN_DAYS),
        "step": SPAN_DAYS * 86400 / args.tickets,
        "agents": world["agents"],
        "n_agents": len(world["agents"]),
        "dispatcher": world["dispatcher"],
        "n_samples": n_samples,
        "n_places": n_places,
    }
    copy_started = time.perf_counter()
    counts = {"tickets": 0, "orders": 0, "callbacks": 0}
    for a in range(have, args.tickets, args.chunk):
        b = min(a + args.chunk, args.tickets)
        chunk = {**params, "a": a, "b": b}
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SET LOCAL session_replication_role = replica")
            cursor.execute("SET LOCAL synchronous_commit = off")
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("SELECT setseed(%s)", [((a // args.chunk) % 1999) / 1000 - 0.999])
            cursor.execute(TICKETS_SQL, chunk)
            counts["tickets"] += cursor.rowcount
            cursor.execute(COUNTERS_SQL, chunk)
            cursor.execute(ORDERS_SQL, chunk)
            counts["orders"] += cursor.rowcount
            cursor.execute(CALLBACKS_SQL, chunk)
            counts["callbacks"] += cursor.rowcount
        rate = counts["tickets"] / (time.perf_counter() - copy_started)
        print(f"  {b:,}/{args.tickets:,} tickets ({rate:,.0f}/s)", flush=True)
    insert_seconds = time.perf_counter() - copy_started
    index_seconds = rebuild_indexes()
    a0 = time.perf_counter()
    with connection.cursor() as cursor:
        for table in TABLES:
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'),"
                f' (SELECT coalesce(max(id), 1) FROM "{table}"))'
            )
        for table in TABLES:
            cursor.execute(f'VACUUM (ANALYZE) "{table}"')
    report.update(
        {
            "loaded": counts,
            "insert_seconds": round(insert_seconds, 1),
            "index_rebuild_seconds": round(index_seconds, 1),
            "vacuum_analyze_seconds": round(time.perf_counter() - a0, 1),
            "total_seconds": round(time.perf_counter() - started, 1),
            "tickets_per_second": round(counts["tickets"] / max(insert_seconds, 1e-9)),
        }
    )
    return report


def sync_ticket_counters() -> int:
    """Daily counters up to the generated numbers, so tickets taken by the services later
    (the intake benchmark) get the next free number of their day."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO hotline_ticketcounter (day, last)
            SELECT to_date(substring(number, 6, 8), 'YYYYMMDD'), max(substring(number, 14)::int)
            FROM hotline_ticket WHERE number ~ '^12345[0-9]{14}$' GROUP BY 1
            ON CONFLICT (day) DO UPDATE SET last = greatest(hotline_ticketcounter.last,
                                                            excluded.last)
            """
        )
        return cursor.rowcount


def table_sizes() -> dict[str, Any]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_database_size(current_database())")
        db = cursor.fetchone()[0]
        out: dict[str, Any] = {"database_bytes": db, "database": f"{db / 2**30:.2f} GiB"}
        for table in TABLES:
            cursor.execute(f"SELECT count(*), pg_total_relation_size('{table}') FROM \"{table}\"")
            rows, size = cursor.fetchone()
            out[table] = {"rows": rows, "total_size": f"{size / 2**30:.2f} GiB"}
        cursor.execute("SELECT pg_size_pretty(pg_relation_size('hl_ticket_caller'))")
        out["hl_ticket_caller_index"] = cursor.fetchone()[0]
    return out


def caller_stats(callers: int, tickets: int) -> dict[str, Any]:
    counts = caller_counts(int(tickets * 0.98), callers)
    return {
        "busiest_caller_tickets": counts[0],
        "callers_with_one_ticket": sum(1 for c in counts if c == 1),
        "callers_with_20_or_more": sum(1 for c in counts if c >= 20),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=5_000_000)
    parser.add_argument("--callers", type=int, default=1_500_000)
    parser.add_argument("--chunk", type=int, default=100_000)
    parser.add_argument("--database", default=DEFAULT_DB)
    parser.add_argument("--processes", type=int, default=2, help="row generator processes")
    parser.add_argument("--drop", action="store_true", help="drop the database first")
    parser.add_argument("--out", default="hotline_data.json")
    args = parser.parse_args()
    if args.drop:
        from bench.cases_lifecycle import drop_database

        drop_database(PG, args.database)
    busy0, wall0 = machine_busy_seconds(), time.perf_counter()
    setup(args.database)
    report: dict[str, Any] = {
        "benchmark": "hotline_data",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": args.database,
    }
    report.update(load(args))
    report["ticket_counter_days"] = sync_ticket_counters()
    report["sizes"] = table_sizes()
    report["caller_distribution"] = caller_stats(args.callers, args.tickets)
    report["machine"] = machine()
    report["machine_busy_cores_during"] = round(
        (machine_busy_seconds() - busy0) / (time.perf_counter() - wall0), 2
    )
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / args.out).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Work-queue and case-search latency with 100,000 and 1,000,000 cases on PostgreSQL.

    .venv/bin/python bench/cases_queries.py [--sizes 100000,1000000] [--repeat 300] [--keep]
        [--interleave 5]

A throwaway PostgreSQL database (``--database``, dropped at the end unless ``--keep``) is
migrated, given the Baqiao org tree, a part of the demo catalogue and real staff accounts
(through the services: 20 handling departments × 4 approvers + 1 head, 6 window clerks,
a supervisor). For each size the case tables are emptied and filled in SQL
(``INSERT … SELECT`` over ``generate_series``; applicants and accounts from Python):

- applicants: one person per 5 cases (names from 100 surnames × 200 given names, valid
  citizen ID numbers, their HMAC blind index and SM4 ciphertext as the services write them;
  60 % of the persons have an account, so "my cases" has rows), cases spread uniformly;
  the wide columns filled as the services leave them (engine state, answers, encrypted form,
  phone and address);
- status: 92 % concluded, 2.8 % not accepted / withdrawn / terminated, 4 % in progress,
  0.2 % suspended, 0.5 % decided (awaiting delivery), 0.3 % submitted, 0.2 % correction,
  0.3 % draft; open cases are from the last 45 days, the others from the last 3 years;
- handling department: 20 departments, skewed (the busiest has ≈ 17 % of the cases);
  receiving window: the centre (80 %) or one of 4 street offices;
- ``CaseTask``: one open task per clock-running case (review → approver, decide → head,
  deliver → window clerk of the receiving department; 5 % of reviews are joint, with a
  second open task in another department), due from 2 days ago to 25 days ahead, 40 %
  claimed; the closed tasks of the finished steps (≈ 3 per concluded case);
- case numbers as the services make them (region + receipt date + daily sequence); warning
  levels (open cases: 7 % overdue, 12 % due soon);
- the staff-search projection ``CaseAccess`` from those cases and tasks, by
  ``cases.access.rebuild()`` (as its migration fills it; docs/decisions/0013).

Then ``ANALYZE`` and, per query, ``--repeat`` timed calls of the real selector (the Python
call: SQL compilation, the query, model instances, and each row's department name read as
the API's list serialisers read it) with varying parameters, after a warm-up and after
waiting for an idle machine (``--wait-idle``; the VM is shared):

my tasks, department queue (unclaimed), overdue, due soon (``task_queue``), acceptance
queue, staff search by number, by applicant ID number (blind index), by applicant name, by
status + warning level (an approver, scoped to their department; and a supervisor, unscoped),
and an applicant's "my cases" (first page of 20).

``--interleave ROUNDS`` loads each size into a database of its own (``<database>_<size>``)
and measures the sizes in alternating rounds of ``--repeat``/ROUNDS calls, the percentiles
pooled over the rounds: this VM's speed drifts by tens of per cent within minutes, and
measuring one size after the other put that drift into the 1M/100k ratio.

``EXPLAIN (ANALYZE, BUFFERS)`` of each query at the largest size goes to the results.
Targets: p95 ≤ 20 ms, and p95 at 1M ≤ 1.5 × p95 at 100k.
Indexes declared in the models' ``Meta`` but not yet in the migrations are created after
``migrate`` (listed in ``indexes_added_by_bench``). A/B: ``--selectors-file`` loads
``zhengwu.cases.selectors`` from another file, ``--migrations-indexes-only`` skips those
indexes; ``--keep`` then ``--reuse`` measures a kept database again (the generated keys are
kept in it; with ``--interleave``, the kept databases of every size). Writes
``bench/results/cases_queries.json`` and prints a table.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

from bench.cases_lifecycle import (  # noqa: E402
    KEY_VARS,
    RESULTS,
    configure,
    drop_database,
    ensure_declared_indexes,
    load_module_from,
    machine,
    recreate_database,
)

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程"
    "苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵"
    "万钱严覃武戴莫孔向汤"
)[:100]
GIVEN_CHARS = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建国红梅玉兰文斌波辉鹏飞"
GIVEN = [a + b for a in GIVEN_CHARS[:20] for b in GIVEN_CHARS[20:30]]  # 200 given names
HANDLING = 20
PERSONS_PER_CASE = 0.2
ACCOUNT_SHARE = 0.6
ID_PURPOSE = "case.applicant_id"


# --- world ------------------------------------------------------------------------------------


def build_world(*, new_indexes: bool = True) -> dict[str, Any]:
    from django.core.management import call_command

    from tests.cases.conftest import DOG, FOOD, HOMESTEAD, ID_CARD, MEDICAL_FILING, _catalog_subset
    from tests.factories import make_staff
    from zhengwu.catalog.io import import_catalog
    from zhengwu.catalog.models import ItemVersion
    from zhengwu.kernel import workdays
    from zhengwu.kernel.actors import SYSTEM
    from zhengwu.org import demo as org_demo
    from zhengwu.org.selectors import department_by_name

    call_command("migrate", interactive=False, verbosity=0)
    added = ensure_declared_indexes() if new_indexes else []
    workdays.seed_from_package()
    org_demo.load_demo()
    import_catalog(
        _catalog_subset({FOOD, ID_CARD, DOG, HOMESTEAD, MEDICAL_FILING}, set()), actor=SYSTEM
    )
    names = [d[0] for d in org_demo.DEPARTMENTS if d[0] != "区行政审批服务局"][:HANDLING]
    handling = [department_by_name(n) for n in names]
    centre = department_by_name("区行政审批服务局")
    streets = [department_by_name(org_demo.street_office_name(s)) for s in org_demo.STREETS[:4]]
    assert centre and all(handling) and all(streets)
    approvers: dict[int, list[Any]] = {}
    heads: dict[int, Any] = {}
    for dept in handling:
        approvers[dept.pk] = [
            make_staff(department=dept, roles=["approver"], display_name=f"审批{i}")
            for i in range(4)
        ]
        heads[dept.pk] = make_staff(department=dept, roles=["department_head"], display_name="科长")
    clerks = {
        d.pk: [
            make_staff(department=d, roles=["window_clerk"], display_name="窗口") for _ in range(n)
        ]
        for d, n in [(centre, 6), *((s, 1) for s in streets)]
    }
    supervisor = make_staff(department=centre, roles=["supervisor"], display_name="监察")
    versions = list(ItemVersion.objects.filter(status="published").order_by("id"))
    return {
        "handling": [d.pk for d in handling],
        "centre": centre.pk,
        "receiving": [centre.pk] + [s.pk for s in streets],
        "approvers": approvers,
        "heads": heads,
        "clerks": clerks,
        "supervisor": supervisor,
        "versions": [(v.pk, v.implementation_code, v.name) for v in versions],
        "indexes_added_by_bench": added,
    }


def world_from_db() -> dict[str, Any]:
    """The world of a kept database (``--reuse``): staff by role and department."""
    from zhengwu.accounts.models import StaffProfile
    from zhengwu.catalog.models import ItemVersion
    from zhengwu.org import demo as org_demo
    from zhengwu.org.selectors import department_by_name

    names = [d[0] for d in org_demo.DEPARTMENTS if d[0] != "区行政审批服务局"][:HANDLING]
    handling = [department_by_name(n).pk for n in names]  # type: ignore[union-attr]
    centre = department_by_name("区行政审批服务局").pk  # type: ignore[union-attr]
    streets = [
        department_by_name(org_demo.street_office_name(s)).pk  # type: ignore[union-attr]
        for s in org_demo.STREETS[:4]
    ]
    approvers: dict[int, list[Any]] = {d: [] for d in handling}
    heads: dict[int, Any] = {}
    clerks: dict[int, list[Any]] = {d: [] for d in [centre, *streets]}
    supervisor = None
    profiles = StaffProfile.objects.select_related("user").prefetch_related("role_grants")
    for profile in profiles.order_by("id"):
        roles = profile.role_set
        if "approver" in roles and profile.department_id in approvers:
            approvers[profile.department_id].append(profile.user)
        elif "department_head" in roles:
            heads[profile.department_id] = profile.user
        elif "window_clerk" in roles and profile.department_id in clerks:
            clerks[profile.department_id].append(profile.user)
        elif "supervisor" in roles:
            supervisor = profile.user
    versions = list(ItemVersion.objects.filter(status="published").order_by("id"))
    return {
        "handling": handling,
        "centre": centre,
        "receiving": [centre, *streets],
        "approvers": approvers,
        "heads": heads,
        "clerks": clerks,
        "supervisor": supervisor,
        "versions": [(v.pk, v.implementation_code, v.name) for v in versions],
    }


# --- data ---------------------------------------------------------------------------------------


def citizen_id(n: int) -> str:
    from zhengwu.kernel.identifiers import citizen_id_check_digit

    birth = date(1950, 1, 1) + timedelta(days=n % 18000)
    body = f"610111{birth:%Y%m%d}{n // 18000 % 1000:03d}"
    return body + citizen_id_check_digit(body)


def person_name(n: int) -> str:
    rng = random.Random(n * 7919)
    surname = SURNAMES[min(99, int(100 * rng.random() ** 1.6))]  # common surnames more often
    return surname + GIVEN[rng.randrange(len(GIVEN))]


def load_persons(count: int) -> dict[str, Any]:
    """``bench_person`` (pi, name, id number, blind index, ciphertext, user id); accounts for
    60 % of them (bulk-created citizens)."""
    from django.db import connection

    from zhengwu.accounts.models import User
    from zhengwu.kernel.crypto import blind_index, encrypt_field

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_person")
        cursor.execute(
            "CREATE UNLOGGED TABLE bench_person (pi integer PRIMARY KEY, name text NOT NULL,"
            " id_number text NOT NULL, id_index text NOT NULL, id_token text NOT NULL,"
            " user_id bigint)"
        )
    rng = random.Random(20261127)
    with_account = [pi for pi in range(count) if rng.random() < ACCOUNT_SHARE]
    users = [
        User(username=f"bench-citizen-{pi}", password="!", kind="citizen", display_name="")
        for pi in with_account
    ]
    User.objects.bulk_create(users, batch_size=5000)
    user_ids = dict(
        User.objects.filter(username__startswith="bench-citizen-").values_list("username", "pk")
    )
    raw = connection.connection  # psycopg connection
    with (
        raw.cursor() as cursor,
        cursor.copy(
            "COPY bench_person (pi, name, id_number, id_index, id_token, user_id) FROM STDIN"
        ) as copy,
    ):
        for pi in range(count):
            number = citizen_id(pi)
            copy.write_row(
                (
                    pi,
                    person_name(pi),
                    number,
                    blind_index(number, purpose=ID_PURPOSE),
                    encrypt_field(number),
                    user_ids.get(f"bench-citizen-{pi}"),
                )
            )
    return {"persons": count, "accounts": len(users), "seconds": time.perf_counter() - started}


def _defaults_sql(model: Any, given: dict[str, str]) -> tuple[list[str], list[str], list[Any]]:
    """Columns and SQL expressions for an INSERT … SELECT: ``given`` expressions, and each
    other concrete field's Python default (as a parameter), NULL or now()."""
    from django.db import connection

    columns, exprs, params = [], [], []
    for field in model._meta.concrete_fields:
        column = field.column
        if field.primary_key:
            continue
        columns.append(f'"{column}"')
        if column in given:
            exprs.append(given[column])
        elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            exprs.append("now()")
        elif field.has_default():
            exprs.append("%s")
            params.append(field.get_db_prep_save(field.get_default(), connection))
        elif field.null:
            exprs.append("NULL")
        else:
            exprs.append("%s")
            params.append(
                field.get_db_prep_save("" if field.empty_strings_allowed else 0, connection)
            )
    missing = set(given) - {c.strip('"') for c in columns}
    assert not missing, missing
    return columns, exprs, params


CASE_SQL = """
WITH g AS (
    SELECT i, random() AS r_status, random() AS r_dept, random() AS r_age, random() AS r_person,
           random() AS r_warn, random() AS r_recv, random() AS r_step, random() AS r_ver,
           random() AS r_chan
    FROM generate_series(1, %(n)s) AS i
), s AS (
    SELECT g.*,
        CASE WHEN r_status < 0.003 THEN 'draft'
             WHEN r_status < 0.006 THEN 'submitted'
             WHEN r_status < 0.008 THEN 'correction'
             WHEN r_status < 0.048 THEN 'in_progress'
             WHEN r_status < 0.050 THEN 'suspended'
             WHEN r_status < 0.055 THEN 'decided'
             WHEN r_status < 0.070 THEN 'not_accepted'
             WHEN r_status < 0.080 THEN 'withdrawn'
             WHEN r_status < 0.083 THEN 'terminated'
             ELSE 'concluded' END AS status,
        (%(handling)s::bigint[])[1 + floor(%(ndept)s * power(r_dept, 1.7))::int] AS dept,
        (%(receiving)s::bigint[])[CASE WHEN r_recv < 0.8 THEN 1 ELSE 2 + floor((r_recv - 0.8)
            * 5 * (cardinality(%(receiving)s::bigint[]) - 1))::int END] AS recv,
        1 + floor(r_person * %(persons)s)::int - 1 AS pi
    FROM g
), t AS (
    SELECT s.*,
        now() - make_interval(secs => (CASE WHEN status IN ('draft', 'submitted',
            'correction', 'in_progress', 'suspended', 'decided') THEN 45 ELSE 1095 END)
            * r_age * 86400) AS created
    FROM s
), u AS (
    SELECT t.*, (created AT TIME ZONE 'Asia/Shanghai')::date AS day,
           status IN ('in_progress', 'suspended', 'decided', 'concluded', 'revoked') AS accepted
    FROM t
)
INSERT INTO cases_case ({columns})
SELECT {exprs}
FROM u JOIN bench_person p ON p.pi = u.pi
ORDER BY u.i
"""


def case_expressions(world: dict[str, Any]) -> dict[str, str]:
    versions = world["versions"]
    n = len(versions)
    ver = f"(ARRAY[{','.join(str(v[0]) for v in versions)}]::bigint[])"
    codes = "(ARRAY[" + ",".join(f"'{v[1]}'" for v in versions) + "])"
    names = "(ARRAY[" + ",".join(f"'{v[2]}'" for v in versions) + "])"
    vi = f"(1 + floor(r_ver * {n})::int)"
    clock = "status IN ('in_progress', 'suspended', 'decided')"
    online = "p.user_id IS NOT NULL AND r_chan < 0.8"  # an account holder applying online
    return {
        "number": (
            "CASE WHEN status = 'draft' THEN NULL ELSE '610111' || to_char(day, 'YYYYMMDD')"
            " || lpad((row_number() OVER (PARTITION BY day ORDER BY u.i))::text, 6, '0') END"
        ),
        "kind": "'single'",
        "item_version_id": f"{ver}[{vi}]",
        "implementation_code": f"{codes}[{vi}]",
        "item_name": f"{names}[{vi}]",
        "case_type": "'2'",
        "channel": f"CASE WHEN {online} THEN 'portal' ELSE 'window' END",
        "applicant_kind": "'citizen'",
        "applicant_user_id": f"CASE WHEN {online} THEN p.user_id END",
        "applicant_name": "p.name",
        "applicant_id_type": "'111'",
        "applicant_id_number": "p.id_token",
        "applicant_id_index": "p.id_index",
        "department_id": "dept",
        "receiving_department_id": "recv",
        "status": "status",
        "decision": "CASE WHEN status IN ('decided', 'concluded') THEN 'approve' ELSE '' END",
        "current_step": (
            f"CASE WHEN status = 'decided' THEN 'deliver' WHEN {clock} THEN"
            " CASE WHEN r_step < 0.6 THEN 'review' ELSE 'decide' END ELSE '' END"
        ),
        "assignee_department_id": (
            f"CASE WHEN status = 'decided' THEN recv WHEN {clock} THEN dept END"
        ),
        "submitted_at": "CASE WHEN status = 'draft' THEN NULL ELSE created END",
        "received_on": "CASE WHEN status = 'draft' THEN NULL ELSE day END",
        "accepted_at": "CASE WHEN accepted THEN created + interval '1 day' END",
        "accepted_on": "CASE WHEN accepted THEN day + 1 END",
        "statutory_limit": "20",
        "statutory_unit": "'working_day'",
        "promised_limit": "10",
        "promised_unit": "'working_day'",
        "statutory_due": "CASE WHEN accepted THEN day + 29 END",
        "promised_due": "CASE WHEN accepted THEN day + 15 END",
        "warning_level": (
            f"CASE WHEN {clock} THEN CASE WHEN r_warn < 0.07 THEN 'overdue'"
            " WHEN r_warn < 0.19 THEN 'due_soon' ELSE 'normal' END"
            " WHEN status = 'concluded' AND r_warn < 0.01 THEN 'overdue' ELSE 'normal' END"
        ),
        "decided_at": (
            "CASE WHEN status IN ('decided', 'concluded') THEN created + interval '8 days' END"
        ),
        "concluded_at": (
            "CASE WHEN status IN ('concluded', 'not_accepted', 'withdrawn', 'terminated')"
            " THEN created + interval '10 days' END"
        ),
        "created_at": "created",
        "updated_at": "created",
        # row contents as the services leave them: engine state (≈4 KB), answers, form,
        # encrypted phone and address
        "engine_state": (
            f"CASE WHEN {clock} THEN %(state_open)s"
            " WHEN status = 'concluded' THEN %(state_done)s ELSE '' END"
        ),
        "answers": "%(answers)s::jsonb",
        "form_encrypted": "%(form)s",
        "applicant_phone": "(%(phones)s::text[])[1 + (u.i %% 1000)]",
        "applicant_address": "(%(addresses)s::text[])[1 + (u.i %% 1000)]",
    }


def row_contents() -> dict[str, Any]:
    """Realistic values for the wide columns: engine states of the default process after
    acceptance and at the end, answers, a form, ciphertexts of phones and addresses."""
    from zhengwu.cases import engine
    from zhengwu.kernel.crypto import encrypt_field

    xml = engine.bundled_bpmn("default")
    state_open = engine.start(xml)
    done = engine.complete(xml, state_open, "review", {"action": "pass"})
    done = engine.complete(xml, done, "decide", {"action": "pass", "decision": "approve"})
    done = engine.complete(xml, done, "deliver", {"action": "pass"})
    form = {
        "business_name": "西安市灞桥区某某餐饮店",
        "business_address": "灞桥区纺织城正街 88 号",
        "business_area_m2": 120,
        "employees": 6,
        "categories": ["热食类食品制售", "冷食类食品制售"],
        "contact": "张先生",
        "remarks": "",
    }
    return {
        "state_open": state_open,
        "state_done": done,
        "answers": json.dumps({"business_type": "catering", "chain": "no"}),
        "form": encrypt_field(json.dumps(form, ensure_ascii=False)),
        "phones": [encrypt_field(f"1{3 + i % 6}{i:09d}") for i in range(1000)],
        "addresses": [encrypt_field(f"西安市灞桥区某某路{i}号") for i in range(1000)],
    }


def _mogrify(sql: str, params: Any) -> str:
    """``sql`` with ``params`` inlined as psycopg would send them. Django's cursors bind on the
    server (decision 0009) and have no ``mogrify``: a client-side cursor on the same
    connection does it."""
    import psycopg
    from django.db import connection

    connection.ensure_connection()
    return str(psycopg.ClientCursor(connection.connection).mogrify(sql, params))


def load_cases(world: dict[str, Any], n: int, persons: int) -> dict[str, Any]:
    from django.db import connection

    from zhengwu.cases.models import Case, CaseTask

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("TRUNCATE cases_case, cases_casetask RESTART IDENTITY CASCADE")
        cursor.execute("SELECT setseed(0.2026)")
        columns, exprs, params = _defaults_sql(Case, case_expressions(world))
        sql = CASE_SQL.format(columns=", ".join(columns), exprs=", ".join(exprs))
        # the defaults are positional; the generator's parameters named — inline the former
        sql = sql.replace("%s", "{}").format(*(_mogrify("%s", [p]) for p in params))
        cursor.execute(
            sql,
            {
                "n": n,
                "handling": world["handling"],
                "ndept": len(world["handling"]),
                "receiving": world["receiving"],
                "persons": persons,
                **row_contents(),
            },
        )
        cases_seconds = time.perf_counter() - started
        task_started = time.perf_counter()
        _load_tasks(cursor, world, CaseTask)
        tasks_seconds = time.perf_counter() - task_started
        access_started = time.perf_counter()
        access_rows = _load_access()
        access_seconds = time.perf_counter() - access_started
        cursor.execute("ANALYZE")
        cursor.execute("SELECT status, count(*) FROM cases_case GROUP BY status ORDER BY 2 DESC")
        statuses = dict(cursor.fetchall())
        cursor.execute(
            "SELECT count(*) FILTER (WHERE closed_at IS NULL), count(*) FROM cases_casetask"
        )
        open_tasks, all_tasks = cursor.fetchone()
        cursor.execute(
            "SELECT pg_total_relation_size('cases_case'), pg_total_relation_size('cases_casetask')"
        )
        case_bytes, task_bytes = cursor.fetchone()
    return {
        "cases": n,
        "statuses": statuses,
        "open_tasks": open_tasks,
        "tasks": all_tasks,
        "case_table_mb": round(case_bytes / 2**20),
        "task_table_mb": round(task_bytes / 2**20),
        "load_cases_seconds": round(cases_seconds, 1),
        "load_tasks_seconds": round(tasks_seconds, 1),
        "case_access_rows": access_rows,
        "load_case_access_seconds": round(access_seconds, 1),
    }


def _load_access() -> int | None:
    """The staff-search projection (``CaseAccess``) from the loaded cases and tasks, as its
    migration fills it; None on a checkout that has none (an A/B against an older commit)."""
    try:
        from zhengwu.cases import access
    except ImportError:
        return None
    return access.rebuild()


TASK_SQL = """
INSERT INTO cases_casetask ({columns})
SELECT {exprs}
FROM (
    SELECT c.id AS case_id, c.department_id AS dept, c.receiving_department_id AS recv,
           c.status, c.current_step, c.created_at, k.k, random() AS r_due, random() AS r_claim,
           random() AS r_joint, random() AS r_pick,
           CASE WHEN k.k = 'open2' THEN (%(handling)s::bigint[])[1 + (c.id %% %(ndept)s)::int]
                WHEN k.step = 'deliver' THEN c.receiving_department_id
                ELSE c.department_id END AS task_dept,
           k.step
    FROM cases_case c
    JOIN LATERAL (
        SELECT * FROM (VALUES
            ('closed', 'review'), ('closed', 'decide'), ('closed', 'deliver'),
            ('open', c.current_step), ('open2', 'joint_review_1')
        ) AS v(k, step)
        WHERE (v.k = 'closed' AND (
                  c.status = 'concluded'
               OR (c.status = 'decided' AND v.step IN ('review', 'decide'))
               OR (c.status IN ('in_progress', 'suspended') AND c.current_step = 'decide'
                   AND v.step = 'review')))
           OR (v.k = 'open' AND c.status IN ('in_progress', 'suspended', 'decided'))
           OR (v.k = 'open2' AND c.status IN ('in_progress', 'suspended')
               AND c.current_step = 'review' AND (c.id * 7919) %% 100 < 5)
    ) AS k ON true
) x
"""


def _load_tasks(cursor: Any, world: dict[str, Any], model: Any) -> None:
    role = (
        "CASE WHEN step = 'deliver' THEN 'window_clerk' WHEN step = 'decide'"
        " THEN 'department_head' ELSE 'approver' END"
    )
    # staff per (department, role) to claim open tasks: an array literal per department
    approver_map = {d: [u.pk for u in users] for d, users in world["approvers"].items()}
    head_map = {d: [u.pk] for d, u in world["heads"].items()}
    clerk_map = {d: [u.pk for u in users] for d, users in world["clerks"].items()}

    def pick(mapping: dict[int, list[int]]) -> str:
        whens = " ".join(
            f"WHEN {dept} THEN (ARRAY[{','.join(map(str, ids))}]::bigint[])"
            f"[1 + floor(r_pick * {len(ids)})::int]"
            for dept, ids in mapping.items()
        )
        return f"CASE task_dept {whens} END"

    given = {
        "case_id": "case_id",
        "engine_task_id": "'bench-' || k || '-' || step",
        "step": "step",
        "step_label": "step",
        "department_id": "task_dept",
        "role": role,
        "assignee_id": (
            f"CASE WHEN k = 'closed' THEN {pick(approver_map)}"
            f" WHEN r_claim >= 0.4 THEN NULL"
            f" WHEN step = 'deliver' THEN {pick(clerk_map)}"
            f" WHEN step = 'decide' THEN {pick(head_map)}"
            f" ELSE {pick(approver_map)} END"
        ),
        "opened_at": "created_at + interval '1 day'",
        "due_on": (
            "CASE WHEN k = 'closed' THEN (created_at + interval '12 days')::date"
            " ELSE current_date + (floor(r_due * 27)::int - 2) END"
        ),
        "closed_at": "CASE WHEN k = 'closed' THEN created_at + interval '9 days' END",
        "warning_level": (
            "CASE WHEN k <> 'closed' AND r_due * 27 < 2 THEN 'overdue'"
            " WHEN k <> 'closed' AND r_due * 27 < 6 THEN 'due_soon' ELSE 'normal' END"
        ),
    }
    columns, exprs, params = _defaults_sql(model, given)
    sql = TASK_SQL.format(columns=", ".join(columns), exprs=", ".join(exprs))
    sql = sql.replace("%s", "{}").format(*(_mogrify("%s", [p]) for p in params))
    cursor.execute(sql, {"handling": world["handling"], "ndept": len(world["handling"])})


# --- queries ------------------------------------------------------------------------------------


class Probe:
    """Captures the SQL of the selector's statements (for EXPLAIN)."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, Any]] = []

    def __call__(self, execute: Callable, sql: str, params: Any, many: bool, context: Any):
        self.statements.append((sql, params))
        return execute(sql, params, many, context)


def samples_for(world: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """Parameters to cycle through: real numbers, ID numbers and names of the busiest
    departments' cases, and applicants with an account."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.department_id, c.number, p.id_number, p.name FROM cases_case c"
            " JOIN bench_person p ON p.id_index = c.applicant_id_index"
            " WHERE c.status <> 'draft' ORDER BY random() LIMIT 2000"
        )
        rows = cursor.fetchall()
        cursor.execute(
            "SELECT applicant_user_id FROM cases_case WHERE applicant_user_id IS NOT NULL"
            " ORDER BY random() LIMIT 500"
        )
        applicants = [r[0] for r in cursor.fetchall()]
    return {"cases": rows, "applicants": applicants}


def queries(world: dict[str, Any], samples: dict[str, Any], rng: random.Random) -> dict:
    """name → (description, function returning one call) with parameters drawn per call."""
    from zhengwu.accounts.models import User
    from zhengwu.cases import selectors

    approvers = [u for users in world["approvers"].values() for u in users]
    by_dept = dict(world["approvers"])
    clerks = world["clerks"][world["centre"]]
    supervisor = world["supervisor"]
    cases = [row for row in samples["cases"] if row[0] in by_dept]
    citizens = {u.pk: u for u in User.objects.filter(pk__in=samples["applicants"])}
    citizen_list = list(citizens.values())
    from zhengwu.accounts.policies import staff_roles

    for user in [*approvers, *clerks, supervisor]:
        staff_roles(user)  # as authentication would have loaded them: not part of the query

    def one_case() -> tuple[Any, Any]:
        row = rng.choice(cases)
        return rng.choice(by_dept[row[0]]), row

    def approver() -> Any:
        return rng.choice(approvers)

    return {
        "my_tasks": ("task_queue mine", lambda: selectors.task_queue(approver(), "mine")),
        "department_queue": (
            "task_queue department (unclaimed, my roles)",
            lambda: selectors.task_queue(approver(), "department"),
        ),
        "overdue": ("task_queue overdue", lambda: selectors.task_queue(approver(), "overdue")),
        "due_soon": ("task_queue due_soon", lambda: selectors.task_queue(approver(), "due_soon")),
        "acceptance_queue": (
            "acceptance_queue (window clerk)",
            lambda: selectors.acceptance_queue(rng.choice(clerks)),
        ),
        "search_number": (
            "search_cases number= (approver, scoped)",
            lambda: (lambda u, r: selectors.search_cases(u, number=r[1]))(*one_case()),
        ),
        "search_applicant_id": (
            "search_cases applicant_id= (blind index, scoped)",
            lambda: (lambda u, r: selectors.search_cases(u, applicant_id=r[2]))(*one_case()),
        ),
        "search_applicant_name": (
            "search_cases applicant_name= (scoped)",
            lambda: (lambda u, r: selectors.search_cases(u, applicant_name=r[3]))(*one_case()),
        ),
        "search_status_warning": (
            "search_cases status=in_progress warning=overdue (scoped)",
            lambda: selectors.search_cases(approver(), status="in_progress", warning="overdue"),
        ),
        "search_name_overseer": (
            "search_cases applicant_name= (supervisor, unscoped)",
            lambda: selectors.search_cases(supervisor, applicant_name=rng.choice(cases)[3]),
        ),
        "search_status_warning_overseer": (
            "search_cases status=in_progress warning=overdue (supervisor, unscoped)",
            lambda: selectors.search_cases(supervisor, status="in_progress", warning="overdue"),
        ),
        "my_cases": (
            "applicant_cases (first page of 20)",
            lambda: list(selectors.applicant_cases(rng.choice(citizen_list))[:20]),
        ),
    }


def percentiles(samples: list[float]) -> dict[str, float]:
    ordered = sorted(samples)

    def pick(p: float) -> float:
        return ordered[min(len(ordered) - 1, round(p * (len(ordered) - 1)))]

    return {
        "n": len(ordered),
        "p50_ms": round(pick(0.50) * 1000, 3),
        "p95_ms": round(pick(0.95) * 1000, 3),
        "p99_ms": round(pick(0.99) * 1000, 3),
        "mean_ms": round(statistics.fmean(ordered) * 1000, 3),
    }


def consume(result: list[Any]) -> int:
    """Read each row as the API's list serialisers do (``_summary``: the department name)."""
    for row in result:
        case = getattr(row, "case", row)
        if case.department_id:
            case.department.name  # noqa: B018
    return len(result)


def measure(calls: dict[str, tuple[str, Callable]], repeat: int, wait: float) -> dict[str, Any]:
    from django.db import connection

    from bench.cases_lifecycle import machine_busy_seconds, wait_for_quiet

    out = {}
    for name, (_, call) in calls.items():
        rows = 0
        for _ in range(20):
            consume(call())  # warm-up: plans, caches, the connection
        counter = Probe()
        with connection.execute_wrapper(counter):
            consume(call())
        quiet = wait_for_quiet(wait) if wait else None
        busy0, wall0 = machine_busy_seconds(), time.perf_counter()
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            rows += consume(call())
            samples.append(time.perf_counter() - started)
        busy = (machine_busy_seconds() - busy0) / (time.perf_counter() - wall0)
        out[name] = {
            **percentiles(samples),
            "samples": samples,  # removed from the report (_run pools them across rounds)
            "rows_mean": round(rows / repeat, 1),
            "queries_per_call": len(counter.statements),
            "machine_busy_cores_before": quiet,
            "machine_busy_cores_during": round(busy, 2),
        }
    return out


def explain(calls: dict[str, tuple[str, Callable]]) -> dict[str, Any]:
    """EXPLAIN (ANALYZE, BUFFERS) of every statement of one call of each selector."""
    from django.db import connection

    plans = {}
    for name, (description, call) in calls.items():
        probe = Probe()
        with connection.execute_wrapper(probe):
            call()
        plans[name] = {"description": description, "statements": []}
        for sql, params in probe.statements:
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
                plan = "\n".join(r[0] for r in cursor.fetchall())
                text = _mogrify(sql, params)
            plans[name]["statements"].append({"sql": text, "plan": plan})
    return plans


def index_report() -> list[str]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexdef FROM pg_indexes WHERE tablename IN ('cases_case', 'cases_casetask')"
            " ORDER BY tablename, indexname"
        )
        return [r[0] for r in cursor.fetchall()]


# --- main ---------------------------------------------------------------------------------------


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100000,1000000")
    parser.add_argument("--repeat", type=int, default=300, help="timed calls per query")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--database", default="zhengwu_bench_cases")
    parser.add_argument("--keep", action="store_true", help="keep the database")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="measure a database kept with --keep as it is (one size: the cases it holds)",
    )
    parser.add_argument(
        "--wait-idle", type=float, default=120, help="seconds to wait for an idle machine"
    )
    parser.add_argument(
        "--selectors-file",
        help="A/B runs: load zhengwu.cases.selectors from this file (e.g. a copy without a fix)",
    )
    parser.add_argument(
        "--migrations-indexes-only",
        action="store_true",
        help="A/B runs: do not create the Meta indexes the migrations lack",
    )
    parser.add_argument(
        "--interleave",
        type=int,
        default=0,
        metavar="ROUNDS",
        help="each size in a database of its own (<database>_<size>), measured in ROUNDS"
        " alternating rounds of --repeat/ROUNDS calls, percentiles over all rounds",
    )
    parser.add_argument("--out", default="cases_queries.json")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",") if s]
    databases = [f"{args.database}_{n}" for n in sizes] if args.interleave else [args.database]

    if not args.reuse:
        for name in databases:
            recreate_database(args.pg, name)
    configure(args.pg, databases[0], "database", reuse=args.reuse)
    if args.selectors_file:
        load_module_from("selectors", Path(args.selectors_file))
    try:
        report = _run_interleaved(args, sizes, databases) if args.interleave else _run(args, sizes)
    finally:
        from django.db import connections

        connections.close_all()
        if not args.keep:
            for name in databases:
                drop_database(args.pg, name)
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / args.out).write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n")
    _print(report)
    print(f"(results in {RESULTS / args.out})")
    return 0


def _run(args: argparse.Namespace, sizes: list[int]) -> dict[str, Any]:
    if args.reuse:
        world, persons_info = world_from_db(), {"reused": True}
        sizes = [_count_cases()]
    else:
        world = build_world(new_indexes=not args.migrations_indexes_only)
        persons_info = load_persons(int(max(sizes) * PERSONS_PER_CASE))
    runs = []
    plans: dict[str, Any] = {}
    for n in sizes:
        if args.reuse:
            info = {"cases": n, "reused": True}
        else:
            info = load_cases(world, n, int(n * PERSONS_PER_CASE))
        if not args.reuse:
            print(
                f"{n:,} cases loaded in {info['load_cases_seconds']} s (+ {info['tasks']:,}"
                f" tasks, {info['open_tasks']:,} open, in {info['load_tasks_seconds']} s)",
                flush=True,
            )
        rng = random.Random(n)
        samples = samples_for(world, rng)
        calls = queries(world, samples, rng)
        results = measure(calls, args.repeat, args.wait_idle)
        for r in results.values():
            del r["samples"]
        runs.append({"size": info, "queries": results})
        for name, r in results.items():
            print(
                f"  {name:32} p50 {r['p50_ms']:7.2f} ms  p95 {r['p95_ms']:7.2f} ms"
                f"  rows {r['rows_mean']:5.1f}  queries {r['queries_per_call']}"
                f"  busy {r['machine_busy_cores_during']}",
                flush=True,
            )
        if n == max(sizes):
            plans = explain(calls)
    return _report(args, runs, calls, world, persons_info, plans, sizes)


def use_database(name: str) -> None:
    """Point the default connection at another database (closed; reopened on next use)."""
    from django.db import connections

    connections.close_all()
    connections["default"].settings_dict["NAME"] = name


def _run_interleaved(
    args: argparse.Namespace, sizes: list[int], databases: list[str]
) -> dict[str, Any]:
    """Each size in its own database, then ``--interleave`` rounds that measure every size in
    turn: a VM whose speed drifts during the run (it does) slows both sizes alike, where
    measuring 100,000 and then 1,000,000 cases put the drift into the ratio."""
    from django.db import connection

    setups = []
    for n, name in zip(sizes, databases, strict=True):
        use_database(name)
        if args.reuse:  # kept by an earlier --interleave --keep run, with the same keys
            world = world_from_db()
            info: dict[str, Any] = {"cases": _count_cases(), "reused": True}
            if info["cases"] != n:
                raise SystemExit(f"{name} holds {info['cases']:,} cases, not {n:,}")
            setups.append((n, name, world, info, {"reused": True}, random.Random(n)))
            continue
        if name != databases[0]:  # the keys configure() stored, for --keep then --reuse
            with connection.cursor() as cursor:
                cursor.execute("CREATE TABLE bench_env (name text PRIMARY KEY, value text)")
                for key in KEY_VARS:
                    cursor.execute("INSERT INTO bench_env VALUES (%s, %s)", [key, os.environ[key]])
        world = build_world(new_indexes=not args.migrations_indexes_only)
        persons_info = load_persons(int(n * PERSONS_PER_CASE))
        info = load_cases(world, n, int(n * PERSONS_PER_CASE))
        print(
            f"{n:,} cases loaded into {name} in {info['load_cases_seconds']} s"
            f" (+ {info['tasks']:,} tasks, {info['open_tasks']:,} open)",
            flush=True,
        )
        rng = random.Random(n)
        setups.append((n, name, world, info, persons_info, rng))
    per_round = max(1, args.repeat // args.interleave)
    pooled: dict[int, dict[str, list[dict[str, Any]]]] = {n: {} for n in sizes}
    calls: dict[str, tuple[str, Callable]] = {}
    for round_no in range(args.interleave):
        for n, name, world, _info, _persons, rng in setups:
            use_database(name)
            calls = queries(world, samples_for(world, rng), rng)
            for query, result in measure(calls, per_round, args.wait_idle).items():
                pooled[n].setdefault(query, []).append(result)
            print(f"  round {round_no + 1}/{args.interleave}: {n:,} cases measured", flush=True)
    runs = []
    for n, name, _world, info, _persons, _rng in setups:
        results = {}
        for query, rounds in pooled[n].items():
            samples = [x for r in rounds for x in r["samples"]]
            results[query] = {
                **percentiles(samples),
                "p95_ms_per_round": [round(percentiles(r["samples"])["p95_ms"], 2) for r in rounds],
                "rows_mean": round(statistics.fmean(r["rows_mean"] for r in rounds), 1),
                "queries_per_call": rounds[-1]["queries_per_call"],
                "machine_busy_cores_during": max(r["machine_busy_cores_during"] for r in rounds),
            }
            r = results[query]
            print(
                f"  {n:>9,} {query:32} p50 {r['p50_ms']:7.2f} ms  p95 {r['p95_ms']:7.2f} ms"
                f"  rows {r['rows_mean']:5.1f}",
                flush=True,
            )
        runs.append({"size": {**info, "database": name}, "queries": results})
    largest = setups[-1] if sizes[-1] == max(sizes) else max(setups, key=lambda s: s[0])
    use_database(largest[1])
    rng = random.Random(0)
    calls = queries(largest[2], samples_for(largest[2], rng), rng)
    plans = explain(calls)
    report = _report(args, runs, calls, largest[2], setups[-1][4], plans, sizes)
    report["interleaved_rounds"] = args.interleave
    report["calls_per_round"] = per_round
    return report


def _report(
    args: argparse.Namespace,
    runs: list[dict[str, Any]],
    calls: dict[str, tuple[str, Callable]],
    world: dict[str, Any],
    persons_info: dict[str, Any],
    plans: dict[str, Any],
    sizes: list[int],
) -> dict[str, Any]:
    descriptions = {name: d for name, (d, _) in calls.items()}
    summary = {}
    small, large = runs[0]["queries"], runs[-1]["queries"]
    for name in large:
        ratio = large[name]["p95_ms"] / small[name]["p95_ms"] if len(runs) > 1 else None
        summary[name] = {
            "description": descriptions[name],
            **{f"p95_ms_{r['size']['cases']}": r["queries"][name]["p95_ms"] for r in runs},
            "ratio_p95": round(ratio, 2) if ratio else None,
            "p95_target_met": all(r["queries"][name]["p95_ms"] <= 20 for r in runs),
            "ratio_target_met": ratio is None or ratio <= 1.5,
        }
    return {
        "benchmark": "cases_queries",
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "persons": persons_info,
        "repeat": args.repeat,
        "selectors_file": args.selectors_file or "src/zhengwu/cases/selectors.py",
        "runs": runs,
        "summary": summary,
        "indexes_added_by_bench": world.get("indexes_added_by_bench", []),
        "indexes": index_report(),
        "explain_at": max(sizes),
        "plans": plans,
    }


def _count_cases() -> int:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM cases_case")
        return int(cursor.fetchone()[0])


def _print(report: dict[str, Any]) -> None:
    sizes = [r["size"]["cases"] for r in report["runs"]]
    head = "".join(f" {f'p95@{s:,}':>14}" for s in sizes)
    print(f"{'query':32}{head} {'ratio':>6}")
    for name, s in report["summary"].items():
        cols = "".join(f" {s[f'p95_ms_{n}']:>11.2f} ms" for n in sizes)
        ratio = f"{s['ratio_p95']:.2f}" if s["ratio_p95"] else "—"
        print(f"{name:32}{cols} {ratio:>6}")


if __name__ == "__main__":
    sys.exit(main())

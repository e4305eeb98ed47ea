"""Synthetic e-licences for the licence benchmarks, every one with a valid SM2 signature of its
own content.

    .venv/bin/python bench/licences_data.py [--count 1000000] [--database-url URL]
        [--processes 2] [--chunk 5000]

``--database-url`` (default ``$ZHENGWU_DATABASE_URL``, else
``postgres://postgres@127.0.0.1:5432/zw_bench_licences``) may be PostgreSQL (the database is
created if missing) or SQLite (``sqlite:////abs/path.sqlite3``). Production settings; the
generated keys (secret key, field keys, blind-index key) are kept in the database's
``bench_env`` table, so the verification benchmark and its server reuse them: the holder
fields are SM4-encrypted and the verified seal is an HMAC under a key derived from the
secret key.

Rows, deterministic from their number ``n`` (0-based):

- one licence type (食品经营许可证, the tests' type and metadata schema) and 8 issuers
  (issuer ``n % 8``), each with its own SM2 key created through ``signing.create_issuer_key``;
- serial ``<year><seq:06d>`` with the year 2021–2025 and a sequence per issuer and year, the
  GB/T 36904 identifier built by ``kernel.identifiers.make_licence_identifier`` (MOD 37,36);
  the issuers' serial counters are set past the loaded rows so the services can issue more;
- holders: 85 % citizens (200,000 distinct ID numbers), 15 % enterprises (30,000 USCCs);
  blind index as the services compute it;
- valid 5 years from the issue date; expired when past (status 失效), otherwise 97 % 有效
  and 1 % each 暂扣 / 吊销 / 注销;
- signature: the canonical bytes (``signing.canonical_bytes``) signed with the issuer's
  key — every row is signed (no signature is shared: the identifier differs), in
  ``--processes`` worker processes; the verified seal is written as issuance writes it.

Resumable: rows are written in chunks of ``--chunk`` (one transaction each, recorded in
``bench_env``); a later run loads only the missing chunks. Writes
``bench/results/licences_data.json``.
"""

from __future__ import annotations

import argparse
import atexit
import json
import multiprocessing
import os
import shutil
import sys
import tempfile
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT)]

RESULTS = ROOT / "bench" / "results"
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/zw_bench_licences"
KEY_VARS = ("ZHENGWU_SECRET_KEY", "ZHENGWU_FIELD_KEYS", "ZHENGWU_BLIND_INDEX_KEY")
ISSUERS = 8
YEARS = (2021, 2022, 2023, 2024, 2025)
CITIZENS = 200_000
ENTERPRISES = 30_000
TYPE_CODE = "11610111MB2961A368002"
TYPE_NAME = "食品经营许可证"
SCHEMA = [
    {
        "key": "business_scope",
        "label": "经营项目",
        "label_en": "Business scope",
        "type": "text",
        "required": True,
        "max_length": 200,
    },
    {
        "key": "premises",
        "label": "经营场所",
        "label_en": "Premises",
        "type": "text",
        "required": True,
    },
    {
        "key": "main_body",
        "label": "主体业态",
        "label_en": "Main business form",
        "type": "choice",
        "choices": ["食品销售经营者", "餐饮服务经营者", "单位食堂"],
    },
]
SCOPES = ("热食类食品制售", "预包装食品销售", "散装食品销售", "冷食类食品制售", "糕点类食品制售")
BODIES = ("食品销售经营者", "餐饮服务经营者", "单位食堂")
STREETS = ("纺织城正街", "灞桥路", "长乐东路", "华清东路", "东城大道", "洪庆街")
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚"


# --- environment (keys shared with the verification benchmark and its server) -------------------


def _sqlite_path(url: str) -> str | None:
    if not url.startswith("sqlite:"):
        return None
    import dj_database_url

    return str(dj_database_url.parse(url)["NAME"])


def _env_rows(url: str, rows: dict[str, str] | None = None) -> dict[str, str]:
    """Read (and with ``rows``, first write) the ``bench_env`` table with the plain driver."""
    path = _sqlite_path(url)
    if path is not None:
        import sqlite3

        Path(path).parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(path)
        try:
            conn.execute("CREATE TABLE IF NOT EXISTS bench_env (name text PRIMARY KEY, value text)")
            for name, value in (rows or {}).items():
                conn.execute("INSERT OR REPLACE INTO bench_env VALUES (?, ?)", (name, value))
            conn.commit()
            return dict(conn.execute("SELECT name, value FROM bench_env").fetchall())
        finally:
            conn.close()
    import psycopg

    admin = url.rsplit("/", 1)[0] + "/postgres"
    name = url.rsplit("/", 1)[1].split("?")[0]
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS bench_env (name text PRIMARY KEY, value text)")
        for key, value in (rows or {}).items():
            conn.execute(
                "INSERT INTO bench_env VALUES (%s, %s) ON CONFLICT (name) DO UPDATE"
                " SET value = excluded.value",
                (key, value),
            )
        return dict(conn.execute("SELECT name, value FROM bench_env").fetchall())


def bench_env(url: str) -> dict[str, str]:
    """Production environment for ``url`` with the database's kept keys (made on first use)."""
    from bench.http_baseline import production_env

    tmp = Path(tempfile.mkdtemp(prefix="zhengwu-bench-licences-"))
    atexit.register(shutil.rmtree, tmp, ignore_errors=True)
    env = production_env(tmp, url)
    (tmp / "static").mkdir()  # granian mounts it; the API needs no collected files
    kept = _env_rows(url)
    if not all(k in kept for k in KEY_VARS):
        kept = _env_rows(url, {k: env[k] for k in KEY_VARS})
    env.update({k: kept[k] for k in KEY_VARS})
    env["ZHENGWU_TASKS"] = "database"  # issuance enqueues its PDF rendering, as deployed
    env["ZHENGWU_DB_CONN_MAX_AGE"] = "600"
    return env


def setup(url: str) -> dict[str, str]:
    env = bench_env(url)
    os.environ.clear()
    os.environ.update(env)
    import django

    django.setup()
    return env


def database_url(arg: str | None) -> str:
    return arg or os.environ.get("ZHENGWU_DATABASE_URL") or DEFAULT_URL


# --- world -----------------------------------------------------------------------------------


def build_world() -> dict[str, Any]:
    """Migrations, the licence type and the issuers' keys; idempotent."""
    from django.core.management import call_command

    from tests.factories import uscc_for
    from zhengwu.licences import signing
    from zhengwu.licences.models import IssuerKey, LicenceType

    call_command("migrate", interactive=False, verbosity=0)
    licence_type, _ = LicenceType.objects.get_or_create(
        code=TYPE_CODE,
        defaults={
            "name": TYPE_NAME,
            "name_en": "Food business licence",
            "defining_body": "国家市场监督管理总局",
            "defining_body_code": TYPE_CODE[:18],
            "metadata_schema": SCHEMA,
            "validity_years": 5,
        },
    )
    issuers = []
    for i in range(ISSUERS):
        code = uscc_for(900 + i, authority="1", kind="1", prefix="TQ")
        name = f"西安市第{i + 1}市场监督管理所"
        key = IssuerKey.objects.filter(issuer_code=code, active=True).first()
        if key is None:
            key = signing.create_issuer_key(code, name)
        issuers.append(
            {"code": code, "name": name, "key_id": key.key_id, "token": key.private_key_encrypted}
        )
    return {"type_id": licence_type.pk, "issuers": issuers}


def citizen(n: int) -> tuple[str, str]:
    from bench.cases_lifecycle import citizen_id

    name = SURNAMES[n % len(SURNAMES)] + GIVEN[(n // 7) % len(GIVEN)] + GIVEN[(n // 3) % len(GIVEN)]
    return name, citizen_id(n + 1000)


def enterprise(n: int) -> tuple[str, str]:
    from tests.factories import uscc_for

    return f"西安市灞桥区第{n + 1}号餐饮有限公司", uscc_for(5000 + n, authority="9", prefix="MA")


def row_fields(n: int, world: dict[str, Any], today: date) -> dict[str, Any]:
    """The model field values of licence ``n`` (everything except the signature)."""
    from zhengwu.kernel.identifiers import make_licence_identifier

    issuer = world["issuers"][n % ISSUERS]
    group = n // ISSUERS
    year = YEARS[group % len(YEARS)]
    seq = group // len(YEARS) + 1
    serial = f"{year}{seq:06d}"
    issue = date(year, 1 + n % 12, 1 + n % 28)
    until = issue.replace(year=issue.year + 5) - timedelta(days=1)
    if until < today:
        status = "expired"
    else:
        status = {97: "suspended", 98: "revoked", 99: "cancelled"}.get(n % 100, "valid")
    if n % 100 < 85:
        holder_name, holder_code = citizen(n % CITIZENS)
        code_type = "111"
    else:
        holder_name, holder_code = enterprise(n % ENTERPRISES)
        code_type = "001"
    return {
        "identifier": make_licence_identifier(TYPE_CODE, issuer["code"], serial, "001"),
        "number": f"{TYPE_CODE[-3:]}{serial}",
        "type_code": TYPE_CODE,
        "type_name": TYPE_NAME,
        "issuer_code": issuer["code"],
        "issuer_name": issuer["name"],
        "holder_name": holder_name,
        "holder_code": holder_code,
        "holder_code_type": code_type,
        "region": "610111",
        "issue_date": issue,
        "valid_from": issue,
        "valid_until": until,
        "metadata": {
            "business_scope": SCOPES[n % len(SCOPES)],
            "premises": f"西安市灞桥区{STREETS[n % len(STREETS)]}{1 + n % 300}号",
            "main_body": BODIES[n % len(BODIES)],
        },
        "previous": "",
        "relation": "",
        "version": 1,
        "key_id": issuer["key_id"],
        "_serial": serial,
        "_status": status,
    }


_holder_index_cache: dict[tuple[str, str], str] = {}


def _holder_index(code_type: str, code: str) -> str:
    from zhengwu.licences.services import holder_index_for

    key = (code_type, code)
    if key not in _holder_index_cache:
        _holder_index_cache[key] = holder_index_for(code_type, code)
    return _holder_index_cache[key]


def load_chunk(chunk: int, size: int, world: dict[str, Any]) -> int:
    """Sign and write licences ``chunk*size … chunk*size+size-1`` in one transaction."""
    import base64
    import secrets

    from django.db import connection, transaction
    from django.utils import timezone

    from zhengwu.kernel.crypto import sm2_sign
    from zhengwu.licences import signing
    from zhengwu.licences.models import Licence

    today = timezone.localdate()
    now = timezone.now()
    pairs = {i["key_id"]: signing._private_key(i["key_id"], i["token"]) for i in world["issuers"]}
    rows = []
    for n in range(chunk * size, (chunk + 1) * size):
        fields = row_fields(n, world, today)
        serial, status = fields.pop("_serial"), fields.pop("_status")
        canonical = signing.canonical_bytes(fields)
        signature = base64.b64encode(sm2_sign(pairs[fields["key_id"]], canonical)).decode()
        rows.append(
            Licence(
                identifier=fields["identifier"],
                number=fields["number"],
                licence_type_id=world["type_id"],
                type_code=TYPE_CODE,
                type_name=TYPE_NAME,
                issuer_code=fields["issuer_code"],
                issuer_name=fields["issuer_name"],
                serial=serial,
                version=1,
                holder_name=fields["holder_name"],
                holder_code=fields["holder_code"],
                holder_code_type=fields["holder_code_type"],
                holder_index=_holder_index(fields["holder_code_type"], fields["holder_code"]),
                region="610111",
                issue_date=fields["issue_date"],
                valid_from=fields["valid_from"],
                valid_until=fields["valid_until"],
                metadata=fields["metadata"],
                status=status,
                source="import",
                signature=signature,
                key_id=fields["key_id"],
                signed_at=now,
                verified_seal=signing.seal_for(canonical, signature, fields["key_id"]),
                qr_token=secrets.token_urlsafe(16)[:22],
            )
        )
    with transaction.atomic():
        Licence.objects.bulk_create(rows, batch_size=1000)
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO bench_env (name, value) VALUES (%s, %s)", [f"chunk:{chunk}", "1"]
            )
    return len(rows)


def _worker(args: tuple[int, int, dict[str, Any]]) -> int:
    chunk, size, world = args
    return load_chunk(chunk, size, world)


def set_serial_counters(world: dict[str, Any], count: int) -> None:
    from zhengwu.licences.models import SerialCounter

    for i, issuer in enumerate(world["issuers"]):
        for y, year in enumerate(YEARS):
            # rows n with n % ISSUERS == i and (n // ISSUERS) % len(YEARS) == y
            groups = [
                g
                for g in range(y, (count + ISSUERS - 1) // ISSUERS, len(YEARS))
                if g * ISSUERS + i < count
            ]
            last = (groups[-1] // len(YEARS) + 1) if groups else 0
            counter, _ = SerialCounter.objects.get_or_create(
                issuer_code=issuer["code"], type_code=TYPE_CODE, year=year
            )
            if counter.last < last:
                counter.last = last
                counter.save(update_fields=["last"])


def loaded_chunks() -> set[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM bench_env WHERE name LIKE 'chunk:%%'")
        return {int(name.split(":", 1)[1]) for (name,) in cursor.fetchall()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--processes", type=int, default=max(1, os.cpu_count() or 1))
    parser.add_argument("--chunk", type=int, default=5000)
    args = parser.parse_args()
    url = database_url(args.database_url)
    setup(url)
    from django.db import connections

    from zhengwu.licences.models import Licence

    world = build_world()
    size = args.chunk
    chunks = (args.count + size - 1) // size
    if args.count % size:
        parser.error("--count must be a multiple of --chunk")
    todo = sorted(set(range(chunks)) - loaded_chunks())
    started = time.perf_counter()
    written = 0
    if todo:
        connections.close_all()
        ctx = multiprocessing.get_context("fork")
        with ctx.Pool(args.processes) as pool:
            for done in pool.imap_unordered(_worker, [(c, size, world) for c in todo]):
                written += done
                elapsed = time.perf_counter() - started
                print(
                    f"\r{written:>10,} licences signed and written  {written / elapsed:8.0f}/s",
                    end="",
                    flush=True,
                )
        print()
    set_serial_counters(world, args.count)
    elapsed = time.perf_counter() - started
    total = Licence.objects.count()
    report = {
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": "sqlite" if _sqlite_path(url) else "postgresql",
        "requested": args.count,
        "licences_stored": total,
        "written_this_run": written,
        "seconds": round(elapsed, 1),
        "rows_per_second": round(written / elapsed, 1) if written else None,
        "processes": args.processes,
        "issuers": ISSUERS,
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "licences_data.json").write_text(json.dumps(report, ensure_ascii=False, indent=2))
    print(json.dumps(report, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

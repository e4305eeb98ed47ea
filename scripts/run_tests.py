"""`make test`: ruff and import contracts, then pytest on SQLite, then on PostgreSQL.

Each pytest run spreads the tests over one worker per core (pytest-xdist; set
ZHENGWU_TEST_WORKERS=1 for a single process). PostgreSQL is used when
ZHENGWU_TEST_POSTGRES_URL is set or a server answers on 127.0.0.1:5432. With
ZHENGWU_REQUIRE_SERVICES=true (CI) a missing PostgreSQL, Redis or Chromium is a failure,
not a skip. The last lines say which databases were run.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
DEFAULT_PG = "postgres://postgres@127.0.0.1:5432/postgres"
# STYLE.md: mypy on the kernel and on every services.py, and on the modules that write for
# the services (the case-access projection, licence access grants and exemptions).
MYPY_TARGETS = [
    "src/zhengwu/kernel",
    *sorted(str(p) for p in Path("src/zhengwu").glob("*/services.py")),
    "src/zhengwu/cases/access.py",
    "src/zhengwu/licences/access.py",
    "src/zhengwu/licences/exemptions.py",
]


def truthy(value: str | None) -> bool:
    return (value or "").strip().lower() in ("1", "true", "yes", "on")


def answers(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 5432), 2):
            return True
    except OSError:
        return False


def run(command: list[str], env: dict[str, str] | None = None) -> int:
    print("+", " ".join(command), flush=True)
    return subprocess.call(command, cwd=ROOT, env=env)  # noqa: S603


def workers(pytest_args: list[str]) -> list[str]:
    """pytest-xdist workers: ZHENGWU_TEST_WORKERS (default one per core), unless given."""
    if any(a == "-n" or a.startswith(("-n", "--numprocesses")) for a in pytest_args):
        return []
    count = os.environ.get("ZHENGWU_TEST_WORKERS", "").strip() or "auto"
    return [] if count in ("0", "1") else ["-n", count]


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--only", choices=["sqlite", "postgres"])
    parser.add_argument("pytest_args", nargs="*")
    args = parser.parse_args()
    require = truthy(os.environ.get("ZHENGWU_REQUIRE_SERVICES"))
    base_env = {k: v for k, v in os.environ.items() if k != "ZHENGWU_DATABASE_URL"}
    base_env["ZHENGWU_MODE"] = "test"
    ran: list[str] = []

    if args.only is None:
        for command in (
            [str(BIN / "ruff"), "check", "src", "tests", "bench", "scripts"],
            [str(BIN / "ruff"), "format", "--check", "src", "tests", "bench", "scripts"],
            [str(BIN / "lint-imports")],
            [str(BIN / "mypy"), *MYPY_TARGETS],
        ):
            if run(command, base_env) != 0:
                print("lint failed", file=sys.stderr)
                return 1
        if run([str(BIN / "zhengwu"), "makemigrations", "--check", "--dry-run"], base_env) != 0:
            print("models and migrations disagree: run `zhengwu makemigrations`", file=sys.stderr)
            return 1

    if args.only in (None, "sqlite"):
        code = run([str(BIN / "pytest"), *workers(args.pytest_args), *args.pytest_args], base_env)
        if code != 0:
            return code
        ran.append("SQLite (with browser journeys)")

    if args.only in (None, "postgres"):
        url = os.environ.get("ZHENGWU_TEST_POSTGRES_URL", "").strip()
        if not url and answers(DEFAULT_PG):
            url = DEFAULT_PG
        if url and answers(url):
            pg_env = {**base_env, "ZHENGWU_DATABASE_URL": url}
            # The browser journeys ran on SQLite; on PostgreSQL the rest runs again.
            parallel = workers(args.pytest_args)
            code = run([str(BIN / "pytest"), *parallel, "-m", "not e2e", *args.pytest_args], pg_env)
            if code != 0:
                return code
            ran.append(f"PostgreSQL ({urlparse(url).hostname}:{urlparse(url).port or 5432})")
        elif require or args.only == "postgres":
            print("PostgreSQL is required but no server answers", file=sys.stderr)
            return 1
        else:
            print("PostgreSQL: no server answers on 127.0.0.1:5432 — skipped that run")

    print("test runs completed on: " + "; ".join(ran))
    return 0


if __name__ == "__main__":
    sys.exit(main())

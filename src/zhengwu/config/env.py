"""The one module that reads the environment.

Every setting zhengwu takes from the environment is declared here with its default and a
one-line description; README.md's configuration table lists exactly these (a test checks).
Nothing else in the code base reads ``os.environ`` for configuration.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

MODES = ("production", "demo", "test")


class ConfigurationError(RuntimeError):
    """Raised at start-up for an unsafe or malformed configuration."""


@dataclass(frozen=True)
class Var:
    name: str
    default: str
    description: str


VARIABLES: dict[str, Var] = {}


def _declare(name: str, default: str, description: str) -> Var:
    var = Var(name, default, description)
    VARIABLES[name] = var
    return var


MODE = _declare(
    "ZHENGWU_MODE",
    "production",
    "`production`, `demo` or `test`. Demo and test mode allow generated keys; production "
    "refuses to start without real secrets.",
)
SECRET_KEY = _declare("ZHENGWU_SECRET_KEY", "", "Django secret key. Required in production mode.")
DEBUG = _declare("ZHENGWU_DEBUG", "false", "Django debug pages. Never in production.")
ALLOWED_HOSTS = _declare(
    "ZHENGWU_ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]", "Comma-separated host names served."
)
CSRF_TRUSTED_ORIGINS = _declare(
    "ZHENGWU_CSRF_TRUSTED_ORIGINS", "", "Comma-separated origins (https://…) trusted for CSRF."
)
PUBLIC_URL = _declare(
    "ZHENGWU_PUBLIC_URL",
    "http://127.0.0.1:8000",
    "Public base URL, used in QR codes, e-mails and the OpenID Connect issuer.",
)
VAR_DIR = _declare(
    "ZHENGWU_VAR_DIR", "./var", "Folder for the embedded database, files and generated keys."
)
DATABASE_URL = _declare(
    "ZHENGWU_DATABASE_URL",
    "",
    "Database URL. Empty: SQLite (WAL) at `<VAR_DIR>/zhengwu.sqlite3`. "
    "Production: `postgres://user:pass@host:5432/zhengwu`.",
)
DB_CONN_MAX_AGE = _declare(
    "ZHENGWU_DB_CONN_MAX_AGE", "60", "Seconds a database connection is kept open (PostgreSQL)."
)
DB_HEALTH_CHECKS = _declare(
    "ZHENGWU_DB_HEALTH_CHECKS",
    "false",
    "Ping a kept database connection before each request reuses it (costs one round trip per "
    "request; off, as in Django, a dead connection fails one request and is then replaced).",
)
DB_PREPARED_STATEMENTS = _declare(
    "ZHENGWU_DB_PREPARED_STATEMENTS",
    "true",
    "PostgreSQL: bind parameters on the server and prepare a statement once a connection has "
    "run it 5 times, so repeated queries skip parsing and planning. Turn off behind a pooler "
    "that cannot keep prepared statements (PgBouncer < 1.21 in transaction mode).",
)
FILES_DIR = _declare(
    "ZHENGWU_FILES_DIR", "", "Local file storage folder. Empty: `<VAR_DIR>/files`."
)
STORAGE = _declare(
    "ZHENGWU_STORAGE", "local", "`local` (folder) or `s3` (S3-compatible object store)."
)
S3_BUCKET = _declare("ZHENGWU_S3_BUCKET", "", "Bucket name when STORAGE=s3.")
S3_ENDPOINT_URL = _declare("ZHENGWU_S3_ENDPOINT_URL", "", "Object store endpoint when STORAGE=s3.")
S3_ACCESS_KEY = _declare("ZHENGWU_S3_ACCESS_KEY", "", "Object store access key.")
S3_SECRET_KEY = _declare("ZHENGWU_S3_SECRET_KEY", "", "Object store secret key.")
TASKS = _declare(
    "ZHENGWU_TASKS",
    "database",
    "Task backend: `database` (django-tasks-db, embedded default), `rq` (RQ on Redis) or "
    "`immediate` (run inline; tests only).",
)
REDIS_URL = _declare(
    "ZHENGWU_REDIS_URL", "redis://127.0.0.1:6379/0", "Redis URL for `TASKS=rq` and caching."
)
FIELD_KEYS = _declare(
    "ZHENGWU_FIELD_KEYS",
    "",
    "Field-encryption keys for personal data: `kid:base64key,…` (16-byte SM4 keys); the "
    "first encrypts, all decrypt (rotation). Required in production.",
)
BLIND_INDEX_KEY = _declare(
    "ZHENGWU_BLIND_INDEX_KEY",
    "",
    "Base64 key (≥ 32 bytes) of the HMAC blind index used to look up encrypted ID numbers. "
    "Required in production; never rotate without re-indexing.",
)
OIDC_PRIVATE_KEY_FILE = _declare(
    "ZHENGWU_OIDC_PRIVATE_KEY_FILE",
    "",
    "PEM RSA key signing OpenID Connect ID tokens. Empty in demo/test: generated under VAR_DIR.",
)
SESSION_AGE = _declare(
    "ZHENGWU_SESSION_AGE", "28800", "Seconds a login session lasts without activity."
)
LOGIN_MAX_FAILURES = _declare(
    "ZHENGWU_LOGIN_MAX_FAILURES", "5", "Failed password attempts before an account locks."
)
LOGIN_LOCKOUT_MINUTES = _declare(
    "ZHENGWU_LOGIN_LOCKOUT_MINUTES", "15", "Minutes an account stays locked after that."
)
SECURE_COOKIES = _declare(
    "ZHENGWU_SECURE_COOKIES",
    "",
    "Send cookies only over HTTPS. Empty: on in production, off in demo/test.",
)
LOG_LEVEL = _declare("ZHENGWU_LOG_LEVEL", "INFO", "Log level of the `zhengwu` loggers.")
LOG_JSON = _declare("ZHENGWU_LOG_JSON", "false", "Write logs as JSON lines.")
HTTP_BIND = _declare("ZHENGWU_HTTP_BIND", "127.0.0.1:8000", "Address `zhengwu serve` listens on.")
HTTP_WORKERS = _declare(
    "ZHENGWU_HTTP_WORKERS", "0", "granian worker processes for `zhengwu serve`; 0 = CPU cores."
)
HTTP_THREADS = _declare(
    "ZHENGWU_HTTP_THREADS",
    "2",
    "Blocking threads per worker (decision 0010); keep ≤ the database connection budget per "
    "worker.",
)
OUTBOX_MAX_ATTEMPTS = _declare(
    "ZHENGWU_OUTBOX_MAX_ATTEMPTS", "10", "Delivery attempts before an outbox message is dead."
)
AUDIT_CHAINS = _declare(
    "ZHENGWU_AUDIT_CHAINS",
    "8",
    "Number of audit hash chains (writes to different chains do not wait for each other).",
)
PAYMENT_GATEWAY_URL = _declare(
    "ZHENGWU_PAYMENT_GATEWAY_URL",
    "",
    "Base URL of the online payment gateway (e.g. the 非税收入 platform); empty disables "
    "online payment (window payment always works).",
)
PAYMENT_GATEWAY_SECRET = _declare(
    "ZHENGWU_PAYMENT_GATEWAY_SECRET",
    "",
    "HMAC-SHA256 secret shared with the payment gateway; signs orders and verifies its "
    "payment notices. Required in production when the gateway URL is set.",
)
PAYMENT_GATEWAY_TIMEOUT = _declare(
    "ZHENGWU_PAYMENT_GATEWAY_TIMEOUT", "10", "Seconds to wait for the payment gateway."
)
HOTLINE_OFFICE_HOURS = _declare(
    "ZHENGWU_HOTLINE_OFFICE_HOURS",
    "09:00-12:00,13:00-17:30",
    "12345 hotline office hours on working days (`HH:MM-HH:MM,…`): working-hour limits "
    "such as the 2-hour sign-for limit count only these.",
)
HOTLINE_DUPLICATE_WINDOW_HOURS = _declare(
    "ZHENGWU_HOTLINE_DUPLICATE_WINDOW_HOURS",
    "72",
    "Hours within which tickets of the same caller and topic (or near-identical text at the "
    "same place) are proposed for merging.",
)
HOTLINE_AUTO_DISPATCH_CONFIDENCE = _declare(
    "ZHENGWU_HOTLINE_AUTO_DISPATCH_CONFIDENCE",
    "0.55",
    "Routing confidence (0–1) from which web, mobile, API and Open311 tickets are dispatched "
    "without a dispatcher.",
)
HOTLINE_OPEN311_JURISDICTION = _declare(
    "ZHENGWU_HOTLINE_OPEN311_JURISDICTION",
    "610111",
    "Open311 `jurisdiction_id` this server answers for (requests naming another are 404).",
)
TEST_POSTGRES_URL = _declare(
    "ZHENGWU_TEST_POSTGRES_URL",
    "",
    "`make test` only: PostgreSQL server URL for the second test run (default: "
    "`postgres://postgres@127.0.0.1:5432/postgres` when a server answers there).",
)
TEST_WORKERS = _declare(
    "ZHENGWU_TEST_WORKERS",
    "auto",
    "`make test` only: pytest-xdist workers per run (`auto` = one per core; `1` = a single "
    "process).",
)
REQUIRE_SERVICES = _declare(
    "ZHENGWU_REQUIRE_SERVICES",
    "false",
    "Tests only: fail instead of skipping when PostgreSQL, Redis or Chromium is missing "
    "(CI sets it).",
)


def raw(var: Var) -> str:
    return os.environ.get(var.name, var.default)


def text(var: Var) -> str:
    return raw(var).strip()


def flag(var: Var) -> bool:
    value = text(var).lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("", "0", "false", "no", "off"):
        return False
    raise ConfigurationError(f"{var.name} must be true or false, not {value!r}")


def integer(var: Var, *, minimum: int = 0) -> int:
    value = text(var)
    try:
        number = int(value)
    except ValueError as exc:
        raise ConfigurationError(f"{var.name} must be a whole number, not {value!r}") from exc
    if number < minimum:
        raise ConfigurationError(f"{var.name} must be at least {minimum}")
    return number


def items(var: Var) -> list[str]:
    return [part.strip() for part in text(var).split(",") if part.strip()]


def choice(var: Var, options: tuple[str, ...]) -> str:
    value = text(var).lower()
    if value not in options:
        raise ConfigurationError(f"{var.name} must be one of {', '.join(options)}, not {value!r}")
    return value


def path(var: Var, *, base: Path | None = None) -> Path:
    value = Path(text(var)).expanduser()
    if not value.is_absolute() and base is not None:
        value = base / value
    return value.resolve()
